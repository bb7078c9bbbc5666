"""Client-side checks of upload records, so that bad records are caught before sending.

:func:`prepare` turns one input record (a model or a wire dict) into the dict to send, or into a
:class:`Problem` with a code: the server's code where the server would refuse the record for the same
reason, a client code (1001-1006, listed in ``models.reports``) for what only the client checks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Literal

import attrs

from . import _converter, _limits, _protocol, _validation
from ._errors import ValidationError
from .models import records as _records
from .models import reports as _codes

Kind = Literal["event", "profile", "token"]
MODELS: Final[Mapping[str, type]] = {
    "event": _records.Event,
    "profile": _records.Profile,
    "token": _records.DeviceToken,
}
TOKEN_TYPES: Final = frozenset({"apns", "gcm", "fcm", "wns", "mpns", "chrome"})
_IDENTITY_KEYS: Final = _limits.IDENTITY_KEYS
_RESTRICTED: Final = frozenset(
    "".join(name.split()).casefold() for name in _limits.RESTRICTED_EVENT_NAMES
)
_EVENT_BANNED: Final = re.compile(f"[{re.escape(''.join(_limits.BANNED_KEY_CHARACTERS))}]")
_PROFILE_BANNED: Final = re.compile(f"[{re.escape(''.join(_limits.BANNED_KEY_CHARACTERS))}#]")
#: Above this a ``ts`` is in milliseconds (year 5138 in seconds); the shared check refuses it.
_MAX_EPOCH_SECONDS: Final = 10**11
_PHONE: Final = re.compile(_limits.PHONE_PATTERN)
_NUMERIC_TEXT: Final = re.compile(r"^[+-]?\d+(\.\d+)?$")
#: Event names and property keys repeat across millions of records, so the ones that passed their checks
#: are remembered (up to this many of each) and later checked with one set lookup.
_REMEMBER_AT_MOST: Final = 4096
#: The limits the per-property loop reads, as plain globals (one lookup each instead of two).
_MAX_KEY: Final = _limits.MAX_KEY_LENGTH
_MAX_EVENT_PROPERTIES: Final = _limits.MAX_EVENT_PROPERTIES
#: Strings this short are under the byte limit whatever they hold (UTF-8: at most 4 bytes a character).
_MAX_SHORT_STRING: Final = _limits.MAX_VALUE_BYTES // 4
_GOOD_EVENT_NAMES: Final[set[str]] = set()
_GOOD_EVENT_KEYS: Final[set[str]] = set()
_GOOD_PROFILE_KEYS: Final[set[str]] = set()
#: Profile attributes with fixed values: (code, the values allowed).
_CHOICES: Final[Mapping[str, tuple[int, frozenset[str]]]] = {
    "Gender": (514, frozenset({"M", "F"})),
    "Employed": (517, frozenset({"Y", "N"})),
    "Education": (518, frozenset({"School", "College", "Graduate"})),
    "Married": (519, frozenset({"Y", "N"})),
}


@attrs.frozen
class Problem:
    """Why a record is refused before sending."""

    code: int
    error: str


def prepare(kind: Kind, record: Any, *, validate: bool = True) -> dict[str, Any] | Problem:
    """Return the wire dict for one input record, or the problem that keeps it from being sent.

    Args:
        kind: the kind of upload.
        record: a model of that kind, or a wire dict (``type`` may be left out).
        validate: run the documented checks; with False only the shape is checked (the server still
            validates).
    """
    # Wire dicts first: they are the bulk of large uploads.
    if isinstance(record, dict):
        given_type = record.get("type", kind)
        if given_type != kind:
            return Problem(_codes.CLIENT_NOT_A_RECORD, f"type is {given_type!r}, expected {kind!r}")
        wire: dict[str, Any] = record if "type" in record else {"type": kind, **record}
    elif isinstance(record, MODELS[kind]):
        try:
            wire = _converter.to_wire(record)
        except ValidationError as exc:
            return Problem(525 if exc.field == "ts" else _codes.CLIENT_NOT_JSON, str(exc))
    else:
        return Problem(
            _codes.CLIENT_NOT_A_RECORD,
            f"expected a {MODELS[kind].__name__} or a dict, got {type(record).__name__}",
        )
    if not validate:
        return wire
    problem = CHECKS[kind](wire)
    return problem or wire


def _json_problem(value: Any, where: str) -> Problem | None:
    # The same check the generic request path runs; orjson would turn NaN into null silently.
    problem = _protocol.first_non_json(value, where)
    return Problem(_codes.CLIENT_NOT_JSON, problem) if problem else None


def _remember(good: set[str], value: str) -> None:
    if len(good) < _REMEMBER_AT_MOST:
        good.add(value)


def _event_name_problem(name: Any) -> Problem | None:
    if type(name) is str and name in _GOOD_EVENT_NAMES:
        return None
    if not isinstance(name, str) or not name.strip():
        return Problem(509, "evtName is mandatory and must be a non-empty string")
    if "".join(name.split()).casefold() in _RESTRICTED:
        return Problem(513, f"{name!r} is a restricted system event")
    _remember(_GOOD_EVENT_NAMES, name)
    return None


def _common(wire: dict[str, Any], data_key: str) -> Problem | None:
    # Non-string keys at the top level make orjson fail when the record is serialised; values are
    # checked one property at a time below, which is cheaper than walking the whole record first.
    found = False
    for key in _IDENTITY_KEYS:
        # ``in`` first: most records carry one of the four keys, and a lookup is cheaper than .get().
        if key not in wire:
            continue
        value = wire[key]
        kind = type(value)
        # Exact types first: this runs once per record, and most identities are plain str or int.
        if kind is str or kind is int:
            found = found or value != ""
            continue
        if value is None or value == "":
            continue
        if not isinstance(value, str | int) or isinstance(value, bool):
            # The server would answer "Missing identity" for a list or an object: say which.
            return Problem(523, f"{key} must be a string or an int, got {type(value).__name__}")
        found = True
    if not found:
        return Problem(523, "Missing identity: give one of identity, objectId, FBID, GPID")
    ts = wire.get("ts", 1)
    if not (type(ts) is int and 0 < ts < _MAX_EPOCH_SECONDS):
        try:
            _validation.epoch_seconds(wire["ts"], "ts")
        except ValidationError as exc:
            return Problem(525, f"{exc} (milliseconds are refused)")
    if not isinstance(wire.get(data_key), dict):
        code = 512 if data_key == "evtData" else 524
        return Problem(code, f"{data_key} must be an object")
    return None


def _all_plain(items: Iterable[tuple[Any, Any]], banned: re.Pattern[str], good: set[str]) -> bool:
    """The fast path for the common case: every key short and clean, every value a small scalar.

    One call checks a whole record's properties (a call per property was half the cost of
    validation), and keys already seen clean (``good``) cost one set lookup; only a record that fails
    gets the slower walk that names the problem.
    """
    for key, value in items:
        if key not in good:
            if type(key) is not str or not key or len(key) > _MAX_KEY or banned.search(key):
                return False
            _remember(good, key)
        kind = type(value)
        if kind is str:
            # UTF-8 spends at most 4 bytes a character, so short strings need no encoding to measure.
            if len(value) > _MAX_SHORT_STRING:
                return False
        elif kind is float:
            # x - x is 0.0 for every finite float and NaN for infinities and NaN: no call needed.
            if value - value != 0.0:
                return False
        elif not (kind is int or kind is bool or value is None):
            return False
    return True


def _property_problem(key: str, value: Any, where: str, banned: frozenset[str]) -> Problem | None:
    problem = _validation.key_problem(key)
    if problem:
        return Problem(_codes.CLIENT_BAD_KEY, f"{where}: {problem}")
    bad = sorted(set(key) & banned)
    if bad:
        return Problem(_codes.CLIENT_BAD_KEY, f"{where}: key {key!r} has banned characters {bad}")
    if isinstance(value, str):
        problem = _validation.value_size_problem(value)
        if problem:
            return Problem(_codes.CLIENT_VALUE_TOO_LARGE, f"{where}: {problem}")
    elif not isinstance(value, bool | int):
        return _json_problem(value, where)
    return None


def _check_event(wire: dict[str, Any]) -> Problem | None:
    name = wire.get("evtName")
    # A name seen clean before costs one set lookup here, without a call.
    found = (
        None if type(name) is str and name in _GOOD_EVENT_NAMES else _event_name_problem(name)
    ) or _common(wire, "evtData")
    if found:
        return found
    data: dict[str, Any] = wire["evtData"]
    if len(data) > _MAX_EVENT_PROPERTIES:
        return Problem(522, f"{len(data)} properties, the limit is {_MAX_EVENT_PROPERTIES}")
    if _all_plain(data.items(), _EVENT_BANNED, _GOOD_EVENT_KEYS):
        return None
    charged = name == "Charged"
    for key, value in data.items():
        if _all_plain(((key, value),), _EVENT_BANNED, _GOOD_EVENT_KEYS):
            continue
        where = f"evtData[{key!r}]"
        found = _property_problem(key, value, where, _limits.BANNED_KEY_CHARACTERS)
        if found:
            return found
        if isinstance(value, dict | list) and not (charged and key == "Items"):
            return Problem(_codes.CLIENT_NOT_SCALAR, f"{where}: event property values are scalars")
    return None


def _check_profile(wire: dict[str, Any]) -> Problem | None:
    found = _common(wire, "profileData")
    if found:
        return found
    data: dict[str, Any] = wire["profileData"]
    if _all_plain(data.items(), _PROFILE_BANNED, _GOOD_PROFILE_KEYS):
        return _standard_field_problem(data)
    banned = _limits.BANNED_KEY_CHARACTERS | {"#"}
    for key, value in data.items():
        if _all_plain(((key, value),), _PROFILE_BANNED, _GOOD_PROFILE_KEYS):
            continue
        found = _property_problem(key, value, f"profileData[{key!r}]", banned)
        if found:
            return found
    return _standard_field_problem(data)


def _standard_field_problem(data: dict[str, Any]) -> Problem | None:
    if "Email" in data:
        try:
            _validation.email(data["Email"], "Email")
        except ValidationError:
            return Problem(515, f"Email is not valid: {data['Email']!r}")
    phone = data.get("Phone")
    if phone is not None and not (isinstance(phone, str) and _PHONE.match(phone)):
        return Problem(516, f"Phone must be E.164 (+<country code><number>), got {phone!r}")
    for key, (code, allowed) in _CHOICES.items():
        if key in data and data[key] not in allowed:
            return Problem(code, f"{key} must be one of {sorted(allowed)}, got {data[key]!r}")
    age = data.get("Age")
    if "Age" in data and not _is_age(age):
        return Problem(520, f"Age must be a number or a numeric string, got {age!r}")
    return None


def _is_age(value: Any) -> bool:
    # The API stores "Age": "18" (a numeric string) and refuses only text such as "aa" with 520.
    if isinstance(value, str):
        return _NUMERIC_TEXT.match(value) is not None
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _check_token(wire: dict[str, Any]) -> Problem | None:
    found = _json_problem(wire, "record")
    if found:
        return found
    if not isinstance(wire.get("objectId"), str) or not wire["objectId"]:
        return Problem(530, "objectId is required for device tokens")
    data = wire.get("tokenData")
    if not isinstance(data, dict):
        return Problem(531, "tokenData must be an object")
    if not isinstance(data.get("id"), str) or not data["id"]:
        return Problem(532, "tokenData.id is missing")
    if "type" not in data:
        return Problem(533, "tokenData.type is missing")
    if data["type"] not in TOKEN_TYPES:
        return Problem(534, f"tokenData.type must be one of {sorted(TOKEN_TYPES)}")
    keys = data.get("keys")
    if data["type"] == "chrome" and not (
        isinstance(keys, dict) and keys.get("p256dh") and keys.get("auth")
    ):
        return Problem(535, "chrome tokens need tokenData.keys.p256dh and tokenData.keys.auth")
    return None


#: The checks of a wire dict of each kind: the problem that keeps it from being sent, or None.
CHECKS: Final[Mapping[str, Callable[[dict[str, Any]], Problem | None]]] = {
    "event": _check_event,
    "profile": _check_profile,
    "token": _check_token,
}
