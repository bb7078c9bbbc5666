"""Records per second uploading events: ``ct.events.upload`` against bare aiohttp loops, same fake.

Baselines send the same 1000-record bodies with aiohttp + orjson: one request at a time
(sequential), and ``gather`` with 15 in flight (the API's upload cap). The chunker row times the pure
part of the client alone (serialise each record once, chunk, build bodies). The goals are measured
against the fake; a last round against :mod:`benchmarks._free_server` (a server that checks nothing)
shows what the client costs when the server is not the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import aiohttp
import orjson

from clevertap_async import CleverTap
from clevertap_async._batching import DEFAULT_MAX_BATCH_BYTES, Chunker, serialise
from clevertap_async.testing import DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE

from ._harness import HEADERS, FakeProcess, Row, Timed, best_of_each, free_server

NAME = "upload"
BATCH = 1000
IN_FLIGHT = 15


def make_events(count: int) -> list[dict[str, Any]]:
    return [
        {
            "type": "event",
            "identity": f"user-{i}",
            "ts": 1_700_000_000 + i,
            "evtName": "Product viewed",
            "evtData": {"Product": f"sku-{i % 977}", "Price": 9.99 + i % 50, "Category": "Shoes"},
        }
        for i in range(count)
    ]


def chunk_only(records: list[dict[str, Any]]) -> int:
    """What the client does per record and per batch, without checks: serialise, chunk, build bodies."""
    chunker = Chunker(BATCH, DEFAULT_MAX_BATCH_BYTES)
    sealed = [batch for i, r in enumerate(records) for batch in chunker.add(i, r, serialise(r))]
    return sum(len(batch.body()) for batch in [*sealed, chunker.flush()])


async def run(fake: FakeProcess, args: argparse.Namespace) -> list[Row]:
    """Upload N events each way at 0 and 20 ms of fake latency; report records/s and ratios.

    A last round runs at 20 ms against the free server instead of the fake: the client's own ceiling.
    """
    count = 20_000 if args.quick else 200_000
    records = make_events(count)
    rows: list[Row] = []

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        chunk_only(records)
        timings.append(time.perf_counter() - started)
    rate = count / min(timings)
    rows.append(Row(NAME, "chunker alone (serialise + chunk)", rate, "records/s", goal=">= 300000"))

    for latency in (0.0, 0.02):
        await fake.set_latency(latency)
        best = await _race(fake.url, fake, records, args.repeats)
        rows += _rows(count, f"{latency * 1000:g} ms", FAKE_GOALS if latency > 0 else None, **best)
    await fake.set_latency(0)
    async with free_server(0.02) as url:
        best = await _race(url, None, records, args.repeats)
    rows += _rows(count, "20 ms, free server", FREE_GOALS, **best)
    return rows


async def _race(
    base_url: str, fake: FakeProcess | None, records: list[dict[str, Any]], repeats: int
) -> dict[str, Timed]:
    """Time the four ways of uploading ``records`` to ``base_url``, taking turns; best of each."""
    # Slices only: serialising is part of the work each way, so the baselines do it inside the timing.
    batches = [records[i : i + BATCH] for i in range(0, len(records), BATCH)]
    url = base_url + "/1/upload"
    headers = {**HEADERS, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
        CleverTap(DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE, base_url=base_url) as ct,
    ):

        async def post(batch: list[dict[str, Any]]) -> None:
            payload = orjson.dumps({"d": batch})
            async with session.post(url, data=payload, headers=headers) as r:
                answer = orjson.loads(await r.read())
                assert answer["processed"] == BATCH, answer

        async def sequential() -> None:
            for batch in batches:
                await post(batch)

        async def gathered() -> None:
            slots = asyncio.Semaphore(IN_FLIGHT)

            async def one(batch: list[dict[str, Any]]) -> None:
                async with slots:
                    await post(batch)

            await asyncio.gather(*(one(batch) for batch in batches))

        async def client() -> None:
            report = await ct.events.upload(records)
            assert report.accepted == len(records), report

        async def unchecked() -> None:
            report = await ct.events.upload(records, validate=False)
            assert report.accepted == len(records), report

        return await best_of_each(
            repeats,
            fake,
            {
                "sequential": sequential,
                "gather": gathered,
                "client": client,
                "unchecked": unchecked,
            },
        )


#: Goals by row: against the fake (which checks every record, on the same cores) and against the free
#: server (where the client alone is the bottleneck).
FAKE_GOALS = {"client/gather": ">= 0.9x", "client/sequential": ">= 10x"}
FREE_GOALS = {"client/gather": ">= 0.6x", "unchecked/gather": ">= 0.85x"}


def _rows(
    count: int,
    label: str,
    goals: dict[str, str] | None,
    *,
    sequential: Timed,
    gather: Timed,
    client: Timed,
    unchecked: Timed,
) -> list[Row]:
    def row(
        variant: str, timed: Timed, base: Timed | None = None, to: str = "", goal: str = ""
    ) -> Row:
        return Row(
            NAME,
            f"{variant}, {label}",
            count / timed.seconds,
            "records/s",
            ratio=None if base is None else base.seconds / timed.seconds,
            ratio_to=to,
            goal=(goals or {}).get(goal, ""),
            run=timed,
        )

    return [
        row("bare sequential", sequential),
        # No client can beat bare gather by much, so this ratio is the ceiling of the next-but-one row.
        row(f"bare gather x{IN_FLIGHT}", gather, sequential, "of sequential"),
        row("ct.events.upload", client, gather, "of gather", "client/gather"),
        row("ct.events.upload", client, sequential, "of sequential", "client/sequential"),
        row("ct.events.upload validate=False", unchecked, gather, "of gather", "unchecked/gather"),
    ]
