"""Bulletins: raise a bulletin when a business event happens (``POST /1/targets/trigger.json``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from .. import _validation
from ._base import Resource

BULLETIN_PATH = "/1/targets/trigger.json"


class Bulletins(Resource):
    """The Bulletins API."""

    async def trigger(
        self,
        *,
        business_event: str,
        name: str,
        properties: Mapping[str, str],
        created_by: str,
        when: Literal["now"] | int | datetime = "now",
    ) -> dict[str, Any]:
        """Raise a bulletin for a business event.

        Example::

            await ct.bulletins.trigger(
                business_event="Program Released",
                name="Episode 12",
                properties={"program_id": "234567", "language": "Hindi"},
                created_by="editor@example.com",
            )

        Args:
            business_event: the business event that triggers the bulletin.
            name: the bulletin's name.
            properties: the event's properties; values must be strings (the API takes nothing else),
                keys at most 120 characters, values at most 512 bytes.
            created_by: the creator's email (sent as ``c-by``; must be a dashboard admin).
            when: ``"now"``, a UNIX timestamp in seconds, or an aware datetime.

        Returns:
            The server's answer, e.g. ``{"status": "success"}``.

        Raises:
            ValidationError: a field is missing or malformed; nothing was sent.
            APIError: the server refused the bulletin.
        """
        body = {
            "business_event": _validation.required_text(business_event, "business_event"),
            "name": _validation.required_text(name, "name"),
            "properties": _validation.string_mapping(properties, "properties"),
            "c-by": _validation.email(created_by, "created_by"),
            "when": _when(when),
        }
        result: dict[str, Any] = await self._request(
            "POST", BULLETIN_PATH, json=body, idempotent=False
        )
        return result


def _when(value: object) -> str | int:
    if value == "now":
        return "now"
    return _validation.epoch_seconds(value, "when")
