"""CRM change events (Debezium), consent events, privacy requests and enrichment rows."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from scripts.generate import reference as ref
from scripts.generate.clock import DAY
from scripts.generate.context import Ctx
from scripts.generate.output import csv_line
from scripts.generate.people import Person, age_band, email_typo_case, other_phone
from scripts.generate.world import LSN_BASE_MS

DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
SOURCE_HEAD = (
    '"version":"2.7.3.Final","connector":"postgresql","name":"crm","db":"crm",'
    '"schema":"public","table":"customers"'
)


def _state_json(state: dict | None, memo: dict[int, str]) -> str:
    """JSON of a row image; an update's `before` is the previous `after`, encoded once."""
    if state is None:
        return "null"
    key = id(state)
    text = memo.get(key)
    if text is None:
        text = memo[key] = DUMPS(state)
    return text


def _custom_attributes(ctx: Ctx, p: Person) -> dict:
    rng = ctx.rng
    keys = rng.sample(ref.CUSTOM_ATTRIBUTES, ctx.randrange(0, 5))
    out: dict[str, object] = {}
    for key in keys:
        if key == "favourite_store":
            out[key] = f"{p.city.name} {rng.choice(ref.STORES)}"
        elif key in ("vip", "pet_owner", "student"):
            out[key] = rng.random() < 0.3
        elif key == "b2b_account":
            out[key] = p.role_address is not None
        elif key == "shoe_size":
            out[key] = (
                ctx.randrange(36, 47)
                if p.country.code != "US"
                else f"{ctx.randrange(6, 13)}.{rng.choice((0, 5))}"
            )
        elif key == "preferred_contact":
            out[key] = rng.choice(("email", "sms", "phone", "none"))
        elif key == "loyalty_tier":
            out[key] = rng.choice(("bronze", "silver", "gold", "platinum"))
        elif key == "referral_code":
            out[key] = f"REF-{rng.getrandbits(24):06X}"
        elif key == "newsletter_frequency":
            out[key] = rng.choice(("weekly", "monthly", "daily"))
        elif key == "clothing_size":
            out[key] = rng.choice(("XS", "S", "M", "L", "XL", "XXL"))
        elif key == "sports":
            out[key] = rng.sample(
                ("running", "hiking", "cycling", "yoga", "climbing", "skiing"), ctx.randrange(1, 3)
            )
    return out


def emit_crm(ctx: Ctx, p: Person) -> None:
    clock, rng = ctx.clock, ctx.rng
    rnd = rng.random
    iso = clock.iso
    pid = p.person_id
    state = {
        "customer_id": p.crm_id,
        "email": p.crm_email if rnd() < 0.8 else email_typo_case(p.crm_email, rng).strip(),
        "phone": p.phone,
        "first_name": p.first,
        "last_name": p.last,
        "birth_date": p.birth_date if rnd() < 0.9 else None,
        "gender": p.gender if p.gender != "unknown" else None,
        "country_code": p.country.code,
        "city": p.city.name,
        "timezone": p.tz,
        "language": p.country.language,
        "marketing_opt_in": p.opt_in,
        "created_at": iso(p.created_ts),
        "updated_at": iso(p.created_ts),
        "custom_attributes": _custom_attributes(ctx, p),
    }
    for value, kind in ((p.crm_id, "crm_customer_id"), (p.phone, "phone")):
        ctx.ident(kind, value, pid)
    ctx.ident("email", p.crm_email, pid)  # role addresses are skipped: they are shared
    ops: list[tuple[int, str, dict | None, dict | None]] = []  # (commit, op, before, after)
    if p.existing:
        last_update = p.created_ts + ctx.randrange(0, max(1, clock.start - p.created_ts))
        state["updated_at"] = iso(last_update)
        snapshot = dict(state)
        ops.append((clock.start + ctx.randrange(0, 3600), "r", None, snapshot))
    else:
        snapshot = dict(state)
        ops.append((p.created_ts, "c", None, snapshot))

    # Changes over the window, applied in time order.
    changes: list[tuple[int, str]] = []
    lo, hi = p.start_ts + 600, min(p.end_ts, clock.end)
    if lo < hi:
        exposure = (hi - lo) / (365 * DAY)
        for _ in range(ctx.poisson(1.6 * exposure)):
            changes.append((ctx.randrange(lo, hi), "profile"))
    if p.unsub_ts is not None and p.opt_in:
        changes.append((p.unsub_ts + ctx.randrange(60, 1800), "opt_out"))
    if p.email_change_ts:
        changes.append((p.email_change_ts, "email"))
    if p.pk_change_ts:
        changes.append((p.pk_change_ts, "pk"))
    if p.deleted_ts:
        changes.append((p.deleted_ts, "delete"))
    if p.erasure_done:
        changes.append((p.erasure_done, "delete"))
    changes.sort()
    for ts, kind in changes:
        if ts > clock.end:
            break
        before = snapshot
        if kind == "delete":
            ops.append((ts, "d", before, None))
            break
        if kind == "pk":
            ops.append((ts, "d", before, None))
            state["customer_id"] = p.pk_new_id
            state["updated_at"] = iso(ts)
            ctx.ident("crm_customer_id", p.pk_new_id, pid)
            snapshot = dict(state)
            ops.append((ts, "c", None, snapshot))
            continue
        if kind == "opt_out":
            if not state["marketing_opt_in"]:
                continue
            state["marketing_opt_in"] = False
        elif kind == "email":
            state["email"] = p.new_email
            ctx.ident("email", p.new_email, pid)
        else:
            r = rnd()
            if r < 0.25:
                phone = other_phone(p, rng, ctx.world)
                state["phone"] = phone
                ctx.ident("phone", phone, pid)
            elif r < 0.45:
                city = rng.choice(p.country.cities)
                state["city"], state["timezone"] = city.name, city.timezone
            elif r < 0.55:
                state["last_name"] = rng.choice(ref.LAST_NAMES[p.country.names])
            elif r < 0.85:
                state["custom_attributes"] = _custom_attributes(ctx, p)
            elif r < 0.92:
                state["birth_date"] = p.birth_date
            else:
                state["marketing_opt_in"] = (
                    not state["marketing_opt_in"] if p.unsub_ts is None else False
                )
        state["updated_at"] = iso(ts)
        snapshot = dict(state)
        ops.append((ts, "u", before, snapshot))

    # A second record for the same person.
    if p.dup_crm_id:
        dup = dict(state if p.dup_kind == "case" else ops[0][3] or state)
        dup.update(
            {
                "customer_id": p.dup_crm_id,
                "email": p.dup_email,
                "first_name": p.first.upper() if rnd() < 0.3 else p.first,
                "phone": p.phone if p.dup_kind == "other" or rnd() < 0.5 else None,
                "birth_date": p.birth_date if rnd() < 0.6 else None,
                "custom_attributes": _custom_attributes(ctx, p),
                "created_at": iso(p.dup_created),
                "updated_at": iso(p.dup_created),
                "marketing_opt_in": rnd() < 0.6,
            }
        )
        ctx.ident("crm_customer_id", p.dup_crm_id, pid)
        ctx.ident("email", p.dup_email, pid)
        if p.dup_created < clock.start:
            ops.append((clock.start + ctx.randrange(0, 3600), "r", None, dup))
        else:
            ops.append((p.dup_created, "c", None, dup))
        if p.erasure_done and p.erasure_done <= clock.end:
            ops.append((p.erasure_done + 5, "d", dup, None))
    ops.sort(key=lambda o: o[0])
    _write_crm(ctx, ops, pid)


def _write_crm(ctx: Ctx, ops: list, pid: str) -> None:
    clock, rng = ctx.clock, ctx.rng
    buf = ctx.bufs["crm_customer_changes"]
    out_start, out_end = ctx.world.crm_outage
    tag = ctx.unit % 4096
    prev_ms = 0
    memo: dict[int, str] = {}
    for ts, op, before, after in ops:
        commit = ctx.commit_ms(max(ts * 1000 + ctx.randrange(1000), prev_ms + 1))
        prev_ms = commit
        lsn = (commit - LSN_BASE_MS) * 4096 + tag
        if out_start <= commit // 1000 < out_end:
            processed = out_end * 1000 + ctx.randrange(600_000)
        elif rng.random() < 0.004:  # stuck in a retry loop for days
            processed = commit + ctx.randrange(DAY, 6 * DAY) * 1000
        else:
            processed = commit + ctx.randrange(20, 1500)
        before_j = _state_json(before, memo)
        after_j = _state_json(after, memo)
        line = (
            f'{{"before":{before_j},"after":{after_j},"op":"{op}","ts_ms":{processed},'
            f'"source":{{{SOURCE_HEAD},"ts_ms":{commit},'
            f'"snapshot":"{"true" if op == "r" else "false"}","lsn":{lsn},'
            f'"txId":{5000 + (commit - LSN_BASE_MS) // 997}}},"transaction":null}}'
        )
        rid = (after or before)["customer_id"]
        ctx.record("crm_customer_changes", rid, pid)
        arrival = processed // 1000 + 1
        if arrival > clock.end:
            arrival = clock.end
        if rng.random() < 0.003:
            again = arrival + ctx.randrange(60, DAY)
            buf.add_twice(arrival, min(again, clock.end), commit // 1000, line, rid)
        else:
            buf.add(arrival, commit // 1000, line, rid)


def emit_consent(ctx: Ctx, p: Person) -> None:
    clock, rng = ctx.clock, ctx.rng
    rnd = rng.random
    buf = ctx.bufs["consent_events"]
    old_v, new_v = ctx.world.policy_versions
    change = ctx.world.policy_change
    email = p.crm_email
    events: list[tuple[int, str, str, str, str, str | None, str]] = []

    def version(ts: int) -> str:
        return new_v if ts >= change else old_v

    if p.existing:
        ts = clock.start + ctx.randrange(DAY, 3 * DAY)
        src = "crm_import"
    else:
        ts = p.created_ts + ctx.randrange(1, 60)
        src = "signup_form"
    if ts < p.end_ts:
        events.append(
            (
                ts,
                "email_marketing",
                "granted" if p.opt_in else "withdrawn",
                "consent",
                src,
                p.crm_id,
                email,
            )
        )
        if rnd() < 0.3:
            basis = "consent" if rnd() < 0.7 else "legitimate_interest"
            events.append((ts, "profiling", "granted", basis, src, p.crm_id, email))
        if rnd() < 0.1:
            events.append((ts, "third_party_sharing", "granted", "consent", src, p.crm_id, email))
    if p.unsub_ts is not None and p.opt_in:
        events.append(
            (
                p.unsub_ts + ctx.randrange(5, 600),
                "email_marketing",
                "withdrawn",
                "consent",
                "preference_center",
                p.crm_id,
                email,
            )
        )
    if p.start_ts < change < p.end_ts and rnd() < 0.15:
        ts = change + ctx.randrange(0, 60 * DAY)
        events.append(
            (
                ts,
                "email_marketing",
                "granted" if p.opt_in and p.unsub_ts is None else "withdrawn",
                "consent",
                "preference_center",
                p.crm_id,
                email,
            )
        )
        if rnd() < 0.5:
            events.append(
                (
                    ts + 2,
                    "profiling",
                    "granted" if rnd() < 0.7 else "withdrawn",
                    "consent",
                    "preference_center",
                    p.crm_id,
                    email,
                )
            )
    for order in p.orders:
        if order.guest and order.email and rnd() < 0.15:
            events.append(
                (order.ts, "email_marketing", "granted", "consent", "checkout", None, order.email)
            )
    if p.privacy and p.privacy[0] == "do_not_sell":
        events.append(
            (
                p.privacy[1] + ctx.randrange(DAY, 10 * DAY),
                "third_party_sharing",
                "withdrawn",
                "consent",
                "support",
                p.crm_id,
                email,
            )
        )
    if rnd() < 0.02 and p.start_ts + DAY < p.end_ts:
        events.append(
            (
                ctx.randrange(p.start_ts + DAY, p.end_ts),
                "profiling",
                "withdrawn",
                "consent",
                "support",
                p.crm_id,
                email,
            )
        )
    for ts, purpose, status, basis, src, cid, addr in events:
        if ts > clock.end:
            continue
        cid_j = f'"{cid}"' if cid else "null"
        line = (
            f'{{"consent_id":"{ctx.uuid()}","customer_id":{cid_j},'
            f'"email":{DUMPS(addr)},"purpose":"{purpose}","status":"{status}",'
            f'"lawful_basis":"{basis}","source":"{src}","policy_version":"{version(ts)}",'
            f'"occurred_at":"{clock.iso(ts)}"}}'
        )
        arrival = ts + ctx.randrange(1, 600)
        if rnd() < 0.02:
            arrival += ctx.randrange(DAY, 8 * DAY)
        buf.add(min(arrival, clock.end), ts, line)


def emit_privacy(ctx: Ctx, p: Person) -> None:
    if not p.privacy:
        return
    clock, rng = ctx.clock, ctx.rng
    kind, requested = p.privacy
    email = p.crm_email if rng.random() < 0.7 else email_typo_case(p.crm_email, rng)
    done = requested + 30 * DAY <= clock.end
    rec = {
        "request_id": f"PR-{ctx.hex(48).upper()}",
        "request_type": kind,
        "customer_id": p.crm_id if rng.random() < 0.7 else None,
        "email": email,
        "jurisdiction": p.country.jurisdiction,
        "requested_at": clock.iso(requested),
        "status": "completed" if done else "pending",
    }
    ctx.bufs["privacy_requests"].add(requested, requested, DUMPS(rec))


def emit_enrichment(ctx: Ctx, p: Person) -> None:
    clock, rng = ctx.clock, ctx.rng
    rnd = rng.random
    buf = ctx.bufs["enrichment_profiles"]
    if rnd() >= 0.4:
        return
    n_rows = 2 if rnd() < 0.06 else 1
    for _ in range(n_rows):
        address = p.email if rnd() < 0.85 or not p.dup_email else p.dup_email.strip().lower()
        digest = hashlib.sha256(address.encode()).hexdigest()
        month = ctx.randrange(0, max(1, clock.days // 30))
        as_of = clock.start_date + timedelta(days=30 * month)
        as_of = as_of.replace(day=1)
        age = as_of.year - p.birth_year - (1 if (as_of.month, as_of.day) < p.birth_md else 0)
        band_index = ref.AGE_BANDS.index(age_band(age))
        if rnd() < 0.1:  # contradicts first-party data
            band_index = (band_index + rng.choice((-2, -1, 1, 2))) % len(ref.AGE_BANDS)
        kids = rnd() < 0.35
        row = (
            digest,
            ref.AGE_BANDS[band_index] if rnd() < 0.95 else None,
            rng.choice(ref.INCOME_BANDS) if rnd() < 0.85 else None,
            ctx.randrange(1, 6) if rnd() < 0.9 else None,
            kids,
            "|".join(rng.sample(ref.INTERESTS, ctx.randrange(1, 5))),
            rng.choice(ref.ENRICHMENT_VENDORS),
            round(rng.uniform(0.35, 0.99), 2),
            as_of.isoformat(),
        )
        buf.add(clock.start, clock.start, csv_line(row))
    if rnd() < 0.15:  # vendors also send people we do not know
        digest = hashlib.sha256(f"{ctx.hex(64)}@example.org".encode()).hexdigest()
        row = (
            digest,
            rng.choice(ref.AGE_BANDS),
            rng.choice(ref.INCOME_BANDS),
            ctx.randrange(1, 6),
            rnd() < 0.3,
            rng.choice(ref.INTERESTS),
            rng.choice(ref.ENRICHMENT_VENDORS),
            round(rng.uniform(0.2, 0.9), 2),
            clock.start_date.replace(day=1).isoformat(),
        )
        buf.add(clock.start, clock.start, csv_line(row))
