"""The import journal (``import --checkpoint FILE``): which input lines are done, kept safe from kills.

What is on disk is always true, whenever the process dies (SIGKILL included):

- ``done``: lines answered (accepted, rejected, given up after retries), unreadable or blank. A line
  is added only after its rejects entry, if any, is on disk, so a resumed run neither repeats nor
  loses an entry: the rejects file is cut back to the offset the journal records.
- ``reserved``: no line after it was ever handed to the uploader. Before the reader hands out a line
  beyond it, the journal is saved with a further ``reserved`` (a few batches ahead; each save moves
  it that far past the last line read, so a reader no faster than the answers never waits for one).
- ``unsent``: lines up to ``reserved`` known never sent (the rest of a batch that was still being
  filled when the run was stopped by a signal).

So on resume every line up to ``reserved`` that is neither done nor unsent may have reached the server
without its answer being recorded: it is sent again and counted as possibly duplicated. Each save writes
a temporary file, fsyncs it, renames it over the journal and fsyncs the directory: tens of
milliseconds on a busy disk, so answers arriving within :data:`SAVE_INTERVAL` share one save. A kill
then also re-sends the lines answered since the last save; they are within ``reserved``, so counted.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from .._errors import ValidationError
from ._checkpoint import write_atomically
from ._lines import LineSet

VERSION = 1
_MIB = 1 << 20
#: Seconds between two saves prompted by answers.
SAVE_INTERVAL = 0.1
#: How many batches ahead of the reader a reservation reaches.
RESERVE_BATCHES = 4
COUNTS = ("accepted", "rejected", "undelivered", "unreadable", "blank", "possibly_duplicated")


def input_fingerprint(path: str, options: dict[str, Any]) -> dict[str, Any]:
    """Identify an input file and the options that change what is sent.

    The file is known by its path, size and a hash of its first and last MiB: cheap for any size, and
    an edited, appended or replaced file almost always changes one of them.
    """
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        head = hashlib.sha256(handle.read(_MIB)).hexdigest()
        handle.seek(max(0, size - _MIB))
        tail = hashlib.sha256(handle.read(_MIB)).hexdigest()
    return {
        "path": str(Path(path).resolve()),
        "size": size,
        "head_sha256": head,
        "tail_sha256": tail,
        **options,
    }


class Ledger:
    """Where every input line stands, kept in memory and, with a journal path, on disk.

    Args:
        path: the journal file, or None to keep nothing on disk.
        fingerprint: what the journal must have been written for.
        batch_size: records per request; reservations reach :data:`RESERVE_BATCHES` of them ahead.
    """

    def __init__(self, path: Path | None, fingerprint: dict[str, Any], batch_size: int):
        self.path = path
        self.fingerprint = fingerprint
        self.step = RESERVE_BATCHES * batch_size
        self.done = LineSet()
        self.unsent = LineSet()
        self.reserved = 0
        self.counts = dict.fromkeys(COUNTS, 0)
        self.rejects_offset = 0
        self.runs = 0
        #: Lines that may have reached the server in a killed run, counted when this run began.
        self.resent = 0
        #: The last line the reader reached.
        self.read_upto = 0
        self._pending_save: asyncio.TimerHandle | None = None
        self._saved_at = 0.0
        self._failure: OSError | None = None
        #: Called before each save, to put rejects entries on disk first; returns the file's offset.
        self.flush_rejects: Callable[[], int] = lambda: self.rejects_offset

    @classmethod
    def open(cls, path: Path | None, fingerprint: dict[str, Any], batch_size: int) -> Ledger:
        """Load the journal at ``path`` (or start one), counting lines in flight at a stop.

        Raises:
            ValidationError: the journal is unreadable, or was written for another input or options.
        """
        ledger = cls(path, fingerprint, batch_size)
        if path is None or not path.exists():
            return ledger
        try:
            data = orjson.loads(path.read_bytes())
            if data.get("version") != VERSION:
                raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
            saved = data["fingerprint"]
            ledger.done = LineSet(data["done"])
            ledger.unsent = LineSet(data["unsent"])
            ledger.reserved = int(data["reserved"])
            ledger.counts.update({key: int(data["counts"][key]) for key in COUNTS})
            ledger.rejects_offset = int(data["rejects_offset"])
            ledger.runs = int(data["runs"])
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ValidationError(
                f"--checkpoint {path}: not a readable import journal ({exc})"
            ) from None
        if saved != fingerprint:
            changed = sorted(
                k for k in {*saved, *fingerprint} if saved.get(k) != fingerprint.get(k)
            )
            raise ValidationError(
                f"--checkpoint {path} was written for another input or options (different "
                f"{', '.join(changed)}); rerun with those, or give another --checkpoint file"
            )
        ledger.resent = ledger.reserved - len(ledger.done) - len(ledger.unsent)
        ledger.counts["possibly_duplicated"] += ledger.resent
        return ledger

    @property
    def resuming(self) -> bool:
        """True when an earlier run left this journal."""
        return self.runs > 0

    def start_run(self) -> None:
        """Record that a run begins (so a kill before any answer still finds a journal)."""
        self.runs += 1
        self.save()

    def reserve(self, line: int) -> None:
        """Make sure the journal allows ``line`` to be sent (saving a reservation when it does not)."""
        self.read_upto = line
        if self.path is None or (
            line <= self.reserved and not (self.unsent and line in self.unsent)
        ):
            return
        self.save()

    def answered(self, lines: list[int], outcome: str) -> None:
        """Mark ``lines`` done with one outcome (a key of :data:`COUNTS`), and schedule a save.

        Raises:
            OSError: an earlier save in the background failed (the journal cannot be kept).
        """
        if self._failure is not None:
            raise self._failure
        # A batch's lines are mostly consecutive: one range each run of them.
        first = previous = None
        for line in sorted(lines):
            if previous is not None and line == previous + 1:
                previous = line
                continue
            if first is not None and previous is not None:
                self.done.add_range(first, previous)
            first = previous = line
        if first is not None and previous is not None:
            self.done.add_range(first, previous)
        self.counts[outcome] += len(lines)
        self._schedule_save()

    def not_sent(self, first: int, last: int) -> None:
        """Record lines ``first..last`` not done as never sent, at a stop."""
        self.unsent.add_range(first, last)
        for done_first, done_last in self.done.ranges():
            if done_first <= last and done_last >= first:
                self.unsent.remove_range(done_first, done_last)

    def _schedule_save(self) -> None:
        if self.path is None or self._pending_save is not None:
            return
        delay = max(0.0, self._saved_at + SAVE_INTERVAL - time.monotonic())
        self._pending_save = asyncio.get_running_loop().call_later(delay, self._save_later)

    def _save_later(self) -> None:
        # Run by the event loop, where an exception would only be logged: keep it for the upload.
        try:
            self.save()
        except OSError as exc:
            self._failure = exc

    def save(self, *, reserve: bool = True) -> None:
        """Put the rejects entries, then the journal, on disk (without a journal: the entries).

        Args:
            reserve: move ``reserved`` a step past the last line read (not when the run is over).
        """
        if self._pending_save is not None:
            self._pending_save.cancel()
            self._pending_save = None
        self.rejects_offset = self.flush_rejects()
        if self.path is None:
            return
        if reserve:
            ahead = self.read_upto + self.step
            self.unsent.remove_range(self.read_upto, ahead)
            self.reserved = max(self.reserved, ahead)
        state = {
            "version": VERSION,
            "fingerprint": self.fingerprint,
            "done": self.done.ranges(),
            "reserved": self.reserved,
            "unsent": self.unsent.ranges(),
            "counts": self.counts,
            "rejects_offset": self.rejects_offset,
            "runs": self.runs,
        }
        write_atomically(self.path, orjson.dumps(state))
        self._saved_at = time.monotonic()
