"""Stopping bounds and the gamma = 1 polish shared by the exact solvers."""

from __future__ import annotations

import warnings

import numpy as np

from mdp import MDP, ImproperPolicyError
from mdp.episodic import proper_greedy
from mdp.linear import solve_policy_value
from mdp.types import FloatArray


def macqueen(d_min: float, d_max: float, gamma: float) -> tuple[float, float]:
    r"""MacQueen-Porteus bounds from ``d = T*V - V``.

    For any ``V`` and ``gamma < 1``:
    ``T*V + c min(d) <= V* <= T*V + c max(d)`` with ``c = gamma / (1 - gamma)``.
    Returns ``(shift, half_width)``: the midpoint ``T*V + shift`` is within
    ``half_width = c (max d - min d) / 2`` of ``V*`` in the max norm.
    """
    c = gamma / (1.0 - gamma)
    return c * (d_min + d_max) / 2.0, c * (d_max - d_min) / 2.0


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
