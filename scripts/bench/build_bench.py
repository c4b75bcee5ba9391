"""Benchmark: the whole `dbt build` at several scales, on DuckDB and Postgres (issue 8).

For each scale: generate the sample data, load it, and run `dbt build` (seeds, models,
snapshots, data and unit tests) as its own process, timed on the wall clock, with its
peak resident memory from the kernel. Then the incremental build after 1% new events: the
micro-batch selection of `mailpipe stream` (scripts.bench.incremental_bench), against the
same models in the full build and against the whole build; on Postgres it waits first
until autovacuum has been quiet for two of its naps, so that the micro-batch is not timed
while the server vacuums and analyses what the build wrote. Then step 7 of `mailpipe
run`: fit the purchase models and train the propensity models on the built warehouse
(`mailpipe fit`, `mailpipe train`), and rebuild the scores and what reads them, timed
with its five slowest nodes.

The build runs on one thread by default (--threads), so that the figures add up: from its
run_results.json, models and tests separately and the ten slowest nodes with their share;
from its debug log, the time its SQL statements took, and so dbt's overhead (the wall time
less the SQL time: parsing, compiling, hooks, metadata queries). Across scales: time and
memory per scale and how they grow.
On Postgres the memory is the dbt process's; the server's own is not counted. Each
warehouse is removed after its scale unless --keep.

    python -m scripts.bench.build_bench --scales 10000 100000 1000000 --postgres-scales 100000
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scripts.bench.load_bench import (
    DOCS,
    _pg,
    _pg_schema_mb,
    bench_env,
    drop_warehouse,
    generate_step,
    load_step,
    machine,
    run_measured,
    warehouse_schemas,
)
from scripts.warehouse import dbt_command

# run_results.json unique_id prefix -> the kind reported
KINDS = {
    "model": "models",
    "test": "data tests",
    "unit_test": "unit tests",
    "seed": "seeds",
    "snapshot": "snapshots",
    "operation": "hooks",
}
TARGETS = {
    "duckdb_1m_build_seconds": 180,
    "duckdb_1m_peak_mb": 4096,
    "incremental_share": 0.10,
    "postgres_100k_build_seconds": 120,
    "growth_100k_to_1m": 12,
}


@dataclass
class Run:
    engine: str
    customers: int
    generate_seconds: float
    load_seconds: float
    load_rows_per_second: float
    build_seconds: float
    threads: int
    sql_seconds: float
    build_ok: bool
    peak_rss_mb: float
    warehouse_mb: float
    seconds_by_kind: dict[str, float]
    failed_nodes: list[str]
    overhead_seconds: float | None  # build_seconds - sql_seconds (one thread only)
    slowest: list[dict] = field(default_factory=list)
    duckdb_memory_limit: str | None = None
    incremental_seconds: float | None = None
    incremental_models_full_seconds: float | None = None
    incremental_ok: bool | None = None  # False: a model of the micro-batch failed
    # Postgres: how long the benchmark waited for autovacuum before the micro-batch
    settle_seconds: float | None = None
    # Postgres: the server settings that decide how fast it writes (docs/benchmarks.md)
    server_settings: dict[str, str] = field(default_factory=dict)
    # step 7 of `mailpipe run`: fit and train, then the scores rebuilt
    fit_train_seconds: float | None = None
    rescore_seconds: float | None = None
    rescore_ok: bool | None = None
    rescore_slowest: list[dict] = field(default_factory=list)


def summarise(run_results: Path) -> tuple[dict[str, float], list[dict], list[str]]:
    """Execution seconds by kind, the ten slowest nodes, and the nodes that did not pass."""
    results = json.loads(run_results.read_text())["results"]
    by_kind = dict.fromkeys(KINDS.values(), 0.0)
    nodes = []
    failed = []
    for result in results:
        prefix = result["unique_id"].split(".", 1)[0]
        kind = KINDS.get(prefix, "other")
        seconds = float(result.get("execution_time") or 0.0)
        by_kind[kind] = by_kind.get(kind, 0.0) + seconds
        name = result["unique_id"].split(".", 2)[-1]
        nodes.append({"node": name, "kind": kind, "seconds": round(seconds, 2)})
        # an exposure is a no-op; a node skipped after an upstream failure did not pass
        if result["status"] not in ("success", "pass", "warn", "no-op"):
            failed.append(f"{name} ({result['status']})")
    total = sum(by_kind.values()) or 1.0
    slowest = sorted(nodes, key=lambda n: n["seconds"], reverse=True)[:10]
    for node in slowest:
        node["share"] = round(node["seconds"] / total, 4)
    return {k: round(v, 2) for k, v in by_kind.items()}, slowest, failed


def sql_seconds(log: Path) -> float:
    """The summed time of every SQL statement in a dbt debug log written as JSON lines."""
    total = 0.0
    with log.open() as lines:
        for line in lines:
            if '"SQLQueryStatus"' in line:
                total += float(json.loads(line)["data"]["elapsed"])
    return total


# The Postgres settings that a build's speed depends on: memory for sorts and caching, and
# how much it writes and waits for (WAL, checkpoints, commits). Reported with each run.
PG_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "max_wal_size",
    "wal_level",
    "synchronous_commit",
    "max_parallel_workers_per_gather",
    "jit",
)


def pg_server_settings(env: dict[str, str]) -> dict[str, str]:
    """The PG_SETTINGS of the server the build runs on, each with its unit."""
    con = _pg(env)
    with con.cursor() as cur:
        cur.execute(
            "select name, setting || coalesce(' ' || unit, '') from pg_settings "
            "where name = any(%s) order by name",
            (list(PG_SETTINGS),),
        )
        settings = dict(cur.fetchall())
    con.close()
    return settings


def build_step(
    engine: str, customers: int, work: Path, threads: int, memory_limit: str | None = None
) -> Run:
    env = bench_env(engine, customers, work)
    if engine == "duckdb" and memory_limit:
        env["MAILPIPE_DUCKDB_MEMORY_LIMIT"] = memory_limit
    target_path = work / f"target-{engine}-{customers}"
    log_path = work / f"logs-{engine}-{customers}"
    for path in (target_path, log_path):
        shutil.rmtree(path, ignore_errors=True)
    env.update(
        DBT_TARGET_PATH=str(target_path),
        DBT_LOG_PATH=str(log_path),
        DBT_LOG_FILE_MAX_BYTES="0",  # one file: every statement's time is read from it
        MAILPIPE_THREADS=str(threads),
    )
    cmd = dbt_command(["build", "--log-format-file", "json", "--log-level-file", "debug"])
    seconds, rss, _ = run_measured(cmd, env, check=False)
    sql = sql_seconds(log_path / "dbt.log")
    kept = work / f"run_results-{engine}-{customers}.json"
    if not (target_path / "run_results.json").exists():
        raise SystemExit(f"dbt build wrote no run_results.json (see {log_path})")
    shutil.copy(target_path / "run_results.json", kept)
    by_kind, slowest, failed = summarise(kept)
    if engine == "duckdb":
        warehouse_mb = Path(env["MAILPIPE_DUCKDB_PATH"]).stat().st_size / 2**20
    else:
        warehouse_mb = sum(_pg_schema_mb(schema, env) for schema in warehouse_schemas(env))
    # on more threads statements overlap: their summed time no longer splits the wall time
    overhead = seconds - sql if threads == 1 else None
    print(
        f"build {engine:<8} {customers:>9,}: {seconds:.1f} s wall on {threads} thread(s) "
        f"(models {by_kind['models']:.1f} s, tests "
        f"{by_kind['data tests'] + by_kind['unit tests']:.1f} s; SQL {sql:.1f} s"
        + ("" if overhead is None else f", dbt overhead {overhead:.1f} s")
        + f"), peak {rss:,.0f} MB, {len(failed)} nodes not passed",
        flush=True,
    )
    return Run(
        engine=engine,
        customers=customers,
        generate_seconds=0.0,
        load_seconds=0.0,
        load_rows_per_second=0.0,
        build_seconds=round(seconds, 2),
        threads=threads,
        duckdb_memory_limit=memory_limit if engine == "duckdb" else None,
        sql_seconds=round(sql, 2),
        build_ok=not failed,
        peak_rss_mb=round(rss, 1),
        warehouse_mb=round(warehouse_mb, 1),
        seconds_by_kind=by_kind,
        failed_nodes=failed,
        overhead_seconds=None if overhead is None else round(overhead, 2),
        slowest=slowest,
        server_settings=pg_server_settings(env) if engine == "postgres" else {},
    )


def rescore_step(run: Run, work: Path) -> None:
    """Step 7 of `mailpipe run` on the built warehouse: `mailpipe fit` and `mailpipe
    train`, then `dbt build` of the scores and everything that reads them."""
    from scripts.run import FIT_RESCORE, TRAIN_RESCORE

    env = bench_env(run.engine, run.customers, work)
    target_path = work / f"target-{run.engine}-{run.customers}-rescore"
    env.update(DBT_TARGET_PATH=str(target_path), MAILPIPE_THREADS=str(run.threads))
    fitted = 0.0
    for command in ("fit", "train"):
        seconds, _, text = run_measured([sys.executable, "-m", "scripts", command], env, False)
        fitted += seconds
        print(f"{command} {run.engine:<8} {run.customers:>9,}: {seconds:.1f} s", flush=True)
        print("    " + "\n    ".join(text.strip().splitlines()), flush=True)
    run.fit_train_seconds = round(fitted, 2)
    cmd = dbt_command(["build", "--select", FIT_RESCORE, TRAIN_RESCORE])
    seconds, _, _ = run_measured(cmd, env, check=False)
    if not (target_path / "run_results.json").exists():
        run.rescore_ok = False
        return
    _, slowest, failed = summarise(target_path / "run_results.json")
    run.rescore_seconds, run.rescore_ok = round(seconds, 2), not failed
    run.rescore_slowest = slowest[:5]
    print(
        f"rescore {run.engine:<8} {run.customers:>9,}: {seconds:.1f} s, slowest "
        + ", ".join(f"{n['node']} {n['seconds']:.1f} s" for n in run.rescore_slowest)
        + ("" if run.rescore_ok else f"; FAILED: {', '.join(failed)}"),
        flush=True,
    )


def wait_until_quiet(
    busy: Callable[[], int],
    quiet_seconds: float,
    timeout_seconds: float,
    poll_seconds: float = 5.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[float, bool]:
    """Poll `busy()` until it has returned 0 for `quiet_seconds` on end, or until
    `timeout_seconds` have passed. Returns the seconds waited and whether it got quiet."""
    start = clock()
    quiet_since: float | None = None
    while True:
        now = clock()
        if busy():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        if quiet_since is not None and now - quiet_since >= quiet_seconds:
            return now - start, True
        if now - start >= timeout_seconds:
            return now - start, False
        sleep(poll_seconds)


# The tables of the given schemas that autovacuum is due to vacuum or analyse, by its own
# rule (relation_needs_vacanalyze): dead rows, rows inserted since the last vacuum, or rows
# changed since the last analyse above the setting's threshold plus its scale factor times
# the table's rows. A table stays due until its vacuum or analyse has finished. The tables'
# owner can read these counters; it cannot see the autovacuum workers themselves, whose
# pg_stat_activity rows show no backend type to a role without pg_read_all_stats. Per-table
# storage parameters are not read (the project sets none).
AUTOVACUUM_DUE_SQL = """
select count(*)
from pg_stat_user_tables as stats
inner join pg_class as class on stats.relid = class.oid
cross join lateral (
    select
        current_setting('autovacuum_vacuum_threshold')::float8 as vacuum_base,
        current_setting('autovacuum_vacuum_scale_factor')::float8 as vacuum_scale,
        current_setting('autovacuum_vacuum_insert_threshold')::float8 as insert_base,
        current_setting('autovacuum_vacuum_insert_scale_factor')::float8 as insert_scale,
        current_setting('autovacuum_analyze_threshold')::float8 as analyze_base,
        current_setting('autovacuum_analyze_scale_factor')::float8 as analyze_scale,
        greatest(class.reltuples, 0) as table_rows
) as settings
where
    current_setting('autovacuum') = 'on'
    and stats.schemaname = any(%s)
    and (
        stats.n_dead_tup > vacuum_base + vacuum_scale * table_rows
        or (insert_base >= 0 and stats.n_ins_since_vacuum > insert_base + insert_scale * table_rows)
        or stats.n_mod_since_analyze > analyze_base + analyze_scale * table_rows
    )
"""


def autovacuum_due(cur, schemas: list[str]) -> int:
    """How many tables of `schemas` autovacuum is due to vacuum or analyse (AUTOVACUUM_DUE_SQL)."""
    cur.execute("select pg_stat_clear_snapshot()")  # fresh counters in this transaction
    cur.execute(AUTOVACUUM_DUE_SQL, (schemas,))
    return cur.fetchone()[0]


def settle_postgres(run: Run, work: Path, timeout_seconds: float = 900.0) -> None:
    """Wait until autovacuum has no table of the warehouse left to vacuum or analyse, for
    one of its naps: right after a build, the server vacuums and analyses the tables it
    wrote, and a micro-batch timed then measured that as well (docs/benchmarks.md)."""
    env = bench_env(run.engine, run.customers, work)
    schemas = warehouse_schemas(env)
    con = _pg(env)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute("select setting::int from pg_settings where name = 'autovacuum_naptime'")
        naptime = cur.fetchone()[0]
        print(
            f"settle   {run.engine:<8} {run.customers:>9,}: waiting until autovacuum has no "
            f"table to vacuum or analyse in {len(schemas)} schemas, for {naptime} s",
            flush=True,
        )
        waited, quiet = wait_until_quiet(
            lambda: autovacuum_due(cur, schemas), naptime, timeout_seconds
        )
    con.close()
    run.settle_seconds = round(waited, 1)
    print(
        f"settle   {run.engine:<8} {run.customers:>9,}: {waited:.0f} s"
        + ("" if quiet else f", still due after {timeout_seconds:.0f} s: timing anyway"),
        flush=True,
    )


def incremental_step(run: Run, landing: Path, work: Path) -> None:
    """The micro-batch after 1% new events, against the full build's same models."""
    env = bench_env(run.engine, run.customers, work)
    out = work / f"incremental-{run.engine}-{run.customers}.json"
    cmd = [sys.executable, "-m", "scripts.bench.incremental_bench", "--landing", str(landing)]
    cmd += ["--share", "0.01", "--json", str(out)]
    cmd += ["--full-from", str(work / f"run_results-{run.engine}-{run.customers}.json")]
    env["DBT_TARGET_PATH"] = str(work / f"target-{run.engine}-{run.customers}-incremental")
    # a failed micro-batch is reported with the build's figures, not instead of them
    run_measured(cmd, env, check=False)
    # the new events stay out of the other engines' loads of the same landing folder
    for path in landing.glob("*/zz_incremental_bench_*.jsonl"):
        path.unlink()
    if not out.exists():
        run.incremental_ok = False
        print(f"incremental {run.engine:<8} {run.customers:>9,}: FAILED, no result", flush=True)
        return
    result = json.loads(out.read_text())
    run.incremental_seconds = result["incremental_seconds"]
    run.incremental_models_full_seconds = result["full_seconds"]
    run.incremental_ok = bool(result["ok"])
    print(
        f"incremental {run.engine:<8} {run.customers:>9,}: {run.incremental_seconds:.1f} s "
        f"({run.incremental_seconds / run.build_seconds:.1%} of the build)"
        + ("" if run.incremental_ok else ", FAILED (see its log above)"),
        flush=True,
    )


def markdown(runs: list[Run], facts: dict[str, str]) -> str:
    lines = [
        "| engine | customers | generate s | load s | load rows/s | build s (threads) "
        "| models s | tests s | SQL s | dbt overhead s | peak memory MB | warehouse MB "
        "| incremental s | incremental / build |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        tests = r.seconds_by_kind["data tests"] + r.seconds_by_kind["unit tests"]
        inc = r.incremental_seconds
        limit = f", limit {r.duckdb_memory_limit}" if r.duckdb_memory_limit else ""
        overhead = (
            "(1 thread only)"
            if r.overhead_seconds is None
            else f"{r.overhead_seconds:.1f} ({r.overhead_seconds / r.build_seconds:.0%})"
        )
        lines.append(
            f"| {r.engine} | {r.customers:,} | {r.generate_seconds:.1f} | {r.load_seconds:.1f} "
            f"| {r.load_rows_per_second:,.0f} | {r.build_seconds:.1f} ({r.threads}{limit})"
            f"{'' if r.build_ok else ' (failures)'} | {r.seconds_by_kind['models']:.1f} "
            f"| {tests:.1f} | {r.sql_seconds:.1f} | {overhead} | {r.peak_rss_mb:,.0f} "
            f"| {r.warehouse_mb:,.0f} | {'' if inc is None else f'{inc:.1f}'}"
            f"{' (failed)' if r.incremental_ok is False else ''} "
            f"| {'' if inc is None else f'{inc / r.build_seconds:.1%}'} |"
        )
    lines += ["", "Growth from one scale to the next (same engine):", ""]
    lines += ["| engine | customers | customers grow | build time grows | peak memory grows |"]
    lines += ["|---|---|---:|---:|---:|"]
    for engine in dict.fromkeys(r.engine for r in runs):
        scaled = sorted((r for r in runs if r.engine == engine), key=lambda r: r.customers)
        for small, big in itertools.pairwise(scaled):
            lines.append(
                f"| {engine} | {small.customers:,} → {big.customers:,} "
                f"| {big.customers / small.customers:.0f}-fold "
                f"| {big.build_seconds / small.build_seconds:.1f}-fold "
                f"| {big.peak_rss_mb / small.peak_rss_mb:.1f}-fold |"
            )
    for r in runs:
        lines += ["", f"Ten slowest nodes, {r.engine} at {r.customers:,} customers:", ""]
        lines += ["| node | kind | seconds | share of node time |", "|---|---|---:|---:|"]
        lines += [
            f"| `{n['node']}` | {n['kind']} | {n['seconds']:.1f} | {n['share']:.1%} |"
            for n in r.slowest
        ]
        if r.failed_nodes:
            lines += ["", f"Not passed: {', '.join(r.failed_nodes)}."]
        if r.rescore_seconds is not None or r.rescore_ok is False:
            lines += [
                "",
                f"Fit and train (step 7 of `mailpipe run`): {r.fit_train_seconds:.1f} s; scores "
                f"and what reads them rebuilt in {r.rescore_seconds or 0:.1f} s"
                f"{'' if r.rescore_ok else ' (failed)'}; slowest: "
                + ", ".join(f"`{n['node']}` {n['seconds']:.1f} s" for n in r.rescore_slowest)
                + ".",
            ]
        if r.server_settings:
            settings = ", ".join(f"{k} {v}" for k, v in r.server_settings.items())
            lines += ["", f"Postgres server settings of this run: {settings}."]
    machine_line = ", ".join(f"{k}: {v}" for k, v in facts.items() if v)
    return "\n".join(lines) + f"\n\nMachine: {machine_line}.\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench.build_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--scales",
        type=int,
        nargs="*",
        default=[10_000, 100_000, 1_000_000],
        help="the scales built on DuckDB (none: Postgres only)",
    )
    parser.add_argument(
        "--postgres-scales",
        type=int,
        nargs="*",
        default=[100_000],
        help="the scales also built on Postgres (none: DuckDB only)",
    )
    parser.add_argument("--workers", type=int, default=2, help="generator processes")
    parser.add_argument(
        "--threads", type=int, default=1, help="dbt threads (1: the time sums add up)"
    )
    parser.add_argument(
        "--duckdb-memory-limit",
        help="DuckDB's memory limit for the build, such as 3GB (default: DuckDB's, 80%% of RAM)",
    )
    parser.add_argument(
        "--no-incremental",
        action="store_true",
        help="skip the micro-batch after 1%% new events; the landing folder is then removed "
        "once its last load is done, which frees its disk for the build (35 GB at 1M)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the warehouses")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "mailpipe-bench")
    parser.add_argument("--json", type=Path, default=DOCS / "benchmarks-build.json")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the tables here")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    facts = machine()
    runs: list[Run] = []
    for customers in sorted(set(args.scales) | set(args.postgres_scales)):
        generated, landing = generate_step(customers, args.workers, args.work)
        engines = ["duckdb"] if customers in args.scales else []
        engines += ["postgres"] if customers in args.postgres_scales else []
        for engine in engines:
            loaded = load_step(engine, customers, landing, args.work)
            if args.no_incremental and engine == engines[-1]:
                shutil.rmtree(landing)  # nothing reads it again
            run = build_step(engine, customers, args.work, args.threads, args.duckdb_memory_limit)
            run.generate_seconds = round(generated.seconds, 2)
            run.load_seconds = round(loaded.seconds, 2)
            run.load_rows_per_second = round(loaded.rows_per_second)
            rescore_step(run, args.work)
            if not args.no_incremental:
                if engine == "postgres":
                    settle_postgres(run, args.work)
                incremental_step(run, landing, args.work)
            runs.append(run)
            if not args.keep:
                drop_warehouse(engine, customers, args.work)
            args.json.write_text(
                json.dumps(
                    {"machine": facts, "targets": TARGETS, "runs": [asdict(r) for r in runs]},
                    indent=2,
                )
                + "\n"
            )
        shutil.rmtree(landing, ignore_errors=True)
    table = markdown(runs, facts)
    print("\n" + table)
    if args.markdown:
        args.markdown.write_text(table)
    return 0 if all(r.build_ok for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
