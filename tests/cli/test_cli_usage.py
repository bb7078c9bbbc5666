"""Usage errors, help and flags, run in-process: no server is reached."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from clevertap_async.cli import main
from clevertap_async.cli._fake_server import export_line
from clevertap_async.cli._main import build_parser

EXPORT = ["export", "events", "--event", "Charged", "--from", "2026-01-01", "--to", "2026-01-02"]


def error_of(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the command, expecting a usage error; return its one line."""
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ([*EXPORT, "--parallel", "0"], "argument --parallel: 0 is not in 1-64"),
        ([*EXPORT, "--batch-size", "5001"], "argument --batch-size: 5001 is not in 1-5000"),
        (["import", "events", "f", "--batch-size", "x"], "expected a whole number, got 'x'"),
        (["import", "events", "f", "--batch-size", "1001"], "1001 is not in 1-1000"),
        (["export", "events"], "the following arguments are required: --event, --from, --to"),
        (["nope"], "argument COMMAND: invalid choice: 'nope'"),
        ([*EXPORT[:-1], "tomorrow"], "argument --to: expected a date as YYYY-MM-DD"),
    ],
)
def test_usage_errors_are_one_line_naming_the_flag(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    err = error_of(capsys, argv)
    assert err.startswith("clevertap-async")
    assert says in err
    assert err.rstrip().endswith("--help)")


def test_a_reversed_range_names_the_flags(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["export", "events", "--event", "E", "--from", "2026-02-01", "--to", "2026-01-01"]
    err = error_of(capsys, argv)
    assert err == "clevertap-async: error: --from 2026-02-01 is after --to 2026-01-01\n"
    count = ["count", "events", "--event", "E", "--from", "2026-02-01", "--to", "2026-01-01"]
    assert "--from 2026-02-01 is after --to 2026-01-01" in error_of(capsys, count)


def test_missing_credentials_name_the_flag_and_the_variable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = error_of(capsys, ["request", "GET", "/1/x.json"])
    assert err == (
        "clevertap-async: error: no CleverTap account ID: give --account-id or set "
        "CLEVERTAP_ACCOUNT_ID\n"
    )
    err = error_of(capsys, ["request", "GET", "/1/x.json", "--account-id", "A"])
    assert "give --passcode or set CLEVERTAP_PASSCODE" in err


def test_help_shows_defaults_and_limits(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "cursors at once, one per day range (events only), 1-64 (default: 1)" in text
    assert (
        "records per page (profiles: rounded down to a multiple of 23), 1-5000 (default: 5000)"
        in text
    )
    assert "(default: 3)" in text and "(default: 30.0)" in text
    assert "JSON Lines or CSV (default: jsonl)" in text
    assert main(["import", "--help"]) == 0
    assert "1-1000" in capsys.readouterr().out


def test_q_is_quiet_and_the_old_request_q_still_works_with_a_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    assert parser.parse_args([*EXPORT, "-q"]).quiet
    assert parser.parse_args(["import", "events", "f", "-q"]).quiet
    assert capsys.readouterr().err == ""
    args = parser.parse_args(["request", "GET", "/x", "-q", "a=1", "--query", "b=2"])
    assert args.query == ["a=1", "b=2"]
    assert "request -q is deprecated, use --query" in capsys.readouterr().err


def test_the_fake_servers_export_line_pastes_into_a_shell() -> None:
    line = export_line("http://127.0.0.1:8080", "ACC-1", "it's a $secret; `x`")
    shown = subprocess.run(
        [
            "bash",
            "-c",
            line + '; printf "%s|%s|%s" "$CLEVERTAP_BASE_URL" '
            '"$CLEVERTAP_ACCOUNT_ID" "$CLEVERTAP_PASSCODE"',
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout == "http://127.0.0.1:8080|ACC-1|it's a $secret; `x`"


def test_library_errors_are_led_by_the_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    unused = ["--account-id", "A", "--passcode", "P", "--base-url", "http://127.0.0.1:9"]
    argv = [*EXPORT, "--where", '{"nope": 1}', "-o", str(tmp_path / "out"), *unused]
    err = error_of(capsys, argv)
    assert err.startswith("clevertap-async: error: --where: where has an unknown section 'nope'")


def test_the_rejects_file_cannot_be_the_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "rejects.jsonl"
    source.write_text('{"identity": "u1", "evtName": "Charged"}\n')
    err = error_of(capsys, ["import", "events", str(source), "--rejects", str(source)])
    assert "is the input file: give the refused lines another file" in err
    assert source.read_text() == '{"identity": "u1", "evtName": "Charged"}\n'
