"""CleverTap: the client users hold. It owns the transport and exposes the resource namespaces."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import aiohttp

from . import _limits, _protocol
from ._coordination import Coordinator
from ._errors import ConfigurationError, ValidationError
from ._redis_coordinator import RedisCoordinator
from ._retry import DEFAULT_RETRY, RetryPolicy
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, Secret, Sleep, Transport
from .resources import (
    Bulletins,
    Campaigns,
    Events,
    Privacy,
    Profiles,
    Reports,
    Subscriptions,
    Tokens,
)

ACCOUNT_ID_VARIABLE = "CLEVERTAP_ACCOUNT_ID"
PASSCODE_VARIABLE = "CLEVERTAP_PASSCODE"
REGION_VARIABLE = "CLEVERTAP_REGION"
BASE_URL_VARIABLE = "CLEVERTAP_BASE_URL"


class CleverTap:
    """An async client for one CleverTap account.

    Use it as an async context manager; it opens its HTTP session on entry and closes it on exit::

        async with CleverTap(account_id="948-4KK-444Z", passcode="...", region="in1") as ct:
            await ct.request("POST", "/1/targets/trigger.json", json={...})

    Args:
        account_id: the account (project) ID; defaults to ``$CLEVERTAP_ACCOUNT_ID``.
        passcode: the account or user passcode; defaults to ``$CLEVERTAP_PASSCODE``. It is sent only in
            a header and never shown in a repr, a log line or an error.
        region: ``eu1`` (the default), ``in1``, ``sg1``, ``us1``, ``aps3`` or ``mec1``; defaults to
            ``$CLEVERTAP_REGION``.
        base_url: an explicit API root (e.g. a fake server's ``http://127.0.0.1:8080``); overrides the
            region; defaults to ``$CLEVERTAP_BASE_URL``.
        timeout: seconds one attempt may take, connection to last byte.
        retry: the default :class:`RetryPolicy` of every request (3 retries, exponential waits with
            full jitter); ``ct.request(..., retry=...)`` chooses another for one call.
        upload_concurrency: in-flight ``/1/upload`` requests at most (the API allows 15).
        query_concurrency: in-flight requests per other API at most (the API allows 3).
        rate_limit: requests per second across this client, for accounts shared with other systems;
            None for no limit. Campaign creation is always held to 1 per second.
        session: an aiohttp session to use; the client never closes a session it was given.
        max_response_bytes: the largest response body accepted (256 MiB by default); a larger one
            raises ResponseTooLargeError without being read into memory.
        coordinator: shares the caps with other processes: a :class:`RedisCoordinator`, or a Redis
            URL for one the client creates and closes; by default a :class:`LocalCoordinator`, the
            caps of this process (which lowers them for a while after 429 answers).
        max_retries: deprecated, use ``retry=RetryPolicy(max_retries=...)``.
        backoff: deprecated, use ``retry=RetryPolicy(...)``.

    Raises:
        ConfigurationError: a credential is missing (the message names the variable to set), the
            region is unknown, a numeric setting is out of range, or ``retry=`` is given together
            with the deprecated ``max_retries=``/``backoff=``.
    """

    def __init__(
        self,
        account_id: str | None = None,
        passcode: str | None = None,
        region: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        upload_concurrency: int = _limits.UPLOAD_CONCURRENCY,
        query_concurrency: int = _limits.QUERY_CONCURRENCY,
        rate_limit: float | None = None,
        session: aiohttp.ClientSession | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        coordinator: Coordinator | str | None = None,
        max_retries: int | None = None,
        backoff: _protocol.Backoff | None = None,
        _sleep: Sleep | None = None,
    ):
        account_id = account_id or os.environ.get(ACCOUNT_ID_VARIABLE)
        passcode = passcode or os.environ.get(PASSCODE_VARIABLE)
        if not account_id:
            raise ConfigurationError(
                f"no CleverTap account ID: pass account_id= or set {ACCOUNT_ID_VARIABLE}"
            )
        if not passcode:
            raise ConfigurationError(
                f"no CleverTap passcode: pass passcode= or set {PASSCODE_VARIABLE}"
            )
        try:
            root = _protocol.base_url_for(
                region or os.environ.get(REGION_VARIABLE),
                base_url or os.environ.get(BASE_URL_VARIABLE),
            )
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        _check_positive("timeout", timeout)
        _check_positive("max_response_bytes", max_response_bytes, integer=True)
        _check_positive("upload_concurrency", upload_concurrency, integer=True)
        _check_positive("query_concurrency", query_concurrency, integer=True)
        if rate_limit is not None:
            _check_positive("rate_limit", rate_limit)
        policy = _retry_policy(retry, max_retries, backoff)
        extra = {} if _sleep is None else {"sleep": _sleep}
        # A coordinator made here from a URL is closed with the client; a given one is the caller's.
        self._own_coordinator = (
            RedisCoordinator(coordinator) if isinstance(coordinator, str) else None
        )
        if isinstance(coordinator, str):
            coordinator = self._own_coordinator
        self._transport = Transport(
            base_url=root,
            account_id=account_id,
            passcode=Secret(passcode),
            timeout=timeout,
            retry=policy,
            upload_concurrency=upload_concurrency,
            query_concurrency=query_concurrency,
            rate_limit=rate_limit,
            session=session,
            max_response_bytes=max_response_bytes,
            coordinator=coordinator,
            **extra,
        )
        requester = self._transport
        self.events = Events(requester)
        self.profiles = Profiles(requester)
        self.tokens = Tokens(requester)
        self.bulletins = Bulletins(requester)
        self.reports = Reports(requester)
        self.campaigns = Campaigns(requester)
        self.subscriptions = Subscriptions(requester)
        self.privacy = Privacy(requester, events=self.events, profiles=self.profiles)

    @property
    def account_id(self) -> str:
        """The account (project) ID this client talks to."""
        return self._transport.account_id

    @property
    def retry(self) -> RetryPolicy:
        """The default retry policy of this client's requests."""
        return self._transport.retry

    @property
    def base_url(self) -> str:
        """The API root every path is appended to."""
        return self._transport.base_url

    def __repr__(self) -> str:
        return f"CleverTap(account_id={self.account_id!r}, base_url={self.base_url!r})"

    async def __aenter__(self) -> Self:
        await self._transport.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the client's own HTTP session (a passed-in session stays open)."""
        await self._transport.close()
        if self._own_coordinator is not None:
            await self._own_coordinator.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, _protocol.QueryValue] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        retry: RetryPolicy | None = None,
    ) -> Any:
        """Send any API request and return its decoded JSON: for endpoints not wrapped yet.

        Example::

            counts = await ct.request("POST", "/1/now.json", json={"user_type": True},
                                      idempotent=True)

        Args:
            method: GET, POST, PUT, DELETE or PATCH (any case).
            path: the API path, starting with "/" (e.g. ``/1/profile.json``), without a query.
            params: query parameters (strings, numbers or bools), encoded once.
            json: a JSON-serialisable body.
            idempotent: whether sending the request twice has the same effect as once. By default
                POST and PATCH are not (they may create or send something) and are retried only when
                the server provably did not act; pass True for a POST that only reads.
            retry: the retry policy of this call (default: the client's).

        Returns:
            The decoded JSON body.

        Raises:
            ValidationError: bad input (the message names it); nothing was sent.
            APIError: the server answered with an error, including HTTP 200 with "status": "fail".
            RequestOutcomeUnknownError: a request not safe to repeat lost its answer; the server may
                have acted on it.
            APIConnectionError: no complete answer after retries.
            ClientStateError: the client is not open.
        """
        verb, body = _protocol.validate_request(method, path, params, json)
        if idempotent is None:
            idempotent = verb not in _protocol.UNSAFE_METHODS
        elif not isinstance(idempotent, bool):
            raise ValidationError(
                f"idempotent must be a bool, got {idempotent!r}", field="idempotent"
            )
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ValidationError(
                f"retry must be a RetryPolicy, got {type(retry).__name__}", field="retry"
            )
        return await self._transport.request(
            verb, path, params=params, body=body, idempotent=idempotent, retry=retry
        )


def _retry_policy(
    retry: RetryPolicy | None, max_retries: int | None, backoff: _protocol.Backoff | None
) -> RetryPolicy:
    """Return the client's policy, building one from the deprecated max_retries=/backoff=."""
    if max_retries is None and backoff is None:
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ConfigurationError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
        return retry or DEFAULT_RETRY
    if retry is not None:
        raise ConfigurationError("pass retry= alone, without the deprecated max_retries=/backoff=")
    warnings.warn(
        "CleverTap(max_retries=..., backoff=...) is deprecated; pass retry=RetryPolicy(...)",
        DeprecationWarning,
        stacklevel=3,
    )
    if max_retries is None:
        max_retries = DEFAULT_RETRY.max_retries
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigurationError(f"max_retries must be an int >= 0, got {max_retries!r}")
    return (backoff or _protocol.Backoff()).to_policy(max_retries)


def _check_positive(name: str, value: float, *, integer: bool = False) -> None:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        what = "a positive int" if integer else "a positive number"
        raise ConfigurationError(f"{name} must be {what}, got {value!r}")
