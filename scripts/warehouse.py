"""The active dbt target, read from the project's profiles.yml, dbt's command line for it,
and connections to it.

The commands talk to the same database dbt builds in, so one setting (`DBT_TARGET` or
`--target`, `add_target_argument`) switches every step between DuckDB and Postgres. The
profile is rendered with the same `env_var()` semantics as dbt; secrets stay in the
environment and are never printed (see `Target.describe`). Reads go through
`read_session` (read-only), writes through `write_in_transaction`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

from scripts.errors import UserError

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROFILE_NAME = "email_personalization"


@dataclass(frozen=True)
class Target:
    name: str
    type: str  # "duckdb" or "postgres"
    config: dict[str, Any]

    def describe(self) -> str:
        """A one-line description with no secret in it."""
        if self.type == "duckdb":
            return f"{self.name} (duckdb: {self.config['path']})"
        cfg = self.config
        return (
            f"{self.name} (postgres: {cfg.get('user')}@{cfg.get('host')}:{cfg.get('port')}"
            f"/{cfg.get('dbname')})"
        )

    def model_relation(self, layer: str, model: str) -> str:
        """The quoted relation of a model: dbt builds a layer's models (its `+schema` in
        dbt_project.yml) in `<target schema>_<layer>`."""
        return f'"{self.config.get("schema", "main")}_{layer}"."{model}"'


def _env_var(name: str, default: str | None = None) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is not None:
        return default
    raise UserError(f"environment variable {name} is not set (see .env.example)")


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (drivers add context lines), else its repr."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)


def _render(value: Any) -> Any:
    if isinstance(value, str) and "{{" in value:
        env = jinja2.Environment(undefined=jinja2.StrictUndefined)
        env.filters["as_number"] = lambda v: float(v) if "." in str(v) else int(v)
        env.filters["as_bool"] = lambda v: str(v).lower() in ("true", "1", "yes")
        return env.from_string(value).render(env_var=_env_var)
    return value


def add_target_argument(parser: argparse.ArgumentParser) -> None:
    """The `--target` option of a subcommand: the target `load_target` reads."""
    parser.add_argument(
        "--target", default=None, help="dbt target from profiles.yml (default: $DBT_TARGET or dev)"
    )


def profiles_dir(project_dir: Path = PROJECT_DIR) -> Path:
    """The folder of profiles.yml, as dbt finds it: $DBT_PROFILES_DIR, else the project's."""
    return Path(os.environ.get("DBT_PROFILES_DIR") or project_dir)


def load_target(target: str | None = None, project_dir: Path = PROJECT_DIR) -> Target:
    """The target dbt would use: `target` if given, else the profile's default."""
    profiles = profiles_dir(project_dir)
    path = profiles / "profiles.yml"
    if not path.exists():
        raise UserError(f"no profiles.yml in {profiles}")
    profiles = yaml.safe_load(path.read_text())
    profile = profiles.get(PROFILE_NAME)
    if not profile:
        raise UserError(f"{path} has no profile named {PROFILE_NAME}")
    name = target or _render(profile.get("target", "dev"))
    outputs = profile.get("outputs", {})
    if name not in outputs:
        raise UserError(f"target {name!r} not in {path} (have: {', '.join(outputs)})")
    # Only the fields we use are rendered, so an unset variable of another target
    # (the Postgres password while working on DuckDB) is not an error.
    raw = outputs[name]
    config = {key: _render(value) for key, value in raw.items()}
    kind = config.get("type")
    if kind not in ("duckdb", "postgres"):
        raise UserError(f"target {name!r} has type {kind!r}; mailpipe supports duckdb, postgres")
    if kind == "duckdb":
        db_path = Path(config.get("path", ":memory:"))
        if not db_path.is_absolute():
            db_path = project_dir / db_path
        config["path"] = str(db_path)
    else:
        config["port"] = int(config.get("port", 5432))
    return Target(name=name, type=kind, config=config)


def dbt_args(
    args: Sequence[str], target: str | None = None, project_dir: Path = PROJECT_DIR
) -> list[str]:
    """dbt's arguments for the command `args` in the project: its folder, the folder of
    profiles.yml (`profiles_dir`: the one `load_target` reads, so that mailpipe and dbt
    agree) and, when given, the target (else dbt's default: $DBT_TARGET or the
    profile's)."""
    return [
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir(project_dir)),
        *(["--target", target] if target else []),
    ]


def dbt_command(
    args: Sequence[str], target: str | None = None, project_dir: Path = PROJECT_DIR
) -> list[str]:
    """The command line of this virtualenv's dbt CLI for `args`, as `dbt_args`."""
    return [str(Path(sys.executable).parent / "dbt"), *dbt_args(args, target, project_dir)]


def connect_duckdb(target: Target, read_only: bool = False):  # -> duckdb.DuckDBPyConnection
    import duckdb

    path = Path(target.config["path"])
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("set timezone = 'UTC'")
    return con


def connect_postgres(target: Target):  # -> psycopg2 connection
    import psycopg2

    cfg = target.config
    try:
        con = psycopg2.connect(
            host=cfg.get("host"),
            port=cfg.get("port"),
            user=cfg.get("user"),
            password=cfg.get("password"),
            dbname=cfg.get("dbname"),
            sslmode=cfg.get("sslmode", "prefer"),
            connect_timeout=int(cfg.get("connect_timeout", 10)),
            application_name="mailpipe",
        )
    except psycopg2.OperationalError as exc:
        raise UserError(f"cannot connect to {target.describe()}: {first_line(exc)}") from None
    with con.cursor() as cur:
        cur.execute("set time zone 'UTC'")
    con.commit()
    return con


@dataclass(frozen=True)
class ReadSession:
    """Queries on one read-only connection to a target's warehouse (`read_session`)."""

    target: Target
    con: Any  # duckdb.DuckDBPyConnection or psycopg2 connection

    def fetch(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
        """The column names and rows of one query. Values are bound by the driver, never
        written into the SQL: with `params`, their placeholders are written `{p}` and
        become `?` (DuckDB) or `%s` (Postgres); without, the SQL runs as written."""
        if self.target.type == "duckdb":
            cur = self.con.execute(sql.format(p="?") if params else sql, list(params or []))
            return [d[0] for d in cur.description], cur.fetchall()
        with self.con.cursor() as cur:
            cur.execute(sql.format(p="%s") if params else sql, list(params) if params else None)
            return [d[0] for d in cur.description], cur.fetchall()

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        """The rows of one query, as `fetch`."""
        return self.fetch(sql, params)[1]


@contextmanager
def read_session(target: Target, *, duckdb_read_write: bool = False) -> Iterator[ReadSession]:
    """One connection to the target's warehouse for reading, closed on leaving.

    Postgres: a read-only session, so the server refuses any write. DuckDB: the file
    opened read-only; a file that does not exist is a UserError (the warehouse was never
    built; nothing is created). `duckdb_read_write` opens it read-write instead, for
    callers that may run where this process already holds the file open read-write (dbt's
    Python API in `mailpipe run`, the stream runner): DuckDB refuses a second connection to
    the same file with other settings. Such a session still only runs its caller's
    queries."""
    if target.type == "duckdb":
        path = Path(target.config["path"])
        if not path.exists():
            raise UserError(
                f"no warehouse at {path} (target {target.name}): run `mailpipe run` or "
                "`dbt build` first"
            )
        try:
            con = connect_duckdb(target, read_only=not duckdb_read_write)
        except Exception as exc:  # another process holds the file (a dbt build, a runner)
            raise UserError(
                f"cannot open {path} (target {target.name}): {first_line(exc)}"
            ) from None
    else:
        con = connect_postgres(target)
    try:
        if target.type == "postgres":
            con.set_session(readonly=True)
        yield ReadSession(target, con)
    finally:
        con.close()


def fetch_all(
    target: Target,
    sql: str,
    params: Sequence[Any] | None = None,
    *,
    duckdb_read_write: bool = False,
) -> list[tuple]:
    """The rows of one query, in a `read_session` of its own (see there and
    `ReadSession.fetch`)."""
    with read_session(target, duckdb_read_write=duckdb_read_write) as session:
        return session.rows(sql, params)


def write_in_transaction(target: Target, write: Callable[[Any, str], None]) -> None:
    """Call `write(connection, dialect)` ("duckdb" or "postgres") on a connection of its
    own and commit what it wrote; on an error nothing is committed."""
    if target.type == "duckdb":
        con = connect_duckdb(target)
        try:
            con.execute("begin transaction")
            write(con, "duckdb")
            con.execute("commit")
        finally:
            con.close()
        return
    con = connect_postgres(target)
    try:
        write(con, "postgres")
        con.commit()
    finally:
        con.close()
