"""clevertap_async: an async-first client for the CleverTap REST API (v1).

Example::

    from clevertap_async import CleverTap

    async with CleverTap(account_id="...", passcode="...", region="in1") as ct:
        await ct.bulletins.trigger(business_event="Sale", name="Sale is on",
                                   properties={"code": "SALE10"}, created_by="me@example.com")
"""

from ._client import CleverTap
from ._coordination import Coordinator, LocalCoordinator
from ._errors import (
    APIConnectionError,
    APIError,
    APIFailure,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CertificateError,
    CleverTapError,
    ClientStateError,
    ConfigurationError,
    ConflictError,
    CoordinatorUnavailableError,
    CountTimeoutError,
    CursorExpiredError,
    ExportNotAllowedError,
    MalformedResponseError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RequestOutcomeUnknownError,
    ResponseTooLargeError,
    ServerError,
    UnknownEventError,
    UploadCancelledError,
    UploadFailedError,
    UploadMismatchError,
    ValidationError,
)
from ._pagination import Checkpoint, CursorStream, Page
from ._protocol import REGION_HOSTS
from ._redis_coordinator import RedisCoordinator
from ._retry import RetryPolicy
from ._writer import BatchWriter
from .models import (
    BatchResult,
    Condition,
    CountResult,
    DeletionOutcome,
    DeletionStatus,
    DeviceToken,
    Event,
    ExportedEvent,
    ExportedProfile,
    PrivacyAccessResult,
    Profile,
    Recipients,
    RejectedRecord,
    UndeliveredRecord,
    UploadReport,
    Where,
)
from .resources._counting import CountPolling

__version__ = "0.1.0"

__all__ = [
    "REGION_HOSTS",
    "APIConnectionError",
    "APIError",
    "APIFailure",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchResult",
    "BatchWriter",
    "CertificateError",
    "Checkpoint",
    "CleverTap",
    "CleverTapError",
    "ClientStateError",
    "Condition",
    "ConfigurationError",
    "ConflictError",
    "Coordinator",
    "CoordinatorUnavailableError",
    "CountPolling",
    "CountResult",
    "CountTimeoutError",
    "CursorExpiredError",
    "CursorStream",
    "DeletionOutcome",
    "DeletionStatus",
    "DeviceToken",
    "Event",
    "ExportNotAllowedError",
    "ExportedEvent",
    "ExportedProfile",
    "LocalCoordinator",
    "MalformedResponseError",
    "NotFoundError",
    "Page",
    "PaginationError",
    "PermissionDeniedError",
    "PrivacyAccessResult",
    "Profile",
    "RateLimitError",
    "Recipients",
    "RedisCoordinator",
    "RejectedRecord",
    "RequestOutcomeUnknownError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "ServerError",
    "UndeliveredRecord",
    "UnknownEventError",
    "UploadCancelledError",
    "UploadFailedError",
    "UploadMismatchError",
    "UploadReport",
    "ValidationError",
    "Where",
    "__version__",
]


def __getattr__(name: str) -> object:
    # Backoff stays importable for a release, with a warning: RetryPolicy replaced it.
    if name == "Backoff":
        import warnings

        from ._protocol import Backoff

        warnings.warn(
            "clevertap_async.Backoff is deprecated; use clevertap_async.RetryPolicy",
            DeprecationWarning,
            stacklevel=2,
        )
        return Backoff
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
