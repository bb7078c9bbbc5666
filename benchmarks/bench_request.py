"""Per-request overhead of ``ct.request`` against a bare aiohttp call to the same fake endpoint."""

from __future__ import annotations

import argparse

import aiohttp
import orjson

from clevertap_async import CleverTap
from clevertap_async.testing import DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE

from ._harness import HEADERS, FakeProcess, Row, best_of_each

NAME = "request"
PATH = "/1/targets/trigger.json"
BODY = {
    "business_event": "Bench",
    "name": "Bench",
    "properties": {"k": "v"},
    "c-by": "bench@example.com",
    "when": "now",
}


async def run(fake: FakeProcess, args: argparse.Namespace) -> list[Row]:
    """Time N sequential requests each way; report microseconds per request and the ratio."""
    count = 300 if args.quick else 2000
    raw_body = orjson.dumps(BODY)
    headers = {**HEADERS, "Content-Type": "application/json"}

    async with (
        aiohttp.ClientSession() as session,
        CleverTap(DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE, base_url=fake.url) as ct,
    ):

        async def bare() -> None:
            for _ in range(count):
                async with session.post(fake.url + PATH, data=raw_body, headers=headers) as r:
                    orjson.loads(await r.read())

        async def client() -> None:
            for _ in range(count):
                await ct.request("POST", PATH, json=BODY)

        best = await best_of_each(3, fake, {"bare": bare, "client": client})
    baseline, measured = best["bare"], best["client"]

    per_bare = baseline.seconds / count * 1e6
    per_client = measured.seconds / count * 1e6
    return [
        Row(NAME, "bare aiohttp + orjson", per_bare, "us/request", run=baseline),
        Row(
            NAME,
            "ct.request",
            per_client,
            "us/request",
            ratio=per_client / per_bare,
            ratio_to="of bare",
            goal="<= 1.5x",
            run=measured,
        ),
    ]
