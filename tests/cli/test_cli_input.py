"""Bad input files, named and never silently changed; the rejects file fed back to ``import``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clevertap_async.testing import FakeCleverTap
from tests.cli.test_cli import fake_env, run_cli


def leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


async def import_file(fake: FakeCleverTap, path: Path, *extra: str) -> tuple[int, str]:
    code, out, err = await run_cli("import", "events", str(path), *extra, env=fake_env(fake))
    assert out == ""
    return code, err


async def import_with_rejects(
    fake: FakeCleverTap, tmp_path: Path, text: str
) -> tuple[str, list[dict[str, Any]]]:
    """Import ``text`` expecting some lines refused; return the summary and the rejects entries."""
    source, rejects = tmp_path / "in.jsonl", tmp_path / "rejects.jsonl"
    source.write_text(text)
    code, err = await import_file(fake, source, "--rejects", str(rejects))
    assert code == 3, err
    return err, [json.loads(line) for line in rejects.read_text().splitlines()]


async def test_integers_beyond_64_bits_are_unreadable_never_floats(
    fake: FakeCleverTap, tmp_path: Path
) -> None:
    _, [entry] = await import_with_rejects(
        fake,
        tmp_path,
        '{"identity": "u1", "evtName": "Charged", "evtData": {"order_id": 18446744073709551615}}\n'
        '{"identity": "u2", "evtName": "Charged", '
        '"evtData": {"order_id": 123456789012345678901234567890}}\n',
    )
    assert entry["line"] == 2 and entry["status"] == "unreadable"
    assert "(30 digits) is too large for JSON transport" in entry["reason"]
    assert "123456789012345678901234567890" in entry["text"]
    [stored] = fake.uploaded_events
    assert stored["evtData"]["order_id"] == 18446744073709551615
    assert not any(isinstance(leaf, float) for leaf in leaves(fake.uploaded_events))


async def test_bad_bytes_and_a_bom(fake: FakeCleverTap, tmp_path: Path) -> None:
    source, rejects = tmp_path / "in.jsonl", tmp_path / "rejects.jsonl"
    good = b'{"identity": "u1", "evtName": "Charged", "evtData": {}}\n'
    source.write_bytes(b"\xef\xbb\xbf" + good + b'{"identity": "caf\xe9"}\n\n')
    code, err = await import_file(fake, source, "--rejects", str(rejects))
    assert code == 3, err
    [entry] = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert entry["reason"] == "not UTF-8 at byte 18 of the line"
    assert len(fake.uploaded_events) == 1  # the BOM did not spoil the first line
    assert "  blank lines                      1" in err


@pytest.mark.parametrize(
    "text", ['[{"identity": "u1"}, {"identity": "u2"}]\n', '[\n  {\n    "identity": "u1"\n  }\n]\n']
)
async def test_a_json_array_is_refused_with_how_to_convert_it(
    fake: FakeCleverTap, tmp_path: Path, text: str
) -> None:
    source = tmp_path / "in.json"
    source.write_text(text)
    code, err = await import_file(fake, source)
    assert code == 2
    assert err == (
        f"clevertap-async: error: {source} is a JSON array, not JSON Lines (one object per "
        f"line); convert it first, e.g. jq -c '.[]' {source} > records.jsonl\n"
    )
    assert fake.requests == []


@pytest.mark.parametrize(("text", "says"), [("", "is empty"), ("\n  \n\n", "has only blank lines")])
async def test_an_empty_input_says_so(
    fake: FakeCleverTap, tmp_path: Path, text: str, says: str
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(text)
    code, err = await import_file(fake, source)
    assert code == 0, err
    assert err.startswith(f"clevertap-async: warning: {source} {says}: nothing to import\n")
    assert f"  blank lines{text.count(chr(10)):>23}" in err
    assert fake.requests == []


async def test_the_rejects_file_imports_as_it_is_and_once_fixed(
    fake: FakeCleverTap, tmp_path: Path
) -> None:
    _, first = await import_with_rejects(
        fake,
        tmp_path,
        '{"identity": "u1", "evtName": "Charged", "evtData": {}}\n'
        '{"identity": "u2", "evtName": "App Launched", "evtData": {}}\n'
        '{"identity": "u3", "evtName": "Charged", "evtData": {"big": 123456789012345678901}}\n',
    )
    rejects = tmp_path / "rejects.jsonl"

    again = tmp_path / "again.jsonl"
    code, err = await import_file(fake, rejects, "--rejects", str(again))
    assert code == 3, err
    second = [json.loads(line) for line in again.read_text().splitlines()]
    # The same records, refused for the same reasons (numbered by their line in the rejects file).
    assert sorted((e["status"], e["reason"], e.get("record")) for e in second) == sorted(
        (e["status"], e["reason"], e.get("record")) for e in first
    )

    fixed = []
    for entry in first:
        if entry["status"] == "rejected":
            entry["record"]["evtName"] = "Charged"
        else:
            entry["text"] = entry["text"].replace(
                "123456789012345678901", '"123456789012345678901"'
            )
        fixed.append(json.dumps(entry))
    rejects.write_text("\n".join(fixed) + "\n")
    code, err = await import_file(fake, rejects)
    assert code == 0, err
    assert sorted(e["identity"] for e in fake.uploaded_events) == ["u1", "u2", "u3"]
    assert {"big": "123456789012345678901"} in [e["evtData"] for e in fake.uploaded_events]


async def test_max_retries_and_timeout_reach_the_client(
    fake: FakeCleverTap, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"identity": "u1", "evtName": "Charged", "evtData": {}}\n')
    fake.faults.inject("status", status=503, times=1)
    code, err = await import_file(fake, source, "--max-retries", "0")
    assert code == 3, err
    assert "undelivered                      1" in err
    assert len(fake.requests) == 1
    fake.faults.clear()
    fake.faults.inject("latency", seconds=2)
    code, err = await import_file(fake, source, "--max-retries", "0", "--timeout", "0.2")
    assert code == 3, err
    assert "undelivered                      1" in err
