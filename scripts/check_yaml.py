"""`python -m scripts.check_yaml FILE...`: parse each YAML file; report the ones that do not.

The pre-commit hook `yaml-parse` (.pre-commit-config.yaml) runs it on the YAML files a
commit changes, in place of pre-commit-hooks' check-yaml, which lives on GitHub. Prints
`file:line:column: problem` for each file that does not parse and exits 1; exits 0 when
every file parses.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import yaml


def problems(path: Path) -> str | None:
    """None when the file parses as YAML (one or more documents), else where and why not."""
    try:
        with path.open(encoding="utf-8") as handle:
            for _ in yaml.safe_load_all(handle):
                pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        return f"{where}: {exc.problem or exc}"
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        return f"{path}: {exc}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    paths = [Path(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    found = [problem for problem in map(problems, paths) if problem]
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
