"""Profile delete, demerge, disassociate and subscriptions against the fake: chunked, accounted for."""

from __future__ import annotations

from typing import Any

import pytest

from clevertap_async import BadRequestError, CleverTap, PermissionDeniedError, ValidationError
from clevertap_async.testing import FakeCleverTap

DELETE = "/1/delete/profiles.json"


async def test_delete_by_identity_is_chunked_by_100(fake: FakeCleverTap, ct: CleverTap) -> None:
    ids = [f"user-{n}" for n in range(250)]
    result = await ct.profiles.delete(identities=ids)
    assert result.ok
    assert [(chunk.start, len(chunk.values)) for chunk in result.chunks] == [
        (0, 100),
        (100, 100),
        (200, 50),
    ]
    sent = sorted(v for r in fake.requests_to(DELETE) for v in r.json()["identity"])
    assert sent == sorted(ids)
    assert all(set(r.json()) == {"identity"} for r in fake.requests)
    assert fake.max_in_flight[DELETE] <= 3
    assert fake.is_profile_gone(identity="user-249")
    assert not fake.is_profile_gone(identity="someone-else")


async def test_delete_by_guid(fake: FakeCleverTap, ct: CleverTap) -> None:
    result = await ct.profiles.delete(guids=["__g1", "__g2"])
    assert result.ok
    assert fake.requests[0].json() == {"guid": ["__g1", "__g2"]}
    assert fake.is_profile_gone(object_id="__g2")
    assert not fake.is_profile_gone(identity="__g2")


async def test_deletes_become_visible_after_the_delay(fake: FakeCleverTap, ct: CleverTap) -> None:
    now = [1000.0]
    fake.clock = lambda: now[0]
    fake.visibility_delay = 30
    await ct.profiles.demerge(["jack@example.com"])
    assert not fake.is_profile_gone(identity="jack@example.com")
    now[0] += 30
    assert fake.is_profile_gone(identity="jack@example.com")


async def test_a_failed_chunk_is_reported_and_the_others_still_go(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.faults.inject("status", status=403, times=1, path=DELETE)
    ids = [f"u{n}" for n in range(150)]
    result = await ct.profiles.delete(identities=ids)
    assert not result.ok
    [failed] = [chunk for chunk in result.chunks if not chunk.ok]
    assert isinstance(failed.error, PermissionDeniedError)
    assert result.failed == list(failed.values)
    delivered = [v for chunk in result.chunks if chunk.ok for v in chunk.values]
    assert sorted(delivered + result.failed) == sorted(ids)


async def test_reset_forgets_deletes_and_subscriptions(fake: FakeCleverTap, ct: CleverTap) -> None:
    await ct.profiles.delete(identities=["u1"])
    await ct.subscriptions.unsubscribe(emails=["a@example.com"])
    fake.reset()
    assert not fake.is_profile_gone(identity="u1")
    assert fake.subscriptions == {}
    assert fake.requests == []


async def test_demerge_is_chunked_by_100(fake: FakeCleverTap, ct: CleverTap) -> None:
    result = await ct.profiles.demerge([f"id{n}" for n in range(101)])
    assert [len(chunk.values) for chunk in result.chunks] == [100, 1]
    assert all(set(r.json()) == {"identities"} for r in fake.requests)


async def test_disassociate_is_chunked_by_1000(fake: FakeCleverTap, ct: CleverTap) -> None:
    phones = [f"+9191{n:08d}" for n in range(1001)]
    result = await ct.profiles.disassociate(phones)
    assert result.ok
    assert [len(chunk.values) for chunk in result.chunks] == [1000, 1]
    assert fake.requests[0].json()["d"][0] == {"type": "phone", "value": phones[0]}
    assert sorted(fake.disassociated) == phones
    assert result.chunks[1].response == {"status": "success", "processed": 1, "unprocessed": []}


async def test_unsubscribe_and_resubscribe(fake: FakeCleverTap, ct: CleverTap) -> None:
    await ct.subscriptions.unsubscribe(emails=["a@example.com"], phones=["+14155550123"])
    assert fake.subscriptions == {
        ("email", "a@example.com"): "Unsubscribe",
        ("phone", "+14155550123"): "Unsubscribe",
    }
    result = await ct.subscriptions.resubscribe(emails=["a@example.com"])
    assert result.ok
    assert fake.subscriptions[("email", "a@example.com")] == "Resubscribe"
    assert fake.requests[-1].json() == {
        "d": [{"type": "email", "value": "a@example.com", "status": "Resubscribe"}]
    }


async def test_subscriptions_are_chunked_by_1000(fake: FakeCleverTap, ct: CleverTap) -> None:
    emails = [f"u{n}@example.com" for n in range(1500)]
    result = await ct.subscriptions.unsubscribe(emails=emails)
    assert [len(chunk.values) for chunk in result.chunks] == [1000, 500]
    assert len(fake.subscriptions) == 1500


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ct: ct.profiles.delete(), "exactly one of identities= or guids="),
        (lambda ct: ct.profiles.delete(identities=["a"], guids=["b"]), "exactly one of"),
        (lambda ct: ct.profiles.delete(identities=[]), "identities must not be empty"),
        (lambda ct: ct.profiles.delete(identities="abc"), "identities must be a list of strings"),
        (lambda ct: ct.profiles.delete(guids=["a", 3]), r"guids\[1\] must be a non-empty string"),
        (lambda ct: ct.profiles.demerge([""]), r"identities\[0\] must be a non-empty"),
        (lambda ct: ct.profiles.disassociate(["919244142334"]), r"phones\[0\] must be a phone"),
        (lambda ct: ct.profiles.disassociate([]), "phones must not be empty"),
        (lambda ct: ct.subscriptions.unsubscribe(), "at least one email or phone number"),
        (lambda ct: ct.subscriptions.unsubscribe(emails=["nope"]), r"emails\[0\] must be an email"),
        (lambda ct: ct.subscriptions.resubscribe(phones=[None]), r"phones\[0\] must be a phone"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    fake: FakeCleverTap, ct: CleverTap, call: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        await call(ct)
    assert fake.requests == []
    if "[" in message:
        assert caught.value.position is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"identity": ["a"], "guid": ["b"]}, "Exactly one of identity or guid"),
        ({"identity": [f"u{n}" for n in range(101)]}, "Max 100 are allowed"),
    ],
)
async def test_the_fake_refuses_what_the_api_refuses(
    ct: CleverTap, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(BadRequestError, match=message):
        await ct.request("POST", DELETE, json=body)
