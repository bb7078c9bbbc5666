"""``python -m clevertap_async`` is the command line."""

from __future__ import annotations

import subprocess
import sys

import clevertap_async


def test_python_dash_m_runs_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "clevertap_async", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert clevertap_async.__version__ in done.stdout
