"""``clevertap-async check`` against the fake: everything matches, a deviating answer is reported,
and ``--record`` writes answers that replay as recorded answers."""

from __future__ import annotations

from pathlib import Path

from clevertap_async.testing import (
    NO_WAIT_RETRIES,
    FakeCleverTap,
    RecordedAnswer,
    load_corpus,
    replay_answer,
)
from clevertap_async.testing._corpus import mismatches, run_call
from tests.cli.test_cli import PASSCODE, fake_env, run_cli

DAY = ("--event", "Charged", "--date", "2026-01-15")


def seed(fake: FakeCleverTap) -> None:
    fake.seed_events("Charged", count=30, start=20260115, end=20260115)
    fake.daily_counts["Charged"] = 30
    fake.realtime_count = 12


def recorded_texts(directory: Path) -> list[str]:
    return [path.read_text() for path in sorted(directory.glob("*.json"))]


def rows(out: str) -> dict[str, str]:
    """The table's verdict per check name."""
    table = {}
    for line in out.splitlines()[2:]:
        if line.endswith(("match", "DEVIATES")):
            table[line.split("  ")[0].strip()] = line.rsplit(" ", 1)[1]
    return table


async def test_every_check_matches_the_fake_and_answers_are_recorded(
    fake: FakeCleverTap, tmp_path: Path
) -> None:
    seed(fake)
    code, out, err = await run_cli("check", *DAY, "--record", str(tmp_path), env=fake_env(fake))
    assert (code, err) == (0, ""), out
    assert set(rows(out).values()) == {"match"}
    assert len(rows(out)) == 6
    assert "6 of 6 checks matched" in out
    assert {r.path for r in fake.requests} == {
        "/1/profile.json",
        "/1/upload",
        "/1/events.json",
        "/1/counts/events.json",
        "/1/now.json",
    }
    assert all("dryRun=1" in r.query for r in fake.requests if r.path == "/1/upload")
    assert fake.uploaded_events == [] and fake.uploaded_profiles == {}
    texts = recorded_texts(tmp_path)
    assert len(texts) == 6
    assert not any(PASSCODE in text or fake.account_id in text for text in texts)
    page = RecordedAnswer.load(tmp_path / "04_export_cursor_and_first_page.json")
    records = page.then[0]["body"]["records"]
    assert records and all(r["profile"]["identity"] == "<redacted>" for r in records)


async def test_recorded_answers_replay_as_they_were_seen(
    fake: FakeCleverTap, tmp_path: Path
) -> None:
    seed(fake)
    code, _, _ = await run_cli("check", *DAY, "--record", str(tmp_path), env=fake_env(fake))
    assert code == 0
    fake.reset()
    async with fake.client(retry=NO_WAIT_RETRIES) as ct:
        for answer in load_corpus(tmp_path):
            replay_answer(fake, answer)
            assert mismatches(await run_call(ct, answer.call), answer.expect) == [], answer.path
    assert all(r.fault == "reply" for r in fake.requests)


async def test_a_deviating_answer_is_reported_and_exits_1(fake: FakeCleverTap) -> None:
    seed(fake)
    fake.faults.inject(
        "reply", status=200, body={"status": "success", "total": 3}, path="/1/now.json"
    )
    fake.faults.inject("reply", status=200, body={"status": "success"}, path="/1/profile.json")
    code, out, err = await run_cli("check", *DAY, env=fake_env(fake))
    assert code == 1
    verdicts = rows(out)
    assert verdicts.pop("real-time count") == "DEVIATES"
    assert verdicts.pop("profile lookup (unknown identity)") == "match"  # no record: not found
    assert set(verdicts.values()) == {"match"}
    assert "5 of 6 checks matched" in out
    assert "real-time count: raised MalformedResponseError" in err
