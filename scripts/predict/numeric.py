"""Floating-point helpers that never raise numpy's overflow or underflow flags.

Postgres raises an error where a float underflows (DuckDB and numpy's defaults return 0), so
the scores flush results below the smallest normal double to an exact 0 instead of letting
the hardware do it. The SQL that mirrors these functions does the same with a `case`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

# Just above ln(2.2e-308), the smallest normal double: exp of anything below is flushed to 0.
LOG_FLOOR = -700.0
# Products of two numbers at least this large in magnitude cannot underflow (1e-300 > 2.2e-308).
SAFE_FACTOR = 1e-150


def exp_flushed(value: ArrayLike) -> np.ndarray:
    """`exp(value)`, exactly 0 where value < LOG_FLOOR (instead of a subnormal or underflow).

    For arguments up to about 709; the callers pass values <= 0.
    """
    value = np.asarray(value, dtype=float)
    return np.where(value < LOG_FLOOR, 0.0, np.exp(np.maximum(value, LOG_FLOOR)))


def multiply_flushed(u: ArrayLike, v: ArrayLike) -> np.ndarray:
    """`u * v`, exactly 0 where the product would be smaller in magnitude than e^LOG_FLOOR."""
    u, v = np.broadcast_arrays(np.asarray(u, dtype=float), np.asarray(v, dtype=float))
    abs_u, abs_v = np.abs(u), np.abs(v)
    out = np.zeros(u.shape)
    easy = (abs_u >= SAFE_FACTOR) & (abs_v >= SAFE_FACTOR)
    np.multiply(u, v, out=out, where=easy)
    hard = ~easy & (abs_u > 0) & (abs_v > 0)
    if hard.any():
        big_enough = np.log(abs_u[hard]) + np.log(abs_v[hard]) >= LOG_FLOOR
        out[np.flatnonzero(hard)[big_enough]] = u[hard][big_enough] * v[hard][big_enough]
    return out


def log1p_exp(value: ArrayLike) -> np.ndarray:
    """ln(1 + e^value) = max(value, 0) + ln(1 + e^-|value|): the log-sum-exp of (0, value)."""
    value = np.asarray(value, dtype=float)
    return np.maximum(value, 0.0) + np.log1p(exp_flushed(-np.abs(value)))


def expit_flushed(value: ArrayLike) -> np.ndarray:
    """1 / (1 + e^-value), from e^-|value| only (no overflow); exactly 0 below about -700."""
    value = np.asarray(value, dtype=float)
    small = exp_flushed(-np.abs(value))
    return np.where(value >= 0, 1.0 / (1.0 + small), small / (1.0 + small))
