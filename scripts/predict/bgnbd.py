"""The BG/NBD purchase model: fit, P(alive), expected purchases, P(purchase within t).

Source: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "'Counting your customers' the
easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2), 275-284 (FHL).

Model. While active, a customer buys as a Poisson process of rate lambda; after each repeat
purchase they drop out for good with probability p. Across customers lambda ~ Gamma(r, rate
alpha) and p ~ Beta(a, b). A customer is described by x (repeat purchases in (0, T]), t_x
(time of the last of them; 0 when x = 0) and T (time since the first purchase), all times in
one unit (days or weeks, see `summary`); alpha is in that unit too.

Likelihood (FHL eq. 6, with B the Beta function):

    L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
      + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))

Since B(a+1, b+x-1) / B(a, b+x) = a / (b+x-1), in logs

    A1 = ln G(r+x) - ln G(r) + r ln alpha          A2 = ln B(a, b+x) - ln B(a, b)
    A3 = -(r+x) ln(alpha+T)                        A4 = ln a - ln(b+x-1) - (r+x) ln(alpha+t_x)
    ln L = A1 + A2 + ln(e^A3 + [x > 0] e^A4),

the last term a log-sum-exp, A3 + ln(1 + e^(A4-A3)), whose exponent is clamped so that it
neither overflows nor underflows (as the SQL must: Postgres raises on float underflow).

Scores (FHL eq. 10; P(alive) from Fader, Hardie & Lee (2008), "Computing P(alive) using the
BG/NBD model"; the last from the posterior of lambda):

    P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))

    E[X(T, T+t] | x, t_x, T) = (a+b+x-1)/(a-1)
        * (1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)) * P(alive),
      z = t/(alpha+T+t)

    P(at least one purchase in (T, T+t]) = P(alive) (1 - ((alpha+T)/(alpha+T+t))^(r+x))

(an active customer's lambda is Gamma(r+x, rate alpha+T) a posteriori, and an active customer
makes no purchase in the window exactly when the Poisson process has no event in it).

The expectation uses Euler's transformation 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z),
which turns the bracket into  1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z):  the same value,
but the series' first two arguments no longer grow with x, its terms shrink from the start (at
least as fast as z^n when a <= 2 and r <= a+b-1), and no power overflows for a frequent buyer.
It needs a != 1 and a+b+x-1 > 0 (so a+b > 1 for customers with x = 0).
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma, gammaln, hyp2f1

from scripts.predict.fitting import FitResult, maximize_log_likelihood
from scripts.predict.hypergeometric import (
    DEFAULT_TERMS,
    DEFAULT_TOL,
    hyp2f1_series,
    hyp2f1_series_minus_one,
)
from scripts.predict.numeric import expit_flushed, log1p_exp, multiply_flushed

__all__ = [
    "BgNbdParams",
    "BgNbdSimulation",
    "expected_purchases",
    "expected_purchases_new",
    "fit",
    "hyp2f1_series",
    "log_likelihood",
    "p_alive",
    "p_purchase_within",
    "simulate",
]

Method = Literal["scipy", "series"]
P_FLOOR = 1e-12  # simulate: drop-out probabilities are drawn no smaller than this


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters: lambda ~ Gamma(r, rate alpha) (alpha in time units), p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    def __post_init__(self) -> None:
        for name, value in zip(("r", "alpha", "a", "b"), astuple(self), strict=True):
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"BG/NBD parameter {name} must be finite and > 0, got {value!r}")


@dataclass(frozen=True)
class BgNbdSimulation:
    """Customers drawn from the BG/NBD process, observed over (0, T] and a holdout (T, T+h]."""

    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    holdout_frequency: np.ndarray  # purchases in (T, T + holdout]
    alive: np.ndarray  # still active at T (not observable in real data)
    lam: np.ndarray
    p: np.ndarray


def _customers(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> tuple[np.ndarray, ...]:
    """(x, t_x, T) as broadcast float arrays, checked: x a whole number >= 0, 0 <= t_x <= T."""
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, T)))
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t_x)) and np.all(np.isfinite(T))):
        raise ValueError("frequency, recency and T must be finite")
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("frequency must be a whole number >= 0")
    if np.any(t_x < 0) or np.any(t_x > T):
        raise ValueError("recency must lie between 0 and T")
    return x, t_x, T


def _log_likelihood_terms(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, gradient: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-customer ln L and (optionally) its gradient with respect to (r, alpha, a, b)."""
    r, alpha, a, b = params
    repeat = x > 0
    b_x_1 = np.where(repeat, b + x - 1.0, 1.0)  # b+x-1 appears only when x > 0
    log_alpha_T = np.log(alpha + T)
    log_alpha_tx = np.log(alpha + t_x)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * log_alpha_T
    a4 = np.log(a) - np.log(b_x_1) - (r + x) * log_alpha_tx
    # ln(e^A3 + e^A4) = A3 + ln(1 + e^(A4 - A3))
    ll = a1 + a2 + np.where(repeat, a3 + log1p_exp(a4 - a3), a3)
    if not gradient:
        return ll, None
    # Weights of the two terms of L: w4 = e^A4 / (e^A3 + e^A4). Tiny weights are set to 0 so
    # that multiplying them cannot underflow.
    w4 = np.where(repeat, expit_flushed(a4 - a3), 0.0)
    w4 = np.where(w4 < 1e-200, 0.0, w4)
    w3 = np.where(repeat, expit_flushed(a3 - a4), 1.0)
    w3 = np.where(w3 < 1e-200, 0.0, w3)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * log_alpha_T - w4 * log_alpha_tx
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))
    d_a = digamma(a + b) - digamma(a + b + x) + w4 / a
    d_b = digamma(b + x) - digamma(b) + digamma(a + b) - digamma(a + b + x) - w4 / b_x_1
    return ll, np.stack([d_r, d_alpha, d_a, d_b])


def log_likelihood(params: BgNbdParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood ln L(r, alpha, a, b | x, t_x, T) (FHL eq. 6)."""
    x, t_x, T = _customers(x, t_x, T)
    ll, _ = _log_likelihood_terms(np.array(astuple(params)), x, t_x, T, gradient=False)
    return ll


def log_likelihood_gradient(
    params: BgNbdParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """Gradient of the total log-likelihood with respect to (r, alpha, a, b)."""
    x, t_x, T = _customers(x, t_x, T)
    _, grad = _log_likelihood_terms(np.array(astuple(params)), x, t_x, T, gradient=True)
    assert grad is not None
    return grad.reshape(4, -1).sum(axis=1)


def fit(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    penalty: float = 0.0,
    starts: list[BgNbdParams] | None = None,
    maxiter: int = 1000,
) -> FitResult[BgNbdParams]:
    """Fit (r, alpha, a, b) by maximum likelihood (FHL eq. 6) over customers (x, t_x, T).

    Minimises -mean ln L + penalty * (r^2 + alpha^2 + a^2 + b^2) over the logs of the
    parameters with L-BFGS-B and the analytic gradient. Default starts: (r, a, b) in
    {(1, 1, 1), (0.5, 0.5, 2), (2, 2, 5)}, each with alpha = r * mean(T) / mean(x) (the
    purchase rate the data show). Check `converged`, or call `.require_converged()`.
    """
    x, t_x, T_ = _customers(frequency, recency, T)
    x, t_x, T_ = x.ravel(), t_x.ravel(), T_.ravel()
    if x.size == 0:
        raise ValueError("no customers to fit")
    if not np.any(x > 0):
        raise ValueError("no customer made a repeat purchase: drop-out (a, b) cannot be fitted")
    n = x.size

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        ll, grad = _log_likelihood_terms(params, x, t_x, T_, gradient=True)
        assert grad is not None
        return -float(ll.sum()) / n, -grad.sum(axis=1) * params / n

    if starts is None:
        rate = max(float(x.mean()), 0.1) / max(float(T_.mean()), 1e-9)
        starts = [
            BgNbdParams(r, r / rate, a, b) for r, a, b in ((1, 1, 1), (0.5, 0.5, 2), (2, 2, 5))
        ]
    optimum = maximize_log_likelihood(
        objective,
        [astuple(start) for start in starts],
        ("r", "alpha", "a", "b"),
        n,
        penalty=penalty,
        maxiter=maxiter,
    )
    params = BgNbdParams(*(float(v) for v in optimum.params))
    return FitResult.from_optimum("BG/NBD", params, optimum, n, len(starts))


def _log_odds_dead(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """ln(a/(b+x-1)) + (r+x) ln((alpha+T)/(alpha+t_x)), for x > 0 (0 placeholder for x = 0)."""
    repeat = x > 0
    b_x_1 = np.where(repeat, params.b + x - 1.0, 1.0)
    log_ratio = np.log1p((T - t_x) / (params.alpha + t_x))
    return np.where(repeat, np.log(params.a) - np.log(b_x_1) + (params.r + x) * log_ratio, 0.0)


def p_alive(params: BgNbdParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> np.ndarray:
    """P(still active at T | x, t_x, T), computed as expit(-log odds of drop-out); 1 when x = 0."""
    x, t_x, T = _customers(x, t_x, T)
    return np.where(x > 0, expit_flushed(-_log_odds_dead(params, x, t_x, T)), 1.0)


def _check_expectation_params(params: BgNbdParams, x: np.ndarray) -> None:
    if params.a == 1.0:
        raise ValueError("expected_purchases needs a != 1 (the closed form divides by a - 1)")
    if np.any(params.a + params.b + x - 1 <= 0):
        raise ValueError("expected_purchases needs a + b > 1 for customers with x = 0")


def expected_purchases(
    params: BgNbdParams,
    t: ArrayLike,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    *,
    method: Method = "scipy",
    terms: int = DEFAULT_TERMS,
    tol: float = DEFAULT_TOL,
) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T] (FHL eq. 10), t in the model's time unit.

    `method="scipy"` evaluates 2F1 with `scipy.special.hyp2f1`; `method="series"` with the
    truncated series `hyp2f1_series` (what the SQL mirrors; `terms` and `tol` apply to it and it
    raises `SeriesConvergenceError` when it does not converge). Both use the Euler-transformed
    form described in the module docstring.

    Precision. The bracket 1 - (1-z)^(a-1) F is a difference of two numbers close to 1 when the
    expectation is small. The series sums F - 1 directly and keeps the relative precision for
    small t; scipy's F is a value close to 1 there, which adds an absolute error of about
    1e-16 (a+b+x-1)/|a-1| (a large relative error only for expectations below about 1e-10).
    Both lose relative precision by a factor of about (a+b-1)/r when t << alpha+T, since the
    bracket is then of order r while its terms are of order 1: with the series the relative
    error is about tol (a+b-1)/r, negligible for fitted r of 1e-3 or more, large for r ~ 1e-8.

    z -> 1 (T = 0, a customer first seen on the cutoff day, with alpha much smaller than t)
    is the hard case: the series needs about ln(1/tol)/(1 - z) terms and raises beyond `terms`;
    scipy's 2F1 may return NaN there, which raises ValueError rather than being passed on.
    """
    x, t_x, T = _customers(x, t_x, T)
    t, x, t_x, T = np.broadcast_arrays(np.asarray(t, dtype=float), x, t_x, T)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("t must be finite and >= 0")
    _check_expectation_params(params, x)
    r, alpha, a, b = astuple(params)
    c = a + b + x - 1.0
    z = t / (alpha + T + t)
    if method == "series":
        log_f = np.log1p(hyp2f1_series_minus_one(a + b - 1 - r, a - 1, c, z, terms, tol))
    elif method == "scipy":
        f = hyp2f1(a + b - 1 - r, a - 1, c, z)
        if not np.all(np.isfinite(f) & (f > 0)):
            worst = float(np.max(np.where(np.isfinite(f) & (f > 0), 0.0, z)))
            raise ValueError(
                f"scipy.special.hyp2f1 failed (NaN or <= 0) at z up to {worst:.12g}: z = "
                "t/(alpha+T+t) is too close to 1 (a customer first seen at the cutoff, T = 0, "
                "with alpha much smaller than t)"
            )
        log_f = np.log(f)
    else:
        raise ValueError(f"method must be 'scipy' or 'series', got {method!r}")
    # 1 - (1-z)^(a-1) F, without cancellation when t is small
    bracket = -np.expm1((a - 1) * np.log1p(-z) + log_f)
    if_alive = c / (a - 1) * bracket
    alive = np.where(x > 0, expit_flushed(-_log_odds_dead(params, x, t_x, T)), 1.0)
    return multiply_flushed(if_alive, alive)


def expected_purchases_new(
    params: BgNbdParams, t: ArrayLike, *, method: Method = "scipy"
) -> np.ndarray:
    """E[X(t)] for a customer who just made a first purchase (FHL eq. 9; x = t_x = T = 0)."""
    t = np.asarray(t, dtype=float)
    return expected_purchases(
        params, t, np.zeros(t.shape), np.zeros(t.shape), np.zeros(t.shape), method=method
    )


def p_purchase_within(
    params: BgNbdParams, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """P(at least one purchase in (T, T+t] | x, t_x, T), t in the model's time unit.

    = 1 - [(1 - P(alive)) + P(alive) ((alpha+T)/(alpha+T+t))^(r+x)], written as
    P(alive) * -expm1(-(r+x) ln(1 + t/(alpha+T))) so that small t keeps its precision.
    """
    x, t_x, T = _customers(x, t_x, T)
    t, x, t_x, T = np.broadcast_arrays(np.asarray(t, dtype=float), x, t_x, T)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("t must be finite and >= 0")
    no_event_if_alive = -(params.r + x) * np.log1p(t / (params.alpha + T))
    alive = np.where(x > 0, expit_flushed(-_log_odds_dead(params, x, t_x, T)), 1.0)
    return multiply_flushed(alive, -np.expm1(no_event_if_alive))


def simulate(
    n: int,
    params: BgNbdParams,
    T: ArrayLike,
    rng: np.random.Generator | int | None = None,
    *,
    holdout: float = 0.0,
) -> BgNbdSimulation:
    """Draw `n` customers from the BG/NBD process (FHL section 2), each observed over (0, T].

    Each customer gets lambda ~ Gamma(r, scale 1/alpha) and p ~ Beta(a, b) (p no smaller than
    1e-12, so the geometric draw stays finite). The number of repeat purchases they would make
    before dropping out is M ~ Geometric(p) on {1, 2, ...} (drop-out right after the M-th);
    the Poisson count in (0, T] is K ~ Poisson(lambda T); then x = min(K, M), the customer is
    alive at T when K < M, and t_x, the x-th of K uniform event times on (0, T], is
    T * Beta(x, K - x + 1). `holdout` > 0 also counts the purchases in (T, T + holdout].
    `T` is a number or an array of n.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n!r}")
    rng = np.random.default_rng(rng)
    T_ = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    if not np.all(np.isfinite(T_)) or np.any(T_ < 0) or holdout < 0:
        raise ValueError("T and holdout must be finite and >= 0")
    lam = rng.gamma(params.r, 1.0 / params.alpha, n)
    p = np.maximum(rng.beta(params.a, params.b, n), P_FLOOR)
    limit = rng.geometric(p)
    events = rng.poisson(lam * T_)
    x = np.minimum(events, limit)
    some = x > 0
    position = rng.beta(np.where(some, x, 1), np.where(some, events - x + 1, 1))
    recency = np.where(some, T_ * position, 0.0)
    later = rng.poisson(lam * holdout) if holdout > 0 else np.zeros(n, dtype=int)
    return BgNbdSimulation(
        frequency=x.astype(float),
        recency=recency,
        T=T_,
        holdout_frequency=(np.minimum(events + later, limit) - x).astype(float),
        alive=events < limit,
        lam=lam,
        p=p,
    )
