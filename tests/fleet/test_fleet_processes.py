"""Real OS processes sharing one account: the cap across 4 workers, and a worker killed with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from clevertap_async import RedisCoordinator
from clevertap_async.testing import DEFAULT_ACCOUNT_ID, fake_server_process
from clevertap_async.testing._fleet import Fleet, fleet

LEASE = 1.0


async def admin(url: str, method: str, path: str, body: object = None) -> dict[str, object]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{url}/__fake__/{path}", json=body) as response,
    ):
        response.raise_for_status()
        answer: dict[str, object] = await response.json()
        return answer


async def test_four_worker_processes_never_exceed_the_cap_together(
    redis_url: str, namespace: str
) -> None:
    async with fake_server_process("--no-record-bodies") as fake:
        await admin(fake.url, "POST", "faults", {"kind": "latency", "seconds": 0.02})
        options = ["--base-url", fake.url, "--records", "1000", "--batch-size", "100"]
        options += ["--coordinator", redis_url, "--namespace", namespace, "--max-retries", "0"]
        async with fleet(4, *options) as workers:
            await workers.go()
            results = await workers.results()
        stats = await admin(fake.url, "GET", "stats")
    # With no retries a single 429 would leave records undelivered; the fake counts every one.
    assert [r["accepted"] for r in results] == [1000] * 4
    assert stats["throttled"] == {}
    assert stats["requests"] == 40


@asynccontextmanager
async def a_worker_holding_every_slot(
    redis_url: str, namespace: str
) -> AsyncIterator[tuple[RedisCoordinator, Fleet]]:
    """A worker process holding all 15 upload slots (leases of LEASE s), and a coordinator here."""
    options = ["--coordinator", redis_url, "--namespace", namespace, "--lease", str(LEASE)]
    async with (
        RedisCoordinator(
            redis_url, namespace=namespace, lease_seconds=LEASE, account_id=DEFAULT_ACCOUNT_ID
        ) as coordinator,
        fleet(1, *options, "--hold", "15") as holder,
    ):
        await holder.go()
        assert await asyncio.wait_for(holder.lines(), 30) == [b"held"]
        yield coordinator, holder


async def test_the_slots_of_a_sigkilled_worker_come_back_within_the_lease(
    redis_url: str, namespace: str
) -> None:
    async with a_worker_holding_every_slot(redis_url, namespace) as (coordinator, holder):

        async def take_all() -> None:
            barrier = asyncio.Barrier(15)

            async def one() -> None:
                async with coordinator.acquire("upload"):
                    await barrier.wait()

            await asyncio.gather(*(one() for _ in range(15)))

        # Held (and renewed) for longer than the lease while the worker lives...
        attempt = asyncio.create_task(take_all())
        await asyncio.sleep(LEASE * 1.5)
        assert not attempt.done()
        holder.processes[0].send_signal(signal.SIGKILL)
        killed = time.monotonic()
        # ...and back within the lease once it is killed: the waiters look again when the first
        # lease runs out, not at their next poll (slack for a busy machine).
        await asyncio.wait_for(attempt, LEASE + 3.0)
        assert time.monotonic() - killed <= LEASE + 0.3


async def test_a_lone_waiter_takes_a_dead_workers_slot_as_its_lease_runs_out(
    redis_url: str, namespace: str
) -> None:
    # One waiter, so no other waiter's poll happens to notice the expiry for it: it must look again
    # when the first lease runs out (within a poll of up to 2 s it would often be late).
    async with a_worker_holding_every_slot(redis_url, namespace) as (coordinator, holder):
        # Killed at once, the leases run out one lease after they were taken, before `killed`.
        holder.processes[0].send_signal(signal.SIGKILL)
        killed = time.monotonic()
        async with asyncio.timeout(LEASE + 3.0), coordinator.acquire("upload"):
            assert time.monotonic() - killed <= LEASE + 0.2


async def test_a_worker_started_with_nice_runs_at_that_lower_priority() -> None:
    # The fleet benchmark lowers its workers' priority so they do not preempt the fake they share
    # a machine with.
    async with fleet(1, "--nice", "3") as workers:
        pid = workers.processes[0].pid
        assert os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0) + 3
