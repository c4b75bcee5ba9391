"""`mailpipe stream`: the micro-batch runner.

One long-running process. A loader thread picks up landing files the loader has not seen
(the event collector publishes complete files there) and loads them at once: the payload
view `sync_email_platform__contacts` reads email events through the zero-lag view
`dim_person_activity_live`, so they show there as soon as they are loaded. Alongside, the
micro-batch selection (the incremental staging models and `dim_person_activity`) runs
through dbt's Python API on a manifest parsed once, over everything loaded since its last
run. A lock file in the landing folder keeps a second runner out. Each batch logs how long
its events took from the collector's receipt (`mailpipe_received_at`) to the end of the
micro-batch, and with --measure-payload to showing in the payload.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import signal
import statistics
import threading
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
    add_target_argument,
    connect_duckdb,
    dbt_args,
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
    add_target_argument(p)
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
        "--measure-payload",
        action="store_true",
        help="after each load, read the payload for the loaded email events and log how "
        "long they took from receipt to showing there (one read of the payload per load)",
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
class LoadReport:
    """One load of new landing files, and when its email events showed in the payload."""

    files: int
    rows_loaded: int
    rows_quarantined: int
    seconds: float
    batch_id: str
    ok: bool
    error: str = ""
    # receipt -> shown in the payload, per event shown (with --measure-payload)
    shown: list[float] = field(default_factory=list)
    email_events: int = 0
    # before the load began: its rows are stamped later (lets Postgres use the index)
    started_at: datetime | None = None
    # the read of the payload after the load (with --measure-payload)
    payload_read_seconds: float = 0.0


@dataclass
class BatchReport:
    """One micro-batch: the loads it took in and the dbt run that processed them."""

    number: int
    loads: int
    files: int
    rows_loaded: int
    rows_quarantined: int
    load_seconds: float
    dbt_seconds: float
    ok: bool
    payload_read_seconds: float = 0.0
    # receipt -> end of this micro-batch, per event it processed
    latencies: list[float] = field(default_factory=list, repr=False)
    # receipt -> shown in the payload, per event (measured with --measure-payload)
    payload_latencies: list[float] = field(default_factory=list, repr=False)
    email_events: int = 0
    error: str = ""

    @classmethod
    def of(cls, number: int, loads: list[LoadReport]) -> BatchReport:
        return cls(
            number=number,
            loads=len(loads),
            files=sum(x.files for x in loads),
            rows_loaded=sum(x.rows_loaded for x in loads),
            rows_quarantined=sum(x.rows_quarantined for x in loads),
            load_seconds=sum(x.seconds for x in loads),
            dbt_seconds=0.0,
            payload_read_seconds=sum(x.payload_read_seconds for x in loads),
            ok=all(x.ok for x in loads),
            payload_latencies=[v for x in loads for v in x.shown],
            email_events=sum(x.email_events for x in loads),
            error="; ".join(x.error for x in loads if x.error),
        )

    def figures(self) -> dict:
        data = asdict(self)
        for name, prefix in (("latencies", "latency"), ("payload_latencies", "payload_latency")):
            values = sorted(data[name])
            data[name] = [round(x, 3) for x in values]
            data[f"{prefix}_p50"] = percentile(values, 0.50)
            data[f"{prefix}_p95"] = percentile(values, 0.95)
            data[f"{prefix}_max"] = values[-1] if values else None
        data["events_timed"] = len(self.latencies)
        data["events_shown"] = len(self.payload_latencies)
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
                f"; receipt to micro-batch: p50 {f['latency_p50']:.2f} s, "
                f"p95 {f['latency_p95']:.2f} s, max {f['latency_max']:.2f} s "
                f"({f['events_timed']:,} events)"
            )
        if f["events_shown"]:
            text += (
                f"; receipt to payload: p50 {f['payload_latency_p50']:.2f} s, "
                f"p95 {f['payload_latency_p95']:.2f} s, max {f['payload_latency_max']:.2f} s "
                f"({f['events_shown']:,} of {self.email_events:,} email events shown)"
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

    def __init__(
        self, landing: Path, target: Target, schema: str, measure_payload: bool = False
    ) -> None:
        self.landing = landing
        self.target = target
        self.schema = schema
        self.measure_payload = measure_payload
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
            *dbt_args([], self.target.name),
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

    def load_new(self, files: list[Path]) -> LoadReport:
        """Load `files`; with `measure_payload`, then time when their email events show in
        the payload (the zero-lag view reads them as soon as they are loaded)."""
        t0 = time.perf_counter()
        started_at = datetime.now(UTC)
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
        report = LoadReport(
            files=len(files),
            rows_loaded=summary.total("loaded"),
            rows_quarantined=summary.total("quarantined"),
            seconds=time.perf_counter() - t0,
            batch_id=summary.batch_id,
            ok=not summary.failed,
            error="; ".join(f"{r.file}: {r.error}" for r in summary.failed),
            started_at=started_at,
        )
        if self.measure_payload and report.rows_loaded:
            t1 = time.perf_counter()
            shown, report.email_events = shown_in_payload(
                self.target, self.schema, summary.batch_id, started_at
            )
            seen_at = datetime.now(UTC)
            report.payload_read_seconds = time.perf_counter() - t1
            report.shown = [(seen_at - at).total_seconds() for at in shown]
        return report

    def run_models(self, loads: list[LoadReport]) -> BatchReport:
        """Run the micro-batch models over everything loaded so far; time the events of
        `loads` from receipt to the end of the run."""
        self.batches += 1
        report = BatchReport.of(self.batches, loads)
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
        received = received_times(
            self.target,
            self.schema,
            [x.batch_id for x in loads],
            min((x.started_at for x in loads if x.started_at), default=None),
        )
        report.latencies = [(done - at).total_seconds() for at in received]
        return report

    def close(self) -> None:
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None


def _received_at_sql(target: Target, alias: str) -> str:
    if target.type == "duckdb":
        return f"json_extract_string({alias}._extra, '$.{RECEIVED_AT}')"
    return f"{alias}._extra ->> '{RECEIVED_AT}'"


def _parse_received(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def received_times(
    target: Target, schema: str, batch_ids: list[str], since: datetime | None = None
) -> list[datetime]:
    """The collector's receipt time of every row the load batches wrote (rows that came
    some other way have none). `since`: no row of them was stamped earlier."""
    if not batch_ids:
        return []
    marks = ", ".join(["{p}"] * len(batch_ids))
    loaded_since = " and r._loaded_at >= {p}" if since else ""
    selects, params = [], []
    for table in ("esp_email_events", "tracking_events"):
        field_sql = _received_at_sql(target, "r")
        selects.append(
            f'select {field_sql} from "{schema}"."{table}" as r '
            f"where r._batch_id in ({marks}){loaded_since} and {field_sql} is not null"
        )
        params += batch_ids + ([since] if since else [])
    # read-write: the runner holds the DuckDB file open read-write in this process
    rows = fetch_all(target, " union all ".join(selects), params, duckdb_read_write=True)
    return [_parse_received(value) for (value,) in rows]


EPOCH_OF = {
    "delivered": "last_email_delivered_at",
    "open": "last_email_opened_at",
    "click": "last_email_clicked_at",
}


def shown_in_payload(
    target: Target, schema: str, batch_id: str, since: datetime
) -> tuple[list[datetime], int]:
    """The receipt times of the email events of one load batch that the payload shows
    now (a delivery, open or click whose time the contact's latest one has reached), and
    how many delivery, open and click events with a receipt time the batch holds. Reads
    the payload view by address, as a reader would: the measure of end-to-end freshness.
    Two queries, so that no planner runs the view once per event. Addresses are compared
    trimmed and lower-cased (normalize_email without the provider rules)."""
    received = _received_at_sql(target, "e")
    events = fetch_all(
        target,
        f"select {received}, lower(trim(e.email)), e.event, "
        f'cast(e."timestamp" as double precision) '
        f'from "{schema}".esp_email_events as e '
        f"where e._batch_id = {{p}} and e._loaded_at >= {{p}} and {received} is not null "
        f"and e.event in ('delivered', 'open', 'click')",
        [batch_id, since],
        duckdb_read_write=True,
    )
    emails = sorted({email for _, email, _, _ in events if email})
    if not emails:
        return [], len(events)
    payload = target.model_relation("activation", "sync_email_platform__contacts")
    columns = ", ".join(f"extract(epoch from {c})" for c in EPOCH_OF.values())
    marks = ", ".join(["{p}"] * len(emails))
    # per address, the latest time of each kind over its contacts (an address two
    # contacts share shows the event on the row of the person identity gave it to)
    latest: dict[str, dict[str, float]] = {}
    for email, *epochs in fetch_all(
        target,
        f"select email, {columns} from {payload} where email in ({marks})",
        emails,
        duckdb_read_write=True,
    ):
        seen = latest.setdefault(email, {})
        for event, epoch in zip(EPOCH_OF, epochs, strict=True):
            if epoch is not None:
                seen[event] = max(float(epoch), seen.get(event, float("-inf")))
    shown = [
        _parse_received(at)
        for at, email, event, epoch in events
        if latest.get(email, {}).get(event, float("-inf")) >= epoch
    ]
    return shown, len(events)


def stream(
    landing: Path,
    target: Target,
    schema: str,
    interval: float = 1.0,
    max_batches: int | None = None,
    once: bool = False,
    on_batch: Callable[[BatchReport], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    measure_payload: bool = False,
) -> list[BatchReport]:
    """Run micro-batches until stopped (or `max_batches` of them, or one with `once`).

    Loading and dbt run side by side: a loader thread loads new landing files as they
    come (the payload's zero-lag view shows their email events as soon as they are
    loaded), while this thread runs the micro-batch models over whatever was loaded since
    the last run. One loader loads files one after another, so the load times the
    incremental models keep as watermarks only grow in commit order and a model never
    skips rows committed while it ran. With `once`, one load and one run, in turn.
    """
    reports: list[BatchReport] = []
    with StreamLock(landing):
        runner = MicroBatchRunner(landing, target, schema, measure_payload)
        runner.start()
        try:
            if once:
                files = runner.new_files()
                loads = [runner.load_new(files)] if files else []
                reports.append(runner.run_models(loads))
                if on_batch:
                    on_batch(reports[-1])
                return reports
            loader = _LoaderThread(runner, interval)
            loader.start()
            try:
                while not should_stop() and loader.is_alive():
                    loads = loader.take(timeout=interval)
                    if not loads:
                        continue
                    reports.append(runner.run_models(loads))
                    if on_batch:
                        on_batch(reports[-1])
                    if max_batches and len(reports) >= max_batches:
                        break
            finally:
                loader.stop()
            if loader.failure is not None:
                raise loader.failure
            if loader.pending:
                log.info(
                    "%d loads wait for the next micro-batch (their rows are in the payload's "
                    "zero-lag view already)",
                    len(loader.pending),
                )
        finally:
            runner.close()
    return reports


class _LoaderThread(threading.Thread):
    """Loads new landing files one load after another and hands the loads over."""

    def __init__(self, runner: MicroBatchRunner, interval: float) -> None:
        super().__init__(name="mailpipe-loader", daemon=True)
        self.runner = runner
        self.interval = interval
        self.pending: list[LoadReport] = []
        self.failure: BaseException | None = None
        self._lock = threading.Lock()
        self._loaded = threading.Event()
        self._halt = threading.Event()

    def run(self) -> None:
        try:
            while not self._halt.is_set():
                files = self.runner.new_files()
                if not files:
                    self._halt.wait(self.interval)
                    continue
                report = self.runner.load_new(files)
                with self._lock:
                    self.pending.append(report)
                self._loaded.set()
        except BaseException as exc:  # reported by the dbt thread, which then stops
            self.failure = exc

    def take(self, timeout: float) -> list[LoadReport]:
        """The loads since the last take (waiting up to `timeout` for one)."""
        self._loaded.wait(timeout)
        self._loaded.clear()
        with self._lock:
            loads, self.pending = self.pending, []
        return loads

    def stop(self) -> None:
        self._halt.set()
        self.join()


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
        measure_payload=args.measure_payload,
    )
    return 0 if all(r.ok for r in reports) else 1
