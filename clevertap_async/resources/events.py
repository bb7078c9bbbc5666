"""The events APIs: export (Get Events), upload, counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, tzinfo
from typing import Any, Literal, overload

from .. import _query
from .._exports import event_parser, events_batch_size, open_stream
from .._pagination import Checkpoint, CursorStream
from ..models.counts import CountResult
from ..models.exports import ExportedEvent
from ..models.query import Where
from ._counting import DEFAULT_POLLING, CountPolling, count_events
from ._uploads import Uploads

EVENT_COUNT_PATH = "/1/counts/events.json"
EVENTS_PATH = "/1/events.json"


class Events(Uploads):
    """The events APIs: export (Get Events), upload, counts."""

    _KIND = "event"

    # --- counts ---

    async def count(
        self,
        event_name: str,
        start: _query.DateLike,
        end: _query.DateLike,
        *,
        where: object = None,
        polling: CountPolling = DEFAULT_POLLING,
    ) -> CountResult:
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
            where: further query-language blocks as a mapping or an attrs model.
            polling: how long to poll while the server answers "partial".

        Returns:
            The number of events: an ``int`` whose ``extra`` holds the answer's other fields.

        Raises:
            ValidationError: a bad name, date or ``where``, or an ``end`` after tomorrow (UTC);
                nothing was sent.
            UnknownEventError: the account has never recorded ``event_name``.
            CountTimeoutError: the server was still counting when the poll deadline passed.
            APIError: the server refused the query.
        """
        return await count_events(
            self._requester, EVENT_COUNT_PATH, event_name, start, end, where, polling
        )

    # --- export ---------------------------------------------------------

    @overload
    def stream(
        self,
        event_name: str,
        start: date | int,
        end: date | int,
        *,
        batch_size: int = ...,
        where: Where | Mapping[str, Any] | None = ...,
        raw: Literal[False] = ...,
        app: bool | None = ...,
        events: bool | None = ...,
        profile: bool | None = ...,
        parallel: int = ...,
        resume_from: Checkpoint | Mapping[str, Any] | str | None = ...,
        prefetch: bool = ...,
        tz: tzinfo | str = ...,
    ) -> CursorStream[ExportedEvent]: ...

    @overload
    def stream(
        self,
        event_name: str,
        start: date | int,
        end: date | int,
        *,
        batch_size: int = ...,
        where: Where | Mapping[str, Any] | None = ...,
        raw: Literal[True],
        app: bool | None = ...,
        events: bool | None = ...,
        profile: bool | None = ...,
        parallel: int = ...,
        resume_from: Checkpoint | Mapping[str, Any] | str | None = ...,
        prefetch: bool = ...,
        tz: tzinfo | str = ...,
    ) -> CursorStream[dict[str, Any]]: ...

    @overload
    def stream(
        self,
        event_name: str,
        start: date | int,
        end: date | int,
        *,
        batch_size: int = ...,
        where: Where | Mapping[str, Any] | None = ...,
        raw: bool,
        app: bool | None = ...,
        events: bool | None = ...,
        profile: bool | None = ...,
        parallel: int = ...,
        resume_from: Checkpoint | Mapping[str, Any] | str | None = ...,
        prefetch: bool = ...,
        tz: tzinfo | str = ...,
    ) -> CursorStream[Any]: ...

    def stream(
        self,
        event_name: str,
        start: date | int,
        end: date | int,
        *,
        batch_size: int = 5000,
        where: Where | Mapping[str, Any] | None = None,
        raw: bool = False,
        app: bool | None = None,
        events: bool | None = None,
        profile: bool | None = None,
        parallel: int = 1,
        resume_from: Checkpoint | Mapping[str, Any] | str | None = None,
        prefetch: bool = True,
        tz: tzinfo | str = "UTC",
    ) -> CursorStream[ExportedEvent] | CursorStream[dict[str, Any]]:
        """Export one event's occurrences between two days, as an async iterable of records.

        Nothing is sent until the stream is iterated. The cursor flow (create, then follow
        ``next_cursor``), not-ready answers, throttling and retries are handled inside.

        Example::

            async for ev in ct.events.stream("Charged", date(2026, 1, 1), date(2026, 1, 31)):
                print(ev.ts, ev.event_props)

            async for page in ct.events.stream("Charged", 20260101, 20260131, raw=True).pages():
                store(page.records)
                save(page.checkpoint.to_json())  # resume later with resume_from=

        Args:
            event_name: the event to export.
            start: the first day, a ``date`` or a ``YYYYMMDD`` int.
            end: the last day (inclusive).
            batch_size: records per page, 1 to 5000.
            where: filters in the query language: a ``Where`` or a dict of body fields.
            raw: yield the server's dicts untouched (the fastest way) instead of ExportedEvent.
            app: add OS version, make, model and app version to each profile.
            events: include event summaries in each profile (None: the server's default).
            profile: include custom profile properties (None: the server's default).
            parallel: cursors run at once; above 1 the range is split into days, each its own
                partition, still within the client's query concurrency.
            resume_from: a Checkpoint (or its ``to_json()`` string or ``to_dict()`` form) from an
                earlier run with the same arguments, or a bare cursor string with ``parallel=1``.
            prefetch: fetch each partition's next page while the caller handles the current one.
            tz: the project's time zone, in which the API writes ``ts``: a zone name
                (``"Asia/Kolkata"``) or a tzinfo. ``ExportedEvent.ts`` is aware, in this zone.

        Returns:
            A CursorStream: ``async for`` gives records, ``.pages()`` gives pages with checkpoints.

        Raises:
            ValidationError: an argument is wrong, or ``end`` is after tomorrow in UTC (raised
                here, before anything is sent).
            UnknownEventError: raised by the first iteration when the account has never recorded
                ``event_name``.
            ExportNotAllowedError: raised by the first iteration for an event the API does not
                export (the notification events).
        """
        return open_stream(
            self._requester,
            EVENTS_PATH,
            event_name=event_name,
            start=start,
            end=end,
            batch_size=events_batch_size(batch_size),
            where=where,
            parse=event_parser(raw, tz),
            flags={"app": app, "events": events, "profile": profile},
            parallel=parallel,
            prefetch=prefetch,
            resume_from=resume_from,
        )
