"""Privacy requests against the fake: access finds exactly a subject's events; deletes are verified."""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson
import pytest

from clevertap_async import (
    CleverTap,
    CleverTapError,
    CountPolling,
    DeletionStatus,
    ExportedProfile,
    ExportNotAllowedError,
    PrivacyAccessResult,
    RetryPolicy,
    ServerError,
    ValidationError,
)
from clevertap_async.resources.privacy import _target
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap
from tests.conftest import RecordingSleep

DELETE = "/1/delete/profiles.json"
EVENTS = "/1/events.json"
START, END = 20260101, 20260105
NAMES = ("App Launched", "Charged")


@pytest.fixture
def seeded(fake: FakeCleverTap) -> FakeCleverTap:
    # Six users; the events are spread over all of them, so each export holds others' events too.
    fake.seed_profiles(count=6, start=START, end=END, event_names=NAMES)
    fake.seed_events("Charged", count=120, start=START, end=END, users=6)
    fake.seed_events("App Launched", count=90, start=START, end=END, users=6)
    fake.seed_events("Charged", count=10, start=20251201, end=20251202, users=6)  # outside
    return fake


def seeded_events_of(fake: FakeCleverTap, identity: str) -> Counter[tuple[str, int, bytes]]:
    """What the fake seeded for one user in the window, read from its own store."""
    out: Counter[tuple[str, int, bytes]] = Counter()
    for name in NAMES:
        for rendered in fake.seeded.select_events(name, START, END):
            record = orjson.loads(rendered)
            if record["profile"]["identity"] == identity:
                out[name, record["ts"], orjson.dumps(record["event_props"])] += 1
    return out


def found_events(result: PrivacyAccessResult) -> Counter[tuple[str, int, bytes]]:
    return Counter(
        (name, event.raw_ts or 0, orjson.dumps(event.event_props))
        for name, events in result.events.items()
        for event in events
    )


def identities_in(result: PrivacyAccessResult) -> set[str]:
    return {
        e.raw_profile["identity"] for evs in result.events.values() for e in evs if e.raw_profile
    }


def cursor_creations(fake: FakeCleverTap) -> list[str]:
    return [r.json()["event_name"] for r in fake.requests_to(EVENTS, "POST") if r.body]


async def test_access_returns_exactly_the_subjects_events(
    seeded: FakeCleverTap, ct: CleverTap
) -> None:
    [result] = await ct.privacy.access(email="user2@example.com", start=START, end=END)
    assert result.profile.identity == "user-2"
    assert result.found_by == ("email",)
    assert identities_in(result) == {"user-2"}
    expected = seeded_events_of(seeded, "user-2")
    assert found_events(result) == expected  # nothing missed, nothing of anyone else's
    assert result.event_count == expected.total() > 0
    assert sorted(cursor_creations(seeded)) == sorted(NAMES)  # each name exported once


async def test_a_profile_found_by_email_and_identity_is_returned_once(
    seeded: FakeCleverTap, ct: CleverTap
) -> None:
    [result] = await ct.privacy.access(
        email="user3@example.com", identity="user-3", start=START, end=END
    )
    assert result.found_by == ("email", "identity")
    assert found_events(result) == seeded_events_of(seeded, "user-3")


async def test_two_profiles_share_one_export_per_event_name(
    seeded: FakeCleverTap, ct: CleverTap
) -> None:
    results = await ct.privacy.access(
        email="user1@example.com", identity="user-4", start=START, end=END
    )
    assert [r.profile.identity for r in results] == ["user-1", "user-4"]
    for result in results:
        identity = result.profile.identity
        assert identity is not None
        assert identities_in(result) == {identity}
        assert found_events(result) == seeded_events_of(seeded, identity)
    assert sorted(cursor_creations(seeded)) == sorted(NAMES)


async def test_event_names_narrow_the_exports(seeded: FakeCleverTap, ct: CleverTap) -> None:
    [result] = await ct.privacy.access(
        identity="user-0", start=START, end=END, event_names=["Charged"]
    )
    assert cursor_creations(seeded) == ["Charged"]
    expected = seeded_events_of(seeded, "user-0")
    assert found_events(result) == Counter({k: n for k, n in expected.items() if k[0] == "Charged"})
    assert list(result.events) == ["Charged"]


async def test_an_unknown_subject_finds_nothing_and_exports_nothing(
    seeded: FakeCleverTap, ct: CleverTap
) -> None:
    assert await ct.privacy.access(email="nobody@example.com", start=START, end=END) == []
    assert cursor_creations(seeded) == []


async def test_delete_is_verified_when_applied_at_once(
    seeded: FakeCleverTap, ct: CleverTap
) -> None:
    outcomes = await ct.privacy.delete(emails=["user1@example.com"], identities=["user-2", "x-9"])
    assert [(o.subject, o.kind, o.status) for o in outcomes] == [
        ("user1@example.com", "email", DeletionStatus.DELETED),
        ("user-2", "identity", "deleted"),
        ("x-9", "identity", "not_found"),
    ]
    assert outcomes[0].deleted_by == ("guid", ("__00000001-fake", "-00000001ios"))
    assert outcomes[2].profile is None and outcomes[2].deleted_by is None
    [request] = seeded.requests_to(DELETE)
    assert request.json() == {
        "guid": ["__00000001-fake", "-00000001ios", "__00000002-fake", "-00000002ios"]
    }
    assert await ct.profiles.get(identity="user-1") is None


async def test_one_profile_named_twice_is_deleted_once(
    seeded: FakeCleverTap, ct: CleverTap
) -> None:
    outcomes = await ct.privacy.delete(emails=["user4@example.com"], identities=["user-4"])
    assert [o.status for o in outcomes] == ["deleted", "deleted"]
    [request] = seeded.requests_to(DELETE)
    assert request.json() == {"guid": ["__00000004-fake", "-00000004ios"]}


def test_a_profile_without_a_clevertap_id_is_deleted_by_identity() -> None:
    assert _target(ExportedProfile(identity="u-1")) == ("identity", ("u-1",))
    assert _target(ExportedProfile(identity="u-1", object_id="__g")) == ("guid", ("__g",))
    assert isinstance(_target(ExportedProfile(email="a@example.com")), CleverTapError)
    assert _target(None) is None


async def test_nothing_is_deleted_when_no_subject_is_found(
    seeded: FakeCleverTap, ct: CleverTap
) -> None:
    [outcome] = await ct.privacy.delete(identities=["ghost"])
    assert outcome.status == "not_found"
    assert seeded.requests_to(DELETE) == []


async def test_still_visible_at_the_deadline_is_pending(
    seeded: FakeCleverTap, polling_ct: CleverTap, recording_sleep: RecordingSleep
) -> None:
    seeded.visibility_delay = 10_000
    polling = CountPolling(deadline=10, initial=1, maximum=4, multiplier=2)
    [outcome] = await polling_ct.privacy.delete(identities=["user-5"], polling=polling)
    assert outcome.status == DeletionStatus.PENDING
    assert outcome.error is None and outcome.deleted_by is not None
    assert recording_sleep.delays == [1, 2, 4]  # the next wait (4) would pass the deadline
    # One lookup before the delete, then one re-check after the delete and after each wait.
    assert len(seeded.requests_to("/1/profile.json")) == 1 + 1 + 3


async def test_deleted_once_the_fakes_clock_passes_the_delay(fake: FakeCleverTap) -> None:
    fake.seed_profiles(count=2, start=START, end=END)
    now = [1_000.0]
    fake.clock = lambda: now[0]
    fake.visibility_delay = 20

    async def advance(seconds: float) -> None:
        now[0] += seconds

    async with fake.client(retry=NO_WAIT_RETRIES, timeout=5, _sleep=advance) as ct:
        outcomes = await ct.privacy.delete(
            emails=["user0@example.com", "user1@example.com"], polling=CountPolling(deadline=60)
        )
    assert [o.status for o in outcomes] == ["deleted", "deleted"]
    assert 1_020 <= now[0] < 1_060


async def test_a_failed_delete_is_reported_with_its_error(fake: FakeCleverTap) -> None:
    fake.seed_profiles(count=1, start=START, end=END)
    fake.faults.inject("status", status=500, times=10, path=DELETE)
    async with fake.client(retry=RetryPolicy.no_wait(2), timeout=5) as ct:
        [outcome] = await ct.privacy.delete(identities=["user-0"])
    assert outcome.status == DeletionStatus.FAILED
    assert isinstance(outcome.error, ServerError)
    assert outcome.profile is not None and outcome.profile.identity == "user-0"
    assert len(fake.requests_to(DELETE)) == 3
    assert len(fake.requests_to("/1/profile.json")) == 1  # no re-check after a failed delete


@pytest.mark.parametrize(
    ("method", "call", "field"),
    [
        ("access", {"start": START, "end": END}, "email"),
        ("access", {"email": "not-an-email", "start": START, "end": END}, "email"),
        ("access", {"identity": " ", "start": START, "end": END}, "identity"),
        ("access", {"identity": "u", "start": END, "end": START}, "start"),
        ("access", {"identity": "u", "start": 20261340, "end": END}, "start"),
        ("access", {"identity": "u", "start": START, "end": END, "event_names": []}, "event_names"),
        (
            "access",
            {"identity": "u", "start": START, "end": END, "event_names": "Charged"},
            "event_names",
        ),
        ("access", {"identity": "u", "start": START, "end": END, "parallel": 0}, "parallel"),
        ("delete", {}, "email"),
        ("delete", {"emails": ["a@example.com", "nope"]}, "emails[1]"),
        ("delete", {"emails": "a@example.com"}, "emails"),
        ("delete", {"identities": [""]}, "identities[0]"),
        ("delete", {"identities": ["u"], "polling": 5}, "polling"),
    ],
)
async def test_bad_input_sends_nothing(
    fake: FakeCleverTap, ct: CleverTap, method: str, call: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        await getattr(ct.privacy, method)(**call)
    assert raised.value.field == field
    assert fake.requests == []


async def test_notification_events_in_the_summary_are_listed_not_exported(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.seed_profiles(count=3, start=START, end=END, event_names=["Charged", "Notification Sent"])
    fake.seed_events("Charged", count=30, start=START, end=END, users=3)
    fake.seed_events("Notification Sent", count=30, start=START, end=END, users=3)
    [result] = await ct.privacy.access(identity="user-1", start=START, end=END)
    assert result.not_exportable == ("Notification Sent",)
    assert list(result.events) == ["Charged"] and result.event_count > 0
    assert "Notification Sent" in result.profile.events  # its totals stay in the summary
    with pytest.raises(ExportNotAllowedError):
        await ct.privacy.access(
            identity="user-1", start=START, end=END, event_names=["Notification Sent"]
        )
