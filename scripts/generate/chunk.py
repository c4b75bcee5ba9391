"""Units of work: the global unit (catalogue, campaigns, role addresses) and person chunks.

A unit's output depends only on the parameters and its index, never on which process runs
it, so any number of workers produce the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from scripts.generate.context import TABLES, Ctx, Segment, TableResult
from scripts.generate.corrupt import Corrupter, build_specs
from scripts.generate.email import emit_person_email, emit_role_addresses
from scripts.generate.output import CSV_COLUMNS, csv_line
from scripts.generate.people import make_person
from scripts.generate.profile import (
    emit_consent,
    emit_crm,
    emit_enrichment,
    emit_privacy,
)
from scripts.generate.shop import emit_shop
from scripts.generate.tracking import emit_bots, emit_tracking
from scripts.generate.world import Params, World

CHUNK_SIZE = 250  # persons per chunk; part of the output's identity, do not tune per run
BOT_SESSIONS_PER_PERSON = 0.22


@dataclass
class UnitResult:
    unit: int
    persons: int
    tables: dict[str, TableResult]
    identifiers: bytes  # identifiers.csv rows of this unit's persons
    records: dict[tuple[str, str], str]  # (table, record id) -> person_id
    spill: str | None = None  # file holding the segments' bytes (worker processes)


_CORRUPTER = Corrupter(build_specs(CSV_COLUMNS))
LINKED_ONLY_WHEN_SEEN = ("anonymous_id", "shop_customer_id")


def chunk_count(customers: int) -> int:
    return (customers + CHUNK_SIZE - 1) // CHUNK_SIZE


def _result(ctx: Ctx, persons: int) -> UnitResult:
    params = ctx.world.params
    tables = {}
    for table in TABLES:
        rng = random.Random(f"{params.seed}:bad:{ctx.unit}:{table}")
        tables[table] = ctx.bufs[table].result(table, rng, _CORRUPTER.corrupt, params.bad_rate)
    # Identifier values never need CSV quoting (ids, E.164 phones, plain addresses).
    # has_linking_record: some record carries the identifier with another one of the
    # person's. Always so except for anonymousIds (visits that never sign in, buy or check
    # out) and shop customer ids (loyalty entries without an address).
    linked = ctx.linked
    idents = "".join(
        f"{kind},{value},{pid},false,"
        f"{'false' if kind in LINKED_ONLY_WHEN_SEEN and (kind, value) not in linked else 'true'}\n"
        for (kind, value), pid in ctx.identifiers.items()
    )
    return UnitResult(ctx.unit, persons, tables, idents.encode(), ctx.records)


def run_global(world: World) -> UnitResult:
    """Unit -1: the product catalogue, campaigns and the shared role addresses' email."""
    ctx = Ctx(world, -1, f"{world.params.seed}:global")
    clock = ctx.clock
    products = ctx.bufs["shop_products"]
    for prod in world.products:
        products.add(
            clock.start,
            clock.start,
            csv_line(
                (
                    prod.product_id,
                    prod.sku,
                    prod.title,
                    prod.category,
                    prod.brand,
                    prod.price_usd,
                    "USD",
                    clock.iso(prod.created_at),
                    prod.is_active,
                )
            ),
        )
    campaigns = ctx.bufs["esp_campaigns"]
    for camp in [*world.campaigns, *world.flows.values()]:
        for variant in camp.variants:
            sent = clock.iso(camp.sent_at) if camp.sent_at is not None else None
            scheduled = clock.iso(camp.sent_at - (camp.sent_at % 1800)) if sent else None
            campaigns.add(
                clock.start,
                clock.start,
                csv_line(
                    (
                        camp.campaign_id,
                        variant.code,
                        camp.name,
                        variant.subject,
                        camp.campaign_type,
                        camp.ab_test_id,
                        camp.from_name,
                        scheduled,
                        sent,
                        clock.iso(camp.created_at),
                    )
                ),
            )
    emit_role_addresses(ctx)
    return _result(ctx, 0)


def run_chunk(world: World, chunk: int) -> UnitResult:
    """Persons [chunk * CHUNK_SIZE, ...) and everything they do."""
    params = world.params
    ctx = Ctx(world, chunk, f"{params.seed}:chunk:{chunk}")
    first = chunk * CHUNK_SIZE
    last = min(params.customers, first + CHUNK_SIZE)
    for idx in range(first, last):
        p = make_person(world, idx, ctx.rng)
        emit_shop(ctx, p)
        emit_person_email(ctx, p)
        emit_crm(ctx, p)
        emit_consent(ctx, p)
        emit_tracking(ctx, p)
        emit_privacy(ctx, p)
        emit_enrichment(ctx, p)
    n_bots = round((last - first) * BOT_SESSIONS_PER_PERSON)
    emit_bots(ctx, n_bots)
    return _result(ctx, last - first)


# -- worker process side -----------------------------------------------------------------
_WORLD: World | None = None
_SPILL: Path | None = None


def init_worker(params: Params, spill_dir: str) -> None:
    global _WORLD, _SPILL
    _WORLD = World(params)
    _SPILL = Path(spill_dir)


def worker_chunk(chunk: int) -> UnitResult:
    """Run a chunk in a worker and spill its text to a file: the parent then copies byte
    ranges file to file instead of receiving every line through a pipe."""
    assert _WORLD is not None and _SPILL is not None, "init_worker was not called"
    res = run_chunk(_WORLD, chunk)
    path = _SPILL / f"chunk-{chunk:07d}.bin"
    offset = 0
    with path.open("wb") as fh:
        for tr in res.tables.values():
            spilled: list[Segment] = []
            for week, data, n_lines in tr.segments:
                assert isinstance(data, bytes)
                fh.write(data)
                spilled.append((week, (offset, len(data)), n_lines))
                offset += len(data)
            tr.segments = spilled
    res.spill = str(path)
    return res
