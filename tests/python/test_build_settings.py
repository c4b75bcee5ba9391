"""Settings and helpers made for build speed (issue 8) fail clearly on bad input: DuckDB's
memory limit from the environment, and the JSON path helpers."""

from __future__ import annotations

import json

from tests.python.conftest import dbt

SEED = ["--select", "currency_rates"]
# the models that turn Postgres' JIT off (DECISIONLOG "Performance")
JIT_OFF = [
    "dim_person_purchase_predictions",
    "fct_person_propensity_features",
    "int_customer_profiles_merged",
]


def pre_hooks(models: list[str], env: dict[str, str]) -> dict[str, list[str]]:
    """Each model's pre-hooks as configured (their SQL before rendering), by name."""
    listed = dbt(
        "ls",
        "--select",
        " ".join(models),
        "--resource-type",
        "model",
        "--output",
        "json",
        "--output-keys",
        "name config",
        "--quiet",
        env=env,
    )
    assert listed.returncode == 0, listed.stdout[-3000:]
    return {
        node["name"]: [hook["sql"] for hook in node["config"]["pre-hook"]]
        for node in (json.loads(line) for line in listed.stdout.splitlines() if line[:1] == "{")
    }


def test_duckdb_memory_limit_is_applied_and_validated(duckdb_env):
    env = dict(duckdb_env, MAILPIPE_DUCKDB_MEMORY_LIMIT="1GB")
    result = dbt("--debug", "seed", *SEED, env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "set global memory_limit = '1GB'" in result.stdout
    unset = dbt("--debug", "seed", *SEED, env=duckdb_env)
    assert unset.returncode == 0, unset.stdout[-3000:]
    assert "memory_limit" not in unset.stdout
    for bad in ("lots", "1GB'; drop table x; --"):
        refused = dbt(
            "seed",
            *SEED,
            "--vars",
            json.dumps({"warehouse__duckdb_memory_limit": bad}),
            env=duckdb_env,
        )
        assert refused.returncode != 0
        assert "warehouse__duckdb_memory_limit needs a number and a unit" in refused.stdout


def test_json_text_from_refuses_a_path_not_parsed(duckdb_env):
    result = dbt(
        "compile",
        "--inline",
        "select {{ json_text_from('texts', ['ip', 'page.url'], 'page.path') }}",
        env=duckdb_env,
    )
    assert result.returncode != 0
    assert "json_text_from: page.path is not among the paths of texts" in result.stdout
    quoted = dbt(
        "compile",
        "--inline",
        """select {{ json_get_texts('context', ['a"b']) }}""",
        env=duckdb_env,
    )
    assert quoted.returncode != 0
    assert "is empty or holds a quote" in quoted.stdout


def test_json_get_texts_compiles_one_parse_per_document(duckdb_env):
    result = dbt(
        "compile",
        "--inline",
        "select {{ json_text_from(json_get_texts('context', ['ip', 'page.url']), "
        "['ip', 'page.url'], 'page.url') }} as page_url",
        env=duckdb_env,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert """json_extract_string(context, ['$."ip"', '$."page"."url"'])[2]""" in result.stdout


def test_jit_is_off_for_models_of_long_expressions(engine_env):
    # Postgres JIT-compiles every expression before the first row: 35 s for the purchase
    # predictions' series at 100k customers, whose work takes 0.2 s. Those models turn it
    # off for their own transaction; DuckDB has no JIT and gets nothing.
    compiled = dbt("compile", "--inline", "select '{{ jit_disabled() }}' as hook", env=engine_env)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    expected = "" if engine_env["DBT_TARGET"] == "dev" else "set local jit = off"
    assert f"select '{expected}' as hook" in compiled.stdout, compiled.stdout[-2000:]
    hooks = pre_hooks(JIT_OFF, engine_env)
    assert sorted(hooks) == sorted(JIT_OFF)
    for name, sql in hooks.items():
        assert "{{ jit_disabled() }}" in sql, (name, sql)


def test_local_settings_are_postgres_set_local_and_refuse_other_names(engine_env):
    # The one pre-hook behind the JIT, index-scan and micro-batch settings: each setting
    # a `set local` on Postgres, nothing on DuckDB; a name that is not a setting name
    # (here an attempt to end the statement) stops the compile.
    compiled = dbt(
        "compile",
        "--inline",
        "select 1 as one -- {{ local_settings({'jit': 'off', 'enable_indexscan': 'off'}) }}",
        env=engine_env,
    )
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    if engine_env["DBT_TARGET"] == "dev":
        assert "select 1 as one -- \n" in compiled.stdout + "\n", compiled.stdout[-2000:]
        assert "set local" not in compiled.stdout
    else:
        assert "-- set local jit = off;\nset local enable_indexscan = off" in compiled.stdout
    refused = dbt(
        "compile",
        "--inline",
        "select '{{ local_settings({\"jit = off; drop table x; --\": 'on'}) }}' as hook",
        env=engine_env,
    )
    assert refused.returncode != 0
    assert 'local_settings: "jit = off; drop table x; --" is not a setting name' in (refused.stdout)


def test_the_email_sends_are_aggregated_without_index_scans(duckdb_env):
    # Postgres picked the message index of 3.6 million events at 100k customers, a random
    # page for each row: twice the time of a scan and a sort (DECISIONLOG). The hook is
    # configuration, the same for both engines; what it compiles to is tested above.
    hooks = pre_hooks(["int_email_sends_aggregated"], duckdb_env)["int_email_sends_aggregated"]
    assert "{{ local_settings({'enable_indexscan': 'off'}) }}" in hooks, hooks


def test_recommendation_person_batches_must_be_a_whole_number_from_one(duckdb_env):
    for value in ("0", "2.5"):
        result = dbt(
            "compile",
            "--select",
            "int_person_recommendations_ranked",
            "--vars",
            "{traits__recommendation_person_batches: " + value + "}",
            env=duckdb_env,
        )
        assert result.returncode != 0, value
        assert "var traits__recommendation_person_batches must be a whole number from 1" in (
            result.stdout
        ), value


def test_micro_batch_parallel_workers_must_be_a_whole_number_or_null(postgres_env):
    # The pre-hook of every model in a Postgres micro-batch: a bad value stops the run
    # before any statement; null leaves the server's setting (no `set local`).
    for value in ("2.5", "-1", "null", "0"):
        result = dbt(
            "run",
            "--select",
            "stg_esp__campaigns",
            "--vars",
            "{realtime__micro_batch: true, realtime__postgres_parallel_workers_per_gather: "
            + value
            + "}",
            "--log-level",
            "debug",
            env=postgres_env,
        )
        message = "var realtime__postgres_parallel_workers_per_gather must be a whole number"
        if value == "0":
            assert "set local max_parallel_workers_per_gather = 0" in result.stdout
        elif value == "null":
            assert message not in result.stdout
            assert "max_parallel_workers_per_gather" not in result.stdout
        else:
            assert result.returncode != 0, value
            assert message + " from 0 or null, got " + value in result.stdout, value
