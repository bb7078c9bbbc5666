"""Streaming keeps memory flat: the peak does not grow with the length of the export.

tracemalloc, not timing: the peak while streaming 200k records must be no more than a few pages' worth
above the peak while streaming 20k, with the fake server (and its seeded data) in the same process.
"""

from __future__ import annotations

import gc
import tracemalloc

from clevertap_async import CleverTap
from clevertap_async.testing import FakeCleverTap

PAGE = 5000


async def peak_growth(fake: FakeCleverTap, ct: CleverTap, last_day: int) -> int:
    """Bytes the traced peak rose by while streaming ``20260101..last_day`` (records dropped)."""
    gc.collect()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    count = 0
    async for _ in ct.events.stream("Charged", 20260101, last_day, batch_size=PAGE).raw():
        count += 1
    _, peak = tracemalloc.get_traced_memory()
    assert count == fake.seeded.event_count("Charged") * (last_day - 20260100) // 10
    return peak - before


async def test_streaming_200k_records_keeps_peak_memory_flat(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.record_bodies = False
    fake.seed_events("Charged", count=200_000, start=20260101, end=20260110)
    tracemalloc.start()
    try:
        short = await peak_growth(fake, ct, 20260101)  # 20k records
        long = await peak_growth(fake, ct, 20260110)  # 200k records
    finally:
        tracemalloc.stop()
    # Ten times the records, yet the peak stays within a couple of pages of the short run.
    two_pages = 2 * PAGE * 700
    assert long < short + two_pages, (short, long)
