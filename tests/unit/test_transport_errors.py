"""How each aiohttp failure maps onto the error tree: the type, the message, and whether the request
was written (a certificate failure cannot be provoked over the plain-HTTP fake, so the mapping is
read here from the exceptions aiohttp raises)."""

from __future__ import annotations

import ssl

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from yarl import URL

from clevertap_async import APIConnectionError, APITimeoutError, CertificateError
from clevertap_async._transport import _connection_error

KEY = ConnectionKey("api.example", 443, True, True, None, None, None, "api.example")


def mapped(exc: Exception) -> APIConnectionError:
    return _connection_error(exc, "POST", "/1/x.json", 2.5)  # type: ignore[arg-type]


def facts(error: APIConnectionError) -> tuple[object, ...]:
    return (type(error), str(error), error.method, error.path, error.request_sent)


def test_a_certificate_failure_is_its_own_error_and_sent_nothing() -> None:
    cause = ssl.SSLCertVerificationError("self-signed certificate")
    error = mapped(aiohttp.ClientConnectorCertificateError(KEY, cause))
    assert facts(error) == (
        CertificateError,
        f"POST /1/x.json: TLS certificate verification failed for api.example: {cause}",
        "POST",
        "/1/x.json",
        False,
    )


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            aiohttp.ConnectionTimeoutError(),
            (APITimeoutError, "POST /1/x.json: no connection within 2.5s", False),
        ),
        (
            aiohttp.ServerTimeoutError(),
            (APITimeoutError, "POST /1/x.json: no answer within 2.5s", True),
        ),
        (TimeoutError(), (APITimeoutError, "POST /1/x.json: no answer within 2.5s", True)),
        (
            aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(111, "Connection refused")),
            (
                APIConnectionError,
                "POST /1/x.json: cannot connect to api.example:443 (Connection refused)",
                False,
            ),
        ),
        (
            aiohttp.ClientConnectorError(KEY, OSError("no route")),
            (
                APIConnectionError,
                "POST /1/x.json: cannot connect to api.example:443 (no route)",
                False,
            ),
        ),
        (
            aiohttp.ServerDisconnectedError(),
            (
                APIConnectionError,
                "POST /1/x.json: the server closed the connection before answering",
                True,
            ),
        ),
        (
            aiohttp.ClientPayloadError("cut"),
            (APIConnectionError, "POST /1/x.json: the response body was cut short", True),
        ),
        (
            aiohttp.ClientResponseError(
                aiohttp.RequestInfo(URL("http://h/"), "POST", {}, URL("http://h/")),  # type: ignore[arg-type]
                (),
                message="Invalid header",
            ),
            (APIConnectionError, "POST /1/x.json: bad response: Invalid header", True),
        ),
        (
            aiohttp.ClientOSError("reset"),
            (APIConnectionError, "POST /1/x.json: connection error: ClientOSError: reset", True),
        ),
    ],
)
def test_each_failure_says_what_happened(exc: Exception, expected: tuple[object, ...]) -> None:
    error = mapped(exc)
    kind, message, sent = expected
    assert facts(error) == (kind, message, "POST", "/1/x.json", sent)
