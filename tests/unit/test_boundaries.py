"""The edges the property tests reach only by luck, as plain examples: exactly at a limit, and one past.

Each pair pins an off-by-one both ways: the value at the limit passes, the next one does not.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from clevertap_async._batching import BODY_OVERHEAD, Chunker, Item, chunk, serialise
from clevertap_async._record_validation import Problem, prepare
from clevertap_async.models import reports

KEY_LIMIT = 120
VALUE_LIMIT = 512


def item(position: int, size: int) -> Item:
    """A record whose JSON is exactly ``size`` bytes (a string: two quotes and the rest)."""
    payload = orjson.dumps("x" * (size - 2))
    assert len(payload) == size
    return Item(position, position, payload)


@pytest.mark.parametrize(("first", "second"), [(10, 10), (2, 500), (300, 7)])
def test_two_records_fit_exactly_at_n_bytes_and_split_at_n_minus_1(first: int, second: int) -> None:
    items = [item(0, first), item(1, second)]
    exact = BODY_OVERHEAD + first + 1 + second  # the comma between them counts
    [together] = chunk(items, 10, exact)
    assert len(together.body()) == exact
    assert together.items() == items
    split = list(chunk(items, 10, exact - 1))
    assert [batch.items() for batch in split] == [[items[0]], [items[1]]]


def test_three_records_fit_exactly_with_two_commas() -> None:
    items = [item(0, 5), item(1, 6), item(2, 7)]
    exact = BODY_OVERHEAD + 5 + 1 + 6 + 1 + 7
    assert [len(batch) for batch in chunk(items, 10, exact)] == [3]
    assert [len(batch) for batch in chunk(items, 10, exact - 1)] == [2, 1]


def test_serialise_is_the_records_compact_json() -> None:
    assert serialise({"a": [1, "é"], "b": None}) == '{"a":[1,"é"],"b":null}'.encode()
    assert type(serialise({})) is bytes


def test_a_record_of_exactly_the_budget_fits_alone() -> None:
    chunker = Chunker(10, BODY_OVERHEAD + 50)
    assert chunker.max_payload == 50
    assert chunker.add(*item(0, 50)) == ()
    assert len(chunker.flush().body()) == BODY_OVERHEAD + 50
    with pytest.raises(ValueError, match="position 1"):
        chunker.add(*item(1, 51))


def test_the_smallest_budgets_and_counts_are_accepted() -> None:
    chunker = Chunker(1, BODY_OVERHEAD + 1)
    assert chunker.max_payload == 1
    [sealed] = chunker.add(0, 0, b"0")
    assert sealed.body() == b'{"d":[0]}'
    message = r"^max_records must be >= 1 and max_bytes larger than an empty body$"
    with pytest.raises(ValueError, match=message):
        Chunker(1, BODY_OVERHEAD)
    with pytest.raises(ValueError, match=message):
        Chunker(0, 1000)


@pytest.mark.parametrize("limit", [1, 2, 1000])
def test_a_batch_seals_at_exactly_the_record_count(limit: int) -> None:
    items = [item(n, 3) for n in range(limit + 1)]
    batches = list(chunk(items, limit, 1 << 20))
    assert [len(batch) for batch in batches] == [limit, 1]


def test_a_record_over_the_bytes_seals_the_batch_before_it_not_itself() -> None:
    chunker = Chunker(2, BODY_OVERHEAD + 10)
    first, second = item(0, 6), item(1, 6)
    assert chunker.add(*first) == ()
    [sealed] = chunker.add(*second)
    assert sealed.items() == [first]
    assert chunker.flush().items() == [second]


def event(data: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"identity": "u1", "evtName": "Charged", "evtData": data, **top}


def profile(data: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"identity": "u1", "profileData": data, **top}


def code_of(kind: Any, record: dict[str, Any]) -> int | None:
    """The code a record is refused with before sending, or None when it would be sent."""
    result = prepare(kind, record)
    return result.code if isinstance(result, Problem) else None


@pytest.mark.parametrize("kind", ["event", "profile"])
def test_key_length_limit_is_120_characters(kind: str) -> None:
    build = event if kind == "event" else profile
    assert code_of(kind, build({"k" * KEY_LIMIT: 1})) is None
    assert code_of(kind, build({"k" * (KEY_LIMIT + 1): 1})) == reports.CLIENT_BAD_KEY
    # Characters, not bytes: 120 three-byte characters are a good key.
    assert code_of(kind, build({"€" * KEY_LIMIT: 1})) is None


@pytest.mark.parametrize("kind", ["event", "profile"])
@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("v" * VALUE_LIMIT, True),
        ("v" * (VALUE_LIMIT + 1), False),
        ("€" * 170, True),  # 510 bytes in 170 characters
        ("€" * 171, False),  # 513 bytes
        ("😀" * 128, True),  # 512 bytes in 128 characters: the short-string shortcut's edge
        ("😀" * 129, False),
        ("😀" * 127 + "v" * 4, True),  # 512 bytes in 131 characters: past the shortcut, still fine
    ],
)
def test_value_size_limit_is_512_utf8_bytes(kind: str, value: str, ok: bool) -> None:
    build = event if kind == "event" else profile
    expected = None if ok else reports.CLIENT_VALUE_TOO_LARGE
    assert code_of(kind, build({"k": value})) == expected


def test_an_event_may_carry_256_properties_not_257() -> None:
    assert code_of("event", event({f"p{n}": n for n in range(256)})) is None
    assert code_of("event", event({f"p{n}": n for n in range(257)})) == 522


@pytest.mark.parametrize(
    ("ts", "ok"),
    [(1, True), (0, False), (-1, False), (10**11 - 1, True), (10**11, False), (True, False)],
)
def test_timestamps_are_positive_epoch_seconds_below_milliseconds(ts: Any, ok: bool) -> None:
    assert code_of("event", event({}, ts=ts)) == (None if ok else 525)


@pytest.mark.parametrize(
    ("identity", "ok"),
    [("u", True), (0, True), ("", False), (None, False), (True, False), (["u"], False)],
)
def test_identity_edges(identity: Any, ok: bool) -> None:
    record = {"identity": identity, "evtName": "E", "evtData": {}}
    assert code_of("event", record) == (None if ok else 523)


def test_any_one_identifier_is_enough() -> None:
    for key in ("identity", "objectId", "FBID", "GPID"):
        assert code_of("event", {key: "x", "evtName": "E", "evtData": {}}) is None
    assert code_of("event", {"identity": "", "GPID": "g", "evtName": "E", "evtData": {}}) is None


@pytest.mark.parametrize(
    "name", ["App Launched", "app launched", "AppLaunched", " App  Launched ", "UTM Visited"]
)
def test_restricted_event_names_match_whatever_the_spacing_and_case(name: str) -> None:
    assert code_of("event", {"identity": "u", "evtName": name, "evtData": {}}) == 513


@pytest.mark.parametrize("name", ["", "   ", None, 7])
def test_an_event_needs_a_name(name: Any) -> None:
    assert code_of("event", {"identity": "u", "evtName": name, "evtData": {}}) == 509


def test_hash_is_banned_in_profile_keys_only() -> None:
    assert code_of("event", event({"a#b": 1})) is None
    assert code_of("profile", profile({"a#b": 1})) == reports.CLIENT_BAD_KEY
    for banned in "%><!|&.:;$'\"\\":
        assert code_of("event", event({f"a{banned}b": 1})) == reports.CLIENT_BAD_KEY


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("Gender", "M", None),
        ("Gender", "m", 514),
        ("Employed", "Y", None),
        ("Employed", "yes", 517),
        ("Education", "Graduate", None),
        ("Education", "PhD", 518),
        ("Married", "N", None),
        ("Married", "no", 519),
        ("Age", 0, None),
        ("Age", 1.5, None),
        ("Age", True, 520),
        ("Age", "30", None),
        ("Age", "aa", 520),
        ("Email", "a@b.co", None),
        ("Email", "a@b", 515),
        ("Phone", "+14155550123", None),
        ("Phone", "14155550123", 516),
        ("Phone", 14155550123, 516),
        # E.164: 7 to 15 digits, the country code not starting with 0 (the fake's rule too).
        ("Phone", "+1234567", None),
        ("Phone", "+123456", 516),
        ("Phone", "+123456789012345", None),
        ("Phone", "+1234567890123456", 516),
        ("Phone", "+01234567", 516),
    ],
)
def test_standard_profile_fields(field: str, value: Any, code: int | None) -> None:
    assert code_of("profile", profile({field: value})) == code


def test_the_type_must_match_the_upload() -> None:
    assert code_of("event", {**event({}), "type": "profile"}) == reports.CLIENT_NOT_A_RECORD
    assert code_of("event", {**event({}), "type": "event"}) is None
    assert prepare("event", event({})) == {"type": "event", **event({})}


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ({"objectId": "o", "tokenData": {"id": "t", "type": "fcm"}}, None),
        ({"objectId": "", "tokenData": {"id": "t", "type": "fcm"}}, 530),
        ({"objectId": "o", "tokenData": "t"}, 531),
        ({"objectId": "o", "tokenData": {"id": "", "type": "fcm"}}, 532),
        ({"objectId": "o", "tokenData": {"id": "t"}}, 533),
        ({"objectId": "o", "tokenData": {"id": "t", "type": "sms"}}, 534),
        (
            {"objectId": "o", "tokenData": {"id": "t", "type": "chrome", "keys": {"p256dh": "p"}}},
            535,
        ),
        (
            {
                "objectId": "o",
                "tokenData": {"id": "t", "type": "chrome", "keys": {"p256dh": "p", "auth": "a"}},
            },
            None,
        ),
    ],
)
def test_token_edges(token: dict[str, Any], code: int | None) -> None:
    assert code_of("token", token) == code
