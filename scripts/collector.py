"""`mailpipe collect`: an HTTP event collector that writes events durably into the landing
folder, where `mailpipe load` picks them up.

Endpoints (docs/collector.md):

- `POST /webhooks/sendgrid`: SendGrid's Event Webhook (a JSON array of events), with its
  ECDSA signature checked when `MAILPIPE_SENDGRID_PUBLIC_KEY` is set.
- `GET /o/<token>.gif`: the open pixel; `GET /c/<token>`: the click redirect. The token is
  signed with HMAC-SHA256 under `MAILPIPE_COLLECTOR_SECRET` (see `make_token`).
- `POST /v1/batch`: Segment's batch call (track, page, identify).
- `GET /health`: counts.

Durability: each raw table has one append-only file `<landing>/_incoming/<table>/current.jsonl`
(the loader ignores folders whose name starts with `_`). A request's lines are written, then
fsynced, before its 2xx is sent; requests that arrive while an fsync runs share the next one
(group commit). Every `--rotate-seconds` or `--rotate-bytes`, and on shutdown, the file is
fsynced, closed and renamed atomically to `<landing>/<table>/<table>__<UTC time>-<seq>.jsonl`,
so the loader only ever sees complete files. A file left in `_incoming` by a crash is
rotated on the next start (an unfinished last line, never acknowledged, is cut off).

Only the standard library: the ECDSA P-256 verification SendGrid's signature needs is the
textbook algorithm below (verification only: public inputs, so no constant-time concerns).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import signal
import socket
import socketserver
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from scripts.errors import UserError
from scripts.warehouse import PROJECT_DIR

log = logging.getLogger(__name__)

DEFAULT_LANDING = PROJECT_DIR / "data" / "landing"
ESP_TABLE = "esp_email_events"
TRACKING_TABLE = "tracking_events"
RECEIVED_AT = "mailpipe_received_at"  # receipt time on every line (end-to-end latency)
INCOMING = "_incoming"
CURRENT = "current.jsonl"

PUBLIC_KEY_ENV = "MAILPIPE_SENDGRID_PUBLIC_KEY"
SECRET_ENVS = ("MAILPIPE_COLLECTOR_SECRET", "DBT_ENV_SECRET_COLLECTOR_SECRET")
WRITE_KEY_ENVS = ("MAILPIPE_SEGMENT_WRITE_KEY", "DBT_ENV_SECRET_SEGMENT_WRITE_KEY")
SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
SIGNATURE_MAX_AGE = 600  # seconds; older signed timestamps are refused as replays
MIN_SECRET_LENGTH = 16
EPOCH_MAX = 4_102_444_800  # the loader's range for epoch seconds (2100-01-01)
SEGMENT_TYPES = ("track", "page", "identify")

# A 1x1 transparent GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_CACHE = {
    "Cache-Control": "no-cache, no-store, must-revalidate, private, max-age=0",
    "Pragma": "no-cache",
    "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
}

# Kept as a module attribute so a test can make it fail.
_fsync = os.fsync


# --- ECDSA P-256 / SHA-256 verification (SendGrid's signed Event Webhook) -------------------

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
_INFINITY = (1, 1, 0)  # Jacobian coordinates: Z = 0
_EC_PUBLIC_KEY_OID = bytes.fromhex("2a8648ce3d0201")  # 1.2.840.10045.2.1
_P256_OID = bytes.fromhex("2a8648ce3d030107")  # 1.2.840.10045.3.1.7

Point = tuple[int, int]


def on_curve(point: Point) -> bool:
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _double(p1: tuple[int, int, int]) -> tuple[int, int, int]:
    x1, y1, z1 = p1
    if y1 == 0 or z1 == 0:
        return _INFINITY
    delta = z1 * z1 % P
    gamma = y1 * y1 % P
    beta = x1 * gamma % P
    alpha = 3 * (x1 - delta) * (x1 + delta) % P  # a = -3
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y1 + z1) ** 2 - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return x3, y3, z3


def _add(p1: tuple[int, int, int], p2: tuple[int, int, int]) -> tuple[int, int, int]:
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    if z1 == 0:
        return p2
    if z2 == 0:
        return p1
    z1z1 = z1 * z1 % P
    z2z2 = z2 * z2 % P
    u1 = x1 * z2z2 % P
    u2 = x2 * z1z1 % P
    s1 = y1 * z2 * z2z2 % P
    s2 = y2 * z1 * z1z1 % P
    if u1 == u2:
        return _double(p1) if s1 == s2 else _INFINITY
    h = (u2 - u1) % P
    i = 4 * h * h % P
    j = h * i % P
    r = 2 * (s2 - s1) % P
    v = u1 * i % P
    x3 = (r * r - j - 2 * v) % P
    y3 = (r * (v - x3) - 2 * s1 * j) % P
    z3 = ((z1 + z2) ** 2 - z1z1 - z2z2) * h % P
    return x3, y3, z3


def mul2(u1: int, p1: Point, u2: int, p2: Point) -> Point | None:
    """u1*p1 + u2*p2 (Shamir's trick); None for the point at infinity."""
    j1, j2 = (*p1, 1), (*p2, 1)
    both = _add(j1, j2)
    acc = _INFINITY
    for bit in range(max(u1.bit_length(), u2.bit_length()) - 1, -1, -1):
        acc = _double(acc)
        b1, b2 = (u1 >> bit) & 1, (u2 >> bit) & 1
        if b1 or b2:
            acc = _add(acc, both if b1 and b2 else j1 if b1 else j2)
    x, y, z = acc
    if z == 0:
        return None
    zinv = pow(z, -1, P)
    zinv2 = zinv * zinv % P
    return x * zinv2 % P, y * zinv2 * zinv % P


def _der(data: bytes, pos: int, tag: int) -> tuple[bytes, int]:
    """The content of the DER element with `tag` at `pos`, and the position after it."""
    if pos + 2 > len(data) or data[pos] != tag:
        raise ValueError("unexpected DER element")
    length, pos = data[pos + 1], pos + 2
    if length & 0x80:
        count = length & 0x7F
        if not 1 <= count <= 2 or pos + count > len(data):
            raise ValueError("bad DER length")
        length, pos = int.from_bytes(data[pos : pos + count], "big"), pos + count
    if pos + length > len(data):
        raise ValueError("truncated DER element")
    return data[pos : pos + length], pos + length


def parse_public_key(text: str) -> Point:
    """An uncompressed or compressed P-256 key from base64 DER SubjectPublicKeyInfo (as
    SendGrid shows it) or PEM. Raises ValueError."""
    body = "".join(line for line in text.strip().splitlines() if not line.startswith("-----"))
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc
    spki, end = _der(der, 0, 0x30)
    algorithm, pos = _der(spki, 0, 0x30)
    bits, after = _der(spki, pos, 0x03)
    oid1, p = _der(algorithm, 0, 0x06)
    oid2, p = _der(algorithm, p, 0x06)
    if end != len(der) or after != len(spki) or p != len(algorithm):
        raise ValueError("unexpected DER structure")
    if oid1 != _EC_PUBLIC_KEY_OID or oid2 != _P256_OID:
        raise ValueError("not an ECDSA P-256 public key")
    if not bits or bits[0] != 0:
        raise ValueError("bad bit string")
    raw = bits[1:]
    if len(raw) == 65 and raw[0] == 4:
        point = (int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big"))
    elif len(raw) == 33 and raw[0] in (2, 3):
        x = int.from_bytes(raw[1:], "big")
        y = pow((x * x * x + A * x + B) % P, (P + 1) // 4, P)
        if y % 2 != raw[0] % 2:
            y = P - y
        point = (x, y)
    else:
        raise ValueError("bad point encoding")
    if not on_curve(point):
        raise ValueError("point not on the curve")
    return point


def ecdsa_verify(public_key: Point, message: bytes, signature: bytes) -> bool:
    """ECDSA over SHA-256 of `message` with a DER-encoded (r, s) signature."""
    try:
        seq, end = _der(signature, 0, 0x30)
        r_bytes, pos = _der(seq, 0, 0x02)
        s_bytes, pos = _der(seq, pos, 0x02)
    except ValueError:
        return False
    if end != len(signature) or pos != len(seq) or not r_bytes or not s_bytes:
        return False
    if r_bytes[0] & 0x80 or s_bytes[0] & 0x80:  # negative integers
        return False
    r, s = int.from_bytes(r_bytes, "big"), int.from_bytes(s_bytes, "big")
    if not (0 < r < N and 0 < s < N):
        return False
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")
    w = pow(s, -1, N)
    point = mul2(e * w % N, G, r * w % N, public_key)
    return point is not None and point[0] % N == r


# --- Signed tokens for the open pixel and the click redirect --------------------------------

_TOKEN_CONTEXT = b"mailpipe-track-v1:"
_TOKEN_KINDS = {"open": "o", "click": "c"}
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class TokenError(ValueError):
    """A token that is malformed, tampered with or of the wrong kind."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise TokenError("not url-safe base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _token_mac(secret: bytes, body: str) -> bytes:
    return hmac.new(secret, _TOKEN_CONTEXT + body.encode("ascii"), hashlib.sha256).digest()


def is_safe_url(url: object) -> bool:
    """An absolute http(s) URL of printable ASCII (nothing that could split a header)."""
    if not isinstance(url, str) or not 0 < len(url) <= 4096:
        return False
    if any(not 0x20 < ord(ch) < 0x7F for ch in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def make_token(
    secret: str | bytes,
    kind: str,
    message_id: str,
    email: str,
    campaign_id: str | None = None,
    url: str | None = None,
    variant: str | None = None,
) -> str:
    """A signed token for `/o/<token>.gif` (kind "open") or `/c/<token>` (kind "click",
    with the target `url`). `message_id` should be SendGrid's `sg_message_id`, the key the
    models join email events on."""
    if kind not in _TOKEN_KINDS:
        raise ValueError(f"kind must be one of {', '.join(_TOKEN_KINDS)}")
    if (kind == "click") != (url is not None) or (url is not None and not is_safe_url(url)):
        raise ValueError("a click token needs an http(s) url; an open token none")
    claims = {"k": _TOKEN_KINDS[kind], "m": message_id, "e": email, "c": campaign_id}
    claims.update({"v": variant, "u": url})
    payload = {k: v for k, v in claims.items() if v is not None}
    body = _b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    key = secret.encode() if isinstance(secret, str) else secret
    return f"{body}.{_b64url(_token_mac(key, body))}"


def read_token(secret: bytes, token: str, kind: str) -> dict[str, str]:
    """The claims of a token of `kind`, or TokenError."""
    body, _, mac = token.partition(".")
    if not body or not mac or "." in mac:
        raise TokenError("malformed")
    if not hmac.compare_digest(_b64url_decode(mac), _token_mac(secret, body)):
        raise TokenError("signature does not match")
    try:
        claims = json.loads(_b64url_decode(body))
    except ValueError as exc:
        raise TokenError("unreadable payload") from exc
    if not isinstance(claims, dict) or claims.get("k") != _TOKEN_KINDS[kind]:
        raise TokenError(f"not an {kind} token")
    for key in ("m", "e"):
        if not isinstance(claims.get(key), str) or not claims[key]:
            raise TokenError("payload lacks message id or email")
    for key in ("c", "v"):
        if key in claims and not isinstance(claims[key], str):
            raise TokenError("bad campaign id or variant")
    if kind == "click" and not is_safe_url(claims.get("u")):
        raise TokenError("target is not an http(s) url")
    return claims


# --- Streams: append-only files with group commit and atomic rotation -----------------------


class StreamError(Exception):
    """Events could not be made durable; nothing of the request is acknowledged."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Stream:
    """One raw table's current file in `_incoming/<table>/`.

    `append` returns once the bytes are on disk: it writes under the lock, then waits
    until an fsync that started after its write has finished. One waiter at a time runs
    the fsync, outside the lock, and every write made before it started is covered by
    it, so concurrent requests share fsyncs (group commit).
    """

    def __init__(self, table: str, landing: Path, rotate_seconds: float, rotate_bytes: int) -> None:
        self.table = table
        self.incoming_dir = landing / INCOMING / table
        self.landing_dir = landing / table
        self.current = self.incoming_dir / CURRENT
        self.rotate_seconds = rotate_seconds
        self.rotate_bytes = rotate_bytes
        self.cond = threading.Condition(threading.Lock())
        self.fd: int | None = None
        self.opened_at = 0.0
        self.size = 0
        self.events = 0  # in the current file
        self.written = 0  # sequence number of the last write
        self.synced = 0  # every write up to this number is on disk
        self.syncing = False
        self.rotation_waiting = False
        self.error: str | None = None
        self.seq = 0
        self.acknowledged = 0
        self.fsyncs = 0
        self.files_rotated = 0
        self.events_rotated = 0

    # -- setup and recovery

    def prepare(self) -> None:
        for folder in (self.incoming_dir, self.landing_dir):
            folder.mkdir(parents=True, exist_ok=True)
            _fsync_dir(folder.parent)
        pattern = re.compile(rf"{re.escape(self.table)}__\d{{8}}T\d{{6}}Z-(\d+)\.jsonl")
        for path in self.landing_dir.iterdir():
            match = pattern.fullmatch(path.name)
            if match:
                self.seq = max(self.seq, int(match.group(1)))
        for path in sorted(self.incoming_dir.iterdir()):
            if path.is_file():
                self._recover(path)

    def _recover(self, path: Path) -> None:
        """Publish a file left behind by a crash, without its unfinished last line."""
        with path.open("r+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            keep = 0
            pos = size
            while pos > 0:
                start = max(0, pos - (1 << 16))
                handle.seek(start)
                block = handle.read(pos - start)
                newline = block.rfind(b"\n")
                if newline >= 0:
                    keep = start + newline + 1
                    break
                pos = start
            if keep < size:
                handle.truncate(keep)
                log.warning(
                    "%s: cut %d bytes of an unfinished line (never acknowledged) from %s",
                    self.table,
                    size - keep,
                    path.name,
                )
            handle.flush()
            _fsync(handle.fileno())
        if keep == 0:
            path.unlink()
            _fsync_dir(self.incoming_dir)
            return
        with path.open("rb") as handle:
            events = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
        dest = self._publish(path)
        log.info("recovered %s: %d events (left by an earlier run)", dest.name, events)

    def _publish(self, path: Path) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        while True:
            self.seq += 1
            dest = self.landing_dir / f"{self.table}__{stamp}-{self.seq:06d}.jsonl"
            if not dest.exists():  # one collector per landing folder (lock file)
                break
        os.rename(path, dest)
        _fsync_dir(self.landing_dir)
        _fsync_dir(self.incoming_dir)
        return dest

    # -- appending

    def _open(self) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC
        fd = os.open(self.current, flags, 0o644)
        try:
            _fsync_dir(self.incoming_dir)  # the file's name must survive a crash too
        except OSError:
            os.close(fd)
            with contextlib.suppress(OSError):
                self.current.unlink()
            raise
        self.fd = fd
        self.opened_at = time.monotonic()
        self.size = 0
        self.events = 0

    def append(self, data: bytes, events: int) -> None:
        """Write `data` (whole lines) and return once it is on disk; StreamError if not."""
        with self.cond:
            if self.error:
                raise StreamError(self.error)
            try:
                if self.fd is None:
                    self._open()
                _write_all(self.fd, data)
            except OSError as exc:
                self._undo_write(exc)
                raise StreamError(f"write failed: {exc.strerror}") from exc
            self.size += len(data)
            self.events += events
            self.written += 1
            mine = self.written
            while self.synced < mine:
                if self.error:
                    raise StreamError(self.error)
                if self.syncing or self.rotation_waiting:
                    self.cond.wait()
                    continue
                self._sync_unlocked()
            self.acknowledged += events
            rotate = self.size >= self.rotate_bytes
        if rotate:
            self.rotate("size")

    def _undo_write(self, exc: OSError) -> None:
        """Cut a partly written request off the file, so no half line stays in it."""
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, self.size)
        except OSError:
            self.error = f"write failed and could not be undone: {exc.strerror}"
            log.error("%s: %s", self.table, self.error)
            self.cond.notify_all()

    def _sync_unlocked(self) -> None:
        """Run one fsync covering every write so far, with the lock released meanwhile."""
        self.syncing = True
        target, fd = self.written, self.fd
        self.cond.release()
        try:
            _fsync(fd)
            failure = None
        except OSError as exc:
            failure = exc
        finally:
            self.cond.acquire()
            self.syncing = False
            self.cond.notify_all()
        if failure is not None:
            # After a failed fsync the file's state is unknown: stop taking events.
            self.error = f"fsync failed: {failure.strerror}"
            log.error("%s: %s; the stream refuses events until restart", self.table, self.error)
            raise StreamError(self.error)
        self.fsyncs += 1
        self.synced = max(self.synced, target)

    # -- rotation

    def due(self) -> bool:
        return self.fd is not None and (
            self.size >= self.rotate_bytes
            or time.monotonic() - self.opened_at >= self.rotate_seconds
        )

    def rotate(self, reason: str) -> Path | None:
        """Publish the current file into the landing folder (when due, or `reason`
        "shutdown"); returns its path."""
        with self.cond:
            self.rotation_waiting = True
            try:
                while self.syncing:
                    self.cond.wait()
            finally:
                self.rotation_waiting = False
                self.cond.notify_all()
            if self.fd is None or self.error or (reason != "shutdown" and not self.due()):
                return None
            if self.size == 0:
                return None
            try:
                _fsync(self.fd)
            except OSError as exc:
                self.error = f"fsync failed: {exc.strerror}"
                log.error("%s: %s; the stream refuses events until restart", self.table, self.error)
                self.cond.notify_all()
                return None
            self.synced = self.written
            self.cond.notify_all()
            os.close(self.fd)
            self.fd = None
            events, size = self.events, self.size
            self.events = self.size = 0
            try:
                dest = self._publish(self.current)
            except OSError as exc:
                self.error = f"rotation failed: {exc.strerror}"
                log.error("%s: %s; the stream refuses events until restart", self.table, self.error)
                self.cond.notify_all()
                raise
            self.files_rotated += 1
            self.events_rotated += events
        log.info("rotated %s: %d events, %d bytes (%s)", dest.name, events, size, reason)
        return dest

    def close(self) -> None:
        self.rotate("shutdown")
        with self.cond:
            if self.fd is not None:  # an empty or failed file stays for the next start
                os.close(self.fd)
                self.fd = None

    def stats(self) -> dict[str, object]:
        with self.cond:
            return {
                "events_acknowledged": self.acknowledged,
                "events_in_current_file": self.events,
                "bytes_in_current_file": self.size,
                "files_rotated": self.files_rotated,
                "events_rotated": self.events_rotated,
                "fsyncs": self.fsyncs,
                "error": self.error,
            }


# --- Request validation ----------------------------------------------------------------------


class HttpError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        close: bool = False,
        gif: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.close = close
        self.gif = gif


_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)",
    re.ASCII,
)


def is_timestamp(value: object) -> bool:
    """An ISO 8601 date-time with seconds and an offset (what the loader casts)."""
    match = _TIMESTAMP.fullmatch(value) if isinstance(value, str) else None
    if not match:
        return False
    try:
        datetime(*(int(g) for g in match.groups()[:6]))
    except ValueError:
        return False
    return True


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(body: bytes) -> object:
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise HttpError(400, "body is not UTF-8") from exc
    except RecursionError as exc:
        raise HttpError(400, "body is not valid JSON: nested too deeply") from exc
    except ValueError as exc:
        raise HttpError(400, f"body is not valid JSON: {exc}") from exc


def json_line(record: dict, where: str) -> bytes:
    try:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError as exc:
        raise HttpError(400, f"{where}: contains an unpaired surrogate (\\ud8xx)") from exc


def _text_problem(record: dict, key: str) -> str | None:
    if record.get(key) is None:
        return f"missing {key}"
    if not isinstance(record[key], str) or not record[key]:
        return f"{key} must be a non-empty string"
    return None


def sendgrid_problem(event: object) -> str | None:
    """Why a webhook element cannot be taken, or None."""
    if not isinstance(event, dict):
        return "not a JSON object"
    for key in ("email", "event", "sg_event_id"):
        problem = _text_problem(event, key)
        if problem:
            return problem
    stamp = event.get("timestamp")
    if stamp is None:
        return "missing timestamp"
    if isinstance(stamp, bool) or not isinstance(stamp, int) or not 0 <= stamp <= EPOCH_MAX:
        return "timestamp must be an integer number of seconds since 1970"
    return None


def segment_problem(call: object) -> str | None:
    """Why a Segment call cannot be taken, or None."""
    if not isinstance(call, dict):
        return "not a JSON object"
    if call.get("type") not in SEGMENT_TYPES:
        return "type must be track, page or identify"
    problem = _text_problem(call, "messageId")
    if problem:
        return problem
    if call.get("timestamp") is None:
        return "missing timestamp"
    for key in ("timestamp", "sentAt"):
        if call.get(key) is not None and not is_timestamp(call[key]):
            return f"{key} must be an ISO 8601 timestamp with an offset"
    ids = [call.get(key) for key in ("anonymousId", "userId")]
    if any(v is not None and (not isinstance(v, str) or not v) for v in ids):
        return "anonymousId and userId must be non-empty strings"
    if all(v is None for v in ids):
        return "missing anonymousId or userId"
    if call["type"] == "track":
        problem = _text_problem(call, "event")
        if problem:
            return problem
    for key in ("properties", "traits", "context"):
        if call.get(key) is not None and not isinstance(call[key], dict):
            return f"{key} must be an object"
    return None


def iso_utc(epoch: float, timespec: str) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def new_event_id() -> str:
    """An `sg_event_id` in SendGrid's shape (24 base64 characters), 144 random bits."""
    return base64.b64encode(secrets.token_bytes(18)).decode("ascii")


# --- HTTP --------------------------------------------------------------------------------------


ROUTES = {"/health": "GET", "/webhooks/sendgrid": "POST", "/v1/batch": "POST"}


def route(path: str) -> tuple[str | None, str, str]:
    """(handler name, allowed method, argument) for a path; name None when unknown."""
    if path in ROUTES:
        return path, ROUTES[path], ""
    if path.startswith("/o/") and path.endswith(".gif") and len(path) > 7:
        return "/o/", "GET", path[3:-4]
    if path.startswith("/c/") and len(path) > 3:
        return "/c/", "GET", path[3:]
    return None, "", ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mailpipe-collector"
    sys_version = ""
    timeout = 30  # seconds a connection may stay idle or trickle a request

    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.collector.track_connection(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.collector.track_connection(self.connection, False)

    def log_message(self, format: str, *args: object) -> None:
        pass  # paths hold tokens (personal data): no access log

    def handle_expect_100(self) -> bool:
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.server.collector.config.max_body_bytes:
            self._error(HttpError(413, "body too large", close=True))
            return False
        return super().handle_expect_100()

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def _dispatch(self, method: str) -> None:
        collector = self.server.collector
        name, allowed, arg = route(urlsplit(self.path).path)
        try:
            if name is None:
                raise HttpError(404, "no such endpoint", close=method != "GET")
            if method != allowed:
                raise HttpError(
                    405, f"method not allowed; use {allowed}", {"Allow": allowed}, close=True
                )
            handler = {
                "/health": self._health,
                "/webhooks/sendgrid": self._sendgrid,
                "/v1/batch": self._batch,
                "/o/": self._open,
                "/c/": self._click,
            }[name]
            handler(arg)
        except HttpError as exc:
            if exc.status >= 500:
                log.error("%s %s: %s", method, name or "?", exc.message)
            self._error(exc)
        except ConnectionError:
            self.close_connection = True
        except Exception:
            log.exception("internal error on %s %s", method, name)
            collector.count(500)
            self._error(HttpError(500, "internal error", close=True))

    # -- responses

    def _respond(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        close: bool = False,
    ) -> None:
        self.server.collector.count(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: dict, **kwargs: object) -> None:
        body = (json.dumps(payload) + "\n").encode()
        self._respond(status, body, "application/json", **kwargs)  # type: ignore[arg-type]

    def _error(self, exc: HttpError) -> None:
        if exc.gif:
            headers = {**NO_CACHE, "X-Error": exc.message, **exc.headers}
            self._respond(exc.status, PIXEL, "image/gif", headers, exc.close)
        else:
            self._json(exc.status, {"error": exc.message}, headers=exc.headers, close=exc.close)

    # -- request bodies

    def _read_body(self, allow_gzip: bool) -> bytes:
        limit = self.server.collector.config.max_body_bytes
        if self.headers.get("Transfer-Encoding"):
            raise HttpError(411, "send the body with Content-Length, not chunked", close=True)
        length = self.headers.get("Content-Length")
        if length is None:
            raise HttpError(411, "Content-Length required", close=True)
        if not (length.isascii() and length.isdigit()):
            raise HttpError(400, "bad Content-Length", close=True)
        if int(length) > limit:
            raise HttpError(413, f"body too large (limit {limit} bytes)", close=True)
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise HttpError(415, "Content-Type must be application/json", close=True)
        body = self.rfile.read(int(length))
        if len(body) < int(length):
            raise ConnectionError("client sent less than Content-Length")
        encoding = (self.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding == "identity":
            return body
        if encoding != "gzip" or not allow_gzip:
            raise HttpError(415, f"Content-Encoding {encoding!r} not accepted here")
        inflate = zlib.decompressobj(wbits=31)
        try:
            data = inflate.decompress(body, limit + 1)
        except zlib.error as exc:
            raise HttpError(400, "body is not valid gzip") from exc
        if len(data) > limit or inflate.unconsumed_tail:
            raise HttpError(413, f"body too large once decompressed (limit {limit} bytes)")
        if not inflate.eof:
            raise HttpError(400, "body is not valid gzip (truncated)")
        return data

    def _client(self) -> tuple[str, str]:
        return self.headers.get("User-Agent") or "", self.client_address[0]

    # -- endpoints

    def _health(self, _: str) -> None:
        health = self.server.collector.health()
        self._json(200 if health["status"] == "ok" else 503, health)

    def _sendgrid(self, _: str) -> None:
        collector = self.server.collector
        received = time.time()
        body = self._read_body(allow_gzip=False)
        if collector.public_key is not None:
            self._check_signature(collector.public_key, body, received)
        events = parse_json(body)
        if not isinstance(events, list):
            raise HttpError(400, "body must be a JSON array of events")
        if not events:
            raise HttpError(400, "body is an empty array")
        stamp = iso_utc(received, "microseconds")
        lines = []
        for i, event in enumerate(events):
            problem = sendgrid_problem(event)
            if problem:
                raise HttpError(400, f"events[{i}]: {problem}")
            event[RECEIVED_AT] = stamp
            lines.append(json_line(event, f"events[{i}]"))
        collector.append(ESP_TABLE, b"".join(lines), len(lines))
        self._json(200, {"accepted": len(lines)})

    def _check_signature(self, key: Point, body: bytes, received: float) -> None:
        signature = self.headers.get(SIGNATURE_HEADER)
        stamp = self.headers.get(TIMESTAMP_HEADER)
        if not signature or not stamp:
            raise HttpError(401, f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}")
        stamp = stamp.strip()
        if not (stamp.isascii() and stamp.isdigit()):
            raise HttpError(401, f"{TIMESTAMP_HEADER} must be seconds since 1970")
        age = received - int(stamp)
        if age > SIGNATURE_MAX_AGE:
            raise HttpError(401, "signature timestamp older than 10 minutes (replay?)")
        if age < -SIGNATURE_MAX_AGE:
            raise HttpError(401, "signature timestamp more than 10 minutes in the future")
        try:
            raw = base64.b64decode(signature.strip(), validate=True)
        except binascii.Error as exc:
            raise HttpError(401, f"{SIGNATURE_HEADER} is not base64") from exc
        if not ecdsa_verify(key, stamp.encode("ascii") + body, raw):
            raise HttpError(401, "signature does not verify")

    def _tracked(self, kind: str, token: str, gif: bool) -> dict[str, str]:
        collector = self.server.collector
        if collector.secret is None:
            raise HttpError(503, f"{kind} tracking is off: {SECRET_ENVS[0]} is not set", gif=gif)
        try:
            return read_token(collector.secret, token, kind)
        except TokenError as exc:
            raise HttpError(400, f"bad token: {exc}", gif=gif) from exc

    def _platform_event(self, kind: str, claims: dict[str, str], received: float) -> bytes:
        useragent, ip = self._client()
        event: dict[str, object] = {
            "email": claims["e"],
            "timestamp": int(received),
            "event": kind,
            "sg_event_id": new_event_id(),
            "sg_message_id": claims["m"],
        }
        if "c" in claims:
            event["campaign_id"] = claims["c"]
        if "v" in claims:
            event["variant"] = claims["v"]
        if useragent:
            event["useragent"] = useragent
        event["ip"] = ip
        if kind == "click":
            event["url"] = claims["u"]
        event[RECEIVED_AT] = iso_utc(received, "microseconds")
        return json_line(event, kind)

    def _open(self, token: str) -> None:
        received = time.time()
        claims = self._tracked("open", token, gif=True)
        self.server.collector.append(ESP_TABLE, self._platform_event("open", claims, received), 1)
        self._respond(200, PIXEL, "image/gif", NO_CACHE)

    def _click(self, token: str) -> None:
        received = time.time()
        claims = self._tracked("click", token, gif=False)
        self.server.collector.append(ESP_TABLE, self._platform_event("click", claims, received), 1)
        headers = {
            "Location": claims["u"],
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        }
        self._respond(302, b"", "text/plain", headers)

    def _batch(self, _: str) -> None:
        collector = self.server.collector
        received = time.time()
        body = self._read_body(allow_gzip=True)
        doc = parse_json(body)
        if collector.write_key is not None:
            self._check_write_key(collector.write_key, doc)
        if not isinstance(doc, dict) or not isinstance(doc.get("batch"), list):
            raise HttpError(400, 'body must be an object {"batch": [...]}')
        calls = doc["batch"]
        if not calls:
            raise HttpError(400, "batch is empty")
        sent_at = doc.get("sentAt")
        if sent_at is not None and not is_timestamp(sent_at):
            raise HttpError(400, "sentAt must be an ISO 8601 timestamp with an offset")
        shared_context = doc.get("context")
        if shared_context is not None and not isinstance(shared_context, dict):
            raise HttpError(400, "context must be an object")
        received_at = iso_utc(received, "milliseconds")
        stamp = iso_utc(received, "microseconds")
        lines = []
        for i, call in enumerate(calls):
            problem = segment_problem(call)
            if problem:
                raise HttpError(400, f"batch[{i}]: {problem}")
            call.pop("writeKey", None)
            if shared_context:
                call["context"] = {**shared_context, **(call.get("context") or {})}
            if call.get("sentAt") is None:
                # Segment's clients set sentAt on the batch; without any, no clock skew.
                call["sentAt"] = sent_at or received_at
            call["receivedAt"] = received_at
            call[RECEIVED_AT] = stamp
            lines.append(json_line(call, f"batch[{i}]"))
        collector.append(TRACKING_TABLE, b"".join(lines), len(lines))
        self._json(200, {"success": True, "accepted": len(lines)})

    def _check_write_key(self, write_key: str, doc: object) -> None:
        """Segment's convention: HTTP Basic with the write key as user name, or `writeKey`
        in the body."""
        given = ""
        auth = self.headers.get("Authorization") or ""
        if auth[:6].lower() == "basic ":
            with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                given = base64.b64decode(auth[6:].strip(), validate=True).decode().split(":")[0]
        if not given and isinstance(doc, dict) and isinstance(doc.get("writeKey"), str):
            given = doc["writeKey"]
        if not hmac.compare_digest(given.encode(), write_key.encode()):
            raise HttpError(401, "missing or wrong write key", {"WWW-Authenticate": "Basic"})


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins request threads: no request is cut short
    block_on_close = True
    request_queue_size = 128
    collector: Collector

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # without HTTPServer's reverse DNS lookup
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: object, client_address: object) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


# --- The collector --------------------------------------------------------------------------


def _env(names: tuple[str, ...]) -> str | None:
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return None


@dataclass
class CollectorConfig:
    landing: Path
    host: str = "127.0.0.1"
    port: int = 8080
    rotate_seconds: float = 5.0
    rotate_bytes: int = 64 << 20
    max_body_bytes: int = 4 << 20
    sendgrid_public_key: str | None = None  # base64 DER (as SendGrid shows it) or PEM
    secret: str | None = None  # HMAC key of the pixel and click tokens
    segment_write_key: str | None = None  # when set, /v1/batch requires it

    @classmethod
    def from_env(cls, landing: Path, **kwargs: object) -> CollectorConfig:
        return cls(
            landing,
            sendgrid_public_key=os.environ.get(PUBLIC_KEY_ENV) or None,
            secret=_env(SECRET_ENVS),
            segment_write_key=_env(WRITE_KEY_ENVS),
            **kwargs,  # type: ignore[arg-type]
        )


class Collector:
    """The HTTP service and its streams. `start()` then `stop()`, or a `with` block."""

    def __init__(self, config: CollectorConfig) -> None:
        if config.rotate_seconds <= 0 or config.rotate_bytes <= 0 or config.max_body_bytes <= 0:
            raise UserError("--rotate-seconds, --rotate-bytes and --max-body-bytes must be > 0")
        self.config = config
        self.public_key: Point | None = None
        if config.sendgrid_public_key:
            try:
                self.public_key = parse_public_key(config.sendgrid_public_key)
            except ValueError as exc:
                raise UserError(f"{PUBLIC_KEY_ENV} is not a P-256 public key: {exc}") from exc
        self.secret: bytes | None = None
        if config.secret:
            if len(config.secret) < MIN_SECRET_LENGTH:
                raise UserError(f"{SECRET_ENVS[0]} must be at least {MIN_SECRET_LENGTH} characters")
            self.secret = config.secret.encode()
        self.write_key = config.segment_write_key or None
        landing = Path(config.landing)
        self.streams = {
            table: Stream(table, landing, config.rotate_seconds, config.rotate_bytes)
            for table in (ESP_TABLE, TRACKING_TABLE)
        }
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._lock_fd: int | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._closing = False
        self._statuses: Counter[int] = Counter()
        self._started = time.monotonic()

    @property
    def address(self) -> tuple[str, int]:
        assert self._server is not None, "not started"
        return self._server.server_address[:2]

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    def start(self) -> Collector:
        landing = Path(self.config.landing)
        incoming = landing / INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(incoming / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise UserError(f"another collector is writing to {landing}") from exc
        try:
            for stream in self.streams.values():
                stream.prepare()
            self._server = _Server((self.config.host, self.config.port), _Handler)
        except OSError as exc:
            self._release_lock()
            raise UserError(f"cannot start the collector: {exc}") from exc
        self._server.collector = self
        self._threads = [
            threading.Thread(target=self._server.serve_forever, args=(0.05,), name="collector"),
            threading.Thread(target=self._rotate_loop, name="collector-rotation"),
        ]
        for thread in self._threads:
            thread.start()
        if self.secret is None:
            log.warning(
                "%s is not set: the open pixel and click redirect answer 503", SECRET_ENVS[0]
            )
        return self

    def stop(self) -> None:
        """Stop taking requests, finish those in flight, rotate every current file."""
        if self._server is None:
            return
        self._server.shutdown()
        with self._connections_lock:
            self._closing = True
            for conn in self._connections:  # idle keep-alive connections: end them
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RD)
        self._server.server_close()  # joins request threads
        self._stopping.set()
        for thread in self._threads:
            thread.join()
        for stream in self.streams.values():
            try:
                stream.close()
            except OSError as exc:
                log.error("%s: could not rotate on shutdown: %s", stream.table, exc)
        self._server = None
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Collector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _rotate_loop(self) -> None:
        interval = max(0.05, min(1.0, self.config.rotate_seconds / 5))
        while not self._stopping.wait(interval):
            for stream in self.streams.values():
                try:
                    if stream.due():
                        stream.rotate("time")
                except OSError as exc:
                    log.error("%s: rotation failed: %s", stream.table, exc)

    def append(self, table: str, data: bytes, events: int) -> None:
        try:
            self.streams[table].append(data, events)
        except StreamError as exc:
            raise HttpError(503, f"not stored, retry later: {exc}") from exc

    def track_connection(self, conn: socket.socket, opened: bool) -> None:
        with self._connections_lock:
            if not opened:
                self._connections.discard(conn)
            elif self._closing:  # accepted just before shutdown: take no request from it
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RD)
            else:
                self._connections.add(conn)

    def count(self, status: int) -> None:
        with self._connections_lock:
            self._statuses[status] += 1

    def health(self) -> dict[str, object]:
        streams = {table: stream.stats() for table, stream in self.streams.items()}
        with self._connections_lock:
            statuses = {str(k): v for k, v in sorted(self._statuses.items())}
        failing = any(s["error"] for s in streams.values())
        return {
            "status": "failing" if failing else "ok",
            "uptime_seconds": round(time.monotonic() - self._started, 1),
            "responses": statuses,
            "streams": streams,
        }


# --- Command line ----------------------------------------------------------------------------


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "collect",
        help="receive email-platform webhooks, open and click hits and Segment batches "
        "into the landing folder",
        description="Run the event collector: an HTTP service for SendGrid's Event Webhook "
        "(POST /webhooks/sendgrid, signature checked when $MAILPIPE_SENDGRID_PUBLIC_KEY is "
        "set), an open pixel (GET /o/<token>.gif) and click redirect (GET /c/<token>) with "
        "tokens signed under $MAILPIPE_COLLECTOR_SECRET, and Segment's batch call "
        "(POST /v1/batch, write key checked when $MAILPIPE_SEGMENT_WRITE_KEY is set). Events "
        "are on disk before a request is acknowledged, and published to "
        "<landing>/<table>/ as complete files for `mailpipe load`. Stops cleanly on "
        "SIGTERM or Ctrl-C (the current files are published). See docs/collector.md.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port (default: %(default)s)")
    parser.add_argument(
        "--landing",
        type=Path,
        default=DEFAULT_LANDING,
        help="landing folder (default: %(default)s)",
    )
    parser.add_argument(
        "--rotate-seconds",
        type=float,
        default=5.0,
        help="publish the current file this many seconds after its first event "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--rotate-bytes",
        type=int,
        default=64 << 20,
        help="publish the current file once it holds this many bytes (default: %(default)s)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=4 << 20,
        help="largest request body accepted, else 413 (default: %(default)s)",
    )
    parser.set_defaults(func=_cli)


def _cli(args: argparse.Namespace) -> int:
    config = CollectorConfig.from_env(
        args.landing,
        host=args.host,
        port=args.port,
        rotate_seconds=args.rotate_seconds,
        rotate_bytes=args.rotate_bytes,
        max_body_bytes=args.max_body_bytes,
    )
    collector = Collector(config)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    collector.start()
    log.info(
        "collecting on %s into %s (signature check %s, write key %s)",
        collector.url,
        config.landing,
        "on" if collector.public_key else "off",
        "required" if collector.write_key else "not required",
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        collector.stop()
    streams = collector.health()["streams"]
    log.info(
        "stopped; %s",
        ", ".join(
            f"{t}: {s['events_acknowledged']} events, {s['files_rotated']} files"
            for t, s in streams.items()
        ),
    )
    return 0
