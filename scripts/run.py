"""`mailpipe run`: the whole pipeline in one command — generate, load, dbt build — and a
report of what it built."""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

from scripts.errors import UserError
from scripts.warehouse import PROJECT_DIR, Target, connect_duckdb, connect_postgres, load_target

log = logging.getLogger(__name__)
LAYERS = ("staging", "intermediate", "marts")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "run",
        help="generate sample data (if none), load it, dbt build, and report what was built",
        description="Run the whole pipeline on the active target: generate sample data when "
        "the landing folder is empty, load new landing files, seed and build every model "
        "and test with dbt, then print the tables built per layer with their row counts.",
    )
    parser.add_argument(
        "--target", default=None, help="dbt target from profiles.yml (default: $DBT_TARGET or dev)"
    )
    parser.add_argument(
        "--landing",
        type=Path,
        default=PROJECT_DIR / "data" / "landing",
        help="landing folder (default: %(default)s)",
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=10_000,
        help="customers to generate when the landing folder is empty (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default: 42)")
    parser.add_argument(
        "--regenerate",
        action="store_true",
        help="generate again even if the landing folder has data",
    )
    parser.add_argument("--skip-build", action="store_true", help="stop after loading")
    parser.add_argument(
        "--select",
        nargs="+",
        metavar="SELECTOR",
        help="dbt selection for the build (default: everything)",
    )
    parser.set_defaults(func=_cli)


def _has_landing_data(landing: Path) -> bool:
    return landing.is_dir() and any(
        p for p in landing.glob("*/*") if p.suffix in (".jsonl", ".csv")
    )


def dbt_build(target: Target, select: list[str] | None = None) -> tuple[bool, list]:
    """`dbt seed` then `dbt build` through dbt's Python API; returns success and results."""
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    common = [
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target",
        target.name,
    ]
    runner = dbtRunner()
    args = ["build", *common]
    if select:
        args += ["--select", *select]
    result = runner.invoke(args)
    if result.exception is not None:
        raise UserError(f"dbt build could not run: {result.exception}")
    return bool(result.success), list(result.result or [])


def built_tables(target: Target) -> list[tuple[str, str, int]]:
    """(layer, relation, rows) for every relation dbt built, read from the warehouse."""
    rows: list[tuple[str, str, int]] = []
    if target.type == "duckdb":
        # dbt still holds the file open in this process: same configuration (read-write).
        con = connect_duckdb(target)
        query = (
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like ? order by 1, 2"
        )
        for layer in LAYERS:
            for schema, name in con.execute(query, [f"%{layer}"]).fetchall():
                count = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
                rows.append((layer, f"{schema}.{name}", count))
        con.close()
        return rows
    con = connect_postgres(target)
    with con.cursor() as cur:
        for layer in LAYERS:
            cur.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema like %s order by 1, 2",
                (f"%{layer}",),
            )
            for schema, name in cur.fetchall():
                cur.execute(f'select count(*) from "{schema}"."{name}"')
                rows.append((layer, f"{schema}.{name}", cur.fetchone()[0]))
    con.close()
    return rows


def _cli(args: argparse.Namespace) -> int:
    from scripts import generate as generate_cmd
    from scripts import load as load_cmd

    started = time.perf_counter()
    target = load_target(args.target)
    print(f"target: {target.describe()}")
    if args.regenerate or not _has_landing_data(args.landing):
        gen = generate_cmd.generate(
            args.landing,
            customers=args.customers,
            seed=args.seed,
            force=args.regenerate,
            progress=log.info,
        )
        print(
            f"[1/3] generate: {sum(gen.rows_by_table.values()):,} records in {gen.files} "
            f"files for {gen.customers:,} customers ({gen.seconds:.1f} s)"
        )
    else:
        print(f"[1/3] generate: skipped, {args.landing} already has data (--regenerate to redo)")
    summary = load_cmd.load(args.landing, target, os.environ.get("MAILPIPE_RAW_SCHEMA", "raw"))
    print(f"[2/3] {summary.line()}")
    if summary.failed:
        for f in summary.failed:
            print(f"      failed: {f.file}: {f.error}")
        return 1
    if args.skip_build:
        return 0
    t0 = time.perf_counter()
    ok, results = dbt_build(target, args.select)
    statuses: dict[str, int] = {}
    for r in results:
        statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
    counts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    print(f"[3/3] dbt build: {len(results)} nodes ({counts}) in {time.perf_counter() - t0:.1f} s")
    if not ok:
        print("dbt build FAILED: see the log above and target/run_results.json")
        return 1
    print("\nbuilt:")
    for layer, relation, count in built_tables(target):
        print(f"  {layer:<13} {relation:<48} {count:>12,} rows")
    print(f"\npipeline finished in {time.perf_counter() - started:.1f} s on {target.describe()}")
    return 0
