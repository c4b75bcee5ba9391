"""Settings and helpers made for build speed (issue 8) fail clearly on bad input: DuckDB's
memory limit from the environment, and the JSON path helpers."""

from __future__ import annotations

import json

from tests.python.conftest import dbt

SEED = ["--select", "currency_rates"]


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
