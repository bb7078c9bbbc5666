"""The fake's campaign endpoints as the real API answers them, driven with bare aiohttp."""

from __future__ import annotations

import aiohttp

from clevertap_async.testing import FakeCleverTap
from tests.fake.test_fake_server import http, post

__all__ = ["http"]

CREATE = "/1/targets/create.json"
RESULT = "/1/targets/result.json"
PUSH = {"name": "n", "content": {"title": "t", "body": "b"}}


async def test_unfinished_reports_take_the_four_real_forms_in_turn(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    answers = []
    for _ in range(5):
        status, created = await post(http, fake, CREATE, PUSH)
        assert status == 200
        answers.append(await post(http, fake, RESULT, {"id": created["id"]}))
    not_completed = "This target hasn't been completed"
    assert answers == [
        (200, {"status": "fail", "error": not_completed}),
        (500, {"status": "fail", "error": "This target has no result as of yet", "code": 500}),
        (200, {"status": "success", "error": not_completed, "code": 200}),
        (409, {"status": "fail", "error": not_completed, "code": 409}),
        (200, {"status": "fail", "error": not_completed}),
    ]


async def test_one_form_can_be_chosen_for_every_campaign(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    fake.unfinished_report_forms = ("no_result",)
    for _ in range(2):
        _, created = await post(http, fake, CREATE, PUSH)
        assert (await post(http, fake, RESULT, {"id": created["id"]}))[0] == 500
    fake.complete_campaign(created["id"], sent=3)
    assert await post(http, fake, RESULT, {"id": created["id"]}) == (
        200,
        {"status": "success", "result": {"sent": 3}},
    )


async def test_estimates_go_through_create_and_create_nothing(
    fake: FakeCleverTap, http: aiohttp.ClientSession
) -> None:
    status, answer = await post(http, fake, CREATE, {**PUSH, "estimate_only": True})
    assert (status, answer) == (200, {"status": "success", "estimates": {"android": 10, "ios": 10}})
    assert (await post(http, fake, "/1/targets/estimate.json", PUSH))[0] == 404
    assert fake.campaigns == {}
