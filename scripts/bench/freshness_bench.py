"""Benchmark: end-to-end freshness, from the collector's receipt to the payload.

Runs against a warehouse already built (the active dbt target: `mailpipe run`, or the
issue 8 benchmark's) and the landing folder it was loaded from. For each rate it starts
the event collector and the micro-batch runner (`mailpipe stream --measure-payload`) as
their own processes, posts SendGrid webhooks (deliveries, opens, clicks) about contacts in
the payload at that rate for --seconds, waits until every acknowledged event has been
through a micro-batch, stops both, and prints per rate: events, micro-batches, mean load
and dbt seconds, and the p50 / p95 / max of each event's time from the collector's
receipt to (a) showing in the payload `sync_email_platform__contacts` (the runner reads
it after each load) and (b) the end of the micro-batch that processed it (the engagement
score's freshness).

    python -m scripts.bench.freshness_bench --landing data/landing --rates 100 1000 \
        --seconds 60 --json docs/benchmarks-freshness.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from scripts.bench.collector_bench import free_port, start_collector
from scripts.stream import percentile
from scripts.warehouse import PROJECT_DIR, fetch_all, load_target

REQUESTS_PER_SECOND = 20
EVENT_MIX = (("delivered", 0.5), ("open", 0.35), ("click", 0.15))


def known_emails(limit: int) -> list[str]:
    """Addresses of contacts in the payload whose activity it shows (is_personalised)."""
    target = load_target()
    payload = target.model_relation("activation", "sync_email_platform__contacts")
    sql = f"select email from {payload} where is_personalised order by email limit {int(limit)}"
    return [r[0] for r in fetch_all(target, sql)]


def start_runner(landing: Path, log_json: Path) -> tuple[subprocess.Popen, threading.Event]:
    cmd = [sys.executable, "-m", "scripts", "stream", "--landing", str(landing)]
    cmd += ["--interval", "0.05", "--measure-payload", "--log-json", str(log_json)]
    proc = subprocess.Popen(
        cmd, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    ready = threading.Event()

    def watch() -> None:
        for line in proc.stderr:
            sys.stderr.write("  runner: " + line)
            if "parsed the project" in line:
                ready.set()

    threading.Thread(target=watch, daemon=True).start()
    return proc, ready


def post_at_rate(port: int, emails: list[str], rate: int, seconds: float, tag: str) -> int:
    """Post webhooks carrying `rate` events a second for `seconds`; returns events acked."""
    per_request = max(1, round(rate / REQUESTS_PER_SECOND))
    interval = per_request / rate
    total = int(seconds * rate / per_request)
    rng = random.Random(7)
    kinds = [k for k, _ in EVENT_MIX]
    weights = [w for _, w in EVENT_MIX]
    acked = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.monotonic()
    for i in range(total):
        delay = start + i * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        now = int(time.time())
        body = [
            {
                "email": rng.choice(emails),
                "event": rng.choices(kinds, weights)[0],
                "timestamp": now,
                "sg_event_id": f"fresh-{tag}-{i}-{j}",
                "sg_message_id": f"fresh-{tag}-{i}-{j}.filter0001",
                "useragent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            }
            for j in range(per_request)
        ]
        conn.request(
            "POST",
            "/webhooks/sendgrid",
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            acked += per_request
    conn.close()
    return acked


def read_batches(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def one_rate(landing: Path, emails: list[str], rate: int, seconds: float, rotate: float) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="freshness-"))
    log_json = tmp / "batches.jsonl"
    runner, ready = start_runner(landing, log_json)
    if not ready.wait(120):
        runner.kill()
        raise SystemExit("the micro-batch runner did not start (see its log above)")
    port = free_port()
    collector = start_collector(landing, port, rotate)
    try:
        acked = post_at_rate(port, emails, rate, seconds, f"{rate}-{int(time.time())}")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            timed = sum(b["events_timed"] for b in read_batches(log_json))
            if timed >= acked:
                break
            time.sleep(0.5)
    finally:
        collector.send_signal(signal.SIGTERM)
        collector.wait(30)
        runner.send_signal(signal.SIGTERM)
        runner.wait(120)
    batches = [b for b in read_batches(log_json) if b["events_timed"]]
    latencies = sorted(x for b in batches for x in b["latencies"])
    shown = sorted(x for b in batches for x in b["payload_latencies"])

    def mean(name: str) -> float:
        return round(sum(b[name] for b in batches) / max(1, len(batches)), 3)

    return {
        "rate": rate,
        "seconds": seconds,
        "events_acknowledged": acked,
        "events_timed": len(latencies),
        "email_events_shown": len(shown),
        "batches": len(batches),
        "batches_failed": sum(1 for b in read_batches(log_json) if not b["ok"]),
        "mean_loads_per_batch": mean("loads"),
        "mean_load_seconds": round(
            sum(b["load_seconds"] for b in batches) / max(1, sum(b["loads"] for b in batches)), 3
        ),
        "mean_payload_read_seconds": round(
            sum(b["payload_read_seconds"] for b in batches)
            / max(1, sum(b["loads"] for b in batches)),
            3,
        ),
        "mean_batch_dbt_seconds": mean("dbt_seconds"),
        "payload_latency_p50": round(percentile(shown, 0.50) or 0, 3),
        "payload_latency_p95": round(percentile(shown, 0.95) or 0, 3),
        "payload_latency_max": round(shown[-1], 3) if shown else None,
        "latency_p50": round(percentile(latencies, 0.50) or 0, 3),
        "latency_p95": round(percentile(latencies, 0.95) or 0, 3),
        "latency_max": round(latencies[-1], 3) if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, default=PROJECT_DIR / "data" / "landing")
    parser.add_argument("--rates", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seconds", type=float, default=60.0, help="traffic per rate")
    parser.add_argument(
        "--rotate-seconds", type=float, default=0.5, help="the collector's file rotation"
    )
    parser.add_argument("--people", type=int, default=50_000, help="known addresses to use")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)

    target = load_target()
    emails = known_emails(args.people)
    if not emails:
        raise SystemExit("the warehouse knows no address: build it first (mailpipe run)")
    print(f"target {target.describe()}; {len(emails):,} known addresses", flush=True)
    results = []
    for rate in args.rates:
        result = one_rate(args.landing, emails, rate, args.seconds, args.rotate_seconds)
        results.append(result)
        print(json.dumps(result), flush=True)

    print()
    print(
        "| events/s | events | shown | micro-batches | s/load | s/payload read | dbt s/batch "
        "| payload p50 | payload p95 | payload max | micro-batch p50 | micro-batch p95 |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['rate']:,} | {r['events_timed']:,} | {r['email_events_shown']:,} "
            f"| {r['batches']} | {r['mean_load_seconds']:.2f} "
            f"| {r['mean_payload_read_seconds']:.2f} "
            f"| {r['mean_batch_dbt_seconds']:.2f} | {r['payload_latency_p50']:.2f} "
            f"| {r['payload_latency_p95']:.2f} | {r['payload_latency_max'] or 0:.2f} "
            f"| {r['latency_p50']:.2f} | {r['latency_p95']:.2f} |"
        )
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"\nMachine: {machine}; target {target.describe()}")
    if args.json:
        args.json.write_text(
            json.dumps({"machine": machine, "target": target.describe(), "results": results}) + "\n"
        )
    return 0 if all(r["events_timed"] >= r["events_acknowledged"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
