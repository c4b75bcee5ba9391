"""`mailpipe load`: landing files into the raw schema, with quarantine and a ledger."""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections import defaultdict
from pathlib import Path

from scripts.load.loader import FileResult, LoadSummary, load
from scripts.warehouse import PROJECT_DIR, add_target_argument, load_target

__all__ = ["FileResult", "LoadSummary", "add_parser", "load", "reconciliation_table"]

log = logging.getLogger(__name__)
DEFAULT_LANDING = PROJECT_DIR / "data" / "landing"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "load",
        help="load landing files into the raw schema of the active target",
        description="Load every landing file that is not yet in the ledger into the raw "
        "schema of the active dbt target. Records that fail validation go to "
        "raw.load_quarantine with their reason and original text. Records about a person "
        "erased by `mailpipe erase` (an identifier on the suppression list) are dropped "
        "before they are written anywhere and counted as suppressed. For every file, lines "
        "read = rows loaded + rows quarantined + rows suppressed + blank lines.",
    )
    parser.add_argument(
        "--landing",
        type=Path,
        default=DEFAULT_LANDING,
        help="landing folder (default: %(default)s)",
    )
    add_target_argument(parser)
    parser.add_argument(
        "--schema",
        default=os.environ.get("MAILPIPE_RAW_SCHEMA", "raw"),
        help="raw schema (default: $MAILPIPE_RAW_SCHEMA or %(default)s)",
    )
    parser.add_argument(
        "--tables", nargs="+", metavar="TABLE", help="load only these tables (default: all)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="files loaded at once, each on its own connection (default: one per core)",
    )
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the summary as JSON to PATH"
    )
    parser.set_defaults(func=_cli)


def _progress(result: FileResult) -> None:
    if result.status == "skipped":
        log.info("  %-58s already loaded", result.file)
        return
    if result.status == "failed":
        log.error("  %-58s FAILED: %s", result.file, result.error)
        return
    reasons = ", ".join(f"{r} {n:,}" for r, n in sorted(result.reasons.items()))
    log.info(
        "  %-58s %10s lines %10s loaded %7s quarantined%s%s  %.1f s",
        result.file,
        f"{result.lines:,}",
        f"{result.loaded:,}",
        f"{result.quarantined:,}",
        f" ({reasons})" if reasons else "",
        f" {result.suppressed:,} suppressed" if result.suppressed else "",
        result.seconds,
    )


def reconciliation_table(summary: LoadSummary) -> str:
    """Per table: lines read = loaded + quarantined + suppressed + blank, for the files
    loaded now."""
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for f in summary.files:
        if f.status != "loaded":
            continue
        row = rows[f.table]
        row[0] += 1
        row[1] += f.lines
        row[2] += f.loaded
        row[3] += f.quarantined
        row[4] += f.suppressed
        row[5] += f.blank
    out = [
        f"{'table':<24}{'files':>6}{'lines read':>13}{'loaded':>13}{'quarantined':>13}"
        f"{'suppressed':>12}{'blank':>7}  check"
    ]
    for table, (files, lines, loaded, quarantined, suppressed, blank) in rows.items():
        ok = "ok" if lines == loaded + quarantined + suppressed + blank else "MISMATCH"
        out.append(
            f"{table:<24}{files:>6}{lines:>13,}{loaded:>13,}{quarantined:>13,}"
            f"{suppressed:>12,}{blank:>7,}  {ok}"
        )
    return "\n".join(out)


def _cli(args: argparse.Namespace) -> int:
    target = load_target(args.target)
    log.info("loading %s into %s, schema %s", args.landing, target.describe(), args.schema)
    summary = load(
        args.landing, target, args.schema, args.tables, progress=_progress, workers=args.workers
    )
    if any(f.status == "loaded" for f in summary.files):
        print(reconciliation_table(summary))
    print(summary.line())
    if args.json:
        args.json.write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
    return 1 if summary.failed else 0
