"""The fake server itself, driven with bare aiohttp so that the client's code is not under test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from clevertap_async.testing import DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE, FakeCleverTap, FaultKind
from tests.conftest import BULLETIN
from tests.conftest import BULLETIN_BODY as GOOD

HEADERS = {"X-CleverTap-Account-Id": DEFAULT_ACCOUNT_ID, "X-CleverTap-Passcode": DEFAULT_PASSCODE}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    http: aiohttp.ClientSession, fake: FakeCleverTap, path: str, body: Any, **headers: str
) -> tuple[int, Any]:
    async with http.post(fake.url + path, json=body, headers={**HEADERS, **headers}) as response:
        return response.status, await response.json(content_type=None)


async def test_credentials_are_checked_with_the_documented_body(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    status, body = await post(http, fake, BULLETIN, GOOD, **{"X-CleverTap-Account-Id": "nope"})
    assert (status, body) == (
        401,
        {"status": "fail", "error": "Account ID is not valid", "code": 401},
    )
    status, body = await post(http, fake, BULLETIN, GOOD, **{"X-CleverTap-Passcode": "nope"})
    assert status == 401
    assert fake.bulletins == []


async def test_unknown_paths_and_methods_answer_in_clevertap_shape(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    assert await post(http, fake, "/1/nothing.json", {}) == (
        404,
        {"status": "fail", "error": "Not found", "code": 404},
    )
    async with http.get(fake.url + BULLETIN, headers=HEADERS) as response:
        assert response.status == 405
        assert (await response.json(content_type=None))["code"] == 405


async def test_concurrency_cap_answers_429(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.faults.inject("latency", seconds=0.05)
    results = await asyncio.gather(*(post(http, fake, BULLETIN, GOOD) for _ in range(8)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 3 + [429] * 5
    rejected = [body for status, body in results if status == 429]
    assert rejected[0] == {"status": "fail", "error": "Too many concurrent requests", "code": 429}
    assert fake.max_in_flight[BULLETIN] == 3
    assert len(fake.bulletins) == 3
    async with http.get(fake.url + "/__fake__/stats") as r:
        stats = await r.json()
    assert stats["throttled"] == {BULLETIN: 5}
    assert stats["max_in_flight"] == {BULLETIN: 3}


async def test_caps_are_configurable(http: aiohttp.ClientSession) -> None:
    async with FakeCleverTap(query_concurrency=5) as fake:
        fake.faults.inject("latency", seconds=0.05)
        results = await asyncio.gather(*(post(http, fake, BULLETIN, GOOD) for _ in range(7)))
    assert sorted(s for s, _ in results) == [200] * 5 + [429] * 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**GOOD, "business_event": ""}, "business_event is mandatory"),
        ({k: v for k, v in GOOD.items() if k != "name"}, "name is mandatory"),
        ({**GOOD, "c-by": "someone"}, "c-by must be the creator's email"),
        ({**GOOD, "properties": ["a"]}, "properties is mandatory"),
        ({**GOOD, "properties": {"n": 1}}, "Property 'n' must be a string"),
        ({**GOOD, "properties": {"k" * 121: "v"}}, "exceeds 120 characters"),
        ({**GOOD, "properties": {"k": "v" * 513}}, "exceeds 512 bytes"),
        ({**GOOD, "when": "later"}, 'when must be "now" or a UNIX timestamp'),
    ],
)
async def test_bulletin_validation(
    fake: FakeCleverTap, http: aiohttp.ClientSession, body: dict[str, Any], message: str
) -> None:
    status, answer = await post(http, fake, BULLETIN, body)
    assert status == 400
    assert message in answer["error"]
    assert fake.bulletins == []


async def test_not_json_is_a_400(fake: FakeCleverTap, http: aiohttp.ClientSession) -> None:
    async with http.post(fake.url + BULLETIN, data=b"{nope", headers=HEADERS) as response:
        assert response.status == 400


async def test_fault_by_count_rate_and_spacing(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    every_third = fake.faults.inject("status", status=500, every=3, path=BULLETIN)
    statuses = [(await post(http, fake, BULLETIN, GOOD))[0] for _ in range(9)]
    assert statuses == [200, 200, 500] * 3
    assert every_third.fired == 3
    fake.faults.clear()
    sometimes = fake.faults.inject("status", status=503, rate=0.5, times=4)
    statuses = [(await post(http, fake, BULLETIN, GOOD))[0] for _ in range(40)]
    assert statuses.count(503) == 4
    assert sometimes.fired == 4
    assert statuses.index(503) < 20  # at rate 0.5 the four firings come early (seeded)


async def test_faults_match_path_and_method(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.faults.inject("status", status=500, path="/1/other.json")
    assert (await post(http, fake, BULLETIN, GOOD))[0] == 200


async def test_drop_and_lost_response(fake: FakeCleverTap, http: aiohttp.ClientSession) -> None:
    fake.faults.inject(FaultKind.DROP, times=1)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post(http, fake, BULLETIN, GOOD)
    assert fake.bulletins == []  # dropped before processing
    fake.faults.inject(FaultKind.LOST_RESPONSE, times=1)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post(http, fake, BULLETIN, GOOD)
    assert len(fake.bulletins) == 1  # processed, answer lost
    assert [r.status for r in fake.requests] == [0, 0]
    assert [r.fault for r in fake.requests] == ["drop", "lost_response"]


async def test_truncated_body(fake: FakeCleverTap, http: aiohttp.ClientSession) -> None:
    fake.faults.inject("truncate", times=1)
    with pytest.raises(aiohttp.ClientPayloadError):
        await post(http, fake, BULLETIN, GOOD)


async def test_request_log_keeps_no_passcode(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    await post(http, fake, BULLETIN, GOOD)
    (record,) = fake.requests
    assert record.json() == GOOD
    assert record.account_id == DEFAULT_ACCOUNT_ID
    assert DEFAULT_PASSCODE not in repr(record)


async def test_admin_api_steers_a_fake_from_outside(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        fake.url + "/__fake__/faults", json={"kind": "status", "status": 502}
    ) as r:
        assert r.status == 200
    assert (await post(http, fake, BULLETIN, GOOD))[0] == 502
    async with http.post(fake.url + "/__fake__/faults", json={"kind": "explode"}) as r:
        assert r.status == 400
    async with http.delete(fake.url + "/__fake__/faults") as r:
        assert r.status == 200
    assert (await post(http, fake, BULLETIN, GOOD))[0] == 200
    async with http.get(fake.url + "/__fake__/stats") as r:
        stats = await r.json()
    assert stats["requests"] == 2
    assert stats["cpu_seconds"] > 0
    async with http.post(fake.url + "/__fake__/reset") as r:
        assert r.status == 200
    assert fake.requests == []


async def test_pytest_plugin_fixtures(
    fake_clevertap: FakeCleverTap, fake_clevertap_client: Any
) -> None:
    await fake_clevertap_client.bulletins.trigger(
        business_event="E", name="N", properties={}, created_by="x@y.z"
    )
    assert fake_clevertap.bulletins[0]["c-by"] == "x@y.z"


async def test_the_plugin_client_polls_counts_without_sleeping(
    fake_clevertap: FakeCleverTap, fake_clevertap_client: Any
) -> None:
    fake_clevertap.seed_events("Charged", count=9, start=20260101, end=20260103)
    fake_clevertap.count_partials = 3
    assert await fake_clevertap_client.events.count("Charged", 20260101, 20260103) == 9
    assert fake_clevertap_client._transport._sleep is not asyncio.sleep
