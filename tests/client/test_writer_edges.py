"""BatchWriter at its edges: the exact refusals, a zero linger, a single record, a close cancelled
while a batch waits for a slot, and a linger loop that must sleep rather than spin."""

from __future__ import annotations

import asyncio
import logging

import pytest

from clevertap_async import (
    BatchResult,
    CleverTap,
    ClientStateError,
    Event,
    UploadCancelledError,
    ValidationError,
)
from clevertap_async.testing import NO_WAIT_RETRIES, FakeCleverTap


def event(n: int) -> Event:
    return Event("Viewed", {"n": n}, identity=f"u{n}")


async def wait_for_uploads(fake: FakeCleverTap, count: int) -> None:
    for _ in range(400):
        if len(fake.uploaded_events) >= count:
            return
        await asyncio.sleep(0.005)


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"max_records": 0}, "max_records", "max_records"),
        ({"linger": -1}, None, "linger must be seconds >= 0, got -1"),
        ({"linger": "1"}, None, "linger must be seconds >= 0, got '1'"),
    ],
)
def test_bad_settings_are_refused(
    ct: CleverTap, options: dict[str, object], field: str | None, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ct.events.writer(**options)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert message in str(caught.value)
    if field is None:
        assert str(caught.value) == message


async def test_the_refusals_say_what_state_the_writer_is_in(ct: CleverTap) -> None:
    writer = ct.events.writer()
    with pytest.raises(ClientStateError) as before:
        await writer.put(event(0))
    assert str(before.value) == "the BatchWriter is new; use it inside `async with`"
    await writer.close()  # closing a writer never opened closes it for good
    with pytest.raises(ClientStateError) as after:
        await writer.put(event(0))
    assert str(after.value) == "the BatchWriter is closed; use it inside `async with`"
    with pytest.raises(ClientStateError) as again:
        async with writer:
            pass
    assert str(again.value) == "a BatchWriter can be entered once"


async def test_a_writer_entered_twice_says_so(ct: CleverTap) -> None:
    async with ct.events.writer() as writer:
        with pytest.raises(ClientStateError, match=r"^a BatchWriter can be entered once$"):
            await writer.__aenter__()
    with pytest.raises(ClientStateError) as after:
        await writer.put(event(0))
    assert str(after.value) == "the BatchWriter is closed; use it inside `async with`"


async def test_a_single_record_goes_after_a_zero_linger(fake: FakeCleverTap, ct: CleverTap) -> None:
    async with ct.events.writer(max_records=100, linger=0) as writer:
        assert writer.linger == 0.0
        await writer.put(event(0))
        await wait_for_uploads(fake, 1)
        assert [e["evtData"]["n"] for e in fake.uploaded_events] == [0]
        assert writer.buffered == 0


async def test_the_linger_loop_sleeps_until_the_batch_is_due(
    fake: FakeCleverTap, ct: CleverTap
) -> None:
    # A loop that spun instead of sleeping would hold the event loop until the second passed and
    # send the batch before this test got to look.
    async with ct.events.writer(max_records=100, linger=1.0) as writer:
        await writer.put(event(0))
        for _ in range(3):
            await asyncio.sleep(0)
        assert writer.buffered == 1
        await writer.flush()
    assert writer.report.accepted == 1


async def test_successful_batches_do_not_reach_the_callback(ct: CleverTap) -> None:
    seen: list[BatchResult] = []
    async with ct.events.writer(max_records=2, linger=60, on_failure=seen.append) as writer:
        for n in range(3):
            await writer.put(event(n))
    assert (writer.report.accepted, seen) == (3, [])


async def test_a_broken_callback_is_logged_by_name(
    ct: CleverTap, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(result: BatchResult) -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="clevertap_async"):
        async with ct.events.writer(max_records=1, linger=60, on_failure=broken) as writer:
            await writer.put({"identity": "x", "evtData": {}})
    messages = [r.getMessage() for r in caplog.records if r.name == "clevertap_async"]
    assert messages == ["BatchWriter on_failure callback raised"]


async def test_a_close_cancelled_while_a_batch_waits_for_a_slot(fake: FakeCleverTap) -> None:
    fake.faults.inject("latency", seconds=0.5, path="/1/upload")
    seen: list[BatchResult] = []
    async with fake.client(retry=NO_WAIT_RETRIES, upload_concurrency=1) as ct:
        writer = ct.events.writer(max_records=2, linger=60, on_failure=seen.append)
        await writer.__aenter__()
        for n in range(3):  # two go at once and hold the only slot; the third stays buffered
            await writer.put(event(n))
        closing = asyncio.create_task(writer.close())
        for _ in range(5):
            await asyncio.sleep(0)
        with pytest.raises(ClientStateError) as refused:
            await writer.put(event(9))
        assert str(refused.value) == "the BatchWriter is closing; use it inside `async with`"
        assert writer.buffered == 1
        closing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await closing
    report = writer.report
    assert (report.total, report.accepted) == (3, 0)
    in_flight, buffered = sorted(report.undelivered, key=lambda u: u.position)[1:]
    assert str(in_flight.error) == "the upload stopped before an answer: CancelledError()"
    assert (buffered.position, buffered.record, buffered.maybe_applied) == (2, event(2), False)
    assert isinstance(buffered.error, UploadCancelledError)
    assert str(buffered.error) == "the writer stopped before sending: CancelledError()"
    last = seen[-1]
    assert (last.number, last.sent, last.accepted) == (0, 0, 0)
    assert [u.position for u in last.undelivered] == [2]
