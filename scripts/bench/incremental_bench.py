"""Benchmark: a micro-batch after 1% new events against a full build of the same models.

Runs against a warehouse already built and the landing folder it was loaded from. Adds
new events equal to --share of the email events, tracking calls and order versions the
warehouse holds (copies of loaded lines with new ids, so they concern existing people),
loads them, then times the micro-batch selection of `mailpipe stream` two ways through
dbt's Python API, each on a manifest parsed beforehand (parsing is not counted):

- incremental: the runner's vars (`realtime__micro_batch`, lookback 0), which recompute
  only the new keys and the people they concern;
- full: the same models with `--full-refresh` and the default vars (every key, everyone).

Prints both times and their ratio; --json writes them. At a million customers a full
build of these models takes many minutes: `--full-from run_results.json` takes the
models' execution times from a full build already run (the issue 8 benchmark's, or a
`dbt build` on a new warehouse) instead of running one again.

    python -m scripts.bench.incremental_bench --landing data/landing --share 0.01
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from scripts.load.loader import load
from scripts.stream import MICRO_BATCH_VARS, MODELS, RUN_FLAGS
from scripts.warehouse import PROJECT_DIR, dbt_args, fetch_all, load_target

# raw table: the id fields made new in each copied line
NEW_IDS = {
    "esp_email_events": ("sg_event_id", "sg_message_id"),
    "tracking_events": ("messageId",),
    "shop_orders": ("order_id",),
}


def raw_counts(target, schema: str) -> dict[str, int]:
    sql = " union all ".join(f'select \'{t}\', count(*) from "{schema}"."{t}"' for t in NEW_IDS)
    return dict(fetch_all(target, sql))


def write_new_events(landing: Path, counts: dict[str, int], share: float, tag: str) -> dict:
    """Copy the first share * count loaded lines of each table with new ids."""
    written = {}
    for table, id_fields in NEW_IDS.items():
        wanted = int(counts[table] * share)
        out = landing / table / f"zz_incremental_bench_{tag}.jsonl"
        n = 0
        with out.open("w") as sink:
            for path in sorted((landing / table).glob("*.jsonl")):
                if path.name.startswith("zz_incremental_bench_"):
                    continue
                with path.open() as source:
                    for line in source:
                        try:
                            record = json.loads(line)
                        except ValueError:
                            continue
                        if not isinstance(record, dict) or not all(
                            isinstance(record.get(f), str) for f in id_fields
                        ):
                            continue
                        for field in id_fields:
                            record[field] = f"{record[field]}-inc{tag}"
                        sink.write(json.dumps(record) + "\n")
                        n += 1
                        if n >= wanted:
                            break
                if n >= wanted:
                    break
        written[table] = n
    return written


def timed_run(vars_: dict | None, full_refresh: bool) -> tuple[float, bool]:
    from dbt.cli.main import dbtRunner

    common = ["--vars", json.dumps(vars_)] if vars_ else []
    parsed = dbtRunner().invoke(dbt_args(["parse", "--quiet", *common]))
    runner = dbtRunner(manifest=parsed.result)
    args = dbt_args(["run", *RUN_FLAGS, "--select", *MODELS, *common])
    if full_refresh:
        args.append("--full-refresh")
    started = time.perf_counter()
    result = runner.invoke(args)
    return time.perf_counter() - started, bool(result.success)


def full_from_run_results(path: Path) -> tuple[float, bool]:
    """The summed execution time of the micro-batch models in a full build's results."""
    results = json.loads(path.read_text())["results"]
    times = {
        r["unique_id"].rsplit(".", 1)[-1]: (r["execution_time"], r["status"])
        for r in results
        if r["unique_id"].startswith("model.")
    }
    missing = [m for m in MODELS if m not in times]
    if missing:
        raise SystemExit(f"{path} has no result for {', '.join(missing)}")
    return sum(times[m][0] for m in MODELS), all(times[m][1] == "success" for m in MODELS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, default=PROJECT_DIR / "data" / "landing")
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--full-from",
        type=Path,
        default=None,
        help="run_results.json of a full build: its times of the models stand for the full run",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

    target = load_target()
    schema = os.environ.get("MAILPIPE_RAW_SCHEMA", "raw")
    counts = raw_counts(target, schema)
    tag = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    started = time.perf_counter()
    written = write_new_events(args.landing, counts, args.share, tag)
    print(
        f"raw rows: {counts}; new lines written: {written} ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    files = [args.landing / t / f"zz_incremental_bench_{tag}.jsonl" for t in NEW_IDS]
    started = time.perf_counter()
    summary = load(args.landing, target, schema, list(NEW_IDS), files=files)
    load_seconds = time.perf_counter() - started
    print(f"loaded {summary.total('loaded'):,} rows in {load_seconds:.1f} s", flush=True)

    incremental, ok_inc = timed_run(MICRO_BATCH_VARS, full_refresh=False)
    print(f"incremental micro-batch: {incremental:.2f} s (ok={ok_inc})", flush=True)
    if args.full_from:
        full, ok_full = full_from_run_results(args.full_from)
        print(f"full build of the same models (from {args.full_from}): {full:.2f} s")
    else:
        full, ok_full = timed_run(None, full_refresh=True)
        print(f"full build of the same models: {full:.2f} s (ok={ok_full})", flush=True)
    ratio = incremental / full if full else float("nan")
    print(f"incremental / full = {ratio:.1%}")
    result = {
        "target": target.describe(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "raw_rows_before": counts,
        "new_lines": written,
        "load_seconds": round(load_seconds, 2),
        "incremental_seconds": round(incremental, 2),
        "full_seconds": round(full, 2),
        "ratio": round(ratio, 4),
        "ok": ok_inc and ok_full,
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
