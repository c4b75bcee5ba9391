"""Where fits are kept: `<raw schema>.purchase_model_fits`, one row per fit, read by dbt.

The loader makes the table (empty) with every load, so that the models that read it build
on a warehouse that has never been fitted (their scores are then null); `mailpipe fit`
appends a row per fit it accepts. Models read the latest fit in their time unit
(stg_predict__purchase_model_fits). Values travel as bound parameters, never spliced
into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

FITS_TABLE = "purchase_model_fits"
COLUMNS = (
    ("fit_id", "varchar not null"),
    ("fitted_at", "timestamp not null"),
    ("cutoff_date", "date not null"),
    ("time_unit", "varchar not null"),
    ("data_source", "varchar not null"),
    ("customer_count", "bigint not null"),
    ("repeat_customer_count", "bigint not null"),
    ("bgnbd_log_likelihood", "double precision not null"),
    ("r", "double precision not null"),
    ("alpha", "double precision not null"),
    ("a", "double precision not null"),
    ("b", "double precision not null"),
    ("gamma_gamma_log_likelihood", "double precision not null"),
    ("p", "double precision not null"),
    ("q", "double precision not null"),
    ("v", "double precision not null"),
)


@dataclass(frozen=True)
class StoredFit:
    """One accepted fit of both purchase models, as the table holds it."""

    fit_id: str
    fitted_at: datetime
    cutoff_date: date
    time_unit: str
    data_source: str
    customer_count: int
    repeat_customer_count: int
    bgnbd_log_likelihood: float
    r: float
    alpha: float
    a: float
    b: float
    gamma_gamma_log_likelihood: float
    p: float
    q: float
    v: float

    def values(self) -> tuple:
        return tuple(getattr(self, name) for name, _ in COLUMNS)


def ensure_table(con, schema: str) -> None:
    """Create the schema and the fits table when missing. `con` is an open DuckDB or
    psycopg2 connection; the caller commits."""
    cur = con.cursor()
    cur.execute(f'create schema if not exists "{schema}"')
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    cur.execute(f'create table if not exists "{schema}"."{FITS_TABLE}" ({columns})')


def insert_fit(con, dialect: str, schema: str, fit: StoredFit) -> None:
    """Append one fit (table made when missing); the caller commits."""
    ensure_table(con, schema)
    mark = "?" if dialect == "duckdb" else "%s"
    names = ", ".join(name for name, _ in COLUMNS)
    marks = ", ".join(mark for _ in COLUMNS)
    con.cursor().execute(
        f'insert into "{schema}"."{FITS_TABLE}" ({names}) values ({marks})', fit.values()
    )
