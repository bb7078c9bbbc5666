"""What an upload reports: per batch (:class:`BatchResult`) and in total (:class:`UploadReport`).

Every record given is accounted for exactly once: ``accepted + len(rejected) + len(undelivered)``
equals the number of records given, under faults and cancellation alike.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import attrs

from .._errors import UploadFailedError

#: Client-side rejection codes (the server's own record codes are 509-555).
#: Where the client catches what the server would reject, it uses the server's code (509, 513,
#: 514-520, 523, 525, 530-535), so one code means one thing whoever found it; the codes below are
#: for problems only the client checks.
CLIENT_NOT_A_RECORD = 1001  #: not a model or a dict, or a dict of the wrong ``type``
CLIENT_NOT_JSON = 1002  #: NaN, infinity, a non-string key or a type JSON cannot carry
CLIENT_TOO_LARGE = 1003  #: the record alone is over the request byte budget
CLIENT_BAD_KEY = 1004  #: a property key over 120 characters or with a banned character
CLIENT_VALUE_TOO_LARGE = 1005  #: a property value over 512 bytes
CLIENT_NOT_SCALAR = 1006  #: an event property that is a list or object (``Charged.Items`` excepted)


@attrs.frozen
class RejectedRecord:
    """A record refused, by the server or by the client's checks before sending.

    Attributes:
        record: the record exactly as given (model or dict).
        position: its 0-based position in the input.
        code: the server's code (509-555) or a client code (1001-1006, or the server code it predicts).
        error: the server's message, or the client's explanation.
        source: ``"server"`` or ``"client"`` (client-side records were never sent).
    """

    record: Any
    position: int
    code: int
    error: str
    source: Literal["client", "server"] = "server"


@attrs.frozen
class UndeliveredRecord:
    """A record whose batch got no usable answer after retries (or was cut off by cancellation).

    Attributes:
        record: the record exactly as given.
        position: its 0-based position in the input.
        error: why: the transport's typed error, UploadMismatchError or UploadCancelledError.
        maybe_applied: True when a request carrying it was sent, so the server may have stored it.
    """

    record: Any
    position: int
    error: BaseException
    maybe_applied: bool = True

    @property
    def exception(self) -> BaseException:
        """Deprecated name of :attr:`error`."""
        _renamed("UndeliveredRecord.exception", "UndeliveredRecord.error")
        return self.error


class _Accounted:
    """What a batch result and an upload report both say: how many records, and whether all went in."""

    __slots__ = ()
    accepted: int
    rejected: list[RejectedRecord]
    undelivered: list[UndeliveredRecord]

    @property
    def total(self) -> int:
        """Every record accounted for (for an upload report: the number of records given)."""
        return self.accepted + len(self.rejected) + len(self.undelivered)

    @property
    def ok(self) -> bool:
        """True when every record was accepted."""
        return not (self.rejected or self.undelivered)


@attrs.frozen
class BatchResult(_Accounted):
    """The outcome of one batch (one request, plus any 555 re-sends of its failed records).

    Client-side rejections found while the batch was being filled ride along in ``rejected``. A result
    is made once its batch is over, complete; nothing changes it afterwards.

    Attributes:
        number: the batch's 1-based sequence number in the upload.
        sent: records sent in the batch's request.
        accepted: records the server accepted.
        rejected: records refused (server or client side).
        undelivered: records without an answer.
        possibly_duplicated: records accepted after an attempt's answer was lost and the batch was
            sent again: the server may have stored them twice (events are at-least-once); 0 if none.
        attempts: HTTP attempts made for the batch, retries and 555 re-sends included.
        positions: the input position of every record this result accounts for (accepted ones
            included), so a caller can tell which of its records are answered.
    """

    number: int
    sent: int
    accepted: int
    rejected: list[RejectedRecord] = attrs.field(factory=list)
    undelivered: list[UndeliveredRecord] = attrs.field(factory=list)
    possibly_duplicated: int = 0
    attempts: int = 0
    positions: Sequence[int] = ()

    @property
    def records(self) -> int:
        """Deprecated name of :attr:`total`."""
        _renamed("BatchResult.records", "BatchResult.total")
        return self.total

    @property
    def failed(self) -> bool:
        """Deprecated: ``not result.ok``."""
        _renamed("BatchResult.failed", "not BatchResult.ok")
        return not self.ok


@attrs.define
class UploadReport(_Accounted):
    """The running total of an upload; complete once the upload returns.

    Pass one to ``upload(..., report=UploadReport())`` to read it after a cancellation: it is filled
    batch by batch, and a cancelled upload puts what never got an answer in ``undelivered``.

    Attributes:
        accepted: records the server accepted (in a dry run: would have accepted).
        rejected: refused records, in the order their batches finished.
        undelivered: records without an answer.
        possibly_duplicated: records of batches re-sent after a lost answer (may be stored twice).
        batches: batch results folded in so far.
        dry_run: True if nothing was stored (``?dryRun=1``).
    """

    accepted: int = 0
    rejected: list[RejectedRecord] = attrs.field(factory=list)
    undelivered: list[UndeliveredRecord] = attrs.field(factory=list)
    possibly_duplicated: int = 0
    batches: int = 0
    dry_run: bool = False

    def add(self, result: BatchResult) -> None:
        """Fold one batch's result into the totals."""
        self.accepted += result.accepted
        self.rejected.extend(result.rejected)
        self.undelivered.extend(result.undelivered)
        self.possibly_duplicated += result.possibly_duplicated
        self.batches += 1

    def raise_for_failures(self) -> None:
        """Raise if any record was rejected or undelivered.

        Example::

            (await ct.events.upload(records)).raise_for_failures()

        Raises:
            UploadFailedError: with this report attached as ``report``.
        """
        if self.ok:
            return
        first = self.rejected[0].error if self.rejected else repr(self.undelivered[0].error)
        raise UploadFailedError(
            f"{len(self.rejected)} rejected and {len(self.undelivered)} undelivered of "
            f"{self.total} records (first: {first})",
            report=self,
        )


def _renamed(old: str, new: str) -> None:
    warnings.warn(f"{old} is deprecated, use {new}", DeprecationWarning, stacklevel=3)
