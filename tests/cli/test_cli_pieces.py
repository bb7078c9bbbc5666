"""The command line's building blocks: output formats, checkpoint files, the JSON Lines reader."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clevertap_async import ValidationError
from clevertap_async.cli import _checkpoint
from clevertap_async.cli._input import JsonLinesReader
from clevertap_async.cli._output import EXTRA_COLUMN, CsvWriter, JsonLinesWriter, flatten


def test_flatten_nests_with_dots_and_keeps_lists_as_json() -> None:
    record = {
        "ts": 1,
        "profile": {"email": "a@b.co", "profileData": {"x": True}},
        "tags": [1, 2],
        "empty": {},
    }
    assert flatten(record) == {
        "ts": 1,
        "profile.email": "a@b.co",
        "profile.profileData.x": True,
        "tags": "[1,2]",
        "empty": "{}",
    }


def test_csv_keeps_late_keys_in_the_extra_column() -> None:
    out = io.BytesIO()
    writer = CsvWriter(out)
    writer.write([{"a": 1, "b": {"c": "x"}}])
    writer.write([{"a": 2, "d": None, "e": True}])
    rows = list(csv.reader(io.StringIO(out.getvalue().decode())))
    assert rows[0] == ["a", "b.c", EXTRA_COLUMN]
    assert rows[1] == ["1", "x", ""]
    assert rows[2] == ["2", "", '{"d":null,"e":true}']


def test_csv_resumes_with_an_existing_header() -> None:
    out = io.BytesIO()
    CsvWriter(out, columns=["a", EXTRA_COLUMN]).write([{"a": 5}])
    assert out.getvalue() == b"5,\n"


def test_json_lines_are_one_object_per_line() -> None:
    out = io.BytesIO()
    JsonLinesWriter(out).write([{"a": 1}, {"b": [2]}])
    assert out.getvalue() == b'{"a":1}\n{"b":[2]}\n'


def test_checkpoint_round_trip_and_fingerprint_check(tmp_path: Path) -> None:
    path = tmp_path / "export.checkpoint"
    fingerprint = {"event": "Charged", "from": 20260101}
    assert _checkpoint.load(path, fingerprint) is None
    saved = _checkpoint.SavedExport(fingerprint, {"20260101": "c%2B1"}, 120, 7)
    _checkpoint.save(path, saved)
    assert _checkpoint.load(path, fingerprint) == saved
    assert not path.with_name(path.name + ".tmp").exists()
    with pytest.raises(ValidationError, match="different event"):
        _checkpoint.load(path, {**fingerprint, "event": "Other"})
    path.write_text("{broken")
    with pytest.raises(ValidationError, match="not a readable checkpoint"):
        _checkpoint.load(path, fingerprint)


def test_reader_skips_bad_lines_and_maps_positions_back_to_lines() -> None:
    text = b'{"a": 1}\n\nnot json\n{"a": 2}\n[1]\n{"a": 3}\n'
    reader = JsonLinesReader(io.BytesIO(text))
    assert list(reader) == [{"a": 1}, {"a": 2}, {"a": 3}]
    assert [line for line, _ in reader.unreadable] == [3, 5]
    assert "not valid JSON" in reader.unreadable[0][1]
    assert [reader.line_of(p) for p in range(3)] == [1, 4, 6]


@given(st.lists(st.sampled_from(["record", "blank", "bad"]), max_size=40))
def test_line_of_is_right_for_any_layout(kinds: list[str]) -> None:
    lines = {"record": b'{"k": 0}', "blank": b"  ", "bad": b"{"}
    reader = JsonLinesReader(io.BytesIO(b"\n".join(lines[k] for k in kinds) + b"\n"))
    records = list(reader)
    expected = [number for number, kind in enumerate(kinds, start=1) if kind == "record"]
    assert len(records) == len(expected)
    assert [reader.line_of(p) for p in range(len(records))] == expected
