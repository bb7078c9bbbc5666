"""Export one day of an event to JSON Lines, resumable: run it again after a crash and it continues.

After each page the output is flushed to disk and then the checkpoint saved (with the output's
length), so a run that dies anywhere resumes after the last saved page: no line lost, none twice.
Meant for a nightly job (``cron``) exporting yesterday::

    python examples/nightly_export.py Charged            # yesterday
    python examples/nightly_export.py Charged 2026-01-31 # a given day
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from clevertap_async import Checkpoint, CleverTap


async def export_day(
    event: str,
    day: date,
    output: Path,
    checkpoint_file: Path,
    *,
    batch_size: int = 5000,
    **client_options: Any,
) -> int:
    """Export ``event`` on ``day`` to ``output``; return the number of lines the file holds.

    ``batch_size`` is records per page; ``client_options`` go to :class:`CleverTap` (e.g.
    ``base_url=`` for a fake server).
    """
    resume_from, keep = _load(checkpoint_file)
    async with CleverTap(**client_options) as ct:
        stream = ct.events.stream(
            event, day, day, raw=True, batch_size=batch_size, resume_from=resume_from
        )
        with output.open("ab") as out:
            out.truncate(keep)  # drop anything written after the last checkpoint
            async for page in stream.pages():
                out.write(b"".join(orjson.dumps(record) + b"\n" for record in page.records))
                out.flush()
                os.fsync(out.fileno())  # the lines are on disk before the checkpoint says so
                _save(checkpoint_file, page.checkpoint, out.tell())
    return _finish(checkpoint_file, output)


def _load(path: Path) -> tuple[Checkpoint | None, int]:
    """The checkpoint and output length a crashed run saved, or nothing and 0."""
    if not path.exists():
        return None, 0
    saved = orjson.loads(path.read_bytes())
    return Checkpoint.from_dict(saved["checkpoint"]), saved["output_bytes"]


def _finish(checkpoint_file: Path, output: Path) -> int:
    checkpoint_file.unlink()  # finished: the next run starts afresh
    with output.open("rb") as written:
        return sum(1 for _ in written)


def _save(path: Path, checkpoint: Checkpoint, output_bytes: int) -> None:
    state = {"checkpoint": checkpoint.to_dict(), "output_bytes": output_bytes}
    partial = path.with_suffix(".tmp")
    partial.write_bytes(orjson.dumps(state))
    partial.replace(path)  # atomic: a crash leaves the old checkpoint or the new one


def main() -> None:
    """Read the event and optional day from the command line and export."""
    event = sys.argv[1]
    day = date.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else date.today() - timedelta(1)
    output = Path(f"{event.lower().replace(' ', '-')}-{day:%Y%m%d}.jsonl")
    lines = asyncio.run(export_day(event, day, output, output.with_suffix(".checkpoint")))
    print(f"{lines} records in {output}")


if __name__ == "__main__":
    main()
