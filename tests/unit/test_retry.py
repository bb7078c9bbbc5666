"""RetryPolicy: which failures are retried, for which requests, and how long it waits."""

from __future__ import annotations

import random
from typing import Any

import pytest

import clevertap_async
from clevertap_async import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    CertificateError,
    CleverTap,
    CleverTapError,
    ConfigurationError,
    MalformedResponseError,
    RateLimitError,
    RequestOutcomeUnknownError,
    ResponseTooLargeError,
    RetryPolicy,
    ServerError,
)
from clevertap_async._protocol import NO_BACKOFF, Backoff
from clevertap_async._retry import outcome_unknown
from clevertap_async.testing import NO_WAIT_RETRIES

FIXED = RetryPolicy(initial_delay=1.0, max_delay=5.0, multiplier=2.0, jitter=False)


def _status(
    cls: type[ServerError | RateLimitError | BadRequestError], status: int
) -> CleverTapError:
    return cls("failed", status=status, method="POST", path="/1/x")


REFUSED = APIConnectionError("refused", request_sent=False)
DROPPED = APIConnectionError("dropped after the request was written")
READ_TIMEOUT = APITimeoutError("no answer")
CONNECT_TIMEOUT = APITimeoutError("no connection", request_sent=False)
CUT_SHORT = MalformedResponseError("cut short", status=200)


@pytest.mark.parametrize(
    ("error", "safe", "unsafe"),
    [
        (_status(RateLimitError, 429), True, True),
        (_status(ServerError, 503), True, True),
        (_status(ServerError, 500), True, False),
        (_status(ServerError, 502), True, False),
        (REFUSED, True, True),
        (CONNECT_TIMEOUT, True, True),
        (DROPPED, True, False),
        (READ_TIMEOUT, True, False),
        (CUT_SHORT, True, False),
        (_status(BadRequestError, 400), False, False),
        (CertificateError("bad certificate", request_sent=False), False, False),
        (ResponseTooLargeError("too big", status=200), False, False),
        (RequestOutcomeUnknownError("lost"), False, False),
    ],
)
def test_what_is_retried_depends_on_whether_the_request_is_safe_to_repeat(
    error: CleverTapError, safe: bool, unsafe: bool
) -> None:
    assert RetryPolicy.retryable(error, idempotent=True) is safe
    assert RetryPolicy.retryable(error, idempotent=False) is unsafe
    assert (FIXED.next_delay(error, 0) is not None) is safe
    assert (FIXED.next_delay(error, 0, idempotent=False) is not None) is unsafe


def test_outcome_is_unknown_only_when_the_server_may_have_acted() -> None:
    for error in (DROPPED, READ_TIMEOUT, CUT_SHORT, _status(ServerError, 500)):
        assert outcome_unknown(error)
    for error in (
        REFUSED,
        CONNECT_TIMEOUT,
        _status(ServerError, 503),
        _status(RateLimitError, 429),
    ):
        assert not outcome_unknown(error)


def test_waits_grow_to_the_cap_and_stop_after_max_retries() -> None:
    error = _status(ServerError, 500)
    assert [FIXED.next_delay(error, attempt) for attempt in range(5)] == [1, 2, 4, None, None]
    assert [FIXED.next_delay(None, attempt, limit=5) for attempt in range(6)] == [
        1,
        2,
        4,
        5,
        5,
        None,
    ]


def test_full_jitter_stays_under_the_cap() -> None:
    policy = RetryPolicy(initial_delay=1.0, max_delay=5.0)
    rng = random.Random(1)
    for attempt, cap in enumerate([1.0, 2.0, 4.0, 5.0]):
        delays = [policy.backoff(attempt, rng=rng) for _ in range(200)]
        assert all(0.0 <= d <= cap for d in delays)
        assert max(delays) > cap * 0.8


def test_retry_after_replaces_the_wait_and_over_the_cap_stops() -> None:
    throttled = _status(RateLimitError, 429)
    assert FIXED.next_delay(throttled, 0, retry_after=7) == 7
    assert FIXED.next_delay(throttled, 0, retry_after=60) == 60
    assert FIXED.next_delay(throttled, 0, retry_after=120) is None
    assert RetryPolicy(max_retry_after=200).next_delay(throttled, 0, retry_after=120) == 120


def test_no_wait_decides_like_the_default_but_never_waits() -> None:
    throttled = _status(RateLimitError, 429)
    assert RetryPolicy.no_wait() == NO_WAIT_RETRIES
    assert NO_WAIT_RETRIES.max_retries == RetryPolicy().max_retries
    assert [NO_WAIT_RETRIES.next_delay(throttled, n, retry_after=30) for n in range(4)] == [
        0.0,
        0.0,
        0.0,
        None,
    ]
    assert NO_WAIT_RETRIES.next_delay(throttled, 0, retry_after=120) is None
    assert NO_WAIT_RETRIES.next_delay(DROPPED, 0, idempotent=False) is None


@pytest.mark.parametrize(
    "field", ["max_retries", "initial_delay", "max_delay", "multiplier", "max_retry_after", "scale"]
)
def test_bad_fields_are_configuration_errors(field: str) -> None:
    bad: list[dict[str, Any]] = [{field: -1}, {field: "3"}]
    for fields in bad:
        with pytest.raises(ConfigurationError, match=field):
            RetryPolicy(**fields)


def test_backoff_is_deprecated_but_still_works() -> None:
    with pytest.warns(DeprecationWarning, match="RetryPolicy"):
        legacy = clevertap_async.Backoff
    assert legacy is Backoff
    assert "Backoff" not in clevertap_async.__all__
    policy = Backoff(initial=1.0, maximum=4.0, multiplier=3.0, max_retry_after=9).to_policy(2)
    assert policy == RetryPolicy(
        max_retries=2, initial_delay=1.0, max_delay=4.0, multiplier=3.0, max_retry_after=9
    )
    assert NO_BACKOFF.to_policy(5) == RetryPolicy.no_wait(5)


def test_max_retries_and_backoff_arguments_warn_and_become_the_policy() -> None:
    with pytest.warns(DeprecationWarning, match=r"retry=RetryPolicy"):
        ct = CleverTap("a", "p", max_retries=5)
    assert ct.retry == RetryPolicy(max_retries=5)
    with pytest.warns(DeprecationWarning, match=r"retry=RetryPolicy"):
        ct = CleverTap("a", "p", backoff=Backoff(initial=2.0))
    assert ct.retry == RetryPolicy(initial_delay=2.0)
    with (
        pytest.warns(DeprecationWarning, match="deprecated"),
        pytest.raises(ConfigurationError, match="max_retries"),
    ):
        CleverTap("a", "p", max_retries=-1)
    with pytest.raises(ConfigurationError, match="retry= alone"):
        CleverTap("a", "p", retry=RetryPolicy(), max_retries=1)


def test_the_client_default_is_the_default_policy() -> None:
    assert CleverTap("a", "p").retry == RetryPolicy()
    assert CleverTap("a", "p", retry=NO_WAIT_RETRIES).retry is NO_WAIT_RETRIES
