"""Segment rules come from YAML: a wrong field or operator fails with a clear message, and
values are escaped, never spliced into SQL."""

from __future__ import annotations

import json
from pathlib import Path

from tests.python.conftest import dbt

SELECT = ["--select", "fct_segment_memberships"]


def compile_with(env: dict[str, str], segments: list[dict], tmp_path: Path):
    target = tmp_path / "target"
    return dbt(
        "compile",
        *SELECT,
        "--vars",
        json.dumps({"segments__definitions": segments}),
        "--target-path",
        str(target),
        env=env,
    ), target


def test_unknown_field_fails_with_the_valid_ones(duckdb_env, tmp_path):
    segments = [{"name": "x", "all": [{"field": "order_cuont", "op": ">=", "value": 2}]}]
    result, _ = compile_with(duckdb_env, segments, tmp_path)
    assert result.returncode != 0
    assert "segment 'x': unknown field 'order_cuont'" in result.stdout
    assert "order_count" in result.stdout  # the list of valid fields


def test_unknown_operator_and_non_column_fail(duckdb_env, tmp_path):
    bad_op = [{"name": "y", "all": [{"field": "order_count", "op": "like", "value": "1"}]}]
    result, _ = compile_with(duckdb_env, bad_op, tmp_path)
    assert result.returncode != 0
    assert "segment 'y': unknown operator 'like'" in result.stdout
    injected = [{"name": "z", "all": [{"field": "1=1; drop table x", "op": "is_true"}]}]
    result, _ = compile_with(duckdb_env, injected, tmp_path)
    assert result.returncode != 0
    assert "is not a column name" in result.stdout


def test_values_are_escaped(duckdb_env, tmp_path):
    segments = [
        {
            "name": "it's",
            "all": [{"field": "loyalty_tier", "op": "in", "value": ["gold", "x'); drop --"]}],
        }
    ]
    result, target = compile_with(duckdb_env, segments, tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    sql = next(target.rglob("fct_segment_memberships.sql")).read_text()
    assert "loyalty_tier in ('gold', 'x''); drop --')" in sql
    assert "'it''s'" in sql
