"""The fake's upload limits, driven with bare aiohttp: 15 uploads in flight (the 16th answered 429),
1000 records a call."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from clevertap_async.testing import DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE, FakeCleverTap

HEADERS = {"X-CleverTap-Account-Id": DEFAULT_ACCOUNT_ID, "X-CleverTap-Passcode": DEFAULT_PASSCODE}


async def test_twenty_concurrent_uploads_get_fifteen_answers_and_five_429s(
    fake: FakeCleverTap,
) -> None:
    # The latency holds every accepted upload open until all twenty have arrived.
    fake.faults.inject("latency", seconds=0.3, path="/1/upload")

    async def upload(session: aiohttp.ClientSession, n: int) -> tuple[int, Any]:
        body = {"d": [{"type": "event", "identity": f"u{n}", "evtName": "E", "evtData": {"n": n}}]}
        async with session.post(fake.url + "/1/upload", json=body, headers=HEADERS) as response:
            return response.status, await response.json(content_type=None)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async with asyncio.timeout(30):
            results = await asyncio.gather(*(upload(session, n) for n in range(20)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 15 + [429] * 5
    refused = [body for status, body in results if status == 429]
    assert refused == [{"status": "fail", "error": "Too many concurrent requests", "code": 429}] * 5
    answered = [body for status, body in results if status == 200]
    assert answered == [{"status": "success", "processed": 1, "unprocessed": []}] * 15
    assert fake.max_in_flight["upload"] == 15
    assert len(fake.uploaded_events) == 15  # a refused upload stores nothing


async def test_exactly_1000_records_in_one_call_are_accepted(fake: FakeCleverTap) -> None:
    records = [
        {"type": "event", "identity": f"u{n}", "evtName": "E", "evtData": {}} for n in range(1000)
    ]
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake.url + "/1/upload", json={"d": records}, headers=HEADERS) as response,
    ):
        assert response.status == 200
        assert (await response.json())["processed"] == 1000
    assert len(fake.uploaded_events) == 1000
