r"""Finite-horizon dynamic programming: backward induction over ``t = H-1, ..., 0``.

With ``H`` decisions left to make and terminal values ``V_H``:

.. math::

    Q_t(s,a) = r(s,a) + \gamma \sum_{s'} P(s'|s,a) V_{t+1}(s'), \qquad
    V_t(s) = \max_a Q_t(s,a), \qquad \pi_t(s) \in \arg\max_a Q_t(s,a).

The optimal policy of a finite-horizon problem is **time-indexed**: what to do
depends on how many steps are left (``policy[t]`` at time ``t``).  ``V_0`` is
the optimal expected sum of the first ``H`` (discounted) rewards plus the
discounted terminal value, ``E[sum_{t<H} gamma^t r_t + gamma^H V_H(s_H)]``;
``gamma = 1`` (the undiscounted finite-horizon return) is allowed.

Each step is one sparse mat-vec with ``P (S*A, S)``; the loop runs over time,
never over states.

References
----------
Puterman (1994), Chapter 4 (Section 4.5, the backward induction algorithm).
Bertsekas, *Dynamic Programming and Optimal Control*, Vol. I, Section 1.3.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from mdp import MDP, MDPError, PolicyError
from mdp.bellman import q_from_v, v_from_q
from mdp.checks import check_gamma, state_vector
from mdp.policy import check_policy, to_matrix
from mdp.types import FloatArray

from .._iv import check_horizon, check_mdp
from .._result import FiniteHorizonResult
from .._status import Status, all_finite, finish

__all__ = ["backward_induction", "evaluate_finite_horizon"]


def backward_induction(
    m: MDP,
    horizon: int,
    *,
    terminal_values: npt.ArrayLike | None = None,
    gamma: float | None = None,
) -> FiniteHorizonResult:
    r"""Optimal time-indexed values and policy of an ``H``-step problem.

    Parameters
    ----------
    m : MDP
    horizon : int
        Number of decisions ``H >= 0``.
    terminal_values : array_like (S,), optional
        ``V_H``, the value of the state reached after the last decision;
        default 0.  Must be 0 on terminal states (the episode has ended).
    gamma : float, optional
        Discount in ``[0, 1]``; default ``m.gamma``.  ``1`` gives the
        undiscounted finite-horizon return.

    Returns
    -------
    FiniteHorizonResult
        ``V [H+1, S]`` (``V[t]`` with ``H - t`` steps to go, ``V[H]`` the
        terminal values), ``Q [H, S, A]`` (``-inf`` where an action is
        unavailable), ``policy [H, S]`` (int; ``policy[t]`` is the action to
        take at time ``t``), ``horizon``, ``elapsed``.

    Raises
    ------
    MDPError
        If ``horizon`` is not a non-negative integer, ``gamma`` is outside
        ``[0, 1]``, or ``terminal_values`` has the wrong shape, is not finite,
        or is non-zero on a terminal state.

    Notes
    -----
    ``Q_t(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V_{t+1}(s')``,
    ``V_t = max_a Q_t``; ties go to the lowest action index.  The result is
    exact (no tolerance): ``H`` backups, each one sparse mat-vec.  With
    ``gamma < 1`` and ``V_H = 0``, ``||V_0 - V*||_inf <= gamma^H max|r| /
    (1 - gamma)`` where ``V*`` is the infinite-horizon optimum.

    Examples
    --------
    State 0 pays 1 per step for staying (action 0) or moves to state 1
    (action 1), which pays 3 per step.  With one step left staying is best;
    with more, moving is:

    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import backward_induction
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1
    >>> m = MDP(P, R=[[1.0, 0.0], [3.0, 3.0]], gamma=1.0)
    >>> sol = backward_induction(m, 3)
    >>> sol.policy[:, 0]                      # the action in state 0 at t = 0, 1, 2
    array([1, 1, 0])
    >>> sol.V[:, 0]                           # its value with 3, 2, 1, 0 steps to go
    array([6., 3., 1., 0.])
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    H = check_horizon(horizon)
    g = _check_gamma(m, gamma)
    V_H = _terminal_values(m, terminal_values)
    S, A = m.n_states, m.n_actions
    V = np.empty((H + 1, S))
    Q = np.empty((H, S, A))
    V[H] = V_H
    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        for t in range(H - 1, -1, -1):
            # Q_t(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V_{t+1}(s')
            Q[t] = q_from_v(m, V[t + 1], gamma=g, validate=False)
            V[t] = Q[t].max(axis=1)
    _check_finite(m, V, H, "backward_induction")
    policy = np.argmax(Q, axis=2).astype(np.intp)
    return FiniteHorizonResult(
        V=V, Q=Q, policy=policy, horizon=H, elapsed=time.perf_counter() - t0
    )


def evaluate_finite_horizon(
    m: MDP,
    pi: npt.ArrayLike,
    horizon: int,
    *,
    terminal_values: npt.ArrayLike | None = None,
    gamma: float | None = None,
) -> FloatArray:
    r"""Values ``V^pi_t`` of a (time-indexed) policy over ``H`` steps.

    .. math::

        V^\pi_t(s) = \sum_a \pi_t(a|s) \Big[ r(s,a) + \gamma \sum_{s'}
        P(s'|s,a) V^\pi_{t+1}(s') \Big], \qquad V^\pi_H = V_H.

    Parameters
    ----------
    m : MDP
    pi : array_like
        One of: a stationary policy, ``int [S]`` or ``float [S, A]``; or a
        time-indexed one, an **integer** array ``[H, S]`` (``policy[t, s]`` is
        the action at time ``t``) or a float array ``[H, S, A]``.  A 2-D array
        is read as time-indexed when its dtype is integer and as stationary
        stochastic when it is float.
    horizon : int
        ``H >= 0``; must match the first axis of a time-indexed policy.
    terminal_values : array_like (S,), optional
        ``V_H``; default 0, must be 0 on terminal states.
    gamma : float, optional
        Default ``m.gamma``; ``1`` allowed.

    Returns
    -------
    V : ndarray (H+1, S)
        ``V[t]`` is the expected (discounted) reward of the remaining
        ``H - t`` steps under the policy; ``V[H]`` the terminal values.
        ``J(pi) = p0 . V[0]``.

    Raises
    ------
    PolicyError
        If a policy slice is invalid (the message names the time step).
    MDPError
        As :func:`backward_induction`, or if the policy's shape fits neither
        layout.

    Examples
    --------
    The MDP of :func:`backward_induction`: staying in state 0 for 3 steps
    earns 3; the optimal time-indexed policy earns 6.

    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import evaluate_finite_horizon
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1
    >>> m = MDP(P, R=[[1.0, 0.0], [3.0, 3.0]], gamma=1.0)
    >>> evaluate_finite_horizon(m, [0, 0], 3)[0]
    array([3., 9.])
    >>> evaluate_finite_horizon(m, [[1, 0], [1, 0], [0, 0]], 3)[0]
    array([6., 9.])
    """
    m = check_mdp(m)
    H = check_horizon(horizon)
    g = _check_gamma(m, gamma)
    V_H = _terminal_values(m, terminal_values)
    pi_t = _time_indexed(m, pi, H)  # [H, S, A]
    V = np.empty((H + 1, m.n_states))
    V[H] = V_H
    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        for t in range(H - 1, -1, -1):
            # V_t(s) = sum_a pi_t(a|s) [r(s,a) + gamma sum_s' P(s'|s,a) V_{t+1}(s')]
            Q_t = q_from_v(m, V[t + 1], gamma=g, validate=False)
            V[t] = v_from_q(Q_t, pi_t[t])
    _check_finite(m, V, H, "evaluate_finite_horizon")
    return V


# ----------------------------------------------------------------- helpers
def _check_finite(m: MDP, V: FloatArray, H: int, method: str) -> None:
    """Warn (the canned non-finite message) if the values overflowed."""
    if not all_finite(V):
        finish(
            Status.NON_FINITE,
            stacklevel=4,
            method=method,
            k=H,
            unit="step(s)",
            rmax=float(np.abs(m.r).max()),
        )


def _check_gamma(m: MDP, gamma: Any) -> float:
    return m.gamma if gamma is None else check_gamma(gamma)


def _terminal_values(m: MDP, terminal_values: Any) -> FloatArray:
    if terminal_values is None:
        return np.zeros(m.n_states)
    return state_vector(m, terminal_values, "terminal_values", zero_on_terminal=True)


def _time_indexed(m: MDP, pi: Any, H: int) -> FloatArray:
    """Any accepted policy layout as a validated float array ``[H, S, A]``."""
    S, A = m.n_states, m.n_actions
    arr = np.asarray(pi)
    stationary = arr.ndim == 1 or (
        arr.ndim == 2 and not np.issubdtype(arr.dtype, np.integer)
    )
    if stationary:
        return np.broadcast_to(to_matrix(check_policy(m, arr), A), (H, S, A))
    if arr.ndim not in (2, 3):
        msg = (
            f"`pi` has shape {arr.shape}; expected a stationary int [S] or "
            f"float [S, A] policy, or a time-indexed int [H, S] or float [H, S, A] one."
        )
        raise MDPError(msg)
    if arr.shape[0] != H:
        msg = (
            f"time-indexed `pi` has {arr.shape[0]} time steps (shape "
            f"{arr.shape}) but `horizon` is {H}; give one row per decision "
            f"t = 0..H-1."
        )
        raise MDPError(msg)
    out = np.empty((H, S, A))
    for t in range(H):
        try:
            out[t] = to_matrix(check_policy(m, arr[t]), A)
        except PolicyError as exc:
            msg = f"`pi` at time t={t}: {exc}"
            raise PolicyError(msg) from exc
    return out
