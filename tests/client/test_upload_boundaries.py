"""The per-call record limits, exactly at the limit and one past, through the client to the fake."""

from __future__ import annotations

import pytest

from clevertap_async import CleverTap, DeviceToken
from clevertap_async.testing import FakeCleverTap


def sizes(fake: FakeCleverTap) -> list[int]:
    return [len(request.json()["d"]) for request in fake.requests_to("/1/upload")]


@pytest.mark.parametrize(("count", "calls"), [(1000, [1000]), (1001, [1000, 1])])
async def test_events_go_at_most_1000_to_a_call_even_when_asked_for_more(
    fake: FakeCleverTap, ct: CleverTap, count: int, calls: list[int]
) -> None:
    records = [{"identity": f"u{n}", "evtName": "E", "evtData": {}} for n in range(count)]
    report = await ct.events.upload(records, batch_size=5000)
    assert (report.accepted, report.rejected, report.undelivered) == (count, [], [])
    assert sizes(fake) == calls


@pytest.mark.parametrize(("count", "calls"), [(100, [100]), (101, [100, 1])])
async def test_tokens_go_at_most_100_to_a_call_even_when_asked_for_more(
    fake: FakeCleverTap, ct: CleverTap, count: int, calls: list[int]
) -> None:
    tokens = [DeviceToken(f"o{n}", f"t{n}", "fcm") for n in range(count)]
    report = await ct.tokens.upload(tokens, batch_size=1000)
    assert report.accepted == count
    assert sizes(fake) == calls


async def test_a_smaller_batch_size_is_kept(fake: FakeCleverTap, ct: CleverTap) -> None:
    records = [{"identity": f"u{n}", "evtName": "E", "evtData": {}} for n in range(7)]
    await ct.events.upload(records, batch_size=3)
    assert sizes(fake) == [3, 3, 1]
