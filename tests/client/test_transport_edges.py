"""The transport at its edges, over real sockets against the fake: what each error carries, the
per-request options (timeout, fail bodies, retry callback), the waits between polls and retries,
the answer hooks and log lines, the state messages, and the settings the session and gates get."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest

from clevertap_async import (
    APITimeoutError,
    CleverTap,
    ClientStateError,
    LocalCoordinator,
    NotFoundError,
    RateLimitError,
    RequestOutcomeUnknownError,
    RetryPolicy,
    ServerError,
    ValidationError,
    _limits,
)
from clevertap_async._coordination import DECREASE_FACTOR
from clevertap_async._transport import Secret, is_retryable
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap, RecordingSleep
from tests.samples import BULLETIN
from tests.samples import BULLETIN_BODY as GOOD

#: Waits of exactly the cap (no jitter): retry n waits 1 * 2**n seconds.
STEADY = RetryPolicy(max_retries=3, initial_delay=1.0, multiplier=2.0, jitter=False)


def test_a_secret_never_shows() -> None:
    secret = Secret("passcode-123")
    assert repr(secret) == str(secret) == "Secret('********')"
    assert secret.reveal() == "passcode-123"


async def test_is_retryable_reads_the_error(fake: FakeCleverTap) -> None:
    fake.faults.inject("status", status=500, times=1)
    async with fake.client(retry=RetryPolicy.no_wait(0)) as ct:
        with pytest.raises(ServerError) as caught:
            await ct.request("GET", "/1/x.json")
    assert is_retryable(caught.value) is True
    assert is_retryable(RateLimitError("slow", status=429)) is True


async def test_errors_name_the_request_and_keep_the_answer_headers(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.faults.inject(
        "reply", status=404, body={"status": "fail", "error": "gone"}, headers={"X-Trace": "t-1"}
    )
    with pytest.raises(NotFoundError) as caught:
        await ct.request("GET", "/1/nothing.json")
    error = caught.value
    assert str(error) == "GET /1/nothing.json: HTTP 404: gone"
    assert (error.method, error.path, error.headers["X-Trace"]) == ("GET", "/1/nothing.json", "t-1")


async def test_a_body_that_json_cannot_carry_is_named_body(ct: CleverTap) -> None:
    with pytest.raises(ValidationError) as caught:
        await ct._transport.request("POST", "/1/x.json", json={"v": float("nan")})
    assert (caught.value.field, str(caught.value)) == (
        "body",
        "body.v is nan, which JSON cannot carry",
    )


async def test_fail_bodies_are_returned_when_allowed(fake: FakeCleverTap, ct: CleverTap) -> None:
    answer = {"status": "fail", "error": "some records", "unprocessed": []}
    fake.faults.inject("reply", status=200, body=answer)
    assert await ct._transport.request("GET", "/1/x.json", allow_fail_status=True) == answer


async def test_the_request_timeout_overrides_the_clients(fake: FakeCleverTap) -> None:
    fake.faults.inject("latency", seconds=0.5, path="/1/slow.json")
    async with fake.client(retry=RetryPolicy.no_wait(0), timeout=5) as ct:
        with pytest.raises(APITimeoutError) as caught:
            await ct._transport.request("GET", "/1/slow.json", attempt_timeout=0.05)
    assert str(caught.value) == "GET /1/slow.json: no answer within 0.05s"
    assert (caught.value.method, caught.value.path, caught.value.request_sent) == (
        "GET",
        "/1/slow.json",
        True,
    )


async def test_requests_are_safe_to_repeat_unless_told(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.faults.inject("lost_response", times=1, path=BULLETIN)
    # Straight to the transport, a request is idempotent by default: the lost answer is retried.
    assert await ct._transport.request("POST", BULLETIN, json=GOOD) == {"status": "success"}
    assert len(fake.bulletins) == 2


async def test_a_lost_answer_to_an_unsafe_request_says_what_to_do(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.faults.inject("lost_response", times=1, path=BULLETIN)
    with pytest.raises(RequestOutcomeUnknownError) as caught:
        await ct._transport.request("POST", BULLETIN, json=GOOD, idempotent=False)
    lost = f"POST {BULLETIN}: the server closed the connection before answering"
    assert str(caught.value) == (
        f"POST {BULLETIN}: the server may have acted on this request, but its answer was lost "
        f"({lost}); it is not safe to repeat, so it was not retried: check before sending it again"
    )
    assert (caught.value.method, caught.value.path) == ("POST", BULLETIN)
    assert len(fake.bulletins) == 1


async def test_each_retried_failure_is_told_and_logged(
    fake: FakeCleverTap, caplog: pytest.LogCaptureFixture
) -> None:
    fake.faults.inject("status", status=500, times=2, path="/1/x.json")
    told: list[Any] = []
    with caplog.at_level(logging.DEBUG, logger="clevertap_async"):
        async with fake.client(retry=RetryPolicy.no_wait(3)) as ct:
            with pytest.raises(NotFoundError):  # the third attempt reaches the fake: no such path
                await ct._transport.request("GET", "/1/x.json", on_retry=told.append)
    assert [type(error) for error in told] == [ServerError, ServerError]
    assert told[0].path == "/1/x.json"
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert retries == [
        "GET /1/x.json attempt 1/4 failed (ServerError); retrying in 0.000s",
        "GET /1/x.json attempt 2/4 failed (ServerError); retrying in 0.000s",
    ]


async def test_each_attempt_is_logged_with_its_answer(
    fake: FakeCleverTap, caplog: pytest.LogCaptureFixture
) -> None:
    fake.faults.inject("latency", seconds=0.05, path="/1/x.json")
    with caplog.at_level(logging.DEBUG, logger="clevertap_async"):
        async with fake.client(retry=RetryPolicy.no_wait(1)) as ct:
            with pytest.raises(NotFoundError):
                await ct._transport.request("GET", "/1/x.json")
    lines = [r.getMessage() for r in caplog.records if "-> HTTP" in r.getMessage()]
    assert len(lines) == 1
    found = re.fullmatch(
        r"GET /1/x\.json attempt 1/2 -> HTTP 404 in (\d+\.\d) ms \((\d+) bytes\)", lines[0]
    )
    assert found is not None
    # The fake waited 50 ms before answering; no attempt here takes ten minutes.
    assert 50.0 <= float(found.group(1)) < 600_000.0
    assert int(found.group(2)) > 0


async def test_answer_hooks_see_every_answer(fake: FakeCleverTap, ct: CleverTap) -> None:
    seen: list[tuple[Any, ...]] = []
    ct._transport.answer_hooks.append(lambda *answer: seen.append(answer))
    fake.faults.inject("reply", status=201, body={"status": "success"}, headers={"X-A": "1"})
    await ct._transport.request("GET", "/1/x.json")
    [(method, path, status, headers, body)] = seen
    assert (method, path, status, headers["X-A"], body) == (
        "GET",
        "/1/x.json",
        201,
        "1",
        b'{"status":"success"}',
    )


async def test_waits_go_through_the_injected_sleep(
    fake: FakeCleverTap, recording_sleep: RecordingSleep
) -> None:
    async with fake.client(retry=STEADY, sleep=recording_sleep) as ct:
        transport = ct._transport
        await transport.sleep(2.5)
        assert await transport.back_off(0) is True
        assert await transport.back_off(2) is True
        assert await transport.back_off(3) is False  # the policy's three retries are spent
        assert await transport.back_off(3, limit=5) is True
        assert await transport.back_off(0, limit=0) is False
        other = RetryPolicy(max_retries=1, initial_delay=3.0, jitter=False)
        assert await transport.back_off(0, retry=other) is True
        assert await transport.back_off(1, retry=other) is False
    assert recording_sleep.delays == [2.5, 1.0, 4.0, 8.0, 3.0]


async def test_the_state_messages(fake: FakeCleverTap) -> None:
    ct = fake.client()
    with pytest.raises(ClientStateError) as unopened:
        await ct.request("GET", "/1/x.json")
    assert str(unopened.value) == (
        "the CleverTap client is not open: use it inside `async with CleverTap(...) as ct:`"
    )
    await ct.close()  # closing a client never opened is fine
    async with fake.client() as ct:
        with pytest.raises(ClientStateError) as twice:
            await ct._transport.open()
        assert str(twice.value) == "this CleverTap client is already open"
    with pytest.raises(ClientStateError) as closed:
        await ct.request("GET", "/1/x.json")
    assert str(closed.value) == (
        "the CleverTap client is closed: use it inside `async with CleverTap(...) as ct:`"
    )
    with pytest.raises(ClientStateError) as reopened:
        await ct._transport.open()
    assert str(reopened.value) == "this CleverTap client is closed; create a new one"


async def test_the_session_and_the_gates_get_their_settings(fake: FakeCleverTap) -> None:
    async with fake.client(query_concurrency=2, upload_concurrency=4, rate_limit=7) as ct:
        transport = ct._transport
        assert (transport.query_concurrency, transport.upload_concurrency) == (2, 4)
        session = transport._session
        assert session is not None
        # No connector cap: the family caps are the only ones.
        assert session.connector is not None and session.connector.limit == 0
        limiter = transport._global_limiter
        assert limiter is not None and (limiter.max_rate, limiter.time_period) == (7, 1.0)
        create = transport._path_limiters[_limits.CAMPAIGN_CREATE_PATH]
        assert (create.max_rate, create.time_period) == (_limits.CAMPAIGN_CREATE_PER_SECOND, 1.0)


async def test_campaign_creation_passes_its_own_rate_limiter(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    create = ct._transport._path_limiters[_limits.CAMPAIGN_CREATE_PATH]
    assert create.has_capacity()
    fake.faults.inject(
        "reply", status=200, body={"status": "success"}, path=_limits.CAMPAIGN_CREATE_PATH
    )
    await ct._transport.request("POST", _limits.CAMPAIGN_CREATE_PATH, json={})
    assert not create.has_capacity()  # one a second: the token is taken


async def test_a_429_halves_the_accounts_cap(fake: FakeCleverTap) -> None:
    coordinator = LocalCoordinator(adaptive=True, start_low=False)
    fake.faults.inject("status", status=429, times=1)
    async with fake.client(
        retry=RetryPolicy.no_wait(0),
        coordinator=coordinator,
        query_concurrency=4,
        upload_concurrency=6,
    ) as ct:
        with pytest.raises(RateLimitError):
            await ct.request("GET", "/1/x.json")
    bound = coordinator.bind(fake.account_id, upload_concurrency=6, query_concurrency=4)
    assert bound.current_limit("/1/x.json") == 4 * DECREASE_FACTOR
    assert bound.current_limit("upload") == 6


async def test_uploads_stay_within_their_cap(fake: FakeCleverTap) -> None:
    fake.faults.inject("latency", seconds=0.02, path="/1/upload")
    coordinator = LocalCoordinator(adaptive=False)
    async with fake.client(
        retry=NO_WAIT_RETRIES, upload_concurrency=2, coordinator=coordinator
    ) as ct:
        await asyncio.gather(*(ct.request("POST", "/1/upload", json={"d": []}) for _ in range(8)))
    assert fake.max_in_flight["upload"] == 2
