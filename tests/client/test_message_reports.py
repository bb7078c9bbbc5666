"""Message reports: long ranges sliced into windows, answers merged, filters checked first."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from clevertap_async import CleverTap, ValidationError
from clevertap_async.testing import FakeCleverTap

PATH = "/1/message/report.json"


async def test_a_long_range_is_sliced_and_merged_without_loss(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.message_reports = [
        {"date": 20260101 + n, "id": n, "channel": "push", "sent": n} for n in range(0, 31)
    ] + [{"date": 20260201 + n, "id": 100 + n, "channel": "email", "sent": 1} for n in range(28)]
    report = await ct.reports.messages(
        date(2026, 1, 1), date(2026, 2, 28), window_days=10, channel=["push", "email"]
    )
    ids = [message["id"] for message in report["messages"]]
    assert ids == list(range(31)) + list(range(100, 128))
    windows = sorted((r.json()["from"], r.json()["to"]) for r in fake.requests)
    assert windows[0] == ("20260101", "20260110")
    assert windows[-1] == ("20260220", "20260228")
    assert len(windows) == 6
    assert all(r.json()["channel"] == ["push", "email"] for r in fake.requests)


async def test_a_short_range_is_one_request(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.message_reports = [{"date": 20260105, "id": 1, "channel": "sms"}]
    report = await ct.reports.messages(20260101, 20260131, daily=True, status=["completed"])
    assert report == {"messages": [{"date": 20260105, "id": 1, "channel": "sms"}]}
    [request] = fake.requests
    assert request.json() == {
        "daily": True,
        "status": ["completed"],
        "from": "20260101",
        "to": "20260131",
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"channel": ["carrier_pigeon"]}, "channel must be one of"),
        ({"channel": "push"}, "channel must be a list of strings"),
        ({"colour": ["red"]}, "unknown filter 'colour'"),
        ({"window_days": 0}, "window_days must be a positive int"),
        ({"daily": "yes"}, "daily must be a bool"),
        ({"end": 20251231}, "start 2026-01-01 is after end 2025-12-31"),
    ],
)
async def test_bad_message_report_requests_are_refused(
    fake: FakeCleverTap, ct: CleverTap, arguments: dict[str, Any], message: str
) -> None:
    call: dict[str, Any] = {"start": 20260101, "end": 20260131, **arguments}
    with pytest.raises(ValidationError, match=message):
        await ct.reports.messages(**call)
    assert fake.requests == []
