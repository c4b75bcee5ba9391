"""`mailpipe generate`: deterministic, messy sample data in the landing formats.

The files follow docs/landing_formats.md. Everything scales with the number of customers;
the same parameters give the same bytes whatever the number of worker processes.
"""

from __future__ import annotations

import argparse
import logging
from datetime import date
from pathlib import Path

from scripts.generate.runner import GENERATOR_VERSION, GenerateSummary, generate

__all__ = ["GENERATOR_VERSION", "GenerateSummary", "add_parser", "generate"]

log = logging.getLogger(__name__)

DESCRIPTION = """\
Generate a year of sample data for N customers: CRM change events, shop orders, checkouts
and loyalty, email events, web tracking, consent, privacy requests, enrichment, products
and campaigns. The data is deliberately messy (duplicate people, guest checkouts, shared
addresses, machine opens, bot clicks, clock skew, late and duplicate events, a share of
corrupted records) and the ground truth is written to <out>/_truth/.
"""


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "generate",
        help="write deterministic sample landing files and their ground truth",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=10_000,
        help="number of customers; every volume follows from it (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--days", type=int, default=365, help="length of the window in days (default: %(default)s)"
    )
    parser.add_argument(
        "--end-date",
        type=_iso_date,
        default=date(2026, 10, 31),
        metavar="YYYY-MM-DD",
        help="last day of the window (default: 2026-10-31)",
    )
    parser.add_argument(
        "--bad-rate",
        type=float,
        default=0.005,
        help="share of records replaced by a corrupted copy (default: %(default)s)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes; the output does not depend on it (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("data/landing"),
        help="output folder (default: %(default)s)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace generated files already in the output folder"
    )
    parser.set_defaults(func=_cli)


def _cli(args: argparse.Namespace) -> int:
    summary = generate(
        out_dir=args.out,
        customers=args.customers,
        seed=args.seed,
        days=args.days,
        end_date=args.end_date,
        bad_rate=args.bad_rate,
        workers=args.workers,
        force=args.force,
        progress=log.info,
    )
    print(summary.line())
    return 0
