"""Per-chunk state shared by the emitters: the random stream, table buffers and truth rows."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from scripts.generate.clock import WEEK
from scripts.generate.world import World

# Event tables are split by ISO week of arrival; reference tables are one file.
EVENT_TABLES = (
    "crm_customer_changes",
    "shop_orders",
    "shop_checkouts",
    "shop_loyalty_ledger",
    "esp_email_events",
    "tracking_events",
    "consent_events",
)
REFERENCE_TABLES = ("shop_products", "esp_campaigns", "enrichment_profiles", "privacy_requests")
TABLES = EVENT_TABLES + REFERENCE_TABLES
CSV_TABLES = frozenset(
    {"shop_products", "shop_loyalty_ledger", "esp_campaigns", "enrichment_profiles"}
)
RECORD_TABLES = ("crm_customer_changes", "shop_orders", "shop_checkouts")
ALL_PART = -1  # bucket key of reference tables
CorruptFn = Callable[[str, str, random.Random], tuple[str, str]]
# (week index or ALL_PART, UTF-8 lines or their (offset, length) in a spill file, line count)
Segment = tuple[int, bytes | tuple[int, int], int]


def extension(table: str) -> str:
    return "csv" if table in CSV_TABLES else "jsonl"


@dataclass
class Candidate:
    """A line that may be replaced by its corrupted copy (the parent decides how many)."""

    segment: int  # index into TableResult.segments
    start: int  # byte offset of the line in the segment
    end: int  # byte offset just after the line (before its newline)
    data: bytes  # the corrupted line, without newline
    reason: str
    rid: str | None  # record id of the line (orders, checkouts, CRM)
    rid_lines: int  # how many lines of this unit carry that record id


@dataclass
class TableResult:
    """One table's output from one unit of work: encoded text per arrival week.

    Bad records are prepared here but chosen by the parent, which keeps the running count
    that decides how many each unit gets; candidates come in a random, fixed order and the
    parent takes the first ones.
    """

    segments: list[Segment]
    lines: int
    candidates: list[Candidate]
    late: int
    duplicates: int


class TableBuf:
    """Collects lines per arrival week and counts late events and duplicates."""

    __slots__ = (
        "buckets",
        "cur_lines",
        "cur_prot",
        "cur_rids",
        "duplicates",
        "hi",
        "late",
        "lo",
        "monday0",
        "track_rids",
        "weekly",
    )

    def __init__(self, table: str, monday0: int) -> None:
        self.weekly = table in EVENT_TABLES
        self.track_rids = table in RECORD_TABLES
        self.monday0 = monday0
        self.buckets: dict[int, tuple[list[str], list[int], list[str | None]]] = {}
        self.late = 0
        self.duplicates = 0
        # The bucket of the last line: consecutive lines mostly arrive in the same week.
        self.lo: float = 1.0
        self.hi: float = 0.0
        self.cur_lines: list[str] = []
        self.cur_prot: list[int] = []
        self.cur_rids: list[str | None] = []

    def _switch(self, arrival: int) -> None:
        if self.weekly:
            week = (arrival - self.monday0) // WEEK
            self.lo = self.monday0 + week * WEEK
            self.hi = self.lo + WEEK
        else:
            week = ALL_PART
            self.lo, self.hi = float("-inf"), float("inf")
        bucket = self.buckets.get(week)
        if bucket is None:
            bucket = self.buckets[week] = ([], [], [])
        self.cur_lines, self.cur_prot, self.cur_rids = bucket

    def add(
        self, arrival: int, ts: int, line: str, rid: str | None = None, protect: bool = False
    ) -> None:
        """Add a line arriving at epoch second `arrival` whose own time is `ts`.

        A line is late when its arrival week is after the week of `ts`, that is when `ts`
        falls before the Monday that starts the arrival week.
        """
        if not self.lo <= arrival < self.hi:
            self._switch(arrival)
        if ts < self.lo:
            self.late += 1
            protect = True
        lines = self.cur_lines
        if protect:
            self.cur_prot.append(len(lines))
        lines.append(line)
        if self.track_rids:
            self.cur_rids.append(rid)

    def add_twice(
        self, arrival: int, again: int, ts: int, line: str, rid: str | None = None
    ) -> None:
        """A line delivered twice, verbatim: the copy arrives at `again`."""
        self.add(arrival, ts, line, rid, protect=True)
        self.add(again, ts, line, rid, protect=True)
        self.duplicates += 1

    def result(
        self, table: str, rng: random.Random, corrupt: CorruptFn, rate: float
    ) -> TableResult:
        """Encode the buckets and prepare bad-record candidates.

        The parent takes at most ceil(rate * lines) + 3 of them for this unit (the running
        quota), so that many are prepared, drawn among lines that are neither duplicates
        nor late events (those stay valid so that their counts in the truth hold).
        """
        weeks = sorted(self.buckets)
        buckets = [self.buckets[w] for w in weeks]
        texts = ["\n".join(b[0]) + "\n" for b in buckets]
        encoded = [text.encode() for text in texts]
        plain = [len(e) == len(t) for e, t in zip(encoded, texts, strict=True)]  # ASCII only
        segments: list[Segment] = [
            (w, e, len(b[0])) for w, e, b in zip(weeks, encoded, buckets, strict=True)
        ]
        sizes = [len(b[0]) for b in buckets]
        total = sum(sizes)
        protected = sum(len(b[1]) for b in buckets)
        want = 0
        if rate > 0 and total > protected:
            want = min(total - protected, math.ceil(rate * total) + 3)
        candidates: list[Candidate] = []
        if want:
            starts = list(accumulate(sizes, initial=0))
            shields = [set(b[1]) for b in buckets]
            rid_counts: Counter[str | None] = Counter()
            if self.track_rids:
                for b in buckets:
                    rid_counts.update(b[2])
            taken: set[int] = set()
            while len(candidates) < want:
                g = rng.randrange(total)
                if g in taken:
                    continue
                taken.add(g)
                seg = bisect_right(starts, g) - 1
                i = g - starts[seg]
                if i in shields[seg]:
                    continue
                lines, _, rids = buckets[seg]
                line = lines[i]
                bad, reason = corrupt(table, line, rng)
                # Byte offset of the line in the encoded segment.
                char_start = sum(map(len, lines[:i])) + i
                start = char_start if plain[seg] else len(texts[seg][:char_start].encode())
                rid = rids[i] if self.track_rids else None
                candidates.append(
                    Candidate(
                        seg,
                        start,
                        start + len(line.encode()),
                        bad.encode(),
                        reason,
                        rid,
                        rid_counts[rid] if rid is not None else 0,
                    )
                )
        return TableResult(segments, total, candidates, self.late, self.duplicates)


def fast_randrange(rnd: Callable[[], float]) -> Callable[..., int]:
    """randrange(stop) / randrange(start, stop) from random(): several times faster than
    Random.randrange, and exact enough for the spans used here (well below 2**40)."""

    def randrange(start: int, stop: int | None = None) -> int:
        if stop is None:
            return int(rnd() * start)
        return start + int(rnd() * (stop - start))

    return randrange


class Ctx:
    """Everything an emitter needs while generating one chunk."""

    def __init__(self, world: World, unit: int, seed_key: str) -> None:
        self.world = world
        self.clock = world.clock
        self.unit = unit
        self.rng = random.Random(seed_key)
        self.randrange = fast_randrange(self.rng.random)
        self.bufs = {t: TableBuf(t, world.clock.monday0) for t in TABLES}
        self.identifiers: dict[tuple[str, str], str] = {}
        # anonymousIds and shop customer ids that some emitted record ties to another
        # identifier of the person (the others always come with one)
        self.linked: set[tuple[str, str]] = set()
        self.used_commit_ms: set[int] = set()
        self.records: dict[tuple[str, str], str] = {}

    def record(self, table: str, record_id: str, person_id: str) -> None:
        """Remember who is behind an order, checkout or CRM record (for _truth/records.csv)."""
        self.records[(table, record_id)] = person_id

    def ident(self, kind: str, value: str | None, person_id: str) -> None:
        """Record an identifier of a person for the truth file (shared ones are global)."""
        if value:
            if kind == "email":
                value = value.strip().lower()
                if value in self.world.role_set:
                    return
            self.identifiers.setdefault((kind, value), person_id)

    def uuid(self) -> str:
        h = self.rng.getrandbits(128).to_bytes(16, "big").hex()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def hex(self, bits: int = 128) -> str:
        return self.rng.getrandbits(bits).to_bytes(bits // 8, "big").hex()

    def poisson(self, lam: float) -> int:
        """A Poisson draw (Knuth for small means, rounded normal for large ones)."""
        if lam <= 0:
            return 0
        rnd = self.rng.random
        if lam < 30:
            limit = math.exp(-lam)
            k, prod = 0, rnd()
            while prod > limit:
                k += 1
                prod *= rnd()
            return k
        return max(0, round(self.rng.gauss(lam, lam**0.5)))

    def commit_ms(self, ms: int) -> int:
        """A commit time unused in this chunk, so LSNs derived from it are unique."""
        used = self.used_commit_ms
        while ms in used:
            ms += 1
        used.add(ms)
        return ms
