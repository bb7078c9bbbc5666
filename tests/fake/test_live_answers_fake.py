"""The fake's default answers where the live API was seen to differ from the docs, driven with bare
aiohttp: exact bodies for unknown and notification events, the legacy cursor creation, future dates,
cursor lifetimes on the fake's clock, 528, numeric-string ages, partial counts and their extra fields."""

from __future__ import annotations

import argparse
import urllib.parse
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson
import pytest

from clevertap_async.cli._fake_server import SEED_EVENT, seed_exports
from clevertap_async.testing import FakeCleverTap
from tests.fake._http import call

EVENTS = "/1/events.json"
PROFILES = "/1/profiles.json"
COUNT_PATHS = [
    "/1/counts/events.json",
    "/1/counts/profiles.json",
    "/1/counts/trends.json",
    "/1/counts/top.json",
]
JAN_10 = datetime(2026, 1, 10, 12, tzinfo=UTC).timestamp()


def query(name: str = "Charged", first: int = 20260101, last: int = 20260110) -> dict[str, Any]:
    return {"event_name": name, "from": first, "to": last}


def legacy(path: str, body: dict[str, Any], batch_size: int = 10) -> str:
    return f"{path}?batch_size={batch_size}&query={urllib.parse.quote(orjson.dumps(body).decode())}"


@pytest.mark.parametrize("target", [f"{EVENTS}?batch_size=10", f"{PROFILES}?batch_size=23"])
async def test_exports_of_an_unknown_event_answer_invalid_event(
    fake: FakeCleverTap, http: aiohttp.ClientSession, target: str
) -> None:
    assert await call(http, fake, "POST", target, query("Uninstalled")) == (
        400,
        {"status": "fail", "error": '["Invalid event : Uninstalled"]', "code": 400},
    )


@pytest.mark.parametrize("path", [EVENTS, PROFILES])
async def test_the_legacy_get_form_answers_like_the_post_form(
    fake: FakeCleverTap, http: aiohttp.ClientSession, path: str
) -> None:
    fake.seed_events("Charged", count=25, start=20260101, end=20260102)
    fake.seed_profiles(count=46, start=20260101, end=20260102, event_names=["Charged"])
    served = []
    for method, target, body in [
        ("POST", f"{path}?batch_size=23", query()),
        ("GET", legacy(path, query(), 23), None),
    ]:
        status, data = await call(http, fake, method, target, body)
        assert status == 200, data
        records, cursor = [], data["cursor"]
        while cursor:
            status, page = await call(http, fake, "GET", f"{path}?cursor={cursor}")
            records.extend(page.get("records", []))
            cursor = page.get("next_cursor")
        served.append(records)
    assert served[0] == served[1] and len(served[0]) in (25, 46)
    status, data = await call(http, fake, "GET", legacy(path, query("Nope")))
    assert (status, data["error"]) == (400, '["Invalid event : Nope"]')
    status, data = await call(http, fake, "GET", f"{path}?batch_size=10&query=%7Bnot-json")
    assert status == 400 and data["status"] == "fail"


@pytest.mark.parametrize("path", COUNT_PATHS)
async def test_counts_of_an_unknown_event_answer_invalid_event(
    fake: FakeCleverTap, http: aiohttp.ClientSession, path: str
) -> None:
    body = {**query("Uninstalled"), "groups": {"g": {"trend_type": "daily"}}}
    assert await call(http, fake, "POST", path, body) == (
        400,
        {"status": "fail", "error": '["Invalid event : Uninstalled"]', "code": 400},
    )


@pytest.mark.parametrize("target", [f"{EVENTS}?batch_size=10", f"{PROFILES}?batch_size=23"])
async def test_notification_events_are_not_exported(
    fake: FakeCleverTap, http: aiohttp.ClientSession, target: str
) -> None:
    fake.seed_events("Notification Clicked", count=3, start=20260101, end=20260101)
    assert await call(http, fake, "POST", target, query("Notification Clicked")) == (
        400,
        {"status": "fail", "error": "Export not allowed for this event", "code": 400},
    )
    fake.count_partials = 0
    status, data = await call(http, fake, "POST", COUNT_PATHS[0], query("Notification Clicked"))
    assert (status, data) == (200, {"status": "success", "count": 3})


async def test_declared_and_overridden_events_are_known(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.known_events.add("Declared")
    fake.daily_counts["Overridden"] = 2
    for name in ("Declared", "Overridden"):
        assert (await call(http, fake, "POST", f"{EVENTS}?batch_size=10", query(name)))[0] == 200
    fake.reset()
    assert (await call(http, fake, "POST", f"{EVENTS}?batch_size=10", query("Declared")))[0] == 400


async def test_a_to_after_tomorrow_on_the_fakes_clock_is_refused(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.clock = lambda: JAN_10
    fake.known_events.add("Charged")
    assert (await call(http, fake, "POST", f"{EVENTS}?batch_size=9", query(last=20260111)))[
        0
    ] == 200
    for target in (f"{EVENTS}?batch_size=9", COUNT_PATHS[0], COUNT_PATHS[1]):
        status, data = await call(http, fake, "POST", target, query(last=20260112))
        assert (status, data["status"]) == (400, "fail") and "future" in data["error"]


async def test_cursors_expire_by_default_on_the_fakes_clock(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    now = [JAN_10]
    fake.clock = lambda: now[0]
    fake.seed_events("Charged", count=30, start=20260101, end=20260101)
    status, data = await call(http, fake, "POST", f"{EVENTS}?batch_size=10", query())
    cursor = data["cursor"]
    now[0] += 3600  # an hour idle exactly: still alive
    status, page = await call(http, fake, "GET", f"{EVENTS}?cursor={cursor}")
    assert status == 200
    now[0] += 3601
    assert await call(http, fake, "GET", f"{EVENTS}?cursor={page['next_cursor']}") == (
        400,
        {"status": "fail", "error": "Incorrect Usage", "code": 3},
    )
    fake.exports.never_expire()
    now[0] += 10 * 86400
    assert (await call(http, fake, "GET", f"{EVENTS}?cursor={page['next_cursor']}"))[0] == 200


async def test_uploads_refuse_discarded_events_with_528_and_store_numeric_ages(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.discarded_events.add("Old Promo")
    records = [
        {"type": "event", "identity": "u", "evtName": "OLD  PROMO", "evtData": {}},
        {"type": "profile", "identity": "u", "profileData": {"Age": "18"}},
        {"type": "profile", "identity": "v", "profileData": {"Age": "aa"}},
    ]
    status, data = await call(http, fake, "POST", "/1/upload", {"d": records})
    assert status == 200 and (data["status"], data["processed"]) == ("partial", 1)
    assert [
        (u["code"], u["error"].endswith(f": {n}"))
        for u, n in zip(data["unprocessed"], (1, 3), strict=True)
    ] == [(528, True), (520, True)]
    assert fake.uploaded_profiles["identity:u"]["profileData"] == {"Age": "18"}


async def test_counts_answer_partial_once_by_default_with_the_profile_extras(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.seed_profiles(count=6, start=20260101, end=20260101, event_names=["Charged"])
    status, data = await call(http, fake, "POST", COUNT_PATHS[1], query())
    assert status == 200 and data["status"] == "partial" and isinstance(data["req_id"], int)
    status, data = await call(http, fake, "GET", f"{COUNT_PATHS[1]}?req_id={data['req_id']}")
    assert status == 200
    assert data == {
        "status": "success",
        "count": 6,
        "nQCount": 0,
        "tcount": sum(p.record["events"]["Charged"]["count"] for p in fake.seeded.profiles),
        "userDeviceCount": {"devices": 6, "users": 6},
    }
    at_once = FakeCleverTap(partial_counts=0)
    assert at_once.count_partials == 0


async def test_admin_seeding_drives_the_counts(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.count_partials = 0
    seed = {"events": {"event_name": "Charged", "count": 40, "start": 20260101, "end": 20260104}}
    assert (await call(http, fake, "POST", "/__fake__/seed", seed))[0] == 200
    status, data = await call(http, fake, "POST", COUNT_PATHS[0], query(last=20260102))
    assert (status, data) == (200, {"status": "success", "count": 20})


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"name": "Item", "value": "pizza"}, lambda p: p["Item"] == "pizza"),
        (
            {"name": "Item", "operator": "equals", "value": ["pizza", "sushi"]},
            lambda p: p["Item"] in ("pizza", "sushi"),
        ),
        (
            {"name": "Item", "operator": "not_equals", "value": "pizza"},
            lambda p: p["Item"] != "pizza",
        ),
        ({"name": "Item", "operator": "contains", "value": "zz"}, lambda p: "zz" in p["Item"]),
        (
            {"name": "Item", "operator": "does_not_contain", "value": "s"},
            lambda p: "s" not in p["Item"],
        ),
        (
            {"name": "Amount", "operator": "greater_than", "value": 4000},
            lambda p: p["Amount"] > 4000,
        ),
        (
            {"name": "Amount", "operator": "greater_than_equals", "value": "4000"},
            lambda p: p["Amount"] >= 4000,
        ),
        ({"name": "Amount", "operator": "less_than", "value": 100}, lambda p: p["Amount"] < 100),
        (
            {"name": "Amount", "operator": "less_than_equals", "value": 100},
            lambda p: p["Amount"] <= 100,
        ),
        ({"name": "Amount", "operator": "exists"}, lambda p: True),
        ({"name": "Coupon", "operator": "does_not_exist"}, lambda p: True),
        ({"name": "Coupon", "operator": "exists"}, lambda p: False),
    ],
)
async def test_event_property_operators_filter_exports_and_counts_alike(
    fake: FakeCleverTap, http: aiohttp.ClientSession, condition: dict[str, Any], expected: Any
) -> None:
    fake.count_partials = 0
    fake.seed_events("Charged", count=400, start=20260101, end=20260104)
    every = [orjson.loads(r) for r in fake.seeded.select_events("Charged", 20260101, 20260104)]
    wanted = sum(1 for r in every if expected(r["event_props"]))
    body = {**query(), "event_properties": [condition]}
    status, data = await call(http, fake, "POST", COUNT_PATHS[0], body)
    assert (status, data["count"]) == (200, wanted)
    status, data = await call(http, fake, "POST", f"{EVENTS}?batch_size=5000", body)
    status, page = await call(http, fake, "GET", f"{EVENTS}?cursor={data['cursor']}")
    assert len(page.get("records", [])) == wanted
    assert all(expected(r["event_props"]) for r in page.get("records", []))


async def test_an_unknown_operator_is_refused(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.known_events.add("Charged")
    body = {**query(), "event_properties": [{"name": "Amount", "operator": "around", "value": 1}]}
    for target in (COUNT_PATHS[0], f"{EVENTS}?batch_size=10"):
        status, data = await call(http, fake, "POST", target, body)
        assert status == 400 and "unknown operator" in data["error"]


async def test_the_command_lines_seed_flags_drive_the_counts(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.count_partials = 0
    seed_exports(fake, argparse.Namespace(seed_events=310, seed_profiles=0))
    month = query(SEED_EVENT, first=20260101, last=20260131)
    assert (await call(http, fake, "POST", COUNT_PATHS[0], month))[1]["count"] == 310
    first_day = query(SEED_EVENT, first=20260101, last=20260101)
    assert (await call(http, fake, "POST", COUNT_PATHS[0], first_day))[1]["count"] == 10


async def test_other_processes_declare_known_events_through_the_admin_api(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.count_partials = 0
    status, _ = await call(http, fake, "POST", "/__fake__/seed", {"known_events": ["Declared"]})
    assert status == 200
    assert await call(http, fake, "POST", COUNT_PATHS[0], query("Declared")) == (
        200,
        {"status": "success", "count": 0},
    )
    status, data = await call(http, fake, "POST", "/__fake__/seed", {"known_events": "Declared"})
    assert status == 400 and "known_events" in data["error"]
