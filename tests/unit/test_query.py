"""The pure date and query helpers, and the message-report merge."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clevertap_async import ValidationError, _query
from clevertap_async._validation import positive
from clevertap_async.resources.reports import _merge


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
    st.integers(min_value=0, max_value=800),
    st.integers(min_value=1, max_value=100),
)
def test_windows_cover_the_range_once_in_order(first: date, span: int, size: int) -> None:
    last = first + timedelta(days=span)
    windows = list(_query.windows(first, last, size))
    assert windows[0][0] == first
    assert windows[-1][1] == last
    for (a, b), (c, _) in itertools.pairwise(windows):
        assert c == b + timedelta(days=1)
        assert (b - a).days + 1 == size
    assert all(a <= b and (b - a).days < size for a, b in windows)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(20240229, date(2024, 2, 29)), (date(2026, 1, 2), date(2026, 1, 2))],
)
def test_dates_accept_dates_and_yyyymmdd(value: object, expected: date) -> None:
    assert _query.to_date(value, "start") == expected
    assert _query.yyyymmdd(expected) == int(expected.strftime("%Y%m%d"))


@pytest.mark.parametrize("value", [20230229, 2026011, "20260101", 20260101.0, None, False])
def test_bad_dates_name_the_field(value: object) -> None:
    with pytest.raises(ValidationError, match=r"since must be a datetime\.date") as caught:
        _query.to_date(value, "since")
    assert caught.value.field == "since"


def test_merge_concatenates_lists_and_adds_numbers() -> None:
    merged = _merge(
        [
            {"status": "success", "messages": [1], "total": 2, "note": "a"},
            {"status": "success", "messages": [2, 3], "total": 5, "note": "b"},
        ]
    )
    assert merged == {"messages": [1, 2, 3], "total": 7, "note": "b"}


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ({"event_propertys": []}, "where.event_propertys"),
        ({"to": 20260101}, "where.to"),
        ({"event_properties": [{"name": "x", "value": float("nan")}]}, "where"),
        (["event_properties"], "where"),
    ],
)
def test_one_where_normaliser_refuses_the_same_things_for_every_query(
    where: object, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _query.where_blocks(where)
    assert caught.value.field is not None and caught.value.field.startswith(field)
    with pytest.raises(ValidationError):
        _query.event_query("E", 20260101, 20260102, where)


def test_a_campaign_audience_may_carry_its_own_range() -> None:
    audience = {"event_name": "E", "from": 20260101, "to": 20260102, "event_properties": []}
    assert _query.where_blocks(audience, allow_range=True) == audience


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "3", None])
def test_one_positive_check_names_the_field(bad: object) -> None:
    with pytest.raises(ValidationError, match="top_n must be a positive int") as caught:
        positive(bad, "top_n")
    assert caught.value.field == "top_n"
    assert positive(2.5, "timeout", integer=False) == 2.5
