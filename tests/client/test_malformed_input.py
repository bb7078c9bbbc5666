"""Whatever a user hands in, an upload reports it or sends it: never a bare KeyError or TypeError.
A bad record becomes a rejection that names its field and carries the record and its position."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clevertap_async import CleverTap, ValidationError
from clevertap_async.testing import FakeCleverTap

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=8)
    | st.text(min_size=129, max_size=140)
    | st.binary(max_size=4)
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=2) | st.dictionaries(st.text(max_size=4), children, max_size=2)
    ),
    max_leaves=4,
)
keys = st.text(max_size=4) | st.text(min_size=121, max_size=125) | st.integers() | st.none()
records = (
    st.fixed_dictionaries(
        {},
        optional={
            "identity": values,
            "objectId": values,
            "evtName": st.sampled_from(["Viewed", "App Launched", ""]) | values,
            "evtData": st.dictionaries(keys, values, max_size=3) | values,
            "ts": st.sampled_from([1_767_225_600, 1_767_225_600_000, "2026-01-01"]) | values,
            "type": st.sampled_from(["event", "profile"]),
        },
    )
    | values
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batch=st.lists(records, max_size=6))
async def test_any_input_is_sent_or_rejected_with_its_position(
    ct: CleverTap, batch: list[Any]
) -> None:
    report = await ct.events.upload(batch, dry_run=True)
    assert report.accepted + len(report.rejected) + len(report.undelivered) == len(batch)
    assert report.undelivered == []
    for rejection in report.rejected:
        assert rejection.record is batch[rejection.position]
        assert isinstance(rejection.error, str) and rejection.error


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"evtData": {"x": math.nan}}, "evtData['x']"),
        ({"evtData": {"y": {"z": math.inf}}}, "evtData['y']"),
        ({"evtData": {1: "a"}}, "evtData[1]"),
        ({"evtData": {"big": "v" * 600}}, "evtData['big']"),
        ({"evtData": {"k" * 130: 1}}, "is 130 characters"),
        ({"identity": ["u"]}, "identity must be a string or an int"),
        ({"identity": {"id": 1}}, "identity must be"),
        ({"identity": True}, "identity must be"),
        ({"objectId": 1.5, "identity": None}, "objectId must be"),
        ({"ts": "yesterday"}, "ts must be"),
        ({"ts": math.nan}, "ts must be"),
        ({"evtName": 5}, "evtName"),
        ({"evtData": [1]}, "evtData must be"),
    ],
)
async def test_a_bad_record_is_rejected_naming_its_field(
    fake: FakeCleverTap, ct: CleverTap, record: dict[str, Any], field: str
) -> None:
    good = {"identity": "u", "evtName": "E", "evtData": {}}
    bad = {**good, **record}
    report = await ct.events.upload([good, bad, good])
    assert report.accepted == 2
    [rejection] = report.rejected
    assert (rejection.position, rejection.record, rejection.source) == (1, bad, "client")
    assert field in rejection.error
    assert len(fake.uploaded_events) == 2


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-13-01", 20260101, "start"),
        (20260101, 20260132, "end"),
        (math.nan, 20260101, "start"),
        (20260105, 20260101, "start"),
        (20260101, None, "end"),
    ],
)
def test_bad_export_dates_name_their_argument(
    ct: CleverTap, start: Any, end: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        ct.events.stream("Charged", start, end)
    assert info.value.field == field
