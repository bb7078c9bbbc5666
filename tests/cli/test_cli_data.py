"""export, import and count, driven as subprocesses against a fake server started by the test."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from clevertap_async.testing import FakeCleverTap, fake_server_process
from tests.cli.test_cli import fake_env, process_env, run_cli

RECORDS = 3000
RANGE = ["--from", "2026-01-01", "--to", "2026-01-10"]


@pytest.fixture
async def seeded(fake: FakeCleverTap) -> FakeCleverTap:
    fake.seed_events(
        "Charged", count=RECORDS, start=20260101, end=20260110, properties={"seq": lambda r, i: i}
    )
    return fake


def export_args(output: Path, checkpoint: Path, *extra: str) -> list[str]:
    return [
        "export",
        "events",
        "--event",
        "Charged",
        *RANGE,
        "-o",
        str(output),
        "--checkpoint",
        str(checkpoint),
        "--batch-size",
        "100",
        "--parallel",
        "3",
        *extra,
    ]


def sequence_numbers(output: Path) -> list[int]:
    return sorted(
        json.loads(line)["event_props"]["seq"] for line in output.read_text().splitlines()
    )


def written(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


async def interrupted_export(
    fake: FakeCleverTap, args: list[str], output: Path, checkpoint: Path, how: signal.Signals
) -> int:
    """Start an export, let it write some pages, then stop it with ``how``."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clevertap_async.cli",
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **fake_env(fake)},
    )
    partial = output.with_name(output.name + ".partial")
    for _ in range(400):
        await asyncio.sleep(0.025)
        # Stop it mid-way, once at least one page is checkpointed, so resuming is what gets tested.
        if written(partial) > 20_000 and written(checkpoint) > 0:
            break
    process.send_signal(how)
    _, err = await process.communicate()
    assert b"Traceback" not in err
    assert process.returncode is not None
    return process.returncode


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
async def test_an_interrupted_export_resumes_without_loss_or_duplicates(
    seeded: FakeCleverTap, tmp_path: Path, how: signal.Signals
) -> None:
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "export.checkpoint"
    seeded.faults.inject("latency", seconds=0.02, path="/1/events.json")
    code = await interrupted_export(
        seeded, export_args(output, checkpoint), output, checkpoint, how
    )
    assert code == (-signal.SIGKILL if how is signal.SIGKILL else 130)
    partial = len(output.with_name(output.name + ".partial").read_text().splitlines())
    assert 0 < partial < RECORDS
    assert checkpoint.exists()
    assert not output.exists()  # the output appears only once complete

    code, _, err = await run_cli(*export_args(output, checkpoint, "--quiet"), env=fake_env(seeded))
    assert code == 0, err
    assert "resumed after" in err
    assert sequence_numbers(output) == list(range(RECORDS))


async def test_csv_export_resumes_under_the_same_header(
    seeded: FakeCleverTap, tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.csv", tmp_path / "export.checkpoint"
    seeded.faults.inject("latency", seconds=0.02, path="/1/events.json")
    args = export_args(output, checkpoint, "--format", "csv")
    await interrupted_export(seeded, args, output, checkpoint, signal.SIGKILL)
    code, _, err = await run_cli(*args, env=fake_env(seeded))
    assert code == 0, err
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(int(row["event_props.seq"]) for row in rows) == list(range(RECORDS))
    assert rows[0]["profile.identity"].startswith("user-")


async def test_a_checkpoint_is_refused_for_other_arguments(
    seeded: FakeCleverTap, tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "export.checkpoint"
    assert (await run_cli(*export_args(output, checkpoint), env=fake_env(seeded)))[0] == 0
    args = export_args(output, checkpoint)
    args[args.index("2026-01-10")] = "2026-01-09"
    code, _, err = await run_cli(*args, env=fake_env(seeded))
    assert code == 2
    assert "belongs to an export with different to" in err


async def test_checkpoint_needs_a_file(seeded: FakeCleverTap, tmp_path: Path) -> None:
    args = export_args(Path("-"), tmp_path / "c")
    code, _, err = await run_cli(*args, env=fake_env(seeded))
    assert code == 2
    assert "standard output cannot be rewound" in err


async def test_export_to_stdout_is_json_lines_without_a_progress_bar(
    seeded: FakeCleverTap,
) -> None:
    code, out, err = await run_cli(
        "export", "profiles", "--event", "Charged", *RANGE, env=fake_env(seeded)
    )
    assert code == 0, err
    assert out == ""  # no profiles seeded: an empty export is a success
    code, out, err = await run_cli(
        "export", "events", "--event", "Charged", *RANGE, env=fake_env(seeded)
    )
    assert code == 0
    assert len(out.splitlines()) == RECORDS
    assert "records/s" not in err and "it/s" not in err  # piped: no bar
    assert err.strip() == f"exported {RECORDS:,} events records to standard output"


async def test_export_of_a_bad_range_is_a_usage_error(seeded: FakeCleverTap) -> None:
    code, _, err = await run_cli(
        "export",
        "events",
        "--event",
        "Charged",
        "--from",
        "2026-02-01",
        "--to",
        "2026-01-01",
        env=fake_env(seeded),
    )
    assert code == 2
    assert "is after" in err
    code, _, err = await run_cli(
        "export", "events", "--event", "X", "--from", "1/2/26", "--to", "x"
    )
    assert code == 2
    assert "expected a date as YYYY-MM-DD" in err
    assert seeded.requests == []


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


GOOD_EVENT = '{"identity": "u%d", "evtName": "Charged", "evtData": {"Amount": %d}}'


async def test_import_of_good_records_exits_0(fake: FakeCleverTap, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", [GOOD_EVENT % (i, i) for i in range(2500)])
    code, out, err = await run_cli("import", "events", str(source), env=fake_env(fake))
    assert code == 0, err
    assert len(fake.uploaded_events) == 2500
    assert out == ""  # summaries go to stderr
    assert "accepted                     2,500" in err


async def test_import_with_bad_lines_exits_3_and_writes_rejects(
    fake: FakeCleverTap, tmp_path: Path
) -> None:
    lines = [
        GOOD_EVENT % (1, 1),
        '{"identity": "u2", "evtName": "App Launched", "evtData": {}}',
        "",
        "{not json",
        '{"evtName": "Charged", "evtData": {}}',
        GOOD_EVENT % (3, 3),
        '{"identity": "u4", "evtName": "Charged", "evtData": {"k": "%s"}}' % ("v" * 600),
    ]
    source = write_lines(tmp_path / "in.jsonl", lines)
    rejects = tmp_path / "rejects.jsonl"
    code, _, err = await run_cli(
        "import", "events", str(source), "--rejects", str(rejects), env=fake_env(fake)
    )
    assert code == 3, err
    refused = sorted(
        (json.loads(line) for line in rejects.read_text().splitlines()), key=lambda r: r["line"]
    )
    assert [(r["line"], r["status"], r["code"]) for r in refused] == [
        (2, "rejected", 513),
        (4, "unreadable", None),
        (5, "rejected", 523),
        (7, "rejected", refused[3]["code"]),
    ]
    assert "512" in refused[3]["reason"]
    assert len(fake.uploaded_events) == 2


async def test_import_from_stdin_in_a_dry_run_stores_nothing(fake: FakeCleverTap) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clevertap_async.cli",
        "import",
        "profiles",
        "-",
        "--dry-run",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **fake_env(fake)},
    )
    body = b'{"identity": "p1", "profileData": {"Name": "Jack"}}\n'
    _out, err = await process.communicate(body)
    assert process.returncode == 0, err
    assert b"dry run" in err
    assert fake.uploaded_profiles == {}
    assert "dryRun=1" in fake.requests_to("/1/upload")[0].query


async def test_import_with_bad_credentials_exits_1(fake: FakeCleverTap, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", [GOOD_EVENT % (1, 1)])
    env = {**fake_env(fake), "CLEVERTAP_PASSCODE": "not-the-passcode"}
    code, out, err = await run_cli("import", "events", str(source), env=env)
    assert code == 1
    assert "AuthenticationError" in err and "Traceback" not in err
    assert "not-the-passcode" not in out + err


async def test_import_of_a_missing_file_is_a_usage_error(fake: FakeCleverTap) -> None:
    code, _, err = await run_cli("import", "events", "/nonexistent.jsonl", env=fake_env(fake))
    assert code == 2
    assert "/nonexistent.jsonl" in err and "Traceback" not in err


async def test_count_prints_the_number(fake: FakeCleverTap) -> None:
    fake.daily_counts["Charged"] = 7
    fake.count_partials = 1
    code, out, err = await run_cli(
        "count", "events", "--event", "Charged", *RANGE, env=fake_env(fake)
    )
    assert (code, out.strip()) == (0, "70"), err


async def test_a_seeded_fake_server_process_serves_exports() -> None:
    async with fake_server_process("--seed-events", "700", "--seed-profiles", "40") as server:
        month = ["--from", "2026-01-01", "--to", "2026-01-31"]
        env = process_env(server.url)
        code, out, err = await run_cli("export", "events", "--event", "Charged", *month, env=env)
        assert code == 0, err
        assert len(out.splitlines()) == 700
        code, out, err = await run_cli("export", "profiles", "--event", "Charged", *month, env=env)
        assert code == 0, err
        assert len(out.splitlines()) == 40


async def test_export_resume_is_refused_into_another_file_or_a_shorter_one(
    seeded: FakeCleverTap, tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "export.checkpoint"
    partial = tmp_path / "out.jsonl.partial"
    seeded.faults.inject("latency", seconds=0.02, path="/1/events.json")
    args = export_args(output, checkpoint)
    await interrupted_export(seeded, args, output, checkpoint, signal.SIGKILL)
    seeded.faults.clear()
    requests = len(seeded.requests)

    other = tmp_path / "other.jsonl"
    other.write_text("an unrelated file\n")
    elsewhere = [str(other) if arg == str(output) else arg for arg in args]
    code, _, err = await run_cli(*elsewhere, env=fake_env(seeded))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert f"continues --output {output}, not {other}" in err
    assert other.read_text() == "an unrelated file\n"
    assert not tmp_path.joinpath("other.jsonl.partial").exists()

    vouched = json.loads(checkpoint.read_bytes())["output_offset"]
    with partial.open("r+b") as handle:  # `head -n 100` of the partial file, say
        handle.truncate(vouched // 2)
    code, _, err = await run_cli(*args, env=fake_env(seeded))
    assert code == 2
    assert f"shorter than the {vouched:,} it vouches for" in err
    assert partial.stat().st_size == vouched // 2  # nothing written
    assert len(seeded.requests) == requests  # nothing fetched


async def test_a_failed_export_keeps_the_existing_file(
    seeded: FakeCleverTap, tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    output.write_text("last week's export\n")
    env = {**fake_env(seeded), "CLEVERTAP_PASSCODE": "wrong"}
    code, _, err = await run_cli(
        "export", "events", "--event", "Charged", *RANGE, "-o", str(output), env=env
    )
    assert code == 1, err
    assert output.read_text() == "last week's export\n"
    assert not tmp_path.joinpath("out.jsonl.partial").exists()


async def test_a_finished_checkpointed_export_run_again_fetches_nothing(
    seeded: FakeCleverTap, tmp_path: Path
) -> None:
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "export.checkpoint"
    code, _, err = await run_cli(*export_args(output, checkpoint), env=fake_env(seeded))
    assert code == 0, err
    assert not tmp_path.joinpath("out.jsonl.partial").exists()
    requests, exported = len(seeded.requests), output.read_bytes()
    code, _, err = await run_cli(*export_args(output, checkpoint), env=fake_env(seeded))
    assert code == 0, err
    assert err.startswith(f"export already complete: {output} holds {RECORDS:,} events records")
    assert "nothing new fetched" in err
    assert len(seeded.requests) == requests
    assert output.read_bytes() == exported


async def test_an_export_into_a_closed_pipe_ends_quietly(seeded: FakeCleverTap) -> None:
    command = f"{sys.executable} -m clevertap_async.cli export events --event Charged " + " ".join(
        RANGE
    )
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        f"set -o pipefail; {command} | head -1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **fake_env(seeded)},
    )
    out, err = await process.communicate()
    assert len(out.splitlines()) == 1
    assert err == b""
    assert process.returncode == 141  # what a shell reports for a reader that went away
