"""Options several subcommands share: credentials, where the API is, retries; and the client they make.

:func:`client_from` is the one place command-line options become a :class:`CleverTap`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from .._client import (
    ACCOUNT_ID_VARIABLE,
    BASE_URL_VARIABLE,
    PASSCODE_VARIABLE,
    REGION_VARIABLE,
    CleverTap,
)
from .._errors import ConfigurationError
from .._retry import RetryPolicy

#: The client's own default, shown by --help.
DEFAULT_MAX_RETRIES = RetryPolicy().max_retries
DEFAULT_TIMEOUT = 30.0
COORDINATOR_VARIABLE = "CLEVERTAP_COORDINATOR_URL"


def bounded_int(option: str, low: int, high: int) -> Callable[[str], int]:
    """Return an argparse type for an int in ``low..high`` whose errors name ``option``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}-{high}")
        return value

    parse.__name__ = option  # argparse names the type in some messages
    return parse


def add_int_option(
    parser: Any, flag: str, low: int, high: int, *, default: int | None, help: str
) -> None:
    """Add an integer option taking ``low..high``; its help and its errors both say the range."""
    parser.add_argument(
        flag,
        type=bounded_int(flag, low, high),
        default=default,
        metavar="N",
        help=f"{help}, {low}-{high}",
    )


def positive_float(text: str) -> float:
    """An argparse type for a number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Add credentials and --coordinator (defaults: CLEVERTAP_*), --max-retries and --timeout."""
    group = parser.add_argument_group("connection (defaults from CLEVERTAP_* variables)")
    group.add_argument("--account-id", help=f"account ID (${ACCOUNT_ID_VARIABLE})")
    group.add_argument("--passcode", help=f"passcode (${PASSCODE_VARIABLE}); prefer the variable")
    group.add_argument(
        "--region", help=f"eu1, in1, sg1, us1, aps3 or mec1 (${REGION_VARIABLE}) (default: eu1)"
    )
    group.add_argument(
        "--base-url", help=f"API root, e.g. a fake server's URL (${BASE_URL_VARIABLE})"
    )
    add_int_option(
        group,
        "--max-retries",
        0,
        100,
        default=DEFAULT_MAX_RETRIES,
        help="further attempts after a failure that is safe to retry (a 429, a 5xx, a dropped "
        "connection or a timeout, where repeating cannot act twice)",
    )
    group.add_argument(
        "--timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="seconds one attempt may take, connection to last byte",
    )
    group.add_argument(
        "--coordinator",
        metavar="REDIS_URL",
        help="share the account's caps with other workers through this Redis, e.g. "
        f"redis://host:6379/0?namespace=my-service ({COORDINATOR_VARIABLE})",
    )


def client_from(args: argparse.Namespace, **options: Any) -> CleverTap:
    """Return a client configured from the command-line options and the environment.

    Raises:
        ConfigurationError: a credential is missing (the message names the flag and the variable).
    """
    for what, flag, name, variable in (
        ("account ID", "--account-id", "account_id", ACCOUNT_ID_VARIABLE),
        ("passcode", "--passcode", "passcode", PASSCODE_VARIABLE),
    ):
        if not (getattr(args, name, None) or os.environ.get(variable)):
            raise ConfigurationError(f"no CleverTap {what}: give {flag} or set {variable}")
    # getattr: the demo builds its namespaces by hand, without this option.
    url = getattr(args, "coordinator", None) or os.environ.get(COORDINATOR_VARIABLE)
    if url:
        options["coordinator"] = url  # given as a URL, the client closes it with itself
    return CleverTap(
        args.account_id,
        args.passcode,
        args.region,
        base_url=args.base_url,
        retry=RetryPolicy(max_retries=getattr(args, "max_retries", DEFAULT_MAX_RETRIES)),
        timeout=getattr(args, "timeout", DEFAULT_TIMEOUT),
        **options,
    )
