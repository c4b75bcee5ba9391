"""`mailpipe stream`: the micro-batch runner.

One long-running process: it picks up landing files the loader has not seen (the event
collector publishes complete files there), loads them, and runs the micro-batch selection
(the incremental staging models and `dim_person_activity`, which the payload view
`sync_email_platform__contacts` reads) through dbt's Python API on a manifest parsed once.
A lock file in the landing folder keeps a second runner out. Each batch logs how long its
events took from the collector's receipt (`mailpipe_received_at`) to the payload.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import signal
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scripts.collector import RECEIVED_AT
from scripts.errors import UserError
from scripts.load.loader import discover, load, loaded_files
from scripts.warehouse import (
    PROJECT_DIR,
    Target,
    connect_duckdb,
    fetch_all,
    load_target,
)

log = logging.getLogger("mailpipe.stream")

# The raw tables a micro-batch loads (what the collector writes, and orders); other landing
# files wait for the batch pipeline (`mailpipe run`), which loads everything.
TABLES = ("esp_email_events", "tracking_events", "shop_orders")
MODELS = (
    "stg_esp__email_events",
    "stg_tracking__events",
    "stg_shop__orders",
    "dim_person_activity",
)
# In a micro-batch the runner is the only loader, so the staging models need no lookback
# for rows committed late by a concurrent load (DECISIONLOG "Micro-batches").
MICRO_BATCH_VARS = {
    "realtime__micro_batch": True,
    "incremental__lookback_hours": {"esp": 0, "tracking": 0, "shop": 0},
}
LOCK_NAME = ".mailpipe-stream.lock"
# Per batch, dbt writes no artifacts (the manifest alone is megabytes) and looks up only
# the relations it builds rather than listing every schema first.
RUN_FLAGS = ("--quiet", "--no-write-json", "--no-populate-cache")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stream",
        help="run micro-batches: load new landing files and refresh the payload",
        description=(
            "Run the micro-batch runner: every --interval seconds, load the landing files "
            f"of {', '.join(TABLES)} that are not loaded yet, then refresh "
            f"{', '.join(MODELS)} through dbt's Python API (parsed once), so that the "
            "payload view sync_email_platform__contacts shows the new activity. One line "
            "per batch: files, rows, seconds, and how long the events took from the "
            "collector's receipt to the payload (p50, p95, max). A lock file in the landing "
            "folder stops a second runner. Stops cleanly on SIGTERM or Ctrl-C."
        ),
    )
    p.add_argument(
        "--landing",
        type=Path,
        default=PROJECT_DIR / "data" / "landing",
        help="landing folder (default: %(default)s)",
    )
    p.add_argument(
        "--target", default=None, help="dbt target from profiles.yml (default: $DBT_TARGET or dev)"
    )
    p.add_argument(
        "--schema",
        default=os.environ.get("MAILPIPE_RAW_SCHEMA", "raw"),
        help="raw schema (default: $MAILPIPE_RAW_SCHEMA or raw)",
    )
    p.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="seconds between looks at the landing folder when it has nothing new (default: 1)",
    )
    p.add_argument(
        "--max-batches",
        type=int,
        default=None,
        help="stop after this many batches that loaded something (default: run until stopped)",
    )
    p.add_argument(
        "--once",
        action="store_true",
        help="run one batch (even with nothing new) and exit; exit 1 if it failed",
    )
    p.add_argument(
        "--log-json",
        type=Path,
        default=None,
        help="also append each batch's figures (with every event's latency) as a JSON "
        "line to this file",
    )
    p.set_defaults(func=_cli)


@dataclass
class BatchReport:
    number: int
    files: int
    rows_loaded: int
    rows_quarantined: int
    load_seconds: float
    dbt_seconds: float
    ok: bool
    latencies: list[float] = field(default_factory=list, repr=False)
    error: str = ""

    def figures(self) -> dict:
        data = asdict(self)
        lat = sorted(data["latencies"])
        data["latencies"] = [round(x, 3) for x in lat]
        data["events_timed"] = len(lat)
        data["latency_p50"] = percentile(lat, 0.50)
        data["latency_p95"] = percentile(lat, 0.95)
        data["latency_max"] = lat[-1] if lat else None
        return data

    def line(self) -> str:
        f = self.figures()
        text = (
            f"batch {self.number}: {self.files} files, {self.rows_loaded:,} rows loaded "
            f"({self.rows_quarantined:,} quarantined) in {self.load_seconds:.2f} s; "
            f"dbt {self.dbt_seconds:.2f} s"
        )
        if not self.ok:
            return text + f"; FAILED: {self.error}"
        if f["events_timed"]:
            text += (
                f"; receipt to payload: p50 {f['latency_p50']:.2f} s, "
                f"p95 {f['latency_p95']:.2f} s, max {f['latency_max']:.2f} s "
                f"({f['events_timed']:,} events)"
            )
        return text


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile of sorted values (linear interpolation); None when empty."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


class StreamLock:
    """An exclusive, non-blocking lock on <landing>/.mailpipe-stream.lock (released by
    the kernel if the process dies)."""

    def __init__(self, landing: Path) -> None:
        self.path = landing / LOCK_NAME
        self.handle = None

    def __enter__(self) -> StreamLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise UserError(
                f"another micro-batch runner holds {self.path} (pid {holder}); "
                "stop it first, two runners would load the same files"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()


class MicroBatchRunner:
    """Loads new landing files and refreshes the micro-batch models, batch after batch."""

    def __init__(self, landing: Path, target: Target, schema: str) -> None:
        self.landing = landing
        self.target = target
        self.schema = schema
        self.seen: set[str] = set()
        self.batches = 0
        self._dbt = None
        self._dbt_args: list[str] = []
        self._keeper = None

    def start(self) -> None:
        """Parse the project once and learn which landing files are loaded already."""
        from dbt.cli.main import dbtRunner

        os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        self._dbt_args = [
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            os.environ.get("DBT_PROFILES_DIR", str(PROJECT_DIR)),
            "--target",
            self.target.name,
            "--vars",
            json.dumps(MICRO_BATCH_VARS),
        ]
        started = time.perf_counter()
        parsed = dbtRunner().invoke(["parse", "--quiet", *self._dbt_args])
        if not parsed.success or parsed.result is None:
            raise UserError(f"dbt parse failed: {parsed.exception or 'see logs/dbt.log'}")
        self._dbt = dbtRunner(manifest=parsed.result)
        if self.target.type == "duckdb":
            # One connection held for the runner's life keeps the database open in this
            # process: the loader's and dbt's connections then share it instead of opening
            # the file (and checkpointing it on close) in every batch.
            self._keeper = connect_duckdb(self.target)
        self.seen = loaded_files(self.target, self.schema)
        log.info(
            "parsed the project in %.1f s; %d landing files already loaded",
            time.perf_counter() - started,
            len(self.seen),
        )

    def new_files(self) -> list[Path]:
        if not self.landing.is_dir():
            return []
        found = discover(self.landing, TABLES)
        return [p for _, p in found if str(p.relative_to(self.landing)) not in self.seen]

    def run_batch(self, files: list[Path]) -> BatchReport:
        self.batches += 1
        t0 = time.perf_counter()
        summary = load(
            self.landing,
            self.target,
            self.schema,
            TABLES,
            files=files,
            workers=1,
            checkpoint=False,
        )
        for result in summary.files:
            self.seen.add(result.file)
        load_seconds = time.perf_counter() - t0
        report = BatchReport(
            number=self.batches,
            files=len(files),
            rows_loaded=summary.total("loaded"),
            rows_quarantined=summary.total("quarantined"),
            load_seconds=load_seconds,
            dbt_seconds=0.0,
            ok=not summary.failed,
            error="; ".join(f"{r.file}: {r.error}" for r in summary.failed),
        )
        t1 = time.perf_counter()
        result = self._dbt.invoke(["run", *RUN_FLAGS, "--select", *MODELS, *self._dbt_args])
        done = datetime.now(UTC)
        report.dbt_seconds = time.perf_counter() - t1
        if not result.success:
            report.ok = False
            failed = [
                f"{r.node.name}: {r.message}"
                for r in getattr(result.result, "results", None) or []
                if str(r.status) not in ("success", "pass")
            ]
            report.error = "; ".join(
                filter(None, [report.error, *failed, str(result.exception or "")])
            )
            return report
        received = received_times(self.target, self.schema, summary.batch_id)
        report.latencies = [(done - at).total_seconds() for at in received]
        return report

    def close(self) -> None:
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None


def received_times(target: Target, schema: str, batch_id: str) -> list[datetime]:
    """The collector's receipt time of every row a load batch wrote (rows that came some
    other way have none)."""
    selects = []
    for table in ("esp_email_events", "tracking_events"):
        relation = f'"{schema}"."{table}"'
        if target.type == "duckdb":
            field_sql = f"json_extract_string(_extra, '$.{RECEIVED_AT}')"
        else:
            field_sql = f"_extra ->> '{RECEIVED_AT}'"
        selects.append(
            f"select {field_sql} from {relation} where _batch_id = {{p}} "
            f"and {field_sql} is not null"
        )
    # read-write: the runner holds the DuckDB file open read-write in this process
    rows = fetch_all(target, " union all ".join(selects), [batch_id] * len(selects), False)
    return [datetime.fromisoformat(value.replace("Z", "+00:00")) for (value,) in rows]


def stream(
    landing: Path,
    target: Target,
    schema: str,
    interval: float = 1.0,
    max_batches: int | None = None,
    once: bool = False,
    on_batch: Callable[[BatchReport], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[BatchReport]:
    """Run batches until stopped (or `max_batches` that loaded files, or one with `once`)."""
    reports: list[BatchReport] = []
    with StreamLock(landing):
        runner = MicroBatchRunner(landing, target, schema)
        runner.start()
        try:
            while not should_stop():
                files = runner.new_files()
                if files or once:
                    report = runner.run_batch(files)
                    reports.append(report)
                    if on_batch:
                        on_batch(report)
                    if once or (max_batches and len(reports) >= max_batches):
                        break
                else:
                    time.sleep(interval)
        finally:
            runner.close()
    return reports


def _cli(args: argparse.Namespace) -> int:
    target = load_target(args.target)
    stop = {"now": False}

    def request_stop(signum: int, _frame: object) -> None:
        log.info("stopping after the current batch (signal %d)", signum)
        stop["now"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    def report(batch: BatchReport) -> None:
        print(batch.line(), flush=True)
        if args.log_json:
            with args.log_json.open("a") as handle:
                handle.write(json.dumps(batch.figures()) + "\n")

    if not args.quiet:
        print(f"mailpipe stream: {target.describe()}, landing {args.landing}", flush=True)
    reports = stream(
        args.landing,
        target,
        args.schema,
        interval=args.interval,
        max_batches=args.max_batches,
        once=args.once,
        on_batch=report,
        should_stop=lambda: stop["now"],
    )
    return 0 if all(r.ok for r in reports) else 1
