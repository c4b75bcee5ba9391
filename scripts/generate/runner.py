"""The parent side of generation: schedule units, inject bad records, write files and truth."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from scripts.errors import UserError
from scripts.generate.chunk import (
    CHUNK_SIZE,
    UnitResult,
    chunk_count,
    init_worker,
    run_chunk,
    run_global,
    worker_chunk,
)
from scripts.generate.context import (
    ALL_PART,
    EVENT_TABLES,
    RECORD_TABLES,
    TABLES,
    Candidate,
    Segment,
    extension,
)
from scripts.generate.corrupt import build_specs
from scripts.generate.output import CSV_COLUMNS, csv_line
from scripts.generate.world import Params, World
from scripts.tables import REASONS

GENERATOR_VERSION = "1.0.0"
TRUTH_DIR = "_truth"
MANIFEST = "_manifest.json"
STAGING = ".generate.tmp"  # the new output, moved into place when complete
TRASH = ".generate.old"  # the previous output (--force), deleted in the background
SPILL = ".spill"  # inside the staging folder: worker output waiting to be appended
# The field whose ISO week a "late" event's file week is compared with.
LATE_FIELDS = {
    "crm_customer_changes": "source.ts_ms",
    "shop_orders": "updated_at",
    "shop_checkouts": "updated_at",
    "shop_loyalty_ledger": "occurred_at",
    "esp_email_events": "timestamp",
    "tracking_events": "timestamp",
    "consent_events": "occurred_at",
}
PROGRESS_EVERY_S = 2.0


@dataclass
class GenerateSummary:
    out_dir: Path
    customers: int
    files: int
    rows_by_table: dict[str, int]
    seconds: float
    seed: int = 42
    bad_by_table: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return sum(self.rows_by_table.values())

    @property
    def tables(self) -> int:
        return sum(1 for n in self.rows_by_table.values() if n)

    def line(self) -> str:
        rate = self.records / self.seconds if self.seconds > 0 else 0.0
        return (
            f"generated {self.records:,} records in {self.tables} tables ({self.files} files) "
            f"for {self.customers:,} customers in {self.seconds:.1f} s "
            f"({rate:,.0f} records/s) -> {self.out_dir}"
        )


def existing_outputs(out_dir: Path) -> list[Path]:
    """Generated files already in `out_dir`: table folders, _truth and the manifest."""
    found = []
    for name in (*TABLES, TRUTH_DIR, MANIFEST):
        path = out_dir / name
        if path.is_file() or (path.is_dir() and any(path.iterdir())):
            found.append(path)
    return found


class Quota:
    """How many bad records the next n lines of a table get.

    The running total after n lines is floor(rate * n + phase), with the phase chosen so
    the first bad record falls on line 100 at the latest: every table with 100 or more
    records gets at least one, and the share converges to `rate`.
    """

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.phase = max(0.0, 1.0 - 100.0 * rate) if rate > 0 else 0.0
        self.seen: dict[str, int] = {}
        self.carry: dict[str, int] = {}

    def _total(self, n: int) -> int:
        if self.rate <= 0:
            return 0
        return math.floor(self.rate * n + self.phase + 1e-9)

    def take(self, table: str, n: int) -> int:
        before = self.seen.get(table, 0)
        self.seen[table] = before + n
        return self._total(before + n) - self._total(before) + self.carry.pop(table, 0)

    def give_back(self, table: str, n: int) -> None:
        if n:
            self.carry[table] = self.carry.get(table, 0) + n


class RawFile:
    """An output file written with plain syscalls, so that byte ranges of another file can
    be appended by the kernel (copy_file_range) between ordinary writes."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)

    def write(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class _BytesPiece:
    def __init__(self, data: bytes) -> None:
        self.view = memoryview(data)

    def copy(self, dst: RawFile, pos: int, count: int) -> None:
        if count > 0:
            dst.write(self.view[pos : pos + count])


class _FilePiece:
    """A byte range of a spill file, appended kernel-side when the platform allows."""

    fast = hasattr(os, "copy_file_range")

    def __init__(self, fd: int, base: int) -> None:
        self.fd = fd
        self.base = base

    def copy(self, dst: RawFile, pos: int, count: int) -> None:
        offset = self.base + pos
        while count > 0:
            done = 0
            if _FilePiece.fast:
                try:
                    done = os.copy_file_range(self.fd, dst.fd, count, offset)
                except OSError:
                    _FilePiece.fast = False  # e.g. across file systems: copy through memory
            if not done:
                chunk = os.pread(self.fd, min(count, 1 << 22), offset)
                if not chunk:
                    raise OSError(f"spill file ended early at byte {offset}")
                dst.write(chunk)
                done = len(chunk)
            offset += done
            count -= done


class Writer:
    """Appends unit output to files under the staging folder in a fixed order."""

    def __init__(self, root: Path, week_labels: list[str]) -> None:
        self.root = root
        self.week_labels = week_labels
        self.handles: dict[tuple[str, int], RawFile] = {}
        self.paths: dict[tuple[str, int], Path] = {}
        self.counts: dict[tuple[str, int], int] = {}

    def write(
        self,
        table: str,
        segments: list[Segment],
        bad: dict[int, list[Candidate]],
        spill: int | None = None,
    ) -> None:
        """Append each segment to its file, with the chosen bad lines spliced in.

        A segment is either bytes or an (offset, length) range of the `spill` file.
        """
        for index, (part, data, n_lines) in enumerate(segments):
            key = (table, part)
            fh = self.handles.get(key)
            if fh is None:
                fh = self._open(table, part)
            piece: _BytesPiece | _FilePiece
            if isinstance(data, bytes):
                piece, end = _BytesPiece(data), len(data)
            else:
                assert spill is not None
                piece, end = _FilePiece(spill, data[0]), data[1]
            pos = 0
            for cand in sorted(bad.get(index, ()), key=lambda c: c.start):
                piece.copy(fh, pos, cand.start - pos)
                fh.write(cand.data)
                pos = cand.end
            piece.copy(fh, pos, end - pos)
            self.counts[key] = self.counts.get(key, 0) + n_lines

    def _open(self, table: str, part: int) -> RawFile:
        label = "all" if part == ALL_PART else self.week_labels[part]
        folder = self.root / table
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{table}__{label}.{extension(table)}"
        fh = RawFile(path)
        if table in CSV_COLUMNS:
            fh.write((",".join(CSV_COLUMNS[table]) + "\n").encode())
        self.handles[(table, part)] = fh
        self.paths[(table, part)] = path
        return fh

    def close(self) -> None:
        for fh in self.handles.values():
            fh.close()
        self.handles.clear()

    def files(self) -> list[dict[str, object]]:
        out = []
        for key in sorted(self.paths, key=lambda k: (TABLES.index(k[0]), k[1])):
            path = self.paths[key]
            out.append(
                {
                    "path": path.relative_to(self.root).as_posix(),
                    "table": key[0],
                    "records": self.counts.get(key, 0),
                    "bytes": path.stat().st_size,
                }
            )
        return out


class Assembler:
    """Consumes unit results in order: picks bad records, writes lines, collects truth."""

    def __init__(self, params: Params, world: World, root: Path) -> None:
        self.params = params
        self.world = world
        self.writer = Writer(root, world.clock.week_labels)
        self.quota = Quota(params.bad_rate)
        specs = build_specs(CSV_COLUMNS)
        self.rows = dict.fromkeys(TABLES, 0)
        self.bad = {t: dict.fromkeys(specs[t].applicable(), 0) for t in TABLES}
        self.late = dict.fromkeys(TABLES, 0)
        self.duplicates = dict.fromkeys(TABLES, 0)
        truth = root / TRUTH_DIR
        truth.mkdir(parents=True, exist_ok=True)
        self.identifiers = RawFile(truth / "identifiers.csv")
        self.identifiers.write(
            b"identifier_type,identifier_value,true_person_id,is_shared,has_linking_record\n"
        )
        for address in world.role_addresses:
            row = ("email", address, None, True, True)
            self.identifiers.write((csv_line(row) + "\n").encode())
        self.records = RawFile(truth / "records.csv")
        self.records.write(b"table,record_id,true_person_id\n")
        self.units = 0

    def add(self, res: UnitResult) -> None:
        spill = os.open(res.spill, os.O_RDONLY) if res.spill else None
        try:
            self._add(res, spill)
        finally:
            if spill is not None:
                os.close(spill)
                os.unlink(res.spill)  # type: ignore[arg-type]

    def _add(self, res: UnitResult, spill: int | None) -> None:
        lost: dict[str, set[str]] = {}
        for table in TABLES:
            tr = res.tables[table]
            if not tr.lines:
                continue
            want = self.quota.take(table, tr.lines)
            chosen = tr.candidates[:want]
            self.quota.give_back(table, want - len(chosen))
            by_segment: dict[int, list[Candidate]] = {}
            hits: dict[str, int] = {}
            for cand in chosen:
                by_segment.setdefault(cand.segment, []).append(cand)
                self.bad[table][cand.reason] += 1
                if cand.rid is not None:
                    hits[cand.rid] = hits.get(cand.rid, 0) + 1
                    if hits[cand.rid] == cand.rid_lines:  # every line of the record is bad
                        lost.setdefault(table, set()).add(cand.rid)
            self.writer.write(table, tr.segments, by_segment, spill)
            self.rows[table] += tr.lines
            self.late[table] += tr.late
            self.duplicates[table] += tr.duplicates
        self.identifiers.write(res.identifiers)
        self.records.write(
            "".join(
                f"{table},{rid},{pid}\n"
                for (table, rid), pid in res.records.items()
                if rid not in lost.get(table, ())
            ).encode()
        )
        self.units += 1

    def close(self) -> None:
        self.writer.close()
        self.identifiers.close()
        self.records.close()

    def injected(self) -> dict[str, object]:
        clock = self.world.clock
        return {
            "generator_version": GENERATOR_VERSION,
            "seed": self.params.seed,
            "customers": self.params.customers,
            "bad_rate": self.params.bad_rate,
            "window": {"start": clock.start_date.isoformat(), "end": clock.end_date.isoformat()},
            "reasons": list(REASONS),
            "notes": {
                "records": "lines written (CSV: data rows), bad lines and duplicates included",
                "bad": "lines replaced by a corrupted copy, by the reason the loader must give",
                "duplicates": "extra verbatim copies of a line (same sg_event_id, messageId or "
                "lsn), possibly in a later file",
                "late": "valid lines whose file (ISO week of arrival) is later than the ISO "
                "week (UTC) of late_field",
            },
            "tables": {
                t: {
                    "records": self.rows[t],
                    "bad": self.bad[t],
                    "duplicates": self.duplicates[t],
                    "late": self.late[t],
                    "late_field": LATE_FIELDS.get(t),
                }
                for t in TABLES
            },
        }


def _units(params: Params, world: World, workers: int, spill_dir: Path) -> Iterator[UnitResult]:
    n_chunks = chunk_count(params.customers)
    if workers <= 1 or n_chunks <= 1:
        for chunk in range(n_chunks):
            yield run_chunk(world, chunk)
        return
    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    spill_dir.mkdir(exist_ok=True)
    with mp.Pool(
        min(workers, n_chunks), initializer=init_worker, initargs=(params, str(spill_dir))
    ) as pool:
        yield from pool.imap(worker_chunk, range(n_chunks))


def validate(customers: int, days: int, bad_rate: float, workers: int, end_date: date) -> None:
    if customers < 1:
        raise UserError(f"--customers must be at least 1 (got {customers})")
    if customers > 20_000_000:
        raise UserError(f"--customers is limited to 20,000,000 (got {customers:,})")
    if not 7 <= days <= 3660:
        raise UserError(f"--days must be between 7 and 3660 (got {days})")
    if not 0.0 <= bad_rate <= 0.5 or math.isnan(bad_rate):
        raise UserError(f"--bad-rate must be between 0 and 0.5 (got {bad_rate})")
    if workers < 1:
        raise UserError(f"--workers must be at least 1 (got {workers})")
    if not date(2000, 1, 1) <= end_date <= date(2200, 1, 1):
        raise UserError(f"--end-date must be between 2000-01-01 and 2200-01-01 ({end_date})")


def _prepare(out_dir: Path, previous: list[Path]) -> tuple[Path, threading.Thread | None]:
    """Create the staging folder; with --force, move the old output aside and start
    deleting it in the background (it can take seconds for millions of records)."""
    staging = out_dir / STAGING
    trash = out_dir / TRASH
    try:
        for leftover in (staging, trash):  # from an interrupted run
            if leftover.exists():
                shutil.rmtree(leftover)
        staging.mkdir(parents=True)
        if previous:
            trash.mkdir()
            for path in previous:
                os.replace(path, trash / path.name)
    except OSError as exc:
        raise UserError(f"cannot write to {out_dir}: {exc}") from exc
    if not previous:
        return staging, None
    remover = threading.Thread(
        target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True}, daemon=True
    )
    remover.start()
    return staging, remover


def _manifest(params: Params, world: World, assembler: Assembler, files: list) -> dict:
    return {
        "generator": "mailpipe generate",
        "generator_version": GENERATOR_VERSION,
        "parameters": {
            "customers": params.customers,
            "seed": params.seed,
            "days": params.days,
            "end_date": params.end_date.isoformat(),
            "bad_rate": params.bad_rate,
        },
        "chunk_size": CHUNK_SIZE,
        "window": {
            "start": world.clock.start_date.isoformat(),
            "end": world.clock.end_date.isoformat(),
        },
        "event_tables": list(EVENT_TABLES),
        "record_tables": list(RECORD_TABLES),
        "rows_by_table": assembler.rows,
        "records": sum(assembler.rows.values()),
        "files": files,
    }


def _publish(staging: Path, out_dir: Path) -> None:
    """Move the finished output from the staging folder into `out_dir`."""
    shutil.rmtree(staging / SPILL, ignore_errors=True)
    for name in (*TABLES, TRUTH_DIR, MANIFEST):
        src = staging / name
        if src.exists():
            dst = out_dir / name
            if dst.is_dir():
                shutil.rmtree(dst)  # an empty leftover folder
            os.replace(src, dst)
    shutil.rmtree(staging)


def generate(
    out_dir: Path,
    customers: int,
    seed: int = 42,
    days: int = 365,
    end_date: date = date(2026, 10, 31),
    bad_rate: float = 0.005,
    workers: int = 1,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> GenerateSummary:
    """Write landing files for `customers` people into `out_dir` (see docs/landing_formats.md).

    The output depends only on (customers, seed, days, end_date, bad_rate), not on
    `workers`. Without `force`, an out_dir that already holds generated files is an error;
    with it, the previous table folders, _truth and _manifest.json are removed first.
    Files are written to a staging folder and moved into place once complete.
    """
    validate(customers, days, bad_rate, workers, end_date)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir} exists and is not a directory")
    previous = existing_outputs(out_dir)
    if previous and not force:
        names = ", ".join(p.name for p in previous[:4]) + (" ..." if len(previous) > 4 else "")
        raise UserError(
            f"{out_dir} already holds generated files ({names}); pass --force to replace them"
        )
    started = time.perf_counter()
    params = Params(seed, customers, days, end_date, bad_rate)
    staging, remover = _prepare(out_dir, previous)
    world = World(params)
    assembler = Assembler(params, world, staging)
    n_chunks = chunk_count(customers)
    last_report = started
    try:
        assembler.add(run_global(world))
        for res in _units(params, world, workers, staging / SPILL):
            assembler.add(res)
            now = time.perf_counter()
            if progress and (now - last_report >= PROGRESS_EVERY_S or res.unit == n_chunks - 1):
                last_report = now
                records = sum(assembler.rows.values())
                progress(
                    f"generate: chunk {res.unit + 1}/{n_chunks}, {records:,} records, "
                    f"{len(assembler.writer.paths)} files, {now - started:.1f} s"
                )
        assembler.close()
        files = assembler.writer.files()
        (staging / TRUTH_DIR / "injected.json").write_text(
            json.dumps(assembler.injected(), indent=2) + "\n", encoding="utf-8"
        )
        manifest = _manifest(params, world, assembler, files)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _publish(staging, out_dir)
    except BaseException:
        assembler.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if remover is not None:
            remover.join()
    return GenerateSummary(
        out_dir=out_dir,
        customers=customers,
        files=len(files),
        rows_by_table=dict(assembler.rows),
        seconds=time.perf_counter() - started,
        seed=seed,
        bad_by_table={t: dict(v) for t, v in assembler.bad.items()},
    )
