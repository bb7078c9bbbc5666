"""Reading records to import: JSON Lines from a file or stdin, lazily, remembering line numbers."""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

import attrs
import orjson


@attrs.define
class JsonLinesReader:
    """Yields one record per non-blank line; lines that are not JSON objects are set aside.

    Only the numbers of skipped lines are kept (not one number per record), so reading ten million
    lines stays in constant memory, and :meth:`line_of` still turns a record's position back into its
    line number.
    """

    stream: BinaryIO
    #: (line number, reason) for every line that was not a JSON object.
    unreadable: list[tuple[int, str]] = attrs.field(factory=list)
    _skipped_lines: list[int] = attrs.field(factory=list)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for number, line in enumerate(self.stream, start=1):
            if not line.strip():
                self._skipped_lines.append(number)
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                self._skip(number, f"not valid JSON: {exc}")
                continue
            if not isinstance(record, dict):
                self._skip(number, f"not a JSON object but {type(record).__name__}")
                continue
            yield record

    def _skip(self, number: int, reason: str) -> None:
        self._skipped_lines.append(number)
        self.unreadable.append((number, reason))

    def line_of(self, position: int) -> int:
        """Return the 1-based line number of the record at 0-based ``position``."""
        line = position + 1
        # Each skipped line at or before the candidate pushes the record one line further down.
        while True:
            shift = bisect.bisect_right(self._skipped_lines, line)
            if position + 1 + shift == line:
                return line
            line = position + 1 + shift


def open_input(path: str) -> BinaryIO:
    """Open ``path`` for reading, or stdin for ``-``."""
    if path == "-":
        return sys.stdin.buffer
    return open(path, "rb")  # the caller closes it
