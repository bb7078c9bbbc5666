"""The user-profile APIs: export (Get User Profiles), fetch one, upload, counts, delete, demerge."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal, overload

from .. import _limits, _query, _validation
from .._errors import NotFoundError, ValidationError
from .._exports import open_stream, profiles_batch_size
from .._pagination import Checkpoint, CursorStream
from ..models.bulk import BulkResult
from ..models.counts import CountResult
from ..models.exports import ExportedProfile, profile_from_wire
from ..models.query import Where
from ._chunks import send_in_chunks
from ._counting import DEFAULT_POLLING, CountPolling, count_events
from ._uploads import Uploads

PROFILE_COUNT_PATH = "/1/counts/profiles.json"
DELETE_PATH = "/1/delete/profiles.json"
DEMERGE_PATH = "/1/demerge/profiles.json"
DISASSOCIATE_PATH = "/1/disassociate"
PROFILES_PATH = "/1/profiles.json"
PROFILE_PATH = "/1/profile.json"


class Profiles(Uploads):
    """The user-profile APIs: export (Get User Profiles), fetch one, upload, counts, delete, demerge."""

    _KIND = "profile"

    # --- counts, delete, demerge, disassociate (clevertap-api.md §6.5, §7.1, §7.2, §7.4) ---

    async def count(
        self,
        event_name: str,
        start: _query.DateLike,
        end: _query.DateLike,
        *,
        where: object = None,
        polling: CountPolling = DEFAULT_POLLING,
    ) -> CountResult:
        """Count the profiles that did an event between two days (both included).

        Example::

            buyers = await ct.profiles.count("Charged", 20260101, 20260131)

        Args:
            event_name: the event the profiles did.
            start: the first day, a ``datetime.date`` or a ``YYYYMMDD`` int.
            end: the last day, included.
            where: further query-language blocks as a mapping or an attrs model.
            polling: how long to poll while the server answers "partial".

        Returns:
            The number of profiles: an ``int`` whose ``extra`` holds the answer's other fields.

        Raises:
            ValidationError: a bad name, date or ``where``, or an ``end`` after tomorrow (UTC);
                nothing was sent.
            UnknownEventError: the account has never recorded ``event_name``.
            CountTimeoutError: the server was still counting when the poll deadline passed.
            APIError: the server refused the query.
        """
        return await count_events(
            self._requester, PROFILE_COUNT_PATH, event_name, start, end, where, polling
        )

    async def delete(
        self,
        *,
        identities: Iterable[str] | None = None,
        guids: Iterable[str] | None = None,
    ) -> BulkResult:
        """Delete profiles by identity or by CleverTap ID (GUID), 100 to a request.

        The API refuses both kinds in one call, so this takes exactly one of them.

        Example::

            result = await ct.profiles.delete(identities=["user-1", "user-2"])
            assert result.ok, result.failed

        Args:
            identities: your user IDs.
            guids: CleverTap IDs (the ``objectId`` of a profile).

        Returns:
            One ChunkResult per request; failed chunks carry their error.

        Raises:
            ValidationError: neither or both kinds given, an empty list, a non-string ID; nothing
                was sent.
        """
        if (identities is None) == (guids is None):
            raise ValidationError(
                "pass exactly one of identities= or guids= (the API refuses both in one call)",
                field="identities",
            )
        key, field = ("identity", "identities") if identities is not None else ("guid", "guids")
        values = _validation.text_list(identities if identities is not None else guids, field)
        return await send_in_chunks(
            self._requester,
            DELETE_PATH,
            values,
            _limits.MAX_DELETE_IDS,
            lambda chunk: {key: chunk},
            field=field,
        )

    async def demerge(self, identities: Iterable[str]) -> BulkResult:
        """Split merged profiles apart by identity, 100 to a request (their events may be lost).

        Example::

            await ct.profiles.demerge(["client-19827239", "jack@example.com"])

        Args:
            identities: the identities to demerge.

        Returns:
            One ChunkResult per request; failed chunks carry their error.

        Raises:
            ValidationError: an empty list or a non-string identity; nothing was sent.
        """
        values = _validation.text_list(identities, "identities")
        return await send_in_chunks(
            self._requester,
            DEMERGE_PATH,
            values,
            _limits.MAX_DELETE_IDS,
            lambda chunk: {"identities": chunk},
            field="identities",
        )

    async def disassociate(self, phones: Iterable[str]) -> BulkResult:
        """Detach phone numbers used as identities from their profiles, 1000 to a request.

        Example::

            await ct.profiles.disassociate(["+919244142334"])

        Args:
            phones: phone numbers in E.164 form (``+`` and the country code).

        Returns:
            One ChunkResult per request; failed chunks carry their error.

        Raises:
            ValidationError: an empty list or a malformed number; nothing was sent.
        """
        values = _validation.text_list(phones, "phones", _validation.phone)
        return await send_in_chunks(
            self._requester,
            DISASSOCIATE_PATH,
            values,
            _limits.MAX_SUBSCRIPTION_RECORDS,
            lambda chunk: {"d": [{"type": "phone", "value": phone} for phone in chunk]},
            field="phones",
        )

    # --- export and lookup (clevertap-api.md §6.3-§6.4) ------------------------------------------

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
        resume_from: Checkpoint | Mapping[str, Any] | str | None = ...,
        prefetch: bool = ...,
    ) -> CursorStream[ExportedProfile]: ...

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
        resume_from: Checkpoint | Mapping[str, Any] | str | None = ...,
        prefetch: bool = ...,
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
        resume_from: Checkpoint | Mapping[str, Any] | str | None = ...,
        prefetch: bool = ...,
    ) -> CursorStream[Any]: ...

    def stream(
        self,
        event_name: str,
        start: date | int,
        end: date | int,
        *,
        batch_size: int = 4991,
        where: Where | Mapping[str, Any] | None = None,
        raw: bool = False,
        app: bool | None = None,
        events: bool | None = None,
        profile: bool | None = None,
        resume_from: Checkpoint | Mapping[str, Any] | str | None = None,
        prefetch: bool = True,
    ) -> CursorStream[ExportedProfile] | CursorStream[dict[str, Any]]:
        """Export the profiles that did an event between two days, as an async iterable of records.

        Works like ``ct.events.stream``. The docs ask for a ``batch_size`` in multiples of 23 (the
        data sits in 23 buckets), so it is rounded down to one (at least 23): 5000 becomes 4991.

        Example::

            async for p in ct.profiles.stream("Charged", 20260101, 20260131, events=False):
                print(p.identity, p.profile_data)

        Args:
            event_name: profiles that did this event are exported.
            start: the first day, a ``date`` or a ``YYYYMMDD`` int.
            end: the last day (inclusive).
            batch_size: records per page, 1 to 5000, rounded down to a multiple of 23.
            where: filters in the query language: a ``Where`` or a dict of body fields.
            raw: yield the server's dicts untouched instead of ExportedProfile.
            app: add OS version, make, model and app version to each profile.
            events: include event summaries (about 75% of a record; None: the server's default).
            profile: include custom profile properties (None: the server's default).
            resume_from: a Checkpoint (or its ``to_json()`` string or ``to_dict()`` form), or a bare cursor.
            prefetch: fetch each partition's next page while the caller handles the current one.

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
            PROFILES_PATH,
            event_name=event_name,
            start=start,
            end=end,
            batch_size=profiles_batch_size(batch_size),
            where=where,
            parse=None if raw else profile_from_wire,
            flags={"app": app, "events": events, "profile": profile},
            parallel=1,
            prefetch=prefetch,
            resume_from=resume_from,
        )

    @overload
    async def get(
        self,
        *,
        identity: str | None = ...,
        email: str | None = ...,
        object_id: str | None = ...,
        raw: Literal[False] = ...,
    ) -> ExportedProfile | None: ...

    @overload
    async def get(
        self,
        *,
        identity: str | None = ...,
        email: str | None = ...,
        object_id: str | None = ...,
        raw: Literal[True],
    ) -> dict[str, Any] | None: ...

    async def get(
        self,
        *,
        identity: str | None = None,
        email: str | None = None,
        object_id: str | None = None,
        raw: bool = False,
    ) -> ExportedProfile | dict[str, Any] | None:
        """Fetch one profile by identity, email or CleverTap ID (``GET /1/profile.json``).

        Example::

            profile = await ct.profiles.get(email="jack@example.com")
            if profile is not None:
                print(profile.profile_data)

        Args:
            identity: the customer's own ID.
            email: the email address.
            object_id: the CleverTap ID (``objectId``).
            raw: return the server's ``record`` dict untouched.

        Returns:
            The profile, or None when there is no such profile.

        Raises:
            ValidationError: not exactly one of identity, email and object_id was given.
            APIError: the server answered with an error other than "not found".
        """
        given = {
            wire: _validation.required_text(value, field)
            for field, wire, value in (
                ("identity", "identity", identity),
                ("email", "email", email),
                ("object_id", "objectId", object_id),
            )
            if value is not None
        }
        if len(given) != 1:
            raise ValidationError(
                "pass exactly one of identity=, email= or object_id=", field="identity"
            )
        try:
            data = await self._request("GET", PROFILE_PATH, params=given)
        except NotFoundError:
            return None
        record = data.get("record")
        if not isinstance(record, dict):
            return None  # the docs do not confirm the not-found answer; no record means none
        return record if raw else profile_from_wire(record)
