r"""Model-predictive control (receding-horizon planning) on a tabular model.

At every state the controller plans ``H`` steps ahead in a model
``\hat M`` (by default the true MDP) with a terminal value ``\hat V`` added
at the horizon, takes the plan's first action and replans at the next state.

**Closed loop** (the default): the plan is the ``H``-step optimal
*policy*, found by backward induction on ``\hat V``,

.. math::

    V_H = \hat V, \qquad
    Q_t(s,a) = \hat r(s,a) + \gamma \sum_{s'} \hat P(s'|s,a) V_{t+1}(s'),
    \qquad V_t = \max_a Q_t,

and the controller is the stationary policy ``\mu(s) = \arg\max_a Q_0(s,a)``
for every state at once: ``H`` sparse mat-vecs with ``P (S*A, S)``, the cost
of ``H`` value-iteration sweeps.  It is the greedy policy of
``T^{*\,H-1}\hat V``, so for ``gamma < 1``

.. math::

    \|V^* - V^\mu\|_\infty \le \frac{2\gamma^H}{1-\gamma} \|V^* - \hat V\|_\infty

(Bertsekas & Tsitsiklis 1996, Prop. 6.1 applied to ``T^{*H-1}\hat V``, whose
distance to ``V*`` is at most ``gamma^{H-1}`` times that of ``\hat V``),
and ``\mu`` is optimal once ``T^{*H-1}\hat V`` is within half the smallest
action gap of ``Q*``.  The loss need not fall monotonically with ``H``.

**Open loop** (``open_loop=True``): the plan from ``s`` is a fixed action
sequence ``a_0..a_{H-1}`` maximising

.. math::

    G(s; a_{0:H}) = \sum_{t<H} \gamma^t d_t^\top \hat r_{\cdot a_t}
                    + \gamma^H d_H^\top \hat V, \qquad
    d_0 = e_s, \quad d_{t+1} = \hat P_{a_t}^\top d_t,

the expected return under the model's state distribution ``d_t`` when the
actions cannot react to the states reached.  It is found exactly by
enumerating the ``A^H`` sequences (all starts at once) when that is small,
else by the cross-entropy method (seeded).  Closed loop is never worse in the
model: ``max_{a_{0:H}} G(s; a_{0:H}) <= V_0(s)``; the gap appears where the
model is stochastic.  The *controllers* built from the plans (replanning at
every step) are not ordered in the true MDP in general: with
``\hat V = V*`` the closed loop is optimal and the open loop is worse
somewhere on FrozenLake, but with ``\hat V = 0`` on the 4x4 FrozenLake at
``gamma = 1`` and ``H = 7`` the open-loop controller's loss is 0.414 against
0.514 (measured; ``tests/solvers/planning/test_mpc.py``).

Either way the controller is a stationary deterministic policy, scored by its
**exact** value ``V^mu`` in the true MDP ``m`` (:func:`solvers.evaluate_policy`)
and by its loss ``max_s V*(s) - V^mu(s)``.

References
----------
D. P. Bertsekas, *Dynamic Programming and Optimal Control*, Vol. I, 4th ed.,
Section 6.5 (model predictive control) and 6.4 (rollout, limited lookahead).
D. P. Bertsekas and J. N. Tsitsiklis, *Neuro-Dynamic Programming* (1996),
Proposition 6.1.
R. Y. Rubinstein and D. P. Kroese, *The Cross-Entropy Method* (2004).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mdp import MDP, MDPError
from mdp.checks import as_generator, check_int, check_state, state_vector
from mdp.policy import GREEDY_TIE_TOL
from mdp.types import FloatArray, IntArray, RNGLike
from solvers.exact import Backup

from ._common import ShortRepr, check_mdp, exact_value, optimal_values, same_spaces

__all__ = ["mpc", "MPCResult"]

#: enumerate the open-loop sequences exactly while A^H * S^2 stays below this
_ENUM_LIMIT = 2**22


@dataclass(frozen=True, repr=False)
class MPCResult(ShortRepr):
    """The receding-horizon controller and its exact score.

    Attributes
    ----------
    policy : ndarray of int (S,)
        The controller ``mu(s)``: the first action of the plan made at ``s``.
    V : ndarray (S,)
        Its exact value ``V^mu`` in the true MDP (``nan`` when ``gamma = 1``
        and ``mu`` never terminates from some state; see ``proper``).
    loss : float
        ``max_s V*(s) - V^mu(s)`` (``inf`` when ``mu`` is not proper).
    V_star : ndarray (S,)
        ``V*`` of the true MDP.
    planned_value : ndarray (S,)
        The plan's objective in the model from each state: ``V_0(s)``
        (closed loop) or ``max G(s; a_{0:H})`` (open loop).
    horizon : int
    open_loop : bool
    proper : bool
        False when ``gamma = 1`` and the controller never terminates from
        some state (its value is undefined there).
    message : str
        Why ``proper`` is False; how the open-loop plans were found.
    steps : ndarray of int
        Closed loop: ``(H, S)``, the time-indexed plan policy ``pi_t(s)``.
        Open loop: ``(S, H)``, the action sequence planned from each state.
    elapsed : float
        Seconds to build the controller (scoring excluded).

    Examples
    --------
    >>> from worlds import make
    >>> ctl = mpc(make("gridworld-5x5").mdp, horizon=4)
    >>> ctl.policy.shape, ctl.V.shape, round(ctl.loss, 4), ctl.proper
    ((25,), (25,), 0.2919, True)
    """

    policy: IntArray
    V: FloatArray
    loss: float
    V_star: FloatArray
    planned_value: FloatArray
    horizon: int
    open_loop: bool
    proper: bool
    message: str
    steps: IntArray
    elapsed: float
    _model: Any = field(default=None, repr=False, compare=False)

    def plan(self, s: int) -> IntArray:
        """The ``H`` actions planned at state ``s``.

        Open loop: the optimised sequence.  Closed loop: the plan policy
        ``pi_t`` followed along the model's most likely successor states
        (the plan itself is a policy; this is its nominal trajectory).

        Examples
        --------
        >>> import numpy as np
        >>> from mdp import MDP
        >>> P = np.zeros((3, 2, 3)); P[:, 0, :] = np.eye(3)  # action 0 stays
        >>> P[0, 1, 1] = P[1, 1, 2] = P[2, 1, 2] = 1.0        # action 1 moves on
        >>> R = [[-0.1, 0], [-0.1, 1], [0, 0]]                # staying costs 0.1
        >>> m = MDP(P, R, gamma=1.0, terminal=[2])
        >>> mpc(m, horizon=3).plan(0)
        array([1, 1, 0])
        """
        s = check_state(s, self.policy.shape[0])
        if self.open_loop:
            return self.steps[s].copy()
        P = self._model.P
        A = self._model.n_actions
        out = np.empty(self.horizon, dtype=np.intp)
        for t in range(self.horizon):
            a = int(self.steps[t, s])
            out[t] = a
            row = s * A + a
            lo, hi = P.indptr[row], P.indptr[row + 1]
            s = int(P.indices[lo + int(np.argmax(P.data[lo:hi]))])
        return out


def mpc(
    m: MDP,
    *,
    horizon: int,
    terminal_value: npt.ArrayLike | None = None,
    model: MDP | None = None,
    open_loop: bool = False,
    seed: RNGLike = None,
    V_star: npt.ArrayLike | None = None,
    open_loop_method: str = "auto",
    cem_samples: int = 200,
    cem_iterations: int = 12,
) -> MPCResult:
    r"""Receding-horizon controller: plan ``H`` steps in ``model``, act, replan.

    Parameters
    ----------
    m : MDP
        The true MDP; the controller is scored here.
    horizon : int
        ``H >= 1`` decisions per plan.
    terminal_value : array_like (S,), optional
        ``\hat V`` added (discounted by ``gamma^H``) at the horizon; default 0.
        Must be 0 on the model's terminal states.
    model : MDP, optional
        The model planned in (same states and actions as ``m``, e.g. from
        :func:`estimate_model`); default ``m``.  Its ``gamma`` is used.
    open_loop : bool
        Plan a fixed action sequence (see the module docstring) instead of an
        ``H``-step policy.
    seed : None, int, SeedSequence or Generator
        Only for the cross-entropy search of large open-loop problems.
    V_star : array_like (S,), optional
        ``V*`` of ``m`` when already known (else solved by policy iteration).
    open_loop_method : {"auto", "enumerate", "cem"}
        ``auto`` enumerates all ``A^H`` sequences while
        ``A^H * S^2 <= 2^22`` and uses the cross-entropy method beyond.
    cem_samples, cem_iterations : int
        Cross-entropy method: sequences sampled per start state and round.

    Returns
    -------
    MPCResult
        ``policy``, exact ``V``, ``loss``, ``planned_value``, ``plan(s)``...

    Raises
    ------
    MDPError
        If ``horizon`` is not an integer ``>= 1``, ``terminal_value`` is
        malformed or non-zero on a terminal state, or ``model`` has other
        state or action sets.

    Notes
    -----
    Ties between actions go to the lowest index (closed loop) or to the
    lexicographically first sequence (open-loop enumeration), with one
    exception.  With ``gamma = 1`` and terminal states, ties (up to
    round-off) in the closed loop go first to the action whose plan is the
    most likely to have reached a terminal state by the horizon,
    ``T_t(s) = sum_s' P(s'|s, pi_t(s)) T_{t+1}(s')`` with ``T_H`` the
    terminal indicator (one more product per stage).  The reason:
    ``\hat V = 0`` values a non-terminal horizon state as much as a terminal
    one, so on a shortest-path world with ``H`` equal to the distance ``d``
    from the farthest state, reaching the goal in ``d`` steps and wandering
    ``d`` steps both return ``-d``; the lowest-index rule may wander for ever
    (an improper controller) and would need ``H = d + 1``.  With this rule the
    controller is optimal once ``H >= d`` (it needs no knowledge beyond the
    horizon, unlike :func:`mdp.episodic.proper_greedy`'s distance along tied
    actions, which would make even ``H = 1`` optimal there).  For
    ``gamma < 1`` every controller has a value and the lowest index is kept
    (as :func:`solvers.backward_induction`): preferring termination is not
    right in general (it prefers FrozenLake's holes among ties).  With an action
    mask a planned action ``a_t`` that is unavailable in the state reached is
    replaced there by that state's lowest-index available action (so every
    sequence is executable); the controller's action is the one executed
    at ``s``.  With ``gamma = 1``
    a controller that never terminates (e.g. ``\hat V = 0`` and ``H`` shorter
    than the distance to the goal, so that all actions tie) is reported with
    ``proper=False``, ``V = nan``, ``loss = inf`` instead of raising.

    Examples
    --------
    A corridor 0 - 1 - 2 - 3 (goal), -1 per step: with ``\hat V = 0`` the
    controller is optimal once ``H`` reaches the distance to the goal.

    >>> import numpy as np
    >>> from mdp import MDP, MDPError
    >>> P = np.zeros((4, 2, 4))                 # action 0: left, 1: right
    >>> for s in range(3):
    ...     P[s, 0, max(s - 1, 0)] = P[s, 1, s + 1] = 1.0
    >>> R = -np.ones((4, 2)); R[3] = 0.0
    >>> m = MDP(P, R, gamma=1.0, terminal=[3])
    >>> [mpc(m, horizon=h).proper for h in (1, 2, 3, 4)]
    [False, False, True, True]
    >>> ctl = mpc(m, horizon=3)
    >>> ctl.policy[:3], ctl.V[:3], ctl.loss
    (array([1, 1, 1]), array([-3., -2., -1.]), 0.0)

    With ``H = 3`` state 0 ties: reaching the goal in 3 steps and staying
    put both return -3; the tie goes to the plan that has terminated.  With
    ``H = 2`` no plan from state 0 terminates, all tie, and it stays.
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    H = check_int(horizon, "horizon")
    M = m if model is None else check_mdp(model, "model")
    same_spaces(m, M)
    V_hat = (
        np.zeros(M.n_states)
        if terminal_value is None
        else state_vector(M, terminal_value, "terminal_value", zero_on_terminal=True)
    )
    message = ""
    if not open_loop:
        policy, planned, steps = _closed_loop(M, H, V_hat)
    else:
        if open_loop_method not in ("auto", "enumerate", "cem"):
            msg = (
                f"`open_loop_method` must be 'auto', 'enumerate' or 'cem'; got "
                f"{open_loop_method!r}."
            )
            raise MDPError(msg)
        policy, planned, steps, message = _open_loop(
            M,
            H,
            V_hat,
            open_loop_method,
            as_generator(seed),
            check_int(cem_samples, "cem_samples", minimum=2),
            check_int(cem_iterations, "cem_iterations"),
        )
    elapsed = time.perf_counter() - t0
    Vs = optimal_values(m, V_star)
    V, proper, why = exact_value(m, policy)
    loss = float(np.max(Vs - V)) if proper else float("inf")
    message = "; ".join(x for x in (message, why) if x)
    return MPCResult(
        policy=policy,
        V=V,
        loss=max(loss, 0.0) if proper else loss,
        V_star=Vs,
        planned_value=planned,
        horizon=H,
        open_loop=bool(open_loop),
        proper=proper,
        message=message,
        steps=steps,
        elapsed=elapsed,
        _model=M,
    )


# ------------------------------------------------------------- closed loop
def _closed_loop(M: MDP, H: int, V_hat: FloatArray):
    """Backward induction: ``H`` backups, the argmax of each kept for plans.

    The backups run on the exact solvers' fused, threaded kernel (``gamma P``
    in action-major layout, ``Q = r + gamma P V`` in one CSR product).  With
    terminal states a second product carries ``T_t(s)``, the probability that
    the plan from stage ``t`` has terminated by the horizon, for the tie rule.
    """
    S, A = M.n_states, M.n_actions
    backup = Backup(M)
    steps = np.empty((H, S), dtype=np.intp)
    rows = np.arange(S)
    term = M.terminal
    with_T = M.gamma == 1.0 and bool(term.any())
    V = np.asarray(V_hat, dtype=float)
    T = term.astype(float)
    for t in range(H - 1, -1, -1):
        # Q_t(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V_{t+1}(s'), as (A, S)
        q_as = backup.q(V)
        V = _max_argmax(q_as, steps[t])
        if with_T:
            # ties (up to round-off) go to the action most likely to have
            # terminated by the horizon, then to the lowest index
            tq = (M.P @ T).reshape(S, A).T
            tied = q_as >= V - GREEDY_TIE_TOL * np.maximum(1.0, np.abs(V))
            arg = np.argmax(np.where(tied, tq, -1.0), axis=0)
            V = q_as[arg, rows]
            T = tq[arg, rows]
            T[term] = 1.0
            steps[t] = arg
    return steps[0].copy(), V, steps


def _max_argmax_loop(q_as, arg, best):  # compiled by numba on first use
    A, S = q_as.shape
    for s in range(S):
        b = q_as[0, s]
        k = 0
        for a in range(1, A):
            v = q_as[a, s]
            up = v > b  # strict: the lowest index among equal maxima
            k = a if up else k  # selects, not branches (random Q, no pattern)
            b = v if up else b
        best[s] = b
        arg[s] = k


_COMPILED_MAX_ARGMAX: Any = None


def _max_argmax(q_as: FloatArray, arg: IntArray) -> FloatArray:
    """``max_a Q`` of an ``(A, S)`` array, its lowest-index argmax into ``arg``.

    One compiled pass over the states (numba, compiled on first use and
    cached): the stage's greedy action costs a fraction of the backup
    itself, where ``A - 1`` numpy maxima plus an argmax pass cost half as
    much again.
    """
    global _COMPILED_MAX_ARGMAX
    if _COMPILED_MAX_ARGMAX is None:
        from .._jit import jit

        _COMPILED_MAX_ARGMAX = jit(_max_argmax_loop)
    best = np.empty(q_as.shape[1])
    _COMPILED_MAX_ARGMAX(q_as, arg, best)
    return best


# --------------------------------------------------------------- open loop
def _executed(M: MDP):
    """Per action ``a``: ``P_a (S, S)`` and ``r_a (S,)`` of what is executed.

    Where ``a`` is unavailable, the state's lowest-index available action is
    executed instead (``fallback[s, a]``).
    """
    S, A = M.n_states, M.n_actions
    mask = M.action_mask
    first = np.argmax(mask, axis=1)
    fallback = np.where(mask, np.arange(A)[None, :], first[:, None])  # (S, A)
    Pa, ra = [], []
    for a in range(A):
        rows = np.arange(S) * A + fallback[:, a]
        Pa.append(sp.csr_array(M.P[rows]))
        ra.append(M.r[np.arange(S), fallback[:, a]])
    return Pa, np.stack(ra, axis=1), fallback


def _open_loop(M: MDP, H: int, V_hat: FloatArray, method, rng, n_samples, n_iter):
    S, A = M.n_states, M.n_actions
    Pa, r_sa, fallback = _executed(M)
    size = A**H * S * S
    if method == "enumerate" and size > 16 * _ENUM_LIMIT:
        msg = (
            f"open-loop enumeration of A^H = {A}^{H} sequences from {S} states "
            f"needs A^H * S^2 = {float(size):.3g} floats (limit {16 * _ENUM_LIMIT}); "
            f"use open_loop_method='cem' or 'auto', or a shorter horizon."
        )
        raise MDPError(msg)
    if method == "enumerate" or (method == "auto" and size <= _ENUM_LIMIT):
        planned, steps = _enumerate(M, H, V_hat, Pa, r_sa)
        how = f"open loop: exact enumeration of {A**H} sequences"
    else:
        planned, steps = _cross_entropy(M, H, V_hat, Pa, r_sa, rng, n_samples, n_iter)
        how = (
            f"open loop: cross-entropy method ({n_samples} sequences x {n_iter} "
            f"rounds per state)"
        )
    policy = fallback[np.arange(S), steps[:, 0]].astype(np.intp)
    return policy, planned, steps, how


def _enumerate(M: MDP, H: int, V_hat: FloatArray, Pa, r_sa):
    """Every sequence from every start: distributions ``D [n_prefix, S, S]``."""
    S, A = M.n_states, M.n_actions
    g = M.gamma
    D = np.eye(S)[None]  # D[k, s0, s]: Pr(s_t = s | s_0 = s0, prefix k)
    G = np.zeros((1, S))  # return so far of prefix k from s0
    for t in range(H):
        n = D.shape[0]
        D_next = np.empty((n * A, S, S))
        G_next = np.empty((n * A, S))
        flat = D.reshape(n * S, S)
        for a in range(A):
            # G += gamma^t d_t . r(., a);  d_{t+1} = d_t P_a
            G_next[a::A] = G + g**t * (D @ r_sa[:, a])
            D_next[a::A] = (flat @ Pa[a]).reshape(n, S, S)
        D, G = D_next, G_next
    # sequence k has base-A digits a_0 a_1 ... a_{H-1} (lexicographic order)
    G = G + g**H * (D @ V_hat)
    best = np.argmax(G, axis=0)  # (S,): first maximiser
    digits = A ** np.arange(H - 1, -1, -1)
    steps = (best[:, None] // digits) % A
    return G[best, np.arange(S)], steps.astype(np.intp)


def _sequence_returns(M, Pa, r_sa, V_hat, starts, seqs):
    """``G(s; a_{0:H})`` for a batch: ``starts (B,)``, ``seqs (B, H)``."""
    S = M.n_states
    B, H = seqs.shape
    g = M.gamma
    d = np.zeros((B, S))
    d[np.arange(B), starts] = 1.0
    G = np.zeros(B)
    for t in range(H):
        a_t = seqs[:, t]
        G += g**t * np.einsum("bs,bs->b", d, r_sa[:, a_t].T)
        nxt = np.empty_like(d)
        for a in range(M.n_actions):
            idx = np.flatnonzero(a_t == a)
            if idx.size:
                nxt[idx] = d[idx] @ Pa[a]
        d = nxt
    return G + g**H * (d @ V_hat)


def _cross_entropy(
    M, H, V_hat, Pa, r_sa, rng, n_samples, n_iter, elite_frac=0.1, smooth=0.7
):
    """Categorical CEM over sequences, all start states in parallel."""
    S, A = M.n_states, M.n_actions
    probs = np.full((S, H, A), 1.0 / A)
    n_elite = max(2, int(round(elite_frac * n_samples)))
    best_G = np.full(S, -np.inf)
    best_seq = np.zeros((S, H), dtype=np.intp)
    starts = np.repeat(np.arange(S), n_samples)
    rows = np.arange(S)
    for _ in range(n_iter):
        # a_t ~ Categorical(probs[s, t]) for every (start, sample, t)
        cum = probs.cumsum(axis=2)
        u = rng.random((S, n_samples, H, 1))
        seqs = (u > cum[:, None]).sum(axis=3).clip(max=A - 1)
        flat = seqs.reshape(S * n_samples, H)
        G = np.empty(S * n_samples)
        for lo in range(0, S * n_samples, 4096):
            hi = lo + 4096
            G[lo:hi] = _sequence_returns(M, Pa, r_sa, V_hat, starts[lo:hi], flat[lo:hi])
        G = G.reshape(S, n_samples)
        order = np.argsort(-G, axis=1, kind="stable")
        top = order[:, 0]
        improve = G[rows, top] > best_G
        best_G = np.where(improve, G[rows, top], best_G)
        best_seq[improve] = seqs[np.flatnonzero(improve), top[improve]]
        elite = np.take_along_axis(seqs, order[:, :n_elite, None], axis=1)
        freq = np.stack([(elite == a).mean(axis=1) for a in range(A)], axis=2)
        probs = smooth * freq + (1 - smooth) * probs
    return best_G, best_seq
