"""Per-chunk outcomes of calls that split their input to fit the API's limits (delete, subscribe...)."""

from __future__ import annotations

from typing import Any

import attrs

from .._errors import CleverTapError


@attrs.frozen
class ChunkResult:
    """One request's worth of values and what became of it.

    Attributes:
        values: the values sent in this request, in input order.
        start: the position of ``values[0]`` in the caller's input.
        response: the server's answer, when it accepted the request.
        error: the error, when the request failed after retries.
    """

    values: tuple[Any, ...]
    start: int
    response: dict[str, Any] | None = None
    error: CleverTapError | None = None

    @property
    def ok(self) -> bool:
        """Whether the server accepted this chunk."""
        return self.error is None


@attrs.frozen
class BulkResult:
    """Every chunk of one call, in input order: each value is in exactly one chunk.

    Attributes:
        chunks: the per-request outcomes.
    """

    chunks: tuple[ChunkResult, ...]

    @property
    def ok(self) -> bool:
        """Whether every chunk was accepted."""
        return all(chunk.ok for chunk in self.chunks)

    @property
    def failed(self) -> list[Any]:
        """The values whose request failed, to retry or report."""
        return [value for chunk in self.chunks if not chunk.ok for value in chunk.values]
