"""The command line under inputs the usual tests never force: rejections only the server makes, and
what is on disk at the moment an export's checkpoint vouches for it."""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from clevertap_async.cli import main
from clevertap_async.testing import FakeCleverTap
from tests.cli.test_cli import PASSCODE, run_cli
from tests.cli.test_cli_data import export_args


async def test_import_exits_3_when_only_the_server_rejects_lines(
    aiohttp_server: Any, tmp_path: Path
) -> None:
    # Every line is readable and passes the client's checks; the server refuses those marked "bad".
    async def upload(request: web.Request) -> web.Response:
        records = (await request.json())["d"]
        unprocessed = [
            {
                "status": "fail",
                "code": 512,
                "error": f"Invalid event structure. Skipped record number : {number}",
                "record": record,
            }
            for number, record in enumerate(records, 1)
            if record["evtData"].get("bad")
        ]
        status = "partial" if unprocessed else "success"
        processed = len(records) - len(unprocessed)
        return web.json_response(
            {"status": status, "processed": processed, "unprocessed": unprocessed}
        )

    app = web.Application()
    app.router.add_post("/1/upload", upload)
    server = await aiohttp_server(app)
    lines = [
        json.dumps({"identity": f"u{n}", "evtName": "Charged", "evtData": {"bad": n in (2, 5)}})
        for n in range(1, 7)
    ]
    source, rejects = tmp_path / "in.jsonl", tmp_path / "rejects.jsonl"
    source.write_text("\n".join(lines) + "\n")
    env = {
        "CLEVERTAP_BASE_URL": str(server.make_url("")).rstrip("/"),
        "CLEVERTAP_ACCOUNT_ID": "acc",
        "CLEVERTAP_PASSCODE": PASSCODE,
    }
    code, out, err = await run_cli(
        "import", "events", str(source), "--rejects", str(rejects), env=env
    )
    assert code == 3, out + err
    refused = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["line"], r["status"], r["code"], r["rejected_by"]) for r in refused] == [
        (2, "rejected", 512, "server"),
        (5, "rejected", 512, "server"),
    ]
    # The summary goes to stderr.
    assert re.search(r"^  accepted +4$", err, re.M), err
    assert re.search(r"^  rejected +2$", err, re.M), err
    assert re.search(r"^  unreadable lines +0$", err, re.M), err


async def test_an_export_checkpoint_never_vouches_for_bytes_not_on_disk(
    fake: FakeCleverTap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A checkpoint is written to a temporary file and renamed into place; at that rename, the output
    # must already hold (flushed to the file, and synced) exactly the bytes the checkpoint names.
    # Otherwise a hard kill or a power loss leaves a checkpoint past the data, and a resume extends
    # the file with NUL bytes.
    fake.seed_events("Charged", count=1500, start=20260101, end=20260110)
    output, checkpoint = tmp_path / "out.jsonl", tmp_path / "export.checkpoint"
    synced: dict[int, int] = {}  # inode -> its size at its last fsync
    saves: list[tuple[int, int, int | None]] = []

    def observe_sync(real: Any) -> Any:
        def sync(fd: int) -> None:
            real(fd)
            stat = os.fstat(fd)
            synced[stat.st_ino] = stat.st_size

        return sync

    def being_written() -> Path:
        # The output, or a partial file standing in for it until the export completes.
        partial = output.with_name(output.name + ".partial")
        return partial if partial.exists() else output

    real_replace = os.replace

    def replace(source: Any, target: Any, **kwargs: Any) -> None:
        if Path(target) == checkpoint:
            offset = json.loads(Path(source).read_bytes())["output_offset"]
            on_disk = os.stat(being_written())
            saves.append((offset, on_disk.st_size, synced.get(on_disk.st_ino)))
        real_replace(source, target, **kwargs)

    monkeypatch.setattr(os, "fsync", observe_sync(os.fsync))
    monkeypatch.setattr(os, "fdatasync", observe_sync(os.fdatasync))
    monkeypatch.setattr(os, "replace", replace)
    argv = export_args(
        output, checkpoint, "--quiet", "--base-url", fake.url, "--account-id", fake.account_id
    )
    argv += ["--passcode", PASSCODE]
    # In this process (so the file calls can be observed), on its own thread and event loop.
    async with asyncio.timeout(60):
        code = await asyncio.to_thread(main, argv)
    assert code == 0
    assert len(saves) >= 15  # one per page: 1500 records in pages of 100
    offsets = [offset for offset, _, _ in saves]
    assert offsets == sorted(offsets) and offsets[-1] == output.stat().st_size
    assert all(offset == size == synced_size for offset, size, synced_size in saves), saves
