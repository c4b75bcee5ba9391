"""`scripts.predict`: the BG/NBD and Gamma-Gamma models, the 2F1 series, the summary, CLV.

Pure Python, no warehouse. Parameter recovery fits models to customers simulated from known
parameters (those Fader, Hardie & Lee report for CDNOW, in weeks); the likelihoods are checked
against the papers' formulas written out naively with `math.lgamma`; the scores against
scipy's 2F1, the untransformed FHL eq. 10, and simulated holdout purchases.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import astuple
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from scripts.errors import UserError
from scripts.predict import bgnbd, clv, gammagamma, summary
from scripts.predict.bgnbd import BgNbdParams
from scripts.predict.fitting import FitError
from scripts.predict.gammagamma import GammaGammaParams
from scripts.predict.hypergeometric import (
    SeriesConvergenceError,
    hyp2f1_series,
    hyp2f1_series_minus_one,
    series_terms_needed,
)

# FHL 2005 ("Counting your customers", CDNOW, weeks) and FHL 2005 ("RFM and CLV").
CDNOW_BGNBD = BgNbdParams(r=0.24, alpha=4.4, a=0.79, b=2.4)
CDNOW_GG = GammaGammaParams(p=6.25, q=3.74, v=15.44)
OTHER_BGNBD = BgNbdParams(r=1.3, alpha=12.0, a=1.6, b=6.0)


def standard_errors(gradient: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Standard errors from the observed information: the Hessian of the total log-likelihood,
    by central differences of its analytic gradient. Fails unless the Hessian is negative
    definite (the estimate is a maximum)."""
    k = theta.size
    hessian = np.empty((k, k))
    for j in range(k):
        step = np.zeros(k)
        step[j] = 1e-5 * theta[j]
        hessian[:, j] = (gradient(theta + step) - gradient(theta - step)) / (2 * step[j])
    hessian = (hessian + hessian.T) / 2
    assert np.all(np.linalg.eigvalsh(hessian) < 0), "the fitted point is not a maximum"
    return np.sqrt(np.diag(np.linalg.inv(-hessian)))


# --- parameter recovery --------------------------------------------------------------------


def test_bgnbd_fit_recovers_simulated_parameters() -> None:
    """10,000 customers whose first purchase falls in the first 12 of 39 weeks (as in CDNOW).

    Tolerance: every parameter within 4 standard errors of the truth (about 2.5 % of r, 4 %
    of alpha, 10-15 % of a and b at this size), and r, alpha within 10 %, a, b within 35 %.
    """
    rng = np.random.default_rng(20050301)
    n = 10_000
    sim = bgnbd.simulate(n, CDNOW_BGNBD, rng.uniform(27, 39, n), rng)
    result = bgnbd.fit(sim.frequency, sim.recency, sim.T).require_converged()

    estimate = np.array(astuple(result.params))
    truth = np.array(astuple(CDNOW_BGNBD))
    se = standard_errors(
        lambda theta: bgnbd.log_likelihood_gradient(
            BgNbdParams(*theta), sim.frequency, sim.recency, sim.T
        ),
        estimate,
    )
    assert result.standard_errors is not None
    np.testing.assert_allclose(list(result.standard_errors.values()), se, rtol=1e-3)
    assert np.all(se < 0.25 * truth), se
    assert np.all(np.abs(estimate - truth) < 4 * se), (estimate, se)
    assert np.all(np.abs(estimate / truth - 1) < [0.10, 0.10, 0.35, 0.35]), estimate
    assert result.n == n
    assert result.log_likelihood == pytest.approx(
        bgnbd.log_likelihood(result.params, sim.frequency, sim.recency, sim.T).sum(), rel=1e-12
    )
    assert result.log_likelihood > (
        bgnbd.log_likelihood(CDNOW_BGNBD, sim.frequency, sim.recency, sim.T).sum()
    )


def test_gammagamma_fit_recovers_simulated_parameters() -> None:
    """10,000 repeat buyers with 1 + Poisson(2) repeat purchases each.

    Tolerance: every parameter within 4 standard errors (about 7 % of p, 2 % of q, 10 % of v)
    and p, v within 35 %, q within 10 %. Customers with no repeat purchase are left out.
    """
    rng = np.random.default_rng(20050302)
    frequency = np.concatenate([1 + rng.poisson(2, 10_000), np.zeros(500)])
    sim = gammagamma.simulate(CDNOW_GG, frequency, rng)
    result = gammagamma.fit(sim.frequency, sim.monetary_value).require_converged()
    assert result.n == 10_000

    spenders = sim.frequency > 0
    x, m = sim.frequency[spenders], sim.monetary_value[spenders]
    estimate = np.array(astuple(result.params))
    truth = np.array(astuple(CDNOW_GG))
    se = standard_errors(
        lambda theta: gammagamma.log_likelihood_gradient(GammaGammaParams(*theta), x, m), estimate
    )
    assert result.standard_errors is not None
    np.testing.assert_allclose(list(result.standard_errors.values()), se, rtol=1e-3)
    assert np.all(se < 0.25 * truth), se
    assert np.all(np.abs(estimate - truth) < 4 * se), (estimate, se)
    assert np.all(np.abs(estimate / truth - 1) < [0.35, 0.10, 0.35]), estimate
    assert result.log_likelihood == pytest.approx(
        gammagamma.log_likelihood(result.params, x, m).sum(), rel=1e-12
    )


def test_fit_that_cannot_converge_is_refused() -> None:
    rng = np.random.default_rng(7)
    sim = bgnbd.simulate(2_000, CDNOW_BGNBD, 39.0, rng)
    result = bgnbd.fit(sim.frequency, sim.recency, sim.T, maxiter=1)
    assert not result.converged
    assert result.iterations == 1
    with pytest.raises(FitError, match="BG/NBD fit on 2000 customers did not converge"):
        result.require_converged()

    spend = gammagamma.simulate(CDNOW_GG, 1 + rng.poisson(2, 2_000), rng)
    gg_result = gammagamma.fit(spend.frequency, spend.monetary_value, maxiter=1)
    with pytest.raises(FitError, match="Gamma-Gamma fit"):
        gg_result.require_converged()
    assert issubclass(FitError, UserError)


def test_fit_with_an_unidentified_parameter_is_refused() -> None:
    """Everyone buys steadily up to the cutoff: nothing shows drop-out, the likelihood is flat."""
    rng = np.random.default_rng(8)
    x = rng.poisson(5, 2_000).astype(float)
    T = np.full(x.size, 39.0)
    result = bgnbd.fit(x, np.where(x > 0, T, 0.0), T)
    assert not result.converged
    assert result.standard_errors is None
    with pytest.raises(FitError, match="do not identify"):
        result.require_converged()
    with pytest.raises(ValueError, match="no customer made a repeat purchase"):
        bgnbd.fit(np.zeros(10), np.zeros(10), np.full(10, 39.0))


# --- likelihoods against the papers' formulas ------------------------------------------------

# (x, t_x, T) in weeks: a one-off buyer, customers with a few purchases, one buying until T.
TINY_CUSTOMERS = [(0, 0.0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (4, 12.0, 30.5)]
TINY_CUSTOMERS += [(12, 33.0, 33.0), (0, 0.0, 2.0)]


def naive_bgnbd_log_likelihood(params: BgNbdParams, x: int, t_x: float, T: float) -> float:
    """FHL 2005 eq. 6 as printed, with Beta functions from math.lgamma, summed in linear space."""
    r, alpha, a, b = astuple(params)

    def beta(u: float, v: float) -> float:
        return math.exp(math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v))

    common = math.exp(math.lgamma(r + x) - math.lgamma(r)) * alpha**r
    alive = beta(a, b + x) / beta(a, b) * common / (alpha + T) ** (r + x)
    gone = beta(a + 1, b + x - 1) / beta(a, b) * common / (alpha + t_x) ** (r + x) if x else 0.0
    return math.log(alive + gone)


def naive_gammagamma_log_likelihood(params: GammaGammaParams, x: int, m: float) -> float:
    """The density of the mean of x Gamma(p, nu) amounts, nu ~ Gamma(q, v) (Fader & Hardie)."""
    p, q, v = astuple(params)
    px = p * x
    norm = math.exp(math.lgamma(px + q) - math.lgamma(px) - math.lgamma(q))
    return math.log(norm * v**q * m ** (px - 1) * x**px / (v + m * x) ** (px + q))


@pytest.mark.parametrize("params", [CDNOW_BGNBD, OTHER_BGNBD, BgNbdParams(3.0, 0.5, 0.2, 0.9)])
def test_bgnbd_log_likelihood_matches_naive_formula(params: BgNbdParams) -> None:
    x, t_x, T = (np.array(column, dtype=float) for column in zip(*TINY_CUSTOMERS, strict=True))
    got = bgnbd.log_likelihood(params, x, t_x, T)
    expected = [naive_bgnbd_log_likelihood(params, *customer) for customer in TINY_CUSTOMERS]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("params", [CDNOW_GG, GammaGammaParams(0.8, 1.5, 200.0)])
def test_gammagamma_log_likelihood_matches_naive_formula(params: GammaGammaParams) -> None:
    customers = [(1, 35.0), (2, 12.5), (5, 60.25), (11, 3.3)]
    x, m = (np.array(column, dtype=float) for column in zip(*customers, strict=True))
    got = gammagamma.log_likelihood(params, x, m)
    expected = [naive_gammagamma_log_likelihood(params, *customer) for customer in customers]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_analytic_gradients_match_finite_differences() -> None:
    x, t_x, T = (np.array(column, dtype=float) for column in zip(*TINY_CUSTOMERS, strict=True))
    theta = np.array(astuple(OTHER_BGNBD))
    for j in range(4):
        step = np.zeros(4)
        step[j] = 1e-6 * theta[j]
        up = bgnbd.log_likelihood(BgNbdParams(*(theta + step)), x, t_x, T).sum()
        down = bgnbd.log_likelihood(BgNbdParams(*(theta - step)), x, t_x, T).sum()
        numeric = (up - down) / (2 * step[j])
        analytic = bgnbd.log_likelihood_gradient(OTHER_BGNBD, x, t_x, T)[j]
        assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-8), j

    x, m = np.array([1.0, 2.0, 5.0, 11.0]), np.array([35.0, 12.5, 60.25, 3.3])
    theta = np.array(astuple(CDNOW_GG))
    for j in range(3):
        step = np.zeros(3)
        step[j] = 1e-6 * theta[j]
        up = gammagamma.log_likelihood(GammaGammaParams(*(theta + step)), x, m).sum()
        down = gammagamma.log_likelihood(GammaGammaParams(*(theta - step)), x, m).sum()
        numeric = (up - down) / (2 * step[j])
        analytic = gammagamma.log_likelihood_gradient(CDNOW_GG, x, m)[j]
        assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-8), j


# --- the 2F1 series -------------------------------------------------------------------------

Z_GRID = [0.0, 1e-6, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95]


def bgnbd_hyp2f1_arguments(params: BgNbdParams, x: float) -> list[tuple[float, float, float]]:
    """The Euler-transformed arguments the expectation uses, and FHL eq. 10's own."""
    r, _, a, b = astuple(params)
    return [(a + b - 1 - r, a - 1, a + b + x - 1), (r + x, b + x, a + b + x - 1)]


@pytest.mark.parametrize("params", [CDNOW_BGNBD, OTHER_BGNBD])
def test_hyp2f1_series_agrees_with_scipy(params: BgNbdParams) -> None:
    for x in (0, 1, 2, 5, 10, 30):
        for a, b, c in bgnbd_hyp2f1_arguments(params, x):
            z = np.array(Z_GRID)
            got = hyp2f1_series(a, b, c, z, tol=1e-13)
            np.testing.assert_allclose(got, special.hyp2f1(a, b, c, z), rtol=1e-9, atol=0)
    # also generic arguments, including negative ones and a terminating series
    a, b, c = np.meshgrid([-2.0, -0.5, 0.3, 4.0], [-0.2, 1.5, 7.0], [0.4, 2.5, 9.0])
    z = np.linspace(-0.6, 0.8, a.size).reshape(a.shape)
    got = hyp2f1_series(a, b, c, z, tol=1e-13)
    np.testing.assert_allclose(got, special.hyp2f1(a, b, c, z), rtol=1e-9, atol=1e-12)


def test_hyp2f1_series_minus_one_keeps_precision_near_zero() -> None:
    a, b, c, z = 2.19 - 0.24, -0.21, 3.19, 1e-9
    first_term = a * b / c * z
    got = hyp2f1_series_minus_one(a, b, c, z)
    assert float(got) == pytest.approx(first_term * (1 + (a + 1) * (b + 1) / (2 * (c + 1)) * z))


def test_hyp2f1_series_reports_non_convergence() -> None:
    with pytest.raises(SeriesConvergenceError, match="not within tol=1e-12 after 10 terms"):
        hyp2f1_series(0.5, 0.3, 1.2, 0.9, terms=10)
    values = hyp2f1_series(0.5, 0.3, 1.2, np.array([0.01, 0.9]), terms=10, strict=False)
    assert values[0] == pytest.approx(special.hyp2f1(0.5, 0.3, 1.2, 0.01), rel=1e-12)
    assert np.isnan(values[1])
    with pytest.raises(ValueError, match=r"\|z\| < 1"):
        hyp2f1_series(0.5, 0.3, 1.2, 1.0)


@pytest.mark.parametrize("z", [0.3, 0.6, 0.9, 0.95])
def test_series_terms_needed_suffices_for_bgnbd_arguments(z: float) -> None:
    """The documented term count is enough for the transformed BG/NBD arguments."""
    for params in (CDNOW_BGNBD, OTHER_BGNBD):
        for x in (0, 1, 10, 200):
            a, b, c = bgnbd_hyp2f1_arguments(params, x)[0]
            terms = series_terms_needed(z, 1e-12)
            got = hyp2f1_series(a, b, c, z, terms=terms, tol=1e-12)  # raises if not enough
            assert float(got) == pytest.approx(special.hyp2f1(a, b, c, z), rel=1e-10)
    assert series_terms_needed(0.5, 1e-12) < series_terms_needed(0.9, 1e-12)


# --- scores ---------------------------------------------------------------------------------

CUSTOMERS = {  # x, t_x, T in weeks
    "x": np.array([0, 0, 1, 2, 5, 10, 3, 20], dtype=float),
    "t_x": np.array([0, 0, 30.0, 5.0, 35.0, 38.0, 1.0, 38.86], dtype=float),
    "T": np.array([38.86, 5.0, 38.86, 38.86, 36.0, 38.0, 38.86, 38.86], dtype=float),
}


def fhl_eq10(params: BgNbdParams, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray):
    """FHL 2005 eq. 10 as printed (no transformation), with scipy's 2F1."""
    r, alpha, a, b = astuple(params)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    odds = np.where(
        x > 0, a / (b + np.maximum(x, 1) - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0
    )
    return numerator / (1 + odds)


@pytest.mark.parametrize("params", [CDNOW_BGNBD, OTHER_BGNBD])
def test_expected_purchases_matches_fhl_eq10_and_the_series(params: BgNbdParams) -> None:
    for t in (1.0, 4.0, 39.0, 52.0, 200.0):
        scipy_way = bgnbd.expected_purchases(params, t, **CUSTOMERS)
        series_way = bgnbd.expected_purchases(params, t, **CUSTOMERS, method="series")
        np.testing.assert_allclose(scipy_way, fhl_eq10(params, t, **CUSTOMERS), rtol=1e-9)
        np.testing.assert_allclose(series_way, scipy_way, rtol=1e-9)
    # FHL eq. 9 for a new customer
    r, alpha, a, b = astuple(params)
    t = np.array([1.0, 39.0, 78.0])
    eq9 = (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )
    np.testing.assert_allclose(bgnbd.expected_purchases_new(params, t), eq9, rtol=1e-9)


def test_score_boundaries() -> None:
    params = CDNOW_BGNBD
    x, t_x, T = CUSTOMERS["x"], CUSTOMERS["t_x"], CUSTOMERS["T"]
    alive = bgnbd.p_alive(params, x, t_x, T)
    assert np.all(alive[x == 0] == 1.0)
    assert np.all((alive > 0) & (alive <= 1))
    assert alive[6] < alive[2]  # bought 3 times early and then nothing: probably gone
    for method in ("scipy", "series"):
        assert np.all(bgnbd.expected_purchases(params, 0.0, x, t_x, T, method=method) == 0.0)

    t = np.linspace(0, 104, 53)[:, None]
    within = bgnbd.p_purchase_within(params, t, x, t_x, T)
    assert np.all((within >= 0) & (within <= 1))
    assert np.all(np.diff(within, axis=0) > 0)
    far = bgnbd.p_purchase_within(params, np.array([1e3, 1e4, 1e6])[:, None], x, t_x, T)
    assert np.all(np.diff(far, axis=0) >= 0)  # saturates at P(alive)
    assert np.all(within[-1] <= alive)  # only the living buy again
    expected = bgnbd.expected_purchases(params, t, x, t_x, T)
    assert np.all(np.diff(expected, axis=0) > 0)
    assert np.all(expected >= within - 1e-12)  # E[N] >= P(N >= 1)


def test_scores_match_simulated_holdout() -> None:
    """Conditional expectations average to what the simulated customers did next.

    Each score is an expectation given the customer's history, so the mean of (outcome - score)
    is 0 in expectation; allowed: 4 standard errors of that mean.
    """
    rng = np.random.default_rng(20050303)
    n, horizon = 20_000, 39.0
    sim = bgnbd.simulate(n, CDNOW_BGNBD, rng.uniform(27, 39, n), rng, holdout=horizon)
    history = (sim.frequency, sim.recency, sim.T)
    checks = {
        "alive": (sim.alive.astype(float), bgnbd.p_alive(CDNOW_BGNBD, *history)),
        "purchases": (
            sim.holdout_frequency,
            bgnbd.expected_purchases(CDNOW_BGNBD, horizon, *history, method="series"),
        ),
        "any purchase": (
            (sim.holdout_frequency > 0).astype(float),
            bgnbd.p_purchase_within(CDNOW_BGNBD, horizon, *history),
        ),
    }
    for name, (outcome, score) in checks.items():
        gap = outcome - score
        assert abs(gap.mean()) < 4 * gap.std() / math.sqrt(n), (name, gap.mean())


@pytest.mark.filterwarnings("error")
def test_extreme_inputs_raise_no_floating_point_errors() -> None:
    x = np.array([0, 1, 200, 200, 200, 0], dtype=float)
    t_x = np.array([0, 1e-3, 1.0, 999.0, 1000.0, 0.0])
    T = np.array([1000.0, 1000.0, 1000.0, 1000.0, 1000.0, 0.0])
    params_sets = [
        BgNbdParams(0.24, 1e-8, 0.79, 2.4),
        BgNbdParams(50.0, 1e-8, 0.01, 100.0),
        BgNbdParams(0.01, 1e6, 1.9, 0.1),
        BgNbdParams(1e-8, 1e-8, 1e-3, 1e3),
    ]
    pairs = []  # (series, scipy) expectations, compared outside the errstate block
    with np.errstate(all="raise"), special.errstate(all="raise"):
        for params in params_sets:
            assert np.all(np.isfinite(bgnbd.log_likelihood(params, x, t_x, T)))
            assert np.all(np.isfinite(bgnbd.log_likelihood_gradient(params, x, t_x, T)))
            alive = bgnbd.p_alive(params, x, t_x, T)
            assert np.all((alive >= 0) & (alive <= 1))
            for t in (0.0, 1e-9, 1.0, 52.0, 1e5):
                # expectations for the customers seen for a while: z = t/(alpha+T+t) <= 0.99
                seen = (x[:-1], t_x[:-1], T[:-1])
                expected = bgnbd.expected_purchases(params, t, *seen)
                assert np.all(np.isfinite(expected) & (expected >= 0)), (params, t)
                series = bgnbd.expected_purchases(params, t, *seen, method="series")
                if params.r >= 1e-3:  # else both ways lose precision (see the docstring)
                    pairs.append((series, expected))
                within = bgnbd.p_purchase_within(params, t, x, t_x, T)
                assert np.all((within >= 0) & (within <= 1))
        spend = GammaGammaParams(1e-3, 1e3, 1e-6)
        for params in (CDNOW_GG, spend, GammaGammaParams(1e3, 1.001, 1e6)):
            frequency, m = np.array([1.0, 200.0, 200.0]), np.array([1e-6, 1e-6, 1e6])
            assert np.all(np.isfinite(gammagamma.log_likelihood(params, frequency, m)))
            assert np.all(np.isfinite(gammagamma.log_likelihood_gradient(params, frequency, m)))
            assert np.all(np.isfinite(gammagamma.expected_average_value(params, frequency, m)))
        value = clv.lifetime_value(params_sets[0], CDNOW_GG, x, t_x, T, 20.0, 52.0, 4.0, 0.01)
        assert np.all(np.isfinite(value) & (value >= 0))
    # A customer first seen on the cutoff (T = 0) with a tiny alpha has z = 1 - 1e-8: the
    # series would need billions of terms and scipy's 2F1 returns NaN for these arguments
    # (flagging an internal overflow); both say so rather than returning a wrong value.
    with np.errstate(all="raise"):
        with pytest.raises(SeriesConvergenceError, match=re.escape("largest |z| = 1")):
            bgnbd.expected_purchases(params_sets[0], 1.0, 0, 0, 0, method="series")
        with pytest.raises(ValueError, match="too close to 1"):
            bgnbd.expected_purchases(params_sets[3], 1.0, 0, 0, 0)
    # scipy's way is off by up to ~1e-16 (a+b+x-1)/|a-1| in absolute terms (see the docstring)
    for series, scipy_way in pairs:
        np.testing.assert_allclose(series, scipy_way, rtol=1e-6, atol=1e-12)


def test_gammagamma_expected_average_value() -> None:
    p, q, v = astuple(CDNOW_GG)
    got = gammagamma.expected_average_value(CDNOW_GG, [0, 1, 4], [0.0, 30.0, 12.0])
    expected = [p * v / (q - 1), p * (v + 30.0) / (p + q - 1), p * (v + 48.0) / (4 * p + q - 1)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # many purchases: the customer's own mean wins over the population's
    assert gammagamma.expected_average_value(CDNOW_GG, 10_000, 12.0) == pytest.approx(12, rel=1e-3)
    with pytest.raises(ValueError, match="q > 1"):
        gammagamma.expected_average_value(GammaGammaParams(1.0, 0.9, 1.0), 1, 10.0)


def test_lifetime_value() -> None:
    x, t_x, T = CUSTOMERS["x"], CUSTOMERS["t_x"], CUSTOMERS["T"]
    m = np.where(x > 0, 25.0, 0.0)
    per_purchase = gammagamma.expected_average_value(CDNOW_GG, x, m)
    undiscounted = clv.lifetime_value(CDNOW_BGNBD, CDNOW_GG, x, t_x, T, m, 52.0, 4.0, 0.0)
    np.testing.assert_allclose(
        undiscounted,
        per_purchase * bgnbd.expected_purchases(CDNOW_BGNBD, 52.0, x, t_x, T),
        rtol=1e-12,
    )
    d = 0.01
    expected = sum(
        per_purchase
        * (
            bgnbd.expected_purchases(CDNOW_BGNBD, 4.0 * k, x, t_x, T)
            - bgnbd.expected_purchases(CDNOW_BGNBD, 4.0 * (k - 1), x, t_x, T)
        )
        / (1 + d) ** k
        for k in range(1, 14)
    )
    discounted = clv.lifetime_value(CDNOW_BGNBD, CDNOW_GG, x, t_x, T, m, 52.0, 4.0, d)
    np.testing.assert_allclose(discounted, expected, rtol=1e-12)
    assert np.all(discounted < undiscounted)
    with pytest.raises(ValueError, match="whole number of steps"):
        clv.lifetime_value(CDNOW_BGNBD, CDNOW_GG, x, t_x, T, m, 50.0, 4.0, d)


# --- summary --------------------------------------------------------------------------------


def hand_made_log() -> list[tuple[object, object, object]]:
    return [
        ("c1", "2024-01-01", 10.0),
        ("c1", "2024-01-01", "5"),  # same day: one purchase of 15
        ("c1", datetime(2024, 1, 8, 23, 30, tzinfo=UTC), 20),
        ("c1", "20240115", 12.0),
        ("c1", 20240115, 18.0),  # repeat day totalling 30
        ("c1", "2024-02-01", 99.0),  # after the cutoff
        ("c2", date(2024, 1, 10), 12.5),
        ("c3", "2024-02-03", 40.0),  # first purchase after the cutoff
        (" c4 ", "2024-01-05", 7.0),
        ("c4", "2024-01-05T22:00:00-05:00", 3.0),  # 2024-01-06 03:00 UTC
        ("c1", "2024-01-29", 0.0),  # on the cutoff: counts
    ]


def test_summary_of_a_hand_made_log() -> None:
    result = summary.summarize(hand_made_log(), cutoff="2024-01-29")
    assert result.customer_ids == ("c1", "c2", "c4")
    assert result.cutoff == date(2024, 1, 29)
    # c1: days 01-01 (15), 01-08 (20), 01-15 (30), 01-29 (0); c2: one day; c4: 01-05, 01-06
    np.testing.assert_array_equal(result.frequency, [3, 0, 1])
    np.testing.assert_array_equal(result.recency, [28, 0, 1])
    np.testing.assert_array_equal(result.T, [28, 19, 24])
    np.testing.assert_array_equal(result.monetary_value, [50 / 3, 0, 3])
    assert result.first_purchase_dates == (date(2024, 1, 1), date(2024, 1, 10), date(2024, 1, 5))
    assert [(row.customer_id, row.amount) for row in result.holdout] == [("c1", 99), ("c3", 40)]
    np.testing.assert_array_equal(result.holdout_frequency(), [1, 0, 0])
    np.testing.assert_array_equal(result.holdout_frequency("2024-01-31"), [0, 0, 0])
    assert result.holdout_length("2024-02-26") == 28

    weeks = summary.summarize(hand_made_log(), cutoff=date(2024, 1, 29), time_unit="weeks")
    np.testing.assert_array_equal(weeks.frequency, result.frequency)
    np.testing.assert_allclose(weeks.recency, [4, 0, 1 / 7], rtol=1e-15)
    np.testing.assert_allclose(weeks.T, [4, 19 / 7, 24 / 7], rtol=1e-15)
    np.testing.assert_array_equal(weeks.monetary_value, result.monetary_value)
    assert weeks.holdout_length("2024-02-26") == 4

    everything = summary.summarize(hand_made_log())  # cutoff: the last purchase, 2024-02-03
    assert everything.cutoff == date(2024, 2, 3)
    assert everything.customer_ids == ("c1", "c2", "c3", "c4")
    np.testing.assert_array_equal(everything.frequency, [4, 0, 0, 1])
    assert everything.holdout == ()


def test_summary_reads_csv_with_configured_columns(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id;person;ordered_on;total_amount\n"
        "o1;p1;2024-03-01;10.50\n"
        "o2;p1;20240308;4.50\n"
        "o3;p2;2024-03-02;8\n",
        encoding="utf-8",
    )
    rows = summary.read_transactions_csv(
        path,
        customer_id_column="person",
        date_column="ordered_on",
        amount_column="total_amount",
        delimiter=";",
    )
    result = summary.summarize(rows, cutoff="2024-03-15", time_unit="weeks")
    assert result.customer_ids == ("p1", "p2")
    np.testing.assert_allclose(result.frequency, [1, 0])
    np.testing.assert_allclose(result.recency, [1, 0])
    np.testing.assert_allclose(result.T, [2, 13 / 7])
    np.testing.assert_allclose(result.monetary_value, [4.5, 0])
    with pytest.raises(summary.TransactionError, match="no column 'customer_id'"):
        summary.read_transactions_csv(path, delimiter=";")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("p2,2024-13-01,8", "line 3 (customer 'p2'): not a date"),
        ("p2,2024-03-02,abc", "line 3 (customer 'p2'): not a number: 'abc'"),
        ("p2,2024-03-02,-1", "line 3 (customer 'p2'): negative amount"),
        ("p2,2024-03-02,nan", "line 3 (customer 'p2'): not a finite amount"),
        (",2024-03-02,8", "line 3: missing customer id"),
    ],
)
def test_bad_rows_raise_with_their_line_number(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(f"customer_id,date,amount\np1,2024-03-01,1\n{line}\n", encoding="utf-8")
    with pytest.raises(summary.TransactionError, match=re.escape(message)):
        summary.read_transactions_csv(path)


def test_bad_rows_from_python_name_their_row() -> None:
    rows = [("a", "2024-01-01", 1.0), ("b", "yesterday", 2.0)]
    with pytest.raises(summary.TransactionError, match=r"row 2 .*not a date"):
        summary.summarize(rows)
    with pytest.raises(summary.TransactionError, match="row 1: expected"):
        summary.summarize([("a", "2024-01-01")])
    tz = timezone(timedelta(hours=14))
    late = summary.summarize([("a", datetime(2024, 1, 2, 5, 0, tzinfo=tz), 1.0)])
    assert late.cutoff == date(2024, 1, 1)  # the UTC date of an aware timestamp


def test_read_cdnow(tmp_path: Path) -> None:
    path = tmp_path / "CDNOW_sample.txt"
    path.write_text(
        "   00001 19970101  1  11.77\n"
        "00001 19970112 2 29.33\n\n"
        "00002,19970101,1,12.00\n"
        "00001 19970112 1 5.00\n",
        encoding="utf-8",
    )
    rows = summary.read_cdnow(path)
    assert rows[0] == summary.Transaction("00001", date(1997, 1, 1), 11.77)
    result = summary.summarize(rows, cutoff="1997-01-15")
    assert result.customer_ids == ("00001", "00002")
    np.testing.assert_allclose(result.frequency, [1, 0])
    np.testing.assert_allclose(result.monetary_value, [34.33, 0])
    path.write_text("00001 19970101 11.77\n", encoding="utf-8")
    with pytest.raises(summary.TransactionError, match="line 1: expected 4 fields"):
        summary.read_cdnow(path)


def test_fit_reproduces_the_published_cdnow_parameters(tmp_path_factory):
    """The CDNOW sample (a real transaction log, fetched from PyPI) gives back the BG/NBD
    and Gamma-Gamma parameters Fader, Hardie & Lee published, to their three digits."""
    import os

    from scripts.predict import cdnow

    try:
        path = cdnow.fetch(tmp_path_factory.mktemp("cdnow"))
    except UserError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"CDNOW sample not reachable: {exc}")
    summarized = summary.summarize(
        summary.read_cdnow(path), cutoff=cdnow.CALIBRATION_END, time_unit="weeks"
    )
    assert len(summarized.customer_ids) == 2357
    fit = bgnbd.fit(summarized.frequency, summarized.recency, summarized.T).require_converged()
    for name, published in cdnow.PUBLISHED_BGNBD.items():
        assert getattr(fit.params, name) == pytest.approx(published, abs=0.0006), name
    assert fit.log_likelihood == pytest.approx(cdnow.PUBLISHED_BGNBD_LOG_LIKELIHOOD, abs=0.05)
    repeat = summarized.frequency > 0
    spend = gammagamma.fit(
        summarized.frequency[repeat], summarized.monetary_value[repeat]
    ).require_converged()
    for name, published in cdnow.PUBLISHED_GAMMA_GAMMA.items():
        assert getattr(spend.params, name) == pytest.approx(published, abs=0.006), name
