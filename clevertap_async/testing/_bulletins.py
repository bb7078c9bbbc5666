"""The fake's Bulletins endpoint, ``POST /1/targets/trigger.json``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .. import _limits
from . import _wire
from ._keys import FAKE

PATH = "/1/targets/trigger.json"


def add_routes(app: web.Application) -> None:
    """Register the bulletin endpoint."""
    app.router.add_post(PATH, trigger)


async def trigger(request: web.Request) -> web.Response:
    """Validate a bulletin as the docs describe, store it, answer success."""
    body = await _wire.read_json_object(request)
    problem = bulletin_problem(body)
    if problem:
        return _wire.fail(400, problem)
    request.app[FAKE].bulletins.append(body)
    return _wire.json_response({"status": "success"})


def bulletin_problem(body: dict[str, Any]) -> str | None:
    """Return the first documented rule a bulletin breaks, or None."""
    for field in ("business_event", "name", "c-by"):
        value = body.get(field)
        if not isinstance(value, str) or not value.strip():
            return f"{field} is mandatory and must be a string"
    if "@" not in body["c-by"]:
        return "c-by must be the creator's email"
    properties = body.get("properties")
    if not isinstance(properties, dict):
        return "properties is mandatory and must be an object"
    for key, value in properties.items():
        if len(key) > _limits.MAX_KEY_LENGTH:
            return f"Property key {key[:20]!r} exceeds {_limits.MAX_KEY_LENGTH} characters"
        if not isinstance(value, str):
            return f"Property {key!r} must be a string"
        if len(value.encode()) > _limits.MAX_VALUE_BYTES:
            return f"Property {key!r} exceeds {_limits.MAX_VALUE_BYTES} bytes"
    when = body.get("when")
    if when != "now" and not (isinstance(when, int) and not isinstance(when, bool) and when > 0):
        return 'when must be "now" or a UNIX timestamp'
    return None
