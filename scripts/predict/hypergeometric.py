"""The Gauss hypergeometric function 2F1 by its truncated power series.

    2F1(a, b; c; z) = sum_{n >= 0} (a)_n (b)_n / ((c)_n n!) z^n,     |z| < 1,

with (q)_n the rising factorial. Each term is the previous one times the ratio

    t_{n+1} / t_n = (a + n)(b + n) / ((c + n)(n + 1)) * z,

so the series needs no gamma function and no power, only a running product: that is what
the SQL mirrors (a fixed number of terms, or a recursive CTE that stops at the tolerance).
`scipy.special.hyp2f1` is the reference it is tested against.

How many terms. Past the index m where a + m, b + m and c + m are all positive, every later
ratio is at most  rho_m = |z| * max(1, (a + m)/(c + m)) * max(1, (b + m)/(m + 1))  (each
factor moves monotonically towards 1), so the remaining tail is at most |t_m| rho_m/(1 - rho_m).
The series stops at the first such m where that bound is below `tol` times both |sum| and
|sum - 1|: the result is then within `tol` (relative) of the infinite sum, and so is the sum
without its leading 1 (`hyp2f1_series_minus_one`, which the expectation needs when t is small
and 2F1 is close to 1).

For the arguments the BG/NBD expectation uses, 2F1(a+b-1-r, a-1; a+b+x-1; z) with
0 <= z < 1, a <= 2 and r <= a+b-1, every ratio is at most z, the terms after the first have
one sign and the sum is at least 1 - z; then `series_terms_needed(z, tol)`, about
ln(tol (1-z)^2) / ln z terms, suffice. The count grows like ln(1/tol)/(1 - z) as z -> 1:

    z       tol 1e-9   tol 1e-12
    0.25        16         21
    0.5         32         42
    0.75        82        106
    0.9        241        306
    0.95       521        656
    0.99      2979       3666
    0.999    34522      41426

For large a, b (the untransformed arguments r+x, b+x of a frequent buyer) the terms first grow
until n ~ (a b / c) z / (1 - z) before they shrink, so many more terms are needed; the Euler
transformation in `bgnbd.expected_purchases` avoids that.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from scripts.errors import UserError
from scripts.predict.numeric import multiply_flushed

DEFAULT_TERMS = 5000
DEFAULT_TOL = 1e-12


class SeriesConvergenceError(UserError):
    """The 2F1 series did not reach its tolerance within the number of terms allowed."""


def series_terms_needed(z: float, tol: float = DEFAULT_TOL) -> int:
    """Terms that bring the 2F1 series within `tol` when every term ratio is at most |z|.

    Sufficient for the BG/NBD arguments under the conditions in the module docstring: the tail
    after term m is at most |z|^(m+1)/(1-|z|), and the sum is at least 1-|z|.
    """
    z = abs(z)
    if not 0 <= z < 1:
        raise ValueError(f"the series converges for |z| < 1 only, got z = {z!r}")
    if not 0 < tol < 1:
        raise ValueError(f"tol must be in (0, 1), got {tol!r}")
    if z == 0:
        return 1
    return max(2, math.ceil(math.log(tol * (1 - z) ** 2) / math.log(z)))


def hyp2f1_series_minus_one(
    a: ArrayLike,
    b: ArrayLike,
    c: ArrayLike,
    z: ArrayLike,
    terms: int = DEFAULT_TERMS,
    tol: float = DEFAULT_TOL,
    *,
    strict: bool = True,
) -> np.ndarray:
    """2F1(a, b; c; z) - 1, the series without its leading 1 (no cancellation when z is small).

    Arguments broadcast against each other. With `strict` (the default) a value that has not
    reached `tol` within `terms` terms raises `SeriesConvergenceError`; otherwise it is NaN.
    """
    if terms < 1:
        raise ValueError(f"terms must be at least 1, got {terms!r}")
    if not 0 < tol < 1:
        raise ValueError(f"tol must be in (0, 1), got {tol!r}")
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    shape = a.shape
    a, b, c, z = (v.ravel() for v in (a, b, c, z))
    if not all(np.all(np.isfinite(v)) for v in (a, b, c, z)):
        raise ValueError("2F1 arguments must be finite")
    if np.any(np.abs(z) >= 1):
        raise ValueError("the 2F1 series converges for |z| < 1 only")
    if np.any((c <= 0) & (c == np.round(c))):
        raise ValueError("2F1 is undefined for c = 0, -1, -2, ...")

    term = np.ones(a.shape)
    total = np.zeros(a.shape)
    active = np.arange(a.size)  # positions whose series has not yet converged
    for n in range(terms - 1):
        if active.size == 0:
            break
        aa, bb, cc, zz = a[active], b[active], c[active], z[active]
        ratio = (aa + n) * (bb + n) / ((cc + n) * (n + 1)) * zz
        current = multiply_flushed(term[active], ratio)
        term[active] = current
        total[active] += current
        # Bound on the tail after this term (index m = n + 1); see the module docstring.
        m = n + 1
        settled = (aa + m > 0) & (bb + m > 0) & (cc + m > 0)
        rho = (
            np.abs(zz) * np.maximum(1.0, (aa + m) / (cc + m)) * np.maximum(1.0, (bb + m) / (m + 1))
        )
        bounded = settled & (rho < 1)
        rho = np.where(bounded, rho, 0.5)  # placeholder where the bound does not apply
        tail = np.abs(current) * (rho / (1 - rho))
        sums = total[active]
        scale = np.minimum(np.abs(1.0 + sums), np.abs(sums))
        done = (current == 0) | (bounded & (tail <= tol * scale))
        active = active[~done]
    if active.size:
        if strict:
            worst = float(np.max(np.abs(z[active])))
            raise SeriesConvergenceError(
                f"2F1 series not within tol={tol:g} after {terms} terms for {active.size} "
                f"value(s) (largest |z| = {worst:.6g}); about "
                f"{series_terms_needed(min(worst, 1 - 1e-12), tol)} terms are needed at that z "
                "for small a, b (more when a or b is large)"
            )
        total[active] = np.nan
    return total.reshape(shape)


def hyp2f1_series(
    a: ArrayLike,
    b: ArrayLike,
    c: ArrayLike,
    z: ArrayLike,
    terms: int = DEFAULT_TERMS,
    tol: float = DEFAULT_TOL,
    *,
    strict: bool = True,
) -> np.ndarray:
    """2F1(a, b; c; z) by the truncated power series, summed term by term via the term ratio.

    Stops per value as soon as the tail bound is within `tol` (relative); see the module
    docstring for the bound and for how many terms a given z needs. Not converged within
    `terms` terms: `SeriesConvergenceError` when `strict`, NaN otherwise.
    """
    return 1.0 + hyp2f1_series_minus_one(a, b, c, z, terms, tol, strict=strict)
