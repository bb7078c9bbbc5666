"""ct.bulletins.trigger against the fake server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from clevertap_async import (
    APIError,
    APIFailure,
    AuthenticationError,
    BadRequestError,
    CleverTap,
    PermissionDeniedError,
    ValidationError,
)
from clevertap_async.testing import FakeCleverTap


async def test_trigger_sends_the_documented_body(fake: FakeCleverTap, ct: CleverTap) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    answer = await ct.bulletins.trigger(
        business_event="Program Released",
        name="Episode 12",
        properties={"program_id": "234567"},
        created_by="editor@example.com",
        when=when,
    )
    assert answer == {"status": "success"}
    assert fake.bulletins == [
        {
            "business_event": "Program Released",
            "name": "Episode 12",
            "properties": {"program_id": "234567"},
            "c-by": "editor@example.com",
            "when": int(when.timestamp()),
        }
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"business_event": " "}, "business_event must be a non-empty string"),
        ({"name": None}, "name must be a non-empty string"),
        ({"properties": {"n": 5}}, r"properties\['n'\]: values must be strings, got int"),
        ({"properties": {"k" * 121: "v"}}, "the limit is 120"),
        ({"properties": {"k": "é" * 300}}, "600 bytes, the limit is 512"),
        ({"properties": ["a"]}, "properties must be a mapping"),
        ({"created_by": "editor"}, "created_by must be an email address"),
        ({"when": "tomorrow"}, "when must be UNIX epoch seconds"),
        ({"when": 1_700_000_000_000}, "when must be UNIX epoch seconds"),
        ({"when": datetime(2026, 1, 1)}, "aware datetime"),
    ],
)
async def test_bad_bulletins_are_refused_before_sending(
    fake: FakeCleverTap, ct: CleverTap, change: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {
        "business_event": "E",
        "name": "N",
        "properties": {"a": "b"},
        "created_by": "a@b.co",
        **change,
    }
    with pytest.raises(ValidationError, match=message):
        await ct.bulletins.trigger(**arguments)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (200, APIFailure),
    ],
)
async def test_documented_refusals_surface_as_typed_errors(
    fake: FakeCleverTap, ct: CleverTap, status: int, error: type[APIError]
) -> None:
    fake.faults.inject("status", status=status, times=1, path="/1/targets/trigger.json")
    with pytest.raises(error) as caught:
        await ct.bulletins.trigger(
            business_event="E", name="N", properties={"a": "b"}, created_by="a@b.co"
        )
    assert caught.value.path == "/1/targets/trigger.json"
    assert fake.bulletins == []


async def test_the_fake_refuses_non_string_properties_with_a_400(ct: CleverTap) -> None:
    body = {"business_event": "E", "name": "N", "properties": {"n": 1}, "c-by": "a@b.co"}
    with pytest.raises(BadRequestError, match="Property 'n' must be a string"):
        await ct.request("POST", "/1/targets/trigger.json", json={**body, "when": "now"})
