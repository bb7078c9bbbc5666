"""Pure decisions about answers the live API gives: typed 400s, the upload retry on a spurious
"Malformed request", the last day a query may reach, cursor rejections, and the count result."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime

import orjson
import pytest

from clevertap_async import (
    APIError,
    BadRequestError,
    CountResult,
    ExportNotAllowedError,
    ServerError,
    UnknownEventError,
    ValidationError,
)
from clevertap_async._pagination import _rejects_cursor
from clevertap_async._protocol import decode_response
from clevertap_async._query import date_range, latest_query_day
from clevertap_async._retry import RetryPolicy, is_spurious_malformed


def decode(status: int, body: object, path: str = "/1/events.json") -> APIError:
    with pytest.raises(APIError) as caught:
        decode_response(status, orjson.dumps(body), method="POST", path=path)
    return caught.value


@pytest.mark.parametrize(
    "error",
    [
        '["Invalid event : Uninstalled"]',
        ["Invalid event : Uninstalled"],
        "Invalid event : Uninstalled",
    ],
)
def test_invalid_event_is_an_unknown_event_error_with_the_name(error: object) -> None:
    raised = decode(400, {"status": "fail", "error": error, "code": 400})
    assert type(raised) is UnknownEventError and isinstance(raised, BadRequestError)
    assert raised.event_name == "Uninstalled"
    assert raised.message == "Invalid event : Uninstalled"
    assert (raised.status, raised.code, raised.path) == (400, 400, "/1/events.json")


def test_an_event_name_with_spaces_is_kept_whole() -> None:
    raised = decode(400, {"status": "fail", "error": '["Invalid event : App  Opened"]'})
    assert isinstance(raised, UnknownEventError) and raised.event_name == "App  Opened"


def test_export_not_allowed_is_its_own_error() -> None:
    raised = decode(
        400, {"status": "fail", "error": "Export not allowed for this event", "code": 400}
    )
    assert type(raised) is ExportNotAllowedError and isinstance(raised, BadRequestError)


@pytest.mark.parametrize(
    ("status", "error", "kind"),
    [
        (400, "Malformed request", BadRequestError),
        (400, '["event_name is mandatory"]', BadRequestError),
        (500, "Invalid event : X", ServerError),  # only a 400 names an unknown event
    ],
)
def test_other_answers_keep_their_status_type(
    status: int, error: str, kind: type[APIError]
) -> None:
    assert type(decode(status, {"status": "fail", "error": error})) is kind


def test_a_malformed_request_is_worth_a_resend_and_nothing_else_is() -> None:
    def bad(message: str, status: int = 400, path: str = "/1/upload") -> APIError:
        return decode(status, {"status": "fail", "error": message, "code": status}, path)

    assert is_spurious_malformed(bad("Malformed request"))
    assert not is_spurious_malformed(bad("Malformed request", path="/1/counts/events.json"))
    assert not is_spurious_malformed(bad("Malformed request: d must be a list of records"))
    assert not is_spurious_malformed(bad("Max 1000 records are allowed per call"))
    assert not is_spurious_malformed(bad("Malformed request", 500))
    assert not is_spurious_malformed(bad('["Invalid event : X"]'))
    # The retry policy is where the rule applies: an upload's "Malformed request" gets a retry.
    policy = RetryPolicy.no_wait(max_retries=2)
    assert policy.next_delay(bad("Malformed request"), 0) == 0.0
    assert policy.next_delay(bad("Malformed request"), 2) is None
    assert policy.next_delay(bad("Max 1000 records are allowed per call"), 0) is None


def test_the_last_query_day_is_tomorrow_in_utc() -> None:
    late = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert latest_query_day(late) == date(2027, 1, 1)
    assert latest_query_day() >= datetime.now(UTC).date()


def test_a_range_past_its_last_day_names_the_end() -> None:
    assert date_range(20260101, 20260102, not_after=date(2026, 1, 2))[1] == date(2026, 1, 2)
    with pytest.raises(ValidationError, match="in the future") as caught:
        date_range(20260101, 20260103, not_after=date(2026, 1, 2))
    assert caught.value.field == "end"


@pytest.mark.parametrize(
    ("body", "rejected"),
    [
        ({"status": "fail", "error": "Incorrect Usage", "code": 3}, True),
        ({"status": "fail", "error": "Something else", "code": 3}, True),
        ({"status": "fail", "error": "invalid cursor", "code": 400}, True),
        ({"status": "fail", "error": "Invalid Cursor supplied"}, True),
        ({"status": "fail", "error": "CURSOR_INVALIDATED", "code": 400}, True),
        ({"status": "fail", "code": "CURSOR_INVALIDATED"}, True),
        ({"status": "fail", "error": "Malformed request", "code": 400}, False),
    ],
)
def test_every_known_cursor_rejection_is_recognised(
    body: dict[str, object], rejected: bool
) -> None:
    assert _rejects_cursor(decode(400, body)) is rejected


def test_a_count_result_is_an_int_with_read_only_extras() -> None:
    count = CountResult(7, {"tcount": 9})
    assert count == 7 and count * 2 == 14 and str(count) == "7" and orjson.dumps(count) == b"7"
    assert count.extra == {"tcount": 9}
    with pytest.raises(TypeError):
        count.extra["tcount"] = 1  # type: ignore[index]
    copy = pickle.loads(pickle.dumps(count))
    assert (copy, dict(copy.extra)) == (7, {"tcount": 9})
    assert CountResult(0).extra == {}
