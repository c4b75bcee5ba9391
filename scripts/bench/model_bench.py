"""Benchmark: single models on a built DuckDB warehouse, each alone, under a memory limit.

The whole build at a million customers takes most of an hour; whether one model fits in
DuckDB's memory limit, and how much it spills, takes a minute. This compiles the models
against the warehouse a `dbt build` left (the issue 8 benchmark's, with --keep), runs each
one's SQL as `create table ... as` in a scratch table of that warehouse (dropped after),
and prints its time, the peak size of DuckDB's spill files and, when it does not finish,
DuckDB's error (an out-of-memory error names the limit).

    python -m scripts.bench.model_bench --duckdb /work/bench/bench-1000000.duckdb \
        --memory-limit 3GB int_tracking_events_sessionized int_identity_components_resolved

The models read the warehouse's built tables, so each is measured against the inputs the
last build gave it; the warehouse's own tables are not changed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from scripts.warehouse import dbt_command

PROBE = "main.model_bench_probe"
MEMORY_LIMIT = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def compile_models(
    warehouse: Path, models: list[str], target_path: Path, dbt_vars: str | None = None
) -> dict[str, str]:
    """Each model's compiled SQL, compiled against the warehouse's relations."""
    env = dict(os.environ, MAILPIPE_DUCKDB_PATH=str(warehouse), DBT_TARGET="dev")
    args = ["compile", "--select", *models, "--target-path", str(target_path), "-q"]
    cmd = dbt_command([*args, "--vars", dbt_vars] if dbt_vars else args)
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"dbt compile failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    compiled = {}
    for model in models:
        found = list((target_path / "compiled").rglob(f"models/**/{model}.sql"))
        if not found:
            raise SystemExit(f"no compiled SQL for {model}: is it a model of this project?")
        compiled[model] = found[0].read_text()
    return compiled


class SpillWatch:
    """The peak total size of the files in DuckDB's temporary directory while it runs."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.peak, self._stop = directory, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _size(self) -> int:
        total = 0
        for path in self.directory.glob("*"):
            # a spill file can go between the listing and the stat
            with contextlib.suppress(FileNotFoundError):
                total += path.stat().st_size
        return total

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._size())
            self._stop.wait(0.5)

    def __enter__(self) -> SpillWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time single models on a built DuckDB warehouse under a memory limit."
    )
    parser.add_argument("models", nargs="+", help="model names")
    parser.add_argument("--duckdb", type=Path, required=True, help="a built warehouse")
    parser.add_argument("--memory-limit", help="DuckDB's memory_limit, such as 3GB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--vars", help="dbt vars to compile with, as for dbt --vars: '{traits__x: 16}'"
    )
    args = parser.parse_args(argv)
    if not args.duckdb.exists():
        parser.error(f"no warehouse at {args.duckdb}")
    if args.memory_limit and not MEMORY_LIMIT.fullmatch(args.memory_limit):
        parser.error(
            f"--memory-limit must be a size such as 3GB or 512MiB, got {args.memory_limit!r}"
        )

    import duckdb

    with tempfile.TemporaryDirectory() as target:
        compiled = compile_models(args.duckdb, args.models, Path(target), args.vars)
    con = duckdb.connect(str(args.duckdb))
    con.execute(f"set threads = {int(args.threads)}")
    con.execute("set preserve_insertion_order = false")
    if args.memory_limit:
        con.execute(f"set memory_limit = '{args.memory_limit}'")  # checked above
    spill_dir = Path(con.execute("select current_setting('temp_directory')").fetchone()[0])
    limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    print(f"{args.duckdb}: memory limit {limit}, {args.threads} threads", flush=True)
    failed = 0
    for model, sql in compiled.items():
        print(f"{model}: running", flush=True)
        start = time.perf_counter()
        with SpillWatch(spill_dir) as spill:
            try:
                con.execute(f"create or replace table {PROBE} as {sql}")
                rows = con.execute(f"select count(*) from {PROBE}").fetchone()[0]
                outcome = f"ok, {rows:,} rows"
            except duckdb.Error as error:
                failed += 1
                outcome = "FAILED: " + str(error).splitlines()[0]
        seconds = time.perf_counter() - start
        con.execute(f"drop table if exists {PROBE}")
        print(
            f"{model}: {seconds:.1f} s, spill peak {spill.peak / 2**30:.2f} GB, {outcome}",
            flush=True,
        )
    con.close()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
