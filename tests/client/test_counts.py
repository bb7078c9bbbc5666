"""Counts, trends, top and real-time counts against the fake, including the partial + req_id flow."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest

from clevertap_async import (
    CleverTap,
    CountPolling,
    CountTimeoutError,
    PermissionDeniedError,
    ValidationError,
)
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap
from tests.conftest import RecordingSleep

EVENTS = "/1/counts/events.json"
TRENDS = "/1/counts/trends.json"


async def test_event_count_answers_at_once(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.daily_counts["Charged"] = 7
    fake.count_partials = 0  # the API may answer at once too
    assert await ct.events.count("Charged", date(2026, 1, 1), 20260110) == 70
    [request] = fake.requests
    assert request.json() == {"event_name": "Charged", "from": 20260101, "to": 20260110}


async def test_event_count_polls_with_get_until_done(
    fake: FakeCleverTap, polling_ct: CleverTap, recording_sleep: RecordingSleep
) -> None:
    fake.daily_counts["Charged"] = 3
    fake.count_partials = 3
    where = {"event_properties": [{"name": "Amount", "operator": "equals", "value": 5}]}
    count = await polling_ct.events.count("Charged", 20260101, 20260102, where=where)
    assert count == 6
    methods = [(r.method, r.query.startswith("req_id=")) for r in fake.requests]
    assert methods == [("POST", False), ("GET", True), ("GET", True), ("GET", True)]
    assert all(r.body == b"" for r in fake.requests[1:])
    assert recording_sleep.delays == [1.0, 1.5, 2.25]
    assert fake.requests[0].json()["event_properties"] == where["event_properties"]


async def test_a_405_on_the_get_poll_switches_to_post(
    fake: FakeCleverTap, polling_ct: CleverTap
) -> None:
    fake.daily_counts["Launch"] = 4
    fake.count_partials = 2
    fake.reject_get_polls = True
    assert await polling_ct.profiles.count("Launch", 20260101, 20260105) == 4
    assert [(r.method, r.status) for r in fake.requests] == [
        ("POST", 200),
        ("GET", 405),
        ("POST", 200),
        ("POST", 200),
    ]
    assert fake.requests[2].query.startswith("req_id=")
    assert fake.requests[2].json() == fake.requests[0].json()


async def test_a_count_still_partial_at_the_deadline_is_a_typed_timeout(
    fake: FakeCleverTap, polling_ct: CleverTap, recording_sleep: RecordingSleep
) -> None:
    fake.known_events.add("Charged")
    fake.count_partials = 100
    polling = CountPolling(deadline=10, initial=2, maximum=4, multiplier=2)
    with pytest.raises(CountTimeoutError) as caught:
        await polling_ct.events.count("Charged", 20260101, 20260101, polling=polling)
    assert recording_sleep.delays == [2, 4, 4]
    assert caught.value.waited == 10
    assert caught.value.req_id in fake.pending_counts
    assert isinstance(caught.value, TimeoutError)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("Charged", 20260105, 20260101), "start 2026-01-05 is after end 2026-01-01"),
        (("Charged", 20261301, 20261302), "start must be a datetime.date or a YYYYMMDD int"),
        (("Charged", "20260101", 20260102), "start must be"),
        (("Charged", 20260101, True), "end must be"),
        (("", 20260101, 20260102), "event_name must be a non-empty string"),
    ],
)
async def test_bad_count_queries_are_refused_before_sending(
    fake: FakeCleverTap, ct: CleverTap, arguments: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        await ct.events.count(*arguments)
    with pytest.raises(ValidationError, match=message):
        await ct.profiles.count(*arguments)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ({"from": 20250101}, "where must not set from"),
        (["event_properties"], "where must be a mapping"),
    ],
)
async def test_bad_where_is_refused(
    fake: FakeCleverTap, ct: CleverTap, where: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        await ct.events.count("Charged", 20260101, 20260102, where=where)
    assert fake.requests == []


@attrs.frozen
class Where:
    event_properties: list[dict[str, Any]]


async def test_where_may_be_an_attrs_model(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.known_events.add("Charged")
    amount = [{"name": "Amount", "operator": "greater_than", "value": 5}]
    await ct.events.count("Charged", 20260101, 20260101, where=Where(amount))
    assert fake.requests[0].json()["event_properties"] == amount


def test_polling_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="deadline must be a number >= 0"):
        CountPolling(deadline=-1)


async def test_trends_by_day_week_and_month(fake: FakeCleverTap, polling_ct: CleverTap) -> None:
    fake.daily_counts["Charged"] = 10
    fake.count_partials = 1
    trends = await polling_ct.reports.trends(
        "Charged",
        date(2016, 12, 30),
        date(2017, 1, 2),
        {"d": "daily", "w": "weekly", "m": "monthly"},
    )
    assert trends == {
        "d": {"20161230": 10, "20161231": 10, "20170101": 10, "20170102": 10},
        "w": {"201652": 30, "201701": 10},
        "m": {"201612": 20, "201701": 20},
    }
    assert fake.requests[0].json()["groups"] == {
        "d": {"trend_type": "daily"},
        "w": {"trend_type": "weekly"},
        "m": {"trend_type": "monthly"},
    }


async def test_trends_unique_and_sum_are_sent(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.daily_counts["Charged"] = 2
    trends = await ct.reports.trends(
        "Charged", 20260105, 20260111, {"w": "weekly"}, unique=True, sum_event_prop="Amount"
    )
    assert trends == {"w": {"202602": 2}}
    body = fake.requests_to(TRENDS)[0].json()
    assert body["unique"] is True
    assert body["sum_event_prop"] == "Amount"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((20250101, 20260102, {"d": "daily"}), "is 367 days; this API allows at most 366"),
        ((20260101, 20260102, {f"g{n}": "daily" for n in range(6)}), "6 groups"),
        ((20260101, 20260102, {"d": "hourly"}), r"groups\['d'\] must be one of daily"),
        ((20260101, 20260102, {}), "groups must be a non-empty mapping"),
    ],
)
async def test_bad_trends_are_refused(
    fake: FakeCleverTap, ct: CleverTap, arguments: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        await ct.reports.trends("Charged", *arguments)
    assert fake.requests == []


async def test_a_year_of_trends_is_allowed(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.daily_counts["X"] = 1
    trends = await ct.reports.trends("X", date(2024, 1, 1), date(2024, 12, 31), {"m": "monthly"})
    assert sum(trends["m"].values()) == 366


async def test_top_property_values(fake: FakeCleverTap, polling_ct: CleverTap) -> None:
    fake.known_events.add("Charged")
    fake.count_partials = 2
    fake.top_values["Plan"] = {"STR": {"Gold": 5, "Silver": 10, "Bronze": 1}}
    fake.top_values["Amount"] = {"NUMBER": {"0-100": 10, "100-200": 9}}
    top = await polling_ct.reports.top(
        "Charged",
        20260101,
        20260131,
        {
            "plans": {"property_type": "profile_fields", "name": "Plan", "top_n": 2},
            "amounts": {"property_type": "event_properties", "name": "Amount", "order": "asc"},
        },
    )
    assert top == {
        "plans": {"STR": {"Silver": 10, "Gold": 5}},
        "amounts": {"NUMBER": {"100-200": 9, "0-100": 10}},
    }


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ({"property_type": "nope", "name": "X"}, "property_type must be one of"),
        ({"property_type": "geo_fields"}, r"\.name must be a non-empty string"),
        ({"property_type": "geo_fields", "name": "X", "top_n": 0}, "top_n must be a positive"),
        ({"property_type": "geo_fields", "name": "X", "order": "up"}, "order must be one of"),
        ({"property_type": "geo_fields", "name": "X", "limit": 3}, "unknown keys"),
        ("geo_fields", "must be an object"),
    ],
)
async def test_bad_top_groups_are_refused(
    fake: FakeCleverTap, ct: CleverTap, group: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        await ct.reports.top("Charged", 20260101, 20260102, {"g": group})
    assert fake.requests == []


async def test_realtime_counts_and_splits(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.realtime_count = 214
    plain = await ct.reports.realtime()
    assert plain.count == 214
    assert plain.splits == {}
    assert isinstance(plain.last_processed_ts, int)
    split = await ct.reports.realtime("os", "new")
    assert sum(split.splits["os"].values()) == 214
    assert set(split.splits["new"]) == {"session_source", "browser", "os", "device"}
    assert fake.requests[1].json() == {"os": True, "new": True}


async def test_unknown_realtime_split_is_refused(fake: FakeCleverTap, ct: CleverTap) -> None:
    with pytest.raises(ValidationError, match="splits must be one of"):
        await ct.reports.realtime("country")
    assert fake.requests == []


async def test_a_refused_poll_raises_its_typed_error(
    fake: FakeCleverTap, polling_ct: CleverTap
) -> None:
    fake.known_events.add("Charged")
    fake.count_partials = 2
    fake.faults.inject("status", status=403, method="GET", path=EVENTS)
    with pytest.raises(PermissionDeniedError):
        await polling_ct.events.count("Charged", 20260101, 20260101)
    assert [r.method for r in fake.requests] == ["POST", "GET"]


async def test_a_forgotten_req_id_resubmits_the_query(fake: FakeCleverTap) -> None:
    waits: list[float] = []

    async def forgetful_sleep(seconds: float) -> None:
        if not waits:
            fake.pending_counts.clear()  # the server loses the running query while we wait
        waits.append(seconds)

    fake.daily_counts["Charged"] = 5
    fake.count_partials = 1
    async with fake.client(retry=NO_WAIT_RETRIES, _sleep=forgetful_sleep) as client:
        assert await client.events.count("Charged", 20260101, 20260101) == 5
    calls = [(r.method, "req_id" in r.query, r.status) for r in fake.requests]
    assert calls == [
        ("POST", False, 200),
        ("GET", True, 400),
        ("POST", False, 200),
        ("GET", True, 200),
    ]
    assert waits == [1.0, 1.5]
