"""`scripts.predict.logistic`: the propensity and churn models' regression and their AUC.

Pure Python, no warehouse. Coefficients are recovered from labels simulated from a known
logistic model; the Newton optimum is checked against the penalised likelihood's
stationarity; the AUC against its definition over every pair of rows.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import special

from scripts.predict import logistic
from scripts.predict.fitting import FitError


def simulate(n: int, beta: np.ndarray, intercept: float, seed: int = 3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(beta))) * np.array([1.0, 3.0, 0.5])[: len(beta)] + 2.0
    p = special.expit(intercept + x @ beta)
    return x, (rng.random(n) < p).astype(float)


def test_known_coefficients_are_recovered_from_simulated_labels():
    beta, intercept = np.array([0.8, -0.3, 1.5]), -1.0
    x, y = simulate(60_000, beta, intercept)
    model = logistic.fit(x, y, ["a", "b", "c"], l2_penalty=0.0)
    # back from the standardised scale to the raw features' coefficients
    raw = model.coefficients / model.scales
    raw_intercept = model.intercept - np.sum(raw * model.means)
    assert raw == pytest.approx(beta, abs=0.05)
    assert raw_intercept == pytest.approx(intercept, abs=0.1)
    assert model.iterations < 20


def test_the_optimum_is_stationary_for_the_penalised_likelihood():
    x, y = simulate(2_000, np.array([0.5, 0.2, -0.7]), 0.3, seed=11)
    model = logistic.fit(x, y, ["a", "b", "c"], l2_penalty=2.5)
    z = (x - model.means) / model.scales
    p = model.predict(x)
    gradient = z.T @ (y - p) - 2.5 * model.coefficients
    assert np.max(np.abs(gradient)) < 1e-6
    assert abs(np.sum(y - p)) < 1e-6  # the intercept is not penalised


def test_a_larger_penalty_shrinks_the_coefficients():
    x, y = simulate(1_000, np.array([0.5, 0.2, -0.7]), 0.3, seed=5)
    weak = logistic.fit(x, y, ["a", "b", "c"], l2_penalty=0.1)
    strong = logistic.fit(x, y, ["a", "b", "c"], l2_penalty=500.0)
    assert np.linalg.norm(strong.coefficients) < 0.5 * np.linalg.norm(weak.coefficients)


def test_a_constant_feature_gets_coefficient_zero_and_scale_one():
    x, y = simulate(3_000, np.array([0.9, 0.1]), 0.0, seed=2)
    x = np.column_stack([x, np.full(len(y), 7.0)])
    model = logistic.fit(x, y, ["a", "b", "constant"])
    assert model.coefficients[2] == 0.0
    assert model.scales[2] == 1.0 and model.means[2] == 7.0
    assert np.all(np.isfinite(model.predict(x)))


def test_predict_is_the_stored_formula():
    x, y = simulate(500, np.array([0.4, -0.2, 0.6]), 0.1, seed=9)
    model = logistic.fit(x, y, ["a", "b", "c"])
    rows = model.rows()
    assert rows[0] == (logistic.INTERCEPT, 0.0, 1.0, model.intercept)
    z = rows[0][3] + sum(
        coef / scale * (x[:, j] - mean) for j, (_, mean, scale, coef) in enumerate(rows[1:])
    )
    assert model.predict(x) == pytest.approx(1 / (1 + np.exp(-z)), rel=1e-12)


@pytest.mark.parametrize("label", [0.0, 1.0])
def test_labels_of_one_outcome_are_refused(label):
    with pytest.raises(FitError, match="both outcomes"):
        logistic.fit(np.ones((10, 1)) * np.arange(10)[:, None], np.full(10, label), ["a"])


def test_missing_features_are_refused():
    x = np.array([[1.0], [np.nan], [3.0], [4.0]])
    with pytest.raises(FitError, match="missing"):
        logistic.fit(x, np.array([0, 1, 0, 1.0]), ["a"])


def test_auc_is_the_share_of_positive_negative_pairs_ranked_right():
    rng = np.random.default_rng(4)
    y = rng.random(300) < 0.3
    scores = np.round(rng.normal(size=300) + y, 1)  # rounded: many ties
    pairs = [
        1.0 if s_pos > s_neg else 0.5 if s_pos == s_neg else 0.0
        for s_pos, s_neg in itertools.product(scores[y], scores[~y])
    ]
    assert logistic.auc(y, scores) == pytest.approx(np.mean(pairs), rel=1e-12)
    assert logistic.auc(y, -scores) == pytest.approx(1 - np.mean(pairs), rel=1e-12)


def test_auc_of_one_outcome_is_refused():
    with pytest.raises(FitError):
        logistic.auc(np.ones(5, dtype=bool), np.arange(5.0))
