"""Results of the counts APIs: event and profile counts, real-time counts."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Self

import attrs


class CountResult(int):
    """An event or profile count: an ``int``, with the other fields of the server's answer in ``extra``.

    It compares, adds and prints as the plain count, so code written for an ``int`` keeps working.
    The profiles count answers with further figures beside ``count`` (``nQCount``, ``tcount``,
    ``userDeviceCount``); their meaning is not documented, so they are kept as sent.

    Example::

        buyers = await ct.profiles.count("Charged", 20260101, 20260131)
        print(buyers + 0, buyers.extra.get("userDeviceCount"))

    Attributes:
        extra: every field of the answer except ``status``, ``count`` and ``req_id`` (read-only).
    """

    extra: Mapping[str, Any]

    def __new__(cls, count: int, extra: Mapping[str, Any] | None = None) -> Self:
        """Build a count with the answer's other fields.

        Args:
            count: the count.
            extra: the answer's other fields (copied).
        """
        result = super().__new__(cls, count)
        result.extra = MappingProxyType(dict(extra or {}))
        return result

    def __reduce__(self) -> tuple[Any, ...]:
        return (CountResult, (int(self), dict(self.extra)))


@attrs.frozen
class RealtimeCounts:
    """Users active in the past five minutes (``POST /1/now.json``).

    Attributes:
        count: active users in total.
        last_processed_ts: when the server last processed data, UNIX epoch seconds.
        splits: the requested breakdowns by name (``user_type``, ``os``...), each a mapping of
            bucket to count (``new`` maps to further breakdowns); empty when none was asked for.
    """

    count: int
    last_processed_ts: int | None = None
    splits: dict[str, dict[str, Any]] = attrs.field(factory=dict)
