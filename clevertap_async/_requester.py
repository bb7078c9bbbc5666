"""What the layers above the transport are given: a way to send a request, to wait, and the caps.

The pager, the uploader, the count poller, the privacy workflow, the chunked bulk sender and the
resources take a :class:`Requester`, never the client: imports point one way (client → resources →
streaming and uploading → requester → transport), and a test can drive any of them with a small
in-memory requester instead of sockets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ._errors import CleverTapError
from ._protocol import QueryValue
from ._retry import RetryPolicy


class Requester(Protocol):
    """Sends API requests through the caps, the rate limits and the retry policy.

    Attributes:
        retry: the default retry policy (every retry decision uses it unless a request names another).
        upload_concurrency: ``/1/upload`` requests in flight at most.
    """

    @property
    def retry(self) -> RetryPolicy: ...

    @property
    def upload_concurrency(self) -> int: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        verbatim_params: Mapping[str, str] | None = None,
        json: Any = None,
        body: bytes | None = None,
        idempotent: bool = True,
        allow_fail_status: bool = False,
        retry: RetryPolicy | None = None,
        on_retry: Callable[[CleverTapError], None] | None = None,
        attempt_timeout: float | None = None,
        on_send: Callable[[], None] | None = None,
    ) -> Any:
        """Send one request, retried as the policy says, and return its decoded JSON body.

        Args:
            method: the HTTP method, upper case.
            path: the API path, starting with "/".
            params: query parameters, encoded once.
            verbatim_params: query parameters appended exactly as given (cursors).
            json: a JSON body to serialise (already validated), or
            body: a body already serialised.
            idempotent: whether the request is safe to repeat after a lost answer.
            allow_fail_status: return ``"status": "fail"`` bodies instead of raising (uploads).
            retry: the policy for this request (default: :attr:`retry`).
            on_retry: told of each failed attempt that is about to be retried.
            attempt_timeout: seconds for each attempt, instead of the client's timeout.
            on_send: called as each attempt goes out, once it has its slot and rate tokens (a
                request cancelled before that was never sent).

        Raises:
            CleverTapError: the typed error of the last attempt.
            RequestOutcomeUnknownError: a request not safe to repeat lost its answer.
        """
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait on the client's clock (an injected one in tests)."""
        ...

    async def back_off(
        self, attempt: int, *, limit: int | None = None, retry: RetryPolicy | None = None
    ) -> bool:
        """Wait before retry ``attempt`` (from 0) of something known to be transient.

        Returns:
            False, without waiting, when the policy says to stop (``limit`` or ``max_retries``
            retries made already).
        """
        ...
