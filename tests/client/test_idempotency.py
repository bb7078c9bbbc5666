"""Calls that push messages are never sent twice: retried only when the server provably did not act."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from clevertap_async import (
    APIConnectionError,
    CleverTap,
    NotFoundError,
    RateLimitError,
    Recipients,
    RequestOutcomeUnknownError,
    RetryPolicy,
    ServerError,
)
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap
from tests.conftest import BULLETIN, BULLETIN_BODY, RecordingSleep

PUSH = {"title": "Sale", "body": "30% off"}

Call = Callable[[CleverTap], Awaitable[Any]]


async def _create(ct: CleverTap) -> Any:
    return await ct.campaigns.create(name="Sale", channel="push", content=PUSH, segment="all")


async def _send(ct: CleverTap) -> Any:
    return await ct.campaigns.send("push", Recipients(identities=["u1"]), PUSH)


async def _trigger(ct: CleverTap) -> Any:
    return await ct.bulletins.trigger(
        business_event="Sale", name="Sale", properties={"code": "X"}, created_by="a@example.com"
    )


async def _raw_post(ct: CleverTap) -> Any:
    return await ct.request("POST", BULLETIN, json=BULLETIN_BODY)


def _stored(fake: FakeCleverTap) -> int:
    return len(fake.campaigns) + len(fake.sends) + len(fake.bulletins)


#: Each call that is not safe to repeat, and the path it posts to.
UNSAFE: list[tuple[str, Call, str]] = [
    ("campaigns.create", _create, "/1/targets/create.json"),
    ("campaigns.send", _send, "/1/send/push.json"),
    ("bulletins.trigger", _trigger, BULLETIN),
    ("request POST", _raw_post, BULLETIN),
]
IDS = [name for name, _, _ in UNSAFE]


@pytest.mark.parametrize(("name", "call", "path"), UNSAFE, ids=IDS)
async def test_a_lost_answer_is_not_retried_and_says_the_server_may_have_acted(
    fake: FakeCleverTap, ct: CleverTap, name: str, call: Call, path: str
) -> None:
    fake.faults.inject("lost_response", times=1, path=path)
    with pytest.raises(RequestOutcomeUnknownError, match="may have acted") as info:
        await call(ct)
    assert (info.value.method, info.value.path) == ("POST", path)
    assert isinstance(info.value.__cause__, APIConnectionError)
    assert len(fake.requests_to(path)) == 1
    assert _stored(fake) == 1  # the server did act: a retry would have sent it twice


@pytest.mark.parametrize(("name", "call", "path"), UNSAFE, ids=IDS)
async def test_a_429_before_processing_is_retried_and_stores_once(
    fake: FakeCleverTap, ct: CleverTap, name: str, call: Call, path: str
) -> None:
    rule = fake.faults.inject("status", status=429, times=2, path=path)
    await call(ct)
    assert rule.fired == 2
    assert len(fake.requests_to(path)) == 3
    assert _stored(fake) == 1


@pytest.mark.parametrize(("name", "call", "path"), UNSAFE, ids=IDS)
async def test_a_5xx_other_than_503_is_an_unknown_outcome(
    fake: FakeCleverTap, ct: CleverTap, name: str, call: Call, path: str
) -> None:
    fake.faults.inject("status", status=503, times=1, path=path)  # refused: retried
    fake.faults.inject("status", status=500, times=1, path=path)  # the handler failed: not
    with pytest.raises(RequestOutcomeUnknownError, match="HTTP 500") as info:
        await call(ct)
    assert isinstance(info.value.__cause__, ServerError)
    assert len(fake.requests_to(path)) == 2


async def test_a_dropped_connection_is_not_retried_either(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    # The fake dropped it before its handler ran, but the client cannot tell that from a lost answer.
    fake.faults.inject("drop", times=1, path=BULLETIN)
    with pytest.raises(RequestOutcomeUnknownError):
        await _trigger(ct)
    assert len(fake.requests_to(BULLETIN)) == 1


async def test_an_idempotent_post_is_retried_after_a_lost_answer(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.faults.inject("lost_response", times=1, path=BULLETIN)
    answer = await ct.request("POST", BULLETIN, json=BULLETIN_BODY, idempotent=True)
    assert answer == {"status": "success"}
    assert len(fake.requests_to(BULLETIN)) == 2
    assert len(fake.bulletins) == 2  # what idempotent=True on a call that is not would cost


async def test_reads_are_retried_after_a_lost_answer_by_default(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.faults.inject("lost_response", times=1, path="/1/profile.json")
    with pytest.raises(NotFoundError):  # the second attempt got the answer: no such profile
        await ct.request("GET", "/1/profile.json", params={"email": "nobody@example.com"})
    assert len(fake.requests_to("/1/profile.json")) == 2


async def test_a_refused_connection_is_retried_even_for_a_push(
    recording_sleep: RecordingSleep,
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request: nothing listens there
    policy = RetryPolicy(max_retries=2, initial_delay=1.0, jitter=False)
    async with CleverTap(
        "a", "p", base_url=f"http://127.0.0.1:{port}", retry=policy, _sleep=recording_sleep
    ) as ct:
        with pytest.raises(APIConnectionError) as info:
            await _trigger(ct)
    assert type(info.value) is APIConnectionError
    assert info.value.request_sent is False
    assert recording_sleep.delays == [1.0, 2.0]


async def test_a_retry_after_over_the_cap_raises_at_once(
    fake: FakeCleverTap, recording_sleep: RecordingSleep
) -> None:
    fake.faults.inject("status", status=429, times=1, retry_after=120, path=BULLETIN)
    async with fake.client(_sleep=recording_sleep) as ct:
        with pytest.raises(RateLimitError) as info:
            await _trigger(ct)
    assert info.value.retry_after == 120
    assert info.value.headers["Retry-After"] == "120"
    assert recording_sleep.delays == []
    assert len(fake.requests_to(BULLETIN)) == 1


async def test_a_retry_after_under_the_cap_is_waited(
    fake: FakeCleverTap, recording_sleep: RecordingSleep
) -> None:
    fake.faults.inject("status", status=429, times=1, retry_after=7, path=BULLETIN)
    async with fake.client(_sleep=recording_sleep) as ct:
        await _trigger(ct)
    assert recording_sleep.delays == [7.0]
    assert len(fake.bulletins) == 1


async def test_retry_can_be_chosen_per_call(fake: FakeCleverTap) -> None:
    fake.faults.inject("status", status=503, times=1)
    async with fake.client(retry=NO_WAIT_RETRIES) as ct:
        with pytest.raises(ServerError):
            await ct.request(
                "GET", "/1/profile.json", params={"identity": "x"}, retry=RetryPolicy(max_retries=0)
            )
    assert len(fake.requests) == 1


async def test_api_errors_keep_the_response_headers(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.faults.inject("status", status=404, times=1)
    with pytest.raises(NotFoundError) as info:
        await ct.request("GET", "/1/profile.json", params={"identity": "x"})
    headers = info.value.headers
    assert isinstance(headers, dict)
    assert headers["Content-Type"].startswith("application/json")
    assert all("Passcode" not in name for name in headers)
