"""The purchase models' scores in SQL (macros/predict) against the Python reference
(scripts/predict), on DuckDB and on Postgres, to 1e-6 (issue 9)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from scripts.predict import bgnbd, gammagamma
from tests.python.conftest import dbt

pytestmark = pytest.mark.slow

BGNBD = bgnbd.BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)  # CDNOW, in weeks
GAMMA_GAMMA = gammagamma.GammaGammaParams(p=6.25, q=3.74, v=15.44)
HORIZON = 52.0
# (frequency, recency, age, mean amount): one-time buyers, a customer first seen at the
# cutoff (z = 0.92, the slowest series), frequent buyers, long-lapsed ones (P(alive) ~ 0)
CUSTOMERS = [
    (0, 0.0, 0.0, 0.0),
    (0, 0.0, 38.0, 0.0),
    (1, 2.0, 38.0, 12.5),
    (3, 20.0, 38.0, 35.0),
    (7, 37.5, 38.0, 80.0),
    (30, 70.0, 78.0, 22.0),
    (200, 990.0, 1000.0, 15.0),
    (200, 10.0, 1000.0, 15.0),
    (2, 1.0, 500.0, 1000.0),
]


def _scores_sql() -> str:
    values = ", ".join(
        f"(cast({x} as double precision), cast({t_x} as double precision), "
        f"cast({age} as double precision), cast({m} as double precision))"
        for x, t_x, age, m in CUSTOMERS
    )
    p = BGNBD
    bg = ", ".join(f"'{v}'" for v in (p.r, p.alpha, p.a, p.b)) + ", 'x', 't_x', 'age'"
    gg = ", ".join(f"'{v}'" for v in (GAMMA_GAMMA.p, GAMMA_GAMMA.q, GAMMA_GAMMA.v))
    return (
        f"select x, t_x, age, m, "
        f"{{{{ bgnbd_p_alive({bg}) }}}} as p_alive, "
        f"{{{{ bgnbd_expected_purchases({bg}, '{HORIZON}') }}}} as expected_purchases, "
        f"{{{{ bgnbd_p_purchase_within({bg}, '{HORIZON}') }}}} as p_purchase, "
        f"{{{{ gamma_gamma_expected_value({gg}, 'x', 'm') }}}} as expected_value "
        f"from (values {values}) as customers (x, t_x, age, m) order by x, t_x, age"
    )


def _show(env: dict[str, str], sql: str) -> list[dict]:
    result = dbt("show", "--inline", sql, "--output", "json", "--limit", "100", "-q", env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    shown = re.search(r"\{\s*\"show\".*\}", result.stdout, re.S)
    assert shown, result.stdout[-3000:]
    return json.loads(shown.group(0))["show"]


def test_scores_in_sql_match_the_python_reference(engine_env):
    rows = _show(engine_env, _scores_sql())
    assert len(rows) == len(CUSTOMERS)
    x = np.array([float(r["x"]) for r in rows])
    t_x = np.array([float(r["t_x"]) for r in rows])
    age = np.array([float(r["age"]) for r in rows])
    m = np.array([float(r["m"]) for r in rows])
    expected = {
        "p_alive": bgnbd.p_alive(BGNBD, x, t_x, age),
        "expected_purchases": bgnbd.expected_purchases(BGNBD, HORIZON, x, t_x, age),
        "p_purchase": bgnbd.p_purchase_within(BGNBD, HORIZON, x, t_x, age),
        "expected_value": gammagamma.expected_average_value(GAMMA_GAMMA, x, m),
    }
    for column, reference in expected.items():
        actual = np.array([float(r[column]) for r in rows])
        assert actual == pytest.approx(reference, rel=1e-6, abs=1e-6), column
    # the grid reaches the extremes it is meant to
    assert expected["p_alive"].min() < 1e-6 and expected["p_alive"].max() == 1.0
    assert expected["expected_purchases"].max() > 5


def test_hyp2f1_series_refuses_a_count_of_terms_that_is_no_number(duckdb_env):
    result = dbt(
        "compile",
        "--inline",
        "select {{ hyp2f1_series('a', 'b', 'c', 'z', 0) }}",
        env=duckdb_env,
    )
    assert result.returncode != 0
    assert "hyp2f1_series: terms must be a whole number of at least 1" in result.stdout


def test_propensity_cutoff_indexes_follow_the_training_cutoffs(duckdb_env):
    result = dbt(
        "compile",
        "--inline",
        "select '{{ propensity_cutoff_indexes() | join(',') }}' as cutoff_indexes",
        "--vars",
        "{predict__propensity_training_cutoffs: 2}",
        env=duckdb_env,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    # the scoring cutoff, the holdout and two training cutoffs
    assert "'0,1,2,3'" in result.stdout


@pytest.mark.parametrize("value", ["2.5", "-1", "'five'"])
def test_propensity_cutoff_indexes_refuse_a_count_that_is_no_whole_number(duckdb_env, value):
    result = dbt(
        "compile",
        "--inline",
        "select {{ propensity_cutoff_indexes() | length }}",
        "--vars",
        "{predict__propensity_training_cutoffs: " + value + "}",
        env=duckdb_env,
    )
    assert result.returncode != 0
    assert "var predict__propensity_training_cutoffs must be a whole number from 0" in result.stdout
