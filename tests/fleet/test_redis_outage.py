"""A Redis that stops mid-run: fall back to the local caps (and come back), or fail, as configured."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import redis.asyncio as redis_asyncio

from clevertap_async import CoordinatorUnavailableError, RedisCoordinator
from clevertap_async._redis_coordinator import _Keys
from clevertap_async.testing import FakeCleverTap
from tests.fleet.conftest import RedisServer

ACCOUNT = "ACC-1"
FAMILY = "/1/targets/trigger.json"


def fast(url: str, namespace: str, **options: Any) -> RedisCoordinator:
    """A coordinator that gives up on a dead Redis after half a second."""
    return RedisCoordinator(
        url, namespace=namespace, connect_timeout=0.5, command_timeout=0.5, **options
    )


async def held_in(server: RedisServer, namespace: str) -> int:
    async with redis_asyncio.Redis.from_url(server.url) as client:
        return int(await client.zcard(_Keys(namespace, ACCOUNT, FAMILY).holders))


async def test_local_fallback_warns_once_keeps_the_local_cap_and_returns_to_redis(
    own_redis: RedisServer, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="clevertap_async")
    async with fast(own_redis.url, namespace, retry_seconds=0.3) as shared:
        coordinator = shared.bind(ACCOUNT, upload_concurrency=15, query_concurrency=1)
        async with coordinator.acquire(FAMILY):
            assert await held_in(own_redis, namespace) == 1
        await own_redis.kill()

        for _ in range(3):
            async with asyncio.timeout(2), coordinator.acquire(FAMILY):
                # The local cap still holds while Redis is away.
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(0.2), coordinator.acquire(FAMILY):
                        pass
        warnings = [r.getMessage() for r in caplog.records]
        assert len(warnings) == 1
        assert "unreachable" in warnings[0]

        await own_redis.start()  # the same port again
        await asyncio.sleep(0.4)  # past retry_seconds
        async with coordinator.acquire(FAMILY):
            assert await held_in(own_redis, namespace) == 1
        assert "reachable again" in caplog.records[-1].getMessage()


async def test_fail_mode_raises_at_once_and_the_client_sends_nothing(
    own_redis: RedisServer, namespace: str
) -> None:
    async with (
        FakeCleverTap() as fake,
        fast(own_redis.url, namespace, on_unavailable="fail") as coordinator,
        fake.client(coordinator=coordinator) as ct,
    ):
        await ct.request("POST", "/1/now.json", json={"user_type": True})
        await own_redis.kill()
        async with asyncio.timeout(3):
            with pytest.raises(CoordinatorUnavailableError, match="unreachable"):
                await ct.request("POST", "/1/now.json", json={"user_type": True})
        assert len(fake.requests) == 1


async def test_a_slot_held_when_redis_dies_is_given_back_without_an_error(
    own_redis: RedisServer, namespace: str
) -> None:
    async with (
        fast(own_redis.url, namespace, account_id=ACCOUNT) as coordinator,
        asyncio.timeout(3),
        coordinator.acquire(FAMILY),
    ):
        await own_redis.kill()


async def test_a_redis_that_stops_answering_never_hangs_a_request(
    own_redis: RedisServer, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A hung Redis (SIGSTOP) keeps its port open: only the command timeout notices it.
    caplog.set_level(logging.WARNING, logger="clevertap_async")
    async with (
        FakeCleverTap() as fake,
        fast(own_redis.url, namespace) as falls_back,
        fast(own_redis.url, namespace, on_unavailable="fail") as fails,
        fake.client(coordinator=falls_back) as local_ct,
        fake.client(coordinator=fails) as failing_ct,
    ):
        await local_ct.request("POST", "/1/now.json", json={"user_type": True})
        await failing_ct.request("POST", "/1/now.json", json={"user_type": True})
        own_redis.pause()
        try:
            async with asyncio.timeout(3):
                await local_ct.request("POST", "/1/now.json", json={"user_type": True})
                with pytest.raises(CoordinatorUnavailableError, match="unreachable"):
                    await failing_ct.request("POST", "/1/now.json", json={"user_type": True})
        finally:
            own_redis.resume()
    assert len(fake.requests) == 3  # the fallback sent its request; the failing client did not
    assert ["unreachable" in r.getMessage() for r in caplog.records] == [True]
