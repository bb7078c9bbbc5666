"""Shared fixtures. The fake server, its client and the recording sleep come from the package's own
pytest plugin (``clevertap_async.testing.pytest_plugin``); the short names here are aliases."""

from __future__ import annotations

import asyncio
import gc
import os
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import settings

from clevertap_async import CleverTap
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap, RecordingSleep


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--soak",
        action="store_true",
        help="run the chaos suite at soak size (minutes, not seconds)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Soak sizes take minutes by design: the per-test timeout that turns a hang into a failure
    # would cut them short.
    if config.getoption("--soak"):
        for item in items:
            if "soak" in getattr(item, "fixturenames", ()) or item.get_closest_marker("soak"):
                item.add_marker(pytest.mark.timeout(0))


# Property tests: in CI (the CI variable set) every run draws the same examples, so a failure there
# reproduces anywhere; on a developer's machine each run explores new ones. HYPOTHESIS_PROFILE
# picks one explicitly. No deadline in either: a shared, loaded machine is slow at random.
settings.register_profile(
    "ci", derandomize=True, max_examples=100, deadline=None, database=None, print_blob=True
)
settings.register_profile("dev", deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture
def soak(request: pytest.FixtureRequest) -> bool:
    """True when the run asked for --soak: chaos tests scale their record counts and rounds up."""
    return bool(request.config.getoption("--soak"))


@pytest.fixture
async def polling_ct(
    fake: FakeCleverTap, recording_sleep: RecordingSleep
) -> AsyncIterator[CleverTap]:
    """A client whose waits (retries and polls) are recorded by ``recording_sleep``, never slept."""
    async with fake.client(retry=NO_WAIT_RETRIES, timeout=5, sleep=recording_sleep) as client:
        yield client


@pytest.fixture
def fake(fake_clevertap: FakeCleverTap) -> FakeCleverTap:
    """The plugin's running fake."""
    return fake_clevertap


@pytest.fixture
def ct(fake_clevertap_client: CleverTap) -> CleverTap:
    """The plugin's open client for ``fake``, retrying without sleeping."""
    return fake_clevertap_client


@pytest.fixture(autouse=True)
def _no_clevertap_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's real credentials in the environment must never leak into a test.
    for name in (
        "CLEVERTAP_ACCOUNT_ID",
        "CLEVERTAP_PASSCODE",
        "CLEVERTAP_REGION",
        "CLEVERTAP_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def leaked_resources() -> list[str]:
    """Collect garbage and return the ResourceWarnings it raised (unclosed sessions, sockets)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def other_tasks() -> set[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current and not t.done()}


@pytest.fixture
async def no_leaks() -> AsyncIterator[None]:
    """Fail a chaos test that leaves a task running or a session or socket unclosed."""
    leaked_resources()
    before = other_tasks()
    yield
    await asyncio.sleep(0)  # let cancelled tasks finish their cleanup
    assert other_tasks() - before == set()
    assert leaked_resources() == []
