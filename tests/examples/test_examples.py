"""Every program in examples/ runs against the fake, so none of them can rot."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from clevertap_async import CleverTapError
from clevertap_async.testing import DEFAULT_PASSCODE, NO_WAIT_RETRIES, FakeCleverTap

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def options(fake: FakeCleverTap) -> dict[str, Any]:
    return {
        "base_url": fake.url,
        "account_id": fake.account_id,
        "passcode": DEFAULT_PASSCODE,
        "retry": NO_WAIT_RETRIES,
    }


def environment(fake: FakeCleverTap) -> dict[str, str]:
    return {
        **os.environ,
        "CLEVERTAP_BASE_URL": fake.url,
        "CLEVERTAP_ACCOUNT_ID": fake.account_id,
        "CLEVERTAP_PASSCODE": DEFAULT_PASSCODE,
    }


async def run_script(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_signup_service_uploads_every_signup_through_its_writer(
    fake: FakeCleverTap,
) -> None:
    service = load("signup_service")
    app = service.make_app(**options(fake))
    async with TestClient(TestServer(app)) as http:
        for n in range(25):
            answer = await http.post("/signup", json={"user_id": f"u-{n}", "plan": "pro"})
            assert answer.status == 202
        assert (await http.post("/signup", json={"plan": "pro"})).status == 400
    # Shutting the service down drained the writer: every accepted sign-up reached the server.
    uploaded = fake.uploaded_events
    assert sorted(e["identity"] for e in uploaded) == sorted(f"u-{n}" for n in range(25))
    assert {e["evtName"] for e in uploaded} == {"Signed up"}
    assert uploaded[0]["evtData"] == {"Plan": "pro"}


async def test_the_nightly_export_resumes_after_a_crash_without_loss_or_repeat(
    fake: FakeCleverTap, tmp_path: Path
) -> None:
    exporter = load("nightly_export")
    fake.seed_events("Charged", count=400, start=20260105, end=20260105)
    output, checkpoint = tmp_path / "charged.jsonl", tmp_path / "charged.checkpoint"
    # The fourth page request is refused (401 is never retried): the first run dies mid-way.
    fake.faults.inject("status", status=401, path="/1/events.json", method="GET", every=4)
    with pytest.raises(CleverTapError):
        await exporter.export_day(
            "Charged", date(2026, 1, 5), output, checkpoint, batch_size=50, **options(fake)
        )
    assert checkpoint.exists()
    partial = output.read_bytes().splitlines()
    assert 0 < len(partial) < 400
    fake.faults.clear()
    lines = await exporter.export_day(
        "Charged", date(2026, 1, 5), output, checkpoint, batch_size=50, **options(fake)
    )
    assert lines == 400 and not checkpoint.exists()
    records = [orjson.loads(line) for line in output.read_bytes().splitlines()]
    assert len({orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in records}) == 400


async def test_the_nightly_export_runs_as_a_script(fake: FakeCleverTap, tmp_path: Path) -> None:
    fake.seed_events("Charged", count=30, start=20260131, end=20260131)
    code, out, err = await run_script(
        str(EXAMPLES / "nightly_export.py"),
        "Charged",
        "2026-01-31",
        env=environment(fake),
        cwd=tmp_path,
    )
    assert code == 0, err
    assert out == "30 records in charged-20260131.jsonl\n"
    assert len((tmp_path / "charged-20260131.jsonl").read_bytes().splitlines()) == 30


async def test_the_csv_import_accounts_for_every_row(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str]
) -> None:
    importer = load("import_csv")
    report = await importer.import_orders(EXAMPLES / "orders.csv", **options(fake))
    assert report.accepted == 4
    (refused,) = report.rejected
    assert (refused.position, refused.code) == (3, 523)
    out = capsys.readouterr().out
    assert out.startswith("4 accepted, 1 refused\n  line 5: code 523:")
    first = fake.uploaded_events[0]
    assert first["identity"] == "user-1" and first["evtData"] == {"Amount": 30.5, "Currency": "INR"}
    assert first["ts"] == 1767588300  # 2026-01-05T10:15:00+05:30


async def test_the_csv_import_runs_as_a_script(fake: FakeCleverTap, tmp_path: Path) -> None:
    code, out, err = await run_script(
        str(EXAMPLES / "import_csv.py"),
        str(EXAMPLES / "orders.csv"),
        env=environment(fake),
        cwd=tmp_path,
    )
    assert code == 0, err
    assert out.startswith("4 accepted, 1 refused\n")
    assert len(fake.uploaded_events) == 4


async def test_the_privacy_access_request_returns_the_subjects_events(
    fake: FakeCleverTap, tmp_path: Path
) -> None:
    fake.seed_profiles(count=10, start=20260101, end=20260131, event_names=["Charged"])
    fake.seed_events("Charged", count=200, start=20260101, end=20260131, users=10)
    async with fake.client(retry=NO_WAIT_RETRIES) as ct:
        theirs = [
            e
            async for e in ct.events.stream("Charged", 20260101, 20260131, raw=True)
            if e["profile"]["email"] == "user3@example.com"
        ]
    assert theirs
    access = load("privacy_access")
    answer = orjson.loads(
        await access.access_request(
            "user3@example.com", date(2026, 1, 1), date(2026, 1, 31), **options(fake)
        )
    )
    (subject,) = answer
    assert subject["identity"] == "user-3" and subject["email"] == "user3@example.com"
    assert len(subject["events"]["Charged"]) == len(theirs)
    assert subject["events"]["Charged"][0]["Amount"] == theirs[0]["event_props"]["Amount"]

    code, out, err = await run_script(
        str(EXAMPLES / "privacy_access.py"),
        "user3@example.com",
        "2026-01-01",
        "2026-01-31",
        env=environment(fake),
        cwd=tmp_path,
    )
    assert code == 0, err
    assert orjson.loads(out) == answer


async def test_the_fixture_example_passes_in_strict_mode() -> None:
    # As a user runs it: pytest-asyncio in its default strict mode, warnings as errors.
    code, out, err = await run_script(
        "-m",
        "pytest",
        str(EXAMPLES / "test_with_fixtures.py"),
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_mode=strict",
        "-W",
        "error",
        env=dict(os.environ),
        cwd=EXAMPLES.parent,
    )
    assert code == 0, out + err
    assert "3 passed" in out
