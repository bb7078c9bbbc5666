"""Export streaming: records/s of ``ct.events.stream`` against a bare aiohttp + orjson cursor loop.

Also, at 20 ms of injected latency per request: the speed-up of ``parallel=3`` over ``parallel=1``, and
of prefetching over not prefetching while the caller spends 20 ms per page (an awaited sink, e.g. a
database write); and the peak memory growth (tracemalloc) of streaming 1M records.
"""

from __future__ import annotations

import argparse
import asyncio
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson
from yarl import URL

from clevertap_async import CleverTap
from clevertap_async.testing import DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE

from ._harness import HEADERS, FakeProcess, Row, Timed, best_of_each, timed

NAME = "stream"
EVENT = "BenchStreamed"
PATH = "/1/events.json"
START, END = 20250101, 20250131
#: The throughput runs export the first days of the seeded month (about a fifth of it).
THROUGHPUT_END = 20250106
#: The latency runs export three days of their own event in small pages, so that round trips, not
#: the client's CPU (2 cores shared with the fake), dominate.
LATENCY_EVENT = "BenchLatency"
LATENCY_END = 20250103
LATENCY = 0.02
SMALL_BATCH = 100


async def run(fake: FakeProcess, args: argparse.Namespace) -> list[Row]:
    """Seed the fake, then measure throughput, parallelism, prefetch and memory."""
    total = 100_000 if args.quick else 1_000_000
    events = [
        {"event_name": EVENT, "count": total, "start": START, "end": END},
        {
            "event_name": LATENCY_EVENT,
            "count": 3_000 if args.quick else 12_000,
            "start": START,
            "end": LATENCY_END,
        },
    ]
    await fake.admin("POST", "seed", {"events": events})
    rows = await _throughput(fake, args)
    rows += await _latency(fake, args)
    rows.append(await _memory(fake, total))
    return rows


def _client(fake: FakeProcess) -> CleverTap:
    return CleverTap(DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE, base_url=fake.url, timeout=120)


async def bare_loop(session: aiohttp.ClientSession, base: str, end: int) -> int:
    """The baseline: create a cursor, follow next_cursor, touch every record."""
    body = orjson.dumps({"event_name": EVENT, "from": START, "to": end})
    headers = {**HEADERS, "Content-Type": "application/json"}
    async with session.post(f"{base}{PATH}?batch_size=5000", data=body, headers=headers) as r:
        cursor = orjson.loads(await r.read())["cursor"]
    count = 0
    while cursor:
        url = URL(f"{base}{PATH}?cursor={cursor}", encoded=True)
        async with session.get(url, headers=HEADERS) as r:
            data = orjson.loads(await r.read())
        for _record in data.get("records", ()):
            count += 1
        cursor = data.get("next_cursor")
    return count


async def _count(stream: Any) -> int:
    count = 0
    async for _record in stream:
        count += 1
    return count


async def _count_touching_lazy_fields(stream: Any) -> int:
    # ExportedEvent builds ts and profile on first access; a caller that reads them pays for them.
    count = 0
    async for event in stream:
        _ = event.ts, event.profile
        count += 1
    return count


def _rate(records: int, run: Timed) -> float:
    return records / run.seconds


async def _throughput(fake: FakeProcess, args: argparse.Namespace) -> list[Row]:
    counts: dict[str, int] = {}

    def counted(name: str, export: Callable[[], Awaitable[int]]) -> Callable[[], Awaitable[None]]:
        async def once() -> None:
            counts[name] = await export()

        return once

    async with aiohttp.ClientSession() as session, _client(fake) as ct:
        exports: dict[str, Callable[[], Awaitable[int]]] = {
            "bare": lambda: bare_loop(session, fake.url, THROUGHPUT_END),
            "raw": lambda: _count(ct.events.stream(EVENT, START, THROUGHPUT_END).raw()),
            "typed": lambda: _count(ct.events.stream(EVENT, START, THROUGHPUT_END)),
            "typed+fields": lambda: _count_touching_lazy_fields(
                ct.events.stream(EVENT, START, THROUGHPUT_END)
            ),
        }
        best = await best_of_each(
            3 if args.quick else 5,
            fake,
            {name: counted(name, export) for name, export in exports.items()},
        )
    baseline, raw_run, typed_run, fields_run = (
        best[name] for name in ("bare", "raw", "typed", "typed+fields")
    )

    if len(set(counts.values())) != 1:
        raise RuntimeError(f"the runs saw different record counts: {counts}")
    n = counts["bare"]

    def versus_bare(variant: str, run: Timed, goal: str) -> Row:
        rate = _rate(n, run)
        ratio = rate / _rate(n, baseline)
        return Row(NAME, variant, rate, "rec/s", ratio, "of bare", goal, run)

    return [
        Row(
            NAME,
            f"bare aiohttp + orjson, {n:,} records",
            _rate(n, baseline),
            "rec/s",
            run=baseline,
        ),
        versus_bare("events.stream().raw()", raw_run, ">= 0.9x"),
        versus_bare("events.stream() typed", typed_run, ">= 0.75x"),
        versus_bare("typed, reading .ts and .profile", fields_run, ">= 0.6x"),
    ]


async def _latency(fake: FakeProcess, args: argparse.Namespace) -> list[Row]:
    label = f"{NAME} @{LATENCY * 1000:.0f}ms"
    await fake.set_latency(LATENCY)
    try:
        async with _client(fake) as ct:

            def small_pages(**options: Any) -> Any:
                return ct.events.stream(
                    LATENCY_EVENT, START, LATENCY_END, batch_size=SMALL_BATCH, **options
                ).raw()

            def export(**options: Any) -> Callable[[], Awaitable[Any]]:
                return lambda: _count(small_pages(**options))

            async def slow_consumer(prefetch: bool) -> None:
                async for _page in small_pages(prefetch=prefetch).pages():
                    await asyncio.sleep(LATENCY)  # the caller's own awaited work per page

            one = await timed(fake, export(parallel=1))
            three = await timed(fake, export(parallel=3))
            without = await timed(fake, lambda: slow_consumer(False))
            with_prefetch = await timed(fake, lambda: slow_consumer(True))
    finally:
        await fake.set_latency(0)

    def speed_up(variant: str, before: Timed, after: Timed, goal: str) -> Row:
        ratio = before.seconds / after.seconds
        return Row(label, variant, after.seconds, "s", ratio, "speed-up", goal, after)

    return [
        Row(label, "parallel=1", one.seconds, "s", run=one),
        speed_up("parallel=3", one, three, ">= 2.5x"),
        Row(label, "20 ms/page caller, no prefetch", without.seconds, "s", run=without),
        speed_up("20 ms/page caller, prefetch", without, with_prefetch, ">= 1.5x"),
    ]


async def _memory(fake: FakeProcess, total: int) -> Row:
    async with _client(fake) as ct:
        stream = ct.events.stream(EVENT, START, END).raw()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        try:
            run = await timed(fake, lambda: _count(stream))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return Row(
        "memory",
        f"events.stream().raw(), {total:,} records",
        (peak - base) / 2**20,
        "MiB peak growth",
        goal="<= 30",
        run=run,
    )
