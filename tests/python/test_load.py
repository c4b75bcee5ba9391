"""The loader on hand-made files: one test per rule, on DuckDB and on Postgres."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scripts.load import erasure, load, reconciliation_table
from scripts.load import loader as loader_module
from scripts.privacy import Warehouse
from tests.python.conftest import query, target_for

GOOD_EVENT = {
    "email": "Ana@Example.com ",
    "timestamp": 1772390000,
    "event": "open",
    "sg_event_id": "e1",
    "sg_message_id": "m1",
    "category": ["promo"],
    "sg_machine_open": False,
}


def event(**changes) -> str:
    record = {**GOOD_EVENT, **changes}
    return json.dumps({k: v for k, v in record.items() if v is not ...})


def write(landing: Path, table: str, name: str, text: str) -> Path:
    path = landing / table / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def schema(engine_env, request) -> str:
    """A raw schema of the test's own, so tests do not see each other's rows."""
    name = engine_env["MAILPIPE_RAW_SCHEMA"] + "_" + request.node.name.split("[")[0][-20:]
    return name.lower()


def quarantine(env, schema: str) -> list[tuple]:
    return query(
        env,
        f"select _line_number, reason, detail from {schema}.load_quarantine "
        "order by _source_file, _line_number",
    )


def test_each_reason_is_quarantined_with_its_line(tmp_path, engine_env, schema):
    lines = [
        event(sg_event_id="ok1"),
        event(sg_event_id="ok2")[:-5],  # truncated
        event(sg_event_id=...),  # missing key
        event(sg_event_id="t", timestamp="soon"),
        event(sg_event_id="w", sg_machine_open="maybe"),
        event(sg_event_id="u", event="opened"),
        event(sg_event_id="i", email="ana(at)example"),
        "[1, 2]",  # JSON, but not an object
        "",
        event(sg_event_id="ok3", category="promo"),
    ]
    write(tmp_path, "esp_email_events", "a.jsonl", "\n".join(lines) + "\n")
    summary = load(tmp_path, target_for(engine_env), schema)
    (result,) = summary.files
    assert (result.lines, result.loaded, result.quarantined, result.blank) == (10, 2, 7, 1)
    assert quarantine(engine_env, schema) == [
        (2, "malformed", "not a JSON object"),
        (3, "missing_key", "sg_event_id"),
        (4, "bad_timestamp", "timestamp"),
        (5, "wrong_type", "sg_machine_open"),
        (6, "unknown_value", "event"),
        (7, "invalid_email", "email"),
        (8, "malformed", "not a JSON object"),
    ]
    rows = query(
        engine_env,
        f"select sg_event_id, email, _line_number from {schema}.esp_email_events order by 3",
    )
    assert rows == [("ok1", "Ana@Example.com ", 1), ("ok3", "Ana@Example.com ", 10)]


def test_first_reason_wins(tmp_path, engine_env, schema):
    # Missing key, bad timestamp and invalid email at once: missing_key is reported.
    write(
        tmp_path,
        "esp_email_events",
        "a.jsonl",
        event(sg_event_id=None, timestamp="x", email="nope") + "\n",
    )
    load(tmp_path, target_for(engine_env), schema)
    assert quarantine(engine_env, schema) == [(1, "missing_key", "sg_event_id")]


def test_same_content_is_loaded_once_whatever_its_name(tmp_path, engine_env, schema):
    text = event() + "\n" + event(sg_event_id="e2") + "\n"
    write(tmp_path, "esp_email_events", "a.jsonl", text)
    target = target_for(engine_env)
    first = load(tmp_path, target, schema)
    write(tmp_path, "esp_email_events", "b-copy.jsonl", text)
    second = load(tmp_path, target, schema)
    assert [f.status for f in first.files] == ["loaded"]
    assert sorted(f.status for f in second.files) == ["skipped", "skipped"]
    assert query(engine_env, f"select count(*) from {schema}.esp_email_events") == [(2,)]
    ledger = query(engine_env, f"select source_file, lines_read from {schema}.load_ledger")
    assert ledger == [("esp_email_events/a.jsonl", 2)]


def test_unknown_keys_are_kept_and_crlf_and_last_line_without_newline(tmp_path, engine_env, schema):
    text = event(tls=1) + "\r\n" + event(sg_event_id="e2")
    write(tmp_path, "esp_email_events", "a.jsonl", text)
    (result,) = load(tmp_path, target_for(engine_env), schema).files
    assert (result.lines, result.loaded) == (2, 2)
    rows = query(
        engine_env,
        f"select sg_event_id, cast(_extra as varchar) from {schema}.esp_email_events order by 1",
    )
    assert rows[1] == ("e2", None)
    assert json.loads(rows[0][1]) == {"tls": 1}


def test_csv_records_that_do_not_match_the_header(tmp_path, engine_env, schema):
    text = (
        "product_id,sku,title,category,brand,price,currency,created_at,is_active,colour\n"
        'P1,S1,"Shoe, red",Shoes,Norda,10.5,EUR,2026-01-01T00:00:00Z,true,red\n'
        "P2,S2\n"
        "P3,S3,t,c,b,-3,EUR,,false,\n"
        "P4,S4,t,c,b,abc,EUR,,true,\n"
        "P5,S5,t,c,b,1,EUR,,true,blue\n"
    )
    write(tmp_path, "shop_products", "p.csv", text)
    (result,) = load(tmp_path, target_for(engine_env), schema).files
    assert (result.lines, result.loaded, result.quarantined) == (5, 2, 3)
    assert quarantine(engine_env, schema) == [
        (3, "malformed", "CSV record does not match the header"),
        (4, "negative_amount", "price"),
        (5, "wrong_type", "price"),
    ]
    rows = query(
        engine_env,
        f"select product_id, title, price, _line_number, cast(_extra as varchar) "
        f"from {schema}.shop_products order by 1",
    )
    assert [r[:4] for r in rows] == [("P1", "Shoe, red", 10.5, 2), ("P5", "t", 1.0, 6)]
    assert json.loads(rows[1][4]) == {"colour": "blue"}


def test_a_file_that_does_not_reconcile_is_rolled_back(tmp_path, engine_env, schema, monkeypatch):
    write(tmp_path, "esp_email_events", "a.jsonl", event() + "\n")

    def lose_a_line(path):
        facts = real_facts(path)  # pretend the file had a line the reader did not see
        return loader_module.FileFacts(
            facts.sha256, facts.size, facts.lines + 1, facts.needs_exact_reader
        )

    real_facts = loader_module.file_facts
    monkeypatch.setattr(loader_module, "file_facts", lose_a_line)
    summary = load(tmp_path, target_for(engine_env), schema)
    assert [f.status for f in summary.files] == ["failed"]
    assert "ReconciliationError" in summary.files[0].error
    assert query(engine_env, f"select count(*) from {schema}.esp_email_events") == [(0,)]
    assert query(engine_env, f"select count(*) from {schema}.load_ledger") == [(0,)]
    monkeypatch.setattr(loader_module, "file_facts", real_facts)
    assert [f.status for f in load(tmp_path, target_for(engine_env), schema).files] == ["loaded"]


def test_crm_conditional_keys(tmp_path, engine_env, schema):
    def change(op, before, after, lsn):
        return json.dumps(
            {
                "before": before,
                "after": after,
                "op": op,
                "ts_ms": 1762074843000,
                "source": {"lsn": lsn},
            }
        )

    lines = [
        change("c", None, {"customer_id": "C1", "email": "a@b.co"}, 1),
        change("d", {"customer_id": "C1"}, None, 2),
        change("u", None, {"email": "a@b.co"}, 3),  # no after.customer_id
        change("d", None, None, 4),  # delete without before
        change("u", None, {"customer_id": "C1", "email": "bad"}, 5),
        change("x", None, {"customer_id": "C1"}, 6),
        json.dumps({"op": "c", "ts_ms": 1, "after": {"customer_id": "C1"}}),  # no lsn
    ]
    write(tmp_path, "crm_customer_changes", "c.jsonl", "\n".join(lines) + "\n")
    load(tmp_path, target_for(engine_env), schema)
    assert quarantine(engine_env, schema) == [
        (3, "missing_key", "after.customer_id"),
        (4, "missing_key", "before.customer_id"),
        (5, "invalid_email", "after.email"),
        (6, "unknown_value", "op"),
        (7, "missing_key", "source.lsn"),
    ]


def suppress(env, schema: str, *identifiers: str) -> None:
    """Put identifiers on the suppression list, as `mailpipe erase` does."""
    db = Warehouse(target_for(env))
    try:
        db.begin()
        for value in identifiers:
            db.change(
                f"insert into {schema}._suppressions (identifier_hash, request_id, suppressed_at) "
                f"values ({db.placeholders(3)})",
                [erasure.suppression_hash(value), "R1", datetime.now(UTC)],
            )
        db.commit()
    finally:
        db.close()


def test_records_about_suppressed_people_are_dropped_before_anything_is_written(
    tmp_path, engine_env, schema
):
    target = target_for(engine_env)
    load(tmp_path, target, schema)  # creates the tables, loads nothing
    suppress(engine_env, schema, "ana@example.com", "S-SUPPRESSED", "C-SUPPRESSED")
    events = [
        event(sg_event_id="s1"),  # "Ana@Example.com ": the address in another case
        event(sg_event_id="k1", email="bob@example.com"),
        event(sg_event_id="s2")[:-10],  # broken, with the address: dropped, not quarantined
        event(sg_event_id="q1", email="bob@example.com")[:-10],  # broken: quarantined
        "",
    ]
    write(tmp_path, "esp_email_events", "a.jsonl", "\n".join(events) + "\n")
    write(
        tmp_path,
        "shop_loyalty_ledger",
        "l.csv",
        "entry_id,shop_customer_id,email,occurred_at,points,reason,order_id\n"
        "E1,s-suppressed,,2026-01-01T00:00:00Z,10,bonus,\n"
        "E2,S-OTHER,bob@example.com,2026-01-01T00:00:00Z,10,bonus,\n",
    )
    changes = [
        {"op": "c", "ts_ms": 1762074843000, "source": {"lsn": lsn}, "after": after}
        for lsn, after in (
            (1, {"customer_id": "C-OTHER", "email": "bob@example.com"}),
            (2, {"customer_id": "C-SUPPRESSED", "email": "new@example.com"}),
            (3, {"customer_id": "C-NEW", "email": " ANA@example.com"}),  # a JSON path
        )
    ]
    write(tmp_path, "crm_customer_changes", "c.jsonl", "\n".join(map(json.dumps, changes)))
    summary = load(tmp_path, target, schema)
    counts = {
        f.table: (f.lines, f.loaded, f.quarantined, f.suppressed, f.blank) for f in summary.files
    }
    assert counts == {
        "esp_email_events": (5, 1, 1, 2, 1),
        "shop_loyalty_ledger": (2, 1, 0, 1, 0),
        "crm_customer_changes": (3, 1, 0, 2, 0),
    }
    assert all(f.reconciles for f in summary.files)
    assert summary.as_dict()["rows_suppressed"] == 5
    assert " + 5 suppressed + " in summary.line()
    assert "suppressed" in reconciliation_table(summary).splitlines()[0]
    ledger = query(
        engine_env,
        f"select table_name, rows_loaded, rows_quarantined, rows_suppressed, rows_erased "
        f"from {schema}.load_ledger order by 1",
    )
    assert ledger == [
        ("crm_customer_changes", 1, 0, 2, 0),
        ("esp_email_events", 1, 1, 2, 0),
        ("shop_loyalty_ledger", 1, 0, 1, 0),
    ]
    assert quarantine(engine_env, schema) == [(4, "malformed", "not a JSON object")]
    for table in ("esp_email_events", "shop_loyalty_ledger", "crm_customer_changes"):
        rows = query(engine_env, f"select * from {schema}.{table}")
        assert len(rows) == 1 and "suppressed" not in str(rows).lower()
        assert "ana@" not in str(rows).lower()


def test_a_ledger_from_before_erasure_gets_its_new_columns(tmp_path, engine_env, schema):
    db = Warehouse(target_for(engine_env))
    try:
        db.begin()
        db.rows(f"create schema if not exists {schema}")
        db.rows(
            f"create table {schema}.load_ledger (table_name text not null, file_sha256 text "
            "not null, source_file text not null, file_bytes bigint, batch_id text not null, "
            "lines_read bigint, rows_loaded bigint, rows_quarantined bigint, blank_lines "
            "bigint, started_at timestamptz, finished_at timestamptz, "
            "primary key (table_name, file_sha256))"
        )
        db.rows(
            f"insert into {schema}.load_ledger values ('esp_email_events', 'x', 'old.jsonl', "
            "1, 'b0', 1, 1, 0, 0, null, null)"
        )
        db.commit()
    finally:
        db.close()
    write(tmp_path, "esp_email_events", "a.jsonl", event() + "\n")
    assert [f.status for f in load(tmp_path, target_for(engine_env), schema).files] == ["loaded"]
    rows = query(
        engine_env,
        f"select source_file, rows_suppressed, rows_erased, rows_quarantined_erased "
        f"from {schema}.load_ledger order by 1",
    )
    assert rows == [("esp_email_events/a.jsonl", 0, 0, 0), ("old.jsonl", 0, 0, 0)]


def test_postgres_plans_the_new_rows_of_a_load_from_statistics(tmp_path, postgres_env):
    # The incremental staging models find new raw rows with `_loaded_at > latest load
    # time they hold`. Unless the loader analyses the load time, Postgres's statistics
    # stop at the earlier load and it estimates one new row (and picks nested loops).
    schema = postgres_env["MAILPIPE_RAW_SCHEMA"] + "_planned_new_rows"
    target = target_for(postgres_env)
    write(
        tmp_path,
        "esp_email_events",
        "a.jsonl",
        "".join(event(sg_event_id=f"a{i}") + "\n" for i in range(5)),
    )
    load(tmp_path, target, schema)
    ((first_load,),) = query(postgres_env, f"select max(_loaded_at) from {schema}.esp_email_events")
    new = "".join(event(sg_event_id=f"b{i}") + "\n" for i in range(15))
    write(tmp_path, "esp_email_events", "b.jsonl", new)
    load(tmp_path, target, schema)
    ((plan,),) = query(
        postgres_env,
        f"explain (format json) select * from {schema}.esp_email_events "
        f"where _loaded_at > cast('{first_load.isoformat()}' as timestamptz)",
    )
    plan = plan if isinstance(plan, list) else json.loads(plan)
    assert plan[0]["Plan"]["Plan Rows"] == 15


def test_a_failed_analyse_after_the_load_loses_nothing(tmp_path, engine_env, schema, monkeypatch):
    def fail(self, tables):
        raise RuntimeError("no statistics today")

    for sink in (loader_module.DuckDBSink, loader_module.PostgresSink):
        monkeypatch.setattr(sink, "refresh_statistics", fail)
    write(tmp_path, "esp_email_events", "a.jsonl", event() + "\n")
    summary = load(tmp_path, target_for(engine_env), schema)
    assert [f.status for f in summary.files] == ["loaded"]
    assert query(engine_env, f"select count(*) from {schema}.esp_email_events") == [(1,)]
