"""Dates on the command line: ``YYYY-MM-DD`` (what people type), turned into ``datetime.date``."""

from __future__ import annotations

import argparse
from datetime import date

from .. import _query


def iso_date(text: str) -> date:
    """Parse ``YYYY-MM-DD`` for argparse, with a clear message when it is not one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def add_date_range(parser: argparse.ArgumentParser) -> None:
    """Add the required --from and --to options."""
    parser.add_argument(
        "--from", dest="start", type=iso_date, required=True, metavar="YYYY-MM-DD", help="first day"
    )
    parser.add_argument(
        "--to", dest="end", type=iso_date, required=True, metavar="YYYY-MM-DD", help="last day"
    )


def check_range(args: argparse.Namespace) -> None:
    """Refuse ``--from`` after ``--to``, naming the flags.

    Raises:
        ValidationError: the range is reversed.
    """
    _query.date_range(args.start, args.end, names=("--from", "--to"))
