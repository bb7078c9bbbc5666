"""What the events and profiles exports share: checking a stream's arguments and building it.

The two resources differ only in their path, their record model and the profiles' batch rounding.
Every check runs here, when the stream is built, so a bad argument raises before anything is sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import _limits, _protocol, _query, _validation
from ._converter import to_wire
from ._errors import ValidationError
from ._pagination import Checkpoint, CursorStream, Partition, Query, partitions, resume
from .models.exports import ExportedEvent, event_from_wire
from .models.query import Where

if TYPE_CHECKING:
    from ._requester import Requester

T = TypeVar("T")

#: The filter sections of an export body (§6.7); event_name, from and to come from the arguments.
WHERE_KEYS = frozenset(
    {"event_properties", "session_properties", "common_profile_properties", "advanced_query"}
)
#: More cursors than this at once would only queue behind the client's query concurrency.
MAX_PARALLEL = 64


def open_stream(
    requester: Requester,
    path: str,
    *,
    event_name: object,
    start: object,
    end: object,
    batch_size: int,
    where: Where | Mapping[str, Any] | None,
    parse: Callable[[dict[str, Any]], T] | None,
    flags: Mapping[str, bool | None],
    parallel: int,
    prefetch: bool,
    resume_from: Checkpoint | Mapping[str, Any] | str | None,
) -> CursorStream[T]:
    """Validate a stream's arguments (nothing is sent) and return the stream.

    Raises:
        ValidationError: an argument is wrong; the message names it.
    """
    body: dict[str, Any] = {"event_name": _validation.required_text(event_name, "event_name")}
    body.update(where_body(where))
    first, last = _query.date_range(start, end, not_after=_query.latest_query_day())
    _validation.int_in_range(parallel, "parallel", 1, MAX_PARALLEL)
    params: dict[str, Any] = {"batch_size": batch_size}
    for name, value in flags.items():
        if value is not None:
            if not isinstance(value, bool):
                raise ValidationError(f"{name} must be a bool or None, got {value!r}", field=name)
            params[name] = value
    plan: list[Partition] = partitions(first, last, by_day=parallel > 1)
    initial = _checkpoint(resume_from, plan)
    return CursorStream(
        requester,
        Query(path, params, body),
        resume(plan, initial),
        parse=parse,
        parallel=parallel,
        prefetch=prefetch,
        initial=initial,
    )


def where_body(where: Where | Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the filter sections of an export body, checking a plain dict's sections.

    Raises:
        ValidationError: ``where`` is neither a Where nor a mapping, has an unknown section, or holds
            a value JSON cannot carry (the field names where, e.g. ``where.event_properties[0]``).
    """
    if where is None:
        return {}
    if isinstance(where, Where):
        wire: dict[str, Any] = to_wire(where)
        _protocol.encode_json(wire, what="where")  # a value JSON cannot carry fails here, not later
        return wire
    if not isinstance(where, Mapping):
        raise ValidationError(
            f"where must be a Where or a dict, got {type(where).__name__}", field="where"
        )
    for key in where:
        if key not in WHERE_KEYS:
            raise ValidationError(
                f"where has an unknown section {key!r}; use {', '.join(sorted(WHERE_KEYS))} "
                "(event_name, from and to are the stream's arguments)",
                field=f"where.{key}",
            )
    _protocol.encode_json(where, what="where")
    return dict(where)


def events_batch_size(value: object) -> int:
    """Check an events ``batch_size`` (1 to 5000)."""
    return _validation.int_in_range(value, "batch_size", 1, _limits.MAX_CURSOR_BATCH_SIZE)


def profiles_batch_size(value: object) -> int:
    """Check a profiles ``batch_size`` and round it down to a multiple of 23 (at least 23)."""
    size = _validation.int_in_range(value, "batch_size", 1, _limits.MAX_CURSOR_BATCH_SIZE)
    multiple = _limits.PROFILE_BATCH_MULTIPLE
    return max(multiple, size // multiple * multiple)


def time_zone(value: tzinfo | str) -> tzinfo:
    """Return a tzinfo for a zone name (``"Asia/Kolkata"``) or a tzinfo.

    Raises:
        ValidationError: an unknown zone name.
    """
    if isinstance(value, tzinfo):
        return value
    try:
        return ZoneInfo(_validation.required_text(value, "tz"))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"tz: unknown time zone {value!r}", field="tz") from None


def event_parser(raw: bool, tz: tzinfo | str) -> Callable[[dict[str, Any]], ExportedEvent] | None:
    """Return the record parser of an events stream (None: the server's dicts, untouched)."""
    zone = time_zone(tz)
    return None if raw else functools.partial(event_from_wire, zone=zone)


def _checkpoint(value: object, plan: list[Partition]) -> Checkpoint:
    if value is None:
        return Checkpoint()
    if isinstance(value, Checkpoint):
        return value
    if isinstance(value, str) and value.startswith("{"):
        # What Checkpoint.to_json() wrote; a cursor never starts with a brace.
        return Checkpoint.from_json(value)
    if isinstance(value, str):
        # A bare cursor continues a single-partition stream (the form the API's docs show).
        if len(plan) != 1 or not value:
            raise ValidationError(
                "resume_from as a cursor string needs parallel=1; pass the Checkpoint instead",
                field="resume_from",
            )
        return Checkpoint({plan[0].name: value})
    return Checkpoint.from_dict(value)
