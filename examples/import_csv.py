"""Import orders from a CSV file as ``Charged`` events; print what was accepted and what was refused.

Each row becomes an :class:`Event` with the order's time as ``ts``. Rows are streamed to the uploader
(a generator), so a file of millions of rows is never held in memory. Refused rows are reported with
their row number, CleverTap's code and the reason::

    python examples/import_csv.py examples/orders.csv
"""

from __future__ import annotations

import asyncio
import csv
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from clevertap_async import CleverTap, Event, UploadReport


def read_orders(path: Path) -> Iterator[Event]:
    """Yield one ``Charged`` event per CSV row."""
    with path.open(newline="") as rows:
        for row in csv.DictReader(rows):
            yield Event(
                "Charged",
                {"Amount": float(row["amount"]), "Currency": row["currency"]},
                identity=row["user_id"] or None,  # an empty cell is no identity: refused, 523
                ts=datetime.fromisoformat(row["paid_at"]),
            )


async def import_orders(path: Path, **client_options: Any) -> UploadReport:
    """Upload every row of ``path``; ``client_options`` go to :class:`CleverTap`."""
    async with CleverTap(**client_options) as ct:
        report = await ct.events.upload(read_orders(path))
    print(f"{report.accepted} accepted, {len(report.rejected)} refused")
    for rejected in report.rejected:
        # position counts records from 0; the header is line 1, so record 0 is line 2.
        print(f"  line {rejected.position + 2}: code {rejected.code}: {rejected.error}")
    for undelivered in report.undelivered:
        print(f"  line {undelivered.position + 2}: not delivered: {undelivered.exception}")
    return report


if __name__ == "__main__":
    asyncio.run(import_orders(Path(sys.argv[1])))
