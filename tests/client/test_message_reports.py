"""Message reports: long ranges sliced into windows, answers merged by message id, filters checked
first, and a timeout of their own because the real endpoint is slow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from clevertap_async import APITimeoutError, CleverTap, ValidationError
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap, message_report

PATH = "/1/message/report.json"


@pytest.fixture
def quick(fake: FakeCleverTap) -> FakeCleverTap:
    fake.message_report_seconds = 0.0
    return fake


async def test_a_long_range_is_sliced_and_merged_without_loss(
    quick: FakeCleverTap, ct: CleverTap
) -> None:
    quick.message_reports = [message_report(n, f"m{n}", 20260101 + n, sent=n) for n in range(31)]
    quick.message_reports += [
        message_report(100 + n, "e", 20260201 + n, channel="email", sent=1) for n in range(28)
    ]
    report = await ct.reports.messages(
        date(2026, 1, 1), date(2026, 2, 28), window_days=10, channel=["push", "email"]
    )
    ids = [message["message id"] for message in report["messages"]]
    assert ids == list(range(31)) + list(range(100, 128))
    assert report["total_results"] == 59
    assert report["messages"][3] == {
        "message id": 3,
        "message_name": "m3",
        "channel": "push",
        "sent": 3,
    }
    windows = sorted((r.json()["from"], r.json()["to"]) for r in quick.requests)
    assert windows[0] == ("20260101", "20260110")
    assert windows[-1] == ("20260220", "20260228")
    assert len(windows) == 6
    assert all(r.json()["channel"] == ["push", "email"] for r in quick.requests)


async def test_a_campaign_listed_by_two_windows_is_counted_once(
    quick: FakeCleverTap, ct: CleverTap
) -> None:
    quick.message_reports = [
        message_report(7, "recurring", 20260125, 20260205, sent=10),
        message_report(8, "later", 20260210, sent=1),
    ]
    report = await ct.reports.messages(20260101, 20260228, window_days=31)
    answers = [r for r in quick.requests if r.path == PATH]
    assert len(answers) == 2  # both windows listed message 7
    assert [m["message id"] for m in report["messages"]] == [7, 8]
    assert report["total_results"] == 2


async def test_a_short_range_is_one_request(quick: FakeCleverTap, ct: CleverTap) -> None:
    quick.message_reports = [message_report(1, "m", 20260105, channel="sms")]
    report = await ct.reports.messages(20260101, 20260131, daily=True, status=["completed"])
    assert report == {
        "total_results": 1,
        "messages": [{"message id": 1, "message_name": "m", "channel": "sms"}],
    }
    [request] = quick.requests
    assert request.json() == {
        "daily": True,
        "status": ["completed"],
        "from": "20260101",
        "to": "20260131",
    }


@pytest.fixture
async def impatient(fake: FakeCleverTap) -> AsyncIterator[CleverTap]:
    """A client whose general timeout is shorter than one message-report window takes."""
    fake.message_report_seconds = 0.6  # 0.3 s for a 15-day window
    async with fake.client(retry=NO_WAIT_RETRIES, timeout=0.1) as client:
        yield client


async def test_slow_windows_are_not_cut_short_or_re_run(
    fake: FakeCleverTap, impatient: CleverTap
) -> None:
    fake.message_reports = [message_report(1, "m", 20260105)]
    report = await impatient.reports.messages(20260101, 20260130, window_days=15)
    assert report["total_results"] == 1
    assert len(fake.requests_to(PATH)) == 2  # one per window, none repeated


async def test_the_general_timeout_would_have_re_run_the_window(
    fake: FakeCleverTap, impatient: CleverTap
) -> None:
    with pytest.raises(APITimeoutError, match=r"no answer within 0\.1s"):
        await impatient.reports.messages(20260101, 20260115, attempt_timeout=0.1)
    # The client gives up on an attempt before the server has always logged it: wait for the log.
    for _ in range(500):
        if len(fake.requests_to(PATH)) >= 4:
            break
        await asyncio.sleep(0.01)
    assert len(fake.requests_to(PATH)) == 4


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"channel": ["carrier_pigeon"]}, "channel must be one of"),
        ({"channel": "push"}, "channel must be a list of strings"),
        ({"colour": ["red"]}, "unknown filter 'colour'"),
        ({"window_days": 0}, "window_days must be a positive int"),
        ({"daily": "yes"}, "daily must be a bool"),
        ({"attempt_timeout": 0}, "attempt_timeout must be a positive number"),
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
