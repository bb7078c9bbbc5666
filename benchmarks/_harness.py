"""What every benchmark shares: the fake server in its own process, timing, and the results table.

The fake runs in a separate process so that its CPU time does not count against the client's; its own
CPU seconds are read from ``/__fake__/stats`` before and after each measurement and shown beside the
client process's, so a reader sees which side a result was bound by.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import attrs

from clevertap_async.testing import DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE, fake_server_process
from clevertap_async.testing._process import child_server

HEADERS = {
    "X-CleverTap-Account-Id": DEFAULT_ACCOUNT_ID,
    "X-CleverTap-Passcode": DEFAULT_PASSCODE,
}


@attrs.define
class FakeProcess:
    """A fake CleverTap server running in a child process."""

    url: str
    process: asyncio.subprocess.Process

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call the fake's /__fake__/ admin API."""
        url = f"{self.url}/__fake__/{path}"
        async with aiohttp.ClientSession() as session, session.request(method, url, json=body) as r:
            r.raise_for_status()
            return await r.json()

    async def cpu_seconds(self) -> float:
        """The fake process's CPU time so far."""
        return float((await self.admin("GET", "stats"))["cpu_seconds"])

    async def set_latency(self, seconds: float) -> None:
        """Replace every fault with a fixed latency (0 for none)."""
        await self.admin("DELETE", "faults")
        if seconds:
            await self.admin("POST", "faults", {"kind": "latency", "seconds": seconds})


@asynccontextmanager
async def fake_process(*extra_args: str) -> AsyncIterator[FakeProcess]:
    """Start the fake in a child process (request bodies not kept, so it stays cheap)."""
    async with fake_server_process("--no-record-bodies", *extra_args) as server:
        yield FakeProcess(url=server.url, process=server.process)


@asynccontextmanager
async def free_server(latency: float) -> AsyncIterator[str]:
    """Start the free upload server (:mod:`benchmarks._free_server`) in a child process; yield its URL."""
    command = [sys.executable, "-m", "benchmarks._free_server", "--latency", str(latency)]
    async with child_server(command) as server:
        yield server.url


@attrs.define
class Row:
    """One line of the results table."""

    benchmark: str
    variant: str
    value: float
    unit: str
    ratio: float | None = None
    ratio_to: str = ""
    goal: str = ""
    #: The measurement behind the row, for its CPU columns.
    run: Timed | None = None

    @property
    def verdict(self) -> str:
        """ "met" / "MISSED" against the goal (``>= x`` or ``<= x``, on the ratio or else the value)."""
        if not self.goal:
            return ""
        op, _, number = self.goal.partition(" ")
        measured = self.ratio if self.ratio is not None else self.value
        target = float(number.rstrip("x"))
        met = measured >= target if op == ">=" else measured <= target
        return "met" if met else "MISSED"


@attrs.define
class Timed:
    """Wall-clock seconds of a measurement, and the CPU seconds the client and the fake spent in it."""

    seconds: float
    client_cpu: float
    #: None when the server measured against is not the fake.
    fake_cpu: float | None


async def timed(fake: FakeProcess | None, work: Callable[[], Awaitable[Any]]) -> Timed:
    """Run ``work`` once and return its wall time and both sides' CPU time over it."""
    fake_before = await fake.cpu_seconds() if fake else 0.0
    started, client_before = time.perf_counter(), time.process_time()
    await work()
    seconds, client_cpu = time.perf_counter() - started, time.process_time() - client_before
    fake_cpu = await fake.cpu_seconds() - fake_before if fake else None
    return Timed(seconds=seconds, client_cpu=client_cpu, fake_cpu=fake_cpu)


async def best_of_each(
    repeats: int, fake: FakeProcess | None, works: Mapping[str, Callable[[], Awaitable[Any]]]
) -> dict[str, Timed]:
    """Run each of ``works`` ``repeats`` times, taking turns, and keep the fastest run of each.

    Taking turns spreads a noisy spell on a shared machine over all the variants instead of letting
    it fall on whichever one happened to be running, so the ratios between them stay fair.
    """
    best: dict[str, Timed] = {}
    for _ in range(repeats):
        for name, work in works.items():
            run = await timed(fake, work)
            if name not in best or run.seconds < best[name].seconds:
                best[name] = run
    return best


def print_table(rows: list[Row]) -> None:
    """Print the results as a Markdown table (pasted as-is into the README)."""
    header = [
        "benchmark",
        "variant",
        "result",
        "ratio",
        "goal",
        "verdict",
        "client CPU s",
        "fake CPU s",
    ]
    lines = [header, ["---"] * len(header)]
    for row in rows:
        ratio = f"{row.ratio:.2f}x {row.ratio_to}".strip() if row.ratio is not None else ""
        lines.append(
            [
                row.benchmark,
                row.variant,
                f"{row.value:,.1f} {row.unit}",
                ratio,
                row.goal,
                row.verdict,
                "" if row.run is None else f"{row.run.client_cpu:.2f}",
                "" if row.run is None or row.run.fake_cpu is None else f"{row.run.fake_cpu:.2f}",
            ]
        )
    for line in lines:
        print("| " + " | ".join(line) + " |")
