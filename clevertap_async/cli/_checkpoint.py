"""The export checkpoint file: where the stream stands and how much of the output is good.

Saved atomically (write a temporary file, then rename) after each page is written, it holds the stream's
checkpoint, the output's byte offset after that page, and a fingerprint of the command's arguments.
Resuming cuts the output back to that offset, so a crash between writing a page and saving the
checkpoint can neither lose nor duplicate a line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs
import orjson

from .._errors import ValidationError


@attrs.frozen
class SavedExport:
    """What a checkpoint file holds."""

    fingerprint: dict[str, Any]
    stream_checkpoint: Any
    output_offset: int
    records: int


def load(path: Path, fingerprint: dict[str, Any]) -> SavedExport | None:
    """Read a checkpoint; None when there is none yet.

    Raises:
        ValidationError: the file is unreadable, or was written by an export with other arguments.
    """
    if not path.exists():
        return None
    try:
        data = orjson.loads(path.read_bytes())
        saved = SavedExport(
            fingerprint=data["fingerprint"],
            stream_checkpoint=data["stream_checkpoint"],
            output_offset=int(data["output_offset"]),
            records=int(data["records"]),
        )
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"--checkpoint {path}: not a readable checkpoint ({exc})") from None
    if saved.fingerprint != fingerprint:
        changed = sorted(
            key
            for key in {*saved.fingerprint, *fingerprint}
            if saved.fingerprint.get(key) != fingerprint.get(key)
        )
        raise ValidationError(
            f"--checkpoint {path} belongs to an export with different {', '.join(changed)}; "
            "use the same arguments to resume, or another checkpoint file"
        )
    return saved


def save(path: Path, saved: SavedExport) -> None:
    """Write a checkpoint atomically: a reader sees the old one or the new one, never half."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(orjson.dumps(attrs.asdict(saved)))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
