"""Fault injection for the fake server: status codes, latency, dropped connections, cut bodies.

A rule matches requests by path and method, then fires by rate (a probability), by count (``times``:
at most N firings), and by spacing (``every``: each Nth match). "Fail the next N requests" is
``inject("status", status=503, times=N)``.
"""

from __future__ import annotations

import random
from enum import StrEnum
from typing import Any

import attrs


class FaultKind(StrEnum):
    """What a fault does to a request."""

    #: Answer with an HTTP error status and CleverTap's failure body, without processing.
    STATUS = "status"
    #: Wait before processing (adds to any other fault).
    LATENCY = "latency"
    #: Close the connection without answering, without processing.
    DROP = "drop"
    #: Process the request, then send only half of the body and close the connection.
    TRUNCATE = "truncate"
    #: Process the request, then close the connection without answering: the answer is lost.
    LOST_RESPONSE = "lost_response"
    #: Answer exactly ``status``, ``body`` and ``headers``, without processing: replays a recorded
    #: real answer, or one that deviates from what the API documents.
    REPLY = "reply"


@attrs.define
class FaultRule:
    """One injected fault and its matching and firing conditions.

    Attributes:
        kind: what the fault does.
        status: the HTTP status, for STATUS faults.
        seconds: the delay, for LATENCY faults.
        rate: the probability that a matching request fires the fault.
        times: fire at most this many times (None: no limit).
        every: fire only on every Nth matching request (None: on any).
        path: match only this exact path (None: every API path).
        method: match only this method (None: every method).
        retry_after: a Retry-After header to send with a STATUS fault, in seconds.
        body: for REPLY faults, the body: JSON data, or a string sent as it is.
        headers: for REPLY faults, response headers to add.
        fired: how many times the fault fired so far.
        seen: how many requests matched so far.
    """

    kind: FaultKind = attrs.field(converter=FaultKind)
    status: int = 500
    seconds: float = 0.0
    rate: float = 1.0
    times: int | None = None
    every: int | None = None
    path: str | None = None
    method: str | None = None
    retry_after: float | None = None
    body: Any = None
    headers: dict[str, str] | None = None
    fired: int = 0
    seen: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Say whether a request is one this rule is about."""
        return (self.path is None or self.path == path) and (
            self.method is None or self.method.upper() == method
        )

    @property
    def exhausted(self) -> bool:
        """True once the rule has fired ``times`` times."""
        return self.times is not None and self.fired >= self.times


@attrs.frozen
class FaultDecision:
    """What to do to one request: wait ``latency`` seconds, then apply ``action`` (if any)."""

    latency: float = 0.0
    action: FaultRule | None = None


class FaultInjector:
    """The fake server's fault rules; decisions are reproducible for a given seed."""

    def __init__(self, seed: int | None = 0):
        self.rules: list[FaultRule] = []
        self._rng = random.Random(seed)

    def inject(self, kind: FaultKind | str, **conditions: Any) -> FaultRule:
        """Add a fault rule and return it (read its ``fired`` count later).

        Example::

            fake.faults.inject("status", status=429, times=3, path="/1/upload")
            fake.faults.inject("latency", seconds=0.02)
            fake.faults.inject("drop", rate=0.1)
            fake.faults.inject("reply", status=500, body={"status": "fail"}, times=1)
        """
        rule = FaultRule(kind=FaultKind(kind), **conditions)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()

    def decide(self, method: str, path: str) -> FaultDecision:
        """Return what happens to a request; counts it against every matching rule."""
        latency = 0.0
        action: FaultRule | None = None
        for rule in self.rules:
            if rule.exhausted or not rule.matches(method, path):
                continue
            rule.seen += 1
            if rule.every is not None and rule.seen % rule.every:
                continue
            if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                continue
            if rule.kind is FaultKind.LATENCY:
                rule.fired += 1
                latency += rule.seconds
            elif action is None:
                rule.fired += 1
                action = rule
        return FaultDecision(latency=latency, action=action)
