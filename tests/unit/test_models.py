"""Models and the one converter between them and the wire: both directions, names, deprecations."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import attrs
import pytest

from clevertap_async import (
    BatchResult,
    DeviceToken,
    Event,
    ExportedEvent,
    ExportedProfile,
    Profile,
    RejectedRecord,
    UndeliveredRecord,
    UploadReport,
    ValidationError,
    to_wire,
)
from clevertap_async._converter import from_wire, parser, wire_converter

KOLKATA = ZoneInfo("Asia/Kolkata")


def test_upload_records_become_the_wire_dicts_the_api_takes() -> None:
    seen = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    event = Event("Viewed", {"At": seen, "Tags": [seen]}, identity="u-1", fbid="f", ts=seen)
    assert to_wire(event) == {
        "type": "event",
        "identity": "u-1",
        "FBID": "f",
        "ts": int(seen.timestamp()),
        "evtName": "Viewed",
        "evtData": {"At": f"$D_{int(seen.timestamp())}", "Tags": [f"$D_{int(seen.timestamp())}"]},
    }
    assert to_wire(Event("Empty", object_id="__g")) == {
        "type": "event",
        "objectId": "__g",
        "evtName": "Empty",
        "evtData": {},
    }
    assert to_wire(Profile({"Name": "Jo"}, gpid="g")) == {
        "type": "profile",
        "GPID": "g",
        "profileData": {"Name": "Jo"},
    }
    assert to_wire(DeviceToken("__g", "tok", "chrome", keys={"p256dh": "p", "auth": "a"})) == {
        "type": "token",
        "objectId": "__g",
        "tokenData": {"id": "tok", "type": "chrome", "keys": {"p256dh": "p", "auth": "a"}},
    }


def test_a_naive_datetime_is_refused_naming_where_it_is() -> None:
    with pytest.raises(ValidationError) as caught:
        to_wire(Event("E", {"At": datetime(2026, 1, 1)}, identity="u"))
    assert "properties.At" in str(caught.value)


def test_record_to_wire_still_works_and_says_it_is_deprecated() -> None:
    event = Event("E", {"n": 1}, identity="u")
    for record in (event, Profile({"n": 1}, identity="u"), DeviceToken("__g", "t", "fcm")):
        with pytest.warns(DeprecationWarning, match=r"to_wire\(\) is deprecated"):
            assert record.to_wire() == to_wire(record)


def test_export_records_read_ts_in_the_zone_the_converter_was_made_for() -> None:
    wire = {"ts": 20260102030405, "event_props": {"a": 1}, "profile": {"identity": "u"}}
    for zone in (UTC, KOLKATA):
        by_structure = wire_converter(zone).structure(wire, ExportedEvent)
        by_parser = parser(ExportedEvent, zone)(wire)
        expected = datetime(2026, 1, 2, 3, 4, 5, tzinfo=zone)
        assert by_structure.ts == by_parser.ts == from_wire(wire, ExportedEvent, zone).ts
        assert by_parser.ts == expected and by_parser.ts.tzinfo is zone
    assert wire_converter(KOLKATA) is wire_converter(KOLKATA)


def test_an_export_record_goes_back_to_the_wire_unchanged() -> None:
    wire = {"ts": 20260102030405, "event_props": {"a": 1}, "new_key": 2}
    event = from_wire(wire, ExportedEvent)
    assert to_wire(event) == wire and to_wire(event) is not wire
    assert event.extra == {"new_key": 2}


def test_a_record_built_by_hand_equals_the_one_read_from_the_wire() -> None:
    wire = {"identity": "u", "profileData": {"a": 1}, "ls": 5}
    assert from_wire(wire, ExportedProfile) == ExportedProfile(
        identity="u", profile_data={"a": 1}, extra={"ls": 5}
    )
    event = ExportedEvent(20260102030405, {"a": 1}, raw_profile={"identity": "u"})
    assert event == from_wire(
        {"ts": 20260102030405, "event_props": {"a": 1}, "profile": {"identity": "u"}},
        ExportedEvent,
    )
    assert event.profile == ExportedProfile(identity="u")
    assert "raw_ts=20260102030405" in repr(event) and "identity='u'" in repr(event.profile)


def test_export_records_are_read_only() -> None:
    event = from_wire({"ts": 20260102030405}, ExportedEvent)
    with pytest.raises(AttributeError):
        event.raw_ts = 1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        event.anything = 1  # type: ignore[attr-defined]
    assert event.ts is event.ts  # built once, then kept


def test_an_exported_profile_gives_its_object_id_from_platform_info() -> None:
    profile = from_wire(
        {"identity": "u", "platformInfo": [{"platform": "Web"}, {"objectId": "-ios"}]},
        ExportedProfile,
    )
    assert profile.object_id == "-ios"
    top = from_wire({"objectId": "__g", "platformInfo": [{"objectId": "-ios"}]}, ExportedProfile)
    assert top.object_id == "__g"
    assert from_wire({"identity": "u"}, ExportedProfile).object_id is None


def test_results_share_one_name_per_idea_and_keep_the_old_ones_for_now() -> None:
    cause = RuntimeError("lost")
    undelivered = UndeliveredRecord({"a": 1}, 3, cause)
    result = BatchResult(
        number=1,
        sent=3,
        accepted=2,
        rejected=[RejectedRecord({}, 0, 509, "no name")],
        undelivered=[undelivered],
        possibly_duplicated=2,
    )
    assert (result.total, result.ok, undelivered.error) == (4, False, cause)
    with pytest.warns(DeprecationWarning, match="BatchResult.total"):
        assert result.records == 4
    with pytest.warns(DeprecationWarning, match=r"not BatchResult\.ok"):
        assert result.failed is True
    with pytest.warns(DeprecationWarning, match="UndeliveredRecord.error"):
        assert undelivered.exception is cause
    report = UploadReport()
    report.add(result)
    assert (report.total, report.ok, report.possibly_duplicated) == (4, False, 2)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.accepted = 3  # type: ignore[misc]
