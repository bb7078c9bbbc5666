"""When to try a request again, and how long to wait first: one policy for every retry in the client.

The transport asks it after each failed attempt, the uploader before re-sending records refused with
code 555, the export pager before asking again for a cursor that is not ready. A request is either
safe to repeat (reads, exports, counts, deletes, profile uploads: the same request twice has the same
effect as once) or not (creating or sending a campaign, triggering a bulletin): the second kind is
tried again only when the server provably did not act on it.
"""

from __future__ import annotations

import random
from typing import Any, Final

import attrs

from . import _limits
from ._errors import (
    APIConnectionError,
    BadRequestError,
    CertificateError,
    CleverTapError,
    ConfigurationError,
    MalformedResponseError,
    RateLimitError,
    RequestOutcomeUnknownError,
    ResponseTooLargeError,
    ServerError,
)

#: The one 5xx that means "refused before processing" (overloaded, in maintenance).
_UNAVAILABLE = 503


def _non_negative(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigurationError(f"{attribute.name} must be a number >= 0, got {value!r}")


def _count(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"{attribute.name} must be an int >= 0, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """How many times to retry a failed request, and how long to wait before each retry.

    Waits grow exponentially with full jitter: retry ``n`` (from 0) waits a random time in
    ``[0, min(max_delay, initial_delay * multiplier ** n)]``. A server's ``Retry-After`` replaces that
    wait; one longer than ``max_retry_after`` stops the retries at once (the error carries it).

    Requests that are not safe to repeat (``campaigns.create``, ``campaigns.send``,
    ``bulletins.trigger``, ``ct.request("POST", ...)`` unless ``idempotent=True``) are retried only
    after a 429 or a 503 (refused before processing) or a connection that failed before the request
    was written; any other failure raises :class:`RequestOutcomeUnknownError` or the error itself.

    Example::

        CleverTap(..., retry=RetryPolicy(max_retries=5, max_delay=30))
        await ct.request("GET", "/1/profile.json", params=..., retry=RetryPolicy(max_retries=0))

    Attributes:
        max_retries: further attempts after the first (also the 555 re-send rounds of an upload).
        initial_delay: the wait cap before the first retry, in seconds.
        max_delay: the largest wait cap, in seconds.
        multiplier: growth of the cap per retry.
        max_retry_after: the longest ``Retry-After`` waited for, in seconds; longer stops at once.
        jitter: wait a random time up to the cap (True), or the cap itself (False).
        scale: every wait is multiplied by this; 0 decides exactly the same but never waits (tests).

    Raises:
        ConfigurationError: a negative or non-numeric field.
    """

    max_retries: int = attrs.field(default=3, validator=_count)
    initial_delay: float = attrs.field(default=0.5, validator=_non_negative)
    max_delay: float = attrs.field(default=8.0, validator=_non_negative)
    multiplier: float = attrs.field(default=2.0, validator=_non_negative)
    max_retry_after: float = attrs.field(default=60.0, validator=_non_negative)
    jitter: bool = True
    scale: float = attrs.field(default=1.0, validator=_non_negative)

    @classmethod
    def no_wait(cls, max_retries: int = 3) -> RetryPolicy:
        """Return a policy that retries like the default one but never sleeps: for tests.

        Args:
            max_retries: further attempts after the first.

        Returns:
            The default policy with ``scale=0``.
        """
        return cls(max_retries=max_retries, scale=0.0)

    def next_delay(
        self,
        error: CleverTapError | None,
        attempt: int,
        *,
        retry_after: float | None = None,
        idempotent: bool = True,
        limit: int | None = None,
        rng: random.Random | None = None,
    ) -> float | None:
        """Decide whether to try again after a failure, and how long to wait first.

        Args:
            error: the failure; None for one the caller knows to be transient (records refused
                with code 555, an export cursor not ready yet).
            attempt: how many retries were made already (0 before the first retry).
            retry_after: the seconds the server's ``Retry-After`` asked for, if it sent one.
            idempotent: whether the request is safe to repeat.
            limit: the retry budget when it is not ``max_retries`` (cursors not ready yet are
                asked about more often than a failed request is retried).
            rng: the random source of the jitter.

        Returns:
            The seconds to wait before the next attempt, or None to stop and raise.
        """
        if attempt >= (self.max_retries if limit is None else limit):
            return None
        if error is not None and not self.retryable(error, idempotent=idempotent):
            return None
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None  # waiting that long inside a call helps nobody; the error says how long
            return retry_after * self.scale
        return self.backoff(attempt, rng=rng)

    def backoff(self, attempt: int, *, rng: random.Random | None = None) -> float:
        """Return the wait before retry number ``attempt`` (from 0), ignoring any ``Retry-After``."""
        cap = min(self.max_delay, self.initial_delay * self.multiplier**attempt) * self.scale
        return (rng or random).uniform(0.0, cap) if self.jitter else cap

    @staticmethod
    def retryable(error: CleverTapError, *, idempotent: bool = True) -> bool:
        """Say whether a failed attempt is worth another: throttling, server errors, lost answers.

        An upload answered 400 "Malformed request" is worth another too: the client wrote the JSON,
        so the API's complaint is transient (see :func:`is_spurious_malformed`).
        A request not safe to repeat is worth another only when the server did not act on it: a
        429, a 503, or a connection that failed before the request was written.
        """
        if isinstance(error, ResponseTooLargeError | CertificateError | RequestOutcomeUnknownError):
            # The same answer or certificate would come back; an unknown outcome is final.
            return False
        if isinstance(error, RateLimitError) or is_spurious_malformed(error):
            return True  # refused before processing: safe to send again
        if not idempotent:
            return not outcome_unknown(error) and (
                isinstance(error, APIConnectionError)
                or (isinstance(error, ServerError) and error.status == _UNAVAILABLE)
            )
        return isinstance(error, ServerError | APIConnectionError) or (
            isinstance(error, MalformedResponseError) and error.status < 300
        )


def is_spurious_malformed(error: CleverTapError) -> bool:
    """Say whether an error is an upload's 400 "Malformed request", worth sending the batch again for.

    Upload bodies are JSON the client serialised itself, so this answer cannot be about the body:
    CleverTap's own bulk uploader re-sends a batch answered this way, and so does this client, within
    the policy's retries and backoff. When they run out, the batch's records are undelivered. Any
    other 400, and this text on any other path, is final.
    """
    return (
        isinstance(error, BadRequestError)
        and error.path == _limits.UPLOAD_PATH
        and error.message.strip().lower() == "malformed request"
    )


def outcome_unknown(error: CleverTapError) -> bool:
    """Say whether the server may have acted on a request that failed this way.

    True after a timeout or a dropped connection once the request was written, an answer cut short
    or unreadable, or a 5xx other than 503 (the handler ran and failed somewhere).
    """
    if isinstance(error, APIConnectionError):
        return error.request_sent
    if isinstance(error, ResponseTooLargeError):
        return False
    if isinstance(error, MalformedResponseError):
        return error.status < 300
    return isinstance(error, ServerError) and error.status != _UNAVAILABLE


#: The default policy: 3 retries, waits from 0.5 s doubling up to 8 s, Retry-After up to 60 s.
DEFAULT_RETRY: Final = RetryPolicy()
#: Retries like the default but never waits: what the package's test fixtures use.
NO_WAIT_RETRIES: Final = RetryPolicy.no_wait()
