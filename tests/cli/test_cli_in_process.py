"""import and export run in this process (on a thread of their own, as a program embedding the command
line would), against the fake: every summary line, rejects entry and checkpoint message exactly."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from clevertap_async.cli._import import LedgerReport, NotRead, _how_to_resume, print_summary
from clevertap_async.cli._journal import Ledger
from clevertap_async.cli._lines import LineSet
from clevertap_async.cli._main import main
from clevertap_async.testing import DEFAULT_PASSCODE, FakeCleverTap

GOOD = '{"identity": "u%d", "evtName": "Charged", "evtData": {"Amount": %d}}'
RANGE = ["--from", "2026-01-01", "--to", "2026-01-03"]
AUTH = "AuthenticationError: POST /1/upload: HTTP 401: Invalid Credentials"


async def cli(
    fake: FakeCleverTap, capsys: pytest.CaptureFixture[str], *args: str, passcode: str = ""
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
        "0",
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
    args = ["export", "profiles", "--event", "Charged", *RANGE, "-o", str(output)]
    code, err = await cli(seeded, capsys, *args)
    assert code == 0
    count = len(output.read_text().splitlines())
    assert err == f"exported {count} profiles records to {output}\n"
    assert count > 0


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
