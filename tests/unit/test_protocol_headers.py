"""What an error keeps of the answer's headers, the ``Retry-After`` read from them, the deprecated
``Backoff`` shim, and where an error's text is cut when a multi-byte character straddles the cut."""

from __future__ import annotations

import random
from typing import Any

import pytest

from clevertap_async import _protocol
from clevertap_async._errors import (
    APIError,
    APIFailure,
    BadRequestError,
    MalformedResponseError,
    RateLimitError,
    ResultNotReadyError,
)
from clevertap_async._retry import RetryPolicy

SECRET = "s3cret-passcode"
ANSWER_HEADERS = {
    "Content-Type": "text/plain",
    "X-Echo": f"seen {SECRET} here",
    "x-CleverTap-PASSCODE": SECRET,
}
KEPT = {"Content-Type": "text/plain", "X-Echo": "seen ******** here"}


def error_of(status: int, body: bytes, **options: Any) -> APIError:
    with pytest.raises(APIError) as caught:
        _protocol.decode_response(status, body, method="GET", path="/1/x.json", **options)
    return caught.value


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (400, b'{"status": "fail", "error": "bad"}', BadRequestError),
        (200, b"[1]", MalformedResponseError),
        (200, b'{"status": "fail", "error": "bad"}', APIFailure),
        (
            200,
            b'{"status": "fail", "error": "Campaign hasn\'t been completed"}',
            ResultNotReadyError,
        ),
    ],
)
def test_every_error_keeps_the_headers_without_the_passcode(
    status: int, body: bytes, kind: type[APIError]
) -> None:
    error = error_of(status, body, secret=SECRET, headers=ANSWER_HEADERS)
    assert type(error) is kind
    assert error.headers == KEPT


def test_error_headers_edges() -> None:
    assert _protocol.error_headers(None, SECRET) == {}
    assert _protocol.error_headers({}, SECRET) == {}
    assert _protocol.error_headers(ANSWER_HEADERS, SECRET) == KEPT
    # A secret too short to mask leaves values alone; the passcode header still goes.
    assert _protocol.error_headers({"X-A": "abc", "X-CleverTap-Passcode": "abc"}, "abc") == {
        "X-A": "abc"
    }
    assert error_of(400, b"{}").headers == {}


def test_header_is_found_by_any_case_or_is_none() -> None:
    headers = {"retry-AFTER": "7", "X-Other": "1"}
    assert _protocol.header(headers, "Retry-After") == "7"
    assert _protocol.header(headers, "x-other") == "1"
    assert _protocol.header(headers, "Missing") is None
    assert _protocol.header({}, "Retry-After") is None


def test_a_429_reads_retry_after_from_its_headers() -> None:
    error = error_of(429, b'{"error": "slow down"}', headers={"retry-after": "12"})
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 12.0
    assert error.headers == {"retry-after": "12"}
    unset = error_of(429, b"{}", headers={"X-Other": "12"})
    assert isinstance(unset, RateLimitError) and unset.retry_after is None


def test_api_error_passes_every_detail() -> None:
    error = _protocol.api_error(
        429, "m", code=5, body={"b": 1}, method="GET", path="/p", headers={"Retry-After": "3"}
    )
    assert isinstance(error, RateLimitError)
    assert (error.status, error.code, error.body, error.method, error.path) == (
        429,
        5,
        {"b": 1},
        "GET",
        "/p",
    )
    assert (error.retry_after, error.headers, error.message) == (3.0, {"Retry-After": "3"}, "m")


def test_error_text_keeps_a_two_byte_character_that_ends_at_byte_300() -> None:
    # "é" takes bytes 299 and 300: the first 300 bytes would split it into a replacement character,
    # so the cut reads exactly 300 + len(secret) bytes and decodes what fits.
    body = "x" * 299 + "é" + "y" * 50
    raw = body.encode()
    assert error_of(500, raw).message == "x" * 299 + "\ufffd"
    # With a secret, the read reaches len(secret) bytes further and the character is whole.
    assert error_of(500, raw, secret="abcd").message == "x" * 299 + "é"
    three = "x" * 299 + "€" + "y" * 50  # bytes 299-301: two bytes more still leave it cut
    assert error_of(500, three.encode(), secret="").message == "x" * 299 + "\ufffd"


def test_backoff_defaults_and_policy() -> None:
    backoff = _protocol.Backoff()
    assert (backoff.initial, backoff.maximum, backoff.multiplier, backoff.max_retry_after) == (
        0.5,
        8.0,
        2.0,
        60.0,
    )
    assert backoff.to_policy(4) == RetryPolicy(
        max_retries=4, initial_delay=0.5, max_delay=8.0, multiplier=2.0, max_retry_after=60.0
    )
    custom = _protocol.Backoff(initial=1.5, maximum=3.0, multiplier=4.0, max_retry_after=9.0)
    assert custom.to_policy(2) == RetryPolicy(
        max_retries=2, initial_delay=1.5, max_delay=3.0, multiplier=4.0, max_retry_after=9.0
    )


def test_no_backoff_never_waits() -> None:
    assert (
        _protocol.NO_BACKOFF.initial,
        _protocol.NO_BACKOFF.maximum,
        _protocol.NO_BACKOFF.multiplier,
        _protocol.NO_BACKOFF.max_retry_after,
    ) == (0.0, 0.0, 2.0, 0.0)
    assert _protocol.NO_BACKOFF.to_policy(5) == RetryPolicy.no_wait(5)
    assert _protocol.NO_BACKOFF.delay(3) == 0.0


def test_backoff_delay_is_the_policy_wait_with_the_given_rng() -> None:
    backoff = _protocol.Backoff(initial=1.0, maximum=100.0, multiplier=3.0, max_retry_after=20.0)
    policy = backoff.to_policy(0)
    for attempt in range(4):
        expected = policy.backoff(attempt, rng=random.Random(attempt))
        assert backoff.delay(attempt, rng=random.Random(attempt)) == expected
    assert backoff.delay(0, retry_after=5.0) == 5.0
    assert backoff.delay(0, retry_after=25.0) == 20.0
    assert backoff.delay(0, retry_after=0.0) == 0.0
