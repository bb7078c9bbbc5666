"""``clevertap-async export events|profiles``: stream an export to JSON Lines or CSV, resumably.

A file output is written to ``FILE.partial`` and renamed to ``FILE`` once complete, so a failed or
stopped export never destroys an existing ``FILE``. With ``--checkpoint CHECKPOINT``, after every page
the output is flushed and fsynced, then the checkpoint saved (stream cursors, the output's path and
byte offset, a hash of the bytes before it). The same command run again continues from there, after
checking the partial file is still the one the checkpoint vouches for: no line lost, none written
twice, nothing written into a file that is not the export's own.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

from .._errors import ValidationError
from .._exports import MAX_PARALLEL
from .._limits import MAX_CURSOR_BATCH_SIZE
from .._pagination import Checkpoint
from . import _checkpoint
from ._dates import add_date_range, check_range
from ._options import add_connection_options, add_int_option, client_from
from ._output import CsvWriter, JsonLinesWriter, RecordWriter, read_csv_header
from ._progress import progress_bar
from ._request import parse_data

PARTIAL_SUFFIX = ".partial"


def add_parser(commands: Any) -> None:
    """Register the subcommand."""
    parser = commands.add_parser(
        "export",
        help="export events or profiles to JSON Lines or CSV (resumable)",
        description="Stream an event's occurrences (events) or the profiles that did it (profiles) "
        "between two days, both included, through CleverTap's cursor API.",
    )
    parser.add_argument("kind", choices=["events", "profiles"])
    parser.add_argument("--event", required=True, help="event name, e.g. Charged")
    add_date_range(parser)
    parser.add_argument("--output", "-o", default="-", help="output file, or - for stdout")
    parser.add_argument(
        "--format", choices=["jsonl", "csv"], default="jsonl", help="JSON Lines or CSV"
    )
    add_int_option(
        parser,
        "--parallel",
        1,
        MAX_PARALLEL,
        default=1,
        help="cursors at once, one per day range (events only)",
    )
    add_int_option(
        parser,
        "--batch-size",
        1,
        MAX_CURSOR_BATCH_SIZE,
        default=MAX_CURSOR_BATCH_SIZE,
        help="records per page (profiles: rounded down to a multiple of 23)",
    )
    parser.add_argument("--where", help="extra query-language blocks as JSON, or @FILE")
    parser.add_argument(
        "--checkpoint",
        type=Path,
        metavar="FILE",
        help="save progress here; run the same command again to resume",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_connection_options(parser)
    parser.set_defaults(run=run)


def fingerprint(args: argparse.Namespace) -> dict[str, Any]:
    """What must match for a checkpoint to be resumed: anything that changes the records or cursors."""
    return {
        "kind": args.kind,
        "event": args.event,
        "from": args.start.isoformat(),
        "to": args.end.isoformat(),
        "format": args.format,
        "parallel": args.parallel,
        "batch_size": args.batch_size,
        "where": args.where,
    }


async def run(args: argparse.Namespace) -> int:
    """Export, checkpointing after every page when asked; print a summary on stderr."""
    if args.checkpoint and args.output == "-":
        raise ValidationError("--checkpoint needs --output FILE: standard output cannot be rewound")
    check_range(args)
    where = parse_data(args.where, option="--where")
    saved = _checkpoint.load(args.checkpoint, fingerprint(args)) if args.checkpoint else None
    destination = "standard output" if args.output == "-" else args.output
    partial = args.output + PARTIAL_SUFFIX
    if saved is not None and saved.complete:
        return _already_complete(args, saved, partial)
    if saved is not None:
        _checkpoint.check_output(args.checkpoint, saved, args.output, partial)
    try:
        previous, written = await _export(args, saved, where, partial)
    except BaseException:
        if not args.checkpoint and args.output != "-":
            # Without a checkpoint nothing can continue the partial file: it is only clutter.
            with contextlib.suppress(OSError):
                os.unlink(partial)
        raise
    if args.output != "-":
        os.replace(partial, args.output)
    resumed = f" (resumed after {previous:,})" if saved else ""
    print(
        f"exported {previous + written:,} {args.kind} records to {destination}{resumed}",
        file=sys.stderr,
    )
    return 0


async def _export(
    args: argparse.Namespace,
    saved: _checkpoint.SavedExport | None,
    where: Any,
    partial: str,
) -> tuple[int, int]:
    """Stream the pages into the output; return the records written before this run and by it."""
    previous = saved.records if saved else 0
    written = 0
    with _open_output(args, saved, partial) as out:
        writer = _writer_for(args, out, partial if saved else None)
        async with client_from(args) as ct:
            resource = ct.events if args.kind == "events" else ct.profiles
            options: dict[str, Any] = {"parallel": args.parallel} if args.kind == "events" else {}
            stream = resource.stream(
                args.event,
                args.start,
                args.end,
                batch_size=args.batch_size,
                where=where,
                resume_from=Checkpoint.from_dict(saved.stream_checkpoint) if saved else None,
                **options,
            ).raw()
            with progress_bar(f"export {args.kind}", quiet=args.quiet) as bar:
                bar.update(previous)
                checkpoint = Checkpoint.from_dict(saved.stream_checkpoint) if saved else None
                async for page in stream.pages():
                    writer.write(page.records)
                    written += len(page.records)
                    bar.update(len(page.records))
                    checkpoint = page.checkpoint
                    if args.checkpoint:
                        _commit(args, out, checkpoint, previous + written)
        if args.output != "-":
            out.flush()
            os.fsync(out.fileno())
            if args.checkpoint and checkpoint is not None:
                _commit(args, out, checkpoint, previous + written, complete=True)
    return previous, written


def _already_complete(
    args: argparse.Namespace, saved: _checkpoint.SavedExport, partial: str
) -> int:
    """A finished export run again: fetch nothing, but finish the rename if a crash cut it short."""
    if os.path.exists(partial) and not os.path.exists(args.output):
        _checkpoint.check_output(args.checkpoint, saved, args.output, partial)
        os.replace(partial, args.output)
    else:
        _checkpoint.check_output(args.checkpoint, saved, args.output, args.output)
    print(
        f"export already complete: {args.output} holds {saved.records:,} {args.kind} records; "
        f"nothing new fetched (delete {args.checkpoint} to export again)",
        file=sys.stderr,
    )
    return 0


def _open_output(
    args: argparse.Namespace, saved: _checkpoint.SavedExport | None, partial: str
) -> BinaryIO:
    if args.output == "-":
        return os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    if saved is None:
        return open(partial, "wb")
    out = open(partial, "r+b")  # noqa: SIM115 - returned into the caller's with-block
    # Lines written after the last checkpoint may be repeated by the resumed stream: drop them.
    out.truncate(saved.output_offset)
    out.seek(saved.output_offset)
    return out


def _writer_for(args: argparse.Namespace, out: BinaryIO, resumed_file: str | None) -> RecordWriter:
    if args.format == "jsonl":
        return JsonLinesWriter(out)
    columns = read_csv_header(resumed_file) if resumed_file else None
    return CsvWriter(out, columns)


def _commit(
    args: argparse.Namespace,
    out: BinaryIO,
    checkpoint: Checkpoint,
    records: int,
    *,
    complete: bool = False,
) -> None:
    # The output must be on disk before the checkpoint that vouches for it.
    out.flush()
    os.fsync(out.fileno())
    offset = out.tell()
    _checkpoint.save(
        args.checkpoint,
        _checkpoint.SavedExport(
            fingerprint=fingerprint(args),
            stream_checkpoint=checkpoint.to_dict(),
            output=str(Path(args.output).resolve()),
            output_offset=offset,
            tail_sha256=_checkpoint.tail_hash(out.name, offset),
            records=records,
            complete=complete,
        ),
    )
