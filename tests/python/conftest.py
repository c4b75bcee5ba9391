"""Shared fixtures: isolated warehouses per test session, and a small generated landing set.

DuckDB tests use a file under pytest's tmp folder. Postgres tests use the server described
by the MAILPIPE_PG_* variables (see .env.example; `make test` starts a local one), in
schemas unique to this session that are dropped at the end. When no Postgres answers, the
Postgres tests are skipped with the reason — unless MAILPIPE_REQUIRE_POSTGRES=1 (set by
`make test` and CI), in which case they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from scripts.generate import generate
from scripts.warehouse import (
    PROJECT_DIR,
    Target,
    connect_duckdb,
    connect_postgres,
    dbt_command,
    load_target,
    read_session,
)

SMALL_CUSTOMERS = 300
RUN_ID = uuid.uuid4().hex[:8]


def dbt(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the dbt CLI of this virtualenv in the project folder (the target: the
    environment's DBT_TARGET)."""
    return subprocess.run(
        dbt_command(args),
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def mailpipe(
    *args: str, env: dict[str, str] | None = None, timeout: int = 900
) -> subprocess.CompletedProcess:
    """Run the `mailpipe` command line (this virtualenv's Python) in the project folder."""
    return subprocess.run(
        [sys.executable, "-m", "scripts", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory) -> Path:
    """A landing folder generated for a few hundred customers (with bad records)."""
    out = tmp_path_factory.mktemp("landing") / "landing"
    generate(out, customers=SMALL_CUSTOMERS, seed=7, bad_rate=0.01)
    return out


@pytest.fixture(scope="session")
def duckdb_env(tmp_path_factory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("warehouse") / "test.duckdb"
    env = dict(os.environ, DBT_TARGET="dev", MAILPIPE_DUCKDB_PATH=str(path))
    env["MAILPIPE_RAW_SCHEMA"] = "raw"
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def _postgres_available() -> str | None:
    """None when the Postgres of MAILPIPE_PG_* answers, else the reason."""
    missing = [v for v in ("MAILPIPE_PG_HOST", "DBT_ENV_SECRET_PG_PASSWORD") if v not in os.environ]
    if missing:
        return f"{', '.join(missing)} not set (see .env.example)"
    try:
        os.environ.setdefault("MAILPIPE_PG_SCHEMA", "analytics")
        connect_postgres(load_target("prod")).close()
    except Exception as exc:
        return f"Postgres does not answer: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_env() -> dict[str, str]:
    reason = _postgres_available()
    if reason:
        if os.environ.get("MAILPIPE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"Postgres is required (MAILPIPE_REQUIRE_POSTGRES=1): {reason}")
        pytest.skip(reason)
    env = dict(os.environ, DBT_TARGET="prod")
    env["MAILPIPE_PG_SCHEMA"] = f"test_{RUN_ID}"
    env["MAILPIPE_RAW_SCHEMA"] = f"test_{RUN_ID}_raw"
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    yield env
    con = connect_postgres(load_target("prod"))
    with con.cursor() as cur:
        cur.execute("select nspname from pg_namespace where nspname like %s", (f"test_{RUN_ID}%",))
        for (schema,) in cur.fetchall():
            cur.execute(f'drop schema "{schema}" cascade')
    con.commit()
    con.close()


@pytest.fixture(params=["duckdb", "postgres"])
def engine_env(request) -> dict[str, str]:
    """Each test that takes it runs once per engine."""
    return request.getfixturevalue(f"{request.param}_env")


def target_for(env: dict[str, str]) -> Target:
    """The dbt target an environment selects, read with that environment."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return load_target(env["DBT_TARGET"])
    finally:
        os.environ.clear()
        os.environ.update(saved)


def query(env: dict[str, str], sql: str) -> list[tuple]:
    """Rows of a query against the warehouse an environment selects, in a read session.
    DuckDB's file is opened read-write, as a test that runs dbt's Python API or the stream
    runner in this process holds it."""
    with read_session(target_for(env), duckdb_read_write=True) as session:
        return session.rows(sql)


def execute(env: dict[str, str], sql: str) -> None:
    """Run one statement against the warehouse an environment selects and commit it
    (`query` only reads)."""
    target = target_for(env)
    if target.type == "duckdb":
        con = connect_duckdb(target)
        try:
            con.execute(sql)
        finally:
            con.close()
        return
    con = connect_postgres(target)
    try:
        with con.cursor() as cur:
            cur.execute(sql)
        con.commit()
    finally:
        con.close()
