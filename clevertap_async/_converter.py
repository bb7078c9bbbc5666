"""The one cattrs converter: attrs models to and from the API's JSON (orjson underneath).

Models use snake_case field names; the wire uses CleverTap's spelling. Hooks registered here map between
them, so no model and no resource hand-builds a dict.
"""

from __future__ import annotations

from typing import Any

from cattrs.preconf.orjson import OrjsonConverter, make_converter

converter: OrjsonConverter = make_converter(forbid_extra_keys=False)


def to_wire(value: Any) -> Any:
    """Return the JSON-ready form of a model (or of plain data, unchanged)."""
    return converter.unstructure(value)


def _register_model_hooks() -> None:
    # Imported here so that the models package can be imported without the converter and vice versa.
    from datetime import UTC

    from .models.exports import ExportedEvent, ExportedProfile, event_from_wire, profile_from_wire
    from .models.query import Condition, Where

    def condition_to_wire(condition: Condition) -> dict[str, Any]:
        wire = {"name": condition.name, "value": condition.value}
        if condition.operator is not None:
            wire["operator"] = condition.operator
        return wire

    def where_to_wire(where: Where) -> dict[str, Any]:
        wire: dict[str, Any] = {}
        for key in ("event_properties", "session_properties"):
            conditions = getattr(where, key)
            if conditions:
                wire[key] = [condition_to_wire(c) for c in conditions]
        for key in ("common_profile_properties", "advanced_query"):
            value = getattr(where, key)
            if value is not None:
                wire[key] = dict(value)
        return wire

    converter.register_unstructure_hook(Condition, condition_to_wire)
    converter.register_unstructure_hook(Where, where_to_wire)
    # Unknown keys must land in ``extra``; cattrs' own structuring would drop them silently.
    converter.register_structure_hook(ExportedProfile, lambda data, _: profile_from_wire(data))
    converter.register_structure_hook(ExportedEvent, lambda data, _: event_from_wire(data, UTC))


_register_model_hooks()
