"""The fake's counts (with the partial + ``req_id`` flow) and real-time counts.

Counts come from a simple, deterministic model the tests can steer: ``fake.daily_counts[event]`` is how
many times the event happens each day, always by that many distinct profiles. A query answers
``partial`` ``fake.count_partials`` times before its result, and polls are accepted by GET (no body)
and by POST (the query again), unless ``fake.reject_get_polls`` makes GET polls a 405.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import attrs
from aiohttp import web

from .. import _limits
from . import _wire
from ._keys import FAKE

EVENTS = "/1/counts/events.json"
PROFILES = "/1/counts/profiles.json"
TRENDS = "/1/counts/trends.json"
TOP = "/1/counts/top.json"
NOW = "/1/now.json"

TREND_KEYS = {"daily": "%Y%m%d", "weekly": None, "monthly": "%Y%m"}
NOW_SPLITS = {
    "user_type": ("new", "repeat", "addressable", "customer"),
    "session_source": ("direct", "others", "search", "social", "email", "unavailable"),
    "browser": ("others", "firefox", "chrome", "ie", "mobileapp"),
    "os": ("others", "android", "ios", "windows", "mac", "linux"),
    "device": ("desktop", "mobile", "tablet"),
}

Answer = dict[str, Any] | str
_req_ids = itertools.count(384_649_162_721_759)


@attrs.define
class PendingCount:
    """A counts query the fake is pretending to still compute."""

    path: str
    partials_left: int
    answer: dict[str, Any]


def add_routes(app: web.Application) -> None:
    """Register the counts and real-time endpoints."""
    for path, compute in COMPUTE.items():
        handler = _count_handler(path, compute)
        app.router.add_post(path, handler)
        app.router.add_get(path, handler)
    app.router.add_post(NOW, now)


def _count_handler(
    path: str, compute: Callable[[Any, dict[str, Any]], Answer]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        fake = request.app[FAKE]
        if "req_id" in request.query:
            if request.method == "GET" and fake.reject_get_polls:
                return _wire.fail(405)
            return _poll(fake, path, request.query["req_id"])
        if request.method != "POST":
            return _wire.fail(405)
        body = await _wire.read_json_object(request)
        if isinstance(body, web.Response):
            return body
        answer = compute(fake, body)
        if isinstance(answer, str):
            return _wire.fail(400, answer)
        if fake.count_partials <= 0:
            return _wire.json_response(answer)
        req_id = next(_req_ids)
        fake.pending_counts[req_id] = PendingCount(path, fake.count_partials, answer)
        return _wire.json_response({"status": "partial", "req_id": req_id})

    return handle


def _poll(fake: Any, path: str, raw_id: str) -> web.Response:
    pending = fake.pending_counts.get(int(raw_id)) if raw_id.isdigit() else None
    if pending is None or pending.path != path:
        return _wire.fail(400, "Invalid request id")
    pending.partials_left -= 1
    if pending.partials_left > 0:
        return _wire.json_response({"status": "partial", "req_id": int(raw_id)})
    del fake.pending_counts[int(raw_id)]
    return _wire.json_response(pending.answer)


def _query(body: dict[str, Any]) -> tuple[str, date, date] | str:
    name = body.get("event_name")
    if not isinstance(name, str) or not name:
        return "event_name is mandatory"
    days = _wire.day_range(body)
    if isinstance(days, str):
        return days
    return name, days[0], days[1]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def event_count(fake: Any, body: dict[str, Any]) -> Answer:
    """Events in the range: the event's daily count times the days."""
    query = _query(body)
    if isinstance(query, str):
        return query
    name, first, last = query
    return {"status": "success", "count": fake.daily_counts.get(name, 0) * len(_days(first, last))}


def profile_count(fake: Any, body: dict[str, Any]) -> Answer:
    """Profiles that did the event: the same daily profiles every day."""
    query = _query(body)
    if isinstance(query, str):
        return query
    return {"status": "success", "count": fake.daily_counts.get(query[0], 0)}


def _period(day_: date, trend_type: str) -> str:
    fmt = TREND_KEYS[trend_type]
    if fmt is None:
        year, week, _ = day_.isocalendar()
        return f"{year}{week:02d}"
    return day_.strftime(fmt)


def trends(fake: Any, body: dict[str, Any]) -> Answer:
    """Counts per day, ISO week (``YYYYWW``) or month (``YYYYMM``) for each group."""
    query = _query(body)
    if isinstance(query, str):
        return query
    name, first, last = query
    if (last - first).days >= 366:
        return "The date range cannot exceed one year"
    groups = body.get("groups")
    if not isinstance(groups, dict) or not groups or len(groups) > 5:
        return "groups is mandatory: between 1 and 5 groups"
    daily = fake.daily_counts.get(name, 0)
    answer: dict[str, Any] = {"status": "success"}
    for key, spec in groups.items():
        kind = spec.get("trend_type") if isinstance(spec, dict) else None
        if kind not in TREND_KEYS:
            return f"Invalid trend_type for group {key}"
        counts: dict[str, int] = {}
        for day_ in _days(first, last):
            period = _period(day_, kind)
            # Unique counts the same daily profiles once per period; events add up every day.
            counts[period] = daily if body.get("unique") else counts.get(period, 0) + daily
        answer[key] = counts
    return answer


def top(fake: Any, body: dict[str, Any]) -> Answer:
    """Top values from ``fake.top_values[property name]`` (``{"STR"|"NUMBER": {value: count}}``)."""
    query = _query(body)
    if isinstance(query, str):
        return query
    groups = body.get("groups")
    if not isinstance(groups, dict) or not groups:
        return "groups is mandatory"
    answer: dict[str, Any] = {"status": "success"}
    for key, spec in groups.items():
        if (
            not isinstance(spec, dict)
            or spec.get("property_type") not in _limits.TOP_PROPERTY_TYPES
        ):
            return f"Invalid property_type for group {key}"
        values = fake.top_values.get(spec.get("name"), {"STR": {}})
        descending = spec.get("order", "desc") == "desc"
        top_n = spec.get("top_n", 10)
        answer[key] = {
            kind: dict(sorted(counts.items(), key=lambda item: item[1], reverse=descending)[:top_n])
            for kind, counts in values.items()
        }
    return answer


COMPUTE: dict[str, Callable[[Any, dict[str, Any]], Answer]] = {
    EVENTS: event_count,
    PROFILES: profile_count,
    TRENDS: trends,
    TOP: top,
}


async def now(request: web.Request) -> web.Response:
    """Real-time counts: ``fake.realtime_count`` users, split evenly-ish on request."""
    fake = request.app[FAKE]
    body = await _wire.read_json_object(request)
    if isinstance(body, web.Response):
        return body
    total = fake.realtime_count
    answer: dict[str, Any] = {
        "status": "success",
        "count": total,
        "last_processed_ts": int(fake.clock()) // 60 * 60,
    }
    for split, buckets in NOW_SPLITS.items():
        if body.get(split) is True:
            answer[split] = _spread(total, buckets)
    if body.get("new") is True:
        answer["new"] = {split: _spread(total // 10, NOW_SPLITS[split]) for split in NOW_SPLITS}
        del answer["new"]["user_type"]
    return _wire.json_response(answer)


def _spread(total: int, buckets: tuple[str, ...]) -> dict[str, int]:
    share, rest = divmod(total, len(buckets))
    return {bucket: share + (n < rest) for n, bucket in enumerate(buckets)}
