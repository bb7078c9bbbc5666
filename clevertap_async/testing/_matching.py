"""How the fake filters events by a query's ``event_properties`` and ``session_properties``.

The documented operators: ``equals`` (the default; a list value matches any of its items),
``not_equals``, ``contains``, ``does_not_contain``, ``exists``, ``does_not_exist``, ``greater_than``,
``greater_than_equals``, ``less_than``, ``less_than_equals``. The exports and the counts use the same
filter, so an export and a count of one query agree. Other query blocks (profile properties,
``advanced_query``) are accepted and not applied. Written apart from the client on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

#: The query blocks the fake applies, and the part of an exported event record each one reads.
FILTERED_BLOCKS = {"event_properties": "event_props", "session_properties": "session_props"}
_MISSING = object()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _compare(test: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, wanted: Any) -> bool:
        left, right = _number(actual), _number(wanted)
        return left is not None and right is not None and test(left, right)

    return check


def _choices(wanted: Any) -> list[Any]:
    return wanted if isinstance(wanted, list) else [wanted]


def _equals(actual: Any, wanted: Any) -> bool:
    return any(str(actual).lower() == str(choice).lower() for choice in _choices(wanted))


def _contains(actual: Any, wanted: Any) -> bool:
    return any(str(choice).lower() in str(actual).lower() for choice in _choices(wanted))


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": _equals,
    "not_equals": lambda actual, wanted: not _equals(actual, wanted),
    "contains": _contains,
    "does_not_contain": lambda actual, wanted: not _contains(actual, wanted),
    "greater_than": _compare(lambda a, b: a > b),
    "greater_than_equals": _compare(lambda a, b: a >= b),
    "less_than": _compare(lambda a, b: a < b),
    "less_than_equals": _compare(lambda a, b: a <= b),
}


def problem(body: dict[str, Any]) -> str | None:
    """Return the API's complaint about a query's property conditions, or None if they are usable."""
    for block in FILTERED_BLOCKS:
        conditions = body.get(block, [])
        if not isinstance(conditions, list):
            return f"{block} must be a list"
        for condition in conditions:
            if not isinstance(condition, dict) or not isinstance(condition.get("name"), str):
                return f"{block}: every condition needs a name"
            operator = condition.get("operator", "equals")
            if operator not in OPERATORS and operator not in ("exists", "does_not_exist"):
                return f"{block}: unknown operator {operator!r}"
    return None


def has_conditions(body: dict[str, Any]) -> bool:
    """Say whether the query filters events by their properties at all."""
    return any(body.get(block) for block in FILTERED_BLOCKS)


def matches(record: dict[str, Any], body: dict[str, Any]) -> bool:
    """Say whether one exported event record meets every property condition of the query."""
    for block, part in FILTERED_BLOCKS.items():
        properties = record.get(part) or {}
        for condition in body.get(block) or ():
            actual = properties.get(condition["name"], _MISSING)
            operator = condition.get("operator", "equals")
            if operator == "exists":
                ok = actual is not _MISSING
            elif operator == "does_not_exist":
                ok = actual is _MISSING
            else:
                ok = actual is not _MISSING and OPERATORS[operator](actual, condition.get("value"))
            if not ok:
                return False
    return True


def select(records: Iterable[dict[str, Any]], body: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the records that meet the query's property conditions."""
    return [record for record in records if matches(record, body)]
