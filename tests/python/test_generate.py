"""Tests for `mailpipe generate` (scripts/generate).

The checker below is written from docs/landing_formats.md, independently of the generator's
own corruption code: it classifies every line by the contract's quarantine rules and must
find exactly the bad records that _truth/injected.json declares.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from scripts.errors import UserError
from scripts.generate import GenerateSummary, add_parser, generate
from scripts.generate.chunk import LINKED_ONLY_WHEN_SEEN

REPO = Path(__file__).resolve().parents[2]
CUSTOMERS = 400

EVENT_TABLES = {
    "crm_customer_changes", "shop_orders", "shop_checkouts", "shop_loyalty_ledger",
    "esp_email_events", "tracking_events", "consent_events",
}  # fmt: skip
REFERENCE_TABLES = {"shop_products", "esp_campaigns", "enrichment_profiles", "privacy_requests"}
PART = re.compile(r"^(?P<table>[a-z_]+)__(?P<part>\d{4}-W\d{2}|all)\.(?P<ext>jsonl|csv)$")


# -- an independent checker of the landing contract --------------------------------------
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CURRENCIES = {"USD", "EUR", "GBP", "CAD", "AUD", "JPY", "BRL"}


def _get(obj: object, path: str) -> object:
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _is_timestamp(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value


def _is_epoch(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.lstrip("-").isdigit()


def _is_number(value: object) -> bool:
    if isinstance(value, bool | dict | list):
        return False
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _is_integer(value: object) -> bool:
    if isinstance(value, bool | dict | list):
        return False
    try:
        int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


# table -> (required, timestamps (path, kind), types (path, kind), enums, emails, amounts)
JSON_RULES: dict[str, dict[str, list]] = {
    "crm_customer_changes": {
        "required": ["op", "ts_ms", "source.lsn"],
        "timestamps": [("ts_ms", "epoch"), ("after.updated_at", "iso")],
        "types": [("source.lsn", "integer")],
        "enums": [("op", {"r", "c", "u", "d"})],
        "emails": ["after.email"],
        "amounts": [],
    },
    "shop_orders": {
        "required": [
            "order_id",
            "created_at",
            "updated_at",
            "currency",
            "total_amount",
            "line_items",
        ],
        "timestamps": [("created_at", "iso"), ("updated_at", "iso")],
        "types": [
            ("total_amount", "number"),
            ("line_items", "json"),
            ("subtotal_amount", "number"),
            ("tax_amount", "number"),
        ],
        "enums": [
            ("status", {"open", "fulfilled", "cancelled", "refunded", "partially_refunded"}),
            ("currency", CURRENCIES),
        ],
        "emails": ["email"],
        "amounts": [
            "total_amount",
            "subtotal_amount",
            "discount_amount",
            "shipping_amount",
            "tax_amount",
        ],
    },
    "shop_checkouts": {
        "required": ["checkout_id", "created_at", "updated_at", "currency"],
        "timestamps": [("created_at", "iso"), ("updated_at", "iso"), ("completed_at", "iso")],
        "types": [("total_amount", "number"), ("line_items", "json")],
        "enums": [],
        "emails": [],
        "amounts": [],
    },
    "esp_email_events": {
        "required": ["email", "timestamp", "event", "sg_event_id", "sg_message_id"],
        "timestamps": [("timestamp", "epoch")],
        "types": [],
        "enums": [
            (
                "event",
                {
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
                },
            )
        ],
        "emails": ["email"],
        "amounts": [],
    },
    "tracking_events": {
        "required": ["type", "messageId", "timestamp", "receivedAt", "sentAt"],
        "timestamps": [("timestamp", "iso"), ("sentAt", "iso"), ("receivedAt", "iso")],
        "types": [],
        "enums": [("type", {"track", "page", "identify"})],
        "emails": [],
        "amounts": [],
    },
    "consent_events": {
        "required": ["consent_id", "purpose", "status", "occurred_at", "email"],
        "timestamps": [("occurred_at", "iso")],
        "types": [],
        "enums": [
            ("purpose", {"email_marketing", "profiling", "third_party_sharing"}),
            ("status", {"granted", "withdrawn"}),
            ("lawful_basis", {"consent", "legitimate_interest", "contract"}),
            ("source", {"signup_form", "preference_center", "checkout", "crm_import", "support"}),
        ],
        "emails": ["email"],
        "amounts": [],
    },
    "privacy_requests": {
        "required": ["request_id", "request_type", "email", "requested_at"],
        "timestamps": [("requested_at", "iso")],
        "types": [],
        "enums": [
            ("request_type", {"erasure", "do_not_sell", "access"}),
            ("jurisdiction", {"GDPR", "CCPA"}),
            ("status", {"pending", "completed"}),
        ],
        "emails": ["email"],
        "amounts": [],
    },
}
CSV_RULES: dict[str, dict[str, list]] = {
    "shop_products": {
        "columns": [
            "product_id",
            "sku",
            "title",
            "category",
            "brand",
            "price",
            "currency",
            "created_at",
            "is_active",
        ],
        "required": ["product_id", "price", "currency"],
        "timestamps": [("created_at", "iso")],
        "types": [("price", "number")],
        "enums": [("currency", CURRENCIES), ("is_active", {"true", "false"})],
        "amounts": ["price"],
    },
    "shop_loyalty_ledger": {
        "columns": [
            "entry_id",
            "shop_customer_id",
            "email",
            "occurred_at",
            "points",
            "reason",
            "order_id",
        ],
        "required": ["entry_id", "occurred_at", "points"],
        "timestamps": [("occurred_at", "iso")],
        "types": [("points", "integer")],
        "enums": [("reason", {"earn_purchase", "bonus", "redeem", "expire", "adjust"})],
        "amounts": [],
    },
    "esp_campaigns": {
        "columns": [
            "campaign_id",
            "variant",
            "name",
            "subject",
            "campaign_type",
            "ab_test_id",
            "from_name",
            "scheduled_at",
            "sent_at",
            "created_at",
        ],
        "required": ["campaign_id", "campaign_type", "created_at"],
        "timestamps": [("created_at", "iso"), ("scheduled_at", "iso"), ("sent_at", "iso")],
        "types": [],
        "enums": [
            (
                "campaign_type",
                {
                    "newsletter",
                    "promotional",
                    "abandoned_cart",
                    "welcome",
                    "winback",
                    "replenishment",
                },
            )
        ],
        "amounts": [],
    },
    "enrichment_profiles": {
        "columns": [
            "email_sha256",
            "age_band",
            "income_band",
            "household_size",
            "has_children",
            "interests",
            "vendor",
            "match_confidence",
            "as_of_date",
        ],
        "required": ["email_sha256", "vendor", "as_of_date"],
        "timestamps": [("as_of_date", "date")],
        "types": [("household_size", "integer"), ("match_confidence", "number")],
        "enums": [("has_children", {"true", "false"})],
        "amounts": [],
    },
}


def _type_ok(value: object, kind: str) -> bool:
    if kind == "number":
        return _is_number(value)
    if kind == "integer":
        return _is_integer(value)
    return isinstance(value, dict | list)


def _time_ok(value: object, kind: str) -> bool:
    if kind == "epoch":
        return _is_epoch(value)
    if kind == "date":
        try:
            date.fromisoformat(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        return True
    return _is_timestamp(value)


def classify_json(table: str, line: str) -> str | None:
    """The quarantine reason for one JSONL line, or None when it is valid."""
    rules = JSON_RULES[table]
    try:
        obj = json.loads(line)
    except ValueError:
        return "malformed"
    if not isinstance(obj, dict):
        return "malformed"
    required = list(rules["required"])
    if table == "crm_customer_changes":
        required.append("before.customer_id" if obj.get("op") == "d" else "after.customer_id")
    if any(_get(obj, path) is None for path in required):
        return "missing_key"
    for path, kind in rules["timestamps"]:
        value = _get(obj, path)
        if value is not None and not _time_ok(value, kind):
            return "bad_timestamp"
    for path, kind in rules["types"]:
        value = _get(obj, path)
        if value is not None and not _type_ok(value, kind):
            return "wrong_type"
    for path, allowed in rules["enums"]:
        value = _get(obj, path)
        if value is not None and value not in allowed:
            return "unknown_value"
    for path in rules["emails"]:
        value = _get(obj, path)
        if value is not None and not (isinstance(value, str) and EMAIL.match(value.strip())):
            return "invalid_email"
    for path in rules["amounts"]:
        value = _get(obj, path)
        if value is not None and float(value) < 0:  # type: ignore[arg-type]
            return "negative_amount"
    return None


def classify_csv(table: str, row: list[str]) -> str | None:
    rules = CSV_RULES[table]
    if len(row) != len(rules["columns"]):
        return "malformed"
    rec = {
        col: (value if value != "" else None)
        for col, value in zip(rules["columns"], row, strict=True)
    }
    if any(rec[col] is None for col in rules["required"]):
        return "missing_key"
    for col, kind in rules["timestamps"]:
        if rec[col] is not None and not _time_ok(rec[col], kind):
            return "bad_timestamp"
    for col, kind in rules["types"]:
        if rec[col] is not None and not _type_ok(rec[col], kind):
            return "wrong_type"
    for col, allowed in rules["enums"]:
        if rec[col] is not None and rec[col] not in allowed:
            return "unknown_value"
    for col in rules["amounts"]:
        if rec[col] is not None and float(rec[col]) < 0:
            return "negative_amount"
    return None


def table_lines(root: Path, table: str) -> list[tuple[Path, str]]:
    """(file, line) for every record of a JSONL table, files in name order."""
    out = []
    for path in sorted((root / table).glob("*.jsonl")):
        with path.open(encoding="utf-8", newline="") as fh:
            out.extend((path, line.rstrip("\n")) for line in fh)
    return out


def valid_records(root: Path, table: str) -> list[dict]:
    return [
        json.loads(line)
        for _, line in table_lines(root, table)
        if classify_json(table, line) is None
    ]


def csv_rows(root: Path, table: str) -> list[list[str]]:
    rows = []
    for path in sorted((root / table).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            assert next(reader) == CSV_RULES[table]["columns"], path
            rows.extend(reader)
    return rows


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def injected(root: Path) -> dict:
    return json.loads((root / "_truth" / "injected.json").read_text(encoding="utf-8"))


# -- fixtures ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    summary = generate(out, CUSTOMERS, seed=7)
    assert isinstance(summary, GenerateSummary)
    return out


# -- determinism -------------------------------------------------------------------------
def test_same_seed_gives_identical_bytes(landing: Path, tmp_path: Path) -> None:
    generate(tmp_path, CUSTOMERS, seed=7)
    assert tree_bytes(tmp_path) == tree_bytes(landing)


def test_worker_count_does_not_change_the_output(tmp_path: Path) -> None:
    # 600 customers are three chunks, so three workers really split the work.
    generate(tmp_path / "one", 600, seed=3, workers=1)
    generate(tmp_path / "three", 600, seed=3, workers=3)
    one, three = tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "three")
    assert one.keys() == three.keys()
    assert [k for k in one if one[k] != three[k]] == []


def test_another_seed_gives_other_data(landing: Path, tmp_path: Path) -> None:
    generate(tmp_path, CUSTOMERS, seed=8)
    ours, theirs = tree_bytes(landing), tree_bytes(tmp_path)
    shared = [k for k in ours if k in theirs and k.endswith((".jsonl", ".csv"))]
    assert shared
    assert all(ours[k] != theirs[k] for k in shared if "shop_products" not in k)


# -- files and the contract --------------------------------------------------------------
def test_layout_and_manifest(landing: Path) -> None:
    manifest = json.loads((landing / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["customers"] == CUSTOMERS
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {
        p.relative_to(landing).as_posix() for p in landing.glob("*/*") if p.parent.name != "_truth"
    }
    assert listed == on_disk
    for rel in on_disk:
        table, name = rel.split("/")
        match = PART.match(name)
        assert match and match["table"] == table, rel
        assert (match["part"] == "all") == (table in REFERENCE_TABLES), rel
        assert match["ext"] == ("csv" if table in CSV_RULES else "jsonl"), rel
    assert {t for t in manifest["rows_by_table"]} == EVENT_TABLES | REFERENCE_TABLES
    weeks = {PART.match(Path(r).name)["part"] for r in on_disk if "tracking_events" in r}
    assert len(weeks) >= 52


@pytest.mark.parametrize("table", sorted(JSON_RULES))
def test_jsonl_lines_break_only_the_injected_rules(landing: Path, table: str) -> None:
    lines = table_lines(landing, table)
    found = collections.Counter(classify_json(table, line) for _, line in lines)
    found.pop(None, None)
    expected = {k: v for k, v in injected(landing)["tables"][table]["bad"].items() if v}
    assert injected(landing)["tables"][table]["records"] == len(lines)
    assert dict(found) == expected


@pytest.mark.parametrize("table", sorted(CSV_RULES))
def test_csv_rows_break_only_the_injected_rules(landing: Path, table: str) -> None:
    rows = csv_rows(landing, table)
    found = collections.Counter(classify_csv(table, row) for row in rows)
    found.pop(None, None)
    expected = {k: v for k, v in injected(landing)["tables"][table]["bad"].items() if v}
    assert injected(landing)["tables"][table]["records"] == len(rows)
    assert dict(found) == expected


def test_bad_records_cover_every_large_table(landing: Path) -> None:
    tables = injected(landing)["tables"]
    for table, info in tables.items():
        bad = sum(info["bad"].values())
        if info["records"] >= 100:
            assert bad >= 1, table
        assert bad <= max(1, 0.02 * info["records"]), table
    reasons = set().union(*({k for k, v in t["bad"].items() if v} for t in tables.values()))
    assert {
        "malformed",
        "missing_key",
        "bad_timestamp",
        "unknown_value",
        "invalid_email",
    } <= reasons


def test_no_bad_records_when_bad_rate_is_zero(tmp_path: Path) -> None:
    generate(tmp_path, 150, seed=1, bad_rate=0.0)
    for table, info in injected(tmp_path)["tables"].items():
        assert sum(info["bad"].values()) == 0, table
    assert all(
        classify_json("esp_email_events", line) is None
        for _, line in table_lines(tmp_path, "esp_email_events")
    )


def test_duplicates_and_late_events_match_the_truth(landing: Path) -> None:
    info = injected(landing)["tables"]["esp_email_events"]
    seen: collections.Counter[str] = collections.Counter()
    late = 0
    for path, line in table_lines(landing, "esp_email_events"):
        if classify_json("esp_email_events", line) is not None:
            continue
        event = json.loads(line)
        seen[line] += 1
        year, week = PART.match(path.name)["part"].split("-W")
        ts = datetime.fromtimestamp(int(event["timestamp"]), UTC).isocalendar()
        if (int(year), int(week)) > (ts.year, ts.week):
            late += 1
    assert sum(n - 1 for n in seen.values()) == info["duplicates"] > 0
    assert late == info["late"] > 0
    assert info["late_field"] == "timestamp"


def test_crm_lsn_increases_with_commit_time(landing: Path) -> None:
    events = {
        (e["source"]["ts_ms"], e["source"]["lsn"])
        for e in valid_records(landing, "crm_customer_changes")
    }
    ordered = sorted(events)
    lsns = [lsn for _, lsn in ordered]
    assert lsns == sorted(set(lsns))
    ops = collections.Counter(e["op"] for e in valid_records(landing, "crm_customer_changes"))
    assert {"r", "c", "u"} <= set(ops)


# -- volumes -----------------------------------------------------------------------------
def test_volumes_scale_with_customers(landing: Path, tmp_path: Path) -> None:
    small = generate(tmp_path, CUSTOMERS // 2, seed=7).rows_by_table
    large = json.loads((landing / "_manifest.json").read_text())["rows_by_table"]
    for table in (
        "esp_email_events",
        "tracking_events",
        "shop_orders",
        "crm_customer_changes",
        "consent_events",
    ):
        assert 1.5 < large[table] / small[table] < 2.6, table
    per_customer = {t: n / CUSTOMERS for t, n in large.items()}
    assert 25 < per_customer["esp_email_events"] < 50
    assert 12 < per_customer["tracking_events"] < 35
    assert 1.5 < per_customer["shop_orders"] < 5
    assert 1.5 < per_customer["crm_customer_changes"] < 4
    assert large["shop_products"] == 200


# -- ground truth and identity -----------------------------------------------------------
def _identifiers(root: Path) -> list[dict[str, str]]:
    with (root / "_truth" / "identifiers.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _records(root: Path) -> list[dict[str, str]]:
    with (root / "_truth" / "records.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_truth_record_exists(landing: Path) -> None:
    present = {
        "shop_orders": {o["order_id"] for o in valid_records(landing, "shop_orders")},
        "shop_checkouts": {c["checkout_id"] for c in valid_records(landing, "shop_checkouts")},
        "crm_customer_changes": {
            (e["after"] or e["before"])["customer_id"]
            for e in valid_records(landing, "crm_customer_changes")
        },
    }
    records = _records(landing)
    by_table = collections.defaultdict(set)
    for row in records:
        assert row["record_id"] in present[row["table"]], row
        assert re.fullmatch(r"P\d{7}", row["true_person_id"]), row
        by_table[row["table"]].add(row["record_id"])
    for table, ids in present.items():
        assert ids == by_table[table], table


def test_identifiers_truth_is_consistent(landing: Path) -> None:
    rows = _identifiers(landing)
    keys = [(r["identifier_type"], r["identifier_value"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert {r["identifier_type"] for r in rows} == {
        "crm_customer_id",
        "shop_customer_id",
        "email",
        "phone",
        "anonymous_id",
        "user_id",
    }
    shared = [r for r in rows if r["is_shared"] == "true"]
    assert shared
    for r in shared:
        assert r["true_person_id"] == "" and r["identifier_type"] == "email"
        assert r["identifier_value"].split("@")[0] in {"info", "sales", "office"}
    for r in rows:
        if r["identifier_type"] == "email":
            assert r["identifier_value"] == r["identifier_value"].strip().lower()
        if r["is_shared"] == "false":
            assert re.fullmatch(r"P\d{7}", r["true_person_id"]), r
    # Every address the email events were sent to is in the truth.
    emails = {r["identifier_value"] for r in rows if r["identifier_type"] == "email"}
    sent = {e["email"].strip().lower() for e in valid_records(landing, "esp_email_events")}
    assert sent <= emails
    shared_sent = {r["identifier_value"] for r in shared} & sent
    assert shared_sent


def test_identity_mess_is_present(landing: Path) -> None:
    rows = _identifiers(landing)
    crm_ids = collections.Counter(
        r["true_person_id"] for r in rows if r["identifier_type"] == "crm_customer_id"
    )
    assert max(crm_ids.values()) >= 2  # one person, two CRM records
    shop_ids = {r["identifier_value"] for r in rows if r["identifier_type"] == "shop_customer_id"}
    crm_values = {r["identifier_value"] for r in rows if r["identifier_type"] == "crm_customer_id"}
    assert shop_ids and not shop_ids & crm_values
    guests = [
        o
        for o in valid_records(landing, "shop_orders")
        if o["shop_customer_id"] is None and o["email"]
    ]
    assert any(o["email"] != o["email"].strip().lower() for o in guests)
    # Anonymous visitors later identified: an anonymousId seen without a userId first.
    tracking = valid_records(landing, "tracking_events")
    identified = {e["anonymousId"]: e["userId"] for e in tracking if e["type"] == "identify"}
    assert identified
    assert set(identified.values()) <= crm_values
    assert any(e["anonymousId"] in identified and e["userId"] is None for e in tracking)
    assert all("email" in e["traits"] for e in tracking if e["type"] == "identify")


def test_has_linking_record_says_whether_a_record_links_the_identifier(landing: Path) -> None:
    rows = _identifiers(landing)
    flag = {
        (r["identifier_type"], r["identifier_value"]): r["has_linking_record"] == "true"
        for r in rows
    }
    assert all(linked for (kind, _), linked in flag.items() if kind not in LINKED_ONLY_WHEN_SEEN)
    # An anonymousId is linked by a signed-in event or one naming an order or a checkout
    # (unless the order or checkout names no one: a shared address or none at all).
    signed_in, buying = set(), set()
    for event in valid_records(landing, "tracking_events"):
        props = event.get("properties") or {}
        if event["userId"]:
            signed_in.add(event["anonymousId"])
        if props.get("order_id") or props.get("checkout_id"):
            buying.add(event["anonymousId"])
    anonymous = {value: linked for (kind, value), linked in flag.items() if kind == "anonymous_id"}
    assert 0 < sum(anonymous.values()) < len(anonymous)
    assert not [v for v, linked in anonymous.items() if not linked and v in signed_in]
    assert len([v for v, linked in anonymous.items() if not linked and v in buying]) <= 0.02 * len(
        anonymous
    )
    seen = signed_in | buying
    # a linked one whose linking lines were all made bad
    assert len([v for v, linked in anonymous.items() if linked and v not in seen]) <= 0.02 * len(
        anonymous
    )
    # A shop customer id is linked when some record carries it with an address.
    with_email = {
        r["shop_customer_id"]
        for table in ("shop_orders", "shop_checkouts")
        for r in valid_records(landing, table)
        if r["shop_customer_id"] and r["email"]
    }
    columns = CSV_RULES["shop_loyalty_ledger"]["columns"]
    for row in csv_rows(landing, "shop_loyalty_ledger"):
        record = dict(zip(columns, row, strict=False))
        if record.get("shop_customer_id") and record.get("email"):
            with_email.add(record["shop_customer_id"])
    shops = {value: linked for (kind, value), linked in flag.items() if kind == "shop_customer_id"}
    assert not [v for v, linked in shops.items() if not linked and v in with_email]
    assert len([v for v, linked in shops.items() if linked and v not in with_email]) <= 0.02 * len(
        shops
    )


def test_machine_opens_scanner_clicks_and_bots(landing: Path) -> None:
    events = valid_records(landing, "esp_email_events")
    machine = [e for e in events if e["event"] == "open" and e.get("sg_machine_open") is True]
    human = [e for e in events if e["event"] == "open" and e.get("sg_machine_open") is False]
    assert machine and human
    assert {e["useragent"] for e in machine} == {"Mozilla/5.0"}
    delivered = {
        e["sg_message_id"]: int(e["timestamp"]) for e in events if e["event"] == "delivered"
    }
    fast_clicks = [
        e
        for e in events
        if e["event"] == "click"
        and e["sg_message_id"] in delivered
        and int(e["timestamp"]) - delivered[e["sg_message_id"]] < 10
    ]
    assert fast_clicks
    kinds = collections.Counter(e["event"] for e in events)
    assert {
        "processed",
        "delivered",
        "open",
        "click",
        "bounce",
        "deferred",
        "dropped",
        "unsubscribe",
    } <= set(kinds)
    bounce_types = {e["type"] for e in events if e["event"] == "bounce"}
    assert bounce_types <= {"bounce", "blocked"} and "bounce" in bounce_types
    tracking = valid_records(landing, "tracking_events")
    bots = [e for e in tracking if "bot" in e["context"]["userAgent"].lower()]
    assert bots and all(e["userId"] is None and e["type"] == "page" for e in bots)
    message_ids = collections.Counter(e["messageId"] for e in tracking)
    assert max(message_ids.values()) >= 2  # duplicate deliveries


def test_orders_checkouts_and_reference_tables(landing: Path) -> None:
    orders = valid_records(landing, "shop_orders")
    versions = collections.Counter(o["order_id"] for o in orders)
    assert max(versions.values()) >= 2
    assert {o["status"] for o in orders} >= {"open", "fulfilled"}
    assert len({o["currency"] for o in orders}) >= 4
    checkouts = valid_records(landing, "shop_checkouts")
    assert any(c["completed_at"] is None for c in checkouts)
    assert any(c["completed_at"] is not None for c in checkouts)
    campaigns = csv_rows(landing, "esp_campaigns")
    assert any(row[5] for row in campaigns)  # an A/B test
    enrichment = csv_rows(landing, "enrichment_profiles")
    assert all(
        re.fullmatch(r"[0-9a-f]{64}", row[0])
        for row in enrichment
        if classify_csv("enrichment_profiles", row) is None
    )


# -- the command line and errors ---------------------------------------------------------
def test_refuses_existing_output_without_force(tmp_path: Path) -> None:
    generate(tmp_path, 60, seed=1)
    (tmp_path / "README.txt").write_text("not ours")
    with pytest.raises(UserError, match="--force"):
        generate(tmp_path, 60, seed=1)
    before = tree_bytes(tmp_path)
    summary = generate(tmp_path, 80, seed=2, force=True)
    after = tree_bytes(tmp_path)
    assert after["README.txt"] == b"not ours"
    assert after != before
    assert json.loads(after["_manifest.json"])["parameters"]["customers"] == 80
    assert summary.files == len(
        [k for k in after if k.count("/") == 1 and not k.startswith("_truth")]
    )
    assert not (tmp_path / ".generate.tmp").exists()
    assert not (tmp_path / ".generate.old").exists()


@pytest.mark.parametrize("kwargs", [
    {"customers": 0},
    {"customers": 10, "bad_rate": 1.5},
    {"customers": 10, "workers": 0},
    {"customers": 10, "days": 3},
])  # fmt: skip
def test_user_mistakes_raise_user_error(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(UserError):
        generate(tmp_path, **kwargs)


def test_cli_parser_and_summary_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    parser = argparse.ArgumentParser(prog="mailpipe")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "generate",
            "--customers",
            "50",
            "--out",
            str(tmp_path),
            "--end-date",
            "2026-06-30",
            "--days",
            "90",
        ]
    )
    assert args.func(args) == 0
    out = capsys.readouterr().out.strip()
    assert re.fullmatch(
        r"generated [\d,]+ records in \d+ tables \(\d+ files\) for 50 customers in "
        r"[\d.]+ s \([\d,]+ records/s\) -> .+",
        out,
    ), out
    manifest = json.loads((tmp_path / "_manifest.json").read_text())
    assert manifest["window"] == {"start": "2026-04-02", "end": "2026-06-30"}
    with pytest.raises(SystemExit):
        parser.parse_args(["generate", "--end-date", "2026-02-30"])


def test_python_m_scripts_generate_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scripts", "generate", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for flag in (
        "--customers",
        "--seed",
        "--days",
        "--end-date",
        "--bad-rate",
        "--workers",
        "--out",
        "--force",
    ):
        assert flag in proc.stdout
