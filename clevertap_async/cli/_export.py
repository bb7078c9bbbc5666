"""``clevertap-async export events|profiles``: stream an export to JSON Lines or CSV, resumably.

With ``--checkpoint FILE``, after every page the output is flushed to disk and the checkpoint saved
(stream cursors + the output's byte offset). The same command run again after a crash or Ctrl-C cuts the
output back to that offset and continues from those cursors: no line lost, none written twice.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

from .._errors import ValidationError
from .._pagination import Checkpoint
from . import _checkpoint
from ._dates import add_date_range
from ._options import add_connection_options, client_from
from ._output import CsvWriter, JsonLinesWriter, RecordWriter, read_csv_header
from ._progress import progress_bar
from ._request import parse_data


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
    parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument(
        "--parallel", type=int, default=1, metavar="N", help="cursors at once, one per day range"
    )
    parser.add_argument("--batch-size", type=int, default=5000, metavar="N", help="records/page")
    parser.add_argument("--where", help="extra query-language blocks as JSON, or @FILE")
    parser.add_argument(
        "--checkpoint", type=Path, metavar="FILE", help="save progress here; rerun to resume"
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
    where = parse_data(args.where, option="--where")
    saved = _checkpoint.load(args.checkpoint, fingerprint(args)) if args.checkpoint else None
    with _open_output(args, saved) as out:
        writer = _writer_for(args, out, resumed=saved is not None)
        previous = saved.records if saved else 0
        written = 0
        async with client_from(args) as ct:
            resource = ct.events if args.kind == "events" else ct.profiles
            options: dict[str, Any] = {"parallel": args.parallel} if args.kind == "events" else {}
            stream = resource.stream(
                args.event,
                args.start,
                args.end,
                raw=True,
                batch_size=args.batch_size,
                where=where,
                resume_from=Checkpoint.from_dict(saved.stream_checkpoint) if saved else None,
                **options,
            )
            with progress_bar(f"export {args.kind}", quiet=args.quiet) as bar:
                bar.update(previous)
                async for page in stream.pages():
                    writer.write(page.records)
                    written += len(page.records)
                    bar.update(len(page.records))
                    if args.checkpoint:
                        _commit(args.checkpoint, args, out, page.checkpoint, previous + written)
    destination = "standard output" if args.output == "-" else args.output
    resumed = f" (resumed after {previous:,})" if saved else ""
    print(
        f"exported {previous + written:,} {args.kind} records to {destination}{resumed}",
        file=sys.stderr,
    )
    return 0


def _open_output(args: argparse.Namespace, saved: _checkpoint.SavedExport | None) -> BinaryIO:
    if args.output == "-":
        return os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    if saved is None:
        return open(args.output, "wb")
    try:
        out = open(args.output, "r+b")  # noqa: SIM115 - returned into the caller's with-block
    except FileNotFoundError:
        raise ValidationError(
            f"--checkpoint {args.checkpoint} continues {args.output}, which is gone; "
            "delete the checkpoint to start again"
        ) from None
    # Lines written after the last checkpoint may be repeated by the resumed stream: drop them.
    out.truncate(saved.output_offset)
    out.seek(saved.output_offset)
    return out


def _writer_for(args: argparse.Namespace, out: BinaryIO, *, resumed: bool) -> RecordWriter:
    if args.format == "jsonl":
        return JsonLinesWriter(out)
    columns = read_csv_header(args.output) if resumed else None
    return CsvWriter(out, columns)


def _commit(
    path: Path, args: argparse.Namespace, out: BinaryIO, checkpoint: Checkpoint, records: int
) -> None:
    # The output must be on disk before the checkpoint that vouches for it.
    out.flush()
    os.fsync(out.fileno())
    _checkpoint.save(
        path,
        _checkpoint.SavedExport(
            fingerprint=fingerprint(args),
            stream_checkpoint=checkpoint.to_dict(),
            output_offset=out.tell(),
            records=records,
        ),
    )
