"""The clevertap-async command, run as a subprocess against a fake server."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from clevertap_async.cli._demo import PYTHON_EQUIVALENT
from clevertap_async.testing import DEFAULT_ACCOUNT_ID, FakeCleverTap, fake_server_process

PASSCODE = "fake-passcode"


async def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clevertap_async.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def fake_env(fake: FakeCleverTap) -> dict[str, str]:
    return {
        "CLEVERTAP_BASE_URL": fake.url,
        "CLEVERTAP_ACCOUNT_ID": fake.account_id,
        "CLEVERTAP_PASSCODE": PASSCODE,
    }


async def test_request_prints_the_json_answer(fake: FakeCleverTap) -> None:
    body = '{"business_event": "E", "name": "N", "properties": {}, "c-by": "a@b.co", "when": "now"}'
    code, out, err = await run_cli(
        "request", "POST", "/1/targets/trigger.json", "--data", body, env=fake_env(fake)
    )
    assert (code, err) == (0, "")
    assert json.loads(out) == {"status": "success"}
    assert fake.bulletins[0]["name"] == "N"


async def test_request_errors_are_one_line_without_the_passcode(fake: FakeCleverTap) -> None:
    code, out, err = await run_cli("request", "GET", "/1/nothing.json", env=fake_env(fake))
    assert code == 1
    assert err.strip() == "clevertap-async: NotFoundError: GET /1/nothing.json: HTTP 404: Not found"
    assert PASSCODE not in out + err


async def test_bad_credentials_exit_1(fake: FakeCleverTap) -> None:
    env = {**fake_env(fake), "CLEVERTAP_PASSCODE": "wrong-passcode"}
    code, _, err = await run_cli("request", "GET", "/1/x.json", env=env)
    assert code == 1
    assert "AuthenticationError" in err and "Traceback" not in err
    assert "wrong-passcode" not in err


async def test_usage_errors_exit_2() -> None:
    code, _, err = await run_cli("request", "GET", "/1/x", "--query", "novalue")
    assert code == 2
    assert "--query takes NAME=VALUE" in err or "CLEVERTAP_ACCOUNT_ID" in err
    code, _, err = await run_cli("request", "GET", "/1/x")
    assert code == 2
    assert "set CLEVERTAP_ACCOUNT_ID" in err
    code, _, err = await run_cli("no-such-command")
    assert code == 2
    assert "invalid choice" in err


async def test_bad_data_is_a_usage_error(fake: FakeCleverTap) -> None:
    code, _, err = await run_cli("request", "POST", "/1/x", "--data", "{oops", env=fake_env(fake))
    assert code == 2
    assert "--data is not valid JSON" in err
    assert fake.requests == []


def process_env(url: str) -> dict[str, str]:
    """The environment that points the command at a fake-server process."""
    return {
        "CLEVERTAP_BASE_URL": url,
        "CLEVERTAP_ACCOUNT_ID": DEFAULT_ACCOUNT_ID,
        "CLEVERTAP_PASSCODE": PASSCODE,
    }


async def test_fake_server_command_serves_until_terminated() -> None:
    async with fake_server_process() as server:
        assert server.url.startswith("http://127.0.0.1:")
        code, out, _ = await run_cli(
            "request",
            "POST",
            "/1/targets/trigger.json",
            "--data",
            '{"business_event":"E","name":"N","properties":{},"c-by":"a@b.co","when":"now"}',
            env=process_env(server.url),
        )
        assert code == 0
        assert json.loads(out)["status"] == "success"
    # SIGTERM is a clean shutdown, not a crash.
    assert server.process.returncode == 0


def made_directories(parent: Path) -> list[Path]:
    return list(parent.glob("clevertap-async-demo-*"))


async def test_demo_runs_in_a_temporary_directory_and_shows_the_python(tmp_path: Path) -> None:
    # With no --output-dir the demo makes its own temporary directory (under TMPDIR) and says so.
    code, out, err = await run_cli("demo", "--quiet", env={"TMPDIR": str(tmp_path)})
    assert code == 0, err
    assert "summary" in out
    assert "5,000 accepted, 4 refused" in out
    (made,) = made_directories(tmp_path)
    assert f"files go to {made}" in out and f"the files are in {made}" in out
    assert len((made / "charged.jsonl").read_text().splitlines()) == 50_000
    assert len((made / "rejects.jsonl").read_text().splitlines()) == 4
    assert PYTHON_EQUIVALENT in out
    assert "Where to go next" in out and "docs/getting-started.md" in out


async def test_the_python_the_demo_prints_runs(fake: FakeCleverTap, tmp_path: Path) -> None:
    fake.seed_events("Charged", count=300, start=20260101, end=20260131)
    fake.seed_profiles(count=40, start=20260101, end=20260131, event_names=["Charged"])
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        PYTHON_EQUIVALENT,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **fake_env(fake)},
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert len((tmp_path / "charged.jsonl").read_bytes().splitlines()) == 300
    assert out.decode().splitlines() == [
        "40 profiles, the first: user-0",
        "300 accepted 0 rejected",
    ]
    assert len(fake.uploaded_events) == 300


async def test_request_post_is_not_repeated_after_a_lost_answer_unless_idempotent(
    fake: FakeCleverTap,
) -> None:
    body = '{"business_event": "E", "name": "N", "properties": {}, "c-by": "a@b.co", "when": "now"}'
    args = ("request", "POST", "/1/targets/trigger.json", "--data", body)
    fake.faults.inject("lost_response", times=1)
    code, _, err = await run_cli(*args, env=fake_env(fake))
    assert code == 1
    assert "RequestOutcomeUnknownError" in err and "may have acted" in err
    assert len(fake.bulletins) == 1
    fake.faults.inject("lost_response", times=1)
    code, out, err = await run_cli(*args, "--idempotent", env=fake_env(fake))
    assert (code, err) == (0, "")
    assert json.loads(out) == {"status": "success"}
    assert len(fake.bulletins) == 3  # stored, answer lost, stored again


async def test_max_retries_option_sets_the_retry_policy(fake: FakeCleverTap) -> None:
    fake.faults.inject("status", status=503)
    args = ("request", "GET", "/1/profile.json", "-q", "identity=x", "--max-retries", "0")
    code, _, err = await run_cli(*args, env=fake_env(fake))
    assert code == 1
    assert "ServerError" in err
    assert len(fake.requests) == 1
