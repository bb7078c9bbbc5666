"""Reading records to import: JSON Lines from a file or stdin, lazily, each line judged once.

A line is a record (a JSON object), blank, or unreadable with a reason that names the problem: not
UTF-8 (with the byte), not JSON, not an object, or holding an integer too large to send. Entries of a
rejects file are read as the records they carry, so a fixed rejects file imports as it is.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO, NamedTuple

import orjson

from .._errors import ValidationError

#: How much of an unreadable line its rejects entry keeps.
MAX_TEXT_BYTES = 1024
_BOM = b"\xef\xbb\xbf"
#: Integers beyond 64 bits have at least 19 digits; orjson reads them as floats, silently rounded.
_LONG_DIGITS = re.compile(rb"\d{19}")
_SMALLEST_INT, _LARGEST_INT = -(2**63), 2**64 - 1
#: The keys of a rejects-file entry; a line with these (and no others) is one.
_ENTRY_KEYS = frozenset(
    {"line", "status", "code", "reason", "record", "text", "text_truncated"}
    | {"rejected_by", "maybe_applied"}
)


class Unreadable(NamedTuple):
    """Why a line is not a record, and its text (capped at :data:`MAX_TEXT_BYTES`)."""

    reason: str
    text: str
    truncated: bool


def unreadable(raw: bytes, reason: str) -> Unreadable:
    """Return an :class:`Unreadable` for ``raw`` with its text capped (invalid bytes replaced)."""
    line = raw.rstrip(b"\r\n")
    return Unreadable(
        reason, line[:MAX_TEXT_BYTES].decode("utf-8", "replace"), len(line) > MAX_TEXT_BYTES
    )


def parse_line(raw: bytes) -> dict[str, Any] | Unreadable:
    """Return the record a non-blank line holds, or why it holds none."""
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            return unreadable(raw, f"not UTF-8 at byte {bad.start + 1} of the line")
        return unreadable(raw, f"not valid JSON: {exc}")
    if not isinstance(record, dict):
        return unreadable(raw, f"not a JSON object but {type(record).__name__}")
    if _LONG_DIGITS.search(raw):
        try:
            json.loads(raw, parse_int=_int_within_64_bits)
        except ValueError as exc:
            return unreadable(raw, str(exc))
    if _ENTRY_KEYS.issuperset(record) and "status" in record and "reason" in record:
        return _from_rejects_entry(record)
    return record


def _int_within_64_bits(text: str) -> int:
    value = int(text)
    if not _SMALLEST_INT <= value <= _LARGEST_INT:
        raise ValueError(
            f"the integer {text[:12]}... ({len(text.lstrip('-'))} digits) is too large for JSON "
            "transport (64 bits at most); send it as a string"
        )
    return value


def _from_rejects_entry(entry: dict[str, Any]) -> dict[str, Any] | Unreadable:
    record = entry.get("record")
    if isinstance(record, dict):
        return record
    text = entry.get("text")
    if isinstance(text, str) and not entry.get("text_truncated"):
        # An unreadable line comes back as its text, perhaps fixed by hand.
        return parse_line(text.encode()) if text.strip() else unreadable(b"", "blank text")
    return unreadable(
        orjson.dumps(entry), "a rejects entry without a record or its full text: nothing to send"
    )


class InputLines:
    """The numbered lines of an input, checked at open for what cannot be JSON Lines.

    Raises:
        ValidationError: the input is a JSON array, not one object per line.
    """

    def __init__(self, stream: BinaryIO, name: str):
        self.name = name
        self._stream = stream
        #: The lines read to find the first one that is not blank.
        self._head: list[bytes] = []
        #: How many of them were handed out by the iterator.
        self._head_given = 0
        for line in stream:
            if self._head == []:
                line = line.removeprefix(_BOM)
            self._head.append(line)
            if line.strip():
                break
        first = self._head[-1].lstrip() if self._head else b""
        if first.startswith(b"["):
            shown = "the input" if name == "-" else name
            raise ValidationError(
                f"{shown} is a JSON array, not JSON Lines (one object per line); convert it "
                f"first, e.g. jq -c '.[]' {'FILE' if name == '-' else name} > records.jsonl"
            )
        #: True when the input has no line that is not blank.
        self.empty = not first

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        return enumerate(self._lines(), start=1)

    def _lines(self) -> Iterator[bytes]:
        for line in self._head:
            self._head_given += 1
            yield line
        if self.empty:
            return
        # Not ``yield from stream``: closing this generator would close the file, which the summary
        # of a stopped run still reads to count the lines it never reached.
        for line in self._stream:
            yield line

    def count_rest(self) -> int | None:
        """Count the lines not read yet (None for standard input, which cannot be read on).

        The lines read at open to look for a first record count as not read until handed out.
        """
        if self.name == "-":
            return None
        count, last = 0, b"\n"
        for block in iter(lambda: self._stream.read(1 << 20), b""):
            count += block.count(b"\n")
            last = block
        return len(self._head) - self._head_given + count + (not last.endswith(b"\n"))


def open_input(path: str) -> BinaryIO:
    """Open ``path`` for reading, or stdin for ``-``."""
    if path == "-":
        return sys.stdin.buffer
    return open(path, "rb")  # the caller closes it
