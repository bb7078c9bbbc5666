"""Results of the real-time counts API (``POST /1/now.json``)."""

from __future__ import annotations

from typing import Any

import attrs


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
