"""BatchWriter: a long-lived buffer that many tasks feed, flushed by size or by time.

Services call ``await writer.put(record)`` from request handlers; the writer groups records into
batches of ``max_records``, sends a batch when it is full or when its oldest record has waited
``linger`` seconds, keeps at most the upload concurrency of batches in flight, and makes ``put`` wait
when all of them are busy (backpressure). Every batch goes through the same :class:`Uploader` as
``upload()``, so the accounting is the same: a cumulative :class:`UploadReport`, and a callback for
batches with failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from . import _validation
from ._errors import ClientStateError, UploadCancelledError, ValidationError
from ._uploading import Uploader
from .models.reports import BatchResult, UndeliveredRecord, UploadReport

logger = logging.getLogger("clevertap_async")
FailureCallback = Callable[[BatchResult], None]


class BatchWriter:
    """Buffers records from many tasks and uploads them in batches; use it with ``async with``.

    Get one from ``ct.events.writer()``, ``ct.profiles.writer()`` or ``ct.tokens.writer()``.

    Example::

        async with ct.events.writer(max_records=1000, linger=0.5) as writer:
            await writer.put(Event("Signed up", identity=user_id))
        print(writer.report.accepted)

    Args:
        make_uploader: returns a fresh :class:`Uploader` for one batch (the resource binds the kind
            and options).
        max_records: records per batch at most.
        linger: seconds a record may wait in the buffer before its batch is sent.
        concurrency: batches in flight at most.
        on_failure: called with each batch result that has rejected or undelivered records.
    """

    def __init__(
        self,
        make_uploader: Callable[[], Uploader],
        *,
        max_records: int,
        linger: float,
        concurrency: int,
        on_failure: FailureCallback | None = None,
    ):
        _validation.positive(max_records, "max_records")
        if not isinstance(linger, int | float) or linger < 0:
            raise ValidationError(f"linger must be seconds >= 0, got {linger!r}")
        self._make_uploader = make_uploader
        self.max_records = max_records
        self.linger = float(linger)
        self._on_failure = on_failure
        #: Everything the writer has sent so far, cumulatively.
        self.report = UploadReport()
        self._buffer: list[Any] = []
        self._first_at = 0.0
        self._position = 0
        self._lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(concurrency)
        self._sending: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._linger_task: asyncio.Task[None] | None = None
        self._state = "new"

    async def __aenter__(self) -> Self:
        if self._state != "new":
            raise ClientStateError("a BatchWriter can be entered once")
        self._state = "open"
        self._linger_task = asyncio.create_task(self._linger_loop())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def buffered(self) -> int:
        """Records waiting in the buffer (not yet handed to a batch)."""
        return len(self._buffer)

    async def put(self, record: Any) -> None:
        """Add one record; waits while the buffer is full and every batch slot is busy.

        A put cancelled while it waits has not added its record.

        Example::

            await writer.put({"identity": "u-1", "evtName": "Signed up", "evtData": {}})

        Args:
            record: a model of the writer's kind or a wire dict.

        Raises:
            ClientStateError: the writer is not open (before ``async with`` or after close).
        """
        if self._state != "open":
            raise ClientStateError(f"the BatchWriter is {self._state}; use it inside `async with`")
        async with self._lock:
            if len(self._buffer) + 1 >= self.max_records:
                # The record completes a batch: wait for a batch slot before taking it, so a put
                # cancelled while it waits has not buffered its record and may safely be repeated.
                await self._slots.acquire()
                self._buffer.append(record)
                self._start_batch()
                return
            self._buffer.append(record)
            if len(self._buffer) == 1:
                self._first_at = asyncio.get_running_loop().time()
                self._wake.set()

    async def flush(self) -> None:
        """Send what is buffered and wait until every batch sent so far has its answer.

        Example::

            await writer.flush()
            assert writer.report.total == records_put
        """
        async with self._lock:
            await self._send_buffer()
        while self._sending:
            await asyncio.wait(set(self._sending))

    async def close(self) -> None:
        """Send what is buffered, wait for every answer and stop; safe to call twice."""
        if self._state != "open":
            self._state = "closed"
            return
        self._state = "closing"
        if self._linger_task is not None:
            self._linger_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._linger_task
        try:
            await self.flush()
        except BaseException as exc:
            # Cancelled (or failed) while draining: stop the batches in flight rather than leave
            # them running against a client that is about to close, and account for the buffer.
            await self._abort(exc)
            raise
        finally:
            self._state = "closed"

    async def _abort(self, cause: BaseException) -> None:
        sending = set(self._sending)
        for task in sending:
            task.cancel()
        if sending:
            await asyncio.wait(sending)
        if self._buffer:
            error = UploadCancelledError(f"the writer stopped before sending: {cause!r}")
            records, self._buffer = self._buffer, []
            start = self._position
            self._position += len(records)
            self._record(
                BatchResult(
                    number=0,
                    sent=0,
                    accepted=0,
                    undelivered=[
                        UndeliveredRecord(record, start + i, error, maybe_applied=False)
                        for i, record in enumerate(records)
                    ],
                )
            )

    async def _send_buffer(self) -> None:
        """Hand the buffer to a background batch once a slot is free (called under the lock)."""
        if not self._buffer:
            return
        # Waiting here, with the lock held, is the backpressure: every put waits behind it.
        await self._slots.acquire()
        self._start_batch()

    def _start_batch(self) -> None:
        """Send the buffer as one batch in the background (a batch slot is already held)."""
        records, self._buffer = self._buffer, []
        start, self._position = self._position, self._position + len(records)
        self._wake.clear()
        task = asyncio.create_task(self._upload(records, start))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _upload(self, records: list[Any], start: int) -> None:
        uploader = self._make_uploader()
        try:
            async for result in uploader.results(records, start=start):
                self._record(result)
        except BaseException as exc:
            for result in uploader.abandon(exc):
                self._record(result)
            raise
        finally:
            self._slots.release()

    def _record(self, result: BatchResult) -> None:
        self.report.add(result)
        if not result.ok and self._on_failure is not None:
            try:
                self._on_failure(result)
            except Exception:
                # A broken callback must not stop the writer: the failure is in the report anyway.
                logger.exception("BatchWriter on_failure callback raised")

    async def _linger_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            delay = self._first_at + self.linger - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
                continue  # the buffer may have been sent meanwhile; look again
            async with self._lock:
                if self._buffer and self._first_at + self.linger <= loop.time():
                    await self._send_buffer()
