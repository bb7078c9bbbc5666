"""Real answers of the API, replayed by the fake over a socket: the client must make of each what its
file expects. The answers live in tests/recorded/, one JSON file each, with their public source."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clevertap_async import CleverTap
from clevertap_async.testing import (
    NO_WAIT_RETRIES,
    FakeCleverTap,
    RecordedAnswer,
    load_corpus,
    replay_answer,
)
from clevertap_async.testing._corpus import mismatches, run_call

CORPUS = Path(__file__).parents[1] / "recorded"
ANSWERS = load_corpus(CORPUS)


async def _no_wait(seconds: float) -> None:
    return None


@pytest.fixture
async def patient_ct(fake: FakeCleverTap) -> AsyncIterator[CleverTap]:
    """Retries and polls without waiting, so a replayed answer is met exactly as the API gave it."""
    async with fake.client(retry=NO_WAIT_RETRIES, timeout=5, sleep=_no_wait) as client:
        yield client


def test_the_corpus_is_there_and_every_file_names_its_source() -> None:
    assert len(ANSWERS) >= 20
    for answer in ANSWERS:
        assert answer.source and answer.call and answer.expect, answer


@pytest.mark.parametrize("answer", ANSWERS, ids=[a.path + " " + a.source[-40:] for a in ANSWERS])
async def test_the_client_reads_each_recorded_answer_as_expected(
    fake: FakeCleverTap, patient_ct: CleverTap, answer: RecordedAnswer
) -> None:
    replay_answer(fake, answer)
    outcome = await run_call(patient_ct, answer.call)
    assert mismatches(outcome, answer.expect) == []
    # Every recorded answer was used, each by exactly one request: nothing retried or skipped.
    replies = [r for r in fake.requests if r.fault == "reply"]
    assert len(replies) == len(list(answer.answers()))
    assert len(fake.requests) == len(replies)
