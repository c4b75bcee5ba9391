"""The shared world every chunk sees: parameters, clock, catalogue, campaigns, role addresses.

A World is rebuilt from the same parameters in every worker process, so it must depend on
nothing but them (seed, customers, days, end date).
"""

from __future__ import annotations

import json
import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from scripts.generate import reference as ref
from scripts.generate.clock import DAY, Clock, black_friday

SHOP_URL = "https://shop.example.com"
# A prime just below 10**10: ids are (n * multiplier + offset) mod this, a bijection, so
# every person, order or checkout number maps to a distinct opaque 10-digit id.
ID_PRIME = 9_999_999_967
# Seven unique phone digits per person: a bijection below this prime.
PHONE_PRIME = 9_999_991
LSN_BASE_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z

ASM_GROUPS = {"newsletter": 102, "promotional": 101}
FLOW_GROUP = 103


def opaque(n: int, multiplier: int, offset: int) -> int:
    return (n * multiplier + offset) % ID_PRIME


def json_str(value: str) -> str:
    """A JSON string literal (quotes included)."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Params:
    seed: int
    customers: int
    days: int
    end_date: date
    bad_rate: float


@dataclass
class Product:
    index: int
    product_id: str
    sku: str
    title: str
    category: str
    brand: str
    price_usd: float
    created_at: int
    is_active: bool
    prices: dict[str, float]
    view_props: str  # JSON object for Product Viewed / Product Added properties
    title_json: str  # the title as a JSON string literal
    page: str  # JSON object for context.page


@dataclass
class Variant:
    code: str
    subject: str
    tags: str  # ',"category":[...],"campaign_id":"...","variant":"..."' for email events
    url: str
    url_json: str


@dataclass
class Campaign:
    campaign_id: str
    name: str
    campaign_type: str
    sent_at: int | None  # None for triggered flows
    created_at: int
    from_name: str
    ab_test_id: str | None
    variants: list[Variant]
    asm_group_id: int
    variant_weights: list[float] = field(default_factory=list)


def _price(usd: float, currency: str) -> float:
    """Catalogue USD price -> a shelf price in `currency` (x.99 style, whole yen)."""
    value = usd * ref.FX_FROM_USD[currency]
    if currency == "JPY":
        return float(max(100, round(value / 100.0) * 100))
    return max(0.99, math.floor(value) + 0.99 if value >= 5 else round(value, 2))


def round_money(value: float, currency: str) -> float:
    return float(round(value)) if ref.CURRENCY_DECIMALS[currency] == 0 else round(value, 2)


class World:
    def __init__(self, params: Params) -> None:
        self.params = params
        self.tracking_pages: object | None = None  # built by the tracking emitter
        self.clock = Clock(params.end_date, params.days)
        rng = random.Random(f"{params.seed}:world")
        self.id_offset = rng.randrange(1, ID_PRIME)
        self.phone_offset = rng.randrange(1, PHONE_PRIME)
        # Window days from Black Friday to Cyber Monday: discount codes everywhere.
        start_ord = self.clock.start_date.toordinal()
        self.black_friday_days = frozenset(
            black_friday(y).toordinal() + k - start_ord
            for y in range(self.clock.start_date.year, self.clock.end_date.year + 1)
            for k in range(4)
        )
        self._build_products(rng)
        self._build_campaigns(rng)
        self._build_role_addresses(rng)
        self.country_cum = list(accumulate(c.weight for c in ref.COUNTRIES))
        # A connector outage: CRM changes committed in it reach the lake when it ends.
        start = self.clock.start
        third = params.days // 3
        outage_day = rng.randrange(third, max(third + 1, params.days - 10))
        week_end = start + outage_day * DAY
        week_end -= (week_end - self.clock.monday0) % (7 * DAY)  # a Monday 00:00
        self.crm_outage = (week_end - 54 * 3600, week_end + 10 * 3600)  # Fri 18:00 - Mon 10:00
        # The privacy policy changes once; some people re-consent under the new version.
        quarter = params.days // 4
        self.policy_change = start + rng.randrange(quarter, max(quarter + 1, 3 * quarter)) * DAY
        old = self.clock.start_date - timedelta(days=300)
        new = self.clock.start_date + timedelta(days=(self.policy_change - start) // DAY)
        self.policy_versions = (f"{old.year}-{old.month:02d}", f"{new.year}-{new.month:02d}")

    # -- ids ------------------------------------------------------------------------
    def crm_id(self, n: int) -> str:
        return f"C{n:07d}"

    def shop_id(self, person_index: int) -> str:
        return f"S{opaque(person_index, 48_271, self.id_offset):010d}"

    def order_id(self, person_index: int, k: int) -> str:
        return f"O{opaque(person_index * 64 + k, 69_621, self.id_offset):010d}"

    def checkout_id(self, person_index: int, k: int) -> str:
        return f"K{opaque(person_index * 64 + k, 16_807, self.id_offset):010d}"

    def loyalty_id(self, person_index: int, k: int) -> str:
        return f"LE{opaque(person_index * 256 + k, 39_373, self.id_offset):010d}"

    def phone_digits(self, person_index: int) -> str:
        return f"{(person_index * 7_919 + self.phone_offset) % PHONE_PRIME:07d}"

    # -- catalogue ------------------------------------------------------------------
    def _build_products(self, rng: random.Random) -> None:
        clock = self.clock
        n = max(200, self.params.customers // 50)
        cats = ref.CATEGORIES
        cat_cum = list(accumulate(ref.CATEGORY_WEIGHTS))
        self.products: list[Product] = []
        for i in range(n):
            cat, median, sigma, nouns = cats[_pick(cat_cum, rng.random())]
            usd = round(max(3.0, rng.lognormvariate(math.log(median), sigma)), 0) - 0.01
            brand = rng.choice(ref.BRANDS)
            title = f"{rng.choice(ref.ADJECTIVES)} {rng.choice(nouns)}"
            if rng.random() < 0.3:
                title += f", {rng.choice(('Black', 'Navy', 'Olive', 'Sand', 'Red', 'Grey'))}"
            pid = f"P{i + 1:05d}"
            created = clock.start - rng.randrange(0, 3 * 365) * DAY + rng.randrange(DAY)
            if rng.random() < 0.2:  # new arrivals during the window
                created = clock.start + rng.randrange(0, self.params.days) * DAY
            prices = {cur: _price(usd, cur) for cur in ref.FX_FROM_USD}
            view_props = json.dumps(
                {
                    "product_id": pid,
                    "sku": f"SKU-{i + 1:05d}",
                    "category": cat,
                    "brand": brand,
                    "name": title,
                    "price": usd,
                    "currency": "USD",
                },
                separators=(",", ":"),
                ensure_ascii=False,
            )
            page = json.dumps(
                {"url": f"{SHOP_URL}/p/{i + 1}", "path": f"/p/{i + 1}", "title": title},
                separators=(",", ":"),
                ensure_ascii=False,
            )
            self.products.append(
                Product(
                    index=i,
                    product_id=pid,
                    sku=f"SKU-{i + 1:05d}",
                    title=title,
                    category=cat,
                    brand=brand,
                    price_usd=usd,
                    created_at=created,
                    is_active=rng.random() < 0.95,
                    prices=prices,
                    view_props=view_props,
                    title_json=json_str(title),
                    page=page,
                )
            )
        # Popularity: a Zipf-like tail over a shuffled order.
        order = list(range(n))
        rng.shuffle(order)
        weights = [0.0] * n
        for rank, idx in enumerate(order):
            weights[idx] = 1.0 / (rank + 3) ** 0.9
        self.product_cum = list(accumulate(weights))

    def pick_product(self, rnd: float) -> Product:
        return self.products[_pick(self.product_cum, rnd)]

    # -- campaigns ------------------------------------------------------------------
    def _build_campaigns(self, rng: random.Random) -> None:
        clock = self.clock
        self.campaigns: list[Campaign] = []
        counter = 0
        bf_days = {black_friday(y) for y in range(clock.start_date.year, clock.end_date.year + 1)}
        for day_index in range(clock.days):
            day = clock.start_date + timedelta(days=day_index)
            wd = day.weekday()
            kinds: list[tuple[str, int]] = []
            if wd == 1:
                kinds.append(("newsletter", 8 * 3600))
            promo_p = 0.55
            if day.month == 11:
                promo_p = 0.9
            elif day.month == 12 and day.day <= 20:
                promo_p = 0.8
            if wd == 3 and rng.random() < promo_p:
                kinds.append(("promotional", 16 * 3600))
            if wd == 5 and day.month in (11, 12) and day.day <= 20 and rng.random() < 0.7:
                kinds.append(("promotional", 9 * 3600))
            if day in bf_days or day - timedelta(days=3) in bf_days:
                kinds.append(("promotional", 6 * 3600))
            for ctype, hour in kinds:
                counter += 1
                sent = clock.start + day_index * DAY + hour + rng.randrange(0, 1800)
                created = sent - rng.randrange(1, 7) * DAY - rng.randrange(DAY)
                self.campaigns.append(self._campaign(rng, counter, ctype, sent, created, day))
        self.campaigns.sort(key=lambda c: c.sent_at or 0)
        self.campaign_times = [c.sent_at for c in self.campaigns]
        created0 = clock.start - 400 * DAY
        self.flows: dict[str, Campaign] = {}
        for k, ctype in enumerate(("welcome", "abandoned_cart", "winback", "replenishment")):
            camp = self._campaign(rng, 9001 + k, ctype, None, created0 + k * 7 * DAY, None)
            self.flows[ctype] = camp

    def _campaign(
        self,
        rng: random.Random,
        number: int,
        ctype: str,
        sent: int | None,
        created: int,
        day: date | None,
    ) -> Campaign:
        cid = f"cmp_{number:04d}"
        label = day.strftime("%Y-%m-%d") if day else "always-on"
        themes = {
            "newsletter": (
                "This week at Norda",
                "New in: {x}",
                "Stories from the trail",
                "Your weekly edit",
            ),
            "promotional": (
                "{p}% off {x}",
                "Last chance: {x}",
                "Members save {p}%",
                "Free shipping on {x}",
            ),
            "welcome": ("Welcome to Norda", "Welcome! Here is {p}% off"),
            "abandoned_cart": ("You left something behind", "Still thinking it over?"),
            "winback": ("We miss you", "It's been a while: {p}% off"),
            "replenishment": ("Time to restock?", "Running low on {x}?"),
        }[ctype]
        x = rng.choice(
            ("outerwear", "trail shoes", "home", "beauty", "the outdoors", "gifts", "kids")
        )
        n_variants = 2 if rng.random() < 0.3 or ctype == "welcome" else 1
        if n_variants == 2 and rng.random() < 0.15:
            n_variants = 3
        categories = f'"{ctype}"' if sent is not None else f'"triggered","{ctype}"'
        variants = []
        for v in range(n_variants):
            code = "ABC"[v]
            subject = rng.choice(themes).format(x=x, p=rng.choice((10, 15, 20, 25, 30)))
            url = (
                f"{SHOP_URL}/c/{x.replace(' ', '-')}?utm_source={ctype}&utm_medium=email"
                f"&utm_campaign={cid}"
            )
            tags = f',"category":[{categories}],"campaign_id":"{cid}","variant":"{code}"'
            variants.append(Variant(code, subject, tags, url, json_str(url)))
        group = ASM_GROUPS.get(ctype, FLOW_GROUP)
        camp = Campaign(
            campaign_id=cid,
            name=f"{ctype.replace('_', ' ').title()} {label}",
            campaign_type=ctype,
            sent_at=sent,
            created_at=created,
            from_name="Norda Deals" if ctype == "promotional" else "Norda",
            ab_test_id=f"ab_{number:04d}" if n_variants > 1 else None,
            variants=variants,
            asm_group_id=group,
        )
        camp.variant_weights = list(accumulate([1.0] * n_variants))
        return camp

    # -- shared role addresses ------------------------------------------------------
    def _build_role_addresses(self, rng: random.Random) -> None:
        n_domains = min(len(ref.SMALL_BUSINESS_DOMAINS), max(2, self.params.customers // 1500))
        domains = rng.sample(ref.SMALL_BUSINESS_DOMAINS, n_domains)
        self.role_addresses: list[str] = []
        for d in domains:
            locals_ = [loc for loc in ref.ROLE_LOCALS if rng.random() < 0.6] or ["info"]
            self.role_addresses.extend(f"{loc}@{d}" for loc in locals_)
        self.role_set = frozenset(self.role_addresses)
        weights = [1.0 / (i + 1) for i in range(len(self.role_addresses))]
        self.role_cum = list(accumulate(weights))

    def pick_role_address(self, rnd: float) -> str:
        return self.role_addresses[_pick(self.role_cum, rnd)]


def _pick(cum: list[float], rnd: float) -> int:
    return min(bisect_right(cum, rnd * cum[-1]), len(cum) - 1)
