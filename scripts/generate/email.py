"""ESP emitter: SendGrid webhook events for campaign and flow sends to one address.

Lines are assembled from pre-serialised fragments: this table is the largest, and json.dumps
per event would dominate the run time.
"""

from __future__ import annotations

import json
import math
from binascii import b2a_base64
from bisect import bisect_left
from dataclasses import dataclass, field

from scripts.generate import reference as ref
from scripts.generate.clock import DAY
from scripts.generate.context import Ctx
from scripts.generate.people import Person
from scripts.generate.world import Campaign

TARGET_SHARE = 0.3  # share of subscribers a campaign goes to
LATE_SHARE = 0.02  # events posted days late
DUP_SHARE = 0.01  # events re-delivered verbatim
HALF_LIFE = 120 * DAY  # engagement fades with time since the last activity


@dataclass
class Recipient:
    """One subscribed address and how its owner (or owners) behaves."""

    address: str  # normalised
    start: int
    end: int
    eng: float
    apple_mail: bool
    corporate: bool
    last_active: int
    created: int
    targeting: float = 1.0
    person: Person | None = None
    hard_bounce: bool = False
    unsub_plan: int | None = None
    flows: list[tuple[int, Campaign]] = field(default_factory=list)


def _ip(ctx: Ctx, prefix: str | None = None) -> str:
    r = ctx.rng.getrandbits(32)
    if prefix:
        return f"{prefix}{(r >> 8) & 255}.{r & 255}"
    return f"{(r >> 24) % 200 + 20}.{(r >> 16) & 255}.{(r >> 8) & 255}.{r & 255}"


def emit_recipient(ctx: Ctx, rc: Recipient) -> None:
    """All sends to one address with their processed/delivered/open/click/... events."""
    world, clock, rng = ctx.world, ctx.clock, ctx.rng
    rnd = rng.random
    randrange = ctx.randrange
    buf = ctx.bufs["esp_email_events"]
    add, add_twice = buf.add, buf.add_twice
    end = clock.end
    ej = json.dumps(rc.address)
    getrandbits = rng.getrandbits
    person = rc.person

    # Each campaign reaches this address with probability q: jump straight from one
    # targeted campaign to the next (geometric gaps) instead of a draw per campaign.
    sends: list[tuple[int, Campaign]] = []
    campaigns = world.campaigns
    q = min(0.95, TARGET_SHARE * rc.targeting * (0.7 + rc.eng))
    i = bisect_left(world.campaign_times, rc.start)
    log_miss = math.log(1.0 - q)
    n_camp = len(campaigns)
    while True:
        i += int(math.log(1.0 - rnd()) / log_miss)
        if i >= n_camp:
            break
        camp = campaigns[i]
        if camp.sent_at >= rc.end:
            break
        sends.append((camp.sent_at + randrange(0, 1800), camp))
        i += 1
    sends.extend(rc.flows)
    sends.sort(key=lambda s: s[0])
    if not sends:
        return

    domain = rc.address.rpartition("@")[2]
    if domain == "gmail.com":
        human_ua = json.dumps(ref.MAIL_AGENTS[5])
        human_ip = _ip(ctx, "66.249.")
    else:
        agent = ref.MAIL_AGENTS[1] if rc.apple_mail else rng.choice(ref.MAIL_AGENTS[:5])
        human_ua = json.dumps(agent)
        human_ip = _ip(ctx)
    human_extra = f',"useragent":{human_ua},"ip":"{human_ip}","sg_machine_open":false'
    scanner_p = 0.35 if rc.corporate else 0.003
    last_active = rc.last_active
    suppressed = False
    bounced_drops = 0
    drop_reason = ref.DROP_REASONS[0]
    groups_off: set[int] = set()
    unsub_plan = rc.unsub_plan
    hard_bounce = rc.hard_bounce
    exp = math.exp

    def emit(ts: int, event: str, extra: str) -> None:
        if ts > end:
            return
        eid = b2a_base64(getrandbits(144).to_bytes(18, "big"), newline=False).decode()
        line = (
            f'{{"email":{ej},"timestamp":{ts},"event":"{event}","sg_event_id":"{eid}"'
            f"{head}{extra}}}"
        )
        r = rnd()
        arrival = ts + (randrange(2 * DAY, 9 * DAY) if r < LATE_SHARE else 2 + (ts & 31))
        if arrival > end:
            arrival = end
        if r > 1.0 - DUP_SHARE:
            again = arrival + randrange(60, 3 * DAY)
            add_twice(arrival, again if again <= end else end, ts, line)
        else:
            add(arrival, ts, line)

    for t_send, camp in sends:
        if t_send >= rc.end or t_send > end:
            break
        group = camp.asm_group_id
        if group in groups_off:
            continue
        variant = camp.variants[0]
        if len(camp.variants) > 1:
            variant = camp.variants[int(rnd() * len(camp.variants))]
        h = getrandbits(128).to_bytes(16, "big").hex()
        mid = f"{h[:11]}.{h[11:14]}.{h[14:20]}"
        head = (
            f',"sg_message_id":"{mid}.filter{h[20:24]}.{h[24:28]}.{h[28:].upper()}.0",'
            f'"smtp-id":"<{mid}@ismtpd-{int(rnd() * 1000)}>"{variant.tags}'
        )
        if suppressed:
            if bounced_drops < 2:
                bounced_drops += 1
                emit(t_send, "processed", "")
                emit(
                    t_send + randrange(1, 5),
                    "dropped",
                    f',"reason":"{drop_reason}","status":"5.1.1"',
                )
            continue
        emit(t_send, "processed", "")
        t = t_send + randrange(1, 40)
        if hard_bounce:
            reason, status = ref.BOUNCE_REASONS[randrange(len(ref.BOUNCE_REASONS))]
            reason = reason.replace("{email}", rc.address)
            emit(t, "bounce", f',"reason":{json.dumps(reason)},"status":"{status}","type":"bounce"')
            suppressed = True
            continue
        r = rnd()
        if r < 0.002:
            emit(t, "dropped", f',"reason":"{ref.DROP_REASONS[3]}","status":"5.0.0"')
            continue
        if r < 0.008:
            reason, status = ref.BLOCK_REASONS[randrange(len(ref.BLOCK_REASONS))]
            emit(t, "bounce", f',"reason":"{reason}","status":"{status}","type":"blocked"')
            continue
        if r < 0.03:
            for attempt in range(1, 2 + randrange(3)):
                reason, status = ref.DEFER_REASONS[randrange(len(ref.DEFER_REASONS))]
                t += randrange(300, 1800)
                emit(
                    t, "deferred", f',"reason":"{reason}","status":"{status}","attempt":"{attempt}"'
                )
            t += randrange(60, 1800)
        emit(t, "delivered", ',"response":"250 OK"')
        t_del = t
        if rc.apple_mail and rnd() < 0.92:
            emit(
                t_del + randrange(3, 1200),
                "open",
                f',"useragent":"{ref.APPLE_PROXY_AGENT}","ip":"'
                f'{_ip(ctx, ref.APPLE_PROXY_NETS[randrange(4)])}","sg_machine_open":true',
            )
        if rnd() < scanner_p:
            agent = json.dumps(ref.SCANNER_AGENTS[randrange(len(ref.SCANNER_AGENTS))])
            ip = _ip(ctx, ref.SCANNER_NETS[randrange(4)])
            if rnd() < 0.4:
                emit(
                    t_del + randrange(1, 4),
                    "open",
                    f',"useragent":{agent},"ip":"{ip}","sg_machine_open":false',
                )
            emit(
                t_del + randrange(1, 9),
                "click",
                f',"useragent":{agent},"ip":"{ip}","url":{variant.url_json}',
            )
        # A person may read it: likelier when recently active and recently signed up.
        fade = exp(-(t_del - last_active) / HALF_LIFE) if t_del > last_active else 1.0
        fresh = exp(-(t_del - rc.created) / (60 * DAY)) if t_del > rc.created else 1.0
        p_open = rc.eng * (0.35 + 0.65 * fade) * (1.0 + 0.4 * fresh)
        opened_at = None
        if rnd() < p_open:
            opened_at = t_del + int(60 * rng.lognormvariate(4.4, 1.3))
            if opened_at < end:
                emit(opened_at, "open", human_extra)
                last_active = opened_at
                if rnd() < 0.25:
                    emit(opened_at + int(60 * rng.lognormvariate(5.0, 1.2)), "open", human_extra)
                if rnd() < 0.13:
                    t_click = opened_at + randrange(5, 300)
                    emit(
                        t_click,
                        "click",
                        f',"useragent":{human_ua},"ip":"{human_ip}","url":{variant.url_json}',
                    )
                    last_active = t_click
                    if person is not None and t_click < end:
                        person.clicks.append(
                            (t_click, camp.campaign_id, variant.url, camp.campaign_type)
                        )
        # Leaving the list: planned unsubscribes happen in reply to a delivered email.
        if unsub_plan is not None and t_del >= unsub_plan:
            t_out = (opened_at or t_del) + randrange(30, 2 * DAY)
            r = rnd()
            if r < 0.6:
                emit(t_out, "unsubscribe", "")
                suppressed, bounced_drops = True, 1
                drop_reason = ref.DROP_REASONS[1]
            elif r < 0.85:
                emit(t_out, "group_unsubscribe", f',"asm_group_id":{group}')
                groups_off.add(group)
            else:
                emit(t_out, "spamreport", "")
                suppressed, bounced_drops = True, 1
                drop_reason = ref.DROP_REASONS[2]
            unsub_plan = None
            if person is not None and suppressed and t_out < end:
                person.unsub_ts = t_out
        elif rnd() < 0.0004:
            emit(t_del + randrange(60, DAY), "spamreport", "")
            suppressed, bounced_drops = True, 1
            drop_reason = ref.DROP_REASONS[2]
            if person is not None and person.unsub_ts is None and t_del + DAY < end:
                person.unsub_ts = t_del + DAY


def emit_person_email(ctx: Ctx, p: Person) -> None:
    """Campaign and flow sends for one person's subscribed addresses."""
    if not p.opt_in or p.role_crm:
        return
    world, clock, rng = ctx.world, ctx.clock, ctx.rng
    rnd = rng.random
    randrange = ctx.randrange
    start = max(p.start_ts, clock.start)
    end = p.end_ts
    primary = p.email
    change = p.email_change_ts
    flows: list[tuple[int, Campaign]] = []
    if not p.existing:
        flows.append((p.created_ts + randrange(30, 900), world.flows["welcome"]))
    for created, email, _cid, _items in p.abandoned:
        if email and email.strip().lower() == primary and rnd() < 0.8:
            flows.append((created + randrange(3600, 4 * 3600), world.flows["abandoned_cart"]))
    if p.orders:
        last = p.orders[-1].ts
        if last + 120 * DAY < min(end, clock.end):
            flows.append((last + 120 * DAY + randrange(DAY), world.flows["winback"]))
        for order in p.orders:
            if (
                any(prod.category in ref.CONSUMABLE_CATEGORIES for prod, _ in order.items)
                and rnd() < 0.4
            ):
                flows.append((order.ts + 45 * DAY + randrange(DAY), world.flows["replenishment"]))
    common = {
        "eng": p.eng,
        "apple_mail": p.apple_mail,
        "corporate": p.corporate,
        "last_active": p.last_active,
        "created": p.created_ts,
        "person": p,
    }
    rc = Recipient(
        primary,
        start,
        change or end,
        hard_bounce=p.hard_bounce,
        unsub_plan=p.unsub_plan,
        flows=[f for f in flows if f[0] < (change or end)],
        **common,
    )
    emit_recipient(ctx, rc)
    if change and p.new_email and (p.unsub_ts is None):
        emit_recipient(
            ctx,
            Recipient(
                p.new_email, change, end, flows=[f for f in flows if f[0] >= change], **common
            ),
        )
    if p.dup_kind == "other" and p.dup_created and p.unsub_ts is None:
        emit_recipient(
            ctx,
            Recipient(
                p.dup_email.strip().lower(), max(p.dup_created, start), end, targeting=0.5, **common
            ),
        )


def emit_role_addresses(ctx: Ctx) -> None:
    """Shared role addresses (info@, sales@): one list entry each, read by several people."""
    clock, rng = ctx.clock, ctx.rng
    for address in ctx.world.role_addresses:
        emit_recipient(
            ctx,
            Recipient(
                address,
                clock.start,
                clock.end,
                eng=0.35,
                apple_mail=rng.random() < 0.3,
                corporate=False,
                last_active=clock.start,
                created=clock.start - 400 * DAY,
                targeting=1.4,
            ),
        )
