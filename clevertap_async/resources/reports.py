"""Analytics reports: trends, top property values, real-time users and message reports (§6.5, §6.6).

These live together because a CleverTap user finds them together, under the dashboard's analytics;
the plain event and profile counts stay on ``ct.events`` and ``ct.profiles``, where the design put them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from .. import _limits, _query, _validation
from .._errors import ValidationError
from ..models.counts import RealtimeCounts
from ._base import Resource
from ._counting import DEFAULT_POLLING, CountPolling, count_of, run_count_query

TRENDS_PATH = "/1/counts/trends.json"
TOP_PATH = "/1/counts/top.json"
REALTIME_PATH = "/1/now.json"
MESSAGE_REPORT_PATH = "/1/message/report.json"

#: Trends allow at most this many groups and a year's range (the API's notes).
MAX_TREND_GROUPS = 5
MAX_TREND_DAYS = 366
TREND_TYPES = frozenset({"daily", "weekly", "monthly"})
REALTIME_SPLITS = ("user_type", "session_source", "browser", "os", "device", "new")
#: The message-report filters that take lists, and the values the API documents for the closed ones.
MESSAGE_FILTERS: dict[str, frozenset[str] | None] = {
    "channel": frozenset(
        {
            "push",
            "email",
            "sms",
            "browser",
            "audiences",
            "inapp",
            "webhooks",
            "web_pop_up",
            "web_exit_intent",
            "web_native_display",
            "web_inbox",
        }
    ),
    "delivery": frozenset({"one_time", "inaction", "action", "recurring", "property_time", "api"}),
    "status": frozenset({"scheduled", "running", "stopped", "completed"}),
    "message_type": frozenset({"single", "ab", "message_on_user_property"}),
    "label": None,
}

TrendType = Literal["daily", "weekly", "monthly"]


class Reports(Resource):
    """Trends, top property counts, real-time counts and message reports."""

    async def trends(
        self,
        event_name: str,
        start: _query.DateLike,
        end: _query.DateLike,
        groups: Mapping[str, TrendType],
        *,
        unique: bool = False,
        sum_event_prop: str | None = None,
        where: object = None,
        polling: CountPolling = DEFAULT_POLLING,
    ) -> dict[str, dict[str, int]]:
        """Count an event per day, week or month.

        Example::

            trends = await ct.reports.trends(
                "Charged", 20260101, 20260131, {"per_day": "daily", "per_week": "weekly"}
            )
            trends["per_day"]["20260101"]

        Args:
            event_name: the event to count.
            start: the first day, a ``datetime.date`` or a ``YYYYMMDD`` int.
            end: the last day, included; at most a year after ``start``.
            groups: up to 5 of your own keys, each mapped to ``daily``, ``weekly`` or ``monthly``.
            unique: count profiles instead of events.
            sum_event_prop: sum this integer event property instead of counting.
            where: further query-language blocks.
            polling: how long to poll while the server answers "partial".

        Returns:
            Per group key, the counts by period key (``YYYYMMDD``, ``YYYYWW`` or ``YYYYMM``).

        Raises:
            ValidationError: bad dates, groups or options; nothing was sent.
            CountTimeoutError: the server was still counting when the poll deadline passed.
            APIError: the server refused the query.
        """
        body = _query.event_query(event_name, start, end, where, max_days=MAX_TREND_DAYS)
        body["groups"] = {
            key: {"trend_type": _validation.one_of(kind, TREND_TYPES, f"groups[{key!r}]")}
            for key, kind in _groups(groups, MAX_TREND_GROUPS).items()
        }
        if not isinstance(unique, bool):
            raise ValidationError(f"unique must be a bool, got {unique!r}", field="unique")
        if unique:
            body["unique"] = True
        if sum_event_prop is not None:
            body["sum_event_prop"] = _validation.required_text(sum_event_prop, "sum_event_prop")
        answer = await run_count_query(self._requester, TRENDS_PATH, body, polling)
        return {key: answer.get(key) or {} for key in body["groups"]}

    async def top(
        self,
        event_name: str,
        start: _query.DateLike,
        end: _query.DateLike,
        groups: Mapping[str, Mapping[str, Any]],
        *,
        where: object = None,
        polling: CountPolling = DEFAULT_POLLING,
    ) -> dict[str, dict[str, dict[str, int]]]:
        """Find the most common values of properties among an event's occurrences.

        Example::

            top = await ct.reports.top(
                "Charged", 20260101, 20260131,
                {"cities": {"property_type": "geo_fields", "name": "City", "top_n": 5}},
            )
            top["cities"]["STR"]

        Args:
            event_name: the event to look at.
            start: the first day, a ``datetime.date`` or a ``YYYYMMDD`` int.
            end: the last day, included.
            groups: your own keys, each mapped to ``{"property_type", "name", "top_n"?, "order"?}``;
                ``property_type`` is one of the API's (``event_properties``, ``profile_fields``...),
                ``order`` is ``asc`` or ``desc``.
            where: further query-language blocks.
            polling: how long to poll while the server answers "partial".

        Returns:
            Per group key, per value type (``STR`` or ``NUMBER``), the counts by value or range.

        Raises:
            ValidationError: bad dates or groups; nothing was sent.
            CountTimeoutError: the server was still counting when the poll deadline passed.
            APIError: the server refused the query.
        """
        body = _query.event_query(event_name, start, end, where)
        body["groups"] = {key: _top_group(key, spec) for key, spec in _groups(groups).items()}
        answer = await run_count_query(self._requester, TOP_PATH, body, polling)
        return {key: answer.get(key) or {} for key in body["groups"]}

    async def realtime(self, *splits: str) -> RealtimeCounts:
        """Count the users active in the past five minutes, optionally split.

        Example::

            now = await ct.reports.realtime("user_type", "os")
            now.count, now.splits["os"]["android"]

        Args:
            splits: breakdowns to add: ``user_type``, ``session_source``, ``browser``, ``os``,
                ``device``, ``new``.

        Returns:
            The total, when it was computed, and the requested breakdowns.

        Raises:
            ValidationError: an unknown split; nothing was sent.
            APIError: the server refused the query.
        """
        body = {
            _validation.one_of(split, frozenset(REALTIME_SPLITS), "splits"): True
            for split in splits
        }
        answer = await self._request("POST", REALTIME_PATH, json=body)
        ts = answer.get("last_processed_ts")
        return RealtimeCounts(
            count=count_of(answer, REALTIME_PATH),
            last_processed_ts=ts if isinstance(ts, int) else None,
            splits={name: answer[name] for name in body if isinstance(answer.get(name), dict)},
        )

    async def messages(
        self,
        start: _query.DateLike,
        end: _query.DateLike,
        *,
        daily: bool = False,
        window_days: int = 31,
        **filters: Sequence[str],
    ) -> dict[str, Any]:
        """Fetch message (campaign) reports, slicing a long range into windows and merging them.

        Each window is one request (run concurrently, inside the query cap). The answers merge key by
        key: lists are concatenated in date order, numbers added, anything else kept from the last
        window. The documented shape of the answer is unconfirmed, hence this generic merge.

        Example::

            report = await ct.reports.messages(
                date(2026, 1, 1), date(2026, 3, 31), channel=["push", "email"], daily=True
            )

        Args:
            start: the first day, a ``datetime.date`` or a ``YYYYMMDD`` int.
            end: the last day, included.
            daily: split the figures by day instead of aggregating.
            window_days: the most days one request covers.
            filters: ``channel``, ``delivery``, ``status``, ``message_type``, ``label``: lists of
                the API's values.

        Returns:
            The merged answer, without ``status``.

        Raises:
            ValidationError: bad dates, an unknown filter or value; nothing was sent.
            APIError: the server refused a window.
        """
        first, last = _query.date_range(start, end)
        if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
            raise ValidationError(
                f"window_days must be a positive int, got {window_days!r}", field="window_days"
            )
        if not isinstance(daily, bool):
            raise ValidationError(f"daily must be a bool, got {daily!r}", field="daily")
        body: dict[str, Any] = {"daily": daily}
        for name, values in filters.items():
            if name not in MESSAGE_FILTERS:
                raise ValidationError(
                    f"unknown filter {name!r}; use one of {', '.join(MESSAGE_FILTERS)}", field=name
                )
            allowed = MESSAGE_FILTERS[name]
            body[name] = [
                _validation.one_of(value, allowed, name) if allowed else value
                for value in _validation.text_list(values, name)
            ]
        requests = [
            {**body, "from": str(_query.yyyymmdd(a)), "to": str(_query.yyyymmdd(b))}
            for a, b in _query.windows(first, last, window_days)
        ]
        answers = await asyncio.gather(
            *(self._request("POST", MESSAGE_REPORT_PATH, json=request) for request in requests)
        )
        return _merge(answers)


def _merge(answers: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for answer in answers:
        for key, value in answer.items():
            if key == "status":
                continue
            have = merged.get(key)
            both_lists = isinstance(value, list) and isinstance(have, list)
            merged[key] = have + value if both_lists or _mergeable_numbers(have, value) else value
    return merged


def _mergeable_numbers(*values: object) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _groups(groups: object, limit: int | None = None) -> Mapping[str, Any]:
    if not isinstance(groups, Mapping) or not groups:
        raise ValidationError("groups must be a non-empty mapping of your keys", field="groups")
    for key in groups:
        _validation.required_text(key, "groups key")
    if limit is not None and len(groups) > limit:
        raise ValidationError(
            f"{len(groups)} groups; the API allows at most {limit}", field="groups"
        )
    return groups


def _top_group(key: str, spec: object) -> dict[str, Any]:
    field = f"groups[{key!r}]"
    group = dict(_validation.as_dict(spec, field))
    _validation.one_of(
        group.get("property_type"), _limits.TOP_PROPERTY_TYPES, f"{field}.property_type"
    )
    _validation.required_text(group.get("name"), f"{field}.name")
    top_n = group.get("top_n")
    if top_n is not None and (isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1):
        raise ValidationError(f"{field}.top_n must be a positive int, got {top_n!r}", field=field)
    if "order" in group:
        _validation.one_of(group["order"], frozenset({"asc", "desc"}), f"{field}.order")
    unknown = set(group) - {"property_type", "name", "top_n", "order"}
    if unknown:
        raise ValidationError(f"{field} has unknown keys {sorted(unknown)}", field=field)
    return group
