"""Mutation testing, one module at a time, each against only the tests that exercise it.

``make mutate`` runs every target below; ``python tools/mutate.py protocol batching`` runs some.
Each target gets its own scratch directory under ``.mutation/`` (ignored by git) holding links to the
package and the tests and a ``pyproject.toml`` with a ``[tool.mutmut]`` table for that target alone,
so one target's run never reuses another's stats. mutmut copies the package into ``mutants/`` there,
records which selected tests call which function, then runs, for each mutant, only the tests that
call the mutated function.

``--tests-from REV`` takes the test suite from a git revision instead of the working tree (the package
is always the working tree's), to compare the score of the same code under older tests.

The summary table lands in ``.mutation/summary-<label>.md``; ``--survivors`` adds each surviving
mutant's diff. Mutants whose tests run in a child process (the command line's subprocess tests) are
not seen by mutmut's stats, so the command-line targets rely on tests that run in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / ".mutation"
PACKAGE = "clevertap_async"

#: target -> (files to mutate, tests to run). Paths of tests missing from a revision are skipped.
#: Each mutant runs only the selected tests that call the mutated function, so the lists favour fast,
#: focused tests: a slow test hitting a hot function would run once per mutant of it.
TARGETS: dict[str, tuple[list[str], list[str]]] = {
    "protocol": (
        ["_protocol.py"],
        [
            "tests/unit/test_protocol.py",
            "tests/unit/test_protocol_edges.py",
            "tests/unit/test_protocol_headers.py",
            "tests/unit/test_protocol_errors.py",
            "tests/client/test_transport.py",
            "tests/client/test_adversarial_inputs.py",
        ],
    ),
    "batching": (
        ["_batching.py"],
        [
            "tests/unit/test_batching.py",
            "tests/unit/test_boundaries.py",
            "tests/client/test_upload_matching.py",
        ],
    ),
    "record_validation": (
        ["_record_validation.py"],
        [
            "tests/unit/test_boundaries.py",
            "tests/unit/test_record_checks.py",
            "tests/client/test_upload.py",
        ],
    ),
    "pagination": (
        ["_pagination.py"],
        [
            "tests/unit/test_pagination.py",
            "tests/client/test_streaming.py",
            "tests/client/test_stream_edges.py",
            "tests/client/test_adversarial_inputs.py",
        ],
    ),
    "transport": (
        ["_transport.py"],
        [
            "tests/client/test_transport.py",
            "tests/client/test_transport_edges.py",
            "tests/unit/test_transport_errors.py",
            "tests/client/test_malformed_answers.py",
            "tests/client/test_security.py",
            "tests/client/test_client.py",
            "tests/client/test_adversarial_inputs.py",
        ],
    ),
    "uploading": (
        ["_uploading.py"],
        [
            "tests/client/test_upload_matching.py",
            "tests/client/test_upload.py",
            "tests/client/test_upload_boundaries.py",
            "tests/client/test_adversarial_inputs.py",
            "tests/client/test_upload_stop.py",
            "tests/client/test_upload_driver.py",
            "tests/unit/test_match_answer.py",
        ],
    ),
    "writer": (
        ["_writer.py"],
        [
            "tests/client/test_writer.py",
            "tests/client/test_writer_edges.py",
            "tests/chaos/test_cancellation.py",
        ],
    ),
    "counting": (
        ["resources/_counting.py"],
        ["tests/client/test_counts.py", "tests/client/test_count_answers.py"],
    ),
    "privacy": (
        ["resources/privacy.py"],
        ["tests/client/test_privacy.py", "tests/client/test_privacy_edges.py"],
    ),
    "cli": (
        ["cli/_import.py", "cli/_export.py", "cli/_checkpoint.py"],
        [
            "tests/cli/test_cli_pieces.py",
            "tests/cli/test_cli_adversarial.py",
            "tests/cli/test_cli_in_process.py",
            "tests/cli/test_cli_options.py",
        ],
    ),
    "fake": (
        ["testing/_server.py", "testing/_uploads.py"],
        [
            "tests/fake/test_fake_server.py",
            "tests/fake/test_uploads_fake.py",
            "tests/fake/test_upload_cap.py",
            "tests/fake/test_replay_fake.py",
            "tests/fake/test_live_answers_fake.py",
            "tests/fake/test_exports_fake.py",
            "tests/fake/test_campaigns_fake.py",
            "tests/fake/test_upload_answers_fake.py",
            "tests/fake/test_fake_pieces.py",
        ],
    ),
}
#: Left out of every run: Hypothesis fuzzing over sockets (10-20 s a run on a loaded machine, so
#: minutes per mutant of a function they touch) and the randomised fault runs; the focused tests
#: above cover the same functions.
SLOW_TESTS = "not test_any_ and not random_faults"


def prepare(workspace: Path, target: str, tests_from: str | None) -> list[str]:
    """Build the target's scratch directory; return the test paths it will run."""
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.mkdir(parents=True)
    (workspace / PACKAGE).symlink_to(ROOT / PACKAGE, target_is_directory=True)
    if tests_from:
        archive = subprocess.run(
            ["git", "archive", tests_from, "tests"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(workspace)], input=archive, check=True)
    else:
        (workspace / "tests").symlink_to(ROOT / "tests", target_is_directory=True)
    files, tests = TARGETS[target]
    present = [test for test in tests if (workspace / test).exists()]
    table = {
        "source_paths": [PACKAGE],
        "only_mutate": [f"{PACKAGE}/{name}" for name in files],
        "pytest_add_cli_args_test_selection": present,
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-k", SLOW_TESTS],
        "use_git_change_detection": False,
    }
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    text = (ROOT / "pyproject.toml").read_text() + "\n".join(lines) + "\n"
    (workspace / "pyproject.toml").write_text(text)
    return present


def run_target(target: str, label: str, tests_from: str | None, children: int) -> dict[str, int]:
    """Run mutmut on one target; return its counts (killed, survived, ...)."""
    workspace = SCRATCH / f"{label}-{target}"
    tests = prepare(workspace, target, tests_from)
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    log = workspace / "mutmut.log"
    # Property tests draw the same examples every run, so scores are comparable between runs.
    env = {**os.environ, "HYPOTHESIS_PROFILE": "ci"}
    started = time.monotonic()
    with log.open("wb") as out:
        subprocess.run(
            [mutmut, "run", "--max-children", str(children)],
            cwd=workspace,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
        subprocess.run(
            [mutmut, "export-cicd-stats"], cwd=workspace, env=env, stdout=out, check=False
        )
    stats_file = workspace / "mutants" / "mutmut-cicd-stats.json"
    if not stats_file.exists():
        print(f"{target}: mutmut failed, see {log}", file=sys.stderr)
        return {}
    stats: dict[str, int] = json.loads(stats_file.read_text())
    stats["seconds"] = round(time.monotonic() - started)
    stats["tests"] = len(tests)
    survivors = subprocess.run(
        [mutmut, "results"], cwd=workspace, env=env, capture_output=True, text=True, check=False
    ).stdout
    (workspace / "survivors.txt").write_text(survivors)
    return stats


def score(stats: dict[str, int]) -> float:
    """Killed share: a mutant that made a test hang (timeout) counts as caught."""
    total = stats["total"] - stats.get("skipped", 0)
    return 100.0 * (stats["killed"] + stats.get("timeout", 0)) / total if total else 0.0


def main() -> int:
    """Run the chosen targets (all by default) and print the score table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help=f"some of: {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--tests-from", metavar="REV", help="take tests/ from this git revision")
    parser.add_argument("--label", help="name of this run (default: the revision, or 'current')")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        parser.error(f"unknown targets {unknown}; choose from {', '.join(TARGETS)}")
    label = args.label or (args.tests_from or "current").replace("/", "-")
    rows = ["| module | mutants | killed | timeout | survived | no tests | score | time |"]
    rows.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for target in args.targets or list(TARGETS):
        stats = run_target(target, label, args.tests_from, args.max_children)
        if not stats:
            rows.append(f"| {target} | failed | | | | | | |")
            continue
        rows.append(
            f"| {target} | {stats['total']} | {stats['killed']} | {stats['timeout']} | "
            f"{stats['survived']} | {stats['no_tests']} | {score(stats):.1f}% | {stats['seconds']}s |"
        )
        print(rows[-1], flush=True)
    SCRATCH.mkdir(exist_ok=True)
    (SCRATCH / f"summary-{label}.md").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
