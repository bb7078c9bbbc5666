"""Run the benchmarks: ``make bench`` or ``python -m benchmarks [--quick] [--only NAME]``.

Each benchmark module has a NAME and ``async def run(fake, args) -> list[Row]``. All of them share one
fake server in a child process and print one table, with the raw-aiohttp baseline measured in the same
run, so the ratios hold on any machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
from types import ModuleType

from . import bench_fleet, bench_request, bench_stream, bench_upload
from ._harness import Row, fake_process, print_table

BENCHMARKS: list[ModuleType] = [bench_request, bench_stream, bench_upload, bench_fleet]


async def main(args: argparse.Namespace) -> None:
    rows: list[Row] = []
    chosen = [m for m in BENCHMARKS if not args.only or m.NAME in args.only]
    async with fake_process() as fake:
        for module in chosen:
            print(f"running {module.NAME} ...", file=sys.stderr, flush=True)
            rows.extend(await module.run(fake, args))
    print(f"\nPython {platform.python_version()} on {platform.machine()}, {args.cores} cores\n")
    print_table(rows)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", action="append", help="run only this benchmark (repeatable)")
    parser.add_argument(
        "--repeats", type=int, default=5, help="runs of each upload variant; the fastest counts"
    )
    parser.add_argument(
        "--fleet-records",
        type=int,
        default=0,
        help="events each fleet worker uploads (default 50000; 5000 with --quick)",
    )
    parser.add_argument(
        "--fleet-repeats",
        type=int,
        default=4,
        help="runs of each fleet variant; the fastest counts",
    )
    args = parser.parse_args()
    args.cores = os.cpu_count()
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
