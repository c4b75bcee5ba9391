"""Benchmark: generate and load at several scales, on DuckDB and Postgres.

Each step runs as its own process (as a user would run it), timed on the wall clock, with
its peak resident memory read from the kernel (wait4). Results go to a JSON file and a
markdown table with the machine's description. Postgres figures are for the loader
process; the server's own memory is not counted.

    python -m scripts.bench.load_bench --scales 100000 1000000 --engines duckdb postgres
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from scripts.warehouse import PROJECT_DIR

DOCS = PROJECT_DIR / "docs"


@dataclass
class Step:
    step: str
    engine: str
    customers: int
    seconds: float
    rows: int
    rows_per_second: float
    peak_rss_mb: float
    storage_mb: float = 0.0


def run_measured(
    cmd: list[str], env: dict[str, str], check: bool = True
) -> tuple[float, float, str]:
    """Run a command; return wall seconds, peak RSS in MB (it and its children), stdout.
    A non-zero exit stops the benchmark, unless `check` is off (the caller then reads
    what the command wrote)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, env=env, stdout=out, stderr=sys.stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    if check and proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{text[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, text


def machine() -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import duckdb

    pg = shutil.which("postgres") or shutil.which("psql")
    pg_version = ""
    if pg:
        pg_version = subprocess.run([pg, "--version"], capture_output=True, text=True).stdout
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "postgres": pg_version.strip(),
    }


def generate_step(customers: int, workers: int, work: Path) -> tuple[Step, Path]:
    """Generate the sample data of `customers` into a fresh landing folder under `work`."""
    landing = work / f"landing-{customers}"
    if landing.exists():
        shutil.rmtree(landing)
    cmd = [sys.executable, "-m", "scripts", "-q", "generate", "--customers", str(customers)]
    cmd += ["--workers", str(workers), "--out", str(landing)]
    seconds, rss, _ = run_measured(cmd, bench_env())
    manifest = json.loads((landing / "_manifest.json").read_text())
    rows = sum(manifest["rows_by_table"].values())
    print(
        f"generate {customers:>9,}: {rows:,} records in {seconds:.1f} s "
        f"({rows / seconds:,.0f}/s), peak {rss:,.0f} MB",
        flush=True,
    )
    return Step("generate", "-", customers, seconds, rows, rows / seconds, rss), landing


def bench_env(engine: str | None = None, customers: int = 0, work: Path | None = None) -> dict:
    """The environment of a benchmark step: no usage statistics; with an engine, the
    warehouse of that engine and scale (a DuckDB file under `work`, or Postgres schemas
    `bench_<customers>*` with raw data in `raw_bench_<customers>`)."""
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    if engine == "duckdb":
        env.update(
            DBT_TARGET="dev",
            MAILPIPE_DUCKDB_PATH=str(work / f"bench-{customers}.duckdb"),
            MAILPIPE_RAW_SCHEMA="raw",
        )
    elif engine == "postgres":
        env.update(
            DBT_TARGET="prod",
            MAILPIPE_PG_SCHEMA=f"bench_{customers}",
            MAILPIPE_RAW_SCHEMA=f"raw_bench_{customers}",
        )
    return env


def load_step(engine: str, customers: int, landing: Path, work: Path) -> Step:
    """Load a landing folder into a new warehouse of the engine (bench_env's); the
    warehouse is left in place for the next step (drop_warehouse removes it)."""
    env = bench_env(engine, customers, work)
    drop_warehouse(engine, customers, work)
    summary_path = work / f"load-{engine}-{customers}.json"
    schema = env["MAILPIPE_RAW_SCHEMA"]
    cmd = [sys.executable, "-m", "scripts", "-q", "load", "--landing", str(landing)]
    cmd += ["--schema", schema, "--json", str(summary_path)]
    seconds, rss, _ = run_measured(cmd, env)
    summary = json.loads(summary_path.read_text())
    if summary["files_failed"]:
        raise SystemExit(f"files failed to load: {summary['files_failed']}")
    lines = summary["lines_read"]
    if engine == "postgres":
        storage = _pg_schema_mb(schema, env)
    else:
        storage = Path(env["MAILPIPE_DUCKDB_PATH"]).stat().st_size / 2**20
    print(
        f"load {engine:<8} {customers:>9,}: {lines:,} lines in {seconds:.1f} s "
        f"({lines / seconds:,.0f} rows/s), peak {rss:,.0f} MB, {storage:,.0f} MB stored",
        flush=True,
    )
    return Step("load", engine, customers, seconds, lines, lines / seconds, rss, storage)


def drop_warehouse(engine: str, customers: int, work: Path) -> None:
    """Remove the warehouse of an engine and scale: the DuckDB file, or every Postgres
    schema of bench_env's."""
    env = bench_env(engine, customers, work)
    if engine == "duckdb":
        path = Path(env["MAILPIPE_DUCKDB_PATH"])
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
        return
    schemas = warehouse_schemas(env)
    con = _pg(env)
    with con.cursor() as cur:
        for schema in schemas:
            cur.execute(f'drop schema "{schema}" cascade')
    con.commit()
    con.close()


def warehouse_schemas(env: dict[str, str]) -> list[str]:
    """The Postgres schemas of a benchmark warehouse (bench_env's): its raw schema, the
    target schema and every `<target schema>_*` dbt built."""
    con = _pg(env)
    with con.cursor() as cur:
        cur.execute(
            "select nspname from pg_namespace where nspname in (%s, %s) or nspname like %s",
            (
                env["MAILPIPE_RAW_SCHEMA"],
                env["MAILPIPE_PG_SCHEMA"],
                env["MAILPIPE_PG_SCHEMA"].replace("_", r"\_") + r"\_%",
            ),
        )
        schemas = [schema for (schema,) in cur.fetchall()]
    con.close()
    return schemas


def bench(scales: list[int], engines: list[str], workers: int, work: Path) -> list[Step]:
    steps: list[Step] = []
    for customers in scales:
        step, landing = generate_step(customers, workers, work)
        steps.append(step)
        for engine in engines:
            steps.append(load_step(engine, customers, landing, work))
            drop_warehouse(engine, customers, work)
        shutil.rmtree(landing)
    return steps


def _pg(env: dict[str, str]):
    from scripts.warehouse import connect_postgres, load_target

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return connect_postgres(load_target("prod"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _pg_schema_mb(schema: str, env: dict[str, str]) -> float:
    con = _pg(env)
    with con.cursor() as cur:
        cur.execute(
            "select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relkind = 'r'",
            (schema,),
        )
        size = cur.fetchone()[0]
    con.close()
    return float(size) / 2**20


def markdown(steps: list[Step], facts: dict[str, str]) -> str:
    rows = [
        "| step | engine | customers | rows | seconds | rows/s | peak memory (MB) | stored (MB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in steps:
        stored = f"{s.storage_mb:,.0f}" if s.step == "load" else ""
        rows.append(
            f"| {s.step} | {s.engine} | {s.customers:,} | {s.rows:,} | {s.seconds:.1f} | "
            f"{s.rows_per_second:,.0f} | {s.peak_rss_mb:,.0f} | {stored} |"
        )
    machine_line = ", ".join(f"{k}: {v}" for k, v in facts.items() if v)
    return "\n".join(rows) + f"\n\nMachine: {machine_line}.\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench.load_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scales", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--engines", nargs="+", default=["duckdb", "postgres"], choices=["duckdb", "postgres"]
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "mailpipe-bench")
    parser.add_argument("--json", type=Path, default=DOCS / "benchmarks-load.json")
    parser.add_argument(
        "--markdown", type=Path, default=None, help="also write the markdown table to this file"
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    facts = machine()
    steps = bench(args.scales, args.engines, args.workers, args.work)
    args.json.write_text(
        json.dumps({"machine": facts, "steps": [asdict(s) for s in steps]}, indent=2) + "\n"
    )
    table = markdown(steps, facts)
    print("\n" + table)
    if args.markdown:
        args.markdown.write_text(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
