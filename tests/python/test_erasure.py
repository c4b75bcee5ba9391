"""Right to erasure: `mailpipe erase` removes a person from every layer, the audit says what
it removed, and records about the person that arrive later are dropped at load."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.load import load
from scripts.privacy import RequestMatcher, Warehouse, email_derivatives
from tests.python.conftest import dbt, mailpipe, query, target_for
from tests.python.test_replay import isolated, schema

BUILD = ("build", "--exclude", "resource_type:unit_test")
# Identifier types the subject must have, so that each kind of identifier is erased.
SUBJECT_TYPES = {"email", "crm_customer_id", "shop_customer_id", "anonymous_id"}
REQUEST_ID = "PR-ERASURE-TEST"


# --- the matching rule, on both engines -------------------------------------------------


def matches(env: dict[str, str], texts: list[str], identifiers: list[str]) -> list[bool]:
    """Whether each text holds an identifier, by the erasure's own SQL."""
    db = Warehouse(target_for(env))
    try:
        db.begin()
        db.hold_identifiers(identifiers)
        held, params = db.holds_identifier(["text"])
        rows = [
            db.rows(f"select {held} from (select {db.param} as text) as t", [*params, t])
            for t in texts
        ]
        db.rollback()
    finally:
        db.close()
    return [bool(r[0][0]) for r in rows]


def test_identifiers_match_as_whole_tokens_in_any_case(engine_env):
    ids = ["anna@x.com", "a.b+c@x.co", "c0000012", "x/y:z-1"]
    cases = {
        '{"email": "anna@x.com"}': True,
        "ANNA@X.COM": True,
        "to anna@x.com, from bob": True,
        "https://shop/?u=c0000012&x=1": True,
        "joanna@x.com": False,  # a longer address ending the same
        "anna@x.com.au": False,  # a longer domain
        "c00000123": False,  # a longer id
        "a.b+c@x.co": True,
        "axb+c@x.co": False,  # the dot is no wildcard
        "": False,
        "id: x/y:z-1 (legacy)": True,  # an identifier holding characters outside tokens
        "x/y:z-12": False,
    }
    assert matches(engine_env, list(cases), ids) == list(cases.values())


def test_rows_are_counted_for_the_requests_whose_identifiers_they_hold(engine_env):
    """RequestMatcher, which counts the rows of one scan per request, agrees with the SQL
    rule request by request, on both engines."""
    identifiers = {
        "R1": ["anna@x.com", "c0000012"],
        "R2": ["joanna@x.com", "anna@x.com"],  # two requests may name the same address
        "R3": ["id with space", "x/y:z-1"],  # characters outside tokens
    }
    texts = [
        '{"email": "anna@x.com", "id": "C0000012"}',
        "joanna@x.com",
        "https://shop/?u=c0000012&x=1",
        "c00000123",
        "to anna@x.com.au",
        "key: id with space, and x/y:z-1.",
        "xid with spaces",
        "",
    ]
    matcher = RequestMatcher(identifiers)
    lowered = [t.lower() for t in texts]
    by_sql = {rid: matches(engine_env, texts, ids) for rid, ids in identifiers.items()}
    for i, text in enumerate(lowered):
        assert matcher.owners([text]) == {rid for rid in identifiers if by_sql[rid][i]}, text
    assert [sorted(matcher.owners([t])) for t in lowered] == [
        ["R1", "R2"],
        ["R2"],
        ["R1"],
        [],
        [],
        ["R3"],
        [],
        [],
    ]


def test_email_derivatives_hash_the_normalised_address(monkeypatch):
    monkeypatch.setenv("DBT_ENV_SECRET_PSEUDONYMISATION_KEY", "k" * 16)
    digest = hashlib.sha256(b"anna@x.com").hexdigest()
    # the plain SHA-256, and the keyed pseudonym the marts carry (macro email_key)
    keyed = hashlib.sha256(f"{'k' * 16}:{digest}".encode()).hexdigest()
    assert email_derivatives("  Anna@X.com ") == [digest, keyed]


def test_erase_help_and_a_warehouse_without_requests(tmp_path):
    assert "usage: mailpipe erase" in mailpipe("erase", "--help", env=_env()).stdout
    env = _env(DBT_TARGET="dev", MAILPIPE_DUCKDB_PATH=str(tmp_path / "x.duckdb"))
    result = mailpipe("erase", env=env)
    assert result.returncode == 2, result.stderr
    assert "no table raw.privacy_requests" in result.stderr
    assert "Traceback" not in result.stderr


def _env(**changes: str) -> dict[str, str]:
    return dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", **changes)


# --- end to end ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    person: str  # the generator's person id
    identifiers: dict[str, list[str]]  # type -> values, lower case

    @property
    def values(self) -> set[str]:
        return {v for vs in self.identifiers.values() for v in vs}


class Truth:
    """The generator's ground truth, with the landing files' text to look people up."""

    def __init__(self, landing: Path) -> None:
        truth = landing / "_truth"
        people: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.shared: set[str] = set()
        self.unlinked: set[str] = set()
        for row in csv.DictReader((truth / "identifiers.csv").open()):
            value = row["identifier_value"].lower()
            if row["is_shared"] == "true" or not row["true_person_id"]:
                self.shared.add(value)
                continue
            people[row["true_person_id"]][row["identifier_type"]].append(value)
            if row["has_linking_record"] != "true":
                self.unlinked.add(row["true_person_id"])
        self.people = {p: Person(p, dict(ids)) for p, ids in people.items()}
        self.buyers = {
            row["true_person_id"]
            for row in csv.DictReader((truth / "records.csv").open())
            if row["table"] == "shop_orders"
        }
        self.lines = {
            table: [
                line
                for path in sorted((landing / table).glob("*.jsonl"))
                for line in path.read_text().splitlines()
            ]
            for table in ("esp_email_events", "consent_events", "tracking_events")
        }

    def lines_with(self, table: str, key: str, value: str) -> list[str]:
        """Lines of a table with this key and value (any case)."""
        needle = f'"{key}":"{value}"'.lower()
        return [line for line in self.lines[table] if needle in line.lower()]

    def candidates(self, buyers_only: bool = False) -> list[Person]:
        """People with an email in email events and consent events and a device in web
        tracking, every identifier tied to another by some record (else no system could
        know it is theirs)."""
        out = []
        for name in sorted(self.buyers if buyers_only else self.people):
            person = self.people[name]
            ids = person.identifiers
            if (
                name not in self.unlinked
                and {"email", "anonymous_id"} <= set(ids)
                and all(self.lines_with("esp_email_events", "email", e) for e in ids["email"])
                and any(self.lines_with("consent_events", "email", e) for e in ids["email"])
                and all(
                    self.lines_with("tracking_events", "anonymousid", a)
                    for a in ids["anonymous_id"]
                )
            ):
                out.append(person)
        return out

    def subject(self) -> Person:
        """The first candidate with orders and every kind of identifier, none part of
        another person's identifier (the final scan looks for substrings)."""
        for person in self.candidates(buyers_only=True):
            others = self.shared | {
                v for p in self.people.values() if p is not person for v in p.values
            }
            if set(person.identifiers) >= SUBJECT_TYPES and not any(
                v in o for v in person.values for o in others
            ):
                return person
        raise AssertionError("no person in the sample fits the test")


def write_lines(landing: Path, table: str, name: str, lines: list) -> Path:
    path = landing / table / f"{table}__{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in lines) + "\n")
    return path


def sql_list(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def graph_people(env: dict[str, str], values) -> set[str]:
    """Person keys of the identity graph holding any of these identifier values."""
    rows = query(
        env,
        f"select distinct person_id from {schema(env, 'intermediate')}."
        "int_identity_person_keys_assigned where lower(substr(identifier_node, "
        f"strpos(identifier_node, ':') + 1)) in ({sql_list(v.lower() for v in values)})",
    )
    return {p for (p,) in rows}


def loaded_line(env: dict[str, str], lines: list[str], table: str, key: str, column: str) -> str:
    """The first of these landing lines that loaded (not quarantined): delivered again, it
    is new file content with a key staging already has."""
    for line in lines:
        try:
            value = json.loads(line)[key].lower()
        except (ValueError, KeyError):
            continue
        raw = f"{env['MAILPIPE_RAW_SCHEMA']}.{table}"
        if query(env, f"select count(*) from {raw} where lower({column}) = '{value}'")[0][0]:
            return line
    raise AssertionError(f"no loaded line in {table}")


def text_columns(env: dict[str, str]) -> dict[tuple[str, str], list[str]]:
    """Text and JSON columns of every base table in this warehouse's schemas."""
    if env["DBT_TARGET"] == "dev":
        where = "true"  # the whole DuckDB file is this test's
    else:
        base, raw = env["MAILPIPE_PG_SCHEMA"], env["MAILPIPE_RAW_SCHEMA"]
        where = (
            f"(tables.table_schema in ('{base}', '{raw}') or tables.table_schema like '{base}\\_%')"
        )
    rows = query(
        env,
        "select columns.table_schema, columns.table_name, columns.column_name "
        "from information_schema.columns as columns inner join information_schema.tables "
        "as tables on columns.table_schema = tables.table_schema and columns.table_name = "
        "tables.table_name and columns.table_catalog = tables.table_catalog where "
        "tables.table_type = 'BASE TABLE' and lower(columns.data_type) in ('varchar', "
        f"'text', 'character varying', 'json', 'jsonb') and {where}",
    )
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for schema_name, table, column in rows:
        out[(schema_name, table)].append(column)
    return out


def hits(env: dict[str, str], values: list[str]) -> dict[str, int]:
    """Rows per `schema.table.column` whose text contains one of the values, in any case."""
    found = {}
    text = "varchar" if env["DBT_TARGET"] == "dev" else "text"
    needles = [v.lower().replace("'", "''") for v in values]
    db = Warehouse(target_for(env))  # one connection for the whole scan
    try:
        for (schema_name, table), columns in text_columns(env).items():
            counts = ", ".join(
                "count(case when "
                + " or ".join(f"strpos(lower(cast(\"{c}\" as {text})), '{n}') > 0" for n in needles)
                + " then 1 end)"
                for c in columns
            )
            row = db.rows(f'select {counts} from "{schema_name}"."{table}"')[0]
            found |= {
                f"{schema_name}.{table}.{c}": n for c, n in zip(columns, row, strict=True) if n
            }
    finally:
        db.close()
    return found


@pytest.mark.slow
def test_an_erased_person_is_gone_from_every_layer_and_stays_gone(
    engine_env, small_landing, tmp_path
):
    started = time.perf_counter()
    env = isolated(engine_env, tmp_path, "erase")
    raw = env["MAILPIPE_RAW_SCHEMA"]
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    truth = Truth(landing)
    subject = truth.subject()
    email = subject.identifiers["email"][0]
    crm_id = subject.identifiers["crm_customer_id"][0].upper()
    # The request as the privacy team's tool sends it: the address in another case.
    write_lines(
        landing,
        "privacy_requests",
        "zz-request",
        [
            {
                "request_id": REQUEST_ID,
                "request_type": "erasure",
                "customer_id": crm_id,
                "email": f" {email.upper()}",
                "jurisdiction": "GDPR",
                "requested_at": "2026-10-29T09:00:00Z",
                "status": "pending",
            }
        ],
    )
    loaded = mailpipe("load", "--landing", str(landing), env=env)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    built = dbt(*BUILD, env=env)
    assert built.returncode == 0, built.stdout[-4000:]

    # Everyone an erasure request names (the sample may hold requests of its own), and the
    # subject's key: the graph holds their identifiers under it and no one else's.
    erased_people: set[str] = set()
    for request in query(
        env,
        f"select email, customer_id from {raw}.privacy_requests where request_type = 'erasure'",
    ):
        erased_people |= graph_people(env, [v.strip() for v in request if v])
    subject_people = graph_people(env, [email, crm_id])
    assert len(subject_people) == 1, subject_people
    nodes = query(
        env,
        f"select identifier_node from {schema(env, 'intermediate')}."
        f"int_identity_person_keys_assigned where person_id in ({sql_list(subject_people)})",
    )
    assert {n.split(":", 1)[1].lower() for (n,) in nodes} <= subject.values
    marts = schema(env, "marts")
    customers_before = {p for (p,) in query(env, f"select person_id from {marts}.dim_customers")}
    orders_before = query(env, f"select person_id from {marts}.fct_orders")
    assert any(p in subject_people for (p,) in orders_before)
    # Someone else, whose records arrive with the person's after the erasure.
    other = next(
        p
        for p in truth.candidates()
        if p is not subject and not graph_people(env, p.values) & erased_people
    )

    # The scan below finds the person in every layer before the erasure.
    searched = sorted(subject.values) + email_derivatives(email) + sorted(subject_people)
    found = {name.rsplit(".", 2)[0] for name in hits(env, searched)}
    layers = [raw] + [schema(env, layer) for layer in ("staging", "marts", "snapshots")]
    assert set(layers) <= found, found

    erased = mailpipe("erase", env=env)
    assert erased.returncode == 0, erased.stdout + erased.stderr
    assert f"{REQUEST_ID}: " in erased.stdout, erased.stdout
    assert erased.stdout.splitlines()[-1].startswith("erased "), erased.stdout
    # Processed once: a second run finds nothing pending.
    again = mailpipe("erase", env=env)
    assert again.stdout.splitlines()[-1].startswith("erased 0 requests"), again.stdout

    # One audit row, without personal data, with rows removed in every layer.
    ((processed_at, count, deleted, redacted, by_table),) = query(
        env,
        "select processed_at, identifiers_count, rows_deleted, rows_redacted, rows_by_table "
        f"from {raw}._erasure_audit where request_id = '{REQUEST_ID}'",
    )
    tables = json.loads(by_table)
    assert processed_at is not None and count >= len(subject.values)
    assert deleted == sum(t["deleted"] for t in tables.values()) and redacted == 1
    assert tables[f"{raw}.privacy_requests"] == {"deleted": 0, "redacted": 1}
    for layer in ("staging", "intermediate", "marts", "snapshots"):
        prefix = schema(env, layer) + "."
        assert sum(t["deleted"] for n, t in tables.items() if n.startswith(prefix)), tables
    for table in ("esp_email_events", "consent_events", "tracking_events", "shop_orders"):
        assert tables[f"{raw}.{table}"]["deleted"] > 0, tables
    assert not any(v in by_table.lower() for v in subject.values)

    # New records about the person arrive (their address in another case, a broken line
    # with it, their device, a new device signed in with their address), each file with a
    # record about someone else: an earlier record of theirs delivered again.
    other_email, other_device = other.identifiers["email"][0], other.identifiers["anonymous_id"][0]
    event = {"timestamp": 1780000000, "event": "processed", "category": ["newsletter"]}
    write_lines(
        landing,
        "esp_email_events",
        "zz-after-erasure",
        [
            {**event, "email": f"{email.upper()} ", "sg_event_id": "zz-1", "sg_message_id": "zz-1"},
            json.dumps({**event, "email": email, "sg_event_id": "zz-2"})[:-12],
            loaded_line(
                env,
                truth.lines_with("esp_email_events", "email", other_email),
                "esp_email_events",
                "sg_event_id",
                "sg_event_id",
            ),
        ],
    )
    write_lines(
        landing,
        "consent_events",
        "zz-after-erasure",
        [
            {
                "consent_id": "zz-c1",
                "customer_id": crm_id,
                "email": email,
                "purpose": "email_marketing",
                "status": "granted",
                "occurred_at": "2026-05-28T10:00:00Z",
            },
            loaded_line(
                env,
                truth.lines_with("consent_events", "email", other_email),
                "consent_events",
                "consent_id",
                "consent_id",
            ),
        ],
    )
    call = {
        "type": "identify",
        "timestamp": "2026-05-28T10:00:00Z",
        "sentAt": "2026-05-28T10:00:01Z",
        "receivedAt": "2026-05-28T10:00:01Z",
    }
    write_lines(
        landing,
        "tracking_events",
        "zz-after-erasure",
        [
            {**call, "messageId": "zz-t1", "anonymousId": subject.identifiers["anonymous_id"][0]},
            {**call, "messageId": "zz-t2", "anonymousId": "zz-device", "traits": {"email": email}},
            loaded_line(
                env,
                truth.lines_with("tracking_events", "anonymousid", other_device),
                "tracking_events",
                "messageId",
                "message_id",
            ),
        ],
    )
    summary = load(landing, target_for(env), raw)
    assert summary.failed == []
    new = {f.table: f for f in summary.files if f.status == "loaded"}
    counts = {t: (f.lines, f.loaded, f.quarantined, f.suppressed) for t, f in new.items()}
    assert counts == {
        "esp_email_events": (3, 1, 0, 2),
        "consent_events": (2, 1, 0, 1),
        "tracking_events": (3, 1, 0, 2),
    }
    assert all(f.reconciles for f in new.values())
    assert "+ 5 suppressed" in summary.line()
    ledger = query(
        env,
        "select table_name, lines_read, rows_loaded, rows_quarantined, rows_suppressed "
        f"from {raw}.load_ledger where batch_id = '{summary.batch_id}'",
    )
    assert {r[0]: r[1:] for r in ledger} == counts

    # The pipeline builds again and every test passes, the ledger reconciliation included.
    rebuilt = dbt(*BUILD, env=env)
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:]
    request = query(
        env,
        f"select request_status, email, crm_customer_id, erased_at "
        f"from {schema(env, 'staging')}.stg_privacy__privacy_requests "
        f"where privacy_request_id = '{REQUEST_ID}'",
    )
    assert [(s, e, c, a is not None) for s, e, c, a in request] == [("completed", None, None, True)]

    # Not a trace of the person in any text or JSON column of any table, raw included.
    assert hits(env, searched) == {}

    # Everyone else is untouched: the marts lost exactly the erased people.
    customers_after = {p for (p,) in query(env, f"select person_id from {marts}.dim_customers")}
    assert customers_after == customers_before - erased_people
    assert len(customers_after) == len(customers_before) - len(erased_people)
    orders_after = query(env, f"select count(*) from {marts}.fct_orders")[0][0]
    assert orders_after == sum(1 for (p,) in orders_before if p not in erased_people)
    print(f"\nerasure test on {env['DBT_TARGET']}: {time.perf_counter() - started:.0f} s")
