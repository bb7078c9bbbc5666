"""One worker of a fleet sharing an account: ``python -m clevertap_async.testing._fleet``.

Tests and benchmarks start several of these as real OS processes, each with its own client, against
one fake server. A worker imports everything, prints ``ready``, and waits for a line on standard input
so that all workers start together; then it either uploads ``--records`` events and prints a JSON line
with its report, or (``--hold N``) takes N upload slots of a Redis coordinator, prints ``held`` and
keeps them until it is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import attrs
import orjson

from .._client import CleverTap
from .._coordination import Coordinator, LocalCoordinator
from .._redis_coordinator import LOCAL_REUSE, RedisCoordinator
from .._retry import RetryPolicy
from ._server import DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE

#: ``--coordinator`` values that are not a Redis URL.
UNCOORDINATED = "uncoordinated"
ADAPTIVE = "adaptive"


def events(worker: int, count: int) -> list[dict[str, Any]]:
    """Return ``count`` valid events, distinct across workers."""
    return [
        {
            "type": "event",
            "identity": f"worker-{worker}-user-{i}",
            "ts": 1_700_000_000 + i,
            "evtName": "Product viewed",
            "evtData": {"Product": f"sku-{i % 977}", "Price": 9.99 + i % 50},
        }
        for i in range(count)
    ]


def coordinator_for(args: argparse.Namespace) -> Coordinator:
    """Build the coordinator ``--coordinator`` names."""
    if args.coordinator == UNCOORDINATED:
        return LocalCoordinator(adaptive=False)
    if args.coordinator == ADAPTIVE:
        return LocalCoordinator(adaptive=True)
    return RedisCoordinator(
        args.coordinator,
        namespace=args.namespace,
        lease_seconds=args.lease,
        account_id=DEFAULT_ACCOUNT_ID,
        local_reuse=args.local_reuse,
    )


async def run(args: argparse.Namespace) -> None:
    """Wait for the go line, then upload or hold slots as asked."""
    if args.nice:
        os.nice(args.nice)
    records = events(args.worker, args.records)
    coordinator = coordinator_for(args)
    async with AsyncExitStack() as stack:
        if isinstance(coordinator, RedisCoordinator):
            await stack.enter_async_context(coordinator)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        cpu_before = time.process_time()
        if args.hold:
            for _ in range(args.hold):
                await stack.enter_async_context(coordinator.acquire("upload"))
            print("held", flush=True)
            await asyncio.Event().wait()
        client = CleverTap(
            DEFAULT_ACCOUNT_ID,
            DEFAULT_PASSCODE,
            base_url=args.base_url,
            coordinator=coordinator,
            retry=RetryPolicy(max_retries=args.max_retries),
        )
        async with client as ct:
            started = time.perf_counter()
            report = await ct.events.upload(records, batch_size=args.batch_size)
            seconds = time.perf_counter() - started
    summary = {
        "worker": args.worker,
        "accepted": report.accepted,
        "rejected": len(report.rejected),
        "undelivered": len(report.undelivered),
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu_before,
    }
    sys.stdout.buffer.write(orjson.dumps(summary) + b"\n")


@attrs.frozen
class Fleet:
    """Worker processes started by :func:`fleet`, each ready and waiting for :meth:`go`."""

    processes: list[asyncio.subprocess.Process]

    async def go(self) -> None:
        """Let every worker start."""
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            await process.stdin.drain()

    async def lines(self) -> list[bytes]:
        """Read the next output line of every worker."""
        return [await _read_line(process) for process in self.processes]

    async def results(self) -> list[dict[str, Any]]:
        """Wait for every worker's report (the JSON line it prints when its upload is done)."""
        return [orjson.loads(line) for line in await self.lines()]


@asynccontextmanager
async def fleet(count: int, *options: str, start_timeout: float = 60.0) -> AsyncIterator[Fleet]:
    """Start ``count`` workers with the same options (and ``--worker i``); kill the survivors on exit.

    Args:
        count: how many worker processes.
        options: the workers' options, e.g. ``--base-url URL --coordinator redis://...``.
        start_timeout: seconds for all of them to print ``ready``.
    """
    processes: list[asyncio.subprocess.Process] = []
    try:
        for worker in range(count):
            command = [sys.executable, "-m", __name__, "--worker", str(worker), *options]
            processes.append(
                await asyncio.create_subprocess_exec(
                    *command,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    env={**os.environ, "PYTHONHASHSEED": "0"},
                )
            )
        started = Fleet(processes)
        ready = await asyncio.wait_for(started.lines(), start_timeout)
        if any(line != b"ready" for line in ready):
            raise RuntimeError(f"a worker did not start: {ready!r}")
        yield started
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
            await process.wait()


async def _read_line(process: asyncio.subprocess.Process) -> bytes:
    assert process.stdout is not None
    line = await process.stdout.readline()
    if not line:
        raise RuntimeError(f"worker {process.pid} exited ({await process.wait()}) without a line")
    return line.strip()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the worker's options."""
    parser = argparse.ArgumentParser(prog="python -m clevertap_async.testing._fleet")
    parser.add_argument("--base-url", default="", help="the fake server's URL")
    parser.add_argument("--worker", type=int, default=0, help="this worker's number")
    parser.add_argument("--records", type=int, default=1000, help="events to upload")
    parser.add_argument("--batch-size", type=int, default=None, help="events per upload call")
    parser.add_argument("--max-retries", type=int, default=3, help="the client's max_retries")
    parser.add_argument(
        "--coordinator",
        default=UNCOORDINATED,
        help=f"{UNCOORDINATED}, {ADAPTIVE} or a Redis URL",
    )
    parser.add_argument("--namespace", default="default", help="the Redis coordinator's namespace")
    parser.add_argument("--lease", type=float, default=30.0, help="Redis lease seconds")
    parser.add_argument(
        "--local-reuse",
        type=int,
        default=LOCAL_REUSE,
        help="times a Redis lease passes straight to another request of the worker",
    )
    parser.add_argument(
        "--hold", type=int, default=0, help="hold this many upload slots, no upload"
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="lower this worker's CPU priority by N (os.nice), so the fake it shares a machine "
        "with keeps its CPU as a real server would",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
