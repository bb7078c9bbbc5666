"""The events APIs: export (Get Events), upload, counts."""

from __future__ import annotations

from ._uploads import Uploads


class Events(Uploads):
    """The events APIs: export (Get Events), upload, counts."""

    _KIND = "event"
