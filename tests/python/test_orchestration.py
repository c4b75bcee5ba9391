"""Dagster orchestration (scripts/orchestration): the definitions load, the raw load feeds
the dbt sources, every dbt test is an asset check, the schedule and the landing sensor
behave; and, slow, the daily batch job materializes everything, on DuckDB and on Postgres,
and the sensor's micro-batch loads a new landing file."""

from __future__ import annotations

import importlib
import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path

import dagster as dg
import pytest
import yaml

from scripts import stream as stream_cmd
from scripts.orchestration import automation, project
from scripts.orchestration.assets import (
    BATCH_JOB,
    COEFFICIENTS_KEY,
    FITS_KEY,
    FRESHNESS,
    MANIFEST,
    MICRO_BATCH_JOB,
    RAW_KEYS,
    attach_singular_tests,
)
from scripts.orchestration.definitions import defs
from scripts.tables import BY_NAME
from tests.python.conftest import query, target_for

LANDED = ("esp", "esp_email_events")
log = logging.getLogger(__name__)


@pytest.fixture(scope="module")
def graph():
    return defs.resolve_asset_graph()


def model_key(name: str) -> dg.AssetKey:
    node = next(n for n in MANIFEST["nodes"].values() if n["name"] == name)
    return dg.AssetKey([node["config"]["schema"], name])


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def(BATCH_JOB) and defs.resolve_job_def(MICRO_BATCH_JOB)
    assert defs.resolve_schedule_def("mailpipe_daily_batch_schedule")
    assert defs.resolve_sensor_def("landing_files")


def test_raw_load_is_upstream_of_the_staging_models(graph):
    raw = dg.AssetKey(list(LANDED))
    assert raw in graph.get(model_key("stg_esp__email_events")).parent_keys
    # every landing table is an asset of the load, as the staging models' sources name it
    assert set(BY_NAME) <= set(RAW_KEYS)
    assert {graph.get(RAW_KEYS[t]).assets_def.node_def.name for t in RAW_KEYS} == {"raw_tables"}
    # every staging model that reads a raw table the loader writes depends on the load
    for node in MANIFEST["nodes"].values():
        if node["resource_type"] != "model" or not node["name"].startswith("stg_"):
            continue
        sources = [
            MANIFEST["sources"][p] for p in node["depends_on"]["nodes"] if p in MANIFEST["sources"]
        ]
        loaded = {RAW_KEYS[s["name"]] for s in sources if s["loader"] == "mailpipe load"}
        assert loaded <= graph.get(model_key(node["name"])).parent_keys, node["name"]
    # the fit reads the purchase log and feeds the scores (after it, not before)
    assert model_key("fct_person_purchase_days") in graph.get(FITS_KEY).parent_keys
    assert model_key("stg_predict__purchase_model_fits") in graph.get(FITS_KEY).child_keys
    assert (
        model_key("stg_predict__propensity_coefficients") in graph.get(COEFFICIENTS_KEY).child_keys
    )


def test_every_dbt_test_is_an_asset_check(graph):
    checks = graph.asset_check_keys
    tests = {n["name"] for n in MANIFEST["nodes"].values() if n["resource_type"] == "test"}
    assert len(tests) > 100
    assert tests == {c.name for c in checks} - {"source_freshness"}
    by_asset = {c.asset_key for c in checks if c.name.startswith("unique_dim_customers")}
    assert by_asset == {model_key("dim_customers")}
    # a singular test over several models checks the one built last
    order_check = next(c for c in checks if c.name == "assert_every_email_message_has_one_send")
    assert order_check.asset_key == model_key("fct_email_sends")
    # a dbt test of error severity blocks what is downstream; freshness does not
    spec = graph.get(next(c for c in checks if c.name.startswith("unique_dim_customers")))
    assert spec.blocking
    assert {c.asset_key for c in checks if c.name == "source_freshness"} == set(FRESHNESS)
    assert dg.AssetKey(list(LANDED)) in FRESHNESS


def test_singular_tests_are_attached_to_the_model_built_last():
    manifest = {
        "parent_map": {"model.p.a": [], "model.p.b": ["model.p.a"], "model.p.c": []},
        "nodes": {
            "model.p.a": {"name": "a", "resource_type": "model"},
            "model.p.b": {"name": "b", "resource_type": "model"},
            "model.p.c": {"name": "c", "resource_type": "model"},
            "test.p.t1": {
                "name": "t1",
                "resource_type": "test",
                "depends_on": {"nodes": ["model.p.a", "model.p.b"]},
                "refs": [{"name": "a"}, {"name": "b"}],
            },
            "test.p.t2": {
                "name": "t2",
                "resource_type": "test",
                "depends_on": {"nodes": ["model.p.a", "model.p.c"]},
                "refs": [{"name": "c"}, {"name": "a"}],
            },
            "test.p.t3": {
                "name": "t3",
                "resource_type": "test",
                "depends_on": {"nodes": ["model.p.a", "model.p.b"]},
                "config": {"meta": {"dagster": {"ref": {"name": "a"}}}},
            },
        },
    }
    nodes = attach_singular_tests(manifest)["nodes"]
    ref = {
        t: nodes[f"test.p.{t}"]["config"]["meta"]["dagster"]["ref"]["name"]
        for t in ("t1", "t2", "t3")
    }
    assert ref == {"t1": "b", "t2": "c", "t3": "a"}


def test_daily_schedule_runs_the_batch_job_in_utc(monkeypatch):
    schedule = defs.resolve_schedule_def("mailpipe_daily_batch_schedule")
    assert schedule.cron_schedule == automation.DEFAULT_BATCH_CRON == "0 5 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == BATCH_JOB
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    monkeypatch.setenv("MAILPIPE_BATCH_CRON", "30 2 * * *")
    monkeypatch.setenv("MAILPIPE_DAGSTER_AUTOSTART", "1")
    try:
        reloaded = importlib.reload(automation)
        assert reloaded.batch_schedule.cron_schedule == "30 2 * * *"
        assert reloaded.batch_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    finally:
        monkeypatch.undo()
        importlib.reload(automation)


def test_batch_job_retries_and_the_micro_batch_job_is_the_stream_selection():
    batch = defs.resolve_job_def(BATCH_JOB)
    assert batch.op_retry_policy.max_retries >= 1
    assert batch.tags[automation.WAREHOUSE_TAG] == "writer"
    graph = defs.resolve_asset_graph()
    # every check (each dbt test and the freshness checks) runs in the daily job
    assert len(graph.asset_check_keys) > 100
    assert set(batch.asset_layer.asset_graph.asset_check_keys) == set(graph.asset_check_keys)
    assert batch.asset_layer.selected_asset_keys == {
        k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable
    }
    # the scores are built after the fit: dbt runs again downstream of it
    assert sum(node.name.startswith("dbt_models") for node in batch.nodes) >= 2
    micro = defs.resolve_job_def(MICRO_BATCH_JOB)
    selected = micro.asset_layer.selected_asset_keys
    assert {RAW_KEYS[t] for t in stream_cmd.TABLES} <= selected
    assert {model_key(m) for m in stream_cmd.MODELS} <= selected
    assert len(selected) == len(stream_cmd.TABLES) + 2 + len(stream_cmd.MODELS)
    assert not micro.asset_layer.asset_graph.asset_check_keys  # no tests in a micro-batch
    assert micro.tags[automation.WAREHOUSE_TAG] == "writer"


def _land(landing: Path, table: str, name: str, text: str = '{"x": 1}\n') -> Path:
    path = landing / table / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_sensor_requests_a_micro_batch_once_per_new_landing_file(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    monkeypatch.setenv("MAILPIPE_LANDING", str(landing))
    sensor = defs.resolve_sensor_def("landing_files")
    assert sensor.job_name == MICRO_BATCH_JOB
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=None)
        assert isinstance(sensor(context), dg.SkipReason)  # no landing folder yet
        landing.mkdir()
        assert isinstance(sensor(context), dg.SkipReason)  # nothing landed
        # a file the micro-batch does not load waits for the daily batch
        _land(landing, "crm_customer_changes", "crm_customer_changes__1.jsonl")
        assert isinstance(sensor(context), dg.SkipReason)

        _land(landing, "esp_email_events", "esp_email_events__1.jsonl")
        first = sensor(context)
        assert isinstance(first, dg.RunRequest) and first.run_key
        assert first.tags["mailpipe/new_files"] == "1"
        assert json.loads(context.cursor) == ["esp_email_events/esp_email_events__1.jsonl"]
        # the same file again: nothing new
        skip = sensor(context)
        assert isinstance(skip, dg.SkipReason) and "no new landing files" in skip.skip_message

        # while a writer runs, new files wait (the cursor does not move)
        _land(landing, "shop_orders", "shop_orders__1.jsonl")
        _land(landing, "tracking_events", "tracking_events__1.jsonl")
        run = instance.add_run(
            dg.DagsterRun(
                job_name=BATCH_JOB,
                run_id=str(uuid.uuid4()),
                status=dg.DagsterRunStatus.STARTED,
                tags=automation.RUN_TAGS,
            )
        )
        cursor = context.cursor
        waiting = sensor(context)
        assert isinstance(waiting, dg.SkipReason) and run.run_id in waiting.skip_message
        assert context.cursor == cursor
        instance.report_run_failed(run)
        second = sensor(context)
        assert isinstance(second, dg.RunRequest) and second.tags["mailpipe/new_files"] == "2"
        assert second.run_key != first.run_key
        assert isinstance(sensor(context), dg.SkipReason)


def test_manifest_is_parsed_again_when_a_project_file_or_the_target_changes(tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1")
    manifest = tmp_path / "target" / "manifest.json"
    assert project.manifest_is_stale(manifest, tmp_path)  # a clean clone: no target/
    manifest.parent.mkdir()
    manifest.write_text("{}")
    monkeypatch.setenv("DBT_TARGET", "dev")
    (manifest.parent / project.SETTINGS_STAMP).write_text(json.dumps(project.parse_settings()))
    assert not project.manifest_is_stale(manifest, tmp_path)
    monkeypatch.setenv("DBT_TARGET", "prod")
    assert project.manifest_is_stale(manifest, tmp_path)
    monkeypatch.setenv("DBT_TARGET", "dev")
    later = manifest.stat().st_mtime + 1
    os.utime(model, (later, later))
    assert project.manifest_is_stale(manifest, tmp_path)


def test_instance_settings_keep_one_writer_run_at_a_time():
    settings = yaml.safe_load((Path(project.__file__).parent / "dagster.yaml").read_text())
    limits = settings["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": automation.WAREHOUSE_TAG, "limit": 1} in limits
    assert settings["telemetry"]["enabled"] is False


def _micro_batch_file(landing: Path, rows: int = 25) -> Path:
    """A new email-events file: the first events of a landed file under new event ids."""
    source = sorted((landing / "esp_email_events").glob("*.jsonl"))[0]
    lines = []
    for line in source.read_text().splitlines():
        try:  # the generator injects bad records: take valid ones
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(record, dict) or not record.get("sg_event_id"):
            continue
        record["sg_event_id"] = f"mb-{record['sg_event_id']}"
        lines.append(json.dumps(record))
        if len(lines) == rows:
            break
    return _land(
        landing, "esp_email_events", "esp_email_events__micro.jsonl", "\n".join(lines) + "\n"
    )


@pytest.mark.slow
def test_daily_batch_materializes_then_a_micro_batch(
    engine_env, tmp_path, monkeypatch, small_landing
):
    """On each engine, in a warehouse of its own: a DuckDB file in tmp_path, or Postgres
    schemas named after the session's (dropped with them)."""
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    env = dict(engine_env, MAILPIPE_LANDING=str(landing))
    if env["DBT_TARGET"] == "dev":
        env["MAILPIPE_DUCKDB_PATH"] = str(tmp_path / "orchestration.duckdb")
    else:
        env["MAILPIPE_PG_SCHEMA"] = engine_env["MAILPIPE_PG_SCHEMA"] + "_orchestration"
        env["MAILPIPE_RAW_SCHEMA"] = engine_env["MAILPIPE_PG_SCHEMA"] + "_orchestration_raw"
    for name, value in env.items():  # restored by monkeypatch after the test
        monkeypatch.setenv(name, value)
    target = target_for(env)
    raw = env["MAILPIPE_RAW_SCHEMA"]
    monkeypatch.delenv("MAILPIPE_ALERT_WEBHOOK_URL", raising=False)

    with dg.instance_for_test() as instance:
        started = time.perf_counter()
        result = defs.resolve_job_def(BATCH_JOB).execute_in_process(
            instance=instance, raise_on_error=False
        )
        seconds = time.perf_counter() - started
        failures = [
            e.event_specific_data.error.message.strip()
            for e in result.all_events
            if e.event_type == dg.DagsterEventType.STEP_FAILURE
        ]
        assert result.success, failures
        log.info("daily batch job: %.1f s", seconds)

        by_key = {
            e.event_specific_data.materialization.asset_key: e.event_specific_data.materialization
            for e in result.get_asset_materialization_events()
        }
        job = defs.resolve_job_def(BATCH_JOB)
        assert set(by_key) == job.asset_layer.selected_asset_keys
        assert by_key[dg.AssetKey(list(LANDED))].metadata["rows_loaded"].value > 0
        assert by_key[FITS_KEY].metadata["stored"].value is True

        # every check ran; none of error severity failed (known warnings may warn)
        evaluations = result.get_asset_check_evaluations()
        assert {e.asset_check_key for e in evaluations} == set(
            job.asset_layer.asset_graph.asset_check_keys
        )
        failed = [
            e.asset_check_key.to_user_string()
            for e in evaluations
            if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
        ]
        assert failed == []
        assert sum(e.passed for e in evaluations) > 0.9 * len(evaluations)

        customers = target.model_relation("marts", "dim_customers")
        customers = query(env, f"select count(*) from {customers}")[0][0]
        assert customers > 0
        assert (
            query(
                env,
                "select count(*) from "
                + target.model_relation("activation", "sync_email_platform__contacts"),
            )[0][0]
            > 0
        )

        # a new landing file: the sensor asks for a micro-batch, which loads it
        raw_before = query(env, f"select count(*) from {raw}.esp_email_events")[0][0]
        context = dg.build_sensor_context(instance=instance, cursor=None)
        sensor = defs.resolve_sensor_def("landing_files")
        assert isinstance(sensor(context), dg.RunRequest)  # first look: the landed files
        assert isinstance(sensor(context), dg.SkipReason)
        new_file = _micro_batch_file(landing)
        request = sensor(context)
        assert isinstance(request, dg.RunRequest)
        started = time.perf_counter()
        micro = defs.resolve_job_def(MICRO_BATCH_JOB).execute_in_process(
            instance=instance, tags=request.tags, raise_on_error=False
        )
        log.info("micro-batch job: %.1f s", time.perf_counter() - started)
        assert micro.success
        assert not micro.get_asset_check_evaluations()  # no tests in a micro-batch
        rows = len(new_file.read_text().splitlines())
        assert query(env, f"select count(*) from {raw}.esp_email_events")[0][0] == raw_before + rows
        ledger = query(
            env,
            f"select rows_loaded from {raw}.load_ledger "
            "where source_file = 'esp_email_events/esp_email_events__micro.jsonl'",
        )
        assert ledger == [(rows,)]
