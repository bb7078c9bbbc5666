"""Campaigns: create, estimate, list, report, stop, and messages sent to named users (§7.5)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from .. import _query, _validation
from .._errors import APIFailure, ValidationError
from ..models.campaigns import CampaignCreated, CampaignReport, Recipients
from ._base import Resource

CREATE_PATH = "/1/targets/create.json"
LIST_PATH = "/1/targets/list.json"
REPORT_PATH = "/1/targets/result.json"
STOP_PATH = "/1/targets/stop.json"
SEND_PATH = "/1/send/{channel}.json"

Channel = Literal["push", "email", "sms", "webpush", "whatsapp"]
SendChannel = Literal["push", "email", "sms", "webpush"]

#: The content fields each channel documents as required (WhatsApp's are not documented).
REQUIRED_CONTENT: dict[str, tuple[str, ...]] = {
    "push": ("title", "body"),
    "email": ("subject", "body", "sender_name"),
    "sms": ("body",),
    "webpush": ("title", "body"),
    "whatsapp": (),
}
SEND_CHANNELS = frozenset({"push", "email", "sms", "webpush"})
PUSH_DEVICES = frozenset({"android", "ios", "windows"})
#: The ``to`` keys of ``/1/send/*.json``, spelled as the API spells them.
RECIPIENT_KEYS = {
    "identities": "Identity",
    "emails": "Email",
    "object_ids": "objectId",
    "fbids": "FBID",
    "gpids": "GPID",
}
_WHEN = re.compile(r"^\d{8} \d{2}:\d{2}$")
_NOT_COMPLETED = "hasn't been completed"

When = Literal["now"] | str | datetime


class Campaigns(Resource):
    """The Campaign APIs: create or estimate a campaign, list, report and stop campaigns, send."""

    async def create(
        self,
        *,
        name: str,
        channel: Channel,
        content: Mapping[str, Any],
        where: object = None,
        segment: str | None = None,
        when: When = "now",
        devices: Iterable[str] | None = None,
        respect_frequency_caps: bool | None = None,
        labels: Iterable[str] | None = None,
        provider_nick_name: str | None = None,
    ) -> CampaignCreated:
        """Create a campaign for an audience (``where`` or ``segment``, never both).

        The client holds creation to one request per second, the API's documented rate.

        Example::

            created = await ct.campaigns.create(
                name="Winter sale",
                channel="push",
                content={"title": "Sale", "body": "30% off today"},
                where={"event_name": "Charged", "from": 20260101, "to": 20260131},
                devices=["android", "ios"],
            )
            print(created.id, created.estimates)

        Args:
            name: the campaign's name.
            channel: ``push``, ``email``, ``sms``, ``webpush`` or ``whatsapp`` (the ``target_mode``).
            content: the message: push and webpush need ``title`` and ``body``; email ``subject``,
                ``body`` and ``sender_name``; SMS ``body``.
            where: the audience as an event query, a mapping or an attrs model; ``from`` and
                ``to`` may be ``datetime.date`` values.
            segment: the audience as a segment (``"all"``) instead of ``where``.
            when: ``"now"``, ``"YYYYMMDD HH:MM"`` or a naive datetime, both in the account's time
                zone.
            devices: for push: ``android``, ``ios``, ``windows``.
            respect_frequency_caps: whether the account's frequency caps apply.
            labels: labels to file the campaign under.
            provider_nick_name: the sending provider to use.

        Returns:
            The campaign's ID and its estimated reach.

        Raises:
            ValidationError: a missing or malformed field; nothing was sent.
            APIError: the server refused the campaign.
        """
        body = _campaign_body(
            name=name,
            channel=channel,
            content=content,
            where=where,
            segment=segment,
            when=when,
            devices=devices,
            respect_frequency_caps=respect_frequency_caps,
            labels=labels,
            provider_nick_name=provider_nick_name,
        )
        # Not safe to repeat: a second attempt after a lost answer could create a second campaign.
        answer = await self._request("POST", CREATE_PATH, json=body, idempotent=False)
        return _created(answer)

    async def estimate(
        self,
        *,
        name: str,
        channel: Channel,
        content: Mapping[str, Any],
        where: object = None,
        segment: str | None = None,
        devices: Iterable[str] | None = None,
    ) -> CampaignCreated:
        """Estimate a campaign's reach without creating it (``estimate_only``).

        Example::

            reach = await ct.campaigns.estimate(
                name="probe", channel="sms", content={"body": "hi"}, segment="all"
            )
            print(reach.estimates)

        Args:
            name: the campaign's name (required by the API even for an estimate).
            channel: as for :meth:`create`.
            content: as for :meth:`create`.
            where: the audience as an event query, or
            segment: the audience as a segment.
            devices: for push: ``android``, ``ios``, ``windows``.

        Returns:
            The estimated reach per platform; ``id`` is None.

        Raises:
            ValidationError: a missing or malformed field; nothing was sent.
            APIError: the server refused the estimate.
        """
        body = _campaign_body(
            name=name,
            channel=channel,
            content=content,
            where=where,
            segment=segment,
            when="now",
            devices=devices,
        )
        body["estimate_only"] = True
        answer = await self._request("POST", CREATE_PATH, json=body)
        return CampaignCreated(id=None, estimates=_created(answer).estimates)

    async def list(self, start: _query.DateLike, end: _query.DateLike) -> list[dict[str, Any]]:
        """List the campaigns whose start time falls between two days (both included).

        Example::

            for campaign in await ct.campaigns.list(date(2026, 1, 1), date(2026, 1, 31)):
                print(campaign["id"], campaign["status"])

        Args:
            start: the first day, a ``datetime.date`` or a ``YYYYMMDD`` int.
            end: the last day, included.

        Returns:
            The campaigns as the server describes them (ID, name, start time, status), from the
            answer's ``targets`` list (the documented shape is unconfirmed; other keys are ignored).

        Raises:
            ValidationError: bad dates; nothing was sent.
            APIError: the server refused the request.
        """
        first, last = _query.date_range(start, end)
        body = {"from": _query.yyyymmdd(first), "to": _query.yyyymmdd(last)}
        answer = await self._request("POST", LIST_PATH, json=body)
        targets = answer.get("targets")
        return list(targets) if isinstance(targets, list) else []

    async def report(self, campaign_id: int) -> CampaignReport:
        """Fetch a campaign's report; a campaign still running is ``completed=False``, not an error.

        Example::

            report = await ct.campaigns.report(1457432766)
            if report.completed:
                print(report.result["sent"], report.result["clicked"])

        Args:
            campaign_id: the campaign's ID.

        Returns:
            The metrics, or ``completed=False`` with the server's message.

        Raises:
            ValidationError: a bad ID; nothing was sent.
            APIError: any other refusal (an unknown ID, for instance).
        """
        body = {"id": _campaign_id(campaign_id)}
        try:
            answer = await self._request("POST", REPORT_PATH, json=body)
        except APIFailure as failure:
            if _NOT_COMPLETED not in failure.message:
                raise
            return CampaignReport(id=body["id"], completed=False, message=failure.message)
        result = answer.get("result")
        return CampaignReport(
            id=body["id"], completed=True, result=result if isinstance(result, dict) else {}
        )

    async def stop(self, campaign_id: int) -> None:
        """Stop a campaign; stopping one already stopped succeeds and does nothing.

        Example::

            await ct.campaigns.stop(1457432766)

        Args:
            campaign_id: the campaign's ID.

        Raises:
            ValidationError: a bad ID; nothing was sent.
            APIError: the server refused (an unknown ID, for instance).
        """
        await self._request("POST", STOP_PATH, json={"id": _campaign_id(campaign_id)})

    async def send(
        self,
        channel: SendChannel,
        to: Recipients,
        content: Mapping[str, Any],
        *,
        tag_group: str | None = None,
        respect_frequency_caps: bool | None = None,
        provider_nick_name: str | None = None,
    ) -> dict[str, Any]:
        """Send a message to named users (``/1/send/<channel>.json``).

        Example::

            await ct.campaigns.send(
                "push",
                Recipients(identities=["user-1"]),
                {"title": "Your order shipped", "body": "It arrives Tuesday"},
            )

        Args:
            channel: ``push``, ``email``, ``sms`` or ``webpush``.
            to: the recipients, by identity, email, object ID, FBID or GPID.
            content: the message, with the channel's required fields (as for :meth:`create`).
            tag_group: a tag to group these sends under in reports.
            respect_frequency_caps: whether the account's frequency caps apply.
            provider_nick_name: the sending provider to use.

        Returns:
            The server's answer, e.g. ``{"status": "success", "message": "Added to queue..."}``.

        Raises:
            ValidationError: no recipients, a bad channel or content; nothing was sent.
            APIError: the server refused the message.
        """
        _validation.one_of(channel, SEND_CHANNELS, "channel")
        body: dict[str, Any] = {"to": _recipients(to), "content": _content(channel, content)}
        _optional(body, tag_group=tag_group, provider_nick_name=provider_nick_name)
        _optional_flag(body, "respect_frequency_caps", respect_frequency_caps)
        path = SEND_PATH.format(channel=channel)
        result: dict[str, Any] = await self._request("POST", path, json=body, idempotent=False)
        return result


def _campaign_body(
    *,
    name: object,
    channel: object,
    content: object,
    where: object,
    segment: object,
    when: object,
    devices: Iterable[str] | None,
    respect_frequency_caps: bool | None = None,
    labels: Iterable[str] | None = None,
    provider_nick_name: str | None = None,
) -> dict[str, Any]:
    mode = _validation.one_of(channel, frozenset(REQUIRED_CONTENT), "channel")
    body: dict[str, Any] = {
        "name": _validation.required_text(name, "name"),
        "target_mode": mode,
        "when": _when(when),
        "content": _content(mode, content),
    }
    if (where is None) == (segment is None):
        raise ValidationError("pass exactly one of where= or segment=", field="where")
    if where is not None:
        body["where"] = _campaign_where(where)
    else:
        body["segment"] = _validation.required_text(segment, "segment")
    if devices is not None:
        body["devices"] = [
            _validation.one_of(device, PUSH_DEVICES, f"devices[{i}]")
            for i, device in enumerate(_validation.text_list(devices, "devices"))
        ]
    if labels is not None:
        body["labels"] = _validation.text_list(labels, "labels")
    _optional(body, provider_nick_name=provider_nick_name)
    _optional_flag(body, "respect_frequency_caps", respect_frequency_caps)
    return body


def _campaign_where(where: object) -> dict[str, Any]:
    query = _query.where_blocks(where, allow_range=True)
    if "from" in query or "to" in query:
        first, last = _query.date_range(
            query.get("from"), query.get("to"), names=("where.from", "where.to")
        )
        query["from"], query["to"] = _query.yyyymmdd(first), _query.yyyymmdd(last)
    return query


def _content(channel: str, content: object) -> dict[str, Any]:
    body = _validation.as_dict(_to_dict(content), "content")
    if not body:
        raise ValidationError("content must not be empty", field="content")
    for field in REQUIRED_CONTENT[channel]:
        _validation.required_text(body.get(field), f"content.{field}")
    return body


def _to_dict(value: object) -> object:
    return dict(value) if isinstance(value, Mapping) else value


def _recipients(to: object) -> dict[str, list[str]]:
    if not isinstance(to, Recipients):
        raise ValidationError(f"to must be a Recipients(...), got {type(to).__name__}", field="to")
    wire = {
        key: _validation.text_list(getattr(to, field), f"to.{field}")
        for field, key in RECIPIENT_KEYS.items()
        if getattr(to, field)
    }
    if not wire:
        raise ValidationError("to names no recipient", field="to")
    return wire


def _when(value: object) -> str:
    if value == "now":
        return "now"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            # The API reads "YYYYMMDD HH:MM" in the account's time zone, which the client cannot know.
            raise ValidationError(
                "when must be a naive datetime in the account's time zone", field="when"
            )
        return value.strftime("%Y%m%d %H:%M")
    if isinstance(value, str) and _WHEN.match(value):
        try:
            datetime.strptime(value, "%Y%m%d %H:%M")
        except ValueError:
            pass
        else:
            return value
    raise ValidationError(
        f'when must be "now", "YYYYMMDD HH:MM" or a datetime, got {value!r}', field="when"
    )


def _campaign_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(f"campaign_id must be a positive int, got {value!r}", field="id")
    return value


def _optional(body: dict[str, Any], **fields: str | None) -> None:
    for name, value in fields.items():
        if value is not None:
            body[name] = _validation.required_text(value, name)


def _optional_flag(body: dict[str, Any], name: str, value: bool | None) -> None:
    if value is None:
        return
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be a bool, got {value!r}", field=name)
    body[name] = value


def _created(answer: dict[str, Any]) -> CampaignCreated:
    campaign_id = answer.get("id")
    estimates = answer.get("estimates")
    return CampaignCreated(
        id=campaign_id if isinstance(campaign_id, int) else None,
        estimates=estimates if isinstance(estimates, dict) else {},
    )
