"""The user-profile APIs: export (Get User Profiles), fetch one, upload, counts, delete, demerge."""

from __future__ import annotations

from ._uploads import Uploads


class Profiles(Uploads):
    """The user-profile APIs: export (Get User Profiles), fetch one, upload, counts, delete, demerge."""

    _KIND = "profile"
