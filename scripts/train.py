"""`mailpipe train`: train the propensity and churn models and store their coefficients.

Both are logistic regressions (scripts/predict/logistic.py) on the point-in-time features
of `fct_person_propensity_features`, labelled by `fct_person_propensity_labels`:

- purchase: did the person buy within the label window after the cutoff (everyone);
- churn: did someone who had bought by the cutoff not buy in it.

The split is by time: the rows of the holdout cutoff (the latest whose label window has
ended) measure the model, the older training cutoffs train it; a model is never measured
on rows older than those it learnt from. A model whose holdout AUC is not above
`--min-auc` (default 0.5, chance), or that cannot be fitted (one outcome only), is refused
and not stored; the other may still be. Accepted models are appended to
`<raw schema>.propensity_model_coefficients`; the next build of
`stg_predict__propensity_coefficients+` scores everyone at the as-of date with them.
`--dry-run` trains and prints without storing. Exits 1 when both models were refused.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime

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
FEATURES_MODEL = "fct_person_propensity_features"
LABELS_MODEL = "fct_person_propensity_labels"
KEYS = ("person_id", "cutoff_date", "cutoff_role")
MODELS = {"purchase": "purchased_in_window", "churn": "churned_in_window"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "train",
        help="train the propensity and churn models (logistic regression) and store them",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_argument(parser)
    parser.add_argument(
        "--l2",
        type=float,
        default=1.0,
        help="ridge penalty on the standardised coefficients (default: %(default)s)",
    )
    parser.add_argument(
        "--min-auc",
        type=float,
        default=0.5,
        help="refuse a model whose holdout AUC is not above this (default: %(default)s)",
    )
    parser.add_argument("--dry-run", action="store_true", help="train and print; store nothing")
    parser.set_defaults(func=_cli)


@dataclass(frozen=True)
class Examples:
    """Labelled rows of one cutoff role: features (rows x columns) and both labels."""

    features: object  # numpy array
    purchased: object
    churned: object  # None where the person had not bought: not in the churn population


@dataclass(frozen=True)
class TrainedModel:
    model_id: str
    model_name: str
    trained_at: datetime
    label_days: int
    holdout_cutoff_date: date
    training_rows: int
    training_positives: int
    holdout_rows: int
    holdout_positives: int
    training_auc: float
    holdout_auc: float
    model: object  # LogisticModel

    def rows(self) -> list[tuple]:
        """One row per coefficient, as propensity_model_coefficients holds them."""
        head = (
            self.model_id,
            self.model_name,
            self.trained_at,
            self.label_days,
            self.holdout_cutoff_date,
            self.training_rows,
            self.training_positives,
            self.holdout_rows,
            self.holdout_positives,
            self.training_auc,
            self.holdout_auc,
            self.model.l2_penalty,
        )
        return [(*head, *coefficient) for coefficient in self.model.rows()]


@dataclass(frozen=True)
class Refusal:
    model_name: str
    reason: str


def read_examples(target: Target) -> tuple[list[str], dict[str, Examples], date, int]:
    """The labelled feature rows of the warehouse per cutoff role ('training', 'holdout'),
    the feature names (the feature model's columns but its keys), the holdout cutoff
    and the label window in days."""
    import numpy as np

    features = target.model_relation("marts", FEATURES_MODEL)
    labels = target.model_relation("marts", LABELS_MODEL)
    cutoffs = target.model_relation("marts", "dim_propensity_cutoffs")
    try:
        # read-write: dbt's in-process DuckDB connection may be open (mailpipe run)
        with read_session(target, duckdb_read_write=True) as session:
            columns, rows = session.fetch(
                f"select f.*, l.purchased_in_window, l.churned_in_window from {features} as f "
                f"inner join {labels} as l on f.person_id = l.person_id "
                "and f.cutoff_date = l.cutoff_date order by f.cutoff_date, f.person_id"
            )
            holdout = session.rows(
                f"select cutoff_date, label_end_date from {cutoffs} where cutoff_role = 'holdout'"
            )
    except Exception as exc:  # no warehouse or no such table: the build has not run yet
        raise UserError(
            f"cannot read {features} on {target.describe()} (run `dbt build` or `mailpipe run` "
            f"first): {first_line(exc)}"
        ) from None
    if not holdout:
        raise UserError(f"{cutoffs} has no holdout cutoff: the warehouse holds no purchase")
    holdout_date, label_end = holdout[0]
    names = [c for c in columns if c not in (*KEYS, *MODELS.values())]
    at = {c: i for i, c in enumerate(columns)}
    examples = {}
    for role in ("training", "holdout"):
        chosen = [row for row in rows if row[at["cutoff_role"]] == role]
        examples[role] = Examples(
            features=np.array([[row[at[n]] for n in names] for row in chosen], dtype=float).reshape(
                len(chosen), len(names)
            ),
            purchased=np.array([bool(row[at["purchased_in_window"]]) for row in chosen]),
            churned=np.array([row[at["churned_in_window"]] for row in chosen], dtype=object),
        )
    return names, examples, holdout_date, (label_end - holdout_date).days


def train_model(
    name: str,
    feature_names: list[str],
    examples: dict[str, Examples],
    holdout_date: date,
    label_days: int,
    l2: float,
    min_auc: float,
) -> TrainedModel | Refusal:
    """Train one model on the training rows and measure it on the holdout's."""
    import numpy as np

    from scripts.predict import logistic
    from scripts.predict.fitting import FitError

    def labelled(role: str):
        rows = examples[role]
        if name == "purchase":
            return rows.features, rows.purchased.astype(float)
        known = np.array([value is not None for value in rows.churned], dtype=bool)
        return rows.features[known], rows.churned[known].astype(float)

    x_train, y_train = labelled("training")
    x_holdout, y_holdout = labelled("holdout")
    try:
        model = logistic.fit(x_train, y_train, feature_names, l2_penalty=l2)
        training_auc = logistic.auc(y_train, model.linear_predictor(x_train))
        holdout_auc = logistic.auc(y_holdout, model.linear_predictor(x_holdout))
    except FitError as exc:
        return Refusal(name, str(exc))
    if holdout_auc <= min_auc:
        return Refusal(name, f"holdout AUC {holdout_auc:.3f} is not above --min-auc {min_auc:.3f}")
    trained_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    fingerprint = f"{trained_at.isoformat()}|{name}|{holdout_date}"
    return TrainedModel(
        model_id=hashlib.sha256(fingerprint.encode()).hexdigest()[:16],
        model_name=name,
        trained_at=trained_at,
        label_days=label_days,
        holdout_cutoff_date=holdout_date,
        training_rows=len(y_train),
        training_positives=int(y_train.sum()),
        holdout_rows=len(y_holdout),
        holdout_positives=int(y_holdout.sum()),
        training_auc=training_auc,
        holdout_auc=holdout_auc,
        model=model,
    )


def store(target: Target, schema: str, models: list[TrainedModel]) -> None:
    """Append every coefficient of the accepted models in one transaction."""
    from scripts.predict.store import COEFFICIENTS_TABLE, insert_rows

    rows = [row for model in models for row in model.rows()]
    write_in_transaction(
        target,
        lambda con, dialect: insert_rows(con, dialect, schema, COEFFICIENTS_TABLE, rows),
    )


def run_train(
    target: Target, schema: str, *, l2: float = 1.0, min_auc: float = 0.5, dry_run: bool = False
) -> list[TrainedModel | Refusal]:
    """Train both models; store the accepted ones unless `dry_run`. Returns each outcome."""
    names, examples, holdout_date, label_days = read_examples(target)
    outcomes = [
        train_model(name, names, examples, holdout_date, label_days, l2, min_auc) for name in MODELS
    ]
    accepted = [o for o in outcomes if isinstance(o, TrainedModel)]
    if accepted and not dry_run:
        store(target, schema, accepted)
    return outcomes


def summary_line(outcome: TrainedModel | Refusal) -> str:
    if isinstance(outcome, Refusal):
        return f"{outcome.model_name}: refused, not stored: {outcome.reason}"
    return (
        f"{outcome.model_name}: holdout AUC {outcome.holdout_auc:.3f} on "
        f"{outcome.holdout_rows:,} people at {outcome.holdout_cutoff_date} "
        f"({outcome.holdout_positives:,} positive), training AUC {outcome.training_auc:.3f} "
        f"on {outcome.training_rows:,} rows; window {outcome.label_days} days"
    )


def lines(outcome: TrainedModel | Refusal, top: int = 5) -> list[str]:
    """The summary line, then the largest standardised coefficients."""
    out = [summary_line(outcome)]
    if isinstance(outcome, TrainedModel):
        ranked = sorted(outcome.model.rows()[1:], key=lambda row: -abs(row[3]))[:top]
        out += [f"    {name:<28} {coef:+.3f}" for name, _, _, coef in ranked]
    return out


def _cli(args: argparse.Namespace) -> int:
    if not 0 <= args.min_auc < 1:
        raise UserError(f"--min-auc must be in [0, 1) (got {args.min_auc})")
    if args.l2 < 0:
        raise UserError(f"--l2 must be >= 0 (got {args.l2})")
    target = load_target(args.target)
    schema = os.environ.get("MAILPIPE_RAW_SCHEMA", "raw")
    outcomes = run_train(target, schema, l2=args.l2, min_auc=args.min_auc, dry_run=args.dry_run)
    for outcome in outcomes:
        for line in lines(outcome):
            print(line)
    accepted = [o for o in outcomes if isinstance(o, TrainedModel)]
    if args.dry_run:
        print("dry run: not stored")
    elif accepted:
        print(
            f"stored {', '.join(o.model_name for o in accepted)} in "
            f"{schema}.propensity_model_coefficients on {target.describe()}"
        )
    if not accepted:
        print("mailpipe train: every model was refused, nothing stored", file=sys.stderr)
        return 1
    return 0
