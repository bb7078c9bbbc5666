"""Every exception the client raises, in one tree.

::

    CleverTapError
    ├── ConfigurationError (also ValueError)     bad constructor arguments, missing credentials
    ├── ValidationError (also ValueError)        bad input caught before anything is sent
    ├── ClientStateError (also RuntimeError)     client used before `async with` or after close
    ├── APIConnectionError                       connection refused, reset, dropped, body cut short
    │   ├── APITimeoutError                      no answer within the timeout
    │   ├── CertificateError                     TLS verification failed (not retried)
    │   └── RequestOutcomeUnknownError           a call not safe to repeat lost its answer (not retried)
    ├── APIError                                 the server answered, and the answer is an error
    │   ├── BadRequestError                      400
    │   │   ├── UnknownEventError                "Invalid event : X": the account never saw the event
    │   │   └── ExportNotAllowedError            an event the API does not export (notifications)
    │   ├── AuthenticationError                  401 (bad credentials, or the wrong region)
    │   ├── PermissionDeniedError                403
    │   ├── NotFoundError                        404
    │   ├── ConflictError                        409
    │   ├── RateLimitError                       429 "Too many concurrent requests"
    │   ├── ServerError                          5xx
    │   ├── APIFailure                           HTTP 2xx with "status": "fail" in the body
    │   └── MalformedResponseError               a body that is not the JSON object the API sends
    │       └── ResponseTooLargeError            a body over max_response_bytes, refused unread
    ├── PaginationError                          a cursor flow that cannot go on
    │   └── CursorExpiredError                   the server rejected a cursor; carries the last checkpoint
    ├── CountTimeoutError (also TimeoutError)    a count still "partial" when its poll deadline passed
    ├── UploadFailedError                        raise_for_failures(): records rejected or undelivered
    ├── UploadMismatchError                      an upload answer that cannot be matched to its records
    ├── UploadCancelledError                     an upload batch abandoned because the upload was cancelled
    └── CoordinatorUnavailableError              the Redis coordinator is unreachable (on_unavailable="fail")

Messages never carry the passcode: the transport redacts it before an error is built.

Every error survives ``pickle`` with its attributes (services hand errors to process pools and task
queues); ``CleverTapError.__reduce__`` does it once for the whole tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._pagination import Checkpoint

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIFailure",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CertificateError",
    "CleverTapError",
    "ClientStateError",
    "ConfigurationError",
    "ConflictError",
    "CoordinatorUnavailableError",
    "CountTimeoutError",
    "CursorExpiredError",
    "ExportNotAllowedError",
    "MalformedResponseError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestOutcomeUnknownError",
    "ResponseTooLargeError",
    "ServerError",
    "UnknownEventError",
    "UploadCancelledError",
    "UploadFailedError",
    "UploadMismatchError",
    "ValidationError",
    "error_for_status",
]


class CleverTapError(Exception):
    """Base class of every error raised by clevertap_async."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls ``cls(*args)``, which fails for the keyword-only fields of
        # the subclasses; rebuilding from args and the attribute dict works for every class here.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[CleverTapError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigurationError(CleverTapError, ValueError):
    """The client was configured wrongly: a missing credential, an unknown region."""


class ValidationError(CleverTapError, ValueError):
    """Input was rejected on the client side, before anything was sent.

    Attributes:
        field: the name of the offending field or argument, when there is one.
        position: the 0-based position of the offending record in the caller's input, if any.
    """

    def __init__(self, message: str, *, field: str | None = None, position: int | None = None):
        super().__init__(message)
        self.field = field
        self.position = position


class ClientStateError(CleverTapError, RuntimeError):
    """The client was used outside its ``async with`` block."""


class APIConnectionError(CleverTapError):
    """The request did not get a complete answer: refused, reset, dropped or cut short.

    Attributes:
        method: the HTTP method of the failed request.
        path: the API path of the failed request (never the full URL with a query).
        request_sent: False when the failure came before the request was written (connection
            refused, name not resolved, connect timeout, TLS handshake): the server cannot have
            acted on it. True otherwise, including when it is not known.
    """

    def __init__(
        self, message: str, *, method: str = "", path: str = "", request_sent: bool = True
    ):
        super().__init__(message)
        self.method = method
        self.path = path
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """The server did not answer within the configured timeout."""


class CertificateError(APIConnectionError):
    """The server's TLS certificate failed verification; a retry would fail the same way."""


class RequestOutcomeUnknownError(APIConnectionError):
    """A request that is not safe to repeat got no usable answer, and the server may have acted on it.

    Raised instead of retrying ``campaigns.create``, ``campaigns.send``, ``bulletins.trigger`` and
    ``ct.request("POST", ...)`` (unless ``idempotent=True``) after a timeout, a dropped connection, a
    cut-short answer or a 5xx other than 503: a second attempt could send the same message twice.
    Check what happened (the campaign list, the message reports) before sending again. ``__cause__``
    is the failure that left the outcome unknown.
    """


class APIError(CleverTapError):
    """The server answered with an error.

    Attributes:
        status: the HTTP status code.
        code: CleverTap's own ``code`` from the body (often equal to ``status``; 1 and 2 on cursors).
        message: the server's ``error`` text.
        body: the decoded body (a dict), or the raw text when it was not JSON.
        method: the HTTP method of the request.
        path: the API path of the request.
        headers: the response's headers as a plain dict (empty when the error was not built from
            an answer); the passcode is never among them.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | None = None,
        body: Any = None,
        method: str = "",
        path: str = "",
        headers: Mapping[str, str] | None = None,
    ):
        self.status = status
        self.code = code
        self.message = message
        self.body = body
        self.method = method
        self.path = path
        self.headers = dict(headers or {})
        where = f"{method} {path}: " if method else ""
        code_part = f", code {code}" if code is not None and code != status else ""
        super().__init__(f"{where}HTTP {status}{code_part}: {message}")


class BadRequestError(APIError):
    """HTTP 400: a parameter was missing or invalid."""


class UnknownEventError(BadRequestError):
    """HTTP 400 "Invalid event : X": the account has never recorded an event of that name.

    The API answers this to exports and counts of a name it does not know (a typo, a wrong case, an
    event from another project), rather than an empty export or a count of 0.

    Attributes:
        event_name: the name the server refused, as it quoted it.
    """

    def __init__(self, message: str, *, event_name: str, **fields: Any):
        super().__init__(message, **fields)
        self.event_name = event_name


class ExportNotAllowedError(BadRequestError):
    """HTTP 400 "Export not allowed for this event": the API does not export this event.

    Notification events ("Notification Sent", "Notification Viewed", "Notification Clicked"...) are
    refused by the events and profiles exports; their counts still work.
    """


class AuthenticationError(APIError):
    """HTTP 401: the account ID or passcode is wrong, or the region's host is the wrong one."""


class PermissionDeniedError(APIError):
    """HTTP 403: the operation is not allowed for these credentials."""


class NotFoundError(APIError):
    """HTTP 404: the path or the resource does not exist."""


class ConflictError(APIError):
    """HTTP 409: the resource already exists."""


class RateLimitError(APIError):
    """HTTP 429: too many concurrent requests for this account and API.

    Attributes:
        retry_after: the seconds the server's ``Retry-After`` header asked for, or None without one.
            Over the retry policy's ``max_retry_after`` the error is raised at once, unretried.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **fields: Any):
        super().__init__(message, **fields)
        self.retry_after = retry_after


class ServerError(APIError):
    """HTTP 5xx: the server failed; worth retrying."""


class APIFailure(APIError):
    """HTTP 2xx whose body says ``"status": "fail"``: CleverTap's way of reporting many errors."""


class MalformedResponseError(APIError):
    """The body was not the JSON object the API always sends (cut short, HTML, empty)."""


class ResponseTooLargeError(MalformedResponseError):
    """The body was larger than ``max_response_bytes``; it was not read into memory."""


class PaginationError(CleverTapError):
    """A cursor flow cannot continue: a repeated cursor, or an answer with no way forward.

    Attributes:
        checkpoint: the stream's Checkpoint after the last page delivered to the caller (every
            partition's next cursor), or None when it is not known. Pass it as ``resume_from`` to
            continue after fixing the cause.
    """

    def __init__(self, message: str, *, checkpoint: Checkpoint | None = None):
        super().__init__(message)
        self.checkpoint = checkpoint


class CursorExpiredError(PaginationError):
    """The server rejected a cursor ("Incorrect Usage", or expired); start again or resume."""


class CountTimeoutError(CleverTapError, TimeoutError):
    """A counts query still answered "partial" when its poll deadline passed.

    Attributes:
        path: the counts API path.
        req_id: the server's request ID; the query may still finish on the server.
        waited: the seconds spent waiting between polls.
    """

    def __init__(self, message: str, *, path: str, req_id: int, waited: float):
        super().__init__(message)
        self.path = path
        self.req_id = req_id
        self.waited = waited


class UploadFailedError(CleverTapError):
    """An upload left records rejected or undelivered (raised by ``UploadReport.raise_for_failures``).

    Attributes:
        report: the full report, with every rejected and undelivered record.
    """

    def __init__(self, message: str, *, report: Any):
        super().__init__(message)
        self.report = report


class UploadMismatchError(CleverTapError):
    """The server's upload answer does not account for the batch it was sent (counts or echoes disagree).

    The records it leaves unexplained are reported as undelivered with this error: their fate is unknown.
    """


class UploadCancelledError(CleverTapError):
    """The upload was cancelled before this record's batch got an answer (it may have been applied)."""


class CoordinatorUnavailableError(CleverTapError):
    """The Redis coordinator could not be reached and was told to fail (``on_unavailable="fail"``).

    Nothing was sent: the request never got a slot.
    """


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def error_for_status(status: int) -> type[APIError]:
    """Return the APIError subclass for an HTTP error status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return APIError
