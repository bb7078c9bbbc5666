"""Progress bars on stderr: shown on a terminal, silent when piped or with --quiet."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm


def progress_bar(description: str, *, quiet: bool, total: int | None = None) -> Any:
    """Return a tqdm bar counting records, with rate and elapsed time.

    The bar shows only when stderr is a terminal, so logs and pipes stay clean; ``--quiet`` turns it
    off everywhere. (tqdm's own ``disable=None`` detection also looks beyond stderr, so it is decided
    here.)
    """
    return tqdm(
        desc=description,
        total=total,
        unit=" records",
        unit_scale=True,
        file=sys.stderr,
        disable=quiet or not sys.stderr.isatty(),
        dynamic_ncols=True,
        leave=True,
    )
