"""The export checkpoint file: where the stream stands and which output bytes it vouches for.

Saved atomically after each page is written and fsynced, it holds the stream's checkpoint, the output
file it belongs to, the byte offset after that page with a hash of the bytes just before it, and a
fingerprint of the command's arguments. Resuming checks the output is that file, at least that long,
with those bytes, then cuts it back to the offset: a crash between writing a page and saving the
checkpoint can neither lose nor duplicate a line, and a file edited or replaced since is refused.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import attrs
import orjson

from .._errors import ValidationError

#: How many bytes before the offset the checkpoint hashes, to recognise its output.
TAIL_BYTES = 64 * 1024


@attrs.frozen
class SavedExport:
    """What a checkpoint file holds."""

    fingerprint: dict[str, Any]
    stream_checkpoint: Any
    output: str
    output_offset: int
    tail_sha256: str
    records: int
    complete: bool = False


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so a reader, or a crash, sees the old or the new, never half.

    The bytes are fsynced before the rename and the directory after it, so the rename survives a
    power cut too.
    """
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def tail_hash(path: str | Path, offset: int) -> str:
    """Hash the up to :data:`TAIL_BYTES` bytes of ``path`` before ``offset``."""
    start = max(0, offset - TAIL_BYTES)
    with open(path, "rb") as handle:
        handle.seek(start)
        return hashlib.sha256(handle.read(offset - start)).hexdigest()


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
            output=str(data["output"]),
            output_offset=int(data["output_offset"]),
            tail_sha256=str(data["tail_sha256"]),
            records=int(data["records"]),
            complete=bool(data.get("complete", False)),
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


def check_output(checkpoint: Path, saved: SavedExport, output: str, written: str) -> None:
    """Refuse to resume into anything but the bytes the checkpoint vouches for.

    Args:
        checkpoint: the checkpoint's path, for the message.
        saved: what it holds.
        output: the ``--output`` given now.
        written: the file the export writes to (the output, or its ``.partial`` until complete).

    Raises:
        ValidationError: another output path, or the file is gone, shorter, or changed.
    """
    if str(Path(output).resolve()) != saved.output:
        raise ValidationError(
            f"--checkpoint {checkpoint} continues --output {saved.output}, not {output}; "
            "give that output, or another checkpoint file to start over"
        )
    where = f"--checkpoint {checkpoint} continues {written}"
    try:
        size = os.stat(written).st_size
    except FileNotFoundError:
        raise ValidationError(
            f"{where}, which is gone; delete the checkpoint to start over"
        ) from None
    if size < saved.output_offset:
        raise ValidationError(
            f"{where}, which is {size:,} bytes, shorter than the {saved.output_offset:,} it vouches "
            "for (edited or replaced?); delete the checkpoint to start over"
        )
    if tail_hash(written, saved.output_offset) != saved.tail_sha256:
        raise ValidationError(
            f"{where}, whose bytes before offset {saved.output_offset:,} changed since (edited or "
            "replaced?); delete the checkpoint to start over"
        )


def save(path: Path, saved: SavedExport) -> None:
    """Write a checkpoint atomically."""
    write_atomically(path, orjson.dumps(attrs.asdict(saved)))
