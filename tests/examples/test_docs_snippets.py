"""Every Python block in the docs and the README runs against a seeded fake, or at least compiles.

A block runs with an open client ``ct`` and its ``fake`` in scope, the ``CLEVERTAP_*`` variables
pointing at that fake (so ``CleverTap()`` connects to it), and top-level ``await`` allowed. A block
that needs a real account is preceded by ``<!-- compile-only: why -->`` and is only compiled. Blocks
that include an example file (``--8<--``) are left to ``test_examples.py``.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from clevertap_async.testing import DEFAULT_PASSCODE, NO_WAIT_RETRIES, FakeCleverTap

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
COMPILE_ONLY = "<!-- compile-only:"


def blocks() -> list[Any]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in FENCE.finditer(text):
            source = match.group(1)
            if "--8<--" in source:
                continue
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip().rsplit("\n", 1)[-1]
            run = not before.startswith(COMPILE_ONLY)
            name = f"{page.relative_to(ROOT)}:{line}"
            found.append(pytest.param(source, run, id=name))
    return found


def compiled(source: str, name: str) -> Any:
    return compile(source, name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def test_the_pages_have_python_blocks() -> None:
    # A broken fence pattern must not pass by finding nothing.
    assert len(blocks()) >= 25


@pytest.mark.parametrize(("source", "run"), blocks())
async def test_block(source: str, run: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    code = compiled(source, "<docs>")
    if not run:
        return
    async with FakeCleverTap(seed=1) as fake:
        fake.seed_events("Charged", count=2_000, start=20260101, end=20260131, users=200)
        fake.seed_profiles(count=200, start=20260101, end=20260131, event_names=["Charged"])
        monkeypatch.setenv("CLEVERTAP_BASE_URL", fake.url)
        monkeypatch.setenv("CLEVERTAP_ACCOUNT_ID", fake.account_id)
        monkeypatch.setenv("CLEVERTAP_PASSCODE", DEFAULT_PASSCODE)
        async with fake.client(retry=NO_WAIT_RETRIES, timeout=10) as ct:
            namespace: dict[str, Any] = {"ct": ct, "fake": fake, "__name__": "docs"}
            result = eval(code, namespace)
            if inspect.iscoroutine(result):
                await result
