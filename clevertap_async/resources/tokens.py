"""Device-token uploads."""

from __future__ import annotations

from ._uploads import Uploads


class Tokens(Uploads):
    """Device-token uploads: only the record kind differs from events and profiles."""

    _KIND = "token"
