"""The pipeline's assets: what `mailpipe run` does, step by step, as Dagster assets.

- `raw_tables`: one asset per raw table the loader writes (the dbt sources whose `loader`
  is `mailpipe load`, keyed as dagster-dbt keys a source, `[source, table]`, so that the
  staging models depend on them). It loads the landing files of the selected tables with
  the project's loader and, when `loader/_erasure_audit` is selected, carries out the
  pending erasure requests (`mailpipe erase`) before any model reads the raw tables.
- `raw_source_freshness`: `dbt source freshness` as one check per raw table that has a
  freshness threshold (non-blocking: a stale source is reported, the build goes on).
- `dbt_models`: every dbt model, seed and snapshot, built with `dbt build`; every dbt data
  test is an asset check of the model it tests. In the micro-batch job, `dbt run` of the
  micro-batch selection with the micro-batch vars of `mailpipe stream`, without tests.
- `purchase_models`: the fit of the purchase models and the training of the propensity
  models (`mailpipe fit`, `mailpipe train`), which read the marts and write the `predict`
  source tables the scores read. Dagster runs the models the fits feed after them, in a
  second dbt invocation, as `mailpipe run` rescores after its fit.
"""

# No `from __future__ import annotations`: Dagster reads the annotations of the decorated
# functions (the context's type, the config class) as objects.

import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
    get_asset_key_for_model,
)

from scripts import alert as alert_cmd
from scripts import fit as fit_cmd
from scripts import privacy as privacy_cmd
from scripts import train as train_cmd
from scripts.errors import UserError
from scripts.load.erasure import ERASURE_AUDIT
from scripts.load.loader import LEDGER, QUARANTINE, FileResult, LoadSummary, load
from scripts.orchestration.project import (
    dbt_project,
    invocation_path,
    landing_dir,
    load_manifest,
    raw_schema,
)
from scripts.predict.fitting import FitError
from scripts.predict.store import COEFFICIENTS_TABLE, FITS_TABLE
from scripts.run import project_var
from scripts.stream import MICRO_BATCH_VARS, StreamLock
from scripts.tables import BY_NAME
from scripts.warehouse import load_target

BATCH_JOB = "mailpipe_daily_batch"
MICRO_BATCH_JOB = "mailpipe_micro_batch"
LOADER = "mailpipe load"
# mailpipe run's default: post the alert when something warned or failed
NOTIFY_ON = "warn"


def attach_singular_tests(manifest: dict[str, Any]) -> dict[str, Any]:
    """Name the model each singular test that reads several models checks, as
    `meta.dagster.ref` would (dagster-dbt makes a check of a test only when it knows which
    asset it checks): the model built last among those it reads (the one downstream of the
    others), and of several, the first the test refs. Changes and returns `manifest`."""
    parents_of = manifest["parent_map"]
    ancestors: dict[str, set[str]] = {}

    def upstream(unique_id: str) -> set[str]:
        if unique_id not in ancestors:
            ancestors[unique_id] = set()
            for parent in parents_of.get(unique_id, []):
                ancestors[unique_id] |= {parent, *upstream(parent)}
        return ancestors[unique_id]

    nodes = manifest["nodes"]
    for node in nodes.values():
        parents = sorted({p for p in (node.get("depends_on") or {}).get("nodes", []) if p in nodes})
        meta = (node.get("config") or {}).get("meta") or {}
        if (
            node["resource_type"] != "test"
            or node.get("attached_node")
            or len(parents) < 2
            or (meta.get("dagster") or {}).get("ref")
        ):
            continue
        last = [p for p in parents if not any(p in upstream(q) for q in parents if q != p)]
        refs = [ref["name"] for ref in node.get("refs", [])]
        last.sort(key=lambda p: refs.index(nodes[p]["name"]) if nodes[p]["name"] in refs else 99)
        node.setdefault("config", {}).setdefault("meta", {}).setdefault("dagster", {})["ref"] = {
            "name": nodes[last[0]]["name"]
        }
    return manifest


PROJECT = dbt_project()
MANIFEST: dict[str, Any] = attach_singular_tests(load_manifest(PROJECT))


class MailpipeTranslator(DagsterDbtTranslator):
    """dagster-dbt's keys (a source `[source, table]`, a model `[layer schema, model]`),
    grouped by layer, owned by the team in the node's `meta.owner`."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any):
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        kind = props["resource_type"]
        if kind == "source":
            group = "raw"
        elif kind in ("seed", "snapshot"):
            group = f"{kind}s"
        else:  # models/<layer>/...: staging, intermediate, marts
            fqn = props.get("fqn") or []
            group = fqn[1] if len(fqn) > 2 else "models"
        meta = (props.get("config") or {}).get("meta") or props.get("meta") or {}
        owners = [f"team:{meta['owner']}"] if meta.get("owner") else list(spec.owners)
        return spec.replace_attributes(group_name=group, owners=owners)


# Every data test is a check: a source's tests (the fit tables') too.
TRANSLATOR = MailpipeTranslator(
    settings=DagsterDbtTranslatorSettings(
        enable_asset_checks=True, enable_source_tests_as_checks=True
    )
)


def source_key(source_name: str, table: str) -> dg.AssetKey:
    """The asset key dagster-dbt gives a source table (what the staging models depend on)."""
    for unique_id, props in MANIFEST["sources"].items():
        if props["source_name"] == source_name and props["name"] == table:
            return TRANSLATOR.get_asset_spec(MANIFEST, unique_id, PROJECT).key
    raise KeyError(f"no source {source_name}.{table} in {PROJECT.manifest_path}")


def _loaded_sources() -> dict[dg.AssetKey, dict[str, Any]]:
    """The sources the loader writes, by asset key."""
    return {
        TRANSLATOR.get_asset_spec(MANIFEST, unique_id, PROJECT).key: props
        for unique_id, props in sorted(MANIFEST["sources"].items())
        if props.get("loader") == LOADER
    }


RAW_SOURCES = _loaded_sources()
RAW_TABLES = {key: props["name"] for key, props in RAW_SOURCES.items()}
RAW_KEYS = {props["name"]: key for key, props in RAW_SOURCES.items()}
ERASURE_KEY = RAW_KEYS[ERASURE_AUDIT]


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def _table_metadata(results: list[FileResult], batch_id: str) -> dict[str, Any]:
    status = Counter(r.status for r in results)
    loaded = [r for r in results if r.status == "loaded"]
    return {
        "files_loaded": status["loaded"],
        "files_already_loaded": status["skipped"],
        "rows_loaded": sum(r.loaded for r in loaded),
        "rows_quarantined": sum(r.quarantined for r in loaded),
        "rows_suppressed": sum(r.suppressed for r in loaded),
        "batch_id": batch_id,
    }


def _raw_metadata(table: str, summary: LoadSummary | None) -> dict[str, Any]:
    if summary is None:
        return {"files_loaded": 0, "note": "no landing table selected: nothing loaded"}
    if table in BY_NAME:
        return _table_metadata([f for f in summary.files if f.table == table], summary.batch_id)
    if table == QUARANTINE:
        reasons: Counter = Counter()
        for f in summary.files:
            if f.status == "loaded":
                reasons.update(f.reasons)
        return {
            "rows_quarantined": summary.total("quarantined"),
            "reasons": dg.MetadataValue.json(dict(sorted(reasons.items()))),
            "batch_id": summary.batch_id,
        }
    if table == LEDGER:
        return {**summary.as_dict(), "summary": summary.line()}
    return {"batch_id": summary.batch_id}


@dg.multi_asset(
    name="raw_tables",
    specs=[
        dg.AssetSpec(
            key,
            description=_one_line(props.get("description")),
            group_name="raw",
            kinds={"python"},
            metadata={"loader": LOADER},
        )
        for key, props in RAW_SOURCES.items()
    ],
    can_subset=True,
    description="Load the landing files of the selected raw tables that the loader has not "
    "loaded yet (mailpipe load: quarantine, ledger, suppression of erased people); with "
    "loader/_erasure_audit selected, then carry out the pending erasure requests "
    "(mailpipe erase) before any model reads the raw tables.",
)
def raw_tables(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
    selected = {RAW_TABLES[key] for key in context.selected_asset_keys}
    tables = sorted(t for t in selected if t in BY_NAME)
    target, schema, landing = load_target(None), raw_schema(), landing_dir()
    summary = None
    if tables:
        if not landing.is_dir():
            raise dg.Failure(
                f"landing folder {landing} does not exist: run `mailpipe generate` or set "
                "MAILPIPE_LANDING",
                allow_retries=False,
            )
        context.log.info(f"loading {len(tables)} tables from {landing} into {target.describe()}")

        def progress(result: FileResult) -> None:
            if result.status != "skipped":
                context.log.info(
                    f"{result.file}: {result.status}, {result.loaded:,} rows loaded, "
                    f"{result.quarantined:,} quarantined {result.error or ''}".rstrip()
                )

        # One loader at a time: `mailpipe stream` holds the same lock while it runs.
        with StreamLock(landing):
            summary = load(landing, target, schema, tables, progress=progress)
        context.log.info(summary.line())
        if summary.failed:
            raise dg.Failure(
                f"{len(summary.failed)} landing files failed to load",
                metadata={f.file: str(f.error) for f in summary.failed},
            )
    for table in sorted(selected - {ERASURE_AUDIT}):
        yield dg.MaterializeResult(
            asset_key=RAW_KEYS[table], metadata=_raw_metadata(table, summary)
        )
    if ERASURE_AUDIT in selected:
        try:
            erased = privacy_cmd.erase(target, schema)
        except (privacy_cmd.ErasureFailed, UserError) as exc:
            raise dg.Failure(f"erase: {exc}") from exc
        context.log.info(erased.line())
        yield dg.MaterializeResult(
            asset_key=ERASURE_KEY,
            metadata={
                "requests_erased": len(erased.erased),
                "rows_deleted": sum(t["deleted"] for t in erased.removed.values()),
                "rows_redacted": sum(t["redacted"] for t in erased.removed.values()),
                "summary": erased.line(),
            },
        )


def _report_alert(context: dg.OpExecutionContext, target_path: Path) -> None:
    """In the daily batch job: `mailpipe alert` on a dbt invocation's artifacts (counts,
    then each failed or warned node and stale source with its owner) into the run's log,
    posted to $MAILPIPE_ALERT_WEBHOOK_URL when set, as `mailpipe run` does."""
    if context.job_name != BATCH_JOB:
        return
    try:
        alert = alert_cmd.build_alert(target_path)
    except UserError as exc:
        context.log.warning(f"alert: {exc}")
        return
    for line in alert.lines():
        context.log.info(line)
    try:
        posted = alert_cmd.notify(alert, NOTIFY_ON)
    except UserError as exc:
        context.log.error(f"webhook: FAILED: {exc}")
        return
    if posted:
        context.log.info(posted)


def _freshness_specs() -> dict[dg.AssetKey, str]:
    """Raw tables with a freshness threshold: asset key -> dbt selector."""
    specs = {}
    for key, props in RAW_SOURCES.items():
        freshness = props.get("freshness") or {}
        if any(
            (freshness.get(level) or {}).get("count") for level in ("warn_after", "error_after")
        ):
            specs[key] = f"source:{props['source_name']}.{props['name']}"
    return specs


FRESHNESS = _freshness_specs()
FRESHNESS_CHECK = "source_freshness"


@dg.multi_asset_check(
    name="raw_source_freshness",
    specs=[
        dg.AssetCheckSpec(
            FRESHNESS_CHECK,
            asset=key,
            description="dbt source freshness on the load time of the table's rows "
            "(vars freshness__warn_after_hours and freshness__error_after_hours)",
        )
        for key in FRESHNESS
    ],
    can_subset=True,
)
def raw_source_freshness(
    context: dg.AssetCheckExecutionContext, dbt: DbtCliResource
) -> Iterator[dg.AssetCheckResult]:
    keys = [k.asset_key for k in context.selected_asset_check_keys]
    path = invocation_path(PROJECT, context.run.run_id, "freshness")
    dbt.cli(
        ["source", "freshness", "--select", " ".join(FRESHNESS[k] for k in keys)],
        target_path=path,
        raise_on_error=False,  # a stale source is a failed check, not a failed step
    ).wait()
    results = {}
    if (path / "sources.json").exists():
        artifact = json.loads((path / "sources.json").read_text())
        results = {r["unique_id"]: r for r in artifact["results"]}
    _report_alert(context.op_execution_context, path)
    for key in keys:
        source = RAW_SOURCES[key]
        result = results.get(source["unique_id"], {})
        status = result.get("status", "runtime error")
        metadata = {"status": status}
        if "max_loaded_at" in result:
            metadata["max_loaded_at"] = str(result["max_loaded_at"])
            metadata["hours_since_last_load"] = round(
                float(result.get("max_loaded_at_time_ago_in_s") or 0) / 3600, 2
            )
        if status not in ("pass", "warn", "error"):
            metadata["error"] = str(result.get("error") or f"no freshness result: see {path}")
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=FRESHNESS_CHECK,
            passed=status == "pass",
            severity=dg.AssetCheckSeverity.WARN
            if status == "warn"
            else dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
        )


# The batch job builds the dbt project in several invocations (Dagster splits it around
# the fit, and apart from what reads no raw table). dbt's default (eager) indirect selection
# would run a test of a selected node whose other parent another invocation builds, before
# that parent exists; `buildable` runs a test once all its parents are selected or built
# before them. dagster-dbt still sets `empty` when a selection leaves some tests out.
DBT_INDIRECT_SELECTION = "DBT_INDIRECT_SELECTION"


@contextmanager
def _environment(name: str, default: str) -> Iterator[None]:
    """`name` set to `default` (unless set already) while the block runs."""
    saved = os.environ.get(name)
    os.environ.setdefault(name, default)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False
    """Rebuild the incremental models from all their rows (`mailpipe run --full-refresh`)."""


# No `project=`: with a DbtProject, dagster-dbt runs a selection of over 200 nodes (the
# batch job's) in a temporary copy of the whole project folder (virtualenv and data
# included, never removed), where a relative DuckDB path would name another file. Without
# it, dbt runs in the project folder with the selection on its command line.
@dbt_assets(manifest=MANIFEST, dagster_dbt_translator=TRANSLATOR, name="dbt_models")
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    """`dbt build` of the selected models, seeds, snapshots and their tests; in the
    micro-batch job, `dbt run` with the micro-batch vars of `mailpipe stream`."""
    micro = context.job_name == MICRO_BATCH_JOB
    if micro:
        args = ["run", "--vars", json.dumps(MICRO_BATCH_VARS)]
    else:
        args = ["build", *(["--full-refresh"] if config.full_refresh else [])]
    step = context.op_execution_context.op.name
    mode = "micro" if micro else "batch"
    path = invocation_path(PROJECT, context.run.run_id, step, mode)
    with _environment(DBT_INDIRECT_SELECTION, "buildable"):  # read when dbt starts
        invocation = dbt.cli(args, context=context, target_path=path, raise_on_error=False)
    yield from invocation.stream()
    _report_alert(context.op_execution_context, path)
    if invocation.is_successful():
        return
    results = []
    if (path / "run_results.json").exists():
        results = invocation.get_artifact("run_results.json").get("results", [])
    failed = defaultdict(list)
    for result in results:
        if result["status"] in ("fail", "error", "runtime error"):
            failed[result["status"]].append(result["unique_id"].split(".")[-1])
    text = "; ".join(f"{status}: {', '.join(names)}" for status, names in sorted(failed.items()))
    # A failed data test fails again on the same data: no retry. An error (a model that did
    # not build, a warehouse that did not answer, a locked DuckDB file) is retried.
    raise dg.Failure(
        f"dbt {args[0]} failed ({text or 'see the log'}); artifacts in {path}",
        allow_retries="fail" not in failed,
    )


LOG_KEY = get_asset_key_for_model([dbt_models], fit_cmd.LOG_MODEL)
FITS_KEY = source_key("predict", FITS_TABLE)
COEFFICIENTS_KEY = source_key("predict", COEFFICIENTS_TABLE)


@dg.multi_asset(
    name="purchase_models",
    specs=[
        dg.AssetSpec(
            FITS_KEY,
            deps=[LOG_KEY],
            description="BG/NBD and Gamma-Gamma fits of the warehouse's purchase log "
            "(mailpipe fit); the purchase predictions read the latest.",
            group_name="predict",
            kinds={"python"},
        ),
        dg.AssetSpec(
            COEFFICIENTS_KEY,
            deps=[
                get_asset_key_for_model([dbt_models], name)
                for name in (train_cmd.FEATURES_MODEL, train_cmd.LABELS_MODEL)
            ]
            + [get_asset_key_for_model([dbt_models], "dim_propensity_cutoffs")],
            description="Propensity and churn models trained on the point-in-time features "
            "(mailpipe train); the propensity scores read the latest accepted ones.",
            group_name="predict",
            kinds={"python"},
        ),
    ],
    can_subset=True,
)
def purchase_models(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
    """A refused fit or model stores nothing and the scores keep the previous one, as in
    `mailpipe run`; the asset's metadata says which."""
    target, schema = load_target(None), raw_schema()
    selected = context.selected_asset_keys
    try:
        if FITS_KEY in selected:
            yield dg.MaterializeResult(asset_key=FITS_KEY, metadata=_fit(context, target, schema))
        if COEFFICIENTS_KEY in selected:
            outcomes = train_cmd.run_train(target, schema)
            lines = [train_cmd.summary_line(o) for o in outcomes]
            for line in lines:
                context.log.info(f"train {line}")
            stored = sum(isinstance(o, train_cmd.TrainedModel) for o in outcomes)
            yield dg.MaterializeResult(
                asset_key=COEFFICIENTS_KEY,
                metadata={"models_stored": stored, "outcomes": "\n".join(lines)},
            )
    except UserError as exc:  # no marts yet, no purchase: the same on a retry
        raise dg.Failure(str(exc), allow_retries=False) from exc


def _fit(context: dg.AssetExecutionContext, target, schema: str) -> dict[str, Any]:
    time_unit = project_var("predict__time_unit") or "weeks"
    try:
        fitted = fit_cmd.run_fit(target, schema, time_unit=time_unit)
    except FitError as exc:
        context.log.warning(f"fit: refused, the scores keep the previous fit: {exc}")
        return {"stored": False, "refused": str(exc)}
    context.log.info(f"fit {fitted.fit_id}: {fitted.customer_count:,} customers")
    return {
        "stored": True,
        "fit_id": fitted.fit_id,
        "customer_count": fitted.customer_count,
        "cutoff_date": str(fitted.cutoff_date),
        **{name: float(getattr(fitted, name)) for name in ("r", "alpha", "a", "b", "p", "q", "v")},
    }
