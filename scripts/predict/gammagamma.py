"""The Gamma-Gamma spend model: fit, expected average purchase value.

Sources: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "RFM and CLV: using iso-value
curves for customer base analysis", Journal of Marketing Research 42(4), 415-430; the note
P. S. Fader and B. G. S. Hardie (2013), "The Gamma-Gamma model of monetary value"; after
R. Colombo and W. Jiang (1999), "A stochastic RFM model", Journal of Interactive Marketing.

Model. A customer's purchase amounts z_1..z_x are Gamma(p, rate nu) and independent of their
purchase times; across customers nu ~ Gamma(q, rate v). Only the x repeat purchases and their
mean m enter (the first purchase is left out, as in the BG/NBD summary). The mean's density,
with nu integrated out, gives the per-customer log-likelihood (x > 0)

    ln f(m | p, q, v, x) = ln G(p x + q) - ln G(p x) - ln G(q) + q ln v + (p x - 1) ln m
                           + p x ln x - (p x + q) ln(x m + v),

and the posterior mean of a purchase's value (q > 1)

    E[Z | x, m] = p (v + x m) / (p x + q - 1),   which for x = 0 is the population mean p v/(q-1).

The model assumes a customer's spend does not depend on how often they buy: check that the
correlation of frequency and monetary value over the repeat buyers is small before using it.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from scripts.predict.fitting import FitResult, maximize_log_likelihood

__all__ = [
    "GammaGammaParams",
    "GammaGammaSimulation",
    "expected_average_value",
    "fit",
    "log_likelihood",
    "simulate",
]


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters: amounts ~ Gamma(p, rate nu), nu ~ Gamma(q, rate v)."""

    p: float
    q: float
    v: float

    def __post_init__(self) -> None:
        for name, value in zip(("p", "q", "v"), astuple(self), strict=True):
            if not (np.isfinite(value) and value > 0):
                raise ValueError(
                    f"Gamma-Gamma parameter {name} must be finite and > 0, got {value!r}"
                )


@dataclass(frozen=True)
class GammaGammaSimulation:
    """Customers' repeat-purchase counts and the mean amount of those purchases."""

    frequency: np.ndarray
    monetary_value: np.ndarray  # 0 where frequency is 0
    nu: np.ndarray


def _spenders(x: ArrayLike, m: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(x, m) as float arrays, checked: x a whole number >= 1 and m > 0."""
    x, m = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(m, dtype=float))
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(m))):
        raise ValueError("frequency and monetary value must be finite")
    if np.any(x < 1) or np.any(x != np.floor(x)):
        raise ValueError("the Gamma-Gamma likelihood needs frequency >= 1 (whole numbers)")
    if np.any(m <= 0):
        raise ValueError("the Gamma-Gamma likelihood needs a monetary value > 0")
    return x, m


def _log_likelihood_terms(
    params: np.ndarray, x: np.ndarray, m: np.ndarray, gradient: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-customer ln f and (optionally) its gradient with respect to (p, q, v)."""
    p, q, v = params
    px = p * x
    log_xm_v = np.log(x * m + v)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_xm_v
    )
    if not gradient:
        return ll, None
    d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - log_xm_v)
    d_q = digamma(px + q) - digamma(q) + np.log(v) - log_xm_v
    d_v = q / v - (px + q) / (x * m + v)
    return ll, np.stack([d_p, d_q, d_v])


def log_likelihood(params: GammaGammaParams, x: ArrayLike, m: ArrayLike) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood of the mean amount m of x >= 1 purchases."""
    x, m = _spenders(x, m)
    ll, _ = _log_likelihood_terms(np.array(astuple(params)), x, m, gradient=False)
    return ll


def log_likelihood_gradient(params: GammaGammaParams, x: ArrayLike, m: ArrayLike) -> np.ndarray:
    """Gradient of the total log-likelihood with respect to (p, q, v)."""
    x, m = _spenders(x, m)
    _, grad = _log_likelihood_terms(np.array(astuple(params)), x, m, gradient=True)
    assert grad is not None
    return grad.reshape(3, -1).sum(axis=1)


def fit(
    frequency: ArrayLike,
    monetary_value: ArrayLike,
    *,
    penalty: float = 0.0,
    starts: list[GammaGammaParams] | None = None,
    maxiter: int = 1000,
) -> FitResult[GammaGammaParams]:
    """Fit (p, q, v) by maximum likelihood over the customers with frequency > 0.

    Customers with frequency 0 carry no information on spend here and are left out (`n`
    counts those used). Minimises -mean ln f + penalty * (p^2 + q^2 + v^2) over the logs of the
    parameters with L-BFGS-B and the analytic gradient. Default starts: (p, q) in {(1, 2),
    (5, 4), (10, 3)}, each with v set so that the population mean p v/(q-1) equals the mean of m.
    """
    x, m = np.broadcast_arrays(
        np.asarray(frequency, dtype=float).ravel(), np.asarray(monetary_value, dtype=float).ravel()
    )
    keep = x > 0
    x, m = _spenders(x[keep], m[keep])
    if x.size == 0:
        raise ValueError("no customer with a repeat purchase to fit")
    n = x.size

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        ll, grad = _log_likelihood_terms(params, x, m, gradient=True)
        assert grad is not None
        return -float(ll.sum()) / n, -grad.sum(axis=1) * params / n

    if starts is None:
        mean_m = float(m.mean())
        starts = [
            GammaGammaParams(p, q, mean_m * (q - 1) / p) for p, q in ((1, 2), (5, 4), (10, 3))
        ]
    optimum = maximize_log_likelihood(
        objective,
        [astuple(start) for start in starts],
        ("p", "q", "v"),
        n,
        penalty=penalty,
        maxiter=maxiter,
    )
    params = GammaGammaParams(*(float(v) for v in optimum.params))
    return FitResult.from_optimum("Gamma-Gamma", params, optimum, n, len(starts))


def expected_average_value(params: GammaGammaParams, x: ArrayLike, m: ArrayLike) -> np.ndarray:
    """E[amount of a future purchase | x, m] = p (v + x m) / (p x + q - 1) (Fader & Hardie 2013).

    For x = 0, m is ignored (0, NaN or None allowed) and the population mean p v / (q - 1) is
    returned. m = 0 with x > 0 (repeat purchases all returned: net revenue 0) is scored by the
    same formula, which shrinks the population mean towards 0; the fit leaves such customers
    out, since the model's amounts are positive. Needs q > 1: with q <= 1 the population mean
    spend is infinite.
    """
    p, q, v = astuple(params)
    if q <= 1:
        raise ValueError(f"expected_average_value needs q > 1, got q = {q!r}")
    x = np.asarray(x, dtype=float)
    m = np.asarray(np.where(np.asarray(x) > 0, m, 0.0), dtype=float)
    x, m = np.broadcast_arrays(x, m)
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("frequency must be finite and >= 0")
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError("monetary value must be finite and >= 0")
    return p * (v + x * m) / (p * x + q - 1)


def simulate(
    params: GammaGammaParams,
    frequency: ArrayLike,
    rng: np.random.Generator | int | None = None,
) -> GammaGammaSimulation:
    """Draw each customer's nu ~ Gamma(q, rate v), then the mean of their x amounts.

    Each amount is Gamma(p, rate nu), so their sum is Gamma(p x, rate nu) and is drawn as one
    variate. `frequency` (x, whole numbers >= 0) sets the number of customers.
    """
    rng = np.random.default_rng(rng)
    x = np.asarray(frequency, dtype=float).ravel()
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("frequency must be whole numbers >= 0")
    nu = rng.gamma(params.q, 1.0 / params.v, x.size)
    some = x > 0
    total = rng.gamma(np.where(some, params.p * x, 1.0), 1.0 / nu)
    return GammaGammaSimulation(
        frequency=x,
        monetary_value=np.where(some, total / np.where(some, x, 1.0), 0.0),
        nu=nu,
    )
