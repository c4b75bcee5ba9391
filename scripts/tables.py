"""The raw tables: what each landing file holds and the rules a record must meet to load.

This is the machine-readable form of docs/landing_formats.md. The loader turns each spec into
SQL that validates a whole file at once; records that break a rule are quarantined with the
first reason that applies, in the order of REASONS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Quarantine reasons, in order of precedence.
REASONS = (
    "malformed",
    "missing_key",
    "bad_timestamp",
    "wrong_type",
    "unknown_value",
    "invalid_email",
    "negative_amount",
)

TYPES = ("text", "bigint", "double", "boolean", "timestamp", "epoch_s", "epoch_ms", "date", "json")


@dataclass(frozen=True)
class Column:
    """One raw column, read from a JSON path (dotted) or a CSV header."""

    name: str
    type: str = "text"
    path: str | None = None  # JSON path, dotted; defaults to the column name
    required: bool = False
    required_when: str | None = None  # SQL on other columns' text values, names quoted
    accepted: tuple[str, ...] = ()
    is_email: bool = False
    non_negative: bool = False

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")

    @property
    def source_path(self) -> str:
        return self.path or self.name


@dataclass(frozen=True)
class Checks:
    """Extra checks on JSON paths that are stored inside a json column, not as columns."""

    path: str
    type: str = "text"
    required_when: str | None = None
    is_email: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    format: str  # "jsonl" or "csv"
    description: str
    columns: tuple[Column, ...]
    checks: tuple[Checks, ...] = field(default=())
    # Where a record names a person (email, customer ids, anonymous and user ids, phone,
    # the email's SHA-256): a raw column, or a dotted JSON path inside a json column
    # ("after.email"). The loader drops a record when one of them is suppressed (an erased
    # person, see scripts/privacy.py) before it is written anywhere.
    identifiers: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        types = {col.name: col.type for col in self.columns}
        for ident in self.identifiers:
            column, _, path = ident.partition(".")
            if column not in types or (path and types[column] != "json"):
                raise ValueError(f"{self.name}: identifier {ident!r} is no column or JSON path")

    @property
    def extension(self) -> str:
        return self.format


def c(name: str, type_: str = "text", **kwargs: object) -> Column:
    return Column(name, type_, **kwargs)  # type: ignore[arg-type]


EMAIL_EVENTS = (
    "processed",
    "delivered",
    "open",
    "click",
    "bounce",
    "dropped",
    "deferred",
    "spamreport",
    "unsubscribe",
    "group_unsubscribe",
)

SPECS: tuple[TableSpec, ...] = (
    TableSpec(
        "crm_customer_changes",
        "jsonl",
        "CRM customer profiles as Debezium change events (one row per event).",
        (
            c("op", required=True, accepted=("r", "c", "u", "d")),
            c("ts_ms", "epoch_ms", required=True),
            c("source_lsn", "bigint", path="source.lsn", required=True),
            c("before", "json"),
            c("after", "json"),
            c("source", "json"),
            c("transaction", "json"),
        ),
        (
            Checks("after.customer_id", required_when="\"op\" <> 'd'"),
            Checks("before.customer_id", required_when="\"op\" = 'd'"),
            Checks("after.email", is_email=True),
            Checks("after.updated_at", "timestamp"),
        ),
        identifiers=(
            "after.customer_id",
            "after.email",
            "after.phone",
            "before.customer_id",
            "before.email",
            "before.phone",
        ),
    ),
    TableSpec(
        "shop_orders",
        "jsonl",
        "E-commerce orders, one row per order version.",
        (
            c("order_id", required=True),
            c("shop_customer_id"),
            c("email", is_email=True),
            c("created_at", "timestamp", required=True),
            c("updated_at", "timestamp", required=True),
            c("cancelled_at", "timestamp"),
            c(
                "status",
                accepted=("open", "fulfilled", "cancelled", "refunded", "partially_refunded"),
            ),
            c("financial_status"),
            c("currency", required=True),
            c("subtotal_amount", "double", non_negative=True),
            c("discount_amount", "double", non_negative=True),
            c("shipping_amount", "double", non_negative=True),
            c("tax_amount", "double", non_negative=True),
            c("total_amount", "double", required=True, non_negative=True),
            c("discount_codes", "json"),
            c("source_name"),
            c("line_items", "json", required=True),
            c("refunds", "json"),
            c("shipping_address", "json"),
        ),
        identifiers=("shop_customer_id", "email"),
    ),
    TableSpec(
        "shop_checkouts",
        "jsonl",
        "Checkouts, abandoned or completed, one row per checkout version.",
        (
            c("checkout_id", required=True),
            c("shop_customer_id"),
            c("email", is_email=True),
            c("created_at", "timestamp", required=True),
            c("updated_at", "timestamp", required=True),
            c("completed_at", "timestamp"),
            c("currency", required=True),
            c("total_amount", "double", non_negative=True),
            c("line_items", "json"),
            c("abandoned_checkout_url"),
        ),
        identifiers=("shop_customer_id", "email"),
    ),
    TableSpec(
        "shop_products",
        "csv",
        "Product catalogue, one row per product as exported.",
        (
            c("product_id", required=True),
            c("sku"),
            c("title"),
            c("category"),
            c("brand"),
            c("price", "double", required=True, non_negative=True),
            c("currency", required=True),
            c("created_at", "timestamp"),
            c("is_active", "boolean"),
        ),
    ),
    TableSpec(
        "shop_loyalty_ledger",
        "csv",
        "Loyalty points ledger, one row per entry (points signed).",
        (
            c("entry_id", required=True),
            c("shop_customer_id"),
            c("email", is_email=True),
            c("occurred_at", "timestamp", required=True),
            c("points", "bigint", required=True),
            c("reason", accepted=("earn_purchase", "bonus", "redeem", "expire", "adjust")),
            c("order_id"),
        ),
        identifiers=("shop_customer_id", "email"),
    ),
    TableSpec(
        "esp_email_events",
        "jsonl",
        "Email-platform events as posted by SendGrid's Event Webhook (one row per delivery).",
        (
            c("sg_event_id", required=True),
            c("sg_message_id", required=True),
            c("email", required=True, is_email=True),
            c("timestamp", "epoch_s", required=True),
            c("event", required=True, accepted=EMAIL_EVENTS),
            c("smtp_id", path="smtp-id"),
            c("category"),  # a string, or a JSON array of strings
            c("campaign_id"),
            c("variant"),
            c("useragent"),
            c("ip"),
            c("url"),
            c("sg_machine_open", "boolean"),
            c("reason"),
            c("status"),
            c("type"),
            c("attempt", "bigint"),
            c("asm_group_id", "bigint"),
        ),
        identifiers=("email",),
    ),
    TableSpec(
        "esp_campaigns",
        "csv",
        "Email campaigns, one row per campaign and A/B variant.",
        (
            c("campaign_id", required=True),
            c("variant"),
            c("name"),
            c("subject"),
            c(
                "campaign_type",
                required=True,
                accepted=(
                    "newsletter",
                    "promotional",
                    "abandoned_cart",
                    "welcome",
                    "winback",
                    "replenishment",
                ),
            ),
            c("ab_test_id"),
            c("from_name"),
            c("scheduled_at", "timestamp"),
            c("sent_at", "timestamp"),
            c("created_at", "timestamp", required=True),
        ),
    ),
    TableSpec(
        "tracking_events",
        "jsonl",
        "Website and app tracking calls in the Segment spec (one row per delivery).",
        (
            c("type", required=True, accepted=("track", "page", "identify")),
            c("message_id", path="messageId", required=True),
            c("anonymous_id", path="anonymousId"),
            c("user_id", path="userId"),
            c("event", required_when="\"type\" = 'track'"),
            c("name"),
            c("properties", "json"),
            c("traits", "json"),
            c("context", "json"),
            c("timestamp", "timestamp", required=True),
            c("sent_at", "timestamp", path="sentAt", required=True),
            c("received_at", "timestamp", path="receivedAt", required=True),
        ),
        identifiers=(
            "anonymous_id",
            "user_id",
            "traits.email",
            "traits.phone",
            "context.traits.email",
            "context.traits.phone",
        ),
    ),
    TableSpec(
        "enrichment_profiles",
        "csv",
        "Third-party enrichment keyed by the SHA-256 of the normalised email.",
        (
            c("email_sha256", required=True),
            c("age_band"),
            c("income_band"),
            c("household_size", "bigint"),
            c("has_children", "boolean"),
            c("interests"),
            c("vendor", required=True),
            c("match_confidence", "double", non_negative=True),
            c("as_of_date", "date", required=True),
        ),
        identifiers=("email_sha256",),
    ),
    TableSpec(
        "consent_events",
        "jsonl",
        "Consent granted or withdrawn, one row per event and purpose.",
        (
            c("consent_id", required=True),
            c("customer_id"),
            c("email", required=True, is_email=True),
            c(
                "purpose",
                required=True,
                accepted=("email_marketing", "profiling", "third_party_sharing"),
            ),
            c("status", required=True, accepted=("granted", "withdrawn")),
            c("lawful_basis", accepted=("consent", "legitimate_interest", "contract")),
            c("source"),
            c("policy_version"),
            c("occurred_at", "timestamp", required=True),
        ),
        identifiers=("customer_id", "email"),
    ),
    TableSpec(
        "privacy_requests",
        "jsonl",
        "Data-subject requests (erasure, do-not-sell, access), one row per request event.",
        (
            c("request_id", required=True),
            c("request_type", required=True, accepted=("erasure", "do_not_sell", "access")),
            c("customer_id"),
            c("email", required=True, is_email=True),
            c("jurisdiction"),
            c("requested_at", "timestamp", required=True),
            c("status", accepted=("pending", "completed")),
        ),
        # No identifiers: a request always loads, even from a person already erased (a
        # second erasure request is processed, and redacted, by `mailpipe erase`).
    ),
)

BY_NAME = {spec.name: spec for spec in SPECS}

# Load metadata carried by every raw row.
METADATA_COLUMNS = (
    ("_batch_id", "text"),
    ("_source_file", "text"),
    ("_line_number", "bigint"),
    ("_loaded_at", "timestamp"),
)
