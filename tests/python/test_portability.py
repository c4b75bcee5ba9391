"""The same raw data gives the same rows on DuckDB and on Postgres: the JSON readers,
timestamp conversions, deduplication, flags, person keys, netting, sessions and the customer
360 are portable, not just both runnable."""

from __future__ import annotations

import datetime as dt

import pytest

from scripts.load import load
from tests.python.conftest import dbt, query, target_for

pytestmark = pytest.mark.slow

# The columns compared per model: those whose logic differs most between engines.
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
    "int_identity_person_keys_assigned": "identifier_node, person_id",
    "fct_orders": "order_id, person_id, is_cancelled, net_revenue_amount, "
    "net_revenue_reporting_amount, refunded_amount",
    "fct_order_lines": "order_line_id, refunded_quantity, net_quantity, net_reporting_amount",
    "fct_email_sends": "message_id, person_id, is_opened, is_clicked, minutes_to_first_open",
    "fct_web_sessions": "session_id, person_id, started_at, duration_seconds, channel, "
    "landing_page_path",
    "fct_cart_abandonments": "checkout_id, person_id, is_recovered, cart_reporting_amount",
    "fct_loyalty_ledger": "loyalty_entry_id, person_id, points_balance_count",
    "dim_customers": "person_id, crm_customer_id, email_key, age_band, age_band_source, "
    "country_code, time_zone, order_count, net_revenue_reporting_amount, loyalty_tier, "
    "email_opened_count, primary_device_type, has_email_marketing_consent, is_email_engaged",
    "dim_customer_scores": "person_id, recency_score, frequency_score, monetary_score, "
    "rfm_segment, engagement_score, churn_risk_score, purchase_intent_score, "
    "discount_sensitivity_score",
    "dim_customer_traits": "person_id, best_send_hour, best_send_weekday, top_category, "
    "top_category_score, recommended_product_ids, next_replenishment_date",
    "fct_segment_memberships": "person_id, segment_name, is_current",
    "fct_campaign_performance": "campaign_variant_id, sent_count, delivered_count, "
    "click_through_rate, attributed_order_count, attributed_revenue_reporting_amount",
    "sync_email_platform__contacts": "person_id, email, email_key, segment, rfm_segment, "
    "recommended_product_ids, best_send_hour, loyalty_tier, last_abandoned_product_ids, "
    "last_email_delivered_at, last_email_opened_at, engagement_score, churn_risk_score",
    "dim_person_consents": "person_id, consent_purpose, consent_status, status_changed_at, "
    "first_granted_at, consent_event_count",
    "dim_person_contactability": "person_id, contact_purpose, can_contact, decided_by, decided_at",
    "sync_ad_platform__audience_members": "segment_name, person_id, email_sha256",
    "dim_person_activity": "person_id, last_email_opened_at, last_email_clicked_at, "
    "last_ordered_at, order_count, last_site_visit_at, last_viewed_product_id, engagement_score, "
    "recency_score, frequency_score, churn_risk_score, discount_sensitivity_score, "
    "population_order_gap_days",
    "dim_person_activity_live": "person_id, last_email_delivered_at, last_email_clicked_at, "
    "last_email_stop_loaded_at is not null, order_count, engagement_score, "
    "unprocessed_event_count",
}


def _normalise(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def layer(model: str) -> str:
    if model.startswith("stg_"):
        return "staging"
    if model.startswith("sync_ad_platform__"):
        return "ad_platform"
    if model.startswith("sync_"):
        return "activation"
    return "intermediate" if model.startswith("int_") else "marts"


def _staged(env: dict[str, str], small_landing) -> dict[str, list[tuple]]:
    load(small_landing, target_for(env), env["MAILPIPE_RAW_SCHEMA"])  # no-op when loaded
    result = dbt(
        "build",
        "--select",
        *(f"+{m}" for m in CHECKS),
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    schema = "main" if env["DBT_TARGET"] == "dev" else env["MAILPIPE_PG_SCHEMA"]
    return {
        model: [
            tuple(_normalise(v) for v in row)
            for row in query(
                env,
                f"select {cols} from {schema}_{layer(model)}.{model} "
                f"order by {', '.join(str(i + 1) for i in range(cols.count(',') + 1))}",
            )
        ]
        for model, cols in CHECKS.items()
    }


def test_models_are_the_same_on_duckdb_and_postgres(duckdb_env, postgres_env, small_landing):
    on_duckdb = _staged(duckdb_env, small_landing)
    on_postgres = _staged(postgres_env, small_landing)
    for model in CHECKS:
        assert len(on_duckdb[model]) > 0, model
        assert on_duckdb[model] == on_postgres[model], model
