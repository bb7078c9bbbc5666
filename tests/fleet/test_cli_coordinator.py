"""``import --coordinator`` and ``CLEVERTAP_COORDINATOR_URL``: the command's uploads take slots in Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis.asyncio as redis_asyncio

from clevertap_async._redis_coordinator import _Keys
from clevertap_async.testing import FakeCleverTap
from tests.cli.test_cli import fake_env, run_cli

EVENT = '{"identity": "u%d", "evtName": "Charged", "evtData": {"Amount": %d}}'


@pytest.mark.parametrize("how", ["option", "variable"])
async def test_import_shares_the_cap_through_redis(
    how: str,
    fake: FakeCleverTap,
    redis: redis_asyncio.Redis,
    redis_url: str,
    namespace: str,
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(EVENT % (i, i) for i in range(1500)) + "\n")
    url = f"{redis_url}?namespace={namespace}"
    env = fake_env(fake)
    options = ["--coordinator", url] if how == "option" else []
    if how == "variable":
        env["CLEVERTAP_COORDINATOR_URL"] = url
    code, _, err = await run_cli("import", "events", str(source), "-q", *options, env=env)
    assert code == 0, err
    assert len(fake.uploaded_events) == 1500
    keys = _Keys(namespace, fake.account_id, "upload")
    # Two batches, two slots taken in Redis, both given back.
    assert int(await redis.get(keys.ticket) or 0) == 2
    assert await redis.zcard(keys.holders) == 0
