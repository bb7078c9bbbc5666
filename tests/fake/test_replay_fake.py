"""The fake's ``reply`` fault: a recorded answer served exactly, once, without processing."""

from __future__ import annotations

import aiohttp

from clevertap_async.testing import FakeCleverTap
from tests.fake.test_fake_server import HEADERS, http
from tests.samples import BULLETIN, BULLETIN_BODY

__all__ = ["http"]


async def test_a_reply_is_served_verbatim_then_the_endpoint_answers_again(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    text = '{ "status" : "fail" , "error" : "Account ID is not valid" , "code" : 401}'
    fake.faults.inject(
        "reply",
        status=401,
        body=text,
        headers={"Vary": "Accept-Encoding", "Content-Length": "999"},
        path=BULLETIN,
        times=1,
    )
    for expected in ((401, text), (200, '{"status":"success"}')):
        async with http.post(fake.url + BULLETIN, json=BULLETIN_BODY, headers=HEADERS) as response:
            assert (response.status, await response.text()) == expected
            assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    assert [r.fault for r in fake.requests] == ["reply", None]
    assert len(fake.bulletins) == 1  # the replayed request was not processed


async def test_a_reply_body_may_be_json_data(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.faults.inject("reply", status=500, body={"status": "fail", "code": 500}, times=1)
    async with http.post(fake.url + BULLETIN, json=BULLETIN_BODY, headers=HEADERS) as response:
        assert (response.status, await response.json()) == (500, {"status": "fail", "code": 500})
