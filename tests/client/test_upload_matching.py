"""Mapping upload answers back to the records sent: by number, by echo, and never losing one."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from clevertap_async import CleverTap, UploadMismatchError
from clevertap_async._batching import Batch, Item
from clevertap_async._uploading import match_answer
from clevertap_async.testing import NO_WAIT_RETRIES


def items(*identities: Any) -> Batch:
    return Batch.of(
        Item(10 + i, {"identity": who}, orjson.dumps({"identity": who, "evtName": "E"}))
        for i, who in enumerate(identities)
    )


def rejection(number: int | None, identity: Any, code: int = 515) -> dict[str, Any]:
    suffix = "" if number is None else f"Skipped record number : {number}"
    return {
        "status": "fail",
        "code": code,
        "error": f"Bad.{suffix}",
        "record": {"identity": identity, "evtName": "E"},
    }


def test_number_and_echo_agree() -> None:
    sent = items(1, 2, 3)
    matched = match_answer({"processed": 2, "unprocessed": [rejection(2, "2")]}, sent)
    assert matched.accepted == 2
    assert [(item.position, code) for item, code, _ in matched.rejected] == [(11, 515)]
    assert matched.unexplained == []


def test_a_wrong_number_falls_back_to_the_echo() -> None:
    sent = items("a", "b", "c")
    matched = match_answer({"processed": 2, "unprocessed": [rejection(1, "c")]}, sent)
    assert [item.position for item, _, _ in matched.rejected] == [12]


def test_a_missing_number_falls_back_to_the_echo() -> None:
    sent = items("a", "b", "a")
    answer = {"processed": 1, "unprocessed": [rejection(None, "a"), rejection(None, "a")]}
    matched = match_answer(answer, sent)
    assert [item.position for item, _, _ in matched.rejected] == [10, 12]
    assert matched.accepted == 1


def test_an_unplaceable_rejection_leaves_the_rest_unexplained() -> None:
    sent = items("a", "b")
    matched = match_answer({"processed": 1, "unprocessed": [rejection(9, "zzz")]}, sent)
    assert (matched.accepted, matched.rejected) == (0, [])
    assert [item.position for item in matched.unexplained] == [10, 11]
    assert "match no record" in matched.reason


def test_counts_that_disagree_leave_the_rest_unexplained() -> None:
    # RudderStack's mocked variant: fail, nothing processed, nothing explained.
    matched = match_answer({"status": "fail", "processed": 0, "unprocessed": []}, items("a"))
    assert [item.position for item in matched.unexplained] == [10]


async def test_an_answer_that_explains_nothing_is_undelivered_not_lost(aiohttp_server: Any) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"status": "fail", "processed": 0, "unprocessed": []})

    app = web.Application()
    app.router.add_post("/1/upload", handler)
    server = await aiohttp_server(app)
    url = str(server.make_url(""))
    async with CleverTap("acc", "secret-passcode", base_url=url, retry=NO_WAIT_RETRIES) as ct:
        report = await ct.events.upload([{"identity": "a", "evtName": "E", "evtData": {}}])
    assert report.accepted == 0
    [undelivered] = report.undelivered
    assert isinstance(undelivered.exception, UploadMismatchError)
    assert "processed=0" in str(undelivered.exception)
