"""`mailpipe erase`: carry out pending erasure requests in every layer of the warehouse.

The erasure requests in the raw table `privacy_requests` (the latest version of each)
that the audit table `<raw>._erasure_audit` does not list yet are carried out together,
in one transaction (all or none), with one scan of each table for all of them:

1. The person's identifiers: the request's email (trimmed, lower case) and customer id,
   then, through the identity graph (`int_identity_person_keys_assigned`, when built),
   every identifier of the person or people they belong to and their person keys, and for
   every email the identifiers other systems derive from it (`email_derivatives`).
2. Every base table of the raw schema and of this target's schemas (`<schema>` and
   `<schema>_*`: staging, intermediate, marts, snapshots, monitoring, ...): rows with an
   identifier as a whole token in a text or JSON column are deleted. Rows of the raw
   `privacy_requests` are redacted instead (email, customer id and any other matching
   column set to null), so the request itself remains as evidence. Views are rebuilt by
   dbt and skipped; the audit and the suppression list are not scanned.
3. The loader's ledger counts the raw and quarantined rows erased per file, so the
   reconciliation of loaded files still holds.
4. The identifiers go on the suppression list `<raw>._suppressions` as hashes, and the
   loader drops records about the person that arrive later.
5. One audit row per request: request id, time, identifiers count, rows deleted and
   redacted per table. No personal data. A row that holds identifiers of two requests
   counts in the audit of both (and is removed once).

Identifiers are matched case-insensitively as whole tokens (`anna@x.com` does not match
`joanna@x.com`): a row's text is split into runs of the characters an identifier may hold,
and each run is looked up in a temporary table of the identifiers (bound parameters; table
and column names quoted). The rows a table's scan matches are read before they are
removed, to count them per request and per loaded file (RequestMatcher applies the same
token rule in Python).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scripts import pseudonym
from scripts.errors import UserError
from scripts.load import erasure
from scripts.load.loader import LEDGER, QUARANTINE, SQL_TYPES, ledger_migrations
from scripts.load.validate import quote
from scripts.tables import BY_NAME
from scripts.warehouse import (
    Target,
    add_target_argument,
    connect_duckdb,
    connect_postgres,
    load_target,
)

log = logging.getLogger(__name__)

REQUESTS = "privacy_requests"
# Columns of a raw privacy request that are always redacted (the request's subject).
REDACTED_COLUMNS = ("email", "customer_id")
IDENTITY_MODEL = "int_identity_person_keys_assigned"
# Characters an identifier may contain: a match must not touch one on either side.
TOKEN_CHARACTERS = "a-z0-9._%+@-"
REGEX_SPECIAL = set("\\.^$|?*+()[]{}")
# Shorter identifiers would match too much to be erased safely; they are skipped (logged).
MIN_IDENTIFIER_LENGTH = 5
# The identifiers of the requests being carried out, for the scans (a temporary table).
IDENTIFIERS_TABLE = "_erasure_identifiers"
TEXT_TYPES = {"varchar", "text", "character varying", "character", "json", "jsonb"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "erase",
        help="carry out pending erasure requests in every layer of the warehouse",
        description="Carry out every erasure request in raw.privacy_requests that is not yet "
        "in the audit table raw._erasure_audit, one transaction per request: find the "
        "person's identifiers (the request's email and customer id, their identity-graph "
        "person and its identifiers, the SHA-256 of each email), delete every row that "
        "contains one in a text or JSON column of a table in the raw schema and in this "
        "target's schemas (staging, intermediate, marts, snapshots, monitoring, ...), redact "
        "the request itself (email and customer id set to null), put the identifiers on the "
        "suppression list (hashed) so that `mailpipe load` drops later records about the "
        "person, and write one audit row per request with the rows deleted and redacted per "
        "table and no personal data. Run `dbt build` afterwards to rebuild what depends on "
        "the deleted rows.",
    )
    add_target_argument(parser)
    parser.add_argument(
        "--schema",
        default=os.environ.get("MAILPIPE_RAW_SCHEMA", "raw"),
        help="raw schema (default: $MAILPIPE_RAW_SCHEMA or %(default)s)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="count what each request would delete and redact, then roll back: nothing "
        "changes, no audit row is written",
    )
    parser.set_defaults(func=_cli)


def email_derivatives(email: str) -> list[str]:
    """Identifiers derived from an email and carried instead of it: the lowercase hex
    SHA-256 of the normalised address (enrichment vendors, ad-platform audiences) and its
    keyed pseudonym `email_key` (scripts/pseudonym.py), which the marts carry."""
    normalised = erasure.normalise_identifier(email)
    return [
        hashlib.sha256(normalised.encode("utf-8")).hexdigest(),
        pseudonym.email_key(normalised, pseudonym.pseudonymisation_key()),
    ]


class ErasureFailed(Exception):
    """The pending requests could not be carried out; their transaction was rolled back."""


@dataclass(frozen=True)
class Request:
    request_id: str
    email: str | None
    customer_id: str | None


@dataclass
class Erased:
    """What one request's identifiers matched, per table (`schema.table`)."""

    request_id: str
    identifiers_count: int
    tables: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, relation: str, deleted: int = 0, redacted: int = 0) -> None:
        if deleted or redacted:
            self.tables[relation] = {"deleted": deleted, "redacted": redacted}

    @property
    def deleted(self) -> int:
        return sum(t["deleted"] for t in self.tables.values())

    @property
    def redacted(self) -> int:
        return sum(t["redacted"] for t in self.tables.values())


@dataclass
class EraseSummary:
    target: str
    erased: list[Erased]
    # what was removed, per table (a row two requests name is removed once)
    removed: dict[str, dict[str, int]]
    seconds: float
    dry_run: bool = False

    def line(self) -> str:
        deleted = sum(t["deleted"] for t in self.removed.values())
        redacted = sum(t["redacted"] for t in self.removed.values())
        tables = len(self.removed)
        identifiers = sum(e.identifiers_count for e in self.erased)
        verb = "dry run, rolled back: would erase" if self.dry_run else "erased"
        return (
            f"{verb} {len(self.erased)} requests on {self.target}: {deleted:,} rows deleted "
            f"and {redacted:,} redacted in {tables} tables; {identifiers} identifiers "
            f"{'found' if self.dry_run else 'suppressed'}; {self.seconds:.1f} s"
        )


class Warehouse:
    """The few statements erasure needs, on DuckDB or Postgres, in explicit transactions."""

    def __init__(self, target: Target) -> None:
        self.engine = target.type
        self.base = str(target.config.get("schema") or "main")
        if self.engine == "duckdb":
            self.con = connect_duckdb(target)
            self.param = "?"
        else:
            self.con = connect_postgres(target)
            self.param = "%s"
        self.other_pattern: str | None = None

    def rows(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        if self.engine == "duckdb":
            return self.con.execute(sql, list(params)).fetchall()
        with self.con.cursor() as cur:
            cur.execute(sql, tuple(params) or None)
            return cur.fetchall() if cur.description else []

    def change(self, sql: str, params: list | tuple = ()) -> int:
        """An insert, update or delete; returns the rows it changed."""
        if self.engine == "duckdb":
            return int(self.con.execute(sql, list(params)).fetchone()[0])
        with self.con.cursor() as cur:
            cur.execute(sql, tuple(params) or None)
            return cur.rowcount

    def begin(self) -> None:
        if self.engine == "duckdb":
            self.con.execute("begin transaction")

    def commit(self) -> None:
        self.con.commit() if self.engine == "postgres" else self.con.execute("commit")

    def rollback(self) -> None:
        self.con.rollback() if self.engine == "postgres" else self.con.execute("rollback")

    def matches(self, column: str) -> str:
        """SQL: the column's text contains the (bound) pattern; the text is lower-cased."""
        if self.engine == "duckdb":
            return f"regexp_matches(lower(cast({quote(column)} as varchar)), ?)"
        return f"lower(cast({quote(column)} as text)) ~ %s"

    @property
    def row_id(self) -> str:
        """The physical id of a row, stable within the transaction."""
        return "rowid" if self.engine == "duckdb" else "ctid"

    @property
    def row_ids_param(self) -> str:
        """A bound list of row ids."""
        return "?" if self.engine == "duckdb" else "%s::tid[]"

    @property
    def text_type(self) -> str:
        return "varchar" if self.engine == "duckdb" else "text"

    def hold_identifiers(self, identifiers: list[str]) -> None:
        """Keep the identifiers for `holds_identifier` in a temporary table of this
        transaction: those made of token characters only, looked up token by token, and a
        pattern (token_pattern) for any other."""
        table = IDENTIFIERS_TABLE
        if self.engine == "duckdb":
            self.rows(f"create or replace temp table {table} (identifier varchar primary key)")
        else:
            self.rows(
                f"create temp table if not exists {table} (identifier text primary key) "
                "on commit drop"
            )
            self.rows(f"delete from {table}")
        tokens = [i for i in identifiers if not RequestMatcher.SPLIT.search(i)]
        insert = f"insert into {table} (identifier) values ({self.param})"
        if self.engine == "duckdb":
            if tokens:
                self.con.executemany(insert, [(i,) for i in tokens])
        else:
            with self.con.cursor() as cur:
                cur.executemany(insert, [(i,) for i in tokens])
            self.rows(f"analyze {table}")
        others = [i for i in identifiers if RequestMatcher.SPLIT.search(i)]
        self.other_pattern = token_pattern(others) if others else None

    def holds_identifier(self, columns: list[str]) -> tuple[str, list]:
        """SQL and its parameters: the row holds one of the held identifiers as a whole
        token in one of the columns (their text lower-cased and joined by spaces, which
        part tokens, then split into tokens and each looked up)."""
        texts = ", ".join(f"cast({quote(c)} as {self.text_type})" for c in columns)
        text = f"lower(concat_ws(' ', {texts}))"
        if self.engine == "duckdb":
            tokens = f"unnest(string_split_regex({text}, ?))"
        else:
            tokens = f"regexp_split_to_table({text}, %s)"
        sql = (
            f"exists (select 1 from {tokens} as tokens (token) "
            f"where tokens.token in (select identifier from {IDENTIFIERS_TABLE}))"
        )
        params: list = [f"[^{TOKEN_CHARACTERS}]+"]
        if self.other_pattern:
            sql = " or ".join([sql, *(self.matches(c) for c in columns)])
            params += [self.other_pattern] * len(columns)
        return f"({sql})", params

    def placeholders(self, n: int) -> str:
        return ", ".join([self.param] * n)

    def close(self) -> None:
        self.con.close()


def relation(schema: str, table: str) -> str:
    return f"{quote(schema)}.{quote(table)}"


def token_pattern(identifiers: list[str]) -> str:
    """A regular expression (RE2 and Postgres alike) for any identifier as a whole token of
    lower-cased text: not preceded or followed by a character an identifier may hold."""

    def escape(text: str) -> str:
        return "".join("\\" + ch if ch in REGEX_SPECIAL else ch for ch in text)

    alternatives = "|".join(escape(i) for i in sorted(identifiers, key=lambda i: (-len(i), i)))
    edge = f"[^{TOKEN_CHARACTERS}]"
    return f"(^|{edge})({alternatives})($|{edge})"


class RequestMatcher:
    """Which requests' identifiers a text holds as whole tokens: the rule of token_pattern,
    by splitting lower-cased text into tokens and looking each up, so that attributing a
    row costs its length, not its length times the identifiers."""

    SPLIT = re.compile(f"[^{TOKEN_CHARACTERS}]+")

    def __init__(self, identifiers: dict[str, list[str]]) -> None:
        self.by_token: dict[str, set[str]] = {}
        # identifiers holding a character outside tokens: matched one by one
        self.patterns: list[tuple[re.Pattern, str]] = []
        edge = f"[{TOKEN_CHARACTERS}]"
        for request_id, values in identifiers.items():
            for value in values:
                if self.SPLIT.search(value):
                    pattern = re.compile(f"(?<!{edge}){re.escape(value)}(?!{edge})")
                    self.patterns.append((pattern, request_id))
                else:
                    self.by_token.setdefault(value, set()).add(request_id)

    def owners(self, texts: list[str]) -> set[str]:
        found: set[str] = set()
        for text in texts:
            for token in self.SPLIT.split(text):
                found |= self.by_token.get(token, set())
            found.update(rid for pattern, rid in self.patterns if pattern.search(text))
        return found


def table_exists(db: Warehouse, schema: str, table: str) -> bool:
    return bool(
        db.rows(
            "select 1 from information_schema.tables where table_schema = "
            f"{db.param} and table_name = {db.param}",
            [schema, table],
        )
    )


def column_names(db: Warehouse, schema: str, table: str) -> list[str]:
    return [
        name
        for (name,) in db.rows(
            "select column_name from information_schema.columns where table_schema = "
            f"{db.param} and table_name = {db.param} order by ordinal_position",
            [schema, table],
        )
    ]


def tables_in_scope(db: Warehouse, raw: str) -> dict[tuple[str, str], list[str]]:
    """(schema, table) -> text and JSON columns, for every base table of the raw schema and
    of this target's schemas, except the audit and the suppression list."""
    prefix = db.base + "_"
    found = db.rows(
        "select columns.table_schema, columns.table_name, columns.column_name, "
        "lower(columns.data_type) "
        "from information_schema.tables as tables "
        "inner join information_schema.columns as columns "
        "on tables.table_catalog = columns.table_catalog "
        "and tables.table_schema = columns.table_schema "
        "and tables.table_name = columns.table_name "
        "where tables.table_type = 'BASE TABLE' and tables.table_catalog = current_database() "
        f"and (tables.table_schema in ({db.param}, {db.param}) "
        f"or substr(tables.table_schema, 1, {db.param}) = {db.param}) "
        "order by 1, 2, columns.ordinal_position",
        [raw, db.base, len(prefix), prefix],
    )
    skipped = {(raw, erasure.ERASURE_AUDIT), (raw, erasure.SUPPRESSIONS)}
    scope: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, data_type in found:
        if (schema, table) in skipped:
            continue
        columns = scope.setdefault((schema, table), [])
        if data_type in TEXT_TYPES:
            columns.append(column)
    return {key: cols for key, cols in scope.items() if cols}


def pending_requests(db: Warehouse, raw: str) -> list[Request]:
    """Erasure requests (latest version of each) not yet in the audit, oldest first."""
    rows = db.rows(
        f"""
        with versions as (
            select
                request_id, request_type, email, customer_id, requested_at,
                row_number() over (
                    partition by request_id
                    order by _loaded_at desc, _source_file desc, _line_number desc
                ) as version_rank
            from {relation(raw, REQUESTS)}
        )
        select request_id, email, customer_id
        from versions
        where version_rank = 1 and request_type = 'erasure'
            and request_id not in (
                select request_id from {relation(raw, erasure.ERASURE_AUDIT)}
            )
        order by requested_at, request_id
        """
    )
    return [Request(r, e, c) for r, e, c in rows]


def identifiers_of(db: Warehouse, request: Request) -> list[str]:
    """The request's identifiers, expanded through the identity graph when it is built,
    with the identifiers derived from each email; trimmed and lower-cased."""
    seeds = {erasure.normalise_identifier(v) for v in (request.email, request.customer_id) if v} - {
        ""
    }
    emails = {erasure.normalise_identifier(request.email)} if request.email else set()
    found = set(seeds)
    schema = f"{db.base}_intermediate"
    if seeds and table_exists(db, schema, IDENTITY_MODEL):
        graph = relation(schema, IDENTITY_MODEL)
        keys = ["person_id"]
        if "previous_person_id" in column_names(db, schema, IDENTITY_MODEL):
            keys.append("previous_person_id")
        value = "lower(trim(substr(identifier_node, strpos(identifier_node, ':') + 1)))"
        rows = db.rows(
            f"select identifier_node, {', '.join(keys)} from {graph} where person_id in ("
            f"select person_id from {graph} where {value} in ({db.placeholders(len(seeds))}))",
            sorted(seeds),
        )
        for node, *person_keys in rows:
            kind, _, node_value = node.partition(":")
            node_value = erasure.normalise_identifier(node_value)
            found.add(node_value)
            if kind == "email":
                emails.add(node_value)
            found.update(erasure.normalise_identifier(k) for k in person_keys if k)
    for email in emails:
        found.update(email_derivatives(email))
    short = sorted(len(i) for i in found if len(i) < MIN_IDENTIFIER_LENGTH)
    if short:
        log.warning(
            "  request %s: skipped %d identifiers shorter than %d characters (too short to "
            "match safely)",
            request.request_id,
            len(short),
            MIN_IDENTIFIER_LENGTH,
        )
    return sorted(i for i in found if len(i) >= MIN_IDENTIFIER_LENGTH)


def prepare(db: Warehouse, raw: str) -> None:
    """The audit and suppression tables, and the ledger's erasure columns (committed)."""
    types = SQL_TYPES[db.engine]
    db.begin()
    try:
        for statement in erasure.ddl(lambda name: relation(raw, name), types):
            db.rows(statement)
        if table_exists(db, raw, LEDGER):
            ledger = relation(raw, LEDGER)
            for statement in ledger_migrations(ledger, column_names(db, raw, LEDGER)):
                db.rows(statement)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def _erase_table(
    db: Warehouse,
    raw: str,
    key: tuple[str, str],
    columns: list[str],
    matcher: RequestMatcher,
) -> tuple[int, int, list[tuple], dict[str, int]]:
    """Delete (or, for raw requests, redact) the rows of one table that hold an identifier
    of any request, in one scan for all of them. The matching rows are read first (their
    text lower-cased, as the database matched it) and each is counted for every request
    whose own identifiers it holds. Returns rows deleted, rows redacted, for loader tables
    the rows deleted per file (table name, batch id, source file, rows, is quarantine), and
    the rows per request id."""
    schema, table = key
    where, params = db.holds_identifier(columns)
    target = relation(schema, table)
    texts = ", ".join(f"lower(cast({quote(c)} as {db.text_type}))" for c in columns)
    file_columns = ""
    if schema == raw and table in BY_NAME:
        file_columns = f"'{table}', _batch_id, _source_file, false, "
    elif schema == raw and table == QUARANTINE:
        file_columns = "table_name, _batch_id, _source_file, true, "
    width = 4 if file_columns else 0
    matched = db.rows(
        f"select {file_columns}{db.row_id} as row_id, {texts} from {target} where {where}", params
    )
    by_request: dict[str, int] = {}
    by_file: dict[tuple, int] = {}
    for row in matched:
        owners = matcher.owners([v for v in row[width + 1 :] if v is not None])
        if not owners:
            raise RuntimeError(f"{schema}.{table}: a row matched no single request's identifiers")
        for rid in owners:
            by_request[rid] = by_request.get(rid, 0) + 1
        if width:
            by_file[tuple(row[:width])] = by_file.get(tuple(row[:width]), 0) + 1
    per_file = [
        (name, batch, source, n, quarantined)
        for (name, batch, source, quarantined), n in by_file.items()
    ]
    if schema == raw and table == REQUESTS:
        sets, set_params = [], []
        for column in columns:
            if column in REDACTED_COLUMNS:
                sets.append(f"{quote(column)} = null")
            else:
                held, held_params = db.holds_identifier([column])
                kept = quote(column)
                sets.append(f"{kept} = case when {held} then null else {kept} end")
                set_params += held_params
        redacted = db.change(
            f"update {target} set {', '.join(sets)} where {where}", set_params + params
        )
        if redacted != len(matched):
            raise RuntimeError(f"{schema}.{table}: redacted rows differ from the rows matched")
        return 0, redacted, [], by_request
    # the rows read, by their physical id: no second scan of the table
    deleted = (
        db.change(
            f"delete from {target} where {db.row_id} = any({db.row_ids_param})",
            [[row[width] for row in matched]],
        )
        if matched
        else 0
    )
    if deleted != len(matched):
        raise RuntimeError(f"{schema}.{table}: deleted rows differ from the rows matched")
    return deleted, 0, per_file, by_request


def erase_requests(
    db: Warehouse,
    raw: str,
    requests: list[Request],
    scope: dict[tuple[str, str], list[str]],
    dry_run: bool = False,
) -> tuple[list[Erased], dict[str, dict[str, int]]]:
    """Carry out the requests together in one transaction (rolled back on a dry run), with
    one scan per table for all of them. Returns what each request's identifiers matched
    (a row two requests name counts for both) and what was removed per table."""
    started = time.perf_counter()
    db.begin()
    try:
        identifiers = {request.request_id: identifiers_of(db, request) for request in requests}
        results = {rid: Erased(rid, len(ids)) for rid, ids in identifiers.items()}
        everything = sorted({i for ids in identifiers.values() for i in ids})
        log.info(
            "%d requests: %d identifiers, scanning %d tables",
            len(requests),
            len(everything),
            len(scope),
        )
        removed: dict[str, dict[str, int]] = {}
        per_file: list[tuple] = []
        if everything:
            db.hold_identifiers(everything)
            matcher = RequestMatcher(identifiers)
            for key, columns in scope.items():
                name = f"{key[0]}.{key[1]}"
                table_started = time.perf_counter()
                deleted, redacted, files, by_request = _erase_table(db, raw, key, columns, matcher)
                per_file += files
                for rid, n in by_request.items():
                    results[rid].add(name, 0 if redacted else n, n if redacted else 0)
                if deleted or redacted:
                    removed[name] = {"deleted": deleted, "redacted": redacted}
                    log.info(
                        "  %-64s %8s deleted %6s redacted (%.1f s)",
                        name,
                        f"{deleted:,}",
                        f"{redacted:,}",
                        time.perf_counter() - table_started,
                    )
        _count_in_ledger(db, raw, per_file)
        now = datetime.now(UTC)
        for request in requests:
            result = results[request.request_id]
            _suppress(db, raw, request.request_id, identifiers[request.request_id], now)
            db.change(
                f"insert into {relation(raw, erasure.ERASURE_AUDIT)} (request_id, "
                "processed_at, identifiers_count, rows_deleted, rows_redacted, rows_by_table) "
                f"values ({db.placeholders(6)})",
                [
                    request.request_id,
                    now,
                    result.identifiers_count,
                    result.deleted,
                    result.redacted,
                    json.dumps(result.tables, sort_keys=True),
                ],
            )
        if dry_run:
            db.rollback()
        else:
            db.commit()
    except BaseException:
        db.rollback()
        raise
    log.info("%d requests carried out in %.1f s", len(requests), time.perf_counter() - started)
    return [results[r.request_id] for r in requests], removed


def _count_in_ledger(db: Warehouse, raw: str, per_file: list[tuple]) -> None:
    if not per_file or not table_exists(db, raw, LEDGER):
        return
    p = db.param
    for table, batch, source, n, quarantined in per_file:
        column = "rows_quarantined_erased" if quarantined else "rows_erased"
        db.change(
            f"update {relation(raw, LEDGER)} set {column} = coalesce({column}, 0) + {p} "
            f"where table_name = {p} and batch_id = {p} and source_file = {p}",
            [n, table, batch, source],
        )


def _suppress(
    db: Warehouse, raw: str, request_id: str, identifiers: list[str], now: datetime
) -> None:
    table = relation(raw, erasure.SUPPRESSIONS)
    hashes = sorted({erasure.suppression_hash(i) for i in identifiers})
    if not hashes:
        return
    known = {
        h
        for (h,) in db.rows(
            f"select identifier_hash from {table} where identifier_hash in "
            f"({db.placeholders(len(hashes))})",
            hashes,
        )
    }
    for digest in hashes:
        if digest not in known:
            db.change(
                f"insert into {table} (identifier_hash, request_id, suppressed_at) "
                f"values ({db.placeholders(3)})",
                [digest, request_id, now],
            )


def erase(target: Target, raw: str = "raw", dry_run: bool = False) -> EraseSummary:
    """Carry out every pending erasure request; see the module docstring."""
    started = time.perf_counter()
    db = Warehouse(target)
    try:
        if not table_exists(db, raw, REQUESTS):
            raise UserError(
                f"no table {raw}.{REQUESTS} on {target.describe()} (run `mailpipe load`)"
            )
        prepare(db, raw)
        requests = pending_requests(db, raw)
        if db.engine == "postgres":
            db.rollback()  # end the read-only transaction the queries opened
        log.info("%d pending erasure requests", len(requests))
        scope = tables_in_scope(db, raw)
        if db.engine == "postgres":
            db.rollback()
        erased: list[Erased] = []
        removed: dict[str, dict[str, int]] = {}
        if requests:
            try:
                erased, removed = erase_requests(db, raw, requests, scope, dry_run)
            except Exception as exc:
                first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise ErasureFailed(
                    f"erasing {len(requests)} requests failed and was rolled back (none "
                    f"carried out): {first_line}"
                ) from exc
        if db.engine == "duckdb" and not dry_run:
            db.con.execute("checkpoint")
    finally:
        db.close()
    return EraseSummary(target.describe(), erased, removed, time.perf_counter() - started, dry_run)


def _cli(args: argparse.Namespace) -> int:
    target = load_target(args.target)
    log.info(
        "erasing pending requests in %s, raw schema %s%s",
        target.describe(),
        args.schema,
        " (dry run)" if args.dry_run else "",
    )
    try:
        summary = erase(target, args.schema, args.dry_run)
    except ErasureFailed as exc:
        print(f"mailpipe erase: FAILED: {exc}", file=sys.stderr)
        return 1
    for result in summary.erased:
        print(
            f"{result.request_id}: {result.deleted:,} rows deleted, {result.redacted:,} "
            f"redacted in {len(result.tables)} tables; {result.identifiers_count} "
            f"identifiers"
        )
    print(summary.line())
    return 0
