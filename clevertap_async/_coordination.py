"""Coordinators: who may send a request of a cap family now.

CleverTap caps each account, not each client: 15 uploads in flight and 3 requests in flight per other
API. A coordinator hands out slots of those caps. :class:`LocalCoordinator` (the default) counts the
requests of one process; :class:`~clevertap_async.RedisCoordinator` counts those of every process and
host that shares a Redis server. The transport takes a slot around each attempt and tells it the HTTP
status the attempt got, which lets the local coordinator adapt to other processes it cannot see.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from . import _limits, _protocol

#: Adaptive caps: after a 429 the family's cap is multiplied by this (and never goes below 1).
DECREASE_FACTOR = 0.5
#: Adaptive caps: after the first 429, each successful answer adds this/cap, so the cap grows by
#: about this much per round of requests. Slow, so N processes climbing together overshoot rarely.
RECOVERY_STEP = 0.15

#: Adaptive caps: until the first 429 each successful answer adds this, so a round of requests
#: multiplies the cap by 1.5 (doubling made four processes starting together overshoot by 17).
SLOW_START_STEP = 0.5

#: Whether a :class:`LocalCoordinator` adapts to 429s unless told otherwise.
ADAPTIVE_BY_DEFAULT = True


class Slot(Protocol):
    """One request's place in its family's cap, held for one HTTP attempt."""

    def answered(self, status: int) -> None:
        """Tell the coordinator the HTTP status the attempt got (429 means the account is over its cap)."""


class Coordinator(Protocol):
    """Hands out slots of the account's concurrency caps; the transport holds one per attempt.

    Implementations: :class:`LocalCoordinator` (one process, the default) and
    :class:`~clevertap_async.RedisCoordinator` (every process sharing a Redis server).
    """

    def bind(
        self, account_id: str, *, upload_concurrency: int, query_concurrency: int
    ) -> Coordinator:
        """Return the coordinator a client of ``account_id`` uses; it never exceeds the given caps.

        Args:
            account_id: the account the client talks to (caps are per account).
            upload_concurrency: the client's own cap on ``/1/upload`` requests in flight.
            query_concurrency: the client's own cap on requests in flight per other API.
        """
        ...

    def acquire(self, family: str) -> AbstractAsyncContextManager[Slot]:
        """Wait for a slot of ``family`` (see ``family_of``); it is released when the block exits.

        The slot is released however the block ends, cancellation included.
        """
        ...


class _Gate:
    """One family's cap in one process: a FIFO counting semaphore whose size may move (AIMD)."""

    def __init__(self, cap: int, *, adaptive: bool, start_low: bool):
        self.cap = cap
        self.adaptive = adaptive
        #: Adaptive caps start at 1 and grow by half a slot per success until the first 429 or the
        #: cap ("slow start": a round of requests multiplies it by 1.5), so processes starting
        #: together do not open with a burst of N times the cap.
        self.slow_start = adaptive and start_low
        #: The current cap; a float so that additive increase can climb by fractions.
        self.limit = 1.0 if self.slow_start else float(cap)
        self.in_use = 0
        #: Bumped on each decrease; a 429 of a slot taken before the last decrease is old news.
        self.epoch = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def take(self) -> int:
        """Wait for a slot; return the epoch it was taken in."""
        if not self._waiters and self.in_use < int(self.limit):
            self.in_use += 1
            return self.epoch
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.give_back()  # granted just as it was cancelled: pass the slot on
            else:
                self._waiters.remove(waiter)
            raise
        return self.epoch

    def give_back(self) -> None:
        """Release a slot and wake as many waiters as the cap now allows."""
        self.in_use -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_use < int(self.limit):
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_use += 1
                waiter.set_result(None)

    def answered(self, status: int, epoch: int) -> None:
        """Adapt the cap to an answer: halve it on a 429, grow it slowly on other answers."""
        if not self.adaptive:
            return
        if status == 429:
            self.slow_start = False
            # One decrease per round of requests: the other 429s of the same burst say nothing new.
            if epoch == self.epoch:
                self.limit = max(1.0, self.limit * DECREASE_FACTOR)
                self.epoch += 1
        elif self.limit < self.cap:
            step = SLOW_START_STEP if self.slow_start else RECOVERY_STEP / self.limit
            self.limit = min(float(self.cap), self.limit + step)
            self._wake()


class _LocalSlot:
    __slots__ = ("_epoch", "_gate")

    def __init__(self, gate: _Gate, epoch: int):
        self._gate = gate
        self._epoch = epoch

    def answered(self, status: int) -> None:
        self._gate.answered(status, self._epoch)


class LocalCoordinator:
    """The caps of one process: a FIFO semaphore per cap family (the default coordinator).

    With ``adaptive=True`` (the default) a family's cap starts at 1 and grows by half with each
    round of successful answers up to the client's cap; when the API answers 429 (other processes
    use the same account) it halves, then climbs back by 0.15 of a slot per round of successful
    answers, never above the client's cap. Processes that share an account without a shared
    coordinator so settle on their share instead of storming the API with retries.

    One coordinator may be given to several clients of the same account in a process: they then share
    its caps.

    Args:
        adaptive: lower a family's cap on 429 answers and raise it again after successes.
        start_low: when adaptive, start each family's cap at 1 and grow it per round of successful
            answers (as above); False starts at the full cap.
    """

    def __init__(self, *, adaptive: bool = ADAPTIVE_BY_DEFAULT, start_low: bool = True):
        self.adaptive = adaptive
        self.start_low = start_low
        self._upload_concurrency: int | None = None
        self._query_concurrency: int | None = None
        self._bound: dict[tuple[str, int, int], LocalCoordinator] = {}
        self._gates: dict[str, _Gate] = {}

    def __repr__(self) -> str:
        return f"LocalCoordinator(adaptive={self.adaptive!r}, start_low={self.start_low!r})"

    def bind(
        self, account_id: str, *, upload_concurrency: int, query_concurrency: int
    ) -> LocalCoordinator:
        """Return this coordinator's caps for one account (the same object for the same arguments).

        Args:
            account_id: the account the client talks to.
            upload_concurrency: the cap on ``/1/upload`` requests in flight.
            query_concurrency: the cap on requests in flight per other API.

        Returns:
            A coordinator holding those caps, shared by every client bound with the same arguments.
        """
        key = (account_id, upload_concurrency, query_concurrency)
        bound = self._bound.get(key)
        if bound is None:
            bound = self._bound[key] = LocalCoordinator(
                adaptive=self.adaptive, start_low=self.start_low
            )
            bound._upload_concurrency = upload_concurrency
            bound._query_concurrency = query_concurrency
        return bound

    def cap_of(self, family: str) -> int:
        """The family's configured cap (the API's published one unless the client lowered it)."""
        return _protocol.cap_of(
            family,
            upload=self._upload_concurrency or _limits.UPLOAD_CONCURRENCY,
            query=self._query_concurrency or _limits.QUERY_CONCURRENCY,
        )

    def current_limit(self, family: str) -> float:
        """The family's cap right now: below :meth:`cap_of` after 429s when adaptive."""
        return self._gate(family).limit

    def _gate(self, family: str) -> _Gate:
        gate = self._gates.get(family)
        if gate is None:
            gate = self._gates[family] = _Gate(
                self.cap_of(family), adaptive=self.adaptive, start_low=self.start_low
            )
        return gate

    @asynccontextmanager
    async def acquire(self, family: str) -> AsyncIterator[Slot]:
        """Hold a slot of ``family`` for the block.

        Args:
            family: the cap family (``"upload"`` or the API path).

        Returns:
            An async context manager yielding the slot.
        """
        gate = self._gate(family)
        epoch = await gate.take()
        try:
            yield _LocalSlot(gate, epoch)
        finally:
            gate.give_back()
