"""The event collector (`mailpipe collect`): endpoints, refusals, signatures, tokens,
durability, rotation into files the real loader takes, and exactly-once under load.

Each test starts a collector in this process on a free port, with its own landing folder.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from scripts import collector as col
from scripts.errors import UserError
from scripts.load import load
from tests.python.conftest import query, target_for

SECRET = "test-secret-0123456789abcdef"
SIGNING_KEY = 0x5F1C3A9D2B7E4C60A8193D5E7F2B4C6A8E1D3F5B7C9A2E4D6F8B1C3E5A7D9F02
OTHER_KEY = 0x2B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFE
SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")


# --- a small ECDSA signer (the collector only verifies) --------------------------------------


def public_key_b64(private: int) -> str:
    x, y = col.mul2(private, col.G, 0, col.G)
    return base64.b64encode(SPKI_PREFIX + b"\x04" + x.to_bytes(32) + y.to_bytes(32)).decode()


def _der_int(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return b"\x02" + bytes([len(raw)]) + raw


def sign(private: int, message: bytes) -> str:
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")
    while True:
        k = secrets.randbelow(col.N - 1) + 1
        r = col.mul2(k, col.G, 0, col.G)[0] % col.N
        s = pow(k, -1, col.N) * (e + r * private) % col.N
        if r and s:
            break
    body = _der_int(r) + _der_int(s)
    return base64.b64encode(b"\x30" + bytes([len(body)]) + body).decode()


def signed_headers(body: bytes, private: int = SIGNING_KEY, stamp: int | None = None) -> dict:
    stamp = int(time.time()) if stamp is None else stamp
    return {
        col.SIGNATURE_HEADER: sign(private, str(stamp).encode() + body),
        col.TIMESTAMP_HEADER: str(stamp),
    }


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def landing(tmp_path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def start(landing):
    """Start a collector (stopped at the end of the test)."""
    started: list[col.Collector] = []

    def run(**kwargs) -> col.Collector:
        kwargs.setdefault("secret", SECRET)
        kwargs.setdefault("rotate_seconds", 3600)
        kwargs.setdefault("max_body_bytes", 64_000)
        folder = kwargs.pop("landing", landing)
        collector = col.Collector(col.CollectorConfig(folder, port=0, **kwargs)).start()
        started.append(collector)
        return collector

    yield run
    for collector in started:
        collector.stop()


def call(collector, method, path, body=None, headers=None, conn=None):
    """(status, headers, body) of one request; `body` dict/list is sent as JSON."""
    headers = dict(headers or {})
    if isinstance(body, dict | list):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    own = conn is None
    conn = conn or http.client.HTTPConnection(*collector.address, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        if own:
            conn.close()


def raw_request(collector, text: bytes) -> bytes:
    with socket.create_connection(collector.address, timeout=10) as sock:
        sock.sendall(text)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def data_files(landing: Path) -> list[Path]:
    """Every file the collector wrote (current files and published ones), but its lock."""
    return sorted(p for p in landing.rglob("*") if p.is_file() and p.name != ".lock")


def lines_in(paths) -> list[dict]:
    return [json.loads(line) for p in paths for line in p.read_text().splitlines()]


def published(landing: Path, table: str) -> list[dict]:
    return lines_in(sorted((landing / table).glob("*.jsonl")))


def assert_nothing_written(landing: Path) -> None:
    assert [p for p in data_files(landing) if p.stat().st_size] == []


def sg_event(i, **changes) -> dict:
    event = {
        "email": f"user{i}@example.com",
        "timestamp": 1772390000 + (i if isinstance(i, int) else 0),
        "event": "delivered",
        "sg_event_id": f"ev-{i}",
        "sg_message_id": f"msg-{i}",
        "smtp-id": f"<msg-{i}@ismtpd-1>",
        "category": ["promotional"],
        "campaign_id": "cmp_0001",
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not ...}


def segment_call(i, type_="track", **changes) -> dict:
    record = {
        "type": type_,
        "messageId": f"ajs-{i}",
        "anonymousId": f"anon-{i}",
        "timestamp": "2026-03-01T18:20:01.120Z",
        "sentAt": "2026-03-01T18:20:02.001Z",
        "properties": {"product_id": "P00017", "price": 60.0},
        "context": {"ip": "81.44.2.10", "page": {"path": "/p/17"}},
    }
    if type_ == "track":
        record["event"] = "Product Viewed"
    if type_ == "page":
        record["name"] = "Product"
    if type_ == "identify":
        record.update(userId=f"C{i}", traits={"email": f"user{i}@example.com"})
    record.update(changes)
    return {k: v for k, v in record.items() if v is not ...}


def open_token(i, secret=SECRET) -> str:
    return col.make_token(
        secret, "open", f"px-{i}", f"user{i}@example.com", "cmp_0012", variant="B"
    )


def click_token(i, url="https://shop.example.com/p/17?utm_source=email") -> str:
    return col.make_token(SECRET, "click", f"cl-{i}", f"user{i}@example.com", "cmp_0012", url=url)


def forged_token(payload: dict, secret: str = SECRET) -> str:
    body = col._b64url(json.dumps(payload).encode())
    return f"{body}.{col._b64url(col._token_mac(secret.encode(), body))}"


# --- SendGrid webhook --------------------------------------------------------------------------


def test_webhook_events_are_on_disk_when_acknowledged_and_published_on_stop(start, landing):
    collector = start()
    events = [sg_event(1), sg_event(2, event="open", sg_machine_open=False), sg_event(3)]
    before = time.time()
    status, _, body = call(collector, "POST", "/webhooks/sendgrid", events)
    assert (status, json.loads(body)) == (200, {"accepted": 3})
    current = landing / "_incoming" / "esp_email_events" / "current.jsonl"
    assert [e["sg_event_id"] for e in lines_in([current])] == ["ev-1", "ev-2", "ev-3"]
    assert not list((landing / "esp_email_events").glob("*.jsonl"))  # not published yet
    collector.stop()
    (published_file,) = (landing / "esp_email_events").glob("*.jsonl")
    assert re.fullmatch(r"esp_email_events__\d{8}T\d{6}Z-000001\.jsonl", published_file.name)
    assert not current.exists()
    lines = lines_in([published_file])
    for line, event in zip(lines, events, strict=True):
        received = line.pop(col.RECEIVED_AT)
        assert line == event
        stamp = time.mktime(time.strptime(received[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        assert before - 1 <= stamp <= time.time()


BAD_WEBHOOKS = [
    (b"not json", {}, 400, "not valid JSON"),
    (b'{"email": "a@b.co"}', {}, 400, "JSON array"),
    (b"[]", {}, 400, "empty array"),
    ([sg_event(1), sg_event(2, sg_event_id=...)], {}, 400, "events[1]: missing sg_event_id"),
    ([sg_event(1, timestamp="1772390000")], {}, 400, "events[0]: timestamp must be"),
    ([sg_event(1, timestamp=True)], {}, 400, "events[0]: timestamp must be"),
    ([sg_event(1, email="")], {}, 400, "events[0]: email must be a non-empty string"),
    ([sg_event(1, event=None)], {}, 400, "events[0]: missing event"),
    ([sg_event(1), 7], {}, 400, "events[1]: not a JSON object"),
    (b'[{"email": "a@b.co", "timestamp": NaN, "event": "open", "sg_event_id": "x"}]', {}, 400,
     "NaN"),
    (b'[{"email": "\\ud800@b.co", "timestamp": 1, "event": "open", "sg_event_id": "x"}]', {}, 400,
     "surrogate"),
    (b"\xff\xfe[]", {}, 400, "not UTF-8"),
    ([sg_event(1)], {"Content-Type": "text/plain"}, 415, "application/json"),
    ([sg_event(1)], {"Content-Encoding": "gzip"}, 415, "Content-Encoding"),
    ([sg_event(i) for i in range(400)], {}, 413, "too large"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "headers", "status", "message"), BAD_WEBHOOKS)
def test_bad_webhooks_get_a_4xx_and_write_nothing(start, landing, body, headers, status, message):
    collector = start()
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **headers}
    got, _, answer = call(collector, "POST", "/webhooks/sendgrid", body, headers)
    assert got == status
    assert message in json.loads(answer)["error"]
    collector.stop()
    assert_nothing_written(landing)


def test_routes_methods_and_lengths(start, landing):
    collector = start()
    assert call(collector, "GET", "/nope")[0] == 404
    assert call(collector, "GET", "/o/abc")[0] == 404  # the pixel ends in .gif
    status, headers, _ = call(collector, "GET", "/webhooks/sendgrid")
    assert (status, headers["allow"]) == (405, "POST")
    assert call(collector, "POST", "/health", [1])[0] == 405
    assert call(collector, "DELETE", "/v1/batch")[0] == 405
    assert call(collector, "HEAD", "/o/x.gif")[0] == 405
    answer = raw_request(
        collector,
        b"POST /webhooks/sendgrid HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 411 ")
    answer = raw_request(
        collector,
        b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 411 ")
    status, _, body = call(collector, "GET", "/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    collector.stop()
    assert_nothing_written(landing)


# --- signatures --------------------------------------------------------------------------------


def test_signed_webhook_is_accepted(start, landing):
    collector = start(sendgrid_public_key=public_key_b64(SIGNING_KEY))
    body = json.dumps([sg_event(1)]).encode()
    headers = {"Content-Type": "application/json", **signed_headers(body)}
    assert call(collector, "POST", "/webhooks/sendgrid", body, headers)[0] == 200
    collector.stop()
    assert [e["sg_event_id"] for e in published(landing, "esp_email_events")] == ["ev-1"]


def _bad_signatures(body: bytes) -> list[tuple[str, dict]]:
    now = int(time.time())
    good = signed_headers(body)
    return [
        ("missing", {}),
        ("missing signature", {col.TIMESTAMP_HEADER: str(now)}),
        ("missing timestamp", {col.SIGNATURE_HEADER: good[col.SIGNATURE_HEADER]}),
        ("other body", signed_headers(body + b" ")),
        ("other key", signed_headers(body, OTHER_KEY)),
        ("other timestamp", {**good, col.TIMESTAMP_HEADER: str(now - 1)}),
        ("stale", signed_headers(body, stamp=now - col.SIGNATURE_MAX_AGE - 5)),
        ("future", signed_headers(body, stamp=now + 3600)),
        ("not base64", {**good, col.SIGNATURE_HEADER: "%%%"}),
        ("not DER", {**good, col.SIGNATURE_HEADER: base64.b64encode(b"\x30\x02ab").decode()}),
        ("bad timestamp", {**good, col.TIMESTAMP_HEADER: "soon"}),
    ]


def test_unsigned_tampered_and_stale_webhooks_get_401(start, landing):
    collector = start(sendgrid_public_key=public_key_b64(SIGNING_KEY))
    body = json.dumps([sg_event(1)]).encode()
    for case, headers in _bad_signatures(body):
        headers = {"Content-Type": "application/json", **headers}
        status, _, answer = call(collector, "POST", "/webhooks/sendgrid", body, headers)
        assert status == 401, (case, answer)
    status, _, answer = call(
        collector,
        "POST",
        "/webhooks/sendgrid",
        body,
        {"Content-Type": "application/json", **signed_headers(body, stamp=int(time.time()) - 700)},
    )
    assert "older than 10 minutes" in json.loads(answer)["error"]
    collector.stop()
    assert_nothing_written(landing)


def test_ecdsa_verification_matches_openssl(tmp_path):
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl not installed")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True, cwd=tmp_path)

    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem")
    run("ec", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der")
    run("ec", "-in", "key.pem", "-pubout", "-out", "pub.pem")
    run("ec", "-in", "key.pem", "-pubout", "-conv_form", "compressed", "-outform", "DER",
        "-out", "pubc.der")  # fmt: skip
    key = col.parse_public_key(base64.b64encode((tmp_path / "pub.der").read_bytes()).decode())
    assert col.parse_public_key((tmp_path / "pub.pem").read_text()) == key
    compressed = (tmp_path / "pubc.der").read_bytes()
    assert col.parse_public_key(base64.b64encode(compressed).decode()) == key
    for i in range(3):
        message = f'{1772390000 + i}[{{"event": "open", "n": {i}}}]'.encode()
        (tmp_path / "msg").write_bytes(message)
        run("dgst", "-sha256", "-sign", "key.pem", "-out", "sig.der", "msg")
        signature = (tmp_path / "sig.der").read_bytes()
        assert col.ecdsa_verify(key, message, signature)
        assert not col.ecdsa_verify(key, message + b"x", signature)
        assert not col.ecdsa_verify(col.parse_public_key(public_key_b64(OTHER_KEY)), message,
                                    signature)  # fmt: skip
    assert col.on_curve(col.G) and col.mul2(col.N, col.G, 0, col.G) is None


def test_bad_configuration_is_a_user_error(landing):
    with pytest.raises(UserError, match="not a P-256 public key"):
        col.Collector(col.CollectorConfig(landing, sendgrid_public_key="bm90IGEga2V5"))
    with pytest.raises(UserError, match="at least 16 characters"):
        col.Collector(col.CollectorConfig(landing, secret="short"))


# --- open pixel and click redirect -------------------------------------------------------------


def test_open_pixel_answers_a_gif_and_appends_an_open(start, landing):
    collector = start()
    before = int(time.time())
    for _ in range(2):
        status, headers, body = call(
            collector, "GET", f"/o/{open_token(1)}.gif", headers={"User-Agent": "Mail/1.0"}
        )
        assert (status, headers["content-type"], body) == (200, "image/gif", col.PIXEL)
        assert "no-store" in headers["cache-control"] and headers["pragma"] == "no-cache"
    collector.stop()
    first, second = published(landing, "esp_email_events")
    assert first["sg_event_id"] != second["sg_event_id"]
    assert len(first["sg_event_id"]) == 24
    assert before <= first["timestamp"] <= time.time()
    varying = ("sg_event_id", "timestamp", col.RECEIVED_AT)
    assert {k: v for k, v in first.items() if k not in varying} == {
        "email": "user1@example.com",
        "event": "open",
        "sg_message_id": "px-1",
        "campaign_id": "cmp_0012",
        "variant": "B",
        "useragent": "Mail/1.0",
        "ip": "127.0.0.1",
    }  # fmt: skip


def _tampered(token: str) -> list[str]:
    body, mac = token.split(".")
    flip = {"A": "B", "B": "A"}

    def change(text: str, at: int) -> str:
        return text[:at] + flip.get(text[at], "A") + text[at + 1 :]

    return [
        f"{change(body, 5)}.{mac}",
        f"{body}.{change(mac, 3)}",
        f"{body}.{mac[:-2]}",
        body,
        f"{body}.{mac}.x",
        f"{body}.{mac}!",
        open_token(1, secret="another-secret-0123456789"),
    ]


def test_tampered_open_tokens_get_400_and_write_nothing(start, landing):
    collector = start()
    for token in [*_tampered(open_token(1)), click_token(1)]:
        status, headers, body = call(collector, "GET", f"/o/{token}.gif")
        assert (status, headers["content-type"], body) == (400, "image/gif", col.PIXEL), token
        assert headers["x-error"].startswith("bad token")
    collector.stop()
    assert_nothing_written(landing)


def test_click_redirects_and_appends_a_click(start, landing):
    collector = start()
    url = "https://shop.example.com/p/17?utm_source=email&utm_campaign=cmp_0012"
    status, headers, _ = call(collector, "GET", f"/c/{click_token(7, url)}")
    assert (status, headers["location"]) == (302, url)
    collector.stop()
    (event,) = published(landing, "esp_email_events")
    assert (event["event"], event["url"], event["sg_message_id"]) == ("click", url, "cl-7")


def test_tampered_or_unsafe_clicks_get_400_and_write_nothing(start, landing):
    collector = start()
    claims = {"k": "c", "m": "m", "e": "a@b.co", "c": "cmp"}
    unsafe = [
        forged_token({**claims, "u": "javascript:alert(1)"}),
        forged_token({**claims, "u": "https://x.example/\r\nSet-Cookie: a=b"}),
        forged_token({**claims, "u": "//evil.example/"}),
        forged_token(claims),
    ]
    for token in [*_tampered(click_token(1)), open_token(1), *unsafe]:
        status, headers, _ = call(collector, "GET", f"/c/{token}")
        assert status == 400, token
        assert "location" not in headers
    with pytest.raises(ValueError, match="http"):
        col.make_token(SECRET, "click", "m", "a@b.co", url="javascript:alert(1)")
    collector.stop()
    assert_nothing_written(landing)


def test_pixel_and_click_without_a_secret_answer_503(start, landing):
    collector = start(secret=None)
    assert call(collector, "GET", f"/o/{open_token(1)}.gif")[0] == 503
    assert call(collector, "GET", f"/c/{click_token(1)}")[0] == 503
    collector.stop()
    assert_nothing_written(landing)


# --- Segment batch -----------------------------------------------------------------------------


def test_segment_batch_appends_calls_with_receipt_times(start, landing):
    collector = start()
    calls = [
        segment_call(1, receivedAt="2000-01-01T00:00:00Z"),
        segment_call(2, "page", sentAt=...),
        segment_call(3, "identify", anonymousId=..., sentAt=...),
    ]
    doc = {"batch": calls, "sentAt": "2026-03-01T18:20:03Z", "context": {"library": {"n": 1}}}
    status, _, body = call(collector, "POST", "/v1/batch", doc)
    assert (status, json.loads(body)) == (200, {"success": True, "accepted": 3})
    gz = gzip.compress(json.dumps({"batch": [segment_call(4)]}).encode())
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    assert call(collector, "POST", "/v1/batch", gz, headers)[0] == 200
    collector.stop()
    lines = published(landing, "tracking_events")
    assert [c["messageId"] for c in lines] == ["ajs-1", "ajs-2", "ajs-3", "ajs-4"]
    assert [c["sentAt"] for c in lines[:3]] == [
        "2026-03-01T18:20:02.001Z",
        *["2026-03-01T18:20:03Z"] * 2,
    ]
    for line in lines:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["receivedAt"])
        assert line["receivedAt"][:23] == line[col.RECEIVED_AT][:23]
        assert line["receivedAt"] > "2026"
    assert lines[0]["context"] == {
        "library": {"n": 1}, "ip": "81.44.2.10", "page": {"path": "/p/17"}
    }  # fmt: skip
    assert lines[2]["traits"] == {"email": "user3@example.com"}


BAD_BATCHES = [
    ([segment_call(1)], "body must be an object"),
    ({"calls": [segment_call(1)]}, "body must be an object"),
    ({"batch": []}, "batch is empty"),
    ({"batch": [segment_call(1), segment_call(2, messageId=...)]}, "batch[1]: missing messageId"),
    ({"batch": [segment_call(1, type_="screen")]}, "batch[0]: type must be"),
    ({"batch": [segment_call(1, anonymousId=...)]}, "missing anonymousId or userId"),
    ({"batch": [segment_call(1, anonymousId=42)]}, "must be non-empty strings"),
    ({"batch": [segment_call(1, timestamp=...)]}, "missing timestamp"),
    ({"batch": [segment_call(1, timestamp="yesterday")]}, "timestamp must be an ISO 8601"),
    ({"batch": [segment_call(1, timestamp="2026-03-01T18:20:01")]}, "with an offset"),
    ({"batch": [segment_call(1, timestamp="2026-02-30T18:20:01Z")]}, "timestamp must be"),
    ({"batch": [segment_call(1, sentAt="now")]}, "sentAt must be"),
    ({"batch": [segment_call(1, event=...)]}, "batch[0]: missing event"),
    ({"batch": [segment_call(1, properties=[1])]}, "properties must be an object"),
    ({"batch": [segment_call(1)], "sentAt": 5}, "sentAt must be"),
    ({"batch": [segment_call(1)], "context": "x"}, "context must be an object"),
]


@pytest.mark.parametrize(("doc", "message"), BAD_BATCHES)
def test_bad_batches_get_400_and_write_nothing(start, landing, doc, message):
    collector = start()
    status, _, body = call(collector, "POST", "/v1/batch", doc)
    assert status == 400
    assert message in json.loads(body)["error"]
    collector.stop()
    assert_nothing_written(landing)


def test_bad_gzip_gets_400(start, landing):
    collector = start()
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    assert call(collector, "POST", "/v1/batch", b"\x1f\x8bnope", headers)[0] == 400
    bomb = gzip.compress(b" " * 200_000)  # over the 64 kB limit once inflated
    assert call(collector, "POST", "/v1/batch", bomb, headers)[0] == 413
    collector.stop()
    assert_nothing_written(landing)


def test_segment_write_key_when_configured(start, landing):
    collector = start(segment_write_key="wk_live_123")
    doc = {"batch": [segment_call(1)]}
    assert call(collector, "POST", "/v1/batch", doc)[0] == 401
    wrong = {"Authorization": "Basic " + base64.b64encode(b"nope:").decode()}
    assert call(collector, "POST", "/v1/batch", doc, wrong)[0] == 401
    right = {"Authorization": "Basic " + base64.b64encode(b"wk_live_123:").decode()}
    assert call(collector, "POST", "/v1/batch", doc, right)[0] == 200
    in_body = {"batch": [segment_call(2)], "writeKey": "wk_live_123"}
    assert call(collector, "POST", "/v1/batch", in_body)[0] == 200
    collector.stop()
    lines = published(landing, "tracking_events")
    assert [c["messageId"] for c in lines] == ["ajs-1", "ajs-2"]
    assert "wk_live_123" not in "".join(p.read_text() for p in data_files(landing))


# --- durability, rotation, recovery ------------------------------------------------------------


def test_rotated_files_load_with_the_real_loader(start, landing, tmp_path):
    collector = start(rotate_bytes=3000)
    esp_ids, tracking_ids = set(), set()
    for i in range(10):
        events = [sg_event(f"{i}-{j}", response="250 OK") for j in range(3)]
        assert call(collector, "POST", "/webhooks/sendgrid", events)[0] == 200
        esp_ids |= {e["sg_event_id"] for e in events}
        batch = [segment_call(f"{i}-{j}", ("track", "page", "identify")[j]) for j in range(3)]
        assert call(collector, "POST", "/v1/batch", {"batch": batch})[0] == 200
        tracking_ids |= {c["messageId"] for c in batch}
        assert call(collector, "GET", f"/o/{open_token(i)}.gif")[0] == 200
        assert call(collector, "GET", f"/c/{click_token(i)}")[0] == 302
    collector.stop()
    assert len(list((landing / "esp_email_events").glob("*.jsonl"))) > 1  # rotated by size
    assert not list((landing / "_incoming").rglob("*.jsonl"))

    env = dict(
        os.environ, DBT_TARGET="dev", MAILPIPE_DUCKDB_PATH=str(tmp_path / "collector.duckdb")
    )
    target = target_for(env)
    summary = load(landing, target, "raw")
    assert not summary.failed
    assert summary.total("quarantined") == 0
    assert summary.total("loaded") == 30 + 20 + 30
    rows = query(env, "select sg_event_id, sg_message_id, event from raw.esp_email_events")
    assert {r[0] for r in rows if r[2] == "delivered"} == esp_ids
    assert sorted(r[1] for r in rows if r[2] in ("open", "click")) == sorted(
        [f"px-{i}" for i in range(10)] + [f"cl-{i}" for i in range(10)]
    )
    assert len({r[0] for r in rows}) == len(rows) == 50
    tracking = query(env, "select message_id, received_at from raw.tracking_events")
    assert {r[0] for r in tracking} == tracking_ids and len(tracking) == 30
    assert all(r[1] is not None for r in tracking)
    extra = query(
        env,
        "select distinct k from (select unnest(json_keys(_extra)) as k from raw.esp_email_events "
        "union all select unnest(json_keys(_extra)) from raw.tracking_events)",
    )
    assert {k for (k,) in extra} == {col.RECEIVED_AT, "response"}
    known = (Path(__file__).parents[2] / "seeds" / "known_extra_keys.csv").read_text()
    for table in ("esp_email_events", "tracking_events"):
        assert f"{table},{col.RECEIVED_AT}," in known
    again = load(landing, target, "raw")
    assert {f.status for f in again.files} == {"skipped"}


def test_files_are_published_after_rotate_seconds(start, landing):
    collector = start(rotate_seconds=0.3)
    assert call(collector, "POST", "/webhooks/sendgrid", [sg_event(1)])[0] == 200
    deadline = time.monotonic() + 10
    while not list((landing / "esp_email_events").glob("*.jsonl")):
        assert time.monotonic() < deadline, "not rotated"
        time.sleep(0.05)
    assert not (landing / "_incoming" / "esp_email_events" / "current.jsonl").exists()
    stats = collector.health()["streams"]["esp_email_events"]
    assert (stats["events_in_current_file"], stats["files_rotated"]) == (0, 1)
    assert call(collector, "POST", "/webhooks/sendgrid", [sg_event(2)])[0] == 200
    collector.stop()
    names = sorted(p.name for p in (landing / "esp_email_events").glob("*.jsonl"))
    assert [n[-12:] for n in names] == ["000001.jsonl", "000002.jsonl"]
    assert [e["sg_event_id"] for e in published(landing, "esp_email_events")] == ["ev-1", "ev-2"]


def test_leftover_files_are_published_on_start(start, landing):
    incoming = landing / "_incoming" / "esp_email_events"
    incoming.mkdir(parents=True)
    good = [json.dumps(sg_event(i)) for i in (1, 2)]
    (incoming / "current.jsonl").write_text("\n".join(good) + '\n{"email": "user3@exa')
    (landing / "_incoming" / "tracking_events").mkdir()
    (landing / "_incoming" / "tracking_events" / "current.jsonl").write_text('{"type": "tr')
    (landing / "esp_email_events").mkdir()
    (landing / "esp_email_events" / "esp_email_events__20260101T000000Z-000041.jsonl").write_text(
        json.dumps(sg_event(0)) + "\n"
    )
    collector = start()
    assert not list(landing.glob("_incoming/*/*.jsonl"))
    names = sorted(p.name for p in (landing / "esp_email_events").glob("*.jsonl"))
    assert names[-1].endswith("-000042.jsonl")  # numbering continues
    assert [e["sg_event_id"] for e in published(landing, "esp_email_events")] == [
        "ev-0", "ev-1", "ev-2"
    ]  # fmt: skip
    assert not list((landing / "tracking_events").glob("*.jsonl"))
    with pytest.raises(UserError, match="another collector"):
        col.Collector(col.CollectorConfig(landing, port=0)).start()
    collector.stop()


def test_nothing_is_acknowledged_when_fsync_fails(start, landing, monkeypatch):
    collector = start()
    assert call(collector, "POST", "/webhooks/sendgrid", [sg_event(1)])[0] == 200

    def broken(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(col, "_fsync", broken)
    status, _, body = call(collector, "POST", "/webhooks/sendgrid", [sg_event(2)])
    assert status == 503 and "fsync failed" in json.loads(body)["error"]
    assert call(collector, "GET", f"/o/{open_token(1)}.gif")[0] == 503
    status, _, body = call(collector, "GET", "/health")
    health = json.loads(body)
    assert (status, health["status"]) == (503, "failing")
    assert health["streams"]["esp_email_events"]["events_acknowledged"] == 1
    monkeypatch.undo()
    collector.stop()  # the failed file stays in _incoming for the next start
    assert (landing / "_incoming" / "esp_email_events" / "current.jsonl").exists()


# --- load --------------------------------------------------------------------------------------

CLIENTS = 32
REQUESTS_PER_CLIENT = 200


def _client(collector, n: int, acked: dict, refused: set, errors: list) -> None:
    conn = http.client.HTTPConnection(*collector.address, timeout=60)
    try:
        for i in range(REQUESTS_PER_CLIENT):
            key = f"{n}-{i}"
            kind = i % 4
            if i % 25 == 24:  # a bad request now and then: refused, never written
                refused.add(f"ev-{key}")
                body = [sg_event(key), sg_event(f"{key}b", sg_event_id="")]
                status = call(collector, "POST", "/webhooks/sendgrid", body, conn=conn)[0]
                if status != 400:
                    errors.append((key, status))
                continue
            if kind == 0:
                body = [sg_event(key), sg_event(f"{key}b")]
                status = call(collector, "POST", "/webhooks/sendgrid", body, conn=conn)[0]
                ids = [("esp", f"ev-{key}"), ("esp", f"ev-{key}b")]
            elif kind == 1:
                body = {"batch": [segment_call(key), segment_call(f"{key}b", "page")]}
                status = call(collector, "POST", "/v1/batch", body, conn=conn)[0]
                ids = [("tracking", f"ajs-{key}"), ("tracking", f"ajs-{key}b")]
            elif kind == 2:
                status = call(collector, "GET", f"/o/{open_token(key)}.gif", conn=conn)[0]
                ids = [("message", f"px-{key}")]
            else:
                status = call(collector, "GET", f"/c/{click_token(key)}", conn=conn)[0]
                ids = [("message", f"cl-{key}")]
            if status in (200, 302):
                for item in ids:
                    acked[item] = acked.get(item, 0) + 1
            else:
                errors.append((key, status))
    except Exception as exc:  # reported by the test
        errors.append((n, repr(exc)))
    finally:
        conn.close()


def test_every_acknowledged_event_lands_exactly_once_under_load(start, landing):
    collector = start(rotate_seconds=0.5, rotate_bytes=256_000)
    per_client = [{} for _ in range(CLIENTS)]
    refused: set[str] = set()
    errors: list = []
    threads = [
        threading.Thread(target=_client, args=(collector, n, per_client[n], refused, errors))
        for n in range(CLIENTS)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    health = collector.health()
    collector.stop()
    assert errors == []
    acked = Counter()
    for counts in per_client:
        acked.update(counts)

    landed = Counter()
    files = sorted(landing.glob("*/*.jsonl"))
    for path in files:
        text = path.read_text()
        assert text.endswith("\n")
        for line in text.splitlines():
            record = json.loads(line)
            if path.parent.name == "tracking_events":
                landed[("tracking", record["messageId"])] += 1
            elif record["event"] == "delivered":
                landed[("esp", record["sg_event_id"])] += 1
            else:
                landed[("message", record["sg_message_id"])] += 1
    assert not list((landing / "_incoming").rglob("*.jsonl"))
    assert set(landed) == set(acked)
    assert set(landed.values()) == {1}
    assert not refused & {key for _, key in landed}
    events = sum(landed.values())
    esp = health["streams"]["esp_email_events"]
    print(
        f"\n{CLIENTS} clients x {REQUESTS_PER_CLIENT} requests: {events} events in {seconds:.1f} s"
        f" ({events / seconds:,.0f} events/s), {len(files)} files, "
        f"{esp['fsyncs']} fsyncs for {esp['events_acknowledged']} email events"
    )


def test_stopping_under_load_loses_no_acknowledged_event(start, landing):
    collector = start(rotate_seconds=0.2)
    acked: list[str] = []
    uncertain: list[str] = []  # the request may have been taken before the connection broke
    stop = threading.Event()

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(*collector.address, timeout=30)
        i = 0
        while not stop.is_set():
            ids = [f"ev-s{n}-{i}", f"ev-s{n}-{i}b"]
            body = [sg_event(f"s{n}-{i}"), sg_event(f"s{n}-{i}b")]
            try:
                status = call(collector, "POST", "/webhooks/sendgrid", body, conn=conn)[0]
            except (OSError, http.client.HTTPException):
                uncertain.extend(ids)
                break
            if status != 200:
                uncertain.extend(ids)
                break
            acked.extend(ids)
            i += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    collector.stop()
    stop.set()
    for thread in threads:
        thread.join()
    landed = Counter(e["sg_event_id"] for e in published(landing, "esp_email_events"))
    assert acked and set(acked) <= set(landed)
    assert set(landed) <= set(acked) | set(uncertain)
    assert set(landed.values()) == {1}
    assert not list((landing / "_incoming").rglob("*.jsonl"))
