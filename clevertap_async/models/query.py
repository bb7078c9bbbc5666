"""Filters for exports and counts, in CleverTap's query language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs


@attrs.frozen
class Condition:
    """One property condition, e.g. ``Condition("Amount", 100, operator="greater_than")``.

    Attributes:
        name: the property's name.
        value: the value (or list of values) to compare with.
        operator: ``equals`` (the server's default when None), ``not_equals``, ``contains``,
            ``does_not_contain``, ``exists``, ``does_not_exist``, ``greater_than``,
            ``greater_than_equals``, ``less_than`` or ``less_than_equals``.
    """

    name: str
    value: Any = None
    operator: str | None = None


@attrs.frozen
class Where:
    """The filter part of an export query: everything except the event name and the dates.

    Attributes:
        event_properties: conditions on the event's properties.
        session_properties: conditions on the session's properties.
        common_profile_properties: profile, app, demographic... conditions, as the API spells them.
        advanced_query: ``did_all`` / ``did_any`` / ``did_none``, as the API spells them.
    """

    event_properties: tuple[Condition, ...] = ()
    session_properties: tuple[Condition, ...] = ()
    common_profile_properties: Mapping[str, Any] | None = None
    advanced_query: Mapping[str, Any] | None = None
