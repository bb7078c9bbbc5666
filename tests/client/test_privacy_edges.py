"""Privacy requests at their edges: a lookup that fails, a profile known only by identity, the exact
messages of refused input, and the keys an exported event's profile summary is matched by."""

from __future__ import annotations

from typing import Any

import pytest

from clevertap_async import (
    CleverTap,
    CleverTapError,
    DeletionStatus,
    ExportedProfile,
    RetryPolicy,
    ServerError,
    ValidationError,
)
from clevertap_async.resources.privacy import _guids, _keys, _owner_of, _target
from clevertap_async.testing import FakeCleverTap

DELETE = "/1/delete/profiles.json"
PROFILE = "/1/profile.json"
EVENTS = "/1/events.json"
START, END = 20260101, 20260105


async def test_a_failed_lookup_is_a_failed_outcome_without_profile(fake: FakeCleverTap) -> None:
    fake.seed_profiles(count=2, start=START, end=END)
    fake.faults.inject("status", status=500, times=1, path=PROFILE)
    async with fake.client(retry=RetryPolicy.no_wait(0), timeout=5) as ct:
        failed, deleted = await ct.privacy.delete(identities=["user-0", "user-1"])
    assert failed.status == DeletionStatus.FAILED
    assert isinstance(failed.error, ServerError)
    assert (failed.profile, failed.deleted_by) == (None, None)
    assert deleted.status == DeletionStatus.DELETED and deleted.error is None
    [request] = fake.requests_to(DELETE)
    assert request.json() == {"guid": ["__00000001-fake", "-00000001ios"]}


async def test_a_profile_known_only_by_identity_is_deleted_by_identity(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.store_upload({"type": "profile", "identity": "u-9", "profileData": {"Name": "N"}})
    [outcome] = await ct.privacy.delete(identities=["u-9"])
    assert (outcome.status, outcome.deleted_by) == (DeletionStatus.DELETED, ("identity", ("u-9",)))
    [request] = fake.requests_to(DELETE)
    assert request.json() == {"identity": ["u-9"]}


async def test_a_profile_with_no_id_to_delete_by_fails(fake: FakeCleverTap, ct: CleverTap) -> None:
    # Found by email, but its answer carries neither a CleverTap ID nor an identity.
    record = {"email": "a@example.com", "profileData": {"Email": "a@example.com"}}
    fake.faults.inject("reply", status=200, body={"status": "success", "record": record}, times=1)
    [outcome] = await ct.privacy.delete(emails=["a@example.com"])
    assert outcome.status == DeletionStatus.FAILED
    assert str(outcome.error) == (
        "the profile has neither a CleverTap ID nor an identity to delete it by"
    )
    assert outcome.profile is not None and outcome.profile.email == "a@example.com"
    assert fake.requests_to(DELETE) == []


async def test_access_goes_on_to_the_identity_when_the_email_finds_nobody(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_profiles(count=4, start=START, end=END, event_names=["Charged"])
    fake.seed_events("Charged", count=20, start=START, end=END, users=4)
    [result] = await ct.privacy.access(
        email="nobody@example.com", identity="user-3", start=START, end=END
    )
    assert (result.profile.identity, result.found_by) == ("user-3", ("identity",))


async def test_access_passes_parallel_to_the_export(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.seed_profiles(count=2, start=START, end=END, event_names=["Charged"])
    fake.seed_events("Charged", count=20, start=START, end=END, users=2)
    await ct.privacy.access(identity="user-1", start=START, end=END, parallel=3)
    creations = [r for r in fake.requests_to(EVENTS, "POST") if r.body]
    assert len(creations) == 5  # one cursor per day of the window


@pytest.mark.parametrize(
    ("method", "call", "message"),
    [
        (
            "access",
            {"identity": "u", "start": START, "end": END, "event_names": []},
            "event_names must name at least one event (None: every event the profiles did)",
        ),
        (
            "access",
            {"start": START, "end": END},
            "name at least one subject: an email or an identity",
        ),
        ("delete", {}, "name at least one subject: an email or an identity"),
        ("delete", {"identities": ["u"], "polling": 5}, "polling must be a CountPolling, got int"),
    ],
)
async def test_refused_input_says_why(
    fake: FakeCleverTap, ct: CleverTap, method: str, call: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        await getattr(ct.privacy, method)(**call)
    assert str(raised.value) == message
    assert fake.requests == []


def test_a_profile_is_matched_by_each_of_its_keys() -> None:
    profile = ExportedProfile(identity="u-1", email="a@example.com", object_id="__g")
    assert _keys(profile) == {("objectId", "__g"), ("identity", "u-1"), ("email", "a@example.com")}
    assert _keys(ExportedProfile(identity="", email="", object_id="__g")) == {("objectId", "__g")}


def test_only_non_empty_string_ids_are_clevertap_ids() -> None:
    devices = ({"objectId": ""}, {"objectId": 7}, {"objectId": "-i"}, {"objectId": "__g"})
    profile = ExportedProfile(object_id="__g", platform_info=devices)
    assert _guids(profile) == ("__g", "-i")


def test_a_summary_naming_a_profile_by_something_else_than_text_matches_nothing() -> None:
    owner = {("identity", "u-1"): 0, ("objectId", "__g"): 1}
    assert _owner_of({"identity": ["u-1"], "objectId": "__g"}, owner) == 1
    assert _owner_of({"identity": {"u": 1}}, owner) is None
    assert _owner_of("u-1", owner) is None


def test_the_target_error_names_what_is_missing() -> None:
    error = _target(ExportedProfile(email="a@example.com"))
    assert isinstance(error, CleverTapError)
    assert str(error) == "the profile has neither a CleverTap ID nor an identity to delete it by"
