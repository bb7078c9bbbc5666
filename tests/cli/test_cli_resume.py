"""Imports stopped at any moment (SIGKILL, SIGTERM) and resumed, against a fake server process.

The fake runs in its own process with latency on uploads, so a killed import leaves requests in flight
that the server still applies: exactly the duplicates the journal must count.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from clevertap_async.testing import FakeCleverTap, fake_server_process
from tests.cli.test_cli import fake_env, process_env, run_cli

BATCH = 20
#: In flight at most when a run is killed: 15 batches sent, one waiting for a slot, one filling.
IN_FLIGHT_LINES = (15 + 2) * BATCH


def write_input(path: Path, count: int) -> dict[str, set[int]]:
    """Write ``count`` lines, mostly good events numbered by line; return the line numbers by kind."""
    kinds: dict[str, set[int]] = {
        "good": set(),
        "rejected": set(),
        "unreadable": set(),
        "blank": set(),
    }
    lines = []
    for number in range(1, count + 1):
        if number % 97 == 0:
            kind, text = "rejected", '{"identity": "u%d", "evtName": "App Launched", "evtData": {}}'
        elif number % 211 == 0:
            kind, text = "blank", ""
        elif number % 307 == 0:
            kind, text = "unreadable", '{"identity": "u%d", "evtName": '
        else:
            kind, text = "good", '{"identity": "u%d", "evtName": "Charged", "evtData": {"n": %d}}'
        kinds[kind].add(number)
        lines.append(text.replace("%d", str(number)))
    path.write_text("\n".join(lines) + "\n")
    return kinds


def journaled_import(
    tmp_path: Path, count: int, *extra: str
) -> tuple[dict[str, set[int]], list[str]]:
    """Write an input of ``count`` lines; return its line kinds and the import command's arguments.

    The command keeps its journal in ``tmp_path / "journal"``, its rejects in ``rejects.jsonl``.
    """
    source = tmp_path / "in.jsonl"
    kinds = write_input(source, count)
    args = ["import", "events", str(source), "--checkpoint", str(tmp_path / "journal")]
    args += ["--rejects", str(tmp_path / "rejects.jsonl"), "--batch-size", str(BATCH), *extra]
    return kinds, args


async def admin(url: str, method: str, what: str, body: Any = None) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{url}/__fake__/{what}", json=body) as response,
    ):
        return await response.json()


def summary(err: str) -> dict[str, int]:
    """The figures of an import summary, by label."""
    rows = re.findall(r"^  ([a-z ]+?) +([\d,]+)$", err, flags=re.MULTILINE)
    return {label: int(value.replace(",", "")) for label, value in rows}


def stored_lines(uploads: dict[str, Any]) -> Counter[int]:
    return Counter(event["evtData"]["n"] for event in uploads["events"])


def start_import(args: list[str], env: dict[str, str]) -> Any:
    return asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clevertap_async.cli",
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
    )


def journal_state(path: Path) -> tuple[int, int]:
    """(runs, lines done) as the journal on disk says; (0, 0) before there is one."""
    try:
        data = json.loads(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return 0, 0
    return data["runs"], sum(last - first + 1 for first, last in data["done"])


async def until(condition: Any, process: Any, limit: float = 60.0) -> None:
    """Wait until ``condition()`` holds or the process ended."""
    for _ in range(int(limit / 0.01)):
        if condition() or process.returncode is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the import made no progress")


async def test_an_import_killed_at_random_points_resumes_with_every_line_once(
    tmp_path: Path, soak: bool
) -> None:
    lines, kills_wanted = (60_000, 30) if soak else (10_000, 10)
    kinds, args = journaled_import(tmp_path, lines, "--quiet")
    journal, rejects = tmp_path / "journal", tmp_path / "rejects.jsonl"
    rng = random.Random(14)
    async with fake_server_process() as server:
        env = process_env(server.url)
        await admin(server.url, "POST", "faults", {"kind": "latency", "seconds": 0.1})
        kills = 0
        while kills < kills_wanted:
            runs_before, _ = journal_state(journal)
            process = await start_import(args, env)
            # The journal counts the run once it starts; the kill lands anywhere after that.
            await until(lambda before=runs_before: journal_state(journal)[0] > before, process)
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            if process.returncode is None:
                process.kill()
                kills += 1
            _, err = await process.communicate()
            assert b"Traceback" not in err
            assert process.returncode == -signal.SIGKILL, (
                f"the import ended by itself after {kills} kills: make the input longer"
            )
        code, _, err = await run_cli(*args, env=env)
        uploads = await admin(server.url, "GET", "uploads")

    assert code == 3, err  # some lines are rejected or unreadable, on purpose
    assert "resuming from" in err
    figures = summary(err)
    assert figures["accepted"] == len(kinds["good"])
    assert figures["rejected"] == len(kinds["rejected"])
    assert figures["unreadable lines"] == len(kinds["unreadable"])
    assert figures["blank lines"] == len(kinds["blank"])
    assert figures["undelivered"] == 0
    # Every good line is on the server; the only extra copies are counted as possibly duplicated.
    stored = stored_lines(uploads)
    assert set(stored) == kinds["good"]
    duplicates = sum(copies - 1 for copies in stored.values())
    assert duplicates <= figures["possibly duplicated"]
    # What is counted is what was in flight at each kill, or answered just before it.
    assert figures["possibly duplicated"] <= kills * (IN_FLIGHT_LINES + 4 * BATCH + 400)
    # Each refused line has exactly one entry in the rejects file.
    entries = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert sorted(entry["line"] for entry in entries) == sorted(
        kinds["rejected"] | kinds["unreadable"]
    )
    assert {entry["status"] for entry in entries} == {"rejected", "unreadable"}


async def test_sigterm_finishes_the_summary_rejects_and_journal_then_resumes(
    tmp_path: Path,
) -> None:
    kinds, args = journaled_import(tmp_path, 4000)
    journal, rejects = tmp_path / "journal", tmp_path / "rejects.jsonl"
    async with fake_server_process() as server:
        env = process_env(server.url)
        await admin(server.url, "POST", "faults", {"kind": "latency", "seconds": 0.2})
        process = await start_import(args, env)
        await until(lambda: journal_state(journal)[1] > 500, process)
        process.send_signal(signal.SIGTERM)
        _, raw = await process.communicate()
        err = raw.decode()
        assert process.returncode == 143, err
        assert "Traceback" not in err
        assert "import events from" in err and "(interrupted)" in err
        assert err.rstrip().endswith("clevertap-async: stopped by SIGTERM")
        assert "to resume: run the same command again" in err
        not_read = re.search(r"not read: lines ([\d,]+)-4,000", err)
        assert not_read, err
        figures = summary(err)
        assert figures["in flight at the stop"] > 0
        # Lines without an answer are in the rejects file: sent ones may be applied, the rest not.
        entries = [json.loads(line) for line in rejects.read_text().splitlines()]
        stopped = [e for e in entries if e["status"] in ("undelivered", "not sent")]
        assert len(stopped) == figures["in flight at the stop"] + figures["not sent"]
        assert all(e["maybe_applied"] for e in stopped if e["status"] == "undelivered")
        assert all("maybe_applied" not in e for e in stopped if e["status"] == "not sent")
        # Every line is accounted for once: answered, stopped, or not read.
        first_not_read = int(not_read.group(1).replace(",", ""))
        answered = sum(
            figures[label]
            for label in ("accepted", "rejected", "undelivered", "unreadable lines", "blank lines")
        )
        assert answered + len(stopped) + (4000 - first_not_read + 1) == 4000

        code, _, err = await run_cli(*args, "--quiet", env=env)
        uploads = await admin(server.url, "GET", "uploads")
    assert code == 3, err
    assert f"{figures['in flight at the stop']:,} in flight at the stop will be sent again" in err
    figures = summary(err)
    assert figures["accepted"] == len(kinds["good"])
    stored = stored_lines(uploads)
    assert set(stored) == kinds["good"]
    assert sum(copies - 1 for copies in stored.values()) <= figures["possibly duplicated"]
    entries = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert {entry["status"] for entry in entries} == {"rejected", "unreadable"}


@pytest.mark.parametrize("change", ["append", "other options"])
async def test_a_journal_for_another_input_is_refused(
    fake: FakeCleverTap, tmp_path: Path, change: str
) -> None:
    source, journal = tmp_path / "in.jsonl", tmp_path / "journal"
    write_input(source, 90)
    args = ["import", "events", str(source), "--checkpoint", str(journal)]
    code, _, err = await run_cli(*args, env=fake_env(fake))
    assert code == 0, err
    if change == "append":
        with source.open("a") as handle:
            handle.write('{"identity": "u", "evtName": "Charged", "evtData": {"n": 0}}\n')
    else:
        args += ["--dry-run"]
    code, _, err = await run_cli(*args, env=fake_env(fake))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    different = "head_sha256, size, tail_sha256" if change == "append" else "dry_run"
    assert f"was written for another input or options (different {different})" in err
    assert len(fake.requests) == 1  # the first run's one batch: nothing sent by the refused run


async def test_sigterm_of_an_import_from_stdin_says_what_to_import_next(
    fake: FakeCleverTap, tmp_path: Path
) -> None:
    source, rejects = tmp_path / "in.jsonl", tmp_path / "rejects.jsonl"
    write_input(source, 3000)
    fake.faults.inject("latency", seconds=0.3, path="/1/upload")
    with source.open("rb") as stdin:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *["-m", "clevertap_async.cli", "import", "events", "-", "--batch-size", str(BATCH)],
            *["--rejects", str(rejects)],
            stdin=stdin,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, **fake_env(fake)},
        )
    await until(lambda: len(fake.requests_to("/1/upload")) > 20, process)
    process.send_signal(signal.SIGTERM)
    _, raw = await process.communicate()
    err = raw.decode()
    assert process.returncode == 143, err
    figures = summary(err)
    assert re.search(r"not read: lines [\d,]+ onward", err), err
    assert (
        f"to resume: import {rejects} (the lines without an answer are in it); import lines" in err
    )
    assert "(the rest of standard input)" in err
    entries = [json.loads(line) for line in rejects.read_text().splitlines()]
    stopped = [e for e in entries if e["status"] in ("undelivered", "not sent")]
    assert len(stopped) == figures["in flight at the stop"] + figures["not sent"] > 0
