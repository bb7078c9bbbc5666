"""The fake's POST /1/upload, spoken to directly: codes, recorded messages, envelopes, limits, storage."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from clevertap_async import CleverTap
from clevertap_async.testing import DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE, FakeCleverTap

HEADERS = {"X-CleverTap-Account-Id": DEFAULT_ACCOUNT_ID, "X-CleverTap-Passcode": DEFAULT_PASSCODE}
EVENT = {"type": "event", "identity": "u1", "evtName": "Viewed", "evtData": {"a": 1}}


async def post(fake: FakeCleverTap, records: Any, query: str = "") -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.url}/1/upload{query}", json={"d": records}, headers=HEADERS) as r,
    ):
        return r.status, await r.json(content_type=None)


def profile(**data: Any) -> dict[str, Any]:
    return {"type": "profile", "identity": 4, "profileData": data}


async def test_all_accepted_is_success_and_stored(fake: FakeCleverTap) -> None:
    status, body = await post(fake, [EVENT, {**EVENT, "identity": "u2"}])
    assert (status, body) == (200, {"status": "success", "processed": 2, "unprocessed": []})
    assert [e["identity"] for e in fake.uploaded_events] == ["u1", "u2"]


async def test_partial_answer_uses_the_recorded_message_and_echo(fake: FakeCleverTap) -> None:
    status, body = await post(fake, [profile(Name="ok"), profile(Email="nope")])
    assert status == 200
    assert body["status"] == "partial"
    assert body["processed"] == 1
    [entry] = body["unprocessed"]
    assert entry["code"] == 515
    assert entry["error"] == (
        "Profile data is incorrect. Email is not valid.Skipped record number : 2"
    )
    assert entry["record"]["identity"] == "4"  # identities echoed as strings


async def test_none_accepted_is_fail(fake: FakeCleverTap) -> None:
    restricted = {**EVENT, "evtName": "app  LAUNCHED"}  # case- and whitespace-insensitive
    _, body = await post(fake, [restricted])
    assert body["status"] == "fail"
    assert body["processed"] == 0
    assert body["unprocessed"][0]["error"] == (
        "Event Name is incorrect. ErrorCode: 513 - Trying to raise a restricted system event. "
        "Skipped record number : 1"
    )
    assert fake.uploaded_events == []


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ({"type": "event", "identity": "u", "evtData": {}}, 509),
        ({**EVENT, "evtData": {"a.b": 1}}, 512),
        ({**EVENT, "evtData": {"k": [1]}}, 512),
        ({**EVENT, "evtData": {f"k{i}": i for i in range(257)}}, 522),
        ({"type": "event", "evtName": "X", "evtData": {}}, 523),
        ({**EVENT, "type": "thing"}, 524),
        ({**EVENT, "ts": 1_700_000_000_000}, 525),
        ({**EVENT, "ts": 0}, 525),
        (profile(Gender="X"), 514),
        (profile(Phone="12345"), 516),
        (profile(Phone="+123456"), 516),
        (profile(Phone="+01234567"), 516),
        (profile(Phone="+1234567890123456"), 516),
        (profile(Employed="yes"), 517),
        (profile(Education="PhD"), 518),
        (profile(Married=True), 519),
        (profile(Age="old"), 520),
        ({"type": "token", "tokenData": {"id": "t", "type": "fcm"}}, 530),
        ({"type": "token", "objectId": "o", "tokenData": "t"}, 531),
        ({"type": "token", "objectId": "o", "tokenData": {"type": "fcm"}}, 532),
        ({"type": "token", "objectId": "o", "tokenData": {"id": "t"}}, 533),
        ({"type": "token", "objectId": "o", "tokenData": {"id": "t", "type": "sms"}}, 534),
        ({"type": "token", "objectId": "o", "tokenData": {"id": "t", "type": "chrome"}}, 535),
    ],
)
async def test_documented_codes(fake: FakeCleverTap, record: dict[str, Any], code: int) -> None:
    _, body = await post(fake, [EVENT, record])
    [entry] = body["unprocessed"]
    assert entry["code"] == code
    assert entry["error"].endswith("Skipped record number : 2")


async def test_charged_items_may_be_a_list(fake: FakeCleverTap) -> None:
    charged = {**EVENT, "evtName": "Charged", "evtData": {"Items": [{"q": 1}]}}
    _, body = await post(fake, [charged])
    assert body["status"] == "success"


async def test_over_the_limits_is_400(fake: FakeCleverTap) -> None:
    status, _ = await post(fake, [EVENT] * 1001)
    assert status == 400
    token = {"type": "token", "objectId": "o", "tokenData": {"id": "t", "type": "fcm"}}
    status, _ = await post(fake, [token] * 101)
    assert status == 400
    status, body = await post(fake, [token] * 100)
    assert (status, body["processed"]) == (200, 100)
    assert len(fake.uploaded_tokens) == 100


async def test_dry_run_validates_without_storing(fake: FakeCleverTap) -> None:
    _, body = await post(fake, [EVENT, profile(Age="x")], "?dryRun=1")
    assert (body["status"], body["processed"]) == ("partial", 1)
    assert fake.uploaded_events == []


async def test_profiles_are_upserted_by_identity(fake: FakeCleverTap) -> None:
    await post(fake, [profile(Name="Jack", Age=30), profile(Age=31)])
    assert fake.uploaded_profiles == {
        "identity:4": {"type": "profile", "identity": 4, "profileData": {"Name": "Jack", "Age": 31}}
    }


async def test_transient_record_failures_are_555(fake: FakeCleverTap) -> None:
    fake.transient_record_failures = 1
    _, body = await post(fake, [EVENT, EVENT])
    assert [e["code"] for e in body["unprocessed"]] == [555]
    assert len(fake.uploaded_events) == 1
    fake.reset()
    assert fake.transient_record_failures == 0


async def test_an_uploaded_profile_can_be_fetched(fake: FakeCleverTap, ct: CleverTap) -> None:
    report = await ct.profiles.upload(
        [{"identity": "u-77", "profileData": {"Name": "Jack", "Email": "jack@example.com"}}]
    )
    assert report.accepted == 1
    by_identity = await ct.profiles.get(identity="u-77")
    by_email = await ct.profiles.get(email="jack@example.com")
    assert by_identity is not None and by_email is not None
    assert by_identity.profile_data == {"Name": "Jack", "Email": "jack@example.com"}
    assert by_email.identity == "u-77"
    assert await ct.profiles.get(identity="u-78") is None
