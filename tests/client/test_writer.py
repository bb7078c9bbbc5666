"""BatchWriter: flush by size, by linger and on demand; backpressure; drain on exit; failure reports."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from clevertap_async import BatchResult, CleverTap, ClientStateError, Event, ValidationError
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap


def event(n: int) -> Event:
    return Event("Viewed", {"n": n}, identity=f"u{n}")


def batch_sizes(fake: FakeCleverTap) -> list[int]:
    return [len(r.json()["d"]) for r in fake.requests_to("/1/upload")]


async def test_full_batches_go_at_once_and_the_rest_on_exit(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    async with ct.events.writer(max_records=10, linger=60) as writer:
        for n in range(25):
            await writer.put(event(n))
        await asyncio.sleep(0)  # let the sending tasks run
        assert writer.buffered == 5
    assert sorted(batch_sizes(fake)) == [5, 10, 10]
    assert writer.report.accepted == 25
    assert sorted(e["evtData"]["n"] for e in fake.uploaded_events) == list(range(25))


async def test_linger_sends_a_partial_batch(fake: FakeCleverTap, ct: CleverTap) -> None:
    async with ct.events.writer(max_records=1000, linger=0.01) as writer:
        for n in range(3):
            await writer.put(event(n))
        for _ in range(200):
            if fake.uploaded_events:
                break
            await asyncio.sleep(0.005)
        assert batch_sizes(fake) == [3]
        assert writer.buffered == 0


async def test_flush_sends_and_waits(fake: FakeCleverTap, ct: CleverTap) -> None:
    async with ct.events.writer(linger=60) as writer:
        for n in range(5):
            await writer.put(event(n))
        assert fake.uploaded_events == []
        await writer.flush()
        assert len(fake.uploaded_events) == 5
        assert writer.report.accepted == 5


async def test_put_waits_when_every_slot_is_busy(fake: FakeCleverTap) -> None:
    fake.faults.inject("latency", seconds=0.1, path="/1/upload")
    async with (
        fake.client(retry=NO_WAIT_RETRIES, upload_concurrency=2) as ct,
        ct.events.writer(max_records=1, linger=60) as writer,
    ):
        await writer.put(event(0))
        await writer.put(event(1))
        third = asyncio.create_task(writer.put(event(2)))
        await asyncio.sleep(0.03)
        assert not third.done()  # backpressure: both slots are in flight
        await third
    assert fake.max_in_flight["upload"] <= 2
    assert writer.report.accepted == 3


async def test_a_put_cancelled_while_it_waits_has_not_added_its_record(
    fake: FakeCleverTap,
) -> None:
    # The record would complete a batch while every slot is busy: the put waits for a slot first,
    # so cancelling it leaves nothing behind, and putting the same record again sends it once.
    fake.faults.inject("latency", seconds=0.1, path="/1/upload")
    async with (
        fake.client(retry=NO_WAIT_RETRIES, upload_concurrency=1) as ct,
        ct.events.writer(max_records=2, linger=60) as writer,
    ):
        await writer.put(event(0))
        await writer.put(event(1))  # a full batch: it takes the only slot
        await writer.put(event(2))
        waiting = asyncio.create_task(writer.put(event(3)))
        await asyncio.sleep(0.03)
        assert not waiting.done()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert writer.buffered == 1
        await writer.put(event(3))
    assert writer.report.accepted == 4
    assert sorted(e["evtData"]["n"] for e in fake.uploaded_events) == [0, 1, 2, 3]


async def test_many_tasks_share_one_writer(fake: FakeCleverTap, ct: CleverTap) -> None:
    async with ct.events.writer(max_records=100, linger=0.005) as writer:

        async def feed(task: int) -> None:
            for n in range(50):
                await writer.put(event(task * 50 + n))
                if n % 10 == 0:
                    await asyncio.sleep(0)

        await asyncio.gather(*(feed(task) for task in range(20)))
    assert writer.report.accepted == 1000
    assert sorted(e["evtData"]["n"] for e in fake.uploaded_events) == list(range(1000))
    assert max(batch_sizes(fake)) <= 100


async def test_failures_reach_the_callback_and_the_report(ct: CleverTap) -> None:
    seen: list[BatchResult] = []
    async with ct.events.writer(max_records=3, linger=60, on_failure=seen.append) as writer:
        records: list[Any] = [event(0), {"identity": "x", "evtData": {}}, event(2), event(3)]
        for record in records:
            await writer.put(record)
    assert [r.position for result in seen for r in result.rejected] == [1]
    assert (writer.report.accepted, writer.report.total) == (3, 4)


async def test_the_writer_is_used_only_while_open(ct: CleverTap) -> None:
    writer = ct.events.writer()
    with pytest.raises(ClientStateError):
        await writer.put(event(0))
    async with writer:
        pass
    with pytest.raises(ClientStateError):
        await writer.put(event(0))
    await writer.close()  # twice is fine
    with pytest.raises(ValidationError, match="max_records"):
        ct.events.writer(max_records=0)


async def test_a_broken_failure_callback_does_not_stop_the_writer(
    ct: CleverTap, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(result: BatchResult) -> None:
        raise RuntimeError("boom")

    async with ct.events.writer(max_records=2, linger=60, on_failure=broken) as writer:
        for record in [{"identity": "x", "evtData": {}}, event(1), event(2), event(3)]:
            await writer.put(record)
    assert (writer.report.accepted, len(writer.report.rejected)) == (3, 1)
    assert "on_failure callback raised" in caplog.text
