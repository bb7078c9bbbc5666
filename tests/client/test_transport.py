"""The retry loop, the gates and the error mapping, over real sockets against the fake server."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from typing import Any

import pytest
from aiohttp import web

from clevertap_async import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CleverTap,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap
from tests.conftest import BULLETIN, RecordingSleep
from tests.conftest import BULLETIN_BODY as GOOD


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("status", {"status": 429}),
        ("status", {"status": 500}),
        ("status", {"status": 503}),
        ("drop", {}),
        ("truncate", {}),
    ],
)
async def test_retryable_faults_are_retried_to_success(
    fake: FakeCleverTap, kind: str, options: dict[str, int]
) -> None:
    rule = fake.faults.inject(kind, times=2, **options)
    async with fake.client(retry=RetryPolicy.no_wait(3)) as ct:
        answer = await ct.request("POST", BULLETIN, json=GOOD, idempotent=True)
    assert answer == {"status": "success"}
    assert rule.fired == 2
    assert len(fake.requests_to(BULLETIN)) == 3


async def test_retries_stop_after_max_retries(fake: FakeCleverTap) -> None:
    fake.faults.inject("status", status=429)
    async with fake.client(retry=RetryPolicy.no_wait(4)) as ct:
        with pytest.raises(RateLimitError) as info:
            await ct.request("POST", BULLETIN, json=GOOD)
    assert info.value.message == "Too many concurrent requests"
    assert len(fake.requests_to(BULLETIN)) == 5


async def test_no_retries_means_one_attempt(fake: FakeCleverTap) -> None:
    fake.faults.inject("status", status=502)
    async with fake.client(retry=RetryPolicy.no_wait(0)) as ct:
        with pytest.raises(ServerError):
            await ct.request("POST", BULLETIN, json=GOOD, idempotent=True)
    assert len(fake.requests) == 1


async def test_401_is_not_retried(fake: FakeCleverTap) -> None:
    async with CleverTap(fake.account_id, "wrong", base_url=fake.url, retry=NO_WAIT_RETRIES) as ct:
        with pytest.raises(AuthenticationError) as info:
            await ct.request("POST", BULLETIN, json=GOOD)
    assert info.value.status == 401
    assert info.value.body == {"status": "fail", "error": "Invalid Credentials", "code": 401}
    assert len(fake.requests) == 1


async def test_400_is_not_retried(fake: FakeCleverTap) -> None:
    async with fake.client(retry=NO_WAIT_RETRIES) as ct:
        with pytest.raises(BadRequestError, match="properties is mandatory"):
            await ct.request("POST", BULLETIN, json={**GOOD, "properties": None})
    assert len(fake.requests) == 1


async def test_timeouts_are_retried_then_raised(fake: FakeCleverTap) -> None:
    fake.faults.inject("latency", seconds=0.5)
    async with fake.client(retry=RetryPolicy.no_wait(2), timeout=0.05) as ct:
        with pytest.raises(APITimeoutError, match=r"no answer within 0\.05s"):
            await ct.request("POST", BULLETIN, json=GOOD, idempotent=True)
    assert len(fake.requests) == 3


async def test_backoff_delays_are_slept_and_retry_after_is_honoured(
    fake: FakeCleverTap, recording_sleep: RecordingSleep
) -> None:
    fake.faults.inject("status", status=503, times=1, retry_after=7)
    fake.faults.inject("status", status=500, times=2)
    policy = RetryPolicy(initial_delay=1.0, max_delay=8.0, multiplier=2.0)
    async with fake.client(retry=policy, _sleep=recording_sleep) as ct:
        await ct.request("POST", BULLETIN, json=GOOD, idempotent=True)
    assert len(recording_sleep.delays) == 3
    first, second, third = recording_sleep.delays
    assert first == 7.0  # the server's Retry-After
    assert 0.0 <= second <= 2.0  # attempt 1: cap initial * 2
    assert 0.0 <= third <= 4.0  # attempt 2: cap initial * 4


async def test_connection_refused_is_a_typed_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request: nothing listens there
    async with CleverTap(
        "a", "p", base_url=f"http://127.0.0.1:{port}", retry=RetryPolicy.no_wait(1)
    ) as ct:
        with pytest.raises(APIConnectionError, match=r"cannot connect to 127\.0\.0\.1"):
            await ct.request("GET", "/1/x")


async def test_query_cap_is_never_exceeded_with_100_concurrent_calls(fake: FakeCleverTap) -> None:
    fake.faults.inject("latency", seconds=0.005)
    async with fake.client(retry=RetryPolicy.no_wait(0)) as ct:
        results = await asyncio.gather(
            *(ct.request("POST", BULLETIN, json=GOOD) for _ in range(100))
        )
    assert results == [{"status": "success"}] * 100
    assert fake.max_in_flight[BULLETIN] == 3
    assert all(r.status == 200 for r in fake.requests)
    assert len(fake.bulletins) == 100


async def test_upload_cap_is_fifteen_and_separate_from_query_caps(aiohttp_server: Any) -> None:
    in_flight: Counter[str] = Counter()
    most: Counter[str] = Counter()

    async def slow(request: web.Request) -> web.Response:
        in_flight[request.path] += 1
        most[request.path] = max(most[request.path], in_flight[request.path])
        await asyncio.sleep(0.01)
        in_flight[request.path] -= 1
        return web.json_response({"status": "success"})

    app = web.Application()
    app.router.add_post("/1/upload", slow)
    app.router.add_post("/1/events.json", slow)
    app.router.add_post("/1/profiles.json", slow)
    server = await aiohttp_server(app)
    async with CleverTap("A", "passcode-123", base_url=str(server.make_url(""))) as ct:
        await asyncio.gather(
            *(ct.request("POST", "/1/upload", json={"d": []}) for _ in range(100)),
            *(ct.request("POST", "/1/events.json", json={}) for _ in range(20)),
            *(ct.request("POST", "/1/profiles.json", json={}) for _ in range(20)),
        )
    assert most == {"/1/upload": 15, "/1/events.json": 3, "/1/profiles.json": 3}


async def test_configured_caps_are_respected(fake: FakeCleverTap) -> None:
    fake.faults.inject("latency", seconds=0.005)
    async with fake.client(retry=NO_WAIT_RETRIES, query_concurrency=1) as ct:
        await asyncio.gather(*(ct.request("POST", BULLETIN, json=GOOD) for _ in range(10)))
    assert fake.max_in_flight[BULLETIN] == 1


async def test_rate_limit_spaces_requests(fake: FakeCleverTap) -> None:
    loop = asyncio.get_running_loop()
    async with fake.client(retry=NO_WAIT_RETRIES, rate_limit=20) as ct:
        started = loop.time()
        await asyncio.gather(*(ct.request("POST", BULLETIN, json=GOOD) for _ in range(30)))
        elapsed = loop.time() - started
    # aiolimiter lets a burst of 20 through, then 20/s: the last 10 need about half a second.
    assert elapsed >= 0.4


async def test_redirects_are_not_followed(aiohttp_server: object) -> None:
    seen: list[str] = []

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://127.0.0.2:1/steal")

    async def steal(request: web.Request) -> web.Response:  # pragma: no cover - must not be hit
        seen.append(request.headers.get("X-CleverTap-Passcode", ""))
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/1/x", redirect)
    app.router.add_get("/steal", steal)
    server = await aiohttp_server(app)  # type: ignore[operator]
    async with CleverTap("a", "p", base_url=str(server.make_url("")), retry=NO_WAIT_RETRIES) as ct:
        with pytest.raises(APIError) as info:
            await ct.request("GET", "/1/x")
    assert info.value.status == 302
    assert seen == []
