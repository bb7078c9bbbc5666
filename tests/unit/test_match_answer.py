"""match_answer on answers that are malformed or odd: every record sent is still accounted for."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from clevertap_async._batching import Batch, Item
from clevertap_async._uploading import match_answer


def items(*identities: Any) -> Batch:
    return Batch.of(
        Item(10 + i, {"identity": who}, orjson.dumps({"identity": who, "evtName": "E"}))
        for i, who in enumerate(identities)
    )


def rejection(number: int, identity: str) -> dict[str, Any]:
    return {
        "code": 515,
        "error": f"Bad.Skipped record number : {number}",
        "record": {"identity": identity, "evtName": "E"},
    }


@pytest.mark.parametrize("answer", [[], "ok", None, 2])
def test_an_answer_that_is_not_an_object_explains_nothing(answer: Any) -> None:
    matched = match_answer(answer, items("a", "b"))
    assert (matched.accepted, matched.rejected) == (0, [])
    assert [item.position for item in matched.unexplained] == [10, 11]
    assert "processed=None" in matched.reason


@pytest.mark.parametrize(
    "answer",
    [
        {"processed": 2},
        {"processed": 2, "unprocessed": None},
        {"processed": 2, "unprocessed": "none"},
        {"processed": 2, "unprocessed": {"code": 515}},
    ],
)
def test_a_rejection_list_that_is_missing_or_not_a_list_means_no_rejections(answer: Any) -> None:
    matched = match_answer(answer, items("a", "b"))
    assert matched == (2, [], [], "")


def test_entries_that_are_not_objects_are_counted_as_matching_nothing() -> None:
    matched = match_answer({"processed": 0, "unprocessed": ["junk", 7]}, items("a", "b"))
    assert [item.position for item in matched.unexplained] == [10, 11]
    assert "2 rejections of which 2 match no record sent" in matched.reason


def test_one_unplaceable_entry_does_not_stop_the_entries_after_it() -> None:
    answer = {"processed": 2, "unprocessed": ["junk", rejection(2, "b")]}
    matched = match_answer(answer, items("a", "b", "c"))
    assert [(item.position, code) for item, code, _ in matched.rejected] == [(11, 515)]
    assert [item.position for item in matched.unexplained] == [10, 12]
    assert "of which 1 match no record sent" in matched.reason


def test_a_code_that_is_not_a_number_is_0_and_a_missing_error_is_empty() -> None:
    entry = {"code": "515", "record": {"identity": "b", "evtName": "E"}}
    matched = match_answer({"processed": 1, "unprocessed": [entry]}, items("a", "b"))
    assert [(item.position, code, error) for item, code, error in matched.rejected] == [(11, 0, "")]
    assert (matched.accepted, matched.unexplained, matched.reason) == (1, [], "")


@pytest.mark.parametrize(("number", "position"), [(1, 10), (2, 11)])
def test_a_rejection_without_its_record_is_placed_by_its_number(number: int, position: int) -> None:
    entry = {"code": 515, "error": f"Bad.Skipped record number : {number}"}
    matched = match_answer({"processed": 1, "unprocessed": [entry]}, items("a", "b"))
    assert [item.position for item, _, _ in matched.rejected] == [position]
    assert matched.unexplained == []


@pytest.mark.parametrize("number", [0, 3])
def test_a_number_outside_the_batch_without_a_record_matches_nothing(number: int) -> None:
    entry = {"code": 515, "error": f"Bad.Skipped record number : {number}"}
    matched = match_answer({"processed": 1, "unprocessed": [entry]}, items("a", "b"))
    assert matched.rejected == []
    assert [item.position for item in matched.unexplained] == [10, 11]


def test_a_missing_identity_in_the_echo_is_not_the_text_none() -> None:
    # A record whose identity is the string "None" is not the one echoed without an identity.
    entry = {"code": 515, "error": "Bad.", "record": {"evtName": "E"}}
    matched = match_answer({"processed": 0, "unprocessed": [entry]}, items("None"))
    assert matched.rejected == []
    assert [item.position for item in matched.unexplained] == [10]
