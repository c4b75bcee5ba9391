"""Benchmark: the event collector under concurrent clients.

Starts `mailpipe collect` as its own process on a free port with a temporary landing
folder, runs N client threads (spread over worker processes, so the clients' own Python
does not cap the figures) that each send R requests on a keep-alive connection, in turn a
SendGrid webhook, a Segment batch, an open pixel and a click, then stops the collector
(SIGTERM: the current files are published) and checks that the landing files hold exactly
the acknowledged events. Prints acknowledged events and requests per second and request
latency percentiles, one row per client count.

    python -m scripts.bench.collector_bench --clients 1 8 32 --requests 200
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from threading import Thread

from scripts.collector import make_token
from scripts.warehouse import PROJECT_DIR

SECRET = "bench-secret-0123456789abcdef"
KINDS = ("webhook", "batch", "pixel", "click")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_collector(landing: Path, port: int, rotate_seconds: float) -> subprocess.Popen:
    env = dict(os.environ, MAILPIPE_COLLECTOR_SECRET=SECRET)
    for name in ("MAILPIPE_SENDGRID_PUBLIC_KEY", "MAILPIPE_SEGMENT_WRITE_KEY"):
        env.pop(name, None)
    cmd = [sys.executable, "-m", "scripts", "-q", "collect", "--port", str(port)]
    cmd += ["--landing", str(landing), "--rotate-seconds", str(rotate_seconds)]
    proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the collector did not start")


def request_for(kind: str, key: str, events: int) -> tuple[str, str, bytes | None, int]:
    """(method, path, body, events carried) of one request."""
    if kind == "webhook":
        body = [
            {
                "email": f"user{j}@example.com",
                "timestamp": 1772390000,
                "event": "delivered",
                "sg_event_id": f"ev-{key}-{j}",
                "sg_message_id": f"msg-{key}",
                "category": ["promotional"],
                "campaign_id": "cmp_0001",
            }
            for j in range(events)
        ]
        return "POST", "/webhooks/sendgrid", json.dumps(body).encode(), events
    if kind == "batch":
        calls = [
            {
                "type": "track",
                "event": "Product Viewed",
                "messageId": f"ajs-{key}-{j}",
                "anonymousId": f"anon-{key}",
                "timestamp": "2026-03-01T18:20:01.120Z",
                "properties": {"product_id": "P00017", "price": 60.0},
                "context": {"ip": "81.44.2.10", "userAgent": "Mozilla/5.0"},
            }
            for j in range(events)
        ]
        body = {"batch": calls, "sentAt": "2026-03-01T18:20:02Z"}
        return "POST", "/v1/batch", json.dumps(body).encode(), events
    if kind == "pixel":
        token = make_token(SECRET, "open", f"px-{key}", "ana@example.com", "cmp_0001")
        return "GET", f"/o/{token}.gif", None, 1
    token = make_token(
        SECRET, "click", f"cl-{key}", "ana@example.com", "cmp_0001", url="https://x.example/p"
    )
    return "GET", f"/c/{token}", None, 1


def client(port: int, name: str, requests: int, events: int, out: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "User-Agent": "bench"}
    acked = 0
    latencies = []
    errors = 0
    for i in range(requests):
        method, path, body, carried = request_for(KINDS[i % 4], f"{name}-{i}", events)
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers if body else {})
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status in (200, 302):
            acked += carried
        else:
            errors += 1
    conn.close()
    out.append((acked, latencies, errors))


def worker(port: int, process: int, threads: int, requests: int, events: int) -> tuple:
    started = time.time()
    out: list = []
    pool = [
        Thread(target=client, args=(port, f"p{process}t{t}", requests, events, out))
        for t in range(threads)
    ]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return (
        sum(o[0] for o in out),
        [x for o in out for x in o[1]],
        sum(o[2] for o in out),
        started,
        time.time(),
    )


def landed_lines(landing: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in landing.glob("*/*.jsonl"))


def run(clients: int, requests: int, events: int, processes: int, rotate: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="collector-bench-") as tmp:
        landing = Path(tmp) / "landing"
        port = free_port()
        proc = start_collector(landing, port, rotate)
        processes = max(1, min(processes, clients))
        shares = [
            clients // processes + (1 if p < clients % processes else 0) for p in range(processes)
        ]
        with ProcessPoolExecutor(max_workers=processes) as pool:
            results = list(
                pool.map(
                    worker,
                    [port] * processes,
                    range(processes),
                    shares,
                    [requests] * processes,
                    [events] * processes,
                )
            )
        # From the first client's start to the last one's end (not the pool's start-up).
        seconds = max(r[4] for r in results) - min(r[3] for r in results)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        acked = sum(r[0] for r in results)
        latencies = sorted(x for r in results for x in r[1])
        errors = sum(r[2] for r in results)
        landed = landed_lines(landing)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "events_acknowledged": acked,
        "events_landed": landed,
        "seconds": round(seconds, 2),
        "events_per_second": round(acked / seconds),
        "requests_per_second": round(len(latencies) / seconds),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p95_ms": round(quantiles[94] * 1000, 2),
        "p99_ms": round(quantiles[98] * 1000, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, default=200, help="per client")
    parser.add_argument(
        "--events", type=int, default=2, help="events per webhook and batch request"
    )
    parser.add_argument(
        "--processes", type=int, default=2, help="client processes (threads spread over them)"
    )
    parser.add_argument("--rotate-seconds", type=float, default=1.0)
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    print(
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"requests cycle webhook ({args.events} events) / batch ({args.events} calls) / "
        "pixel / click; every event fsynced before its answer"
    )
    header = (
        f"{'clients':>7} {'requests':>9} {'events':>8} {'s':>6} {'events/s':>9} "
        f"{'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}  landed"
    )
    print(header)
    rows = []
    for clients in args.clients:
        row = run(clients, args.requests, args.events, args.processes, args.rotate_seconds)
        rows.append(row)
        check = "ok" if row["events_landed"] == row["events_acknowledged"] else "MISMATCH"
        print(
            f"{row['clients']:>7} {row['requests']:>9} {row['events_acknowledged']:>8} "
            f"{row['seconds']:>6} {row['events_per_second']:>9,} {row['requests_per_second']:>7,} "
            f"{row['p50_ms']:>7} {row['p95_ms']:>7} {row['p99_ms']:>7}  {check}"
            + (f" ({row['errors']} errors)" if row["errors"] else "")
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(r["events_landed"] == r["events_acknowledged"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
