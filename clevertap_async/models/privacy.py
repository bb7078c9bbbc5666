"""Results of privacy requests (``ct.privacy``): what access found and what became of each deletion."""

from __future__ import annotations

import enum

import attrs

from .._errors import CleverTapError
from .exports import ExportedEvent, ExportedProfile


@attrs.frozen
class PrivacyAccessResult:
    """One profile found for an access request, with its events over the requested window.

    Attributes:
        profile: the profile as ``profiles.get`` returned it.
        found_by: how it was found: ``("email",)``, ``("identity",)`` or both.
        events: its events in the window by event name (every name read, even with none found),
            each in export order; an exported event does not carry its own name.
        not_exportable: event names of the profiles' summaries the API refuses to export (the
            notification events); their totals are still in the profile's event summary.
    """

    profile: ExportedProfile
    found_by: tuple[str, ...]
    events: dict[str, tuple[ExportedEvent, ...]] = attrs.field(factory=dict)
    not_exportable: tuple[str, ...] = ()

    @property
    def event_count(self) -> int:
        """How many events were found, across every name."""
        return sum(len(events) for events in self.events.values())


class DeletionStatus(enum.StrEnum):
    """What became of one deletion subject; compares equal to its string value."""

    #: Deleted, and seen gone by a re-check.
    DELETED = "deleted"
    #: The delete was accepted but the profile was still visible when the deadline passed.
    PENDING = "pending"
    #: No profile was found for the subject; nothing was deleted.
    NOT_FOUND = "not_found"
    #: The delete request failed; ``error`` says why.
    FAILED = "failed"


@attrs.frozen
class DeletionOutcome:
    """The verified outcome of deleting one subject (an email or an identity).

    Attributes:
        subject: the email or identity as given.
        kind: ``"email"`` or ``"identity"``.
        status: deleted, pending, not_found or failed.
        profile: the profile found before deleting (None when not found).
        deleted_by: the IDs the delete request named: ``("guid", ids)`` or ``("identity", ids)``.
        error: the error of a failed delete.
    """

    subject: str
    kind: str
    status: DeletionStatus
    profile: ExportedProfile | None = None
    deleted_by: tuple[str, tuple[str, ...]] | None = None
    error: CleverTapError | None = None
