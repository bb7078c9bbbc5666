"""Argument parsing, dispatch, and the one place errors become a line on stderr and an exit code.

Exit codes: 0 success; 1 an API or connection error; 2 a usage or input error; 3 some records were
rejected or undelivered (imports); 130 interrupted (Ctrl-C); 141 the reader of standard output went
away (``| head``); 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any, NoReturn

from .. import __version__
from .._errors import CleverTapError, ConfigurationError, ValidationError
from . import _check, _count, _demo, _export, _fake_server, _import, _request

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
#: A stop by signal exits 128 + its number, as a shell reports a process the signal killed.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

_COMMANDS = (_export, _import, _count, _request, _fake_server, _demo, _check)


class HelpFormatter(argparse.HelpFormatter):
    """Shows each option's default when it has a meaningful one (not None, False or empty)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "%(default)" in text
            or "(default" in text
            or default in (None, False, [], argparse.SUPPRESS)
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other error."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print ``clevertap-async: error: ...`` on one line and exit 2."""
        message = " ".join(message.split())
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every subcommand."""
    parser = Parser(
        prog="clevertap-async",
        description="Talk to the CleverTap REST API: export, import, count, raw requests, a fake "
        "server and a demo.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.add_parser(commands)
    return parser


#: The library's argument names and the flags that set them, so an error names what was typed.
_FLAGS = {
    "start": "--from",
    "end": "--to",
    "event_name": "--event",
    "batch_size": "--batch-size",
    "parallel": "--parallel",
    "where": "--where",
}


def _naming_the_flag(error: Exception) -> str:
    """The error's message, led by the flag it is about when the library named its own argument."""
    message = str(error)
    field = getattr(error, "field", None) or ""
    flag = _FLAGS.get(field.partition(".")[0])
    if flag is None or message.startswith("-"):
        return message
    return f"{flag}: {message}"


class Stopped(Exception):
    """The run was stopped by a signal."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


async def _run_stoppable(args: argparse.Namespace) -> int:
    """Run the command; SIGINT and SIGTERM cancel it, so it can finish its summary and files."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    received: list[int] = []

    def stop(signum: int) -> None:
        if not received:  # a second signal while cleaning up is ignored
            received.append(signum)
            task.cancel()

    # Signal handlers can only be set from the main thread; a program that runs the command line
    # on another thread keeps its own signal handling.
    handles_signals = threading.current_thread() is threading.main_thread()
    signals = _STOP_SIGNALS if handles_signals else ()
    for signum in signals:
        loop.add_signal_handler(signum, stop, signum)
    try:
        return int(await args.run(args))
    except asyncio.CancelledError:
        if received:
            raise Stopped(received[0]) from None
        raise
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return int(exc.code or 0)
    try:
        return asyncio.run(_run_stoppable(args))
    except (ConfigurationError, ValidationError) as exc:
        print(f"clevertap-async: error: {_naming_the_flag(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as a shell tool killed by SIGPIPE does.
        # Python would complain flushing stdout at exit, so stdout is pointed at /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a file named on the command line cannot be read or written
        where = f": {exc.filename}" if exc.filename else ""
        print(f"clevertap-async: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE
    except CleverTapError as exc:
        print(f"clevertap-async: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_API_ERROR
    except Stopped as exc:
        print(f"clevertap-async: stopped by {exc}", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print("clevertap-async: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
