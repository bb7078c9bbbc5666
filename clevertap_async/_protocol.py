"""The wire protocol as pure functions: no event loop, no sockets, testable in isolation.

Everything the transport decides about a request or a response lives here: where it goes (regions,
URLs that keep cursors verbatim), what it carries (headers, JSON bodies), how an answer becomes data or a
typed error (HTTP status *and* the body's ``status``), and how long to wait before trying again.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
import urllib.parse
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any, Final, TypeGuard

import attrs
import orjson
from yarl import URL

from . import _defaults, _limits
from ._errors import (
    APIError,
    APIFailure,
    ExportNotAllowedError,
    MalformedResponseError,
    RateLimitError,
    ResultNotReadyError,
    UnknownEventError,
    ValidationError,
    error_for_status,
)
from ._retry import RetryPolicy

REGION_HOSTS: Final[Mapping[str, str]] = {
    "eu1": "eu1.api.clevertap.com",
    "in1": "in1.api.clevertap.com",
    "sg1": "sg1.api.clevertap.com",
    "us1": "us1.api.clevertap.com",
    "aps3": "aps3.api.clevertap.com",
    "mec1": "mec1.api.clevertap.com",
}
DEFAULT_REGION: Final = _defaults.REGION
HTTP_METHODS: Final = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"})
#: Methods not safe to repeat by default: a second POST may create or send something again.
UNSAFE_METHODS: Final = frozenset({"POST", "PATCH"})
#: Concurrency family of every upload; other APIs are their own family, keyed by path.
UPLOAD_FAMILY: Final = "upload"
#: The texts the API uses to say a result (a campaign's report) is not computed yet: once with
#: HTTP 200 "fail", once with HTTP 500. Recognised by body so the 500 is not retried as a fault.
NOT_READY_TEXTS: Final = ("hasn't been completed", "has no result as of yet")
QueryValue = str | int | float | bool


def base_url_for(region: str | None, base_url: str | None) -> str:
    """Return the API root URL (no trailing slash) for a region code or an explicit base URL.

    The base URL wins when both are given, but a region given alongside it is still checked: a
    typo in it would otherwise go unnoticed until the base URL is taken away.

    Raises:
        ValueError: the region is unknown (the message lists the valid ones), or the base URL is not
            an absolute http(s) URL.
    """
    code = (region or DEFAULT_REGION).strip().lower()
    if code not in REGION_HOSTS:
        raise ValueError(f"unknown region {region!r}; valid regions: {', '.join(REGION_HOSTS)}")
    if base_url:
        parsed = URL(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
        return base_url.rstrip("/")
    return f"https://{REGION_HOSTS[code]}"


def family_of(path: str) -> str:
    """Return the concurrency family of an API path: all uploads share one, others per path."""
    return UPLOAD_FAMILY if path == _limits.UPLOAD_PATH else path


def cap_of(family: str, *, upload: int, query: int) -> int:
    """Return the concurrency cap of a family: ``upload`` for the upload family, ``query`` otherwise."""
    return upload if family == UPLOAD_FAMILY else query


def build_headers(account_id: str, passcode: str, *, has_body: bool) -> dict[str, str]:
    """Return the headers of one request; Content-Type only when there is a body."""
    headers = {
        "X-CleverTap-Account-Id": account_id,
        "X-CleverTap-Passcode": passcode,
        "Accept": "application/json",
    }
    if has_body:
        headers["Content-Type"] = "application/json; charset=utf-8"
    return headers


def build_url(
    base_url: str,
    path: str,
    params: Mapping[str, QueryValue] | None = None,
    *,
    verbatim: Mapping[str, str] | None = None,
) -> URL:
    """Return the request URL, encoding ``params`` once and appending ``verbatim`` values as they are.

    Cursors arrive already percent-encoded; any params mapping would encode them again and the API would
    answer "Incorrect Usage". So the query is built here and handed to yarl as encoded.
    """
    pairs = [(name, _query_text(value)) for name, value in (params or {}).items()]
    query = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
    for name, value in (verbatim or {}).items():
        query = f"{query}&{name}={value}" if query else f"{name}={value}"
    return URL(f"{base_url}{path}{'?' + query if query else ''}", encoded=True)


def _query_text(value: QueryValue) -> str:
    # The API spells booleans in lowercase (``app=true``); Python's str() would send ``True``.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def validate_request(
    method: str, path: str, params: Mapping[str, Any] | None, json: Any
) -> tuple[str, bytes | None]:
    """Check a generic request before it is sent; return the upper-cased method and the JSON body.

    Raises:
        ValidationError: an unknown method, a path without a leading "/", a query parameter with an
            empty or duplicate name or a value that is not a scalar, or a body that is not JSON.
    """
    verb = method.upper() if isinstance(method, str) else method
    if verb not in HTTP_METHODS:
        raise ValidationError(
            f"unknown HTTP method {method!r}; use one of {', '.join(sorted(HTTP_METHODS))}",
            field="method",
        )
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValidationError(f"path must start with '/', got {path!r}", field="path")
    if "?" in path or "#" in path:
        raise ValidationError(
            f"path must not carry a query or fragment, pass params= instead: {path!r}", field="path"
        )
    if params is not None:
        _validate_params(params)
    body = None if json is None else encode_json(json, what="json body")
    return verb, body


def _validate_params(params: Mapping[str, Any]) -> None:
    if not isinstance(params, Mapping):
        raise ValidationError("params must be a mapping of names to values", field="params")
    seen: set[str] = set()
    for name, value in params.items():
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(
                f"query parameter names must be non-empty strings, got {name!r}", field="params"
            )
        folded = name.strip()
        if folded in seen:
            raise ValidationError(f"duplicate query parameter name {name!r}", field="params")
        seen.add(folded)
        if not isinstance(value, str | int | float | bool) or value is None:
            raise ValidationError(
                f"query parameter {name!r} must be a string, number or bool, got "
                f"{type(value).__name__}",
                field=f"params.{name}",
            )


def encode_json(value: Any, *, what: str) -> bytes:
    """Serialise plain JSON data with orjson, refusing what JSON cannot carry.

    orjson quietly turns NaN and infinities into ``null``; the API would store nonsense, so they are
    refused here along with non-string keys and non-JSON types.

    Raises:
        ValidationError: naming the first offending location, e.g. ``json body.items[2].price``.
    """
    problem = first_non_json(value, what)
    if problem:
        raise ValidationError(problem, field=what)
    return orjson.dumps(value)


def first_non_json(value: Any, where: str) -> str | None:
    """Describe the first thing in ``value`` JSON cannot carry (naming its location), or None."""
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where} is {value!r}, which JSON cannot carry"
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{where} has a non-string key {key!r}"
            found = first_non_json(item, f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = first_non_json(item, f"{where}[{index}]")
            if found:
                return found
        return None
    return f"{where} is a {type(value).__name__}, which is not JSON-serialisable"


def is_cursor(value: object) -> TypeGuard[str]:
    """Say whether a server's value can be sent back as a cursor: printable ASCII, no spaces.

    Cursors travel verbatim in the query, so anything else would corrupt the request
    line (aiohttp refuses control characters) rather than fail as an answer the client can read.
    """
    return isinstance(value, str) and bool(value) and all("!" <= c <= "~" for c in value)


def redact(text: str, secret: str) -> str:
    """Return ``text`` with every occurrence of ``secret`` masked.

    Secrets shorter than 4 characters are left alone: masking every "p" in a message would destroy it,
    and no real passcode is that short.
    """
    return text.replace(secret, "********") if len(secret) >= 4 else text


def redact_data(value: Any, secret: str) -> Any:
    """Return decoded JSON with ``secret`` masked in every string, keys included.

    An error keeps the answer's body for the caller to inspect; a server that echoes the passcode
    there must not put it in an exception that gets logged, pickled or sent to a task queue.
    """
    if len(secret) < 4:
        return value
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, dict):
        return {redact_data(key, secret): redact_data(item, secret) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_data(item, secret) for item in value]
    return value


def decode_response(
    status: int,
    body: bytes,
    *,
    method: str,
    path: str,
    allow_fail_status: bool = False,
    secret: str = "",
    headers: Mapping[str, str] | None = None,
) -> Any:
    """Turn one HTTP answer into decoded JSON, or raise the typed error it stands for.

    Args:
        status: the HTTP status.
        body: the raw body.
        method: the request's method, for error messages.
        path: the request's path, for error messages.
        allow_fail_status: return bodies with ``"status": "fail"`` instead of raising. Uploads need it:
            a "fail" there lists per-record rejections, not a request failure.
        secret: text to mask in any message (the passcode).
        headers: the response headers, kept on an error (``APIError.headers``).

    Raises:
        APIError: the subclass for an HTTP error status.
        ResultNotReadyError: the body says the result is not computed yet (HTTP 200 or 500); not a
            server fault, so the transport does not retry it.
        APIFailure: HTTP 2xx with ``"status": "fail"`` (unless allowed).
        MalformedResponseError: a 2xx body that is not a JSON object.
    """
    data: Any
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        data = None
    # Masked before the cut: a passcode straddling byte 300 would otherwise leave its start visible.
    text = redact(body[: 300 + len(secret)].decode("utf-8", errors="replace"), secret)[:300]
    # A result not computed yet is said with HTTP 200 or 500; either way it is an answer, not a fault.
    not_ready = (status < 300 or status >= 500) and is_not_ready(data)
    if status >= 300 and not not_ready:
        message = redact(_error_message(data) or text or f"HTTP {status}", secret)
        raise api_error(
            status,
            message,
            code=_error_code(data),
            body=redact_data(data, secret) if data is not None else text,
            method=method,
            path=path,
            headers=error_headers(headers, secret),
        )
    if not isinstance(data, dict):
        shape = (
            "an empty body" if not body else f"{text!r}" if data is None else type(data).__name__
        )
        raise MalformedResponseError(
            f"expected a JSON object, got {shape}",
            status=status,
            body=redact_data(data, secret) if data is not None else text,
            method=method,
            path=path,
            headers=error_headers(headers, secret),
        )
    if not_ready or (data.get("status") == "fail" and not allow_fail_status):
        raise (ResultNotReadyError if not_ready else APIFailure)(
            redact(_error_message(data) or "request failed", secret),
            status=status,
            code=_error_code(data),
            body=redact_data(data, secret),
            method=method,
            path=path,
            headers=error_headers(headers, secret),
        )
    return data


def is_not_ready(data: Any) -> bool:
    """Say whether a decoded body is a "fail" saying its result is not computed yet."""
    if not isinstance(data, dict) or data.get("status") != "fail":
        return False
    message = _error_message(data)
    return any(text in message for text in NOT_READY_TEXTS)


def error_headers(headers: Mapping[str, str] | None, secret: str) -> dict[str, str]:
    """Return response headers as a plain dict for an error, with the passcode masked out."""
    if not headers:
        return {}
    return {
        name: redact(value, secret)
        for name, value in headers.items()
        if name.lower() != "x-clevertap-passcode"
    }


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Return a header's value by case-insensitive name from a plain dict, or None."""
    folded = name.lower()
    return next((value for key, value in headers.items() if key.lower() == folded), None)


#: "Invalid event : X", the answer to an export or count of a name the account never recorded. The
#: error arrives as a JSON list encoded in a string (``"[\"Invalid event : X\"]"``) or as a list.
_UNKNOWN_EVENT = re.compile(r"Invalid event\s*:\s*([^;]+)", re.IGNORECASE)
_EXPORT_NOT_ALLOWED = "export not allowed"


def api_error(
    status: int,
    message: str,
    *,
    code: int | None,
    body: Any,
    method: str,
    path: str,
    headers: dict[str, str],
) -> APIError:
    """Return the typed error for an HTTP error answer: by status, then by the known 400 texts.

    A 400 naming an unknown event becomes :class:`UnknownEventError` (with the name), a 400 refusing
    an export of a notification event becomes :class:`ExportNotAllowedError`; a 429 carries its
    ``Retry-After``.
    """
    details: dict[str, Any] = {
        "status": status,
        "code": code,
        "body": body,
        "method": method,
        "path": path,
        "headers": headers,
    }
    if status == 429:
        retry_after = parse_retry_after(header(headers, "Retry-After"))
        return RateLimitError(message, retry_after=retry_after, **details)
    if status == 400:
        unknown = _UNKNOWN_EVENT.search(message)
        if unknown:
            name = unknown.group(1).strip()
            return UnknownEventError(message, event_name=name, **details)
        if _EXPORT_NOT_ALLOWED in message.lower():
            return ExportNotAllowedError(message, **details)
    return error_for_status(status)(message, **details)


def _error_message(data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    error = data.get("error")
    if isinstance(error, str) and error.startswith("[") and error.endswith("]"):
        # Some errors are a JSON list encoded in the string: "[\"Invalid event : X\"]".
        with contextlib.suppress(orjson.JSONDecodeError):
            error = orjson.loads(error)
    if isinstance(error, list):  # counts answer errors as a list: ["Invalid event : X"]
        return "; ".join(str(part) for part in error)
    return "" if error is None else str(error)


def _error_code(data: Any) -> int | None:
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def parse_retry_after(value: str | None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@attrs.frozen
class Backoff:
    """Deprecated: the retry delays of old; use :class:`~clevertap_async.RetryPolicy` instead.

    Passed as ``CleverTap(backoff=...)`` it still works (with a DeprecationWarning): it becomes the
    equivalent RetryPolicy. ``clevertap_async.Backoff`` will be removed in a future release.

    Attributes:
        initial: the cap for the first retry, in seconds (RetryPolicy.initial_delay).
        maximum: the largest cap, in seconds (RetryPolicy.max_delay).
        multiplier: growth of the cap per attempt.
        max_retry_after: the longest ``Retry-After`` waited for, in seconds.
    """

    initial: float = 0.5
    maximum: float = 8.0
    multiplier: float = 2.0
    max_retry_after: float = 60.0

    def delay(
        self, attempt: int, *, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Return the seconds to wait before retry number ``attempt`` (0 for the first retry)."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return self.to_policy(0).backoff(attempt, rng=rng)

    def to_policy(self, max_retries: int) -> RetryPolicy:
        """Return the RetryPolicy with these delays and ``max_retries`` retries."""
        if self == NO_BACKOFF:
            return RetryPolicy.no_wait(max_retries)  # "never waits", Retry-After included
        return RetryPolicy(
            max_retries=max_retries,
            initial_delay=self.initial,
            max_delay=self.maximum,
            multiplier=self.multiplier,
            max_retry_after=self.max_retry_after,
        )


#: Deprecated: waits nothing at all; use ``RetryPolicy.no_wait()``.
NO_BACKOFF: Final = Backoff(initial=0.0, maximum=0.0, max_retry_after=0.0)
