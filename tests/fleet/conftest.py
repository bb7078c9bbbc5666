"""Fixtures for tests against a real Redis server on 127.0.0.1:6379.

Without that server the tests skip with a one-line reason, except in CI (``CI`` set), where they
fail: there they must run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis_asyncio

REDIS_URL = "redis://127.0.0.1:6379/0"


def _answers_ping(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis every fleet test shares; skip (fail in CI) when it does not answer."""
    if not _answers_ping("127.0.0.1", 6379):
        unavailable("no Redis answering on 127.0.0.1:6379 (start redis-server to run these tests)")
    return REDIS_URL


@pytest.fixture
def namespace() -> str:
    """A namespace of its own for each test, so tests never share keys."""
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[redis_asyncio.Redis]:
    """A plain redis-py client, for looking at the keys a coordinator writes."""
    client = redis_asyncio.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


def unavailable(reason: str) -> None:
    """Skip for lack of Redis on a developer's machine; fail in CI, where these tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run these tests")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A second redis-server of the test's own, on a free port, that the test may kill."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(200):
            if _answers_ping("127.0.0.1", self.port):
                return
            await asyncio.sleep(0.02)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def pause(self) -> None:
        """Stop the server without closing its socket (SIGSTOP): connections open, nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


@pytest.fixture
async def own_redis(redis_url: str) -> AsyncIterator[RedisServer]:
    """A redis-server started for this test alone (killed at the end if the test did not)."""
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed (needed to stop a Redis mid-run)")
    server = RedisServer()
    await server.start()
    try:
        yield server
    finally:
        await server.kill()
