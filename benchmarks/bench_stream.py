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

from ._harness import HEADERS, FakeProcess, Row, Timed, best_of, timed

NAME = "stream"
EVENT = "BenchStreamed"
PATH = "/1/events.json"
START, END = 20250101, 20250131
#: The throughput runs export the first days of the seeded month (about a fifth of it).
THROUGHPUT_END = 20250106
#: The latency runs export three days in small pages, so round trips dominate.
LATENCY_END = 20250103
LATENCY = 0.02
#: Small pages make round trips dominate (more of them in the full run, where days hold more).
SMALL_BATCH = {True: 200, False: 1000}


async def run(fake: FakeProcess, args: argparse.Namespace) -> list[Row]:
    """Seed the fake, then measure throughput, parallelism, prefetch and memory."""
    total = 100_000 if args.quick else 1_000_000
    await fake.admin(
        "POST",
        "seed",
        {"events": {"event_name": EVENT, "count": total, "start": START, "end": END}},
    )
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


def _rate(records: int, run: Timed) -> float:
    return records / run.seconds


async def _throughput(fake: FakeProcess, args: argparse.Namespace) -> list[Row]:
    repeats = 2 if args.quick else 3
    counts: dict[str, int] = {}

    async with aiohttp.ClientSession() as session:

        async def bare() -> None:
            counts["bare"] = await bare_loop(session, fake.url, THROUGHPUT_END)

        baseline = await best_of(repeats, fake, bare)

    async with _client(fake) as ct:

        async def raw() -> None:
            counts["raw"] = await _count(ct.events.stream(EVENT, START, THROUGHPUT_END, raw=True))

        async def typed() -> None:
            counts["typed"] = await _count(ct.events.stream(EVENT, START, THROUGHPUT_END))

        raw_run = await best_of(repeats, fake, raw)
        typed_run = await best_of(repeats, fake, typed)

    if len(set(counts.values())) != 1:
        raise RuntimeError(f"the runs saw different record counts: {counts}")
    n = counts["bare"]
    bare_rate = _rate(n, baseline)
    return [
        Row(
            NAME,
            f"bare aiohttp + orjson, {n:,} records",
            bare_rate,
            "rec/s",
            fake_cpu=baseline.fake_cpu,
        ),
        Row(
            NAME,
            "events.stream(raw=True)",
            _rate(n, raw_run),
            "rec/s",
            ratio=_rate(n, raw_run) / bare_rate,
            ratio_to="of bare",
            goal=">= 0.9x",
            fake_cpu=raw_run.fake_cpu,
        ),
        Row(
            NAME,
            "events.stream() typed",
            _rate(n, typed_run),
            "rec/s",
            ratio=_rate(n, typed_run) / bare_rate,
            ratio_to="of bare",
            goal=">= 0.5x",
            fake_cpu=typed_run.fake_cpu,
        ),
    ]


async def _latency(fake: FakeProcess, args: argparse.Namespace) -> list[Row]:
    label = f"{NAME} @{LATENCY * 1000:.0f}ms"
    await fake.set_latency(LATENCY)
    try:
        async with _client(fake) as ct:

            def export(**options: Any) -> Callable[[], Awaitable[Any]]:
                stream = ct.events.stream(
                    EVENT,
                    START,
                    LATENCY_END,
                    raw=True,
                    batch_size=SMALL_BATCH[args.quick],
                    **options,
                )
                return lambda: _count(stream)

            async def slow_consumer(prefetch: bool) -> None:
                stream = ct.events.stream(
                    EVENT,
                    START,
                    LATENCY_END,
                    raw=True,
                    batch_size=SMALL_BATCH[args.quick],
                    prefetch=prefetch,
                )
                async for _page in stream.pages():
                    await asyncio.sleep(LATENCY)  # the caller's own awaited work per page

            one = await timed(fake, export(parallel=1))
            three = await timed(fake, export(parallel=3))
            without = await timed(fake, lambda: slow_consumer(False))
            with_prefetch = await timed(fake, lambda: slow_consumer(True))
    finally:
        await fake.set_latency(0)
    return [
        Row(label, "parallel=1", one.seconds, "s", fake_cpu=one.fake_cpu),
        Row(
            label,
            "parallel=3",
            three.seconds,
            "s",
            ratio=one.seconds / three.seconds,
            ratio_to="speed-up",
            goal=">= 2.5x",
            fake_cpu=three.fake_cpu,
        ),
        Row(
            label, "20 ms/page caller, no prefetch", without.seconds, "s", fake_cpu=without.fake_cpu
        ),
        Row(
            label,
            "20 ms/page caller, prefetch",
            with_prefetch.seconds,
            "s",
            ratio=without.seconds / with_prefetch.seconds,
            ratio_to="speed-up",
            goal=">= 1.5x",
            fake_cpu=with_prefetch.fake_cpu,
        ),
    ]


async def _memory(fake: FakeProcess, total: int) -> Row:
    async with _client(fake) as ct:
        stream = ct.events.stream(EVENT, START, END, raw=True)
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
        f"events.stream(raw=True), {total:,} records",
        (peak - base) / 2**20,
        "MiB peak growth",
        goal="<= 30",
        fake_cpu=run.fake_cpu,
    )
