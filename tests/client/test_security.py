"""Secrets stay secret: TLS verified by default, the passcode only ever in a header."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import trustme
from aiohttp import web

from clevertap_async import (
    APIConnectionError,
    CertificateError,
    CleverTap,
    CleverTapError,
    RetryPolicy,
)
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap
from tests.conftest import RecordingSleep

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
    tls_server: tuple[str, trustme.CA], recording_sleep: RecordingSleep
) -> None:
    url, _ = tls_server
    async with CleverTap(
        "ACC", SECRET, base_url=url, retry=RetryPolicy.no_wait(3), _sleep=recording_sleep
    ) as ct:
        with pytest.raises(CertificateError, match="certificate verification failed") as info:
            await ct.request("GET", "/1/ok.json")
    assert isinstance(info.value, APIConnectionError)
    assert recording_sleep.delays == []  # a bad certificate is not retried
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
        async with fake.client(retry=NO_WAIT_RETRIES) as ct:
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
                idempotent=True,
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


async def test_no_passcode_in_uploads_exports_or_their_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    async with FakeCleverTap(passcode=SECRET) as fake:
        fake.seed_events("Charged", count=300, start=20260101, end=20260102)
        for kind, extra in (
            ("status", {"status": 429}),
            ("status", {"status": 503}),
            ("drop", {}),
            ("truncate", {}),
            ("lost_response", {}),
        ):
            fake.faults.inject(kind, every=3, times=4, **extra)
        records: list[Any] = [
            {"identity": f"u{n}", "evtName": "Viewed", "evtData": {"n": n}} for n in range(50)
        ]
        records += [{"identity": "x", "evtName": "App Launched"}, {"evtName": "NoIdentity"}]
        async with fake.client(retry=RetryPolicy.no_wait(1)) as ct:
            report = await ct.events.upload(records, batch_size=10)
            texts += [repr(report), *(str(u.exception) for u in report.undelivered)]
            try:
                texts.append(repr(await collect(ct.events.stream("Charged", 20260101, 20260102))))
            except CleverTapError as error:
                texts.append(repr(error))
            texts.append(repr(ct.events.stream("Charged", 20260101, 20260102)))
        async with CleverTap(
            fake.account_id, SECRET + "-wrong", base_url=fake.url, retry=NO_WAIT_RETRIES
        ) as ct:
            for call in (
                ct.events.upload(records[:3]),
                collect(ct.events.stream("Charged", 20260101, 20260102)),
                ct.events.count("Charged", 20260101, 20260102),
            ):
                try:
                    texts.append(repr(await call))
                except CleverTapError as error:
                    texts += [repr(error), str(error), repr(error.__dict__)]
    for record in caplog.records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    assert any("attempt" in text for text in texts)
    for text in texts:
        assert SECRET not in text


async def collect(stream: Any) -> list[Any]:
    return [record async for record in stream]


DEBUG_CLI = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG); "
    "from clevertap_async.cli._main import main; sys.exit(main())"
)


async def run_debug_cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        DEBUG_CLI,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


async def test_no_passcode_in_cli_output_with_debug_logs(tmp_path: Path) -> None:
    lines = [
        json.dumps({"identity": f"u{n}", "evtName": "Viewed", "evtData": {"n": n}})
        for n in range(30)
    ]
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join([*lines, "not json", '{"evtName": "App Launched"}']) + "\n")
    async with FakeCleverTap(passcode=SECRET) as fake:
        fake.faults.inject("status", status=503, every=2)
        fake.faults.inject("drop", every=3)
        env = {"CLEVERTAP_BASE_URL": fake.url, "CLEVERTAP_ACCOUNT_ID": fake.account_id}
        runs: list[tuple[int, str]] = []
        for passcode in (SECRET, SECRET + "-wrong"):
            env["CLEVERTAP_PASSCODE"] = passcode
            runs += await asyncio.gather(
                run_debug_cli(env, "import", "events", str(source), "--quiet"),
                run_debug_cli(env, "request", "GET", "/1/nothing.json"),
                run_debug_cli(
                    env,
                    "count",
                    "events",
                    "--event",
                    "E",
                    "--from",
                    "2026-01-01",
                    "--to",
                    "2026-01-02",
                ),
            )
        # A passcode given as an option is no safer to print.
        del env["CLEVERTAP_PASSCODE"]
        runs.append(await run_debug_cli(env, "request", "GET", "/1/x.json", "--passcode", SECRET))
    assert sum(code != 0 for code, _ in runs) >= 4  # the wrong passcode fails every command
    assert any("attempt" in output for _, output in runs)  # the debug logs were on
    for _, output in runs:
        assert SECRET not in output
        assert "Traceback" not in output
