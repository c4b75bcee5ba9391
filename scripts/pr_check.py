"""`mailpipe pr-check`: what a pull request's CI runs, limited to what the change touches.

1. sqlfluff on the SQL files the branch changed since `--base` (models, analyses,
   snapshots, singular tests), not on the whole project;
2. `dbt build --select state:modified+ --defer --state DIR`: the models, seeds and
   snapshots the change modified and everything downstream of them, with their tests.
   DIR holds the production run's `manifest.json`; dbt compares the branch with it, and
   every unselected model a selected one reads resolves to its production relation
   (deferral), so nothing upstream is rebuilt;
3. the fast pytest suite (`-m "not slow"`: no end-to-end builds).

`--dry-run` prints the changed SQL files and the nodes the build would run, and runs
nothing. `.ci/run` and `make test` still run the whole suite on main. The GitHub Actions
workflow in `.github/workflows/pull-request.yml` calls this command; docs/ci.md says how
to give it the production manifest.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.errors import UserError
from scripts.warehouse import PROJECT_DIR, add_target_argument, dbt_command

SQL_FOLDERS = ("models/", "analyses/", "snapshots/", "tests/data/")
SELECTOR = "state:modified+"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "pr-check",
        help="a pull request's checks: lint changed SQL, build what the change touches "
        "(deferring to production), fast tests",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--state",
        type=Path,
        required=True,
        help="folder with the production run's manifest.json (dbt's --state)",
    )
    parser.add_argument(
        "--base",
        default="origin/main",
        help="the branch the change goes into (default: %(default)s)",
    )
    add_target_argument(parser)
    parser.add_argument("--dry-run", action="store_true", help="print the plan, run nothing")
    parser.set_defaults(func=_cli)


@dataclass(frozen=True)
class Plan:
    changed_sql: list[str]  # paths relative to the project
    nodes: list[str]  # unique ids the build would run


def changed_files(base: str, project_dir: Path = PROJECT_DIR) -> list[str]:
    """Files the branch added or modified since it left `base` (git's three-dot diff),
    relative to the project folder."""
    result = subprocess.run(
        ["git", "diff", "--name-only", "--diff-filter=d", "--relative", f"{base}...HEAD"],
        cwd=project_dir,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["not a git repository?"])[0]
        raise UserError(f"git cannot compare with {base} (give --base): {reason}")
    return [line for line in result.stdout.splitlines() if line]


def sql_to_lint(files: list[str]) -> list[str]:
    """The SQL files among `files` that sqlfluff lints (as `make lint` does)."""
    return [f for f in files if f.endswith(".sql") and f.startswith(SQL_FOLDERS)]


def _dbt(args: list[str], project_dir: Path, target: str | None) -> subprocess.CompletedProcess:
    cmd = dbt_command(args, target, project_dir)
    return subprocess.run(cmd, cwd=project_dir, capture_output=True, text=True)


def selected_nodes(state: Path, project_dir: Path = PROJECT_DIR, target: str | None = None):
    """The unique ids `dbt build --select state:modified+` runs against the manifest in
    `state`: resources the change modified and all downstream of them."""
    if not (state / "manifest.json").is_file():
        raise UserError(
            f"{state}/manifest.json not found: --state takes the production run's target folder"
        )
    listed = _dbt(
        [
            "ls",
            "--select",
            SELECTOR,
            "--state",
            str(state),
            "--output",
            "json",
            "--output-keys",
            "unique_id",
            "--quiet",
        ],
        project_dir,
        target,
    )
    if listed.returncode != 0:
        raise UserError(f"dbt ls failed: {(listed.stdout + listed.stderr).strip()[-2000:]}")
    import json

    return sorted(
        json.loads(line)["unique_id"] for line in listed.stdout.splitlines() if line.startswith("{")
    )


def plan(
    state: Path, base: str, project_dir: Path = PROJECT_DIR, target: str | None = None
) -> Plan:
    nodes = selected_nodes(state, project_dir, target)  # first: a missing manifest is likelier
    return Plan(changed_sql=sql_to_lint(changed_files(base, project_dir)), nodes=nodes)


def run(
    state: Path, planned: Plan, project_dir: Path = PROJECT_DIR, target: str | None = None
) -> int:
    """Lint, build and test as planned; the first failing step's exit status, else 0."""
    bin_dir = Path(sys.executable).parent
    steps: list[tuple[str, list[str]]] = []
    if planned.changed_sql:
        steps.append(
            (
                "lint",
                [str(bin_dir / "sqlfluff"), "lint", "--disable-progress-bar", *planned.changed_sql],
            )
        )
    if planned.nodes:
        build = ["build", "--select", SELECTOR, "--defer", "--state", str(state)]
        steps.append(("build", dbt_command(build, target, project_dir)))
    steps.append(("tests", [sys.executable, "-m", "pytest", "-m", "not slow", "-q"]))
    for name, cmd in steps:
        print(f"== {name}: {' '.join(cmd[1:4])} …", flush=True)
        status = subprocess.run(cmd, cwd=project_dir).returncode
        if status != 0:
            print(f"pr-check: {name} failed (exit {status})")
            return status
    return 0


def _cli(args: argparse.Namespace) -> int:
    planned = plan(args.state, args.base, target=args.target)
    print(f"changed SQL since {args.base}: {len(planned.changed_sql)} file(s)")
    for path in planned.changed_sql:
        print(f"  {path}")
    print(f"{SELECTOR} against {args.state}: {len(planned.nodes)} node(s) to build and test")
    for node in planned.nodes:
        print(f"  {node}")
    if args.dry_run:
        return 0
    return run(args.state, planned, target=args.target)
