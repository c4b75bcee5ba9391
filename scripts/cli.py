"""One command-line entry point, `mailpipe`, with a subcommand per job."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from scripts import __version__
from scripts import alert as alert_cmd
from scripts import collector as collect_cmd
from scripts import fit as fit_cmd
from scripts import generate as generate_cmd
from scripts import identity as identity_cmd
from scripts import load as load_cmd
from scripts import pr_check as pr_check_cmd
from scripts import privacy as privacy_cmd
from scripts import report as report_cmd
from scripts import run as run_cmd
from scripts import stream as stream_cmd
from scripts import train as train_cmd
from scripts.errors import UserError

COMMANDS = (
    generate_cmd,
    load_cmd,
    run_cmd,
    alert_cmd,
    identity_cmd,
    privacy_cmd,
    collect_cmd,
    stream_cmd,
    fit_cmd,
    train_cmd,
    pr_check_cmd,
    report_cmd,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailpipe",
        description="Generate sample data, load landing files into the raw schema, "
        "run the dbt pipeline on DuckDB (default) or Postgres, and alert on what failed.",
    )
    parser.add_argument("--version", action="version", version=f"mailpipe {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only summaries")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    for command in sub.choices.values():  # -q also after the subcommand
        command.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            default=argparse.SUPPRESS,
            help="print only summaries",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except UserError as exc:
        print(f"mailpipe {args.command}: error: {exc}", file=sys.stderr)
        return 2
