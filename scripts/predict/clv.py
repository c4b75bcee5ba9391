"""Customer lifetime value: the discounted expected value of a customer's future purchases.

    CLV = sum_{k=1..K} E[Z | x, m] * (E[X(k s)] - E[X((k-1) s)]) / (1 + d)^k,   K = horizon / s

with E[X(t)] the BG/NBD expected purchases in (T, T+t] (`bgnbd.expected_purchases`), E[Z | x, m]
the Gamma-Gamma expected value of a purchase (`gammagamma.expected_average_value`), s the step
and d the discount rate per step: the purchases expected during step k are valued at the end
of that step (as in Fader, Hardie & Lee 2005, "RFM and CLV", with a discrete sum in place of
their continuous discounting).

Units. `T`, `t_x`, `horizon` and `step` are in the BG/NBD model's time unit (the `time_unit`
of the summary it was fitted on, days or weeks; alpha is in that unit). `discount_rate_per_step`
is the rate for one step: with weeks and step = 4, an annual rate of 10 % is
1.10 ** (4 / 52.18) - 1 = 0.0073. `m` and the result are in the currency of the amounts.
Only repeat purchases are valued (the first purchase is in the past).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from scripts.predict import bgnbd, gammagamma
from scripts.predict.bgnbd import BgNbdParams, Method
from scripts.predict.gammagamma import GammaGammaParams


def lifetime_value(
    bgnbd_params: BgNbdParams,
    gg_params: GammaGammaParams,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    m: ArrayLike,
    horizon: float,
    step: float,
    discount_rate_per_step: float,
    *,
    method: Method = "scipy",
) -> np.ndarray:
    """Discounted expected value of purchases in (T, T + horizon], per customer (see module).

    `horizon` must be a whole number of `step`s; `m` is ignored where x = 0.
    """
    if not (step > 0 and math.isfinite(step) and horizon > 0 and math.isfinite(horizon)):
        raise ValueError("horizon and step must be finite and > 0")
    steps = round(horizon / step)
    if steps < 1 or not math.isclose(steps * step, horizon, rel_tol=1e-9):
        raise ValueError(f"horizon ({horizon!r}) must be a whole number of steps ({step!r})")
    if not (discount_rate_per_step > -1 and math.isfinite(discount_rate_per_step)):
        raise ValueError("discount_rate_per_step must be finite and > -1")
    value_per_purchase = gammagamma.expected_average_value(gg_params, x, m)
    total = np.zeros(np.broadcast_shapes(np.shape(x), np.shape(t_x), np.shape(T), np.shape(m)))
    previous = np.zeros(total.shape)
    for k in range(1, steps + 1):
        cumulative = bgnbd.expected_purchases(bgnbd_params, k * step, x, t_x, T, method=method)
        total = total + (cumulative - previous) / (1.0 + discount_rate_per_step) ** k
        previous = cumulative
    return value_per_purchase * total
