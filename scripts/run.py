"""`mailpipe run`: the whole pipeline in one command — generate, load, erase, check source
freshness, dbt build, alert, fit the purchase models and rescore — and a report of what
it built."""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

from scripts.errors import UserError
from scripts.warehouse import (
    PROJECT_DIR,
    Target,
    add_target_argument,
    connect_duckdb,
    connect_postgres,
    dbt_args,
    load_target,
)

log = logging.getLogger(__name__)
LAYERS = ("staging", "intermediate", "marts", "activation", "ad_platform", "monitoring")
STEPS = 7
# what a new fit of the purchase models, or new propensity models, rebuild: the scores and
# what reads them
FIT_RESCORE = "stg_predict__purchase_model_fits+"
TRAIN_RESCORE = "stg_predict__propensity_coefficients+"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "run",
        help="generate sample data (if none), load it, carry out erasure requests, check "
        "freshness, dbt build, alert, and report what was built",
        description="Run the whole pipeline on the active target: generate sample data when "
        "the landing folder is empty, load new landing files, carry out pending erasure "
        "requests (`mailpipe erase`), check source freshness, seed "
        "and build every model and test with dbt, print the alert summary (`mailpipe alert`: "
        "failures, warnings and stale sources with their owners; posted to "
        "$MAILPIPE_ALERT_WEBHOOK_URL when set), then the tables built per layer with their "
        "row counts. Exits 1 when the load failed or the alert says error.",
    )
    add_target_argument(parser)
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
        "--no-fit",
        action="store_true",
        help="do not refit the purchase models or retrain the propensity models after the "
        "build (the scores keep the last fit)",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental models from all their rows (after a change to their "
        "columns, or on a warehouse an older version of the project built)",
    )
    parser.add_argument(
        "--notify-on",
        choices=("always", "warn", "error"),
        default="warn",
        help="when to post the alert to $MAILPIPE_ALERT_WEBHOOK_URL (default: %(default)s)",
    )
    parser.add_argument(
        "--select",
        nargs="+",
        metavar="SELECTOR",
        help="dbt selection for the build (default: everything)",
    )
    parser.add_argument(
        "--exclude",
        nargs="+",
        metavar="SELECTOR",
        help="dbt selection left out of the build (default: nothing)",
    )
    parser.add_argument(
        "--vars",
        type=parse_vars,
        default=None,
        metavar="YAML",
        help="project vars for source freshness and the build, a YAML or JSON mapping as "
        "for dbt's --vars, e.g. '{monitoring__baseline_days: 56}' (default: dbt_project.yml)",
    )
    parser.set_defaults(func=_cli)


def parse_vars(text: str) -> dict:
    """A `--vars` value: a YAML (or JSON) mapping of var names to values."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise argparse.ArgumentTypeError(f"not YAML: {exc}") from exc
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise argparse.ArgumentTypeError(
            "expected a mapping of var names to values, e.g. '{monitoring__baseline_days: 56}'"
        )
    return value


def _has_landing_data(landing: Path) -> bool:
    return landing.is_dir() and any(
        p for p in landing.glob("*/*") if p.suffix in (".jsonl", ".csv")
    )


def _invoke_dbt(args: list[str], target: Target, quiet: bool = False) -> tuple[bool, list]:
    """A dbt command through dbt's Python API; returns success and the node results. With
    `quiet`, dbt prints only its errors (`mailpipe -q`)."""
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    result = dbtRunner().invoke([*(["--quiet"] if quiet else []), *dbt_args(args, target.name)])
    if result.exception is not None:
        raise UserError(f"dbt {' '.join(args[:2])} could not run: {result.exception}")
    return bool(result.success), list(getattr(result.result, "results", None) or [])


def _vars_args(dbt_vars: dict | None) -> list[str]:
    return ["--vars", json.dumps(dbt_vars)] if dbt_vars else []


def dbt_build(
    target: Target,
    select: list[str] | None = None,
    exclude: list[str] | None = None,
    dbt_vars: dict | None = None,
    quiet: bool = False,
    full_refresh: bool = False,
    target_path: Path | None = None,
) -> tuple[bool, list]:
    """`dbt build` (seeds, models, snapshots, tests); returns success and results. With
    `target_path`, its artifacts go there instead of dbt's target folder."""
    args = ["build", *(["--select", *select] if select else [])]
    args += ["--exclude", *exclude] if exclude else []
    args += ["--full-refresh"] if full_refresh else []
    args += ["--target-path", str(target_path)] if target_path else []
    return _invoke_dbt([*args, *_vars_args(dbt_vars)], target, quiet)


def dbt_source_freshness(
    target: Target, dbt_vars: dict | None = None, quiet: bool = False
) -> tuple[bool, list]:
    """`dbt source freshness` on every source; returns success and results (a stale
    source is reported by the alert, not raised here)."""
    return _invoke_dbt(["source", "freshness", *_vars_args(dbt_vars)], target, quiet)


def project_var(name: str, dbt_vars: dict | None = None):
    """A project var as the build sees it: from --vars, else dbt_project.yml's value."""
    if dbt_vars and name in dbt_vars:
        return dbt_vars[name]
    import yaml

    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    return (project.get("vars") or {}).get(name)


def fit_and_rescore(target: Target, dbt_vars: dict | None, quiet: bool) -> tuple[bool, list[str]]:
    """Fit the purchase models on the warehouse's transaction log (`mailpipe fit`), train
    the propensity and churn models on its point-in-time features (`mailpipe train`) and,
    when either stored something, rebuild the scores and what reads them (their artifacts
    in target/fit, so that the build's stay for `mailpipe alert`). A refused fit or model
    is reported, not an error: its scores keep the previous one. Returns success and the
    lines to print."""
    from scripts import fit as fit_cmd
    from scripts import train as train_cmd
    from scripts.predict.fitting import FitError

    schema = os.environ.get("MAILPIPE_RAW_SCHEMA", "raw")
    time_unit = project_var("predict__time_unit", dbt_vars) or "weeks"
    lines, rescore = [], []
    try:
        fitted = fit_cmd.run_fit(target, schema, time_unit=time_unit)
    except FitError as exc:
        lines.append(f"fit: refused, the scores keep the previous fit: {exc}")
    else:
        rescore.append(FIT_RESCORE)
        lines.append(
            f"fit {fitted.fit_id}: {fitted.customer_count:,} customers to "
            f"{fitted.cutoff_date} (BG/NBD r {fitted.r:.3g}, alpha {fitted.alpha:.3g}, "
            f"a {fitted.a:.3g}, b {fitted.b:.3g}; Gamma-Gamma p {fitted.p:.3g}, "
            f"q {fitted.q:.3g}, v {fitted.v:.3g})"
        )
    outcomes = train_cmd.run_train(target, schema)
    if any(isinstance(o, train_cmd.TrainedModel) for o in outcomes):
        rescore.append(TRAIN_RESCORE)
    lines += [f"train {train_cmd.summary_line(o)}" for o in outcomes]
    if not rescore:
        return True, [*lines, "scores not rebuilt: nothing new was stored"]
    from scripts import alert as alert_cmd

    ok, results = dbt_build(
        target,
        rescore,
        dbt_vars=dbt_vars,
        quiet=quiet,
        target_path=alert_cmd.default_target_path() / "fit",
    )
    results = _nodes(results)
    return ok, [*lines, f"scores rebuilt: {len(results)} nodes ({_counts(results)})"]


def _nodes(results: list) -> list:
    """The node results of a dbt command, without its project hooks."""
    return [r for r in results if str(getattr(r.node, "resource_type", "")) != "operation"]


def _failed_incremental(results: list) -> list[str]:
    """The incremental models among the nodes that errored."""
    return [
        r.node.name
        for r in results
        if str(r.status) == "error"
        and getattr(getattr(r.node, "config", None), "materialized", None) == "incremental"
    ]


def _counts(results: list) -> str:
    statuses: dict[str, int] = {}
    for r in results:
        statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))


def built_tables(target: Target) -> list[tuple[str, str, int]]:
    """(layer, relation, rows) for every relation in the target's layer schemas
    (`<target schema>_staging`, ...), read from the warehouse. Only this target's schemas:
    a shared Postgres database may hold other people's `*_staging`."""
    base = str(target.config.get("schema") or "main")
    rows: list[tuple[str, str, int]] = []
    if target.type == "duckdb":
        # dbt still holds the file open in this process: same configuration (read-write).
        con = connect_duckdb(target)
        query = (
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = ? order by 1, 2"
        )
        for layer in LAYERS:
            for schema, name in con.execute(query, [f"{base}_{layer}"]).fetchall():
                count = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
                rows.append((layer, f"{schema}.{name}", count))
        con.close()
        return rows
    con = connect_postgres(target)
    with con.cursor() as cur:
        for layer in LAYERS:
            cur.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema = %s order by 1, 2",
                (f"{base}_{layer}",),
            )
            for schema, name in cur.fetchall():
                cur.execute(f'select count(*) from "{schema}"."{name}"')
                rows.append((layer, f"{schema}.{name}", cur.fetchone()[0]))
    con.close()
    return rows


def _cli(args: argparse.Namespace) -> int:
    from scripts import alert as alert_cmd
    from scripts import generate as generate_cmd
    from scripts import load as load_cmd
    from scripts import privacy as privacy_cmd

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
            f"[1/{STEPS}] generate: {sum(gen.rows_by_table.values()):,} records in {gen.files} "
            f"files for {gen.customers:,} customers ({gen.seconds:.1f} s)"
        )
    else:
        print(
            f"[1/{STEPS}] generate: skipped, {args.landing} already has data (--regenerate to redo)"
        )
    summary = load_cmd.load(args.landing, target, os.environ.get("MAILPIPE_RAW_SCHEMA", "raw"))
    print(f"[2/{STEPS}] {summary.line()}")
    if summary.failed:
        for f in summary.failed:
            print(f"      failed: {f.file}: {f.error}")
        return 1
    if args.skip_build:
        return 0
    try:
        erased = privacy_cmd.erase(target, os.environ.get("MAILPIPE_RAW_SCHEMA", "raw"))
    except privacy_cmd.ErasureFailed as exc:
        print(f"[3/{STEPS}] erase: FAILED: {exc}")
        return 1
    print(f"[3/{STEPS}] {erased.line()}")
    t0 = time.perf_counter()
    quiet = bool(getattr(args, "quiet", False))
    _, fresh = dbt_source_freshness(target, args.vars, quiet)
    fresh = _nodes(fresh)
    print(
        f"[4/{STEPS}] source freshness: {len(fresh)} sources ({_counts(fresh)}) "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    t0 = time.perf_counter()
    ok, results = dbt_build(
        target, args.select, args.exclude, args.vars, quiet, full_refresh=args.full_refresh
    )
    results = _nodes(results)
    print(
        f"[5/{STEPS}] dbt build: {len(results)} nodes ({_counts(results)}) "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    target_path = alert_cmd.default_target_path()
    alert = alert_cmd.build_alert(target_path)
    print(f"[6/{STEPS}] alert ({target_path}):")
    for line in alert.lines():
        print(f"      {line}")
    post_failed = False
    try:
        posted = alert_cmd.notify(alert, args.notify_on)
    except UserError as exc:  # the summary is printed; say what went wrong, then exit 1
        posted, post_failed = f"webhook: FAILED: {exc}", True
    if posted:
        print(f"      {posted}")
    fit_ok = True
    if not ok or alert.exit_code:
        print(f"[7/{STEPS}] fit and train: skipped, the build did not pass")
    elif args.no_fit or args.select or args.exclude:
        print(f"[7/{STEPS}] fit and train: skipped (--no-fit, or a partial build)")
    else:
        t0 = time.perf_counter()
        fit_ok, lines = fit_and_rescore(target, args.vars, quiet)
        print(f"[7/{STEPS}] fit and train ({time.perf_counter() - t0:.1f} s):")
        for line in lines:
            print(f"      {line}")
    if ok:
        print("\nbuilt:")
        for layer, relation, count in built_tables(target):
            print(f"  {layer:<13} {relation:<48} {count:>12,} rows")
    elapsed = time.perf_counter() - started
    if not ok or alert.exit_code or post_failed or not fit_ok:
        print(
            f"\npipeline FAILED after {elapsed:.1f} s on {target.describe()}: see the alert "
            "above, dbt's log and run_results.json"
        )
        failed_incremental = _failed_incremental(results)
        if failed_incremental and not args.full_refresh:
            print(
                f"incremental models failed ({', '.join(failed_incremental)}): if their "
                "tables are from an older version of the project, rebuild them with "
                "`mailpipe run --full-refresh`"
            )
        return 1
    print(f"\npipeline finished in {elapsed:.1f} s on {target.describe()}")
    return 0
