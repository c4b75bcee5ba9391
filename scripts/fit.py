"""`mailpipe fit`: fit the purchase models (BG/NBD and Gamma-Gamma) and store the fit.

The transaction log is the warehouse's (`fct_person_purchase_days`: one row per person and
purchase day, its net revenue in the reporting currency) or a CSV file (`--csv`, columns
named by the options) or a CDNOW-style file (`--cdnow`). It is summarised per customer as
of the cutoff (`--cutoff`, default the latest purchase day in the log) in the time unit
(`--time-unit`, default weeks, as var predict__time_unit), then both models are fitted by
maximum likelihood (scripts/predict). A fit that did not converge, or whose likelihood is
flat (the data do not identify the parameters), is refused: nothing is stored and the
command exits 1. An accepted fit is appended to `<raw schema>.purchase_model_fits` with its
time, cutoff, unit, sample sizes and log-likelihoods; the scores of the next build read the
latest fit in their time unit. `--dry-run` fits and prints without storing.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from scripts.errors import UserError
from scripts.warehouse import (
    Target,
    add_target_argument,
    first_line,
    load_target,
    read_session,
    write_in_transaction,
)

log = logging.getLogger(__name__)
LOG_MODEL = "fct_person_purchase_days"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "fit",
        help="fit the purchase models (BG/NBD, Gamma-Gamma) and store the fit the scores read",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_argument(parser)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--csv", type=Path, help="a CSV transaction log instead of the warehouse")
    source.add_argument("--cdnow", type=Path, help="a CDNOW-style log (id date quantity amount)")
    parser.add_argument("--customer-id-column", default="customer_id", help="with --csv")
    parser.add_argument("--date-column", default="date", help="with --csv")
    parser.add_argument("--amount-column", default="amount", help="with --csv")
    parser.add_argument(
        "--cutoff",
        type=date.fromisoformat,
        default=None,
        help="calibration cutoff, YYYY-MM-DD, inclusive (default: the latest purchase day)",
    )
    parser.add_argument(
        "--time-unit",
        choices=("weeks", "days"),
        default="weeks",
        help="the models' time unit; the scores use fits in var predict__time_unit "
        "(default: %(default)s)",
    )
    parser.add_argument("--dry-run", action="store_true", help="fit and print; store nothing")
    parser.set_defaults(func=_cli)


def read_warehouse_log(target: Target) -> list[tuple]:
    """(person_id, purchase_date, amount) of every purchase day the warehouse holds."""
    relation = target.model_relation("marts", LOG_MODEL)
    try:
        # read-write: in `mailpipe run` dbt's DuckDB connection is still open in this
        # process, and DuckDB refuses a second one to the same file with other settings
        with read_session(target, duckdb_read_write=True) as session:
            return session.rows(
                f"select person_id, purchase_date, net_revenue_reporting_amount from {relation}"
            )
    except Exception as exc:  # no warehouse or no such table: the build has not run yet
        raise UserError(
            f"cannot read {relation} on {target.describe()} (run `dbt build` or `mailpipe run` "
            f"first): {first_line(exc)}"
        ) from None


def fit_log(transactions, cutoff: date | None, time_unit: str, data_source: str):
    """Summarise and fit both models; returns the StoredFit, or raises FitError."""
    from scripts.predict import bgnbd, gammagamma, summary
    from scripts.predict.fitting import FitError
    from scripts.predict.store import StoredFit

    summarized = summary.summarize(transactions, cutoff=cutoff, time_unit=time_unit)
    if not (summarized.frequency > 0).any():
        raise FitError(
            f"none of the {len(summarized.customer_ids):,} customers bought again by "
            f"{summarized.cutoff}: the drop-out of the BG/NBD model cannot be fitted"
        )
    purchases = bgnbd.fit(summarized.frequency, summarized.recency, summarized.T)
    purchases.require_converged()
    # the scores' closed forms divide by a - 1 and need a + b > 1 (Euler's transformation)
    if abs(purchases.params.a - 1) < 1e-6 or purchases.params.a + purchases.params.b <= 1:
        raise FitError(
            f"the BG/NBD fit has a = {purchases.params.a:.6g}, b = {purchases.params.b:.6g}: "
            "the expected purchases need a != 1 and a + b > 1"
        )
    spenders = (summarized.frequency > 0) & (summarized.monetary_value > 0)
    if spenders.sum() < 2:
        raise FitError("the Gamma-Gamma fit needs customers with repeat purchases of value > 0")
    spend = gammagamma.fit(summarized.frequency[spenders], summarized.monetary_value[spenders])
    spend.require_converged()
    if spend.params.q <= 1:
        raise FitError(
            f"the Gamma-Gamma fit has q = {spend.params.q:.4g} <= 1: the expected spend "
            "is not defined"
        )
    fitted_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    fingerprint = f"{fitted_at.isoformat()}|{summarized.cutoff}|{time_unit}|{data_source}"
    return StoredFit(
        fit_id=hashlib.sha256(fingerprint.encode()).hexdigest()[:16],
        fitted_at=fitted_at,
        cutoff_date=summarized.cutoff,
        time_unit=time_unit,
        data_source=data_source,
        customer_count=len(summarized.customer_ids),
        repeat_customer_count=int(spenders.sum()),
        bgnbd_log_likelihood=float(purchases.log_likelihood),
        r=purchases.params.r,
        alpha=purchases.params.alpha,
        a=purchases.params.a,
        b=purchases.params.b,
        gamma_gamma_log_likelihood=float(spend.log_likelihood),
        p=spend.params.p,
        q=spend.params.q,
        v=spend.params.v,
    )


def store(target: Target, schema: str, fit) -> None:
    """Append the fit to `<schema>.purchase_model_fits` in one transaction."""
    from scripts.predict.store import insert_fit

    write_in_transaction(target, lambda con, dialect: insert_fit(con, dialect, schema, fit))


def lines(fit) -> list[str]:
    return [
        f"customers: {fit.customer_count:,} ({fit.repeat_customer_count:,} with repeat "
        f"purchases of value), cutoff {fit.cutoff_date}, time unit {fit.time_unit}",
        f"BG/NBD:      r {fit.r:.4f}, alpha {fit.alpha:.4f}, a {fit.a:.4f}, b {fit.b:.4f} "
        f"(log-likelihood {fit.bgnbd_log_likelihood:,.1f})",
        f"Gamma-Gamma: p {fit.p:.4f}, q {fit.q:.4f}, v {fit.v:.4f} "
        f"(log-likelihood {fit.gamma_gamma_log_likelihood:,.1f})",
    ]


def run_fit(
    target: Target,
    schema: str,
    *,
    csv: Path | None = None,
    cdnow: Path | None = None,
    columns: tuple[str, str, str] = ("customer_id", "date", "amount"),
    cutoff: date | None = None,
    time_unit: str = "weeks",
    dry_run: bool = False,
):
    """Read the log, fit, and (unless dry_run) store; returns the fit."""
    from scripts.predict import summary

    if csv is not None:
        customer_id, day, amount = columns
        transactions = summary.read_transactions_csv(
            csv, customer_id_column=customer_id, date_column=day, amount_column=amount
        )
        data_source = f"csv:{csv.name}"
    elif cdnow is not None:
        transactions = summary.read_cdnow(cdnow)
        data_source = f"cdnow:{cdnow.name}"
    else:
        transactions = read_warehouse_log(target)
        data_source = f"warehouse:{LOG_MODEL}"
    fit = fit_log(transactions, cutoff, time_unit, data_source)
    if not dry_run:
        store(target, schema, fit)
    return fit


def _cli(args: argparse.Namespace) -> int:
    target = load_target(args.target)
    schema = os.environ.get("MAILPIPE_RAW_SCHEMA", "raw")
    from scripts.predict.fitting import FitError

    try:
        fit = run_fit(
            target,
            schema,
            csv=args.csv,
            cdnow=args.cdnow,
            columns=(args.customer_id_column, args.date_column, args.amount_column),
            cutoff=args.cutoff,
            time_unit=args.time_unit,
            dry_run=args.dry_run,
        )
    except FitError as exc:  # the data, not the usage: exit 1, nothing stored
        print(f"mailpipe fit: refused, nothing stored: {exc}", file=sys.stderr)
        return 1
    for line in lines(fit):
        print(line)
    if args.dry_run:
        print("dry run: not stored")
    else:
        print(f"stored fit {fit.fit_id} in {schema}.purchase_model_fits on {target.describe()}")
    return 0
