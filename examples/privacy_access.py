"""Answer a privacy access request: everything CleverTap holds about one person, as JSON.

Looks the subject up by email (and identity, if given), then reads their events over the window::

    python examples/privacy_access.py jack@example.com 2026-01-01 2026-01-31 > jack.json
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from typing import Any

import orjson

from clevertap_async import CleverTap


async def access_request(email: str, start: date, end: date, **client_options: Any) -> bytes:
    """Return the subject's profiles and events as JSON; ``client_options`` go to CleverTap."""
    async with CleverTap(**client_options) as ct:
        found = await ct.privacy.access(email=email, start=start, end=end)
    answer = [
        {
            "identity": result.profile.identity,
            "email": result.profile.email,
            "profile": result.profile.profile_data,
            "events": {
                name: [{"ts": str(event.ts), **event.event_props} for event in events]
                for name, events in result.events.items()
            },
        }
        for result in found
    ]
    return orjson.dumps(answer, option=orjson.OPT_INDENT_2)


if __name__ == "__main__":
    email, first, last = (
        sys.argv[1],
        date.fromisoformat(sys.argv[2]),
        date.fromisoformat(sys.argv[3]),
    )
    sys.stdout.buffer.write(asyncio.run(access_request(email, first, last)) + b"\n")
