"""``clevertap-async check``: a conformance run against a live account, with harmless calls only.

Before trusting the library with production traffic, a user runs it once with real credentials. Each
check makes one client call that changes nothing (a lookup of a profile that does not exist, dry-run
uploads, a one-day export page, counts; never a campaign, a send or a delete), compares the typed
outcome and the answers' status and shape with what the client expects, and prints one table row.
``--record DIR`` keeps each answer as a recorded-answer file (the passcode and the account ID masked,
exported people's values blanked) that can be added to the project's corpus.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import orjson

from .. import __version__, _limits, _query
from .._client import PASSCODE_VARIABLE, CleverTap
from ..testing._corpus import RecordedAnswer, describe, mismatches, run_call
from ._dates import iso_date
from ._options import add_connection_options, client_from

EXIT_MATCHED = 0
EXIT_DEVIATED = 1
#: The event the dry-run upload names; it is never stored (``dryRun=1``).
CHECK_EVENT = "clevertap-async check"
#: Keys whose values describe people; blanked in recorded answers, keeping their type.
_PERSONAL = ("records", "record")
_JSON_STATUSES = frozenset({"success", "partial", "fail"})


@attrs.frozen
class Answer:
    """One HTTP answer seen during a check."""

    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: bytes


@attrs.frozen
class Check:
    """One harmless call, what its outcome must be, and which HTTP statuses its answers may have."""

    name: str
    call: dict[str, Any]
    expect: dict[str, Any]
    expected: str
    statuses: frozenset[int] = frozenset({200})


@attrs.frozen
class Row:
    """One line of the table."""

    check: str
    expected: str
    seen: str
    problems: tuple[str, ...]

    @property
    def verdict(self) -> str:
        """``match`` or ``DEVIATES``."""
        return "DEVIATES" if self.problems else "match"


def add_parser(commands: Any) -> None:
    """Register the subcommand."""
    parser = commands.add_parser(
        "check",
        help="check a live account answers as the client expects (harmless calls only)",
        description="Run harmless calls against the account (a lookup of a profile that does not "
        "exist, dry-run uploads of one event and one profile, a one-day export page and counts of "
        "EVENT; never a campaign, a send or a delete) and print, for each, what the client expects "
        "and what it saw. Exit 0 when everything matched, 1 otherwise.",
    )
    parser.add_argument("--event", required=True, help="an event the account has, e.g. Charged")
    parser.add_argument(
        "--date",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="the day to export and count (default: yesterday, UTC)",
    )
    parser.add_argument(
        "--record", metavar="DIR", help="save each answer as a recorded-answer JSON file in DIR"
    )
    add_connection_options(parser)
    parser.set_defaults(run=run)


def checks(event: str, day: date) -> list[Check]:
    """The checks, in the order they run, for one event and one day."""
    identity = f"clevertap-async-check-{uuid.uuid4().hex}"
    span = {"event_name": event, "from": _query.yyyymmdd(day), "to": _query.yyyymmdd(day)}
    accepted_one = {
        "returns": {"type": "UploadReport", "accepted": 1, "rejected": [], "undelivered": []}
    }
    return [
        Check(
            "profile lookup (unknown identity)",
            {"name": "profiles.get", "args": {"identity": identity}},
            {"returns": None},
            "no profile (None); HTTP 200 or 404",
            frozenset({200, 404}),
        ),
        Check(
            "dry-run upload of one event",
            {
                "name": "events.upload",
                "args": {
                    "records": [
                        {
                            "identity": identity,
                            "type": "event",
                            "evtName": CHECK_EVENT,
                            "evtData": {"check": True},
                        }
                    ],
                    "dry_run": True,
                    "validate": True,
                },
            },
            accepted_one,
            "1 accepted, nothing rejected",
        ),
        Check(
            "dry-run upload of one profile",
            {
                "name": "profiles.upload",
                "args": {
                    "records": [
                        {
                            "identity": identity,
                            "type": "profile",
                            "profileData": {"Name": CHECK_EVENT},
                        }
                    ],
                    "dry_run": True,
                    "validate": True,
                },
            },
            accepted_one,
            "1 accepted, nothing rejected",
        ),
        Check(
            "export: cursor and first page",
            {"name": "events.first_page", "args": {**span, "batch_size": 10}},
            {"returns": {"type": "Page", "records": {"$type": "list"}}},
            "a page of records (maybe empty)",
        ),
        Check(
            "event count",
            {"name": "events.count", "args": span},
            {"returns": {"$type": "int"}},
            "a whole number",
        ),
        Check(
            "real-time count",
            {"name": "reports.realtime", "args": {}},
            {"returns": {"type": "RealtimeCounts", "count": {"$type": "int"}}},
            "RealtimeCounts with a whole count",
        ),
    ]


async def run(args: argparse.Namespace) -> int:
    """Run every check, print the table, save answers if asked; 0 when all matched, else 1."""
    day = args.date or (datetime.now(UTC).date() - timedelta(days=1))
    record_dir = Path(args.record) if args.record else None
    if record_dir is not None:
        record_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    async with client_from(args) as ct:
        for number, check in enumerate(checks(args.event, day), 1):
            row, answers = await run_check(ct, check)
            rows.append(row)
            if record_dir is not None and answers:
                path = record_dir / f"{number:02d}_{_slug(check.name)}.json"
                path.write_bytes(recorded(check, answers, ct, args.passcode).to_json())
    print_table(rows)
    return EXIT_DEVIATED if any(row.problems for row in rows) else EXIT_MATCHED


async def run_check(ct: CleverTap, check: Check) -> tuple[Row, list[Answer]]:
    """Make one check's call and judge it; return its row and the answers it got."""
    answers: list[Answer] = []

    def keep(method: str, path: str, status: int, headers: Mapping[str, str], body: bytes) -> None:
        answers.append(Answer(method, path, status, dict(headers), body))

    hooks = ct._transport.answer_hooks
    hooks.append(keep)
    try:
        outcome = await run_call(ct, check.call)
    finally:
        hooks.remove(keep)
    problems = [*mismatches(outcome, check.expect), *_wire_problems(check, answers)]
    statuses = ", ".join(str(a.status) for a in answers) or "none"
    seen = f"HTTP {statuses}: {describe(outcome)}"
    return Row(check.name, check.expected, seen, tuple(problems)), answers


def _wire_problems(check: Check, answers: list[Answer]) -> list[str]:
    problems = []
    for answer in answers:
        where = f"{answer.method} {answer.path}"
        if answer.status not in check.statuses:
            problems.append(f"{where}: HTTP {answer.status}")
        try:
            data = orjson.loads(answer.body)
        except orjson.JSONDecodeError:
            problems.append(f"{where}: the body is not JSON")
            continue
        if not isinstance(data, dict) or data.get("status") not in _JSON_STATUSES:
            problems.append(f"{where}: no success/partial/fail status in the body")
    return problems


def print_table(rows: list[Row]) -> None:
    """Print the rows as an aligned table, then each deviation's details."""
    header = ("check", "expected", "seen", "verdict")
    cells = [header] + [(r.check, r.expected, _clip(r.seen), r.verdict) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for line in [cells[0], tuple("-" * w for w in widths), *cells[1:]]:
        cells_text = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        print("  ".join(cells_text).rstrip())
    for row in rows:
        for problem in row.problems:
            print(f"{row.check}: {problem}", file=sys.stderr)
    matched = sum(not row.problems for row in rows)
    print(f"{matched} of {len(rows)} checks matched")


def recorded(
    check: Check, answers: list[Answer], ct: CleverTap, passcode: str | None
) -> RecordedAnswer:
    """The answers of one check as a recorded-answer file, with secrets and people masked."""
    passcode = passcode or os.environ.get(PASSCODE_VARIABLE)
    secrets = [s for s in (passcode, ct.account_id) if s and len(s) >= 4]
    steps = [_step(answer, secrets) for answer in answers]
    first = steps[0]
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    return RecordedAnswer(
        source=f"clevertap-async check {__version__} against {_host(ct.base_url)}, {when}",
        method=first["method"],
        path=first["path"],
        status=first["status"],
        headers=first["headers"],
        body=first["body"],
        then=steps[1:],
        call=check.call,
        expect=check.expect,
    )


def _step(answer: Answer, secrets: list[str]) -> dict[str, Any]:
    headers = {
        name.lower(): _mask(value, secrets)
        for name, value in answer.headers.items()
        if name.lower() not in ("set-cookie", "date")
    }
    text = _mask(answer.body.decode("utf-8", errors="replace"), secrets)
    try:
        body: Any = orjson.loads(text)
    except orjson.JSONDecodeError:
        body = text
    if answer.path != _limits.UPLOAD_PATH:  # an upload's echoes must stay as sent, to match
        body = _blank_people(body)
    return {
        "method": answer.method,
        "path": answer.path,
        "status": answer.status,
        "headers": headers,
        "body": body,
    }


def _mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "<redacted>")
    return text


def _blank_people(data: Any, inside: bool = False) -> Any:
    """Blank every value under ``records``/``record``, keeping keys and types.

    The shape is the point of a recorded answer; the people in it are not.
    """
    if isinstance(data, dict):
        return {k: _blank_people(v, inside or k in _PERSONAL) for k, v in data.items()}
    if isinstance(data, list):
        return [_blank_people(item, inside) for item in data]
    if not inside or data is None or isinstance(data, bool):
        return data
    if isinstance(data, int | float):
        return type(data)(0)
    return "<redacted>"


def _host(base_url: str) -> str:
    return re.sub(r"^https?://", "", base_url)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _clip(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
