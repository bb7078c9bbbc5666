"""The chunker, pure: serialised records in, request bodies out, within a record count and a byte budget.

Each record is serialised once (by the caller, with orjson); a body is those bytes joined, never a
re-encoding of the batch. Modelled on elasticsearch-py's ``_chunk_actions``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final, NamedTuple

#: What ``{"d":[`` and ``]}`` add to a body.
BODY_OVERHEAD: Final = len(b'{"d":[]}')
#: Default byte budget of one request body: well under the 1 MiB a proxy commonly refuses.
DEFAULT_MAX_BATCH_BYTES: Final = 512 * 1024


#: What :meth:`Chunker.add` returns for most records; shared, so the hot path allocates nothing.
_NONE_SEALED: Final[Sequence[list[Any]]] = ()


class Item(NamedTuple):
    """One record ready to send: its input position, the record as given, and its JSON bytes."""

    position: int
    record: Any
    payload: bytes


def fits_alone(payload: bytes, max_bytes: int) -> bool:
    """Say whether one serialised record fits in a body of ``max_bytes`` by itself."""
    return BODY_OVERHEAD + len(payload) <= max_bytes


def body(items: Iterable[Item]) -> bytes:
    """Return the ``/1/upload`` body carrying ``items``, in order."""
    return b'{"d":[' + b",".join(item.payload for item in items) + b"]}"


class Chunker:
    """Groups items into batches of at most ``max_records`` and a body of at most ``max_bytes``.

    Feed items with :meth:`add`; it returns the batches that became full. :meth:`flush` returns the
    rest. A batch is sealed as soon as it reaches ``max_records``, so a slow source never holds a full
    batch back.
    """

    def __init__(self, max_records: int, max_bytes: int):
        if max_records < 1 or max_bytes <= BODY_OVERHEAD:
            raise ValueError("max_records must be >= 1 and max_bytes larger than an empty body")
        self.max_records = max_records
        self.max_bytes = max_bytes
        self._items: list[Item] = []
        self._size = BODY_OVERHEAD

    @property
    def pending(self) -> list[Item]:
        """The items of the batch being filled."""
        return self._items

    def add(self, item: Item) -> Sequence[list[Item]]:
        """Add one item; return the batches sealed by it (none, or one, or two in edge cases).

        Raises:
            ValueError: the item alone is over the byte budget (check :func:`fits_alone` first).
        """
        size = len(item.payload)
        if size + BODY_OVERHEAD > self.max_bytes:
            raise ValueError(f"record at position {item.position} is over the byte budget")
        items = self._items
        sealed: Sequence[list[Item]] = _NONE_SEALED
        if items:
            # A comma separates it from the previous record.
            if self._size + 1 + size > self.max_bytes:
                sealed = [self.flush()]
                items = self._items
            else:
                size += 1
        self._size += size
        items.append(item)
        if len(items) >= self.max_records:
            sealed = [*sealed, self.flush()]
        return sealed

    def flush(self) -> list[Item]:
        """Return the batch being filled (maybe empty) and start a new one."""
        items, self._items, self._size = self._items, [], BODY_OVERHEAD
        return items


def chunk(items: Iterable[Item], max_records: int, max_bytes: int) -> Iterator[list[Item]]:
    """Yield batches of ``items`` in order, each within ``max_records`` and ``max_bytes``.

    Raises:
        ValueError: an item alone is over ``max_bytes``.
    """
    chunker = Chunker(max_records, max_bytes)
    for item in items:
        yield from chunker.add(item)
    rest = chunker.flush()
    if rest:
        yield rest
