"""Real time: events posted to the collector reach the payload after one micro-batch
(`mailpipe stream --max-batches 1`), loaded but unprocessed events show in the payload at
once, the micro-batch's incremental result equals a full rebuild, and a second runner is
refused while one holds the lock."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from scripts import collector as col
from scripts.load import load
from scripts.stream import StreamLock
from tests.python.conftest import dbt, mailpipe, query, target_for

pytestmark = pytest.mark.slow

ACTIVITY_COLUMNS = (
    "person_id, last_email_delivered_at, last_email_opened_at, last_email_clicked_at, "
    "last_email_stop_loaded_at, last_ordered_at, order_count, last_site_visit_at, "
    "last_viewed_product_id, engagement_score, recency_score, frequency_score, "
    "days_since_last_order, discount_sensitivity_score, email_loaded_at, tracking_loaded_at, "
    "shop_loaded_at"
)
# Not compared with a rebuild: population_order_gap_days and churn_risk_score. A micro-batch
# keeps the population's typical gap between orders of the last full build, which a rebuild
# moves when a new order changes a repeat buyer's gap (DECISIONLOG "Micro-batches").


@pytest.fixture
def stream_env(engine_env, tmp_path):
    suffix = uuid.uuid4().hex[:6]
    env = dict(engine_env, MAILPIPE_RAW_SCHEMA=f"{engine_env['MAILPIPE_RAW_SCHEMA']}_rt_{suffix}")
    if env["DBT_TARGET"] == "dev":
        env["MAILPIPE_DUCKDB_PATH"] = str(tmp_path / "rt.duckdb")
    else:
        env["MAILPIPE_PG_SCHEMA"] = f"{engine_env['MAILPIPE_PG_SCHEMA']}_rt_{suffix}"
    return env


def post(collector: col.Collector, path: str, body: object) -> int:
    conn = http.client.HTTPConnection(*collector.address, timeout=30)
    try:
        conn.request(
            "POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_collected_events_reach_the_payload_after_one_micro_batch(
    stream_env, small_landing, tmp_path
):
    env = stream_env
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    load(landing, target_for(env), env["MAILPIPE_RAW_SCHEMA"])
    built = dbt(
        "build",
        "--select",
        "+sync_email_platform__contacts",
        "dim_person_activity_live",
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
        env=env,
    )
    assert built.returncode == 0, built.stdout[-3000:]
    prefix = "main" if env["DBT_TARGET"] == "dev" else env["MAILPIPE_PG_SCHEMA"]
    contacts = f"{prefix}_activation.sync_email_platform__contacts"
    activity = f"{prefix}_marts.dim_person_activity"

    # A: a personalised contact with a known device; B: another contact.
    people = query(
        env,
        f"select contacts.person_id, contacts.email, contacts.engagement_score, "
        f"min(keys.identifier_node) "
        f"from {contacts} as contacts "
        f"inner join {prefix}_intermediate.int_identity_person_keys_assigned as keys "
        f"on contacts.person_id = keys.person_id "
        f"where contacts.is_personalised and keys.identifier_node like 'anonymous_id:%' "
        f"group by contacts.person_id, contacts.email, contacts.engagement_score "
        f"order by contacts.person_id limit 3",
    )
    assert len(people) == 3, people
    (a_id, a_email, a_score, a_device), (b_id, b_email, _, _), (c_id, c_email, _, _) = people
    anonymous_id = a_device.split(":", 1)[1]

    now = datetime.now(UTC).replace(microsecond=0)
    clicked_at = now - timedelta(seconds=30)
    config = col.CollectorConfig(landing, port=0, rotate_seconds=0.2, secret="s" * 32)
    with col.Collector(config) as collector:
        status = post(
            collector,
            "/webhooks/sendgrid",
            [
                {
                    "email": a_email,
                    "event": "delivered",
                    "timestamp": int(clicked_at.timestamp()) - 60,
                    "sg_event_id": "rt-deliver-a",
                    "sg_message_id": "rt-message-a.filter0001",
                },
                {
                    "email": a_email,
                    "event": "click",
                    "timestamp": int(clicked_at.timestamp()),
                    "sg_event_id": "rt-click-a",
                    "sg_message_id": "rt-message-a.filter0001",
                    "url": "https://shop.example.com/p/rt",
                    "useragent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                },
                {
                    "email": b_email,
                    "event": "unsubscribe",
                    "timestamp": int(now.timestamp()),
                    "sg_event_id": "rt-unsubscribe-b",
                    "sg_message_id": "rt-message-b.filter0001",
                },
            ],
        )
        assert status == 200
        status = post(
            collector,
            "/v1/batch",
            {
                "batch": [
                    {
                        "type": "track",
                        "event": "Product Viewed",
                        "messageId": "rt-view-a",
                        # padded, as a client may send it: staging trims it, so that the
                        # micro-batch finds the call by plain equality, as a rebuild does
                        "anonymousId": f" {anonymous_id} ",
                        "timestamp": now.isoformat().replace("+00:00", "Z"),
                        "sentAt": now.isoformat().replace("+00:00", "Z"),
                        "properties": {"product_id": "rt-product"},
                    }
                ]
            },
        )
        assert status == 200
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            list((landing / "esp_email_events").glob("*T*Z-*.jsonl"))
            and list((landing / "tracking_events").glob("*T*Z-*.jsonl"))
        ):
            time.sleep(0.1)

    typical_gap = query(env, f"select distinct population_order_gap_days from {activity}")
    assert len(typical_gap) == 1 and typical_gap[0][0] is not None, typical_gap

    # An order of A's today, landed by the shop's export (not the collector).
    ordered = now.isoformat().replace("+00:00", "Z")
    order = {
        "order_id": "rt-order-a",
        "shop_customer_id": None,
        "email": a_email,
        "created_at": ordered,
        "updated_at": ordered,
        "status": "open",
        "financial_status": "paid",
        "cancelled_at": None,
        "currency": "USD",
        "subtotal_amount": 20.0,
        "discount_amount": 0.0,
        "shipping_amount": 0.0,
        "tax_amount": 0.0,
        "total_amount": 20.0,
        "discount_codes": [],
        "source_name": "web",
        "line_items": [
            {
                "line_item_id": "L1",
                "product_id": "rt-product",
                "sku": "SKU-RT",
                "title": "Real-time product",
                "quantity": 1,
                "unit_price": 20.0,
                "discount_amount": 0.0,
            }
        ],
        "refunds": [],
        "shipping_address": {"country_code": "US", "city": "Chicago"},
    }
    (landing / "shop_orders" / "shop_orders__rt.jsonl").write_text(json.dumps(order) + "\n")

    # The runner's loader thread loads the three files, the micro-batch runs, and it stops.
    ran = mailpipe(
        "stream", "--landing", str(landing), "--max-batches", "1", "--measure-payload", env=env
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "batch 1: 3 files, 5 rows loaded (0 quarantined)" in ran.stdout, ran.stdout
    assert "receipt to micro-batch: p50" in ran.stdout and "(4 events)" in ran.stdout, ran.stdout
    # A's delivery and click showed in the payload once loaded (B's unsubscribe is no
    # delivery, open or click: not timed)
    assert "(2 of 2 email events shown)" in ran.stdout, ran.stdout

    rows = query(
        env,
        f"select person_id, last_email_clicked_at, engagement_score, last_viewed_product_id, "
        f"last_site_visit_at, last_ordered_at, churn_risk_score from {contacts} "
        f"where person_id in ('{a_id}', '{b_id}')",
    )
    assert [r[0] for r in rows] == [a_id], "B unsubscribed: left out of the payload at once"
    _, last_clicked, score, viewed, visited, last_ordered, churn = rows[0]
    assert str(last_clicked).startswith(clicked_at.strftime("%Y-%m-%d %H:%M:%S"))
    assert viewed == "rt-product"
    # staging times a call by the collector's receipt less the client's clock skew
    # (sentAt = timestamp here): the receipt, a moment after `now`, not `now` to the second
    assert (
        timedelta(0)
        <= visited.replace(tzinfo=None) - now.replace(tzinfo=None)
        < timedelta(seconds=30)
    ), visited
    assert str(last_ordered).startswith(now.strftime("%Y-%m-%d %H:%M:%S"))
    # A click and an order today are worth their full weights (3 and 10).
    assert float(score) == pytest.approx(float(a_score) + 13.0, abs=1e-4)
    # An order today: 0 days overdue, the lowest churn risk there is, 1 / (1 + e^(2 * 2)).
    assert float(churn) == pytest.approx(0.0180, abs=1e-4)

    # Zero lag: a later click of A's and an unsubscribe of C's, loaded but not yet taken
    # in by a micro-batch, are in dim_person_activity_live and the payload at once (and
    # not yet in the table).
    later = now + timedelta(seconds=5)
    unprocessed = [
        {
            "email": a_email,
            "event": "click",
            "timestamp": int(later.timestamp()),
            "sg_event_id": "rt-click-a-2",
            "sg_message_id": "rt-message-a.filter0001",
            "url": "https://shop.example.com/p/rt",
            "useragent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
        },
        {
            "email": c_email,
            "event": "unsubscribe",
            "timestamp": int(later.timestamp()),
            "sg_event_id": "rt-unsubscribe-c",
            "sg_message_id": "rt-message-c.filter0001",
        },
    ]
    (landing / "esp_email_events" / "zz_live.jsonl").write_text(
        "".join(json.dumps(event) + "\n" for event in unprocessed)
    )
    load(landing, target_for(env), env["MAILPIPE_RAW_SCHEMA"], tables=["esp_email_events"])
    live = query(
        env,
        f"select last_email_clicked_at, unprocessed_event_count "
        f"from {prefix}_marts.dim_person_activity_live where person_id = '{a_id}'",
    )
    assert [(str(t)[:19], n) for t, n in live] == [(later.strftime("%Y-%m-%d %H:%M:%S"), 1)]
    shown = query(
        env,
        f"select person_id, last_email_clicked_at from {contacts} "
        f"where person_id in ('{a_id}', '{c_id}')",
    )
    assert [(p, str(t)[:19]) for p, t in shown] == [(a_id, later.strftime("%Y-%m-%d %H:%M:%S"))], (
        "A's new click shows in the payload; C, who just unsubscribed, is left out"
    )
    table = query(env, f"select last_email_clicked_at from {activity} where person_id = '{a_id}'")
    assert str(table[0][0]).startswith(clicked_at.strftime("%Y-%m-%d %H:%M:%S"))

    # The micro-batch touched A and B only, and holds what a full rebuild computes.
    incremental = query(env, f"select {ACTIVITY_COLUMNS} from {activity} order by person_id")
    refreshed = query(
        env,
        f"select person_id from {activity} "
        f"where refreshed_at > (select min(refreshed_at) from {activity}) order by person_id",
    )
    assert [r[0] for r in refreshed] == sorted([a_id, b_id])
    assert query(env, f"select distinct population_order_gap_days from {activity}") == typical_gap
    rebuilt = dbt("run", "--select", "dim_person_activity", env=env)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert query(env, f"select {ACTIVITY_COLUMNS} from {activity} order by person_id") == (
        incremental
    )

    # On Postgres a micro-batch's model runs in a transaction that first caps its parallel
    # workers (var realtime__postgres_parallel_workers_per_gather), leaving cores to the
    # payload's readers; DuckDB and batch builds set nothing.
    for micro_batch in (True, False):
        statements = model_statements(env, "dim_person_activity", micro_batch)
        capped = "set local max_parallel_workers_per_gather = 0"
        expected = micro_batch and env["DBT_TARGET"] != "dev"
        assert (statements[0] == capped) is expected, statements[:2]
        assert capped not in statements[1:], statements
        # Postgres analyses a model's table after a batch build, not after a micro-batch's
        # few rows (an ANALYZE samples the whole table).
        analysed = any(s.lower().startswith("analyze") for s in statements)
        assert analysed is (env["DBT_TARGET"] != "dev" and not micro_batch), statements


def model_statements(env: dict[str, str], model: str, micro_batch: bool) -> list[str]:
    """The SQL statements dbt runs for one model, in order, from its debug log."""
    ran = dbt(
        "run",
        "--select",
        model,
        "--vars",
        json.dumps({"realtime__micro_batch": micro_batch}),
        "--log-format",
        "json",
        "--log-level",
        "debug",
        env=env,
    )
    assert ran.returncode == 0, ran.stdout[-3000:]
    statements = []
    for line in ran.stdout.splitlines():
        event = json.loads(line)
        node = event["data"].get("node_info") or {}
        if event["info"]["name"] == "SQLQuery" and node.get("node_name") == model:
            # without dbt's leading query comment
            statements.append(re.sub(r"^/\*.*?\*/", "", event["data"]["sql"], flags=re.S).strip())
    return statements


def test_a_second_runner_is_refused(tmp_path, duckdb_env):
    landing = tmp_path / "landing"
    env = dict(duckdb_env, MAILPIPE_DUCKDB_PATH=str(tmp_path / "lock.duckdb"))
    with StreamLock(landing):
        ran = mailpipe("stream", "--landing", str(landing), "--once", env=env)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert "another micro-batch runner holds" in ran.stderr
    assert f"(pid {os.getpid()})" in ran.stderr
