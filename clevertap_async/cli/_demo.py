"""``clevertap-async demo``: a tour of the client against the embedded fake server, no credentials."""

from __future__ import annotations

import argparse
import time
from typing import Any

from .. import __version__
from .._errors import ValidationError
from .._protocol import Backoff
from ..testing import FakeCleverTap


def add_parser(commands: Any) -> None:
    """Register the subcommand."""
    parser = commands.add_parser(
        "demo",
        help="run a demo against the embedded fake server (no credentials needed)",
        description="Start the fake CleverTap server in-process and exercise the client against it.",
    )
    parser.set_defaults(run=run)


async def run(args: argparse.Namespace) -> int:
    """Run the demo steps and print what each did."""
    print(f"clevertap-async {__version__} demo: starting the embedded fake CleverTap server")
    async with FakeCleverTap() as fake:
        print(f"  fake server at {fake.url}")
        async with fake.client(backoff=Backoff(initial=0.05, maximum=0.2)) as ct:
            started = time.perf_counter()
            answer = await ct.request(
                "POST",
                "/1/targets/trigger.json",
                json={
                    "business_event": "Program Released",
                    "name": "Episode 12",
                    "properties": {"program_id": "234567"},
                    "c-by": "editor@example.com",
                    "when": "now",
                },
            )
            print(f"1. generic request POST /1/targets/trigger.json -> {answer}")

            rule = fake.faults.inject("status", status=503, times=2)
            answer = await ct.bulletins.trigger(
                business_event="Flash Sale",
                name="Flash sale is on",
                properties={"code": "SALE10"},
                created_by="editor@example.com",
            )
            print(
                f"2. bulletins.trigger through {rule.fired} injected HTTP 503s "
                f"({len(fake.requests_to('/1/targets/trigger.json'))} attempts in all) -> {answer}"
            )

            try:
                await ct.bulletins.trigger(
                    business_event="Flash Sale",
                    name="Bad",
                    properties={"discount": 10},  # type: ignore[dict-item]
                    created_by="editor@example.com",
                )
            except ValidationError as exc:
                print(f"3. a bad bulletin is refused before sending: {exc}")
            elapsed = time.perf_counter() - started
        print(
            f"summary: {len(fake.requests)} HTTP requests, {len(fake.bulletins)} bulletins stored "
            f"by the fake, {elapsed * 1000:.0f} ms"
        )
    return 0
