"""How the fake answers: CleverTap's JSON envelope and content type, rendered with orjson.

Deliberately separate from the client's protocol module: the fake must not share the client's code, so
that a bug in one cannot hide in the other.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from aiohttp import web

CONTENT_TYPE = "application/json;charset=utf-8"

#: The error text the fake sends with each HTTP status (recorded strings where one exists).
STATUS_TEXT = {
    400: "Malformed request",
    401: "Account ID is not valid",
    403: "Operation not allowed",
    404: "Not found",
    405: "Method not allowed",
    429: "Too many concurrent requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable, retry later",
    504: "Gateway timeout",
}


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Return ``data`` as CleverTap sends JSON."""
    return raw_json_response(orjson.dumps(data), status=status, headers=headers)


def raw_json_response(
    body: bytes, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Return pre-rendered JSON bytes (the benchmark fast path renders pages once)."""
    response = web.Response(body=body, status=status, headers=headers)
    response.headers["Content-Type"] = CONTENT_TYPE
    return response


def fail(
    status: int,
    error: str | None = None,
    *,
    code: int | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Return the generic failure body ``{"status": "fail", "error": ..., "code": ...}``."""
    body = {
        "status": "fail",
        "error": error or STATUS_TEXT.get(status, "Error"),
        "code": status if code is None else code,
    }
    return json_response(body, status=status, headers=headers)


class Refusal(Exception):
    """The answer to give instead of going on, raised from anywhere in a handler.

    The server answers it (see ``_server._call``), so a handler reads its body in one line and never
    passes an error answer back up by hand.
    """

    def __init__(self, response: web.Response):
        super().__init__(response.status)
        self.response = response


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object body.

    Raises:
        Refusal: with the 400 answer the API gives for a body that is not a JSON object.
    """
    raw = await request.read()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Refusal(fail(400, "Malformed request: the body is not valid JSON")) from None
    if not isinstance(data, dict):
        raise Refusal(fail(400, "Malformed request: the body must be a JSON object"))
    return data


def day(value: Any) -> date | None:
    """Return the date of a ``YYYYMMDD`` int or digit string (the API accepts both), or None."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def day_range(body: dict[str, Any]) -> tuple[date, date] | str:
    """Return a body's ``from``..``to`` days, or the complaint the API would make about them."""
    first, last = day(body.get("from")), day(body.get("to"))
    if first is None or last is None:
        return "from and to are mandatory dates in YYYYMMDD format"
    if first > last:
        return "from must not be after to"
    return first, last


def compact(day_: date) -> int:
    """Return a date as the API's ``YYYYMMDD`` integer."""
    return int(day_.strftime("%Y%m%d"))


async def read_date_query(request: web.Request) -> tuple[dict[str, Any], int, int]:
    """Return a JSON body with its ``from`` and ``to`` as ``YYYYMMDD`` ints.

    Raises:
        Refusal: with the API's 400 for a body that is not an object or has bad dates.
    """
    body = await read_json_object(request)
    days = day_range(body)
    if isinstance(days, str):
        raise Refusal(fail(400, days))
    return body, compact(days[0]), compact(days[1])
