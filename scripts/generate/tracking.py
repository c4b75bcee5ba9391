"""Tracking emitter: Segment page/track/identify events from people's devices and from bots."""

from __future__ import annotations

import json
from functools import lru_cache

from scripts.generate import reference as ref
from scripts.generate.clock import DAY, DAY_MS, HM, SS_MS
from scripts.generate.context import Ctx
from scripts.generate.people import Person, email_typo_case
from scripts.generate.world import SHOP_URL, World

DUP_SHARE = 0.008
DELAYED_BATCH = 0.015  # sessions whose events reach the lake days after receivedAt
OFFLINE_SHARE = 0.05  # app sessions sent days later, when the phone is back online
BLOCKED_SHARE = 0.12  # browsers with a content blocker: their visits leave no events
COOKIE_RESET = 0.1  # web sessions that start with a fresh anonymousId (ITP, cleared cookies)


def _compact(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class Pages:
    """Pre-serialised page objects that do not depend on the product."""

    def __init__(self, world: World) -> None:
        cats = sorted({p.category for p in world.products})
        self.home = _compact({"url": f"{SHOP_URL}/", "path": "/", "title": "Norda"})
        self.categories = [
            _compact({"url": f"{SHOP_URL}/c/{c.lower()}", "path": f"/c/{c.lower()}", "title": c})
            for c in cats
        ]
        self.cart = _compact({"url": f"{SHOP_URL}/cart", "path": "/cart", "title": "Cart"})
        self.checkout = _compact(
            {"url": f"{SHOP_URL}/checkout", "path": "/checkout", "title": "Checkout"}
        )
        self.search = [
            (
                _compact(
                    {
                        "url": f"{SHOP_URL}/search?q={t.replace(' ', '+')}",
                        "path": "/search",
                        "title": "Search",
                    }
                ),
                _compact({"query": t}),
            )
            for t in ref.SEARCH_TERMS
        ]


def pages_for(world: World) -> Pages:
    """The world's page objects, built on first use and kept on the world."""
    pages = getattr(world, "tracking_pages", None)
    if pages is None:
        pages = world.tracking_pages = Pages(world)
    return pages


@lru_cache(maxsize=64)
def _agent_json(kind: str, ua: str, manufacturer: str | None, model: str | None) -> tuple[str, str]:
    device = {"type": "mobile" if kind != "desktop" else "desktop"}
    if manufacturer:
        device["manufacturer"] = manufacturer
    if model:
        device["model"] = model
    return _compact(ua), _compact(device)


class Device:
    __slots__ = (
        "anon",
        "app",
        "blocked",
        "ctx_a",
        "ctx_b",
        "identified",
        "kind",
        "skew",
        "user_id",
    )


def _new_device(ctx: Ctx, p: Person, kind: str) -> Device:
    rng = ctx.rng
    d = Device()
    d.kind = kind
    d.app = kind == "app"
    d.blocked = not d.app and rng.random() < BLOCKED_SHARE
    agents = ref.BROWSER_AGENTS[kind]
    if p.apple_mail and kind != "desktop":
        ua, manufacturer, model, lib = agents[0 if rng.random() < 0.7 else 1]
    else:
        ua, manufacturer, model, lib = agents[ctx.randrange(len(agents))]
    r = rng.random()
    if r < 0.88:
        d.skew = ctx.randrange(-1500, 1500)
    elif r < 0.96:
        d.skew = rng.choice((-1, 1)) * ctx.randrange(60_000, 1_800_000)
    else:  # a clock set to the wrong zone or simply wrong by hours
        d.skew = rng.choice((-1, 1)) * (
            ctx.randrange(1, 10) * 3_600_000 + ctx.randrange(-90_000, 90_000)
        )
    r32 = rng.getrandbits(32)
    ip = f"{(r32 >> 24) % 180 + 30}.{(r32 >> 16) & 255}.{(r32 >> 8) & 255}.{r32 & 255}"
    ua_json, device_json = _agent_json(kind, ua, manufacturer, model)
    d.ctx_a = (
        f'"ip":"{ip}","userAgent":{ua_json},"locale":"{p.country.locale}",'
        f'"timezone":"{p.tz}","device":{device_json}'
    )
    d.ctx_b = f',"library":{{"name":"{lib}","version":"{ref.LIBRARY_VERSIONS[lib]}"}}'
    if d.app:
        version = ua.split("/")[1].split(" ")[0]
        d.ctx_b = f',"app":{{"name":"Norda","version":"{version}"}}' + d.ctx_b
    d.anon = None
    d.identified = False
    d.user_id = None
    _reset(ctx, d)
    return d


def _reset(ctx: Ctx, d: Device) -> None:
    d.anon = ctx.uuid()
    d.identified = False
    d.user_id = None


def emit_tracking(ctx: Ctx, p: Person) -> None:
    world, clock, rng = ctx.world, ctx.clock, ctx.rng
    rnd = rng.random
    randrange = ctx.randrange
    pages = pages_for(world)
    pick = world.pick_product
    buf = ctx.bufs["tracking_events"]
    add, add_twice = buf.add, buf.add_twice
    getrandbits = rng.getrandbits
    end_s = clock.end
    base_ms = clock.base_ms
    day_prefix = clock.day_prefix
    pid = p.person_id
    linked = ctx.linked
    role_set = world.role_set

    # Devices: most people use one or two; some use the app.
    kinds = ["mobile" if rnd() < 0.55 else "desktop"]
    if rnd() < 0.45:
        kinds.append("desktop" if kinds[0] == "mobile" else "mobile")
    if rnd() < 0.18:
        kinds.append("app")
    devices = [_new_device(ctx, p, k) for k in kinds]
    app = next((d for d in devices if d.app), None)
    web = [d for d in devices if not d.app]

    # Sessions: (start seconds, kind, payload)
    sessions: list[tuple[int, str, object]] = []
    for order in p.orders:
        if order.source in ("web", "iphone", "android"):
            sessions.append((order.ts - randrange(240, 1800), "order", order))
    for ab in p.abandoned:
        sessions.append((ab[0] - randrange(120, 900), "abandon", ab))
    for click in p.clicks:
        sessions.append((click[0] + randrange(1, 4), "click", click))
    lo = max(clock.start, p.created_ts - 30 * DAY if not p.existing else p.start_ts)
    hi = min(p.end_ts, clock.end)
    if hi > lo:
        exposure = (hi - lo) / (365 * DAY)
        lo_day = (lo - clock.start) // DAY
        hi_day = (hi - clock.start) // DAY + 1
        for _ in range(ctx.poisson(2.2 * (0.3 + p.eng) * exposure + 0.2)):
            day = clock.sample_day(rnd(), lo_day, hi_day)
            ts = clock.local_to_utc(
                p.tz, day, clock.sample_hour(rnd(), True) * 3600 + randrange(3600)
            )
            if lo <= ts < hi:
                sessions.append((ts, "browse", None))
    sessions.sort(key=lambda s: s[0])

    for start, kind, payload in sessions:
        if start + 60 > end_s:
            continue
        if kind == "order" and payload.source != "web" and app is not None:
            dev = app
        elif kind == "click" or not web:
            dev = web[0] if web else devices[0]
        else:
            dev = web[int(rnd() * len(web))]
        if dev.blocked:
            continue
        if not dev.app and rnd() < COOKIE_RESET:
            _reset(ctx, dev)
        ctx.ident("anonymous_id", dev.anon, pid)
        skew = dev.skew
        offline = dev.app and rnd() < OFFLINE_SHARE
        flush_base = randrange(DAY, 4 * DAY) * 1000 if offline else 0
        # A delayed export batch: received on time, but written to the lake days later.
        lag = randrange(2 * DAY, 9 * DAY) if rnd() < DELAYED_BATCH else 0
        ctx_a, ctx_b = dev.ctx_a, dev.ctx_b
        app_dev = dev.app
        t = start * 1000 + randrange(1000)
        prefix = "" if app_dev else "ajs-next-"
        # (type, name, properties, page) tuples; page None for app events
        events: list[tuple[str, str, str, str | None]] = []
        camp = ""
        referrer = None
        checkout_id = None
        buyer = False  # the order or checkout names its buyer (not a shared address)
        signed_up = t // 1000 >= p.created_ts
        want_identify = (
            not dev.identified
            and signed_up
            and (
                (kind == "order" and not payload.guest and rnd() < 0.9)
                or (kind == "click" and rnd() < 0.35)
                or (kind == "abandon" and rnd() < 0.4)
                or (kind == "browse" and rnd() < 0.1)
                or (not p.existing and abs(start - p.created_ts) < DAY)
            )
        )
        if kind == "click":
            url = payload[2]
            camp = f',"campaign":{{"source":"{payload[3]}","medium":"email","name":"{payload[1]}"}}'
            path = url[len(SHOP_URL) :].split("?")[0]
            landing = f'{{"url":"{url}","path":"{path}","title":"Norda","referrer":null}}'
            events.append(("page", "Landing", landing, landing))
            for _ in range(randrange(0, 4)):
                prod = pick(rnd())
                events.append(("page", "Product", prod.page, prod.page))
                events.append(("track", "Product Viewed", prod.view_props, prod.page))
        else:
            referrer = ref.REFERRERS[randrange(len(ref.REFERRERS))]
            home = pages.home[:-1] + f',"referrer":"{referrer}"}}' if referrer else pages.home
            events.append(("page", "Home", home, home))
            if rnd() < 0.25:
                search_page, query = pages.search[randrange(len(pages.search))]
                events.append(("track", "Products Searched", query, search_page))
            elif rnd() < 0.5:
                cat_page = pages.categories[randrange(len(pages.categories))]
                events.append(("page", "Category", cat_page, cat_page))
            if kind == "browse":
                viewed = [pick(rnd()) for _ in range(1 + int(rng.expovariate(0.7)))]
                for prod in viewed[:8]:
                    events.append(("page", "Product", prod.page, prod.page))
                    events.append(("track", "Product Viewed", prod.view_props, prod.page))
                if rnd() < 0.12:
                    prod = viewed[0]
                    events.append(
                        (
                            "track",
                            "Product Added",
                            prod.view_props[:-1] + ',"quantity":1}',
                            prod.page,
                        )
                    )
            else:
                items = payload.items if kind == "order" else payload[3]
                for prod, qty in items:
                    events.append(("page", "Product", prod.page, prod.page))
                    events.append(("track", "Product Viewed", prod.view_props, prod.page))
                    events.append(
                        (
                            "track",
                            "Product Added",
                            prod.view_props[:-1] + f',"quantity":{qty}}}',
                            prod.page,
                        )
                    )
                products_json = ",".join(
                    f'{{"product_id":"{prod.product_id}","quantity":{q}}}' for prod, q in items
                )
                cart = f'{{"products":[{products_json}]}}'
                events.append(("track", "Cart Viewed", cart, pages.cart))
                if kind == "order":
                    value = payload.total
                    currency = payload.currency
                    checkout_id = None
                    buyer = not payload.guest or (
                        payload.email is not None and payload.email.strip().lower() not in role_set
                    )
                else:
                    value = round(sum(prod.prices[p.country.currency] * q for prod, q in items), 2)
                    currency = p.country.currency
                    checkout_id = payload[2]
                    buyer = payload[1] is not None
                checkout_json = f'"{checkout_id}"' if checkout_id else "null"
                events.append(
                    (
                        "track",
                        "Checkout Started",
                        f'{{"checkout_id":{checkout_json},"value":{value!r},'
                        f'"currency":"{currency}"}}',
                        pages.checkout,
                    )
                )
                if kind == "order":
                    props = (
                        f'{{"order_id":"{payload.order_id}","total":{payload.total!r},'
                        f'"currency":"{payload.currency}","products":[{products_json}]}}'
                    )
                    events.append(("track", "Order Completed", props, pages.checkout))
        if want_identify:
            if p.pk_change_ts and t // 1000 >= p.pk_change_ts:
                uid = p.pk_new_id
            elif p.dup_crm_id and p.dup_created < t // 1000 and rnd() < 0.3:
                uid = p.dup_crm_id
            else:
                uid = p.crm_id
            email = p.crm_email if rnd() < 0.7 else email_typo_case(p.crm_email, rng)
            traits = _compact({"email": email, "first_name": p.first, "last_name": p.last})
            events.insert(1 if len(events) > 1 else 0, ("identify", uid, traits, None))
        if app_dev:  # apps send screens, not pages; keep their track events
            events = [e for e in events if e[0] != "page"]
        n_events = len(events)
        order_ms = payload.ts * 1000 if kind == "order" else None
        user = f'"{dev.user_id}"' if dev.user_id else "null"
        ids = f'"anonymousId":"{dev.anon}","userId":{user},'
        ctx_open = f'"context":{{{ctx_a}'
        ctx_close = f"{camp}{ctx_b}}},"
        for i, (etype, name, props, page) in enumerate(events):
            if order_ms is not None and i == n_events - 1 and t < order_ms:
                t = order_ms
            if etype == "identify":
                dev.identified = True
                dev.user_id = name
                ctx.ident("user_id", name, pid)
                ids = f'"anonymousId":"{dev.anon}","userId":"{name}",'
                head = f'{{"type":"identify","messageId":"{prefix}'
                body = f'"traits":{props}'
            else:
                head = _head(etype, name, prefix)
                body = f'"properties":{props}'
            flush = flush_base + 80 + int(rnd() * 820)
            recv_ms = t + flush + 30 + int(rnd() * 670)
            recv = recv_ms // 1000
            if recv > end_s:
                break
            # Three ISO strings, formatted inline (see Clock.iso_ms).
            d, r = divmod(t + skew - base_ms, DAY_MS)
            ts_s = day_prefix[d] + HM[r // 60_000] + SS_MS[r % 60_000]
            d, r = divmod(t + flush + skew - base_ms, DAY_MS)
            sent_s = day_prefix[d] + HM[r // 60_000] + SS_MS[r % 60_000]
            d, r = divmod(recv_ms - base_ms, DAY_MS)
            recv_s = day_prefix[d] + HM[r // 60_000] + SS_MS[r % 60_000]
            page_ctx = f',"page":{page}' if page and not app_dev else ""
            line = (
                f'{head}{getrandbits(128).to_bytes(16, "big").hex()}",{ids}{body},{ctx_open}'
                f'{page_ctx}{ctx_close}"timestamp":"{ts_s}","sentAt":"{sent_s}",'
                f'"receivedAt":"{recv_s}"}}'
            )
            arrival = recv + lag if recv + lag <= end_s else end_s
            if rnd() < DUP_SHARE:
                again = arrival + 1 + int(rnd() * 2 * DAY)
                add_twice(arrival, again if again <= end_s else end_s, (t + skew) // 1000, line)
            else:
                add(arrival, (t + skew) // 1000, line)
            if dev.user_id or (name in ("Order Completed", "Checkout Started") and buyer):
                linked.add(("anonymous_id", dev.anon))
            t += 2000 + int(rnd() * 38000)


@lru_cache(maxsize=256)
def _head(etype: str, name: str, prefix: str) -> str:
    """The start of a track or page line, up to the messageId's value."""
    key = "event" if etype == "track" else "name"
    return f'{{"type":"{etype}","{key}":"{name}","messageId":"{prefix}'


def emit_bots(ctx: Ctx, n_sessions: int) -> None:
    """Crawlers: many fast page views, no identify, datacenter addresses."""
    world, clock, rng = ctx.world, ctx.clock, ctx.rng
    randrange = ctx.randrange
    buf = ctx.bufs["tracking_events"]
    iso_ms = clock.iso_ms
    pages = pages_for(world)
    for _ in range(n_sessions):
        agent = ref.CRAWLER_AGENTS[randrange(len(ref.CRAWLER_AGENTS))]
        r32 = rng.getrandbits(32)
        ip = (
            f"{rng.choice((66, 40, 52, 157, 185))}.{(r32 >> 16) & 255}.{(r32 >> 8) & 255}."
            f"{r32 & 255}"
        )
        ctx_a = f'"ip":"{ip}","userAgent":{_compact(agent)},"locale":"en-US"'
        ctx_b = ',"library":{"name":"analytics.js","version":"4.1.0"}'
        anon = ctx.uuid()
        t = (clock.start + randrange(clock.days * DAY - 3600)) * 1000
        for _ in range(randrange(3, 14)):
            if randrange(4) == 0:
                page, name = pages.categories[randrange(len(pages.categories))], "Category"
            else:
                page, name = world.pick_product(rng.random()).page, "Product"
            flush = randrange(50, 400)
            recv_ms = t + flush + randrange(20, 200)
            mid = "ajs-next-" + rng.getrandbits(128).to_bytes(16, "big").hex()
            line = (
                f'{{"type":"page","name":"{name}","messageId":"{mid}","anonymousId":'
                f'"{anon}","userId":null,"properties":{page},"context":{{{ctx_a},'
                f'"page":{page}{ctx_b}}},"timestamp":"{iso_ms(t)}","sentAt":'
                f'"{iso_ms(t + flush)}","receivedAt":"{iso_ms(recv_ms)}"}}'
            )
            buf.add(recv_ms // 1000, t // 1000, line)
            t += randrange(300, 3000)
