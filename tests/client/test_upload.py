"""ct.events/profiles/tokens.upload against the fake: inputs, client checks, mapping, faults, cancel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from clevertap_async import (
    APIConnectionError,
    BatchResult,
    CleverTap,
    DeviceToken,
    Event,
    Profile,
    RetryPolicy,
    UploadCancelledError,
    UploadFailedError,
    UploadReport,
    ValidationError,
    _record_validation,
)
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap


def events(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"identity": f"u{i}", "evtName": "Viewed", "evtData": {"n": i}}
        for i in range(start, start + count)
    ]


def assert_accounted(report: UploadReport, given: int) -> None:
    assert report.accepted + len(report.rejected) + len(report.undelivered) == given
    positions = [r.position for r in report.rejected] + [u.position for u in report.undelivered]
    assert len(positions) == len(set(positions))


async def test_a_list_is_sent_in_batches_of_1000(fake: FakeCleverTap, ct: CleverTap) -> None:
    report = await ct.events.upload(events(2500))
    assert (report.accepted, report.rejected, report.undelivered) == (2500, [], [])
    assert [len(r.json()["d"]) for r in fake.requests_to("/1/upload")] == [1000, 1000, 500]
    assert sorted(e["evtData"]["n"] for e in fake.uploaded_events) == list(range(2500))
    assert all(e["type"] == "event" for e in fake.uploaded_events)  # type filled in


async def test_models_go_out_in_wire_format(fake: FakeCleverTap, ct: CleverTap) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    report = await ct.events.upload([Event("Paid", {"At": when, "n": 1}, identity=7, ts=when)])
    report.raise_for_failures()
    assert fake.uploaded_events == [
        {
            "identity": 7,
            "ts": int(when.timestamp()),
            "type": "event",
            "evtName": "Paid",
            "evtData": {"At": f"$D_{int(when.timestamp())}", "n": 1},
        }
    ]
    await ct.profiles.upload([Profile({"Name": "Jo"}, object_id="__g1")])
    await ct.tokens.upload([DeviceToken("__g1", "tok", "chrome", {"p256dh": "p", "auth": "a"})])
    assert list(fake.uploaded_profiles) == ["objectId:__g1"]
    assert fake.uploaded_tokens[0]["tokenData"]["keys"] == {"p256dh": "p", "auth": "a"}


async def test_tokens_go_100_to_a_request(fake: FakeCleverTap, ct: CleverTap) -> None:
    tokens = [DeviceToken(f"o{i}", f"t{i}", "fcm") for i in range(250)]
    report = await ct.tokens.upload(tokens)
    assert report.accepted == 250
    assert sorted(len(r.json()["d"]) for r in fake.requests_to("/1/upload")) == [50, 100, 100]


async def test_sync_and_async_iterables_are_pulled_lazily(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    pulled = 0
    pulled_when_first_answered: list[int] = []

    def source() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for record in events(40_000):
            pulled += 1
            yield record

    async for _ in ct.events.upload_batches(source(), batch_size=100):
        pulled_when_first_answered.append(pulled)
        break
    # 15 batches in flight plus one filling: far from the 40 000 a list would hold.
    assert pulled_when_first_answered[0] <= 100 * 17

    async def asource() -> AsyncIterator[Event]:
        for i in range(1500):
            yield Event("Viewed", identity=str(i))

    report = await ct.events.upload(asource())
    assert report.accepted == 1500


async def test_records_that_are_not_iterable_are_refused(ct: CleverTap) -> None:
    with pytest.raises(ValidationError, match="records must be"):
        await ct.events.upload({"identity": "x"})


@pytest.mark.parametrize(
    ("record", "code", "words"),
    [
        ({"identity": "u", "evtData": {}}, 509, "evtName"),
        ({"identity": "u", "evtName": " app launched ", "evtData": {}}, 513, "restricted"),
        ({"evtName": "X", "evtData": {}}, 523, "identity"),
        ({"identity": "u", "evtName": "X", "evtData": {}, "ts": 1_700_000_000_000}, 525, "ts"),
        ({"identity": "u", "evtName": "X", "evtData": {"k" * 121: 1}}, 1004, "121 characters"),
        ({"identity": "u", "evtName": "X", "evtData": {"a:b": 1}}, 1004, "banned"),
        ({"identity": "u", "evtName": "X", "evtData": {"k": "v" * 513}}, 1005, "513 bytes"),
        ({"identity": "u", "evtName": "X", "evtData": {"k": {"a": 1}}}, 1006, "scalars"),
        ({"identity": "u", "evtName": "X", "evtData": {"k": float("nan")}}, 1002, "nan"),
        ({"identity": "u", "evtName": "X", "evtData": {1: "v"}}, 1004, "keys must be"),
        ({"type": "profile", "identity": "u"}, 1001, "expected 'event'"),
        ("not a record", 1001, "got str"),
        (Event("X", identity="u", ts=datetime(2026, 1, 1)), 525, "aware"),
    ],
)
async def test_client_side_checks_reject_before_sending(
    fake: FakeCleverTap, ct: CleverTap, record: Any, code: int, words: str
) -> None:
    report = await ct.events.upload([events(1)[0], record])
    assert report.accepted == 1
    [rejected] = report.rejected
    assert (rejected.position, rejected.code, rejected.source) == (1, code, "client")
    assert rejected.record is record
    assert words in rejected.error
    assert [len(r.json()["d"]) for r in fake.requests_to("/1/upload")] == [1]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"Email": "nope"}, 515),
        ({"Phone": "0044 123"}, 516),
        ({"Gender": "Male"}, 514),
        ({"Employed": "yes"}, 517),
        ({"Married": "no"}, 519),
        ({"Education": "PhD"}, 518),
        ({"Age": "aa"}, 520),
        ({"Age": "3O"}, 520),
        ({"a#b": 1}, 1004),
    ],
)
async def test_profile_standard_fields(ct: CleverTap, data: dict[str, Any], code: int) -> None:
    report = await ct.profiles.upload([Profile(data, identity="u")])
    assert [r.code for r in report.rejected] == [code]


async def test_a_key_remembered_clean_for_events_is_still_checked_for_profiles(
    ct: CleverTap,
) -> None:
    # "#" is banned in profile keys only, so the two kinds keep separate memories of clean keys.
    sent = await ct.events.upload([{"identity": "u", "evtName": "X", "evtData": {"Plan#2": 1}}])
    refused = await ct.profiles.upload([{"identity": "u", "profileData": {"Plan#2": 1}}])
    assert sent.accepted == 1
    assert [r.code for r in refused.rejected] == [1004]


async def test_checks_hold_once_the_memory_of_clean_names_and_keys_is_full(
    ct: CleverTap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_record_validation, "_REMEMBER_AT_MOST", 2)
    monkeypatch.setattr(_record_validation, "_GOOD_EVENT_NAMES", set())
    monkeypatch.setattr(_record_validation, "_GOOD_EVENT_KEYS", set())
    good = [{"identity": "u", "evtName": f"E{i}", "evtData": {f"k{i}": i}} for i in range(5)]
    bad = [
        {"identity": "u", "evtName": "App Launched", "evtData": {}},
        {"identity": "u", "evtName": "E4", "evtData": {"k4": 1, "k:4": 1}},
    ]
    report = await ct.events.upload(good + bad + good)
    assert report.accepted == 10
    assert [(r.position, r.code) for r in report.rejected] == [(5, 513), (6, 1004)]
    assert (
        len(_record_validation._GOOD_EVENT_NAMES) == len(_record_validation._GOOD_EVENT_KEYS) == 2
    )


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ({"tokenData": {"id": "t", "type": "fcm"}}, 530),
        ({"objectId": "o", "tokenData": {"type": "fcm"}}, 532),
        ({"objectId": "o", "tokenData": {"id": "t"}}, 533),
        ({"objectId": "o", "tokenData": {"id": "t", "type": "sms"}}, 534),
        ({"objectId": "o", "tokenData": {"id": "t", "type": "chrome"}}, 535),
    ],
)
async def test_token_checks(ct: CleverTap, token: dict[str, Any], code: int) -> None:
    report = await ct.tokens.upload([token])
    assert [(r.code, r.source) for r in report.rejected] == [(code, "client")]


async def test_server_rejections_map_back_to_input_positions(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    records: list[Any] = events(2500)
    bad = {7: "App Launched", 1001: "Stayed", 2499: "UTM Visited"}
    for position, name in bad.items():
        records[position] = {**records[position], "evtName": name}
    report = await ct.events.upload(records, validate=False)
    assert report.accepted == 2497
    rejected = sorted(report.rejected, key=lambda r: r.position)
    assert [(r.position, r.code, r.source) for r in rejected] == [
        (position, 513, "server") for position in bad
    ]
    assert all(r.record is records[r.position] for r in rejected)
    assert rejected[1].error.endswith("Skipped record number : 2")  # 1001 is 2nd of batch 2
    with pytest.raises(UploadFailedError, match="3 rejected and 0 undelivered") as caught:
        report.raise_for_failures()
    assert caught.value.report is report


async def test_dry_run_sends_dryrun_and_stores_nothing(fake: FakeCleverTap, ct: CleverTap) -> None:
    report = await ct.events.upload(events(3), dry_run=True)
    assert (report.accepted, report.dry_run) == (3, True)
    assert [r.query for r in fake.requests_to("/1/upload")] == ["dryRun=1"]
    assert fake.uploaded_events == []


async def test_555_records_are_sent_again(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.transient_record_failures = 2
    report = await ct.events.upload(events(10))
    assert (report.accepted, report.rejected) == (10, [])
    assert [len(r.json()["d"]) for r in fake.requests_to("/1/upload")] == [10, 2]
    assert len(fake.uploaded_events) == 10


async def test_555_records_are_sent_again_after_the_policys_backoff(fake: FakeCleverTap) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    fake.transient_record_failures = 100
    policy = RetryPolicy(max_retries=3, initial_delay=1.5, multiplier=2.0, jitter=False)
    async with fake.client(retry=policy, _sleep=sleep) as ct:
        report = await ct.events.upload(events(3))
    assert [r.code for r in report.rejected] == [555, 555, 555]
    assert waits == [1.5, 3.0, 6.0]  # one wait before each of the 3 re-sends, none after the last
    assert len(fake.requests_to("/1/upload")) == 4


async def test_555_that_persists_is_reported(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.transient_record_failures = 100
    report = await ct.events.upload(events(3))
    assert [r.code for r in report.rejected] == [555, 555, 555]
    assert len(fake.requests_to("/1/upload")) == 4  # first send + max_retries (3) re-sends


async def test_a_batch_that_keeps_failing_is_undelivered(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.faults.inject("drop", path="/1/upload", times=4)  # the first try and all 3 retries
    progress: list[int] = []
    report = await ct.events.upload(events(1000), progress=lambda r: progress.append(r.total))
    assert report.accepted == 0
    assert [u.position for u in report.undelivered] == list(range(1000))
    assert all(isinstance(u.exception, APIConnectionError) for u in report.undelivered)
    assert all(u.maybe_applied for u in report.undelivered)
    assert progress == [1000]
    assert (await ct.events.upload(events(1000))).accepted == 1000


async def test_lost_answers_are_flagged_as_possible_duplicates(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    fake.faults.inject("lost_response", path="/1/upload", times=1)
    results = [result async for result in ct.events.upload_batches(events(5))]
    assert [(r.accepted, r.possibly_duplicated, r.attempts) for r in results] == [(5, True, 2)]
    assert len(fake.uploaded_events) == 10  # applied twice: at-least-once
    report = await ct.events.upload(events(5))
    assert report.possibly_duplicated == 0


@pytest.mark.parametrize("seed", range(6))
async def test_accounting_holds_under_random_faults(seed: int) -> None:
    async with FakeCleverTap(seed=seed) as fake:
        fake.faults.inject("latency", seconds=0.001)
        fake.faults.inject("status", status=503, rate=0.2, path="/1/upload")
        fake.faults.inject("drop", rate=0.15, path="/1/upload")
        fake.faults.inject("truncate", rate=0.1, path="/1/upload")
        fake.faults.inject("status", status=429, rate=0.1, path="/1/upload")
        fake.transient_record_failures = 50
        records: list[Any] = events(6000)
        for position in range(0, 6000, 97):
            records[position] = {**records[position], "evtName": "Stayed"}

        async with fake.client(retry=RetryPolicy.no_wait(1)) as ct:
            report = await ct.events.upload(iter(records), batch_size=250, validate=seed % 2 == 0)
        assert_accounted(report, 6000)
        undelivered = {u.position for u in report.undelivered}
        restricted = {r.position for r in report.rejected if r.code == 513}
        assert restricted == set(range(0, 6000, 97)) - undelivered
        stored = {e["evtData"]["n"] for e in fake.uploaded_events}
        assert {i for i in range(6000) if i % 97} - stored <= undelivered
        assert fake.max_in_flight["upload"] <= 15


async def test_cancelling_reports_what_was_sent(fake: FakeCleverTap, ct: CleverTap) -> None:
    fake.faults.inject("latency", seconds=0.01, path="/1/upload")
    report = UploadReport()

    async def source() -> AsyncIterator[dict[str, Any]]:
        for record in events(100_000):
            yield record

    def cancel_after_two_batches(so_far: UploadReport) -> None:
        if so_far.accepted >= 1000:
            task.cancel()

    task = asyncio.create_task(
        ct.events.upload(source(), batch_size=500, report=report, progress=cancel_after_two_batches)
    )
    with pytest.raises(asyncio.CancelledError):
        await task
    given = report.total
    assert 1000 < given < 100_000
    assert report.undelivered  # in flight or being filled when cancelled
    assert all(isinstance(u.exception, UploadCancelledError) for u in report.undelivered)
    assert_accounted(report, given)
    # Batches cut off in flight may have been stored; what was reported accepted surely was.
    stored = {e["evtData"]["n"] for e in fake.uploaded_events}
    assert set(range(given)) - {u.position for u in report.undelivered} <= stored
    assert stored <= set(range(given))


async def test_batches_stream_carries_client_rejections(ct: CleverTap) -> None:
    records: list[Any] = [*events(3), {"identity": "x"}]
    results: list[BatchResult] = [r async for r in ct.events.upload_batches(records)]
    assert sum(r.records for r in results) == 4
    assert [r.code for result in results for r in result.rejected] == [509]


async def test_a_record_over_the_byte_budget_is_rejected(ct: CleverTap) -> None:
    big = {"identity": "u", "evtName": "X", "evtData": {f"k{i}": "v" * 500 for i in range(5)}}
    report = await ct.events.upload([big, *events(2)], max_batch_bytes=2000)
    assert report.accepted == 2
    assert report.rejected[0].code == 1003
    assert "max_batch_bytes" in report.rejected[0].error


async def test_options_are_checked(ct: CleverTap) -> None:
    with pytest.raises(ValidationError, match="max_batch_bytes"):
        await ct.events.upload([], max_batch_bytes=5)
    with pytest.raises(ValidationError, match="batch_size"):
        await ct.events.upload([], batch_size=0)
    assert (await ct.events.upload([])).total == 0


async def test_the_passcode_never_shows_in_a_report(fake: FakeCleverTap) -> None:
    secret = "wrong-passcode-1234"
    async with CleverTap(fake.account_id, secret, base_url=fake.url, retry=NO_WAIT_RETRIES) as ct:
        report = await ct.events.upload(events(3))
    assert len(report.undelivered) == 3
    assert secret not in repr(report)
    assert all(secret not in str(u.exception) for u in report.undelivered)
