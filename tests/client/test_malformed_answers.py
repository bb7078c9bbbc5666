"""Whatever a server answers, the client returns data or raises a typed error: never a bare
KeyError, TypeError or aiohttp exception. Fuzzed with hypothesis over a real socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import orjson
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clevertap_async import (
    CleverTap,
    CleverTapError,
    MalformedResponseError,
    ResponseTooLargeError,
    RetryPolicy,
    UploadReport,
)


@attrs.define
class Answer:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    chunked: bool = False


@attrs.define
class Scripted:
    """A server that answers whatever the test scripted last."""

    answer: Answer = attrs.Factory(Answer)
    url: str = ""
    #: When set, what a POST answers (an export's cursor creation), leaving GETs to ``answer``.
    post_answer: Answer | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        answer = self.answer
        if request.method == "POST" and self.post_answer is not None:
            answer = self.post_answer
        if answer.chunked:
            response = web.StreamResponse(status=answer.status)
            response.content_type = answer.content_type
            response.enable_chunked_encoding()
            await response.prepare(request)
            for start in range(0, len(answer.body), 4096):
                await response.write(answer.body[start : start + 4096])
            await response.write_eof()
            return response
        return web.Response(
            status=answer.status, body=answer.body, headers={"Content-Type": answer.content_type}
        )


@pytest.fixture
async def scripted(aiohttp_server: Any) -> Scripted:
    server = Scripted()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    server.url = str((await aiohttp_server(app)).make_url(""))
    return server


@pytest.fixture
async def client(scripted: Scripted) -> AsyncIterator[CleverTap]:
    async with CleverTap(
        "ACC",
        "passcode-123",
        base_url=scripted.url,
        retry=RetryPolicy.no_wait(0),
        max_response_bytes=200_000,
    ) as ct:
        yield ct


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["success", "fail", "partial", 1, None, ["fail"]]),
        "error": json_values,
        "code": json_values,
        "records": json_values,
        "next_cursor": json_values,
    },
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(orjson.dumps),
    envelopes.map(orjson.dumps),
    envelopes.map(lambda e: orjson.dumps(e)[: max(1, len(orjson.dumps(e)) // 2)]),
)
answers = st.builds(
    Answer,
    status=st.sampled_from([200, 201, 202, 204, 301, 400, 401, 403, 404, 405, 409, 429, 500, 503]),
    body=bodies,
    content_type=st.sampled_from(
        ["application/json", "text/html", "text/plain", "application/xml"]
    ),
    chunked=st.booleans(),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(answer=answers)
async def test_any_answer_is_data_or_a_typed_error(
    scripted: Scripted, client: CleverTap, answer: Answer
) -> None:
    if answer.status == 204:
        answer.body = b""
    scripted.answer = answer
    try:
        result = await client.request("POST", "/1/anything.json", json={})
    except CleverTapError as error:
        failure = str(error)
    else:
        failure = ""
    if failure:
        assert "passcode-123" not in failure
        return
    assert isinstance(result, dict)
    assert result.get("status") != "fail"
    assert 200 <= answer.status < 300


@pytest.mark.parametrize("chunked", [False, True])
async def test_huge_bodies_are_refused_unread(
    scripted: Scripted, client: CleverTap, chunked: bool
) -> None:
    scripted.answer = Answer(
        body=b'{"status":"success","pad":"' + b"x" * 300_000 + b'"}', chunked=chunked
    )
    with pytest.raises(ResponseTooLargeError, match="over the 200,000-byte limit"):
        await client.request("GET", "/1/x")


async def test_a_body_just_under_the_limit_is_read(scripted: Scripted, client: CleverTap) -> None:
    pad = "x" * 150_000
    scripted.answer = Answer(body=orjson.dumps({"status": "success", "pad": pad}), chunked=True)
    assert (await client.request("GET", "/1/x"))["pad"] == pad


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_not(
    scripted: Scripted, client: CleverTap, chunked: bool
) -> None:
    envelope = b'{"status":"success","pad":""}'
    pad = "x" * (200_000 - len(envelope))
    body = orjson.dumps({"status": "success", "pad": pad})
    assert len(body) == 200_000
    scripted.answer = Answer(body=body, chunked=chunked)
    assert (await client.request("GET", "/1/x"))["pad"] == pad
    scripted.answer = Answer(
        body=orjson.dumps({"status": "success", "pad": pad + "x"}), chunked=chunked
    )
    with pytest.raises(ResponseTooLargeError) as caught:
        await client.request("GET", "/1/x")
    error = caught.value
    assert str(error) == (
        "GET /1/x: HTTP 200: the response body is over the 200,000-byte limit (max_response_bytes)"
    )
    assert (error.status, error.body, error.method, error.path) == (200, None, "GET", "/1/x")


async def test_html_error_pages_keep_their_text(scripted: Scripted, client: CleverTap) -> None:
    scripted.answer = Answer(status=502, body=b"<html>Bad Gateway</html>", content_type="text/html")
    with pytest.raises(CleverTapError) as info:
        await client.request("GET", "/1/x")
    assert "Bad Gateway" in str(info.value)


async def test_wrong_content_type_with_json_is_still_json(
    scripted: Scripted, client: CleverTap
) -> None:
    scripted.answer = Answer(body=b'{"status":"success","count":3}', content_type="text/plain")
    assert await client.request("GET", "/1/x") == {"status": "success", "count": 3}


async def test_empty_success_body_is_malformed(scripted: Scripted, client: CleverTap) -> None:
    scripted.answer = Answer(body=b"")
    with pytest.raises(MalformedResponseError, match="an empty body"):
        await client.request("GET", "/1/x")


FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
export_records = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "ts": json_values | st.integers(20260101000000, 20261231235959),
            "event_props": json_values,
            "session_props": json_values,
            "profile": json_values,
        },
    )
    | json_values,
    max_size=4,
)
pages = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["success", "partial", "fail", 7, None]),
        "records": export_records | json_values,
        "next_cursor": st.sampled_from(["c2", "", "c1"]) | json_values,
        "cursor": json_values,
        "code": st.sampled_from([1, 2, 3, "2"]) | json_values,
        "error": json_values,
    },
)
cursor_answers = st.fixed_dictionaries(
    {"status": st.sampled_from(["success", "partial"])},
    optional={"cursor": st.sampled_from(["c1"]) | json_values},
)


@FUZZ
@given(page=pages, created=cursor_answers, raw=st.booleans())
async def test_any_export_page_is_records_or_a_typed_error(
    scripted: Scripted, client: CleverTap, page: dict[str, Any], created: Any, raw: bool
) -> None:
    scripted.post_answer = Answer(body=orjson.dumps(created))
    scripted.answer = Answer(body=orjson.dumps(page))
    typed = client.events.stream("Charged", 20260101, 20260102)
    stream: Any = typed.raw() if raw else typed
    try:
        records = [record async for record in stream]
    except CleverTapError:
        return
    # A missing or null `records` is an empty page (empty ranges omit it); anything else must be a list.
    sent = page.get("records")
    sent = [] if sent is None else sent
    assert isinstance(sent, list)
    assert len(records) == len(sent)


unprocessed_entries = st.fixed_dictionaries(
    {},
    optional={
        "code": st.sampled_from([513, 555]) | json_values,
        "error": st.sampled_from(["Skipped record number : 1", "Skipped record number : 9"])
        | json_values,
        "record": st.fixed_dictionaries({"identity": st.sampled_from(["u0", "u1"])}) | json_values,
    },
)
upload_answers = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["success", "partial", "fail", 0]),
        "processed": st.integers(-1, 4) | json_values,
        "unprocessed": st.lists(unprocessed_entries | json_values, max_size=3) | json_values,
        "code": json_values,
        "error": json_values,
    },
)


@FUZZ
@given(answer=upload_answers, status=st.sampled_from([200, 400, 500]))
async def test_any_upload_answer_keeps_the_accounting(
    scripted: Scripted, client: CleverTap, answer: dict[str, Any], status: int
) -> None:
    scripted.answer = Answer(status=status, body=orjson.dumps(answer))
    records = [{"identity": f"u{n}", "evtName": "Viewed", "evtData": {"n": n}} for n in range(3)]
    report: UploadReport = await client.events.upload(records)
    assert report.accepted + len(report.rejected) + len(report.undelivered) == 3
    assert 0 <= report.accepted <= 3
    assert all(isinstance(u.error, CleverTapError) for u in report.undelivered)
    assert all(isinstance(r.code, int) and isinstance(r.error, str) for r in report.rejected)
    assert sorted(
        [r.position for r in report.rejected] + [u.position for u in report.undelivered]
    ) == sorted({r.position for r in report.rejected} | {u.position for u in report.undelivered})
