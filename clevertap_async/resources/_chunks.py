"""Send a long list of values in API-sized chunks, concurrently, and account for every chunk.

The transport's query cap bounds how many chunks are in flight; a chunk that fails after retries is
reported in its ChunkResult, never dropped, and never stops the other chunks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .._errors import CleverTapError, ValidationError
from ..models.bulk import BulkResult, ChunkResult

if TYPE_CHECKING:
    from .._requester import Requester


async def send_in_chunks(
    requester: Requester,
    path: str,
    values: Sequence[Any],
    size: int,
    body: Callable[[list[Any]], dict[str, Any]],
    *,
    field: str,
) -> BulkResult:
    """POST ``values`` to ``path`` ``size`` at a time, ``body(chunk)`` building each request."""
    if not values:
        raise ValidationError(f"{field} must not be empty", field=field)

    async def send(start: int) -> ChunkResult:
        chunk = list(values[start : start + size])
        try:
            answer = await requester.request("POST", path, json=body(chunk))
        except CleverTapError as error:
            return ChunkResult(tuple(chunk), start, error=error)
        return ChunkResult(tuple(chunk), start, response=answer)

    chunks = await asyncio.gather(*(send(start) for start in range(0, len(values), size)))
    return BulkResult(tuple(chunks))
