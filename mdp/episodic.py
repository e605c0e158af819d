r"""Everything about undiscounted (``gamma = 1``) MDPs: proper policies.

With ``gamma = 1`` a return is finite only if the episode ends.  A policy is
**proper** when it reaches a terminal state with probability 1 from every
state; its value ``V^pi`` is then the unique solution of
``(I - P_pi) V = r_pi`` with ``V = 0`` on terminal states.  An improper
policy's value is undefined (the system is singular).

The convention of every mdpkit solver (the stochastic-shortest-path one,
Bertsekas & Tsitsiklis 1991): with ``gamma = 1``

* an optimal solution needs a proper policy to exist
  (:func:`require_proper_policy` raises otherwise, naming the states that can
  never reach a terminal state);
* ``V*`` is the best value **over proper policies**, and the returned
  ``policy`` is proper.  Where a zero-reward cycle ties with the way out
  (stay put vs step into the goal at no cost), ties are broken towards
  termination (:func:`proper_greedy`).  Where a zero-reward cycle is better
  than every way out (stay put for free instead of paying to finish), the
  supremum over all policies is attained only by never terminating; ``V*``
  is still the best *proper* value, which is what every solver returns
  (value iteration finds the supremum first and finishes with policy
  iteration over proper policies).
* Where a cycle of non-terminal states has positive total reward, the
  supremum is ``+inf``: every solver raises :class:`MDPError` with the one
  message :data:`POSITIVE_CYCLE_MESSAGE` rather than return a terminating
  policy as optimal.

Examples
--------
>>> import numpy as np
>>> from mdp import MDP, episodic
>>> P = np.zeros((3, 2, 3))
>>> P[:, 0, :] = np.eye(3)                    # action 0: stay
>>> P[0, 1, 1] = P[1, 1, 2] = P[2, 1, 2] = 1  # action 1: step right
>>> m = MDP(P, -np.ones((3, 2)), gamma=1.0, terminal=[2])   # -1 per step; state 2 ends it
>>> episodic.proper_policy(m)
array([1, 1, 0])
>>> episodic.improper_states(m, [0, 0, 0])
array([0, 1])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from . import _structure
from ._errors import ImproperPolicyError, MDPError
from .checks import format_states as _where
from .model import MDP, check_mdp
from .policy import check_policy, greedy, policy_matrices
from .types import FloatArray, IntArray

__all__ = [
    "NO_TERMINAL_MESSAGE",
    "POSITIVE_CYCLE_MESSAGE",
    "improper_states",
    "check_proper",
    "require_proper_policy",
    "proper_policy",
    "proper_greedy",
]

#: The one message for "gamma = 1 without terminal states".
NO_TERMINAL_MESSAGE = (
    "gamma = 1 and the MDP has no terminal states, so returns never end and "
    "values are infinite or undefined. Use gamma < 1, add terminal states, or "
    "solvers.relative_value_iteration for the average reward."
)


#: The one message for "gamma = 1 and a cycle pays forever" (``{where}``: the
#: states of such a cycle, or empty).
POSITIVE_CYCLE_MESSAGE = (
    "with gamma = 1 a policy that never terminates collects positive reward "
    "forever (a cycle of non-terminal states with positive total reward{where}), "
    "so V* is +inf and no terminating policy is optimal. Use gamma < 1, or make "
    "such cycles end in a terminal state."
)


def improper_states(m: MDP, pi: Any) -> IntArray:
    """Non-terminal states from which policy ``pi`` never reaches a terminal state.

    ``pi`` is a policy (int ``(S,)`` or float ``(S, A)``) or its transition
    matrix ``P_pi`` (a sparse ``(S, S)`` array).  A state is improper when no
    path of ``P_pi`` (edges with ``P_pi(s'|s) > 0``) leads from it to the
    terminal set; then ``P(reach a terminal state | s, pi) = 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((3, 2, 3))
    >>> P[:, 0, :] = np.eye(3)                  # action 0: stay
    >>> P[0, 1, 1] = P[1, 1, 2] = P[2, 1, 2] = 1  # action 1: step right
    >>> m = MDP(P, np.zeros((3, 2)), gamma=1.0, terminal=[2])
    >>> improper_states(m, [0, 1, 0])  # state 0 stays put forever
    array([0])
    >>> improper_states(m, [1, 1, 0]).size
    0
    """
    P_pi = pi if sp.issparse(pi) else policy_matrices(m, check_policy(m, pi))[0]
    G = sp.csr_array(P_pi, copy=True)
    G.data = (G.data > 0).astype(np.int8)
    reach = _structure.can_reach(G, m.terminal)
    return np.flatnonzero(~reach & ~m.terminal)


def check_proper(m: MDP, P_pi: Any) -> None:
    """With ``gamma = 1``, raise :class:`ImproperPolicyError` unless ``P_pi`` is proper.

    ``P_pi`` is a policy's transition matrix (sparse ``(S, S)``) or the policy
    itself (see :func:`improper_states`).  With ``gamma < 1`` every policy has
    a finite value and nothing is checked.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((3, 2, 3))
    >>> P[:, 0, :] = np.eye(3)                  # action 0: stay
    >>> P[0, 1, 1] = P[1, 1, 2] = P[2, 1, 2] = 1  # action 1: step right
    >>> m = MDP(P, np.zeros((3, 2)), gamma=1.0, terminal=[2])
    >>> check_proper(m, [1, 1, 0])      # reaches state 2 from everywhere
    >>> check_proper(m, [0, 1, 0])
    Traceback (most recent call last):
    ...
    mdp.ImproperPolicyError: with gamma = 1 the policy never reaches a terminal state from state 0: its value is undefined. Use a proper policy (one that terminates with probability 1) or gamma < 1.
    """
    if m.gamma < 1.0:
        return
    if not m.terminal.any():
        raise ImproperPolicyError(NO_TERMINAL_MESSAGE)
    bad = improper_states(m, P_pi)
    if bad.size:
        msg = (
            f"with gamma = 1 the policy never reaches a terminal state from "
            f"{_where(bad)}: its value is undefined. Use a proper policy (one "
            f"that terminates with probability 1) or gamma < 1."
        )
        raise ImproperPolicyError(msg)


def require_proper_policy(m: MDP) -> None:
    """With ``gamma = 1``, raise :class:`MDPError` unless some policy is proper.

    The precondition of every optimal solver at ``gamma = 1``: there are
    terminal states and every state can reach one under some actions.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((3, 2, 3))
    >>> P[:, 0, :] = np.eye(3)                  # action 0: stay
    >>> P[0, 1, 1] = P[1, 1, 2] = P[2, 1, 2] = 1  # action 1: step right
    >>> m = MDP(P, np.zeros((3, 2)), gamma=1.0, terminal=[2])
    >>> require_proper_policy(m)        # state 2 is reachable: fine
    >>> require_proper_policy(MDP(P, np.zeros((3, 2)), gamma=1.0))
    Traceback (most recent call last):
    ...
    mdp.MDPError: gamma = 1 and the MDP has no terminal states, so returns never end and values are infinite or undefined. Use gamma < 1, add terminal states, or solvers.relative_value_iteration for the average reward.
    """
    if m.gamma == 1.0:
        proper_policy(m)


def proper_policy(m: MDP) -> IntArray:
    """A deterministic policy that reaches a terminal state with probability 1.

    Each state takes an action with a successor one step closer (in the graph
    of all available transitions) to the terminal set, so from every state a
    terminal state is reached with positive probability within ``S`` steps,
    hence with probability 1.  Needed to start policy iteration when
    ``gamma = 1``.

    Raises
    ------
    MDPError
        If no terminal state exists or some states cannot reach one under any
        actions (then no proper policy exists); the message names them.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((3, 2, 3))
    >>> P[:, 0, :] = np.eye(3)                  # action 0: stay
    >>> P[0, 1, 1] = P[1, 1, 2] = P[2, 1, 2] = 1  # action 1: step right
    >>> m = MDP(P, np.zeros((3, 2)), gamma=1.0, terminal=[2])
    >>> proper_policy(m)
    array([1, 1, 0])
    """
    m = check_mdp(m)
    S, A = m.n_states, m.n_actions
    if not m.terminal.any():
        raise MDPError(NO_TERMINAL_MESSAGE)
    G = _structure.state_graph(m.P, A, m.action_mask)
    dist = _structure.distance_to(G, m.terminal)
    stuck = np.flatnonzero(~np.isfinite(dist))
    if stuck.size:
        msg = (
            f"no proper policy exists: {_where(stuck)} cannot reach a terminal "
            f"state under any actions, so with gamma = 1 their values are undefined. "
            f"Use gamma < 1, or make a terminal state reachable."
        )
        raise MDPError(msg)
    # for each (s, a): the closest successor's distance to the terminal set
    P = m.P
    succ_dist = dist[P.indices]
    row_len = np.diff(P.indptr)
    best = np.full(S * A, np.inf)
    nonempty = row_len > 0
    best[nonempty] = np.minimum.reduceat(succ_dist, P.indptr[:-1][nonempty])
    best[~m.action_mask.ravel()] = np.inf
    # among the actions with a successor one step closer, the one that moves
    # closer with the highest probability (a far better start than the first)
    src = np.repeat(np.arange(S * A) // A, row_len)
    closer = np.zeros(S * A)
    closer[nonempty] = np.add.reduceat(
        P.data * (succ_dist < dist[src]), P.indptr[:-1][nonempty]
    )
    best_sa = best.reshape(S, A)
    eligible = best_sa == best_sa.min(axis=1, keepdims=True)
    pi = np.argmax(np.where(eligible, closer.reshape(S, A), -1.0), axis=1).astype(
        np.intp
    )
    # terminal states: first available action
    t = m.terminal
    pi[t] = np.argmax(m.action_mask[t], axis=1)
    return pi


def proper_greedy(m: MDP, q: FloatArray, tol: float = 0.0) -> IntArray:
    """The greedy policy of ``q``, preferring among ties actions that terminate.

    With ``gamma = 1`` the lowest-index greedy action can loop forever at zero
    cost (stay put instead of stepping into the goal) although a tied action
    reaches a terminal state; then ``V*`` is attained only by the latter.  Among
    the actions within ``tol`` of the maximum, each state takes the lowest-index
    one that moves (with positive probability) one step closer to a terminal
    state along tied actions, where such an action exists.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((3, 2, 3))
    >>> P[:, 0, :] = np.eye(3)                  # action 0: stay
    >>> P[0, 1, 1] = P[1, 1, 2] = P[2, 1, 2] = 1  # action 1: step right
    >>> m = MDP(P, np.zeros((3, 2)), gamma=1.0, terminal=[2])
    >>> Q = np.zeros((3, 2))  # staying and stepping right tie everywhere
    >>> proper_greedy(m, Q)   # the plain greedy policy [0, 0, 0] never ends
    array([1, 1, 0])
    """
    mu = np.asarray(greedy(q), dtype=np.intp)
    if m.gamma < 1.0 or not m.terminal.any():
        return mu
    S, A = m.n_states, m.n_actions
    P_mu, _ = policy_matrices(m, mu)
    if improper_states(m, P_mu).size == 0:
        return mu
    ties = greedy(q, spread_ties=True, tol=tol) > 0
    d = _structure.distance_to(_structure.state_graph(m.P, A, ties), m.terminal)
    coo = m.P.tocoo()
    src = coo.row // A
    closer = (coo.data > 0) & np.isfinite(d[src]) & (d[coo.col] == d[src] - 1)
    closer &= ties.ravel()[coo.row]
    good = np.zeros(S * A, dtype=bool)
    good[coo.row[closer]] = True
    good_sa = good.reshape(S, A)
    has = good_sa.any(axis=1) & ~m.terminal
    return np.where(has, good_sa.argmax(axis=1), mu).astype(np.intp)
