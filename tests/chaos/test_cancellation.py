"""Cancelling a writer, an upload or an export mid-way: no task left behind, no session left open,
and the report says what was sent. (A plain upload's report is covered in test_upload.py.)"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
import pytest

from clevertap_async import CleverTap, Event, UploadCancelledError, UploadReport
from clevertap_async._protocol import NO_BACKOFF
from clevertap_async.testing import FakeCleverTap

EVENTS = "/1/events.json"


pytestmark = pytest.mark.usefixtures("no_leaks")


def event(n: int) -> Event:
    return Event("Viewed", {"n": n}, identity=f"u{n}")


async def wait_for(condition: Any) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


def stored(fake: FakeCleverTap) -> set[int]:
    return {e["evtData"]["n"] for e in fake.uploaded_events}


async def test_cancelling_a_writer_owner_sends_what_was_put(fake: FakeCleverTap) -> None:
    fake.faults.inject("latency", seconds=0.01, path="/1/upload")
    put = 0
    async with fake.client(backoff=NO_BACKOFF) as ct:
        writer = ct.events.writer(max_records=100, linger=60)

        async def produce() -> None:
            nonlocal put
            async with writer:
                while True:
                    await writer.put(event(put))
                    put += 1

        task = asyncio.create_task(produce())
        await wait_for(lambda: writer.report.accepted >= 300)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Leaving the block drained the writer: every record put has its answer. The put that was
        # cancelled had already buffered its record (it was waiting for a free slot), so it went too.
        assert put <= writer.report.total <= put + 1
        assert writer.report.accepted == writer.report.total
        assert stored(fake) == set(range(writer.report.total))
        assert ct._transport.is_open


async def test_cancelling_a_writer_while_it_drains_leaves_no_task(fake: FakeCleverTap) -> None:
    fake.faults.inject("latency", seconds=0.05, path="/1/upload")
    async with fake.client(backoff=NO_BACKOFF, upload_concurrency=2) as ct:
        writer = ct.events.writer(max_records=10, linger=60)

        async def produce() -> None:
            async with writer:
                for n in range(35):
                    await writer.put(event(n))
                await asyncio.sleep(60)

        task = asyncio.create_task(produce())
        await wait_for(lambda: writer.buffered == 5)  # all put, batches still sending
        task.cancel()  # once while the owner waits ...
        await asyncio.sleep(0.01)
        task.cancel()  # ... and once more while the exit drains
        with pytest.raises(asyncio.CancelledError):
            await task
        report = writer.report
        assert report.total == 35
        assert all(isinstance(u.error, UploadCancelledError) for u in report.undelivered)
        assert set(range(35)) - {u.position for u in report.undelivered} <= stored(fake)


async def test_cancelling_an_upload_closes_its_session_with_the_client(
    fake: FakeCleverTap,
) -> None:
    fake.faults.inject("latency", seconds=0.02, path="/1/upload")
    report = UploadReport()

    async def run() -> None:
        async with fake.client(backoff=NO_BACKOFF) as ct:
            await ct.events.upload((event(n) for n in range(50_000)), batch_size=200, report=report)

    task = asyncio.create_task(run())
    await wait_for(lambda: report.accepted >= 400)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    given = report.total
    assert report.accepted + len(report.rejected) + len(report.undelivered) == given < 50_000
    assert set(range(given)) - {u.position for u in report.undelivered} <= stored(fake)


async def test_cancelling_an_export_stops_its_fetches(fake: FakeCleverTap) -> None:
    fake.seed_events("Charged", count=3000, start=20260101, end=20260106)
    fake.faults.inject("latency", seconds=0.01, path=EVENTS)
    got: list[Any] = []
    session_holder: list[aiohttp.ClientSession | None] = []

    async def run() -> None:
        async with fake.client(backoff=NO_BACKOFF) as ct:
            session_holder.append(ct._transport._session)
            stream = ct.events.stream("Charged", 20260101, 20260106, batch_size=50, parallel=3)
            async for record in stream:
                got.append(record)

    task = asyncio.create_task(run())
    await wait_for(lambda: len(got) >= 200)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    sent = len(fake.requests)
    await asyncio.sleep(0.05)
    assert len(fake.requests) == sent  # nothing fetches on after the cancel
    [session] = session_holder
    assert session is not None and session.closed


async def test_cancelling_a_page_loop_inside_aclosing(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.seed_events("Charged", count=1000, start=20260101, end=20260102)
    fake.faults.inject("latency", seconds=0.01, path=EVENTS)
    pages = 0

    async def run() -> None:
        nonlocal pages
        stream = ct.events.stream("Charged", 20260101, 20260102, batch_size=20, parallel=2)
        async with contextlib.aclosing(stream.pages()) as iterator:
            async for _ in iterator:
                pages += 1

    task = asyncio.create_task(run())
    await wait_for(lambda: pages >= 3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The client is still usable for the next call.
    assert await ct.events.stream("Charged", 20260101, 20260101, batch_size=500).pages().__anext__()
