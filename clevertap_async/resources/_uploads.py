"""``upload``, ``upload_batches`` and ``writer``: what the events, profiles and tokens namespaces share.

Each namespace binds its record kind; the work is done by :class:`~clevertap_async._uploading.Uploader`
(one code path for all three methods).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any, ClassVar

from .. import _batching
from .._record_validation import Kind
from .._uploading import MAX_RECORDS, Uploader
from .._writer import BatchWriter, FailureCallback
from ..models.reports import BatchResult, UploadReport
from ._base import Resource

Progress = Callable[[UploadReport], None]


class Uploads(Resource):
    """Upload methods for one record kind (``_KIND``)."""

    _KIND: ClassVar[Kind]

    async def upload(
        self,
        records: Any,
        *,
        dry_run: bool = False,
        validate: bool = True,
        batch_size: int | None = None,
        max_batch_bytes: int = _batching.DEFAULT_MAX_BATCH_BYTES,
        progress: Progress | None = None,
        report: UploadReport | None = None,
    ) -> UploadReport:
        """Upload records in concurrent batches and account for every one of them.

        Records are pulled lazily (a generator of millions is never held in memory), checked, sent in
        batches of at most 1000 records (100 for tokens) and ``max_batch_bytes``, with up to the
        client's ``upload_concurrency`` batches in flight. Failures are retried as the client's
        retry policy says; records refused with code 555 are re-sent after its backoff. Event uploads are at-least-once: a
        batch re-sent after a lost answer may be stored twice (counted in
        ``report.possibly_duplicated``).

        Example::

            report = await ct.events.upload(
                Event("Charged", {"Amount": 30}, identity=str(user)) for user in users
            )
            report.raise_for_failures()

        Args:
            records: models (:class:`Event`, :class:`Profile`, :class:`DeviceToken`) or wire dicts
                (``type`` may be left out), from a list, a sync iterable or an async iterable.
            dry_run: let the server validate without storing (``?dryRun=1``).
            validate: check records client-side first; invalid ones are reported in ``rejected``
                with a code and never sent. False leaves validation to the server.
            batch_size: records per request at most (never above the API's limit).
            max_batch_bytes: request body bytes at most; a record larger than this alone is
                rejected client-side with code 1003.
            progress: called with the running report after each batch.
            report: a report to fill in place; pass one to read what happened if the upload is
                cancelled (records without an answer are then in ``undelivered``).

        Returns:
            The :class:`UploadReport`: ``accepted + len(rejected) + len(undelivered)`` equals the
            number of records given.

        Raises:
            ValidationError: ``records`` is not iterable, or an option is out of range.
            ClientStateError: the client is not open.
        """
        uploader = self._uploader(dry_run, validate, batch_size, max_batch_bytes)
        report = report if report is not None else UploadReport()
        report.dry_run = dry_run
        results = uploader.results(records)
        try:
            async with aclosing(results):
                async for result in results:
                    report.add(result)
                    if progress is not None:
                        progress(report)
        except BaseException as exc:
            # Cancelled or stopped by the source: what was pulled but has no answer is undelivered.
            for result in uploader.abandon(exc):
                report.add(result)
            raise
        return report

    async def upload_batches(
        self,
        records: Any,
        *,
        dry_run: bool = False,
        validate: bool = True,
        batch_size: int | None = None,
        max_batch_bytes: int = _batching.DEFAULT_MAX_BATCH_BYTES,
    ) -> AsyncIterator[BatchResult]:
        """Upload like :meth:`upload`, yielding each batch's result as it finishes.

        Leaving the loop early cancels the batches still in flight; their records are not reported.

        Example::

            async for batch in ct.events.upload_batches(records):
                for rejected in batch.rejected:
                    log.warning("record %d: %s", rejected.position, rejected.error)

        Args:
            records: as for :meth:`upload`.
            dry_run: as for :meth:`upload`.
            validate: as for :meth:`upload`.
            batch_size: as for :meth:`upload`.
            max_batch_bytes: as for :meth:`upload`.

        Returns:
            An async iterator of :class:`BatchResult`, in the order batches finish.

        Raises:
            ValidationError: ``records`` is not iterable, or an option is out of range.
        """
        uploader = self._uploader(dry_run, validate, batch_size, max_batch_bytes)
        async with aclosing(uploader.results(records)) as results:
            async for result in results:
                yield result

    def writer(
        self,
        *,
        max_records: int | None = None,
        linger: float = 0.5,
        on_failure: FailureCallback | None = None,
        dry_run: bool = False,
        validate: bool = True,
        max_batch_bytes: int = _batching.DEFAULT_MAX_BATCH_BYTES,
    ) -> BatchWriter:
        """Return a :class:`BatchWriter` that many tasks can feed; use it with ``async with``.

        Example::

            async with ct.events.writer(max_records=1000, linger=0.5) as writer:
                await writer.put(Event("Signed up", identity="u-1"))
            writer.report.raise_for_failures()

        Args:
            max_records: records per batch (default and maximum: the API's limit for the kind).
            linger: seconds a record may wait before its batch is sent.
            on_failure: called with each batch result that has rejected or undelivered records.
            dry_run: as for :meth:`upload`.
            validate: as for :meth:`upload`.
            max_batch_bytes: as for :meth:`upload`.

        Returns:
            A writer, not yet started (``async with`` starts it and drains it on exit).

        Raises:
            ValidationError: an option is out of range.
        """
        limit = MAX_RECORDS[self._KIND]
        size = limit if max_records is None else max_records
        writer = BatchWriter(
            lambda: self._uploader(dry_run, validate, min(size, limit), max_batch_bytes),
            max_records=size,
            linger=linger,
            concurrency=self._requester.upload_concurrency,
            on_failure=on_failure,
        )
        self._uploader(dry_run, validate, min(size, limit), max_batch_bytes)  # options checked now
        return writer

    def _uploader(
        self, dry_run: bool, validate: bool, batch_size: int | None, max_batch_bytes: int
    ) -> Uploader:
        return Uploader(
            self._requester,
            self._KIND,
            dry_run=dry_run,
            validate=validate,
            batch_size=batch_size,
            max_batch_bytes=max_batch_bytes,
        )
