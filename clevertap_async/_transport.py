"""The transport: one aiohttp session, the gates every request passes, and the one retry loop.

A request goes: gates (the concurrency cap of its family, then the rate limiters) → one HTTP attempt →
``_protocol.decode_response``. After a failed attempt the request's RetryPolicy says whether to go
round again and how long to wait; the gates are released between attempts so a request waiting to
retry never holds a slot another request could use. A request not safe to repeat that lost its answer
raises RequestOutcomeUnknownError instead. aiohttp exceptions are mapped onto the error tree here and
nowhere else. The Transport is the client's Requester: every layer above sends through it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter

from . import _defaults, _limits, _protocol
from ._coordination import Coordinator, LocalCoordinator
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    CertificateError,
    CleverTapError,
    ClientStateError,
    RequestOutcomeUnknownError,
    ResponseTooLargeError,
)
from ._retry import RetryPolicy, outcome_unknown

logger = logging.getLogger("clevertap_async")

#: Far above the largest real answer (5000 records of a few KB), far below what would hurt a service.
DEFAULT_MAX_RESPONSE_BYTES = _defaults.MAX_RESPONSE_BYTES

Sleep = Callable[[float], Awaitable[None]]
#: Told of every HTTP answer read: method, path, status, response headers, body (never the request's
#: headers, so never the passcode). ``clevertap-async check --record`` keeps answers through it.
AnswerHook = Callable[[str, str, int, Mapping[str, str], bytes], None]


class Secret:
    """A string that never shows itself in a repr, a str or a log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        """Return the secret itself, for the one place that must send it: the request headers."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


def is_retryable(error: CleverTapError) -> bool:
    """Say whether an error is worth another attempt (for a request safe to repeat)."""
    return RetryPolicy.retryable(error)


class Transport:
    """Sends requests to one CleverTap account, inside its concurrency caps and rate limits.

    Args:
        base_url: the API root, e.g. ``https://eu1.api.clevertap.com``.
        account_id: the account (project) ID.
        passcode: the passcode, kept in a :class:`Secret`.
        timeout: seconds for one attempt, connection to last byte.
        retry: the default retry policy.
        upload_concurrency: in-flight ``/1/upload`` requests at most.
        query_concurrency: in-flight requests per other API path at most.
        rate_limit: requests per second across the whole client, or None for no limit.
        session: an aiohttp session to use (never closed here), or None to own one.
        max_response_bytes: the largest body accepted; a larger one is refused unread.
        sleep: the coroutine used to wait (tests pass one that does not sleep for real).
        coordinator: hands out the slots of the caps (bound here to the account and the caps above);
            None for this process's own caps.
    """

    def __init__(
        self,
        *,
        base_url: str,
        account_id: str,
        passcode: Secret,
        timeout: float,
        retry: RetryPolicy,
        upload_concurrency: int,
        query_concurrency: int,
        rate_limit: float | None,
        session: aiohttp.ClientSession | None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        sleep: Sleep = asyncio.sleep,
        coordinator: Coordinator | None = None,
    ):
        self.base_url = base_url
        self.account_id = account_id
        self._passcode = passcode
        self.timeout = timeout
        self.retry = retry
        self.upload_concurrency = upload_concurrency
        self.query_concurrency = query_concurrency
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._rng = random.Random()
        self._given_session = session
        self._session: aiohttp.ClientSession | None = None
        self._exit_stack: AsyncExitStack | None = None
        self._closed = False
        self._coordinator = (coordinator or LocalCoordinator()).bind(
            account_id, upload_concurrency=upload_concurrency, query_concurrency=query_concurrency
        )
        #: Called with each answer read, in order (see ``AnswerHook``).
        self.answer_hooks: list[AnswerHook] = []
        self._global_limiter = AsyncLimiter(rate_limit, 1.0) if rate_limit else None
        self._path_limiters = {
            _limits.CAMPAIGN_CREATE_PATH: AsyncLimiter(_limits.CAMPAIGN_CREATE_PER_SECOND, 1.0)
        }

    def __repr__(self) -> str:
        return f"Transport(account_id={self.account_id!r}, base_url={self.base_url!r})"

    @property
    def is_open(self) -> bool:
        """True between :meth:`open` and :meth:`close`."""
        return self._session is not None and not self._closed

    async def open(self) -> None:
        """Create (or adopt) the session. Opening twice, or after closing, is a ClientStateError."""
        if self._closed:
            raise ClientStateError("this CleverTap client is closed; create a new one")
        if self._session is not None:
            raise ClientStateError("this CleverTap client is already open")
        stack = AsyncExitStack()
        if self._given_session is not None:
            self._session = self._given_session
        else:
            # limit=0: the per-family semaphores are the only caps; a connector cap would starve
            # one family when another is busy.
            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
            # The exit stack closes only what this transport created; a passed-in session is the
            # caller's to close.
            await stack.enter_async_context(session)
            self._session = session
        self._exit_stack = stack

    async def close(self) -> None:
        """Close the owned session (a passed-in one is left open). Safe to call more than once."""
        self._closed = True
        stack, self._exit_stack = self._exit_stack, None
        if stack is not None:
            await stack.aclose()

    def _require_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._closed:
            state = "closed" if self._closed else "not open"
            raise ClientStateError(
                f"the CleverTap client is {state}: use it inside `async with CleverTap(...) as ct:`"
            )
        return self._session

    async def sleep(self, seconds: float) -> None:
        """Wait on the transport's clock (the injected one in tests): every wait in the client."""
        await self._sleep(seconds)

    async def back_off(
        self, attempt: int, *, limit: int | None = None, retry: RetryPolicy | None = None
    ) -> bool:
        """Wait before retry ``attempt`` (from 0) of something known to be transient.

        Args:
            attempt: retries made already.
            limit: the retry budget, when not the policy's ``max_retries``.
            retry: the policy (default: this transport's).

        Returns:
            False, without waiting, when the policy says to stop.
        """
        delay = (retry or self.retry).next_delay(None, attempt, limit=limit, rng=self._rng)
        if delay is None:
            return False
        await self._sleep(delay)
        return True

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, _protocol.QueryValue] | None = None,
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
        """Send one API request, retried as the policy says, and return its decoded JSON body.

        Args:
            method: the HTTP method, upper case.
            path: the API path, starting with "/".
            params: query parameters, encoded once.
            verbatim_params: query parameters appended exactly as given (cursors).
            json: a JSON body to serialise (already validated), or
            body: a body already serialised.
            idempotent: whether the request is safe to repeat after a lost answer.
            allow_fail_status: return ``"status": "fail"`` bodies instead of raising (uploads).
            retry: the policy for this request (default: the transport's).
            on_retry: told of each failed attempt that is about to be retried (uploads use it to
                notice an answer lost after the server may have applied the request).
            attempt_timeout: seconds for each attempt of this request, instead of the client's timeout
                (message reports take minutes on long ranges).
            on_send: called as each attempt goes out, once it has its slot and rate tokens (uploads
                use it to tell records never sent from records that may have been applied).

        Raises:
            CleverTapError: the typed error of the last attempt when the policy stops, at once for
                errors not worth retrying.
            RequestOutcomeUnknownError: a request not safe to repeat lost its answer.
        """
        session = self._require_session()
        if json is not None:
            body = _protocol.encode_json(json, what="body")
        url = _protocol.build_url(self.base_url, path, params, verbatim=verbatim_params)
        headers = _protocol.build_headers(
            self.account_id, self._passcode.reveal(), has_body=body is not None
        )
        policy = retry or self.retry
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                status, payload, response_headers = await self._attempt(
                    session,
                    method,
                    path,
                    url,
                    headers,
                    body,
                    f"{attempt + 1}/{policy.max_retries + 1}",
                    attempt_timeout,
                    on_send,
                )
                retry_after = _protocol.parse_retry_after(response_headers.get("Retry-After"))
                return _protocol.decode_response(
                    status,
                    payload,
                    method=method,
                    path=path,
                    allow_fail_status=allow_fail_status,
                    secret=self._passcode.reveal(),
                    headers=response_headers,
                )
            except CleverTapError as error:
                if not idempotent and outcome_unknown(error):
                    raise RequestOutcomeUnknownError(
                        f"{method} {path}: the server may have acted on this request, but its "
                        f"answer was lost ({error}); it is not safe to repeat, so it was not "
                        "retried: check before sending it again",
                        method=method,
                        path=path,
                    ) from error
                delay = policy.next_delay(
                    error, attempt, retry_after=retry_after, idempotent=idempotent, rng=self._rng
                )
                if delay is None:
                    raise
                if on_retry is not None:
                    on_retry(error)
                logger.debug(
                    "%s %s attempt %d/%d failed (%s); retrying in %.3fs",
                    method,
                    path,
                    attempt + 1,
                    policy.max_retries + 1,
                    type(error).__name__,
                    delay,
                )
                await self._sleep(delay)
                attempt += 1

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        url: Any,
        headers: dict[str, str],
        body: bytes | None,
        attempt: str,
        attempt_timeout: float | None = None,
        on_send: Callable[[], None] | None = None,
    ) -> tuple[int, bytes, Mapping[str, str]]:
        """Make one HTTP attempt inside the gates; return the status, the body and the headers."""
        seconds = self.timeout if attempt_timeout is None else attempt_timeout
        async with self._coordinator.acquire(_protocol.family_of(path)) as slot:
            # Rate tokens are taken after the concurrency slot, so the token's time is the send time.
            for limiter in (self._global_limiter, self._path_limiters.get(path)):
                if limiter is not None:
                    await limiter.acquire()
            if on_send is not None:
                on_send()
            started = time.perf_counter()
            try:
                async with session.request(
                    method,
                    url,
                    data=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=seconds),
                    # A redirect would carry the passcode header to wherever it points.
                    allow_redirects=False,
                ) as response:
                    payload = await _read_body(response, self.max_response_bytes, method, path)
                    status = response.status
                    response_headers = response.headers
                    for hook in self.answer_hooks:
                        hook(method, path, status, response_headers, payload)
                slot.answered(status)
            except (TimeoutError, aiohttp.ClientError) as exc:
                raise _connection_error(exc, method, path, seconds) from exc
        logger.debug(
            "%s %s attempt %s -> HTTP %d in %.1f ms (%d bytes)",
            method,
            path,
            attempt,
            status,
            (time.perf_counter() - started) * 1000,
            len(payload),
        )
        return status, payload, response_headers


async def _read_body(response: aiohttp.ClientResponse, limit: int, method: str, path: str) -> bytes:
    """Read the whole body, refusing one larger than ``limit`` bytes before holding it in memory."""
    declared = response.content_length
    if declared is not None and declared <= limit:
        return await response.read()
    if declared is None:  # chunked: count as it arrives
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > limit:
                break
            chunks.append(chunk)
        else:
            return b"".join(chunks)
    raise ResponseTooLargeError(
        f"the response body is over the {limit:,}-byte limit (max_response_bytes)",
        status=response.status,
        body=None,
        method=method,
        path=path,
    )


def _connection_error(
    exc: TimeoutError | aiohttp.ClientError, method: str, path: str, timeout: float
) -> APIConnectionError:
    """Map an aiohttp failure onto the error tree, saying whether the request was written."""
    where = f"{method} {path}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return CertificateError(
            f"{where}: TLS certificate verification failed for {exc.host}: {exc.certificate_error}",
            method=method,
            path=path,
            request_sent=False,
        )
    # Refused, unresolved, unreachable, no connection in time: no byte of the request left here.
    sent = not isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)
    if isinstance(exc, TimeoutError):
        what = "no answer" if sent else "no connection"
        return APITimeoutError(
            f"{where}: {what} within {timeout:g}s", method=method, path=path, request_sent=sent
        )
    return APIConnectionError(
        f"{where}: {_describe_client_error(exc)}", method=method, path=path, request_sent=sent
    )


def _describe_client_error(exc: aiohttp.ClientError) -> str:
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the response body was cut short"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection before answering"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect to {exc.host}:{exc.port} ({exc.os_error.strerror or exc.os_error})"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"bad response: {exc.message}"
    return f"connection error: {type(exc).__name__}: {exc}"
