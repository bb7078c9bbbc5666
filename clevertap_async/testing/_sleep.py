"""A stand-in for ``asyncio.sleep`` that records how long the client would have waited."""

from __future__ import annotations


class RecordingSleep:
    """Records the delays the client asks for (retry backoff, count polls) instead of waiting.

    Example::

        sleep = RecordingSleep()
        async with fake.client(sleep=sleep) as ct:
            await ct.events.count("Charged", 20260101, 20260131)
        assert sleep.delays == [...]

    Attributes:
        delays: every delay asked for, in seconds, in order.
    """

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        """Record ``seconds`` and return at once."""
        self.delays.append(seconds)
