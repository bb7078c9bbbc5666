"""``clevertap-async import events|profiles|tokens FILE``: upload JSON Lines, account for every line.

Every line ends up counted once: accepted, rejected (by the client's checks or the server), undelivered
(no answer after retries), or unreadable (not a JSON object). Rejected, undelivered and unreadable lines
go to ``--rejects`` with their line number, code and reason, so they can be fixed and imported again.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from typing import Any, BinaryIO

import orjson

from .._errors import AuthenticationError, PermissionDeniedError
from ..models import UploadReport
from ._input import JsonLinesReader, open_input
from ._options import add_connection_options, client_from
from ._progress import progress_bar

EXIT_SOME_FAILED = 3


def add_parser(commands: Any) -> None:
    """Register the subcommand."""
    parser = commands.add_parser(
        "import",
        help="upload events, profiles or device tokens from a JSON Lines file",
        description="Upload records in CleverTap's wire format, one JSON object per line (`type` "
        "may be left out). Exit 0 when all were accepted, 3 when some were rejected, undelivered "
        "or unreadable, 1 on an API error, 2 on a usage error.",
    )
    parser.add_argument("kind", choices=["events", "profiles", "tokens"])
    parser.add_argument("file", help="JSON Lines file, or - for standard input")
    parser.add_argument(
        "--dry-run", action="store_true", help="let the server validate without storing"
    )
    parser.add_argument("--rejects", help="write refused lines here as JSON Lines")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_connection_options(parser)
    parser.set_defaults(run=run)


async def run(args: argparse.Namespace) -> int:
    """Upload the file and print a summary; return the exit code."""
    report = UploadReport()
    with ExitStack() as stack:
        stream = open_input(args.file)
        if args.file != "-":
            stack.enter_context(stream)
        reader = JsonLinesReader(stream)
        bar = stack.enter_context(progress_bar(f"import {args.kind}", quiet=args.quiet))
        counted = 0

        def on_batch(running: UploadReport) -> None:
            nonlocal counted
            done = running.accepted + len(running.rejected) + len(running.undelivered)
            bar.update(done - counted)
            counted = done

        async with client_from(args) as ct:
            resource = {"events": ct.events, "profiles": ct.profiles, "tokens": ct.tokens}
            try:
                await resource[args.kind].upload(
                    reader, dry_run=args.dry_run, progress=on_batch, report=report
                )
            finally:
                # Also after Ctrl-C: the report then holds what was answered and what was not.
                bar.close()
                if args.rejects:
                    save_rejects(args.rejects, reader, report)
                print_summary(args, reader, report)
    fatal = _fatal_error(report)
    if fatal is not None:
        raise fatal
    failed = report.rejected or report.undelivered or reader.unreadable
    return EXIT_SOME_FAILED if failed else 0


def save_rejects(path: str, reader: JsonLinesReader, report: UploadReport) -> None:
    """Write the refused lines to ``path`` (a CLI writes its small report file synchronously)."""
    with open(path, "wb") as out:
        write_rejects(out, reader, report)


def write_rejects(out: BinaryIO, reader: JsonLinesReader, report: UploadReport) -> None:
    """Write one JSON line per refused input line, in line order."""
    entries: list[tuple[int, dict[str, Any]]] = [
        (line, {"line": line, "status": "unreadable", "code": None, "reason": reason})
        for line, reason in reader.unreadable
    ]
    for rejected in report.rejected:
        entries.append(
            _entry(
                reader,
                rejected.position,
                rejected.record,
                "rejected",
                rejected.code,
                rejected.error,
                rejected_by=rejected.source,
            )
        )
    for undelivered in report.undelivered:
        reason = f"{type(undelivered.error).__name__}: {undelivered.error}"
        entries.append(
            _entry(
                reader,
                undelivered.position,
                undelivered.record,
                "undelivered",
                None,
                reason,
                maybe_applied=undelivered.maybe_applied,
            )
        )
    entries.sort(key=lambda entry: entry[0])
    out.write(b"".join(orjson.dumps(entry, default=str) + b"\n" for _, entry in entries))


def _entry(
    reader: JsonLinesReader,
    position: int,
    record: Any,
    status: str,
    code: int | None,
    reason: str,
    **details: Any,
) -> tuple[int, dict[str, Any]]:
    line = reader.line_of(position)
    entry = {"line": line, "status": status, "code": code, "reason": reason, **details}
    return line, {**entry, "record": record}


def print_summary(args: argparse.Namespace, reader: JsonLinesReader, report: UploadReport) -> None:
    """Print what became of every line."""
    dry = " (dry run: nothing stored)" if args.dry_run else ""
    rows = [
        ("accepted", report.accepted),
        ("rejected", len(report.rejected)),
        ("undelivered", len(report.undelivered)),
        ("unreadable lines", len(reader.unreadable)),
        ("possibly duplicated", report.possibly_duplicated),
    ]
    source = "standard input" if args.file == "-" else args.file
    print(f"import {args.kind} from {source}{dry}")
    for label, value in rows:
        print(f"  {label:<20}{value:>12,}")
    if args.rejects and (report.rejected or report.undelivered or reader.unreadable):
        print(f"  refused lines written to {args.rejects}")
    sys.stdout.flush()


def _fatal_error(report: UploadReport) -> BaseException | None:
    # Credentials that do not work fail every batch alike: that is an API error (exit 1), not a
    # file with some bad lines (exit 3).
    for undelivered in report.undelivered:
        if isinstance(undelivered.error, AuthenticationError | PermissionDeniedError):
            return undelivered.error
    return None
