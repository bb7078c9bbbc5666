"""The export streams against the fake server over real sockets: every page once, in order, resumable."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from aiohttp import web

from clevertap_async import (
    BadRequestError,
    Checkpoint,
    CleverTap,
    Condition,
    CursorExpiredError,
    ExportedEvent,
    ExportedProfile,
    PaginationError,
    RetryPolicy,
    ValidationError,
    Where,
)
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap
from tests.conftest import RecordingSleep

EVENTS = "/1/events.json"
PROFILES = "/1/profiles.json"


def seeded(fake: FakeCleverTap, name: str, first: int, last: int) -> Counter[bytes]:
    """What the fake holds for a range, as a multiset of canonical JSON records."""
    return Counter(
        orjson.dumps(orjson.loads(r), option=orjson.OPT_SORT_KEYS)
        for r in fake.seeded.select_events(name, first, last)
    )


def canonical(records: list[dict[str, Any]]) -> Counter[bytes]:
    return Counter(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in records)


async def collect(stream: Any) -> list[Any]:
    return [record async for record in stream]


@asynccontextmanager
async def scripted_export(
    aiohttp_server: Any, export: Callable[[web.Request], Awaitable[web.Response]]
) -> AsyncIterator[CleverTap]:
    """A client for a server whose events export is ``export``: for answers the fake never gives."""
    app = web.Application()
    app.router.add_route("*", EVENTS, export)
    server = await aiohttp_server(app)
    url = str(server.make_url("")).rstrip("/")
    async with CleverTap("acc", "passcode", base_url=url, retry=NO_WAIT_RETRIES) as ct:
        yield ct


async def drain_pages(stream: Any, into: list[Any]) -> None:
    async for page in stream.pages():
        into.append(page)


@pytest.fixture
async def sleepy_ct(
    fake: FakeCleverTap, recording_sleep: RecordingSleep
) -> AsyncIterator[CleverTap]:
    async with fake.client(_sleep=recording_sleep, timeout=5) as client:
        yield client


async def test_every_record_arrives_once_in_order_with_verbatim_cursors(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_events("Charged", count=1234, start=20260101, end=20260103)
    records = await collect(
        ct.events.stream("Charged", 20260101, 20260103, batch_size=100, raw=True)
    )
    assert canonical(records) == seeded(fake, "Charged", 20260101, 20260103)
    assert [orjson.dumps(r) for r in records] == fake.seeded.select_events(
        "Charged", 20260101, 20260103
    )  # in the server's order
    pages = [r for r in fake.requests_to(EVENTS, "GET")]
    assert len(pages) == 13  # 1234 records in pages of 100
    # The fake's cursors carry encoded + / = and the client sent them untouched, never re-encoded.
    queries = [r.query for r in pages]
    assert all(q.startswith("cursor=") and "%25" not in q for q in queries)
    assert any("%2B" in q for q in queries) and any("%2F" in q for q in queries)
    assert all("%3D" in q for q in queries)


async def test_a_re_encoded_cursor_is_what_the_verbatim_rule_prevents(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_events("Charged", count=5, start=20260101, end=20260101)
    created = await ct._transport.request(
        "POST",
        EVENTS,
        params={"batch_size": 5},
        json={"event_name": "Charged", "from": 20260101, "to": 20260101},
    )
    with pytest.raises(BadRequestError, match="Incorrect Usage"):
        await ct._transport.request(
            "GET", EVENTS, params={"cursor": created["cursor"]}
        )  # encoded twice
    page = await ct._transport.request("GET", EVENTS, verbatim_params={"cursor": created["cursor"]})
    assert len(page["records"]) == 5


async def test_short_and_empty_pages_are_not_the_end(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.exports.vary_page_sizes = True
    fake.seed_events("Charged", count=900, start=20260101, end=20260102)
    sizes = []
    total = 0
    async for page in ct.events.stream(
        "Charged", 20260101, 20260102, batch_size=50, raw=True
    ).pages():
        sizes.append(len(page.records))
        total += len(page.records)
    assert total == 900
    assert any(size < 50 for size in sizes[:-1])  # short pages in the middle did not stop the loop


async def test_an_empty_range_without_records_key_yields_nothing(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_events("Charged", count=10, start=20260101, end=20260101)
    pages = [p async for p in ct.events.stream("Charged", 20260201, 20260203).pages()]
    assert [p.records for p in pages] == [[]]
    assert pages[0].cursor is None and pages[0].checkpoint.done


async def test_typed_records_keep_every_key_and_read_ts_in_the_project_zone(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_events("Charged", count=20, start=20260105, end=20260105)
    zone = ZoneInfo("Asia/Kolkata")
    events = await collect(
        ct.events.stream("Charged", date(2026, 1, 5), date(2026, 1, 5), tz="Asia/Kolkata")
    )
    raw = await collect(ct.events.stream("Charged", 20260105, 20260105, raw=True))
    assert len(events) == 20 and all(isinstance(e, ExportedEvent) for e in events)
    for event, wire in zip(events, raw, strict=True):
        assert event.raw_ts == wire["ts"]
        assert event.ts is not None and event.ts.tzinfo is zone
        assert event.ts.strftime("%Y%m%d%H%M%S") == str(wire["ts"])
        assert event.event_props == wire["event_props"]
        assert event.session_props == wire["session_props"]
        assert event.profile is not None
        assert event.profile.identity == wire["profile"]["identity"]
        assert event.profile.object_id == wire["profile"]["objectId"]
        assert event.profile.extra == {"id": wire["profile"]["id"]}  # not named, so kept


async def test_code_2_retries_the_same_cursor_with_backoff(
    fake: FakeCleverTap, sleepy_ct: CleverTap, recording_sleep: RecordingSleep
) -> None:
    fake.exports.not_ready = 2
    fake.seed_events("Charged", count=30, start=20260101, end=20260101)
    records = await collect(sleepy_ct.events.stream("Charged", 20260101, 20260101, batch_size=10))
    assert len(records) == 30
    gets = [r.query for r in fake.requests_to(EVENTS, "GET")]
    assert len(gets) == 9  # each of 3 cursors: not ready, not ready, page
    assert gets[0] == gets[1] == gets[2]
    assert len(recording_sleep.delays) == 6


async def test_a_cursor_that_never_gets_ready_is_a_pagination_error(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.exports.not_ready = 1000
    fake.seed_events("Charged", count=3, start=20260101, end=20260101)
    with pytest.raises(PaginationError, match="not ready"):
        await collect(ct.events.stream("Charged", 20260101, 20260101))
    assert len(fake.requests_to(EVENTS, "GET")) == 31  # bounded: 1 + 30 retries


async def test_code_1_backs_off_and_creates_the_cursor_again(
    fake: FakeCleverTap, sleepy_ct: CleverTap, recording_sleep: RecordingSleep
) -> None:
    fake.exports.throttle = 2
    fake.seed_events("Charged", count=30, start=20260101, end=20260101)
    assert len(await collect(sleepy_ct.events.stream("Charged", 20260101, 20260101))) == 30
    assert len(fake.requests_to(EVENTS, "POST")) == 3
    assert len(recording_sleep.delays) == 2


async def test_faults_mid_stream_lose_and_repeat_nothing(fake: FakeCleverTap) -> None:
    fake.seed_events("Charged", count=2000, start=20260101, end=20260104)
    fake.faults.inject("status", status=503, every=3, path=EVENTS, method="GET")
    fake.faults.inject("status", status=429, every=5, path=EVENTS, method="GET")
    fake.faults.inject("drop", every=4, path=EVENTS, method="GET")
    fake.faults.inject("lost_response", every=7, path=EVENTS, method="GET")
    fake.faults.inject("truncate", every=11, path=EVENTS, method="GET")
    async with fake.client(retry=RetryPolicy.no_wait(8), timeout=5) as ct:
        records = await collect(
            ct.events.stream("Charged", 20260101, 20260104, batch_size=97, raw=True)
        )
    assert canonical(records) == seeded(fake, "Charged", 20260101, 20260104)
    assert {r.fault for r in fake.requests_to(EVENTS, "GET")} >= {"status", "drop", "lost_response"}


async def test_pages_resume_from_a_saved_checkpoint_without_loss_or_repeat(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_events("Charged", count=500, start=20260101, end=20260102)
    first_run: list[dict[str, Any]] = []
    saved = ""
    async with contextlib.aclosing(
        ct.events.stream("Charged", 20260101, 20260102, batch_size=60, raw=True).pages()
    ) as pages:
        async for page in pages:
            first_run.extend(page.records)
            saved = page.checkpoint.to_json()  # what a CLI writes to its file
            if len(first_run) >= 180:
                break  # "crash" after the third page
    assert len(first_run) == 180
    rest = await collect(
        ct.events.stream("Charged", 20260101, 20260102, batch_size=60, raw=True, resume_from=saved)
    )
    assert canonical(first_run + rest) == seeded(fake, "Charged", 20260101, 20260102)


async def test_a_bare_cursor_resumes_a_single_partition(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.seed_events("Charged", count=100, start=20260101, end=20260101)
    stream = ct.events.stream("Charged", 20260101, 20260101, batch_size=30, raw=True)
    async with contextlib.aclosing(stream.pages()) as pages:
        first = await anext(pages)
    assert first.cursor is not None
    rest = await collect(
        ct.events.stream(
            "Charged", 20260101, 20260101, batch_size=30, raw=True, resume_from=first.cursor
        )
    )
    assert canonical(first.records + rest) == seeded(fake, "Charged", 20260101, 20260101)


async def test_a_finished_checkpoint_resumes_to_nothing(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.seed_events("Charged", count=10, start=20260101, end=20260101)
    pages = [p async for p in ct.events.stream("Charged", 20260101, 20260101).pages()]
    before = len(fake.requests)
    again = ct.events.stream("Charged", 20260101, 20260101, resume_from=pages[-1].checkpoint)
    assert await collect(again) == []
    assert len(fake.requests) == before


async def test_an_expired_cursor_raises_with_the_last_good_checkpoint(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    now = [0.0]
    fake.exports.cursor_ttl = 60
    fake.exports.clock = lambda: now[0]
    fake.seed_events("Charged", count=100, start=20260101, end=20260101)
    stream = ct.events.stream("Charged", 20260101, 20260101, batch_size=25, prefetch=False)
    delivered: list[Any] = []

    async def slow_caller() -> None:
        async for page in stream.pages():
            delivered.append(page)
            now[0] += 3600  # the caller took an hour over this page

    with pytest.raises(CursorExpiredError) as caught:
        await slow_caller()
    assert len(delivered) == 1
    assert caught.value.checkpoint == delivered[0].checkpoint
    assert "Incorrect Usage" in str(caught.value)


async def test_a_repeated_cursor_is_an_error_not_a_loop(aiohttp_server: Any) -> None:
    async def export(request: web.Request) -> web.Response:
        if request.method == "POST":
            return web.json_response({"status": "success", "cursor": "c1%2B"})
        return web.json_response(
            {"status": "success", "next_cursor": "c2%2F", "records": [{"ts": 20260101000000}]}
        )

    async with scripted_export(aiohttp_server, export) as ct:
        seen: list[Any] = []
        stream = ct.events.stream("X", 20260101, 20260101, raw=True)
        with pytest.raises(PaginationError, match="repeated a cursor") as caught:
            await drain_pages(stream, seen)
    # c2's page names c2 again: it is withheld (a checkpoint at c2 would loop on resume)
    assert len(seen) == 1
    assert caught.value.checkpoint == seen[-1].checkpoint


async def test_parallel_partitions_deliver_every_record_once_inside_the_cap(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_events("Charged", count=1400, start=20260101, end=20260107)
    fake.faults.inject("latency", seconds=0.01, path=EVENTS)
    pages = [
        p
        async for p in ct.events.stream(
            "Charged", 20260101, 20260107, batch_size=50, raw=True, parallel=3
        ).pages()
    ]
    records = [r for p in pages for r in p.records]
    assert canonical(records) == seeded(fake, "Charged", 20260101, 20260107)
    assert 2 <= fake.max_in_flight[EVENTS] <= 3
    assert set(pages[-1].checkpoint.cursors) == {f"202601{d:02}-202601{d:02}" for d in range(1, 8)}
    assert pages[-1].checkpoint.done
    # Within a day, records keep the server's order even though days interleave.
    by_day: dict[str, list[bytes]] = {}
    for page in pages:
        by_day.setdefault(page.partition, []).extend(orjson.dumps(r) for r in page.records)
    for label, got in by_day.items():
        day = int(label[:8])
        assert got == fake.seeded.select_events("Charged", day, day)


async def test_parallel_resume_covers_every_partition(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.seed_events("Charged", count=700, start=20260101, end=20260105)
    first: list[dict[str, Any]] = []
    saved: Checkpoint | None = None
    stream = ct.events.stream("Charged", 20260101, 20260105, batch_size=40, raw=True, parallel=3)
    async with contextlib.aclosing(stream.pages()) as pages:
        async for page in pages:
            first.extend(page.records)
            saved = page.checkpoint
            if len(first) >= 300:
                break
    assert saved is not None and not saved.done
    restored = Checkpoint.from_json(saved.to_json())
    rest = await collect(
        ct.events.stream(
            "Charged", 20260101, 20260105, batch_size=40, raw=True, parallel=3, resume_from=restored
        )
    )
    assert canonical(first + rest) == seeded(fake, "Charged", 20260101, 20260105)


async def test_prefetch_fetches_exactly_one_page_ahead(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.seed_events("Charged", count=100, start=20260101, end=20260101)
    for prefetch, expected in ((True, 2), (False, 1)):
        fake.requests.clear()
        stream = ct.events.stream("Charged", 20260101, 20260101, batch_size=10, prefetch=prefetch)
        async with contextlib.aclosing(stream.pages()) as pages:
            await anext(pages)
            await asyncio.sleep(0.2)  # the caller "works" on page 1
            assert len(fake.requests_to(EVENTS, "GET")) == expected


async def test_breaking_out_early_stops_fetching(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.seed_events("Charged", count=1000, start=20260101, end=20260105)
    stream = ct.events.stream("Charged", 20260101, 20260105, batch_size=10, parallel=3)
    async for _ in stream:
        break
    for _ in range(5):
        await asyncio.sleep(0.05)
    sent = len(fake.requests)
    await asyncio.sleep(0.1)
    assert len(fake.requests) == sent <= 10
    current = asyncio.current_task()
    assert [t for t in asyncio.all_tasks() if t is not current and "aiohttp" not in repr(t)] == []


async def test_filters_go_in_the_body_as_models_or_dicts(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    where = Where(
        event_properties=(Condition("Amount", 10, operator="greater_than"),),
        session_properties=(Condition("utm_source", "fake"),),
    )
    fake.known_events.add("Charged")
    await collect(
        ct.events.stream("Charged", 20260101, 20260102, where=where, app=True, events=False)
    )
    await collect(ct.events.stream("Charged", 20260101, 20260102, where={"event_properties": []}))
    typed, plain = [r.json() for r in fake.requests_to(EVENTS, "POST")]
    assert typed == {
        "event_name": "Charged",
        "event_properties": [{"name": "Amount", "value": 10, "operator": "greater_than"}],
        "session_properties": [{"name": "utm_source", "value": "fake"}],
        "from": 20260101,
        "to": 20260102,
    }
    assert plain["event_properties"] == []
    assert fake.requests_to(EVENTS, "POST")[0].query == "batch_size=5000&app=true&events=false"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"event_name": ""}, "event_name"),
        ({"start": 20261340}, "start"),
        ({"start": "20260101"}, "start"),
        ({"start": 20260105, "end": 20260101}, "start"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 5001}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"parallel": 0}, "parallel"),
        ({"where": {"from": 20250101}}, "where.from"),
        ({"where": [1]}, "where"),
        ({"where": {"event_properties": [{"name": "A", "value": {1, 2}}]}}, "where"),
        ({"where": Where(event_properties=(Condition("A", float("nan")),))}, "where"),
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"app": "yes"}, "app"),
        ({"resume_from": {"nonsense": 1}}, "resume_from"),
        ({"resume_from": "cursor%2B", "parallel": 2}, "resume_from"),
        ({"resume_from": Checkpoint({"20250101-20250101": None})}, "resume_from"),
    ],
)
async def test_bad_arguments_raise_before_anything_is_sent(
    fake: FakeCleverTap, ct: CleverTap, kwargs: dict[str, Any], field: str
) -> None:
    args = {"event_name": "Charged", "start": 20260101, "end": 20260102, **kwargs}
    with pytest.raises(ValidationError) as caught:
        ct.events.stream(args.pop("event_name"), args.pop("start"), args.pop("end"), **args)
    assert caught.value.field == field
    assert fake.requests == []


async def test_profiles_stream_rounds_batch_size_and_yields_profiles(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_profiles(count=120, start=20260101, end=20260110, event_names=("Charged",))
    profiles = await collect(ct.profiles.stream("Charged", 20260101, 20260110, batch_size=50))
    assert len(profiles) == 120 and all(isinstance(p, ExportedProfile) for p in profiles)
    assert len({p.identity for p in profiles}) == 120
    assert fake.requests_to(PROFILES, "POST")[0].query == "batch_size=46"
    await collect(ct.profiles.stream("Charged", 20260101, 20260110))
    assert fake.requests_to(PROFILES, "POST")[1].query == "batch_size=4991"
    first = profiles[0]
    assert first.email and first.platform_info and first.events["Charged"]["count"] >= 1


async def test_profiles_get_finds_by_each_key_or_returns_none(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_profiles(count=3, start=20260101, end=20260101)
    by_identity = await ct.profiles.get(identity="user-1")
    assert isinstance(by_identity, ExportedProfile) and by_identity.email == "user1@example.com"
    assert await ct.profiles.get(email="user1@example.com") == by_identity
    assert await ct.profiles.get(object_id=by_identity.platform_info[0]["objectId"]) == by_identity
    assert await ct.profiles.get(identity="nobody") is None
    bad_arguments: list[dict[str, Any]] = [
        {},
        {"identity": "a", "email": "b@c.de"},
        {"identity": ""},
    ]
    for bad in bad_arguments:
        with pytest.raises(ValidationError):
            await ct.profiles.get(**bad)
    assert [r.query for r in fake.requests_to("/1/profile.json")] == [
        "identity=user-1",
        "email=user1%40example.com",
        f"objectId={by_identity.platform_info[0]['objectId']}",
        "identity=nobody",
    ]


async def test_partial_pages_with_cursor_and_a_bad_records_field(aiohttp_server: Any) -> None:
    # One integration reports intermediate pages as {"status": "partial", "cursor": ...}; a records
    # field that is not a list is a broken answer, not an empty page.
    answers = {
        "c1%2B": {"status": "partial", "cursor": "c2%2F", "records": [{"ts": 20260101000000}]},
        "c2%2F": {"status": "success", "next_cursor": "c3%3D", "records": [{"ts": 20260101000001}]},
        "c3%3D": {"status": "success", "records": {"oops": 1}},
    }

    async def export(request: web.Request) -> web.Response:
        if request.method == "POST":
            return web.json_response({"status": "success", "cursor": "c1%2B"})
        return web.json_response(answers[request.rel_url.raw_query_string.removeprefix("cursor=")])

    async with scripted_export(aiohttp_server, export) as ct:
        seen: list[Any] = []
        stream = ct.events.stream("X", 20260101, 20260101, raw=True)
        with pytest.raises(PaginationError, match="records is not a list") as caught:
            await drain_pages(stream, seen)
    assert [p.records[0]["ts"] for p in seen] == [20260101000000, 20260101000001]
    assert caught.value.checkpoint is not None
    assert caught.value.checkpoint.cursors == {"20260101-20260101": "c3%3D"}
