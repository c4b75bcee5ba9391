"""Shop emitters: orders (one line per version), checkouts and the loyalty ledger."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from scripts.generate import reference as ref
from scripts.generate.clock import DAY
from scripts.generate.context import Ctx
from scripts.generate.output import csv_line
from scripts.generate.people import Person, email_typo_case
from scripts.generate.world import SHOP_URL, Product, round_money

DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

CODE_PERCENT = {
    "SPRING10": 10, "SUMMER15": 15, "WELCOME10": 10, "FREESHIP": 0, "VIP20": 20, "LOYAL5": 5,
    "BACK2SCHOOL": 15, "FLASH25": 25, "BLACKFRIDAY25": 25, "CYBER20": 20,
}  # fmt: skip


@dataclass
class Order:
    ts: int
    order_id: str
    source: str
    guest: bool
    email: str | None  # as written on the order
    currency: str
    total: float
    items: list[tuple[Product, int]]
    cancelled: bool
    refund_ts: int | None
    refund_points: int


def _order_count(ctx: Ctx, p: Person, exposure: float) -> int:
    rnd = ctx.rng.random
    if rnd() >= 0.6:
        return 0
    lam = 1.55 * p.value * exposure
    return min(60, max(1, ctx.poisson(lam)))


def _items(ctx: Ctx, p: Person, max_items: int = 6) -> list[tuple[Product, int]]:
    rnd = ctx.rng.random
    n = 1
    while n < max_items and rnd() < 0.42:
        n += 1
    if p.value > 5 and rnd() < 0.5:
        n += 1
    pick = ctx.world.pick_product
    items = []
    for _ in range(n):
        r = rnd()
        qty = 1 if r < 0.8 else 2 if r < 0.95 else 3
        items.append((pick(rnd()), qty))
    return items


def _line_items(
    items: list[tuple[Product, int]], currency: str, discount: float
) -> tuple[list[dict], float]:
    subtotal = 0.0
    rows = []
    for i, (prod, qty) in enumerate(items, start=1):
        unit = prod.prices[currency]
        subtotal += unit * qty
        rows.append(
            {
                "line_item_id": f"L{i}",
                "product_id": prod.product_id,
                "sku": prod.sku,
                "title": prod.title,
                "quantity": qty,
                "unit_price": unit,
                "discount_amount": 0.0,
            }
        )
    subtotal = round_money(subtotal, currency)
    if discount > 0 and subtotal > 0:
        left = discount
        for row in rows[:-1]:
            share = round_money(discount * row["unit_price"] * row["quantity"] / subtotal, currency)
            row["discount_amount"] = share
            left -= share
        rows[-1]["discount_amount"] = round_money(max(0.0, left), currency)
    return rows, subtotal


def _items_json(rows: list[dict], items: list[tuple[Product, int]]) -> str:
    """JSON of the line items (same as json.dumps(rows), without the encoder's cost)."""
    parts = [
        f'{{"line_item_id":"{row["line_item_id"]}","product_id":"{prod.product_id}",'
        f'"sku":"{prod.sku}","title":{prod.title_json},"quantity":{row["quantity"]},'
        f'"unit_price":{row["unit_price"]!r},"discount_amount":{row["discount_amount"]!r}}}'
        for row, (prod, _) in zip(rows, items, strict=True)
    ]
    return "[" + ",".join(parts) + "]"


def _codes_json(codes: list[str]) -> str:
    return '["' + '","'.join(codes) + '"]' if codes else "[]"


def emit_shop(ctx: Ctx, p: Person) -> None:
    world, clock, rng = ctx.world, ctx.clock, ctx.rng
    rnd = rng.random
    orders_buf = ctx.bufs["shop_orders"]
    checkout_buf = ctx.bufs["shop_checkouts"]
    country = p.country
    currency = country.currency
    lo = max(0, (p.start_ts - clock.start) // DAY)
    hi = min(clock.days, (p.end_ts - clock.start) // DAY + 1)
    if hi <= lo:
        return
    exposure = (hi - lo) / 365.0
    n_orders = _order_count(ctx, p, exposure)
    times = []
    for _ in range(n_orders):
        day = clock.sample_day(rnd(), lo, hi)
        secs = clock.sample_hour(rnd()) * 3600 + ctx.randrange(3600)
        ts = clock.local_to_utc(p.tz, day, secs)
        if p.start_ts <= ts < p.end_ts:
            times.append((ts, day))
    times.sort()
    tz = p.tz
    iso_local = clock.iso_local
    ship_j = DUMPS({"country_code": country.code, "city": p.city.name})
    for k, (t0, day) in enumerate(times):
        r = rnd()
        source = (
            "web"
            if r < 0.55
            else "iphone"
            if r < 0.65
            else "android"
            if r < 0.73
            else "pos"
            if r < 0.95
            else "shopify_draft_order"
        )
        role_order = p.role_address is not None and rnd() < 0.5
        guest = role_order or not p.has_shop or rnd() < 0.1
        if guest:
            base = p.role_address if role_order else p.email
            email = email_typo_case(base, rng) if rnd() < 0.6 else base
            if source == "pos" and rnd() < 0.5:
                email = None
        else:
            email = p.shop_email
            ctx.ident("shop_customer_id", p.shop_id, p.person_id)
            ctx.linked.add(("shop_customer_id", p.shop_id))
        if email:
            ctx.ident("email", email, p.person_id)
        shop_customer_id = None if guest else p.shop_id
        items = _items(ctx, p)
        near_bf = day in world.black_friday_days
        codes: list[str] = []
        if rnd() < (0.65 if near_bf else 0.2):
            codes.append(rng.choice(ref.BLACK_FRIDAY_CODES if near_bf else ref.DISCOUNT_CODES))
        pct = CODE_PERCENT[codes[0]] if codes else 0
        subtotal = sum(prod.prices[currency] * q for prod, q in items)
        discount = round_money(subtotal * pct / 100.0, currency)
        rows, subtotal = _line_items(items, currency, discount)
        discount = round_money(sum(row["discount_amount"] for row in rows), currency)
        shipping = 0.0
        if (
            source != "pos"
            and "FREESHIP" not in codes
            and subtotal - discount < ref.FREE_SHIPPING_OVER[currency]
        ):
            shipping = ref.SHIPPING_FEE[currency]
        tax = round_money((subtotal - discount + shipping) * country.tax_rate, currency)
        total = round_money(subtotal - discount + shipping + tax, currency)
        order_id = world.order_id(p.idx, k)
        fin = "paid" if rnd() < 0.94 else "pending"
        # Lines are assembled from JSON fragments; only the changing fields differ.
        email_j = DUMPS(email) if email is not None else "null"
        customer_j = f'"{shop_customer_id}"' if shop_customer_id else "null"
        head = (
            f'{{"order_id":"{order_id}","shop_customer_id":{customer_j},'
            f'"email":{email_j},"created_at":"{iso_local(t0, tz)}",'
        )
        items_j = _items_json(rows, items)
        money = (
            f'"currency":"{currency}","subtotal_amount":{subtotal!r},'
            f'"discount_amount":{discount!r},"shipping_amount":{shipping!r},'
            f'"tax_amount":{tax!r},"total_amount":{total!r},'
            f'"discount_codes":{_codes_json(codes)},"source_name":"{source}",'
            f'"line_items":{items_j},'
        )
        tail = f',"shipping_address":{ship_j if source != "pos" else "null"}}}'

        def version(
            ts: int,
            status: str,
            fin_status: str,
            cancelled: int | None = None,
            refunds: str = "[]",
            head: str = head,
            money: str = money,
            tail: str = tail,
        ) -> tuple[int, str]:
            cancelled_j = f'"{iso_local(cancelled, tz)}"' if cancelled else "null"
            return ts, (
                f'{head}"updated_at":"{iso_local(ts, tz)}","status":"{status}",'
                f'"financial_status":"{fin_status}","cancelled_at":{cancelled_j},'
                f'{money}"refunds":{refunds}{tail}'
            )

        if source == "pos":
            versions = [version(t0, "fulfilled", "paid")]
        else:
            versions = [version(t0, "open", fin)]
        cancelled = False
        refund_ts = None
        refund_points = 0
        t_fulfil = None
        if source != "pos" and rnd() < 0.035:
            cancelled = True
            tc = t0 + ctx.randrange(1800, 2 * DAY)
            versions.append(
                version(tc, "cancelled", "refunded" if fin == "paid" else "voided", cancelled=tc)
            )
        elif source != "pos":
            if rnd() < 0.7:
                t_fulfil = t0 + ctx.randrange(DAY // 2, 5 * DAY)
                versions.append(version(t_fulfil, "fulfilled", "paid"))
        else:
            t_fulfil = t0
        if t_fulfil is not None and rnd() < 0.08:
            tr = t_fulfil + ctx.randrange(3 * DAY, 30 * DAY)
            full = rnd() < 0.4 or (len(rows) == 1 and rows[0]["quantity"] == 1)
            if full:
                amount = total
                refund_lines = [
                    {"line_item_id": row["line_item_id"], "quantity": row["quantity"]}
                    for row in rows
                ]
                status = "refunded"
            else:
                row = rows[0]
                amount = round_money(
                    row["unit_price"] - row["discount_amount"] / row["quantity"], currency
                )
                refund_lines = [{"line_item_id": row["line_item_id"], "quantity": 1}]
                status = "partially_refunded"
            refunds = DUMPS(
                [
                    {
                        "refund_id": "R1",
                        "created_at": iso_local(tr, tz),
                        "amount": amount,
                        "line_items": refund_lines,
                    }
                ]
            )
            versions.append(version(tr, status, status, refunds=refunds))
            refund_ts = tr
            refund_points = int(amount / ref.FX_FROM_USD[currency])
        for ts, line in versions:
            if ts > clock.end:
                break
            if rnd() < 0.02:
                arrival = min(clock.end, ts + ctx.randrange(DAY, 8 * DAY))
            else:
                arrival = min(clock.end, ts + ctx.randrange(1, 90))
            orders_buf.add(arrival, ts, line, order_id)
        ctx.record("shop_orders", order_id, p.person_id)
        if refund_ts is not None and refund_ts > clock.end:
            refund_ts = None
        p.orders.append(
            Order(
                t0,
                order_id,
                source,
                guest,
                email,
                currency,
                total,
                items,
                cancelled,
                refund_ts,
                refund_points,
            )
        )
        # Online orders go through a checkout.
        if source in ("web", "iphone", "android"):
            checkout_id = world.checkout_id(p.idx, k)
            created = t0 - ctx.randrange(120, 1500)
            line = (
                f'{{"checkout_id":"{checkout_id}","shop_customer_id":{customer_j},'
                f'"email":{email_j},"created_at":"{iso_local(created, tz)}",'
                f'"updated_at":"{iso_local(t0, tz)}","completed_at":"{iso_local(t0, tz)}",'
                f'"currency":"{currency}","total_amount":{total!r},"line_items":{items_j},'
                f'"abandoned_checkout_url":"{SHOP_URL}/checkouts/{ctx.hex()}/recover"}}'
            )
            arrival = t0 + ctx.randrange(1, 120)
            if rnd() < 0.015:
                arrival += ctx.randrange(DAY, 8 * DAY)
            checkout_buf.add(min(clock.end, arrival), t0, line, checkout_id)
            ctx.record("shop_checkouts", checkout_id, p.person_id)
    _abandoned(ctx, p, lo, hi, exposure)
    if p.loyalty and (p.orders or p.existing or rnd() < 0.3):
        _loyalty(ctx, p)


def _abandoned(ctx: Ctx, p: Person, lo: int, hi: int, exposure: float) -> None:
    world, clock, rng = ctx.world, ctx.clock, ctx.rng
    rnd = rng.random
    buf = ctx.bufs["shop_checkouts"]
    n = min(64, ctx.poisson(0.32 * (0.5 + p.eng) * exposure * (1.5 if p.orders else 1.0)))
    currency = p.country.currency
    for j in range(n):
        day = clock.sample_day(rnd(), lo, hi)
        secs = clock.sample_hour(rnd()) * 3600 + ctx.randrange(3600)
        created = clock.local_to_utc(p.tz, day, secs)
        if not p.start_ts <= created < p.end_ts or created + 3600 > clock.end:
            continue
        updated = created + ctx.randrange(30, 1800)
        logged_in = p.has_shop and rnd() < 0.5
        r = rnd()
        if logged_in:
            email = p.shop_email
            ctx.ident("shop_customer_id", p.shop_id, p.person_id)
            ctx.linked.add(("shop_customer_id", p.shop_id))
        elif r < 0.25:
            email = None
        elif r < 0.55:
            email = email_typo_case(p.email, rng)
        else:
            email = p.email
        if email:
            ctx.ident("email", email, p.person_id)
        items = _items(ctx, p, 3)
        rows, subtotal = _line_items(items, currency, 0.0)
        checkout_id = world.checkout_id(world.params.customers + p.idx, j % 64)
        co = {
            "checkout_id": checkout_id,
            "shop_customer_id": p.shop_id if logged_in else None,
            "email": email,
            "created_at": clock.iso_local(created, p.tz),
            "updated_at": clock.iso_local(updated, p.tz),
            "completed_at": None,
            "currency": currency,
            "total_amount": subtotal,
            "line_items": rows,
            "abandoned_checkout_url": f"{SHOP_URL}/checkouts/{ctx.hex()}/recover",
        }
        arrival = updated + ctx.randrange(1, 300)
        if rnd() < 0.015:
            arrival += ctx.randrange(DAY, 8 * DAY)
        buf.add(min(clock.end, arrival), updated, DUMPS(co), checkout_id)
        ctx.record("shop_checkouts", checkout_id, p.person_id)
        p.abandoned.append((created, email, checkout_id, items))


def _loyalty(ctx: Ctx, p: Person) -> None:
    world, clock, rng = ctx.world, ctx.clock, ctx.rng
    rnd = rng.random
    buf = ctx.bufs["shop_loyalty_ledger"]
    entries: list[tuple[int, int, str, str | None]] = []
    balance = ctx.randrange(0, 900) if p.existing else 0
    if not p.existing:
        entries.append((p.start_ts + ctx.randrange(5, 600), 100, "bonus", None))
        balance += 100
    for order in p.orders:
        if order.guest or order.cancelled:
            continue
        fx = ref.FX_FROM_USD[order.currency]
        if balance >= 500 and rnd() < 0.35:
            entries.append((order.ts, -500, "redeem", order.order_id))
            balance -= 500
        points = max(1, int(order.total / fx))
        entries.append(
            (order.ts + ctx.randrange(60, 3600), points, "earn_purchase", order.order_id)
        )
        balance += points
        if rnd() < 0.2:  # a product review or a referral
            entries.append((order.ts + ctx.randrange(5 * DAY, 20 * DAY), 25, "bonus", None))
            balance += 25
        if order.refund_ts is not None and order.refund_points:
            entries.append(
                (order.refund_ts + 60, -min(points, order.refund_points), "adjust", order.order_id)
            )
    month, day = p.birth_md
    if rnd() < 0.7:
        for year in (clock.start_date.year, clock.end_date.year):
            try:
                bday = date(year, month, day)
            except ValueError:
                continue
            ts = clock.start + (bday - clock.start_date).days * 86400 + 8 * 3600
            if p.start_ts <= ts < min(p.end_ts, clock.end):
                entries.append((ts, 50, "bonus", None))
                break
    if p.existing and rnd() < 0.08:
        ts = clock.start + ctx.randrange(clock.days) * DAY + ctx.randrange(DAY)
        if ts < p.end_ts:
            entries.append((ts, -ctx.randrange(20, 400), "expire", None))
    if rnd() < 0.03:
        ts = ctx.randrange(p.start_ts, p.end_ts) if p.start_ts < p.end_ts else p.start_ts
        entries.append((ts, rng.choice((-1, 1)) * ctx.randrange(10, 250), "adjust", None))
    entries.sort(key=lambda e: e[0])
    email = p.shop_email
    if entries and entries[0][0] <= clock.end:
        ctx.ident("shop_customer_id", p.shop_id, p.person_id)
        ctx.ident("email", email, p.person_id)
    for k, (ts, points, reason, order_id) in enumerate(entries):
        if ts > clock.end or k >= 256:
            break
        with_email = rnd() < 0.85
        if with_email:
            ctx.linked.add(("shop_customer_id", p.shop_id))
        line = csv_line(
            (
                world.loyalty_id(p.idx, k),
                p.shop_id,
                email if with_email else None,
                clock.iso(ts),
                points,
                reason,
                order_id,
            )
        )
        arrival = ts + ctx.randrange(60, 7200)
        if rnd() < 0.01:
            arrival += ctx.randrange(DAY, 6 * DAY)
        buf.add(min(clock.end, arrival), ts, line)
