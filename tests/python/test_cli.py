"""The command line: every subcommand has help; user errors are one clear line."""

from __future__ import annotations

import os
import random

import pytest

from scripts.cli import build_parser
from scripts.warehouse import PROJECT_DIR, dbt_args, load_target
from tests.python.conftest import mailpipe


@pytest.mark.parametrize("command", sorted(build_parser()._subparsers._group_actions[0].choices))
def test_every_subcommand_has_help(command):
    result = mailpipe(command, "--help")
    assert result.returncode == 0
    assert f"usage: mailpipe {command}" in result.stdout


def test_missing_landing_folder_is_a_clear_error(tmp_path):
    env = dict(os.environ, MAILPIPE_DUCKDB_PATH=str(tmp_path / "x.duckdb"), DBT_TARGET="dev")
    result = mailpipe("load", "--landing", str(tmp_path / "nowhere"), env=env)
    assert result.returncode == 2
    assert "landing folder" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_prod_target_names_the_missing_variable(monkeypatch):
    for name in list(os.environ):
        if name.startswith("MAILPIPE_PG_"):
            monkeypatch.delenv(name)
    from scripts.errors import UserError

    with pytest.raises(UserError, match="MAILPIPE_PG_HOST"):
        load_target("prod")


def test_target_description_never_shows_the_password(monkeypatch):
    values = {
        "MAILPIPE_PG_HOST": "db.internal",
        "MAILPIPE_PG_PORT": "5433",
        "MAILPIPE_PG_USER": "loader",
        "MAILPIPE_PG_DATABASE": "warehouse",
        "MAILPIPE_PG_SCHEMA": "analytics",
        "MAILPIPE_PG_SSLMODE": "require",
        "DBT_ENV_SECRET_PG_PASSWORD": "s3cret-value",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    target = load_target("prod")
    assert target.config["port"] == 5433 and target.config["password"] == "s3cret-value"
    assert "s3cret" not in target.describe()
    assert target.describe() == "prod (postgres: loader@db.internal:5433/warehouse)"


def test_default_target_is_duckdb_and_env_switches_it(monkeypatch):
    monkeypatch.delenv("DBT_TARGET", raising=False)
    assert load_target().type == "duckdb"
    monkeypatch.setenv("DBT_TARGET", "nope")
    from scripts.errors import UserError

    with pytest.raises(UserError, match="target 'nope'"):
        load_target()


def test_dbt_reads_the_profiles_mailpipe_reads(monkeypatch, tmp_path):
    """With DBT_PROFILES_DIR set, the dbt command lines mailpipe builds point dbt at that
    folder, where load_target reads the profile, not at the project's own."""
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    args = dbt_args(["build"], "prod")
    assert args[args.index("--profiles-dir") + 1] == str(PROJECT_DIR)
    assert args[-2:] == ["--target", "prod"]

    (tmp_path / "profiles.yml").write_text(
        "email_personalization:\n  target: mine\n  outputs:\n"
        "    mine: {type: duckdb, path: /tmp/mine.duckdb}\n"
    )
    monkeypatch.setenv("DBT_PROFILES_DIR", str(tmp_path))
    monkeypatch.delenv("DBT_TARGET", raising=False)
    args = dbt_args(["build"])
    assert args[args.index("--profiles-dir") + 1] == str(tmp_path)
    assert "--target" not in args
    assert load_target().name == "mine"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"monitoring__baseline_days": 84}', {"monitoring__baseline_days": 84}),
        (
            "{freshness__warn_after_hours: 0, a: [1, 2]}",
            {"freshness__warn_after_hours": 0, "a": [1, 2]},
        ),
    ],
)
def test_run_vars_are_a_yaml_or_json_mapping(value, expected):
    from scripts.run import parse_vars

    assert parse_vars(value) == expected


@pytest.mark.parametrize("value", ["[1, 2]", "just text", "{a: [1, 2}", "{1: 2}"])
def test_run_vars_that_are_no_mapping_are_a_usage_error(value):
    result = mailpipe("run", "--vars", value, "--skip-build")
    assert result.returncode == 2
    assert "argument --vars" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_names_the_incremental_models_that_failed_and_passes_full_refresh(monkeypatch):
    from types import SimpleNamespace

    from scripts import run as run_mod

    def result(name, materialized, status):
        node = SimpleNamespace(name=name, config=SimpleNamespace(materialized=materialized))
        return SimpleNamespace(node=node, status=status)

    results = [
        result("stg_tracking__events", "incremental", "error"),
        result("stg_shop__orders", "incremental", "success"),
        result("dim_customers", "table", "error"),
        result("not_null_x", None, "fail"),
    ]
    assert run_mod._failed_incremental(results) == ["stg_tracking__events"]

    invoked = []
    monkeypatch.setattr(run_mod, "_invoke_dbt", lambda args, *_: invoked.append(args) or (1, []))
    run_mod.dbt_build(SimpleNamespace(), full_refresh=True)
    run_mod.dbt_build(SimpleNamespace())
    assert "--full-refresh" in invoked[0]
    assert "--full-refresh" not in invoked[1]


def test_pseudonymisation_key_comes_from_the_environment_or_a_local_file(tmp_path, monkeypatch):
    from scripts import pseudonym
    from scripts.errors import UserError

    monkeypatch.setenv(pseudonym.KEY_ENV, "short")
    with pytest.raises(UserError, match="too short"):
        pseudonym.pseudonymisation_key(tmp_path / "key")
    monkeypatch.setenv(pseudonym.KEY_ENV, "s" * 20)
    assert pseudonym.pseudonymisation_key(tmp_path / "key") == "s" * 20
    assert not (tmp_path / "key").exists()
    # Without the variable: a random key, made once, private, and the same next time.
    monkeypatch.delenv(pseudonym.KEY_ENV)
    made = pseudonym.pseudonymisation_key(tmp_path / "key")
    assert len(made) == 64 and (tmp_path / "key").stat().st_mode & 0o077 == 0
    assert pseudonym.pseudonymisation_key(tmp_path / "key") == made


def test_stored_key_is_replaced_only_when_it_changes(tmp_path):
    import duckdb

    from scripts import pseudonym

    con = duckdb.connect(str(tmp_path / "k.duckdb"))
    first = pseudonym.store_key(con, "duckdb", "raw", "a" * 16)
    assert first == pseudonym.fingerprint("a" * 16)
    assert pseudonym.store_key(con, "duckdb", "raw", "a" * 16) == first
    assert con.execute("select count(*) from raw._pseudonymisation_key").fetchone() == (1,)
    pseudonym.store_key(con, "duckdb", "raw", "b" * 16)
    rows = con.execute("select key_value, key_fingerprint from raw._pseudonymisation_key")
    assert rows.fetchall() == [("b" * 16, pseudonym.fingerprint("b" * 16))]


def test_fit_refuses_a_log_it_cannot_fit_and_stores_only_what_it_fits(tmp_path):
    """`mailpipe fit --csv`: a log where nobody bought twice is refused (exit 1, a clear
    message, nothing stored); a log it can fit is stored once, not with --dry-run."""
    import duckdb

    env = dict(os.environ, MAILPIPE_DUCKDB_PATH=str(tmp_path / "fit.duckdb"), DBT_TARGET="dev")
    once = tmp_path / "once.csv"
    once.write_text(
        "customer_id,date,amount\n"
        + "".join(f"c{i},2026-01-{i % 28 + 1:02d},10\n" for i in range(50))
    )
    refused = mailpipe("fit", "--csv", str(once), env=env)
    assert refused.returncode == 1
    assert "none of the 50 customers bought again" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "fit.duckdb").exists()

    # each customer spends around a level of their own: with every amount drawn from one
    # range the Gamma-Gamma model has no spread between customers to fit, and whether its
    # optimiser stopped inside the search range depended on the machine's arithmetic
    rng, levels = random.Random(3), random.Random(4)
    lines = ["id,day,value"]
    for i in range(400):
        day = rng.randrange(0, 60)
        level = levels.gammavariate(4.0, 10.0)
        for _ in range(rng.choice([1, 1, 2, 3, 5])):
            amount = level * rng.uniform(0.6, 1.4)
            lines.append(f"k{i},2025-{1 + day // 28:02d}-{1 + day % 28:02d},{amount:.2f}")
            day = min(day + rng.randrange(1, 90), 300)
    log = tmp_path / "log.csv"
    log.write_text("\n".join(lines) + "\n")
    columns = ["--customer-id-column", "id", "--date-column", "day", "--amount-column", "value"]
    dry = mailpipe("fit", "--csv", str(log), *columns, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "dry run: not stored" in dry.stdout and not (tmp_path / "fit.duckdb").exists()
    stored = mailpipe("fit", "--csv", str(log), *columns, env=env)
    assert stored.returncode == 0, stored.stdout + stored.stderr
    assert "stored fit" in stored.stdout and "BG/NBD:" in stored.stdout
    con = duckdb.connect(str(tmp_path / "fit.duckdb"), read_only=True)
    ((count, source, unit),) = con.execute(
        "select count(*), max(data_source), max(time_unit) from raw.purchase_model_fits"
    ).fetchall()
    assert (count, source, unit) == (1, "csv:log.csv", "weeks")


def test_train_before_a_build_or_with_bad_options_says_what_to_do(tmp_path):
    """`mailpipe train` on a warehouse that has not been built says to build first, and
    options out of range are refused, each with exit 2, a clear message and nothing
    written."""
    env = dict(os.environ, MAILPIPE_DUCKDB_PATH=str(tmp_path / "w.duckdb"), DBT_TARGET="dev")
    unbuilt = mailpipe("train", env=env)
    assert unbuilt.returncode == 2
    assert "fct_person_propensity_features" in unbuilt.stderr
    assert "run `dbt build` or `mailpipe run` first" in unbuilt.stderr
    assert "Traceback" not in unbuilt.stderr
    for option in (["--min-auc", "1"], ["--l2", "-1"]):
        bad = mailpipe("train", *option, env=env)
        assert bad.returncode == 2 and option[0] in bad.stderr, bad.stderr
