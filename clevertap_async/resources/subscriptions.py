"""Subscription status by email or phone: unsubscribe and resubscribe (``POST /1/subscribe``, §7.3).

The status applies to every profile sharing the email or phone; to change one user only, set
``MSG-email`` / ``MSG-sms`` on that profile instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from .. import _limits, _validation
from .._errors import ValidationError
from ..models.bulk import BulkResult
from ._base import Resource
from ._chunks import send_in_chunks

SUBSCRIBE_PATH = "/1/subscribe"


class Subscriptions(Resource):
    """The Subscribe API: opt emails and phone numbers out of (or back into) messages."""

    async def unsubscribe(
        self, *, emails: Iterable[str] = (), phones: Iterable[str] = ()
    ) -> BulkResult:
        """Unsubscribe emails and phone numbers, 1000 to a request.

        Example::

            await ct.subscriptions.unsubscribe(emails=["a@example.com"], phones=["+14155550123"])

        Args:
            emails: email addresses.
            phones: phone numbers in E.164 form.

        Returns:
            One ChunkResult per request; each value is a ``{"type", "value", "status"}`` entry.

        Raises:
            ValidationError: nothing given, a malformed email or phone; nothing was sent.
        """
        return await self._set(emails, phones, "Unsubscribe")

    async def resubscribe(
        self, *, emails: Iterable[str] = (), phones: Iterable[str] = ()
    ) -> BulkResult:
        """Resubscribe emails and phone numbers, 1000 to a request.

        Example::

            await ct.subscriptions.resubscribe(emails=["a@example.com"])

        Args:
            emails: email addresses.
            phones: phone numbers in E.164 form.

        Returns:
            One ChunkResult per request; each value is a ``{"type", "value", "status"}`` entry.

        Raises:
            ValidationError: nothing given, a malformed email or phone; nothing was sent.
        """
        return await self._set(emails, phones, "Resubscribe")

    async def _set(
        self,
        emails: Iterable[str],
        phones: Iterable[str],
        status: Literal["Unsubscribe", "Resubscribe"],
    ) -> BulkResult:
        entries = [
            {"type": "email", "value": value, "status": status}
            for value in _validation.text_list(emails, "emails", _validation.email)
        ] + [
            {"type": "phone", "value": value, "status": status}
            for value in _validation.text_list(phones, "phones", _validation.phone)
        ]
        if not entries:
            raise ValidationError("pass at least one email or phone number", field="emails")
        return await send_in_chunks(
            self._requester,
            SUBSCRIBE_PATH,
            entries,
            _limits.MAX_SUBSCRIPTION_RECORDS,
            lambda chunk: {"d": chunk},
            field="emails",
        )
