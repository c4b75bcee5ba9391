"""`mailpipe alert`: what a dbt run left to look at, and who owns it.

Reads the artifacts of the latest run in a dbt target folder: `run_results.json` (a build,
run or test), `sources.json` (a `dbt source freshness`, when present) and `manifest.json`
(for owners and the model each test tests). Prints the counts by status, then one line per
node that failed, errored or warned and per source that is stale; posts the same as a
Slack-compatible message to `$MAILPIPE_ALERT_WEBHOOK_URL` when it is set.

Exit status: 0 when nothing errored (warnings are printed but pass), 1 when a node errored
or failed or a source is stale beyond its error threshold, 2 for a usage error (missing or
unreadable artifacts, a webhook that could not be reached).

The webhook URL is a secret (anyone holding it can post to the channel): it is read from
the environment only and never printed, logged or put in an error message.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.errors import UserError
from scripts.warehouse import PROJECT_DIR

WEBHOOK_ENV = "MAILPIPE_ALERT_WEBHOOK_URL"
ERROR_STATUSES = frozenset({"error", "fail", "runtime error"})
WARN_STATUSES = frozenset({"warn"})
MESSAGE_MAX_CHARS = 200  # of a dbt error message, on a summary line
SLACK_MAX_FINDINGS = 25  # lines listed in the posted message; the rest are counted
SLACK_SECTION_MAX_CHARS = 2900  # Slack rejects a section text over 3,000 characters
KINDS = {"unit_test": "unit test", "operation": "hook"}


def default_target_path() -> Path:
    """dbt's target folder: `$DBT_TARGET_PATH` (relative to the project) or `target/`."""
    path = Path(os.environ.get("DBT_TARGET_PATH") or "target")
    return path if path.is_absolute() else PROJECT_DIR / path


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "alert",
        help="summarise the latest dbt run's failures, warnings and stale sources; "
        "post them to a chat webhook",
        description="Read the latest dbt run's artifacts (run_results.json, sources.json, "
        "manifest.json), print the counts by status and one line per failed, errored or "
        "warned node and stale source with its owner, and post the summary as a "
        f"Slack-compatible message to ${WEBHOOK_ENV} when it is set. Exit status: 0 when "
        "nothing errored (warnings only), 1 when a node errored or failed or a source is "
        "stale beyond its error threshold, 2 for a usage error.",
    )
    parser.add_argument(
        "--target-path",
        type=Path,
        default=None,
        help="dbt target folder holding the artifacts (default: $DBT_TARGET_PATH or target/)",
    )
    parser.add_argument(
        "--notify-on",
        choices=("always", "warn", "error"),
        default="warn",
        help=f"when to post to ${WEBHOOK_ENV}: after every run, when something warned or "
        "errored (default), or only on errors",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds to wait for the webhook (default: %(default)s)",
    )
    parser.set_defaults(func=_cli)


@dataclass(frozen=True)
class Finding:
    """A node or source that needs a look."""

    level: str  # "error" or "warn"
    status: str  # dbt's status: fail, error, warn, runtime error
    kind: str  # model, seed, snapshot, test, unit test, source, hook
    name: str  # the node's name; a source as source_name.table_name
    tested: str | None = None  # the model (or source) a test tests
    failures: int | None = None  # rows failing a data test
    owner: str | None = None
    detail: str | None = None  # an error message, or a stale source's age and thresholds

    @property
    def label(self) -> str:
        if self.kind == "source" and self.status in ("warn", "error"):
            return "STALE"
        return self.status.upper()

    def line(self) -> str:
        text = f"{self.label:<6} {self.kind} {self.name}"
        if self.tested:
            text += f" on {self.tested}"
        facts = []
        if self.failures is not None and self.kind == "test":
            facts.append(f"{self.failures:,} row{'s' if self.failures != 1 else ''} failing")
        if self.detail:
            facts.append(self.detail)
        facts.append(f"owner {self.owner or 'unassigned'}")
        return f"{text}: {'; '.join(facts)}"

    def slack_line(self) -> str:
        text = f"*{self.label}* {self.kind} `{_slack_escape(self.name)}`"
        if self.tested:
            text += f" on `{_slack_escape(self.tested)}`"
        facts = []
        if self.failures is not None and self.kind == "test":
            facts.append(f"{self.failures:,} row{'s' if self.failures != 1 else ''} failing")
        if self.detail:
            facts.append(_slack_escape(self.detail))
        facts.append(f"owner *{_slack_escape(self.owner or 'unassigned')}*")
        return f"{text}: {'; '.join(facts)}"


@dataclass
class ArtifactRun:
    """One dbt invocation an artifact describes."""

    artifact: str  # run_results.json or sources.json
    command: str
    invocation_id: str
    generated_at: str
    counts: Counter = field(default_factory=Counter)

    def line(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.counts.items()))
        noun = "sources" if self.artifact == "sources.json" else "nodes"
        when = self.generated_at.replace("T", " ")[:19]
        return (
            f"dbt {self.command} {self.invocation_id[:8]} at {when} UTC: "
            f"{sum(self.counts.values())} {noun} ({counts or 'none'})"
        )


@dataclass
class Alert:
    """What a run's artifacts say, ready to print or post."""

    project: str
    runs: list[ArtifactRun]
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warn"]

    @property
    def level(self) -> str:
        return "error" if self.errors else "warn" if self.warnings else "ok"

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def headline(self) -> str:
        if not self.findings:
            return "OK: nothing failed, errored, warned or went stale"
        parts = []
        failed = sum(1 for f in self.errors if f.status == "fail")
        errored = sum(1 for f in self.errors if f.status != "fail" and f.label != "STALE")
        stale_errors = sum(1 for f in self.errors if f.label == "STALE")
        stale_warnings = sum(1 for f in self.warnings if f.label == "STALE")
        warned = len(self.warnings) - stale_warnings
        for n, what in (
            (failed, "failed"),
            (errored, "errored"),
            (stale_errors, "stale beyond the error threshold"),
            (warned, "warned"),
            (stale_warnings, "stale beyond the warning threshold"),
        ):
            if n:
                parts.append(f"{n} {what}")
        return f"{self.level.upper()}: {', '.join(parts)}"

    def lines(self) -> list[str]:
        out = [run.line() for run in self.runs]
        out += [f"  {finding.line()}" for finding in self.findings]
        out.append(f"alert: {self.headline()}")
        return out

    def slack_payload(self) -> dict[str, Any]:
        """A Slack incoming-webhook message: a `text` fallback and Block Kit `blocks`."""
        title = f"{self.project} data quality: {self.headline()}"
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": _cut(title, 150)}},
        ]
        if self.runs:
            runs_text = "\n".join(_slack_escape(run.line()) for run in self.runs)
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": runs_text}})
        listed = [f.slack_line() for f in self.findings[:SLACK_MAX_FINDINGS]]
        if len(self.findings) > SLACK_MAX_FINDINGS:
            listed.append(
                f"… and {len(self.findings) - SLACK_MAX_FINDINGS} more: run `mailpipe alert`"
            )
        chunk: list[str] = []
        for line in listed:
            line = _cut(line, SLACK_SECTION_MAX_CHARS)
            if chunk and len("\n".join([*chunk, line])) > SLACK_SECTION_MAX_CHARS:
                blocks.append(_section(chunk))
                chunk = []
            chunk.append(line)
        if chunk:
            blocks.append(_section(chunk))
        return {"text": title, "blocks": blocks}


def _section(lines: list[str]) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean_message(message: str | None, limit: int = MESSAGE_MAX_CHARS) -> str | None:
    """A dbt message on one line, credentials masked, cut to `limit` characters (as the
    results history stores it; see macros/monitoring/dq_clean_message.sql)."""
    if not message:
        return None
    text = re.sub(r"[\s\x00-\x1f\x7f]+", " ", message).strip()
    text = re.sub(r"://[^/\s@]+@", "://***@", text)
    text = re.sub(
        r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key)(\s*[=:]\s*)[^\s,;&]+",
        r"\1\2***",
        text,
    )
    return _cut(text, limit) or None


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path} is not a dbt artifact")
    return data


def _owner(node: dict[str, Any] | None) -> str | None:
    if not node:
        return None
    meta = (node.get("config") or {}).get("meta") or node.get("meta") or {}
    owner = meta.get("owner")
    return str(owner) if owner else None


class _Manifest:
    """Lookups in manifest.json (empty when there is none)."""

    def __init__(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        self.project = (data.get("metadata") or {}).get("project_name") or "dbt"
        self.nodes: dict[str, dict[str, Any]] = data.get("nodes") or {}
        self.sources: dict[str, dict[str, Any]] = data.get("sources") or {}
        self.unit_tests: dict[str, dict[str, Any]] = data.get("unit_tests") or {}

    def node(self, unique_id: str) -> dict[str, Any] | None:
        return (
            self.nodes.get(unique_id)
            or self.sources.get(unique_id)
            or self.unit_tests.get(unique_id)
        )

    def name(self, unique_id: str) -> str:
        node = self.node(unique_id)
        if node and unique_id.startswith("source."):
            return f"{node['source_name']}.{node['name']}"
        if node:
            return str(node["name"])
        parts = unique_id.split(".")  # <type>.<package>.<name>[.<more>]
        if parts[0] == "source" and len(parts) >= 4:
            return f"{parts[2]}.{parts[3]}"
        if parts[0] == "unit_test" and len(parts) >= 4:
            return parts[3]
        return parts[2] if len(parts) >= 3 else unique_id

    def tested_id(self, unique_id: str) -> str | None:
        """The model (or source) a data or unit test tests."""
        node = self.node(unique_id)
        if not node or not unique_id.startswith(("test.", "unit_test.")):
            return None
        if node.get("attached_node"):
            return str(node["attached_node"])
        parents = (node.get("depends_on") or {}).get("nodes") or []
        for parent in parents:
            if parent.split(".")[0] in ("model", "seed", "snapshot", "source"):
                return str(parent)
        return None

    def owner(self, unique_id: str) -> str | None:
        """The node's own meta.owner, else (tests) the owner of what it tests."""
        own = _owner(self.node(unique_id))
        if own:
            return own
        tested = self.tested_id(unique_id)
        return _owner(self.node(tested)) if tested else None


def _node_findings(results: dict[str, Any], manifest: _Manifest) -> tuple[ArtifactRun, list]:
    meta = results.get("metadata") or {}
    run = ArtifactRun(
        artifact="run_results.json",
        command=str((results.get("args") or {}).get("which") or "run"),
        invocation_id=str(meta.get("invocation_id") or "unknown"),
        generated_at=str(meta.get("generated_at") or ""),
    )
    findings = []
    for result in results.get("results") or []:
        unique_id = str(result.get("unique_id") or "")
        status = str(result.get("status") or "unknown")
        resource_type = unique_id.split(".")[0]
        if resource_type == "operation" and status not in ERROR_STATUSES:
            continue  # a project hook that ran is no node of the run
        run.counts[status] += 1
        if status not in ERROR_STATUSES and status not in WARN_STATUSES:
            continue
        tested = manifest.tested_id(unique_id)
        failures = result.get("failures")
        findings.append(
            Finding(
                level="error" if status in ERROR_STATUSES else "warn",
                status=status,
                kind=KINDS.get(resource_type, resource_type),
                name=manifest.name(unique_id),
                tested=manifest.name(tested) if tested else None,
                failures=int(failures) if isinstance(failures, int) else None,
                owner=manifest.owner(unique_id),
                # The message of a test that ran only repeats its failure count.
                detail=None
                if resource_type == "test" and status != "error"
                else clean_message(result.get("message")),
            )
        )
    return run, findings


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} h" if seconds < 4 * 86400 else f"{seconds / 86400:,.1f} days"


def _threshold(criteria: dict[str, Any], key: str) -> str | None:
    rule = criteria.get(key) or {}
    if rule.get("count") is None or not rule.get("period"):
        return None
    return f"{key.split('_')[0]} after {rule['count']} {rule['period']}s"


def _freshness_findings(sources: dict[str, Any], manifest: _Manifest) -> tuple[ArtifactRun, list]:
    meta = sources.get("metadata") or {}
    run = ArtifactRun(
        artifact="sources.json",
        command="source freshness",
        invocation_id=str(meta.get("invocation_id") or "unknown"),
        generated_at=str(meta.get("generated_at") or ""),
    )
    findings = []
    for result in sources.get("results") or []:
        unique_id = str(result.get("unique_id") or "")
        status = str(result.get("status") or "unknown")
        run.counts[status] += 1
        if status not in ERROR_STATUSES and status not in WARN_STATUSES:
            continue
        if status == "runtime error":
            detail = clean_message(result.get("error")) or "the freshness query failed"
        else:
            age = result.get("max_loaded_at_time_ago_in_s")
            criteria = result.get("criteria") or {}
            thresholds = [
                t
                for t in (_threshold(criteria, "warn_after"), _threshold(criteria, "error_after"))
                if t
            ]
            detail = f"last loaded {_hours(float(age))} ago" if age is not None else "no rows"
            if thresholds:
                detail += f" ({', '.join(thresholds)})"
        findings.append(
            Finding(
                level="error" if status in ERROR_STATUSES else "warn",
                status=status,
                kind="source",
                name=manifest.name(unique_id),
                owner=manifest.owner(unique_id),
                detail=detail,
            )
        )
    return run, findings


def build_alert(target_path: Path) -> Alert:
    """Read the artifacts in a dbt target folder and say what needs a look."""
    if not target_path.is_dir():
        raise UserError(f"dbt target folder {target_path} does not exist (run dbt first)")
    results = _read_json(target_path / "run_results.json")
    sources = _read_json(target_path / "sources.json")
    if results is None and sources is None:
        raise UserError(
            f"no run_results.json or sources.json in {target_path}: run `dbt build` "
            "or `dbt source freshness` first"
        )
    manifest = _Manifest(_read_json(target_path / "manifest.json"))
    runs: list[ArtifactRun] = []
    findings: list[Finding] = []
    for artifact, reader in ((sources, _freshness_findings), (results, _node_findings)):
        if artifact is not None:
            run, found = reader(artifact, manifest)
            runs.append(run)
            findings += found
    findings.sort(key=lambda f: (f.level != "error", f.owner or "~", f.kind, f.name))
    return Alert(project=manifest.project, runs=runs, findings=findings)


def should_post(alert: Alert, notify_on: str) -> bool:
    """Whether an alert of this level is posted under the --notify-on rule."""
    if notify_on == "always":
        return True
    if notify_on == "warn":
        return alert.level in ("warn", "error")
    return alert.level == "error"


def _scrub(text: str, url: str) -> str:
    """An error text with the webhook URL (and its host and path) taken out."""
    parts = urllib.parse.urlsplit(url)
    for secret in sorted({url, parts.netloc, parts.hostname or "", parts.path}, key=len)[::-1]:
        if len(secret) > 1:
            text = text.replace(secret, "<webhook>")
    return text


def post_webhook(url: str, payload: dict[str, Any], timeout: float = 10.0) -> None:
    """POST the payload as JSON; a UserError (without the URL) when it does not arrive."""
    where = f"the alert webhook (${WEBHOOK_ENV})"
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise UserError(f"{WEBHOOK_ENV} is not an http(s) URL")
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise UserError(
            f"{where} answered HTTP {exc.code} {_scrub(str(exc.reason), url)}"
        ) from None
    except urllib.error.URLError as exc:
        raise UserError(f"could not reach {where}: {_scrub(str(exc.reason), url)}") from None
    except TimeoutError:
        raise UserError(f"{where} did not answer within {timeout:g} s") from None
    except (OSError, ValueError) as exc:
        reason = _scrub(str(exc), url)
        raise UserError(f"could not post to {where}: {type(exc).__name__}: {reason}") from None
    if not 200 <= status < 300:
        raise UserError(f"{where} answered HTTP {status}")


def notify(alert: Alert, notify_on: str = "warn", timeout: float = 10.0) -> str | None:
    """Post the alert when the webhook is configured and the rule says so; a line saying
    what was done (never the URL), or None when no webhook is configured."""
    url = os.environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        return None
    if not should_post(alert, notify_on):
        return f"webhook: not posted (level {alert.level}, --notify-on {notify_on})"
    post_webhook(url, alert.slack_payload(), timeout)
    return f"webhook: posted the {alert.level} summary"


def _cli(args: argparse.Namespace) -> int:
    target_path = args.target_path or default_target_path()
    alert = build_alert(target_path)
    print(f"artifacts: {target_path}")
    for line in alert.lines():
        print(line)
    posted = notify(alert, args.notify_on, args.timeout)
    if posted:
        print(posted)
    return alert.exit_code
