"""Options several subcommands share: the account's credentials and where the API is."""

from __future__ import annotations

import argparse
import os
from typing import Any

from .._client import CleverTap
from .._retry import RetryPolicy

COORDINATOR_VARIABLE = "CLEVERTAP_COORDINATOR_URL"


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Add --account-id, --passcode, --region, --base-url and --coordinator (defaults: CLEVERTAP_*)."""
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
    group.add_argument(
        "--coordinator",
        metavar="REDIS_URL",
        help="share the account's caps with other workers through this Redis, e.g. "
        f"redis://host:6379/0?namespace=my-service ({COORDINATOR_VARIABLE})",
    )


def client_from(args: argparse.Namespace, **options: Any) -> CleverTap:
    """Return a client configured from the connection options and the environment."""
    if getattr(args, "max_retries", None) is not None:
        options.setdefault("retry", RetryPolicy(max_retries=args.max_retries))
    # getattr: the demo builds its namespaces by hand, without this option.
    url = getattr(args, "coordinator", None) or os.environ.get(COORDINATOR_VARIABLE)
    if url:
        options["coordinator"] = url  # given as a URL, the client closes it with itself
    return CleverTap(args.account_id, args.passcode, args.region, base_url=args.base_url, **options)
