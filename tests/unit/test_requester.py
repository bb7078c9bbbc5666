"""The pager and the uploader driven by an in-memory requester: no sockets, no client.

They are given a Requester, never the client, so a few scripted answers are enough to exercise their
logic; the socket tests cover the same paths against the fake server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

from clevertap_async import APIFailure, Checkpoint, CleverTapError, RetryPolicy
from clevertap_async._pagination import CursorStream, Partition, Query
from clevertap_async._requester import Requester
from clevertap_async._uploading import Uploader

Handler = Callable[[str, str, dict[str, Any]], Any]


class ScriptedRequester:
    """A Requester whose answers come from a function; it records every request and every wait."""

    def __init__(self, handler: Handler, retry: RetryPolicy | None = None):
        self.handler = handler
        self.retry = retry or RetryPolicy(initial_delay=1.0, jitter=False)
        self.upload_concurrency = 2
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.waits: list[float] = []

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        verbatim_params: Mapping[str, str] | None = None,
        json: Any = None,
        body: bytes | None = None,
        idempotent: bool = True,
        allow_fail_status: bool = False,
        retry: RetryPolicy | None = None,
        on_retry: Callable[[CleverTapError], None] | None = None,
        attempt_timeout: float | None = None,
        on_send: Callable[[], None] | None = None,
    ) -> Any:
        if on_send is not None:
            on_send()
        call = {
            "params": dict(params or {}),
            "verbatim": dict(verbatim_params or {}),
            "json": json if body is None else orjson.loads(body),
            "idempotent": idempotent,
        }
        self.sent.append((method, path, call))
        return self.handler(method, path, call)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def back_off(
        self, attempt: int, *, limit: int | None = None, retry: RetryPolicy | None = None
    ) -> bool:
        delay = (retry or self.retry).next_delay(None, attempt, limit=limit)
        if delay is None:
            return False
        self.waits.append(delay)
        return True


def _requester(fake: ScriptedRequester) -> Requester:
    return fake  # checked by mypy: the scripted requester is a Requester


async def test_the_pager_waits_on_the_policy_while_a_cursor_is_not_ready() -> None:
    not_ready = {"c1": 2}

    def answer(method: str, path: str, call: dict[str, Any]) -> Any:
        if method == "POST":
            assert call["json"] == {"event_name": "X", "from": 20260101, "to": 20260102}
            return {"cursor": "c1"}
        cursor = call["verbatim"]["cursor"]
        if not_ready.get(cursor):
            not_ready[cursor] -= 1
            raise APIFailure("not ready", status=200, code=2)
        if cursor == "c1":
            return {"records": [{"n": 1}, {"n": 2}], "next_cursor": "c2"}
        return {"records": [{"n": 3}]}

    fake = ScriptedRequester(answer)
    stream: CursorStream[dict[str, Any]] = CursorStream(
        _requester(fake),
        Query("/1/events.json", {"batch_size": 2}, {"event_name": "X"}),
        [Partition("20260101-20260102", 20260101, 20260102)],
        parse=None,
        parallel=1,
        prefetch=False,
        initial=Checkpoint(),
    )
    pages = [page async for page in stream.pages()]
    assert [page.records for page in pages] == [[{"n": 1}, {"n": 2}], [{"n": 3}]]
    assert pages[-1].checkpoint.done
    assert fake.waits == [1.0, 2.0]  # the policy's backoff, not a fixed sleep
    assert [(m, c["verbatim"].get("cursor")) for m, _, c in fake.sent] == [
        ("POST", None),
        ("GET", "c1"),
        ("GET", "c1"),
        ("GET", "c1"),
        ("GET", "c2"),
    ]


async def test_the_uploader_resends_555_records_after_the_policys_backoff() -> None:
    refusals = {"u1": 2}  # u1 is refused twice with 555, then accepted

    def answer(method: str, path: str, call: dict[str, Any]) -> Any:
        assert (method, path, call["idempotent"]) == ("POST", "/1/upload", True)
        unprocessed = []
        for number, record in enumerate(call["json"]["d"], start=1):
            if refusals.get(record["identity"]):
                refusals[record["identity"]] -= 1
                unprocessed.append(
                    {
                        "status": "fail",
                        "code": 555,
                        "error": f"Miscellaneous server error. Skipped record number : {number}",
                        "record": record,
                    }
                )
        processed = len(call["json"]["d"]) - len(unprocessed)
        return {"status": "partial", "processed": processed, "unprocessed": unprocessed}

    fake = ScriptedRequester(answer)
    uploader = Uploader(_requester(fake), "event", batch_size=2)
    records = [{"identity": f"u{i}", "evtName": "Viewed", "evtData": {}} for i in range(3)]
    results = [result async for result in uploader.results(records)]
    assert sum(r.accepted for r in results) == 3
    assert [r.rejected for r in results] == [[], []]
    assert fake.waits == [1.0, 2.0]
    sizes = sorted(len(call["json"]["d"]) for _, _, call in fake.sent)
    assert sizes == [1, 1, 1, 2]  # two batches, then u1 alone twice


async def test_the_uploader_stops_resending_when_the_policy_says_so() -> None:
    def answer(method: str, path: str, call: dict[str, Any]) -> Any:
        records = call["json"]["d"]
        return {
            "status": "fail",
            "processed": 0,
            "unprocessed": [
                {"code": 555, "error": f"Skipped record number : {n}", "record": r}
                for n, r in enumerate(records, start=1)
            ],
        }

    fake = ScriptedRequester(answer, RetryPolicy.no_wait(1))
    uploader = Uploader(_requester(fake), "event")
    records = [{"identity": "u1", "evtName": "Viewed", "evtData": {}}]
    (result,) = [result async for result in uploader.results(records)]
    assert [(r.position, r.code) for r in result.rejected] == [(0, 555)]
    assert len(fake.sent) == 2
    assert fake.waits == [0.0]
