"""`mailpipe alert` and the results history.

Unit tests read small hand-written artifacts (a failing test with its row count and owner,
a warning, a stale source, an errored model) and post to a webhook receiver on 127.0.0.1.
The end-to-end tests run dbt on DuckDB and Postgres and read what the on-run-end hook wrote
to `<schema>_monitoring.dq_run_results`.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scripts import alert as alert_mod
from scripts.errors import UserError
from scripts.load import load
from tests.python.conftest import dbt, execute, mailpipe, query, target_for

PKG = "email_personalization"
SECRET = "T0000/B0000/xoxb-super-secret-token"


def _model(name: str, owner: str | None) -> dict[str, Any]:
    return {
        "name": name,
        "resource_type": "model",
        "config": {"meta": {"owner": owner} if owner else {}},
        "meta": {},
    }


def _test(name: str, attached: str | None, parents: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "resource_type": "test",
        "attached_node": attached,
        "depends_on": {"nodes": parents},
        "config": {"meta": {}},
        "meta": {},
    }


MANIFEST = {
    "metadata": {"project_name": PKG},
    "nodes": {
        f"model.{PKG}.fct_orders": _model("fct_orders", "commerce-analytics"),
        f"model.{PKG}.fct_loyalty_ledger": _model("fct_loyalty_ledger", "commerce-analytics"),
        f"model.{PKG}.dim_customers": _model("dim_customers", "data-platform"),
        f"model.{PKG}.fct_email_sends": _model("fct_email_sends", "crm-marketing"),
        f"test.{PKG}.unique_fct_orders_order_id.1a2b": _test(
            "unique_fct_orders_order_id", f"model.{PKG}.fct_orders", [f"model.{PKG}.fct_orders"]
        ),
        f"test.{PKG}.relationships_fct_loyalty_ledger_order_id.3c4d": _test(
            "relationships_fct_loyalty_ledger_order_id",
            f"model.{PKG}.fct_loyalty_ledger",
            [f"model.{PKG}.fct_orders", f"model.{PKG}.fct_loyalty_ledger"],
        ),
        # A singular test: no attached node, it tests the first model it reads.
        f"test.{PKG}.assert_sends_have_events": _test(
            "assert_sends_have_events", None, [f"model.{PKG}.fct_email_sends"]
        ),
    },
    "unit_tests": {
        f"unit_test.{PKG}.fct_orders.fct_orders_netting": {
            "name": "fct_orders_netting",
            "model": "fct_orders",
            "depends_on": {"nodes": [f"model.{PKG}.fct_orders"]},
            "config": {"meta": {}},
        }
    },
    "sources": {
        f"source.{PKG}.esp.esp_email_events": {
            "name": "esp_email_events",
            "source_name": "esp",
            "config": {"meta": {"owner": "data-platform"}},
            "meta": {},
        },
        f"source.{PKG}.shop.shop_orders": {
            "name": "shop_orders",
            "source_name": "shop",
            "config": {"meta": {"owner": "data-platform"}},
            "meta": {},
        },
        f"source.{PKG}.crm.crm_customer_changes": {
            "name": "crm_customer_changes",
            "source_name": "crm",
            "config": {"meta": {}},
            "meta": {},
        },
    },
}


def _result(unique_id: str, status: str, failures: int | None = None, message: str | None = None):
    return {
        "unique_id": unique_id,
        "status": status,
        "failures": failures,
        "message": message,
        "execution_time": 0.1,
    }


def _run_results(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metadata": {
            "invocation_id": "0123abcd-0000-0000-0000-000000000000",
            "generated_at": "2026-11-01T06:00:00.000000Z",
        },
        "args": {"which": "build"},
        "results": results,
    }


def _freshness(unique_id: str, status: str, hours: float) -> dict[str, Any]:
    return {
        "unique_id": unique_id,
        "status": status,
        "max_loaded_at_time_ago_in_s": hours * 3600,
        "criteria": {
            "warn_after": {"count": 24, "period": "hour"},
            "error_after": {"count": 72, "period": "hour"},
        },
    }


BAD_RUN = _run_results(
    [
        _result(f"model.{PKG}.fct_orders", "success", message="OK"),
        _result(
            f"model.{PKG}.dim_customers",
            "error",
            message='Database Error in model dim_customers\n  connection to "postgres://'
            'loader:hunter2@db.internal/warehouse" failed: password=hunter2 rejected',
        ),
        _result(
            f"test.{PKG}.unique_fct_orders_order_id.1a2b",
            "fail",
            failures=3,
            message="Got 3 results, configured to fail if != 0",
        ),
        _result(
            f"test.{PKG}.relationships_fct_loyalty_ledger_order_id.3c4d",
            "warn",
            failures=25,
            message="Got 25 results, configured to warn if != 0",
        ),
        _result(f"test.{PKG}.assert_sends_have_events", "pass", failures=0),
        _result(f"unit_test.{PKG}.fct_orders.fct_orders_netting", "pass", failures=0),
        _result(f"model.{PKG}.fct_email_sends", "skipped"),
        # The on-run-end hook: not counted while it succeeds.
        _result(f"operation.{PKG}.{PKG}-on-run-end-0", "success"),
    ]
)
SOURCES = {
    "metadata": {
        "invocation_id": "4567ef00-0000-0000-0000-000000000000",
        "generated_at": "2026-11-01T05:59:00.000000Z",
    },
    "results": [
        _freshness(f"source.{PKG}.esp.esp_email_events", "error", 80),
        _freshness(f"source.{PKG}.shop.shop_orders", "warn", 30),
        _freshness(f"source.{PKG}.crm.crm_customer_changes", "pass", 2),
    ],
}


def write_artifacts(
    folder: Path,
    run_results: dict[str, Any] | None = BAD_RUN,
    sources: dict[str, Any] | None = SOURCES,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(MANIFEST))
    for name, data in (("run_results.json", run_results), ("sources.json", sources)):
        if data is not None:
            (folder / name).write_text(json.dumps(data))
    return folder


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != alert_mod.WEBHOOK_ENV}
    env.update(extra)
    return env


# -- the summary ----------------------------------------------------------------------------


def test_summary_names_each_problem_with_its_model_rows_and_owner(tmp_path):
    alert = alert_mod.build_alert(write_artifacts(tmp_path))
    lines = alert.lines()
    assert lines[0] == (
        "dbt source freshness 4567ef00 at 2026-11-01 05:59:00 UTC: 3 sources "
        "(1 error, 1 pass, 1 warn)"
    )
    assert lines[1] == (
        "dbt build 0123abcd at 2026-11-01 06:00:00 UTC: 7 nodes "
        "(1 error, 1 fail, 2 pass, 1 skipped, 1 success, 1 warn)"
    )
    body = "\n".join(lines)
    assert (
        "  FAIL   test unique_fct_orders_order_id on fct_orders: 3 rows failing; "
        "owner commerce-analytics"
    ) in lines
    assert (
        "  WARN   test relationships_fct_loyalty_ledger_order_id on fct_loyalty_ledger: "
        "25 rows failing; owner commerce-analytics"
    ) in lines
    assert (
        "  STALE  source esp.esp_email_events: last loaded 80.0 h ago "
        "(warn after 24 hours, error after 72 hours); owner data-platform"
    ) in lines
    assert (
        "  STALE  source shop.shop_orders: last loaded 30.0 h ago "
        "(warn after 24 hours, error after 72 hours); owner data-platform"
    ) in lines
    error_line = next(line for line in lines if "model dim_customers" in line)
    assert error_line.startswith("  ERROR  model dim_customers: Database Error")
    assert error_line.endswith("owner data-platform")
    assert "hunter2" not in body  # credentials in a dbt message are masked
    # Passing, successful and skipped nodes and fresh sources get no line of their own.
    assert "assert_sends_have_events" not in body and "crm_customer_changes" not in body
    assert lines[-1] == (
        "alert: ERROR: 1 failed, 1 errored, 1 stale beyond the error threshold, 1 warned, "
        "1 stale beyond the warning threshold"
    )
    # Errors first, then warnings.
    levels = [f.level for f in alert.findings]
    assert levels == sorted(levels, key=lambda level: level != "error")


def test_unit_test_and_singular_test_failures_name_the_model_they_test(tmp_path):
    run = _run_results(
        [
            _result(f"unit_test.{PKG}.fct_orders.fct_orders_netting", "fail", message="diff"),
            _result(f"test.{PKG}.assert_sends_have_events", "fail", failures=1),
        ]
    )
    alert = alert_mod.build_alert(write_artifacts(tmp_path, run, None))
    assert (
        "  FAIL   unit test fct_orders_netting on fct_orders: diff; owner commerce-analytics"
        in (alert.lines())
    )
    assert (
        "  FAIL   test assert_sends_have_events on fct_email_sends: 1 row failing; "
        "owner crm-marketing"
    ) in alert.lines()


@pytest.mark.parametrize(
    ("results", "sources", "code", "level"),
    [
        ([_result(f"model.{PKG}.fct_orders", "success")], None, 0, "ok"),
        ([_result(f"test.{PKG}.unique_fct_orders_order_id.1a2b", "warn", 2)], None, 0, "warn"),
        ([_result(f"test.{PKG}.unique_fct_orders_order_id.1a2b", "fail", 2)], None, 1, "error"),
        ([_result(f"model.{PKG}.fct_orders", "error", message="boom")], None, 1, "error"),
        ([_result(f"operation.{PKG}.{PKG}-on-run-end-0", "error", message="x")], None, 1, "error"),
        (None, [_freshness(f"source.{PKG}.shop.shop_orders", "warn", 30)], 0, "warn"),
        (None, [_freshness(f"source.{PKG}.shop.shop_orders", "error", 99)], 1, "error"),
        (
            None,
            [{"unique_id": f"source.{PKG}.shop.shop_orders", "status": "runtime error"}],
            1,
            "error",
        ),
    ],
)
def test_exit_code_is_1_only_for_errors_failures_and_stale_sources(
    tmp_path, results, sources, code, level
):
    folder = write_artifacts(
        tmp_path,
        _run_results(results) if results is not None else None,
        {"metadata": {}, "results": sources} if sources is not None else None,
    )
    alert = alert_mod.build_alert(folder)
    assert (alert.exit_code, alert.level) == (code, level)
    if level == "ok":
        assert alert.lines()[-1] == "alert: OK: nothing failed, errored, warned or went stale"


def test_cli_exit_status_and_usage_errors(tmp_path):
    bad = mailpipe("alert", "--target-path", str(write_artifacts(tmp_path / "bad")), env=_env())
    assert bad.returncode == 1, bad.stderr
    assert "FAIL   test unique_fct_orders_order_id on fct_orders" in bad.stdout
    warn_only = _run_results(
        [_result(f"test.{PKG}.unique_fct_orders_order_id.1a2b", "warn", failures=2)]
    )
    warned = mailpipe(
        "alert",
        "--target-path",
        str(write_artifacts(tmp_path / "warn", warn_only, None)),
        env=_env(),
    )
    assert warned.returncode == 0, warned.stderr
    assert "alert: WARN: 1 warned" in warned.stdout
    # DBT_TARGET_PATH is the default folder.
    from_env = mailpipe("alert", env=_env(DBT_TARGET_PATH=str(tmp_path / "warn")))
    assert from_env.returncode == 0 and "alert: WARN: 1 warned" in from_env.stdout
    for folder in (tmp_path / "nowhere", tmp_path / "empty"):
        (tmp_path / "empty").mkdir(exist_ok=True)
        missing = mailpipe("alert", "--target-path", str(folder), env=_env())
        assert missing.returncode == 2
        assert missing.stderr.startswith("mailpipe alert: error: ")
        assert "Traceback" not in missing.stderr
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "run_results.json").write_text("{not json")
    broken = mailpipe("alert", "--target-path", str(tmp_path / "broken"), env=_env())
    assert broken.returncode == 2 and "cannot read" in broken.stderr


# -- the webhook ----------------------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 that records what is posted and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.posts.append((self.path, dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok" if receiver.status == 200 else b"no_service")

            def log_message(self, *args: Any) -> None:  # keep pytest's output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/{SECRET}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def test_slack_payload_is_posted_and_the_url_is_never_printed(tmp_path, receiver):
    folder = write_artifacts(tmp_path)
    result = mailpipe(
        "alert", "--target-path", str(folder), env=_env(MAILPIPE_ALERT_WEBHOOK_URL=receiver.url)
    )
    assert result.returncode == 1, result.stderr
    assert "webhook: posted the error summary" in result.stdout
    for secret in (SECRET, receiver.url, "xoxb"):
        assert secret not in result.stdout + result.stderr
    assert len(receiver.posts) == 1
    path, headers, body = receiver.posts[0]
    assert path == f"/services/{SECRET}"
    assert headers["Content-Type"].startswith("application/json")
    payload = json.loads(body)
    assert set(payload) == {"text", "blocks"}
    assert payload["text"].startswith(f"{PKG} data quality: ERROR: 1 failed, 1 errored")
    assert payload["blocks"][0]["type"] == "header"
    assert payload["blocks"][0]["text"]["type"] == "plain_text"
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    text = "\n".join(sections)
    assert "dbt build 0123abcd" in text and "dbt source freshness 4567ef00" in text
    assert (
        "*FAIL* test `unique_fct_orders_order_id` on `fct_orders`: 3 rows failing; "
        "owner *commerce-analytics*"
    ) in text
    assert "*STALE* source `esp.esp_email_events`" in text
    assert "*WARN* test `relationships_fct_loyalty_ledger_order_id`" in text
    assert "hunter2" not in body.decode()


def test_failed_post_is_a_clear_error_without_the_url(tmp_path):
    folder = write_artifacts(tmp_path)
    with Receiver(status=500) as failing:
        result = mailpipe(
            "alert",
            "--target-path",
            str(folder),
            env=_env(MAILPIPE_ALERT_WEBHOOK_URL=failing.url),
        )
        assert len(failing.posts) == 1
    assert result.returncode == 2
    assert "mailpipe alert: error: the alert webhook ($MAILPIPE_ALERT_WEBHOOK_URL) answered " in (
        result.stderr
    )
    assert "HTTP 500" in result.stderr
    assert "FAIL   test unique_fct_orders_order_id" in result.stdout  # summary printed first
    # Nothing listens on a port just released: connection refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/services/{SECRET}"
    refused = mailpipe(
        "alert", "--target-path", str(folder), env=_env(MAILPIPE_ALERT_WEBHOOK_URL=url)
    )
    assert refused.returncode == 2
    assert "could not reach the alert webhook" in refused.stderr
    for out in (result.stdout + result.stderr, refused.stdout + refused.stderr):
        assert SECRET not in out and "/services/" not in out


def test_a_url_that_is_not_http_is_refused_without_echoing_it(monkeypatch):
    monkeypatch.setenv(alert_mod.WEBHOOK_ENV, f"hxxp:/{SECRET}")
    alert = alert_mod.Alert(project=PKG, runs=[], findings=[])
    with pytest.raises(UserError) as exc:
        alert_mod.notify(alert, notify_on="always")
    assert "not an http(s) URL" in str(exc.value) and SECRET not in str(exc.value)


def test_notify_on_decides_what_is_posted(tmp_path, receiver, monkeypatch):
    monkeypatch.setenv(alert_mod.WEBHOOK_ENV, receiver.url)
    warn_only = _run_results(
        [_result(f"test.{PKG}.unique_fct_orders_order_id.1a2b", "warn", failures=2)]
    )
    alert = alert_mod.build_alert(write_artifacts(tmp_path, warn_only, None))
    said = alert_mod.notify(alert, notify_on="error")
    assert said == "webhook: not posted (level warn, --notify-on error)"
    assert receiver.posts == []
    assert alert_mod.notify(alert, notify_on="warn") == "webhook: posted the warn summary"
    assert len(receiver.posts) == 1
    monkeypatch.delenv(alert_mod.WEBHOOK_ENV)
    assert alert_mod.notify(alert, notify_on="always") is None  # no webhook configured


def test_long_alerts_are_cut_to_what_slack_accepts():
    findings = [
        alert_mod.Finding(
            level="warn",
            status="warn",
            kind="test",
            name=f"accepted_values_<model>_{'x' * 150}_{i}",
            tested="fct_orders",
            failures=i,
            owner="commerce-analytics",
        )
        for i in range(60)
    ]
    payload = alert_mod.Alert(project=PKG, runs=[], findings=findings).slack_payload()
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert len(payload["blocks"]) <= 50
    assert all(len(text) <= 3000 for text in sections)
    text = "\n".join(sections)
    assert text.count("*WARN*") == alert_mod.SLACK_MAX_FINDINGS
    assert "and 35 more" in text
    assert "&lt;model&gt;" in text and "<model>" not in text  # Slack's escaping


# -- `mailpipe run` ends with the alert ------------------------------------------------------


@pytest.fixture
def pipeline_without_dbt(tmp_path, monkeypatch):
    """`mailpipe run` with loading and dbt stubbed out: the alert step reads the artifacts
    a test writes to the folder this returns."""
    from scripts import load as load_mod
    from scripts import privacy as privacy_mod
    from scripts import run as run_mod

    class Loaded:
        failed = ()

        def line(self) -> str:
            return "loaded 0 files"

    class Erased:
        def line(self) -> str:
            return "erased 0 requests"

    landing = tmp_path / "landing" / "esp_campaigns"
    landing.mkdir(parents=True)
    (landing / "x.jsonl").write_text("{}\n")
    monkeypatch.setenv("MAILPIPE_DUCKDB_PATH", str(tmp_path / "run.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.delenv(alert_mod.WEBHOOK_ENV, raising=False)
    monkeypatch.setattr(load_mod, "load", lambda *args, **kwargs: Loaded())
    monkeypatch.setattr(privacy_mod, "erase", lambda *args, **kwargs: Erased())
    monkeypatch.setattr(run_mod, "dbt_source_freshness", lambda *args, **kwargs: (True, []))
    monkeypatch.setattr(run_mod, "dbt_build", lambda *args, **kwargs: (True, []))
    monkeypatch.setattr(run_mod, "fit_and_rescore", lambda *args, **kwargs: (True, ["fit: stub"]))
    monkeypatch.setattr(run_mod, "built_tables", lambda target: [])
    return tmp_path / "landing", tmp_path / "target"


def test_run_prints_the_alert_and_exits_1_when_it_says_error(pipeline_without_dbt, capsys):
    from scripts.cli import main

    landing, target = pipeline_without_dbt
    write_artifacts(target)
    assert main(["run", "--target", "dev", "--landing", str(landing)]) == 1
    out = capsys.readouterr().out
    assert "[6/7] alert" in out
    assert "FAIL   test unique_fct_orders_order_id on fct_orders" in out
    assert "alert: ERROR" in out and "pipeline FAILED" in out


def test_run_passes_with_warnings_and_reports_a_failed_post(
    pipeline_without_dbt, capsys, monkeypatch
):
    from scripts.cli import main

    landing, target = pipeline_without_dbt
    warn_only = _run_results(
        [_result(f"test.{PKG}.unique_fct_orders_order_id.1a2b", "warn", failures=2)]
    )
    write_artifacts(target, warn_only, None)
    assert main(["run", "--target", "dev", "--landing", str(landing)]) == 0
    out = capsys.readouterr().out
    assert "alert: WARN: 1 warned" in out and "pipeline finished" in out
    with Receiver(status=500) as failing:
        monkeypatch.setenv(alert_mod.WEBHOOK_ENV, failing.url)
        assert main(["run", "--target", "dev", "--landing", str(landing)]) == 1
    out = capsys.readouterr().out
    assert "webhook: FAILED: the alert webhook ($MAILPIPE_ALERT_WEBHOOK_URL) answered HTTP 500" in (
        out
    )
    assert SECRET not in out and "pipeline FAILED" in out


# -- end to end: the on-run-end hook writes the results history --------------------------------


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def loaded(request, small_landing, tmp_path_factory):
    """The small landing set loaded once per engine into a warehouse of this module's own
    (a DuckDB file; Postgres schemas `<session>_alert*`, dropped with the session's), so
    the other modules' loads and builds are not affected; and a dbt target folder."""
    env = dict(request.getfixturevalue(f"{request.param}_env"))
    folder = tmp_path_factory.mktemp(f"alert_{request.param}")
    if request.param == "duckdb":
        env["MAILPIPE_DUCKDB_PATH"] = str(folder / "alert.duckdb")
    else:
        env["MAILPIPE_PG_SCHEMA"] = f"{env['MAILPIPE_PG_SCHEMA']}_alert"
        env["MAILPIPE_RAW_SCHEMA"] = f"{env['MAILPIPE_PG_SCHEMA']}_raw"
    load(small_landing, target_for(env), env["MAILPIPE_RAW_SCHEMA"])
    env["DBT_TARGET_PATH"] = str(folder / "target")
    env.pop(alert_mod.WEBHOOK_ENV, None)
    return env


def _monitoring_schema(env: dict[str, str]) -> str:
    return (
        "main_monitoring"
        if env["DBT_TARGET"] == "dev"
        else f"{env['MAILPIPE_PG_SCHEMA']}_monitoring"
    )


def _invocation_id(env: dict[str, str], artifact: str = "run_results.json") -> str:
    data = json.loads((Path(env["DBT_TARGET_PATH"]) / artifact).read_text())
    return data["metadata"]["invocation_id"]


@pytest.mark.slow
def test_every_run_appends_its_results_with_run_id_status_and_owner(loaded):
    env = loaded
    table = f"{_monitoring_schema(env)}.dq_run_results"
    staging = (
        "main_staging" if env["DBT_TARGET"] == "dev" else f"{env['MAILPIPE_PG_SCHEMA']}_staging"
    )
    model = "stg_esp__campaigns"
    # Two staging models, their tests and a unit test; tests that also read models not
    # selected are left out (cautious), so nothing else needs to be built.
    cautious = ["--indirect-selection", "cautious"]
    select = ["--select", model, "stg_esp__email_events", *cautious]

    # 1. A build stores every model, data test and unit test result under its run id.
    first = dbt("build", *select, env=env)
    assert first.returncode == 0, first.stdout[-3000:]
    first_id = _invocation_id(env)
    rows = query(
        env,
        f"select resource_type, status, command, owner, count(*), sum(failures) from {table} "
        f"where run_id = '{first_id}' group by 1, 2, 3, 4 order by 1, 2",
    )
    assert [r[:5] for r in rows if r[0] == "model"] == [
        ("model", "success", "build", "data-platform", 2),
    ]
    units = [r for r in rows if r[0] == "unit_test"]
    assert [r[:4] for r in units] == [("unit_test", "pass", "build", "data-platform")]
    assert units[0][4] >= 2  # the two models' unit tests
    tests = [r for r in rows if r[0] == "test"]
    assert [r[:4] for r in tests] == [("test", "pass", "build", "data-platform")]
    assert tests[0][4] >= 5 and tests[0][5] == 0
    runs_before = query(env, f"select count(distinct run_id) from {table}")[0][0]

    # 2. A second build, of the tests only, after a campaign lost its id: the failure is
    # stored with its row count, the model it tests and the owner.
    variant = query(env, f"select min(campaign_variant_id) from {staging}.{model}")[0][0]
    campaign = query(
        env,
        f"select campaign_id from {staging}.{model} where campaign_variant_id = '{variant}'",
    )[0][0]
    where = f"where campaign_variant_id = '{variant}'"
    execute(env, f"update {staging}.{model} set campaign_id = null {where}")
    try:
        failed = dbt("build", "--select", model, "--resource-type", "test", *cautious, env=env)
    finally:
        execute(env, f"update {staging}.{model} set campaign_id = '{campaign}' {where}")
    assert failed.returncode == 1, failed.stdout[-3000:]
    second_id = _invocation_id(env)
    assert second_id != first_id
    failing = query(
        env,
        f"select node_name, tested_node_id, status, failures, owner, message, command "
        f"from {table} where run_id = '{second_id}' and status <> 'pass'",
    )
    assert failing == [
        (
            f"not_null_{model}_campaign_id",
            f"model.{PKG}.{model}",
            "fail",
            1,
            "data-platform",
            "Got 1 result, configured to fail if != 0",
            "build",
        )
    ]
    assert query(env, f"select count(distinct run_id) from {table}")[0][0] == runs_before + 1
    alert = mailpipe("alert", "--target-path", env["DBT_TARGET_PATH"], env=env)
    assert alert.returncode == 1, alert.stderr
    assert (
        f"FAIL   test not_null_{model}_campaign_id on {model}: 1 row failing; owner data-platform"
    ) in alert.stdout

    # 3. `dbt source freshness` runs the hook too: freshness results land in the same table.
    fresh = dbt("source", "freshness", "--select", "source:esp", env=env)
    assert fresh.returncode == 0, fresh.stdout[-3000:]
    fresh_id = _invocation_id(env, "sources.json")
    assert query(
        env,
        f"select unique_id, resource_type, status, command, owner from {table} "
        f"where run_id = '{fresh_id}' order by 1",
    ) == [
        (f"source.{PKG}.esp.{name}", "source", "pass", "freshness", "data-platform")
        for name in ("esp_campaigns", "esp_email_events")
    ]
