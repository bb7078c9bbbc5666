"""The typed errors a 400 names by its text (an unknown event, an export not allowed), error texts
sent as a JSON list inside a string, the status edge of "not ready", and masking in decoded bodies."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from clevertap_async import _protocol
from clevertap_async._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ExportNotAllowedError,
    ResultNotReadyError,
    UnknownEventError,
)


def error_of(status: int, body: Any) -> APIError:
    with pytest.raises(APIError) as caught:
        _protocol.decode_response(status, orjson.dumps(body), method="POST", path="/1/counts.json")
    return caught.value


def test_an_unknown_event_is_named() -> None:
    body = {"status": "fail", "error": "Invalid event :  Foo Bar ; and more", "code": 400}
    error = error_of(400, body)
    assert type(error) is UnknownEventError
    assert isinstance(error, UnknownEventError)
    assert error.event_name == "Foo Bar"
    assert (error.message, error.status, error.code, error.body, error.path) == (
        "Invalid event :  Foo Bar ; and more",
        400,
        400,
        body,
        "/1/counts.json",
    )
    assert str(error) == "POST /1/counts.json: HTTP 400: Invalid event :  Foo Bar ; and more"


def test_an_error_list_inside_a_string_is_read_as_a_list() -> None:
    error = error_of(400, {"status": "fail", "error": '["Invalid event : X", "second"]'})
    assert isinstance(error, UnknownEventError)
    assert (error.event_name, error.message) == ("X", "Invalid event : X; second")
    # Brackets that are not JSON stay as they are.
    assert error_of(400, {"error": "[oops]"}).message == "[oops]"
    assert error_of(400, {"error": "[x"}).message == "[x"


def test_only_a_400_is_read_for_these_texts() -> None:
    assert type(error_of(401, {"error": "Invalid event : X"})) is AuthenticationError
    assert type(error_of(400, {"error": "no such thing"})) is BadRequestError


def test_an_export_not_allowed_in_any_case() -> None:
    body = {"status": "fail", "error": "Export Not Allowed for this event"}
    error = error_of(400, body)
    assert type(error) is ExportNotAllowedError
    assert (error.message, error.status, error.body, error.method) == (
        "Export Not Allowed for this event",
        400,
        body,
        "POST",
    )


def test_not_ready_is_read_below_300_and_from_500_only() -> None:
    not_ready = {"status": "fail", "error": "Campaign hasn't been completed"}
    assert type(error_of(299, not_ready)) is ResultNotReadyError
    assert type(error_of(500, not_ready)) is ResultNotReadyError
    assert type(error_of(300, not_ready)) is APIError
    assert type(error_of(499, not_ready)) is APIError


def test_decoded_bodies_are_masked_from_four_characters() -> None:
    body = {"abcd": ["x abcd", {"k": "abcd"}, 5], "n": None}
    assert _protocol.redact_data(body, "abcd") == {
        "********": ["x ********", {"k": "********"}, 5],
        "n": None,
    }
    assert _protocol.redact_data(body, "abc") == body
