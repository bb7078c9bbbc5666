"""The fake's campaign endpoints: create (and estimate), list, result, stop, send to users.

A campaign made for ``"now"`` is ``running``, one for later ``scheduled``; ``fake.complete_campaign``
finishes it with figures. Until then its report answers "not completed" in one of the four ways the
real API was seen to (``UNFINISHED_FORMS``), chosen per campaign: by default the campaigns take the
forms in turn, so code tested against the fake meets all of them. Stopping an unknown ID fails;
stopping a stopped campaign succeeds and does nothing.

There is no estimate endpoint: an estimate is a create request with ``estimate_only: true``, which
answers the reach and creates nothing. ``target_mode`` may be left out for push, ``where`` and
``segment`` may both be left out (the whole user base), and ``when`` may be an object such as
``{"type": "later", "delivery_date_time": [...]}``. The answer for an unknown campaign ID is the
fake's own choice (the real one is not known).
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from typing import Any

import attrs
from aiohttp import web

from . import _wire
from ._keys import FAKE

CREATE = "/1/targets/create.json"
LIST = "/1/targets/list.json"
RESULT = "/1/targets/result.json"
STOP = "/1/targets/stop.json"
SEND_CHANNELS = ("push", "email", "sms", "webpush")
TARGET_MODES = {"push", "email", "sms", "webpush", "whatsapp", "webhook"}
TO_KEYS = {"FBID", "GPID", "Email", "Identity", "objectId"}
NOT_COMPLETED = "This target hasn't been completed"
NO_RESULT_YET = "This target has no result as of yet"
#: The ways the real API answers the report of a campaign that has not completed:
#: ``fail``: HTTP 200 ``{"status": "fail", "error": "This target hasn't been completed"}``;
#: ``no_result``: HTTP 500 ``{"status": "fail", "error": "This target has no result as of yet",
#: "code": 500}``; ``success_error``: HTTP 200 ``{"status": "success", "error": "...", "code": 200}``
#: with no result; ``conflict``: HTTP 409.
UNFINISHED_FORMS = ("fail", "no_result", "success_error", "conflict")
_WHEN = re.compile(r"^(\d{8}) \d{2}:\d{2}$")
_ids = itertools.count(1_457_433_898)


@attrs.define
class FakeCampaign:
    """A campaign the fake created.

    Attributes:
        id: its ID.
        body: the create request as sent.
        status: ``scheduled``, ``running``, ``completed`` or ``stopped``.
        start_date: its start day, ``YYYYMMDD``.
        result: its figures once completed.
        unfinished_form: how its report says "not completed" (one of ``UNFINISHED_FORMS``).
    """

    id: int
    body: dict[str, Any]
    status: str
    start_date: int
    result: dict[str, int] = attrs.field(factory=dict)
    unfinished_form: str = "fail"


def add_routes(app: web.Application) -> None:
    """Register the campaign endpoints."""
    app.router.add_post(CREATE, create)
    app.router.add_post(LIST, list_campaigns)
    app.router.add_post(RESULT, result)
    app.router.add_post(STOP, stop)
    for channel in SEND_CHANNELS:
        app.router.add_post(f"/1/send/{channel}.json", send)


def campaign_problem(body: dict[str, Any]) -> str | None:
    """Return the first documented rule a create request breaks, or None."""
    if not isinstance(body.get("name"), str) or not body["name"]:
        return "name is mandatory"
    if body.get("target_mode", "push") not in TARGET_MODES:
        return "Invalid target_mode"
    if "where" in body and "segment" in body:
        return "Only one of where or segment is allowed"
    if "where" in body and not isinstance(body["where"], dict):
        return "where must be an object"
    if not isinstance(body.get("content"), dict) or not body["content"]:
        return "content is mandatory"
    when = body.get("when", "now")
    if isinstance(when, dict):
        return None if isinstance(when.get("type"), str) else "when.type is mandatory"
    if when != "now" and not (isinstance(when, str) and _WHEN.match(when)):
        return 'when must be "now", "YYYYMMDD HH:MM" or an object'
    return None


def _estimates(body: dict[str, Any]) -> dict[str, int]:
    mode = body.get("target_mode", "push")
    if mode == "push":
        return {device: 10 for device in body.get("devices") or ("android", "ios")}
    return {"web" if mode == "webpush" else mode: 10}


async def _valid_campaign(request: web.Request) -> dict[str, Any]:
    body = await _wire.read_json_object(request)
    problem = campaign_problem(body)
    if problem:
        raise _wire.Refusal(_wire.fail(400, problem))
    return body


async def create(request: web.Request) -> web.Response:
    """Create a campaign, or only estimate it when ``estimate_only`` is true (then no ``id``)."""
    body = await _valid_campaign(request)
    if body.get("estimate_only") is True:
        return _wire.json_response({"status": "success", "estimates": _estimates(body)})
    fake = request.app[FAKE]
    when = body.get("when", "now")
    today = datetime.fromtimestamp(fake.clock(), UTC).strftime("%Y%m%d")
    later = _later_day(when)
    campaign = FakeCampaign(
        id=next(_ids),
        body=body,
        status="scheduled" if later or when != "now" else "running",
        start_date=int(later or today),
        unfinished_form=fake.unfinished_report_forms[
            len(fake.campaigns) % len(fake.unfinished_report_forms)
        ],
    )
    fake.campaigns[campaign.id] = campaign
    return _wire.json_response(
        {"status": "success", "id": campaign.id, "estimates": _estimates(body)}
    )


def _later_day(when: object) -> str | None:
    """The ``YYYYMMDD`` start day of a campaign for later, if its ``when`` names one."""
    if isinstance(when, dict):
        dates = when.get("delivery_date_time")
        when = dates[0] if isinstance(dates, list) and dates else None
    match = _WHEN.match(when) if isinstance(when, str) else None
    return match.group(1) if match else None


async def list_campaigns(request: web.Request) -> web.Response:
    """Campaigns whose start day is in ``from``..``to``."""
    _, low, high = await _wire.read_date_query(request)
    targets = [
        {"id": c.id, "name": c.body["name"], "status": c.status, "start_date": c.start_date}
        for c in request.app[FAKE].campaigns.values()
        if low <= c.start_date <= high
    ]
    return _wire.json_response({"status": "success", "targets": targets})


async def _campaign(request: web.Request) -> FakeCampaign:
    body = await _wire.read_json_object(request)
    campaign_id = body.get("id")
    campaign = (
        request.app[FAKE].campaigns.get(campaign_id) if isinstance(campaign_id, int) else None
    )
    if campaign is None:
        raise _wire.Refusal(_wire.fail(400, f"Invalid campaign id: {campaign_id!r}"))
    return campaign


async def result(request: web.Request) -> web.Response:
    """A completed campaign's figures; any other campaign is "not completed" (HTTP 200, fail)."""
    campaign = await _campaign(request)
    if campaign.status != "completed":
        return _unfinished(campaign.unfinished_form)
    return _wire.json_response({"status": "success", "result": campaign.result})


def _unfinished(form: str) -> web.Response:
    if form == "no_result":
        return _wire.fail(500, NO_RESULT_YET)
    if form == "success_error":
        return _wire.json_response({"status": "success", "error": NOT_COMPLETED, "code": 200})
    if form == "conflict":
        return _wire.fail(409, NOT_COMPLETED)
    return _wire.json_response({"status": "fail", "error": NOT_COMPLETED})


async def stop(request: web.Request) -> web.Response:
    """Stop a campaign that has not completed; a stopped one stays stopped."""
    campaign = await _campaign(request)
    if campaign.status != "completed":
        campaign.status = "stopped"
    return _wire.json_response({"status": "success"})


async def send(request: web.Request) -> web.Response:
    """Queue a message for named users; ``to`` keys are the API's capitalised ones."""
    body = await _wire.read_json_object(request)
    to = body.get("to")
    if not isinstance(to, dict) or not to:
        return _wire.fail(400, "to is mandatory")
    unknown = sorted(set(to) - TO_KEYS)
    if unknown:
        return _wire.fail(400, f"Invalid key in to: {', '.join(unknown)}")
    if not all(isinstance(ids, list) and ids for ids in to.values()):
        return _wire.fail(400, "to values must be non-empty lists")
    if not isinstance(body.get("content"), dict) or not body["content"]:
        return _wire.fail(400, "content is mandatory")
    channel = request.path.removeprefix("/1/send/").removesuffix(".json")
    request.app[FAKE].sends.append({"channel": channel, **body})
    return _wire.json_response({"status": "success", "message": "Added to queue for processing"})
