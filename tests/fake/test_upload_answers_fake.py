"""The fake's POST /1/upload, record by record: the exact code and text of each refusal, the edges
of each rule (a value exactly at a limit passes), the event names an account refuses, and the
request-level refusals."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from clevertap_async.testing import FakeCleverTap
from tests.fake._http import HEADERS

EVENT = {"type": "event", "identity": "u1", "evtName": "Viewed", "evtData": {"a": 1}}
TOKEN = {"type": "token", "objectId": "o", "tokenData": {"id": "t", "type": "fcm"}}
LONG_KEY = "k" * 121


async def post(fake: FakeCleverTap, body: Any, query: str = "") -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.url}/1/upload{query}", json=body, headers=HEADERS) as r,
    ):
        return r.status, await r.json(content_type=None)


def event(**changes: Any) -> dict[str, Any]:
    return {**EVENT, **changes}


def profile(**data: Any) -> dict[str, Any]:
    return {"type": "profile", "identity": "p1", "profileData": data}


def token(**data: Any) -> dict[str, Any]:
    return {"type": "token", "objectId": "o", "tokenData": data}


REFUSED = [
    (5, 524, "Data is neither event nor profile. "),
    (event(type="thing"), 524, "Data is neither event nor profile. "),
    (event(evtName=" "), 509, "Event name is mandatory. "),
    (
        event(evtName="App Launched"),
        513,
        "Event Name is incorrect. ErrorCode: 513 - Trying to raise a restricted system event. ",
    ),
    (event(identity=""), 523, "Missing identity. "),
    (event(ts=True), 525, "Timestamp should be present in the Unix Epoch format. "),
    (event(ts=10**11), 525, "Timestamp should be present in the Unix Epoch format. "),
    (event(evtData="x"), 512, "Invalid event structure. "),
    (event(evtData={f"k{i}": i for i in range(257)}), 522, "Event properties limit exceeded. "),
    (event(evtData={"a.b": 1}), 512, "Invalid event structure: bad key a.b. "),
    (event(evtData={LONG_KEY: 1}), 512, f"Invalid event structure: bad key {'k' * 30}. "),
    (event(evtData={"s": "x" * 513}), 512, "Invalid event structure: value of s is too long. "),
    (event(evtData={"Items": [1]}), 512, "Invalid event structure: Items must be a scalar. "),
    (
        event(evtName="Charged", evtData={"Other": [1]}),
        512,
        "Invalid event structure: Other must be a scalar. ",
    ),
    (profile(Name="x" * 513), 512, "Profile data is incorrect: value of Name is too long. "),
    ({**profile(), "profileData": "x"}, 524, "Data is neither event nor profile. "),
    (profile(**{"a#b": 1}), 512, "Profile data is incorrect: bad key a#b. "),
    (profile(Phone="12345"), 516, "Profile data is incorrect. Phone number is not valid."),
    (profile(Age="old"), 520, "Profile data is incorrect. Age is invalid."),
    (profile(Age="X5"), 520, "Profile data is incorrect. Age is invalid."),
    (profile(Age="1.2.3"), 520, "Profile data is incorrect. Age is invalid."),
    (profile(Age=".5"), 520, "Profile data is incorrect. Age is invalid."),
    (profile(Age=True), 520, "Profile data is incorrect. Age is invalid."),
    (profile(Age=None), 520, "Profile data is incorrect. Age is invalid."),
    ({"type": "token", "tokenData": {"id": "t", "type": "fcm"}}, 530, "Invalid objectId. "),
    ({"type": "token", "objectId": "o", "tokenData": "t"}, 531, "Invalid token data. "),
    (token(type="fcm"), 532, "Token id is missing. "),
    (token(id="t"), 533, "Token type is missing. "),
    (token(id="t", type="sms"), 534, "Token type is not valid for this objectId. "),
    (
        token(id="t", type="chrome", keys={"p256dh": "k"}),
        535,
        "Invalid token data: chrome tokens need keys. ",
    ),
    (
        token(id="t", type="chrome", keys={"auth": "a"}),
        535,
        "Invalid token data: chrome tokens need keys. ",
    ),
]


@pytest.mark.parametrize(("record", "code", "text"), REFUSED)
async def test_each_refusal_has_its_code_and_text(
    fake: FakeCleverTap, record: Any, code: int, text: str
) -> None:
    status, body = await post(fake, {"d": [EVENT, record]})
    assert status == 200
    assert body == {
        "status": "partial",
        "processed": 1,
        "unprocessed": [
            {
                "status": "fail",
                "code": code,
                "error": f"{text}Skipped record number : 2",
                "record": record,
            }
        ],
    }


ACCEPTED = [
    event(ts=1),
    event(ts=1_700_000_000),
    event(ts=10**11 - 1),
    event(identity=0),
    event(evtData={f"k{i}": i for i in range(256)}),
    event(evtData={"k" * 120: 1, "f": 1.5, "s": "x" * 512, "e": "é" * 256}),
    event(evtName="Charged", evtData={"Items": [{"q": 1}]}),
    profile(Phone="+1234567", Age="18", Name="x" * 512),
    profile(Age="+18"),
    profile(Age="18.5"),
    profile(Age=" -4 "),
    profile(Age=30.5),
    token(id="t", type="chrome", keys={"p256dh": "k", "auth": "a"}),
]


@pytest.mark.parametrize("record", ACCEPTED)
async def test_records_at_the_edges_of_the_rules_are_accepted(
    fake: FakeCleverTap, record: dict[str, Any]
) -> None:
    status, body = await post(fake, {"d": [record]})
    assert (status, body) == (200, {"status": "success", "processed": 1, "unprocessed": []})


async def test_identities_are_echoed_as_text_and_other_fields_as_sent(fake: FakeCleverTap) -> None:
    record = {"type": "profile", "identity": 7, "objectId": None, "profileData": {"Age": "old"}}
    _, body = await post(fake, {"d": [record]})
    assert body["status"] == "fail"
    assert body["unprocessed"][0]["record"] == {**record, "identity": "7"}


async def test_names_the_account_refuses(fake: FakeCleverTap) -> None:
    fake.restricted_events.update({"Old  Signup", "app launched"})
    fake.discarded_events.add("Noise")
    records = [
        event(evtName="OldSignup"),  # whitespace does not count
        event(evtName="NOISE"),
        event(evtName="App Launched"),
        {**profile(Name="n"), "evtName": "Noise"},  # the names are about events only
        event(evtName="Fine"),
    ]
    _, body = await post(fake, {"d": records})
    assert [(e["code"], e["error"]) for e in body["unprocessed"]] == [
        (
            513,
            "Event Name is incorrect. ErrorCode: 513 - Trying to raise a restricted system event. "
            "Skipped record number : 1",
        ),
        (
            528,
            "Event Name is incorrect. ErrorCode: 528 - Discarded event raised. "
            "Skipped record number : 2",
        ),
        (
            513,
            "Event Name is incorrect. ErrorCode: 513 - Trying to raise a restricted system event. "
            "Skipped record number : 3",
        ),
    ]
    assert body["processed"] == 2


async def test_transient_failures_are_spent_one_record_at_a_time(fake: FakeCleverTap) -> None:
    fake.transient_record_failures = 2
    _, body = await post(fake, {"d": [EVENT, EVENT, EVENT]})
    assert [(e["code"], e["error"]) for e in body["unprocessed"]] == [
        (555, "Miscellaneous server error. Skipped record number : 1"),
        (555, "Miscellaneous server error. Skipped record number : 2"),
    ]
    assert body["status"] == "partial"
    assert fake.transient_record_failures == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"d": {}}, "Malformed request: d must be a list of records"),
        ({"d": [EVENT] * 1001}, "Max 1000 records are allowed per call"),
        ({"d": [TOKEN] * 101}, "Max 100 token records are allowed per call"),
    ],
)
async def test_request_refusals(fake: FakeCleverTap, body: Any, message: str) -> None:
    status, answer = await post(fake, body)
    assert (status, answer) == (400, {"status": "fail", "error": message, "code": 400})


@pytest.mark.parametrize(("query", "stored"), [("?dryRun=1", 0), ("?dryRun=true", 0), ("", 1)])
async def test_dry_runs_store_nothing(fake: FakeCleverTap, query: str, stored: int) -> None:
    status, _ = await post(fake, {"d": [EVENT, TOKEN]}, query)
    assert status == 200
    assert (len(fake.uploaded_events), len(fake.uploaded_tokens)) == (stored, stored)
    assert fake.uploaded_tokens == [TOKEN] * stored


async def test_an_uploaded_profile_is_found_by_email_with_its_email(fake: FakeCleverTap) -> None:
    data = {"Email": "jack@example.com", "Name": "Jack"}
    await post(fake, {"d": [{"type": "profile", "identity": "u-1", "profileData": data}]})
    await post(fake, {"d": [{"type": "profile", "identity": "u-2", "profileData": {"Name": "N"}}]})
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        async with session.get(f"{fake.url}/1/profile.json?email=jack@example.com") as r:
            by_email = await r.json()
        async with session.get(f"{fake.url}/1/profile.json?identity=u-2") as r:
            no_email = await r.json()
    assert by_email == {
        "status": "success",
        "record": {"identity": "u-1", "email": "jack@example.com", "profileData": data},
    }
    assert no_email == {
        "status": "success",
        "record": {"identity": "u-2", "profileData": {"Name": "N"}},
    }


async def test_a_profile_is_upserted_by_its_first_identifier_with_a_value(
    fake: FakeCleverTap,
) -> None:
    record = {"type": "profile", "identity": "", "objectId": "o1", "profileData": {"A": 1}}
    status, body = await post(fake, {"d": [record]})
    assert (status, body["status"]) == (200, "success")
    assert list(fake.uploaded_profiles) == ["objectId:o1"]
    fake.store_upload({"type": "profile", "profileData": {"B": 2}})  # no identifier at all
    assert fake.uploaded_profiles[""] == {"type": "profile", "profileData": {"B": 2}}


async def test_an_email_no_uploaded_profile_has_is_not_found(fake: FakeCleverTap) -> None:
    data = {"Email": "jack@example.com"}
    await post(fake, {"d": [{"type": "profile", "identity": "u-1", "profileData": data}]})
    async with (
        aiohttp.ClientSession(headers=HEADERS) as session,
        session.get(f"{fake.url}/1/profile.json?email=jill@example.com") as r,
    ):
        assert (r.status, await r.json()) == (
            404,
            {"status": "fail", "error": "No profile found", "code": 404},
        )
