"""Talking to the fake with bare aiohttp, exactly as written: the fake's tests must not lean on the client."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
from yarl import URL

from clevertap_async.testing import DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE, FakeCleverTap

HEADERS = {"X-CleverTap-Account-Id": DEFAULT_ACCOUNT_ID, "X-CleverTap-Passcode": DEFAULT_PASSCODE}


async def call(
    http: aiohttp.ClientSession, fake: FakeCleverTap, method: str, target: str, body: Any = None
) -> tuple[int, dict[str, Any]]:
    """Send ``target`` (path and query) exactly as written: cursors must not be re-encoded."""
    url = URL(fake.url + target, encoded=True)
    data = None if body is None else orjson.dumps(body)
    async with http.request(method, url, data=data) as response:
        return response.status, orjson.loads(await response.read())
