"""import and export run in this process (on a thread of their own, as a program embedding the command
line would), against the fake: every summary line, rejects entry and checkpoint message exactly."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from clevertap_async.cli._import import (
    LedgerReport,
    NotRead,
    RejectsFile,
    _how_to_resume,
    print_summary,
)
from clevertap_async.cli._journal import Ledger
from clevertap_async.cli._lines import LineSet
from clevertap_async.cli._main import build_parser, main
from clevertap_async.models.reports import BatchResult
from clevertap_async.testing import DEFAULT_PASSCODE, FakeCleverTap

GOOD = '{"identity": "u%d", "evtName": "Charged", "evtData": {"Amount": %d}}'
RANGE = ["--from", "2026-01-01", "--to", "2026-01-03"]
OPTIONS = ("kind", "dry_run", "batch_size", "rejects")
AUTH = "AuthenticationError: POST /1/upload: HTTP 401: Invalid Credentials"


async def cli(
    fake: FakeCleverTap,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    passcode: str = "",
    retries: str = "0",
) -> tuple[int, str]:
    """Run the command line on a thread against ``fake``; return the exit code and stderr."""
    argv = [
        *args,
        "--base-url",
        fake.url,
        "--account-id",
        fake.account_id,
        "--passcode",
        passcode or DEFAULT_PASSCODE,
        "--max-retries",
        retries,
        "--quiet",
    ]
    capsys.readouterr()
    code = await asyncio.to_thread(main, argv)
    return code, capsys.readouterr().err


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def rows(
    accepted: int = 0,
    rejected: int = 0,
    undelivered: int = 0,
    unreadable: int = 0,
    blank: int = 0,
    duplicated: int = 0,
) -> list[str]:
    counts = [
        ("accepted", accepted),
        ("rejected", rejected),
        ("undelivered", undelivered),
        ("unreadable lines", unreadable),
        ("blank lines", blank),
        ("possibly duplicated", duplicated),
    ]
    return [f"  {label:<22}{value:>12,}" for label, value in counts]


def entries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_every_line_is_accounted_for(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake.restricted_events.add("Forbidden")
    lines = [
        GOOD % (1, 1),
        '{"identity": "u2", "evtName": "Forbidden", "evtData": {}}',
        "",
        "{not json",
        '{"evtName": "Charged", "evtData": {}}',
        GOOD % (3, 3),
    ]
    source = write_lines(tmp_path / "in.jsonl", lines)
    rejects = tmp_path / "rejects.jsonl"
    code, err = await cli(
        fake,
        capsys,
        "import",
        "events",
        str(source),
        "--rejects",
        str(rejects),
        "--batch-size",
        "2",
    )
    assert code == 3
    assert err.splitlines() == [
        f"import events from {source}",
        *rows(accepted=2, rejected=2, unreadable=1, blank=1),
        f"  refused lines written to {rejects}",
    ]
    assert sorted(entries(rejects), key=lambda entry: entry["line"]) == [
        {
            "line": 2,
            "status": "rejected",
            "code": 513,
            "reason": "Event Name is incorrect. ErrorCode: 513 - Trying to raise a restricted "
            "system event. Skipped record number : 2",
            "rejected_by": "server",
            "record": {"identity": "u2", "evtName": "Forbidden", "evtData": {}},
        },
        {
            "line": 4,
            "status": "unreadable",
            "code": None,
            "reason": "not valid JSON: unexpected character, expected a string key: line 1 "
            "column 2 (char 1)",
            "text": "{not json",
        },
        {
            "line": 5,
            "status": "rejected",
            "code": 523,
            "reason": "Missing identity: give one of identity, objectId, FBID, GPID",
            "rejected_by": "client",
            "record": {"evtName": "Charged", "evtData": {}},
        },
    ]
    assert len(fake.requests_to("/1/upload")) == 2
    assert len(fake.uploaded_events) == 2


async def test_a_dry_run_of_profiles_stores_nothing(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "p.jsonl", ['{"identity": "p1", "profileData": {"Name": "J"}}'])
    code, err = await cli(fake, capsys, "import", "profiles", str(source), "--dry-run")
    assert code == 0
    assert err.splitlines() == [
        f"import profiles from {source} (dry run: nothing stored)",
        *rows(accepted=1),
    ]
    assert fake.uploaded_profiles == {}
    [request] = fake.requests_to("/1/upload")
    assert "dryRun=1" in request.query
    assert request.json()["d"][0]["type"] == "profile"


async def test_tokens_go_at_most_a_hundred_to_a_request(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    token = '{"objectId": "o%d", "tokenData": {"id": "t", "type": "fcm"}}'
    source = write_lines(tmp_path / "t.jsonl", [token % n for n in range(150)])
    code, err = await cli(fake, capsys, "import", "tokens", str(source), "--batch-size", "500")
    assert code == 0
    assert err.splitlines() == [f"import tokens from {source}", *rows(accepted=150)]
    assert [len(r.json()["d"]) for r in fake.requests_to("/1/upload")] == [100, 50]
    assert len(fake.uploaded_tokens) == 150


@pytest.mark.parametrize(
    ("text", "says"),
    [("", "is empty: nothing to import"), ("\n  \n", "has only blank lines: nothing to import")],
)
async def test_an_empty_input_says_so(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, says: str
) -> None:
    source = tmp_path / "empty.jsonl"
    source.write_text(text)
    code, err = await cli(fake, capsys, "import", "events", str(source))
    assert code == 0
    assert err.splitlines()[0] == f"clevertap-async: warning: {source} {says}"
    assert fake.requests_to("/1/upload") == []


async def test_a_finished_journal_is_resumed_as_done(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "in.jsonl", [GOOD % (n, n) for n in range(3)] + [""])
    journal = tmp_path / "journal"
    args = ["import", "events", str(source), "--checkpoint", str(journal)]
    code, err = await cli(fake, capsys, *args)
    assert (code, err.splitlines()) == (0, [f"import events from {source}", *rows(3, blank=1)])
    code, err = await cli(fake, capsys, *args)
    assert code == 0
    assert err.splitlines() == [
        f"resuming from {journal}: 4 lines done",
        f"import events from {source} (totals over 2 runs)",
        *rows(3, blank=1),
    ]
    assert len(fake.uploaded_events) == 3


async def test_refused_credentials_leave_every_line_to_do(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "in.jsonl", [GOOD % (n, n) for n in range(3)])
    rejects = tmp_path / "rejects.jsonl"
    code, err = await cli(
        fake, capsys, "import", "events", str(source), "--rejects", str(rejects), passcode="wrong1"
    )
    assert code == 1
    assert err.splitlines() == [
        f"import events from {source}",
        *rows(),
        "  in flight at the stop            0",
        "  not sent                         3",
        f"  refused lines written to {rejects}",
        f"  to resume: import {rejects} (the lines without an answer are in it); with "
        "--checkpoint FILE, resuming is running the command again",
        f"clevertap-async: {AUTH}",
    ]
    assert entries(rejects) == [
        {
            "line": n + 1,
            "status": "not sent",
            "code": None,
            "reason": AUTH,
            "record": {"identity": f"u{n}", "evtName": "Charged", "evtData": {"Amount": n}},
        }
        for n in range(3)
    ]


async def test_refused_credentials_without_a_rejects_file(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "in.jsonl", [GOOD % (n, n) for n in range(5)])
    code, err = await cli(
        fake, capsys, "import", "events", str(source), "--batch-size", "2", passcode="wrong1"
    )
    assert code == 1
    assert err.splitlines()[-3:] == [
        "  not sent                         5",
        "  to resume: the lines without an answer are lost from view (--rejects FILE keeps "
        "them); with --checkpoint FILE, resuming is running the command again",
        f"clevertap-async: {AUTH}",
    ]


async def test_undelivered_lines_say_why(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake.faults.inject("status", status=500, path="/1/upload")
    source = write_lines(tmp_path / "in.jsonl", [GOOD % (n, n) for n in range(2)])
    rejects = tmp_path / "rejects.jsonl"
    code, err = await cli(fake, capsys, "import", "events", str(source), "--rejects", str(rejects))
    assert code == 3
    assert err.splitlines() == [
        f"import events from {source}",
        *rows(undelivered=2),
        f"  refused lines written to {rejects}",
    ]
    assert entries(rejects) == [
        {
            "line": n + 1,
            "status": "undelivered",
            "code": None,
            "reason": "ServerError: POST /1/upload: HTTP 500: Internal server error",
            "maybe_applied": True,
            "record": {"identity": f"u{n}", "evtName": "Charged", "evtData": {"Amount": n}},
        }
        for n in range(2)
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["-", "--checkpoint", "j"],
            "clevertap-async: error: --checkpoint needs a FILE: standard input cannot be read again",
        ),
    ],
)
async def test_file_arguments_that_cannot_work_together(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, err = await cli(fake, capsys, "import", "events", *extra)
    assert (code, err.strip()) == (2, message)


async def test_the_rejects_file_may_not_be_the_input(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "in.jsonl", [GOOD % (1, 1)])
    code, err = await cli(fake, capsys, "import", "events", str(source), "--rejects", str(source))
    assert code == 2
    assert err.strip() == (
        f"clevertap-async: error: --rejects {source} is the input file: give the refused lines "
        "another file"
    )
    assert source.read_text() == GOOD % (1, 1) + "\n"


def namespace(**options: Any) -> argparse.Namespace:
    base = {
        "kind": "events",
        "file": "in.jsonl",
        "dry_run": False,
        "checkpoint": None,
        "rejects": None,
    }
    return argparse.Namespace(**{**base, **options})


def stopped_report(*statuses: str) -> LedgerReport:
    return LedgerReport(stopped=[{"line": n, "status": s} for n, s in enumerate(statuses, 1)])


@pytest.mark.parametrize(
    ("options", "statuses", "not_read", "advice"),
    [
        (
            {"checkpoint": Path("j")},
            ("not sent",),
            NotRead(LineSet(), None),
            "run the same command again",
        ),
        (
            {"rejects": "r.jsonl"},
            ("not sent",),
            NotRead(LineSet([(120_001, 200_000)]), None),
            "import r.jsonl (the lines without an answer are in it); import lines "
            "120,001-200,000 (tail -n +120001 in.jsonl)",
        ),
        (
            {"file": "-"},
            (),
            NotRead(LineSet(), 7),
            "import lines 7 onward (the rest of standard input)",
        ),
        (
            {},
            ("undelivered",),
            NotRead(LineSet(), None),
            "the lines without an answer are lost from view (--rejects FILE keeps them)",
        ),
    ],
)
def test_how_to_resume(
    options: dict[str, Any], statuses: tuple[str, ...], not_read: NotRead, advice: str
) -> None:
    args = namespace(**options)
    expected = (
        advice
        if options.get("checkpoint")
        else (advice + "; with --checkpoint FILE, resuming is running the command again")
    )
    assert _how_to_resume(args, stopped_report(*statuses), not_read) == expected


def test_lines_not_read() -> None:
    assert not NotRead(LineSet(), None)
    assert NotRead(LineSet(), 1)
    assert NotRead(LineSet([(3, 3)]), None)
    assert NotRead(LineSet([(3, 3), (5, 9)]), None).describe() == "lines 3, 5-9"
    assert NotRead(LineSet(), 1_000).describe() == "lines 1,000 onward"


@pytest.mark.parametrize(
    ("stopped_by", "runs", "state"),
    [
        (KeyboardInterrupt(), 2, " (interrupted)"),
        (asyncio.CancelledError(), 1, " (interrupted)"),
        (RuntimeError("x"), 3, " (totals over 3 runs)"),
        (None, 2, " (totals over 2 runs)"),
        (None, 1, ""),
    ],
)
def test_the_summary_heading(
    capsys: pytest.CaptureFixture[str], stopped_by: BaseException | None, runs: int, state: str
) -> None:
    ledger = Ledger.open(None, {}, 10)
    ledger.runs = runs
    ledger.counts["accepted"] = 1234
    report = stopped_report("undelivered", "not sent", "not sent")
    print_summary(namespace(file="-"), ledger, report, NotRead(LineSet([(4, 4)]), None), stopped_by)
    assert capsys.readouterr().err.splitlines() == [
        f"import events from standard input{state}",
        *rows(accepted=1234),
        "  in flight at the stop            1",
        "  not sent                         2",
        "  not read: lines 4",
        "  to resume: the lines without an answer are lost from view (--rejects FILE keeps "
        "them); import lines 4 (the rest of standard input); with --checkpoint FILE, resuming "
        "is running the command again",
    ]


@pytest.fixture
def seeded(fake: FakeCleverTap) -> FakeCleverTap:
    fake.seed_events(
        "Charged", count=250, start=20260101, end=20260103, properties={"seq": lambda r, i: i}
    )
    return fake


def export_args(output: Path, *extra: str) -> list[str]:
    return ["export", "events", "--event", "Charged", *RANGE, "-o", str(output), *extra]


def sequence(output: Path) -> list[int]:
    return sorted(
        json.loads(line)["event_props"]["seq"] for line in output.read_text().splitlines()
    )


async def test_an_export_writes_the_file_whole(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    code, err = await cli(seeded, capsys, *export_args(output, "--batch-size", "100"))
    assert (code, err) == (0, f"exported 250 events records to {output}\n")
    assert sequence(output) == list(range(250))
    assert not (tmp_path / "out.jsonl.partial").exists()


async def test_a_checkpointed_export_run_again_fetches_nothing(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.csv", tmp_path / "ck"
    args = export_args(
        output, "--format", "csv", "--checkpoint", str(checkpoint), "--parallel", "2"
    )
    code, err = await cli(seeded, capsys, *args)
    assert (code, err) == (0, f"exported 250 events records to {output}\n")
    saved = json.loads(checkpoint.read_text())
    assert (saved["records"], saved["complete"], saved["output"]) == (250, True, str(output))
    assert saved["output_offset"] == output.stat().st_size
    requests = len(seeded.requests)
    code, err = await cli(seeded, capsys, *args)
    done = (
        f"export already complete: {output} holds 250 events records; nothing new fetched "
        f"(delete {checkpoint} to export again)\n"
    )
    assert (code, err) == (0, done)
    # A crash between the last checkpoint and the rename: the run finishes the rename.
    output.rename(tmp_path / "out.csv.partial")
    code, err = await cli(seeded, capsys, *args)
    assert (code, err) == (0, done)
    assert output.exists() and not (tmp_path / "out.csv.partial").exists()
    assert len(seeded.requests) == requests
    assert len(output.read_text().splitlines()) == 251  # the header, then a row per record


async def test_an_export_stopped_by_an_error_resumes_from_its_checkpoint(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "ck"
    args = export_args(output, "--checkpoint", str(checkpoint), "--batch-size", "50")
    seeded.faults.inject(
        "status", status=500, method="GET", path="/1/events.json", every=3, times=1
    )
    code, err = await cli(seeded, capsys, *args)
    assert code == 1
    assert err.startswith("clevertap-async: ServerError: GET /1/events.json: HTTP 500")
    partial = tmp_path / "out.jsonl.partial"
    saved = json.loads(checkpoint.read_text())
    assert (saved["records"], saved["complete"]) == (100, False)
    assert partial.stat().st_size == saved["output_offset"]
    code, err = await cli(seeded, capsys, *args)
    assert (code, err) == (0, f"exported 250 events records to {output} (resumed after 100)\n")
    assert sequence(output) == list(range(250))


async def test_a_failed_export_without_checkpoint_leaves_no_partial_file(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    output.write_text("older\n")
    seeded.faults.inject("status", status=500, method="GET", path="/1/events.json")
    code, _ = await cli(seeded, capsys, *export_args(output))
    assert code == 1
    assert output.read_text() == "older\n"
    assert not (tmp_path / "out.jsonl.partial").exists()


async def test_a_profiles_export(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    seeded.seed_profiles(count=5, start=20260101, end=20260103, event_names=["Charged"])
    output = tmp_path / "profiles.jsonl"
    # --parallel is for events: a profiles export leaves it aside.
    args = [
        "export",
        "profiles",
        "--event",
        "Charged",
        *RANGE,
        "-o",
        str(output),
        "--parallel",
        "3",
    ]
    code, err = await cli(seeded, capsys, *args)
    assert code == 0
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert err == f"exported {len(records)} profiles records to {output}\n"
    assert records and all("event_props" not in record for record in records)
    assert all(str(record.get("identity", "")).startswith("user-") for record in records)


async def test_export_refusals(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "ck"
    code, err = await cli(seeded, capsys, *export_args(Path("-"), "--checkpoint", str(checkpoint)))
    assert (code, err) == (
        2,
        "clevertap-async: error: --checkpoint needs --output FILE: standard output cannot be "
        "rewound\n",
    )
    assert (await cli(seeded, capsys, *export_args(output, "--checkpoint", str(checkpoint))))[
        0
    ] == 0
    other = ["--checkpoint", str(checkpoint), "--batch-size", "7"]
    code, err = await cli(seeded, capsys, *export_args(output, *other))
    assert (code, err) == (
        2,
        f"clevertap-async: error: --checkpoint {checkpoint} belongs to an export with different "
        "batch_size; use the same arguments to resume, or another checkpoint file\n",
    )
    elsewhere = tmp_path / "elsewhere.jsonl"
    code, err = await cli(seeded, capsys, *export_args(elsewhere, "--checkpoint", str(checkpoint)))
    assert (code, err) == (
        2,
        f"clevertap-async: error: --checkpoint {checkpoint} continues --output {output}, not "
        f"{elsewhere}; give that output, or another checkpoint file to start over\n",
    )
    checkpoint.write_text("{}")
    code, err = await cli(seeded, capsys, *export_args(output, "--checkpoint", str(checkpoint)))
    assert (code, err) == (
        2,
        f"clevertap-async: error: --checkpoint {checkpoint}: not a readable checkpoint "
        "('fingerprint')\n",
    )


async def test_a_resumed_import_checks_its_rejects_file(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = [GOOD % (1, 1), '{"evtName": "Charged", "evtData": {}}', "{not json"]
    source = write_lines(tmp_path / "in.jsonl", lines)
    rejects, journal = tmp_path / "rejects.jsonl", tmp_path / "journal"
    args = [
        "import",
        "events",
        str(source),
        "--rejects",
        str(rejects),
        "--checkpoint",
        str(journal),
    ]
    code, _ = await cli(fake, capsys, *args)
    assert code == 3
    kept = rejects.read_bytes()
    size = len(kept)
    code, err = await cli(fake, capsys, *args)  # resumed: the rejects file is kept as it is
    assert code == 3
    assert err.splitlines()[:2] == [
        f"resuming from {journal}: 3 lines done",
        f"import events from {source} (totals over 2 runs)",
    ]
    assert rejects.read_bytes() == kept
    rejects.write_bytes(kept[:10])
    code, err = await cli(fake, capsys, *args)
    gone = (
        f"clevertap-async: error: --rejects {rejects} is {{}} bytes, shorter than the {size:,} "
        "the journal vouches for (edited or replaced?); restore it, or give another "
        "--checkpoint file to start over\n"
    )
    assert (code, err.splitlines()[-1] + "\n") == (2, gone.format(10))
    rejects.unlink()
    code, err = await cli(fake, capsys, *args)
    assert (code, err.splitlines()[-1] + "\n") == (2, gone.format(0))


async def interrupted_import(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], *args: str
) -> str:
    """Run an import in this loop, cancel it while its first request waits; return its stderr."""
    fake.faults.inject("latency", seconds=1.5, path="/1/upload", times=1)
    argv = [*args, "--base-url", fake.url, "--account-id", fake.account_id, "--quiet"]
    parsed = build_parser().parse_args([*argv, "--passcode", DEFAULT_PASSCODE])
    capsys.readouterr()
    task = asyncio.create_task(parsed.run(parsed))
    for _ in range(1000):
        if fake.requests_to("/1/upload"):
            break
        await asyncio.sleep(0.005)
    # Let the client settle: every batch the cap lets start has started, the next one waits.
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return capsys.readouterr().err


def stopped_entries() -> list[dict[str, Any]]:
    """The rejects entries of an import of GOOD lines cut while its first batch of one waited: that
    batch is in flight (the adaptive cap starts at 1); the 14 other batches the upload cap lets
    start wait for a slot and the next one is sealed: none of those 15 was sent."""
    record = {"evtName": "Charged"}
    in_flight = {
        "line": 1,
        "status": "undelivered",
        "code": None,
        "reason": "stopped before an answer",
        "maybe_applied": True,
        "record": {"identity": "u0", **record, "evtData": {"Amount": 0}},
    }
    not_sent = [
        {
            "line": n + 1,
            "status": "not sent",
            "code": None,
            "reason": "stopped before it was sent",
            "record": {"identity": f"u{n}", **record, "evtData": {"Amount": n}},
        }
        for n in range(1, 16)
    ]
    return [in_flight, *not_sent]


async def test_an_interrupted_import_says_what_is_left(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "in.jsonl", [GOOD % (n, n) for n in range(1000)])
    rejects = tmp_path / "rejects.jsonl"
    args = ["import", "events", str(source), "--rejects", str(rejects), "--batch-size", "1"]
    err = await interrupted_import(fake, capsys, *args)
    assert err.splitlines() == [
        f"import events from {source} (interrupted)",
        *rows(),
        "  in flight at the stop            1",
        "  not sent                        15",
        "  not read: lines 17-1,000",
        f"  refused lines written to {rejects}",
        f"  to resume: import {rejects} (the lines without an answer are in it); import lines "
        f"17-1,000 (tail -n +17 {source}); with --checkpoint FILE, resuming is running the "
        "command again",
    ]
    assert entries(rejects) == stopped_entries()


async def test_an_interrupted_import_resumes_from_its_journal(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "in.jsonl", [GOOD % (n, n) for n in range(1000)])
    rejects, journal = tmp_path / "rejects.jsonl", tmp_path / "journal"
    args = ["import", "events", str(source), "--rejects", str(rejects), "--batch-size", "1"]
    args += ["--checkpoint", str(journal)]
    err = await interrupted_import(fake, capsys, *args)
    assert err.splitlines()[-4:] == [
        "  not sent                        15",
        "  not read: lines 17-1,000",
        f"  refused lines written to {rejects}",
        "  to resume: run the same command again",
    ]
    assert entries(rejects) == stopped_entries()
    code, err = await cli(fake, capsys, *args)
    assert code == 0
    assert err.splitlines() == [
        f"resuming from {journal}: 0 lines done, 1 in flight at the stop will be sent again and "
        "are counted as possibly duplicated",
        f"import events from {source} (totals over 2 runs)",
        *rows(accepted=1000, duplicated=1),
    ]
    assert rejects.read_bytes() == b""  # the entries of the lines sent again are dropped
    assert journal.exists()


def stdin_of(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


async def test_an_empty_standard_input_says_so(
    fake: FakeCleverTap,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    stdin_of(monkeypatch, b"")
    monkeypatch.chdir(tmp_path)
    # A rejects file named "-" is a file like any other: only the input "-" is standard input.
    code, err = await cli(fake, capsys, "import", "events", "-", "--rejects", "-")
    assert code == 0
    assert err.splitlines()[0] == (
        "clevertap-async: warning: standard input is empty: nothing to import"
    )
    assert (tmp_path / "-").read_bytes() == b""


async def test_an_import_from_standard_input(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin_of(monkeypatch, b'{"identity": "p1", "profileData": {"Name": "J"}}\n')
    code, err = await cli(fake, capsys, "import", "profiles", "-", "--dry-run")
    assert (code, err.splitlines()) == (
        0,
        ["import profiles from standard input (dry run: nothing stored)", *rows(accepted=1)],
    )
    assert not sys.stdin.buffer.closed  # standard input is the program's, not the command's


async def test_an_interrupted_import_from_standard_input(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin_of(monkeypatch, "".join(GOOD % (n, n) + "\n" for n in range(1000)).encode())
    err = await interrupted_import(fake, capsys, "import", "events", "-", "--batch-size", "1")
    assert err.splitlines()[-3:] == [
        "  not sent                        15",
        "  not read: lines 17 onward",
        "  to resume: the lines without an answer are lost from view (--rejects FILE keeps "
        "them); import lines 17 onward (the rest of standard input); with --checkpoint FILE, "
        "resuming is running the command again",
    ]


async def test_a_journal_resumed_after_refused_credentials(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = ['{"evtName": "Charged", "evtData": {}}', GOOD % (2, 2), GOOD % (3, 3)]
    source = write_lines(tmp_path / "in.jsonl", lines)
    journal = tmp_path / "journal"
    args = ["import", "events", str(source), "--checkpoint", str(journal)]
    code, _ = await cli(fake, capsys, *args, passcode="wrong1")
    assert code == 1
    saved = json.loads(journal.read_text())
    assert {k: v for k, v in saved["fingerprint"].items() if k in OPTIONS} == {
        "kind": "events",
        "dry_run": False,
        "batch_size": None,
        "rejects": None,
    }
    code, err = await cli(fake, capsys, *args)
    assert code == 3
    assert err.splitlines() == [
        f"resuming from {journal}: 1 lines done",
        f"import events from {source} (totals over 2 runs)",
        *rows(accepted=2, rejected=1),
    ]
    assert len(fake.uploaded_events) == 2


async def test_a_journal_is_refused_for_another_rejects_file(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "in.jsonl", [GOOD % (1, 1)])
    journal = tmp_path / "journal"
    args = ["import", "events", str(source), "--checkpoint", str(journal)]
    assert (await cli(fake, capsys, *args, "--rejects", str(tmp_path / "r1")))[0] == 0
    code, err = await cli(fake, capsys, *args, "--rejects", str(tmp_path / "r2"))
    assert code == 2
    assert "rejects" in err


async def test_a_missing_rejects_file_with_nothing_in_it_is_made_again(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "in.jsonl", [GOOD % (1, 1)])
    rejects, journal = tmp_path / "rejects.jsonl", tmp_path / "journal"
    args = [
        "import",
        "events",
        str(source),
        "--rejects",
        str(rejects),
        "--checkpoint",
        str(journal),
    ]
    assert (await cli(fake, capsys, *args))[0] == 0
    rejects.unlink()
    assert (await cli(fake, capsys, *args))[0] == 0
    assert rejects.read_bytes() == b""


async def test_only_unreadable_lines_still_name_the_rejects_file(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    long_line = '{"a": "' + "x" * 2000
    source = write_lines(tmp_path / "in.jsonl", [long_line])
    rejects = tmp_path / "rejects.jsonl"
    code, err = await cli(fake, capsys, "import", "events", str(source), "--rejects", str(rejects))
    assert code == 3
    assert err.splitlines() == [
        f"import events from {source}",
        *rows(unreadable=1),
        f"  refused lines written to {rejects}",
    ]
    [entry] = entries(rejects)
    assert (entry["line"], entry["status"], entry["text_truncated"]) == (1, "unreadable", True)
    assert len(entry["text"].encode()) == 1024


async def test_answers_lost_and_sent_again_are_possibly_duplicated(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake.faults.inject("lost_response", path="/1/upload", times=1)
    source = write_lines(tmp_path / "in.jsonl", [GOOD % (n, n) for n in range(3)])
    code, err = await cli(
        fake, capsys, "import", "events", str(source), "--batch-size", "1", retries="1"
    )
    assert (code, err.splitlines()) == (
        0,
        [f"import events from {source}", *rows(accepted=3, duplicated=1)],
    )


async def test_an_export_to_standard_output(
    seeded: FakeCleverTap, capfd: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "events", "--event", "Charged", *RANGE, "--base-url", seeded.url]
    argv += ["--account-id", seeded.account_id, "--passcode", DEFAULT_PASSCODE, "--quiet"]
    capfd.readouterr()
    code = await asyncio.to_thread(main, argv)
    out, err = capfd.readouterr()
    assert (code, err) == (0, "exported 250 events records to standard output\n")
    assert sorted(json.loads(line)["event_props"]["seq"] for line in out.splitlines()) == list(
        range(250)
    )


async def test_an_export_sends_its_where_and_parallel_cursors(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    where = {"event_properties": [{"name": "seq", "operator": "greater_than", "value": -1}]}
    output = tmp_path / "out.jsonl"
    args = export_args(output, "--where", json.dumps(where), "--parallel", "3")
    assert (await cli(seeded, capsys, *args))[0] == 0
    creations = [r.json() for r in seeded.requests_to("/1/events.json", "POST")]
    assert len(creations) == 3  # one cursor a day
    assert all(body["event_properties"] == where["event_properties"] for body in creations)
    code, err = await cli(seeded, capsys, *export_args(output, "--where", "{nope"))
    assert code == 2
    assert err.startswith("clevertap-async: error: --where is not valid JSON: ")


async def test_a_csv_export_resumes_under_one_header(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.csv", tmp_path / "ck"
    args = export_args(output, "--format", "csv", "--checkpoint", str(checkpoint))
    args += ["--batch-size", "50"]
    seeded.faults.inject(
        "status", status=500, method="GET", path="/1/events.json", every=3, times=1
    )
    assert (await cli(seeded, capsys, *args))[0] == 1
    code, err = await cli(seeded, capsys, *args)
    assert (code, err) == (0, f"exported 250 events records to {output} (resumed after 100)\n")
    rows_read = list(csv.reader(output.read_text().splitlines()))
    assert len(rows_read) == 251
    header = rows_read[0]
    assert rows_read.count(header) == 1
    seq = header.index("event_props.seq")
    assert sorted(int(row[seq]) for row in rows_read[1:]) == list(range(250))


async def test_an_export_resumed_after_bytes_past_its_checkpoint(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Records of about 1 KB: the checkpoint's offset is past the 64 KiB its hash covers.
    seeded.seed_events(
        "Big",
        count=250,
        start=20260101,
        end=20260103,
        properties={"seq": lambda r, i: i, "pad": lambda r, i: "p" * 1000},
    )
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "ck"
    args = export_args(output, "--checkpoint", str(checkpoint), "--batch-size", "50")
    args[args.index("Charged")] = "Big"
    seeded.faults.inject(
        "status", status=500, method="GET", path="/1/events.json", every=3, times=1
    )
    assert (await cli(seeded, capsys, *args))[0] == 1
    partial = tmp_path / "out.jsonl.partial"
    with partial.open("ab") as handle:  # a page written after the last checkpoint
        handle.write(b'{"half": "a line"}\n')
    code, err = await cli(seeded, capsys, *args)
    assert (code, err) == (0, f"exported 250 events records to {output} (resumed after 100)\n")
    assert sequence(output) == list(range(250))


async def test_an_export_resumed_into_changed_bytes_is_refused(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "ck"
    args = export_args(output, "--checkpoint", str(checkpoint), "--batch-size", "50")
    seeded.faults.inject(
        "status", status=500, method="GET", path="/1/events.json", every=3, times=1
    )
    assert (await cli(seeded, capsys, *args))[0] == 1
    partial = tmp_path / "out.jsonl.partial"
    offset = partial.stat().st_size
    partial.write_bytes(b"X" + partial.read_bytes()[1:])
    code, err = await cli(seeded, capsys, *args)
    assert (code, err) == (
        2,
        f"clevertap-async: error: --checkpoint {checkpoint} continues {partial}, whose bytes "
        f"before offset {offset:,} changed since (edited or replaced?); delete the checkpoint "
        "to start over\n",
    )


async def test_a_finished_export_whose_output_is_cut_or_gone(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "ck"
    args = export_args(output, "--checkpoint", str(checkpoint))
    assert (await cli(seeded, capsys, *args))[0] == 0
    size = output.stat().st_size
    output.write_bytes(output.read_bytes()[:10])
    code, err = await cli(seeded, capsys, *args)
    assert (code, err) == (
        2,
        f"clevertap-async: error: --checkpoint {checkpoint} continues {output}, which is 10 "
        f"bytes, shorter than the {size:,} it vouches for (edited or replaced?); delete the "
        "checkpoint to start over\n",
    )
    output.unlink()
    code, err = await cli(seeded, capsys, *args)
    assert (code, err) == (
        2,
        f"clevertap-async: error: --checkpoint {checkpoint} continues {output}, which is gone; "
        "delete the checkpoint to start over\n",
    )
    partial = tmp_path / "out.jsonl.partial"  # a crash before the rename, then the file was cut
    partial.write_bytes(b"{}")
    code, err = await cli(seeded, capsys, *args)
    assert (code, err) == (
        2,
        f"clevertap-async: error: --checkpoint {checkpoint} continues {partial}, which is 2 "
        f"bytes, shorter than the {size:,} it vouches for (edited or replaced?); delete the "
        "checkpoint to start over\n",
    )


async def test_a_checkpoint_without_its_complete_flag_is_not_complete(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "ck"
    args = export_args(output, "--checkpoint", str(checkpoint))
    assert (await cli(seeded, capsys, *args))[0] == 0
    saved = json.loads(checkpoint.read_text())
    assert saved["fingerprint"] == {
        "kind": "events",
        "event": "Charged",
        "from": "2026-01-01",
        "to": "2026-01-03",
        "format": "jsonl",
        "parallel": 1,
        "batch_size": 5000,
        "where": None,
    }
    del saved["complete"]  # as if the run stopped after its last page, before the last save
    checkpoint.write_text(json.dumps(saved))
    output.rename(tmp_path / "out.jsonl.partial")
    code, err = await cli(seeded, capsys, *args)
    assert (code, err) == (0, f"exported 250 events records to {output} (resumed after 250)\n")
    assert json.loads(checkpoint.read_text())["complete"] is True
    code, err = await cli(seeded, capsys, *args)
    assert (code, err.startswith("export already complete")) == (0, True)


async def test_a_checkpoint_for_other_arguments_names_each_difference(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "ck"
    assert (await cli(seeded, capsys, *export_args(output, "--checkpoint", str(checkpoint))))[
        0
    ] == 0
    other = export_args(output, "--checkpoint", str(checkpoint), "--batch-size", "9")
    code, err = await cli(seeded, capsys, *other, "--format", "csv")
    assert (code, err) == (
        2,
        f"clevertap-async: error: --checkpoint {checkpoint} belongs to an export with different "
        "batch_size, format; use the same arguments to resume, or another checkpoint file\n",
    )


async def test_an_export_into_a_missing_directory(
    seeded: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "nowhere" / "out.jsonl"
    code, err = await cli(seeded, capsys, *export_args(output))
    assert (code, err) == (
        2,
        f"clevertap-async: error: No such file or directory: {output}.partial\n",
    )


def test_in_run_duplicates_are_counted_once_each() -> None:
    class Reader:
        def __init__(self) -> None:
            self.line_at = {0: 1, 1: 2, 2: 3}

    ledger = Ledger.open(None, {}, 10)
    for line in (1, 2, 3):
        ledger.reserve(line)
    rejects = RejectsFile(None, 0, resuming=False, durable=False)
    report = LedgerReport(reader=Reader(), ledger=ledger, rejects=rejects)
    report.add(BatchResult(number=1, sent=1, accepted=1, possibly_duplicated=1, positions=[0]))
    report.add(BatchResult(number=2, sent=1, accepted=1, positions=[1]))
    report.add(BatchResult(number=3, sent=1, accepted=1, possibly_duplicated=1, positions=[2]))
    assert (ledger.counts["accepted"], ledger.counts["possibly_duplicated"]) == (3, 2)


async def test_a_run_that_cannot_start_says_which_lines_it_did_not_read(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = ['{"evtName": "Charged", "evtData": {}}', GOOD % (2, 2), GOOD % (3, 3)]
    source = write_lines(tmp_path / "in.jsonl", lines)
    journal = tmp_path / "journal"
    args = ["import", "events", str(source), "--checkpoint", str(journal)]
    no_passcode = [*args, "--base-url", fake.url, "--account-id", fake.account_id, "--quiet"]
    missing = (
        "clevertap-async: error: no CleverTap passcode: give --passcode or set CLEVERTAP_PASSCODE"
    )
    capsys.readouterr()
    assert await asyncio.to_thread(main, no_passcode) == 2
    # Line 1, read at open to check the input, counts as not read too.
    assert capsys.readouterr().err.splitlines()[-3:] == [
        "  not read: lines 1-3",
        "  to resume: run the same command again",
        missing,
    ]
    # After a run that settled line 1 (refused by the client's checks), it is not "not read".
    assert (await cli(fake, capsys, *args, passcode="wrong1"))[0] == 1
    assert await asyncio.to_thread(main, no_passcode) == 2
    assert capsys.readouterr().err.splitlines()[-3:] == [
        "  not read: lines 2-3",
        "  to resume: run the same command again",
        missing,
    ]


@pytest.mark.parametrize("journal", [True, False])
async def test_the_rejects_file_is_fsynced_only_with_a_journal(
    fake: FakeCleverTap,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    journal: bool,
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    source = write_lines(tmp_path / "in.jsonl", ['{"evtName": "Charged", "evtData": {}}'])
    rejects = tmp_path / "rejects.jsonl"
    args = ["import", "events", str(source), "--rejects", str(rejects)]
    if journal:
        args += ["--checkpoint", str(tmp_path / "journal")]
    assert (await cli(fake, capsys, *args))[0] == 3
    assert (str(rejects) in synced) is journal


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, so the progress bar draws."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("quiet", [False, True])
async def test_the_progress_bars_count_records_on_a_terminal(
    seeded: FakeCleverTap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, quiet: bool
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    connection = ["--base-url", seeded.url, "--account-id", seeded.account_id]
    connection += ["--passcode", DEFAULT_PASSCODE, *(["--quiet"] if quiet else [])]
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "ck"
    seeded.faults.inject(
        "status", status=500, method="GET", path="/1/events.json", every=3, times=1
    )
    export = [*export_args(output, "--checkpoint", str(checkpoint), "--batch-size", "50")]
    export += ["--max-retries", "0", *connection]
    assert await asyncio.to_thread(main, export) == 1
    assert await asyncio.to_thread(main, export) == 0
    source = write_lines(tmp_path / "in.jsonl", [GOOD % (n, n) for n in range(3)])
    journal = tmp_path / "journal"
    batches_of_one = ["import", "events", str(source), "--batch-size", "1", *connection]
    assert await asyncio.to_thread(main, batches_of_one) == 0
    resumable = ["import", "events", str(source), "--checkpoint", str(journal), *connection]
    assert await asyncio.to_thread(main, resumable) == 0
    assert await asyncio.to_thread(main, resumable) == 0
    found = []
    for line in terminal.getvalue().split("\n"):  # a bar redraws itself after each "\r"
        drawn = re.match(r"(export events|import events): ([\d.]+) records", line.split("\r")[-1])
        if "\r" in line and drawn:
            found.append((drawn.group(1), float(drawn.group(2))))
    if quiet:
        assert found == []
    else:
        # The export: 100 records then stopped; resumed from 100 to 250. The imports: 3, then 3
        # again from the start of the journal, then 3 found done at once.
        assert found == [
            ("export events", 100),
            ("export events", 250),
            ("import events", 3),
            ("import events", 3),
            ("import events", 3),
        ]


async def test_a_failed_export_to_standard_output_deletes_no_file(
    seeded: FakeCleverTap,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    bystander = tmp_path / "-.partial"
    bystander.write_text("not the export's\n")
    seeded.faults.inject("status", status=500, method="GET", path="/1/events.json")
    argv = ["export", "events", "--event", "Charged", *RANGE, "--base-url", seeded.url]
    argv += ["--account-id", seeded.account_id, "--passcode", DEFAULT_PASSCODE]
    argv += ["--quiet", "--max-retries", "0"]
    assert await asyncio.to_thread(main, argv) == 1
    assert bystander.read_text() == "not the export's\n"
