"""CleverTap: the client users hold. It owns the transport and exposes the resource namespaces."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import aiohttp

from . import _limits, _protocol
from ._errors import ConfigurationError
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
        max_retries: further attempts after a 429, a 5xx, a dropped connection or a timeout.
        upload_concurrency: in-flight ``/1/upload`` requests at most (the API allows 15).
        query_concurrency: in-flight requests per other API at most (the API allows 3).
        rate_limit: requests per second across this client, for accounts shared with other systems;
            None for no limit. Campaign creation is always held to 1 per second.
        session: an aiohttp session to use; the client never closes a session it was given.
        backoff: the retry delays (exponential with full jitter by default).
        max_response_bytes: the largest response body accepted (256 MiB by default); a larger one
            raises ResponseTooLargeError without being read into memory.

    Raises:
        ConfigurationError: a credential is missing (the message names the variable to set), the
            region is unknown, or a numeric setting is out of range.
    """

    def __init__(
        self,
        account_id: str | None = None,
        passcode: str | None = None,
        region: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        upload_concurrency: int = _limits.UPLOAD_CONCURRENCY,
        query_concurrency: int = _limits.QUERY_CONCURRENCY,
        rate_limit: float | None = None,
        session: aiohttp.ClientSession | None = None,
        backoff: _protocol.Backoff | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
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
        if not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError(f"max_retries must be an int >= 0, got {max_retries!r}")
        extra = {} if _sleep is None else {"sleep": _sleep}
        self._transport = Transport(
            base_url=root,
            account_id=account_id,
            passcode=Secret(passcode),
            timeout=timeout,
            max_retries=max_retries,
            upload_concurrency=upload_concurrency,
            query_concurrency=query_concurrency,
            rate_limit=rate_limit,
            session=session,
            backoff=backoff or _protocol.Backoff(),
            max_response_bytes=max_response_bytes,
            **extra,
        )
        self.events = Events(self)
        self.profiles = Profiles(self)
        self.tokens = Tokens(self)
        self.bulletins = Bulletins(self)
        self.reports = Reports(self)
        self.campaigns = Campaigns(self)
        self.subscriptions = Subscriptions(self)
        self.privacy = Privacy(self)

    @property
    def account_id(self) -> str:
        """The account (project) ID this client talks to."""
        return self._transport.account_id

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

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, _protocol.QueryValue] | None = None,
        json: Any = None,
    ) -> Any:
        """Send any API request and return its decoded JSON: for endpoints not wrapped yet.

        Example::

            counts = await ct.request("POST", "/1/now.json", json={"user_type": True})

        Args:
            method: GET, POST, PUT, DELETE or PATCH (any case).
            path: the API path, starting with "/" (e.g. ``/1/profile.json``), without a query.
            params: query parameters (strings, numbers or bools), encoded once.
            json: a JSON-serialisable body.

        Returns:
            The decoded JSON body.

        Raises:
            ValidationError: bad input (the message names it); nothing was sent.
            APIError: the server answered with an error, including HTTP 200 with "status": "fail".
            APIConnectionError: no complete answer after retries.
            ClientStateError: the client is not open.
        """
        verb, body = _protocol.validate_request(method, path, params, json)
        return await self._transport.request(verb, path, params=params, body=body)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, _protocol.QueryValue] | None = None,
        verbatim_params: Mapping[str, str] | None = None,
        json: Any = None,
        allow_fail_status: bool = False,
        attempt_timeout: float | None = None,
    ) -> Any:
        """Send a request built by a resource (already validated); the resources' one way out."""
        body = None if json is None else _protocol.encode_json(json, what="body")
        return await self._transport.request(
            method,
            path,
            params=params,
            verbatim_params=verbatim_params,
            body=body,
            allow_fail_status=allow_fail_status,
            attempt_timeout=attempt_timeout,
        )


def _check_positive(name: str, value: float, *, integer: bool = False) -> None:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        what = "a positive int" if integer else "a positive number"
        raise ConfigurationError(f"{name} must be {what}, got {value!r}")
