"""The client against the fake's default, live-like answers: unknown and notification events, future
dates, discarded and restricted event names, spurious "Malformed request", cursor expiry, counts that
answer "partial" first, and counts computed from the same data the exports serve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clevertap_async import (
    BadRequestError,
    CleverTap,
    Condition,
    CountResult,
    CursorExpiredError,
    ExportNotAllowedError,
    Profile,
    RetryPolicy,
    UnknownEventError,
    ValidationError,
    Where,
)
from clevertap_async.testing import FakeCleverTap

EVENTS = "/1/events.json"
PROFILES = "/1/profiles.json"
COUNTS = "/1/counts/events.json"
#: Midday on 2026-01-10 (UTC), for a fake whose clock is moved by hand.
JAN_10 = datetime(2026, 1, 10, 12, tzinfo=UTC).timestamp()


async def collect(stream: Any) -> list[Any]:
    return [record async for record in stream]


async def read_pages(stream: Any, pages: list[Any], now: list[float], step: float) -> None:
    """Read a stream's pages into ``pages``, moving the fake's clock ``step`` seconds after each."""
    async for page in stream.pages():
        pages.append(page)
        now[0] += step


def utc_day(offset: int) -> int:
    day = datetime.now(UTC).date() + timedelta(days=offset)
    return day.year * 10_000 + day.month * 100 + day.day


# --- unknown events -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["events", "profiles"])
async def test_an_unknown_event_fails_the_first_iteration_and_the_count(
    fake: FakeCleverTap, ct: CleverTap, kind: str
) -> None:
    fake.seed_events("Charged", count=5, start=20260101, end=20260101)
    resource = getattr(ct, kind)
    stream = resource.stream("Chargd", 20260101, 20260131)
    assert fake.requests == []  # building the stream sends nothing
    with pytest.raises(UnknownEventError) as caught:
        await collect(stream)
    assert caught.value.event_name == "Chargd"
    assert isinstance(caught.value, BadRequestError) and caught.value.status == 400
    with pytest.raises(UnknownEventError) as counted:
        await resource.count("Chargd", 20260101, 20260131)
    assert counted.value.event_name == "Chargd"
    # Refusals are not retried: one creation and one count request.
    assert [r.status for r in fake.requests] == [400, 400]


async def test_an_uploaded_event_becomes_known_and_exports_and_counts(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    with pytest.raises(UnknownEventError):
        await ct.events.count("Signed Up", 20260101, 20260131)
    ts = int(datetime(2026, 1, 5, 8, 30, tzinfo=UTC).timestamp())
    records = [
        {"identity": f"u{n}", "ts": ts + n, "evtName": "Signed Up", "evtData": {"Plan": "Gold"}}
        for n in range(3)
    ]
    assert (await ct.events.upload(records)).accepted == 3
    exported = await collect(ct.events.stream("Signed Up", 20260101, 20260131, raw=True))
    assert [r["profile"]["identity"] for r in exported] == ["u0", "u1", "u2"]
    assert exported[0]["ts"] == 20260105083000 and exported[0]["event_props"] == {"Plan": "Gold"}
    assert await ct.events.count("Signed Up", 20260101, 20260131) == 3
    assert await ct.events.count("Signed Up", 20260106, 20260131) == 0


# --- notification events --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["events", "profiles"])
@pytest.mark.parametrize(
    "name", ["Notification Sent", "Notification Viewed", "Notification Clicked"]
)
async def test_notification_events_cannot_be_exported_but_can_be_counted(
    fake: FakeCleverTap, ct: CleverTap, kind: str, name: str
) -> None:
    fake.seed_events(name, count=12, start=20260101, end=20260103)
    fake.seed_profiles(count=4, start=20260101, end=20260101, event_names=[name])
    resource = getattr(ct, kind)
    with pytest.raises(ExportNotAllowedError) as caught:
        await collect(resource.stream(name, 20260101, 20260131))
    assert isinstance(caught.value, BadRequestError)
    assert caught.value.message == "Export not allowed for this event"
    expected = 12 if kind == "events" else 4
    assert await resource.count(name, 20260101, 20260131) == expected


# --- future dates ----------------------------------------------------------------------------------


async def test_a_to_after_tomorrow_utc_is_refused_before_sending(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.known_events.add("Charged")
    later = utc_day(2)
    with pytest.raises(ValidationError, match="in the future") as caught:
        ct.events.stream("Charged", 20260101, later)
    assert caught.value.field == "end"
    with pytest.raises(ValidationError, match="in the future"):
        ct.profiles.stream("Charged", 20260101, later)
    with pytest.raises(ValidationError, match="in the future"):
        await ct.events.count("Charged", 20260101, later)
    with pytest.raises(ValidationError, match="in the future"):
        await ct.profiles.count("Charged", 20260101, later)
    assert fake.requests == []
    # Tomorrow (UTC) is still today somewhere: allowed, and the fake answers it.
    assert await ct.events.count("Charged", utc_day(-1), utc_day(1)) == 0
    assert await collect(ct.events.stream("Charged", utc_day(-1), utc_day(1))) == []


async def test_the_fake_refuses_a_future_to_on_its_own_clock(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.clock = lambda: JAN_10
    fake.known_events.add("Charged")
    query = {"event_name": "Charged", "from": 20260101}
    assert (await ct.request("POST", COUNTS, json={**query, "to": 20260111}))["status"] == "partial"
    with pytest.raises(BadRequestError, match="future"):
        await ct.request("POST", COUNTS, json={**query, "to": 20260112})
    with pytest.raises(BadRequestError, match="future"):
        await ct.request("POST", EVENTS, params={"batch_size": 10}, json={**query, "to": 20260112})


# --- uploads ---------------------------------------------------------------------------------------


async def test_age_as_a_numeric_string_is_stored(fake: FakeCleverTap, ct: CleverTap) -> None:
    report = await ct.profiles.upload(
        [
            Profile({"Age": "18"}, identity="a"),
            {"identity": "b", "profileData": {"Age": 18}},
            {"identity": "c", "profileData": {"Age": "aa"}},
        ]
    )
    assert report.accepted == 2
    assert [(r.position, r.code, r.source) for r in report.rejected] == [(2, 520, "client")]
    assert fake.uploaded_profiles["identity:a"]["profileData"]["Age"] == "18"
    # The fake accepts the numeric string too, with the client's checks off.
    sent = await ct.profiles.upload(
        [{"identity": "d", "profileData": {"Age": "21"}}], validate=False
    )
    assert sent.accepted == 1


async def test_web_page_viewed_is_refused_before_sending(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    report = await ct.events.upload(
        [{"identity": "u", "evtName": "Web Page Viewed", "evtData": {}}]
    )
    assert [(r.code, r.source) for r in report.rejected] == [(513, "client")]
    assert fake.requests == []


@pytest.mark.parametrize(
    ("refuse", "name", "code"),
    [
        # The server's 513 is authoritative for restricted names the client does not know.
        ("restricted_events", "Session  concluded", 513),
        # An event discarded in the dashboard.
        ("discarded_events", "old promo", 528),
    ],
)
async def test_server_refused_event_names_are_rejected_and_never_sent_again(
    fake: FakeCleverTap, ct: CleverTap, refuse: str, name: str, code: int
) -> None:
    getattr(fake, refuse).add(name.title().replace("  ", " "))
    records = [
        {"identity": "u1", "evtName": name, "evtData": {}},
        {"identity": "u2", "evtName": "Bought", "evtData": {}},
    ]
    report = await ct.events.upload(records)
    assert report.accepted == 1 and report.undelivered == []
    [rejected] = report.rejected
    assert (rejected.position, rejected.code, rejected.source) == (0, code, "server")
    assert str(code) in rejected.error
    assert len(fake.requests_to("/1/upload")) == 1
    assert [e["evtName"] for e in fake.uploaded_events] == ["Bought"]


async def test_a_spurious_malformed_request_is_sent_again(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.faults.inject("status", status=400, path="/1/upload", times=2)
    records = [{"identity": f"u{n}", "evtName": "Bought", "evtData": {}} for n in range(5)]
    report = await ct.events.upload(records)
    assert report.accepted == 5 and report.rejected == [] and report.undelivered == []
    assert [r.status for r in fake.requests_to("/1/upload")] == [400, 400, 200]
    assert len({r.body for r in fake.requests_to("/1/upload")}) == 1  # the same batch each time


async def test_a_malformed_request_that_persists_leaves_the_batch_undelivered(
    fake: FakeCleverTap,
) -> None:
    fake.faults.inject("status", status=400, path="/1/upload")
    records = [{"identity": f"u{n}", "evtName": "Bought", "evtData": {}} for n in range(3)]
    async with fake.client(retry=RetryPolicy.no_wait(max_retries=2)) as ct:
        report = await ct.events.upload(records)
    assert report.accepted == 0 and report.rejected == []
    assert [u.position for u in report.undelivered] == [0, 1, 2]
    error = report.undelivered[0].exception
    assert isinstance(error, BadRequestError) and error.message == "Malformed request"
    assert len(fake.requests_to("/1/upload")) == 3  # the first attempt and max_retries more


# --- cursor expiry ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "step", "pages_read"),
    [
        # An hour idle between pages kills an events cursor at once.
        ("events", 3601, 1),
        # Never idle for an hour, but an events export lives 4 hours: fetched at 0, 0.5 ... 4 h.
        ("events", 1800, 9),
        # Profiles: idle time does not matter, the export lives 4 days: fetched on days 0, 2, 4.
        ("profiles", 2 * 86400, 3),
    ],
)
async def test_cursors_expire_on_the_fakes_clock_with_the_last_checkpoint(
    fake: FakeCleverTap, ct: CleverTap, kind: str, step: float, pages_read: int
) -> None:
    now = [JAN_10]
    fake.clock = lambda: now[0]
    fake.seed_events("Charged", count=300, start=20260101, end=20260101)
    fake.seed_profiles(count=115, start=20260101, end=20260101, event_names=["Charged"])
    stream = getattr(ct, kind).stream("Charged", 20260101, 20260101, batch_size=23, prefetch=False)
    pages: list[Any] = []
    with pytest.raises(CursorExpiredError) as caught:
        await read_pages(stream, pages, now, step)
    assert len(pages) == pages_read
    assert caught.value.checkpoint == pages[-1].checkpoint


@pytest.mark.parametrize("form", ["incorrect_usage", "invalid_cursor", "cursor_invalidated"])
async def test_every_expiry_form_is_a_cursor_expired_error(
    fake: FakeCleverTap, ct: CleverTap, form: str
) -> None:
    now = [JAN_10]
    fake.clock = lambda: now[0]
    fake.exports.expiry_answer = form
    fake.seed_events("Charged", count=20, start=20260101, end=20260101)
    pages: list[Any] = []
    stream = ct.events.stream("Charged", 20260101, 20260101, batch_size=10, prefetch=False)
    with pytest.raises(CursorExpiredError) as caught:
        await read_pages(stream, pages, now, 5 * 3600)
    assert caught.value.checkpoint == pages[0].checkpoint


# --- counts ----------------------------------------------------------------------------------------


async def test_counts_answer_partial_first_by_default(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.seed_events("Charged", count=40, start=20260101, end=20260104)
    assert await ct.events.count("Charged", 20260101, 20260102) == 20
    assert [(r.method, r.query.startswith("req_id=")) for r in fake.requests] == [
        ("POST", False),
        ("GET", True),
    ]
    assert fake.requests[0].status == 200


async def test_the_profiles_count_keeps_the_extra_fields(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_profiles(count=7, start=20260101, end=20260103, event_names=["Charged"])
    count = await ct.profiles.count("Charged", 20260101, 20260131)
    assert isinstance(count, int) and isinstance(count, CountResult)
    assert count == 7 and count + 1 == 8
    assert set(count.extra) == {"nQCount", "tcount", "userDeviceCount"}
    assert count.extra["userDeviceCount"] == {"devices": 7, "users": 7}
    assert count.extra["tcount"] >= 7
    with pytest.raises(TypeError):
        count.extra["tcount"] = 0  # type: ignore[index]


async def test_seed_export_and_count_agree(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.seed_events("Charged", count=600, start=20260101, end=20260110)
    fake.seed_profiles(count=50, start=20260101, end=20260120, event_names=["Charged"])
    where = Where(event_properties=(Condition("Amount", 2500, operator="greater_than"),))
    for first, last in [(20260101, 20260110), (20260103, 20260105), (20260110, 20260131)]:
        events = await collect(ct.events.stream("Charged", first, last, raw=True))
        assert await ct.events.count("Charged", first, last) == len(events) > 0
        filtered = await collect(ct.events.stream("Charged", first, last, raw=True, where=where))
        assert all(r["event_props"]["Amount"] > 2500 for r in filtered)
        assert 0 < len(filtered) < len(events)
        assert await ct.events.count("Charged", first, last, where=where) == len(filtered)
        profiles = await collect(ct.profiles.stream("Charged", first, last, raw=True))
        assert await ct.profiles.count("Charged", first, last) == len(profiles) > 0


async def test_trends_and_top_values_come_from_the_same_events(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_events("Charged", count=300, start=20260101, end=20260110, users=40)
    events = await collect(ct.events.stream("Charged", 20260101, 20260110, raw=True))
    trends = await ct.reports.trends("Charged", 20260101, 20260110, {"d": "daily", "m": "monthly"})
    assert len(trends["d"]) == 10 and sum(trends["d"].values()) == len(events) == 300
    assert trends["m"] == {"202601": 300}
    unique = await ct.reports.trends("Charged", 20260101, 20260110, {"m": "monthly"}, unique=True)
    assert unique["m"] == {"202601": len({r["profile"]["identity"] for r in events})}
    top = await ct.reports.top(
        "Charged",
        20260101,
        20260110,
        {"items": {"property_type": "event_properties", "name": "Item", "top_n": 10}},
    )
    items: dict[str, int] = {}
    for record in events:
        item = record["event_props"]["Item"]
        items[item] = items.get(item, 0) + 1
    assert top["items"]["STR"] == items
