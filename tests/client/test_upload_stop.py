"""An upload stopped while a sealed batch waits for a free slot still accounts for that batch."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from clevertap_async import UploadCancelledError
from clevertap_async._protocol import NO_BACKOFF
from clevertap_async.models import UploadReport
from clevertap_async.testing import FakeCleverTap


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
    async with fake.client(upload_concurrency=1, backoff=NO_BACKOFF) as ct:
        task = asyncio.create_task(ct.events.upload(records(), batch_size=10, report=report))
        # One batch in flight (the only slot), the next sealed and waiting: the reader stops there.
        await second_batch_sealed.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert report.total == len(pulled) == 20
    assert all(isinstance(u.exception, UploadCancelledError) for u in report.undelivered)
    assert [u.position for u in report.undelivered if u.maybe_applied] == list(range(10))
    assert [u.position for u in report.undelivered if not u.maybe_applied] == list(range(10, 20))
