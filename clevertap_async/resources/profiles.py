"""The user-profile APIs: export (Get User Profiles), fetch one, upload, counts, delete, demerge."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, overload

from .. import _limits, _validation
from .._converter import from_wire
from .._errors import NotFoundError, ValidationError
from .._exports import profiles_batch_size
from ..models.bulk import BulkResult
from ..models.exports import ExportedProfile
from ._chunks import send_in_chunks
from ._export import Export
from ._uploads import Uploads

PROFILE_COUNT_PATH = "/1/counts/profiles.json"
DELETE_PATH = "/1/delete/profiles.json"
DEMERGE_PATH = "/1/demerge/profiles.json"
DISASSOCIATE_PATH = "/1/disassociate"
PROFILES_PATH = "/1/profiles.json"
PROFILE_PATH = "/1/profile.json"


class Profiles(Uploads, Export[ExportedProfile]):
    """The user-profile APIs: export (Get User Profiles), fetch one, upload, counts, delete, demerge.

    ``stream`` yields each profile that did an event as an :class:`ExportedProfile`, one cursor
    (``parallel=1``: a profile active on several days would come once per day); ``count`` counts them.
    """

    _KIND = "profile"
    _EXPORT_PATH = PROFILES_PATH
    _COUNT_PATH = PROFILE_COUNT_PATH
    _RECORD = ExportedProfile
    _SPLITS_BY_DAY = False

    def _batch_size(self, value: object) -> int:
        return profiles_batch_size(value)

    # --- counts, delete, demerge, disassociate ---

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

    # --- export and lookup ---

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
        return record if raw else from_wire(record, ExportedProfile)
