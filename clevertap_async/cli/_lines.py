"""A set of line numbers kept as sorted ranges: a million done lines in order are one pair of ints."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator


class LineSet:
    """Line numbers as sorted, disjoint, non-adjacent inclusive ranges."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, ranges: Iterable[Iterable[int]] = ()):
        self._starts: list[int] = []
        self._ends: list[int] = []
        for first, last in ranges:
            self.add_range(first, last)

    def add_range(self, first: int, last: int) -> None:
        """Add ``first..last`` (both included)."""
        if first > last:
            return
        # Ranges that overlap or touch first..last are merged with it.
        low = bisect_left(self._ends, first - 1)
        high = bisect_right(self._starts, last + 1)
        if low < high:
            first = min(first, self._starts[low])
            last = max(last, self._ends[high - 1])
        self._starts[low:high] = [first]
        self._ends[low:high] = [last]

    def add(self, number: int) -> None:
        """Add one line."""
        self.add_range(number, number)

    def remove_range(self, first: int, last: int) -> None:
        """Remove ``first..last`` (both included)."""
        if first > last:
            return
        low = bisect_left(self._ends, first)
        high = bisect_right(self._starts, last)
        if low >= high:
            return
        kept: list[tuple[int, int]] = []
        if self._starts[low] < first:
            kept.append((self._starts[low], first - 1))
        if self._ends[high - 1] > last:
            kept.append((last + 1, self._ends[high - 1]))
        self._starts[low:high] = [start for start, _ in kept]
        self._ends[low:high] = [end for _, end in kept]

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int):
            return False
        index = bisect_right(self._starts, number) - 1
        return index >= 0 and self._ends[index] >= number

    def __len__(self) -> int:
        return sum(self._ends) - sum(self._starts) + len(self._starts)

    def __bool__(self) -> bool:
        return bool(self._starts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LineSet) and self.ranges() == other.ranges()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LineSet({self.ranges()!r})"

    def ranges(self) -> list[tuple[int, int]]:
        """Return the ranges, in order, as ``(first, last)`` pairs."""
        return list(zip(self._starts, self._ends, strict=True))

    def first(self) -> int:
        """The smallest line (the set must not be empty)."""
        return self._starts[0]

    def __iter__(self) -> Iterator[int]:
        for first, last in self.ranges():
            yield from range(first, last + 1)


def describe(ranges: Iterable[tuple[int, int]]) -> str:
    """``1,201-2,000, 2,005`` for people, with thousands separators."""
    return ", ".join(
        f"{first:,}" if first == last else f"{first:,}-{last:,}" for first, last in ranges
    )
