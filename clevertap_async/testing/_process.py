"""The fake server in a child process.

For benchmarks (its CPU kept apart from the client's) and for tests of programs that cannot share an
event loop with it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import attrs


@attrs.frozen
class FakeServerProcess:
    """A running ``clevertap-async fake-server`` child process.

    Attributes:
        url: the base URL to give a client (``CLEVERTAP_BASE_URL``).
        process: the child process (it is terminated when the context exits).
    """

    url: str
    process: asyncio.subprocess.Process


@asynccontextmanager
async def fake_server_process(
    *options: str, start_timeout: float = 60.0
) -> AsyncIterator[FakeServerProcess]:
    """Run ``clevertap-async fake-server`` on a free port in a child process; stop it on exit.

    Example::

        async with fake_server_process("--seed-events", "1000") as fake:
            async with CleverTap(DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE, base_url=fake.url) as ct:
                ...

    Args:
        options: further ``fake-server`` options, e.g. ``--seed-events 1000``.
        start_timeout: seconds to wait for the server to listen.

    Raises:
        RuntimeError: the server did not start.
    """
    command = [sys.executable, "-m", "clevertap_async.cli", "fake-server", "--port", "0", *options]
    async with child_server(command, start_timeout=start_timeout) as server:
        yield server


@asynccontextmanager
async def child_server(
    command: list[str], *, start_timeout: float = 60.0
) -> AsyncIterator[FakeServerProcess]:
    """Run a server command whose first output line is ``listening on <url>``; stop it on exit.

    Raises:
        RuntimeError: the server did not start.
    """
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    try:
        assert process.stdout is not None
        # The command's first line is machine-readable: "listening on <url>".
        line = (await asyncio.wait_for(process.stdout.readline(), start_timeout)).decode()
        if not line.startswith("listening on "):
            raise RuntimeError(f"the server did not start: {line!r}")
        yield FakeServerProcess(url=line.split()[-1], process=process)
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
