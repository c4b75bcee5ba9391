"""Maximum-likelihood fitting shared by the BG/NBD and Gamma-Gamma models.

Both models have strictly positive parameters, so the optimiser works on their natural
logarithms (unconstrained, and of similar scale): scipy's L-BFGS-B minimises the negative
mean log-likelihood per customer with the model's analytic gradient, from several starting
points, each log-parameter kept within +-`LOG_BOUND` so that no evaluation overflows. The
best optimum of the runs that converged is kept.

A fit is reported as not converged when

- no run met L-BFGS-B's stopping criteria (for example `maxiter` too small);
- the optimum has a parameter on the edge of the search range; or
- the objective is not clearly curved upwards in every direction at the optimum: the
  smallest eigenvalue of its Hessian (central differences of the analytic gradient, in log
  parameters) is below `MIN_CURVATURE` times the largest. Then the likelihood is flat along
  some combination of parameters, the data do not identify them (for example no customer
  shows drop-out), and where the optimiser stopped is arbitrary.

`FitResult.require_converged()` turns any of these into a `FitError`. A converged fit also
carries standard errors from the observed information (delta method from the log scale).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from scipy import optimize

from scripts.errors import UserError

P = TypeVar("P")

LOG_BOUND = 20.0  # each parameter is searched in [e^-20, e^20], about [2e-9, 5e8]
BOUND_SLACK = 1e-6  # an optimum this close to the edge (in log units) is "on the edge"
MIN_CURVATURE = 1e-7  # smallest / largest Hessian eigenvalue; below it the fit is "flat"
HESSIAN_STEP = 1e-5  # central-difference step in log-parameter units

# (negative mean log-likelihood, its gradient with respect to the log-parameters)
Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


class FitError(UserError):
    """A model fit that did not converge, or whose optimum does not identify the parameters."""


@dataclass(frozen=True)
class FitResult(Generic[P]):
    """The outcome of a maximum-likelihood fit.

    `log_likelihood` is the total over the `n` customers, without the penalty; `iterations`
    those of the run that gave the kept optimum; `starts` the number of starting points tried;
    `standard_errors` (parameter name -> standard error, from the observed information of the
    penalised objective) is None when the fit did not converge.
    """

    model: str
    params: P
    log_likelihood: float
    n: int
    iterations: int
    converged: bool
    message: str
    starts: int
    standard_errors: dict[str, float] | None = None

    @classmethod
    def from_optimum(
        cls, model: str, params: P, optimum: Optimum, n: int, starts: int
    ) -> FitResult[P]:
        """The result of a fit from what `maximize_log_likelihood` found."""
        return cls(
            model=model,
            params=params,
            log_likelihood=-optimum.mean_neg_log_likelihood * n,
            n=n,
            iterations=optimum.iterations,
            converged=optimum.converged,
            message=optimum.message,
            starts=starts,
            standard_errors=optimum.standard_errors,
        )

    def require_converged(self) -> FitResult[P]:
        """Return this result when the fit converged; raise `FitError` saying why not otherwise."""
        if not self.converged:
            raise FitError(
                f"the {self.model} fit on {self.n} customers did not converge: {self.message}"
            )
        return self


@dataclass(frozen=True)
class Optimum:
    """What `maximize_log_likelihood` found (parameters on their natural scale)."""

    params: np.ndarray
    mean_neg_log_likelihood: float
    iterations: int
    converged: bool
    message: str
    standard_errors: dict[str, float] | None


def _hessian(objective: Objective, log_params: np.ndarray) -> np.ndarray:
    """Hessian of `objective` by central differences of its gradient, symmetrised."""
    k = log_params.size
    hessian = np.empty((k, k))
    for j in range(k):
        step = np.zeros(k)
        step[j] = HESSIAN_STEP
        hessian[:, j] = (objective(log_params + step)[1] - objective(log_params - step)[1]) / (
            2 * HESSIAN_STEP
        )
    return (hessian + hessian.T) / 2


def maximize_log_likelihood(
    objective: Objective,
    starts: Sequence[Sequence[float]],
    names: Sequence[str],
    n: int,
    *,
    penalty: float = 0.0,
    maxiter: int = 1000,
) -> Optimum:
    """Minimise `objective` (plus `penalty` * sum of squared parameters) over log-parameters.

    `objective` is the negative mean log-likelihood over `n` customers and its gradient, as a
    function of the log-parameters; `starts` are parameter values (not logs).
    """
    if penalty < 0 or not np.isfinite(penalty):
        raise ValueError(f"penalty must be a finite number >= 0, got {penalty!r}")
    if maxiter < 1:
        raise ValueError(f"maxiter must be at least 1, got {maxiter!r}")

    def penalised(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = objective(log_params)
        if penalty:
            squared = np.exp(2.0 * log_params)
            value += penalty * float(squared.sum())
            grad = grad + 2.0 * penalty * squared
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            # L-BFGS-B's line search backs off from an infinite value.
            return np.inf, np.zeros_like(log_params)
        return value, grad

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(names)
    runs = []
    for start in starts:
        x0 = np.clip(np.log(np.asarray(start, dtype=float)), -LOG_BOUND, LOG_BOUND)
        run = optimize.minimize(
            penalised,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": maxiter, "ftol": 1e-13, "gtol": 1e-9},
        )
        runs.append(run)

    finished = [run for run in runs if run.success and np.isfinite(run.fun)]
    best = min(finished or runs, key=lambda run: run.fun if np.isfinite(run.fun) else np.inf)
    value, _ = objective(best.x)
    params = np.exp(best.x)
    result = {
        "params": params,
        "mean_neg_log_likelihood": float(value),
        "iterations": int(best.nit),
    }
    if not finished or not np.isfinite(value):
        message = f"no start of {len(runs)} converged; the best stopped with: {best.message}"
        return Optimum(**result, converged=False, message=message, standard_errors=None)

    on_edge = [
        name
        for name, log_value in zip(names, best.x, strict=True)
        if abs(log_value) >= LOG_BOUND - BOUND_SLACK
    ]
    if on_edge:
        message = (
            f"{', '.join(on_edge)} reached the edge of the search range (e^+-{LOG_BOUND:g}): "
            "the data do not identify it (too few customers, too short a calibration period, "
            "too little variation); a small penalty keeps it finite"
        )
        return Optimum(**result, converged=False, message=message, standard_errors=None)

    hessian = _hessian(penalised, best.x)
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)
    if not np.all(np.isfinite(eigenvalues)) or eigenvalues[0] <= MIN_CURVATURE * abs(
        eigenvalues[-1]
    ):
        flat = eigenvectors[:, 0]
        involved = [name for name, weight in zip(names, flat, strict=True) if abs(weight) >= 0.3]
        message = (
            "the likelihood is flat at the optimum along a combination of "
            f"{', '.join(involved)} (Hessian eigenvalues {eigenvalues[0]:.3g} to "
            f"{eigenvalues[-1]:.3g}): the data do not identify them"
        )
        return Optimum(**result, converged=False, message=message, standard_errors=None)

    # Observed information of the total log-likelihood is n * Hessian of the mean.
    log_se = np.sqrt(np.diag(np.linalg.inv(hessian * n)))
    errors = {name: float(se) for name, se in zip(names, params * log_se, strict=True)}
    return Optimum(**result, converged=True, message=str(best.message), standard_errors=errors)
