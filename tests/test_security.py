"""Secrets stay secret: TLS verified by default, the passcode only ever in a header."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator

import aiohttp
import pytest
import trustme
from aiohttp import web

from clevertap_async import APIConnectionError, CleverTap
from clevertap_async._protocol import NO_BACKOFF
from clevertap_async.testing import FakeCleverTap

SECRET = "sup3r-s3cret-passcode"


@pytest.fixture
async def tls_server() -> AsyncIterator[tuple[str, trustme.CA]]:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)

    async def ok(request: web.Request) -> web.Response:
        return web.json_response(
            {"status": "success", "seen": request.headers.get("X-CleverTap-Account-Id")}
        )

    app = web.Application()
    app.router.add_get("/1/ok.json", ok)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    yield f"https://127.0.0.1:{port}", ca
    await runner.cleanup()


async def test_tls_certificates_are_verified_by_default(
    tls_server: tuple[str, trustme.CA],
) -> None:
    url, _ = tls_server
    async with CleverTap("ACC", SECRET, base_url=url, backoff=NO_BACKOFF, max_retries=0) as ct:
        with pytest.raises(APIConnectionError, match="certificate") as info:
            await ct.request("GET", "/1/ok.json")
    assert SECRET not in str(info.value)


async def test_a_session_that_trusts_the_ca_connects(tls_server: tuple[str, trustme.CA]) -> None:
    url, ca = tls_server
    context = ssl.create_default_context()
    ca.configure_trust(context)
    connector = aiohttp.TCPConnector(ssl=context)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        CleverTap("ACC", SECRET, base_url=url, session=session) as ct,
    ):
        assert (await ct.request("GET", "/1/ok.json"))["seen"] == "ACC"


async def test_the_passcode_travels_only_in_its_header(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeCleverTap(passcode=SECRET) as fake:
        fake.faults.inject("status", status=500, times=1)
        fake.faults.inject("drop", times=1)
        async with fake.client(backoff=NO_BACKOFF) as ct:
            await ct.request(
                "POST",
                "/1/targets/trigger.json",
                params={"a": "b"},
                json={
                    "business_event": "E",
                    "name": "N",
                    "properties": {},
                    "c-by": "a@b.co",
                    "when": "now",
                },
            )
            texts = [repr(ct), str(ct), repr(ct.bulletins), repr(fake)]
        for record in fake.requests:
            assert SECRET not in record.query
            assert SECRET.encode() not in record.body
            texts.append(repr(record))
    texts.extend(r.getMessage() for r in caplog.records)
    assert any("attempt" in text for text in texts)
    for text in texts:
        assert SECRET not in text
