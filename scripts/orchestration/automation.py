"""When the assets run: the daily batch job and its schedule, the micro-batch job and the
sensor that starts it when new landing files arrive.

- `mailpipe_daily_batch`: every asset and check (load, erase, freshness, dbt build with
  its tests, fit and train, then the scores), retried on errors (RetryPolicy); scheduled
  daily at `$MAILPIPE_BATCH_CRON` (default 05:00), UTC.
- `mailpipe_micro_batch`: the landing tables `mailpipe stream` loads (and the ledger and
  quarantine the loader writes with them), then its micro-batch selection with its vars,
  no tests; started by the sensor `landing_files`.

Both jobs carry the run tag `mailpipe/warehouse`: one writer at a time (DuckDB allows one
process to write a file; two loaders would race on the ledger). The sensor waits while a
run with the tag is in progress, and the instance's run queue can hold the schedule's run
behind a micro-batch with a limit of 1 on the tag (docs/orchestration.md).
"""

# No `from __future__ import annotations`: Dagster reads the decorated function's
# annotations as objects.

import hashlib
import json
import os

import dagster as dg
from dagster_dbt import build_dbt_asset_selection

from scripts import stream as stream_cmd
from scripts.errors import UserError
from scripts.load.loader import LEDGER, QUARANTINE, discover
from scripts.orchestration.assets import BATCH_JOB, MICRO_BATCH_JOB, RAW_KEYS, dbt_models
from scripts.orchestration.project import landing_dir

DEFAULT_BATCH_CRON = "0 5 * * *"
WAREHOUSE_TAG = "mailpipe/warehouse"
RUN_TAGS = {WAREHOUSE_TAG: "writer"}
IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
# Errors (a warehouse that did not answer, a locked DuckDB file, a landing lock held by
# `mailpipe stream`) are retried after 1, then 2 minutes; a failed data test is not.
BATCH_RETRY = dg.RetryPolicy(max_retries=2, delay=60, backoff=dg.Backoff.EXPONENTIAL)


def default_status() -> dg.DefaultScheduleStatus:
    """Stopped unless MAILPIPE_DAGSTER_AUTOSTART=1 (a deployment): a first `dagster dev`
    does not start loading the landing folder on its own."""
    if os.environ.get("MAILPIPE_DAGSTER_AUTOSTART") == "1":
        return dg.DefaultScheduleStatus.RUNNING
    return dg.DefaultScheduleStatus.STOPPED


batch_job = dg.define_asset_job(
    BATCH_JOB,
    selection=dg.AssetSelection.all(),
    description="The whole pipeline, as `mailpipe run` on data already landed: load new "
    "landing files, carry out erasure requests, source freshness, dbt build with its "
    "tests, fit the purchase models and train the propensity models, then build the "
    "scores and what reads them.",
    tags=RUN_TAGS,
    op_retry_policy=BATCH_RETRY,
)

MICRO_BATCH_SELECTION = (
    dg.AssetSelection.assets(
        *(RAW_KEYS[t] for t in (*stream_cmd.TABLES, LEDGER, QUARANTINE)),
    )
    | build_dbt_asset_selection([dbt_models], dbt_select=" ".join(stream_cmd.MODELS))
).without_checks()

micro_batch_job = dg.define_asset_job(
    MICRO_BATCH_JOB,
    selection=MICRO_BATCH_SELECTION,
    description="One micro-batch, as `mailpipe stream --once`: load the new landing files "
    f"of {', '.join(stream_cmd.TABLES)}, then `dbt run` of {', '.join(stream_cmd.MODELS)} "
    "with the micro-batch vars (no tests: the daily batch runs them).",
    tags=RUN_TAGS,
)

batch_schedule = dg.ScheduleDefinition(
    name="mailpipe_daily_batch_schedule",
    job=batch_job,
    cron_schedule=os.environ.get("MAILPIPE_BATCH_CRON") or DEFAULT_BATCH_CRON,
    execution_timezone="UTC",
    default_status=default_status(),
    description="The daily batch pipeline ($MAILPIPE_BATCH_CRON, default 05:00 UTC).",
)


def landing_files_now(landing) -> dict[str, str]:
    """The landing files a micro-batch loads, as the loader finds them: relative path ->
    size and modification time (what makes a run key)."""
    found = {}
    for _, path in discover(landing, stream_cmd.TABLES):
        stat = path.stat()
        found[str(path.relative_to(landing))] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return found


def writer_run_in_progress(instance: dg.DagsterInstance) -> str | None:
    """The id of a run tagged mailpipe/warehouse that is queued or running, if any."""
    runs = instance.get_runs(filters=dg.RunsFilter(tags=RUN_TAGS, statuses=IN_PROGRESS), limit=1)
    return runs[0].run_id if runs else None


@dg.sensor(
    name="landing_files",
    job=micro_batch_job,
    minimum_interval_seconds=int(os.environ.get("MAILPIPE_SENSOR_INTERVAL_SECONDS") or 30),
    default_status=dg.DefaultSensorStatus(default_status().value),
    description="Starts a micro-batch when landing files of "
    f"{', '.join(stream_cmd.TABLES)} appear that it has not seen (the cursor holds the "
    "files seen); waits while a batch or micro-batch runs.",
)
def landing_files(context: dg.SensorEvaluationContext) -> dg.SkipReason | dg.RunRequest:
    landing = landing_dir()
    try:
        present = landing_files_now(landing)
    except UserError as exc:  # no landing folder yet
        return dg.SkipReason(str(exc))
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    new = sorted(set(present) - seen)
    if not new:
        return dg.SkipReason(f"no new landing files in {landing} ({len(present)} seen)")
    busy = writer_run_in_progress(context.instance)
    if busy:
        return dg.SkipReason(f"{len(new)} new landing files wait for run {busy} to finish")
    context.update_cursor(json.dumps(sorted(present)))
    fingerprint = "\n".join(f"{name}\t{present[name]}" for name in new)
    return dg.RunRequest(
        run_key=hashlib.sha256(fingerprint.encode()).hexdigest()[:16],
        tags={"mailpipe/new_files": str(len(new)), "mailpipe/first_new_file": new[0]},
    )
