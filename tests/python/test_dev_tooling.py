"""Developer tooling: the local pre-commit hooks and the YAML check behind one of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts import check_yaml
from scripts.warehouse import PROJECT_DIR

CONFIG = PROJECT_DIR / ".pre-commit-config.yaml"


def test_check_yaml_names_where_a_file_does_not_parse(tmp_path, capsys):
    good = tmp_path / "good.yml"
    good.write_text("version: 2\nmodels:\n  - name: x\n---\nsecond: document\n")
    bad = tmp_path / "bad.yml"
    bad.write_text("models:\n  - name: x\n    description: [unclosed\n  - name: y\n")
    assert check_yaml.main([str(good)]) == 0
    assert capsys.readouterr().out == ""
    assert check_yaml.main([str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{bad}:4:") and str(good) not in out


def test_every_hook_is_local_and_runs_a_tool_the_project_pins():
    """No hook is fetched from the network, and each runs from the project's virtualenv."""
    config = yaml.safe_load(CONFIG.read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = config["repos"][0]["hooks"]
    assert {hook["id"] for hook in hooks} == {
        "ruff-check",
        "ruff-format",
        "sqlfluff-lint",
        "yaml-parse",
    }
    pinned = (PROJECT_DIR / "requirements.txt").read_text()
    for hook in hooks:
        assert hook["language"] == "system"
        tool = hook["entry"].split()[0]
        assert tool.startswith(".venv/bin/"), hook
        name = Path(tool).name
        assert name == "python" or f"\n{name}==" in pinned, hook


def test_the_hooks_pass_clean_files_and_stop_a_broken_one(tmp_path):
    """`pre-commit run` with this config: clean project files pass every hook; a YAML file
    that does not parse fails the yaml-parse hook with its line."""
    if not (PROJECT_DIR / ".venv" / "bin" / "ruff").exists():
        pytest.skip("the hooks run the tools of the project's .venv (make install)")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"))
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--config", str(CONFIG)]
    clean = subprocess.run(
        [
            *pre_commit,
            "--files",
            "scripts/check_yaml.py",
            "dbt_project.yml",
            "models/marts/core/dim_customers.sql",
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    for hook in ("ruff check", "ruff format", "sqlfluff lint", "YAML parses"):
        assert any(
            line.startswith(hook) and line.endswith("Passed") for line in clean.stdout.splitlines()
        ), clean.stdout
    bad = tmp_path / "broken.yml"
    bad.write_text("vars:\n  a: [1, 2\n  b: 3\n")
    broken = subprocess.run(
        [*pre_commit, "yaml-parse", "--files", str(bad)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert broken.returncode == 1
    assert "broken.yml:3:" in broken.stdout
