"""Dates and query bodies shared by every query-language API (clevertap-api.md §3.4, §6.7). Pure.

Query APIs take dates as ``YYYYMMDD`` integers; users give ``datetime.date`` or those integers. Checking
them here, before anything is sent, turns a server's vague 400 into an error naming the field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ._converter import to_wire
from ._errors import ValidationError

#: What every date argument of a query accepts.
DateLike = date | int


def to_date(value: object, field: str) -> date:
    """Return a ``date`` from a ``date`` or a ``YYYYMMDD`` int, else raise naming ``field``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 10_000_000 <= value <= 99_991_231:
        try:
            return date(value // 10_000, value // 100 % 100, value % 100)
        except ValueError:
            pass
    raise ValidationError(
        f"{field} must be a datetime.date or a YYYYMMDD int, got {value!r}", field=field
    )


def yyyymmdd(day: date) -> int:
    """Return ``day`` as the API's ``YYYYMMDD`` integer."""
    return day.year * 10_000 + day.month * 100 + day.day


def latest_query_day(now: datetime | None = None) -> date:
    """Return the last day a data query may reach: tomorrow in UTC.

    The API refuses a ``to`` in the future. Its days are the project's, and somewhere on Earth it is
    already tomorrow in UTC terms, so the UTC date + 1 lets every time zone ask for its own today.
    """
    return (now or datetime.now(UTC)).date() + timedelta(days=1)


def date_range(
    start: object,
    end: object,
    *,
    max_days: int | None = None,
    names: tuple[str, str] = ("start", "end"),
    not_after: date | None = None,
) -> tuple[date, date]:
    """Return ``(start, end)`` as dates after checking ``start <= end`` and, if given, the span.

    ``names`` are the fields the errors name (``where.from``... when the dates sit in a query).

    Raises:
        ValidationError: a date is malformed, ``start`` is after ``end``, the range is longer than
            ``max_days`` days (both ends included), or ``end`` is after ``not_after``.
    """
    first, last = to_date(start, names[0]), to_date(end, names[1])
    if first > last:
        raise ValidationError(f"{names[0]} {first} is after {names[1]} {last}", field=names[0])
    if not_after is not None and last > not_after:
        raise ValidationError(
            f"{names[1]} {last} is in the future; the API answers data only up to {not_after} "
            "(today in every time zone)",
            field=names[1],
        )
    days = (last - first).days + 1
    if max_days is not None and days > max_days:
        raise ValidationError(
            f"the range {first}..{last} is {days} days; this API allows at most {max_days}",
            field=names[1],
        )
    return first, last


def windows(first: date, last: date, days: int) -> Iterator[tuple[date, date]]:
    """Yield consecutive ``(start, end)`` windows of at most ``days`` days covering ``first..last``."""
    while first <= last:
        end = min(last, first + timedelta(days=days - 1))
        yield first, end
        first = end + timedelta(days=1)


def event_query(
    event_name: object,
    start: object,
    end: object,
    where: object = None,
    *,
    max_days: int | None = None,
) -> dict[str, Any]:
    """Build the body of an event query: ``event_name``, ``from``, ``to`` and the ``where`` blocks.

    Args:
        event_name: the event to query.
        start: the first day, a ``date`` or ``YYYYMMDD`` int.
        end: the last day, included.
        where: more query-language blocks (``event_properties``, ``common_profile_properties``,
            ``advanced_query``...), as a mapping or an attrs model.
        max_days: the longest range the API accepts, if it has a limit.

    Raises:
        ValidationError: a bad name, date or ``where``, or an ``end`` in the future (after the UTC
            date + 1); the message names the field.
    """
    if not isinstance(event_name, str) or not event_name.strip():
        raise ValidationError(
            f"event_name must be a non-empty string, got {event_name!r}", field="event_name"
        )
    first, last = date_range(start, end, max_days=max_days, not_after=latest_query_day())
    body = where_blocks(where)
    body.update({"event_name": event_name, "from": yyyymmdd(first), "to": yyyymmdd(last)})
    return body


def where_blocks(where: object, *, allow_range: bool = False) -> dict[str, Any]:
    """Return the ``where`` blocks as a fresh dict; they may not override the query's own fields.

    With ``allow_range`` the blocks are a whole query (a campaign's audience) that carries its own
    ``event_name``, ``from`` and ``to``.
    """
    if where is None:
        return {}
    blocks = to_wire(where)
    if not isinstance(blocks, Mapping):
        raise ValidationError(
            f"where must be a mapping of query blocks, got {type(where).__name__}", field="where"
        )
    clash = [] if allow_range else sorted({"event_name", "from", "to"} & set(blocks))
    if clash:
        raise ValidationError(
            f"where must not set {', '.join(clash)}: pass them as arguments", field="where"
        )
    return dict(blocks)
