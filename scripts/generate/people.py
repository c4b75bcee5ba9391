"""Persons: the true people behind every record, with the identifiers they leave behind."""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate

from scripts.generate import reference as ref
from scripts.generate.clock import DAY
from scripts.generate.world import World

_DOMAIN_CUM = {c.code: list(accumulate(c.domain_weights)) for c in ref.COUNTRIES}
_CITY_CUM = {c.code: list(accumulate(c.city_weights)) for c in ref.COUNTRIES}
_GENDER_CUM = list(accumulate(ref.GENDER_WEIGHTS))


def _pick(cum: list[float], rnd: float) -> int:
    return min(bisect_right(cum, rnd * cum[-1]), len(cum) - 1)


@lru_cache(maxsize=4096)
def ascii_name(name: str) -> str:
    """'Muñoz' -> 'munoz', "O'Brien" -> 'obrien', 'de Jong' -> 'dejong'."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalpha())


def email_typo_case(email: str, rng: random.Random) -> str:
    """The same address as a person might type it: other case and stray whitespace."""
    local, _, domain = email.partition("@")
    r = rng.random()
    if r < 0.3:
        out = email.upper()
    elif r < 0.7:
        out = ".".join(part.capitalize() for part in local.split(".")) + "@" + domain.title()
    else:
        out = local.capitalize() + "@" + domain
    r = rng.random()
    if r < 0.35:
        out = " " + out
    elif r < 0.7:
        out = out + " "
    elif r < 0.8:
        out = "  " + out + " "
    return out if out.strip().lower() == email else email


class Person:
    """One true person. Attributes are filled by make_person and the emitters."""

    __slots__ = (
        "abandoned",
        "alt_email",
        "apple_mail",
        "birth_date",
        "birth_md",
        "birth_year",
        "city",
        "clicks",
        "corporate",
        "country",
        "created_ts",
        "crm_email",
        "crm_id",
        "deleted_ts",
        "dup_created",
        "dup_crm_id",
        "dup_email",
        "dup_kind",
        "email",
        "email_change_ts",
        "end_ts",
        "eng",
        "erasure_done",
        "existing",
        "first",
        "gender",
        "hard_bounce",
        "has_shop",
        "idx",
        "last",
        "last_active",
        "loyalty",
        "new_email",
        "opt_in",
        "orders",
        "person_id",
        "phone",
        "pk_change_ts",
        "pk_new_id",
        "privacy",
        "role_address",
        "role_crm",
        "shop_email",
        "shop_id",
        "start_ts",
        "tz",
        "unsub_plan",
        "unsub_ts",
        "value",
    )

    def __init__(self) -> None:
        self.orders = []  # filled by the shop emitter: list of Order
        self.abandoned = []  # abandoned checkouts: (ts, email or None, checkout_id, items)
        self.clicks = []  # email clicks: (ts, campaign_id, url, campaign_type)
        self.unsub_ts = None  # set by the email emitter when the person leaves the list


def _local_part(first: str, last: str, n: int, style: int) -> str:
    f, ln = ascii_name(first), ascii_name(last)
    if style == 0:
        return f"{f}.{ln}{n}"
    if style == 1:
        return f"{f}{ln}{n}"
    if style == 2:
        return f"{f[:1]}{ln}{n}"
    if style == 3:
        return f"{ln}.{f}{n}"
    if style == 4:
        return f"{f}_{ln}{n}"
    return f"{f}{n}"


def other_phone(p: Person, rng: random.Random, world: World) -> str:
    """A new number for the same person: another area code, or 9s where the original has
    0-8, always followed by the person's unique seven digits."""
    country = p.country
    areas = [c.area for c in country.cities if c.area != p.city.area] or [p.city.area]
    mid = "9" * country.phone_random_digits
    return f"{country.phone_prefix}{rng.choice(areas)}{mid}{world.phone_digits(p.idx)}"


def make_person(world: World, idx: int, rng: random.Random) -> Person:
    clock = world.clock
    rnd = rng.random
    p = Person()
    p.idx = idx
    p.person_id = f"P{idx + 1:07d}"
    country = ref.COUNTRIES[_pick(world.country_cum, rnd())]
    p.country = country
    city = country.cities[_pick(_CITY_CUM[country.code], rnd())]
    p.city = city
    p.tz = city.timezone
    gender = ref.GENDERS[_pick(_GENDER_CUM, rnd())]
    p.gender = gender
    female, male = ref.FIRST_NAMES[country.names]
    if gender == "female" or (gender not in ("male",) and rnd() < 0.5):
        p.first = rng.choice(female)
    else:
        p.first = rng.choice(male)
    p.last = rng.choice(ref.LAST_NAMES[country.names])
    age = int(rng.triangular(18, 82, 34))
    end_year = clock.end_date.year
    p.birth_year = end_year - age
    month, day = rng.randrange(1, 13), rng.randrange(1, 29)
    p.birth_md = (month, day)
    p.birth_date = f"{p.birth_year:04d}-{month:02d}-{day:02d}"

    # Email: a unique number at the end makes every personal address unique.
    n = idx + 1
    p.corporate = rnd() < 0.1
    if p.corporate:
        domain = rng.choice(ref.CORPORATE_DOMAINS)
        local = _local_part(p.first, p.last, n, rng.choice((0, 2)))
    else:
        domain = country.domains[_pick(_DOMAIN_CUM[country.code], rnd())]
        local = _local_part(p.first, p.last, n, rng.randrange(6))
    p.email = f"{local}@{domain}"
    alt_domains = [d for d in ("gmail.com", "outlook.com", "yahoo.com", "proton.me") if d != domain]
    p.alt_email = f"{_local_part(p.first, p.last, n, 5)}@{rng.choice(alt_domains)}"
    p.apple_mail = domain in ("icloud.com", "me.com") or rnd() < 0.22
    p.phone = None
    if rnd() < 0.72:
        p.phone = (
            f"{country.phone_prefix}{city.area}"
            f"{''.join(str(rng.randrange(9)) for _ in range(country.phone_random_digits))}"
            f"{world.phone_digits(idx)}"
        )
    p.crm_id = world.crm_id(idx + 1)

    # Lifetime: existing customers predate the window; the rest sign up during it.
    p.existing = rnd() < 0.55
    if p.existing:
        back = min(5 * 365, 1 + int(rng.expovariate(1 / 500)))
        p.created_ts = clock.start - back * DAY - rng.randrange(DAY)
        p.start_ts = clock.start
    else:
        d = clock.sample_day(rnd())
        secs = clock.sample_hour(rnd(), reading=True) * 3600 + rng.randrange(3600)
        p.created_ts = max(clock.start + 60, clock.local_to_utc(p.tz, d, secs))
        p.start_ts = p.created_ts
    p.end_ts = clock.end
    p.opt_in = rnd() < 0.72
    # Engagement: a few fans, a broad middle, many who rarely open.
    r = rnd()
    p.eng = (0.45 if r < 0.25 else 0.2 if r < 0.65 else 0.05) * rng.uniform(0.7, 1.3)
    p.last_active = p.created_ts if not p.existing else clock.start - rng.randrange(200) * DAY
    p.value = min(30.0, rng.paretovariate(1.7))
    p.hard_bounce = rnd() < 0.012
    p.unsub_plan = clock.start + rng.randrange(clock.days) * DAY if rnd() < 0.09 else None

    # Shop account (decided here; only buyers use it).
    p.has_shop = rnd() < 0.75
    p.shop_id = world.shop_id(idx) if p.has_shop else None
    r = rnd()
    if r < 0.84:
        p.shop_email = p.email
    elif r < 0.95:
        p.shop_email = email_typo_case(p.email, rng).strip()
    else:
        p.shop_email = p.alt_email
    p.loyalty = p.has_shop and rnd() < 0.8

    # Shared role addresses of small businesses.
    p.role_address = world.pick_role_address(rnd()) if rnd() < 0.02 else None
    p.role_crm = p.role_address is not None and rnd() < 0.3
    p.crm_email = p.role_address if p.role_crm else p.email

    # A second CRM record for the same person.
    p.dup_kind = None
    p.dup_crm_id = p.dup_email = p.dup_created = None
    if rnd() < 0.03:
        p.dup_crm_id = world.crm_id(world.params.customers + idx + 1)
        if rnd() < 0.6:
            p.dup_kind = "case"
            p.dup_email = email_typo_case(p.crm_email, rng)
            if p.dup_email == p.crm_email:
                p.dup_email = p.crm_email.upper()
        else:
            p.dup_kind = "other"
            p.dup_email = p.alt_email
            if p.phone is None:
                p.phone = (
                    f"{country.phone_prefix}{city.area}"
                    f"{'5' * country.phone_random_digits}{world.phone_digits(idx)}"
                )
        if p.existing and rnd() < 0.5:
            p.dup_created = p.created_ts + rng.randrange(30, 700) * DAY
            p.dup_created = min(p.dup_created, clock.start - DAY)
        else:
            p.dup_created = (
                rng.randrange(p.start_ts + DAY, clock.end - DAY)
                if p.start_ts + DAY < clock.end - DAY
                else p.start_ts + 3600
            )

    # Rare life events in the CRM.
    lo, hi = p.start_ts + 2 * DAY, clock.end - 2 * DAY
    span_ok = lo < hi
    p.pk_change_ts = rng.randrange(lo, hi) if span_ok and rnd() < 0.003 else None
    p.pk_new_id = world.crm_id(2 * world.params.customers + idx + 1) if p.pk_change_ts else None
    p.email_change_ts = rng.randrange(lo, hi) if span_ok and rnd() < 0.015 else None
    p.new_email = None
    if p.email_change_ts and not p.role_crm:
        p.new_email = f"{_local_part(p.first, p.last, n, 1)}@{rng.choice(alt_domains)}"
    else:
        p.email_change_ts = None
    p.deleted_ts = rng.randrange(lo, hi) if span_ok and rnd() < 0.004 else None
    if p.deleted_ts:
        p.end_ts = p.deleted_ts
    p.privacy = None
    p.erasure_done = None
    if span_ok and rnd() < 0.005:
        kind = rng.choices(("erasure", "do_not_sell", "access"), (50, 25, 25))[0]
        requested = rng.randrange(lo, min(hi, p.end_ts)) if lo < min(hi, p.end_ts) else lo
        p.privacy = (kind, requested)
        if kind == "erasure":
            p.end_ts = min(p.end_ts, requested)
            done = requested + rng.randrange(1, 30) * DAY
            if done + DAY < clock.end:
                p.erasure_done = done
                p.deleted_ts = None
    if p.pk_change_ts and p.pk_change_ts >= p.end_ts:
        p.pk_change_ts = p.pk_new_id = None
    if p.email_change_ts and p.email_change_ts >= p.end_ts:
        p.email_change_ts = p.new_email = None
    if p.dup_created and p.dup_created >= p.end_ts:
        p.dup_crm_id = p.dup_email = p.dup_created = p.dup_kind = None
    return p


def age_band(age: int) -> str:
    for limit, band in ((24, "18-24"), (34, "25-34"), (44, "35-44"), (54, "45-54"), (64, "55-64")):
        if age <= limit:
            return band
    return "65+"
