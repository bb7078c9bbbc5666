"""The pure parts of exports: checkpoints, partitions, argument checks and record models."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clevertap_async import (
    Checkpoint,
    Condition,
    ExportedEvent,
    ExportedProfile,
    ValidationError,
    Where,
)
from clevertap_async._converter import converter, to_wire
from clevertap_async._exports import profiles_batch_size, time_zone, where_body
from clevertap_async._pagination import Partition, partitions, resume
from clevertap_async.models.exports import event_from_wire, parse_ts, profile_from_wire

EVENT = {
    "profile": {
        "objectId": "a8ffcbc9",
        "platform": "Web",
        "email": "peter@foo.com",
        "profileData": {"favoriteColor": "blue"},
        "identity": "5555555555",
        "id": 33,
        "df": {"x": 1},
    },
    "ts": 20151023140416,
    "event_props": {"value": "pizza"},
    "session_props": {"utm_source": "Foo", "session_source": "Direct"},
    "new_top_level_key": [1, 2],
}


def test_a_checkpoint_survives_json_and_rejects_anything_else() -> None:
    checkpoint = Checkpoint({"20260101-20260101": "abc%2B%3D", "20260102-20260102": None})
    text = checkpoint.to_json()
    assert isinstance(text, str)
    assert json.loads(text) == checkpoint.to_dict()
    assert Checkpoint.from_json(text) == checkpoint
    assert Checkpoint.from_json(text.encode()) == checkpoint
    assert Checkpoint.from_dict(json.loads(json.dumps(checkpoint.to_dict()))) == checkpoint
    assert not checkpoint.done and Checkpoint({"a": None}).done
    bad: object
    for bad in (None, [], {"cursors": {}}, {"version": 1, "cursors": {"a": 3}}, {"version": 99}):
        with pytest.raises(ValidationError) as caught:
            Checkpoint.from_dict(bad)
        assert caught.value.field == "resume_from"
        with pytest.raises(ValidationError, match="not a checkpoint"):
            Checkpoint.from_json(json.dumps(bad))
    with pytest.raises(ValidationError, match="not JSON"):
        Checkpoint.from_json("{nope")


def test_the_old_dict_forms_of_checkpoint_json_still_work_with_a_warning() -> None:
    checkpoint = Checkpoint({"20260101-20260101": "abc%2B%3D"})
    old_form = checkpoint.to_dict()
    with pytest.warns(DeprecationWarning, match=r"from_json\(dict\) is deprecated"):
        assert Checkpoint.from_json(old_form) == checkpoint  # type: ignore[arg-type]
    text: Any = checkpoint.to_json()  # indexed as the old dict, which the type no longer promises
    with pytest.warns(DeprecationWarning, match="to_dict"):
        assert text["cursors"] == {"20260101-20260101": "abc%2B%3D"}
    with pytest.warns(DeprecationWarning, match="to_dict"):
        assert dict(text.items()) == old_form
    with pytest.warns(DeprecationWarning, match="to_dict"):
        assert text.get("version") == 1
    # Everything a string does is untouched, and serialising it twice still reads back.
    assert text[0] == "{" and text.startswith('{"version"')
    assert Checkpoint.from_json(json.loads(json.dumps(text))) == checkpoint


def test_partitions_are_the_whole_range_or_one_per_day() -> None:
    assert partitions(date(2026, 1, 30), date(2026, 2, 2), by_day=False) == [
        Partition("20260130-20260202", 20260130, 20260202)
    ]
    days = partitions(date(2026, 1, 30), date(2026, 2, 2), by_day=True)
    assert [p.name for p in days] == [
        "20260130-20260130",
        "20260131-20260131",
        "20260201-20260201",
        "20260202-20260202",
    ]


def test_resume_drops_finished_partitions_and_continues_started_ones() -> None:
    plan = partitions(date(2026, 1, 1), date(2026, 1, 3), by_day=True)
    checkpoint = Checkpoint({"20260101-20260101": None, "20260102-20260102": "next%2F"})
    resumed = resume(plan, checkpoint)
    assert [(p.name, p.cursor) for p in resumed] == [
        ("20260102-20260102", "next%2F"),
        ("20260103-20260103", None),
    ]
    with pytest.raises(ValidationError, match="does not have"):
        resume(plan, Checkpoint({"20260101-20260103": "x"}))


def test_unknown_keys_land_in_extra_and_ts_is_read_in_the_zone() -> None:
    zone = ZoneInfo("America/New_York")
    event = event_from_wire(EVENT, zone)
    assert event.ts == datetime(2015, 10, 23, 14, 4, 16, tzinfo=zone)
    assert event.raw_ts == 20151023140416
    assert event.extra == {"new_top_level_key": [1, 2]}
    assert event.profile == ExportedProfile(
        identity="5555555555",
        object_id="a8ffcbc9",
        email="peter@foo.com",
        platform="Web",
        profile_data={"favoriteColor": "blue"},
        extra={"id": 33, "df": {"x": 1}},
    )
    assert event.session_props["session_source"] == "Direct"


def test_the_converter_structures_exports_without_dropping_keys() -> None:
    event = converter.structure(EVENT, ExportedEvent)
    assert event.ts is not None and event.ts.tzinfo is UTC
    assert event.extra == {"new_top_level_key": [1, 2]}
    profile = converter.structure(
        {"identity": "u1", "phone": 919800000000, "ls": 5}, ExportedProfile
    )
    assert (profile.phone, profile.extra) == (919800000000, {"ls": 5})


def test_a_profile_with_email_nested_in_platform_info_keeps_it() -> None:
    profile = profile_from_wire({"platformInfo": [{"platform": "iOS", "email": "a@b.co"}]})
    assert profile.email is None and profile.platform_info[0]["email"] == "a@b.co"


def test_ts_edge_cases() -> None:
    assert parse_ts(None, UTC) is None
    assert parse_ts("20260228235959", UTC) == datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC)
    with pytest.raises(ValueError, match="day is out of range"):
        parse_ts(20260230120000, UTC)


def test_where_models_and_dicts_become_the_same_body() -> None:
    where = Where(
        event_properties=(Condition("Amount", 100, operator="equals"),),
        common_profile_properties={"geo_fields": [["India", "Maharashtra", "Mumbai"]]},
    )
    body = {
        "event_properties": [{"name": "Amount", "value": 100, "operator": "equals"}],
        "common_profile_properties": {"geo_fields": [["India", "Maharashtra", "Mumbai"]]},
    }
    assert to_wire(where) == body
    assert where_body(where) == where_body(body) == body
    assert where_body(None) == {}


@pytest.mark.parametrize(("asked", "sent"), [(1, 23), (23, 23), (50, 46), (5000, 4991)])
def test_profiles_batch_size_rounds_down_to_a_multiple_of_23(asked: int, sent: int) -> None:
    assert profiles_batch_size(asked) == sent


def test_time_zones_by_name_or_object() -> None:
    assert time_zone("Asia/Kolkata") == ZoneInfo("Asia/Kolkata")
    assert time_zone(UTC) is UTC
    with pytest.raises(ValidationError):
        time_zone("")
