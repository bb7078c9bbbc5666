"""The protocol's pure functions at their edges: every attribute of every error an answer becomes,
every field a bad request names, and the exact bytes of headers and URLs."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest

from clevertap_async import _protocol
from clevertap_async._errors import (
    APIError,
    APIFailure,
    BadRequestError,
    MalformedResponseError,
    ServerError,
    ValidationError,
)

SECRET = "s3cret-passcode"


def decode(status: int, body: bytes, **options: Any) -> Any:
    return _protocol.decode_response(status, body, method="POST", path="/1/x.json", **options)


def error_of(status: int, body: bytes, **options: Any) -> APIError:
    with pytest.raises(APIError) as caught:
        decode(status, body, **options)
    return caught.value


def attributes(error: APIError) -> tuple[Any, ...]:
    return (type(error), str(error), error.status, error.code, error.message, error.body)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            400,
            b'{"status": "fail", "error": "bad", "code": 7}',
            (BadRequestError, "POST /1/x.json: HTTP 400, code 7: bad", 400, 7, "bad", {"status": "fail", "error": "bad", "code": 7}),
        ),
        (
            400,
            b'{"status": "fail", "error": ["first problem", "second problem"]}',
            (BadRequestError, "POST /1/x.json: HTTP 400: first problem; second problem", 400, None, "first problem; second problem", {"status": "fail", "error": ["first problem", "second problem"]}),
        ),
        (
            500,
            b'{"status": "fail"}',  # no error text: the body itself is the message
            (ServerError, 'POST /1/x.json: HTTP 500: {"status": "fail"}', 500, None, '{"status": "fail"}', {"status": "fail"}),
        ),
        (
            502,
            b"[1, 2]",
            (ServerError, "POST /1/x.json: HTTP 502: [1, 2]", 502, None, "[1, 2]", [1, 2]),
        ),
        (
            503,
            b"",
            (ServerError, "POST /1/x.json: HTTP 503: HTTP 503", 503, None, "HTTP 503", ""),
        ),
        (
            300,  # 3xx is not an answer either (redirects are never followed)
            b"<html>moved</html>",
            (APIError, "POST /1/x.json: HTTP 300: <html>moved</html>", 300, None, "<html>moved</html>", "<html>moved</html>"),
        ),
        (
            400,
            b'{"status": "fail", "error": "x", "code": true}',  # a bool is not a code
            (BadRequestError, "POST /1/x.json: HTTP 400: x", 400, None, "x", {"status": "fail", "error": "x", "code": True}),
        ),
        (
            400,
            b'{"status": "fail", "error": "x", "code": "3"}',
            (BadRequestError, "POST /1/x.json: HTTP 400: x", 400, None, "x", {"status": "fail", "error": "x", "code": "3"}),
        ),
        (
            200,
            b'{"status": "fail", "code": 2}',
            (APIFailure, "POST /1/x.json: HTTP 200, code 2: request failed", 200, 2, "request failed", {"status": "fail", "code": 2}),
        ),
        (
            200,
            b"",
            (MalformedResponseError, "POST /1/x.json: HTTP 200: expected a JSON object, got an empty body", 200, None, "expected a JSON object, got an empty body", ""),
        ),
        (
            200,
            b"<html>\xff</html>",
            (MalformedResponseError, "POST /1/x.json: HTTP 200: expected a JSON object, got '<html>\ufffd</html>'", 200, None, "expected a JSON object, got '<html>\ufffd</html>'", "<html>\ufffd</html>"),
        ),
        (
            200,
            b"[1]",
            (MalformedResponseError, "POST /1/x.json: HTTP 200: expected a JSON object, got list", 200, None, "expected a JSON object, got list", [1]),
        ),
        (
            200,
            b"null",
            (MalformedResponseError, "POST /1/x.json: HTTP 200: expected a JSON object, got 'null'", 200, None, "expected a JSON object, got 'null'", "null"),
        ),
    ],
)  # fmt: skip
def test_each_answer_becomes_the_error_it_stands_for(
    status: int, body: bytes, expected: tuple[Any, ...]
) -> None:
    error = error_of(status, body)
    assert attributes(error) == expected
    assert (error.method, error.path) == ("POST", "/1/x.json")


def test_the_status_boundaries() -> None:
    assert decode(299, b'{"ok": 1}') == {"ok": 1}
    assert error_of(301, b"{}").status == 301


def test_error_text_is_cut_at_300_bytes_and_redacted() -> None:
    # The passcode straddles byte 300: masked first, then cut, so not even its first letter shows.
    body = b"x" * 299 + SECRET.encode() + b"y" * 100
    error = error_of(400, body, secret=SECRET)
    assert error.message == "x" * 299 + "*"
    assert error.body == error.message
    assert error_of(400, b"x" * 400).message == "x" * 300


def test_a_failure_body_is_redacted_and_kept() -> None:
    body = orjson.dumps({"status": "fail", "error": f"no {SECRET}", "code": 9})
    error = error_of(200, body, secret=SECRET)
    assert error.message == "no ********"
    assert error.code == 9


def test_without_a_secret_nothing_is_masked() -> None:
    assert error_of(400, b'{"error": "XXXX ****"}').message == "XXXX ****"


@pytest.mark.parametrize(("secret", "masked"), [("abc", False), ("abcd", True), ("abcde", True)])
def test_secrets_of_four_characters_or_more_are_masked(secret: str, masked: bool) -> None:
    expected = "x ******** y" if masked else f"x {secret} y"
    assert _protocol.redact(f"x {secret} y", secret) == expected


def test_headers_are_exactly_these() -> None:
    assert _protocol.build_headers("acc", "pass", has_body=False) == {
        "X-CleverTap-Account-Id": "acc",
        "X-CleverTap-Passcode": "pass",
        "Accept": "application/json",
    }
    assert _protocol.build_headers("acc", "pass", has_body=True)["Content-Type"] == (
        "application/json; charset=utf-8"
    )


@pytest.mark.parametrize(
    ("params", "verbatim", "url"),
    [
        (None, None, "https://h/1/x"),
        ({}, {}, "https://h/1/x"),
        (None, {"cursor": "a%2B"}, "https://h/1/x?cursor=a%2B"),
        ({"app": False, "n": 1.5}, None, "https://h/1/x?app=false&n=1.5"),
        ({"app": True}, {"cursor": "a%2B"}, "https://h/1/x?app=true&cursor=a%2B"),
    ],
)
def test_urls_are_exactly_these(
    params: dict[str, Any] | None, verbatim: dict[str, str] | None, url: str
) -> None:
    assert str(_protocol.build_url("https://h", "/1/x", params, verbatim=verbatim)) == url


def test_base_urls() -> None:
    assert _protocol.base_url_for(None, "https://h.example/api//") == "https://h.example/api"
    assert _protocol.base_url_for(None, "http://h") == "http://h"
    with pytest.raises(ValueError, match="absolute http"):
        _protocol.base_url_for(None, "https://")


@pytest.mark.parametrize(
    ("method", "path", "params", "field", "message"),
    [
        ("FETCH", "/1/x", None, "method", "unknown HTTP method 'FETCH'; use one of DELETE, GET, PATCH, POST, PUT"),
        (7, "/1/x", None, "method", "unknown HTTP method 7; use one of DELETE, GET, PATCH, POST, PUT"),
        ("GET", "1/x", None, "path", "path must start with '/', got '1/x'"),
        ("GET", "/1/x#top", None, "path", "path must not carry a query or fragment, pass params= instead: '/1/x#top'"),
        ("GET", "/1/x", [("a", 1)], "params", "params must be a mapping of names to values"),
        ("GET", "/1/x", {" ": 1}, "params", "query parameter names must be non-empty strings, got ' '"),
        ("GET", "/1/x", {"a": 1, "a ": 2}, "params", "duplicate query parameter name 'a '"),
        ("GET", "/1/x", {"a": None}, "params.a", "query parameter 'a' must be a string, number or bool, got NoneType"),
    ],
)  # fmt: skip
def test_bad_requests_name_the_field(
    method: Any, path: str, params: Any, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _protocol.validate_request(method, path, params, None)
    assert (caught.value.field, str(caught.value)) == (field, message)


def test_a_body_that_json_cannot_carry_names_the_body() -> None:
    with pytest.raises(ValidationError) as caught:
        _protocol.validate_request("POST", "/1/x", None, {"v": float("inf")})
    assert (caught.value.field, str(caught.value)) == (
        "json body",
        "json body.v is inf, which JSON cannot carry",
    )
    assert _protocol.validate_request("POST", "/1/x", None, {"v": 1.5}) == ("POST", b'{"v":1.5}')
    assert _protocol.validate_request("get", "/1/x", None, None) == ("GET", None)


@pytest.mark.parametrize(("value", "ok"), [("!", True), ("~", True), (" ", False), ("\x7f", False)])
def test_cursor_characters_at_the_ends_of_printable_ascii(value: str, ok: bool) -> None:
    assert _protocol.is_cursor("a" + value + "b") is ok


def test_retry_after_edges() -> None:
    assert _protocol.parse_retry_after("0") == 0.0
    assert _protocol.parse_retry_after("-5") == 0.0
    assert _protocol.parse_retry_after("0.25") == 0.25
    # A date without a zone is read as UTC; a far one is honoured in full (the cap is elsewhere).
    far = _protocol.parse_retry_after("Fri, 01 Jan 2100 00:00:00")
    assert far is not None and far > 365 * 86400
    zoned = _protocol.parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT")
    assert zoned is not None and abs(zoned - far) < 5


def test_backoff_starts_at_zero_and_uses_the_module_random_without_a_rng() -> None:
    backoff = _protocol.Backoff(initial=1.0, maximum=1.0)
    rng = random.Random(7)
    delays = [backoff.delay(0, rng=rng) for _ in range(500)]
    assert min(delays) < 0.05  # full jitter reaches down to zero
    random.seed(7)
    assert backoff.delay(0) == random.Random(7).uniform(0.0, 1.0)


def test_distinct_params_pass_and_a_bad_value_names_its_type() -> None:
    assert _protocol.validate_request("GET", "/1/x", {"a": 1, "b": 2}, None) == ("GET", None)
    with pytest.raises(ValidationError, match=r"got list$"):
        _protocol.validate_request("GET", "/1/x", {"a": [1]}, None)


def test_only_slashes_are_trimmed_from_a_base_url() -> None:
    assert _protocol.base_url_for(None, "http://hostX/") == "http://hostX"
