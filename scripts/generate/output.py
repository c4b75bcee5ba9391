"""CSV line formatting (RFC 4180) and the column lists of the CSV tables."""

from __future__ import annotations

from collections.abc import Iterable

CSV_COLUMNS = {
    "shop_products": ("product_id", "sku", "title", "category", "brand", "price", "currency",
                      "created_at", "is_active"),
    "shop_loyalty_ledger": ("entry_id", "shop_customer_id", "email", "occurred_at", "points",
                            "reason", "order_id"),
    "esp_campaigns": ("campaign_id", "variant", "name", "subject", "campaign_type",
                      "ab_test_id", "from_name", "scheduled_at", "sent_at", "created_at"),
    "enrichment_profiles": ("email_sha256", "age_band", "income_band", "household_size",
                            "has_children", "interests", "vendor", "match_confidence",
                            "as_of_date"),
}  # fmt: skip

_SPECIAL = frozenset(',"\r\n')


def csv_field(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    text = value if isinstance(value, str) else str(value)
    if not text:
        return '""'
    if _SPECIAL.intersection(text) or text[0] == " " or text[-1] == " ":
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values: Iterable[object]) -> str:
    """One CSV record without the line end. None is an empty (null) field."""
    return ",".join(map(csv_field, values))
