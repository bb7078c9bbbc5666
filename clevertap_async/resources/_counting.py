"""The counts family's one poll flow: POST the query, then poll ``?req_id=`` until it is done (§6.1).

Counts, profile counts, trends and top property counts all use it. The server may answer at once or
with ``{"status": "partial", "req_id": N}``; the client then polls the same path with GET and no body,
waiting longer between polls, until the answer is no longer partial or the deadline passes. Some servers
(the old Java SDK's) poll with POST instead: a 405 on the GET poll switches to POST for the rest.
A server that has forgotten the ``req_id`` ("invalid request id") gets the query again, as other
integrations do; the deadline still bounds the whole flow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import attrs

from .. import _query
from .._errors import APIError, CountTimeoutError, MalformedResponseError, ValidationError
from ..models.counts import CountResult

if TYPE_CHECKING:
    from .._requester import Requester


@attrs.frozen
class CountPolling:
    """How long and how often to poll a counts query that answered "partial".

    Attributes:
        deadline: the most seconds to spend waiting between polls before giving up.
        initial: the wait before the first poll, in seconds.
        maximum: the longest wait between two polls, in seconds.
        multiplier: growth of the wait after each poll.

    Example::

        await ct.events.count("Charged", 20260101, 20260131, polling=CountPolling(deadline=60))
    """

    deadline: float = 300.0
    initial: float = 1.0
    maximum: float = 10.0
    multiplier: float = 1.5

    def __attrs_post_init__(self) -> None:
        for field in ("deadline", "initial", "maximum", "multiplier"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValidationError(f"{field} must be a number >= 0, got {value!r}", field=field)


DEFAULT_POLLING = CountPolling()


@attrs.define
class PollTimer:
    """The waits of one poll loop on a CountPolling schedule (counts, and the privacy re-checks).

    Only time spent waiting counts toward the deadline, and the sleep is the transport's (injected in
    tests), so a loop on it never really waits in a test.
    """

    polling: CountPolling
    sleep: Callable[[float], Awaitable[None]]
    waited: float = 0.0
    _next: float | None = None

    async def wait(self) -> bool:
        """Sleep until the next poll; return False, without sleeping, if that would pass the deadline."""
        wait = self.polling.initial if self._next is None else self._next
        if self.waited + wait > self.polling.deadline:
            return False
        await self.sleep(wait)
        self.waited += wait
        self._next = min(self.polling.maximum, wait * self.polling.multiplier)
        return True


async def run_count_query(
    requester: Requester, path: str, body: dict[str, Any], polling: CountPolling
) -> dict[str, Any]:
    """POST a counts query and poll its ``req_id`` until done; return the final success body.

    Raises:
        CountTimeoutError: still partial when ``polling.deadline`` seconds of waiting passed.
        APIError: the server refused the query or a poll.
    """
    answer: dict[str, Any] = await requester.request("POST", path, json=body)
    timer, by_get = PollTimer(polling, requester.sleep), True
    while answer.get("status") == "partial":
        req_id = answer.get("req_id")
        if not isinstance(req_id, int) or isinstance(req_id, bool):
            raise _malformed(answer, path, "a partial answer without an integer req_id")
        if not await timer.wait():
            raise CountTimeoutError(
                f"{path} was still partial after waiting {timer.waited:g}s (req_id {req_id}); "
                "raise CountPolling.deadline or poll later",
                path=path,
                req_id=req_id,
                waited=timer.waited,
            )
        answer, by_get = await _poll_or_resubmit(requester, path, body, req_id, by_get=by_get)
    return answer


async def _poll(
    requester: Requester, path: str, body: dict[str, Any], req_id: int, *, by_get: bool
) -> tuple[dict[str, Any], bool]:
    """Poll once; return the answer and whether GET still works for the next poll."""
    params = {"req_id": req_id}
    if by_get:
        try:
            return await requester.request("GET", path, params=params), True
        except APIError as error:
            if error.status != 405:
                raise
    # A server that answers the GET poll with 405 wants the query POSTed again (the old Java SDK's way).
    return await requester.request("POST", path, params=params, json=body), False


async def _poll_or_resubmit(
    requester: Requester, path: str, body: dict[str, Any], req_id: int, *, by_get: bool
) -> tuple[dict[str, Any], bool]:
    try:
        return await _poll(requester, path, body, req_id, by_get=by_get)
    except APIError as error:
        if error.status != 400 or "request id" not in error.message.lower():
            raise
    return await requester.request("POST", path, json=body), by_get


async def count_events(
    requester: Requester,
    path: str,
    event_name: object,
    start: object,
    end: object,
    where: object,
    polling: CountPolling,
) -> CountResult:
    """Run an event or profile count (the same query, two paths); return it with the answer's extras."""
    body = _query.event_query(event_name, start, end, where)
    answer = await run_count_query(requester, path, body, polling)
    extra = {k: v for k, v in answer.items() if k not in ("status", "count", "req_id")}
    return CountResult(count_of(answer, path), extra)


def count_of(answer: dict[str, Any], path: str) -> int:
    """Return the ``count`` of a counts answer, or raise MalformedResponseError if it has none."""
    count = answer.get("count")
    if not isinstance(count, int) or isinstance(count, bool):
        raise _malformed(answer, path, "a counts answer without an integer count")
    return count


def _malformed(answer: dict[str, Any], path: str, what: str) -> MalformedResponseError:
    return MalformedResponseError(
        f"{what}: {answer!r}", status=200, body=answer, method="POST", path=path
    )
