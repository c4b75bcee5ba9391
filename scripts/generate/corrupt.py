"""Bad records: corrupted copies with exactly one defect, named by its quarantine reason.

Each table lists the fields the loader validates (from docs/landing_formats.md). A defect
is only ever put in one of those fields, and the rest of the record stays valid, so the
loader's first failing rule (in the contract's order of precedence) is the injected one.
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass

from scripts.generate.output import csv_line

ISO_GARBAGE = (
    "2026-13-45T25:61:00Z",
    "yesterday",
    "31/02/2026 25:00",
    "not a date",
    "0000-00-00T00:00:00Z",
)
DATE_GARBAGE = ("2026-13-45", "31/02/2026", "yesterday", "0000-00-00")
EPOCH_GARBAGE = ("yesterday", "2026-13-45 25:61:00", "17723x0000", "not a time")


@dataclass(frozen=True)
class Spec:
    fmt: str  # "jsonl" or "csv"
    required: tuple[str, ...]  # dotted paths; "<crm_id>" depends on op
    timestamps: tuple[tuple[str, str], ...] = ()  # (path, "iso" | "date" | "epoch")
    wrong_type: tuple[tuple[str, str], ...] = ()  # (path, "number" | "integer")
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (path, values outside the list)
    emails: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()  # must not be negative
    columns: tuple[str, ...] = ()  # CSV header

    def applicable(self) -> tuple[str, ...]:
        out = ["malformed", "missing_key"]
        if self.timestamps:
            out.append("bad_timestamp")
        if self.wrong_type:
            out.append("wrong_type")
        if self.enums:
            out.append("unknown_value")
        if self.emails:
            out.append("invalid_email")
        if self.amounts:
            out.append("negative_amount")
        return tuple(out)


def build_specs(csv_columns: dict[str, tuple[str, ...]]) -> dict[str, Spec]:
    return {
        "crm_customer_changes": Spec(
            "jsonl",
            ("op", "ts_ms", "source.lsn", "<crm_id>"),
            timestamps=(("ts_ms", "epoch"), ("after.updated_at", "iso")),
            wrong_type=(("source.lsn", "integer"),),
            enums=(("op", ("t", "m", "x")),),
            emails=("after.email",),
        ),
        "shop_orders": Spec(
            "jsonl",
            ("order_id", "created_at", "updated_at", "currency", "total_amount", "line_items"),
            timestamps=(("created_at", "iso"), ("updated_at", "iso")),
            wrong_type=(("total_amount", "number"),),
            enums=(("status", ("shipped", "on_hold", "archived")),),
            emails=("email",),
            amounts=("total_amount",),
        ),
        "shop_checkouts": Spec(
            "jsonl",
            ("checkout_id", "created_at", "updated_at", "currency"),
            timestamps=(("created_at", "iso"), ("updated_at", "iso")),
        ),
        "esp_email_events": Spec(
            "jsonl",
            ("email", "timestamp", "event", "sg_event_id", "sg_message_id"),
            timestamps=(("timestamp", "epoch"),),
            enums=(("event", ("opened", "bounced", "group_resubscribe", "click_through")),),
            emails=("email",),
        ),
        "tracking_events": Spec(
            "jsonl",
            ("type", "messageId", "timestamp", "receivedAt", "sentAt"),
            timestamps=(("timestamp", "iso"), ("sentAt", "iso"), ("receivedAt", "iso")),
            enums=(("type", ("screen", "group", "alias")),),
        ),
        "consent_events": Spec(
            "jsonl",
            ("consent_id", "purpose", "status", "occurred_at", "email"),
            timestamps=(("occurred_at", "iso"),),
            enums=(("purpose", ("sms_marketing", "analytics")), ("status", ("pending", "revoked"))),
            emails=("email",),
        ),
        "privacy_requests": Spec(
            "jsonl",
            ("request_id", "request_type", "email", "requested_at"),
            timestamps=(("requested_at", "iso"),),
            enums=(("request_type", ("rectification", "portability")),),
            emails=("email",),
        ),
        "shop_products": Spec(
            "csv",
            ("product_id", "price", "currency"),
            wrong_type=(("price", "number"),),
            amounts=("price",),
            columns=csv_columns["shop_products"],
        ),
        "shop_loyalty_ledger": Spec(
            "csv",
            ("entry_id", "occurred_at", "points"),
            timestamps=(("occurred_at", "iso"),),
            wrong_type=(("points", "integer"),),
            columns=csv_columns["shop_loyalty_ledger"],
        ),
        "esp_campaigns": Spec(
            "csv",
            ("campaign_id", "campaign_type", "created_at"),
            timestamps=(("created_at", "iso"),),
            enums=(("campaign_type", ("flash_sale", "transactional")),),
            columns=csv_columns["esp_campaigns"],
        ),
        "enrichment_profiles": Spec(
            "csv",
            ("email_sha256", "vendor", "as_of_date"),
            timestamps=(("as_of_date", "date"),),
            columns=csv_columns["enrichment_profiles"],
        ),
    }


# -- JSON path helpers -------------------------------------------------------------------
def _get(obj: dict, path: str) -> object:
    cur: object = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _set(obj: dict, path: str, value: object, delete: bool = False) -> None:
    parts = path.split(".")
    cur = obj
    for part in parts[:-1]:
        cur = cur[part]
    if delete:
        del cur[parts[-1]]
    else:
        cur[parts[-1]] = value


def _crm_id_path(obj: dict) -> str:
    return "before.customer_id" if obj.get("op") == "d" else "after.customer_id"


def _bad_email(email: str, rng: random.Random) -> str:
    local, _, domain = email.strip().partition("@")
    label = domain.split(".")[0] or "example"
    r = rng.random()
    if r < 0.5:
        return f"{local}(at){label}"
    if r < 0.8:
        return f"{local}@{label}"
    return f"{local}{label}.com"


def _wrong_value(kind: str, current: object, rng: random.Random, as_text: bool) -> object:
    r = rng.random()
    if as_text:
        return ("twelve", "12,50", "1O0")[int(r * 3)]
    if r < 0.5:
        return "twelve"
    if kind == "number" and r < 0.8:
        return {"amount": str(current), "currency_code": "EUR"}
    return [current]


class Corrupter:
    def __init__(self, specs: dict[str, Spec]) -> None:
        self.specs = specs

    def corrupt(self, table: str, line: str, rng: random.Random) -> tuple[str, str]:
        """A corrupted copy of `line` and the reason the loader should give for it."""
        spec = self.specs[table]
        options = list(spec.applicable())
        reason = options[int(rng.random() * len(options))]
        if spec.fmt == "csv":
            return self._csv(spec, line, reason, rng)
        return self._json(spec, line, reason, rng)

    # -- JSONL --------------------------------------------------------------------------
    def _json(self, spec: Spec, line: str, reason: str, rng: random.Random) -> tuple[str, str]:
        obj = json.loads(line)
        usable = self._json_usable(spec, obj)
        if reason not in usable:
            reason = usable[int(rng.random() * len(usable))]
        if reason == "malformed":
            if rng.random() < 0.75:
                cut = rng.randrange(max(1, len(line) // 4), len(line) - 1)
                return line[:cut], reason
            return "[" + line + "]", reason
        if reason == "missing_key":
            paths = [_crm_id_path(obj) if p == "<crm_id>" else p for p in spec.required]
            paths = [p for p in paths if _get(obj, p) is not None]
            path = paths[int(rng.random() * len(paths))]
            _set(obj, path, None, delete=rng.random() < 0.5)
        elif reason == "bad_timestamp":
            fields = [(p, k) for p, k in spec.timestamps if _get(obj, p) is not None]
            path, kind = fields[int(rng.random() * len(fields))]
            garbage = EPOCH_GARBAGE if kind == "epoch" else ISO_GARBAGE
            _set(obj, path, rng.choice(garbage))
        elif reason == "wrong_type":
            path, kind = spec.wrong_type[int(rng.random() * len(spec.wrong_type))]
            _set(obj, path, _wrong_value(kind, _get(obj, path), rng, as_text=False))
        elif reason == "unknown_value":
            fields = [(p, v) for p, v in spec.enums if p != "op" or obj.get("op") != "d"]
            path, values = fields[int(rng.random() * len(fields))]
            _set(obj, path, rng.choice(values))
        elif reason == "invalid_email":
            paths = [p for p in spec.emails if isinstance(_get(obj, p), str)]
            path = paths[int(rng.random() * len(paths))]
            _set(obj, path, _bad_email(_get(obj, path), rng))
        elif reason == "negative_amount":
            path = spec.amounts[0]
            value = float(_get(obj, path) or 0)
            _set(obj, path, -value if value > 0 else -1.0)
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False), reason

    @staticmethod
    def _json_usable(spec: Spec, obj: dict) -> list[str]:
        usable = []
        for reason in spec.applicable():
            if reason == "invalid_email":
                if not any(isinstance(_get(obj, p), str) for p in spec.emails):
                    continue
            elif reason == "unknown_value":
                if not any(p != "op" or obj.get("op") != "d" for p, _ in spec.enums):
                    continue
            elif reason == "bad_timestamp":
                if not any(_get(obj, p) is not None for p, _ in spec.timestamps):
                    continue
            elif reason == "negative_amount":
                value = _get(obj, spec.amounts[0])
                if not isinstance(value, int | float) or math.isnan(value):
                    continue
            usable.append(reason)
        return usable

    # -- CSV ----------------------------------------------------------------------------
    def _csv(self, spec: Spec, line: str, reason: str, rng: random.Random) -> tuple[str, str]:
        row = next(csv.reader([line]))
        col = {name: i for i, name in enumerate(spec.columns)}
        if reason == "malformed":
            if rng.random() < 0.5:
                return csv_line(row[:-1]), reason
            return csv_line([*row, row[-1] or "x"]), reason
        if reason == "missing_key":
            row[col[rng.choice(spec.required)]] = None
        elif reason == "bad_timestamp":
            path, kind = rng.choice(spec.timestamps)
            row[col[path]] = rng.choice(DATE_GARBAGE if kind == "date" else ISO_GARBAGE)
        elif reason == "wrong_type":
            path, kind = rng.choice(spec.wrong_type)
            row[col[path]] = _wrong_value(kind, row[col[path]], rng, as_text=True)
        elif reason == "unknown_value":
            path, values = rng.choice(spec.enums)
            row[col[path]] = rng.choice(values)
        elif reason == "negative_amount":
            path = spec.amounts[0]
            value = float(row[col[path]])
            row[col[path]] = repr(-value if value > 0 else -1.0)
        return csv_line(row), reason
