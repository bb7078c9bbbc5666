"""The events APIs: export (Get Events), upload, counts."""

from __future__ import annotations

from .. import _query
from ._counting import DEFAULT_POLLING, CountPolling, count_events
from ._uploads import Uploads

EVENT_COUNT_PATH = "/1/counts/events.json"


class Events(Uploads):
    """The events APIs: export (Get Events), upload, counts."""

    _KIND = "event"

    # --- counts (clevertap-api.md §6.5) ---

    async def count(
        self,
        event_name: str,
        start: _query.DateLike,
        end: _query.DateLike,
        *,
        where: object = None,
        polling: CountPolling = DEFAULT_POLLING,
    ) -> int:
        """Count how many times an event occurred between two days (both included).

        Example::

            charged = await ct.events.count(
                "Charged", date(2026, 1, 1), 20260131,
                where={"event_properties": [{"name": "Amount", "operator": "greater_than", "value": 10}]},
            )

        Args:
            event_name: the event to count.
            start: the first day, a ``datetime.date`` or a ``YYYYMMDD`` int.
            end: the last day, included.
            where: further query-language blocks (§6.7) as a mapping or an attrs model.
            polling: how long to poll while the server answers "partial".

        Returns:
            The number of events.

        Raises:
            ValidationError: a bad name, date or ``where``; nothing was sent.
            CountTimeoutError: the server was still counting when the poll deadline passed.
            APIError: the server refused the query.
        """
        return await count_events(
            self._client, EVENT_COUNT_PATH, event_name, start, end, where, polling
        )
