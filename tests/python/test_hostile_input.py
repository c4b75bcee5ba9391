"""Hostile input: names, emails and attributes holding quotes, SQL fragments, unicode,
emoji, control characters, jinja-looking text and very long text are loaded and built
on both engines, break nothing, and come out unchanged where they should.

The small generated landing set is copied and given extra files (`<table>__zz-hostile`,
in the generator's formats) for a few new people: CRM change events (two of them for the
loader to quarantine), consent grants, a catalogue export, orders, an abandoned checkout,
tracking calls (written ASCII-escaped, emoji as surrogate pairs, as many exporters do), a
campaign export and its email events. `mailpipe load` and a `dbt build` of the whole
project then run once per engine (a module fixture parametrised like `engine_env`, so
that each expectation is a test of its own), and the tests read the warehouse. Values no
model cleanses come out byte for byte; emails come out normalised (trimmed, lower-cased:
macro normalize_email). Raw NUL bytes are tested on the loader alone, with `engine_env`.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scripts.generate.output import CSV_COLUMNS, csv_line
from scripts.load import LoadSummary, load
from scripts.pseudonym import email_key, pseudonymisation_key
from scripts.tables import SPECS
from tests.python.conftest import dbt, execute, query, target_for
from tests.python.test_replay import isolated, schema

pytestmark = pytest.mark.slow

# Hostile texts ------------------------------------------------------------------------

SQL_FRAGMENT = "Robert'); drop table crm_customer_changes; drop table raw.crm_customers;--"
CONTROL = (
    "tab\there new\nline cr\r\nlf soh\u0001 del\u007f esc\u001b vt\u000b fs\u001c "
    "nel\u0085 ls\u2028 end"
)
BACKSLASH = "back\\slash \\N \\. \\\\ \\u0041 \\n %_% 100% _x_"
JINJA = "{{ var('x') }} {% raw %}{{ y }}{% endraw %} {# c #} {{"
LONG = ("Ünïcødé 'long' \"name\" 🚀 " * 250)[:5000]
# PostgreSQL's COPY end-of-data marker on a line of its own, inside a value
COPY_END = "before\n\\.\nafter"


@dataclass(frozen=True)
class Person:
    key: int
    first_name: str
    last_name: str
    email: str  # as entered in the CRM
    city: str = "Dublin"
    custom_attributes: dict = field(default_factory=dict)

    @property
    def crm_customer_id(self) -> str:
        return f"CZZ{self.key:04d}"

    @property
    def normalized_email(self) -> str:
        """The documented normalisation: trimmed (spaces), lower-cased."""
        return self.email.strip(" ").lower()


PEOPLE = (
    Person(
        1,
        "O'Brien",
        SQL_FRAGMENT,
        "o'brien+tag@example.com",
        city="Dún Laoghaire",
        custom_attributes={
            "preferred_contact": "email'); drop table dim_customers;--",
            "clothing_size": 'M "slim" {"size": "L"}',
            "shoe_size": "42½ 👟",
            "note": '{"nested": "json-looking", "n": [1, 2], "q": "\\"x\\""}',
            "ключ": "значение",
            "😀 key": "emoji key",
            'quote"key': "it's",
            "nested": {"a": {"b": ["x", '"y"', None, 1.5, True]}},
        },
    ),
    Person(2, '"quoted"', "Zoë Ñúñez", '"zoe.nunez"@example.com', city="Córdoba"),
    Person(
        3,
        "李小龙",
        "👩‍💻🚀",
        "  LI.XiaoLong@Example.COM  ",
        city="香港",
        custom_attributes={"clothing_size": "大", "備考": "引用符 \"'`"},
    ),
    Person(4, CONTROL, BACKSLASH, "ctl@example.com", city="São Paulo\t"),
    Person(
        5,
        JINJA,
        "{% raw %}",
        "{{x}}+🚀@example.com",
        custom_attributes={"shoe_size": "{{ 42 }}", "clothing_size": "{% raw %}"},
    ),
    Person(6, LONG, "100% _pure_ \\% \\_", "ZOË.ÑÚÑEZ@EXÄMPLE.COM"),
    Person(7, "  padded  ", "", "padded@example.com"),
)
BY_KEY = {p.key: p for p in PEOPLE}
OBRIEN, ZOE, LI, CTL, JIN, LONGP, PADDED = PEOPLE

# Records the loader must quarantine: a name holding the JSON escape of NUL (text columns
# of Postgres cannot hold it) and an SQL fragment where the email should be.
NUL_PERSON = Person(90, "nul\u0000byte", "Nul", "nul@example.com")
BAD_EMAIL_PERSON = Person(91, "Bad", "Email", "robert'); drop table crm_customer_changes;--")

PRODUCT_ID = "PZZ001"
PRODUCT_TITLE = 'Tee "Rocket" 🚀, l\'été — 100% <b>coton</b> \\ ; drop table shop_products;--'
PRODUCT_BRAND = 'Brand "Ω" 🚀'
# A product id with a quote, a comma, a backslash and an emoji, in an abandoned checkout:
# the JSON arrays of product ids must still hold it as one id.
ODD_PRODUCT_ID = 'PZZ-"2",\\ 🚀'
ODD_PRODUCT_TITLE = COPY_END + "\r\nsoh\u0001 del\u007f tab\t"

CAMPAIGN_ID = "cmp_zz01"
CAMPAIGN_NAME = 'Promo "Ω" 🚀, l\'été; drop table esp_campaigns;--'
CAMPAIGN_SUBJECT = 'Hi {{ first_name }} 👋\nline two\n\\.\n"quoted", 100% _\u0001\u007f'
FROM_NAME = 'Norda "Deals" 🚀'

ANONYMOUS_ID = "zz-hostile-anon-0001"
PAGE_NAME = "Page " + COPY_END + " \"q\" 'x' {{ y }}"
PAGE_TITLE = "Title <script>alert('x')</script> \"Ω\" 🚀 \u0001"
PAGE_URL = 'https://shop.example.com/p/李小龙?q=%27%3B--&x=\'"🚀"'
PAGE_PATH = "/p/李小龙/'quoted'/\"dq\"/%_"
REFERRER = "https://Bücher.例え.JP/path?q='x'"
UTM_CAMPAIGN = "cmp_'; drop table tracking_events;-- 🚀"
SEARCH_QUERY = "shoes' OR '1'='1 \"; {{ x }} 🚀\t%_"
VIEW_PROPERTIES = {
    "product_id": PRODUCT_ID,
    "name": PRODUCT_TITLE,
    "category": "Apparel",
    "brand": PRODUCT_BRAND,
    "price": 25.0,
    "ключ": {"nested": '{"json": "looking"}', "emoji 🚀": ["a", "'b'"]},
}

BUILD_ARGS = ("build", "--exclude", "resource_type:unit_test")


# Landing files ------------------------------------------------------------------------


def jsonl(records: list[dict], ascii_only: bool = False) -> str:
    """JSON lines as the generator writes them (compact, UTF-8), or ASCII-escaped."""
    return "".join(
        json.dumps(r, separators=(",", ":"), ensure_ascii=ascii_only) + "\n" for r in records
    )


def csv_text(table: str, rows: list[tuple]) -> str:
    return "".join(csv_line(r) + "\n" for r in [CSV_COLUMNS[table], *rows])


def crm_event(person: Person, lsn: int) -> dict:
    stamp = f"2026-10-{10 + person.key % 10:02d}T08:00:00Z"
    ts_ms = 1_792_000_000_000 + person.key * 60_000
    return {
        "before": None,
        "after": {
            "customer_id": person.crm_customer_id,
            "email": person.email,
            "phone": None,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "birth_date": "1990-01-31",
            "gender": None,
            "country_code": "IE",
            "city": person.city,
            "timezone": "Europe/Dublin",
            "language": "en",
            "marketing_opt_in": True,
            "created_at": stamp,
            "updated_at": stamp,
            "custom_attributes": person.custom_attributes,
        },
        "op": "c",
        "ts_ms": ts_ms,
        "source": {
            "version": "2.7.3.Final",
            "connector": "postgresql",
            "name": "crm",
            "db": "crm",
            "schema": "public",
            "table": "customers",
            "ts_ms": ts_ms,
            "snapshot": "false",
            "lsn": lsn,
            "txId": 990_000 + person.key,
        },
        "transaction": None,
    }


def line_item(product_id: str, title: str, price: float) -> dict:
    return {
        "line_item_id": "L1" if product_id == PRODUCT_ID else "L2",
        "product_id": product_id,
        "sku": "SKU-ZZ",
        "title": title,
        "quantity": 1,
        "unit_price": price,
        "discount_amount": 0.0,
    }


def order(order_id: str, email: str, customer: str | None, day: int) -> dict:
    stamp = f"2026-10-{day:02d}T10:00:00Z"
    return {
        "order_id": order_id,
        "shop_customer_id": customer,
        "email": email,
        "created_at": stamp,
        "updated_at": stamp,
        "status": "fulfilled",
        "financial_status": "paid",
        "cancelled_at": None,
        "currency": "EUR",
        "subtotal_amount": 25.0,
        "discount_amount": 0.0,
        "shipping_amount": 4.95,
        "tax_amount": 5.75,
        "total_amount": 35.7,
        "discount_codes": ["ZZ'10\"🚀"],
        "source_name": "web",
        "line_items": [line_item(PRODUCT_ID, PRODUCT_TITLE, 25.0)],
        "refunds": [],
        "shipping_address": {"country_code": "IE", "city": "Dún Laoghaire"},
    }


def tracking_call(n: int, call: str, **fields) -> dict:
    second = f"{n:02d}"
    return {
        "type": call,
        "messageId": f"ajs-zz-hostile-{n:04d}",
        "anonymousId": ANONYMOUS_ID,
        "userId": None,
        **fields,
        "context": {
            "ip": "81.44.2.10",
            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
            "locale": "zh-CN",
            "timezone": "Asia/Shanghai",
            "device": {"type": "desktop"},
            "page": {
                "url": PAGE_URL,
                "path": PAGE_PATH,
                "referrer": REFERRER,
                "title": PAGE_TITLE,
            },
            "campaign": {"source": "newsletter", "medium": "email", "name": UTM_CAMPAIGN},
            "library": {"name": "analytics.js", "version": "4.1.0"},
        },
        "timestamp": f"2026-10-21T12:00:{second}.000Z",
        "sentAt": f"2026-10-21T12:00:{second}.400Z",
        "receivedAt": f"2026-10-21T12:00:{second}.900Z",
    }


def email_event(person: Person, n: int, event: str, entered_email: str) -> dict:
    return {
        "email": entered_email,
        "timestamp": 1_792_659_600 + n * 10,  # 2026-10-21 09:00 UTC
        "event": event,
        "sg_event_id": f"zzhostile{event}{person.key:04d}",
        "sg_message_id": f"zzhostile{person.key:04d}.filter0.0",
        "smtp-id": f"<zzhostile{person.key:04d}@ismtpd-0>",
        "category": ["promotional"],
        "campaign_id": CAMPAIGN_ID,
        "variant": "A",
    }


def consent_event(person: Person, purpose: str) -> dict:
    """A grant, with the address as entered in the CRM: hostile people may be emailed."""
    return {
        "consent_id": f"zz-hostile-{person.key:04d}-{purpose}",
        "customer_id": person.crm_customer_id,
        "email": person.email,
        "purpose": purpose,
        "status": "granted",
        "lawful_basis": "consent",
        "source": "signup_form",
        "policy_version": "2025-01",
        "occurred_at": f"2026-10-{10 + person.key % 10:02d}T08:00:00Z",
    }


def write(landing: Path, table: str, extension: str, text: str) -> None:
    path = landing / table / f"{table}__zz-hostile.{extension}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


def crm_lines() -> list[str]:
    events = [crm_event(p, 990_000_000_000_000 + p.key) for p in PEOPLE]
    events += [crm_event(p, 990_000_000_000_000 + p.key) for p in (NUL_PERSON, BAD_EMAIL_PERSON)]
    # split on "\n" only: str.splitlines() also splits at U+0085 and U+2028, which the
    # file holds raw inside strings (JSON escapes only characters below U+0020)
    return jsonl(events).split("\n")[:-1]


def add_hostile_files(landing: Path) -> None:
    write(landing, "crm_customer_changes", "jsonl", "\n".join(crm_lines()) + "\n")
    write(
        landing,
        "consent_events",
        "jsonl",
        jsonl([consent_event(p, c) for p in PEOPLE for c in ("email_marketing", "profiling")]),
    )
    write(
        landing,
        "shop_products",
        "csv",
        csv_text(
            "shop_products",
            [
                (PRODUCT_ID, "SKU-ZZ1", PRODUCT_TITLE, "Apparel", PRODUCT_BRAND, 25.0, "EUR",
                 "2026-01-05T00:00:00Z", True),
                (ODD_PRODUCT_ID, "SKU-ZZ2", ODD_PRODUCT_TITLE, "Apparel", "Norda", 9.5, "EUR",
                 "2026-01-05T00:00:00Z", True),
            ],
        ),
    )  # fmt: skip
    write(
        landing,
        "shop_orders",
        "jsonl",
        jsonl(
            [
                # uppercase and surrounding spaces: the same address as the CRM's
                order("OZZHOSTILE1", "  O'BRIEN+TAG@EXAMPLE.COM  ", "SZZ0001", 20),
                order("OZZHOSTILE3", " li.xiaolong@example.com", None, 22),
            ]
        ),
    )
    write(
        landing,
        "shop_checkouts",
        "jsonl",
        jsonl(
            [
                {
                    "checkout_id": "KZZHOSTILE2",
                    "shop_customer_id": None,
                    "email": ' "ZOE.NUNEZ"@EXAMPLE.COM ',
                    "created_at": "2026-10-24T18:00:00Z",
                    "updated_at": "2026-10-24T18:05:00Z",
                    "completed_at": None,
                    "currency": "EUR",
                    "total_amount": 34.5,
                    "line_items": [
                        line_item(ODD_PRODUCT_ID, ODD_PRODUCT_TITLE, 9.5),
                        line_item(PRODUCT_ID, PRODUCT_TITLE, 25.0),
                    ],
                    "abandoned_checkout_url": "https://shop.example.com/checkouts/zz/recover"
                    "?q='\";--🚀",
                }
            ]
        ),
    )
    write(
        landing,
        "tracking_events",
        "jsonl",
        jsonl(
            [
                tracking_call(
                    1,
                    "page",
                    name=PAGE_NAME,
                    properties={
                        "url": PAGE_URL,
                        "path": PAGE_PATH,
                        "title": PAGE_TITLE,
                        "referrer": REFERRER,
                    },
                ),
                tracking_call(2, "track", event="Product Viewed", properties=VIEW_PROPERTIES),
                tracking_call(
                    3, "track", event="Products Searched", properties={"query": SEARCH_QUERY}
                ),
                tracking_call(
                    4,
                    "identify",
                    userId=LI.crm_customer_id,
                    traits={
                        "email": LI.email,
                        "first_name": LI.first_name,
                        "last_name": LI.last_name,
                        "名前": "👩‍💻",
                    },
                ),
            ],
            ascii_only=True,
        ),
    )
    write(
        landing,
        "esp_campaigns",
        "csv",
        csv_text(
            "esp_campaigns",
            [
                (CAMPAIGN_ID, "A", CAMPAIGN_NAME, CAMPAIGN_SUBJECT, "promotional", None,
                 FROM_NAME, "2026-10-21T09:00:00Z", "2026-10-21T09:00:00Z",
                 "2026-10-19T09:00:00Z"),
            ],
        ),
    )  # fmt: skip
    write(
        landing,
        "esp_email_events",
        "jsonl",
        jsonl(
            [
                email_event(OBRIEN, 0, "processed", "O'Brien+Tag@Example.com"),
                email_event(OBRIEN, 1, "delivered", "O'Brien+Tag@Example.com"),
                email_event(LI, 2, "processed", "li.xiaolong@example.com"),
                email_event(LI, 3, "delivered", "li.xiaolong@example.com"),
            ]
        ),
    )


# The build, once per engine -----------------------------------------------------------


@dataclass
class Built:
    env: dict[str, str]
    summary: LoadSummary
    build_output: str
    seconds: dict[str, float]


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request, small_landing, tmp_path_factory) -> Built:
    """The small landing set plus the hostile files, loaded and built in a warehouse of
    their own (a DuckDB file, or Postgres schemas of this run)."""
    base = request.getfixturevalue(f"{request.param}_env")
    tmp = tmp_path_factory.mktemp(f"hostile_{request.param}")
    env = isolated(base, tmp, "hostile")
    landing = tmp / "landing"
    shutil.copytree(small_landing, landing)
    add_hostile_files(landing)
    started = time.perf_counter()
    summary = load(landing, target_for(env), env["MAILPIPE_RAW_SCHEMA"])
    loaded = time.perf_counter()
    result = dbt(*BUILD_ARGS, env=env)
    finished = time.perf_counter()
    seconds = {"load": loaded - started, "build": finished - loaded}
    print(f"\n{request.param}: load {seconds['load']:.0f} s, dbt build {seconds['build']:.0f} s")
    if result.returncode != 0:
        pytest.fail(f"dbt build failed on {request.param}:\n{result.stdout[-6000:]}")
    return Built(env, summary, result.stdout, seconds)


def rows(built: Built, sql: str) -> list[tuple]:
    return query(built.env, sql)


def marts(built: Built) -> str:
    return schema(built.env, "marts")


def activation(built: Built) -> str:
    """The email platform's schema (sync_email_platform__*)."""
    return schema(built.env, "activation")


def as_json(value: object) -> object:
    """A JSON column's value: text on DuckDB, already parsed (jsonb) on Postgres."""
    return value if isinstance(value, dict | list) else json.loads(value)


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Load ---------------------------------------------------------------------------------


def test_hostile_files_load_and_reconcile(built):
    summary = built.summary
    assert summary.failed == [], [(f.file, f.error) for f in summary.failed]
    assert all(f.lines == f.loaded + f.quarantined + f.blank for f in summary.files)
    hostile = {f.table: f for f in summary.files if "zz-hostile" in f.file}
    assert set(hostile) == {
        "crm_customer_changes",
        "consent_events",
        "shop_products",
        "shop_orders",
        "shop_checkouts",
        "tracking_events",
        "esp_campaigns",
        "esp_email_events",
    }
    crm = hostile.pop("crm_customer_changes")
    assert (crm.loaded, crm.quarantined) == (len(PEOPLE), 2)
    assert dict(crm.reasons) == {"malformed": 1, "invalid_email": 1}
    assert all(f.quarantined == 0 and f.loaded > 0 for f in hostile.values()), hostile
    # every raw row of the CRM table is a line loaded (the hostile ones included)
    raw = built.env["MAILPIPE_RAW_SCHEMA"]
    count = rows(built, f"select count(*) from {raw}.crm_customer_changes")[0][0]
    assert count == sum(f.loaded for f in summary.files if f.table == "crm_customer_changes")


def test_the_ledger_reconciliation_fails_on_a_raw_row_no_load_wrote(built):
    # A raw row whose batch the ledger does not hold, and whose key is not staged: the
    # reconciliation reports the batch (raw rows without ledger lines) and the table
    # (staged rows short of the raw keys); without the row it passes again.
    raw = built.env["MAILPIPE_RAW_SCHEMA"]
    reconcile = ["test", "--select", "stg_esp__campaigns_reconciles_with_load_ledger"]

    execute(
        built.env,
        f"insert into {raw}.esp_campaigns (campaign_id, _batch_id, _source_file, "
        "_line_number, _loaded_at) values ('zz-untracked', 'zz-untracked-batch', "
        "'zz-untracked.csv', 1, current_timestamp)",
    )
    try:
        failed = dbt(*reconcile, env=built.env)
        assert failed.returncode != 0, failed.stdout[-3000:]
        assert "FAIL 2" in failed.stdout, failed.stdout[-3000:]
    finally:
        execute(built.env, f"delete from {raw}.esp_campaigns where campaign_id = 'zz-untracked'")
    passed = dbt(*reconcile, env=built.env)
    assert passed.returncode == 0, passed.stdout[-3000:]


def test_rejected_records_are_quarantined_with_reason_and_exact_text(built):
    raw = built.env["MAILPIPE_RAW_SCHEMA"]
    got = rows(
        built,
        f"select _line_number, reason, detail, raw_text from {raw}.load_quarantine "
        f"where _source_file like '%zz-hostile%' order by _line_number",
    )
    lines = crm_lines()
    nul_line, bad_line = len(PEOPLE) + 1, len(PEOPLE) + 2
    assert got == [
        (nul_line, "malformed", "not a JSON object", lines[nul_line - 1]),
        (bad_line, "invalid_email", "after.email", lines[bad_line - 1]),
    ]


def test_sql_fragments_did_nothing(built):
    raw = built.env["MAILPIPE_RAW_SCHEMA"]
    tables = {
        name
        for (name,) in rows(
            built,
            f"select table_name from information_schema.tables where table_schema = '{raw}'",
        )
    }
    assert {spec.name for spec in SPECS} | {"load_ledger", "load_quarantine"} <= tables
    mart_tables = {
        name
        for (name,) in rows(
            built,
            "select table_name from information_schema.tables "
            f"where table_schema = '{marts(built)}'",
        )
    }
    assert {"dim_customers", "fct_order_lines", "fct_web_sessions"} <= mart_tables
    for table in ("crm_customer_changes", "shop_products", "tracking_events", "esp_campaigns"):
        assert rows(built, f"select count(*) from {raw}.{table}")[0][0] > 0, table


# Values -------------------------------------------------------------------------------


def customers(built: Built) -> dict[str, tuple]:
    ids = ", ".join(literal(p.crm_customer_id) for p in PEOPLE)
    return {
        r[0]: r[1:]
        for r in rows(
            built,
            "select crm_customer_id, person_id, first_name, last_name, email, city, "
            "preferred_contact_channel, clothing_size, shoe_size "
            f"from {schema(built.env, 'intermediate')}.int_customer_profiles_merged "
            f"where crm_customer_id in ({ids})",
        )
    }


def test_names_come_out_byte_for_byte(built):
    got = customers(built)
    assert set(got) == {p.crm_customer_id for p in PEOPLE}
    for p in PEOPLE:
        _, first, last, _, city, *_ = got[p.crm_customer_id]
        assert (first, last, city) == (p.first_name, p.last_name, p.city), p.key
    assert len(got[LONGP.crm_customer_id][1]) == 5000


def test_emails_come_out_normalised(built):
    got = customers(built)
    for p in PEOPLE:
        assert got[p.crm_customer_id][3] == p.normalized_email, p.key
    assert got[LI.crm_customer_id][3] == "li.xiaolong@example.com"
    assert got[LONGP.crm_customer_id][3] == "zoë.ñúñez@exämple.com"


def test_email_keys_match_the_python_pseudonym(built):
    # dim_customers (BI-facing) carries the keyed pseudonym of the address, not the
    # address: the same value scripts/pseudonym.py computes for erasure.
    key = pseudonymisation_key()
    ids = ", ".join(literal(p.crm_customer_id) for p in PEOPLE)
    got = dict(
        rows(
            built,
            f"select crm_customer_id, email_key from {marts(built)}.dim_customers "
            f"where crm_customer_id in ({ids})",
        )
    )
    for p in PEOPLE:
        assert got[p.crm_customer_id] == email_key(p.normalized_email, key), p.key


def test_custom_attributes_come_out_unchanged(built):
    got = customers(built)
    for p in PEOPLE:
        attributes = p.custom_attributes
        assert got[p.crm_customer_id][5:] == (
            attributes.get("preferred_contact"),
            attributes.get("clothing_size"),
            attributes.get("shoe_size"),
        ), p.key
    staged = dict(
        rows(
            built,
            "select crm_customer_id, custom_attributes "
            f"from {schema(built.env, 'staging')}.stg_crm__customers "
            f"where crm_customer_id like 'CZZ%'",
        )
    )
    for p in PEOPLE:
        assert as_json(staged[p.crm_customer_id]) == p.custom_attributes, p.key


def test_orders_reach_the_crm_person_and_keep_the_product_name(built):
    person = {cid: r[0] for cid, r in customers(built).items()}
    got = rows(
        built,
        "select order_id, person_id, product_id, product_name, product_brand "
        f"from {marts(built)}.fct_order_lines where order_id like 'OZZHOSTILE%' "
        "order by order_id",
    )
    assert got == [
        ("OZZHOSTILE1", person[OBRIEN.crm_customer_id], PRODUCT_ID, PRODUCT_TITLE, PRODUCT_BRAND),
        ("OZZHOSTILE3", person[LI.crm_customer_id], PRODUCT_ID, PRODUCT_TITLE, PRODUCT_BRAND),
    ]
    odd = rows(
        built,
        "select product_name from "
        f"{schema(built.env, 'staging')}.stg_shop__products "
        f"where product_id = {literal(ODD_PRODUCT_ID)}",
    )
    assert odd == [(ODD_PRODUCT_TITLE,)]


def test_tracking_values_come_out_unchanged(built):
    staged = rows(
        built,
        "select tracking_event_id, page_name, search_query, properties "
        f"from {schema(built.env, 'staging')}.stg_tracking__events "
        "where tracking_event_id like 'ajs-zz-hostile-%' order by tracking_event_id",
    )
    assert [(r[0], r[1], r[2]) for r in staged] == [
        ("ajs-zz-hostile-0001", PAGE_NAME, None),
        ("ajs-zz-hostile-0002", None, None),
        ("ajs-zz-hostile-0003", None, SEARCH_QUERY),
        ("ajs-zz-hostile-0004", None, None),
    ]
    assert as_json(staged[0][3])["title"] == PAGE_TITLE
    assert as_json(staged[1][3]) == VIEW_PROPERTIES
    sessions = rows(
        built,
        "select landing_page_url, landing_page_path, referrer_url, referrer_domain, "
        f"utm_campaign from {marts(built)}.fct_web_sessions "
        f"where anonymous_id = {literal(ANONYMOUS_ID)}",
    )
    assert sessions == [
        (PAGE_URL, PAGE_PATH, REFERRER, "bücher.例え.jp", UTM_CAMPAIGN),
    ]


def test_campaign_texts_come_out_unchanged(built):
    got = rows(
        built,
        "select campaign_name, subject_line, from_name, sent_count "
        f"from {schema(built.env, 'marts')}.fct_campaign_performance "
        f"where campaign_id = {literal(CAMPAIGN_ID)}",
    )
    assert got == [(CAMPAIGN_NAME, CAMPAIGN_SUBJECT, FROM_NAME, 2)]


def contacts(built: Built) -> list[dict]:
    columns = [
        c
        for (c,) in rows(
            built,
            "select column_name from information_schema.columns "
            f"where table_schema = '{activation(built)}' "
            "and table_name = 'sync_email_platform__contacts' order by ordinal_position",
        )
    ]
    return [
        dict(zip(columns, r, strict=True))
        for r in rows(
            built,
            f"select {', '.join(columns)} from {activation(built)}.sync_email_platform__contacts",
        )
    ]


def test_payload_keeps_the_names_and_its_json_parses(built):
    got = contacts(built)
    by_person = {c["person_id"]: c for c in got}
    for cid, (person_id, *_) in customers(built).items():
        p = next(p for p in PEOPLE if p.crm_customer_id == cid)
        contact = by_person[person_id]
        assert (contact["first_name"], contact["email"]) == (p.first_name, p.normalized_email)
    # the JSON columns of every row parse as arrays of product ids
    for contact in got:
        for column in ("recommended_product_ids", "last_abandoned_product_ids"):
            if contact[column] is not None:
                parsed = json.loads(contact[column])
                assert isinstance(parsed, list), (column, contact[column])
                assert all(isinstance(v, str) for v in parsed), (column, contact[column])


def test_payload_keeps_a_product_id_with_a_comma_whole(built):
    person_id = customers(built)[ZOE.crm_customer_id][0]
    got = rows(
        built,
        "select last_abandoned_checkout_id, last_abandoned_product_ids "
        f"from {activation(built)}.sync_email_platform__contacts "
        f"where person_id = {literal(person_id)}",
    )
    assert len(got) == 1
    assert got[0][0] == "KZZHOSTILE2"
    assert json.loads(got[0][1]) == [ODD_PRODUCT_ID, PRODUCT_ID]


# NUL bytes (no build: the loader alone) -----------------------------------------------

GOOD_CALL = tracking_call(1, "page", name="ok", properties={})


def load_alone(engine_env, tmp_path: Path, table: str, name: str, text: str):
    env = isolated(engine_env, tmp_path, "nul")
    landing = tmp_path / "landing"
    (landing / table).mkdir(parents=True)
    (landing / table / name).write_text(text, encoding="utf-8", newline="")
    summary = load(landing, target_for(env), env["MAILPIPE_RAW_SCHEMA"])
    return env, summary


def test_raw_nul_byte_in_a_json_line_is_quarantined(engine_env, tmp_path):
    bad = json.dumps(dict(GOOD_CALL, messageId="m-nul", name="raw NUL")).replace(" NUL", "\0")
    text = json.dumps(GOOD_CALL) + "\n" + bad + "\n"
    _, summary = load_alone(engine_env, tmp_path, "tracking_events", "t__nul.jsonl", text)
    assert summary.failed == [], [f.error for f in summary.failed]
    (result,) = summary.files
    assert (result.loaded, result.quarantined, dict(result.reasons)) == (1, 1, {"malformed": 1})


def test_raw_nul_byte_in_a_csv_record_is_quarantined(engine_env, tmp_path):
    rows_ = [
        ("PNUL1", "S1", "ok", "Apparel", "Norda", 1.0, "EUR", "2026-01-05T00:00:00Z", True),
        ("PNUL2", "S2", "nul\0byte", "Apparel", "Norda", 1.0, "EUR", "2026-01-05T00:00:00Z", True),
    ]
    text = csv_text("shop_products", rows_)
    _, summary = load_alone(engine_env, tmp_path, "shop_products", "p__nul.csv", text)
    assert summary.failed == [], [f.error for f in summary.failed]
    (result,) = summary.files
    assert (result.loaded, result.quarantined, dict(result.reasons)) == (1, 1, {"malformed": 1})
