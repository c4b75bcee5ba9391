"""Erasure bookkeeping shared by the loader and `mailpipe erase` (scripts/privacy.py).

Two tables in the raw schema, created by both commands:

- `_erasure_audit`: one row per erasure request carried out, with the rows deleted or
  redacted per table and no personal data.
- `_suppressions`: one row per identifier of an erased person, stored as a hash
  (`suppression_hash`), so that records about the person that arrive later are dropped at
  load before they are written anywhere.

The hash is SHA-256 over a prefix and the identifier trimmed of spaces and lower-cased. The
prefix keeps it apart from the plain SHA-256 of an email, which enrichment files and
ad-platform exports carry: the suppression list is not a list of the hashes partners hold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

SUPPRESSIONS = "_suppressions"
ERASURE_AUDIT = "_erasure_audit"
SUPPRESSION_PREFIX = "suppressed:"
# Characters that separate the tokens of a record's text (JSON and CSV punctuation, URL
# delimiters, white space): an identifier never contains one.
TOKEN_SEPARATORS = r"""[\s"',:;{}\[\]()<>=&?/\\]+"""


def normalise_identifier(value: str) -> str:
    """An identifier as compared everywhere: spaces trimmed (as SQL's trim), lower case."""
    return value.strip(" ").lower()


def suppression_hash(value: str) -> str:
    """The stored form of a suppressed identifier (see `suppression_hash_sql`)."""
    text = SUPPRESSION_PREFIX + normalise_identifier(value)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def suppression_hash_sql(expression: str) -> str:
    """DuckDB SQL for `suppression_hash` of a text expression."""
    return f"sha256('{SUPPRESSION_PREFIX}' || lower(trim({expression})))"


def ddl(table: Callable[[str], str], types: dict[str, str]) -> list[str]:
    """`create table if not exists` for the audit and the suppression list; `table` quotes
    a table name with its schema, `types` maps the loader's types to the engine's."""
    text, ts = types["text"], types["timestamp"]
    return [
        f"create table if not exists {table(ERASURE_AUDIT)} ("
        f"request_id {text} not null primary key, processed_at {ts} not null, "
        f"identifiers_count bigint not null, rows_deleted bigint not null, "
        f"rows_redacted bigint not null, rows_by_table {text} not null)",
        f"create table if not exists {table(SUPPRESSIONS)} ("
        f"identifier_hash {text} not null primary key, request_id {text} not null, "
        f"suppressed_at {ts} not null)",
    ]
