"""What every resource namespace shares: the requester it sends through. Resources never import aiohttp."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._requester import Requester


class Resource:
    """A namespace of API calls (``ct.events``, ``ct.bulletins``...) bound to one requester."""

    def __init__(self, requester: Requester):
        self._requester = requester
        # Bound once: a call is one attribute away from the wire, not two.
        self._request = requester.request

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._requester!r}>"
