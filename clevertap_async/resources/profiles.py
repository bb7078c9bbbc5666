"""The user-profile APIs: export (Get User Profiles), fetch one, upload, counts, delete, demerge."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal, overload

from .. import _validation
from .._errors import NotFoundError, ValidationError
from .._exports import open_stream, profiles_batch_size
from .._pagination import Checkpoint, CursorStream
from ..models.exports import ExportedProfile, profile_from_wire
from ..models.query import Where
from ._base import Resource

PROFILES_PATH = "/1/profiles.json"
PROFILE_PATH = "/1/profile.json"


class Profiles(Resource):
    """The user-profile APIs: export (Get User Profiles), fetch one, upload, counts, delete, demerge."""

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
            where: filters in the query language (§6.7): a ``Where`` or a dict of body fields.
            raw: yield the server's dicts untouched instead of ExportedProfile.
            app: add OS version, make, model and app version to each profile.
            events: include event summaries (about 75% of a record; None: the server's default).
            profile: include custom profile properties (None: the server's default).
            resume_from: a Checkpoint (or its ``to_json()`` form), or a bare cursor.
            prefetch: fetch each partition's next page while the caller handles the current one.

        Returns:
            A CursorStream: ``async for`` gives records, ``.pages()`` gives pages with checkpoints.

        Raises:
            ValidationError: an argument is wrong (raised here, before anything is sent).
        """
        return open_stream(
            self._client,
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
            data = await self._client._request("GET", PROFILE_PATH, params=given)
        except NotFoundError:
            return None
        record = data.get("record")
        if not isinstance(record, dict):
            return None  # the docs do not confirm the not-found answer; no record means none
        return record if raw else profile_from_wire(record)
