"""The fake's profile administration: delete, demerge, subscribe, disassociate.

Deletes and demerges take effect ``fake.visibility_delay`` seconds after they are accepted (on
``fake.clock``, which tests may replace), as on the real service where they are processed in the
background; ``FakeCleverTap.is_profile_gone`` answers for exports and ``profile.json``.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from .. import _limits
from . import _wire
from ._keys import FAKE

DELETE = "/1/delete/profiles.json"
DEMERGE = "/1/demerge/profiles.json"
SUBSCRIBE = "/1/subscribe"
DISASSOCIATE = "/1/disassociate"
_PHONE = re.compile(_limits.PHONE_PATTERN)


def add_routes(app: web.Application) -> None:
    """Register the profile administration endpoints."""
    app.router.add_post(DELETE, delete)
    app.router.add_post(DEMERGE, demerge)
    app.router.add_post(SUBSCRIBE, subscribe)
    app.router.add_post(DISASSOCIATE, disassociate)


def _ids(value: Any) -> list[str] | str:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        return "ids must be a string or a non-empty list of strings"
    if len(values) > _limits.MAX_DELETE_IDS:
        return f"Max {_limits.MAX_DELETE_IDS} are allowed"
    return values


async def delete(request: web.Request) -> web.Response:
    """Delete by ``identity`` or ``guid``, never both (HTTP 400)."""
    body = await _wire.read_json_object(request)
    if ("identity" in body) == ("guid" in body):
        return _wire.fail(400, "Exactly one of identity or guid is required")
    kind = "identity" if "identity" in body else "guid"
    ids = _ids(body[kind])
    if isinstance(ids, str):
        return _wire.fail(400, ids)
    fake = request.app[FAKE]
    fake.forget_profiles(kind, ids)
    return _wire.json_response({"status": "success"})


async def demerge(request: web.Request) -> web.Response:
    """Demerge the profiles of ``identities``: the merged profile under each is gone."""
    body = await _wire.read_json_object(request)
    ids = _ids(body.get("identities"))
    if isinstance(ids, str) or isinstance(body.get("identities"), str):
        return _wire.fail(400, ids if isinstance(ids, str) else "identities must be a list")
    request.app[FAKE].forget_profiles("identity", ids)
    return _wire.json_response({"status": "success"})


def _entries(body: dict[str, Any]) -> list[Any]:
    entries = body.get("d")
    if not isinstance(entries, list) or not entries:
        raise _wire.Refusal(_wire.fail(400, "d is mandatory and must be a non-empty list"))
    if len(entries) > _limits.MAX_SUBSCRIPTION_RECORDS:
        raise _wire.Refusal(_wire.fail(400, f"Max {_limits.MAX_SUBSCRIPTION_RECORDS} are allowed"))
    return entries


def _entry_problem(entry: Any, types: set[str], statuses: set[str] | None) -> str | None:
    if not isinstance(entry, dict) or entry.get("type") not in types:
        return f"type must be one of {sorted(types)}"
    value = entry.get("value")
    pattern_ok = (
        isinstance(value, str) and "@" in value
        if entry["type"] == "email"
        else isinstance(value, str) and _PHONE.match(value) is not None
    )
    if not pattern_ok:
        return f"Invalid {entry['type']}: {value!r}"
    if statuses is not None and entry.get("status") not in statuses:
        return f"status must be one of {sorted(statuses)}"
    return None


def _upload_style(entries: list[Any], problems: list[str | None]) -> web.Response:
    unprocessed = [
        {"status": "fail", "code": 400, "error": problem, "record": entry}
        for entry, problem in zip(entries, problems, strict=True)
        if problem
    ]
    processed = len(entries) - len(unprocessed)
    status = "success" if not unprocessed else "partial" if processed else "fail"
    return _wire.json_response(
        {"status": status, "processed": processed, "unprocessed": unprocessed}
    )


async def subscribe(request: web.Request) -> web.Response:
    """Set the subscription status of emails and phones (every profile sharing one follows)."""
    return await _apply_entries(request, {"email", "phone"}, {"Unsubscribe", "Resubscribe"})


async def disassociate(request: web.Request) -> web.Response:
    """Detach phone numbers from the profiles that use them as identities."""
    return await _apply_entries(request, {"phone"}, None)


async def _apply_entries(
    request: web.Request, types: set[str], statuses: set[str] | None
) -> web.Response:
    body = await _wire.read_json_object(request)
    entries = _entries(body)
    problems = [_entry_problem(entry, types, statuses) for entry in entries]
    fake = request.app[FAKE]
    for entry, problem in zip(entries, problems, strict=True):
        if problem:
            continue
        if statuses is None:
            fake.disassociated.append(entry["value"])
        else:
            fake.subscriptions[(entry["type"], entry["value"])] = entry["status"]
    return _upload_style(entries, problems)
