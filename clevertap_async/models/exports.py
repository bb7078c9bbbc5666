"""Records of the events and profiles exports, as read-only views over the server's dicts.

An export runs to millions of records, and most callers read two or three fields of each. So a record
is the server's dict plus a few slots: a field is read from the dict when it is asked for, and the two
that build objects (``ExportedEvent.ts``, a datetime, and ``ExportedEvent.profile``, a model) are built
on first access and kept. Every key a model does not name is in its ``extra``, so nothing the server
sent is dropped. Models are built from the wire by the converter (``clevertap_async._converter``);
building one by hand with keyword arguments gives the same object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from types import MappingProxyType
from typing import Any, Final

#: What a model returns where the server sent nothing: one shared, read-only empty mapping.
EMPTY: Mapping[str, Any] = MappingProxyType({})
#: The server's keys a profile names, by field.
PROFILE_KEYS: Final = {
    "identity": "identity",
    "object_id": "objectId",
    "email": "email",
    "name": "name",
    "phone": "phone",
    "platform": "platform",
    "profile_data": "profileData",
    "platform_info": "platformInfo",
    "events": "events",
}
#: The server's keys an event names, by field.
EVENT_KEYS: Final = {
    "raw_ts": "ts",
    "event_props": "event_props",
    "session_props": "session_props",
    "raw_profile": "profile",
}
_KNOWN_PROFILE_KEYS: Final = frozenset(PROFILE_KEYS.values())
_KNOWN_EVENT_KEYS: Final = frozenset(EVENT_KEYS.values())
#: A lazy slot not computed yet (None is a value: an event without ``ts``).
_UNSET: Final[Any] = object()
_new = object.__new__


def _wire(
    keys: Mapping[str, str], fields: Mapping[str, Any], extra: Mapping[str, Any]
) -> dict[str, Any]:
    """The wire dict a model built by hand stands for: its set fields under the server's keys."""
    data = dict(extra)
    for name, key in keys.items():
        value = fields[name]
        if value is not None and value != () and value is not EMPTY:
            data[key] = value
    return data


def _unknown(data: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    if data.keys() <= known:
        return EMPTY
    return {key: value for key, value in data.items() if key not in known}


class ExportedProfile:
    """A user profile: from the profiles export, ``profiles.get``, or inside an exported event.

    Read-only: its fields are read from the server's dict (``to_wire`` gives it back).

    Attributes:
        identity: the customer's own ID, if set.
        object_id: CleverTap's ID for the user (``objectId``); a profile that has none at the top
            level (the profiles export and ``profile.json`` put it per device) gives its first
            device's.
        email: the email address, if known.
        name: the name, if known.
        phone: the phone number (the API sends a string or a number).
        platform: the platform of the profile summary inside an event (``Web``, ``iOS``...).
        profile_data: custom profile properties (``profileData``); dates stay ``"$D_<epoch>"``.
        platform_info: one dict per device (``platformInfo``), as sent.
        events: event summaries by event name: ``{"count", "first_seen", "last_seen"}``.
        extra: every other key the server sent, untouched.
    """

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(
        self,
        identity: str | None = None,
        object_id: str | None = None,
        email: str | None = None,
        name: str | None = None,
        phone: str | int | None = None,
        platform: str | None = None,
        profile_data: Mapping[str, Any] = EMPTY,
        platform_info: Sequence[Mapping[str, Any]] = (),
        events: Mapping[str, Any] = EMPTY,
        extra: Mapping[str, Any] = EMPTY,
    ):
        fields = dict(locals())
        self._data = _wire(PROFILE_KEYS, fields, extra)

    @property
    def identity(self) -> str | None:
        """The customer's own ID, if set."""
        return self._data.get("identity")

    @property
    def object_id(self) -> str | None:
        """CleverTap's ID for the user: ``objectId``, else the first device's."""
        data = self._data
        found = data.get("objectId")
        if found is None:
            for device in data.get("platformInfo") or ():
                found = device.get("objectId") if isinstance(device, dict) else None
                if found is not None:
                    break
        return found

    @property
    def email(self) -> str | None:
        """The email address, if known."""
        return self._data.get("email")

    @property
    def name(self) -> str | None:
        """The name, if known."""
        return self._data.get("name")

    @property
    def phone(self) -> str | int | None:
        """The phone number (the API sends a string or a number)."""
        return self._data.get("phone")

    @property
    def platform(self) -> str | None:
        """The platform of a profile summary inside an event (``Web``, ``iOS``...)."""
        return self._data.get("platform")

    @property
    def profile_data(self) -> Mapping[str, Any]:
        """Custom profile properties (``profileData``); dates stay ``"$D_<epoch>"``."""
        return self._data.get("profileData") or EMPTY

    @property
    def platform_info(self) -> Sequence[Mapping[str, Any]]:
        """One dict per device (``platformInfo``), as sent."""
        return self._data.get("platformInfo") or ()

    @property
    def events(self) -> Mapping[str, Any]:
        """Event summaries by event name: ``{"count", "first_seen", "last_seen"}``."""
        return self._data.get("events") or EMPTY

    @property
    def extra(self) -> Mapping[str, Any]:
        """Every other key the server sent, untouched."""
        return _unknown(self._data, _KNOWN_PROFILE_KEYS)

    def __eq__(self, other: object) -> bool:
        if type(other) is not ExportedProfile:
            return NotImplemented
        return self._data == other._data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in (*PROFILE_KEYS, "extra"))
        return f"ExportedProfile({shown})"


class ExportedEvent:
    """One event from the events export.

    Read-only: its fields are read from the server's dict (``to_wire`` gives it back). ``ts`` and
    ``profile`` are built on first access, then kept: an export whose caller reads only
    ``event_props`` does not pay for a datetime and a profile per record.

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

    __slots__ = ("_data", "_profile", "_ts", "_zone")
    _data: dict[str, Any]
    _zone: tzinfo
    _ts: datetime | None
    _profile: ExportedProfile | None

    def __init__(
        self,
        raw_ts: int | None,
        event_props: Mapping[str, Any] = EMPTY,
        session_props: Mapping[str, Any] = EMPTY,
        extra: Mapping[str, Any] = EMPTY,
        raw_profile: dict[str, Any] | None = None,
        zone: tzinfo = UTC,
    ):
        fields = dict(locals())
        self._data = _wire(EVENT_KEYS, fields, extra)
        self._zone = zone
        self._ts = self._profile = _UNSET

    @property
    def raw_ts(self) -> int | None:
        """The server's ``ts`` as sent (``yyyyMMddHHmmss`` in the project's time zone)."""
        return self._data.get("ts")

    @property
    def event_props(self) -> Mapping[str, Any]:
        """The event's properties (``event_props``)."""
        return self._data.get("event_props") or EMPTY

    @property
    def session_props(self) -> Mapping[str, Any]:
        """The session's properties (``session_props``: utm_source...)."""
        return self._data.get("session_props") or EMPTY

    @property
    def raw_profile(self) -> dict[str, Any] | None:
        """The profile summary as sent, or None when the export left it out."""
        return self._data.get("profile")

    @property
    def zone(self) -> tzinfo:
        """The time zone ``ts`` is read in (the project's)."""
        return self._zone

    @property
    def extra(self) -> Mapping[str, Any]:
        """Every other key the server sent, untouched."""
        return _unknown(self._data, _KNOWN_EVENT_KEYS)

    @property
    def ts(self) -> datetime | None:
        """When it happened, an aware datetime in ``zone``."""
        ts = self._ts
        if ts is _UNSET:
            ts = self._ts = parse_ts(self._data.get("ts"), self._zone)
        return ts

    @property
    def profile(self) -> ExportedProfile | None:
        """The profile summary of who did it, or None when the export left it out."""
        profile = self._profile
        if profile is _UNSET:
            raw = self._data.get("profile")
            if type(raw) is dict:
                profile = self._profile = _new(ExportedProfile)
                profile._data = raw
            else:
                profile = self._profile = None
        return profile

    def __eq__(self, other: object) -> bool:
        if type(other) is not ExportedEvent:
            return NotImplemented
        return self._data == other._data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in (*EVENT_KEYS, "extra"))
        return f"ExportedEvent({shown})"


def profile_view(data: dict[str, Any], _cls: Any = None) -> ExportedProfile:
    """Return the ExportedProfile over the server's dict (kept, not copied); the converter's hook."""
    profile = _new(ExportedProfile)
    profile._data = data
    return profile


def event_structurer(zone: tzinfo) -> Callable[..., ExportedEvent]:
    """Return the converter's hook for events whose ``ts`` is read in ``zone``.

    The hook is called once per exported record, as ``hook(data)`` or ``hook(data, ExportedEvent)``;
    it reads no field, only wraps the dict (fields are read on access).
    """

    def event_view(data: dict[str, Any], _cls: Any = None) -> ExportedEvent:
        event = _new(ExportedEvent)
        event._data = data
        event._zone = zone
        event._ts = event._profile = _UNSET
        return event

    return event_view


def to_wire(model: ExportedEvent | ExportedProfile) -> dict[str, Any]:
    """Return a copy of the server's dict behind an exported record."""
    return dict(model._data)


#: ``YYYYMMDD`` to ``(year, month, day)``: exports repeat the same few days a million times.
_DAYS: dict[int, tuple[int, int, int]] = {}
_REMEMBER_DAYS: Final = 4096


def parse_ts(value: Any, zone: tzinfo) -> datetime | None:
    """Read a ``yyyyMMddHHmmss`` number (or string) as an aware datetime in ``zone``.

    Returns None for a missing value. A value that is not such a timestamp raises ValueError.
    """
    if value is None:
        return None
    number = value if type(value) is int else int(value)
    day = number // 1_000_000
    ymd = _DAYS.get(day)
    if ymd is None:
        ymd = (day // 10_000, day // 100 % 100, day % 100)
        if len(_DAYS) < _REMEMBER_DAYS:
            _DAYS[day] = ymd
    year, month, date = ymd
    clock = number % 1_000_000
    # Positional: a keyword tzinfo costs the datetime call more than all the arithmetic here.
    return datetime(year, month, date, clock // 10_000, clock // 100 % 100, clock % 100, 0, zone)
