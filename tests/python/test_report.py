"""`mailpipe report` without a dbt build: the sections from rows, the page, and the command
on a small hand-made DuckDB warehouse. The browser test on a real build is in
test_pipeline.py (test_report_renders_every_chart_offline_in_chromium)."""

from __future__ import annotations

import html
import os
import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from scripts.report import (
    CONTENT_SECURITY_POLICY,
    MODELS_READ,
    SECTION_KEYS,
    Header,
    build_sections,
    render_html,
)
from scripts.warehouse import PROJECT_DIR
from tests.python.conftest import mailpipe

NOW = datetime(2026, 3, 10, 12, 0, 0)
HEADER = Header("dev (duckdb: /tmp/x.duckdb)", NOW, datetime(2026, 3, 10, 6, 0, 0))
STUB_JS = "/* plotly.js stand-in */"
# A tag that would make the browser fetch something from another origin.
REMOTE_REFERENCE = re.compile(
    r"""<(?:script|link|img|iframe|embed|object|source|video|audio)\b[^>]*"""
    r"""\b(?:src|href|data)\s*=\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)

ROWS = {
    "campaign_weeks": [
        {
            "sent_week": datetime(2026, 3, 2).date(),
            "campaign_variant_count": 2,
            "sent_count": 1000,
            "delivered_count": 980,
            "opened_count": 200,
            "clicked_count": 30,
            "attributed_revenue_amount": 1234.5,
            "reporting_currency": "USD",
        }
    ],
    "engagement_bins": [{"bin_index": 0, "person_count": 10}, {"bin_index": 3, "person_count": 4}],
    "rfm_cells": [
        {
            "recency_score": 5,
            "frequency_monetary_score": 5,
            "rfm_segment": "Champions",
            "person_count": 3,
        },
        {
            "recency_score": None,
            "frequency_monetary_score": None,
            "rfm_segment": None,
            "person_count": 7,
        },
    ],
    "segment_sizes": [{"segment_name": "champions", "person_count": 3}],
    "domains": [
        {
            "recipient_domain": "example.com",
            "sent_count": 1000,
            "delivered_count": 980,
            "hard_bounce_count": 5,
            "soft_bounce_count": 15,
            "complaint_count": 1,
        }
    ],
    "dq_runs": [
        {
            "run_id": "r1",
            "run_started_at": datetime(2026, 3, 10, 6, 0, 0),
            "command": "build",
            "status": "pass",
            "result_count": 100,
        },
        {
            "run_id": "r1",
            "run_started_at": datetime(2026, 3, 10, 6, 0, 0),
            "command": "build",
            "status": "warn",
            "result_count": 2,
        },
    ],
    "dq_latest_findings": [
        {
            "node_name": "relationships_fct_orders",
            "resource_type": "test",
            "status": "warn",
            "failures": 3,
            "owner": "commerce-analytics",
        }
    ],
    "metric_checks": [
        {
            "metric_group": "email",
            "metric_name": "sends_count",
            "dropped_to_zero_count": 0,
            "outside_band_count": 1,
            "within_band_count": 6,
            "not_compared_count": 0,
        }
    ],
    "loads": [
        {
            "table_name": "esp_email_events",
            "last_loaded_at": datetime(2026, 3, 10, 9, 0, 0),
            "file_count": 4,
            "rows_loaded": 5000,
        }
    ],
    "freshness_checks": [
        {
            "node_name": "esp_email_events",
            "status": "pass",
            "run_started_at": datetime(2026, 3, 10, 6, 0, 0),
        }
    ],
}


def test_every_section_charts_its_rows_with_a_title_and_axis_labels():
    sections = build_sections(ROWS, NOW)
    assert [s.key for s in sections] == list(SECTION_KEYS)
    for section in sections:
        fig = section.figure
        assert fig is not None and section.empty_message is None, section.key
        assert fig.layout.title.text, section.key
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text, section.key
        points = [
            value
            for trace in fig.data
            for value in (trace.z if trace.type == "heatmap" else trace.x)
            if value is not None
        ]
        assert points, f"{section.key} has no data point"
    freshness = sections[SECTION_KEYS.index("freshness")].figure
    assert freshness.data[0].x == (3.0,)  # 09:00 load, report at 12:00
    assert freshness.data[0].name == "freshness: pass"


def test_empty_marts_give_a_message_per_section_and_no_chart():
    sections = build_sections({key: [] for key in ROWS}, NOW)
    assert [s.key for s in sections] == list(SECTION_KEYS)
    page = render_html(sections, HEADER, plotly_js=STUB_JS)
    for section in sections:
        assert section.figure is None, section.key
        assert section.empty_message, section.key
        assert html.escape(section.empty_message) in page
    assert "Plotly.newPlot" not in page
    assert page.count('<p class="empty">') == len(SECTION_KEYS)


def test_page_inlines_plotly_once_and_references_nothing_remote():
    page = render_html(build_sections(ROWS, NOW), HEADER)
    assert page.count("* plotly.js v") == 1  # the bundle's banner: inlined once
    assert len(page) > 3_000_000
    assert REMOTE_REFERENCE.findall(page) == []
    assert page.count("Plotly.newPlot") == len(SECTION_KEYS)
    for key in SECTION_KEYS:
        assert f'id="chart-{key}"' in page
    # Outside plotly's own bundle: no stylesheet, font or import from anywhere.
    ours = render_html(build_sections(ROWS, NOW), HEADER, plotly_js=STUB_JS)
    assert "@import" not in ours and "url(" not in ours and "<link" not in ours
    assert "http://" not in ours and "https://" not in ours.replace("http://www.w3.org", "")
    # The browser is told to load nothing from elsewhere whatever the page holds.
    assert f'http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}"' in ours
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_the_header_names_the_warehouse_and_the_time():
    page = render_html(build_sections(ROWS, NOW), HEADER, plotly_js=STUB_JS)
    assert "Warehouse: dev (duckdb: /tmp/x.duckdb)" in page
    assert "Generated: 2026-03-10 12:00:00 UTC" in page
    assert "Latest dbt run with tests: 2026-03-10 06:00:00 UTC" in page


def test_names_from_the_data_are_shown_not_interpreted():
    hostile = "<img src=x onerror=alert(1)>"
    rows = dict(ROWS)
    rows["segment_sizes"] = [{"segment_name": hostile, "person_count": 3}]
    rows["dq_latest_findings"] = [{**ROWS["dq_latest_findings"][0], "node_name": hostile}]
    rows["domains"] = [{**ROWS["domains"][0], "recipient_domain": "<b>x</b>.com"}]
    page = render_html(build_sections(rows, NOW), HEADER, plotly_js=STUB_JS)
    assert hostile not in page and "<b>x</b>" not in page
    assert "<td>&lt;img src=x onerror=alert(1)&gt;</td>" in page  # the findings table
    segments = build_sections(rows, NOW)[SECTION_KEYS.index("segments")].figure
    assert segments.data[0].y == ("&lt;img src=x onerror=alert(1)&gt;",)  # plotly shows it


def test_every_model_the_report_reads_is_in_the_project_and_its_exposure():
    """The report's exposure (lineage: who reads what) names exactly what it reads."""
    models = {path.stem for path in (PROJECT_DIR / "models").rglob("*.sql")}
    assert set(MODELS_READ) <= models, set(MODELS_READ) - models
    exposures = yaml.safe_load((PROJECT_DIR / "models/marts/_marts__exposures.yml").read_text())
    (report,) = [e for e in exposures["exposures"] if e["name"] == "marts_dashboard_report"]
    refs = {re.fullmatch(r"ref\('(\w+)'\)", ref).group(1) for ref in report["depends_on"]}
    assert refs == set(MODELS_READ)


def _env(path: Path) -> dict[str, str]:
    return dict(os.environ, DBT_TARGET="dev", MAILPIPE_DUCKDB_PATH=str(path))


def test_report_command_has_help():
    result = mailpipe("report", "--help")
    assert result.returncode == 0
    assert "usage: mailpipe report" in result.stdout and "--out" in result.stdout


def test_a_warehouse_never_built_is_a_clear_error(tmp_path):
    out = tmp_path / "report.html"
    missing = tmp_path / "never.duckdb"
    result = mailpipe("report", "--out", str(out), env=_env(missing))
    assert result.returncode == 2, result.stderr
    assert "mailpipe report: error: no warehouse at" in result.stderr
    assert "mailpipe run" in result.stderr and "Traceback" not in result.stderr
    assert not missing.exists() and not out.exists()  # nothing created

    import duckdb

    duckdb.connect(str(missing)).close()  # a database with no model in it
    result = mailpipe("report", "--out", str(out), env=_env(missing))
    assert result.returncode == 2, result.stderr
    assert "cannot read" in result.stderr and "main_marts" in result.stderr
    assert "dbt build" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


# Just the columns the report reads, in the relations dbt builds them in (dev target).
TABLES = {
    "main_marts.fct_campaign_performance": (
        "first_sent_at timestamp, sent_count bigint, delivered_count bigint, "
        "opened_count bigint, clicked_count bigint, "
        "attributed_revenue_reporting_amount decimal(28, 2), reporting_currency varchar",
        "('2026-03-03 08:00:00', 100, 98, 20, 3, 150.00, 'USD')",
    ),
    "main_marts.dim_customer_scores": (
        "engagement_score decimal(18, 4), recency_score bigint, "
        "frequency_monetary_score bigint, rfm_segment varchar",
        "(0, null, null, null), (3.5, 5, 4, 'Loyal')",
    ),
    "main_marts.fct_segment_memberships": (
        "segment_name varchar, is_current boolean",
        "('champions', true), ('cart_abandoners', false)",
    ),
    "main_marts.fct_deliverability_daily": (
        "recipient_domain varchar, sent_count bigint, delivered_count bigint, "
        "hard_bounce_count bigint, soft_bounce_count bigint, complaint_count bigint",
        "('example.com', 100, 98, 1, 1, 0)",
    ),
    "main_marts.fct_dq_run_results": (
        "run_id varchar, run_started_at timestamp, command varchar, unique_id varchar, "
        "resource_type varchar, node_name varchar, status varchar, failures bigint, "
        "owner varchar",
        "('r1', '2026-03-10 06:00:00', 'build', 'test.x', 'test', 'x', 'warn', 2, 'crm'), "
        "('r2', '2026-03-10 07:00:00', 'source', 'source.a.b', 'source', 'b', 'pass', "
        "null, null)",
    ),
    "main_marts.fct_daily_metric_checks": (
        "metric_group varchar, metric_name varchar, is_outside_band boolean, "
        "is_dropped_to_zero boolean, lower_bound decimal(28, 6)",
        "('email', 'sends_count', false, false, 10)",
    ),
    "main_staging.stg_loader__load_ledger": (
        "table_name varchar, finished_at timestamp, rows_loaded bigint",
        "('b', '2026-03-10 05:00:00', 100)",
    ),
}


@pytest.mark.parametrize("filled", [False, True], ids=["empty", "one-row-each"])
def test_report_command_on_a_small_warehouse(tmp_path, filled):
    import duckdb

    path = tmp_path / "small.duckdb"
    con = duckdb.connect(str(path))
    for relation, (columns, values) in TABLES.items():
        con.execute(f"create schema if not exists {relation.split('.')[0]}")
        con.execute(f"create table {relation} ({columns})")
        if filled:
            con.execute(f"insert into {relation} values {values}")
    con.close()
    out = tmp_path / "out" / "report.html"
    result = mailpipe("report", "--out", str(out), env=_env(path))
    assert result.returncode == 0, result.stderr
    charts = len(SECTION_KEYS) if filled else 0
    summary = re.search(
        r"report: wrote (\S+) \(([\d.]+) MB, (\d+) charts, (\d+) empty sections\) "
        r"from dev \(duckdb: (\S+)\) in [\d.]+s",
        result.stdout,
    )
    assert summary, result.stdout
    assert summary.group(1) == str(out) and summary.group(5) == str(path)
    assert (int(summary.group(3)), int(summary.group(4))) == (charts, len(SECTION_KEYS) - charts)
    page = out.read_text()
    assert abs(float(summary.group(2)) - len(page.encode()) / 1e6) < 0.1
    assert page.count("Plotly.newPlot") == charts
    assert page.count('<p class="empty">') == len(SECTION_KEYS) - charts
    if not filled:
        assert result.stdout.count("  no data for: ") == len(SECTION_KEYS)
