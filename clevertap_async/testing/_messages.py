"""The fake's message reports (``POST /1/message/report.json``): slow, and keyed as the real API.

The real endpoint is synchronous and slow in proportion to the range asked for (about 26 s for 30 days
and 109 s for 90 days have been measured), so the fake waits ``fake.message_report_seconds`` per 30
days of range before answering; tests scale it down. It answers
``{"status": "success", "total_results": N, "messages": [...]}`` with each message keyed as the real
API keys it (``"message id"``, ``"message_name"``...). A message is listed by every request whose
range overlaps its active days (``date`` to ``end_date``), so one campaign can appear in two
adjacent windows: clients must count it once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from . import _wire
from ._keys import FAKE

MESSAGE_REPORT = "/1/message/report.json"
#: Seconds the fake takes per 30 days of range, by default: the real API's speed, scaled down.
DEFAULT_SECONDS_PER_30_DAYS = 3.0
#: The fake's own scheduling keys, not part of what the API sends.
_SCHEDULE_KEYS = ("date", "end_date")


def add_routes(app: web.Application) -> None:
    """Register the message-report endpoint."""
    app.router.add_post(MESSAGE_REPORT, message_report)


def message(
    message_id: int,
    name: str,
    start: int,
    end: int | None = None,
    *,
    channel: str = "push",
    **figures: Any,
) -> dict[str, Any]:
    """Build a message-report entry as the real API keys it, active from ``start`` to ``end``.

    Example::

        fake.message_reports.append(message(1457432766, "Welcome", 20260105, sent=82, clicked=28))

    Args:
        message_id: the campaign's ID, served as ``"message id"``.
        name: its name, served as ``"message_name"``.
        start: its first active day, ``YYYYMMDD``.
        end: its last active day (None: the start day only).
        channel: its channel (``push``, ``email``...).
        figures: further fields to serve (``sent``, ``viewed``, ``clicked``...).

    Returns:
        The entry for ``fake.message_reports``.
    """
    entry: dict[str, Any] = {"message id": message_id, "message_name": name, "channel": channel}
    entry.update(figures)
    entry["date"] = start
    if end is not None:
        entry["end_date"] = end
    return entry


async def message_report(request: web.Request) -> web.Response:
    """The stored ``fake.message_reports`` active in the range, after the range's processing time."""
    fake = request.app[FAKE]
    body = await _wire.read_json_object(request)
    if isinstance(body, web.Response):
        return body
    days = _wire.day_range(body)
    if isinstance(days, str):
        return _wire.fail(400, days)
    first, last = days
    await asyncio.sleep(fake.message_report_seconds * ((last - first).days + 1) / 30)
    low, high = _wire.compact(first), _wire.compact(last)
    channels = body.get("channel")
    messages = [
        {key: value for key, value in entry.items() if key not in _SCHEDULE_KEYS}
        for entry in fake.message_reports
        if entry.get("date", 0) <= high
        and entry.get("end_date", entry.get("date", 0)) >= low
        and (not channels or entry.get("channel") in channels)
    ]
    return _wire.json_response(
        {"status": "success", "total_results": len(messages), "messages": messages}
    )
