"""pytest fixtures for testing against the fake server (registered through the ``pytest11`` entry point).

``fake_clevertap`` is a running :class:`FakeCleverTap`; ``fake_clevertap_client`` is an open client
pointed at it that retries without sleeping. Both need pytest-asyncio; without it no fixture is defined.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import AsyncIterator

from .._client import CleverTap
from .._retry import NO_WAIT_RETRIES
from ._server import FakeCleverTap

# The plugin loads in every pytest run where clevertap-async is installed; without pytest-asyncio it
# must stay silent rather than break the user's test session.
if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    @pytest_asyncio.fixture
    async def fake_clevertap() -> AsyncIterator[FakeCleverTap]:
        """A running fake CleverTap server on a free loopback port."""
        async with FakeCleverTap() as fake:
            yield fake

    async def _no_wait(seconds: float) -> None:
        await asyncio.sleep(0)

    @pytest_asyncio.fixture
    async def fake_clevertap_client(fake_clevertap: FakeCleverTap) -> AsyncIterator[CleverTap]:
        """An open client for ``fake_clevertap`` whose retries and count polls do not sleep."""
        # The fake answers counts "partial" first, as the API does: the poll must not wait for real.
        async with fake_clevertap.client(retry=NO_WAIT_RETRIES, _sleep=_no_wait) as client:
            yield client
