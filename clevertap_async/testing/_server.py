"""FakeCleverTap: an in-process CleverTap server on 127.0.0.1, faithful to the documented API.

Every request passes the same gate the real API has, in the same order: credentials (401), the
per-account concurrency cap of its API (429 "Too many concurrent requests"), then any injected fault,
then the endpoint. Endpoints live one group to a module (``_bulletins``...); this module only wires them
together, keeps the request log and statistics, and serves the ``/__fake__/`` admin API that other
processes (benchmarks, the command line) use to steer a fake they did not start.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import attrs
import orjson
from aiohttp import web

from .. import _limits
from . import _bulletins, _campaigns, _counts, _exports, _profile_admin, _uploads, _wire
from ._campaigns import FakeCampaign
from ._counts import PendingCount
from ._exports import CursorTable, ExportSettings
from ._faults import FaultInjector, FaultKind, FaultRule
from ._keys import FAKE
from ._seed import SeedStore

if TYPE_CHECKING:
    from .._client import CleverTap

ADMIN_PREFIX = "/__fake__/"
DEFAULT_ACCOUNT_ID = "FAKE-ACC-0001"
DEFAULT_PASSCODE = "fake-passcode"


@attrs.define
class RecordedRequest:
    """One request the fake received (the passcode is never recorded).

    Attributes:
        method: the HTTP method.
        path: the path, without the query.
        query: the query string exactly as sent (still percent-encoded).
        account_id: the ``X-CleverTap-Account-Id`` header.
        body: the raw body.
        status: the HTTP status answered (0 when the connection was dropped).
        fault: the kind of fault injected, if any.
    """

    method: str
    path: str
    query: str
    account_id: str | None
    body: bytes
    status: int = 0
    fault: str | None = None

    def json(self) -> Any:
        """Return the body decoded as JSON (None for an empty body)."""
        return orjson.loads(self.body) if self.body else None


def family_of(path: str) -> str:
    """The fake's own view of which concurrency pool a path draws from (§4.2)."""
    return "upload" if path == _limits.UPLOAD_PATH else path


class FakeCleverTap:
    """A fake CleverTap API server for tests and demos, on a real socket.

    Example::

        async with FakeCleverTap() as fake:
            async with fake.client() as ct:
                await ct.bulletins.trigger(...)
            assert fake.bulletins[0]["business_event"] == "Sale"

    Args:
        account_id: the account ID the fake accepts.
        passcode: the passcode the fake accepts.
        host: the address to listen on (loopback by default).
        port: the port, or 0 for a free one.
        upload_concurrency: in-flight ``/1/upload`` requests before a 429.
        query_concurrency: in-flight requests per other API path before a 429.
        seed: seeds fault rates and generated data, for reproducible runs.
        record_bodies: keep each request's body in the log (benchmarks turn it off).
        partial_counts: how many times each counts query answers "partial" before its result; the
            real API was always seen to answer "partial" first, so the default is 1 (0: at once).

    Like the real API, the fake refuses exports and counts of an event it has never seen (400
    "Invalid event : X"; it knows an event once seeded, uploaded, put in ``daily_counts`` or
    ``known_events``), refuses exports of notification events (400 "Export not allowed for this
    event"), refuses a ``to`` after tomorrow on its clock, and expires cursors on its clock (events:
    4 hours after creation or 1 hour idle; profiles: 4 days; see ``fake.exports``).
    """

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        passcode: str = DEFAULT_PASSCODE,
        host: str = "127.0.0.1",
        port: int = 0,
        upload_concurrency: int = _limits.UPLOAD_CONCURRENCY,
        query_concurrency: int = _limits.QUERY_CONCURRENCY,
        seed: int | None = 0,
        record_bodies: bool = True,
        partial_counts: int = 1,
    ):
        self.account_id = account_id
        self._passcode = passcode
        self.host = host
        self.port = port
        self.upload_concurrency = upload_concurrency
        self.query_concurrency = query_concurrency
        self.seed = seed
        self.record_bodies = record_bodies
        self.faults = FaultInjector(seed)
        self.requests: list[RecordedRequest] = []
        #: The most requests each concurrency family had in flight at once.
        self.max_in_flight: Counter[str] = Counter()
        #: How many requests of each concurrency family were answered 429 for being over the cap.
        self.throttled: Counter[str] = Counter()
        self._in_flight: Counter[str] = Counter()
        #: Bulletins accepted by ``POST /1/targets/trigger.json``, as sent.
        self.bulletins: list[dict[str, Any]] = []
        #: The fake's time in seconds; replace it to move time in tests (visibility delays).
        self.clock: Callable[[], float] = time.time
        self._partial_counts = partial_counts
        #: How many times a counts query answers "partial" before its result.
        self.count_partials = partial_counts
        #: Event names the account knows besides the seeded and uploaded ones (exports and counts of
        #: any other name answer 400 "Invalid event : X").
        self.known_events: set[str] = set()
        #: Event names discarded in the dashboard: uploads of them are refused per record with 528.
        #: Matched ignoring case and whitespace, as the API matches event names.
        self.discarded_events: set[str] = set()
        #: Event names uploads may not raise (513): the published list, and any a test adds.
        self.restricted_events: set[str] = set(_limits.RESTRICTED_EVENT_NAMES)
        #: Answer GET polls of counts with 405, like servers that want the query POSTed again.
        self.reject_get_polls = False
        #: Overrides: how often an event happens per day (by as many distinct profiles). Counts and
        #: trends of an event named here come from this, not from the seeded and uploaded data.
        self.daily_counts: dict[str, int] = {}
        #: Overrides: top values per property name, ``{"STR" | "NUMBER": {value: count}}``; other
        #: properties' top values are computed from the seeded and uploaded events.
        self.top_values: dict[str, dict[str, dict[str, int]]] = {}
        #: Users active now, for ``/1/now.json``.
        self.realtime_count = 0
        #: Message reports ``/1/message/report.json`` serves, each with a ``date`` (``YYYYMMDD``).
        self.message_reports: list[dict[str, Any]] = []
        self.pending_counts: dict[int, PendingCount] = {}
        #: Campaigns by ID, as created.
        self.campaigns: dict[int, FakeCampaign] = {}
        #: Messages accepted by ``/1/send/*.json``, each with its ``channel``.
        self.sends: list[dict[str, Any]] = []
        #: Seconds before a delete or demerge shows in exports and ``profile.json``.
        self.visibility_delay = 0.0
        #: When each deleted or demerged profile goes away, by ``("identity" | "guid", id)``.
        self.removed_profiles: dict[tuple[str, str], float] = {}
        #: Subscription status by ``("email" | "phone", value)``.
        self.subscriptions: dict[tuple[str, str], str] = {}
        #: Phone numbers disassociated from their profiles, in order.
        self.disassociated: list[str] = []
        #: Events accepted by ``POST /1/upload`` (not in dry runs, nor with ``record_bodies=False``).
        self.uploaded_events: list[dict[str, Any]] = []
        #: Profiles accepted by ``POST /1/upload``, upserted: keyed by ``"identity:<id>"`` (or
        #: ``objectId:``, ``FBID:``, ``GPID:``), later ``profileData`` merged over earlier.
        self.uploaded_profiles: dict[str, dict[str, Any]] = {}
        #: Device tokens accepted by ``POST /1/upload``.
        self.uploaded_tokens: list[dict[str, Any]] = []
        #: The next this-many otherwise valid upload records are refused with code 555.
        self.transient_record_failures = 0
        #: How export cursors behave (page sizes, not-ready answers, throttling, expiry).
        self.exports = ExportSettings()
        #: Seeded export data (events and profiles), see ``seed_events`` and ``seed_profiles``.
        self.seeded = SeedStore(seed)
        #: Generate events for the events export: ``seed_events(name, count=, start=, end=, ...)``.
        self.seed_events = self.seeded.seed_events
        #: Generate profiles for the profiles export and ``profile.json``: ``seed_profiles(count=...)``.
        self.seed_profiles = self.seeded.seed_profiles
        #: The export cursors handed out so far.
        self.cursors = CursorTable(random.Random(seed))
        self._runner: web.AppRunner | None = None

    def __repr__(self) -> str:
        state = self.url if self._runner else "stopped"
        return f"<FakeCleverTap {state} account_id={self.account_id!r}>"

    @property
    def url(self) -> str:
        """The base URL to give a client, e.g. ``http://127.0.0.1:54321``."""
        if self._runner is None:
            raise RuntimeError("the fake server is not running; use `async with FakeCleverTap()`")
        return f"http://{self.host}:{self.port}"

    def client(self, **options: Any) -> CleverTap:
        """Return a CleverTap client pointed at this fake with its credentials (not yet opened).

        Args:
            options: any ``CleverTap`` keyword argument. The ``backoff=`` and ``max_retries=`` of
                older test code are turned into the equivalent ``retry=`` policy here, so test
                suites written against them keep running unchanged.
        """
        from .._client import CleverTap
        from .._protocol import Backoff

        if "backoff" in options or "max_retries" in options:
            backoff = options.pop("backoff", None) or Backoff()
            retries = options.pop("max_retries", 3)
            options["retry"] = backoff.to_policy(retries)
        return CleverTap(self.account_id, self._passcode, base_url=self.url, **options)

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """Return the logged requests to one path (and method, if given), in arrival order."""
        return [
            r for r in self.requests if r.path == path and (method is None or r.method == method)
        ]

    def is_profile_gone(self, *, identity: str | None = None, object_id: str | None = None) -> bool:
        """Say whether a profile was deleted or demerged, with the change already visible.

        The one place exports and ``profile.json`` ask before serving a profile, so deletes and
        demerges show up everywhere at once (after the configured delay).
        """
        now = self.clock()
        keys = [("identity", identity), ("guid", object_id)]
        return any(
            value is not None and self.removed_profiles.get((kind, value), now + 1) <= now
            for kind, value in keys
        )

    def forget_profiles(self, kind: str, ids: Iterable[str]) -> None:
        """Schedule profiles to disappear after ``visibility_delay`` (``kind``: identity or guid)."""
        at = self.clock() + self.visibility_delay
        for value in ids:
            self.removed_profiles.setdefault((kind, value), at)

    def knows_event(self, name: str) -> bool:
        """Say whether the account has seen an event: seeded, uploaded, in ``daily_counts`` or declared."""
        return (
            name in self.known_events
            or name in self.daily_counts
            or name in self.seeded.known_event_names()
        )

    def query_day_limit(self) -> int:
        """The last ``to`` day (``YYYYMMDD``) a query may ask for: tomorrow on the fake's clock, in UTC."""
        tomorrow = datetime.fromtimestamp(self.clock(), UTC).date() + timedelta(days=1)
        return int(tomorrow.strftime("%Y%m%d"))

    def complete_campaign(self, campaign_id: int, **result: int) -> None:
        """Finish a campaign with its figures (``sent=82, clicked=28``...), so its report is ready."""
        campaign = self.campaigns[campaign_id]
        campaign.status = "completed"
        campaign.result = dict(result)

    def store_upload(self, record: dict[str, Any]) -> None:
        """Keep one accepted upload record where tests can read it (profiles are upserted)."""
        kind = record["type"]
        if kind == "event":
            self.uploaded_events.append(record)
            self.seeded.add_uploaded_event(record, self.clock())
        elif kind == "token":
            self.uploaded_tokens.append(record)
        else:
            key = _uploads.identity_of(record)
            stored = self.uploaded_profiles.setdefault(key, {**record, "profileData": {}})
            stored["profileData"].update(record["profileData"])

    def reset(self) -> None:
        """Forget requests, statistics, faults and stored data; keep running."""
        self.requests.clear()
        self.max_in_flight.clear()
        self.throttled.clear()
        self.faults.clear()
        self.bulletins.clear()
        self.count_partials = self._partial_counts
        self.known_events.clear()
        self.discarded_events.clear()
        self.restricted_events = set(_limits.RESTRICTED_EVENT_NAMES)
        self.reject_get_polls = False
        self.daily_counts.clear()
        self.top_values.clear()
        self.realtime_count = 0
        self.message_reports.clear()
        self.pending_counts.clear()
        self.campaigns.clear()
        self.sends.clear()
        self.visibility_delay = 0.0
        self.removed_profiles.clear()
        self.subscriptions.clear()
        self.disassociated.clear()
        self.uploaded_events.clear()
        self.uploaded_profiles.clear()
        self.uploaded_tokens.clear()
        self.transient_record_failures = 0
        self.seeded.clear()
        self.cursors.clear()
        self.exports = ExportSettings()

    async def start(self) -> Self:
        """Start listening; with port 0 a free port is chosen and stored in ``port``."""
        runner = web.AppRunner(self._build_app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._gate], client_max_size=64 * 1024**2)
        app[FAKE] = self
        _bulletins.add_routes(app)
        _counts.add_routes(app)
        _campaigns.add_routes(app)
        _profile_admin.add_routes(app)
        _uploads.add_routes(app)
        _exports.add_routes(app)
        app.router.add_get(ADMIN_PREFIX + "stats", _admin_stats)
        app.router.add_post(ADMIN_PREFIX + "faults", _admin_inject)
        app.router.add_delete(ADMIN_PREFIX + "faults", _admin_clear_faults)
        app.router.add_post(ADMIN_PREFIX + "reset", _admin_reset)
        return app

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith(ADMIN_PREFIX):
            return await handler(request)  # type: ignore[no-any-return]
        body = await request.read()
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=request.rel_url.raw_query_string,
            account_id=request.headers.get("X-CleverTap-Account-Id"),
            body=body if self.record_bodies else b"",
        )
        self.requests.append(record)
        response = await self._answer(request, handler, record)
        # A dropped connection answered nothing, whatever the handler built.
        dropped = record.fault in (FaultKind.DROP, FaultKind.LOST_RESPONSE)
        record.status = 0 if dropped else response.status
        return response

    async def _answer(
        self, request: web.Request, handler: Any, record: RecordedRequest
    ) -> web.StreamResponse:
        if request.headers.get("X-CleverTap-Account-Id") != self.account_id:
            return _wire.fail(401, "Account ID is not valid")
        if request.headers.get("X-CleverTap-Passcode") != self._passcode:
            return _wire.fail(401, "Invalid Credentials")
        family = family_of(request.path)
        cap = self.upload_concurrency if family == "upload" else self.query_concurrency
        if self._in_flight[family] >= cap:
            self.throttled[family] += 1
            return _wire.fail(429)
        self._in_flight[family] += 1
        self.max_in_flight[family] = max(self.max_in_flight[family], self._in_flight[family])
        try:
            return await self._serve(request, handler, record)
        finally:
            self._in_flight[family] -= 1

    async def _serve(
        self, request: web.Request, handler: Any, record: RecordedRequest
    ) -> web.StreamResponse:
        decision = self.faults.decide(request.method, request.path)
        if decision.latency:
            await asyncio.sleep(decision.latency)
        rule = decision.action
        if rule is None:
            return await _call(handler, request)
        record.fault = rule.kind.value
        if rule.kind is FaultKind.STATUS:
            headers = {"Retry-After": f"{rule.retry_after:g}"} if rule.retry_after else None
            return _wire.fail(rule.status, headers=headers)
        if rule.kind is FaultKind.DROP:
            return _drop(request)
        response = await _call(handler, request)
        if rule.kind is FaultKind.LOST_RESPONSE:
            return _drop(request)
        return await _truncate(request, response)


async def _call(handler: Any, request: web.Request) -> web.StreamResponse:
    try:
        return await handler(request)  # type: ignore[no-any-return]
    except web.HTTPException as exc:  # unknown path (404), wrong method (405): CleverTap's shape
        return _wire.fail(exc.status)


def _drop(request: web.Request) -> web.StreamResponse:
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=499)


async def _truncate(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    body = response.body if isinstance(response, web.Response) else b""
    payload = body if isinstance(body, bytes) else b""
    cut = web.StreamResponse(status=response.status, headers={"Content-Type": _wire.CONTENT_TYPE})
    cut.content_length = len(payload)
    await cut.prepare(request)
    await cut.write(payload[: len(payload) // 2])
    if request.transport is not None:
        request.transport.abort()
    return cut


async def _admin_stats(request: web.Request) -> web.Response:
    fake = request.app[FAKE]
    return _wire.json_response(
        {
            "requests": len(fake.requests),
            "max_in_flight": dict(fake.max_in_flight),
            "throttled": dict(fake.throttled),
            "cpu_seconds": time.process_time(),
        }
    )


async def _admin_inject(request: web.Request) -> web.Response:
    data = await _wire.read_json_object(request)
    if isinstance(data, web.Response):
        return data
    try:
        rule: FaultRule = request.app[FAKE].faults.inject(**data)
    except (TypeError, ValueError) as exc:
        return _wire.fail(400, f"bad fault rule: {exc}")
    return _wire.json_response({"status": "success", "rule": attrs.asdict(rule)})


async def _admin_clear_faults(request: web.Request) -> web.Response:
    request.app[FAKE].faults.clear()
    return _wire.json_response({"status": "success"})


async def _admin_reset(request: web.Request) -> web.Response:
    request.app[FAKE].reset()
    return _wire.json_response({"status": "success"})
