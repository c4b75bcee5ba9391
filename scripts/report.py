"""`mailpipe report`: one self-contained HTML dashboard of the marts.

Reads the marts of the active dbt target (DuckDB or Postgres) and writes one HTML file
with a chart per section: campaign performance by week, the engagement score and RFM
distributions, RFM segments, segment sizes, deliverability by recipient domain, the
data-quality results of each dbt run, the anomaly checks of the daily metrics, and source
freshness. plotly's JavaScript is inlined once, and a Content-Security-Policy in the page
forbids loading anything from elsewhere, so the file opens offline, from a mail
attachment or a file share, and shows the same thing a year later. A section whose mart is
empty says so instead of drawing an empty chart. The warehouse is only read (a read-only
connection); the queries are the aggregates of the `QUERIES` below, and no value of the
command line ever goes into SQL.
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from scripts.errors import UserError
from scripts.warehouse import (
    PROJECT_DIR,
    Target,
    add_target_argument,
    first_line,
    load_target,
    read_session,
)

log = logging.getLogger(__name__)

DEFAULT_OUT = PROJECT_DIR / "target" / "report.html"
DQ_RUNS_SHOWN = 30  # latest dbt runs in the data-quality history
DQ_FINDINGS_SHOWN = 25  # non-passing tests of the latest run listed under the chart
DOMAINS_SHOWN = 15  # recipient domains by messages sent; the rest are summed
CHART_HEIGHT = 440

# The page may run its own inline scripts and styles and nothing else: no request to any
# other origin, whatever the data or a future change puts in it.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)

STATUS_COLORS = {
    "pass": "#2e7d32",
    "success": "#2e7d32",
    "warn": "#f9a825",
    "fail": "#c62828",
    "error": "#8e0000",
    "runtime error": "#8e0000",
    "skipped": "#9e9e9e",
    "not checked": "#9e9e9e",
}


# --- what the report reads ----------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One aggregate over one or two models: `{model_name}` in the SQL stands for the
    model's relation on the target (the only thing formatted into it)."""

    key: str
    models: tuple[tuple[str, str], ...]  # (layer, model)
    sql: str


QUERIES = (
    Query(
        "campaign_weeks",
        (("marts", "fct_campaign_performance"),),
        """
        select
            cast(date_trunc('week', first_sent_at) as date) as sent_week,
            count(*) as campaign_variant_count,
            sum(sent_count) as sent_count,
            sum(delivered_count) as delivered_count,
            sum(opened_count) as opened_count,
            sum(clicked_count) as clicked_count,
            sum(attributed_revenue_reporting_amount) as attributed_revenue_amount,
            max(reporting_currency) as reporting_currency
        from {fct_campaign_performance}
        where first_sent_at is not null
        group by 1
        order by 1
        """,
    ),
    # bin_index i is the band ENGAGEMENT_BINS[i]
    Query(
        "engagement_bins",
        (("marts", "dim_customer_scores"),),
        """
        select
            case
                when engagement_score <= 0 then 0
                when engagement_score < 1 then 1
                when engagement_score < 2 then 2
                when engagement_score < 5 then 3
                when engagement_score < 10 then 4
                when engagement_score < 20 then 5
                when engagement_score < 50 then 6
                else 7
            end as bin_index,
            count(*) as person_count
        from {dim_customer_scores}
        group by 1
        order by 1
        """,
    ),
    Query(
        "rfm_cells",
        (("marts", "dim_customer_scores"),),
        """
        select
            recency_score,
            frequency_monetary_score,
            rfm_segment,
            count(*) as person_count
        from {dim_customer_scores}
        group by 1, 2, 3
        order by 1, 2
        """,
    ),
    Query(
        "segment_sizes",
        (("marts", "fct_segment_memberships"),),
        """
        select
            segment_name,
            count(*) as person_count
        from {fct_segment_memberships}
        where is_current
        group by 1
        order by 2 desc, 1
        """,
    ),
    Query(
        "domains",
        (("marts", "fct_deliverability_daily"),),
        """
        select
            recipient_domain,
            sum(sent_count) as sent_count,
            sum(delivered_count) as delivered_count,
            sum(hard_bounce_count) as hard_bounce_count,
            sum(soft_bounce_count) as soft_bounce_count,
            sum(complaint_count) as complaint_count
        from {fct_deliverability_daily}
        group by 1
        order by 2 desc, 1
        """,
    ),
    Query(
        "dq_runs",
        (("marts", "fct_dq_run_results"),),
        """
        select
            run_id,
            run_started_at,
            command,
            status,
            count(*) as result_count
        from {fct_dq_run_results}
        where resource_type in ('test', 'unit_test')
        group by 1, 2, 3, 4
        order by 2, 1
        """,
    ),
    Query(
        "dq_latest_findings",
        (("marts", "fct_dq_run_results"),),
        """
        select
            node_name,
            resource_type,
            status,
            failures,
            owner
        from {fct_dq_run_results}
        where
            resource_type in ('test', 'unit_test')
            and status not in ('pass', 'success')
            and run_started_at = (
                select max(run_started_at)
                from {fct_dq_run_results}
                where resource_type in ('test', 'unit_test')
            )
        order by 3, 1
        """,
    ),
    Query(
        "metric_checks",
        (("marts", "fct_daily_metric_checks"),),
        """
        select
            metric_group,
            metric_name,
            sum(case when is_dropped_to_zero then 1 else 0 end) as dropped_to_zero_count,
            sum(
                case when is_outside_band and not coalesce(is_dropped_to_zero, false)
                    then 1 else 0 end
            ) as outside_band_count,
            sum(
                case when not is_outside_band and not coalesce(is_dropped_to_zero, false)
                    and lower_bound is not null then 1 else 0 end
            ) as within_band_count,
            sum(
                case when not is_outside_band and not coalesce(is_dropped_to_zero, false)
                    and lower_bound is null then 1 else 0 end
            ) as not_compared_count
        from {fct_daily_metric_checks}
        group by 1, 2
        order by 1, 2
        """,
    ),
    Query(
        "loads",
        (("staging", "stg_loader__load_ledger"),),
        """
        select
            table_name,
            max(finished_at) as last_loaded_at,
            count(*) as file_count,
            sum(rows_loaded) as rows_loaded
        from {stg_loader__load_ledger}
        group by 1
        order by 1
        """,
    ),
    Query(
        "freshness_checks",
        (("marts", "fct_dq_run_results"),),
        """
        with

        latest_checks as (
            select
                unique_id,
                max(run_started_at) as run_started_at
            from {fct_dq_run_results}
            where resource_type = 'source'
            group by 1
        )

        select
            fct_dq_run_results.node_name,
            fct_dq_run_results.status,
            fct_dq_run_results.run_started_at
        from {fct_dq_run_results} as fct_dq_run_results
        inner join latest_checks
            on
                fct_dq_run_results.unique_id = latest_checks.unique_id
                and fct_dq_run_results.run_started_at = latest_checks.run_started_at
        order by 1
        """,
    ),
)

MODELS_READ = tuple(sorted({model for query in QUERIES for _, model in query.models}))


def _to_python(value: Any) -> Any:
    """Numbers as int or float (Postgres returns sums as Decimal), the rest as is."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def read_marts(target: Target) -> dict[str, list[dict[str, Any]]]:
    """The rows of every query in `QUERIES` on the target's warehouse, read on one
    read-only session. A warehouse that was never built is a UserError."""
    data: dict[str, list[dict[str, Any]]] = {}
    with read_session(target) as session:
        for query in QUERIES:
            relations = {
                model: target.model_relation(layer, model) for layer, model in query.models
            }
            try:
                columns, rows = session.fetch(query.sql.format(**relations))
            except Exception as exc:  # no such schema or table: the build has not run
                raise UserError(
                    f"cannot read {', '.join(relations.values())} on {target.describe()} "
                    f"(run `mailpipe run` or `dbt build` first): {first_line(exc)}"
                ) from None
            data[query.key] = [
                {name: _to_python(value) for name, value in zip(columns, row, strict=True)}
                for row in rows
            ]
            log.info("report: read %s (%d rows)", query.key, len(rows))
    return data


# --- what the report shows ----------------------------------------------------------


@dataclass
class Section:
    """One part of the page: a title, a sentence on what it shows, and a chart, or the
    reason there is none."""

    key: str
    title: str
    intro: str
    figure: Any = None  # plotly Figure
    empty_message: str | None = None
    extra_html: str = ""  # a small table under the chart, already escaped


@dataclass(frozen=True)
class Header:
    warehouse: str  # Target.describe(): no secret
    generated_at: datetime
    latest_tested_run: datetime | None = None


Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class SectionText:
    title: str
    intro: str
    empty_message: str  # instead of the chart when there are no rows; `{name}`: a detail


RFM_EMPTY_MESSAGE = (
    "No customer has an RFM score yet: dim_customer_scores holds no one with an order "
    "({unscored:,} people without one)."
)

# The sections in page order; each one's chart is the div `chart-<key>`.
SECTION_TEXTS = {
    "campaigns": SectionText(
        "Campaign performance over time",
        "Messages of each campaign variant, by the week (Monday, UTC) of the variant's "
        "first send: sent, opened and clicked by a human (bars), and the open and "
        "click-through rates over delivered messages (lines). Source: "
        "fct_campaign_performance.",
        "No campaign has sent a message yet: fct_campaign_performance is empty.",
    ),
    "engagement": SectionText(
        "Engagement score distribution",
        "People by engagement score: human opens, clicks and orders, each weighted and "
        "halved every half-life (scoring__ vars). Machine opens and bot clicks do not "
        "count. Source: dim_customer_scores.",
        "No person is scored yet: dim_customer_scores is empty.",
    ),
    "rfm": SectionText(
        "RFM distribution",
        "Customers by RFM recency score and frequency-monetary score (1-5 on the "
        "scoring__rfm_ bounds; 5 is the most recent, frequent, valuable); the hover "
        "names the RFM segment of each cell. Source: dim_customer_scores.",
        RFM_EMPTY_MESSAGE,
    ),
    "rfm_segments": SectionText(
        "RFM segments",
        "Customers in each named RFM segment (rfm_segments seed). Source: dim_customer_scores.",
        RFM_EMPTY_MESSAGE,
    ),
    "segments": SectionText(
        "Segment sizes",
        "Current members of each marketing segment (segments__definitions); a person can "
        "be in several. Segments without a member are not shown. Source: "
        "fct_segment_memberships.",
        "No segment has a member: fct_segment_memberships holds no current membership.",
    ),
    "deliverability": SectionText(
        "Deliverability by recipient domain",
        f"Bounce rate (hard and soft bounces over messages sent) and spam complaint rate "
        f"(over delivered) of the {DOMAINS_SHOWN} recipient domains with the most messages "
        "sent, over all time; the other domains are summed. Source: fct_deliverability_daily.",
        "No message has been sent: fct_deliverability_daily is empty.",
    ),
    "data_quality": SectionText(
        "Data-quality history",
        f"Data tests and unit tests of each dbt run by status (the latest {DQ_RUNS_SHOWN} "
        "runs that ran tests), from the results history the on-run-end hook appends. "
        "Source: fct_dq_run_results.",
        "No dbt run with tests is recorded yet: fct_dq_run_results holds no test result.",
    ),
    "metric_checks": SectionText(
        "Daily metric anomaly checks",
        "Each daily metric's latest tested days against the band of its trailing baseline "
        "(monitoring__ vars), as the monitoring tests see them: within, outside, dropped "
        "to zero after active days, or not compared. Source: fct_daily_metric_checks.",
        "No metric has been checked yet: fct_daily_metric_checks is empty.",
    ),
    "freshness": SectionText(
        "Source freshness",
        "Hours from each raw table's latest committed load (the loader's ledger, as of the "
        "latest build) to the time of this report, coloured by the table's latest "
        "`dbt source freshness` status. Sources: stg_loader__load_ledger, fct_dq_run_results.",
        "Nothing has been loaded: the loader's ledger (stg_loader__load_ledger) is empty.",
    ),
}
SECTION_KEYS = tuple(SECTION_TEXTS)


def _section(
    key: str, rows: Rows, chart: Callable[[Section, Rows], None], **details: Any
) -> Section:
    """The section `key` with its title and intro (SECTION_TEXTS): `chart` puts the chart
    of `rows` in it, or, with no rows, it gets its empty message (`details` fill in its
    fields) instead."""
    text = SECTION_TEXTS[key]
    section = Section(key, text.title, text.intro)
    if rows:
        chart(section, rows)
    else:
        section.empty_message = text.empty_message.format(**details)
    return section


def _label(value: Any) -> str:
    """A value from the data as a plotly label: plotly reads a few HTML tags in text
    (<b>, <a href>, <br>), so markup in a name is shown, never interpreted."""
    text = "(none)" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rate(numerator: float | None, denominator: float | None) -> float | None:
    """A percentage, or None when the denominator is zero."""
    if not denominator:
        return None
    return 100.0 * (numerator or 0) / denominator


def _layout(fig: Any, title: str, x_title: str, y_title: str, **more: Any) -> Any:
    """Title, axis titles and the house look; `more` adds to or overrides the layout."""
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0.01, "xanchor": "left"},
        "template": "plotly_white",
        "height": CHART_HEIGHT,
        "margin": {"l": 70, "r": 30, "t": 70, "b": 70},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        **more,
    }
    fig.update_layout(**layout)
    fig.update_layout(xaxis_title=x_title, yaxis_title=y_title)
    return fig


def campaign_chart(section: Section, rows: Rows) -> None:
    import plotly.graph_objects as go

    weeks = [row["sent_week"] for row in rows]
    fig = go.Figure()
    for column, name, color in (
        ("sent_count", "Sent", "#90a4ae"),
        ("opened_count", "Opened (human)", "#1e88e5"),
        ("clicked_count", "Clicked (human)", "#43a047"),
    ):
        fig.add_bar(x=weeks, y=[row[column] or 0 for row in rows], name=name, marker_color=color)
    currency = next((row["reporting_currency"] for row in rows if row["reporting_currency"]), "")
    for numerator, name, color in (
        ("opened_count", "Open rate (%)", "#0d47a1"),
        ("clicked_count", "Click-through rate (%)", "#1b5e20"),
    ):
        fig.add_scatter(
            x=weeks,
            y=[_rate(row[numerator], row["delivered_count"]) for row in rows],
            name=name,
            mode="lines+markers",
            line={"color": color},
            yaxis="y2",
            customdata=[
                [row["campaign_variant_count"], row["attributed_revenue_amount"] or 0]
                for row in rows
            ],
            hovertemplate="%{y:.2f} %<br>%{customdata[0]} campaign variants<br>"
            f"attributed revenue %{{customdata[1]:,.2f}} {_label(currency)}<extra></extra>",
        )
    section.figure = _layout(
        fig,
        "Campaign performance by week of first send",
        "Week of the campaign variant's first send (UTC)",
        "Messages",
        barmode="group",
        yaxis2={
            "title": "Rate (% of delivered)",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
        },
    )


ENGAGEMENT_BINS = ("0 (none)", "0-1", "1-2", "2-5", "5-10", "10-20", "20-50", "50 and more")


def engagement_chart(section: Section, rows: Rows) -> None:
    import plotly.graph_objects as go

    counts = {row["bin_index"]: row["person_count"] for row in rows}
    fig = go.Figure(
        go.Bar(
            x=list(ENGAGEMENT_BINS),
            y=[counts.get(index, 0) for index in range(len(ENGAGEMENT_BINS))],
            marker_color="#5e35b1",
            hovertemplate="score %{x}: %{y:,} people<extra></extra>",
        )
    )
    section.figure = _layout(
        fig,
        "Engagement score distribution",
        "Engagement score (decayed points)",
        "People",
    )


def rfm_sections(rows: Rows) -> list[Section]:
    """The RFM grid (recency by frequency-monetary score) and the named RFM segments, of
    the customers with an RFM score."""
    scored = [row for row in rows if row["recency_score"] is not None]
    unscored = sum(row["person_count"] for row in rows if row["recency_score"] is None)
    sections = [
        _section("rfm", scored, rfm_grid_chart, unscored=unscored),
        _section("rfm_segments", scored, rfm_segments_chart, unscored=unscored),
    ]
    if scored:
        for section in sections:
            section.intro += (
                f" {unscored:,} people without an order have no RFM score and are not shown."
            )
    return sections


def rfm_grid_chart(section: Section, scored: Rows) -> None:
    import plotly.graph_objects as go

    scores = [1, 2, 3, 4, 5]
    counts = {(row["recency_score"], row["frequency_monetary_score"]): row for row in scored}
    z = [[(counts.get((r, fm)) or {}).get("person_count", 0) for fm in scores] for r in scores]
    names = [
        [_label((counts.get((r, fm)) or {}).get("rfm_segment", "")) for fm in scores]
        for r in scores
    ]
    fig = go.Figure(
        go.Heatmap(
            x=scores,
            y=scores,
            z=z,
            text=z,
            texttemplate="%{text:,}",
            customdata=names,
            colorscale="Blues",
            colorbar={"title": {"text": "Customers"}},
            hovertemplate="recency %{y}, frequency-monetary %{x}: %{z:,} customers"
            "<br>%{customdata}<extra></extra>",
        )
    )
    section.figure = _layout(
        fig,
        "RFM grid: customers by recency and frequency-monetary score",
        "Frequency-monetary score (1-5)",
        "Recency score (1-5)",
        xaxis={"dtick": 1},
        yaxis={"dtick": 1},
    )


def rfm_segments_chart(section: Section, scored: Rows) -> None:
    import plotly.graph_objects as go

    by_segment: dict[str, int] = {}
    for row in scored:
        name = row["rfm_segment"] or "(unnamed)"
        by_segment[name] = by_segment.get(name, 0) + row["person_count"]
    ordered = sorted(by_segment.items(), key=lambda item: (item[1], item[0]))
    fig = go.Figure(
        go.Bar(
            x=[count for _, count in ordered],
            y=[_label(name) for name, _ in ordered],
            orientation="h",
            marker_color="#00897b",
            hovertemplate="%{y}: %{x:,} customers<extra></extra>",
        )
    )
    section.figure = _layout(fig, "Customers per RFM segment", "Customers", "RFM segment")


def segment_chart(section: Section, rows: Rows) -> None:
    import plotly.graph_objects as go

    ordered = sorted(rows, key=lambda row: (row["person_count"], row["segment_name"]))
    fig = go.Figure(
        go.Bar(
            x=[row["person_count"] for row in ordered],
            y=[_label(row["segment_name"]) for row in ordered],
            orientation="h",
            marker_color="#fb8c00",
            hovertemplate="%{y}: %{x:,} people<extra></extra>",
        )
    )
    section.figure = _layout(fig, "Segment sizes (current members)", "People", "Segment")


def deliverability_chart(section: Section, rows: Rows) -> None:
    import plotly.graph_objects as go

    rows = sorted(rows, key=lambda row: (-row["sent_count"], row["recipient_domain"]))
    shown, rest = rows[:DOMAINS_SHOWN], rows[DOMAINS_SHOWN:]
    labelled = [(_label(row["recipient_domain"]), row) for row in shown]
    if rest:
        summed = {
            column: sum(row[column] or 0 for row in rest)
            for column in (
                "sent_count",
                "delivered_count",
                "hard_bounce_count",
                "soft_bounce_count",
                "complaint_count",
            )
        }
        labelled.append((f"({len(rest)} more domains)", summed))
    labelled.reverse()  # the largest on top
    names = [f"{name} ({row['sent_count']:,} sent)" for name, row in labelled]
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=[
            _rate(
                (row["hard_bounce_count"] or 0) + (row["soft_bounce_count"] or 0), row["sent_count"]
            )
            for _, row in labelled
        ],
        name="Bounce rate (% of sent)",
        orientation="h",
        marker_color="#e53935",
        hovertemplate="%{y}<br>bounce rate %{x:.2f} %<extra></extra>",
    )
    fig.add_bar(
        y=names,
        x=[_rate(row["complaint_count"], row["delivered_count"]) for _, row in labelled],
        name="Complaint rate (% of delivered)",
        orientation="h",
        marker_color="#6d4c41",
        hovertemplate="%{y}<br>complaint rate %{x:.3f} %<extra></extra>",
    )
    section.figure = _layout(
        fig,
        "Bounce and complaint rates by recipient domain",
        "Rate (%)",
        "Recipient domain (messages sent)",
        barmode="group",
        height=max(CHART_HEIGHT, 34 * len(labelled) + 140),
        margin={"l": 260, "r": 30, "t": 70, "b": 70},
    )


def _run_labels(runs: list[tuple[str, datetime, str]]) -> list[str]:
    """One distinct axis label per run: its start time and command."""
    labels: list[str] = []
    for _, started, command in runs:
        label = f"{started:%Y-%m-%d %H:%M:%S} {command or ''}".strip()
        while label in labels:
            label += "'"
        labels.append(label)
    return labels


def dq_chart(section: Section, rows: Rows, findings: Rows) -> None:
    """The tests of each run by status, and a table of the latest run's findings."""
    import plotly.graph_objects as go

    runs = sorted(
        {(row["run_id"], row["run_started_at"], row["command"]) for row in rows},
        key=lambda run: (run[1], run[0]),
    )
    runs = runs[-DQ_RUNS_SHOWN:]
    labels = dict(zip((run[0] for run in runs), _run_labels(runs), strict=True))
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        if row["run_id"] in labels:
            counts.setdefault(row["status"], {})[row["run_id"]] = row["result_count"]
    fig = go.Figure()
    order = [s for s in STATUS_COLORS if s in counts] + sorted(set(counts) - set(STATUS_COLORS))
    for status in order:
        fig.add_bar(
            x=list(labels.values()),
            y=[counts[status].get(run_id, 0) for run_id in labels],
            name=_label(status),
            marker_color=STATUS_COLORS.get(status, "#7b1fa2"),
            hovertemplate=f"%{{x}}<br>{_label(status)}: %{{y:,}}<extra></extra>",
        )
    section.figure = _layout(
        fig,
        "Data-quality tests per dbt run",
        "dbt run (start time UTC, command)",
        "Tests and unit tests",
        barmode="stack",
        xaxis={"type": "category"},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "xanchor": "right",
            "x": 1,
            "traceorder": "normal",
        },
    )
    if findings:
        shown = findings[:DQ_FINDINGS_SHOWN]
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape('' if row[column] is None else str(row[column]))}</td>"
                for column in ("status", "node_name", "resource_type", "failures", "owner")
            )
            + "</tr>"
            for row in shown
        )
        more = len(findings) - len(shown)
        section.extra_html = (
            f"<p>Not passing in the latest run with tests ({len(findings)}"
            f"{f', {more} not listed' if more else ''}):</p>"
            "<table><thead><tr><th>Status</th><th>Test</th><th>Kind</th><th>Failing rows</th>"
            f"<th>Owner</th></tr></thead><tbody>{body}</tbody></table>"
        )
    else:
        section.extra_html = "<p>Every test of the latest run with tests passed.</p>"


CHECK_OUTCOMES = (
    ("within_band_count", "Within band", "#2e7d32"),
    ("outside_band_count", "Outside band", "#c62828"),
    ("dropped_to_zero_count", "Dropped to zero", "#8e0000"),
    ("not_compared_count", "Not compared (no baseline yet)", "#9e9e9e"),
)


def metric_checks_chart(section: Section, rows: Rows) -> None:
    import plotly.graph_objects as go

    ordered = sorted(
        rows, key=lambda row: (row["metric_group"] or "", row["metric_name"]), reverse=True
    )
    names = [f"{_label(row['metric_name'])} ({_label(row['metric_group'])})" for row in ordered]
    fig = go.Figure()
    for column, name, color in CHECK_OUTCOMES:
        fig.add_bar(
            y=names,
            x=[row[column] or 0 for row in ordered],
            name=name,
            orientation="h",
            marker_color=color,
            hovertemplate=f"%{{y}}<br>{name}: %{{x}} days<extra></extra>",
        )
    section.figure = _layout(
        fig,
        "Anomaly checks of each metric's latest days",
        "Days tested",
        "Metric (group)",
        barmode="stack",
        xaxis={"dtick": 1, "tickformat": "d"},
        height=max(CHART_HEIGHT, 22 * len(ordered) + 140),
        margin={"l": 300, "r": 30, "t": 70, "b": 70},
    )


def _hours_since(moment: datetime | None, now: datetime) -> float | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (now.replace(tzinfo=None) - moment).total_seconds() / 3600


def freshness_chart(section: Section, loads: Rows, checks: Rows, now: datetime) -> None:
    """Hours since each raw table's latest load, coloured by its latest freshness status."""
    import plotly.graph_objects as go

    status_of = {row["node_name"]: row["status"] for row in checks}
    if not checks:
        section.intro += " No `dbt source freshness` has run on this target yet."
    ordered = sorted(loads, key=lambda row: row["table_name"], reverse=True)
    fig = go.Figure()
    statuses = [status_of.get(row["table_name"], "not checked") for row in ordered]
    for status in dict.fromkeys(s for s in (*STATUS_COLORS, *statuses) if s in statuses):
        chosen = [row for row, s in zip(ordered, statuses, strict=True) if s == status]
        fig.add_bar(
            y=[_label(row["table_name"]) for row in chosen],
            x=[_hours_since(row["last_loaded_at"], now) for row in chosen],
            customdata=[
                [
                    f"{row['last_loaded_at']:%Y-%m-%d %H:%M:%S}" if row["last_loaded_at"] else "-",
                    row["file_count"],
                    row["rows_loaded"] or 0,
                ]
                for row in chosen
            ],
            name=f"freshness: {_label(status)}",
            orientation="h",
            marker_color=STATUS_COLORS.get(status, "#7b1fa2"),
            hovertemplate="%{y}: %{x:.1f} hours<br>latest load %{customdata[0]} UTC"
            "<br>%{customdata[1]:,} files, %{customdata[2]:,} rows<extra></extra>",
        )
    section.figure = _layout(
        fig,
        "Hours since each raw table's latest load",
        "Hours since the latest committed load (at report time)",
        "Raw table",
        barmode="overlay",
        yaxis={
            "categoryorder": "array",
            "categoryarray": [_label(r["table_name"]) for r in ordered],
        },
        height=max(CHART_HEIGHT, 26 * len(ordered) + 140),
        margin={"l": 200, "r": 30, "t": 70, "b": 70},
    )


def build_sections(data: dict[str, Rows], now: datetime) -> list[Section]:
    """Every section of the report (SECTION_KEYS), from the rows `read_marts` returns (a
    missing key is an empty mart): each section charts the rows given here, or says that
    there are none."""

    def rows(key: str) -> Rows:
        return data.get(key) or []

    findings, checks = rows("dq_latest_findings"), rows("freshness_checks")
    return [
        _section("campaigns", rows("campaign_weeks"), campaign_chart),
        _section(
            "engagement",
            [row for row in rows("engagement_bins") if row["person_count"]],
            engagement_chart,
        ),
        *rfm_sections(rows("rfm_cells")),
        _section("segments", rows("segment_sizes"), segment_chart),
        _section(
            "deliverability",
            [row for row in rows("domains") if row["sent_count"]],
            deliverability_chart,
        ),
        _section(
            "data_quality",
            rows("dq_runs"),
            lambda section, runs: dq_chart(section, runs, findings),
        ),
        _section("metric_checks", rows("metric_checks"), metric_checks_chart),
        _section(
            "freshness",
            rows("loads"),
            lambda section, loads: freshness_chart(section, loads, checks, now),
        ),
    ]


# --- the page -----------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0;
       color: #212121; background: #fafafa; }
header { background: #263238; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 6px; font-size: 1.5rem; }
header p { margin: 2px 0; color: #cfd8dc; }
nav { padding: 10px 32px; background: #eceff1; }
nav a { margin-right: 14px; color: #37474f; }
main { padding: 8px 32px 32px; }
section { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; margin: 18px 0;
          padding: 14px 18px; }
section h2 { margin: 0 0 6px; font-size: 1.2rem; }
section p.intro { color: #546e7a; margin: 0 0 8px; }
p.empty { padding: 28px; text-align: center; background: #fff8e1; border-radius: 4px; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #e0e0e0; padding: 3px 10px; text-align: left; }
"""


def render_html(sections: list[Section], header: Header, plotly_js: str | None = None) -> str:
    """The whole page: plotly's JavaScript inline (once), then each section's chart or
    its message. `plotly_js` replaces the bundled plotly.js (tests)."""
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs() if plotly_js is None else plotly_js
    built = (
        f"{header.latest_tested_run:%Y-%m-%d %H:%M:%S} UTC"
        if header.latest_tested_run
        else "no dbt run with tests recorded"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Email personalization: marts report</title>",
        f"<style>{STYLE}</style>",
        f'<script type="text/javascript">{js}</script>',
        "</head><body>",
        "<header><h1>Email personalization: marts report</h1>",
        f"<p>Warehouse: {html.escape(header.warehouse)}</p>",
        f"<p>Generated: {header.generated_at:%Y-%m-%d %H:%M:%S} UTC</p>",
        f"<p>Latest dbt run with tests: {built}</p></header>",
        "<nav>"
        + "".join(f'<a href="#{s.key}">{html.escape(s.title)}</a>' for s in sections)
        + "</nav><main>",
    ]
    for section in sections:
        parts.append(
            f'<section id="{section.key}"><h2>{html.escape(section.title)}</h2>'
            f'<p class="intro">{html.escape(section.intro)}</p>'
        )
        if section.figure is not None:
            parts.append(
                pio.to_html(
                    section.figure,
                    full_html=False,
                    include_plotlyjs=False,
                    include_mathjax=False,
                    div_id=f"chart-{section.key}",
                    default_height=f"{section.figure.layout.height or CHART_HEIGHT}px",
                    config={"displaylogo": False, "responsive": True},
                )
            )
        else:
            parts.append(f'<p class="empty">{html.escape(section.empty_message or "No data.")}</p>')
        parts.append(f"{section.extra_html}</section>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


# --- the command --------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSummary:
    path: Path
    size_bytes: int
    chart_count: int
    empty_sections: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one step, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(
    target: Target,
    out: Path,
    now: Callable[[], datetime] = lambda: datetime.now(UTC).replace(tzinfo=None),
) -> ReportSummary:
    """Read the marts of `target` and write the report to `out`."""
    started = time.monotonic()
    data = read_marts(target)
    generated_at = now().replace(microsecond=0)
    sections = build_sections(data, generated_at)
    tested = [row["run_started_at"] for row in data.get("dq_runs", []) if row["run_started_at"]]
    header = Header(target.describe(), generated_at, max(tested) if tested else None)
    page = render_html(sections, header)
    _write_atomically(out, page)
    return ReportSummary(
        path=out,
        size_bytes=out.stat().st_size,
        chart_count=sum(1 for s in sections if s.figure is not None),
        empty_sections=[s.title for s in sections if s.figure is None],
        seconds=time.monotonic() - started,
    )


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="write a self-contained HTML dashboard of the marts (charts inline, offline)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_argument(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="HTML file to write (default: target/report.html in the project)",
    )
    parser.set_defaults(func=_cli)


def _size(size_bytes: int) -> str:
    return f"{size_bytes / 1_000_000:.1f} MB" if size_bytes >= 100_000 else f"{size_bytes:,} bytes"


def _cli(args: argparse.Namespace) -> int:
    target = load_target(args.target)
    out = args.out if args.out.is_absolute() else Path.cwd() / args.out
    if out.exists() and out.is_dir():
        raise UserError(f"--out {out} is a folder; give a file name such as {out / 'report.html'}")
    summary = write_report(target, out)
    for title in summary.empty_sections:
        print(f"  no data for: {title}")
    print(
        f"report: wrote {summary.path} ({_size(summary.size_bytes)}, {summary.chart_count} "
        f"charts, {len(summary.empty_sections)} empty sections) from {target.describe()} "
        f"in {summary.seconds:.1f}s"
    )
    return 0
