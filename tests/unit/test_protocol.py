"""The pure protocol functions: no event loop, no sockets."""

from __future__ import annotations

import math
import random

import orjson
import pytest

from clevertap_async import _protocol
from clevertap_async._errors import (
    APIFailure,
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ValidationError,
)


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("eu1", "eu1.api.clevertap.com"),
        ("in1", "in1.api.clevertap.com"),
        ("sg1", "sg1.api.clevertap.com"),
        ("us1", "us1.api.clevertap.com"),
        ("aps3", "aps3.api.clevertap.com"),
        ("mec1", "mec1.api.clevertap.com"),
        ("IN1", "in1.api.clevertap.com"),
        (None, "eu1.api.clevertap.com"),
    ],
)
def test_regions_map_to_hosts(region: str | None, host: str) -> None:
    assert _protocol.base_url_for(region, None) == f"https://{host}"


def test_unknown_region_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown region 'xx1'.*eu1, in1, sg1, us1, aps3, mec1"):
        _protocol.base_url_for("xx1", None)


def test_base_url_wins_and_loses_its_trailing_slash() -> None:
    assert _protocol.base_url_for("in1", "http://127.0.0.1:9/") == "http://127.0.0.1:9"
    with pytest.raises(ValueError, match="absolute http"):
        _protocol.base_url_for(None, "ftp://x")
    with pytest.raises(ValueError, match="unknown region 'mars'"):
        _protocol.base_url_for("mars", "http://127.0.0.1:9")


def test_cursor_is_sent_verbatim_and_params_encoded_once() -> None:
    cursor = "ZyZj%2BfwY%2FEAg%3D%3D"
    url = _protocol.build_url(
        "https://eu1.api.clevertap.com",
        "/1/events.json",
        {"batch_size": 10, "app": True, "q": "a b/c"},
        verbatim={"cursor": cursor},
    )
    assert str(url).endswith("?batch_size=10&app=true&q=a%20b%2Fc&cursor=ZyZj%2BfwY%2FEAg%3D%3D")
    assert url.raw_query_string.count("%25") == 0


def test_headers_carry_content_type_only_with_a_body() -> None:
    assert "Content-Type" not in _protocol.build_headers("a", "p", has_body=False)
    headers = _protocol.build_headers("a", "p", has_body=True)
    assert headers["X-CleverTap-Account-Id"] == "a"
    assert headers["X-CleverTap-Passcode"] == "p"
    assert headers["Content-Type"].startswith("application/json")


def test_upload_family_is_shared_and_others_are_per_path() -> None:
    assert _protocol.family_of("/1/upload") == "upload"
    assert _protocol.family_of("/1/events.json") == "/1/events.json"


def decode(status: int, body: object, **kw: object) -> object:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return _protocol.decode_response(status, raw, method="POST", path="/1/x", **kw)  # type: ignore[arg-type]


def test_success_body_is_returned() -> None:
    assert decode(200, {"status": "success", "count": 3}) == {"status": "success", "count": 3}


def test_http_200_with_fail_status_is_an_api_failure() -> None:
    with pytest.raises(APIFailure) as info:
        decode(200, {"status": "fail", "error": "This target hasn't been completed"})
    assert info.value.status == 200
    assert "hasn't been completed" in str(info.value)


def test_fail_status_is_returned_when_allowed() -> None:
    body = {"status": "fail", "processed": 0, "unprocessed": []}
    assert decode(200, body, allow_fail_status=True) == body


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(401, AuthenticationError), (404, NotFoundError), (429, RateLimitError), (503, ServerError)],
)
def test_error_statuses_map_to_types(status: int, error_type: type[Exception]) -> None:
    with pytest.raises(error_type) as info:
        decode(status, {"status": "fail", "error": "nope", "code": status})
    assert info.value.status == status  # type: ignore[attr-defined]
    assert info.value.code == status  # type: ignore[attr-defined]


def test_list_errors_are_joined() -> None:
    with pytest.raises(APIFailure, match="Invalid event : X"):
        decode(200, {"status": "fail", "error": ["Invalid event : X"]})


@pytest.mark.parametrize("body", [b"", b"<html>oops</html>", b"[1, 2]", b'{"status": "succ'])
def test_non_object_2xx_bodies_are_malformed(body: bytes) -> None:
    with pytest.raises(MalformedResponseError):
        decode(200, body)


def test_error_messages_are_redacted() -> None:
    with pytest.raises(AuthenticationError) as info:
        decode(401, {"status": "fail", "error": "Passcode s3cret is invalid"}, secret="s3cret")
    assert "s3cret" not in str(info.value)


def test_backoff_is_full_jitter_under_a_growing_cap() -> None:
    backoff = _protocol.Backoff(initial=1.0, maximum=5.0, multiplier=2.0)
    rng = random.Random(1)
    for attempt, cap in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 5.0), (10, 5.0)]:
        delays = [backoff.delay(attempt, rng=rng) for _ in range(200)]
        assert all(0.0 <= d <= cap for d in delays)
        assert max(delays) > cap * 0.8


def test_retry_after_overrides_jitter_up_to_a_bound() -> None:
    backoff = _protocol.Backoff(max_retry_after=30)
    assert backoff.delay(0, retry_after=7) == 7
    assert backoff.delay(0, retry_after=9999) == 30


def test_retry_after_parsing() -> None:
    assert _protocol.parse_retry_after("3") == 3.0
    assert _protocol.parse_retry_after(None) is None
    assert _protocol.parse_retry_after("soon") is None
    assert _protocol.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize(
    ("method", "path", "params", "json", "message"),
    [
        ("FETCH", "/1/x", None, None, "unknown HTTP method 'FETCH'"),
        ("GET", "1/x", None, None, "path must start with '/'"),
        ("GET", "/1/x?a=1", None, None, "must not carry a query"),
        ("GET", "/1/x", {"": "v"}, None, "non-empty strings"),
        ("GET", "/1/x", {"a": "1", " a": "2"}, None, "duplicate query parameter name"),
        ("GET", "/1/x", {"a": [1]}, None, "must be a string, number or bool"),
        ("POST", "/1/x", None, {"a": {1, 2}}, r"json body\.a is a set"),
        ("POST", "/1/x", None, {"price": math.nan}, r"json body\.price is nan"),
        ("POST", "/1/x", None, {"a": [{1: "x"}]}, r"json body\.a\[0\] has a non-string key 1"),
    ],
)
def test_bad_requests_are_named(
    method: str, path: str, params: dict[str, object] | None, json: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _protocol.validate_request(method, path, params, json)


def test_good_request_is_encoded_once() -> None:
    verb, body = _protocol.validate_request("post", "/1/x", {"a": 1}, {"k": [1, "v"]})
    assert verb == "POST"
    assert body == b'{"k":[1,"v"]}'


@pytest.mark.parametrize(
    ("value", "ok"),
    [("c1%2B%3D", True), ("", False), ("a b", False), ("a\nb", False), ("ä", False), (7, False)],
)
def test_only_printable_ascii_is_a_cursor(value: object, ok: bool) -> None:
    assert _protocol.is_cursor(value) is ok
