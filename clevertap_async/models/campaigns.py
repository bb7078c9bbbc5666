"""Campaign inputs and results: recipients, a created campaign, an estimate, a report."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import attrs

from .._errors import ValidationError


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    # A lone string would become a tuple of characters: refuse it. Other bad items are reported by
    # the send call, which names the field and position.
    if isinstance(values, str):
        raise ValidationError(f"recipients must be lists of strings, got the string {values!r}")
    return tuple(values)


@attrs.frozen
class Recipients:
    """Who a ``/1/send/*.json`` message goes to; at least one list must be non-empty.

    Sent as the API's ``to`` object, with its own spelling of the keys (``Identity``, ``Email``,
    ``objectId``, ``FBID``, ``GPID``).

    Attributes:
        identities: your user IDs.
        emails: email addresses.
        object_ids: CleverTap object IDs (GUIDs).
        fbids: Facebook IDs.
        gpids: Google Plus IDs.

    Example::

        Recipients(identities=["user-1"], emails=["a@example.com"])
    """

    identities: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    emails: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    object_ids: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    fbids: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    gpids: tuple[str, ...] = attrs.field(default=(), converter=_strings)


@attrs.frozen
class CampaignCreated:
    """The answer to creating a campaign.

    Attributes:
        id: the new campaign's ID (None only if the server sent none).
        estimates: the estimated reach per platform (``android``, ``ios``, ``web``...).
    """

    id: int | None
    estimates: dict[str, int] = attrs.field(factory=dict)


@attrs.frozen
class CampaignEstimate:
    """The estimated reach of a campaign that was not created (``estimate_only``).

    Attributes:
        estimates: the estimated reach per platform (``android``, ``ios``, ``web``...).
        extra: any other fields of the answer, kept as the server sent them.
    """

    estimates: dict[str, int] = attrs.field(factory=dict)
    extra: dict[str, Any] = attrs.field(factory=dict)

    @property
    def total(self) -> int:
        """The estimated reach summed over platforms."""
        return sum(value for value in self.estimates.values() if isinstance(value, int))

    @property
    def id(self) -> None:
        """Always None: an estimate creates nothing (deprecated).

        Kept from when estimates were returned as ``CampaignCreated(id=None)``.
        """
        warnings.warn(
            "CampaignEstimate.id is always None and will be removed; an estimate creates no "
            "campaign",
            DeprecationWarning,
            stacklevel=2,
        )
        return None


@attrs.frozen
class CampaignReport:
    """A campaign's report, or the fact that it is not ready yet.

    The API says "not ready" in four ways (HTTP 200 "fail", HTTP 500 "no result as of yet", HTTP 200
    "success" with an error and no result, HTTP 409); each becomes ``completed=False`` after one
    request.

    Attributes:
        id: the campaign's ID.
        completed: False while the campaign has not completed (the API then has no figures).
        result: the metrics (``sent``, ``clicked``...) once completed; empty before.
        message: the server's explanation when not completed.
        status: the HTTP status of the answer.
    """

    id: int
    completed: bool
    result: dict[str, Any] = attrs.field(factory=dict)
    message: str | None = None
    status: int = 200
