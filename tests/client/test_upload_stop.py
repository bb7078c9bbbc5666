"""Which input positions a batch answers, and an upload stopped while a batch waits for a slot."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from clevertap_async import UploadCancelledError
from clevertap_async.models import UploadReport
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap


async def test_a_batch_waiting_for_a_slot_is_reported_not_sent(fake: FakeCleverTap) -> None:
    fake.faults.inject("latency", seconds=1, path="/1/upload")
    pulled: list[int] = []
    second_batch_sealed = asyncio.Event()

    def records() -> Iterator[dict[str, Any]]:
        for n in range(25):
            pulled.append(n)
            if n == 19:
                second_batch_sealed.set()
            yield {"identity": f"u{n}", "evtName": "Charged", "evtData": {"n": n}}

    report = UploadReport()
    async with fake.client(upload_concurrency=1, retry=NO_WAIT_RETRIES) as ct:
        task = asyncio.create_task(ct.events.upload(records(), batch_size=10, report=report))
        # One batch in flight (the only slot), the next sealed and waiting: the reader stops there.
        await second_batch_sealed.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert report.total == len(pulled) == 20
    assert all(isinstance(u.error, UploadCancelledError) for u in report.undelivered)
    assert [u.position for u in report.undelivered if u.maybe_applied] == list(range(10))
    assert [u.position for u in report.undelivered if not u.maybe_applied] == list(range(10, 20))


async def test_each_batch_result_names_the_positions_it_answers(fake: FakeCleverTap) -> None:
    records: list[Any] = [
        {"identity": f"u{n}", "evtName": "App Launched" if n % 7 == 0 else "Charged"}
        for n in range(95)
    ]
    async with fake.client(retry=NO_WAIT_RETRIES) as ct:
        results = [r async for r in ct.events.upload_batches(records, batch_size=10)]
    positions = [p for result in results for p in result.positions]
    assert sorted(positions) == list(range(95))
    for result in results:
        assert len(result.positions) == result.accepted + len(result.rejected) + len(
            result.undelivered
        )
        assert {r.position for r in result.rejected} <= set(result.positions)


async def test_a_launched_batch_still_waiting_for_the_slot_is_reported_never_sent(
    fake: FakeCleverTap,
) -> None:
    # Two uploads share the client's one slot: the first holds it (a slow answer) while the
    # second's batch is launched and waits for it. Stopping the second then sent nothing of it.
    fake.faults.inject("latency", seconds=1, path="/1/upload")
    first_records = [{"identity": "a", "evtName": "Charged", "evtData": {}}]
    second_records = [{"identity": f"b{n}", "evtName": "Charged", "evtData": {}} for n in range(3)]
    report = UploadReport()
    async with fake.client(upload_concurrency=1, retry=NO_WAIT_RETRIES) as ct:
        first = asyncio.create_task(ct.events.upload(first_records))
        await asyncio.sleep(0.2)
        assert len(fake.requests_to("/1/upload")) == 1  # the first upload holds the slot
        second = asyncio.create_task(ct.events.upload(second_records, report=report))
        await asyncio.sleep(0.1)  # its batch is launched and waits for the slot
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        assert (await first).accepted == 1
    assert len(fake.requests_to("/1/upload")) == 1
    assert [(u.position, u.maybe_applied) for u in report.undelivered] == [
        (0, False),
        (1, False),
        (2, False),
    ]
