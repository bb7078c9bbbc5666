"""The events APIs: export (Get Events), upload, counts."""

from __future__ import annotations

from ._base import Resource


class Events(Resource):
    """The events APIs: export (Get Events), upload, counts."""
