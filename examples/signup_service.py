"""An aiohttp web service that records each sign-up as a CleverTap event through a BatchWriter.

Request handlers only ``put`` records into the writer, which sends them in batches (by size or after
``linger`` seconds) without holding up the response; shutting the service down sends what is left.

Run it against CleverTap (credentials from the ``CLEVERTAP_*`` variables)::

    python examples/signup_service.py
    curl -X POST localhost:8081/signup -d '{"user_id": "u-42", "plan": "pro"}'
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from clevertap_async import BatchResult, BatchWriter, CleverTap, Event

WRITER = web.AppKey("writer", BatchWriter)
log = logging.getLogger("signup_service")


def report_failures(batch: BatchResult) -> None:
    """Log the records of a batch that were refused or never delivered."""
    for rejected in batch.rejected:
        log.warning("refused: %s (code %s)", rejected.error, rejected.code)
    for undelivered in batch.undelivered:
        log.warning("not delivered: %s", undelivered.exception)


async def signup(request: web.Request) -> web.Response:
    """Record a sign-up; answers at once, the event goes out with the next batch."""
    body = await request.json()
    if not isinstance(body, dict) or not body.get("user_id"):
        raise web.HTTPBadRequest(text="user_id is required")
    await request.app[WRITER].put(
        Event("Signed up", {"Plan": body.get("plan", "free")}, identity=body["user_id"])
    )
    return web.json_response({"ok": True}, status=202)


def make_app(**client_options: Any) -> web.Application:
    """Build the service; ``client_options`` go to :class:`CleverTap` (e.g. ``base_url=``)."""

    async def clevertap_context(app: web.Application) -> AsyncIterator[None]:
        # One client and one writer for the life of the service: opened on startup, drained on
        # shutdown, so no sign-up accepted before shutdown is lost.
        async with (
            CleverTap(**client_options) as ct,
            ct.events.writer(max_records=500, linger=1.0, on_failure=report_failures) as writer,
        ):
            app[WRITER] = writer
            yield
        log.info("uploaded %s sign-ups", writer.report.accepted)

    app = web.Application()
    app.cleanup_ctx.append(clevertap_context)
    app.router.add_post("/signup", signup)
    return app


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    web.run_app(make_app(), port=8081)
