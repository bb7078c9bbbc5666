"""Recorded answers: real API responses kept as small JSON files, and the client calls that meet them.

A recorded answer is one HTTP answer the real API gave, with where it was seen and what the client must
make of it. The project keeps a corpus of them (``tests/recorded/``) and replays each through the fake
(a ``reply`` fault) to the client over a socket; ``clevertap-async check --record DIR`` writes new ones
from a live account. One file::

    {
      "source": "tradeo/clevertap-ruby spec/vcr_cassettes/.../failed_to_upload_the_profiles.yml",
      "method": "POST", "path": "/1/upload", "status": 401,
      "headers": {"content-type": "application/json;charset=utf-8"},
      "body": {"status": "fail", "error": "Account ID is not valid", "code": 401},
      "then": [],
      "call": {"name": "profiles.upload", "args": {"records": [...]}},
      "expect": {"raises": "AuthenticationError", "code": 401}
    }

``then`` lists further answers (same keys) for the requests the call makes next: the poll after a
"partial" count, the page after a new cursor. ``call`` names one of :data:`CALLS`. ``expect`` is one of:

- ``{"raises": "<class>", ...attributes}``: the call raises that class (or a subclass); with
  ``"specific": "<class>"``, it must raise that more specific class once the package defines it;
- ``{"returns": <value>}``: the call returns it; an object is matched attribute by attribute (or key
  by key), ``"type"`` names the class, ``"$value"`` compares the object itself (a count that is an
  ``int`` with attributes), lists must match item by item, and ``{"$type": "int"}`` matches any
  value of that JSON type (``int``, ``number``, ``str``, ``list``, ``dict``, ``bool``, ``null``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import orjson

import clevertap_async

from .. import _errors
from ..models.campaigns import Recipients
from ._server import FakeCleverTap

if TYPE_CHECKING:
    from .._client import CleverTap

Call = Callable[["CleverTap", dict[str, Any]], Awaitable[Any]]

#: What JSON value a ``{"$type": ...}`` placeholder stands for.
_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "int": int,
    "number": (int, float),
    "str": str,
    "list": list,
    "dict": dict,
    "bool": bool,
    "null": type(None),
}


@attrs.frozen
class RecordedAnswer:
    """One real answer of the API, and what the client must make of it.

    Attributes:
        source: where it was seen: a public repository and path, a URL, or a live check.
        method: the request's HTTP method.
        path: the request's API path.
        status: the HTTP status answered.
        body: the answer's body: JSON data, or the text when it was not JSON.
        call: the client call that meets it: ``{"name": ..., "args": {...}}``.
        expect: the typed outcome the call must produce (see the module's docs).
        headers: response headers worth keeping (content type...).
        then: further answers for the requests the call makes next.
        note: anything a reader should know.
    """

    source: str
    method: str
    path: str
    status: int
    body: Any
    call: dict[str, Any] = attrs.field(factory=dict)
    expect: dict[str, Any] = attrs.field(factory=dict)
    headers: dict[str, str] = attrs.field(factory=dict)
    then: list[dict[str, Any]] = attrs.field(factory=list)
    note: str | None = None

    @classmethod
    def load(cls, path: Path) -> RecordedAnswer:
        """Read one corpus file.

        Raises:
            ValueError: the file is not a recorded answer (the message names the file).
        """
        data = orjson.loads(path.read_bytes())
        try:
            return cls(**data)
        except TypeError as exc:
            raise ValueError(f"{path}: not a recorded answer: {exc}") from None

    def to_json(self) -> bytes:
        """Return the file's contents, indented, with empty optional fields left out."""
        data = {
            key: value
            for key, value in attrs.asdict(self).items()
            if value not in (None, [], {}) or key in ("body", "expect")
        }
        return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"

    def answers(self) -> Iterator[dict[str, Any]]:
        """Yield this answer and each of ``then``, as ``method``, ``path``, ``status``, ``body``."""
        yield {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "body": self.body,
            "headers": self.headers,
        }
        yield from self.then


def load_corpus(directory: Path) -> list[RecordedAnswer]:
    """Read every ``*.json`` recorded answer in a directory, sorted by file name."""
    return [RecordedAnswer.load(path) for path in sorted(directory.glob("*.json"))]


def replay(fake: FakeCleverTap, answer: RecordedAnswer) -> None:
    """Make the fake give ``answer`` (and its ``then`` answers) to the next matching requests."""
    for step in answer.answers():
        fake.faults.inject(
            "reply",
            status=step["status"],
            body=step["body"],
            headers=step.get("headers") or None,
            path=step["path"],
            method=step["method"],
            times=1,
        )


async def run_call(ct: CleverTap, call: Mapping[str, Any]) -> Any:
    """Make the named client call; return its result, or the CleverTapError it raised.

    Raises:
        KeyError: the call's name is not one of :data:`CALLS`.
    """
    function = CALLS[call["name"]]
    try:
        return await function(ct, dict(call.get("args") or {}))
    except _errors.CleverTapError as error:
        return error


def mismatches(outcome: Any, expect: Mapping[str, Any]) -> list[str]:
    """Say how an outcome differs from an expectation; an empty list when it matches."""
    if "raises" in expect:
        return _error_mismatches(outcome, expect)
    if isinstance(outcome, _errors.CleverTapError):
        return [f"raised {type(outcome).__name__}: {outcome}"]
    return _value_mismatches(outcome, expect.get("returns"), "result")


def describe(outcome: Any) -> str:
    """One short line for an outcome: the error class and message, or the value."""
    if isinstance(outcome, BaseException):
        return f"{type(outcome).__name__}: {outcome}"
    if attrs.has(type(outcome)):
        fields = ", ".join(
            f"{field.name}={_short(getattr(outcome, field.name))}"
            for field in attrs.fields(type(outcome))
            if field.name != "records"
        )
        return f"{type(outcome).__name__}({fields})"
    return _short(outcome)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value) if not isinstance(value, list) else f"[{len(value)} items]"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_mismatches(outcome: Any, expect: Mapping[str, Any]) -> list[str]:
    wanted = _error_class(expect["raises"])
    if not isinstance(outcome, BaseException):
        return [f"returned {describe(outcome)}, expected {expect['raises']}"]
    if wanted is None or not isinstance(outcome, wanted):
        return [f"raised {describe(outcome)}, expected {expect['raises']}"]
    problems = []
    specific = _error_class(expect.get("specific") or "")
    if specific is not None and not isinstance(outcome, specific):
        problems.append(f"raised {type(outcome).__name__}, expected {expect['specific']}")
    for key, value in expect.items():
        if key in ("raises", "specific"):
            continue
        if key == "message" and isinstance(value, str):
            if not re.search(value, str(getattr(outcome, "message", outcome))):
                problems.append(f"message {getattr(outcome, 'message', outcome)!r} !~ {value!r}")
            continue
        problems.extend(_value_mismatches(getattr(outcome, key, None), value, key))
    return problems


def _error_class(name: str) -> type[BaseException] | None:
    """The package's public error class of that name, or None while the package has none."""
    found = getattr(clevertap_async, name, None)
    return found if isinstance(found, type) and issubclass(found, BaseException) else None


def _value_mismatches(actual: Any, expected: Any, where: str) -> list[str]:
    if isinstance(expected, dict) and set(expected) == {"$type"}:
        kind = _JSON_TYPES[expected["$type"]]
        ok = isinstance(actual, kind) and not (kind is not bool and isinstance(actual, bool))
        return [] if ok else [f"{where}: {_short(actual)} is not {expected['$type']}"]
    if isinstance(expected, dict) and not isinstance(actual, Mapping):
        problems = []
        for key, value in expected.items():
            if key == "type":
                if type(actual).__name__ != value:
                    problems.append(f"{where}: a {type(actual).__name__}, expected a {value}")
                continue
            if key == "$value":
                problems.extend(_value_mismatches(actual, value, where))
                continue
            problems.extend(_value_mismatches(getattr(actual, key, None), value, f"{where}.{key}"))
        return problems
    if isinstance(expected, dict):
        return [
            problem
            for key, value in expected.items()
            for problem in _value_mismatches(actual.get(key), value, f"{where}[{key!r}]")
        ]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: {_short(actual)}, expected {len(expected)} items"]
        return [
            problem
            for index, (got, want) in enumerate(zip(actual, expected, strict=True))
            for problem in _value_mismatches(got, want, f"{where}[{index}]")
        ]
    if actual != expected or isinstance(actual, bool) != isinstance(expected, bool):
        return [f"{where}: {_short(actual)}, expected {_short(expected)}"]
    return []


async def _upload(ct: CleverTap, kind: str, args: dict[str, Any]) -> Any:
    resource = {"events": ct.events, "profiles": ct.profiles}[kind]
    return await resource.upload(
        args["records"], dry_run=args.get("dry_run", False), validate=args.get("validate", False)
    )


async def _first_page(ct: CleverTap, kind: str, args: dict[str, Any]) -> Any:
    span = (args["event_name"], args["from"], args["to"])
    size = args.get("batch_size", 10)
    stream = (
        ct.events.stream(*span, batch_size=size).raw()
        if kind == "events"
        else ct.profiles.stream(*span, batch_size=size).raw()
    )
    pages = stream.pages()
    try:
        async for page in pages:
            return page
    finally:
        await pages.aclose()
    return None


#: The client calls a recorded answer can be met with, by name.
CALLS: dict[str, Call] = {
    "events.upload": lambda ct, a: _upload(ct, "events", a),
    "profiles.upload": lambda ct, a: _upload(ct, "profiles", a),
    "events.first_page": lambda ct, a: _first_page(ct, "events", a),
    "profiles.first_page": lambda ct, a: _first_page(ct, "profiles", a),
    "events.count": lambda ct, a: ct.events.count(a["event_name"], a["from"], a["to"]),
    "profiles.count": lambda ct, a: ct.profiles.count(a["event_name"], a["from"], a["to"]),
    "profiles.get": lambda ct, a: ct.profiles.get(**a),
    "reports.realtime": lambda ct, a: ct.reports.realtime(*a.get("splits", ())),
    "reports.messages": lambda ct, a: ct.reports.messages(a.pop("from"), a.pop("to"), **a),
    "campaigns.create": lambda ct, a: ct.campaigns.create(**a),
    "campaigns.estimate": lambda ct, a: ct.campaigns.estimate(**a),
    "campaigns.report": lambda ct, a: ct.campaigns.report(a["id"]),
    "campaigns.stop": lambda ct, a: ct.campaigns.stop(a["id"]),
    "campaigns.send": lambda ct, a: ct.campaigns.send(
        a["channel"], Recipients(**a["to"]), a["content"]
    ),
    "request": lambda ct, a: ct.request(a["method"], a["path"], json=a.get("json")),
}
