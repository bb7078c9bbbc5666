"""The fake's export endpoints, driven with bare aiohttp (not the client), so they stand on their own."""

from __future__ import annotations

import argparse
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
QUERY = {"event_name": "Charged", "from": 20260101, "to": 20260110}


async def create(
    http: aiohttp.ClientSession, fake: FakeCleverTap, path: str = EVENTS, **body: Any
) -> str:
    batch = body.pop("batch_size", 100)
    status, data = await call(http, fake, "POST", f"{path}?batch_size={batch}", {**QUERY, **body})
    assert (status, data["status"]) == (200, "success"), data
    cursor: str = data["cursor"]
    return cursor


async def drain(
    http: aiohttp.ClientSession, fake: FakeCleverTap, cursor: str, path: str = EVENTS
) -> list[list[dict[str, Any]]]:
    pages = []
    while True:
        status, data = await call(http, fake, "GET", f"{path}?cursor={cursor}")
        assert status == 200, data
        pages.append(data.get("records", []))
        if "next_cursor" not in data:
            return pages
        cursor = data["next_cursor"]


async def test_cursor_flow_serves_every_record_once_in_pages(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.seed_events("Charged", count=1000, start=20260101, end=20260110)
    fake.seed_events("Charged", count=50, start=20260111, end=20260111)  # outside the range
    cursor = await create(http, fake, batch_size=300)
    for encoded in ("%2B", "%2F", "%3D"):
        assert encoded in cursor
    pages = await drain(http, fake, cursor)
    assert [len(p) for p in pages] == [300, 300, 300, 100]
    records = [r for page in pages for r in page]
    assert len({orjson.dumps(r) for r in records}) == 1000
    assert all(20260101 <= r["ts"] // 1_000_000 <= 20260110 for r in records)
    assert {"Amount", "Currency", "Item"} <= set(records[0]["event_props"])


async def test_double_encoded_or_raw_plus_cursor_is_incorrect_usage(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.seed_events("Charged", count=10, start=20260101, end=20260101)
    cursor = await create(http, fake)
    double = cursor.replace("%", "%25")
    raw = cursor.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
    for bad in (double, raw, "nonsense"):
        status, data = await call(http, fake, "GET", f"{EVENTS}?cursor={bad}")
        assert status == 400
        assert data["code"] == 3 and data["error"].startswith("Incorrect Usage")
    assert len((await drain(http, fake, cursor))[0]) == 10  # the right one still works


async def test_pages_can_be_fetched_with_post_too(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.seed_events("Charged", count=5, start=20260101, end=20260101)
    cursor = await create(http, fake)
    status, data = await call(http, fake, "POST", f"{EVENTS}?cursor={cursor}")
    assert status == 200 and len(data["records"]) == 5 and "next_cursor" not in data


async def test_empty_range_has_no_records_key(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.seed_events("Charged", count=5, start=20251201, end=20251201)  # known, outside the range
    cursor = await create(http, fake)
    status, data = await call(http, fake, "GET", f"{EVENTS}?cursor={cursor}")
    assert (status, data) == (200, {"status": "success"})


async def test_not_ready_answers_code_2_then_serves_the_same_cursor(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.seed_events("Charged", count=3, start=20260101, end=20260101)
    fake.exports.not_ready = 2
    cursor = await create(http, fake)
    answers = [await call(http, fake, "GET", f"{EVENTS}?cursor={cursor}") for _ in range(3)]
    assert [(s, d.get("code")) for s, d in answers[:2]] == [(200, 2), (200, 2)]
    assert answers[0][1]["status"] == "fail"
    assert len(answers[2][1]["records"]) == 3


async def test_throttled_creation_answers_code_1(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.known_events.add("Charged")
    fake.exports.throttle = 1
    status, data = await call(http, fake, "POST", f"{EVENTS}?batch_size=10", QUERY)
    assert (status, data["status"], data["code"]) == (200, "fail", 1)
    await create(http, fake)  # the next one goes through


async def test_cursor_expires_after_its_ttl_on_the_injected_clock(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    now = [1000.0]
    fake.exports.clock = lambda: now[0]
    fake.exports.cursor_ttl = 60
    fake.seed_events("Charged", count=4, start=20260101, end=20260101)
    cursor = await create(http, fake, batch_size=2)
    status, data = await call(http, fake, "GET", f"{EVENTS}?cursor={cursor}")
    assert status == 200
    now[0] += 61
    status, data = await call(http, fake, "GET", f"{EVENTS}?cursor={data['next_cursor']}")
    assert (status, data) == (400, {"status": "fail", "error": "Incorrect Usage", "code": 3})


async def test_varied_page_sizes_include_short_pages_and_keep_every_record(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.seed_events("Charged", count=500, start=20260101, end=20260110)
    fake.exports.vary_page_sizes = True
    pages = await drain(http, fake, await create(http, fake, batch_size=50))
    sizes = [len(p) for p in pages]
    assert sum(sizes) == 500 and min(sizes[:-1]) < 50 and max(sizes) <= 50


async def test_profiles_export_rounds_batch_to_23_and_asks_whether_gone(
    fake: FakeCleverTap, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.seed_profiles(count=100, start=20260101, end=20260110)
    fake.seed_profiles(count=10, start=20260101, end=20260101, event_names=["Other"])
    pages = await drain(http, fake, await create(http, fake, PROFILES, batch_size=50), PROFILES)
    assert [len(p) for p in pages] == [46, 46, 8]
    assert pages[0][0]["identity"] == "user-0" and pages[0][0]["platformInfo"]

    monkeypatch.setattr(
        fake, "is_profile_gone", lambda identity=None, object_id=None: identity == "user-1"
    )
    pages = await drain(http, fake, await create(http, fake, PROFILES, batch_size=50), PROFILES)
    identities = [r["identity"] for page in pages for r in page]
    assert len(identities) == 99 and "user-1" not in identities


def test_seeded_profiles_were_first_and_last_seen_within_their_range(fake: FakeCleverTap) -> None:
    fake.seed_profiles(count=40, start=20260101, end=20260131, event_names=["Charged", "Viewed"])
    january = (
        datetime(2026, 1, 1, tzinfo=UTC).timestamp(),
        datetime(2026, 2, 1, tzinfo=UTC).timestamp(),
    )
    for profile in fake.seeded.profiles:
        day = datetime(
            profile.day // 10_000, profile.day // 100 % 100, profile.day % 100, tzinfo=UTC
        )
        for summary in profile.record["events"].values():
            assert january[0] <= summary["first_seen"] <= summary["last_seen"] < january[1]
            assert 0 <= summary["first_seen"] - day.timestamp() < 86_400


async def test_profile_lookup_by_each_key_and_not_found(
    fake: FakeCleverTap, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.seed_profiles(count=3, start=20260101, end=20260101)
    for query in ("identity=user-2", "email=user2%40example.com", "objectId=__00000002-fake"):
        status, data = await call(http, fake, "GET", f"/1/profile.json?{query}")
        assert status == 200 and data["record"]["identity"] == "user-2", query
    status, data = await call(http, fake, "GET", "/1/profile.json?identity=nobody")
    assert status == 404 and data["status"] == "fail"
    status, _ = await call(http, fake, "GET", "/1/profile.json?identity=user-1&email=a%40b.c")
    assert status == 400
    monkeypatch.setattr(fake, "is_profile_gone", lambda **_: True)
    status, _ = await call(http, fake, "GET", "/1/profile.json?identity=user-2")
    assert status == 404


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("batch_size=5001", QUERY),
        ("batch_size=0", QUERY),
        ("batch_size=10&app=yes", QUERY),
        ("batch_size=10", {"from": 20260101, "to": 20260102}),
        ("batch_size=10", {**QUERY, "from": "20260101"}),
        ("batch_size=10", {**QUERY, "from": 20260105, "to": 20260101}),
    ],
)
async def test_bad_cursor_queries_get_400(
    fake: FakeCleverTap, http: aiohttp.ClientSession, query: str, body: dict[str, Any]
) -> None:
    status, data = await call(http, fake, "POST", f"{EVENTS}?{query}", body)
    assert status == 400 and data["status"] == "fail"


def test_seeded_data_is_deterministic_by_seed() -> None:
    def rendered(seed: int) -> list[bytes]:
        fake = FakeCleverTap(seed=seed)
        fake.seed_events("Charged", count=50, start=20260101, end=20260105)
        fake.seed_profiles(count=5, start=20260101, end=20260101)
        return fake.seeded.select_events("Charged", 0, 99999999) + [
            p.rendered for p in fake.seeded.profiles
        ]

    assert rendered(1) == rendered(1)
    assert rendered(1) != rendered(2)


def test_property_generators_and_constants() -> None:
    fake = FakeCleverTap()
    fake.seed_events(
        "Signup",
        count=3,
        start=20260101,
        end=20260101,
        properties={"n": lambda rng, i: i * 10, "plan": "gold"},
    )
    props = [orjson.loads(r)["event_props"] for r in fake.seeded.events["Signup"][20260101]]
    assert props == [{"n": 0, "plan": "gold"}, {"n": 10, "plan": "gold"}, {"n": 20, "plan": "gold"}]


async def test_admin_seed_endpoint_and_reset(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    body = {
        "events": [{"event_name": "Charged", "count": 20, "start": 20260101, "end": 20260102}],
        "profiles": {"count": 4, "start": 20260101, "end": 20260101},
    }
    status, _ = await call(http, fake, "POST", "/__fake__/seed", body)
    assert status == 200
    assert fake.seeded.event_count("Charged") == 20 and len(fake.seeded.profiles) == 4
    status, data = await call(http, fake, "POST", "/__fake__/seed", {"events": {"nope": 1}})
    assert status == 400 and "bad seed request" in data["error"]
    fake.reset()
    assert fake.seeded.event_count("Charged") == 0 and not fake.seeded.profiles


def test_cli_seed_flags_seed_the_fake() -> None:
    fake = FakeCleverTap()
    seed_exports(fake, argparse.Namespace(seed_events=31, seed_profiles=7))
    assert fake.seeded.event_count(SEED_EVENT) == 31 and len(fake.seeded.profiles) == 7


async def test_the_oldest_cursors_are_forgotten_beyond_the_cap(
    fake: FakeCleverTap, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("clevertap_async.testing._exports.MAX_LIVE_CURSORS", 2)
    fake.known_events.add("Charged")
    first = await create(http, fake)
    second = await create(http, fake)
    third = await create(http, fake)
    status, data = await call(http, fake, "GET", f"{EVENTS}?cursor={first}")
    assert status == 400 and data["code"] == 3
    for cursor in (second, third):
        assert (await call(http, fake, "GET", f"{EVENTS}?cursor={cursor}"))[0] == 200
