"""The dbt project as Dagster sees it, and the settings the assets read at run time.

Every setting is the one the command line reads, from the same environment variables, so
that one environment runs `mailpipe` and Dagster alike: the dbt target (`DBT_TARGET`, read
by profiles.yml), the raw schema (`MAILPIPE_RAW_SCHEMA`), the landing folder
(`MAILPIPE_LANDING`, else `data/landing` as `mailpipe load` and `mailpipe stream`).

The manifest Dagster builds its asset graph from is parsed (`dbt parse`) into a folder of
its own, `target/dagster/` (other dbt commands rewrite `target/` while they run), when it
is missing, older than a file of the project or parsed with other settings: a clean clone
needs no step before `dagster dev`, and a model edited while the UI is open shows on
"Reload definitions". A file lock keeps the processes that load the definitions at once
(the code server, the daemon, each run) from reading it while one of them writes it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scripts.warehouse import PROJECT_DIR, profiles_dir

DAGSTER_TARGET_PATH = Path("target") / "dagster"
# What `dbt parse` reads: a change to any of these makes the manifest stale.
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "selectors.yml", "packages.yml")
PROJECT_FOLDERS = ("models", "seeds", "snapshots", "macros", "tests/data", "analyses")
# dbt invocation folders kept under target/dagster/runs (each holds a manifest and the
# compiled SQL; the oldest are removed)
KEEP_INVOCATIONS = 30
SETTINGS_STAMP = "manifest-settings.json"
PARTIAL_PARSE = "partial_parse.msgpack"


def landing_dir() -> Path:
    """The landing folder: `$MAILPIPE_LANDING`, else the CLI's default `data/landing`."""
    value = os.environ.get("MAILPIPE_LANDING")
    if not value:
        return PROJECT_DIR / "data" / "landing"
    path = Path(value)
    return path if path.is_absolute() else PROJECT_DIR / path


def raw_schema() -> str:
    """The raw schema: `$MAILPIPE_RAW_SCHEMA`, else `raw` (as the CLI)."""
    return os.environ.get("MAILPIPE_RAW_SCHEMA", "raw")


def dbt_executable() -> str:
    """This virtualenv's dbt (the one pinned with the project), else dbt on the PATH."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else "dbt"


def _project_files(project_dir: Path) -> Iterator[Path]:
    for name in PROJECT_FILES:
        if (project_dir / name).exists():
            yield project_dir / name
    for folder in PROJECT_FOLDERS:
        root = project_dir / folder
        if root.is_dir():
            yield from (p for p in root.rglob("*") if p.is_file())


def parse_settings() -> dict[str, str]:
    """What, besides the project's files, changes the manifest: the target and the schemas
    its relations are named with."""
    return {
        "target": os.environ.get("DBT_TARGET") or "dev",
        "profiles_dir": str(profiles_dir()),
        "raw_schema": raw_schema(),
        "pg_schema": os.environ.get("MAILPIPE_PG_SCHEMA", ""),
    }


def manifest_is_stale(manifest: Path, project_dir: Path = PROJECT_DIR) -> bool:
    """True when the manifest is missing, a project file changed after it was written, or
    it was parsed with other settings (`parse_settings`)."""
    if not manifest.exists():
        return True
    stamp = manifest.with_name(SETTINGS_STAMP)
    if stamp.exists() and json.loads(stamp.read_text() or "{}") != parse_settings():
        return True
    written = manifest.stat().st_mtime
    return any(p.stat().st_mtime > written for p in _project_files(project_dir))


def load_manifest(project) -> dict[str, Any]:  # project: dagster_dbt.DbtProject
    """The project's manifest, parsed again (`dbt parse`) into its target folder when
    stale. A lock on the folder keeps another process from reading it while it is
    written."""
    from dagster_dbt import DbtCliResource

    target = project.project_dir / project.target_path
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".parse.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if manifest_is_stale(project.manifest_path, project.project_dir):
                DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
                    ["parse", "--quiet"], target_path=target
                ).wait()
                (target / SETTINGS_STAMP).write_text(json.dumps(parse_settings()))
            return json.loads(project.manifest_path.read_text())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def dbt_project():  # -> dagster_dbt.DbtProject
    """The dbt project, with its artifacts in target/dagster. The target is not fixed
    here: profiles.yml reads `DBT_TARGET` (default dev, DuckDB)."""
    from dagster_dbt import DbtProject

    return DbtProject(
        project_dir=PROJECT_DIR,
        target_path=DAGSTER_TARGET_PATH,
        profiles_dir=profiles_dir(),
    )


def invocation_path(project, run_id: str, step: str, mode: str = "batch") -> Path:
    """A new folder for one dbt invocation's artifacts under target/dagster/runs, after
    removing the oldest beyond KEEP_INVOCATIONS. It is seeded with a partial-parse file, so
    that dbt re-parses only what changed: the latest of this run's invocations, else of an
    invocation in the same `mode` (the micro-batches parse with their own vars), else the
    manifest's. dbt parses everything again when the vars or the profile (a warehouse
    path) differ from the file's."""
    runs = project.project_dir / project.target_path / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    folders = sorted((p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in folders[: max(0, len(folders) - KEEP_INVOCATIONS + 1)]:
        shutil.rmtree(old, ignore_errors=True)
    parsed = sorted(
        (p for p in runs.glob(f"{mode}-*/{PARTIAL_PARSE}") if p.stat().st_size),
        key=lambda p: p.stat().st_mtime,
    )
    same_run = [p for p in parsed if p.parent.name.startswith(f"{mode}-{run_id[:8]}-")]
    manifest_parse = project.project_dir / project.target_path / PARTIAL_PARSE
    path = runs / f"{mode}-{run_id[:8]}-{step}-{uuid.uuid4().hex[:6]}"
    path.mkdir()
    seed = next((p for p in (*same_run[-1:], *parsed[-1:], manifest_parse) if p.exists()), None)
    if seed is not None:
        shutil.copy(seed, path / PARTIAL_PARSE)
    return path
