"""Inputs the fake's usual data never produces, forced one at a time, so the code that handles each
one is the only thing that can make its test pass.

Each test here was checked against the bug it is about: with the bug planted by hand, it fails (and
fails fast: every wait is bounded by ``asyncio.timeout``, so a regression is a traceback, not a hang).
"""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
from aiohttp import web

from clevertap_async import (
    APIConnectionError,
    APIError,
    APIFailure,
    BadRequestError,
    CleverTap,
    PaginationError,
    RetryPolicy,
)
from clevertap_async.testing import FakeCleverTap
from tests.samples import BULLETIN
from tests.samples import BULLETIN_BODY as GOOD

EVENTS = "/1/events.json"
PROFILE = "/1/profile.json"
PASSCODE = "echoed-passcode-7f3a"
#: Long enough for any of these tests on a loaded machine, short enough that a hang fails quickly.
BOUND = 10.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def no_wait(max_retries: int = 3, **options: Any) -> dict[str, Any]:
    """Client options for retries that never sleep, plus ``options``."""
    return {"retry": RetryPolicy.no_wait(max_retries), **options}


@asynccontextmanager
async def scripted(aiohttp_server: Any, routes: dict[str, Handler]) -> AsyncIterator[CleverTap]:
    """A client (no backoff, one retry) for a server that answers ``routes`` over a real socket."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_route("*", path, handler)
    server = await aiohttp_server(app)
    url = str(server.make_url("")).rstrip("/")
    async with CleverTap("acc", PASSCODE, base_url=url, **no_wait(max_retries=1)) as ct:
        yield ct


def cursor_of(request: web.Request) -> str:
    return request.rel_url.raw_query_string.removeprefix("cursor=")


async def test_an_empty_page_mid_stream_is_not_the_end_of_the_partition(
    aiohttp_server: Any,
) -> None:
    # Empty pages first and in the middle, each with a next cursor and a record after it.
    pages = {
        "c1%2B": {"status": "success", "next_cursor": "c2%2F", "records": []},
        "c2%2F": {"status": "success", "next_cursor": "c3%3D", "records": [{"n": 1}]},
        "c3%3D": {"status": "success", "next_cursor": "c4%2B", "records": []},
        "c4%2B": {"status": "success", "next_cursor": "c5%2F"},  # no "records" key at all
        "c5%2F": {"status": "success", "records": [{"n": 2}]},
    }

    async def export(request: web.Request) -> web.Response:
        if request.method == "POST":
            return web.json_response({"status": "success", "cursor": "c1%2B"})
        return web.json_response(pages[cursor_of(request)])

    async with scripted(aiohttp_server, {EVENTS: export}) as ct, asyncio.timeout(BOUND):
        stream = ct.events.stream("X", 20260101, 20260101).raw()
        seen = [page async for page in stream.pages()]
        records = [record async for record in stream]
    assert [len(page.records) for page in seen] == [0, 1, 0, 0, 1]
    assert [page.cursor for page in seen] == ["c2%2F", "c3%3D", "c4%2B", "c5%2F", None]
    assert records == [{"n": 1}, {"n": 2}]
    assert seen[-1].checkpoint.done and not seen[-2].checkpoint.done


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            400,
            {"status": "fail", "error": f"Invalid passcode {PASSCODE}", "code": 400},
            BadRequestError,
        ),
        (200, {"status": "fail", "error": f"no access with {PASSCODE}!", "code": 5}, APIFailure),
        (403, f"<html>denied for {PASSCODE}</html>", APIError),
    ],
    ids=["error-field", "status-fail", "not-json"],
)
async def test_an_error_body_that_echoes_the_passcode_is_redacted_by_the_transport(
    aiohttp_server: Any, status: int, body: Any, error: type[APIError]
) -> None:
    async def echo(request: web.Request) -> web.Response:
        assert request.headers["X-CleverTap-Passcode"] == PASSCODE  # it did travel, in its header
        text = body if isinstance(body, str) else orjson.dumps(body).decode()
        return web.Response(status=status, text=text, content_type="application/json")

    async with scripted(aiohttp_server, {"/1/echo.json": echo}) as ct, asyncio.timeout(BOUND):
        with pytest.raises(error) as caught:
            await ct.request("GET", "/1/echo.json")
    shown = [str(caught.value), repr(caught.value), caught.value.message, repr(caught.value.body)]
    assert not any(PASSCODE in text for text in shown), shown
    # The error travels whole to logs and task queues: nothing in it may carry the passcode.
    assert PASSCODE.encode() not in pickle.dumps(caught.value)
    assert "********" in caught.value.message


async def test_identical_echoes_are_told_apart_by_the_one_based_record_number(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    # The matcher compares echoes by identity and event name only: all four records look the same,
    # so the rejected one can be found only by reading "Skipped record number : N" as 1-based.
    # Client checks are off so that the server is the one refusing (a value over 512 bytes).
    def record(n: int, bad: bool = False) -> dict[str, Any]:
        return {
            "identity": "same",
            "evtName": "E",
            "evtData": {"n": n, "v": "x" * (600 if bad else 1)},
        }

    for bad in (1, 3):  # one in the middle; the last one (0-based, its number is out of range)
        fake.reset()
        records = [record(n, n == bad) for n in range(4)]
        async with asyncio.timeout(BOUND):
            report = await ct.events.upload(records, validate=False)
        assert (report.accepted, report.undelivered) == (3, [])
        [rejected] = report.rejected
        assert (rejected.position, rejected.code, rejected.source) == (bad, 512, "server")
        assert rejected.record is records[bad]
        assert f"Skipped record number : {bad + 1}" in rejected.error
        assert sorted(e["evtData"]["n"] for e in fake.uploaded_events) == [
            n for n in range(4) if n != bad
        ]


async def profile_lookup(ct: CleverTap) -> Any:
    # A read: safe to repeat, so retried after a dropped connection whichever the retry rules.
    return await ct.request("GET", PROFILE, params={"identity": "user-0"})


async def test_a_query_slot_is_released_after_dropped_connections(fake: FakeCleverTap) -> None:
    # One slot: if a failed attempt kept it, the request after the failures would wait forever.
    # (A POST: aiohttp itself silently repeats a GET whose reused connection was dropped.)
    fake.faults.inject("drop", times=2, path=BULLETIN)
    async with fake.client(**no_wait(query_concurrency=1, max_retries=0)) as ct:
        async with asyncio.timeout(BOUND):
            for _ in range(2):
                with pytest.raises(APIConnectionError):
                    await ct.request("POST", BULLETIN, json=GOOD)
            assert await ct.request("POST", BULLETIN, json=GOOD) == {"status": "success"}
    assert [r.status for r in fake.requests] == [0, 0, 200]


async def test_a_query_slot_is_released_between_retries(fake: FakeCleverTap) -> None:
    fake.seed_profiles(count=1, start=20260101, end=20260101)
    fake.faults.inject("drop", times=2, path=PROFILE)
    async with fake.client(**no_wait(query_concurrency=1, max_retries=2)) as ct:
        async with asyncio.timeout(BOUND):
            results = await asyncio.gather(profile_lookup(ct), profile_lookup(ct))
    assert [result["record"]["identity"] for result in results] == ["user-0", "user-0"]
    assert fake.max_in_flight[PROFILE] == 1
    assert sorted(r.status for r in fake.requests) == [0, 0, 200, 200]


async def test_a_repeated_cursor_fails_fast_instead_of_looping(aiohttp_server: Any) -> None:
    # The server repeats its cursor a few times, then ends the export: without the guard the stream
    # would end "successfully" with repeated pages, so the test fails at once rather than hanging.
    served = 0

    async def export(request: web.Request) -> web.Response:
        nonlocal served
        if request.method == "POST":
            return web.json_response({"status": "success", "cursor": "c1%2B"})
        served += 1
        if served > 5:
            return web.json_response({"status": "success", "records": [{"n": served}]})
        return web.json_response(
            {"status": "success", "next_cursor": "c1%2B", "records": [{"n": 0}]}
        )

    async with scripted(aiohttp_server, {EVENTS: export}) as ct, asyncio.timeout(BOUND):
        stream = ct.events.stream("X", 20260101, 20260101).raw()
        with pytest.raises(PaginationError, match="repeated a cursor") as caught:
            async for _ in stream:
                pass
    assert served == 1
    assert caught.value.checkpoint is not None
