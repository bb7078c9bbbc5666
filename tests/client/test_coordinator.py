"""Coordinators through the client: shared and adaptive caps against the fake's per-account cap."""

from __future__ import annotations

import asyncio
import logging

import pytest

from clevertap_async import LocalCoordinator, RetryPolicy
from clevertap_async._coordination import RECOVERY_STEP
from clevertap_async.testing import FakeCleverTap

BULLETIN = "/1/targets/trigger.json"
BODY = {"name": "N", "business_event": "E", "properties": {}, "c-by": "a@b.co", "when": "now"}


async def burst(fake: FakeCleverTap, coordinators: list[LocalCoordinator], each: int) -> None:
    """Clients with the given coordinators send ``each`` bulletins at once, the fake slow to answer."""
    fake.faults.inject("latency", seconds=0.02)
    clients = [
        fake.client(coordinator=c, retry=RetryPolicy(initial_delay=0.01)) for c in coordinators
    ]
    async with clients[0] as first, clients[1] as second:
        # Throttled requests may run out of retries: what counts is what the fake saw.
        await asyncio.gather(
            *(
                ct.request("POST", BULLETIN, json=BODY)
                for ct in (first, second)
                for _ in range(each)
            ),
            return_exceptions=True,
        )


async def test_clients_sharing_a_coordinator_share_the_accounts_cap(fake: FakeCleverTap) -> None:
    shared = LocalCoordinator(adaptive=False)
    await burst(fake, [shared, shared], 6)
    assert fake.throttled == {}
    assert len(fake.bulletins) == 12
    assert fake.max_in_flight[BULLETIN] == 3


async def test_clients_each_with_their_own_caps_are_throttled(fake: FakeCleverTap) -> None:
    await burst(fake, [LocalCoordinator(adaptive=False), LocalCoordinator(adaptive=False)], 6)
    assert fake.throttled[BULLETIN] > 0


async def test_a_429_lowers_an_adaptive_cap_and_successes_raise_it(fake: FakeCleverTap) -> None:
    coordinator = LocalCoordinator(start_low=False)
    caps = coordinator.bind(fake.account_id, upload_concurrency=15, query_concurrency=3)
    fake.faults.inject("status", status=429, times=1, path=BULLETIN)
    async with fake.client(coordinator=coordinator, retry=RetryPolicy.no_wait()) as ct:
        await ct.request("POST", BULLETIN, json=BODY)  # 429, then a retry that succeeds
        assert caps.current_limit(BULLETIN) == pytest.approx(1.5 + RECOVERY_STEP / 1.5)
        for _ in range(10):
            await ct.request("POST", BULLETIN, json=BODY)
        assert 1.5 < caps.current_limit(BULLETIN) < 3


async def test_a_fixed_cap_ignores_429s(fake: FakeCleverTap) -> None:
    coordinator = LocalCoordinator(adaptive=False)
    fake.faults.inject("status", status=429, times=1, path=BULLETIN)
    async with fake.client(coordinator=coordinator, retry=RetryPolicy.no_wait()) as ct:
        await ct.request("POST", BULLETIN, json=BODY)
    caps = coordinator.bind(fake.account_id, upload_concurrency=15, query_concurrency=3)
    assert caps.current_limit(BULLETIN) == 3


async def test_a_redis_url_that_does_not_answer_falls_back_to_local_caps(
    fake: FakeCleverTap, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="clevertap_async")
    async with fake.client(coordinator="redis://127.0.0.1:1/0?namespace=nowhere") as ct:
        for _ in range(3):
            await ct.request("POST", BULLETIN, json=BODY)
    assert len(fake.bulletins) == 3
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "Redis coordinator unreachable"
    ]
