"""A fake CleverTap server for testing code that uses the API, with no account and no network.

Like moto for AWS: it serves the documented API on 127.0.0.1 over real sockets, validates what it is
sent with the documented codes and messages, stores what it accepts for tests to read, enforces the
concurrency caps, and injects faults on demand.

Example::

    from clevertap_async.testing import FakeCleverTap

    async with FakeCleverTap() as fake:
        fake.faults.inject("status", status=503, times=2)
        async with fake.client() as ct:
            await ct.request("POST", "/1/targets/trigger.json", json={...})

With pytest, the ``fake_clevertap`` fixture gives a running fake and ``fake_clevertap_client`` an open
client pointed at it (installed automatically as a pytest plugin). ``NO_WAIT_RETRIES`` is a retry
policy that decides like the default one but never sleeps: ``fake.client(retry=NO_WAIT_RETRIES)``.
"""

from .._retry import NO_WAIT_RETRIES
from ._campaigns import FakeCampaign
from ._faults import FaultDecision, FaultInjector, FaultKind, FaultRule
from ._process import FakeServerProcess, fake_server_process
from ._server import DEFAULT_ACCOUNT_ID, DEFAULT_PASSCODE, FakeCleverTap, RecordedRequest

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_PASSCODE",
    "NO_WAIT_RETRIES",
    "FakeCampaign",
    "FakeCleverTap",
    "FakeServerProcess",
    "FaultDecision",
    "FaultInjector",
    "FaultKind",
    "FaultRule",
    "RecordedRequest",
    "fake_server_process",
]
