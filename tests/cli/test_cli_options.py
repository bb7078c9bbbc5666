"""The options of import and export, as argparse holds them: names, defaults, choices, ranges and
help texts, against the snapshot in ``options.json`` (the user-visible contract of the commands).

To refresh the snapshot after a deliberate change: ``python -m tests.cli.test_cli_options``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from clevertap_async.cli._main import build_parser

SNAPSHOT = Path(__file__).with_name("options.json")
COMMANDS = ("import", "export")


def describe(parser: argparse.ArgumentParser) -> dict[str, Any]:
    subcommands = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    helps = {choice.dest: choice.help for choice in subcommands._choices_actions}
    described: dict[str, Any] = {}
    for name in COMMANDS:
        sub = subcommands.choices[name]
        described[name] = {
            "help": helps[name],
            "description": sub.description,
            "options": [
                {
                    "flags": action.option_strings or [action.dest],
                    "dest": action.dest,
                    "action": type(action).__name__,
                    "default": None if action.default is None else str(action.default),
                    "choices": list(action.choices) if action.choices else None,
                    "type": getattr(action.type, "__name__", None),
                    "metavar": action.metavar,
                    "required": action.required,
                    "help": action.help,
                }
                for action in sub._actions
                if not isinstance(action, argparse._HelpAction)  # argparse's own
            ],
            "run": getattr(sub.get_default("run"), "__module__", None),
        }
    return described


def test_the_options_are_the_documented_ones() -> None:
    assert describe(build_parser()) == json.loads(SNAPSHOT.read_text())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import", "events", "f", "--batch-size", "0"], "--batch-size: 0 is not in 1-1000"),
        (["import", "events", "f", "--batch-size", "x"], "--batch-size: expected a whole number"),
        (["export", "events", "--event", "E", "--from", "2026-01-01", "--to", "2026-1-2"], "--to"),
        (["export", "events", "--event", "E", "--from", "2026-01-01"], "--to"),
        (["export", "sessions"], "invalid choice: 'sessions'"),
        (["import", "campaigns", "f"], "invalid choice: 'campaigns'"),
    ],
)
def test_bad_options_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_the_defaults_of_a_bare_command() -> None:
    parsed = build_parser().parse_args(["import", "tokens", "in.jsonl"])
    assert (parsed.kind, parsed.file, parsed.dry_run, parsed.rejects, parsed.checkpoint) == (
        "tokens",
        "in.jsonl",
        False,
        None,
        None,
    )
    assert (parsed.batch_size, parsed.quiet) == (None, False)
    parsed = build_parser().parse_args(
        ["export", "profiles", "--event", "E", "--from", "2026-01-01", "--to", "2026-01-02"]
    )
    assert (parsed.output, parsed.format, parsed.parallel, parsed.batch_size) == (
        "-",
        "jsonl",
        1,
        5000,
    )
    assert (parsed.where, parsed.checkpoint, parsed.quiet) == (None, None, False)
    checkpoint = build_parser().parse_args(["import", "events", "f", "--checkpoint", "j", "-q"])
    assert (checkpoint.checkpoint, checkpoint.quiet) == (Path("j"), True)


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(describe(build_parser()), indent=1) + "\n")
    sys.exit(0)
