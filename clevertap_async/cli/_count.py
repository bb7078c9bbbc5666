"""``clevertap-async count events|profiles``: how many events happened, or profiles did one."""

from __future__ import annotations

import argparse
from typing import Any

from ._dates import add_date_range, check_range
from ._options import add_connection_options, client_from
from ._request import parse_data


def add_parser(commands: Any) -> None:
    """Register the subcommand."""
    parser = commands.add_parser(
        "count",
        help="count events, or the profiles that did an event",
        description="Print how many times an event happened (events) or how many profiles did it "
        "(profiles) between two days, both included.",
    )
    parser.add_argument("kind", choices=["events", "profiles"])
    parser.add_argument("--event", required=True, help="event name, e.g. Charged")
    add_date_range(parser)
    parser.add_argument("--where", help="extra query-language blocks as JSON, or @FILE")
    add_connection_options(parser)
    parser.set_defaults(run=run)


async def run(args: argparse.Namespace) -> int:
    """Run the count (polling while the server says "partial") and print the number."""
    check_range(args)
    where = parse_data(args.where, option="--where")
    async with client_from(args) as ct:
        resource = ct.events if args.kind == "events" else ct.profiles
        total = await resource.count(args.event, args.start, args.end, where=where)
    print(total)
    return 0
