"""The fake's quick yes for common events never accepts what its full check refuses.

``plainly_valid_event`` lets the fake skip most of its checks for the usual event; these tests pin
that it only ever says yes where ``checked_failure`` accepts, and that it does say yes to a plain
event (else the shortcut is dead and the fake slow).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from clevertap_async.testing._uploads import (
    checked_failure,
    plainly_valid_event,
    record_failure,
)

PLAIN = {
    "type": "event",
    "identity": "user-1",
    "ts": 1_700_000_000,
    "evtName": "Product viewed",
    "evtData": {"Product": "sku-1", "Price": 9.99, "Qty": 2, "Gift": False, "Note": None},
}

# Values near every rule: banned characters, long values, odd types, restricted names, bad times.
_names = st.sampled_from(
    ["Product viewed", "App Launched", "appLaunched ", "", "  ", "Charged", 7, None]
) | st.text(max_size=8)
_keys = st.sampled_from(["Product", "a.b", "x" * 120, "x" * 121, "50%", "Items"]) | st.text(
    max_size=6
)
_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "x" * 128, "x" * 129, "é" * 128, "é" * 257, "😀" * 129]),
    st.text(max_size=10),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_events = st.fixed_dictionaries(
    {"type": st.just("event")},
    optional={
        "identity": st.sampled_from(["user-1", "", 5, None, True]),
        "objectId": st.sampled_from(["obj-1", ""]),
        "ts": st.one_of(st.integers(min_value=-1, max_value=10**11 + 1), st.booleans(), st.none()),
        "evtName": _names,
        "evtData": st.one_of(
            st.dictionaries(_keys, _values, max_size=4), st.none(), st.lists(st.none())
        ),
    },
)


@given(record=_events)
def test_the_quick_yes_is_only_given_where_the_full_check_accepts(record: dict[str, Any]) -> None:
    if plainly_valid_event(record):
        assert checked_failure(record) is None
    assert record_failure(record) == checked_failure(record)


def test_a_plain_event_takes_the_quick_yes() -> None:
    assert plainly_valid_event(dict(PLAIN))


def test_too_many_properties_are_left_to_the_full_check() -> None:
    record = {**PLAIN, "evtData": {f"k{i}": i for i in range(257)}}
    assert not plainly_valid_event(record)
    assert checked_failure(record) == (522, "Event properties limit exceeded. ")
