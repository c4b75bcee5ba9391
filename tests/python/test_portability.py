"""The same raw data gives the same staged rows on DuckDB and on Postgres: the JSON readers,
timestamp conversions, deduplication and flags are portable, not just both runnable."""

from __future__ import annotations

import datetime as dt

import pytest

from scripts.load import load
from tests.python.conftest import dbt, query, target_for

pytestmark = pytest.mark.slow

# One query per staging model whose logic differs most between engines.
CHECKS = {
    "stg_crm__customers": "crm_customer_id, email, phone, birth_date, country_code, time_zone, "
    "has_marketing_opt_in, created_at, changed_at, last_change_lsn",
    "int_order_lines_flattened": "order_line_id, product_id, line_position, quantity, "
    "unit_price_amount, discount_amount",
    "stg_shop__orders": "order_id, email, ordered_at, has_discount_code, shipping_country_code",
    "int_order_refunds_flattened": "order_refund_id, refunded_at, refund_amount",
    "stg_tracking__events": "tracking_event_id, event_name, occurred_at, clock_skew_seconds, "
    "is_bot, device_type, utm_source, product_id",
    "stg_esp__email_events": "email_event_id, event_type, occurred_at, is_machine_open, "
    "is_bot_click",
}


def _normalise(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def layer(model: str) -> str:
    return "staging" if model.startswith("stg_") else "intermediate"


def _staged(env: dict[str, str], small_landing) -> dict[str, list[tuple]]:
    load(small_landing, target_for(env), env["MAILPIPE_RAW_SCHEMA"])  # no-op when loaded
    result = dbt("run", "--select", *(f"+{m}" for m in CHECKS), env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    schema = "main" if env["DBT_TARGET"] == "dev" else env["MAILPIPE_PG_SCHEMA"]
    return {
        model: [
            tuple(_normalise(v) for v in row)
            for row in query(env, f"select {cols} from {schema}_{layer(model)}.{model} order by 1")
        ]
        for model, cols in CHECKS.items()
    }


def test_staging_is_the_same_on_duckdb_and_postgres(duckdb_env, postgres_env, small_landing):
    on_duckdb = _staged(duckdb_env, small_landing)
    on_postgres = _staged(postgres_env, small_landing)
    for model in CHECKS:
        assert len(on_duckdb[model]) > 0, model
        assert on_duckdb[model] == on_postgres[model], model
