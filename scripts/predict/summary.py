"""A transaction log summarised per customer: frequency, recency, T and monetary value.

The inputs of the BG/NBD and Gamma-Gamma models (Fader, Hardie & Lee 2005, both papers):
a customer's purchases up to the calibration `cutoff` (inclusive) are grouped by day, the
amounts of one day summed into one purchase, and

- `frequency`       x: the number of distinct purchase days after the first purchase day
- `recency`         t_x: from the first purchase day to the last, in `time_unit`
- `T`               from the first purchase day to the cutoff, in `time_unit`
- `monetary_value`  the mean of the daily totals of the repeat purchase days (the first day
                    left out); 0.0 when frequency is 0

with `time_unit` "days" (whole days) or "weeks" (days / 7, fractional). Transactions after the
cutoff are kept apart, in `holdout`, to test the predictions on; so are all the transactions
of a customer whose first purchase is after the cutoff (they are not in the summary).

Input: (customer_id, date, amount) rows, from Python or a CSV file with a header
(`read_transactions_csv`, column names configurable) or a CDNOW-style file
(`read_cdnow`: `id date quantity amount`, separated by whitespace or commas, no header).
Dates are ISO `YYYY-MM-DD` (an ISO timestamp is cut to its UTC date), compact `YYYYMMDD`, or
`date`/`datetime` objects. Amounts are numbers >= 0.

Bad rows are not skipped: the first one raises `TransactionError` naming its line (of the
file) or row (1-based position in an iterable) and what is wrong with it. A score computed on
silently thinned data looks plausible and is wrong, and a log from the warehouse should have
no bad rows at all; clean the source, or filter explicitly before calling.
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np

from scripts.errors import UserError

TimeUnit = Literal["days", "weeks"]
DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0}
COMPACT_DATE = re.compile(r"^\d{8}$")


class TransactionError(UserError):
    """A transaction row that cannot be read (missing id, bad date, bad amount)."""


class Transaction(NamedTuple):
    """One purchase: who, which day, how much."""

    customer_id: str
    purchase_date: date
    amount: float


@dataclass(frozen=True)
class CustomerSummary:
    """One entry per customer whose first purchase is on or before the cutoff, sorted by id."""

    customer_ids: tuple[str, ...]
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary_value: np.ndarray
    first_purchase_dates: tuple[date, ...]
    cutoff: date
    time_unit: TimeUnit
    holdout: tuple[Transaction, ...]  # transactions after the cutoff, in input order

    def __len__(self) -> int:
        return len(self.customer_ids)

    def holdout_frequency(self, end: date | str | None = None) -> np.ndarray:
        """Per customer of the summary: distinct purchase days in (cutoff, end] (all if None)."""
        last = None if end is None else parse_date(end)
        days: dict[str, set[date]] = defaultdict(set)
        for row in self.holdout:
            if last is None or row.purchase_date <= last:
                days[row.customer_id].add(row.purchase_date)
        return np.array([len(days.get(cid, ())) for cid in self.customer_ids], dtype=float)

    def holdout_length(self, end: date | str) -> float:
        """The length of (cutoff, end] in `time_unit`: the t to predict purchases for."""
        return (parse_date(end) - self.cutoff).days / DAYS_PER_UNIT[self.time_unit]


def parse_date(value: Any) -> date:
    """A purchase date from a `date`, a `datetime` (its UTC date when aware), `YYYY-MM-DD`,
    an ISO timestamp, or compact `YYYYMMDD` (string or integer). Raises ValueError."""
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    if value is None or isinstance(value, bool | float):
        raise ValueError(f"not a date: {value!r}")
    text = str(value).strip()
    if COMPACT_DATE.match(text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parse_date(datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(f"not a date (YYYY-MM-DD or YYYYMMDD): {value!r}") from None


def parse_amount(value: Any) -> float:
    """A purchase amount: a finite number >= 0 (int, float, Decimal or numeric string)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, int | float | Decimal):
        amount = float(value)
    else:
        try:
            amount = float(str(value).strip())
        except ValueError:
            raise ValueError(f"not a number: {value!r}") from None
    if not math.isfinite(amount):
        raise ValueError(f"not a finite amount: {value!r}")
    if amount < 0:
        raise ValueError(f"negative amount: {value!r}")
    return amount


def parse_transaction(customer_id: Any, purchase_date: Any, amount: Any, where: str) -> Transaction:
    """One checked `Transaction`; `where` ("line 7", "row 3") prefixes the error message."""
    cid = "" if customer_id is None else str(customer_id).strip()
    if not cid:
        raise TransactionError(f"{where}: missing customer id")
    try:
        day = parse_date(purchase_date)
        value = parse_amount(amount)
    except ValueError as exc:
        raise TransactionError(f"{where} (customer {cid!r}): {exc}") from None
    return Transaction(cid, day, value)


def read_transactions_csv(
    path: str | Path,
    *,
    customer_id_column: str = "customer_id",
    date_column: str = "date",
    amount_column: str = "amount",
    delimiter: str = ",",
) -> list[Transaction]:
    """Transactions from a CSV file with a header row; other columns are ignored."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter=delimiter)
            header = reader.fieldnames or []
            missing = [
                column
                for column in (customer_id_column, date_column, amount_column)
                if column not in header
            ]
            if missing:
                raise TransactionError(
                    f"{path}: no column {', '.join(map(repr, missing))} in the header "
                    f"({', '.join(header) or 'empty file'})"
                )
            return [
                parse_transaction(
                    row[customer_id_column],
                    row[date_column],
                    row[amount_column],
                    f"{path} line {reader.line_num}",
                )
                for row in reader
            ]
    except OSError as exc:
        raise TransactionError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_cdnow(path: str | Path) -> list[Transaction]:
    """Transactions from a CDNOW-style file: `customer_id date quantity amount` per line
    (CDNOW_master), or `customer_id sample_id date quantity amount` (CDNOW_sample, whose
    first id is the master file's).

    Fields are separated by whitespace or commas; the date is `YYYYMMDD` (or ISO); the
    quantity is ignored; blank lines are skipped; there is no header.
    """
    path = Path(path)
    rows: list[Transaction] = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                fields = re.split(r"[,\s]+", line.strip())
                where = f"{path} line {number}"
                if len(fields) not in (4, 5):
                    raise TransactionError(
                        f"{where}: expected 4 fields (id, date, quantity, amount) or 5 "
                        f"(id, sample id, date, quantity, amount), got {len(fields)}"
                    )
                date_field = len(fields) - 3
                rows.append(parse_transaction(fields[0], fields[date_field], fields[-1], where))
    except OSError as exc:
        raise TransactionError(f"cannot read {path}: {exc.strerror or exc}") from None
    return rows


def _checked(rows: Iterable[Transaction | tuple[Any, Any, Any]]) -> Iterator[Transaction]:
    for number, row in enumerate(rows, start=1):
        if isinstance(row, Transaction):
            yield parse_transaction(*row, where=f"row {number}")
            continue
        try:
            customer_id, purchase_date, amount = row
        except (TypeError, ValueError):
            raise TransactionError(
                f"row {number}: expected (customer_id, date, amount), got {row!r}"
            ) from None
        yield parse_transaction(customer_id, purchase_date, amount, f"row {number}")


def summarize(
    transactions: Iterable[Transaction | tuple[Any, Any, Any]],
    *,
    cutoff: date | str | None = None,
    time_unit: TimeUnit = "days",
) -> CustomerSummary:
    """Frequency, recency, T and monetary value per customer (see the module docstring).

    `cutoff` (inclusive) defaults to the latest purchase date in the log.
    """
    if time_unit not in DAYS_PER_UNIT:
        raise ValueError(f"time_unit must be 'days' or 'weeks', got {time_unit!r}")
    rows = list(_checked(transactions))
    if not rows:
        raise TransactionError("no transactions to summarise")
    end = max(row.purchase_date for row in rows) if cutoff is None else parse_date(cutoff)

    daily: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    first_day: dict[str, date] = {}
    for row in rows:
        if row.purchase_date <= end:
            daily[row.customer_id][row.purchase_date] += row.amount
    for cid, days in daily.items():
        first_day[cid] = min(days)
    holdout = tuple(row for row in rows if row.purchase_date > end)

    ids = tuple(sorted(daily))
    unit = DAYS_PER_UNIT[time_unit]
    frequency, recency, T, monetary = [], [], [], []
    for cid in ids:
        days = sorted(daily[cid])
        first, last = days[0], days[-1]
        frequency.append(len(days) - 1)
        recency.append((last - first).days / unit)
        T.append((end - first).days / unit)
        repeat_totals = [daily[cid][day] for day in days[1:]]
        monetary.append(sum(repeat_totals) / len(repeat_totals) if repeat_totals else 0.0)
    return CustomerSummary(
        customer_ids=ids,
        frequency=np.array(frequency, dtype=float),
        recency=np.array(recency, dtype=float),
        T=np.array(T, dtype=float),
        monetary_value=np.array(monetary, dtype=float),
        first_purchase_dates=tuple(first_day[cid] for cid in ids),
        cutoff=end,
        time_unit=time_unit,
        holdout=holdout,
    )
