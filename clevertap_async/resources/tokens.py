"""Device-token uploads (clevertap-api.md §5.3)."""

from __future__ import annotations

from ._base import Resource


class Tokens(Resource):
    """Device-token uploads (clevertap-api.md §5.3)."""
