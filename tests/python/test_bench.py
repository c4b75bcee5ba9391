"""The benchmarks: reading dbt's run artifacts, waiting for autovacuum, checking arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.bench.build_bench import autovacuum_due, summarise, wait_until_quiet
from scripts.warehouse import connect_postgres
from tests.python.conftest import target_for


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


class FakeClock:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_wait_until_quiet_waits_for_a_quiet_stretch_not_one_quiet_poll() -> None:
    clock = FakeClock()
    # busy, one quiet poll, busy again, then quiet for good
    answers = iter([1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    waited, quiet = wait_until_quiet(
        lambda: next(answers),
        quiet_seconds=20,
        timeout_seconds=600,
        poll_seconds=5,
        clock=clock,
        sleep=clock.sleep,
    )
    assert quiet
    # quiet from the fourth poll (15 s) for 20 s
    assert waited == 35


def test_wait_until_quiet_gives_up_at_the_timeout() -> None:
    clock = FakeClock()
    waited, quiet = wait_until_quiet(
        lambda: 1,
        quiet_seconds=20,
        timeout_seconds=60,
        poll_seconds=5,
        clock=clock,
        sleep=clock.sleep,
    )
    assert not quiet
    assert waited == 60


def test_autovacuum_due_counts_a_written_table_until_it_is_vacuumed(postgres_env) -> None:
    """The benchmark's settle step waits on this count: the builder role cannot see the
    autovacuum workers, but it can see which of its tables autovacuum is due to process."""
    schema = postgres_env["MAILPIPE_PG_SCHEMA"] + "_settle"
    con = connect_postgres(target_for(postgres_env))
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(f'create schema "{schema}"')
            # autovacuum off for this table, so that only the test's own vacuum clears it
            cur.execute(f'create table "{schema}".written (id int) with (autovacuum_enabled = off)')
            assert autovacuum_due(cur, [schema]) == 0
            cur.execute(f'insert into "{schema}".written select generate_series(1, 5000)')
            cur.execute("select pg_stat_force_next_flush()")
            assert autovacuum_due(cur, [schema]) == 1
            assert autovacuum_due(cur, [schema + "_other"]) == 0
            cur.execute(f'vacuum analyze "{schema}".written')
            assert autovacuum_due(cur, [schema]) == 0
    finally:
        con.close()


def test_model_bench_refuses_a_memory_limit_that_is_no_size(tmp_path: Path) -> None:
    from scripts.bench.model_bench import main

    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.touch()
    with pytest.raises(SystemExit) as exited:
        main(["--duckdb", str(warehouse), "--memory-limit", "3GB'; drop table x; --", "m"])
    assert exited.value.code == 2
