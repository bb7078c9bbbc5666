"""The fake's upload endpoint, ``POST /1/upload``.

Validates each record with the documented codes and the recorded message formats (ending in the
1-based "Skipped record number : N"), answers with the success / partial / fail envelope, enforces the
per-call limits (over 1000 records, or over 100 tokens: 400), honours ``dryRun=1`` and stores what it
accepts on the fake (``uploaded_events``, ``uploaded_profiles`` upserted by identity,
``uploaded_tokens``). Written apart from the client's checks on purpose: the two must not share bugs.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

from aiohttp import web

from .. import _limits
from . import _wire
from ._keys import FAKE

PATH = _limits.UPLOAD_PATH
_IDS = _limits.IDENTITY_KEYS
_RESTRICTED = {re.sub(r"\s+", "", name).lower() for name in _limits.RESTRICTED_EVENT_NAMES}
_BANNED = frozenset(_limits.BANNED_KEY_CHARACTERS)
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_PHONE = re.compile(_limits.PHONE_PATTERN)
_TOKEN_TYPES = {"apns", "gcm", "fcm", "wns", "mpns", "chrome"}
_PROFILE_RULES = {
    "Gender": (514, {"M", "F"}, "Profile data is incorrect. Gender needs to be M/F."),
    "Employed": (517, {"Y", "N"}, "Profile data is incorrect. Employed needs to be Y/N."),
    "Education": (
        518,
        {"School", "College", "Graduate"},
        "Profile data is incorrect. Education needs to be School/College/Graduate..",
    ),
    "Married": (519, {"Y", "N"}, "Profile data is incorrect. Married needs to be Y/N."),
}
_RESTRICTED_TEXT = (
    "Event Name is incorrect. ErrorCode: 513 - Trying to raise a restricted system event. "
)
#: The text of 528 is not recorded anywhere public; the code and its meaning are documented.
_DISCARDED_TEXT = "Event Name is incorrect. ErrorCode: 528 - Discarded event raised. "


def add_routes(app: web.Application) -> None:
    """Register the upload endpoint."""
    app.router.add_post(PATH, upload)


async def upload(request: web.Request) -> web.Response:
    """Validate every record, store the accepted ones (unless dry run), answer success, partial or fail with one entry per refused record."""
    body = await _wire.read_json_object(request)
    records = body.get("d")
    if not isinstance(records, list):
        return _wire.fail(400, "Malformed request: d must be a list of records")
    if len(records) > _limits.MAX_UPLOAD_RECORDS:
        return _wire.fail(400, f"Max {_limits.MAX_UPLOAD_RECORDS} records are allowed per call")
    tokens = sum(1 for r in records if isinstance(r, dict) and r.get("type") == "token")
    if tokens > _limits.MAX_TOKEN_RECORDS:
        return _wire.fail(
            400, f"Max {_limits.MAX_TOKEN_RECORDS} token records are allowed per call"
        )
    fake = request.app[FAKE]
    store = fake.record_bodies and request.query.get("dryRun") not in ("1", "true")
    unprocessed = []
    refused = _refused_names(fake)
    for number, record in enumerate(records, 1):
        failure = record_failure(record)
        if failure is None and refused and record.get("type") == "event":
            failure = refused.get(_folded(record["evtName"]))
        if failure is None and fake.transient_record_failures > 0:
            fake.transient_record_failures -= 1
            failure = (555, "Miscellaneous server error. ")
        if failure is not None:
            code, text = failure
            unprocessed.append(
                {
                    "status": "fail",
                    "code": code,
                    "error": f"{text}Skipped record number : {number}",
                    "record": _echo(record),
                }
            )
        elif store:
            fake.store_upload(record)
    processed = len(records) - len(unprocessed)
    status = "success" if not unprocessed else "partial" if processed else "fail"
    return _wire.json_response(
        {"status": status, "processed": processed, "unprocessed": unprocessed}
    )


def _folded(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def _refused_names(fake: Any) -> dict[str, tuple[int, str]]:
    """The event names this account refuses beyond the published restricted list (folded)."""
    refused = {
        _folded(name): (513, _RESTRICTED_TEXT)
        for name in fake.restricted_events
        if _folded(name) not in _RESTRICTED
    }
    for name in fake.discarded_events:
        refused[_folded(name)] = (528, _DISCARDED_TEXT)
    return refused


def _echo(record: Any) -> Any:
    """The record as the server echoes it: identities as strings."""
    if not isinstance(record, dict):
        return record
    return {k: str(v) if k in _IDS and v is not None else v for k, v in record.items()}


def record_failure(record: Any) -> tuple[int, str] | None:
    """Return the (code, message start) a record fails with, or None if it is accepted."""
    if type(record) is dict and record.get("type") == "event" and plainly_valid_event(record):
        return None
    return checked_failure(record)


#: A string value of at most this many characters is under the byte limit whatever it holds.
_SHORT_VALUE = _limits.MAX_VALUE_BYTES // 4


def plainly_valid_event(record: dict[str, Any]) -> bool:
    """A quick yes for the common event, or False to let :func:`checked_failure` decide.

    True only for an event that :func:`checked_failure` accepts: a string identity, a plain ``ts``,
    and scalar properties with short string values. Checking a record must stay cheap: the fake
    serves benchmarks where several clients share its CPU.
    """
    name = record.get("evtName")
    if type(name) is not str or _event_name_failure(name) is not None:
        return False
    identity = record.get("identity")
    if type(identity) is not str or not identity:
        return False
    if "ts" in record:
        ts = record["ts"]
        if type(ts) is not int or not 0 < ts < 10**11:
            return False
    data = record.get("evtData")
    if type(data) is not dict or len(data) > _limits.MAX_EVENT_PROPERTIES:
        return False
    for key, value in data.items():
        kind = type(value)
        if kind is str:
            if len(value) > _SHORT_VALUE:
                return False
        elif kind is float:
            if not math.isfinite(value):
                return False
        elif kind is not int and kind is not bool and value is not None:
            return False
        if not _key_ok(key, _BANNED):
            return False
    return True


def checked_failure(record: Any) -> tuple[int, str] | None:
    """Check every rule: the (code, message start) a record fails with, or None if it is accepted."""
    if not isinstance(record, dict):
        return 524, "Data is neither event nor profile. "
    kind = record.get("type")
    if kind == "token":
        return _token_failure(record)
    if kind not in ("event", "profile"):
        return 524, "Data is neither event nor profile. "
    if kind == "event":
        failure = _event_name_failure(record.get("evtName"))
        if failure:
            return failure
    if not any(isinstance(record.get(k), str | int) and record.get(k) != "" for k in _IDS):
        return 523, "Missing identity. "
    if "ts" in record:
        ts = record["ts"]
        if not (isinstance(ts, int) and not isinstance(ts, bool) and 0 < ts < 10**11):
            return 525, "Timestamp should be present in the Unix Epoch format. "
    if kind == "event":
        return _event_data_failure(record.get("evtName"), record.get("evtData"))
    return _profile_failure(record.get("profileData"))


@functools.lru_cache(maxsize=1024)
def _restricted(name: str) -> bool:
    return re.sub(r"\s+", "", name).lower() in _RESTRICTED


def _event_name_failure(name: Any) -> tuple[int, str] | None:
    if not isinstance(name, str) or not name.strip():
        return 509, "Event name is mandatory. "
    if _restricted(name):
        return 513, _RESTRICTED_TEXT
    return None


def _event_data_failure(name: Any, data: Any) -> tuple[int, str] | None:
    if not isinstance(data, dict):
        return 512, "Invalid event structure. "
    if len(data) > _limits.MAX_EVENT_PROPERTIES:
        return 522, "Event properties limit exceeded. "
    for key, value in data.items():
        bad = _property_failure(key, value, _BANNED)
        if bad:
            return 512, f"Invalid event structure: {bad}. "
        if isinstance(value, dict | list) and not (name == "Charged" and key == "Items"):
            return 512, f"Invalid event structure: {key} must be a scalar. "
    return None


def _property_failure(key: str, value: Any, banned: frozenset[str]) -> str | None:
    if not _key_ok(key, banned):
        return f"bad key {key[:30]}"
    kind = type(value)
    # Short strings cannot be over the byte limit (UTF-8 is at most 4 bytes a character); the fake
    # must stay cheap next to the client it is measured against.
    if kind is str and len(value) * 4 > _limits.MAX_VALUE_BYTES:
        if len(value.encode()) > _limits.MAX_VALUE_BYTES:
            return f"value of {key} is too long"
    elif kind is float and not math.isfinite(value):
        return f"value of {key} is not a number"
    return None


@functools.lru_cache(maxsize=4096)
def _key_ok(key: str, banned: frozenset[str]) -> bool:
    return len(key) <= _limits.MAX_KEY_LENGTH and not banned.intersection(key)


def _profile_failure(data: Any) -> tuple[int, str] | None:
    if not isinstance(data, dict):
        return 524, "Data is neither event nor profile. "
    banned = _BANNED | {"#"}
    for key, value in data.items():
        bad = _property_failure(key, value, banned)
        if bad:
            return 512, f"Profile data is incorrect: {bad}. "
    email = data.get("Email")
    if "Email" in data and not (isinstance(email, str) and _EMAIL.match(email)):
        return 515, "Profile data is incorrect. Email is not valid."
    phone = data.get("Phone")
    if "Phone" in data and not (isinstance(phone, str) and _PHONE.match(phone)):
        return 516, "Profile data is incorrect. Phone number is not valid."
    for key, (code, allowed, text) in _PROFILE_RULES.items():
        if key in data and data[key] not in allowed:
            return code, text
    if "Age" in data and not _age_ok(data["Age"]):
        return 520, "Profile data is incorrect. Age is invalid."
    return None


def _age_ok(age: Any) -> bool:
    # Recorded: "Age": "18" was stored; only text such as "aa" got 520.
    if isinstance(age, str):
        digits = age.strip().lstrip("+-")
        return digits.replace(".", "", 1).isdigit() and not digits.startswith(".")
    return isinstance(age, int | float) and not isinstance(age, bool)


def _token_failure(record: dict[str, Any]) -> tuple[int, str] | None:
    if not isinstance(record.get("objectId"), str) or not record["objectId"]:
        return 530, "Invalid objectId. "
    data = record.get("tokenData")
    if not isinstance(data, dict):
        return 531, "Invalid token data. "
    if not data.get("id"):
        return 532, "Token id is missing. "
    if not data.get("type"):
        return 533, "Token type is missing. "
    if data["type"] not in _TOKEN_TYPES:
        return 534, "Token type is not valid for this objectId. "
    keys = data.get("keys")
    if data["type"] == "chrome" and not (
        isinstance(keys, dict) and keys.get("p256dh") and keys.get("auth")
    ):
        return 535, "Invalid token data: chrome tokens need keys. "
    return None


def identity_of(record: dict[str, Any]) -> str:
    """The key a profile is upserted by: the first identifier it carries, as text."""
    for key in _IDS:
        if record.get(key) not in (None, ""):
            return f"{key}:{record[key]}"
    return ""


def find_uploaded_profile(
    profiles: dict[str, dict[str, Any]], key: str, value: str
) -> dict[str, Any] | None:
    """Return the stored upload of a profile, looked up as ``profile.json`` does, or None.

    The answer has ``profile.json``'s shape: the identifiers, ``email`` when the profile has one, and
    ``profileData``.
    """
    if key == "email":
        stored = next(
            (p for p in profiles.values() if p.get("profileData", {}).get("Email") == value), None
        )
    else:
        stored = profiles.get(f"{key}:{value}")
    if stored is None:
        return None
    record = {k: v for k, v in stored.items() if k in _IDS}
    email = stored["profileData"].get("Email")
    return {**record, **({"email": email} if email else {}), "profileData": stored["profileData"]}
