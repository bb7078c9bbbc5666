"""Export streams at their edges: retry budgets exactly used up, answers that reject a cursor in each
way the API words it, broken answers named, partitions that must not wait for each other."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
from aiohttp import web

from clevertap_async import (
    APIError,
    BadRequestError,
    Checkpoint,
    CleverTap,
    CursorExpiredError,
    PaginationError,
    ValidationError,
)
from clevertap_async._pagination import DEFAULT_MAX_NOT_READY, DEFAULT_MAX_THROTTLED
from clevertap_async.testing import FakeCleverTap, RecordingSleep
from tests.client.test_adversarial_inputs import BOUND, EVENTS, cursor_of, scripted


async def drain(ct: CleverTap, **options: Any) -> list[Any]:
    stream = ct.events.stream("Charged", 20260101, 20260101, **options).raw()
    async with asyncio.timeout(BOUND):
        return [record async for record in stream]


@pytest.mark.parametrize(
    ("setting", "allowed"),
    [("not_ready", DEFAULT_MAX_NOT_READY), ("throttle", DEFAULT_MAX_THROTTLED)],
)
async def test_waiting_exactly_as_often_as_allowed_then_the_answer(
    fake: FakeCleverTap,
    polling_ct: CleverTap,
    recording_sleep: RecordingSleep,
    setting: str,
    allowed: int,
) -> None:
    # "Not ready" answers to a page, or "throttled" answers to the cursor's creation.
    fake.seed_events("Charged", count=3, start=20260101, end=20260101)
    setattr(fake.exports, setting, allowed)
    assert len(await drain(polling_ct)) == 3
    assert len(recording_sleep.delays) == allowed


async def test_not_ready_once_more_than_allowed_is_a_pagination_error(
    fake: FakeCleverTap, polling_ct: CleverTap
) -> None:
    fake.seed_events("Charged", count=3, start=20260101, end=20260101)
    fake.exports.not_ready = DEFAULT_MAX_NOT_READY + 1
    with pytest.raises(
        PaginationError, match=f"still not ready after {DEFAULT_MAX_NOT_READY} tries"
    ):
        await drain(polling_ct)


async def test_throttled_once_more_than_allowed_raises(
    fake: FakeCleverTap, polling_ct: CleverTap
) -> None:
    fake.seed_events("Charged", count=3, start=20260101, end=20260101)
    fake.exports.throttle = DEFAULT_MAX_THROTTLED + 1
    with pytest.raises((APIError, PaginationError)) as caught:
        await drain(polling_ct)
    assert "retry later" in str(caught.value) or "throttled" in str(caught.value)
    assert len(fake.requests_to(EVENTS, "POST")) == DEFAULT_MAX_THROTTLED + 1


@pytest.mark.parametrize(
    ("answer", "expired"),
    [
        ({"status": "fail", "error": "gone", "code": 3}, True),  # the code alone says so
        ({"status": "fail", "error": "Incorrect Usage"}, True),  # the words alone say so
        ({"status": "fail", "error": "incorrect usage: expired"}, True),
        ({"status": "fail", "error": "Something else", "code": 400}, False),
        ({"status": "fail", "error": "Something else"}, False),
    ],
)
async def test_a_rejected_cursor_is_told_from_other_errors(
    aiohttp_server: Any, answer: dict[str, Any], expired: bool
) -> None:
    async def export(request: web.Request) -> web.Response:
        if request.method == "POST":
            return web.json_response({"status": "success", "cursor": "c1%2B"})
        if cursor_of(request) == "c1%2B":
            return web.json_response({"status": "success", "next_cursor": "c2%2F", "records": [{}]})
        return web.json_response(answer, status=400)

    async with scripted(aiohttp_server, {EVENTS: export}) as ct:
        if expired:
            with pytest.raises(CursorExpiredError) as caught:
                await drain(ct)
            assert str(caught.value).endswith(
                "; resume from the error's checkpoint, or start again"
            )
            assert caught.value.checkpoint == Checkpoint({"20260101-20260101": "c2%2F"})
        else:
            with pytest.raises(BadRequestError, match="Something else"):
                await drain(ct)


@pytest.mark.parametrize(
    ("create", "page", "message"),
    [
        ({"status": "success"}, {}, "/1/events.json: the cursor answer has no cursor"),
        (
            {"status": "success", "cursor": "c1%2B"},
            {"status": "success", "next_cursor": "has space", "records": []},
            "/1/events.json: next_cursor is not a cursor: 'has space'",
        ),
        (
            {"status": "success", "cursor": "c1%2B"},
            {"status": "success", "records": [{}, 7]},
            "/1/events.json: records holds a value that is not an object",
        ),
    ],
)
async def test_broken_export_answers_are_named(
    aiohttp_server: Any, create: dict[str, Any], page: dict[str, Any], message: str
) -> None:
    async def export(request: web.Request) -> web.Response:
        return web.json_response(create if request.method == "POST" else page)

    async with scripted(aiohttp_server, {EVENTS: export}) as ct:
        with pytest.raises(PaginationError) as caught:
            await drain(ct)
    assert str(caught.value) == message


async def test_next_cursor_wins_over_a_partial_pages_cursor(aiohttp_server: Any) -> None:
    pages = {
        "c1%2B": {"status": "partial", "next_cursor": "c2%2F", "cursor": "c1%2B", "records": [{"n": 1}]},
        "c2%2F": {"status": "success", "records": [{"n": 2}]},
    }  # fmt: skip

    async def export(request: web.Request) -> web.Response:
        if request.method == "POST":
            return web.json_response({"status": "success", "cursor": "c1%2B"})
        return web.json_response(pages[cursor_of(request)])

    async with scripted(aiohttp_server, {EVENTS: export}) as ct:
        assert await drain(ct) == [{"n": 1}, {"n": 2}]


@pytest.mark.parametrize("prefetch", [True, False])
async def test_many_pages_arrive_in_order_with_or_without_prefetch(
    fake: FakeCleverTap, ct: CleverTap, prefetch: bool
) -> None:
    fake.seed_events(
        "Charged", count=50, start=20260101, end=20260101, properties={"seq": lambda r, i: i}
    )
    records = await drain(ct, batch_size=10, prefetch=prefetch)
    assert sorted(r["event_props"]["seq"] for r in records) == list(range(50))
    assert len(fake.requests_to(EVENTS, "GET")) == 5


async def test_parallel_runs_exactly_that_many_partitions_at_once(fake: FakeCleverTap) -> None:
    # Two at a time, under a query cap of three: one more would show.
    fake.seed_events("Charged", count=400, start=20260101, end=20260104)
    fake.faults.inject("latency", seconds=0.02, path=EVENTS)
    async with fake.client(query_concurrency=3) as ct:
        stream = ct.events.stream("Charged", 20260101, 20260104, parallel=2, batch_size=50).raw()
        async with asyncio.timeout(BOUND):
            records = [record async for record in stream]
    assert len(records) == 400
    assert fake.max_in_flight[EVENTS] == 2


async def test_a_slow_partition_does_not_hold_back_a_fast_one(aiohttp_server: Any) -> None:
    # Day 1's only page is held until the caller has day 2's last page: the stream must deliver day
    # 2 meanwhile, or the two wait on each other until the timeout.
    day2_done = asyncio.Event()

    async def export(request: web.Request) -> web.Response:
        if request.method == "POST":
            day = (await request.json())["from"]
            return web.json_response({"status": "success", "cursor": f"d{day}"})
        cursor = cursor_of(request)
        if cursor == "d20260101":
            await day2_done.wait()
            return web.json_response({"status": "success", "records": [{"day": 1}]})
        number = int(cursor.partition("p")[2] or 0) + 1
        if number == 3:
            return web.json_response({"status": "success", "records": [{"day": 2, "n": number}]})
        nxt = f"d20260102p{number}"
        return web.json_response(
            {"status": "success", "next_cursor": nxt, "records": [{"day": 2, "n": number}]}
        )

    async with scripted(aiohttp_server, {EVENTS: export}) as ct:
        stream = ct.events.stream("X", 20260101, 20260102, parallel=2).raw()
        records: list[Any] = []
        async with asyncio.timeout(BOUND):
            async for record in stream:
                records.append(record)
                if record == {"day": 2, "n": 3}:
                    day2_done.set()
    assert records == [{"day": 2, "n": 1}, {"day": 2, "n": 2}, {"day": 2, "n": 3}, {"day": 1}]


@pytest.mark.parametrize(
    "data",
    [{"version": 1, "cursors": "abc"}, {"version": 1, "cursors": {1: "c"}}, [], {"version": 2}],
)
def test_a_checkpoint_must_map_names_to_cursors(data: Any) -> None:
    with pytest.raises(ValidationError, match=r"^resume_from is not a checkpoint$"):
        Checkpoint.from_dict(data)


async def test_resuming_another_range_names_the_partitions_it_does_not_have(ct: CleverTap) -> None:
    saved = Checkpoint({f"2026010{day}-2026010{day}": "c" for day in (5, 6, 7, 8)})
    with pytest.raises(ValidationError) as caught:
        await drain(ct, resume_from=saved)
    assert str(caught.value) == (
        "resume_from names partitions this stream does not have (20260105-20260105, "
        "20260106-20260106, 20260107-20260107); resume with the same dates and parallel setting"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (7, "resume_from is not a checkpoint"),
        ("{not json", "resume_from is not a checkpoint (not JSON)"),
    ],
)
def test_a_checkpoint_text_that_is_not_one_names_resume_from(text: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Checkpoint.from_json(text)
    assert (str(caught.value), caught.value.field) == (message, "resume_from")


def test_the_old_dict_forms_warn_at_the_callers_line() -> None:
    saved = Checkpoint({"20260101-20260101": "c%2B"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        as_dict: Any = saved.to_dict()  # the types say str; old callers passed a dict
        assert Checkpoint.from_json(as_dict) == saved
        legacy: Any = saved.to_json()
        assert legacy.get("missing", "default") == "default"
        assert legacy["cursors"] == {"20260101-20260101": "c%2B"}
    assert {w.category for w in caught} == {DeprecationWarning}
    assert [str(w.message) for w in caught] == [
        "Checkpoint.from_json(dict) is deprecated; use Checkpoint.from_dict(dict), or pass "
        "from_json the string to_json() returns",
        *["Checkpoint.to_json() now returns a JSON string; use Checkpoint.to_dict() for the dict"]
        * 2,
    ]
    assert {w.filename for w in caught} == {__file__}
