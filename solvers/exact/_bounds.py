r"""Stopping bounds, the Bellman residual and the gamma = 1 polish of the exact solvers.

``gamma = 1`` follows the one convention of :mod:`mdp.episodic`: ``V*`` is
the best value over **proper** policies and the returned policy is proper.
Value iteration and modified policy iteration at ``gamma = 1`` converge to
the supremum over all policies, which exceeds the best proper value when a
zero-reward cycle beats every way out; :func:`polish_undiscounted` (used by
value iteration, modified policy iteration and policy iteration alike)
finishes with exact policy iteration restricted to proper policies, started
from the greedy policy.  A cycle with positive reward makes the supremum
``+inf``; every solver reports it with :func:`positive_cycle_error`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mdp import MDP, MDPError
from mdp.bellman import q_from_v
from mdp.checks import format_states
from mdp.episodic import (
    POSITIVE_CYCLE_MESSAGE,
    improper_states,
    proper_greedy,
    proper_policy,
)
from mdp.linear import solve_policy_value
from mdp.types import FloatArray, IntArray

from .._status import BOUNDS, Status, all_finite

#: gamma = 1: value iteration and modified policy iteration switch to
#: :func:`polish_undiscounted` (exact policy iteration over proper policies)
#: at a sweep ``k = 64, 128, 256, ...`` with ``k >= 2 S`` where the residual
#: has not halved since sweep ``k / 2`` (:func:`stalled`).  (Before ``2 S``
#: sweeps a residual of ``max |r|`` is the normal transient of a long path:
#: on a 100 x 100 grid it stays 1 for ~200 sweeps.)  The polish either proves
#: a positive-reward cycle, on which the residual never shrinks and value
#: iteration would run to ``max_iter``, or returns the exact ``V*``.
GAMMA1_SWITCH = 64


def stalled(residuals: list[float], gamma: float, n_states: int) -> bool:
    """``gamma = 1``: at ``k = 64, 128, ... >= 2 S``, has ``||d_k||`` not halved since ``k/2``?"""
    k = len(residuals)
    if gamma < 1.0 or k < max(GAMMA1_SWITCH, 2 * n_states) or k & (k - 1):
        return False
    return residuals[-1] > 0.5 * residuals[k // 2 - 1]


#: Relative margin by which an action must beat the current one to change it
#: in policy improvement (so that round-off cannot make policy iteration cycle).
IMPROVE_EPS = 1e-12


def macqueen(d_min: float, d_max: float, gamma: float) -> tuple[float, float]:
    r"""MacQueen-Porteus bounds from ``d = T*V - V``.

    For any ``V`` and ``gamma < 1``:
    ``T*V + c min(d) <= V* <= T*V + c max(d)`` with ``c = gamma / (1 - gamma)``.
    Returns ``(shift, half_width)``: the midpoint ``T*V + shift`` is within
    ``half_width = c (max d - min d) / 2`` of ``V*`` in the max norm.
    """
    c = gamma / (1.0 - gamma)
    return c * (d_min + d_max) / 2.0, c * (d_max - d_min) / 2.0


def backup(m: MDP, V: FloatArray) -> FloatArray:
    """``Q = r + gamma P V`` of a checked iterate (:func:`mdp.bellman.q_from_v`)."""
    return q_from_v(m, V, validate=False)


def bellman_residual(m: MDP, V: FloatArray, Q: FloatArray) -> float:
    r"""``||T*V - V||_inf`` with ``T*V = max_a Q`` (``0`` on terminal states).

    The one residual of the exact solvers; ``Q`` is ``backup(m, V)``.
    """
    if not m.n_states:
        return 0.0
    TV = np.where(m.terminal, 0.0, Q.max(axis=1))
    return float(np.abs(TV - V).max())


def improve(
    Q: FloatArray, pi: IntArray, eps: float = IMPROVE_EPS
) -> tuple[IntArray, int]:
    """Greedy improvement that keeps the current action unless strictly beaten.

    ``pi(s)`` changes to the lowest-index maximiser only where
    ``max_a Q(s,a) > Q(s, pi(s)) + eps max(1, |Q(s, pi(s))|)``; returns the new
    policy and the number of changes.
    """
    S = Q.shape[0]
    best = np.argmax(Q, axis=1)
    q_best = Q[np.arange(S), best]
    q_cur = Q[np.arange(S), pi]
    change = q_best > q_cur + eps * np.maximum(1.0, np.abs(q_cur))
    new = pi.copy()
    new[change] = best[change]
    return new, int(change.sum())


def positive_cycle_error(states: Any = None) -> MDPError:
    """The one error for ``gamma = 1`` with a positive-reward cycle."""
    where = ""
    if states is not None and np.size(states):
        where = f" through {format_states(states)}"
    return MDPError(POSITIVE_CYCLE_MESSAGE.format(where=where))


def proper_start(m: MDP, Q: FloatArray, tie_tol: float) -> IntArray:
    """A proper policy close to greedy in ``Q``.

    :func:`mdp.episodic.proper_greedy`; where it still never terminates
    (a zero-reward cycle strictly better than every way out) those states take
    :func:`mdp.episodic.proper_policy`'s action, one step closer to a
    terminal state.  States that reach a terminal state keep their action and
    their paths, so the result is proper.
    """
    mu = proper_greedy(m, Q, tie_tol)
    bad = improper_states(m, mu)
    if bad.size:
        mu = mu.copy()
        mu[bad] = proper_policy(m)[bad]
    return mu


def polish_undiscounted(
    m: MDP,
    Q: FloatArray,
    tie_tol: float,
    *,
    V: FloatArray | None = None,
    start: IntArray | None = None,
    max_steps: int = 10_000,
) -> tuple[FloatArray, FloatArray, IntArray, int]:
    r"""``gamma = 1``: the best proper policy by exact policy iteration.

    Starts from ``start`` (a proper policy) or :func:`proper_start` of ``Q``,
    then alternates exact evaluation ``(I - P_mu) V = r_mu`` and the strict
    improvement :func:`improve` (by more than ``tie_tol``, relative: round-off
    in an exact solve must not flip the many tied actions of, e.g., an open
    grid) until ``mu`` is stable.  Without positive-reward cycles every
    improved policy is proper (an improper one would have a recurrent class,
    free of terminal states, on which its gain ``p . (T_mu V - V)`` is
    positive), and a stable proper ``mu`` has ``V^mu >= V^nu`` for every
    proper ``nu`` (``T_nu V^mu <= V^mu``): it is the best proper policy (to
    ``tie_tol``).  An improved policy that never terminates therefore proves a
    positive cycle: :func:`positive_cycle_error`.  And with a positive cycle
    it must happen: from the best proper ``V``, some state of the cycle's
    recurrent class improves (the class's stationary distribution ``p`` has
    ``p . (T_nu V - V) = gain > 0``), and an improved proper policy would
    beat the best one.  So this decides both questions.

    ``V``, the caller's values (with ``Q = backup(m, V)``), is returned
    instead of ``V^mu`` when it is the same fixed point (within
    ``1e3 tie_tol`` relative) with a smaller Bellman residual; a ``V`` above
    the best proper value (the supremum of value iteration when a free loop
    beats every way out) is not.  Returns ``(V, Q, mu, steps)``.
    """
    mu = proper_start(m, Q, tie_tol) if start is None else start
    V_in, Q_in = V, Q
    eps = max(IMPROVE_EPS, tie_tol)
    V = np.zeros(m.n_states)
    steps = 0
    for steps in range(1, max_steps + 1):  # noqa: B007
        V, _ = solve_policy_value(m, mu, tol=1e-13, validate=False)
        Q = backup(m, V)
        new, n_changed = improve(Q, mu, eps)
        if n_changed == 0:
            break
        bad = improper_states(m, new)
        if bad.size:
            raise positive_cycle_error(bad)
        mu = new
    if V_in is not None and np.isfinite(V).all():
        scale = 1.0 + float(np.abs(V).max())
        same = float(np.abs(V_in - V).max()) <= 1e3 * eps * scale
        if same and bellman_residual(m, V_in, Q_in) < bellman_residual(m, V, Q):
            return V_in, Q_in, mu, steps
    return V, Q, mu, steps


def optimal_finish(
    m: MDP, V: FloatArray, Q: FloatArray, tol: float, status: Status, bound: str
) -> tuple[FloatArray, FloatArray, IntArray, Status, str]:
    """The returned policy, and the gamma = 1 finish, of VI and MPI alike.

    The policy is the tie-rule greedy policy of ``Q`` (:func:`proper_greedy`,
    ties within ``10 tol``); at ``gamma = 1`` a converged run is polished to
    the best proper policy (:func:`polish_undiscounted`), and one stopped at
    ``max_iter`` is checked for a positive-reward cycle (which raises).
    Returns ``(V, Q, policy, status, bound)``.
    """
    if status == Status.NON_FINITE:
        policy = np.argmax(Q, axis=1).astype(np.intp)
    else:
        policy = proper_greedy(m, Q, 10 * tol)
    if m.gamma == 1.0 and status == Status.CONVERGED:
        V, Q, policy, _ = polish_undiscounted(m, Q, 10 * tol, V=V)
        bound = BOUNDS["proper_gamma1"]
        if not all_finite(V):  # the exact values overflow float64
            status, bound = Status.NON_FINITE, ""
    elif m.gamma == 1.0 and status == Status.MAX_ITER:
        polish_undiscounted(m, Q, 10 * tol)  # raises on a positive-reward cycle
    return V, Q, policy, status, bound
