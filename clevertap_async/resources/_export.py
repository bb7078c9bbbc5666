"""What the events and profiles namespaces share: one export (``stream``) and one count, by path.

The two APIs take the same query (an event, two days, a ``where``) and differ only in their paths,
their record model and the profiles' batch rounding; each namespace names those, and the methods here
do the rest.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any, ClassVar, Generic, TypeVar, overload

from .. import _query
from .._converter import parser
from .._errors import ValidationError
from .._exports import open_stream, time_zone
from .._pagination import Checkpoint, CursorStream
from ..models.counts import CountResult
from ._base import Resource
from ._counting import DEFAULT_POLLING, CountPolling, count_events

R = TypeVar("R")


class Export(Resource, Generic[R]):
    """``stream`` and ``count`` for a namespace whose export yields ``R`` records."""

    #: The export's path (``/1/events.json``, ``/1/profiles.json``).
    _EXPORT_PATH: ClassVar[str]
    #: The count's path (``/1/counts/events.json``, ``/1/counts/profiles.json``).
    _COUNT_PATH: ClassVar[str]
    #: The record model the export yields.
    _RECORD: ClassVar[type]
    #: Whether the export may be split into days, each its own cursor.
    _SPLITS_BY_DAY: ClassVar[bool]

    async def count(
        self,
        event_name: str,
        start: _query.DateLike,
        end: _query.DateLike,
        *,
        where: _query.WhereLike = None,
        polling: CountPolling = DEFAULT_POLLING,
    ) -> CountResult:
        """Count an event between two days, both included: occurrences, or profiles that did it.

        ``ct.events.count`` counts the occurrences, ``ct.profiles.count`` the profiles.

        Example::

            charged = await ct.events.count(
                "Charged", date(2026, 1, 1), 20260131,
                where={"event_properties": [{"name": "Amount", "operator": "greater_than", "value": 10}]},
            )

        Args:
            event_name: the event to count.
            start: the first day, a ``datetime.date`` or a ``YYYYMMDD`` int.
            end: the last day, included.
            where: further query-language blocks: a Where or a mapping.
            polling: how long to poll while the server answers "partial".

        Returns:
            The count: an ``int`` whose ``extra`` holds the answer's other fields.

        Raises:
            ValidationError: a bad name, date or ``where``, or an ``end`` after tomorrow (UTC);
                nothing was sent.
            UnknownEventError: the account has never recorded ``event_name``.
            CountTimeoutError: the server was still counting when the poll deadline passed.
            APIError: the server refused the query.
        """
        return await count_events(
            self._requester, self._COUNT_PATH, event_name, start, end, where, polling
        )

    @overload
    def stream(
        self,
        event_name: str,
        start: _query.DateLike,
        end: _query.DateLike,
        *,
        batch_size: int | None = ...,
        where: _query.WhereLike = ...,
        app: bool | None = ...,
        events: bool | None = ...,
        profile: bool | None = ...,
        parallel: int = ...,
        resume_from: Checkpoint | Mapping[str, Any] | str | None = ...,
        prefetch: bool = ...,
        tz: tzinfo | str = ...,
    ) -> CursorStream[R]: ...

    # The deprecated raw= gives dicts or models by a value only known at run time.
    @overload
    def stream(
        self,
        event_name: str,
        start: _query.DateLike,
        end: _query.DateLike,
        *,
        batch_size: int | None = ...,
        where: _query.WhereLike = ...,
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
        start: _query.DateLike,
        end: _query.DateLike,
        *,
        batch_size: int | None = None,
        where: _query.WhereLike = None,
        raw: bool = False,
        app: bool | None = None,
        events: bool | None = None,
        profile: bool | None = None,
        parallel: int = 1,
        resume_from: Checkpoint | Mapping[str, Any] | str | None = None,
        prefetch: bool = True,
        tz: tzinfo | str = "UTC",
    ) -> CursorStream[R] | CursorStream[dict[str, Any]]:
        """Export the records of an event between two days, as an async iterable.

        ``ct.events.stream`` yields each occurrence as an :class:`ExportedEvent`;
        ``ct.profiles.stream`` yields each profile that did the event as an :class:`ExportedProfile`.
        ``.raw()`` on the stream yields the server's dicts untouched instead (the fastest way).
        Nothing is sent until the stream is iterated. The cursor flow (create, then follow
        ``next_cursor``), not-ready answers, throttling and retries are handled inside.

        Example::

            async for ev in ct.events.stream("Charged", date(2026, 1, 1), date(2026, 1, 31)):
                print(ev.ts, ev.event_props)

            async for page in ct.events.stream("Charged", 20260101, 20260131).raw().pages():
                store(page.records)
                save(page.checkpoint.to_json())  # resume later with resume_from=

        Args:
            event_name: the event to export (profiles: those that did it).
            start: the first day, a ``date`` or a ``YYYYMMDD`` int.
            end: the last day (inclusive).
            batch_size: records per page, 1 to 5000 (None: 5000). For profiles the API asks for a
                multiple of 23 (its data sits in 23 buckets), so it is rounded down: 5000 is 4991.
            where: filters in the query language: a ``Where`` or a mapping of query blocks.
            raw: deprecated, use ``.raw()`` on the stream.
            app: add OS version, make, model and app version to each profile.
            events: include event summaries in each profile (None: the server's default).
            profile: include custom profile properties (None: the server's default).
            parallel: events only: cursors run at once; above 1 the range is split into days,
                each its own partition, still within the client's query concurrency.
            resume_from: a Checkpoint (or its ``to_json()`` string or ``to_dict()`` form) from an
                earlier run with the same arguments, or a bare cursor string with ``parallel=1``.
            prefetch: fetch each partition's next page while the caller handles the current one.
            tz: events only: the project's time zone, in which the API writes ``ts``, a zone name
                (``"Asia/Kolkata"``) or a tzinfo. ``ExportedEvent.ts`` is aware, in this zone.

        Returns:
            A CursorStream: ``async for`` gives records, ``.pages()`` gives pages with checkpoints.

        Raises:
            ValidationError: an argument is wrong (raised here, before anything is sent).
        """
        if not self._SPLITS_BY_DAY and parallel != 1:
            # A profile active on several days would come once per day.
            raise ValidationError(
                f"parallel must be 1 for {self._EXPORT_PATH}, got {parallel!r}", field="parallel"
            )
        stream: CursorStream[R] = open_stream(
            self._requester,
            self._EXPORT_PATH,
            event_name=event_name,
            start=start,
            end=end,
            batch_size=self._batch_size(batch_size),
            where=where,
            parse=parser(self._RECORD, time_zone(tz)),
            flags={"app": app, "events": events, "profile": profile},
            parallel=parallel,
            prefetch=prefetch,
            resume_from=resume_from,
        )
        if not raw:
            return stream
        warnings.warn(
            "stream(..., raw=True) is deprecated; use stream(...).raw()",
            DeprecationWarning,
            stacklevel=2,
        )
        return stream.raw()

    def _batch_size(self, value: object) -> int:
        """Check a ``batch_size`` (None: the largest the API takes); return the one to send."""
        raise NotImplementedError
