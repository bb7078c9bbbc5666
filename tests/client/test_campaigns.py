"""Campaigns against the fake: create, estimate, list, report, stop, and sends to named users."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from clevertap_async import (
    APIFailure,
    BadRequestError,
    CleverTap,
    NotFoundError,
    Recipients,
    ValidationError,
)
from clevertap_async.models import CampaignEstimate
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCampaign, FakeCleverTap

RESULT = "/1/targets/result.json"

PUSH = {"title": "Sale", "body": "30% off"}
WHERE = {"event_name": "Charged", "from": date(2026, 1, 1), "to": 20260131}


async def test_create_sends_the_documented_body(fake: FakeCleverTap, ct: CleverTap) -> None:
    created = await ct.campaigns.create(
        name="Winter sale",
        channel="push",
        content=PUSH,
        where=WHERE,
        when=datetime(2026, 2, 1, 9, 30),
        devices=["android", "ios"],
        respect_frequency_caps=True,
        labels=["sale"],
    )
    assert created.id in fake.campaigns
    assert created.estimates == {"android": 10, "ios": 10}
    assert fake.requests[0].json() == {
        "name": "Winter sale",
        "target_mode": "push",
        "when": "20260201 09:30",
        "content": PUSH,
        "where": {"event_name": "Charged", "from": 20260101, "to": 20260131},
        "devices": ["android", "ios"],
        "labels": ["sale"],
        "respect_frequency_caps": True,
    }
    assert fake.campaigns[created.id].status == "scheduled"


async def test_estimate_creates_nothing(fake: FakeCleverTap, ct: CleverTap) -> None:
    reach = await ct.campaigns.estimate(
        name="probe", channel="webpush", content=PUSH, segment="all"
    )
    assert isinstance(reach, CampaignEstimate)
    assert (reach.estimates, reach.total) == ({"web": 10}, 10)
    assert fake.campaigns == {}
    [request] = fake.requests
    assert request.path == "/1/targets/create.json"
    assert request.json()["estimate_only"] is True


async def test_estimate_id_is_deprecated(ct: CleverTap) -> None:
    reach = await ct.campaigns.estimate(name="probe", content=PUSH, devices=["ios"])
    assert reach.estimates == {"ios": 10}
    with pytest.warns(DeprecationWarning, match="always None"):
        assert reach.id is None


async def test_the_fake_has_no_invented_estimate_endpoint(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    body = {"name": "n", "target_mode": "sms", "segment": "all", "content": {"body": "b"}}
    with pytest.raises(NotFoundError):
        await ct.request("POST", "/1/targets/estimate.json", json=body)
    assert fake.campaigns == {}


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ("fail", 200, "This target hasn't been completed"),
        ("no_result", 500, "This target has no result as of yet"),
        ("success_error", 200, "This target hasn't been completed"),
        ("conflict", 409, "This target hasn't been completed"),
    ],
)
async def test_every_unfinished_report_form_is_not_completed_after_one_request(
    fake: FakeCleverTap, form: str, status: int, message: str
) -> None:
    async with fake.client(retry=NO_WAIT_RETRIES) as ct:
        created = await ct.campaigns.create(name="N", content=PUSH)
        assert created.id is not None
        fake.campaigns[created.id].unfinished_form = form
        report = await ct.campaigns.report(created.id)
    assert (report.completed, report.result, report.message) == (False, {}, message)
    if form != "success_error":
        assert report.status == status
    assert len(fake.requests_to(RESULT)) == 1


async def test_no_audience_means_everyone_and_push_is_the_default(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    created = await ct.campaigns.create(name="All", content=PUSH, devices=["android"])
    body = fake.requests[0].json()
    assert "where" not in body and "segment" not in body
    assert body["target_mode"] == "push"
    assert created.estimates == {"android": 10}


async def test_the_fake_accepts_push_without_target_mode(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    body = {"name": "n", "content": PUSH, "devices": ["android", "ios"], "estimate_only": True}
    answer = await ct.request("POST", "/1/targets/create.json", json=body)
    assert answer == {"status": "success", "estimates": {"android": 10, "ios": 10}}


async def test_when_as_an_object_and_webhook_campaigns(fake: FakeCleverTap, ct: CleverTap) -> None:
    when = {"type": "later", "delivery_date_time": ["20260301 10:00"]}
    created = await ct.campaigns.create(
        name="Hook", channel="webhook", content={"key": "value"}, when=when
    )
    assert created.id is not None
    assert fake.requests[0].json()["when"] == when
    assert fake.requests[0].json()["target_mode"] == "webhook"
    assert fake.campaigns[created.id].status == "scheduled"
    assert fake.campaigns[created.id].start_date == 20260301


async def test_list_slices_ranges_over_31_days(fake: FakeCleverTap, ct: CleverTap) -> None:
    for n, day in enumerate((20260105, 20260215, 20260314)):
        fake.campaigns[n] = FakeCampaign(n, {"name": str(day)}, "scheduled", day)
    listed = await ct.campaigns.list(20260101, 20260315)
    assert [c["id"] for c in listed] == [0, 1, 2]
    windows = [(r.json()["from"], r.json()["to"]) for r in fake.requests]
    assert sorted(windows) == [
        (20260101, 20260131),
        (20260201, 20260303),
        (20260304, 20260315),
    ]


async def test_report_is_a_typed_state_until_the_campaign_completes(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    created = await ct.campaigns.create(
        name="Now", channel="sms", content={"body": "hi"}, segment="all"
    )
    assert created.id is not None
    pending = await ct.campaigns.report(created.id)
    assert (pending.completed, pending.result) == (False, {})
    assert pending.message == "This target hasn't been completed"
    fake.complete_campaign(created.id, sent=82, clicked=28)
    done = await ct.campaigns.report(created.id)
    assert (done.completed, done.result) == (True, {"sent": 82, "clicked": 28})


async def test_report_of_an_unknown_campaign_raises(ct: CleverTap) -> None:
    with pytest.raises(BadRequestError, match="Invalid campaign id"):
        await ct.campaigns.report(42)


async def test_stop_and_list(fake: FakeCleverTap, ct: CleverTap) -> None:
    created = await ct.campaigns.create(
        name="Later",
        channel="email",
        content={"subject": "S", "body": "B", "sender_name": "Shop"},
        segment="all",
        when="20260115 10:00",
    )
    assert created.id is not None
    await ct.campaigns.stop(created.id)
    await ct.campaigns.stop(created.id)  # already stopped: still a success
    assert fake.campaigns[created.id].status == "stopped"
    listed = await ct.campaigns.list(date(2026, 1, 1), 20260131)
    assert listed == [
        {"id": created.id, "name": "Later", "status": "stopped", "start_date": 20260115}
    ]
    assert await ct.campaigns.list(20260201, 20260228) == []
    with pytest.raises(BadRequestError, match="Invalid campaign id"):
        await ct.campaigns.stop(7)


async def test_the_fake_refuses_both_where_and_segment(fake: FakeCleverTap, ct: CleverTap) -> None:
    body = {"name": "n", "target_mode": "sms", "segment": "all", "where": {}, "content": {"b": 1}}
    with pytest.raises(BadRequestError, match="Only one of where or segment"):
        await ct.request("POST", "/1/targets/create.json", json=body)
    assert fake.campaigns == {}


def test_recipients_refuse_a_lone_string() -> None:
    with pytest.raises(ValidationError, match="lists of strings, got the string 'u1'"):
        Recipients(identities="u1")


async def test_send_uses_the_capitalised_to_keys(fake: FakeCleverTap, ct: CleverTap) -> None:
    answer = await ct.campaigns.send(
        "push",
        Recipients(identities=["u1"], emails=("a@example.com",), object_ids=["__g1"]),
        PUSH,
        tag_group="orders",
    )
    assert answer["message"] == "Added to queue for processing"
    assert fake.sends == [
        {
            "channel": "push",
            "to": {"Identity": ["u1"], "Email": ["a@example.com"], "objectId": ["__g1"]},
            "content": PUSH,
            "tag_group": "orders",
        }
    ]


async def test_the_fake_refuses_lower_case_to_keys(ct: CleverTap) -> None:
    with pytest.raises(BadRequestError, match="Invalid key in to: identity"):
        await ct.request(
            "POST", "/1/send/sms.json", json={"to": {"identity": ["u"]}, "content": {"body": "x"}}
        )


async def test_a_fail_body_other_than_not_completed_still_raises(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    created = await ct.campaigns.create(
        name="X", channel="sms", content={"body": "b"}, segment="all"
    )
    assert created.id is not None
    # HTTP 200 with "status": "fail" and some other error text
    fake.faults.inject("status", status=200, times=1, path="/1/targets/result.json")
    with pytest.raises(APIFailure):
        await ct.campaigns.report(created.id)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "name must be a non-empty string"),
        ({"channel": "fax"}, "channel must be one of"),
        ({"content": {"title": "only"}}, "content.body must be a non-empty string"),
        ({"content": "hello"}, "content must be an object"),
        ({"segment": "all"}, "pass at most one of where= or segment="),
        (
            {"where": {"event_name": "X", "from": 20260105, "to": 20260101}},
            "where.from 2026-01-05 is after where.to 2026-01-01",
        ),
        ({"where": {"event_name": "X", "from": 20260105}}, "where.to must be a datetime.date"),
        ({"when": "tomorrow"}, 'when must be "now", "YYYYMMDD HH:MM"'),
        ({"when": {"delivery_date_time": []}}, "when.type must be a non-empty string"),
        ({"when": "20261340 10:00"}, "when must be"),
        ({"when": datetime(2026, 2, 1, tzinfo=UTC)}, "when must be a naive datetime"),
        ({"devices": ["blackberry"]}, r"devices\[0\] must be one of"),
        ({"respect_frequency_caps": "yes"}, "respect_frequency_caps must be a bool"),
        ({"labels": "sale"}, "labels must be a list of strings"),
    ],
)
async def test_bad_campaigns_are_refused_before_sending(
    fake: FakeCleverTap, ct: CleverTap, change: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"name": "N", "channel": "push", "content": PUSH, "where": WHERE}
    arguments.update(change)
    with pytest.raises(ValidationError, match=message):
        await ct.campaigns.create(**arguments)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ct: ct.campaigns.report(0), "campaign_id must be a positive int"),
        (lambda ct: ct.campaigns.stop("123"), "campaign_id must be a positive int"),
        (lambda ct: ct.campaigns.list(20260102, 20260101), "after end"),
        (lambda ct: ct.campaigns.send("push", Recipients(), PUSH), "to names no recipient"),
        (
            lambda ct: ct.campaigns.send("push", {"Identity": ["u"]}, PUSH),
            "to must be a Recipients",
        ),
        (
            lambda ct: ct.campaigns.send("whatsapp", Recipients(["u"]), PUSH),
            "channel must be one of",
        ),
        (
            lambda ct: ct.campaigns.send(
                "push",
                Recipients(identities=["u", 5]),  # type: ignore[list-item]
                PUSH,
            ),
            r"to\.identities\[1\] must be a non-empty string",
        ),
        (lambda ct: ct.campaigns.send("email", Recipients(["u"]), PUSH), "content.subject"),
    ],
)
async def test_bad_campaign_calls_are_refused_before_sending(
    fake: FakeCleverTap, ct: CleverTap, call: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        await call(ct)
    assert fake.requests == []
