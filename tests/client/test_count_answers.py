"""Counts against answers that deviate: a count or req_id that is not an integer, a poll refused for
another reason than a forgotten req_id, extra fields, and the exact errors each becomes."""

from __future__ import annotations

from typing import Any

import pytest

from clevertap_async import (
    BadRequestError,
    CleverTap,
    CountPolling,
    CountTimeoutError,
    MalformedResponseError,
    PermissionDeniedError,
    ValidationError,
)
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap

EVENTS = "/1/counts/events.json"
PROFILES = "/1/counts/profiles.json"


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        ({"status": "success", "count": "3"}, "a counts answer without an integer count"),
        ({"status": "success", "count": True}, "a counts answer without an integer count"),
        ({"status": "success"}, "a counts answer without an integer count"),
        ({"status": "partial", "req_id": "7"}, "a partial answer without an integer req_id"),
        ({"status": "partial", "req_id": True}, "a partial answer without an integer req_id"),
    ],
)
async def test_an_answer_without_an_integer_is_malformed(
    fake: FakeCleverTap, ct: CleverTap, answer: dict[str, Any], what: str
) -> None:
    fake.faults.inject("reply", status=200, body=answer, path=PROFILES)
    with pytest.raises(MalformedResponseError) as caught:
        await ct.profiles.count("Charged", 20260101, 20260101)
    error = caught.value
    assert error.message == f"{what}: {answer!r}"
    assert (error.status, error.body, error.method, error.path) == (200, answer, "POST", PROFILES)
    assert len(fake.requests) == 1


async def test_the_extra_fields_of_an_answer_are_kept(fake: FakeCleverTap, ct: CleverTap) -> None:
    answer = {"status": "success", "count": 4, "req_id": 9, "userDeviceCount": 6}
    fake.faults.inject("reply", status=200, body=answer, path=PROFILES)
    result = await ct.profiles.count("Charged", 20260101, 20260101)
    assert (int(result), dict(result.extra)) == (4, {"userDeviceCount": 6})


async def test_a_refused_query_names_post(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.faults.inject("status", status=403, path=EVENTS)
    with pytest.raises(PermissionDeniedError) as caught:
        await ct.events.count("Charged", 20260101, 20260101)
    assert (caught.value.method, caught.value.path) == ("POST", EVENTS)


async def test_a_refused_get_poll_names_get(fake: FakeCleverTap, polling_ct: CleverTap) -> None:
    fake.known_events.add("Charged")
    fake.count_partials = 2
    fake.faults.inject("status", status=403, method="GET", path=EVENTS)
    with pytest.raises(PermissionDeniedError) as caught:
        await polling_ct.events.count("Charged", 20260101, 20260101)
    assert caught.value.method == "GET"


async def test_a_refused_post_poll_names_post(fake: FakeCleverTap, polling_ct: CleverTap) -> None:
    fake.known_events.add("Charged")
    fake.count_partials = 2
    fake.reject_get_polls = True
    # The second POST is the poll that follows the 405 on GET.
    fake.faults.inject("status", status=403, method="POST", path=EVENTS, every=2)
    with pytest.raises(PermissionDeniedError) as caught:
        await polling_ct.events.count("Charged", 20260101, 20260101)
    assert [(r.method, r.status) for r in fake.requests] == [
        ("POST", 200),
        ("GET", 405),
        ("POST", 403),
    ]
    assert caught.value.method == "POST"


async def test_a_poll_refused_for_another_reason_is_not_resubmitted(
    fake: FakeCleverTap, polling_ct: CleverTap
) -> None:
    fake.known_events.add("Charged")
    fake.count_partials = 2
    refusal = {"status": "fail", "error": "bad poll", "code": 400}
    fake.faults.inject("reply", status=400, body=refusal, method="GET", path=EVENTS)
    with pytest.raises(BadRequestError, match="bad poll"):
        await polling_ct.events.count("Charged", 20260101, 20260101)
    assert [r.method for r in fake.requests] == ["POST", "GET"]


async def test_a_refused_resubmission_names_post(fake: FakeCleverTap) -> None:
    async def forgetful_sleep(seconds: float) -> None:
        fake.pending_counts.clear()  # the server loses the running query while we wait

    fake.known_events.add("Charged")
    fake.count_partials = 1
    fake.faults.inject("status", status=403, method="POST", path=EVENTS, every=2)
    async with fake.client(retry=NO_WAIT_RETRIES, sleep=forgetful_sleep) as client:
        with pytest.raises(PermissionDeniedError) as caught:
            await client.events.count("Charged", 20260101, 20260101)
    assert [(r.method, r.status) for r in fake.requests] == [
        ("POST", 200),
        ("GET", 400),
        ("POST", 403),
    ]
    assert caught.value.method == "POST"


async def test_the_timeout_says_how_long_and_what_to_do(
    fake: FakeCleverTap, polling_ct: CleverTap
) -> None:
    fake.known_events.add("Charged")
    fake.count_partials = 100
    polling = CountPolling(deadline=3, initial=1.5, maximum=1.5, multiplier=1)
    with pytest.raises(CountTimeoutError) as caught:
        await polling_ct.events.count("Charged", 20260101, 20260101, polling=polling)
    req_id = caught.value.req_id
    assert str(caught.value) == (
        f"{EVENTS} was still partial after waiting 3s (req_id {req_id}); "
        "raise CountPolling.deadline or poll later"
    )
    assert (caught.value.path, caught.value.waited) == (EVENTS, 3.0)


def test_polling_settings_accept_zero_and_fractions() -> None:
    polling = CountPolling(deadline=0, initial=0.5, maximum=0, multiplier=0.25)
    assert (polling.deadline, polling.initial, polling.maximum, polling.multiplier) == (
        0,
        0.5,
        0,
        0.25,
    )


@pytest.mark.parametrize("value", [True, "1", -0.5])
def test_polling_settings_refuse_what_is_not_a_number_at_least_zero(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        CountPolling(maximum=value)  # type: ignore[arg-type]
    assert caught.value.field == "maximum"
    assert str(caught.value) == f"maximum must be a number >= 0, got {value!r}"
