"""The aiohttp application key under which endpoint handlers find their FakeCleverTap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from ._server import FakeCleverTap

FAKE: web.AppKey[FakeCleverTap] = web.AppKey("fake")
