"""Device-token uploads (``POST /1/upload``, at most 100 records a call)."""

from __future__ import annotations

from ._uploads import Uploads


class Tokens(Uploads):
    """Device-token uploads (``POST /1/upload``, at most 100 records a call)."""

    _KIND = "token"
