"""The fake's own pieces, exactly: its repr, the legacy client options, the request log filter,
profiles that disappear on its clock, the day limit, reproducible seeds, the credentials and cap
answers, the raw bytes of its faults, and the admin API's answers."""

from __future__ import annotations

import asyncio
import io
import logging
import signal
import time
from typing import Any

import aiohttp
import orjson
import pytest

from clevertap_async import RetryPolicy
from clevertap_async._protocol import NO_BACKOFF, Backoff
from clevertap_async.testing import DEFAULT_ACCOUNT_ID, FakeCleverTap
from clevertap_async.testing._faults import FaultInjector
from tests.fake._http import HEADERS
from tests.samples import BULLETIN
from tests.samples import BULLETIN_BODY as GOOD

ADMIN = "/__fake__/"


async def post(
    http: aiohttp.ClientSession, fake: FakeCleverTap, path: str, body: Any, **headers: str
) -> tuple[int, Any, dict[str, str]]:
    async with http.post(fake.url + path, json=body, headers=headers) as r:
        return r.status, await r.json(content_type=None), dict(r.headers)


async def test_the_repr_says_where_it_listens() -> None:
    fake = FakeCleverTap(account_id="ACC-1")
    assert repr(fake) == "<FakeCleverTap stopped account_id='ACC-1'>"
    async with fake:
        assert repr(fake) == f"<FakeCleverTap {fake.url} account_id='ACC-1'>"
        assert fake.port > 0
    assert repr(fake) == "<FakeCleverTap stopped account_id='ACC-1'>"


def test_the_legacy_client_options_become_a_retry_policy(fake: FakeCleverTap) -> None:
    custom = Backoff(initial=1.5, maximum=3.0)
    assert fake.client(max_retries=1)._transport.retry == Backoff().to_policy(1)
    assert fake.client(backoff=custom)._transport.retry == custom.to_policy(3)
    assert fake.client(backoff=NO_BACKOFF, max_retries=0)._transport.retry == RetryPolicy.no_wait(0)
    plain = RetryPolicy(max_retries=5)
    assert fake.client(retry=plain)._transport.retry == plain


async def test_requests_to_filters_by_path_and_method(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    await post(http, fake, BULLETIN, GOOD)
    async with http.get(fake.url + BULLETIN) as r:
        assert r.status == 405
    await post(http, fake, "/1/other.json", {})
    assert [r.method for r in fake.requests_to(BULLETIN)] == ["POST", "GET"]
    assert [r.method for r in fake.requests_to(BULLETIN, "GET")] == ["GET"]
    assert [r.path for r in fake.requests_to("/1/other.json", "POST")] == ["/1/other.json"]
    assert fake.requests_to("/1/none.json") == []


def test_profiles_disappear_on_the_fakes_clock() -> None:
    fake = FakeCleverTap()
    now = [1_000.0]
    fake.clock = lambda: now[0]
    fake.visibility_delay = 10
    fake.forget_profiles("identity", ["u-1"])
    fake.forget_profiles("guid", ["g-1"])
    assert not fake.is_profile_gone(identity="u-1")
    now[0] = 1_005.0
    fake.forget_profiles("identity", ["u-1"])  # asked again: the first time stands
    now[0] = 1_010.0
    assert fake.is_profile_gone(identity="u-1")
    assert fake.is_profile_gone(object_id="g-1")
    assert fake.is_profile_gone(identity="other", object_id="g-1")
    assert not fake.is_profile_gone(identity="g-1")  # kinds do not mix
    assert not fake.is_profile_gone(object_id="u-1")
    assert not fake.is_profile_gone()


def test_known_events_and_the_day_limit() -> None:
    fake = FakeCleverTap()
    assert not fake.knows_event("A")
    fake.daily_counts["A"] = 1
    fake.known_events.add("B")
    assert (fake.knows_event("A"), fake.knows_event("B"), fake.knows_event("C")) == (
        True,
        True,
        False,
    )
    fake.clock = lambda: 1_769_860_800.0  # 2026-01-31 12:00 UTC
    assert fake.query_day_limit() == 20260201
    fake.clock = lambda: 1_769_903_999.0  # 2026-01-31 23:59:59 UTC
    assert fake.query_day_limit() == 20260201


def decisions(faults: FaultInjector) -> list[bool]:
    faults.inject("status", rate=0.5)
    return [faults.decide("GET", "/x").action is not None for _ in range(40)]


def test_a_seed_makes_the_faults_and_the_data_reproducible() -> None:
    assert decisions(FakeCleverTap().faults) == decisions(FaultInjector(0))  # the default seed
    first, second = FakeCleverTap(seed=3), FakeCleverTap(seed=3)
    assert decisions(first.faults) == decisions(second.faults) == decisions(FaultInjector(3))
    first.reset()
    assert decisions(first.faults) == decisions(FaultInjector(3))
    for fake in (first, second):
        fake.seed_events("Charged", count=5, start=20260101, end=20260102, users=3)
    assert list(first.seeded.select_events("Charged", 20260101, 20260102)) == list(
        second.seeded.select_events("Charged", 20260101, 20260102)
    )


async def test_a_body_of_several_megabytes_is_read(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    records = [
        {"type": "event", "identity": f"u{n}", "evtName": "V", "evtData": {"s": "x" * 500}}
        for n in range(1000)
    ]
    body = io.BytesIO(orjson.dumps({"d": records, "pad": "y" * 3_000_000}))
    headers = {"Content-Type": "application/json"}
    async with http.post(fake.url + "/1/upload", data=body, headers=headers) as r:
        assert (r.status, (await r.json())["processed"]) == (200, 1000)


async def test_wrong_credentials_say_which(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    status, body, _ = await post(http, fake, BULLETIN, GOOD, **{"X-CleverTap-Account-Id": "nope"})
    assert (status, body) == (
        401,
        {"status": "fail", "error": "Account ID is not valid", "code": 401},
    )
    status, body, _ = await post(http, fake, BULLETIN, GOOD, **{"X-CleverTap-Passcode": "nope"})
    assert (status, body) == (401, {"status": "fail", "error": "Invalid Credentials", "code": 401})


async def test_the_in_flight_count_comes_back_to_zero(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    for _ in range(3):
        assert (await post(http, fake, BULLETIN, GOOD))[0] == 200
    assert fake.max_in_flight[BULLETIN] == 1
    fake.faults.inject("latency", seconds=0.3, path=BULLETIN)
    answers = await asyncio.gather(*(post(http, fake, BULLETIN, GOOD) for _ in range(5)))
    assert sorted(status for status, _, _ in answers) == [200, 200, 200, 429, 429]
    assert (fake.max_in_flight[BULLETIN], fake.throttled[BULLETIN]) == (3, 2)


async def test_a_status_fault_says_when_to_come_back(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.faults.inject("status", status=429, retry_after=2.5, times=1)
    fake.faults.inject("status", status=503, times=1)
    status, _, headers = await post(http, fake, BULLETIN, GOOD)
    assert (status, headers["Retry-After"]) == (429, "2.5")
    status, _, headers = await post(http, fake, BULLETIN, GOOD)
    assert status == 503 and "Retry-After" not in headers


async def raw_post(fake: FakeCleverTap, path: str, body: bytes) -> tuple[bytes, bytes]:
    """Send one request on a bare socket; return the head and the body bytes until the close."""
    reader, writer = await asyncio.open_connection(fake.host, fake.port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {fake.host}\r\nContent-Type: application/json\r\n"
        f"X-CleverTap-Account-Id: {HEADERS['X-CleverTap-Account-Id']}\r\n"
        f"X-CleverTap-Passcode: {HEADERS['X-CleverTap-Passcode']}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    answer_head, _, answer_body = data.partition(b"\r\n\r\n")
    return answer_head, answer_body


async def test_a_truncated_answer_sends_half_its_declared_body(fake: FakeCleverTap) -> None:
    full = orjson.dumps({"status": "success"})
    fake.faults.inject("truncate", times=1)
    head, body = await raw_post(fake, BULLETIN, orjson.dumps(GOOD))
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK"
    assert f"Content-Length: {len(full)}" in lines
    assert "Content-Type: application/json" in lines or any(
        line.startswith("Content-Type: application/json") for line in lines
    )
    assert body == full[: len(full) // 2]
    assert fake.requests[0].fault == "truncate"


async def test_a_truncated_error_keeps_its_status(fake: FakeCleverTap) -> None:
    _, full = await raw_post(fake, BULLETIN, b"{}")
    fake.faults.inject("truncate", times=1)
    head, body = await raw_post(fake, BULLETIN, b"{}")
    assert head.decode().split("\r\n")[0] == "HTTP/1.1 400 Bad Request"
    assert body == full[: len(full) // 2]


async def test_the_admin_api_answers(fake: FakeCleverTap, http: aiohttp.ClientSession) -> None:
    status, body, _ = await post(http, fake, ADMIN + "faults", {"kind": "status", "status": 502})
    assert status == 200
    assert body["status"] == "success"
    assert (body["rule"]["kind"], body["rule"]["status"]) == ("status", 502)
    status, body, _ = await post(http, fake, ADMIN + "faults", {"kind": "status", "colour": 1})
    assert status == 400
    assert body["error"].startswith("bad fault rule: ")
    async with http.delete(fake.url + ADMIN + "faults") as r:
        assert (r.status, await r.json()) == (200, {"status": "success"})
    upload = {"type": "event", "identity": "u", "evtName": "V", "evtData": {}}
    token = {"type": "token", "objectId": "o", "tokenData": {"id": "t", "type": "fcm"}}
    profile = {"type": "profile", "identity": "p", "profileData": {"Name": "N"}}
    await post(http, fake, "/1/upload", {"d": [upload, token, profile]})
    async with http.get(fake.url + ADMIN + "uploads") as r:
        assert await r.json() == {"events": [upload], "profiles": [profile], "tokens": [token]}
    async with http.post(fake.url + ADMIN + "reset") as r:
        assert (r.status, await r.json()) == (200, {"status": "success"})
    assert fake.uploaded_events == [] and fake.requests == []


@pytest.mark.parametrize("account", [DEFAULT_ACCOUNT_ID])
def test_store_upload_keeps_tokens(account: str) -> None:
    fake = FakeCleverTap(account_id=account)
    token = {"type": "token", "objectId": "o", "tokenData": {"id": "t", "type": "fcm"}}
    fake.store_upload(token)
    assert fake.uploaded_tokens == [token]


async def first_cursor(fake: FakeCleverTap, http: aiohttp.ClientSession) -> str:
    query = {"event_name": "Charged", "from": 20260101, "to": 20260101}
    status, body, _ = await post(http, fake, "/1/events.json?batch_size=10", query)
    assert status == 200
    return str(body["cursor"])


async def test_a_seed_makes_the_cursors_reproducible(http: aiohttp.ClientSession) -> None:
    cursors = []
    for _ in range(2):
        async with FakeCleverTap(seed=5) as fake:
            fake.seed_events("Charged", count=3, start=20260101, end=20260101)
            cursors.append(await first_cursor(fake, http))
    assert cursors[0] == cursors[1]


async def test_default_fakes_listen_on_free_ports_side_by_side() -> None:
    idle = FakeCleverTap()
    assert (idle.port, idle.seed) == (0, 0)
    with pytest.raises(RuntimeError, match="not running"):
        idle.url  # noqa: B018
    await idle.stop()  # stopping a fake never started is fine
    async with FakeCleverTap() as first, FakeCleverTap() as second:
        assert first.port != second.port
        assert first.url == f"http://127.0.0.1:{first.port}"


async def test_a_request_without_a_body_has_no_json(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    async with http.get(fake.url + "/1/profile.json?identity=nobody") as r:
        assert r.status == 404
    [request] = fake.requests
    assert (request.body, request.json()) == (b"", None)


async def test_a_fault_for_one_method_fires_for_it(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.faults.inject("status", status=503, method="get", path=BULLETIN)
    async with http.get(fake.url + BULLETIN) as r:
        assert r.status == 503
    assert (await post(http, fake, BULLETIN, GOOD))[0] == 200


async def test_a_reply_drops_the_headers_about_its_own_framing(fake: FakeCleverTap) -> None:
    framing = {
        "Transfer-Encoding": "chunked",
        "Connection": "upgrade-x",
        "Content-Encoding": "gzip",
        "Content-Length": "999",
        "X-Kept": "yes",
    }
    fake.faults.inject("reply", status=202, body={"ok": 1}, headers=framing)
    head, body = await raw_post(fake, BULLETIN, b"{}")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 202 Accepted"
    assert "X-Kept: yes" in lines
    assert "Content-Length: 8" in lines
    for gone in ("Transfer-Encoding: chunked", "Connection: upgrade-x", "Content-Encoding: gzip"):
        assert gone not in lines
    assert body == b'{"ok":1}'


def test_the_day_limit_is_read_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeCleverTap()
    fake.clock = lambda: 1_769_860_800.0  # 2026-01-31 12:00 UTC, 2026-02-01 02:00 at UTC+14
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        assert fake.query_day_limit() == 20260201
    finally:
        monkeypatch.undo()
        time.tzset()


async def test_the_fake_leaves_signals_and_access_logs_alone(
    caplog: pytest.LogCaptureFixture, http: aiohttp.ClientSession
) -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with caplog.at_level(logging.DEBUG, logger="aiohttp.access"):
        async with FakeCleverTap() as fake:
            assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
            await post(http, fake, BULLETIN, GOOD)
    assert [r for r in caplog.records if r.name == "aiohttp.access"] == []


async def test_a_body_over_64_mib_is_refused(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    body = io.BytesIO(b" " * (64 * 1024**2 + 1))
    async with http.post(fake.url + "/1/upload", data=body) as r:
        assert r.status == 413


async def test_the_fake_listens_on_its_host_only() -> None:
    async with FakeCleverTap() as fake:
        # Every 127.x address reaches this machine; only the one the fake was given answers.
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.2", fake.port)
        _, writer = await asyncio.open_connection("127.0.0.1", fake.port)
        writer.close()
        await writer.wait_closed()
