"""``clevertap-async demo``: the main jobs against the embedded fake server, no credentials needed.

It seeds the fake, exports events and profiles with progress bars through injected faults, imports a
file that holds some bad records, and prints a summary table. The export and import steps run the very
code of ``clevertap-async export`` and ``import``. It ends with the Python that does the same through
the library, and where to read on. Files go to a new temporary directory unless ``--output-dir`` says
otherwise; the demo prints where.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from .. import __version__
from ..testing import DEFAULT_PASSCODE, FakeCleverTap
from . import _export, _import

EVENTS = 50_000
PROFILES = 5_000
START, END = date(2026, 1, 1), date(2026, 1, 31)


#: The library calls that do what the demo's commands did; printed at the end, and run by the tests.
PYTHON_EQUIVALENT = """\
import asyncio

import orjson

from clevertap_async import CleverTap, Event


async def main() -> None:
    # Credentials come from CLEVERTAP_ACCOUNT_ID, CLEVERTAP_PASSCODE and CLEVERTAP_REGION.
    async with CleverTap() as ct:
        # 1. Export events to JSON Lines, three cursors in parallel.
        with open("charged.jsonl", "wb") as out:
            stream = ct.events.stream("Charged", 20260101, 20260131, raw=True, parallel=3)
            async for record in stream:
                out.write(orjson.dumps(record) + b"\\n")

        # 2. Export the profiles that did the event.
        profiles = [p async for p in ct.profiles.stream("Charged", 20260101, 20260131)]
        print(len(profiles), "profiles, the first:", profiles[0].identity)

        # 3. Import events; the report accounts for every record.
        with open("charged.jsonl", "rb") as source:
            exported = [orjson.loads(line) for _, line in zip(range(5000), source)]
        report = await ct.events.upload(
            Event("Charged", e["event_props"], identity=e["profile"]["identity"]) for e in exported
        )
        print(report.accepted, "accepted", len(report.rejected), "rejected")


asyncio.run(main())
"""

NEXT_STEPS = f"""
The same in Python (save as demo.py, set the CLEVERTAP_* variables, run it):

{PYTHON_EQUIVALENT}
Where to go next:
  clevertap-async --help          every command; `clevertap-async fake-server` serves this fake
  docs/getting-started.md         install, connect, first export and upload (`make docs` builds the site)
  examples/                       small complete programs: a service, a nightly export, a CSV import
  clevertap_async.testing         the fake server and pytest fixtures for your own tests
"""


def add_parser(commands: Any) -> None:
    """Register the subcommand."""
    parser = commands.add_parser(
        "demo",
        help="run a demo against the embedded fake server (no credentials needed)",
        description="Start the fake CleverTap server in-process, export and import through it.",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="where the files go (default: a new temporary directory, printed at the start)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)


async def run(args: argparse.Namespace) -> int:
    """Run the demo steps and print what each did."""
    print(f"clevertap-async {__version__} demo, against the embedded fake CleverTap server")
    if args.output_dir is None:
        args.output_dir = Path(tempfile.mkdtemp(prefix="clevertap-async-demo-"))
    args.output_dir.mkdir(parents=True, exist_ok=True)
    print(f"files go to {args.output_dir}")
    rows: list[tuple[str, str, float]] = []
    async with FakeCleverTap() as fake:
        fake.seed_events("Charged", count=EVENTS, start=START, end=END)
        fake.seed_profiles(count=PROFILES, start=START, end=END, event_names=["Charged"])
        # Real networks misbehave: 2% of requests fail with 503 and every request takes 5 ms.
        fake.faults.inject("status", status=503, rate=0.02)
        fake.faults.inject("latency", seconds=0.005)
        print(f"fake server at {fake.url}: {EVENTS:,} Charged events and {PROFILES:,} profiles\n")
        connection = {
            "base_url": fake.url,
            "account_id": fake.account_id,
            "passcode": DEFAULT_PASSCODE,
            "region": None,
            "quiet": args.quiet,
        }

        events_file = args.output_dir / "charged.jsonl"
        rows.append(
            await _timed(
                "export events (JSON Lines, 3 cursors in parallel)",
                _export.run(_export_args(connection, "events", events_file, "jsonl", 3)),
                f"{EVENTS:,} records -> {events_file}",
            )
        )
        profiles_file = args.output_dir / "profiles.csv"
        rows.append(
            await _timed(
                "export profiles (CSV)",
                _export.run(_export_args(connection, "profiles", profiles_file, "csv", 1)),
                f"{PROFILES:,} records -> {profiles_file}",
            )
        )

        import_file = args.output_dir / "to-import.jsonl"
        good, bad = _write_import_file(events_file, import_file)
        rejects = args.output_dir / "rejects.jsonl"
        import_args = argparse.Namespace(
            kind="events", file=str(import_file), dry_run=False, rejects=str(rejects), **connection
        )
        started = time.perf_counter()
        exit_code = await _import.run(import_args)
        accepted = len(fake.uploaded_events)
        rows.append(
            (
                "import events (some bad lines)",
                f"{accepted:,} accepted, {bad} refused -> {rejects} (exit {exit_code})",
                time.perf_counter() - started,
            )
        )
        retried = sum(1 for r in fake.requests if r.fault == "status")
    print("\nsummary")
    width = max(len(step) for step, _, _ in rows)
    for step, outcome, seconds in rows:
        print(f"  {step:<{width}}  {seconds:6.2f} s  {outcome}")
    print(f"  {retried} injected HTTP 503s were retried along the way; nothing was lost.")
    print(f"  the files are in {args.output_dir}")
    print(NEXT_STEPS)
    if accepted != good:
        print(f"  expected {good:,} accepted records, the fake stored {accepted:,}")
        return 1
    return 0


def _export_args(
    connection: dict[str, Any], kind: str, output: Path, fmt: str, parallel: int
) -> argparse.Namespace:
    return argparse.Namespace(
        kind=kind,
        event="Charged",
        start=START,
        end=END,
        output=str(output),
        format=fmt,
        parallel=parallel,
        batch_size=5000,  # profiles.stream rounds it down to a multiple of 23 itself
        where=None,
        checkpoint=None,
        **connection,
    )


async def _timed(step: str, work: Any, outcome: str) -> tuple[str, str, float]:
    started = time.perf_counter()
    await work
    return step, outcome, time.perf_counter() - started


def _write_import_file(exported: Path, target: Path) -> tuple[int, int]:
    """Turn 5,000 exported events into upload records and mix in four bad lines."""
    lines = []
    with exported.open("rb") as source:
        for _, line in zip(range(5_000), source, strict=False):
            record = orjson.loads(line)
            lines.append(
                orjson.dumps(
                    {
                        "identity": record["profile"]["identity"],
                        "evtName": "Charged",
                        "evtData": record["event_props"],
                    }
                )
            )
    bad = [
        b'{"identity": "u1", "evtName": "App Launched", "evtData": {}}',  # restricted (513)
        b'{"evtName": "Charged", "evtData": {"Amount": 1}}',  # no identity (523)
        b'{"identity": "u2", "evtName": "Charged", "evtData": {"Note": "' + b"x" * 600 + b'"}}',
        b"{this is not json",
    ]
    for index, line in enumerate(bad):
        lines.insert(1000 * (index + 1), line)
    target.write_bytes(b"\n".join(lines) + b"\n")
    return len(lines) - len(bad), len(bad)
