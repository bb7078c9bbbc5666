"""Testing your own code against the fake server with the pytest fixtures clevertap-async installs.

Needs pytest and pytest-asyncio. Runs as written in pytest-asyncio's default (strict) mode: each
async test carries ``@pytest.mark.asyncio``. The ``fake_clevertap_client`` fixture retries without
waiting, so the injected failures below cost no time::

    pytest examples/test_with_fixtures.py
"""

from __future__ import annotations

import pytest

from clevertap_async import CleverTap, Event
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap


async def announce_episode(ct: CleverTap, episode: int) -> None:
    """The code under test: raise a business event and record who published it."""
    await ct.bulletins.trigger(
        business_event="Program Released",
        name=f"Episode {episode}",
        properties={"episode": str(episode)},
        created_by="editor@example.com",
    )
    report = await ct.events.upload([Event("Published", {"Episode": episode}, identity="editor")])
    report.raise_for_failures()


@pytest.mark.asyncio
async def test_announce_episode(
    fake_clevertap: FakeCleverTap, fake_clevertap_client: CleverTap
) -> None:
    await announce_episode(fake_clevertap_client, 12)
    assert fake_clevertap.bulletins[0]["name"] == "Episode 12"
    assert fake_clevertap.uploaded_events[0]["evtData"] == {"Episode": 12}


@pytest.mark.asyncio
async def test_announce_episode_survives_two_server_errors(
    fake_clevertap: FakeCleverTap, fake_clevertap_client: CleverTap
) -> None:
    fake_clevertap.faults.inject("status", status=503, times=2)  # the next two requests fail
    await announce_episode(fake_clevertap_client, 13)
    assert len(fake_clevertap.bulletins) == 1
    assert len(fake_clevertap.requests) == 4  # two failures, the retry, then the upload


@pytest.mark.asyncio
async def test_without_the_fixtures() -> None:
    # The same by hand: a fake of your own, and a client that retries without waiting.
    async with FakeCleverTap() as fake, fake.client(retry=NO_WAIT_RETRIES) as ct:
        fake.faults.inject("status", status=429, times=1)
        await announce_episode(ct, 14)
        assert fake.bulletins[0]["name"] == "Episode 14"
