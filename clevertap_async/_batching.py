"""The chunker, pure: serialised records in, request bodies out, within a record count and a byte budget.

Each record is serialised once (by the caller, with :func:`serialise`); a body is those bytes joined,
never a re-encoding of the batch. Modelled on elasticsearch-py's ``_chunk_actions``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final, NamedTuple

import orjson

from . import _defaults

#: What ``{"d":[`` and ``]}`` add to a body.
BODY_OVERHEAD: Final = len(b'{"d":[]}')
#: Default byte budget of one request body.
DEFAULT_MAX_BATCH_BYTES: Final = _defaults.MAX_BATCH_BYTES


class Item(NamedTuple):
    """One record ready to send: its input position, the record as given, and its JSON bytes."""

    position: int
    record: Any
    payload: bytes


_OPEN: Final = b'{"d":['


class Batch:
    """The records of one request: their positions and records as given, and the body being built.

    Each record's JSON is appended to one growing body as it comes (followed by a comma), and only its
    end offset is kept: no bytes object per record lives until the answer, and the body is never
    joined from pieces. An object per record, alive until its batch is answered, made the garbage
    collector walk the whole heap (the caller's records included) a few times per large upload; a
    bytes object per record cost as much again in the allocator. Items are made only when one is
    asked for: a rejection, an undelivered record.
    """

    __slots__ = ("_buffer", "_ends", "positions", "records")

    def __init__(self) -> None:
        self.positions: list[int] = []
        self.records: list[Any] = []
        self._buffer = bytearray(_OPEN)
        self._ends: list[int] = []

    @classmethod
    def of(cls, items: Iterable[Item]) -> Batch:
        """Return a batch of ``items``, in order."""
        batch = cls()
        for item in items:
            batch.append(*item)
        return batch

    def append(self, position: int, record: Any, payload: bytes) -> None:
        """Add one record at the end."""
        self.positions.append(position)
        self.records.append(record)
        buffer = self._buffer
        buffer += payload
        buffer += b","
        self._ends.append(len(buffer))

    def __len__(self) -> int:
        return len(self._ends)

    def payload(self, index: int) -> bytes:
        """Return the JSON bytes of the record at ``index`` (0-based, in sending order)."""
        start = self._ends[index - 1] if index else len(_OPEN)
        return bytes(self._buffer[start : self._ends[index] - 1])

    @property
    def payloads(self) -> list[bytes]:
        """Every record's JSON bytes, in sending order."""
        return [self.payload(index) for index in range(len(self))]

    def item(self, index: int) -> Item:
        """Return the record at ``index`` (0-based, in sending order)."""
        return Item(self.positions[index], self.records[index], self.payload(index))

    def items(self) -> list[Item]:
        """Return every record, in sending order."""
        return [self.item(index) for index in range(len(self))]

    def body(self) -> bytes:
        """Return the ``/1/upload`` body carrying these records, in order."""
        if not self._ends:
            return b'{"d":[]}'
        return b"".join((memoryview(self._buffer)[:-1], b"]}"))


def serialise(record: Any) -> bytes:
    """Return one record's JSON bytes (:meth:`Chunker.add` copies them into the batch's body).

    Raises:
        orjson.JSONEncodeError: the record is not JSON-serialisable.
    """
    return orjson.dumps(record)


#: What :meth:`Chunker.add` returns for most records; shared, so the hot path allocates nothing.
_NONE_SEALED: Final[Sequence[Batch]] = ()


class Chunker:
    """Groups records into batches of at most ``max_records`` and a body of at most ``max_bytes``.

    Feed records with :meth:`add`; it returns the batches that became full. :meth:`flush` returns the
    rest. A batch is sealed as soon as it reaches ``max_records``, so a slow source never holds a full
    batch back.
    """

    def __init__(self, max_records: int, max_bytes: int):
        if max_records < 1 or max_bytes <= BODY_OVERHEAD:
            raise ValueError("max_records must be >= 1 and max_bytes larger than an empty body")
        self.max_records = max_records
        self.max_bytes = max_bytes
        #: The largest serialised record that fits in a body by itself.
        self.max_payload = max_bytes - BODY_OVERHEAD
        self._batch = Batch()

    def add(self, position: int, record: Any, payload: bytes) -> Sequence[Batch]:
        """Add one record; return the batches sealed by it (none, or one, or two in edge cases).

        Raises:
            ValueError: the record alone is over the byte budget (check :attr:`max_payload` first).
        """
        size = len(payload)
        if size > self.max_payload:
            raise ValueError(f"record at position {position} is over the byte budget")
        sealed: Sequence[Batch] = _NONE_SEALED
        batch = self._batch
        buffer = batch._buffer
        # The body so far (its trailing comma stands for the "]" to come), the record, a comma, "}".
        if len(buffer) + size + 2 > self.max_bytes and batch._ends:
            sealed = [batch]
            batch = self._batch = Batch()
            buffer = batch._buffer
        # Batch.append, inlined: this runs once per record uploaded.
        batch.positions.append(position)
        batch.records.append(record)
        buffer += payload
        buffer += b","
        ends = batch._ends
        ends.append(len(buffer))
        if len(ends) >= self.max_records:
            sealed = [*sealed, batch]
            self._batch = Batch()
        return sealed

    def flush(self) -> Batch:
        """Return the batch being filled (maybe empty) and start a new one."""
        batch, self._batch = self._batch, Batch()
        return batch


def chunk(items: Iterable[Item], max_records: int, max_bytes: int) -> Iterator[Batch]:
    """Yield batches of ``items`` in order, each within ``max_records`` and ``max_bytes``.

    Raises:
        ValueError: an item alone is over ``max_bytes``.
    """
    chunker = Chunker(max_records, max_bytes)
    for item in items:
        yield from chunker.add(*item)
    rest = chunker.flush()
    if rest:
        yield rest
