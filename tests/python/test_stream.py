"""Real time: events posted to the collector reach the payload after one micro-batch
(`mailpipe stream --max-batches 1`), loaded but unprocessed events show in the payload at
once, the micro-batch's incremental result equals a full rebuild, and a second runner is
refused while one holds the lock."""

from __future__ import annotations

import http.client
import json
import os
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
    "last_viewed_product_id, engagement_score, email_loaded_at, tracking_loaded_at, "
    "shop_loaded_at"
)


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
                        "anonymousId": anonymous_id,
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

    # The runner's loader thread loads both files, the micro-batch runs, and it stops.
    ran = mailpipe(
        "stream", "--landing", str(landing), "--max-batches", "1", "--measure-payload", env=env
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "batch 1: 2 files, 4 rows loaded (0 quarantined)" in ran.stdout, ran.stdout
    assert "receipt to micro-batch: p50" in ran.stdout and "(4 events)" in ran.stdout, ran.stdout
    # A's delivery and click showed in the payload once loaded (B's unsubscribe is no
    # delivery, open or click: not timed)
    assert "(2 of 2 email events shown)" in ran.stdout, ran.stdout

    rows = query(
        env,
        f"select person_id, last_email_clicked_at, engagement_score, last_viewed_product_id, "
        f"last_site_visit_at from {contacts} where person_id in ('{a_id}', '{b_id}')",
    )
    assert [r[0] for r in rows] == [a_id], "B unsubscribed: left out of the payload at once"
    _, last_clicked, score, viewed, visited = rows[0]
    assert str(last_clicked).startswith(clicked_at.strftime("%Y-%m-%d %H:%M:%S"))
    assert viewed == "rt-product"
    assert str(visited).startswith(now.strftime("%Y-%m-%d %H:%M:%S"))
    # A click today is worth its full weight.
    assert float(score) == pytest.approx(float(a_score) + 3.0, abs=1e-4)

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
    rebuilt = dbt("run", "--select", "dim_person_activity", env=env)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert query(env, f"select {ACTIVITY_COLUMNS} from {activity} order by person_id") == (
        incremental
    )


def test_a_second_runner_is_refused(tmp_path, duckdb_env):
    landing = tmp_path / "landing"
    env = dict(duckdb_env, MAILPIPE_DUCKDB_PATH=str(tmp_path / "lock.duckdb"))
    with StreamLock(landing):
        ran = mailpipe("stream", "--landing", str(landing), "--once", env=env)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert "another micro-batch runner holds" in ran.stderr
    assert f"(pid {os.getpid()})" in ran.stderr
