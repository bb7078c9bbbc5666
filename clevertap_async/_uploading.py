"""The concurrent upload driver: records in, batch results out, every record accounted for.

Records are pulled lazily from a list, a sync iterable or an async iterable; at most ``concurrency``
batches are in flight plus one being filled, which is the backpressure on a huge source. Each batch is
one request through the requester (retried as its policy says); records the server refuses with 555
(its only transient record error) are re-sent after the policy's backoff, others are reported; an answer that cannot be matched to its batch leaves
the unexplained records undelivered rather than guessing. Modelled on elasticsearch-py's async
``streaming_bulk``: a stream of per-batch results, with the summary built on it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, AsyncIterable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from . import _batching, _limits, _record_validation, _validation
from ._batching import Batch, Item
from ._errors import (
    APIConnectionError,
    CleverTapError,
    MalformedResponseError,
    UploadCancelledError,
    UploadMismatchError,
    ValidationError,
)
from ._retry import RetryPolicy
from .models.reports import (
    CLIENT_NOT_JSON,
    CLIENT_TOO_LARGE,
    BatchResult,
    RejectedRecord,
    UndeliveredRecord,
)

if TYPE_CHECKING:
    from ._requester import Requester

_SKIPPED = re.compile(r"Skipped record number\s*:\s*(\d+)")
_ECHO_KEYS = (*_limits.IDENTITY_KEYS, "evtName")
#: Records of events carry this many; tokens have their own, lower cap.
MAX_RECORDS = {
    "event": _limits.MAX_UPLOAD_RECORDS,
    "profile": _limits.MAX_UPLOAD_RECORDS,
    "token": _limits.MAX_TOKEN_RECORDS,
}
#: The one record code the docs call transient ("Miscellaneous server error"); 509-535 are permanent,
#: and so is 528 (the event name was discarded in the dashboard).
RETRYABLE_RECORD_CODE = 555


class _Launched:
    """A batch handed to a task, with the rejections that ride with it, and whether it went out."""

    __slots__ = ("batch", "number", "rejected", "sent")

    def __init__(self, number: int, batch: Batch, rejected: list[RejectedRecord]):
        self.number = number
        self.batch = batch
        self.rejected = rejected
        #: A request carrying the batch went out (it may wait for a slot first): from then on the
        #: server may have stored its records even if the upload stops before the answer.
        self.sent = False

    def mark_sent(self) -> None:
        """Called by the transport as a request carrying the batch goes out."""
        self.sent = True


class Matched(NamedTuple):
    """How one answer accounts for the items of its request."""

    accepted: int
    rejected: list[tuple[Item, int, str]]
    unexplained: list[Item]
    reason: str


def match_answer(answer: Any, batch: Batch) -> Matched:
    """Map an upload answer (``processed`` and one ``unprocessed`` entry per refused record) back onto the items sent, without losing any.

    Each ``unprocessed`` entry is placed by its 1-based "Skipped record number : N", checked against the
    echoed record; when the two disagree or N is missing, by the echo alone. If any entry stays
    unplaced, or ``processed`` disagrees with the count, the items not placed are *unexplained*.
    """
    entries = answer.get("unprocessed") if isinstance(answer, dict) else None
    entries = entries if isinstance(entries, list) else []
    taken: dict[int, tuple[int, str]] = {}
    sent = _SentKeys(batch)
    unplaced = 0
    for entry in entries:
        index = _place(entry, sent, taken) if isinstance(entry, dict) else None
        if index is None:
            unplaced += 1
            continue
        code = entry.get("code")
        taken[index] = (code if isinstance(code, int) else 0, str(entry.get("error", "")))
    rejected = [(batch.item(index), *taken[index]) for index in sorted(taken)]
    processed = answer.get("processed") if isinstance(answer, dict) else None
    if not unplaced and processed == len(batch) - len(taken):
        return Matched(processed, rejected, [], "")
    rest = [item for index, item in enumerate(batch.items()) if index not in taken]
    reason = (
        f"the answer does not account for the batch: {len(batch)} records sent, processed="
        f"{processed!r}, {len(entries)} rejections of which {unplaced} match no record sent"
    )
    return Matched(0, rejected, rest, reason)


def _place(entry: dict[str, Any], sent: _SentKeys, taken: dict[int, Any]) -> int | None:
    echo = entry.get("record")
    echoed = _keys_of(echo) if isinstance(echo, dict) else None
    found = _SKIPPED.search(str(entry.get("error", "")))
    if found:
        index = int(found.group(1)) - 1
        in_batch = 0 <= index < len(sent) and index not in taken
        if in_batch and (echoed is None or sent[index] == echoed):
            return index
    if echoed is None:
        return None
    for index in range(len(sent)):
        if index not in taken and sent[index] == echoed:
            return index
    return None


class _SentKeys:
    """The echo-comparable keys of each item sent, parsed from its bytes at most once per answer.

    A batch whose rejections lack their record numbers is matched by scanning every item for each
    rejection; parsing on every comparison would cost a parse per item per rejection.
    """

    def __init__(self, batch: Batch):
        self._batch = batch
        self._keys: dict[int, tuple[str | None, ...]] = {}

    def __len__(self) -> int:
        return len(self._batch)

    def __getitem__(self, index: int) -> tuple[str | None, ...]:
        keys = self._keys.get(index)
        if keys is None:
            keys = self._keys[index] = _keys_of(orjson.loads(self._batch.payload(index)))
        return keys


def _keys_of(record: dict[str, Any]) -> tuple[str | None, ...]:
    # The server echoes identities as strings, so both sides are compared as text.
    return tuple(_text(record.get(key)) for key in _ECHO_KEYS)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _maybe_applied(error: CleverTapError) -> bool:
    # A dropped connection, a timeout or a cut body may come after the server applied the request.
    return isinstance(error, APIConnectionError | MalformedResponseError)


def _sync_iterable(records: Any) -> Iterable[Any]:
    if isinstance(records, Iterable) and not isinstance(records, str | bytes | dict):
        return records
    raise ValidationError(
        f"records must be a list, an iterable or an async iterable of records, got "
        f"{type(records).__name__}",
        field="records",
    )


class Uploader:
    """One upload run: pulls records, sends batches concurrently, yields a result per batch.

    Args:
        requester: what the batches are sent through (the client's transport).
        retry: the retry policy of the batches and the 555 re-sends (default: the requester's).
        kind: ``"event"``, ``"profile"`` or ``"token"``.
        dry_run: validate on the server without storing (``?dryRun=1``).
        validate: run the client-side checks first.
        batch_size: records per request at most (capped at the API's limit for the kind).
        max_batch_bytes: bytes per request body at most.
        concurrency: batches in flight at most (defaults to the client's upload concurrency).
    """

    def __init__(
        self,
        requester: Requester,
        kind: _record_validation.Kind,
        *,
        retry: RetryPolicy | None = None,
        dry_run: bool = False,
        validate: bool = True,
        batch_size: int | None = None,
        max_batch_bytes: int = _batching.DEFAULT_MAX_BATCH_BYTES,
        concurrency: int | None = None,
    ):
        limit = MAX_RECORDS[kind]
        if batch_size is not None:
            _validation.positive(batch_size, "batch_size")
        if not isinstance(max_batch_bytes, int) or max_batch_bytes <= _batching.BODY_OVERHEAD:
            raise ValidationError(
                f"max_batch_bytes must be an int above {_batching.BODY_OVERHEAD}",
                field="max_batch_bytes",
            )
        self._request = requester.request
        self._back_off = requester.back_off
        self._retry = retry or requester.retry
        self.kind = kind
        self._params = {"dryRun": 1} if dry_run else None
        self._validate = validate
        self._chunker = _batching.Chunker(min(batch_size or limit, limit), max_batch_bytes)
        self._concurrency = concurrency or requester.upload_concurrency
        self._batches = 0
        self._early_rejects: list[RejectedRecord] = []
        self._in_flight: dict[asyncio.Task[BatchResult], _Launched] = {}
        #: Sealed batches waiting for a free slot: never sent if the run stops now.
        self._waiting: list[Batch] = []
        self._position = 0

    async def results(self, records: Any, *, start: int = 0) -> AsyncGenerator[BatchResult, None]:
        """Upload ``records`` and yield one :class:`BatchResult` per batch, as batches finish.

        Args:
            records: models or wire dicts, from a list, an iterable or an async iterable.
            start: the position of the first record (a writer numbers its records across flushes).
        """
        tasks = self._in_flight
        self._position = start
        try:
            # Lists and sync iterables are walked without an await per record: it is the hot loop.
            if isinstance(records, AsyncIterable):
                async for record in records:
                    if batches := self._take((record,)):
                        await self._dispatch(batches)
                        for result in self._collect():
                            yield result
            else:
                source = iter(_sync_iterable(records))
                while batches := self._take(source):
                    await self._dispatch(batches)
                    for result in self._collect():
                        yield result
            rest = self._chunker.flush()
            if rest or self._early_rejects:
                self._launch(rest)
            while tasks:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for result in self._collect():
                    yield result
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)

    async def _dispatch(self, batches: Sequence[Batch]) -> None:
        """Launch sealed batches, each once fewer than ``concurrency`` batches are running."""
        self._waiting = list(batches)
        while self._waiting:
            running = [task for task in self._in_flight if not task.done()]
            if len(running) >= self._concurrency:
                await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                continue
            self._launch(self._waiting.pop(0))
            # Let the new request go out now, not after the next batch has been built.
            await asyncio.sleep(0)

    def _collect(self) -> list[BatchResult]:
        # Finished batches leave the in-flight table only here, just before they are yielded, so a
        # cancellation at any await finds every unreported batch still in the table.
        done = [task for task in self._in_flight if task.done()]
        for task in done:
            del self._in_flight[task]
        return [task.result() for task in done]

    def abandon(self, cause: BaseException) -> list[BatchResult]:
        """Account for everything pulled but not yet reported, after the run stopped early.

        Batches that finished keep their results; batches still in flight, and the one being filled,
        are undelivered with an :class:`UploadCancelledError` naming ``cause``.
        """
        error = UploadCancelledError(f"the upload stopped before an answer: {cause!r}")
        finished: list[BatchResult] = []
        rejected = list(self._early_rejects)
        undelivered: list[UndeliveredRecord] = []
        for task, launched in self._in_flight.items():
            if task.done() and not task.cancelled() and task.exception() is None:
                finished.append(task.result())
                continue
            rejected.extend(launched.rejected)
            # A batch still waiting for a slot (another upload of the client, or another process,
            # holds them all) was never sent.
            undelivered.extend(
                UndeliveredRecord(i.record, i.position, error, maybe_applied=launched.sent)
                for i in launched.batch.items()
            )
        for batch in [*self._waiting, self._chunker.flush()]:
            undelivered.extend(
                UndeliveredRecord(i.record, i.position, error, maybe_applied=False)
                for i in batch.items()
            )
        self._waiting = []
        self._in_flight.clear()
        self._early_rejects = []
        if not (rejected or undelivered):
            return finished
        # Built once, complete: a result is frozen and nothing adds to it afterwards.
        positions = [r.position for r in rejected] + [u.position for u in undelivered]
        cut = BatchResult(
            number=0,
            sent=0,
            accepted=0,
            rejected=rejected,
            undelivered=undelivered,
            positions=positions,
        )
        return [*finished, cut]

    def _launch(self, batch: Batch) -> None:
        # Rejections found while this batch filled travel with it, so they are reported once.
        self._batches += 1
        launched = _Launched(self._batches, batch, self._early_rejects)
        self._early_rejects = []
        self._in_flight[asyncio.create_task(self._send(launched))] = launched

    def _take(self, records: Iterable[Any]) -> Sequence[Batch]:
        """Check and serialise records until one seals a batch; return the sealed batches.

        Returns an empty sequence once ``records`` is exhausted. One call walks many records, with
        what it needs in locals: a Python call per record was a tenth of the unchecked path.
        """
        kind = self.kind
        check = _record_validation.CHECKS[kind] if self._validate else None
        chunker = self._chunker
        max_payload = chunker.max_payload
        dumps = orjson.dumps
        for record in records:
            position = self._position
            self._position = position + 1
            # A wire dict of the right type, the bulk of large uploads, is sent as it is.
            if type(record) is dict and record.get("type") == kind:
                wire: Any = record
                if check is not None and (problem := check(record)):
                    self._reject(record, position, problem.code, problem.error)
                    continue
            else:
                wire = _record_validation.prepare(kind, record, validate=check is not None)
                if type(wire) is _record_validation.Problem:
                    self._reject(record, position, wire.code, wire.error)
                    continue
            try:
                payload = dumps(wire)
            except orjson.JSONEncodeError as exc:
                self._reject(record, position, CLIENT_NOT_JSON, f"not JSON: {exc}")
                continue
            if len(payload) > max_payload:
                self._reject(
                    record,
                    position,
                    CLIENT_TOO_LARGE,
                    f"the record is {len(payload):,} bytes serialised, over the request budget of "
                    f"{chunker.max_bytes:,} bytes (max_batch_bytes)",
                )
                continue
            if sealed := chunker.add(position, record, payload):
                return sealed
        return ()

    def _reject(self, record: Any, position: int, code: int, error: str) -> None:
        self._early_rejects.append(RejectedRecord(record, position, code, error, source="client"))

    async def _send(self, launched: _Launched) -> BatchResult:
        """Send one batch (and its 555 re-sends); account for every record and early rejection."""
        batch, rejected = launched.batch, list(launched.rejected)
        positions = [*batch.positions, *(early.position for early in rejected)]
        sent, accepted, rounds = len(batch), 0, 0
        undelivered: list[UndeliveredRecord] = []
        failures: list[CleverTapError] = []
        while batch:
            rounds += 1
            try:
                answer = await self._request(
                    "POST",
                    _limits.UPLOAD_PATH,
                    params=self._params,
                    body=batch.body(),
                    allow_fail_status=True,
                    retry=self._retry,
                    on_retry=failures.append,
                    on_send=launched.mark_sent,
                )
            except CleverTapError as exc:
                undelivered.extend(
                    UndeliveredRecord(i.record, i.position, exc) for i in batch.items()
                )
                break
            matched = match_answer(answer, batch)
            accepted += matched.accepted
            mismatch = UploadMismatchError(matched.reason)
            undelivered.extend(
                UndeliveredRecord(i.record, i.position, mismatch) for i in matched.unexplained
            )
            retry = [item for item, code, _ in matched.rejected if code == RETRYABLE_RECORD_CODE]
            # The policy paces the re-sends like any retry, and says when to stop re-sending.
            if retry and not await self._back_off(rounds - 1, retry=self._retry):
                retry = []
            rejected.extend(
                RejectedRecord(item.record, item.position, code, error)
                for item, code, error in matched.rejected
                if not (retry and code == RETRYABLE_RECORD_CODE)
            )
            batch = Batch.of(retry)
        return BatchResult(
            number=launched.number,
            sent=sent,
            accepted=accepted,
            rejected=sorted(rejected, key=lambda entry: entry.position),
            undelivered=undelivered,
            possibly_duplicated=accepted if any(map(_maybe_applied, failures)) else 0,
            attempts=len(failures) + rounds,
            positions=positions,
        )
