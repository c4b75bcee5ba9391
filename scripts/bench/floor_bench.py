"""Benchmark: the least work the largest staging models could do, on a built DuckDB warehouse.

A model can be no faster than reading its raw table, parsing what it parses, finding each
key's first delivery and writing its rows. This times those steps alone on the warehouse
a `dbt build` left (the issue 8 benchmark's, with --keep), each as its own statement, and
the model's own time from that build's run_results.json beside them: how far a model is
from its floor, and whether a target is out of reach of the engine rather than of the SQL.

    python -m scripts.bench.floor_bench --duckdb /work/bench/bench-1000000.duckdb \
        --run-results /work/bench/run_results-duckdb-1000000.json

Steps (each over the whole raw table; nothing is kept):

- scan: the key column read (its maximum);
- parse: the JSON paths the model reads, one `json_extract_string` per document (the
  maximum of the first, so that every document is parsed);
- first: each key's first delivery, by an aggregate (the cheapest form);
- copy: the model's built table written again (`create temporary table as`), the cost
  of writing its rows.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

# model -> (raw table, key column, {json column: paths read by the model})
MODELS = {
    "stg_tracking__events": (
        "tracking_events",
        "message_id",
        {
            "properties": [
                "product_id",
                "category",
                "brand",
                "price",
                "query",
                "order_id",
                "checkout_id",
            ],
            "context": [
                "ip",
                "userAgent",
                "locale",
                "timezone",
                "device.type",
                "page.url",
                "page.path",
                "page.referrer",
                "campaign.source",
                "campaign.medium",
                "campaign.name",
            ],
        },
    ),
    "stg_esp__email_events": ("esp_email_events", "sg_event_id", {}),
}


def json_paths(paths: list[str]) -> str:
    """A DuckDB list of JSON paths, each key quoted as the project's macro does."""
    return (
        "[" + ", ".join("'$." + ".".join(f'"{k}"' for k in p.split(".")) + "'" for p in paths) + "]"
    )


def timed(con, sql: str) -> float:
    started = time.perf_counter()
    con.execute(sql).fetchall()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench.floor_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--duckdb", type=Path, required=True, help="a built warehouse")
    parser.add_argument("--run-results", type=Path, help="the build's run_results.json")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    import duckdb

    built: dict[str, float] = {}
    if args.run_results:
        for result in json.loads(args.run_results.read_text())["results"]:
            built[result["unique_id"].rsplit(".", 1)[-1]] = float(result["execution_time"])
    con = duckdb.connect(str(args.duckdb), read_only=True)
    con.execute(f"set threads = {int(args.threads)}")
    con.execute("set preserve_insertion_order = false")
    print("| model | raw rows | scan s | parse s | first delivery s | copy s | model s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for model, (table, key, documents) in MODELS.items():
        raw = f"raw.{table}"
        rows = con.execute(f"select count(*) from {raw}").fetchone()[0]
        # max(), not count(): a count is answered from the table's statistics
        scan = timed(con, f"select max({key}) from {raw}")
        parse = 0.0
        if documents:
            reads = ", ".join(
                f"max(json_extract_string({column}, {json_paths(paths)})[1])"
                for column, paths in documents.items()
            )
            # an aggregate of what was parsed: a projection nobody reads is not computed
            parse = timed(con, f"select {reads} from {raw}")
        first = timed(
            con, f"select count(*) from (select {key}, min(_loaded_at) from {raw} group by 1)"
        )
        copy = timed(
            con,
            f"create temporary table floor_copy as select * from main_staging.{model}",
        )
        con.execute("drop table floor_copy")
        model_s = built.get(model)
        print(
            f"| `{model}` | {rows:,} | {scan:.1f} | {parse:.1f} | {first:.1f} | {copy:.1f} "
            f"| {'' if model_s is None else f'{model_s:.1f}'} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
