"""The fake's campaign endpoints: create (and estimate), list, result, stop, send to users.

A campaign made for ``"now"`` is ``running``, one for later ``scheduled``; ``fake.complete_campaign``
finishes it with figures. Its report answers "This target hasn't been completed" (HTTP 200, fail) until
then. Stopping an unknown ID fails; stopping a stopped campaign succeeds and does nothing.
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
ESTIMATE = "/1/targets/estimate.json"
LIST = "/1/targets/list.json"
RESULT = "/1/targets/result.json"
STOP = "/1/targets/stop.json"
SEND_CHANNELS = ("push", "email", "sms", "webpush")
TARGET_MODES = {"push", "email", "sms", "webpush", "whatsapp"}
TO_KEYS = {"FBID", "GPID", "Email", "Identity", "objectId"}
NOT_COMPLETED = "This target hasn't been completed"
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
    """

    id: int
    body: dict[str, Any]
    status: str
    start_date: int
    result: dict[str, int] = attrs.field(factory=dict)


def add_routes(app: web.Application) -> None:
    """Register the campaign endpoints."""
    app.router.add_post(CREATE, create)
    app.router.add_post(ESTIMATE, estimate)
    app.router.add_post(LIST, list_campaigns)
    app.router.add_post(RESULT, result)
    app.router.add_post(STOP, stop)
    for channel in SEND_CHANNELS:
        app.router.add_post(f"/1/send/{channel}.json", send)


def campaign_problem(body: dict[str, Any]) -> str | None:
    """Return the first documented rule a create request breaks, or None."""
    if not isinstance(body.get("name"), str) or not body["name"]:
        return "name is mandatory"
    if body.get("target_mode") not in TARGET_MODES:
        return "Invalid target_mode"
    if ("where" in body) == ("segment" in body):
        return "Exactly one of where or segment is required"
    if "where" in body and not isinstance(body["where"], dict):
        return "where must be an object"
    if not isinstance(body.get("content"), dict) or not body["content"]:
        return "content is mandatory"
    when = body.get("when", "now")
    if when != "now" and not (isinstance(when, str) and _WHEN.match(when)):
        return 'when must be "now" or "YYYYMMDD HH:MM"'
    return None


def _estimates(body: dict[str, Any]) -> dict[str, int]:
    if body["target_mode"] == "push":
        return {device: 10 for device in body.get("devices") or ("android", "ios")}
    return {"web" if body["target_mode"] == "webpush" else body["target_mode"]: 10}


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
    match = _WHEN.match(when) if when != "now" else None
    campaign = FakeCampaign(
        id=next(_ids),
        body=body,
        status="scheduled" if match else "running",
        start_date=int(match.group(1) if match else today),
    )
    fake.campaigns[campaign.id] = campaign
    return _wire.json_response(
        {"status": "success", "id": campaign.id, "estimates": _estimates(body)}
    )


async def estimate(request: web.Request) -> web.Response:
    """clevertap-node's estimate path: create with ``estimate_only`` (UNCONFIRMED in the docs)."""
    body = await _valid_campaign(request)
    return _wire.json_response({"status": "success", "estimates": _estimates(body)})


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
        return _wire.json_response({"status": "fail", "error": NOT_COMPLETED})
    return _wire.json_response({"status": "success", "result": campaign.result})


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
