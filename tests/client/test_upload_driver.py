"""The upload driver over sockets: slots, batch numbers, wire dicts, its own options, stopping early."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Any

import orjson
import pytest
from aiohttp import web

from clevertap_async import (
    APIConnectionError,
    BatchResult,
    CleverTap,
    LocalCoordinator,
    RetryPolicy,
    UploadCancelledError,
    UploadMismatchError,
    ValidationError,
)
from clevertap_async._batching import BODY_OVERHEAD
from clevertap_async._uploading import Uploader
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap

ServerFactory = Callable[[web.Application], Awaitable[Any]]


def record(name: str, **extra: Any) -> dict[str, Any]:
    return {"identity": name, "evtName": "E", "evtData": {}, **extra}


class HeldUploads:
    """An upload endpoint that accepts every record and logs each request as it comes and goes.

    A request carrying a record whose identity starts with "hold" is held until ``release`` is set
    (or, so that a broken driver fails instead of hanging, for 10 seconds); a request carrying
    ``release_on`` sets it.
    """

    def __init__(self, release_on: str = "") -> None:
        self.release = asyncio.Event()
        self.release_on = release_on
        self.log: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        records = (await request.json())["d"]
        names = ",".join(entry["identity"] for entry in records)
        self.log.append(f"in {names}")
        if self.release_on and self.release_on in names:
            self.release.set()
        if "hold" in names:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), 10)
        self.log.append(f"out {names}")
        return web.json_response(
            {"status": "success", "processed": len(records), "unprocessed": []}
        )

    async def client(self, aiohttp_server: ServerFactory, **options: Any) -> CleverTap:
        app = web.Application()
        app.router.add_post("/1/upload", self.handle)
        server = await aiohttp_server(app)
        # The full cap from the first request on: the tests count on two requests out at once.
        return CleverTap(
            "acc",
            "passcode",
            base_url=str(server.make_url("")),
            retry=NO_WAIT_RETRIES,
            coordinator=LocalCoordinator(start_low=False),
            **options,
        )


class Watched:
    """The client's requester, with an event set each time a request has its answer."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.answered = asyncio.Event()

    @property
    def retry(self) -> RetryPolicy:
        return self._inner.retry  # type: ignore[no-any-return]

    @property
    def upload_concurrency(self) -> int:
        return self._inner.upload_concurrency  # type: ignore[no-any-return]

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await self._inner.request(*args, **kwargs)
        finally:
            self.answered.set()

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

    async def back_off(self, *args: Any, **kwargs: Any) -> bool:
        return await self._inner.back_off(*args, **kwargs)  # type: ignore[no-any-return]


async def test_a_batch_is_yielded_while_an_earlier_one_is_still_out(aiohttp_server: Any) -> None:
    held = HeldUploads()
    numbers: list[int] = []
    async with await held.client(aiohttp_server, upload_concurrency=2) as ct:
        async for result in ct.events.upload_batches([record("hold0"), record("a1")], batch_size=1):
            numbers.append(result.number)
            held.release.set()
    assert numbers == [2, 1]


async def test_a_free_slot_is_used_while_an_earlier_batch_is_still_out(aiohttp_server: Any) -> None:
    held = HeldUploads(release_on="a2")
    async with await held.client(aiohttp_server, upload_concurrency=2) as ct:
        report = await ct.events.upload([record("hold0"), record("a1"), record("a2")], batch_size=1)
    assert report.accepted == 3
    # The third batch went out once the second was answered, while the first was still held.
    assert held.log.index("in a2") < held.log.index("out hold0")


async def test_batches_are_numbered_from_1_and_name_what_they_sent(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    records = [record(f"u{n}") for n in range(7)]
    results = [r async for r in ct.events.upload_batches(records, batch_size=3)]
    assert sorted((r.number, r.sent, list(r.positions)) for r in results) == [
        (1, 3, [0, 1, 2]),
        (2, 3, [3, 4, 5]),
        (3, 1, [6]),
    ]


@pytest.mark.parametrize("validate", [True, False])
async def test_wire_dicts_that_name_their_type_are_checked_and_sent_as_given(
    fake: FakeCleverTap, ct: CleverTap, validate: bool
) -> None:
    good = [record("u0", type="event"), record("u2", type="event")]
    bad = {"type": "event", "identity": "u1", "evtData": {}}  # no evtName
    report = await ct.events.upload([good[0], bad, good[1]], validate=validate)
    assert report.accepted == 2
    [rejected] = report.rejected
    assert (rejected.position, rejected.code) == (1, 509)
    assert rejected.record is bad
    assert rejected.source == ("client" if validate else "server")
    assert ("evtName" if validate else "Event name") in rejected.error
    assert fake.uploaded_events == good


@pytest.mark.parametrize("key", ["TYPE", None])
async def test_a_wire_dict_of_another_type_is_refused_whatever_else_it_carries(
    fake: FakeCleverTap, ct: CleverTap, key: Any
) -> None:
    odd = {"type": "profile", key: "event", "identity": "u", "evtName": "E", "evtData": {}}
    report = await ct.events.upload([odd])
    assert [(r.position, r.code) for r in report.rejected] == [(0, 1001)]
    assert fake.requests_to("/1/upload") == []


async def test_a_record_json_cannot_carry_is_refused_when_checks_are_off(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    unencodable = record("u1", evtData={"k": {1, 2}})
    report = await ct.events.upload([record("u0"), unencodable, record("u2")], validate=False)
    assert report.accepted == 2
    [rejected] = report.rejected
    assert (rejected.position, rejected.code, rejected.source) == (1, 1002, "client")
    assert rejected.record is unencodable
    assert rejected.error.startswith("not JSON: ")
    assert [e["identity"] for e in fake.uploaded_events] == ["u0", "u2"]


async def test_a_record_exactly_at_the_byte_budget_is_sent_and_one_byte_over_is_not(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fits = record("u0", type="event")
    over = record("u01", type="event")
    budget = len(orjson.dumps(fits)) + BODY_OVERHEAD
    report = await ct.events.upload([fits, over], max_batch_bytes=budget)
    assert report.accepted == 1
    [rejected] = report.rejected
    assert (rejected.position, rejected.code) == (1, 1003)
    assert rejected.record is over
    assert fake.uploaded_events == [fits]


async def test_options_are_refused_with_the_field_they_name(ct: CleverTap) -> None:
    with pytest.raises(ValidationError) as caught:
        await ct.events.upload([], batch_size=0)
    assert caught.value.field == "batch_size"
    with pytest.raises(ValidationError, match=f"above {BODY_OVERHEAD}") as caught:
        await ct.events.upload([], max_batch_bytes=BODY_OVERHEAD)
    assert caught.value.field == "max_batch_bytes"
    assert (await ct.events.upload([], max_batch_bytes=BODY_OVERHEAD + 1)).total == 0
    with pytest.raises(ValidationError, match="got dict") as caught:
        await ct.events.upload({"identity": "u"})
    assert caught.value.field == "records"


async def test_the_driver_checks_records_and_stores_them_by_default(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    uploader = Uploader(ct.events._requester, "event")
    unnamed = {"identity": "u1", "evtData": {}}
    results = [r async for r in uploader.results([record("u0"), unnamed])]
    assert [(r.position, r.code, r.source) for r in results[0].rejected] == [(1, 509, "client")]
    assert [e["identity"] for e in fake.uploaded_events] == ["u0"]
    assert [r.query for r in fake.requests_to("/1/upload")] == [""]


async def test_the_drivers_own_retry_policy_governs_its_requests_and_re_sends(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    # The client retries 3 times; the driver is given a policy that retries once.
    records = [record("u0"), record("u1")]
    fake.faults.inject("drop", path="/1/upload", times=10)
    uploader = Uploader(ct.events._requester, "event", retry=RetryPolicy.no_wait(1))
    [result] = [r async for r in uploader.results(records)]
    assert result.attempts == 2
    assert [u.position for u in result.undelivered] == [0, 1]
    assert all(u.record is given for u, given in zip(result.undelivered, records, strict=True))
    assert all(isinstance(u.error, APIConnectionError) for u in result.undelivered)

    fake.faults.clear()
    fake.transient_record_failures = 100
    sent_before = len(fake.requests_to("/1/upload"))
    uploader = Uploader(ct.events._requester, "event", retry=RetryPolicy.no_wait(1))
    [result] = [r async for r in uploader.results(records)]
    assert [r.code for r in result.rejected] == [555, 555]
    assert len(fake.requests_to("/1/upload")) - sent_before == 2  # the first send and one re-send


async def test_an_unexplained_answer_leaves_each_record_undelivered_where_it_was(
    aiohttp_server: Any,
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"status": "fail", "processed": 0, "unprocessed": []})

    app = web.Application()
    app.router.add_post("/1/upload", handler)
    server = await aiohttp_server(app)
    records = [record("u0"), record("u1")]
    url = str(server.make_url(""))
    async with CleverTap("acc", "passcode", base_url=url, retry=NO_WAIT_RETRIES) as ct:
        report = await ct.events.upload(records)
    assert [u.position for u in report.undelivered] == [0, 1]
    assert all(u.record is given for u, given in zip(report.undelivered, records, strict=True))
    assert all(isinstance(u.error, UploadMismatchError) for u in report.undelivered)


async def test_a_source_that_breaks_keeps_finished_batches_and_cuts_off_the_rest(
    aiohttp_server: Any,
) -> None:
    held = HeldUploads()
    unnamed = [{"identity": "bad2", "evtData": {}}, {"identity": "bad6", "evtData": {}}]
    given: list[Any] = []
    broken = RuntimeError("the source broke")

    async with await held.client(aiohttp_server, upload_concurrency=2) as ct:
        requester = Watched(ct.events._requester)
        uploader = Uploader(requester, "event", batch_size=2)

        async def source() -> AsyncIterator[Any]:
            # Batch 1 (a0, a1) is answered; batch 2 (hold3, hold4, with the rejected bad2 riding
            # along) is held in flight; f5 and the rejected bad6 are still being gathered.
            for item in [record("a0"), record("a1"), unnamed[0], record("hold3"), record("hold4")]:
                given.append(item)
                yield item
            await requester.answered.wait()
            for item in [record("f5"), unnamed[1]]:
                given.append(item)
                yield item
            raise broken

        yielded: list[BatchResult] = []

        async def drain() -> None:
            async with aclosing(uploader.results(source())) as results:
                async for result in results:
                    yielded.append(result)

        try:
            with pytest.raises(RuntimeError, match="the source broke"):
                await drain()
            abandoned = uploader.abandon(broken)
        finally:
            held.release.set()

    assert yielded == []  # batch 1 finished, but no later batch was sealed to report it
    finished, cut = abandoned
    assert (finished.number, finished.sent, finished.accepted, list(finished.positions)) == (
        1,
        2,
        2,
        [0, 1],
    )
    assert (cut.number, cut.sent, cut.accepted) == (0, 0, 0)
    # Rejections still being gathered come first, then those riding with a batch in flight.
    assert [(r.position, r.code) for r in cut.rejected] == [(6, 509), (2, 509)]
    assert [(u.position, u.maybe_applied) for u in cut.undelivered] == [
        (3, True),
        (4, True),
        (5, False),
    ]
    assert all(u.record is given[u.position] for u in cut.undelivered)
    assert list(cut.positions) == [6, 2, 3, 4, 5]
    for undelivered in cut.undelivered:
        assert isinstance(undelivered.error, UploadCancelledError)
        assert str(undelivered.error) == (
            "the upload stopped before an answer: RuntimeError('the source broke')"
        )
    assert uploader.abandon(broken) == []  # nothing is reported twice
