"""``clevertap-async request METHOD PATH``: send any API request and print the JSON answer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from .._errors import ValidationError
from ._options import add_connection_options, client_from


def add_parser(commands: Any) -> None:
    """Register the subcommand."""
    parser = commands.add_parser(
        "request",
        help="send a raw API request and print the JSON answer",
        description="Send one API request, e.g.: clevertap-async request POST /1/now.json --data '{}'",
    )
    parser.add_argument("method", help="GET, POST, PUT, DELETE or PATCH")
    parser.add_argument("path", help="API path starting with /, e.g. /1/profile.json")
    parser.add_argument(
        "--query", "-q", action="append", default=[], metavar="K=V", help="query parameter"
    )
    parser.add_argument("--data", "-d", help="JSON body, or @FILE to read it from a file")
    parser.add_argument(
        "--idempotent",
        action="store_true",
        default=None,
        help="the request is safe to repeat: retry a POST after a lost answer too",
    )
    add_connection_options(parser)
    parser.set_defaults(run=run)


def parse_query(pairs: list[str]) -> dict[str, str]:
    """Turn ``k=v`` strings into a mapping, refusing malformed and repeated names."""
    query: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValidationError(f"--query takes NAME=VALUE, got {pair!r}", field="--query")
        if name in query:
            raise ValidationError(f"--query {name!r} given twice", field="--query")
        query[name] = value
    return query


def parse_data(data: str | None, *, option: str = "--data") -> Any:
    """Decode a JSON option given inline or as ``@file``."""
    if data is None:
        return None
    text = data
    if data.startswith("@"):
        try:
            text = Path(data[1:]).read_text()
        except OSError as exc:
            raise ValidationError(f"{option}: cannot read {data[1:]!r}: {exc.strerror}") from None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"{option} is not valid JSON: {exc}", field=option) from None


async def run(args: argparse.Namespace) -> int:
    """Send the request and print the answer as indented JSON."""
    query = parse_query(args.query)
    body = parse_data(args.data)
    async with client_from(args) as ct:
        answer = await ct.request(
            args.method, args.path, params=query or None, json=body, idempotent=args.idempotent
        )
    sys.stdout.write(orjson.dumps(answer, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0
