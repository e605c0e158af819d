"""Result objects returned by the solvers (frozen, with named fields)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, cast

import numpy as np

from mdp.types import FloatArray, IntArray

__all__ = ["SolverResult", "LPResult", "FiniteHorizonResult", "AverageRewardResult"]


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"<{value.dtype} array {value.shape}>"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    return repr(value)


class _ShortRepr:
    def __repr__(self) -> str:
        parts = [
            f"{f.name}={_short(getattr(self, f.name))}"
            for f in fields(cast(Any, self))  # a mixin of dataclasses only
            if f.repr
        ]
        return f"{type(self).__name__}(" + ", ".join(parts) + ")"


@dataclass(frozen=True, repr=False)
class SolverResult(_ShortRepr):
    """What an optimal-control solver returns.

    Attributes
    ----------
    V : ndarray (S,)
        The value function found (``V*`` within ``error_bound`` when converged).
    Q : ndarray (S, A)
        ``Q(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V(s')``; ``-inf`` where an
        action is unavailable.
    policy : ndarray of int (S,)
        Greedy policy of ``Q`` (lowest-index maximiser).
    converged : bool
        Whether the stopping rule was met (``False`` at ``max_iter``; a
        ``RuntimeWarning`` is issued then).
    iterations : int
        Sweeps, policy-improvement steps or LP iterations, per ``method``.
    residuals : ndarray
        History of the per-iteration residual ``||V_{k+1} - V_k||_inf``
        (value iteration) or Bellman residual ``||T* V_k - V_k||_inf``.
    elapsed : float
        Wall-clock seconds.
    method : str
        Which algorithm (and variant) produced the result.
    message : str
        Why it stopped: the canned text of ``status`` (``solvers._status``).
    error_bound : float
        A guaranteed bound on ``||V - V*||_inf`` (``nan`` where none is known,
        e.g. ``gamma = 1``).
    bound : str
        Which bound ``error_bound`` comes from.
    info : dict
        Family-specific details (evaluation methods used, ...).
    status : str
        Why it stopped, as a key: ``"converged"``, ``"max_iter"``,
        ``"callback"``, ``"non_finite"`` (inf or NaN values: the rewards
        overflow float64), ``"bound"`` (stable, but the certified bound is
        above ``tol``), ``"checks"`` / ``"backend"`` (the LP's checks or
        HiGHS failed).
    """

    V: FloatArray
    Q: FloatArray
    policy: IntArray
    converged: bool
    iterations: int
    residuals: FloatArray
    elapsed: float
    method: str
    message: str
    error_bound: float = float("nan")
    bound: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    status: str = "converged"


@dataclass(frozen=True, repr=False)
class LPResult(SolverResult):
    """:class:`SolverResult` plus the LP's dual.

    Attributes
    ----------
    occupancy : ndarray (S, A)
        The dual solution: the discounted state-action occupancy measure
        ``d(s,a) = sum_t gamma^t Pr(s_t = s, a_t = a | s_0 ~ p0, pi*)`` of an
        optimal policy from ``p0``.
    objective : float
        ``J(pi*) = p0 . V*``, the LP's optimal value.
    dual_objective : float
        ``sum_{s,a} d(s,a) r(s,a)``; equals ``objective`` (strong duality).
    """

    occupancy: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    objective: float = float("nan")
    dual_objective: float = float("nan")


@dataclass(frozen=True, repr=False)
class FiniteHorizonResult(_ShortRepr):
    """Time-indexed values and policies of a finite-horizon problem.

    Attributes
    ----------
    V : ndarray (H+1, S)
        ``V[t]`` is the optimal value with ``H - t`` steps to go; ``V[H]`` the
        terminal values.
    Q : ndarray (H, S, A)
    policy : ndarray of int (H, S)
        ``policy[t]`` is the optimal action at time ``t``.
    horizon : int
    elapsed : float
    method : str
    """

    V: FloatArray
    Q: FloatArray
    policy: IntArray
    horizon: int
    elapsed: float
    method: str = "backward_induction"


@dataclass(frozen=True, repr=False)
class AverageRewardResult(SolverResult):
    """:class:`SolverResult` for the average-reward criterion.

    Attributes
    ----------
    gain : float
        The optimal average reward per step ``g*``.
    bias : ndarray (S,)
        A bias (relative value) ``h`` with ``h(ref_state) = 0`` solving
        ``g + h(s) = max_a [r(s,a) + sum_s' P(s'|s,a) h(s')]``.  Equal to ``V``.
    gain_bounds : tuple of float
        ``(min_s (Th - h)(s), max_s (Th - h)(s))``, which bracket ``g*``.
    """

    gain: float = float("nan")
    bias: FloatArray = field(default_factory=lambda: np.zeros(0))
    gain_bounds: tuple[float, float] = (float("nan"), float("nan"))
