"""The benchmark's reading of dbt's run artifacts (scripts/bench/build_bench.py)."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.bench.build_bench import summarise


def write_run_results(path: Path, results: list[tuple[str, str, float]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": uid, "status": status, "execution_time": seconds}
                    for uid, status, seconds in results
                ]
            }
        )
    )
    return path


def test_summarise_times_each_kind_and_names_what_did_not_pass(tmp_path: Path) -> None:
    run_results = write_run_results(
        tmp_path / "run_results.json",
        [
            ("model.p.stg_a", "success", 3.0),
            ("model.p.int_b", "error", 1.5),
            ("model.p.fct_c", "skipped", 0.0),
            ("test.p.unique_stg_a_id.abc", "pass", 0.5),
            ("test.p.not_null_stg_a_id.def", "warn", 0.25),
            ("test.p.assert_x", "fail", 0.75),
            ("unit_test.p.stg_a.ut", "pass", 0.2),
            ("exposure.p.email_platform_sync", "no-op", 0.0),
        ],
    )
    by_kind, slowest, failed = summarise(run_results)

    assert by_kind["models"] == 4.5
    assert by_kind["data tests"] == 1.5
    assert by_kind["unit tests"] == 0.2
    assert [node["node"] for node in slowest[:2]] == ["stg_a", "int_b"]
    assert slowest[0]["share"] == round(3.0 / 6.2, 4)
    # an exposure's no-op passes; an error, a failed test and a skipped node do not
    assert failed == ["int_b (error)", "fct_c (skipped)", "assert_x (fail)"]
