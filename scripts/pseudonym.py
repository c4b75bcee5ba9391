"""The pseudonymisation key: the secret behind `email_key`, the keyed hash of an email.

Joins across datasets and exports identify a person by `email_key` (macro `email_key`:
SHA-256 of the key and the SHA-256 of the normalised address), never by the address or its
plain SHA-256, which anyone can compute from a list of addresses. Without the key, an
`email_key` cannot be traced back to an address.

The key comes from the environment, `DBT_ENV_SECRET_PSEUDONYMISATION_KEY` (dbt scrubs
`DBT_ENV_SECRET_*` values from its logs). dbt lets models read secret variables nowhere but
in profiles.yml, so the loader keeps the key where the models can join it: one row in
`<raw schema>._pseudonymisation_key`, a schema only the transformer role reads (the BI and
email-platform roles are refused there). Without the variable, a random key is made once
and kept in `data/.pseudonymisation_key` (git-ignored, mode 600) so that a newcomer's
`make demo` needs no set-up; production sets the variable.

The key is never printed: logs name it by its fingerprint (the first 12 hex digits of its
SHA-256). Changing the key changes every `email_key` at the next build.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path

from scripts.errors import UserError
from scripts.warehouse import PROJECT_DIR

log = logging.getLogger(__name__)

KEY_ENV = "DBT_ENV_SECRET_PSEUDONYMISATION_KEY"
KEY_FILE = PROJECT_DIR / "data" / ".pseudonymisation_key"
KEY_TABLE = "_pseudonymisation_key"
MIN_KEY_CHARS = 16


def fingerprint(key: str) -> str:
    """A short, non-secret name for a key."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def email_key(email: str, key: str) -> str:
    """`email_key` of a normalised address, as the dbt macro computes it."""
    digest = hashlib.sha256(email.encode("utf-8")).hexdigest()
    return hashlib.sha256(f"{key}:{digest}".encode()).hexdigest()


def pseudonymisation_key(key_file: Path = KEY_FILE) -> str:
    """The key from the environment, else from the local key file (made when missing)."""
    key = os.environ.get(KEY_ENV)
    if key is not None:
        if len(key) < MIN_KEY_CHARS:
            raise UserError(f"{KEY_ENV} is too short: use at least {MIN_KEY_CHARS} characters")
        return key
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        log.info("pseudonymisation key: %s not set, made one in %s", KEY_ENV, key_file)
    key = key_file.read_text().strip()
    if len(key) < MIN_KEY_CHARS:
        raise UserError(f"{key_file} holds no usable key: delete it to make a new one")
    return key


def store_key(con, dialect: str, schema: str, key: str | None = None) -> str:
    """Write the key into `<schema>._pseudonymisation_key` (one row) when it is not there
    yet or differs; returns its fingerprint. `con` is an open DuckDB or psycopg2
    connection; the caller commits. The key travels as a bound parameter."""
    key = key if key is not None else pseudonymisation_key()
    mark = "?" if dialect == "duckdb" else "%s"
    table = f'"{schema}"."{KEY_TABLE}"'
    statements = [
        f'create schema if not exists "{schema}"',
        f"create table if not exists {table} (key_value varchar not null, "
        "key_fingerprint varchar not null, stored_at timestamp not null)",
    ]
    cur = con.cursor()
    for sql in statements:
        cur.execute(sql)
    cur.execute(f"select key_fingerprint from {table}")
    stored = [row[0] for row in cur.fetchall()]
    mark_fp = fingerprint(key)
    if stored != [mark_fp]:
        cur.execute(f"delete from {table}")
        cur.execute(
            f"insert into {table} values ({mark}, {mark}, current_timestamp)", (key, mark_fp)
        )
        if stored:
            log.warning(
                "pseudonymisation key changed (%s -> %s): every email_key changes at the "
                "next build",
                stored[0],
                mark_fp,
            )
    return mark_fp
