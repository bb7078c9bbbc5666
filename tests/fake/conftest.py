"""Fixtures of the fake's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fake._http import HEADERS


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A bare aiohttp session with the fake's credentials."""
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        yield session
