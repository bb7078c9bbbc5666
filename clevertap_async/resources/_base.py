"""What every resource namespace shares: a handle on its client. Resources never import aiohttp."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._client import CleverTap


class Resource:
    """A namespace of API calls (``ct.events``, ``ct.bulletins``...) bound to one client."""

    def __init__(self, client: CleverTap):
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"
