"""Shared pieces of the solvers: input checks, bounds, progress output."""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import numpy as np

from mdp import MDP, MDPError
from mdp._errors import ImproperPolicyError
from mdp._linear import proper_greedy, solve_policy_value
from mdp.checks import state_vector
from mdp.types import FloatArray


def check_mdp(m: Any) -> MDP:
    if not isinstance(m, MDP):
        msg = f"expected an mdp.MDP as the first argument; got {type(m).__name__}."
        raise TypeError(msg)
    return m


def check_episodic(m: MDP) -> None:
    """With ``gamma = 1`` values are finite only if episodes can end.

    Raises when there is no terminal state, or when some state cannot reach
    one under any actions (then no proper policy exists; the message names
    the states, as policy iteration and linear programming do).
    """
    if m.gamma == 1.0 and not m.terminal.any():
        msg = (
            "gamma = 1 and the MDP has no terminal states, so returns never end and "
            "V* is infinite or undefined. Use gamma < 1, add terminal states, or "
            "solvers.relative_value_iteration for the average reward."
        )
        raise MDPError(msg)
    if m.gamma == 1.0:
        from .policy_iteration import proper_policy

        proper_policy(m)  # raises naming the states that cannot terminate


def polish_undiscounted(m: MDP, V: FloatArray, Q: FloatArray, tie_tol: float):
    """``gamma = 1``: the exact value of the (proper) greedy policy, if better.

    Value iteration has no a-priori error bound when ``gamma = 1``.  The greedy
    policy's value ``V^mu <= V*`` is computed exactly; when its Bellman
    residual is smaller than that of ``V`` it is returned instead (it is then
    ``V*`` to round-off whenever ``mu`` is optimal).  Returns ``(V, Q, mu,
    polished)``.
    """
    mu = proper_greedy(m, Q, tie_tol)
    try:
        V_mu, _ = solve_policy_value(m, mu, tol=1e-13, validate=False)
    except ImproperPolicyError as exc:
        # V is attained only by never terminating (a zero-reward cycle beats
        # every terminating policy): say so instead of passing it off as V*
        msg = (
            f"with gamma = 1 the values found are attained only by a policy that "
            f"never terminates ({exc}). policy_iteration and linear_programming "
            f"return the best terminating policy instead."
        )
        warnings.warn(msg, RuntimeWarning, stacklevel=3)
        return V, Q, mu, False
    Q_mu = (m.r_masked + m.gamma * (m.P @ V_mu)).reshape(m.n_states, m.n_actions)
    live = ~m.terminal
    res = float(np.abs(np.where(live, Q.max(axis=1), 0.0) - V).max())
    res_mu = float(np.abs(np.where(live, Q_mu.max(axis=1), 0.0) - V_mu).max())
    if res_mu < res:
        return V_mu, Q_mu, proper_greedy(m, Q_mu, tie_tol), True
    return V, Q, mu, False


def check_tol(tol: Any, name: str = "tol") -> float:
    try:
        t = float(tol)
    except (TypeError, ValueError) as exc:
        msg = f"`{name}` must be a positive number; got {tol!r}."
        raise MDPError(msg) from exc
    if not t > 0 or not np.isfinite(t):
        msg = f"`{name}` must be a positive, finite number; got {tol!r}."
        raise MDPError(msg)
    return t


def check_max_iter(max_iter: Any) -> int:
    try:
        k = int(max_iter)
    except (TypeError, ValueError, OverflowError) as exc:
        msg = f"`max_iter` must be a positive integer; got {max_iter!r}."
        raise MDPError(msg) from exc
    if k < 1 or k != max_iter:  # also rejects 2.5 and "10" (no silent rounding)
        msg = f"`max_iter` must be a positive integer; got {max_iter!r}."
        raise MDPError(msg)
    return k


def initial_values(m: MDP, V0: Any) -> FloatArray:
    """``V0`` checked (shape, finite, 0 on terminal states), or zeros."""
    if V0 is None:
        return np.zeros(m.n_states)
    return state_vector(m, V0, "V0", zero_on_terminal=True)


def macqueen(d_min: float, d_max: float, gamma: float) -> tuple[float, float]:
    r"""MacQueen-Porteus bounds from ``d = T*V - V``.

    For any ``V`` and ``gamma < 1``:
    ``T*V + c min(d) <= V* <= T*V + c max(d)`` with ``c = gamma / (1 - gamma)``.
    Returns ``(shift, half_width)``: the midpoint ``T*V + shift`` is within
    ``half_width = c (max d - min d) / 2`` of ``V*`` in the max norm.
    """
    c = gamma / (1.0 - gamma)
    return c * (d_min + d_max) / 2.0, c * (d_max - d_min) / 2.0


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
