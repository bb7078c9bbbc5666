"""Device-token uploads (clevertap-api.md §5.3)."""

from __future__ import annotations

from ._uploads import Uploads


class Tokens(Uploads):
    """Device-token uploads (clevertap-api.md §5.3)."""

    _KIND = "token"
