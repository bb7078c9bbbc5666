"""``clevertap-async import events|profiles|tokens FILE``: upload JSON Lines, account for every line.

Every line ends up counted once: accepted, rejected (by the client's checks or the server), undelivered
(no answer after retries), unreadable (not a JSON object, or not sendable as it is) or blank. Rejected,
undelivered and unreadable lines go to ``--rejects`` with their line number, code and reason; that
file can be fixed and given back to ``import`` as it is. With ``--checkpoint FILE`` a journal records
which lines are done, so a run stopped in any way (SIGKILL included) resumes where it stopped.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import attrs
import orjson

from .._errors import (
    AuthenticationError,
    PermissionDeniedError,
    UploadCancelledError,
    ValidationError,
)
from .._uploading import MAX_RECORDS
from ..models import UploadReport
from ..models.reports import BatchResult, RejectedRecord, UndeliveredRecord
from ._input import InputLines, Unreadable, open_input, parse_line
from ._journal import Ledger, input_fingerprint
from ._lines import LineSet, describe
from ._options import add_connection_options, add_int_option, client_from
from ._progress import progress_bar

EXIT_SOME_FAILED = 3
_KINDS = {"events": "event", "profiles": "profile", "tokens": "token"}


def add_parser(commands: Any) -> None:
    """Register the subcommand."""
    parser = commands.add_parser(
        "import",
        help="upload events, profiles or device tokens from a JSON Lines file (resumable)",
        description="Upload records in CleverTap's wire format, one JSON object per line (`type` "
        "may be left out); a rejects file written by --rejects is read as the records it holds. "
        "Exit 0 when all were accepted, 3 when some were rejected, undelivered or unreadable, "
        "1 on an API error, 2 on a usage error, 130 on Ctrl-C, 143 on SIGTERM.",
    )
    parser.add_argument("kind", choices=list(_KINDS))
    parser.add_argument("file", help="JSON Lines file, or - for standard input")
    parser.add_argument(
        "--dry-run", action="store_true", help="let the server validate without storing"
    )
    parser.add_argument(
        "--rejects", metavar="FILE", help="write refused lines here as JSON Lines (importable)"
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        metavar="FILE",
        help="journal of the lines done; run the same command again to resume",
    )
    add_int_option(
        parser,
        "--batch-size",
        1,
        MAX_RECORDS["event"],
        default=None,
        help="records per request (default: the most allowed; tokens: at most 100)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_connection_options(parser)
    parser.set_defaults(run=run)


class RejectsFile:
    """The ``--rejects`` file, appended as lines are answered; a resumed run cuts it back first."""

    def __init__(self, path: str | None, offset: int, *, resuming: bool, durable: bool):
        self.path = path
        self._durable = durable
        self._out: BinaryIO | None = None
        if path is None:
            return
        if not resuming:
            self._out = open(path, "wb")  # noqa: SIM115 - closed by close()
            return
        try:
            self._out = open(path, "r+b")  # noqa: SIM115
        except FileNotFoundError:
            if offset:
                raise _gone(path, offset) from None
            self._out = open(path, "wb")  # noqa: SIM115
        size = os.fstat(self._out.fileno()).st_size
        if size < offset:
            self._out.close()
            raise _gone(path, offset, size)
        # Entries after the offset are for lines the journal does not count as done: dropped, they
        # are written again when those lines are answered.
        self._out.truncate(offset)
        self._out.seek(offset)

    def write(self, entry: dict[str, Any]) -> None:
        """Append one entry."""
        if self._out is not None:
            self._out.write(orjson.dumps(entry, default=str) + b"\n")

    def flush(self) -> int:
        """Put what was written on disk (fsynced when a journal relies on it); return the offset."""
        if self._out is None:
            return 0
        self._out.flush()
        if self._durable:
            os.fsync(self._out.fileno())
        return self._out.tell()

    def close(self) -> None:
        """Flush and close."""
        if self._out is not None:
            self.flush()
            self._out.close()


def _gone(path: str, offset: int, size: int = 0) -> Exception:
    return ValidationError(
        f"--rejects {path} is {size:,} bytes, shorter than the {offset:,} the journal vouches for "
        "(edited or replaced?); restore it, or give another --checkpoint file to start over"
    )


class RecordReader:
    """Hands the uploader the records of the lines not done yet, settling every other line itself."""

    def __init__(self, lines: InputLines, ledger: Ledger, rejects: RejectsFile):
        self._lines = lines
        self._ledger = ledger
        self._rejects = rejects
        self._skip = LineSet(ledger.done.ranges())
        #: The line of each record handed out and not answered yet, by its position.
        self.line_at: dict[int, int] = {}
        #: The last line read (0 before the first).
        self.last_read = 0
        #: True once every line was read.
        self.finished = False

    def __iter__(self) -> Any:
        ledger, skip, line_at = self._ledger, self._skip, self.line_at
        position = 0
        for number, raw in self._lines:
            if skip and number in skip:
                continue
            self.last_read = number
            ledger.reserve(number)
            if not raw.strip():
                ledger.answered([number], "blank")
                continue
            parsed = parse_line(raw)
            if type(parsed) is Unreadable:
                self._rejects.write(
                    {
                        "line": number,
                        "status": "unreadable",
                        "code": None,
                        "reason": parsed.reason,
                        "text": parsed.text,
                        **({"text_truncated": True} if parsed.truncated else {}),
                    }
                )
                ledger.answered([number], "unreadable")
                continue
            line_at[position] = number
            position += 1
            yield parsed
        self.finished = True


@attrs.define
class LedgerReport(UploadReport):
    """An upload report that also settles each answered line in the ledger and the rejects file."""

    reader: Any = None
    ledger: Any = None
    rejects: Any = None
    #: Lines of this run left to do, as rejects entries: the run stopped before their answer, or
    #: the server refused the credentials (nothing applied: the lines wait for working ones).
    stopped: list[dict[str, Any]] = attrs.field(factory=list)
    fatal: BaseException | None = None

    def add(self, result: BatchResult) -> None:
        """Fold the batch into the totals, then settle each of its lines."""
        duplicated_before = self.possibly_duplicated
        super().add(result)
        line_of = {position: self.reader.line_at.pop(position) for position in result.positions}
        settled: set[int] = set()
        ledger: Ledger = self.ledger
        for rejected in result.rejected:
            settled.add(rejected.position)
            self._refused(line_of[rejected.position], rejected)
            ledger.answered([line_of[rejected.position]], "rejected")
        for undelivered in result.undelivered:
            settled.add(undelivered.position)
            line = line_of[undelivered.position]
            error = undelivered.error
            if isinstance(error, AuthenticationError | PermissionDeniedError):
                # Not the line's fault: it stays to do, for a run with working credentials.
                self.fatal = self.fatal or error
                self._stop(line, undelivered, "not sent", f"{type(error).__name__}: {error}")
            elif isinstance(error, UploadCancelledError):
                if undelivered.maybe_applied:
                    self._stop(line, undelivered, "undelivered", "stopped before an answer")
                else:
                    self._stop(line, undelivered, "not sent", "stopped before it was sent")
            else:
                self._refused(line, undelivered)
                ledger.answered([line], "undelivered")
        accepted = [line for position, line in line_of.items() if position not in settled]
        ledger.answered(accepted, "accepted")
        ledger.counts["possibly_duplicated"] += self.possibly_duplicated - duplicated_before

    def _stop(self, line: int, undelivered: UndeliveredRecord, status: str, reason: str) -> None:
        entry = {"line": line, "status": status, "code": None, "reason": reason}
        if status == "undelivered":
            entry["maybe_applied"] = True
        self.stopped.append({**entry, "record": undelivered.record})

    def _refused(self, line: int, refused: RejectedRecord | UndeliveredRecord) -> None:
        if isinstance(refused, RejectedRecord):
            details: dict[str, Any] = {
                "status": "rejected",
                "code": refused.code,
                "reason": refused.error,
                "rejected_by": refused.source,
            }
        else:
            details = {
                "status": "undelivered",
                "code": None,
                "reason": f"{type(refused.error).__name__}: {refused.error}",
                "maybe_applied": refused.maybe_applied,
            }
        self.rejects.write({"line": line, **details, "record": refused.record})


def fingerprint(args: argparse.Namespace) -> dict[str, Any]:
    """What a journal must match to be resumed: the input file and what changes what is sent."""
    options = {
        "kind": args.kind,
        "dry_run": args.dry_run,
        "batch_size": args.batch_size,
        "rejects": str(Path(args.rejects).resolve()) if args.rejects else None,
    }
    return input_fingerprint(args.file, options)


async def run(args: argparse.Namespace) -> int:
    """Upload the file and print a summary on stderr; return the exit code."""
    _check_files(args)
    kind = _KINDS[args.kind]
    batch_size = min(args.batch_size or MAX_RECORDS[kind], MAX_RECORDS[kind])
    stopped_by: BaseException | None = None
    with ExitStack() as stack:
        stream = open_input(args.file)
        if args.file != "-":
            stack.enter_context(stream)
        lines = InputLines(stream, args.file)
        ledger = Ledger.open(
            args.checkpoint, fingerprint(args) if args.checkpoint else {}, batch_size
        )
        rejects = RejectsFile(
            args.rejects,
            ledger.rejects_offset,
            resuming=ledger.resuming,
            durable=args.checkpoint is not None,
        )
        stack.callback(rejects.close)
        ledger.flush_rejects = rejects.flush
        if ledger.resuming:
            print(_resuming_line(args, ledger), file=sys.stderr)
        if lines.empty:
            source = "standard input" if args.file == "-" else args.file
            print(f"clevertap-async: warning: {source} {_emptiness(lines)}", file=sys.stderr)
        ledger.start_run()
        reader = RecordReader(lines, ledger, rejects)
        report = LedgerReport(reader=reader, ledger=ledger, rejects=rejects)
        bar = stack.enter_context(progress_bar(f"import {args.kind}", quiet=args.quiet))
        bar.update(len(ledger.done))

        def on_batch(running: UploadReport) -> None:
            bar.update(len(ledger.done) - bar.n)

        try:
            async with client_from(args) as ct:
                resource = {"events": ct.events, "profiles": ct.profiles, "tokens": ct.tokens}
                await resource[args.kind].upload(
                    reader,
                    dry_run=args.dry_run,
                    batch_size=batch_size,
                    progress=on_batch,
                    report=report,
                )
        except BaseException as exc:
            stopped_by = exc
            raise
        finally:
            bar.close()
            not_read = _settle_stop(ledger, reader, report, lines, rejects)
            print_summary(args, ledger, report, not_read, stopped_by)
    if report.fatal is not None:
        raise report.fatal
    failed = any(ledger.counts[key] for key in ("rejected", "undelivered", "unreadable"))
    return EXIT_SOME_FAILED if failed else 0


def _check_files(args: argparse.Namespace) -> None:
    """Refuse file arguments that cannot work together, before anything is opened or sent."""
    if args.checkpoint and args.file == "-":
        raise ValidationError("--checkpoint needs a FILE: standard input cannot be read again")
    if (
        args.rejects
        and args.file != "-"
        and Path(args.rejects).resolve() == Path(args.file).resolve()
    ):
        raise ValidationError(
            f"--rejects {args.rejects} is the input file: give the refused lines another file"
        )


def _emptiness(lines: InputLines) -> str:
    blank = sum(1 for _ in lines)
    return "is empty: nothing to import" if not blank else "has only blank lines: nothing to import"


def _resuming_line(args: argparse.Namespace, ledger: Ledger) -> str:
    line = f"resuming from {args.checkpoint}: {len(ledger.done):,} lines done"
    if ledger.resent:
        line += (
            f", {ledger.resent:,} in flight at the stop will be sent again and are counted as "
            "possibly duplicated"
        )
    return line


def _settle_stop(
    ledger: Ledger,
    reader: RecordReader,
    report: LedgerReport,
    lines: InputLines,
    rejects: RejectsFile,
) -> NotRead:
    """Save the journal, then list the lines left without an answer; return the lines not read."""
    for entry in report.stopped:
        if entry["status"] == "not sent":
            ledger.not_sent(entry["line"], entry["line"])
    # Reserved but never read: never sent either.
    ledger.not_sent(reader.last_read + 1, ledger.reserved)
    ledger.save(reserve=False)
    # After the journal's offset: a resumed run drops these entries and sends the lines again.
    for entry in sorted(report.stopped, key=lambda entry: int(entry["line"])):
        rejects.write(entry)
    rejects.flush()
    if reader.finished:
        return NotRead(LineSet(), open_ended=None)
    first, rest = reader.last_read + 1, lines.count_rest()
    if rest is None:  # standard input: its end is unknown
        return NotRead(LineSet(), open_ended=first)
    not_read = LineSet([(first, first + rest - 1)])
    for done_first, done_last in ledger.done.ranges():
        not_read.remove_range(done_first, done_last)
    return NotRead(not_read, open_ended=None)


class NotRead(NamedTuple):
    """The lines a stopped run never read: known ones, or from a line on (standard input)."""

    lines: LineSet
    open_ended: int | None

    def __bool__(self) -> bool:
        return bool(self.lines) or self.open_ended is not None

    def describe(self) -> str:
        """``lines 120,001-200,000`` or ``lines 120,001 onward``."""
        if self.open_ended is not None:
            return f"lines {self.open_ended:,} onward"
        return f"lines {describe(self.lines.ranges())}"


def print_summary(
    args: argparse.Namespace,
    ledger: Ledger,
    report: LedgerReport,
    not_read: NotRead,
    stopped_by: BaseException | None,
) -> None:
    """Print what became of every line, on stderr."""
    counts = ledger.counts
    dry = " (dry run: nothing stored)" if args.dry_run else ""
    source = "standard input" if args.file == "-" else args.file
    state = ""
    if stopped_by is not None and not isinstance(stopped_by, Exception):
        state = " (interrupted)"
    elif ledger.runs > 1:
        state = f" (totals over {ledger.runs} runs)"
    out = sys.stderr
    print(f"import {args.kind} from {source}{dry}{state}", file=out)
    rows = [
        ("accepted", counts["accepted"]),
        ("rejected", counts["rejected"]),
        ("undelivered", counts["undelivered"]),
        ("unreadable lines", counts["unreadable"]),
        ("blank lines", counts["blank"]),
        ("possibly duplicated", counts["possibly_duplicated"]),
    ]
    in_flight = sum(1 for entry in report.stopped if entry["status"] == "undelivered")
    not_sent = len(report.stopped) - in_flight
    if report.stopped:
        rows += [("in flight at the stop", in_flight), ("not sent", not_sent)]
    for label, value in rows:
        print(f"  {label:<22}{value:>12,}", file=out)
    if not_read:
        print(f"  not read: {not_read.describe()}", file=out)
    if args.rejects and (
        report.stopped or any(counts[k] for k in ("rejected", "undelivered", "unreadable"))
    ):
        print(f"  refused lines written to {args.rejects}", file=out)
    if report.stopped or not_read:
        print(f"  to resume: {_how_to_resume(args, report, not_read)}", file=out)
    out.flush()


def _how_to_resume(args: argparse.Namespace, report: LedgerReport, not_read: NotRead) -> str:
    if args.checkpoint:
        return "run the same command again"
    steps = []
    if report.stopped:
        steps.append(
            f"import {args.rejects} (the lines without an answer are in it)"
            if args.rejects
            else "the lines without an answer are lost from view (--rejects FILE keeps them)"
        )
    if not_read:
        rest = not_read.open_ended or not_read.lines.first()
        source = (
            "the rest of standard input" if args.file == "-" else f"tail -n +{rest} {args.file}"
        )
        steps.append(f"import {not_read.describe()} ({source})")
    return "; ".join(steps) + "; with --checkpoint FILE, resuming is running the command again"
