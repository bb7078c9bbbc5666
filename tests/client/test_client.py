"""The CleverTap client: configuration, lifecycle, the generic request, secrets."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from clevertap_async import (
    APIFailure,
    CleverTap,
    ClientStateError,
    ConfigurationError,
    ValidationError,
)
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap

PASSCODE = "fake-passcode"


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEVERTAP_ACCOUNT_ID", "ENV-ACC")
    monkeypatch.setenv("CLEVERTAP_PASSCODE", "env-pass")
    monkeypatch.setenv("CLEVERTAP_REGION", "sg1")
    ct = CleverTap()
    assert ct.account_id == "ENV-ACC"
    assert ct.base_url == "https://sg1.api.clevertap.com"
    monkeypatch.setenv("CLEVERTAP_BASE_URL", "http://127.0.0.1:1")
    assert CleverTap().base_url == "http://127.0.0.1:1"


def test_arguments_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEVERTAP_ACCOUNT_ID", "ENV-ACC")
    monkeypatch.setenv("CLEVERTAP_PASSCODE", "env-pass")
    assert CleverTap("ARG-ACC", "arg", "us1").base_url == "https://us1.api.clevertap.com"
    assert CleverTap("ARG-ACC", "arg").account_id == "ARG-ACC"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"passcode": "p"}, "set CLEVERTAP_ACCOUNT_ID"),
        ({"account_id": "a"}, "set CLEVERTAP_PASSCODE"),
        ({"account_id": "a", "passcode": "p", "region": "mars"}, "unknown region 'mars'"),
        ({"account_id": "a", "passcode": "p", "timeout": 0}, "timeout must be a positive number"),
        ({"account_id": "a", "passcode": "p", "retry": 3}, "retry must be a RetryPolicy"),
        ({"account_id": "a", "passcode": "p", "query_concurrency": 0}, "query_concurrency"),
        ({"account_id": "a", "passcode": "p", "rate_limit": -2}, "rate_limit"),
    ],
)
def test_bad_configuration_is_named(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        CleverTap(**kwargs)


def test_a_region_beside_a_base_url_is_still_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEVERTAP_BASE_URL", "http://127.0.0.1:9")
    with pytest.raises(ConfigurationError, match=r"unknown region 'mars'.*eu1, in1"):
        CleverTap("a", "p", region="mars")
    monkeypatch.setenv("CLEVERTAP_REGION", "mars")
    with pytest.raises(ConfigurationError, match="unknown region 'mars'"):
        CleverTap("a", "p")
    assert CleverTap("a", "p", region="in1").base_url == "http://127.0.0.1:9"


def test_repr_hides_the_passcode() -> None:
    ct = CleverTap("ACC-1", "top-secret-passcode", "in1")
    for text in (repr(ct), str(ct), repr(ct.__dict__), repr(vars(ct._transport))):
        assert "top-secret-passcode" not in text
    assert "ACC-1" in repr(ct)


async def test_use_before_open_and_after_close_is_refused(fake: FakeCleverTap) -> None:
    ct = fake.client(retry=NO_WAIT_RETRIES)
    with pytest.raises(ClientStateError, match="not open"):
        await ct.request("GET", "/1/x")
    async with ct:
        pass
    with pytest.raises(ClientStateError, match="closed"):
        await ct.request("GET", "/1/x")
    with pytest.raises(ClientStateError, match="closed"):
        async with ct:
            pass
    assert fake.requests == []


async def test_own_session_is_closed_and_a_given_one_is_not(fake: FakeCleverTap) -> None:
    async with fake.client() as ct:
        owned = ct._transport._session
        assert owned is not None and not owned.closed
    assert owned.closed

    async with aiohttp.ClientSession() as session:
        async with fake.client(session=session) as ct:
            await ct.bulletins.trigger(
                business_event="b", name="n", properties={}, created_by="a@b.co"
            )
        assert not session.closed
        async with session.post(f"{fake.url}/1/targets/trigger.json") as response:
            assert response.status == 401  # the session still works: it is the caller's


async def echo_app(aiohttp_server: Any) -> Any:
    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response(
            {
                "status": "success",
                "method": request.method,
                "query": request.rel_url.raw_query_string,
                "body": body.decode(),
                "content_type": request.headers.get("Content-Type"),
                "account": request.headers.get("X-CleverTap-Account-Id"),
            }
        )

    app = web.Application()
    app.router.add_route("*", "/1/echo", echo)
    return await aiohttp_server(app)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "get"])
async def test_generic_request_sends_each_method(aiohttp_server: Any, method: str) -> None:
    server = await echo_app(aiohttp_server)
    async with CleverTap("ACC", "p", base_url=str(server.make_url(""))) as ct:
        answer = await ct.request(method, "/1/echo", params={"id": 5, "on": True}, json={"k": "v"})
    assert answer["method"] == method.upper()
    assert answer["query"] == "id=5&on=true"
    assert answer["body"] == '{"k":"v"}'
    assert answer["content_type"].startswith("application/json")
    assert answer["account"] == "ACC"


async def test_generic_request_without_body_sends_no_content_type(aiohttp_server: Any) -> None:
    server = await echo_app(aiohttp_server)
    async with CleverTap("ACC", "p", base_url=str(server.make_url(""))) as ct:
        answer = await ct.request("GET", "/1/echo")
    assert answer["body"] == ""
    assert answer["content_type"] is None


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("TRACE", "/1/x"), {}, "unknown HTTP method"),
        (("GET", "1/x"), {}, "must start with '/'"),
        (("GET", "/1/x"), {"params": {"": 1}}, "non-empty strings"),
        (("GET", "/1/x"), {"params": {"a": 1, "a ": 2}}, "duplicate query parameter"),
        (("POST", "/1/x"), {"json": {"when": object()}}, "not JSON-serialisable"),
        (("POST", "/1/x"), {"json": {"v": float("inf")}}, "JSON cannot carry"),
    ],
)
async def test_bad_generic_requests_send_nothing(
    fake: FakeCleverTap, ct: CleverTap, args: tuple[str, str], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        await ct.request(*args, **kwargs)
    assert isinstance(ValidationError("x"), ValueError)
    assert fake.requests == []


async def test_200_with_fail_is_an_error(aiohttp_server: Any) -> None:
    async def report(request: web.Request) -> web.Response:
        return web.json_response({"status": "fail", "error": "This target hasn't been completed"})

    app = web.Application()
    app.router.add_post("/1/targets/result.json", report)
    server = await aiohttp_server(app)
    async with CleverTap("A", "passcode-123", base_url=str(server.make_url(""))) as ct:
        with pytest.raises(APIFailure, match="hasn't been completed"):
            await ct.request("POST", "/1/targets/result.json", json={"id": 1})


async def test_passcode_never_reaches_logs_or_errors(
    fake: FakeCleverTap, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.faults.inject("status", status=503, times=1)
    errors: list[str] = []
    async with fake.client(retry=NO_WAIT_RETRIES) as ct:
        try:
            await ct.request("POST", "/1/targets/trigger.json", json={"x": 1})
        except Exception as exc:
            errors.append(f"{exc!s} {exc!r} {getattr(exc, 'body', '')} {vars(exc)}")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "attempt 1/4 -> HTTP 503" in logged
    assert "retrying" in logged
    assert errors
    for text in [logged, *errors, repr(fake)]:
        assert PASSCODE not in text
