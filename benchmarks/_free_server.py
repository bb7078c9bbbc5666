"""A stand-in for a remote CleverTap that costs next to nothing: ``python -m benchmarks._free_server``.

It answers every ``POST /1/upload`` as wholly accepted after a fixed delay. It parses the body only to
count the records (the answer must say how many were processed) and checks nothing, so a run against
it is bound by the client alone: the client's own ceiling, as against a real server on another
machine. The fake, by contrast, parses and checks every record on the same two cores.
"""

from __future__ import annotations

import argparse
import asyncio

import orjson
from aiohttp import web


def build_app(latency: float) -> web.Application:
    """Return the app: one upload route that waits ``latency`` seconds and accepts everything."""

    async def upload(request: web.Request) -> web.Response:
        count = len(orjson.loads(await request.read())["d"])
        await asyncio.sleep(latency)
        answer = {"status": "success", "processed": count, "unprocessed": []}
        return web.Response(body=orjson.dumps(answer), content_type="application/json")

    app = web.Application(client_max_size=64 * 1024**2)
    app.router.add_post("/1/upload", upload)
    return app


async def serve(latency: float) -> None:
    """Listen on a free port, print ``listening on <url>`` and serve until terminated."""
    runner = web.AppRunner(build_app(latency), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    print(f"listening on http://{host}:{port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks._free_server")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    asyncio.run(serve(parser.parse_args().latency))
