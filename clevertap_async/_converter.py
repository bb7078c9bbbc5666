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
