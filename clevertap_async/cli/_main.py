"""Argument parsing, dispatch, and the one place errors become a line on stderr and an exit code.

Exit codes: 0 success; 1 an API or connection error; 2 a usage or input error; 3 some records were
rejected or undelivered (imports); 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from .. import __version__
from .._errors import CleverTapError, ConfigurationError, ValidationError
from . import _check, _count, _demo, _export, _fake_server, _import, _request

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

_COMMANDS = (_export, _import, _count, _request, _fake_server, _demo, _check)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="clevertap-async",
        description="Talk to the CleverTap REST API: export, import, count, raw requests, a fake "
        "server and a demo.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return int(exc.code or 0)
    try:
        return int(asyncio.run(args.run(args)))
    except (ConfigurationError, ValidationError) as exc:
        print(f"clevertap-async: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a file named on the command line cannot be read or written
        where = f": {exc.filename}" if exc.filename else ""
        print(f"clevertap-async: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE
    except CleverTapError as exc:
        print(f"clevertap-async: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_API_ERROR
    except KeyboardInterrupt:
        print("clevertap-async: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
