"""Why a solver stopped (canned messages) and its progress line.

In the spirit of :mod:`scipy.optimize`'s ``_status_message``: every solver
ends in one of a few :class:`Status` values, and its ``result.message`` is
the canned text of that status (:func:`stop_message`), filled in with the
solver's numbers, never free text written in the solver.  Statuses that
mean "the answer is not certified" issue a ``RuntimeWarning`` with the same
text.  The rules a converged result satisfies are named in :data:`BOUNDS`
(``result.bound``).

Examples
--------
>>> from solvers._status import BOUNDS, Status, stop_message
>>> stop_message(Status.CALLBACK, k=3, unit="sweep(s)")
'stopped by callback after 3 sweep(s)'
>>> stop_message(Status.CONVERGED, k=3, unit="sweep(s)", bound=BOUNDS["sup"])
'converged after 3 sweep(s): sup-norm: ||V - V*|| <= gamma/(1-gamma) ||V_k+1 - V_k||'
"""

from __future__ import annotations

import enum
import sys
import time
import warnings
from typing import Any

import numpy as np

__all__ = [
    "Status",
    "MESSAGES",
    "BOUNDS",
    "stop_message",
    "finish",
    "all_finite",
    "Progress",
]


class Status(str, enum.Enum):
    """Why a solver stopped (``result.status``)."""

    CONVERGED = "converged"  #: the stopping rule (``result.bound``) was met
    MAX_ITER = "max_iter"  #: the iteration limit came first
    CALLBACK = "callback"  #: the user's callback returned True
    NON_FINITE = "non_finite"  #: inf or NaN appeared in the values
    BOUND = "bound"  #: stable, but the certified bound exceeds tol (round-off)
    CHECKS = "checks"  #: the LP's optimality checks failed
    BACKEND = "backend"  #: the LP backend (HiGHS) stopped without optimality


#: The canned text of each status; ``{...}`` fields are filled by the solver.
MESSAGES: dict[Status, str] = {
    Status.CONVERGED: "converged after {k} {unit}: {bound}",
    Status.MAX_ITER: (
        "{method} stopped at max_iter={max_iter} before meeting its tolerance "
        "({detail})."
    ),
    Status.CALLBACK: "stopped by callback after {k} {unit}",
    Status.NON_FINITE: (
        "{method}: the values are not finite (inf or NaN) after {k} {unit}, so "
        "nothing is certified: the rewards are too large for float64 (max|r| = "
        "{rmax:.3g}; values grow to max|r|/(1 - gamma), or max|r| times the "
        "expected episode length at gamma = 1, and must stay below ~1e308). "
        "Rescale the rewards (e.g. divide them by max|r|)."
    ),
    Status.BOUND: (
        "{method}: the policy is stable but the certified bound {err:.2g} on "
        "||V - V*|| exceeds tol={tol:g}: with gamma = {gamma:g} the round-off in "
        "T*V - V is amplified by gamma/(1-gamma) = {c:.3g}."
    ),
    Status.CHECKS: (
        "LP solution fails its optimality checks: |p0.V - sum d r| = {gap:.3g}, "
        "flow-constraint residual {flow:.3g} (tolerances {gap_tol:.3g}, "
        "{flow_tol:.3g}); the LP may be badly scaled: try method='highs-ipm' or "
        "value_iteration."
    ),
    Status.BACKEND: "HiGHS stopped early: {detail}",
}

#: Statuses whose result is not certified: they warn (``RuntimeWarning``).
WARNS = {
    Status.MAX_ITER,
    Status.NON_FINITE,
    Status.BOUND,
    Status.CHECKS,
    Status.BACKEND,
}

#: The stopping rules and certificates behind ``result.bound``.
BOUNDS: dict[str, str] = {
    "sup": "sup-norm: ||V - V*|| <= gamma/(1-gamma) ||V_k+1 - V_k||",
    "sup_gs": (
        "sup-norm: ||V - V*|| <= gamma/(1-gamma) ||V_k+1 - V_k|| "
        "(Gauss-Seidel is a gamma-contraction)"
    ),
    "span": (
        "span (MacQueen-Porteus midpoint): ||V - V*|| <= gamma/(1-gamma) "
        "sp(V_k+1 - V_k)/2"
    ),
    "span_mpi": (
        "span (MacQueen-Porteus midpoint of T*V): ||V - V*|| <= gamma/(1-gamma) "
        "sp(T*V - V)/2"
    ),
    "span_last": "span (MacQueen-Porteus midpoint) at the last sweep (not converged)",
    "residual_gamma1": "residual only (gamma = 1: no a-priori bound on ||V - V*||)",
    "proper_gamma1": (
        "gamma = 1: the best proper policy, by policy iteration over proper "
        "policies started from the greedy one (V is its exact value, or the "
        "iterate's when that is the same fixed point with a smaller residual); "
        "no a-priori bound on ||V - V*||"
    ),
    "pi_bounds": "MacQueen-Porteus bounds on T*V - V after the final evaluation",
    "pi_midpoint": "MacQueen-Porteus midpoint of T*V after the final evaluation",
    "lp_residual": "Bellman residual: ||V - V*|| <= ||T*V - V|| / (1 - gamma)",
    "odoni": "Odoni bounds: |gain - g*| <= (max(Th - h) - min(Th - h)) / 2",
    "soft_pi": (
        "||V_k - V_(k-1)||_inf <= tol (the soft values increase monotonically to V_tau)"
    ),
}


def stop_message(status: Status, **fields: Any) -> str:
    """The canned message of ``status`` with ``fields`` filled in."""
    return MESSAGES[status].format(**fields)


def finish(status: Status, stacklevel: int = 3, **fields: Any) -> str:
    """:func:`stop_message`, and a ``RuntimeWarning`` for uncertified statuses."""
    msg = stop_message(status, **fields)
    if status in WARNS:
        warnings.warn(msg, RuntimeWarning, stacklevel=stacklevel)
    return msg


def all_finite(*xs: Any) -> bool:
    """Whether every number in ``xs`` (floats or arrays) is finite."""
    return all(bool(np.isfinite(x).all()) for x in xs)


class Progress:
    """Prints a status line to stderr about once a second when enabled."""

    def __init__(self, name: str, enabled: bool, every: float = 1.0) -> None:
        self.name, self.enabled, self.every = name, enabled, every
        self.t0 = self.last = time.perf_counter()

    def __call__(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if force or now - self.last >= self.every:
            self.last = now
            print(
                f"{self.name}: {text}  [{now - self.t0:.1f} s]",
                file=sys.stderr,
                flush=True,
            )
