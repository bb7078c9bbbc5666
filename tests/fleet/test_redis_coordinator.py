"""RedisCoordinator against the real Redis: leases, queueing, cancellation, scoping, fairness, rates."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import pytest
import redis.asyncio as redis_asyncio

from clevertap_async import ConfigurationError, RedisCoordinator
from clevertap_async._redis_coordinator import _Keys

ACCOUNT = "ACC-1"
FAMILY = "/1/targets/trigger.json"  # a query family: cap 3 unless told otherwise


def coordinator(url: str, namespace: str, **options: object) -> RedisCoordinator:
    return RedisCoordinator(url, namespace=namespace, account_id=ACCOUNT, **options)  # type: ignore[arg-type]


@pytest.fixture
async def coordinators(redis_url: str, namespace: str) -> AsyncIterator[list[RedisCoordinator]]:
    """Four coordinators with their own connections: four workers in one test."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(coordinator(redis_url, namespace)) for _ in range(4)]


async def holders(redis: redis_asyncio.Redis, namespace: str, family: str = FAMILY) -> int:
    return int(await redis.zcard(_Keys(namespace, ACCOUNT, family).holders))


async def queued(redis: redis_asyncio.Redis, namespace: str, family: str = FAMILY) -> int:
    return int(await redis.zcard(_Keys(namespace, ACCOUNT, family).queue))


async def eventually(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait for a condition on Redis's state (no event to wait on: it lives in another server)."""
    async with asyncio.timeout(5):
        while not await condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_a_slot_is_a_lease_in_redis_released_on_exit(
    coordinators: list[RedisCoordinator], redis: redis_asyncio.Redis, namespace: str
) -> None:
    async with coordinators[0].acquire(FAMILY), coordinators[1].acquire(FAMILY):
        assert await holders(redis, namespace) == 2
    assert await holders(redis, namespace) == 0


async def test_the_cap_holds_across_coordinators_and_waiters_get_freed_slots(
    coordinators: list[RedisCoordinator], namespace: str
) -> None:
    in_flight = peak = 0

    async def one(c: RedisCoordinator) -> None:
        nonlocal in_flight, peak
        async with c.acquire(FAMILY):
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1

    await asyncio.gather(*(one(c) for c in coordinators for _ in range(5)))
    assert peak == 3


async def test_cancelling_a_holder_releases_its_slot(
    coordinators: list[RedisCoordinator], redis: redis_asyncio.Redis, namespace: str
) -> None:
    held = asyncio.Event()

    async def hold() -> None:
        async with coordinators[0].acquire(FAMILY):
            held.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(hold())
    await held.wait()
    assert await holders(redis, namespace) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await holders(redis, namespace) == 0


async def test_cancelling_a_waiter_gives_up_its_place_in_the_queue(
    redis_url: str, redis: redis_asyncio.Redis, namespace: str
) -> None:
    async with (
        coordinator(redis_url, namespace, query_concurrency=1) as first,
        coordinator(redis_url, namespace, query_concurrency=1) as second,
    ):
        async with first.acquire(FAMILY):
            waiter = asyncio.create_task(_enter(second))
            await eventually(lambda: _is(queued(redis, namespace), 1))
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert await queued(redis, namespace) == 0
        # The released slot was not handed to the cancelled waiter.
        assert await holders(redis, namespace) == 0


async def test_a_lease_is_renewed_while_its_request_runs(
    redis_url: str, redis: redis_asyncio.Redis, namespace: str
) -> None:
    options = {"query_concurrency": 1, "lease_seconds": 0.6}
    async with (
        coordinator(redis_url, namespace, **options) as first,
        coordinator(redis_url, namespace, **options) as second,
    ):
        async with first.acquire(FAMILY):
            # Twice the lease: without renewal the slot would have run out and been taken.
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(_enter(second), 1.2)
        await asyncio.wait_for(_enter(second), 2.0)


async def test_namespaces_and_accounts_do_not_share_caps(redis_url: str, namespace: str) -> None:
    async with (
        coordinator(redis_url, namespace, query_concurrency=1) as holder,
        coordinator(redis_url, namespace + "-other", query_concurrency=1) as other_namespace,
        RedisCoordinator(redis_url, namespace=namespace, query_concurrency=1) as shared,
    ):
        other_account = shared.bind("ACC-2", upload_concurrency=15, query_concurrency=3)
        same_account = shared.bind(ACCOUNT, upload_concurrency=15, query_concurrency=3)
        async with holder.acquire(FAMILY):
            await asyncio.wait_for(_enter(other_namespace), 2.0)
            await asyncio.wait_for(_enter(other_account), 2.0)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(_enter(same_account), 0.5)


async def test_four_workers_get_shares_within_2x_of_each_other(
    coordinators: list[RedisCoordinator],
) -> None:
    taken: collections.Counter[int] = collections.Counter()
    stop = time.monotonic() + 1.5

    async def loop(index: int) -> None:
        while time.monotonic() < stop:
            async with coordinators[index].acquire("upload"):
                taken[index] += 1
                await asyncio.sleep(0.005)

    await asyncio.gather(*(loop(i) for i in range(4) for _ in range(15)))
    assert len(taken) == 4
    assert max(taken.values()) <= 2 * min(taken.values()), taken


async def test_a_lease_passes_on_locally_a_bounded_number_of_times(
    redis_url: str, redis: redis_asyncio.Redis, namespace: str
) -> None:
    options = {"query_concurrency": 10, "local_reuse": 2}
    order: list[str] = []
    peak = 0
    async with (
        coordinator(redis_url, namespace, **options) as first,
        coordinator(redis_url, namespace, **options) as second,
    ):
        first_done, second_done = asyncio.Event(), asyncio.Event()

        async def one(c: RedisCoordinator, name: str, until: asyncio.Event | None = None) -> None:
            nonlocal peak
            async with c.acquire(FAMILY):
                order.append(name)
                peak = max(peak, await holders(redis, namespace))
                if until is not None:
                    await until.wait()

        def start(c: RedisCoordinator, name: str, until: asyncio.Event | None = None) -> None:
            tasks.append(asyncio.create_task(one(c, name, until)))

        tasks: list[asyncio.Task[None]] = []
        start(first, "a1", first_done)
        for i in range(9):
            start(second, f"held{i}", second_done)
        await eventually(lambda: _is(holders(redis, namespace), 10))
        start(second, "b")
        await eventually(lambda: _is(queued(redis, namespace), 1))
        # Four of the first's waiters queue in Redis behind b; the others wait in their process.
        for i in range(4):
            start(first, f"queued{i}")
        await eventually(lambda: _is(queued(redis, namespace), 5))
        for i in range(4):
            start(first, f"local{i}")
        await asyncio.sleep(0.05)
        first_done.set()
        await eventually(lambda: _true("b" in order))
        second_done.set()
        await asyncio.gather(*tasks)
    # a1's lease serves two local waiters without Redis, then goes back to the oldest waiter in
    # Redis (b, of the other coordinator) although two more wait in the same process.
    served = [name for name in order if not name.startswith("held")]
    assert served[:4] == ["a1", "local0", "local1", "b"], served
    assert peak == 10
    assert await holders(redis, namespace) == 0


async def test_a_waiter_cancelled_while_a_lease_is_passed_to_it_passes_it_on(
    redis_url: str, redis: redis_asyncio.Redis, namespace: str
) -> None:
    async with (
        coordinator(redis_url, namespace, query_concurrency=6) as c,
        coordinator(redis_url, namespace, query_concurrency=6) as other,
    ):
        others_done = asyncio.Event()
        others = [asyncio.create_task(_enter(other, until=others_done)) for _ in range(5)]
        await eventually(lambda: _is(holders(redis, namespace), 5))
        in_redis: list[asyncio.Task[None]] = []
        async with c.acquire(FAMILY):
            in_redis += [asyncio.create_task(_enter(c)) for _ in range(4)]
            await eventually(lambda: _is(queued(redis, namespace), 4))
            here = asyncio.create_task(_enter(c))
            await asyncio.sleep(0.05)
        # The lease was just passed to the waiter here, which has not run yet.
        here.cancel()
        with pytest.raises(asyncio.CancelledError):
            await here
        # It passed the lease on (through Redis): the waiters queued there get it in turn, while
        # the other coordinator still holds the other five slots.
        await asyncio.wait_for(asyncio.gather(*in_redis), 5)
        others_done.set()
        await asyncio.gather(*others)
    assert await holders(redis, namespace) == 0


async def test_local_reuse_must_be_a_whole_number() -> None:
    with pytest.raises(ConfigurationError, match="local_reuse"):
        RedisCoordinator("redis://127.0.0.1:1", local_reuse=-1)


async def test_a_rate_is_shared_across_coordinators(redis_url: str, namespace: str) -> None:
    rates = {"/1/rated": 10.0}
    async with (
        coordinator(redis_url, namespace, rates=rates) as first,
        coordinator(redis_url, namespace, rates=rates) as second,
    ):
        started = time.perf_counter()
        await asyncio.gather(*(_enter(c, "/1/rated") for c in (first, second) for _ in range(3)))
        # Six sends at 10 a second: the last waits for five intervals after the first.
        assert time.perf_counter() - started >= 0.45


async def _enter(
    c: RedisCoordinator, family: str = FAMILY, until: asyncio.Event | None = None
) -> None:
    async with c.acquire(family):
        if until is not None:
            await until.wait()


async def _true(value: bool) -> bool:
    return value


async def _is(value: Awaitable[int], expected: int) -> bool:
    return await value == expected
