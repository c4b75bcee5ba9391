"""Logistic regression for the propensity and churn scores, and the area under the ROC curve.

The features are standardised with the training rows' mean and standard deviation (a
constant feature gets scale 1 and coefficient 0: it carries no information), then the
penalised log-likelihood

    sum_i [y_i * z_i - log(1 + e^z_i)] - l2 / 2 * ||beta||^2,   z_i = b0 + x_i . beta

(the intercept b0 is not penalised) is maximised by Newton's method. The objective is
strictly concave for l2 > 0, so Newton converges from zero in a few steps; a step that
would lower it is halved. `fit` raises `FitError` when the labels have one class only,
or when the iteration does not converge.

The warehouse scores the stored model as 1 / (1 + e^-z) with
z = b0 + sum_j beta_j / scale_j * (x_j - mean_j) (macros/predict/logistic.sql and
propensity_linear_predictor.sql); `predict` is the same formula here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from scripts.predict.fitting import FitError

INTERCEPT = "(intercept)"
MAX_ITERATIONS = 100
TOLERANCE = 1e-10  # largest change of any coefficient in the last Newton step


@dataclass(frozen=True)
class LogisticModel:
    """A fitted model: per feature the mean and scale it was standardised with, and the
    coefficient of the standardised feature."""

    feature_names: tuple[str, ...]
    means: np.ndarray
    scales: np.ndarray
    intercept: float
    coefficients: np.ndarray
    iterations: int
    l2_penalty: float

    def linear_predictor(self, features: np.ndarray) -> np.ndarray:
        standardised = (np.asarray(features, dtype=float) - self.means) / self.scales
        return self.intercept + standardised @ self.coefficients

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The probability of label 1 for each row of `features` (columns in feature order)."""
        return special.expit(self.linear_predictor(features))

    def rows(self) -> list[tuple[str, float, float, float]]:
        """(feature name, mean, scale, coefficient), the intercept first (mean 0, scale 1)."""
        return [(INTERCEPT, 0.0, 1.0, self.intercept)] + [
            (name, float(m), float(s), float(c))
            for name, m, s, c in zip(
                self.feature_names, self.means, self.scales, self.coefficients, strict=True
            )
        ]


def fit(
    features: np.ndarray,
    labels: np.ndarray,
    feature_names: tuple[str, ...] | list[str],
    l2_penalty: float = 1.0,
) -> LogisticModel:
    """Fit a penalised logistic regression of `labels` (0/1) on `features` (rows x columns)."""
    x = np.asarray(features, dtype=float)
    y = np.asarray(labels, dtype=float)
    if x.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[1] != len(feature_names):
        raise ValueError(f"features {x.shape} do not match {len(y)} labels and names")
    if not np.all(np.isfinite(x)):
        raise FitError("the features hold missing or infinite values")
    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        raise FitError(
            f"all {len(y):,} rows are labelled {int(y[0]) if len(y) else '-'}: "
            "a model needs both outcomes"
        )
    if l2_penalty < 0:
        raise ValueError("l2_penalty must be >= 0")
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    constant = scales <= 1e-12 * np.maximum(1.0, np.abs(means))
    scales = np.where(constant, 1.0, scales)
    standardised = np.where(constant, 0.0, (x - means) / scales)
    design = np.column_stack([np.ones(len(y)), standardised])
    penalty = np.full(design.shape[1], float(l2_penalty))
    penalty[0] = 0.0
    # a constant feature stays at 0: a penalty keeps its (all-zero) column from being singular
    penalty[1:][constant] = max(penalty[1:][constant].max(initial=0.0), 1.0)

    def objective(beta: np.ndarray) -> float:
        z = design @ beta
        return float(np.sum(y * z - np.logaddexp(0.0, z)) - 0.5 * np.sum(penalty * beta**2))

    beta = np.zeros(design.shape[1])
    beta[0] = np.log(positives / (len(y) - positives))
    current = objective(beta)
    for iteration in range(1, MAX_ITERATIONS + 1):
        p = special.expit(design @ beta)
        gradient = design.T @ (y - p) - penalty * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        scale = 1.0
        while scale > 1e-8:
            candidate = beta + scale * step
            value = objective(candidate)
            if value >= current - 1e-12 * abs(current):
                break
            scale /= 2
        beta, current = candidate, value
        if np.max(np.abs(scale * step)) < TOLERANCE:
            return LogisticModel(
                feature_names=tuple(feature_names),
                means=means,
                scales=scales,
                intercept=float(beta[0]),
                coefficients=beta[1:],
                iterations=iteration,
                l2_penalty=float(l2_penalty),
            )
    raise FitError(f"the logistic regression did not converge in {MAX_ITERATIONS} Newton steps")


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the probability that a random positive row scores above a
    random negative one, ties counting half (Mann-Whitney U over the two classes' sizes)."""
    y = np.asarray(labels, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        raise FitError("the area under the ROC curve needs rows of both outcomes")
    ranks = stats.rankdata(np.asarray(scores, dtype=float))  # ties get their mean rank
    u = ranks[y].sum() - positives * (positives + 1) / 2
    return float(u / (positives * negatives))
