"""``clevertap-async fake-server``: run the fake CleverTap server until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import shlex
import signal
import sys
from typing import Any

from ..testing import DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE, FakeCleverTap
from ._options import bounded_int


def add_parser(commands: Any) -> None:
    """Register the subcommand."""
    parser = commands.add_parser(
        "fake-server",
        help="run the fake CleverTap server (for tests and demos)",
        description="Serve the fake CleverTap API on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port",
        type=bounded_int("--port", 0, 65535),
        default=8080,
        help="port, 0-65535 (0 picks a free one)",
    )
    parser.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID, help="account ID to accept")
    parser.add_argument("--passcode", default=DEFAULT_PASSCODE, help="passcode to accept")
    parser.add_argument("--seed", type=int, default=0, help="seed for generated data and faults")
    parser.add_argument(
        "--no-record-bodies", action="store_true", help="do not keep request bodies (benchmarks)"
    )
    parser.add_argument(
        "--seed-events",
        type=int,
        default=0,
        metavar="N",
        help=f"seed N {SEED_EVENT!r} events over {SEED_START}..{SEED_END} for the events export",
    )
    parser.add_argument(
        "--seed-profiles",
        type=int,
        default=0,
        metavar="N",
        help=f"seed N profiles (user-0...) active over {SEED_START}..{SEED_END}",
    )
    parser.set_defaults(run=run, configure=[seed_exports])


#: What ``--seed-events`` and ``--seed-profiles`` generate: one month of one event.
SEED_EVENT = "Charged"
SEED_START = 20260101
SEED_END = 20260131


def seed_exports(fake: FakeCleverTap, args: argparse.Namespace) -> None:
    """Seed the export data the ``--seed-events`` and ``--seed-profiles`` flags ask for."""
    if args.seed_events:
        fake.seed_events(SEED_EVENT, count=args.seed_events, start=SEED_START, end=SEED_END)
    if args.seed_profiles:
        fake.seed_profiles(count=args.seed_profiles, start=SEED_START, end=SEED_END)


def export_line(url: str, account_id: str, passcode: str) -> str:
    """The shell line that points the command line at this fake, quoted to paste as it is.

    The fake's passcode is a test value chosen on its command line, so showing it leaks nothing.
    """
    variables = {
        "CLEVERTAP_BASE_URL": url,
        "CLEVERTAP_ACCOUNT_ID": account_id,
        "CLEVERTAP_PASSCODE": passcode,
    }
    return "export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in variables.items())


async def run(args: argparse.Namespace) -> int:
    """Start the fake, print how to reach it, serve until SIGINT or SIGTERM."""
    fake = FakeCleverTap(
        account_id=args.account_id,
        passcode=args.passcode,
        host=args.host,
        port=args.port,
        seed=args.seed,
        record_bodies=not args.no_record_bodies,
    )
    for configure in args.configure:  # more seeding options hook in here
        configure(fake, args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with fake:
        # The first line is machine-readable: benchmarks and scripts read the URL from it.
        print(f"listening on {fake.url}", flush=True)
        print(export_line(fake.url, args.account_id, args.passcode), file=sys.stderr, flush=True)
        await stop.wait()
    return 0
