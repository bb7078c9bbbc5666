"""Privacy requests as a privacy platform runs them: access (a subject's data) and verified deletion.

Both are built on the public APIs (profile lookup, the events export, profile delete); nothing here is a
CleverTap endpoint of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from .. import _query, _validation
from .._errors import CleverTapError, ExportNotAllowedError, ValidationError
from .._exports import MAX_PARALLEL
from ..models.exports import ExportedEvent, ExportedProfile
from ..models.privacy import DeletionOutcome, DeletionStatus, PrivacyAccessResult
from ._base import Resource
from ._counting import CountPolling, PollTimer

if TYPE_CHECKING:
    from .._requester import Requester
    from .events import Events
    from .profiles import Profiles

#: Deletes are processed in the background (minutes, not seconds): re-check for up to five minutes.
DELETE_POLLING = CountPolling(deadline=300.0, initial=2.0, maximum=30.0, multiplier=2.0)

#: The keys an exported event's profile summary names its profile by.
_MATCH_KEYS = ("identity", "objectId", "email")


class Privacy(Resource):
    """Privacy requests: ``access`` gathers a subject's profiles and events, ``delete`` erases them."""

    def __init__(self, requester: Requester, *, events: Events, profiles: Profiles):
        super().__init__(requester)
        self._sleep = requester.sleep
        self._stream_events = events.stream
        self._profiles = profiles

    async def access(
        self,
        *,
        email: str | None = None,
        identity: str | None = None,
        start: _query.DateLike,
        end: _query.DateLike,
        event_names: Iterable[str] | None = None,
        parallel: int = 1,
    ) -> list[PrivacyAccessResult]:
        """Find the profiles of one subject and return each with all its events in a window.

        The profiles are looked up by email and/or identity (a profile found both ways is returned
        once). Then each event name in their event summaries (or ``event_names``) is exported once over
        the window, for all the profiles together, and only the occurrences whose profile matches a
        found one (by identity, CleverTap ID or email) are kept.

        Cost: the Get Events API cannot filter by user, so this reads *every* occurrence of each of
        those events in the window, everyone's, to keep the subject's. Keep the window and
        ``event_names`` as narrow as the request allows.

        Example::

            for found in await ct.privacy.access(email="jack@example.com",
                                                 start=20260101, end=20260131):
                print(found.profile.identity, found.event_count)

        Args:
            email: the subject's email address.
            identity: the subject's identity (your user ID).
            start: the first day of the window, a ``date`` or a ``YYYYMMDD`` int.
            end: the last day, included.
            event_names: the events to read; None reads every event in the profiles' summaries.
            parallel: cursors per event export (one per day when more than 1).

        Returns:
            One result per profile found, in lookup order; empty when none was found.

        Raises:
            ValidationError: no subject, a malformed email, an empty identity, bad dates, an empty
                ``event_names`` or a bad ``parallel``; nothing was sent.
            ExportNotAllowedError: an event named in ``event_names`` is one the API does not export
                (without ``event_names``, such events are listed in ``not_exportable`` instead).
            APIError: a lookup or an export failed.
        """
        subjects = [("email", _validation.email(email, "email"))] if email is not None else []
        if identity is not None:
            subjects.append(("identity", _validation.required_text(identity, "identity")))
        _require_subject(subjects)
        first, last = _query.date_range(start, end)
        names = None
        if event_names is not None:
            names = _validation.text_list(event_names, "event_names")
            if not names:
                raise ValidationError(
                    "event_names must name at least one event (None: every event the profiles did)",
                    field="event_names",
                )
        _validation.int_in_range(parallel, "parallel", 1, MAX_PARALLEL)

        found: list[tuple[ExportedProfile, list[str]]] = []
        for kind, value in subjects:
            profile = await self._get(kind, value)
            if profile is None:
                continue
            same = next((entry for entry in found if _keys(entry[0]) & _keys(profile)), None)
            if same is None:
                found.append((profile, [kind]))
            else:
                same[1].append(kind)
        if not found:
            return []
        owner = {key: index for index, (p, _) in enumerate(found) for key in _keys(p)}
        from_summaries = names is None
        if names is None:
            names = sorted({name for profile, _ in found for name in profile.events})
        events: list[dict[str, list[ExportedEvent]]] = [{n: [] for n in names} for _ in found]
        refused: list[str] = []
        for name in names:  # one export per event name for every profile, not one per profile
            try:
                async for event in self._stream_events(name, first, last, parallel=parallel):
                    index = _owner_of(event.raw_profile, owner)
                    if index is not None:
                        events[index][name].append(event)
            except ExportNotAllowedError:
                # Summaries list the notification events too, which the API does not export: say
                # so in the result rather than fail the whole request. A name asked for explicitly
                # is the caller's to handle.
                if not from_summaries:
                    raise
                refused.append(name)
                for by_name in events:
                    del by_name[name]
        return [
            PrivacyAccessResult(
                profile,
                tuple(by),
                {name: tuple(evs) for name, evs in by_name.items()},
                tuple(name for name in refused if name in profile.events),
            )
            for (profile, by), by_name in zip(found, events, strict=True)
        ]

    async def delete(
        self,
        *,
        emails: Iterable[str] = (),
        identities: Iterable[str] = (),
        polling: CountPolling = DELETE_POLLING,
    ) -> list[DeletionOutcome]:
        """Delete the profiles of some subjects, then re-check until each is gone or time runs out.

        Each subject is looked up first: one without a profile is ``not_found`` and nothing is sent
        for it. The others are deleted by CleverTap ID (every ``objectId`` of the profile) where known,
        else by identity, then looked up again on the ``polling`` schedule. A subject is reported
        ``deleted`` only once a lookup has found it gone; still visible at the deadline it is
        ``pending`` (CleverTap processes deletes in the background: check again later).

        Example::

            outcomes = await ct.privacy.delete(emails=["jack@example.com"], identities=["u-42"])
            for outcome in outcomes:
                print(outcome.subject, outcome.status, outcome.error)

        Args:
            emails: subjects by email address.
            identities: subjects by identity (your user IDs).
            polling: how long and how often to re-check (only time spent waiting counts).

        Returns:
            One outcome per subject, emails first then identities, in input order. A subject whose
            lookup failed is ``failed`` with that error, and nothing is deleted for it.

        Raises:
            ValidationError: no subject, a malformed email, an empty identity or a bad ``polling``;
                nothing was sent.
        """
        subjects = [
            ("email", e) for e in _validation.text_list(emails, "emails", _validation.email)
        ]
        subjects += [("identity", i) for i in _validation.text_list(identities, "identities")]
        _require_subject(subjects)
        if not isinstance(polling, CountPolling):
            raise ValidationError(
                f"polling must be a CountPolling, got {type(polling).__name__}", field="polling"
            )
        looked_up = await asyncio.gather(*(self._lookup(kind, value) for kind, value in subjects))
        targets = [_target(found) for found in looked_up]
        errors = await self._send_deletes([t for t in targets if isinstance(t, tuple)])
        outcomes: dict[int, DeletionOutcome] = {}
        waiting: list[int] = []
        for index, ((kind, value), found, target) in enumerate(
            zip(subjects, looked_up, targets, strict=True)
        ):
            profile = found if isinstance(found, ExportedProfile) else None
            error = target if isinstance(target, CleverTapError) else None
            if isinstance(target, tuple):
                error = next((errors[v] for v in target[1] if v in errors), None)
            status = (
                DeletionStatus.NOT_FOUND
                if found is None
                else DeletionStatus.FAILED
                if error is not None
                else DeletionStatus.PENDING
            )
            deleted_by = target if isinstance(target, tuple) else None
            outcomes[index] = DeletionOutcome(value, kind, status, profile, deleted_by, error)
            if status is DeletionStatus.PENDING:
                waiting.append(index)
        await self._await_gone(subjects, waiting, outcomes, polling)
        return [outcomes[index] for index in range(len(subjects))]

    async def _await_gone(
        self,
        subjects: list[tuple[str, str]],
        waiting: list[int],
        outcomes: dict[int, DeletionOutcome],
        polling: CountPolling,
    ) -> None:
        """Re-check ``waiting`` subjects until gone (then ``deleted``) or the deadline passes."""
        timer = PollTimer(polling, self._sleep)
        while waiting:
            seen = await asyncio.gather(*(self._lookup(*subjects[index]) for index in waiting))
            # A failed lookup is not proof the profile is gone: the subject stays pending.
            for index, found in zip(list(waiting), seen, strict=True):
                if found is None:
                    outcomes[index] = attrs.evolve(outcomes[index], status=DeletionStatus.DELETED)
                    waiting.remove(index)
            if waiting and not await timer.wait():
                return

    async def _send_deletes(
        self, targets: list[tuple[str, tuple[str, ...]]]
    ) -> dict[str, CleverTapError]:
        """Delete every target ID (each once, by kind) and return the error of each ID that failed."""
        errors: dict[str, CleverTapError] = {}
        for kind in ("guid", "identity"):
            ids = list(dict.fromkeys(v for k, values in targets if k == kind for v in values))
            if not ids:
                continue
            call: dict[str, Any] = {"guids" if kind == "guid" else "identities": ids}
            result = await self._profiles.delete(**call)
            for chunk in result.chunks:
                if chunk.error is not None:
                    errors.update(dict.fromkeys(chunk.values, chunk.error))
        return errors

    async def _get(self, kind: str, value: str) -> ExportedProfile | None:
        profiles = self._profiles
        found = await (
            profiles.get(email=value) if kind == "email" else profiles.get(identity=value)
        )
        return found if isinstance(found, ExportedProfile) else None

    async def _lookup(self, kind: str, value: str) -> ExportedProfile | CleverTapError | None:
        """Look a subject up; an error is returned, not raised, so it becomes that subject's outcome."""
        try:
            return await self._get(kind, value)
        except CleverTapError as error:
            return error


def _require_subject(subjects: list[tuple[str, str]]) -> None:
    if not subjects:
        raise ValidationError("name at least one subject: an email or an identity", field="email")


def _guids(profile: ExportedProfile) -> tuple[str, ...]:
    """Every CleverTap ID of a profile: its ``objectId`` and each device's (``platformInfo``)."""
    ids = [profile.object_id] + [
        info.get("objectId") for info in profile.platform_info if isinstance(info, dict)
    ]
    return tuple(dict.fromkeys(i for i in ids if isinstance(i, str) and i))


def _keys(profile: ExportedProfile) -> set[tuple[str, str]]:
    """The ``(key, value)`` pairs an exported event's profile summary could name this profile by."""
    keys = {("objectId", guid) for guid in _guids(profile)}
    for kind, value in (("identity", profile.identity), ("email", profile.email)):
        if isinstance(value, str) and value:
            keys.add((kind, value))
    return keys


def _owner_of(summary: object, owner: dict[tuple[str, str], int]) -> int | None:
    """The index of the found profile an event's profile summary names, or None."""
    if not isinstance(summary, dict):
        return None
    for kind in _MATCH_KEYS:
        value = summary.get(kind)
        index = owner.get((kind, value)) if isinstance(value, str) else None
        if index is not None:
            return index
    return None


def _target(
    found: ExportedProfile | CleverTapError | None,
) -> tuple[str, tuple[str, ...]] | CleverTapError | None:
    """What to delete a found profile by: its CleverTap IDs, else its identity (None: not found)."""
    if not isinstance(found, ExportedProfile):
        return found
    guids = _guids(found)
    if guids:
        return ("guid", guids)
    if found.identity:
        return ("identity", (found.identity,))
    return CleverTapError("the profile has neither a CleverTap ID nor an identity to delete it by")
