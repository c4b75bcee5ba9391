"""`mailpipe pr-check`: a pull request lints the SQL it changed and builds what it touches.

A copy of the project in a fresh git repository stands in for main, with its parsed
manifest as "production"; a branch then changes one model, and the plan must select that
model and everything downstream of it, and nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts import pr_check
from scripts.errors import UserError
from scripts.warehouse import PROJECT_DIR, dbt_command
from tests.python.conftest import mailpipe

pytestmark = pytest.mark.slow

CHANGED = "models/marts/personalization/dim_person_propensity_scores.sql"


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def branch(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """(project copy on a branch that changed one model, production state folder)."""
    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_DIR,
        project,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "target", "logs", "data", "__pycache__", "*.duckdb", ".*_cache"
        ),
    )
    monkeypatch.setenv("MAILPIPE_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    _git("init", "-q", "-b", "main", cwd=project)
    _git("add", "-A", cwd=project)
    _git("commit", "-q", "-m", "main", cwd=project)
    state = tmp_path / "production"
    parsed = subprocess.run(
        dbt_command(["parse", "--target-path", str(state)], project_dir=project),
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    _git("checkout", "-q", "-b", "change", cwd=project)
    model = project / CHANGED
    model.write_text(model.read_text().replace("as label_days", "as label_days  -- window"))
    _git("commit", "-q", "-am", "change", cwd=project)
    return project, state


def test_the_plan_is_the_changed_model_and_what_reads_it(branch):
    project, state = branch
    planned = pr_check.plan(state, "main", project_dir=project)
    assert planned.changed_sql == [CHANGED]
    ids = set(planned.nodes)
    package = "model.email_personalization."
    downstream = {
        "dim_person_propensity_scores",
        "dim_customers",
        "fct_segment_memberships",
        "sync_email_platform__contacts",
        "sync_ad_platform__audience_members",
    }
    assert {package + name for name in downstream} <= ids
    assert "exposure.email_personalization.email_platform_sync" in ids
    # upstream and side by side: read from production (deferred), not rebuilt
    for name in ("fct_orders", "fct_person_propensity_features", "dim_person_purchase_predictions"):
        assert package + name not in ids
    # the tests of the selected models come along
    assert any(i.startswith("test.") and "dim_person_propensity_scores" in i for i in ids)


def test_nothing_changed_plans_nothing(branch):
    project, state = branch
    _git("checkout", "-q", "main", cwd=project)
    planned = pr_check.plan(state, "main", project_dir=project)
    assert planned.changed_sql == [] and planned.nodes == []


def test_missing_state_or_base_says_what_to_give(tmp_path, branch):
    project, _ = branch
    with pytest.raises(UserError, match=r"manifest\.json not found"):
        pr_check.selected_nodes(tmp_path / "nowhere", project)
    with pytest.raises(UserError, match="cannot compare with no-such-branch"):
        pr_check.changed_files("no-such-branch", project)
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    result = mailpipe("pr-check", "--state", str(tmp_path / "nowhere"), "--dry-run", env=env)
    assert result.returncode == 2 and "manifest.json not found" in result.stderr


def test_run_lints_builds_and_tests_in_order_and_stops_at_a_failure(monkeypatch, tmp_path):
    """The steps of a plan, as commands: lint only the changed SQL, build the selection
    with deferral to the state, then the fast tests; a failing step stops the rest and
    its status is the result. Nothing to lint or build: only the tests."""
    calls: list[list[str]] = []

    def fake_run(cmd, cwd=None, **kwargs):
        calls.append(cmd)
        failing = "dbt" in Path(cmd[0]).name and "build" in cmd
        return subprocess.CompletedProcess(cmd, 3 if failing and fail_build else 0)

    monkeypatch.setattr(pr_check.subprocess, "run", fake_run)
    planned = pr_check.Plan(changed_sql=[CHANGED], nodes=["model.x.y"])
    fail_build = False
    assert pr_check.run(tmp_path, planned) == 0
    lint, build, tests = calls
    assert Path(lint[0]).name == "sqlfluff" and lint[-1] == CHANGED
    assert build[1:7] == [
        "build",
        "--select",
        "state:modified+",
        "--defer",
        "--state",
        str(tmp_path),
    ]
    assert tests[1:] == ["-m", "pytest", "-m", "not slow", "-q"]
    calls.clear()
    fail_build = True
    assert pr_check.run(tmp_path, planned) == 3
    assert len(calls) == 2  # the tests did not run after the failed build
    calls.clear()
    assert pr_check.run(tmp_path, pr_check.Plan(changed_sql=[], nodes=[])) == 0
    assert len(calls) == 1 and "pytest" in calls[0]
