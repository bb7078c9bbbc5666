"""The user-profile APIs: export (Get User Profiles), fetch one, upload, counts, delete, demerge."""

from __future__ import annotations

from collections.abc import Iterable

from .. import _limits, _query, _validation
from .._errors import ValidationError
from ..models.bulk import BulkResult
from ._chunks import send_in_chunks
from ._counting import DEFAULT_POLLING, CountPolling, count_events
from ._uploads import Uploads

PROFILE_COUNT_PATH = "/1/counts/profiles.json"
DELETE_PATH = "/1/delete/profiles.json"
DEMERGE_PATH = "/1/demerge/profiles.json"
DISASSOCIATE_PATH = "/1/disassociate"


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
    ) -> int:
        """Count the profiles that did an event between two days (both included).

        Example::

            buyers = await ct.profiles.count("Charged", 20260101, 20260131)

        Args:
            event_name: the event the profiles did.
            start: the first day, a ``datetime.date`` or a ``YYYYMMDD`` int.
            end: the last day, included.
            where: further query-language blocks (§6.7) as a mapping or an attrs model.
            polling: how long to poll while the server answers "partial".

        Returns:
            The number of profiles.

        Raises:
            ValidationError: a bad name, date or ``where``; nothing was sent.
            CountTimeoutError: the server was still counting when the poll deadline passed.
            APIError: the server refused the query.
        """
        return await count_events(
            self._client, PROFILE_COUNT_PATH, event_name, start, end, where, polling
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
            self._client,
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
            self._client,
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
            self._client,
            DISASSOCIATE_PATH,
            values,
            _limits.MAX_SUBSCRIPTION_RECORDS,
            lambda chunk: {"d": [{"type": "phone", "value": phone} for phone in chunk]},
            field="phones",
        )
