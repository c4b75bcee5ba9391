"""Profile history: the CRM snapshot keeps every version and closes deleted customers."""

from __future__ import annotations

import json
import uuid

import pytest

from scripts.load import load
from tests.python.conftest import dbt, query, target_for

pytestmark = pytest.mark.slow


def change(op: str, customer_id: str, lsn: int, email: str | None = None) -> str:
    row = {"customer_id": customer_id, "email": email, "updated_at": "2026-01-01T00:00:00Z"}
    return json.dumps(
        {
            "before": row if op == "d" else None,
            "after": None if op == "d" else row,
            "op": op,
            "ts_ms": 1_767_225_600_000 + lsn * 60_000,
            "source": {"lsn": lsn},
        }
    )


@pytest.fixture
def isolated_env(engine_env, tmp_path):
    """The engine's environment with a warehouse of its own."""
    suffix = uuid.uuid4().hex[:6]
    env = dict(engine_env, MAILPIPE_RAW_SCHEMA=f"{engine_env['MAILPIPE_RAW_SCHEMA']}_snap_{suffix}")
    if env["DBT_TARGET"] == "dev":
        env["MAILPIPE_DUCKDB_PATH"] = str(tmp_path / "snap.duckdb")
    else:
        env["MAILPIPE_PG_SCHEMA"] = f"{engine_env['MAILPIPE_PG_SCHEMA']}_snap_{suffix}"
    return env


def test_snapshot_keeps_versions_and_closes_deletes(isolated_env, tmp_path):
    env = isolated_env
    landing = tmp_path / "landing" / "crm_customer_changes"
    landing.mkdir(parents=True)
    select = ["--select", "stg_crm__customers", "snp_crm__customers"]

    (landing / "a.jsonl").write_text(
        change("c", "C1", 1, "one@example.com") + "\n" + change("c", "C2", 2, "two@example.com")
    )
    load(landing.parent, target_for(env), env["MAILPIPE_RAW_SCHEMA"])
    first = dbt("build", *select, env=env)
    assert first.returncode == 0, first.stdout[-3000:]

    (landing / "b.jsonl").write_text(
        change("u", "C1", 3, "one@new.example.com") + "\n" + change("d", "C2", 4)
    )
    load(landing.parent, target_for(env), env["MAILPIPE_RAW_SCHEMA"])
    second = dbt("build", *select, env=env)
    assert second.returncode == 0, second.stdout[-3000:]

    schema = (
        "main_snapshots" if env["DBT_TARGET"] == "dev" else f"{env['MAILPIPE_PG_SCHEMA']}_snapshots"
    )
    rows = query(
        env,
        f"select crm_customer_id, email, dbt_valid_to is null as is_current "
        f"from {schema}.snp_crm__customers order by crm_customer_id, dbt_valid_from",
    )
    assert rows == [
        ("C1", "one@example.com", False),
        ("C1", "one@new.example.com", True),
        ("C2", "two@example.com", False),
    ]
