"""Records of the events and profiles exports (§6.2-6.4), as frozen attrs models.

The server's keys map to snake_case fields; every key a model does not name lands in its ``extra``
dict, so nothing the server sent is dropped. Parsing is hand-written (not generic cattrs structuring):
exports run to millions of records and this is the hot loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

#: What a model holds where the server sent nothing: one shared, read-only empty mapping, so a
#: million records do not allocate (and the garbage collector does not scan) a million empty dicts.
EMPTY: Mapping[str, Any] = MappingProxyType({})
_PROFILE_KEYS = frozenset(
    {
        "identity",
        "objectId",
        "email",
        "name",
        "phone",
        "platform",
        "profileData",
        "platformInfo",
        "events",
    }
)
_EVENT_KEYS = frozenset({"ts", "event_props", "session_props", "profile"})


class _Lazy:
    """functools.cached_property without its per-access lock (Python 3.11 takes one each time).

    A non-data descriptor: the first access computes the value and stores it in the instance's
    ``__dict__``, where later lookups find it before the descriptor.
    """

    def __init__(self, compute: Callable[[Any], Any]):
        self._compute = compute
        self._name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self._name] = self._compute(instance)
        return value


if TYPE_CHECKING:
    from functools import cached_property as lazy
else:
    lazy = _Lazy


# slots=False: attrs then fills __dict__ directly, measurably faster per record on this hot path.
@attrs.frozen(slots=False)
class ExportedProfile:
    """A user profile: from the profiles export, ``profiles.get``, or inside an exported event.

    Attributes:
        identity: the customer's own ID, if set.
        object_id: CleverTap's ID for the device or user (``objectId``).
        email: the email address, if known.
        name: the name, if known.
        phone: the phone number (the API sends a string or a number).
        platform: the platform of the profile summary inside an event (``Web``, ``iOS``...).
        profile_data: custom profile properties (``profileData``); dates stay ``"$D_<epoch>"``.
        platform_info: one dict per device (``platformInfo``), as sent.
        events: event summaries by event name: ``{"count", "first_seen", "last_seen"}``.
        extra: every other key the server sent, untouched.
    """

    identity: str | None = None
    object_id: str | None = None
    email: str | None = None
    name: str | None = None
    phone: str | int | None = None
    platform: str | None = None
    profile_data: Mapping[str, Any] = EMPTY
    platform_info: Sequence[Mapping[str, Any]] = ()
    events: Mapping[str, Any] = EMPTY
    extra: Mapping[str, Any] = EMPTY


# slots=False also makes the cached properties plain __dict__ entries after first use.
@attrs.frozen(slots=False)
class ExportedEvent:
    """One event from the events export.

    ``ts`` and ``profile`` are built on first access (then kept): an export of millions of events
    whose caller reads only ``event_props`` should not pay for a datetime and a profile per record.

    Attributes:
        raw_ts: the server's ``ts`` as sent (``yyyyMMddHHmmss`` in the project's time zone).
        event_props: the event's properties (``event_props``).
        session_props: the session's properties (``session_props``: utm_source, session_source...).
        extra: every other key the server sent, untouched.
        raw_profile: the profile summary as sent, or None when the export left it out.
        zone: the time zone ``ts`` is read in (the project's).
        ts: when it happened, an aware datetime in ``zone`` (None if the server sent no ``ts``).
        profile: the profile summary as an ExportedProfile, or None.
    """

    raw_ts: int | None
    event_props: Mapping[str, Any] = EMPTY
    session_props: Mapping[str, Any] = EMPTY
    extra: Mapping[str, Any] = EMPTY
    raw_profile: dict[str, Any] | None = None
    zone: tzinfo = attrs.field(default=UTC, eq=False, repr=False)

    @lazy
    def ts(self) -> datetime | None:
        """When it happened, an aware datetime in ``zone``."""
        return parse_ts(self.raw_ts, self.zone)

    @lazy
    def profile(self) -> ExportedProfile | None:
        """The profile summary of who did it, or None when the export left it out."""
        raw = self.raw_profile
        return profile_from_wire(raw) if isinstance(raw, dict) else None


def profile_from_wire(data: dict[str, Any]) -> ExportedProfile:
    """Build an ExportedProfile from the server's dict, keeping unknown keys in ``extra``."""
    get = data.get
    # Positional and with a subset test first: this runs once per exported record.
    extra = EMPTY if data.keys() <= _PROFILE_KEYS else _unknown(data, _PROFILE_KEYS)
    return ExportedProfile(
        get("identity"),
        get("objectId"),
        get("email"),
        get("name"),
        get("phone"),
        get("platform"),
        get("profileData") or EMPTY,
        get("platformInfo") or (),
        get("events") or EMPTY,
        extra,
    )


def event_from_wire(data: dict[str, Any], zone: tzinfo = UTC) -> ExportedEvent:
    """Build an ExportedEvent from the server's dict; ``ts`` will be read in ``zone``."""
    get = data.get
    extra = EMPTY if data.keys() <= _EVENT_KEYS else _unknown(data, _EVENT_KEYS)
    return ExportedEvent(
        get("ts"),
        get("event_props") or EMPTY,
        get("session_props") or EMPTY,
        extra,
        get("profile"),
        zone,
    )


def _unknown(data: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in known}


def parse_ts(value: Any, zone: tzinfo) -> datetime | None:
    """Read a ``yyyyMMddHHmmss`` number (or string) as an aware datetime in ``zone``.

    Returns None for a missing value. A value that is not such a timestamp raises ValueError.
    """
    if value is None:
        return None
    number = int(value)
    date_part, clock = divmod(number, 1_000_000)
    year, month_day = divmod(date_part, 10_000)
    month, day = divmod(month_day, 100)
    hour, minute_second = divmod(clock, 10_000)
    minute, second = divmod(minute_second, 100)
    return datetime(year, month, day, hour, minute, second, tzinfo=zone)
