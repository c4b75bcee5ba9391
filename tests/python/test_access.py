"""Access on Postgres: the BI reader role reads the marts and nothing else of the target;
the email platform's role reads the activation exports and nothing else. Granted by the
`grant_access` on-run-end hook on every run (README "Access on Postgres")."""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2.errors
import pytest

from scripts.load import load
from scripts.warehouse import connect_postgres
from tests.python.conftest import dbt, target_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# Reader: (variable of the role name, its default, variable of its password). The role
# names reach dbt as the vars of the hook, so the two settings cannot disagree here.
READERS = {
    "bi": ("MAILPIPE_PG_BI_USER", "mailpipe_bi", "DBT_ENV_SECRET_PG_BI_PASSWORD"),
    "email_platform": (
        "MAILPIPE_PG_EMAIL_PLATFORM_USER",
        "mailpipe_email_platform",
        "DBT_ENV_SECRET_PG_EMAIL_PLATFORM_PASSWORD",
    ),
}
# One build that reaches both readable schemas: the audiences read the marts (scores,
# traits, segment memberships) and are an activation export.
BUILD = ("+sync_email_platform__segment_members",)
# One table of each schema of the target (layer: table).
TABLES = {
    "raw": "esp_email_events",
    "": "rfm_segments",  # seeds, in the target schema itself
    "staging": "stg_crm__customers",
    "intermediate": "int_identity_person_keys_assigned",
    "marts": "dim_customers",
    "activation": "sync_email_platform__segment_members",
    "monitoring": "dq_run_results",
}


def role_name(reader: str) -> str:
    name_var, default, _ = READERS[reader]
    return os.environ.get(name_var) or default


def role_vars() -> list[str]:
    return [
        "--vars",
        json.dumps(
            {
                "access__bi_reader_role": role_name("bi"),
                "access__email_platform_role": role_name("email_platform"),
            }
        ),
    ]


@pytest.fixture(scope="module")
def access_env(postgres_env, small_landing, tmp_path_factory) -> dict[str, str]:
    """A target of its own (schemas `test_<run>_access*`, dropped with the session's),
    built once, with both reader roles present."""
    missing = [name for _, _, name in READERS.values() if not os.environ.get(name)]
    owner = connect_postgres(target_for(postgres_env))
    try:
        with owner.cursor() as cur:
            names = [role_name(r) for r in READERS]
            cur.execute("select rolname from pg_roles where rolname = any(%s)", (names,))
            found = {name for (name,) in cur.fetchall()}
    finally:
        owner.close()
    missing += [f"role {name}" for name in names if name not in found]
    if missing:
        reason = (
            f"access test needs the reader roles: {', '.join(missing)} missing; run "
            "`. .ci/postgres-env && bash .ci/postgres-up` (as root), or create the roles "
            "as in README 'Access on Postgres' and export their passwords"
        )
        if os.environ.get("MAILPIPE_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("access")
    env = dict(
        postgres_env,
        MAILPIPE_PG_SCHEMA=f"{postgres_env['MAILPIPE_PG_SCHEMA']}_access",
        # a raw schema of its own: other tests load the shared one and count what they load
        MAILPIPE_RAW_SCHEMA=f"{postgres_env['MAILPIPE_RAW_SCHEMA']}_access",
        DBT_TARGET_PATH=str(tmp / "target"),
        DBT_LOG_PATH=str(tmp / "logs"),
    )
    assert load(small_landing, target_for(env), env["MAILPIPE_RAW_SCHEMA"]).failed == []
    result = dbt(
        "build",
        "--select",
        *BUILD,
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
        *role_vars(),
        env=env,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return env


def relation(env: dict[str, str], layer: str) -> str:
    if layer == "raw":
        return f'"{env["MAILPIPE_RAW_SCHEMA"]}"."{TABLES[layer]}"'
    schema = env["MAILPIPE_PG_SCHEMA"] + (f"_{layer}" if layer else "")
    return f'"{schema}"."{TABLES[layer]}"'


@contextmanager
def connected_as(env: dict[str, str], reader: str) -> Iterator:
    """A connection to the target's database as a reader role, with its own password."""
    target = target_for(env)
    password = os.environ[READERS[reader][2]]
    config = dict(target.config, user=role_name(reader), password=password)
    con = connect_postgres(dataclasses.replace(target, config=config))
    con.autocommit = True  # a refused query does not abort the next one
    try:
        yield con
    finally:
        con.close()


def readable(env: dict[str, str], reader: str) -> dict[str, bool]:
    """For each layer, whether the reader role can select from its table."""
    out = {}
    with connected_as(env, reader) as con, con.cursor() as cur:
        for layer in TABLES:
            try:
                cur.execute(f"select count(*) from {relation(env, layer)}")
                assert cur.fetchone()[0] >= 0
                out[layer] = True
            except psycopg2.errors.InsufficientPrivilege:
                out[layer] = False
    return out


def as_owner(env: dict[str, str], *statements: str) -> None:
    con = connect_postgres(target_for(env))
    try:
        with con.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
        con.commit()
    finally:
        con.close()


def run_hook(env: dict[str, str], *args: str):
    """A cheap dbt invocation, for its on-run-end hooks."""
    result = dbt("seed", "--select", "rfm_segments", *args, env=env)
    assert result.returncode == 0, result.stdout[-4000:]
    return result


def test_bi_reader_reads_the_marts_and_nothing_else(access_env):
    allowed = {layer: layer == "marts" for layer in TABLES}
    assert readable(access_env, "bi") == allowed


def test_email_platform_reads_the_activation_exports_and_nothing_else(access_env):
    allowed = {layer: layer == "activation" for layer in TABLES}
    assert readable(access_env, "email_platform") == allowed
    with connected_as(access_env, "email_platform") as con, con.cursor() as cur:
        cur.execute(f"select count(*) from {relation(access_env, 'activation')}")
        assert cur.fetchone()[0] > 0  # the audiences of the sample are not empty


def test_a_table_created_in_the_marts_is_readable_before_the_hook_runs(access_env):
    # Each build recreates the marts; default privileges make the new table readable at
    # once, not only when the run ends.
    marts = f'"{access_env["MAILPIPE_PG_SCHEMA"]}_marts"'
    as_owner(access_env, f"create table {marts}.access_probe as select 1 as probe")
    try:
        with connected_as(access_env, "bi") as con, con.cursor() as cur:
            cur.execute(f"select probe from {marts}.access_probe")
            assert cur.fetchall() == [(1,)]
    finally:
        as_owner(access_env, f"drop table {marts}.access_probe")


def test_a_mistaken_grant_is_revoked_by_the_next_run(access_env):
    schema = access_env["MAILPIPE_PG_SCHEMA"]
    bi, email_platform = role_name("bi"), role_name("email_platform")
    # Another target's schema with the same prefix: not this target's, never touched.
    elsewhere = f"{schema}_x{uuid.uuid4().hex[:6]}_staging"
    as_owner(
        access_env,
        f'grant usage on schema "{schema}_staging" to "{bi}"',
        f'grant select on all tables in schema "{schema}_staging" to "{bi}"',
        f'grant usage on schema "{access_env["MAILPIPE_RAW_SCHEMA"]}" to "{bi}"',
        f'grant select on {relation(access_env, "raw")} to "{bi}"',
        f'grant insert on {relation(access_env, "marts")} to "{bi}"',
        f'alter default privileges in schema "{schema}_intermediate" '
        f'grant select on tables to "{bi}"',
        f'grant usage on schema "{schema}_marts" to "{email_platform}"',
        f'grant select on {relation(access_env, "marts")} to "{email_platform}"',
        f'create schema "{elsewhere}"',
        f'create table "{elsewhere}".kept as select 1 as kept',
        f'grant usage on schema "{elsewhere}" to "{bi}"',
        f'grant select on "{elsewhere}".kept to "{bi}"',
    )
    mistaken = readable(access_env, "bi")
    assert mistaken["staging"] and mistaken["raw"]  # the mistakes took effect
    assert readable(access_env, "email_platform")["marts"]

    result = run_hook(access_env, *role_vars())

    assert f"access: {bi} may read {schema}_marts only" in result.stdout
    assert readable(access_env, "bi") == {layer: layer == "marts" for layer in TABLES}
    assert readable(access_env, "email_platform") == {
        layer: layer == "activation" for layer in TABLES
    }
    with connected_as(access_env, "bi") as con, con.cursor() as cur:
        cur.execute(f'select kept from "{elsewhere}".kept')  # another target's grant stays
        assert cur.fetchall() == [(1,)]
    owner = connect_postgres(target_for(access_env))
    try:
        with owner.cursor() as cur:
            # Only select on the marts: the insert is gone, and so are default privileges
            # outside the readable schemas.
            cur.execute(
                "select has_table_privilege(%s, %s, 'insert'), "
                "has_table_privilege(%s, %s, 'select')",
                (bi, relation(access_env, "marts"), bi, relation(access_env, "marts")),
            )
            assert cur.fetchone() == (False, True)
            cur.execute(
                "select count(*) from pg_default_acl "
                "join pg_namespace on pg_namespace.oid = defaclnamespace "
                "where nspname = %s",
                (f"{schema}_intermediate",),
            )
            assert cur.fetchone()[0] == 0
    finally:
        owner.close()


def test_a_missing_role_is_skipped_with_a_log_line(access_env):
    absent = f"mailpipe_absent_{uuid.uuid4().hex[:6]}"
    result = run_hook(
        access_env,
        "--vars",
        json.dumps({"access__bi_reader_role": absent, "access__email_platform_role": None}),
    )
    assert f"access: role {absent} does not exist" in result.stdout
