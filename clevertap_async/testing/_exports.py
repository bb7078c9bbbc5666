"""The fake's export endpoints: the two-step cursors, ``profile.json``, and seeding from afar.

``/1/events.json`` and ``/1/profiles.json`` (§6.2-§6.3), ``GET /1/profile.json`` (§6.4), and
``POST /__fake__/seed`` for a fake running in another process.

Cursors are opaque, already percent-encoded (``%2B %2F %3D`` inside, as the real ones), and looked up
after decoding exactly once: a double-encoded cursor (``%252B``...) or a ``+`` sent raw matches nothing
and gets the "Incorrect Usage" answer, so a client that re-encodes cursors cannot pass.
"""

from __future__ import annotations

import base64
import random
import urllib.parse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import orjson
from aiohttp import web

from .. import _limits
from . import _matching, _uploads, _wire
from ._keys import FAKE
from ._seed import SeededProfile

if TYPE_CHECKING:
    from ._server import FakeCleverTap

EVENTS_PATH = "/1/events.json"
PROFILES_PATH = "/1/profiles.json"
PROFILE_PATH = "/1/profile.json"
SEED_PATH = "/__fake__/seed"

INCORRECT_USAGE = 3
NOT_READY = 2
THROTTLED = 1
#: Cursors remembered at once; beyond this the oldest are forgotten (they answer "Incorrect Usage").
MAX_LIVE_CURSORS = 50_000
#: leanderp measured ~989 records for a profiles batch_size under 23 ("effectively unlimited").
SMALL_PROFILE_BATCH = 989


#: Events the exports refuse with "Export not allowed for this event": the notification events.
EXPORT_REFUSED_EVENTS = frozenset(
    {
        "Notification Sent",
        "Notification Viewed",
        "Notification Clicked",
        "Notification Delivered",
        "Notification Replied",
    }
)
#: How the fake words an expired cursor; the real text is not published, so each form another
#: integration matches on can be chosen.
EXPIRY_ANSWERS = {
    "incorrect_usage": ("Incorrect Usage", INCORRECT_USAGE),
    "invalid_cursor": ("invalid cursor", 400),
    "cursor_invalidated": ("CURSOR_INVALIDATED", 400),
}
HOUR = 3600.0


@attrs.define
class ExportSettings:
    """How the fake's cursors behave; tests change these on ``fake.exports``.

    By default cursors expire as the real ones are reported to: an events export 4 hours after it
    was created or after 1 hour without a page fetched, a profiles export 4 days after creation.

    Attributes:
        vary_page_sizes: serve pages of random sizes from 0 to ``batch_size`` (empty pages mid-stream).
        not_ready: answer each new cursor "not ready" (code 2) this many times before its page.
        throttle: answer the next N cursor creations "throttled" (code 1).
        cursor_ttl: seconds any cursor lives after its export was created; when set, it replaces the
            three lifetimes below (None: they apply).
        events_ttl: seconds an events export's cursors live after its creation (None: forever).
        events_idle: seconds an events export's cursors live after its last page (None: forever).
        profiles_ttl: seconds a profiles export's cursors live after its creation (None: forever).
        expiry_answer: how an expired cursor is refused: ``"incorrect_usage"`` (400, code 3),
            ``"invalid_cursor"`` or ``"cursor_invalidated"`` (400).
        clock: the time source for the lifetimes; None uses the fake's ``clock``.
    """

    vary_page_sizes: bool = False
    not_ready: int = 0
    throttle: int = 0
    cursor_ttl: float | None = None
    events_ttl: float | None = 4 * HOUR
    events_idle: float | None = HOUR
    profiles_ttl: float | None = 96 * HOUR
    expiry_answer: str = attrs.field(
        default="incorrect_usage", validator=attrs.validators.in_(EXPIRY_ANSWERS)
    )
    clock: Callable[[], float] | None = None

    def never_expire(self) -> None:
        """Keep every cursor valid forever (for tests that move the clock for other reasons)."""
        self.cursor_ttl = self.events_ttl = self.events_idle = self.profiles_ttl = None

    def expired(self, state: CursorState, now: float) -> bool:
        """Say whether a cursor has passed its export's lifetime or idle time at ``now``."""
        if self.cursor_ttl is not None:
            return now - state.created > self.cursor_ttl
        if state.owners is not None:  # a profiles export
            return self.profiles_ttl is not None and now - state.created > self.profiles_ttl
        return (self.events_ttl is not None and now - state.created > self.events_ttl) or (
            self.events_idle is not None and now - state.touched > self.events_idle
        )


@attrs.define
class CursorState:
    """What a cursor points at: the export's records and where its page starts."""

    records: Sequence[bytes]
    owners: Sequence[SeededProfile] | None
    offset: int
    batch_size: int
    created: float
    not_ready_left: int
    touched: float = 0.0


@attrs.define
class CursorTable:
    """The fake's live cursors, keyed by their decoded token."""

    rng: random.Random
    cursors: dict[str, CursorState] = attrs.field(factory=dict)
    issued: int = 0

    def issue(self, state: CursorState) -> str:
        """Store ``state`` under a new token; return the token percent-encoded, as the API sends it."""
        self.issued += 1
        # \xfb\xff gives "+/" in base64 and 49 bytes end in "==": all three characters to encode.
        raw = b"\xfb\xff" + self.issued.to_bytes(8, "big") + self.rng.randbytes(39)
        token = base64.b64encode(raw).decode()
        self.cursors[token] = state
        # Old cursors stay valid (a retry or a resume fetches one again), but a long-running fake
        # must not keep every export's record list forever: the oldest go first.
        while len(self.cursors) > MAX_LIVE_CURSORS:
            del self.cursors[next(iter(self.cursors))]
        return urllib.parse.quote(token, safe="")

    def clear(self) -> None:
        """Forget every cursor."""
        self.cursors.clear()


def add_routes(app: web.Application) -> None:
    """Register the export endpoints and the seeding admin endpoint."""
    for path in (EVENTS_PATH, PROFILES_PATH):
        app.router.add_post(path, export)
        app.router.add_get(path, export)
    app.router.add_get(PROFILE_PATH, profile)
    app.router.add_post(SEED_PATH, admin_seed)


async def export(request: web.Request) -> web.Response:
    """Create a cursor or serve the page a cursor points at (GET or POST).

    A cursor is created by a POSTed query body, or by the legacy form every official Node.js client
    release uses: ``GET ?batch_size=N&query=<the query as URL-encoded JSON>``.
    """
    cursor = _cursor_param(request.rel_url.raw_query_string)
    if cursor is not None:
        return page(request.app[FAKE], cursor)
    if request.method == "POST":
        return await create(request, await _wire.read_json_object(request))
    if "query" in request.query:
        return await create(request, _legacy_query(request.query["query"]))
    return _wire.fail(400, "Malformed request: cursor or a query is mandatory")


def _legacy_query(text: str) -> dict[str, Any] | web.Response:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _wire.fail(400, "Malformed request: query is not valid JSON")
    if not isinstance(data, dict):
        return _wire.fail(400, "Malformed request: query must be a JSON object")
    return data


def _cursor_param(query: str) -> str | None:
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name == "cursor":
            return value
    return None


async def create(request: web.Request, body: dict[str, Any] | web.Response) -> web.Response:
    """Step 1: check the query, then answer ``{"status": "success", "cursor": ...}``."""
    fake = request.app[FAKE]
    settings = fake.exports
    if isinstance(body, web.Response):
        return body
    problem = _query_problem(request, body) or event_problem(
        fake, body["event_name"], body["to"], export=True
    )
    if problem:
        return _wire.fail(400, problem)
    if settings.throttle > 0:
        settings.throttle -= 1
        return _wire.fail(200, "Too many exports running, please retry later", code=THROTTLED)
    batch_size = int(request.query["batch_size"]) if "batch_size" in request.query else 4991
    first, last = body["from"], body["to"]
    owners: list[SeededProfile] | None = None
    if request.path == PROFILES_PATH:
        owners = fake.seeded.select_profiles(body["event_name"], first, last)
        records: Sequence[bytes] = [p.rendered for p in owners]
        multiple = _limits.PROFILE_BATCH_MULTIPLE
        batch_size = batch_size // multiple * multiple or SMALL_PROFILE_BATCH
    else:
        records = fake.seeded.select_events(body["event_name"], first, last)
        if _matching.has_conditions(body):
            records = [r for r in records if _matching.matches(orjson.loads(r), body)]
    now = _now(fake)
    state = CursorState(
        records=records,
        owners=owners,
        offset=0,
        batch_size=batch_size,
        created=now,
        not_ready_left=settings.not_ready,
        touched=now,
    )
    token = fake.cursors.issue(state)
    return _wire.raw_json_response(b'{"status":"success","cursor":"' + token.encode() + b'"}')


def _query_problem(request: web.Request, body: dict[str, Any]) -> str | None:
    batch = request.query.get("batch_size")
    if batch is not None and (
        not batch.isdigit() or not 1 <= int(batch) <= _limits.MAX_CURSOR_BATCH_SIZE
    ):
        return f"batch_size must be from 1 to {_limits.MAX_CURSOR_BATCH_SIZE}"
    for flag in ("app", "events", "profile"):
        if flag in request.query and request.query[flag] not in ("true", "false"):
            return f"{flag} must be true or false"
    if not isinstance(body.get("event_name"), str) or not body["event_name"]:
        return "event_name is mandatory"
    for key in ("from", "to"):
        value = body.get(key)
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 19700101 <= value <= 99991231
        ):
            return f"{key} is mandatory and must be a YYYYMMDD integer"
    if body["from"] > body["to"]:
        return "from must not be after to"
    return _matching.problem(body)


def event_problem(fake: FakeCleverTap, name: str, last: int, *, export: bool) -> str | None:
    """The API's refusal of a query's event or last day, as exports and counts give it, or None.

    A ``to`` after tomorrow is refused; an event the account never saw answers "Invalid event : X"
    (its error a JSON list in a string, as sent); exports of notification events are not allowed.
    """
    if last > fake.query_day_limit():
        return "to must not be a date in the future"
    if export and name in EXPORT_REFUSED_EVENTS:
        return "Export not allowed for this event"
    if not fake.knows_event(name):
        return orjson.dumps([f"Invalid event : {name}"]).decode()
    return None


def _now(fake: FakeCleverTap) -> float:
    clock = fake.exports.clock
    return clock() if clock is not None else fake.clock()


def page(fake: FakeCleverTap, encoded: str) -> web.Response:
    """Step 2: the page a cursor points at, with ``next_cursor`` unless it is the last one."""
    settings = fake.exports
    # One decoding, as a web server does: a double-encoded cursor stays "%2B..." and matches nothing.
    state = fake.cursors.cursors.get(urllib.parse.unquote_plus(encoded))
    if state is None:
        return _incorrect_usage("Incorrect Usage")
    now = _now(fake)
    if settings.expired(state, now):
        text, code = EXPIRY_ANSWERS[settings.expiry_answer]
        return _wire.fail(400, text, code=code)
    state.touched = now
    if state.not_ready_left > 0:
        state.not_ready_left -= 1
        return _wire.fail(200, "Request still in progress, please retry later", code=NOT_READY)
    if not state.records:
        return _wire.raw_json_response(b'{"status":"success"}')  # an empty range has no "records"
    size = state.batch_size
    if settings.vary_page_sizes:
        size = fake.cursors.rng.randint(0, size)
    end = min(state.offset + size, len(state.records))
    chunk = state.records[state.offset : end]
    if state.owners is not None:
        owners = state.owners[state.offset : end]
        chunk = [
            r
            for r, p in zip(chunk, owners, strict=True)
            if not fake.is_profile_gone(identity=p.identity, object_id=p.object_id)
        ]
    parts = [b'{"status":"success"']
    if end < len(state.records):
        following = attrs.evolve(state, offset=end, not_ready_left=settings.not_ready)
        parts.append(b',"next_cursor":"' + fake.cursors.issue(following).encode() + b'"')
    parts.append(b',"records":[' + b",".join(chunk) + b"]}")
    return _wire.raw_json_response(b"".join(parts))


def _incorrect_usage(message: str) -> web.Response:
    return _wire.fail(400, message, code=INCORRECT_USAGE)


async def profile(request: web.Request) -> web.Response:
    """``GET /1/profile.json?identity=|email=|objectId=``: the profile's record, or 404."""
    fake = request.app[FAKE]
    keys = [(k, v) for k, v in request.query.items() if k in ("identity", "email", "objectId")]
    if len(keys) != 1:
        return _wire.fail(400, "exactly one of identity, email or objectId is mandatory")
    key, value = keys[0]
    found = fake.seeded.find_profile("object_id" if key == "objectId" else key, value)
    if found is not None:
        if fake.is_profile_gone(identity=found.identity, object_id=found.object_id):
            return _wire.fail(404, "No profile found")
        return _wire.json_response({"status": "success", "record": found.record})
    # Uploads upsert: a profile uploaded through /1/upload is there to fetch as well.
    uploaded = _uploads.find_uploaded_profile(fake.uploaded_profiles, key, value)
    if uploaded is None or fake.is_profile_gone(
        identity=uploaded.get("identity"), object_id=uploaded.get("objectId")
    ):
        return _wire.fail(404, "No profile found")
    return _wire.json_response({"status": "success", "record": uploaded})


async def admin_seed(request: web.Request) -> web.Response:
    """``POST /__fake__/seed {"events": {...} or [...], "profiles": {...}, "known_events": [...]}``.

    Seeds a fake running in another process; ``known_events`` declares event names the account knows
    without seeding any (their exports are empty, their counts 0).
    """
    fake = request.app[FAKE]
    body = await _wire.read_json_object(request)
    if isinstance(body, web.Response):
        return body
    events = body.get("events") or []
    known = body.get("known_events") or []
    if not isinstance(known, list) or not all(isinstance(name, str) and name for name in known):
        return _wire.fail(400, "bad seed request: known_events must be a list of event names")
    fake.known_events.update(known)
    try:
        for spec in events if isinstance(events, list) else [events]:
            fake.seed_events(**spec)
        if body.get("profiles"):
            fake.seed_profiles(**body["profiles"])
    except (TypeError, ValueError) as exc:
        return _wire.fail(400, f"bad seed request: {exc}")
    return _wire.json_response({"status": "success"})
