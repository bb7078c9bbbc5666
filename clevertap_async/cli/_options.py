"""Options several subcommands share: the account's credentials and where the API is."""

from __future__ import annotations

import argparse
from typing import Any

from .._client import CleverTap
from .._retry import RetryPolicy


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Add --account-id, --passcode, --region and --base-url (each defaults to its CLEVERTAP_* variable)."""
    group = parser.add_argument_group("connection (defaults from CLEVERTAP_* variables)")
    group.add_argument("--account-id", help="account ID (CLEVERTAP_ACCOUNT_ID)")
    group.add_argument("--passcode", help="passcode (CLEVERTAP_PASSCODE); prefer the variable")
    group.add_argument("--region", help="eu1, in1, sg1, us1, aps3 or mec1 (CLEVERTAP_REGION)")
    group.add_argument("--base-url", help="API root, e.g. a fake server's URL (CLEVERTAP_BASE_URL)")
    group.add_argument(
        "--max-retries",
        type=int,
        metavar="N",
        help="further attempts after a failure that is safe to retry (default 3)",
    )


def client_from(args: argparse.Namespace, **options: Any) -> CleverTap:
    """Return a client configured from the connection options and the environment."""
    if getattr(args, "max_retries", None) is not None:
        options.setdefault("retry", RetryPolicy(max_retries=args.max_retries))
    return CleverTap(args.account_id, args.passcode, args.region, base_url=args.base_url, **options)
