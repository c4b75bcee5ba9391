"""Person keys survive between runs; when two people merge the older key wins and the
merge map records the retired one."""

from __future__ import annotations

import json
import shutil
import uuid

import pytest

from scripts.load import load
from tests.python.conftest import dbt, query, target_for

pytestmark = pytest.mark.slow

SELECT = [
    "--select",
    "+fct_person_key_changes",
    "stg_crm__customers",
    "--exclude",
    "resource_type:unit_test",
    "--indirect-selection",
    "cautious",
]


def crm_change(op: str, customer_id: str, lsn: int, email: str) -> str:
    row = {"customer_id": customer_id, "email": email, "updated_at": "2026-01-01T00:00:00Z"}
    return json.dumps(
        {
            "before": None if op == "c" else row,
            "after": None if op == "d" else row,
            "op": op,
            "ts_ms": 1_767_225_600_000 + lsn * 60_000,
            "source": {"lsn": lsn},
        }
    )


@pytest.fixture
def isolated_env(engine_env, tmp_path):
    suffix = uuid.uuid4().hex[:6]
    env = dict(engine_env, MAILPIPE_RAW_SCHEMA=f"{engine_env['MAILPIPE_RAW_SCHEMA']}_ids_{suffix}")
    if env["DBT_TARGET"] == "dev":
        env["MAILPIPE_DUCKDB_PATH"] = str(tmp_path / "ids.duckdb")
    else:
        env["MAILPIPE_PG_SCHEMA"] = f"{engine_env['MAILPIPE_PG_SCHEMA']}_ids_{suffix}"
    return env


def test_keys_are_stable_and_merges_keep_the_older_key(isolated_env, small_landing, tmp_path):
    env = isolated_env
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    changes = landing / "crm_customer_changes"
    schema = (
        "main_intermediate"
        if env["DBT_TARGET"] == "dev"
        else f"{env['MAILPIPE_PG_SCHEMA']}_intermediate"
    )
    marts = "main_marts" if env["DBT_TARGET"] == "dev" else f"{env['MAILPIPE_PG_SCHEMA']}_marts"

    def run(batch: str, lines: list[str]) -> None:
        (changes / f"zz_test_{batch}.jsonl").write_text("\n".join(lines) + "\n")
        load(landing, target_for(env), env["MAILPIPE_RAW_SCHEMA"])
        result = dbt("build", *SELECT, env=env)
        assert result.returncode == 0, result.stdout[-3000:]

    def keys() -> dict[str, str]:
        rows = query(
            env,
            f"select identifier_node, person_id from {schema}.int_identity_person_keys_assigned",
        )
        return dict(rows)

    run("1", [crm_change("c", "ZZ1", 900_001, "older@example.org")])
    first = keys()
    older = first["crm_customer_id:ZZ1"]
    assert first["email:older@example.org"] == older

    run("2", [crm_change("c", "ZZ2", 900_002, "younger@example.org")])
    second = keys()
    younger = second["crm_customer_id:ZZ2"]
    assert younger != older
    # New data left every existing key alone.
    assert {node: second[node] for node in first} == first

    # ZZ2 changes address to ZZ1's: the two people are one; the older key survives.
    run("3", [crm_change("u", "ZZ2", 900_003, "older@example.org")])
    third = keys()
    for node in ("crm_customer_id:ZZ1", "crm_customer_id:ZZ2", "email:younger@example.org"):
        assert third[node] == older, node
    untouched = {n for n in first if n not in ("crm_customer_id:ZZ1", "email:older@example.org")}
    assert {n: third[n] for n in untouched} == {n: first[n] for n in untouched}
    changes_rows = query(
        env,
        f"select previous_person_id, person_id, change_type, identifier_count "
        f"from {marts}.fct_person_key_changes",
    )
    assert changes_rows == [(younger, older, "merge", 2)]

    # Running again with nothing new changes nothing and records nothing.
    result = dbt("build", *SELECT, env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    assert keys() == third
    assert len(query(env, f"select * from {marts}.fct_person_key_changes")) == 1

    # A primary-key change in the CRM arrives as a delete of ZZ1 then a create of ZZ9 (the
    # same address): ZZ9 is the current record, ZZ1 is gone, and the person keeps the key.
    run(
        "4",
        [
            crm_change("d", "ZZ1", 900_004, "older@example.org"),
            crm_change("c", "ZZ9", 900_005, "older@example.org"),
        ],
    )
    fourth = keys()
    assert fourth["crm_customer_id:ZZ9"] == older
    assert {n: fourth[n] for n in third} == third
    staging = schema.replace("_intermediate", "_staging")
    current = query(
        env,
        f"select crm_customer_id from {staging}.stg_crm__customers "
        f"where crm_customer_id in ('ZZ1', 'ZZ2', 'ZZ9') order by crm_customer_id",
    )
    assert current == [("ZZ2",), ("ZZ9",)]
    assert len(query(env, f"select * from {marts}.fct_person_key_changes")) == 1


def consent(consent_id: str, email: str, status: str, occurred_at: str) -> str:
    return json.dumps(
        {
            "consent_id": consent_id,
            "customer_id": None,
            "email": email,
            "purpose": "email_marketing",
            "status": status,
            "lawful_basis": "consent",
            "source": "preference_center",
            "policy_version": "2026-01",
            "occurred_at": occurred_at,
        }
    )


def test_consent_history_keeps_every_state(isolated_env, small_landing, tmp_path):
    env = isolated_env
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    folder = landing / "consent_events"
    select = [
        "--select",
        "+snp_privacy__consent_states",
        "--exclude",
        "resource_type:unit_test",
        "--indirect-selection",
        "cautious",
    ]
    snapshots = (
        "main_snapshots" if env["DBT_TARGET"] == "dev" else f"{env['MAILPIPE_PG_SCHEMA']}_snapshots"
    )

    def run(batch: str, line: str) -> None:
        (folder / f"zz_test_{batch}.jsonl").write_text(line + "\n")
        load(landing, target_for(env), env["MAILPIPE_RAW_SCHEMA"])
        result = dbt("build", *select, env=env)
        assert result.returncode == 0, result.stdout[-3000:]

    run("1", consent("zz-1", "history@example.org", "granted", "2026-01-01T10:00:00Z"))
    run("2", consent("zz-2", "history@example.org", "withdrawn", "2026-02-01T10:00:00Z"))
    rows = query(
        env,
        f"select consent_status, status_changed_at, dbt_valid_to is null as is_current "
        f"from {snapshots}.snp_privacy__consent_states where email = 'history@example.org' "
        f"order by dbt_valid_from",
    )
    assert [(status, current) for status, _, current in rows] == [
        ("granted", False),
        ("withdrawn", True),
    ]
    assert str(rows[1][1]).startswith("2026-02-01 10:00:00")
