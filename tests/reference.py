"""Independent reference computations in plain dense NumPy.

These use only the tables of an MDP (``P`` as a dense ``[S, A, S]`` array,
``r [S, A]``, ``terminal``, ``action_mask``) and textbook formulas, never the
sparse machinery of :mod:`mdp` or :mod:`solvers`, so tests can compare the two.
"""

from __future__ import annotations

import itertools

import numpy as np

from mdp import MDP

__all__ = [
    "dense",
    "policy_matrix",
    "dense_policy_value",
    "all_deterministic_policies",
    "brute_force_optimum",
    "proper_policies",
    "brute_force_proper_optimum",
]


def dense(m: MDP) -> tuple[np.ndarray, np.ndarray]:
    """``P [S, A, S]`` and ``r [S, A]`` of ``m`` as plain arrays."""
    S, A = m.n_states, m.n_actions
    return m.P.toarray().reshape(S, A, S), np.array(m.r)


def policy_matrix(pi: np.ndarray, S: int, A: int) -> np.ndarray:
    """A policy in the ``[S, A]`` layout (one-hot rows for ``int [S]``)."""
    pi = np.asarray(pi)
    if pi.ndim == 2:
        return pi.astype(np.float64)
    out = np.zeros((S, A))
    out[np.arange(S), pi] = 1.0
    return out


def dense_policy_value(m: MDP, pi: np.ndarray) -> np.ndarray:
    """``V^pi``: solve ``(I - gamma P_pi) V = r_pi`` on the live states, ``V = 0``
    on terminal states, with :func:`numpy.linalg.solve`."""
    P, r = dense(m)
    S, A = r.shape
    pim = policy_matrix(pi, S, A)
    P_pi = np.einsum("sa,sat->st", pim, P)
    r_pi = np.einsum("sa,sa->s", pim, np.where(m.action_mask, r, 0.0))
    live = ~m.terminal
    V = np.zeros(S)
    M = np.eye(live.sum()) - m.gamma * P_pi[np.ix_(live, live)]
    V[live] = np.linalg.solve(M, r_pi[live])
    return V


def all_deterministic_policies(m: MDP) -> np.ndarray:
    """Every deterministic policy respecting the mask, ``int [N, S]``."""
    choices = [np.flatnonzero(m.action_mask[s]) for s in range(m.n_states)]
    return np.array(list(itertools.product(*choices)), dtype=np.intp)


def brute_force_optimum(m: MDP) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``V*``, ``Q*`` and the value of every policy by enumeration.

    Evaluates all deterministic policies (at most a few thousand) with one
    batched dense solve; ``V*(s) = max_pi V^pi(s)`` (an optimal deterministic
    policy exists and dominates every other in every state), and
    ``Q* = r + gamma P V*`` (``-inf`` on unavailable pairs).  With
    ``gamma = 1`` every policy must be proper.

    Returns
    -------
    V_star : ndarray [S]
    Q_star : ndarray [S, A]
    V_all : ndarray [N, S]
        ``V^pi`` of the policies of :func:`all_deterministic_policies`.
    """
    P, r = dense(m)
    S, A = r.shape
    pols = all_deterministic_policies(m)
    n = len(pols)
    P_pi = P[np.arange(S), pols]  # [n, S, S]
    r_pi = r[np.arange(S), pols]  # [n, S]
    live = ~m.terminal
    V_all = np.zeros((n, S))
    if live.any():
        M = np.eye(live.sum()) - m.gamma * P_pi[:, live][:, :, live]
        V_all[:, live] = np.linalg.solve(M, r_pi[:, live, None])[..., 0]
    V_star = V_all.max(axis=0)
    Q_star = np.where(m.action_mask, r + m.gamma * P @ V_star, -np.inf)
    return V_star, Q_star, V_all


def proper_policies(m: MDP) -> np.ndarray:
    """Which deterministic policies of :func:`all_deterministic_policies` are
    proper: from every state a terminal state is reached with positive
    probability (hence with probability 1), by ``S`` boolean matrix steps."""
    P, _ = dense(m)
    S = m.n_states
    pols = all_deterministic_policies(m)
    G = P[np.arange(S), pols] > 0  # [n, S, S]
    reach = np.broadcast_to(m.terminal, (len(pols), S)).copy()
    for _ in range(S):
        reach |= np.einsum("nst,nt->ns", G, reach)
    return reach.all(axis=1)


def brute_force_proper_optimum(m: MDP) -> tuple[np.ndarray, np.ndarray]:
    """``gamma = 1``: the best value over **proper** deterministic policies.

    Returns ``(V_hat, V_all)``: ``V_hat(s) = max`` over proper policies of
    ``V^pi(s)`` (a single proper policy attains it in every state when no
    cycle has positive reward), and ``V^pi`` of every proper policy.
    """
    P, r = dense(m)
    S = m.n_states
    pols = all_deterministic_policies(m)[proper_policies(m)]
    live = ~m.terminal
    V_all = np.zeros((len(pols), S))
    if live.any() and len(pols):
        P_pi = P[np.arange(S), pols][:, live][:, :, live]
        r_pi = r[np.arange(S), pols][:, live]
        M = np.eye(live.sum()) - P_pi
        V_all[:, live] = np.linalg.solve(M, r_pi[..., None])[..., 0]
    return V_all.max(axis=0), V_all
