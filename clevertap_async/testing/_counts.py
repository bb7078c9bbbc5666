"""The fake's counts (with the partial + ``req_id`` flow), real-time counts, message reports.

Counts, trends and top values are computed from the events seeded and uploaded into the fake, with the
same date range and property filter the events export applies, so an export and a count of one query
agree. The profiles count counts the profiles the profiles export serves for the same query. Two
overrides stay for tests that want round figures: ``fake.daily_counts[event]`` (the event happens that
many times each day, always by that many distinct profiles) and ``fake.top_values[property]``.

A query answers ``partial`` ``fake.count_partials`` times (1 by default, as the real API was always
seen to) before its result; polls are accepted by GET (no body) and by POST (the query again), unless
``fake.reject_get_polls`` makes GET polls a 405.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import attrs
import orjson
from aiohttp import web

from .. import _limits
from . import _exports, _matching, _wire
from ._keys import FAKE

EVENTS = "/1/counts/events.json"
PROFILES = "/1/counts/profiles.json"
TRENDS = "/1/counts/trends.json"
TOP = "/1/counts/top.json"
NOW = "/1/now.json"
MESSAGE_REPORT = "/1/message/report.json"

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
    """Register the counts, real-time and message-report endpoints."""
    for path, compute in COMPUTE.items():
        handler = _count_handler(path, compute)
        app.router.add_post(path, handler)
        app.router.add_get(path, handler)
    app.router.add_post(NOW, now)
    app.router.add_post(MESSAGE_REPORT, message_report)


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


def _query(fake: Any, body: dict[str, Any]) -> tuple[str, date, date] | str:
    name = body.get("event_name")
    if not isinstance(name, str) or not name:
        return "event_name is mandatory"
    days = _wire.day_range(body)
    if isinstance(days, str):
        return days
    problem = _matching.problem(body) or _exports.event_problem(
        fake, name, _wire.compact(days[1]), export=False
    )
    if problem:
        return problem
    return name, days[0], days[1]


def _events(fake: Any, name: str, first: date, last: date, body: dict[str, Any]) -> list[Any]:
    """The exported records of one event in the range that meet the query's property filter."""
    rendered = fake.seeded.select_events(name, _wire.compact(first), _wire.compact(last))
    return _matching.select((orjson.loads(r) for r in rendered), body)


def _who(record: dict[str, Any]) -> str:
    profile = record.get("profile") or {}
    return str(profile.get("identity") or profile.get("objectId") or "")


def _day_of(record: dict[str, Any]) -> date:
    text = str(record["ts"])
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def event_count(fake: Any, body: dict[str, Any]) -> Answer:
    """Events in the range that meet the filter (or the override: the daily count times the days)."""
    query = _query(fake, body)
    if isinstance(query, str):
        return query
    name, first, last = query
    if name in fake.daily_counts:
        count = fake.daily_counts[name] * len(_days(first, last))
    else:
        count = len(_events(fake, name, first, last, body))
    return {"status": "success", "count": count}


def profile_count(fake: Any, body: dict[str, Any]) -> Answer:
    """Profiles the profiles export serves for the query (or the override's daily profiles).

    The answer carries the extra fields the real one does: ``nQCount``, ``tcount`` (here the events
    those profiles did, by their event summaries) and ``userDeviceCount``.
    """
    query = _query(fake, body)
    if isinstance(query, str):
        return query
    name, first, last = query
    if name in fake.daily_counts:
        count = total = fake.daily_counts[name]
    else:
        profiles = [
            p
            for p in fake.seeded.select_profiles(name, _wire.compact(first), _wire.compact(last))
            if not fake.is_profile_gone(identity=p.identity, object_id=p.object_id)
        ]
        count = len(profiles)
        total = sum(p.record["events"][name]["count"] for p in profiles)
    return {
        "status": "success",
        "count": count,
        "nQCount": 0,
        "tcount": total,
        "userDeviceCount": {"devices": count, "users": count},
    }


def _period(day_: date, trend_type: str) -> str:
    fmt = TREND_KEYS[trend_type]
    if fmt is None:
        year, week, _ = day_.isocalendar()
        return f"{year}{week:02d}"
    return day_.strftime(fmt)


def trends(fake: Any, body: dict[str, Any]) -> Answer:
    """Counts per day, ISO week (``YYYYWW``) or month (``YYYYMM``) for each group.

    ``unique`` counts distinct profiles per period; ``sum_event_prop`` sums that property instead.
    """
    query = _query(fake, body)
    if isinstance(query, str):
        return query
    name, first, last = query
    if (last - first).days >= 366:
        return "The date range cannot exceed one year"
    groups = body.get("groups")
    if not isinstance(groups, dict) or not groups or len(groups) > 5:
        return "groups is mandatory: between 1 and 5 groups"
    records = None if name in fake.daily_counts else _events(fake, name, first, last, body)
    answer: dict[str, Any] = {"status": "success"}
    for key, spec in groups.items():
        kind = spec.get("trend_type") if isinstance(spec, dict) else None
        if kind not in TREND_KEYS:
            return f"Invalid trend_type for group {key}"
        if records is None:
            answer[key] = _override_trend(fake.daily_counts[name], first, last, kind, body)
        else:
            answer[key] = _trend(records, first, last, kind, body)
    return answer


def _override_trend(
    daily: int, first: date, last: date, kind: str, body: dict[str, Any]
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for day_ in _days(first, last):
        period = _period(day_, kind)
        # Unique counts the same daily profiles once per period; events add up every day.
        counts[period] = daily if body.get("unique") else counts.get(period, 0) + daily
    return counts


def _trend(
    records: list[dict[str, Any]], first: date, last: date, kind: str, body: dict[str, Any]
) -> dict[str, int]:
    counts = {_period(day_, kind): 0 for day_ in _days(first, last)}
    users: dict[str, set[str]] = {period: set() for period in counts}
    prop = body.get("sum_event_prop")
    for record in records:
        period = _period(_day_of(record), kind)
        if body.get("unique"):
            users[period].add(_who(record))
        elif prop:
            value = (record.get("event_props") or {}).get(prop)
            counts[period] += value if isinstance(value, int) and not isinstance(value, bool) else 0
        else:
            counts[period] += 1
    return {period: len(users[period]) for period in counts} if body.get("unique") else counts


def top(fake: Any, body: dict[str, Any]) -> Answer:
    """Top values of each group's property: from ``fake.top_values`` or from the events.

    Event and session properties are counted from the events in the range; text values by value
    (``STR``), numbers in ten-wide-ish ranges (``NUMBER``, e.g. ``"1000-2000"``).
    """
    query = _query(fake, body)
    if isinstance(query, str):
        return query
    name, first, last = query
    groups = body.get("groups")
    if not isinstance(groups, dict) or not groups:
        return "groups is mandatory"
    records: list[dict[str, Any]] | None = None
    answer: dict[str, Any] = {"status": "success"}
    for key, spec in groups.items():
        if (
            not isinstance(spec, dict)
            or spec.get("property_type") not in _limits.TOP_PROPERTY_TYPES
        ):
            return f"Invalid property_type for group {key}"
        values = fake.top_values.get(spec.get("name"))
        if values is None:
            if records is None:
                records = _events(fake, name, first, last, body)
            values = _top_values(records, spec)
        descending = spec.get("order", "desc") == "desc"
        top_n = spec.get("top_n", 10)
        answer[key] = {
            kind: dict(sorted(counts.items(), key=lambda item: item[1], reverse=descending)[:top_n])
            for kind, counts in values.items()
        }
    return answer


def _top_values(records: list[dict[str, Any]], spec: dict[str, Any]) -> dict[str, dict[str, int]]:
    part = _matching.FILTERED_BLOCKS.get(spec["property_type"])
    found = [(r.get(part) or {}).get(spec.get("name")) for r in records if part is not None]
    numbers = [v for v in found if isinstance(v, int | float) and not isinstance(v, bool)]
    texts = Counter(str(v) for v in found if isinstance(v, str))
    values: dict[str, dict[str, int]] = {"STR": dict(texts)} if texts or not numbers else {}
    if numbers:
        width = 10 ** max(0, math.ceil(math.log10(max(max(numbers), 1) / 10)))
        buckets = Counter(int(v // width) * width for v in numbers)
        values["NUMBER"] = {f"{low}-{low + width}": n for low, n in sorted(buckets.items())}
    return values


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


async def message_report(request: web.Request) -> web.Response:
    """Message reports: the stored ``fake.message_reports`` whose ``date`` is in range."""
    fake = request.app[FAKE]
    query = await _wire.read_date_query(request)
    if isinstance(query, web.Response):
        return query
    body, low, high = query
    channels = body.get("channel")
    messages = [
        message
        for message in fake.message_reports
        if low <= message.get("date", 0) <= high
        and (not channels or message.get("channel") in channels)
    ]
    return _wire.json_response({"status": "success", "messages": messages})
