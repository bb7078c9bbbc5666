"""Writing exported records: JSON Lines as they are, or CSV with nested keys flattened to columns.

Both writers append to a binary file and report the byte offset after each page, which the checkpoint
stores so that a resumed export can cut the file back to the last page it recorded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO, Protocol

import orjson

#: The CSV column that keeps keys first seen after the header was written, as JSON: nothing is dropped.
EXTRA_COLUMN = "_extra"


class RecordWriter(Protocol):
    """Appends records to an output file."""

    def write(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Append records."""


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested objects into dotted keys; lists become JSON text.

    ``{"profile": {"email": "a@b"}, "tags": [1]}`` → ``{"profile.email": "a@b", "tags": "[1]"}``.
    """
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list | Mapping):
            flat[name] = orjson.dumps(value).decode()
        else:
            flat[name] = value
    return flat


class JsonLinesWriter:
    """One JSON object per line, exactly as the server sent it."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream

    def write(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Append records, one line each."""
        self._stream.write(b"".join(orjson.dumps(r) + b"\n" for r in records))


class CsvWriter:
    """CSV with flattened columns fixed by the first records (or by an existing file's header).

    A column must be known before the header is written, and an export is streamed in constant memory,
    so keys first seen later go into the ``_extra`` column as JSON instead of being dropped.
    """

    def __init__(self, stream: BinaryIO, columns: list[str] | None = None):
        self._stream = stream
        self._columns = columns

    @property
    def columns(self) -> list[str] | None:
        """The header, once known."""
        return self._columns

    def write(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Append records as rows (writing the header first when the file is new)."""
        rows = [flatten(record) for record in records]
        if not rows:
            return
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        if self._columns is None:
            seen: dict[str, None] = {}
            for row in rows:
                seen.update(dict.fromkeys(row))
            self._columns = [*seen, EXTRA_COLUMN]
            writer.writerow(self._columns)
        known = set(self._columns)
        for row in rows:
            extra = {k: v for k, v in row.items() if k not in known}
            row[EXTRA_COLUMN] = orjson.dumps(extra).decode() if extra else ""
            writer.writerow([_cell(row.get(column)) for column in self._columns])
        self._stream.write(text.getvalue().encode())


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def read_csv_header(path: str) -> list[str] | None:
    """Return the header of an existing CSV file, or None when it is empty."""
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), None)
