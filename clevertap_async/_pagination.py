"""The cursor pager of the events and profiles exports (clevertap-api.md §6.2-§6.3, design §4.1).

One partition is one cursor flow: create the cursor (``POST``), then follow ``next_cursor`` (``GET``,
the cursor sent verbatim) until the key is absent. A stream is one partition (the whole date range), or
with ``parallel=N`` one partition per day, N of them running at once. Pages are fetched one ahead of the
caller per running partition, so the network overlaps with the caller's work and memory stays flat.

Where a stream stands is a :class:`Checkpoint`: for each partition, the cursor of the next page not yet
delivered, or None once finished. It is plain JSON, so a crashed export resumes without losing or repeating a page.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import orjson

from ._errors import APIError, CursorExpiredError, PaginationError, ValidationError
from ._protocol import is_cursor

if TYPE_CHECKING:
    from ._requester import Requester

T = TypeVar("T")

#: Not-ready answers (code 2) tolerated for one cursor before giving up.
DEFAULT_MAX_NOT_READY = 30
#: Throttled answers (code 1) tolerated for one cursor creation before giving up.
DEFAULT_MAX_THROTTLED = 10
_NOT_READY = 2
_THROTTLED = 1
_INCORRECT_USAGE = 3
#: The checkpoint's JSON format version, so a future change can still read old files.
CHECKPOINT_VERSION = 1


@attrs.frozen
class Checkpoint:
    """Where a stream stands: per partition, the cursor of the next page to fetch, or done.

    A partition is named ``"YYYYMMDD-YYYYMMDD"`` (its first and last day). A partition absent from
    ``cursors`` has delivered nothing and starts afresh on resume; one mapped to None is finished; one
    mapped to a cursor continues from the page after the last one delivered. Save the checkpoint of a
    page *after* handling that page's records: resuming from it then neither loses nor repeats a record.

    Example::

        async for page in ct.events.stream("Charged", 20260101, 20260131).pages():
            write(page.records)
            save(page.checkpoint.to_json())  # a JSON string
        ...
        ct.events.stream("Charged", 20260101, 20260131, resume_from=Checkpoint.from_json(saved))

    ``to_dict()`` / ``from_dict()`` do the same with a dict, for a checkpoint kept inside a larger
    JSON document.

    Attributes:
        cursors: partition name to next cursor (None when the partition is done).
    """

    cursors: Mapping[str, str | None] = attrs.field(factory=dict)

    @property
    def done(self) -> bool:
        """True when every partition named here is finished."""
        return all(cursor is None for cursor in self.cursors.values())

    def to_dict(self) -> dict[str, Any]:
        """Return the checkpoint as a JSON-serialisable dict (:meth:`from_dict` reads it back)."""
        return {"version": CHECKPOINT_VERSION, "cursors": dict(self.cursors)}

    def to_json(self) -> str:
        """Return the checkpoint as a JSON string (:meth:`from_json` reads it back).

        Before 0.2 this returned the dict that :meth:`to_dict` now returns. Reading the result as a
        dict (``["cursors"]``, ``.get``, ``.items()``...) still works for now, with a
        ``DeprecationWarning``.
        """
        return _CheckpointJSON(orjson.dumps(self.to_dict()).decode(), self.to_dict())

    @classmethod
    def from_dict(cls, data: Any) -> Checkpoint:
        """Read the dict :meth:`to_dict` wrote.

        Raises:
            ValidationError: ``data`` is not a checkpoint.
        """
        cursors = data.get("cursors") if isinstance(data, dict) else None
        if (
            not isinstance(data, dict)
            or data.get("version") != CHECKPOINT_VERSION
            or not isinstance(cursors, dict)
            or not all(isinstance(k, str) for k in cursors)
            or not all(v is None or isinstance(v, str) for v in cursors.values())
        ):
            raise ValidationError("resume_from is not a checkpoint", field="resume_from")
        return cls(cursors=dict(cursors))

    @classmethod
    def from_json(cls, text: str | bytes) -> Checkpoint:
        """Read the string :meth:`to_json` wrote.

        A dict (what ``to_json`` returned before 0.2) is still read, with a ``DeprecationWarning``:
        pass it to :meth:`from_dict` instead.

        Raises:
            ValidationError: ``text`` is not a checkpoint's JSON.
        """
        if isinstance(text, dict):
            warnings.warn(
                "Checkpoint.from_json(dict) is deprecated; use Checkpoint.from_dict(dict), or pass "
                "from_json the string to_json() returns",
                DeprecationWarning,
                stacklevel=2,
            )
            return cls.from_dict(text)
        if not isinstance(text, str | bytes):
            raise ValidationError("resume_from is not a checkpoint", field="resume_from")
        try:
            # orjson takes exact str only, and to_json() returns a str subclass.
            data = orjson.loads(text if isinstance(text, bytes) else str(text))
        except orjson.JSONDecodeError:
            raise ValidationError(
                "resume_from is not a checkpoint (not JSON)", field="resume_from"
            ) from None
        return cls.from_dict(data)


class _CheckpointJSON(str):
    """What ``Checkpoint.to_json`` returns: the JSON string, still readable as the old dict.

    ``to_json()`` used to return a dict. Code that indexes the result keeps working for a release,
    warned; everything a string does is unchanged.
    """

    __slots__ = ("_old",)
    _old: dict[str, Any]

    def __new__(cls, text: str, old: dict[str, Any]) -> _CheckpointJSON:
        made = super().__new__(cls, text)
        made._old = old
        return made

    def _as_dict(self) -> dict[str, Any]:
        warnings.warn(
            "Checkpoint.to_json() now returns a JSON string; use Checkpoint.to_dict() for the dict",
            DeprecationWarning,
            stacklevel=3,
        )
        return self._old

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._as_dict()[key]
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        """Deprecated: the dict form's ``get``."""
        return self._as_dict().get(key, default)

    def keys(self) -> Any:
        """Deprecated: the dict form's ``keys``."""
        return self._as_dict().keys()

    def values(self) -> Any:
        """Deprecated: the dict form's ``values``."""
        return self._as_dict().values()

    def items(self) -> Any:
        """Deprecated: the dict form's ``items``."""
        return self._as_dict().items()


@attrs.frozen
class Page(Generic[T]):
    """One page of an export.

    Attributes:
        records: the page's records (models, or the server's dicts with ``raw=True``); may be empty.
        partition: the partition the page belongs to (``"YYYYMMDD-YYYYMMDD"``).
        cursor: the cursor of the partition's next page, None when this was its last page.
        checkpoint: the whole stream's checkpoint once this page is handled.
    """

    records: list[T]
    partition: str
    cursor: str | None
    checkpoint: Checkpoint


@attrs.frozen
class Partition:
    """One cursor flow: a date range, and the cursor to continue from (None: create one)."""

    name: str
    start: int
    end: int
    cursor: str | None = None


@attrs.frozen
class Query:
    """What a stream asks for: the path, the creation's query parameters and its body."""

    path: str
    params: dict[str, Any]
    body: dict[str, Any]


def day_number(value: date) -> int:
    """Return a date as the API's ``YYYYMMDD`` integer."""
    return value.year * 10_000 + value.month * 100 + value.day


def partitions(start: date, end: date, *, by_day: bool) -> list[Partition]:
    """Split ``start..end`` (inclusive) into one partition, or one per day."""
    if not by_day:
        first, last = day_number(start), day_number(end)
        return [Partition(f"{first}-{last}", first, last)]
    days = []
    current = start
    while current <= end:
        number = day_number(current)
        days.append(Partition(f"{number}-{number}", number, number))
        current += timedelta(days=1)
    return days


def resume(plan: list[Partition], checkpoint: Checkpoint) -> list[Partition]:
    """Apply a checkpoint to a plan: drop finished partitions, continue started ones.

    Raises:
        ValidationError: the checkpoint names a partition this stream does not have (another date
            range, or another ``parallel`` setting).
    """
    names = {p.name for p in plan}
    unknown = sorted(set(checkpoint.cursors) - names)
    if unknown:
        raise ValidationError(
            f"resume_from names partitions this stream does not have ({', '.join(unknown[:3])}); "
            "resume with the same dates and parallel setting",
            field="resume_from",
        )
    out = []
    for part in plan:
        if part.name not in checkpoint.cursors:
            out.append(part)
        elif (cursor := checkpoint.cursors[part.name]) is not None:
            out.append(attrs.evolve(part, cursor=cursor))
    return out


class CursorStream(Generic[T]):
    """An export in progress: ``async for record in stream``, or ``async for page in stream.pages()``.

    Built by ``ct.events.stream(...)`` and ``ct.profiles.stream(...)``; nothing is sent until it is
    iterated. Each iteration starts from the beginning (or from ``resume_from``) again.
    """

    def __init__(
        self,
        requester: Requester,
        query: Query,
        plan: list[Partition],
        *,
        parse: Callable[[dict[str, Any]], T] | None,
        parallel: int,
        prefetch: bool,
        initial: Checkpoint,
        max_not_ready: int = DEFAULT_MAX_NOT_READY,
        max_throttled: int = DEFAULT_MAX_THROTTLED,
    ):
        self._request = requester.request
        self._back_off = requester.back_off
        self._query = query
        self._plan = plan
        self._parse = parse
        self._parallel = parallel
        self._prefetch = prefetch
        self._initial = initial
        self._max_not_ready = max_not_ready
        self._max_throttled = max_throttled

    def __repr__(self) -> str:
        return f"<CursorStream {self._query.path} partitions={len(self._plan)}>"

    async def __aiter__(self) -> AsyncIterator[T]:
        pages = self.pages()
        try:
            while True:
                try:
                    records = (await anext(pages)).records
                except StopAsyncIteration:
                    return
                for record in records:
                    yield record
                # Dropped before the next page is awaited: otherwise two pages live at once.
                del records
        finally:
            await pages.aclose()

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """Yield the export's pages, each with its records and the stream's checkpoint after it.

        Pages of different partitions interleave when ``parallel`` > 1; within a partition they come
        in order. Breaking out early cancels the fetches in flight (at once inside
        ``contextlib.aclosing``, else when the generator is collected).

        Example::

            async with contextlib.aclosing(stream.pages()) as pages:
                async for page in pages:
                    store(page.records)
                    save(page.checkpoint.to_json())

        Returns:
            An async generator of :class:`Page`.

        Raises:
            CursorExpiredError: the server rejected a cursor ("Incorrect Usage", an expired or
                invalidated cursor); ``checkpoint`` is the last good one.
            UnknownEventError: the account has never recorded the event (on cursor creation).
            ExportNotAllowedError: the API does not export this event (on cursor creation).
            PaginationError: the server repeated a cursor, or kept answering "not ready" or "throttled".
            APIError: any other error answer, after the transport's retries.
        """
        state: dict[str, str | None] = dict(self._initial.cursors)
        waiting = list(self._plan)
        running: dict[
            asyncio.Future[Any], AsyncGenerator[tuple[str, list[Any], str | None], None]
        ] = {}

        def fill() -> None:
            while waiting and len(running) < self._parallel:
                flow = self._flow(waiting.pop(0))
                running[asyncio.ensure_future(anext(flow))] = flow

        try:
            fill()
            while running:
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                # One page per wait; the others stay in ``running`` and come back at once. A done
                # future holds its page, so none may outlive the page's turn (memory stays flat).
                future = done.pop()
                del done
                flow = running.pop(future)
                try:
                    name, records, cursor = future.result()
                except StopAsyncIteration:
                    fill()
                    continue
                except PaginationError as error:
                    error.checkpoint = Checkpoint(dict(state))
                    raise
                finally:
                    del future
                if self._prefetch:
                    running[asyncio.ensure_future(anext(flow))] = flow
                state[name] = cursor
                parse = self._parse
                page: Page[T] = Page(
                    records if parse is None else [parse(r) for r in records],
                    name,
                    cursor,
                    Checkpoint(dict(state)),
                )
                del records
                yield page
                del page
                if not self._prefetch:
                    running[asyncio.ensure_future(anext(flow))] = flow
        finally:
            for future, flow in running.items():
                future.cancel()
                with contextlib.suppress(BaseException):
                    await future
                await flow.aclose()

    async def _flow(
        self, part: Partition
    ) -> AsyncGenerator[tuple[str, list[Any], str | None], None]:
        """Yield ``(partition, records, next cursor)`` for one partition's pages, in order."""
        cursor = part.cursor or await self._create(part)
        seen = {cursor}
        while True:
            data = await self._fetch(cursor)
            records = data.get("records")
            nxt = data.get("next_cursor")
            if nxt is None and data.get("status") == "partial":
                nxt = data.get("cursor")  # one integration reports intermediate pages this way
            if nxt is not None and not is_cursor(nxt):
                raise PaginationError(f"{self._query.path}: next_cursor is not a cursor: {nxt!r}")
            if nxt in seen:
                raise PaginationError(
                    f"{self._query.path}: the server repeated a cursor; stopping instead of looping"
                )
            if records is None:
                records = []  # an empty range comes without a "records" key (§6.2)
            elif not isinstance(records, list):
                raise PaginationError(f"{self._query.path}: records is not a list: {records!r:.80}")
            elif not all(isinstance(record, dict) for record in records):
                raise PaginationError(
                    f"{self._query.path}: records holds a value that is not an object"
                )
            # The frame must not keep the page while the caller holds it (suspended at the yield,
            # locals live on): hand it out through a box emptied as it goes, or pages pile up.
            box = [records]
            del data, records
            yield part.name, box.pop(), nxt
            if nxt is None:
                return
            seen.add(nxt)
            cursor = nxt

    async def _create(self, part: Partition) -> str:
        body = {**self._query.body, "from": part.start, "to": part.end}
        attempt = 0
        while True:
            try:
                data = await self._request(
                    "POST", self._query.path, params=self._query.params, json=body
                )
            except APIError as error:
                if error.code != _THROTTLED:
                    raise
                # The retry policy paces the waits; the throttled budget is the pager's own.
                if not await self._back_off(attempt, limit=self._max_throttled):
                    raise PaginationError(
                        f"{self._query.path}: still throttled after {self._max_throttled} tries"
                    ) from error
                attempt += 1
                continue
            cursor = data.get("cursor")
            if not is_cursor(cursor):
                raise PaginationError(f"{self._query.path}: the cursor answer has no cursor")
            return cursor

    async def _fetch(self, cursor: str) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                data: dict[str, Any] = await self._request(
                    "GET", self._query.path, verbatim_params={"cursor": cursor}
                )
                return data
            except APIError as error:
                if error.code == _NOT_READY:
                    if await self._back_off(attempt, limit=self._max_not_ready):
                        attempt += 1
                        continue
                    raise PaginationError(
                        f"{self._query.path}: the cursor was still not ready after "
                        f"{self._max_not_ready} tries"
                    ) from None
                if _rejects_cursor(error):
                    raise CursorExpiredError(
                        f"{self._query.path}: the server rejected the cursor ({error.message}); "
                        "resume from the error's checkpoint, or start again"
                    ) from error
                raise


#: How the API says a cursor is no longer valid: "Incorrect Usage" (code 3) for a cursor it cannot
#: read, and the texts other integrations match for one that expired (events cursors live 4 hours, or
#: 1 hour idle; profiles cursors 4 days). All mean the same to the caller: resume or start again.
_CURSOR_REJECTED = ("incorrect usage", "invalid cursor", "cursor_invalidated", "cursor invalidated")


def _rejects_cursor(error: APIError) -> bool:
    message = error.message.lower()
    return error.code == _INCORRECT_USAGE or any(text in message for text in _CURSOR_REJECTED)
