"""The user-profile APIs: export (Get User Profiles), fetch one, upload, counts, delete, demerge."""

from __future__ import annotations

from ._base import Resource


class Profiles(Resource):
    """The user-profile APIs: export (Get User Profiles), fetch one, upload, counts, delete, demerge."""
