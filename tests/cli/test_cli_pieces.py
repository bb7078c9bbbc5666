"""The command line's building blocks: output formats, checkpoint files, reading input lines."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clevertap_async import ValidationError
from clevertap_async.cli import _checkpoint
from clevertap_async.cli._import import RejectsFile
from clevertap_async.cli._input import MAX_TEXT_BYTES, InputLines, Unreadable, parse_line
from clevertap_async.cli._journal import Ledger
from clevertap_async.cli._lines import LineSet, describe
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
    saved = _checkpoint.SavedExport(fingerprint, {"20260101": "c%2B1"}, "/x/out", 120, "ab", 7)
    _checkpoint.save(path, saved)
    assert _checkpoint.load(path, fingerprint) == saved
    assert not path.with_name(path.name + ".tmp").exists()
    with pytest.raises(ValidationError, match="different event"):
        _checkpoint.load(path, {**fingerprint, "event": "Other"})
    path.write_text("{broken")
    with pytest.raises(ValidationError, match="not a readable checkpoint"):
        _checkpoint.load(path, fingerprint)


def test_check_output_refuses_another_path_a_shorter_file_and_changed_bytes(
    tmp_path: Path,
) -> None:
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "c"
    output.write_bytes(b"a" * 100)
    saved = _checkpoint.SavedExport(
        {}, {}, str(output.resolve()), 80, _checkpoint.tail_hash(output, 80), 8
    )
    _checkpoint.check_output(checkpoint, saved, str(output), str(output))  # longer is fine
    with pytest.raises(ValidationError, match=r"continues --output .* not .*other"):
        _checkpoint.check_output(checkpoint, saved, str(tmp_path / "other"), str(output))
    output.write_bytes(b"a" * 79)
    with pytest.raises(ValidationError, match="79 bytes, shorter than the 80"):
        _checkpoint.check_output(checkpoint, saved, str(output), str(output))
    output.write_bytes(b"b" * 100)
    with pytest.raises(ValidationError, match="changed since"):
        _checkpoint.check_output(checkpoint, saved, str(output), str(output))
    output.unlink()
    with pytest.raises(ValidationError, match="which is gone"):
        _checkpoint.check_output(checkpoint, saved, str(output), str(output))


def test_parse_line_names_what_is_wrong() -> None:
    assert parse_line(b'{"a": 1}\n') == {"a": 1}
    assert parse_line(b"[1]\n").reason == "not a JSON object but list"  # type: ignore[union-attr]
    assert "not valid JSON" in parse_line(b"{oops").reason  # type: ignore[union-attr]
    bad = parse_line(b'{"a": "caf\xe9"}')
    assert isinstance(bad, Unreadable)
    assert bad.reason == "not UTF-8 at byte 11 of the line"
    assert bad.text == '{"a": "caf\ufffd"}'


@pytest.mark.parametrize("number", [2**64, -(2**63) - 1, 123456789012345678901234567890])
def test_integers_beyond_64_bits_are_unreadable_never_floats(number: int) -> None:
    parsed = parse_line(b'{"order_id": %d}' % number)
    assert isinstance(parsed, Unreadable)
    assert "too large for JSON transport" in parsed.reason


@pytest.mark.parametrize("number", [2**64 - 1, -(2**63), 1234567890123456789])
def test_integers_within_64_bits_are_read_exactly(number: int) -> None:
    assert parse_line(b'{"n": %d, "s": "12345678901234567890123"}' % number) == {
        "n": number,
        "s": "12345678901234567890123",
    }


def test_a_rejects_entry_reads_as_the_record_it_carries() -> None:
    entry = {"line": 3, "status": "rejected", "code": 513, "reason": "x", "record": {"a": 1}}
    assert parse_line(orjson.dumps(entry)) == {"a": 1}
    fixed = {"line": 4, "status": "unreadable", "code": None, "reason": "x", "text": '{"b": 2}'}
    assert parse_line(orjson.dumps(fixed)) == {"b": 2}
    cut = {**fixed, "text": '{"b": ', "text_truncated": True}
    assert isinstance(parse_line(orjson.dumps(cut)), Unreadable)


def test_unreadable_text_is_capped() -> None:
    parsed = parse_line(b"{" + b"x" * 5000)
    assert isinstance(parsed, Unreadable)
    assert len(parsed.text) == MAX_TEXT_BYTES and parsed.truncated


def test_input_lines_accept_a_bom_and_refuse_a_json_array() -> None:
    lines = InputLines(io.BytesIO(b'\xef\xbb\xbf{"a": 1}\n\n{"b": 2}'), "f")
    assert list(lines) == [(1, b'{"a": 1}\n'), (2, b"\n"), (3, b'{"b": 2}')]
    for text in (b'[{"a": 1}]', b'\n\n  [\n  {"a": 1}\n]\n'):
        with pytest.raises(ValidationError, match=r"is a JSON array, not JSON Lines.*jq -c"):
            InputLines(io.BytesIO(text), "f.json")
    assert InputLines(io.BytesIO(b""), "f").empty
    assert InputLines(io.BytesIO(b"\n \n"), "f").empty


def test_count_rest_counts_the_lines_not_read() -> None:
    lines = InputLines(io.BytesIO(b"1\n2\n3\n4"), "f")
    first = next(iter(lines))
    assert first == (1, b"1\n")
    assert lines.count_rest() == 3


def test_line_set_merges_and_splits_ranges() -> None:
    lines = LineSet()
    for number in (5, 3, 4, 10, 1):
        lines.add(number)
    assert lines.ranges() == [(1, 1), (3, 5), (10, 10)]
    lines.add_range(2, 9)
    assert lines.ranges() == [(1, 10)]
    lines.remove_range(4, 6)
    assert lines.ranges() == [(1, 3), (7, 10)]
    assert len(lines) == 7 and 3 in lines and 5 not in lines
    assert describe(lines.ranges()) == "1-3, 7-10"


@given(st.lists(st.tuples(st.booleans(), st.integers(1, 60), st.integers(0, 8)), max_size=30))
def test_line_set_behaves_like_a_set(operations: list[tuple[bool, int, int]]) -> None:
    lines, model = LineSet(), set[int]()
    for adding, first, length in operations:
        span = set(range(first, first + length))
        if adding:
            lines.add_range(first, first + length - 1)
            model |= span
        else:
            lines.remove_range(first, first + length - 1)
            model -= span
    assert list(lines) == sorted(model)
    ranges = lines.ranges()
    assert all(a[1] + 1 < b[0] for a, b in itertools.pairwise(ranges))


def test_a_journal_counts_as_resent_only_lines_that_may_have_been_sent(tmp_path: Path) -> None:
    path = tmp_path / "journal"
    ledger = Ledger.open(path, {"input": "a"}, batch_size=10)
    ledger.start_run()  # reserves 40 lines ahead of line 0
    for line in range(1, 31):
        ledger.reserve(line)
    ledger.done.add_range(1, 20)
    ledger.done.add_range(26, 30)
    ledger.not_sent(24, 25)  # the rest of a batch being filled at a stop
    ledger.not_sent(31, ledger.reserved)  # reserved, never read
    ledger.save(reserve=False)
    resumed = Ledger.open(path, {"input": "a"}, batch_size=10)
    assert resumed.resent == 3  # lines 21-23: sent, no answer recorded
    assert resumed.counts["possibly_duplicated"] == 3
    with pytest.raises(ValidationError, match=r"another input or options \(different input\)"):
        Ledger.open(path, {"input": "b"}, batch_size=10)
    # A stop later in a resumed run does not count done lines of the first run as never sent.
    resumed.not_sent(22, resumed.reserved)
    assert resumed.unsent.ranges() == [(22, 25), (31, 40)]


def test_a_resumed_rejects_file_is_cut_back_to_what_the_journal_vouches_for(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rejects.jsonl"
    path.write_bytes(b'{"line": 1}\n{"line": 9}\n')
    rejects = RejectsFile(str(path), 12, resuming=True, durable=True)
    rejects.write({"line": 2})
    assert rejects.flush() == 23
    rejects.close()
    assert path.read_bytes() == b'{"line": 1}\n{"line":2}\n'
    with pytest.raises(ValidationError, match="is 23 bytes, shorter than the 99 the journal"):
        RejectsFile(str(path), 99, resuming=True, durable=True)


def test_count_rest_counts_the_lines_read_at_open_but_not_handed_out() -> None:
    lines = InputLines(io.BytesIO(b"\n\n{}\n{}\n{}"), "in.jsonl")  # the head: two blanks and {}
    assert lines.count_rest() == 5
    lines = InputLines(io.BytesIO(b"\n\n{}\n{}\n{}"), "in.jsonl")
    numbered = iter(lines)
    assert next(numbered) == (1, b"\n")
    assert lines.count_rest() == 4
