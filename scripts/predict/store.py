"""Where fits are kept, read by dbt: `<raw schema>.purchase_model_fits`, one row per fit
of the purchase models (`mailpipe fit`), and `<raw schema>.propensity_model_coefficients`,
one row per coefficient of each propensity or churn model (`mailpipe train`).

The loader makes both tables (empty) with every load, so that the models that read them
build on a warehouse that has never been fitted (their scores are then null); the
commands append the fits they accept. Models read the latest fit
(stg_predict__purchase_model_fits, stg_predict__propensity_coefficients). Values travel
as bound parameters, never spliced into SQL.
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
COEFFICIENTS_TABLE = "propensity_model_coefficients"
COEFFICIENT_COLUMNS = (
    ("model_id", "varchar not null"),
    ("model_name", "varchar not null"),
    ("trained_at", "timestamp not null"),
    ("label_days", "bigint not null"),
    ("holdout_cutoff_date", "date not null"),
    ("training_row_count", "bigint not null"),
    ("training_positive_count", "bigint not null"),
    ("holdout_row_count", "bigint not null"),
    ("holdout_positive_count", "bigint not null"),
    ("training_auc", "double precision not null"),
    ("holdout_auc", "double precision not null"),
    ("l2_penalty", "double precision not null"),
    ("feature_name", "varchar not null"),
    ("feature_mean", "double precision not null"),
    ("feature_scale", "double precision not null"),
    ("coefficient", "double precision not null"),
)
TABLES = {FITS_TABLE: COLUMNS, COEFFICIENTS_TABLE: COEFFICIENT_COLUMNS}


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
    """Create the schema and both fits tables when missing. `con` is an open DuckDB or
    psycopg2 connection; the caller commits."""
    cur = _cursor(con)
    cur.execute(f'create schema if not exists "{schema}"')
    for table, columns in TABLES.items():
        listed = ", ".join(f"{name} {kind}" for name, kind in columns)
        cur.execute(f'create table if not exists "{schema}"."{table}" ({listed})')


def insert_rows(con, dialect: str, schema: str, table: str, rows: list[tuple]) -> None:
    """Append rows to one of the fits tables (made when missing); the caller commits."""
    ensure_table(con, schema)
    mark = "?" if dialect == "duckdb" else "%s"
    columns = TABLES[table]
    names = ", ".join(name for name, _ in columns)
    marks = ", ".join(mark for _ in columns)
    _cursor(con).executemany(f'insert into "{schema}"."{table}" ({names}) values ({marks})', rows)


def insert_fit(con, dialect: str, schema: str, fit: StoredFit) -> None:
    """Append one fit of the purchase models; the caller commits."""
    insert_rows(con, dialect, schema, FITS_TABLE, [fit.values()])


def _cursor(con):
    """Where to execute: a DuckDB connection itself (its cursors are connections of their
    own, outside its transaction), or a psycopg2 connection's cursor."""
    return con if hasattr(con, "execute") else con.cursor()
