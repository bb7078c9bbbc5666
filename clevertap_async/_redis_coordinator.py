"""RedisCoordinator: one account's caps shared by every process and host that uses the same Redis.

A slot is a lease: a member of a sorted set (one per account, namespace and family) scored by the
server-time deadline of the lease. Lua scripts purge expired leases, count and grant atomically, so a
process killed mid-request gives its slots back when their leases run out, and a held lease is
renewed by a background task while its request runs. Waiters queue in a second sorted set scored by
ticket; a released slot is handed straight to the oldest live waiter, who is woken through a list it
blocks on (BLPOP), so no process polls in a loop and none is starved: slots go to waiters in the order
they asked, whichever process they are in. A process queues at most a few waiters per family in Redis
at once; the rest wait their turn locally.

Going through Redis costs each slot a release, a wake-up in another process and that process's turn on
a busy CPU. So a request that ends while others of its process wait for the same family hands its lease
straight to the oldest of them, with no Redis command, a bounded number of times (``local_reuse``)
before the lease goes back through Redis to the oldest waiter of any process. The lease never serves
two requests at once, keeps being renewed and runs out if the process dies, so the caps and the crash
safety are those of a lease taken from Redis each time.

redis-py is an optional dependency (``pip install clevertap-async[redis]``), imported when a
coordinator is created.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import random
import socket
import urllib.parse
import uuid
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

from . import _limits, _protocol
from ._coordination import ADAPTIVE_BY_DEFAULT, LocalCoordinator, Slot
from ._errors import ConfigurationError, CoordinatorUnavailableError

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

logger = logging.getLogger("clevertap_async")

INSTALL_HINT = "pip install clevertap-async[redis]"

#: Waiters of one family that queue in Redis at once from one process (the others wait their turn
#: locally): enough to take several freed slots at once, few enough that their polls cost little.
WAITERS_PER_PROCESS = 4

#: Times a lease taken from Redis passes straight to another request of the same process and family
#: before it goes back through Redis. Every process holds its leases for at most this many more
#: requests, so the shares of the slots stay even across processes; and Redis serves a slot per
#: ``1 + LOCAL_REUSE`` requests instead of one per request.
LOCAL_REUSE = 8

# Shared by the acquire and release scripts. KEYS: holders, queue, alive, wake prefix (then the
# script's own). ARGV: token, cap, lease ms, wait ms (then the script's own). Reads the server's clock
# in ms, drops expired leases and vanished waiters, and defines hand_over(): free slots go to the oldest
# waiters (with a full lease), each woken through its own list.
_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local holders, queue, alive, wake = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local token, cap = ARGV[1], tonumber(ARGV[2])
local lease, wait = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
local gone = redis.call('ZRANGEBYSCORE', alive, '-inf', now)
for _, member in ipairs(gone) do redis.call('ZREM', queue, member) end
redis.call('ZREMRANGEBYSCORE', alive, '-inf', now)
local function hand_over()
  local free = cap - redis.call('ZCARD', holders)
  while free > 0 do
    local first = redis.call('ZRANGE', queue, 0, 0)[1]
    if not first then return end
    redis.call('ZREM', queue, first)
    redis.call('ZREM', alive, first)
    redis.call('ZADD', holders, now + lease, first)
    redis.call('RPUSH', wake .. first, '1')
    redis.call('PEXPIRE', wake .. first, wait)
    free = free - 1
  end
end
"""

# KEYS[5]: the ticket counter. ARGV[5]: the keys' time to live in ms. Queues the token (once), hands
# out free slots oldest first, and returns {1, 0} when the token holds a slot, else {0, ms until the
# first lease runs out} (-1: none held), which is when a waiter should look again if nobody wakes it.
_ACQUIRE = (
    _PRELUDE
    + """
for _, key in ipairs({holders, queue, alive, KEYS[5]}) do
  redis.call('PEXPIRE', key, tonumber(ARGV[5]))
end
if not redis.call('ZSCORE', holders, token) then
  if not redis.call('ZSCORE', queue, token) then
    redis.call('ZADD', queue, redis.call('INCR', KEYS[5]), token)
  end
  redis.call('ZADD', alive, now + wait, token)
  hand_over()
end
if redis.call('ZSCORE', holders, token) then
  redis.call('DEL', wake .. token)
  return {1, 0}
end
local first = redis.call('ZRANGE', holders, 0, 0, 'WITHSCORES')[2]
if not first then return {0, -1} end
return {0, tonumber(first) - now}
"""
)

# Gives the token's slot (or its place in the queue) back and hands free slots to the oldest waiters.
_RELEASE = (
    _PRELUDE
    + """
redis.call('ZREM', holders, token)
redis.call('ZREM', queue, token)
redis.call('ZREM', alive, token)
redis.call('DEL', wake .. token)
hand_over()
return 0
"""
)

# KEYS: holders. ARGV: lease ms, token, key ttl ms. Extends a lease still held (and the set's life, for
# a request that outlasts every other); returns 0 if it had run out.
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local renewed = redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return renewed
"""

# KEYS: next-send time. ARGV: interval ms. Reserves the next send time of a rate-limited family
# (first come, first served) and returns how many ms to wait for it.
_RATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local start = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], start + interval, 'PX', start + interval - now + 1000)
return start - now
"""


class _Keys:
    """The Redis keys of one family of one account in one namespace (one hash slot in a cluster)."""

    __slots__ = ("holders", "queue", "rate", "ticket", "waiting", "wake")

    def __init__(self, namespace: str, account_id: str, family: str):
        base = f"clevertap:{{{namespace}:{account_id}:{family}}}"
        self.holders = base + ":holders"
        self.queue = base + ":queue"
        self.waiting = base + ":waiting"
        self.ticket = base + ":ticket"
        self.rate = base + ":rate"
        self.wake = base + ":wake:"


class _Shared:
    """What every account view of one coordinator shares: the connection, scripts and Redis's health."""

    def __init__(self, redis: Redis, blocking: Redis, errors: tuple[type[BaseException], ...]):
        self.redis = redis
        self.blocking = blocking
        self.errors = errors
        self.acquire: AsyncScript = redis.register_script(_ACQUIRE)
        self.release: AsyncScript = redis.register_script(_RELEASE)
        self.renew: AsyncScript = redis.register_script(_RENEW)
        self.rate: AsyncScript = redis.register_script(_RATE)
        #: Event-loop time before which requests use the local caps only (Redis was unreachable).
        self.down_until: float | None = None
        #: Releases still running after their request was cancelled twice; kept so they finish.
        self.background: set[asyncio.Task[None]] = set()


class RedisCoordinator:
    """Share one account's caps between every process and host that uses the same Redis server.

    Example::

        coordinator = RedisCoordinator("redis://redis.internal:6379/0", namespace="my-service")
        async with coordinator, CleverTap(..., coordinator=coordinator) as ct:
            await ct.events.upload(records)

    Before each attempt the client takes a slot of the request's cap family in Redis (as well as its
    own local cap) and gives it back when the attempt ends, cancellation included. A slot is a lease:
    renewed while its request runs, it runs out ``lease_seconds`` after a process dies, so the other
    workers carry on. Waiters are served oldest first across processes. Campaign creation is also
    held to one a second across all of them.

    If Redis cannot be reached (connection refused, or no answer within the timeouts),
    ``on_unavailable="local"`` logs one warning and uses the local caps, trying Redis again every
    ``retry_seconds``; ``"fail"`` raises :class:`CoordinatorUnavailableError` instead.

    Args:
        url: a redis-py URL (``redis://``, ``rediss://`` or ``unix://``); it may carry the namespace
            as ``?namespace=NAME``.
        namespace: separates groups of workers that should not share caps (tests, staging); the keys
            are also scoped by account ID. Defaults to the URL's, else ``"default"``.
        upload_concurrency: the account's cap on ``/1/upload`` requests in flight, across all workers.
        query_concurrency: the account's cap on requests in flight per other API, across all workers.
        rates: requests per second per cap family, across all workers (campaign creation: 1).
        lease_seconds: how long a slot outlives a process that died holding it.
        connect_timeout: seconds to connect to Redis.
        command_timeout: seconds for Redis to answer a command.
        on_unavailable: ``"local"`` or ``"fail"``, see above.
        retry_seconds: how long to use the local caps before trying Redis again.
        adaptive: whether the local caps (this client's own cap, and the fallback) adapt to 429s.
        account_id: the account, for a coordinator used without a client (a client binds its own).
        local_reuse: times a lease passes straight to another waiting request of the same process
            before it goes back through Redis (0: every request takes its slot from Redis).

    Raises:
        ConfigurationError: redis-py is not installed (``pip install clevertap-async[redis]``), or a
            setting is out of range.
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str | None = None,
        upload_concurrency: int = _limits.UPLOAD_CONCURRENCY,
        query_concurrency: int = _limits.QUERY_CONCURRENCY,
        rates: Mapping[str, float] | None = None,
        lease_seconds: float = 30.0,
        connect_timeout: float = 2.0,
        command_timeout: float = 2.0,
        on_unavailable: Literal["local", "fail"] = "local",
        retry_seconds: float = 10.0,
        adaptive: bool = ADAPTIVE_BY_DEFAULT,
        account_id: str | None = None,
        local_reuse: int = LOCAL_REUSE,
    ):
        if on_unavailable not in ("local", "fail"):
            raise ConfigurationError(
                f"on_unavailable must be 'local' or 'fail', got {on_unavailable!r}"
            )
        for name, value in (
            ("lease_seconds", lease_seconds),
            ("connect_timeout", connect_timeout),
            ("command_timeout", command_timeout),
            ("retry_seconds", retry_seconds),
            ("upload_concurrency", upload_concurrency),
            ("query_concurrency", query_concurrency),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigurationError(f"{name} must be a positive number, got {value!r}")
        if isinstance(local_reuse, bool) or not isinstance(local_reuse, int) or local_reuse < 0:
            raise ConfigurationError(
                f"local_reuse must be a whole number >= 0, got {local_reuse!r}"
            )
        redis_asyncio, retry, errors = _import_redis()
        url, url_namespace = _split_namespace(url)
        self.namespace = namespace or url_namespace or "default"
        self.upload_concurrency = upload_concurrency
        self.query_concurrency = query_concurrency
        self.rates = dict(
            {_limits.CAMPAIGN_CREATE_PATH: _limits.CAMPAIGN_CREATE_PER_SECOND}
            if rates is None
            else rates
        )
        self.lease_seconds = lease_seconds
        self.command_timeout = command_timeout
        self.on_unavailable = on_unavailable
        self.retry_seconds = retry_seconds
        self.account_id = account_id
        self.local_reuse = local_reuse
        # A waiter blocks in Redis at most this long before it looks again. Releases wake waiters,
        # and a waiter also looks again when the first lease runs out (a dead process's slot is
        # free from then on); the poll is a backstop.
        self._poll_seconds = 2.0
        # How long a waiter's place lasts without it showing up.
        self._wait_ms = int((2 * self._poll_seconds + 2 * command_timeout) * 1000)
        self._lease_ms = int(lease_seconds * 1000)
        self._ttl_ms = self._lease_ms + self._wait_ms + 60_000
        self._shared = _Shared(
            redis_asyncio.Redis.from_url(
                url,
                socket_connect_timeout=connect_timeout,
                socket_timeout=command_timeout,
                # Retries are this class's business: a dead Redis must be noticed at once.
                retry=retry,
            ),
            # Waiters block in BLPOP for up to a poll: their reads may take that much longer.
            redis_asyncio.Redis.from_url(
                url,
                socket_connect_timeout=connect_timeout,
                socket_timeout=command_timeout + self._poll_seconds,
                retry=retry,
            ),
            errors,
        )
        self._owner = True
        # Redis keeps the account under its caps; the local ones stand in when Redis is down, so
        # they start at the full cap.
        self._local = LocalCoordinator(adaptive=adaptive, start_low=False).bind(
            account_id or "",
            upload_concurrency=upload_concurrency,
            query_concurrency=query_concurrency,
        )
        self._keys: dict[str, _Keys] = {}
        self._families: dict[str, _Family] = {}
        self._rng = random.Random()
        self._token_prefix = f"{socket.gethostname()}:{os.getpid()}:"

    def __repr__(self) -> str:
        return (
            f"RedisCoordinator(namespace={self.namespace!r}, account_id={self.account_id!r}, "
            f"on_unavailable={self.on_unavailable!r})"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections to Redis (of every client bound to this coordinator)."""
        if self._shared.background:
            await asyncio.gather(*self._shared.background, return_exceptions=True)
        await self._shared.redis.aclose()
        await self._shared.blocking.aclose()

    def bind(
        self, account_id: str, *, upload_concurrency: int, query_concurrency: int
    ) -> RedisCoordinator:
        """Return a view of this coordinator for one client's account, sharing the connection.

        Args:
            account_id: the account the client talks to; part of every key.
            upload_concurrency: the client's own cap on uploads in flight (also the local fallback).
            query_concurrency: the client's own cap per other API (also the local fallback).
        """
        view = copy.copy(self)
        view.account_id = account_id
        view._owner = False
        view._local = self._local.bind(
            account_id,
            upload_concurrency=min(upload_concurrency, self.upload_concurrency),
            query_concurrency=min(query_concurrency, self.query_concurrency),
        )
        view._keys = {}
        view._families = {}
        return view

    def cap_of(self, family: str) -> int:
        """The family's cap across all workers."""
        return _protocol.cap_of(
            family, upload=self.upload_concurrency, query=self.query_concurrency
        )

    @asynccontextmanager
    async def acquire(self, family: str) -> AsyncIterator[Slot]:
        """Hold a slot of ``family`` in Redis (and in this process's caps) for the block.

        Args:
            family: the cap family (``"upload"`` or the API path).

        Returns:
            An async context manager yielding the slot.

        Raises:
            CoordinatorUnavailableError: Redis could not be reached and ``on_unavailable="fail"``.
            ConfigurationError: no account ID (pass ``account_id=`` or give it to a client).
        """
        if self.account_id is None:
            raise ConfigurationError(
                "RedisCoordinator has no account ID: pass it to CleverTap(coordinator=...) or "
                "give account_id="
            )
        async with self._local.acquire(family) as slot:
            lease = await self._take(family)
            try:
                yield slot
            finally:
                if lease is not None:
                    await lease.end()

    async def _take(self, family: str) -> _Lease | None:
        """Take a slot in Redis; None when Redis is down and the local caps stand in for it."""
        shared = self._shared
        loop = asyncio.get_running_loop()
        if shared.down_until is not None:
            if loop.time() < shared.down_until:
                return None
            # This request tries Redis again; the others keep to the local caps meanwhile.
            shared.down_until = loop.time() + self.retry_seconds
        keys = self._keys_of(family)
        waiting = self._families.get(family)
        if waiting is None:
            waiting = self._families[family] = _Family(
                min(self.cap_of(family), WAITERS_PER_PROCESS)
            )
        try:
            lease = await waiting.handed_on()
            if lease is None:
                try:
                    token = await self._claim(keys, family)
                finally:
                    waiting.queued_done()
                lease = _Lease(self, keys, family, token, waiting)
            rate = self.rates.get(family)
            if rate:
                try:
                    delay_ms = await shared.rate(keys=[keys.rate], args=[int(1000 / rate)])
                    await asyncio.sleep(int(delay_ms) / 1000)
                except BaseException:
                    await lease.end()
                    raise
        except shared.errors as exc:
            self._unavailable(exc)
            return None
        if shared.down_until is not None:
            shared.down_until = None
            logger.warning("Redis coordinator reachable again; sharing the caps through it")
        return lease

    async def _claim(self, keys: _Keys, family: str) -> str:
        """Queue for a slot and wait until it is granted; return the lease's token."""
        shared = self._shared
        token = self._token_prefix + uuid.uuid4().hex[:16]
        keys_of_script = [keys.holders, keys.queue, keys.waiting, keys.wake, keys.ticket]
        args: list[str | int] = [
            token,
            self.cap_of(family),
            self._lease_ms,
            self._wait_ms,
            self._ttl_ms,
        ]
        try:
            while True:
                granted, first_runs_out_ms = await shared.acquire(keys=keys_of_script, args=args)
                if granted:
                    break
                # Woken by a release handing this token a slot; else looks again when the first
                # lease runs out (its holder may have died: the slot is free from then on), or
                # after a jittered poll, whichever comes first.
                wait = self._poll_seconds * self._rng.uniform(0.5, 1.0)
                if first_runs_out_ms >= 0:
                    wait = max(0.001, min(wait, (int(first_runs_out_ms) + 1) / 1000))
                if await shared.blocking.blpop([keys.wake + token], timeout=wait):
                    break  # handed over, with a full lease
        except shared.errors:
            raise  # Redis is unreachable: the lease runs out, and a release would wait in vain
        except BaseException:
            await _Lease(self, keys, family, token, None, renew=False).end()
            raise
        return token

    def _unavailable(self, exc: BaseException) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if self.on_unavailable == "fail":
            raise CoordinatorUnavailableError(f"the Redis coordinator is unreachable ({reason})")
        shared = self._shared
        if shared.down_until is None:
            logger.warning(
                "Redis coordinator unreachable (%s); using this process's caps and trying Redis "
                "again in %gs",
                reason,
                self.retry_seconds,
            )
        shared.down_until = asyncio.get_running_loop().time() + self.retry_seconds

    def _keys_of(self, family: str) -> _Keys:
        keys = self._keys.get(family)
        if keys is None:
            assert self.account_id is not None
            keys = self._keys[family] = _Keys(self.namespace, self.account_id, family)
        return keys


class _Family:
    """One family's requests of one process waiting for a slot: a few queue in Redis, the others here.

    A waiter here gets either its turn to queue in Redis (``None``) or a lease handed on by a request
    of this process that ended; oldest first either way.
    """

    def __init__(self, queue_limit: int):
        self._queue_limit = queue_limit
        #: This process's waiters queued in Redis now.
        self._queued = 0
        self._waiters: deque[asyncio.Future[_Lease | None]] = deque()

    async def handed_on(self) -> _Lease | None:
        """Wait for a lease handed on, or (``None``) for the turn to queue in Redis.

        After ``None`` the caller queues in Redis and calls :meth:`queued_done` when that ends.
        """
        if self._queued < self._queue_limit and not self._waiters:
            self._queued += 1
            return None
        waiter: asyncio.Future[_Lease | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                # Given something just as it was cancelled: pass it on.
                lease = waiter.result()
                if lease is None:
                    self.queued_done()
                else:
                    await lease.end()
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def queued_done(self) -> None:
        """A waiter left the Redis queue (granted, failed or cancelled): let the next one queue."""
        self._queued -= 1
        while self._queued < self._queue_limit:
            waiter = self._next()
            if waiter is None:
                return
            self._queued += 1
            waiter.set_result(None)

    def hand_on(self, lease: _Lease) -> bool:
        """Give ``lease`` to the oldest waiter here; False if none waits."""
        waiter = self._next()
        if waiter is None:
            return False
        waiter.set_result(lease)
        return True

    def _next(self) -> asyncio.Future[_Lease | None] | None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                return waiter
        return None


class _Lease:
    """A slot held in Redis: renewed in the background until :meth:`end` gives it back."""

    def __init__(
        self,
        coordinator: RedisCoordinator,
        keys: _Keys,
        family: str,
        token: str,
        waiting: _Family | None,
        *,
        renew: bool = True,
    ):
        self._coordinator = coordinator
        self._keys = keys
        self._family = family
        self._token = token
        #: Where the lease may be handed on without Redis, and how many more times.
        self._waiting = waiting
        self._reuses_left = coordinator.local_reuse
        #: Redis no longer holds the lease (it ran out): it must not serve another request.
        self._lost = False
        self._renewer = asyncio.create_task(self._renew()) if renew else None

    async def _renew(self) -> None:
        coordinator = self._coordinator
        shared = coordinator._shared
        while True:
            await asyncio.sleep(coordinator.lease_seconds / 3)
            try:
                renewed = await shared.renew(
                    keys=[self._keys.holders],
                    args=[coordinator._lease_ms, self._token, coordinator._ttl_ms],
                )
                if not renewed:
                    self._lost = True
            except shared.errors as exc:
                logger.debug("could not renew a Redis lease (%s); it may run out", exc)

    async def end(self) -> None:
        """Hand the slot on to a waiter of this process, or stop renewing and give it back to Redis.

        A second cancellation leaves the release running.
        """
        if (
            self._reuses_left > 0
            and not self._lost
            and self._waiting is not None
            and self._waiting.hand_on(self)
        ):
            self._reuses_left -= 1
            return
        if self._renewer is not None:
            self._renewer.cancel()
        shared = self._coordinator._shared
        task = asyncio.create_task(self._release())
        shared.background.add(task)
        task.add_done_callback(shared.background.discard)
        await asyncio.shield(task)

    async def _release(self) -> None:
        coordinator = self._coordinator
        shared = coordinator._shared
        keys = self._keys
        try:
            await shared.release(
                keys=[keys.holders, keys.queue, keys.waiting, keys.wake],
                args=[
                    self._token,
                    coordinator.cap_of(self._family),
                    coordinator._lease_ms,
                    coordinator._wait_ms,
                ],
            )
        except shared.errors as exc:
            # The lease runs out by itself; nothing is lost but the slot's time.
            logger.debug("could not release a Redis lease (%s); it will run out", exc)


def _split_namespace(url: str) -> tuple[str, str | None]:
    """Take a ``namespace`` query parameter out of a Redis URL (redis-py would refuse it)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    namespaces = [value for name, value in query if name == "namespace"]
    if not namespaces:
        return url, None
    rest = urllib.parse.urlencode([(name, value) for name, value in query if name != "namespace"])
    return urllib.parse.urlunsplit(parts._replace(query=rest)), namespaces[-1]


def _import_redis() -> tuple[Any, Any, tuple[type[BaseException], ...]]:
    """Import redis-py's asyncio API: the module, a no-retry policy and the errors that mean "down"."""
    try:
        import redis.asyncio as redis_asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import RedisError
    except ImportError:
        raise ConfigurationError(
            f"RedisCoordinator needs the redis package: {INSTALL_HINT}"
        ) from None
    return redis_asyncio, Retry(NoBackoff(), 0), (RedisError, OSError)
