r"""Many independent UCT searches at once, in lockstep over numpy arrays.

:func:`mcts_batch` runs one search per root in ``states`` (the same state
may repeat, e.g. for many seeds), each with the rules of :func:`mcts`
(UCB1 on min-max normalised ``Q`` per tree, every action tried once in
index order, closed-loop chance nodes, a uniform random rollout or
``\hat V`` at the leaves, the same backup).  Simulation ``i`` of every tree
runs at the same time: each phase is a handful of vectorised operations over
the ``B`` trees, so the Python overhead is paid once per simulation step for
all of them.  The trees are arrays ``N [B, nodes, A]``, ``W [B, nodes, A]``
and ``child [B, nodes, A, K]`` (``K`` = the most successors of any pair:
the outcome's position in ``P``'s CSR row names the child).

It returns the root statistics only (no tree statistics or principal
variation); its streams differ from :func:`mcts`'s, so results agree in
distribution, not draw for draw.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mdp import MDP, MDPError
from mdp.checks import as_generator, check_int, check_state, state_vector
from mdp.types import FloatArray, IntArray, RNGLike

from ._common import ShortRepr, check_mdp
from .mcts import _check_c, _gamma_depth

__all__ = ["mcts_batch", "BatchSearchResult"]


@dataclass(frozen=True, repr=False)
class BatchSearchResult(ShortRepr):
    """Root statistics of ``B`` searches.

    Attributes
    ----------
    action : ndarray of int (B,)
        Most visited root action of each search (ties: higher ``q``, then
        lower index).
    visits : ndarray of int (B, A)
    q : ndarray (B, A)
        ``nan`` where unvisited.
    value : ndarray (B,)
        Mean return of each root.
    simulations : int
    elapsed : float

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[0, 1, 1] = 1.0
    >>> m = MDP(P, R=[[0.0, 1.0], [0.0, 0.0]], gamma=0.9, terminal=[1])
    >>> out = mcts_batch(m, [0, 0, 1], simulations=20, seed=0)
    >>> out.action.tolist(), out.visits.sum(axis=1).tolist()
    ([1, 1, 0], [20, 20, 0])
    """

    action: IntArray
    visits: IntArray
    q: FloatArray
    value: FloatArray
    simulations: int
    elapsed: float


class _Rows:
    """``P``'s rows padded to ``K`` successors: ``succ, cum, rew [S*A, K]``."""

    def __init__(self, m: MDP) -> None:
        P = m.P
        n = np.diff(P.indptr)
        K = max(1, int(n.max()) if n.size else 1)
        R = P.shape[0]
        self.K = K
        self.succ = np.zeros((R, K), dtype=np.intp)
        self.cum = np.ones((R, K))
        self.rew = np.zeros((R, K))
        rows = np.repeat(np.arange(R), n)
        pos = np.arange(P.nnz) - P.indptr[rows]
        self.succ[rows, pos] = P.indices
        # cumulative probabilities within each row (normalised)
        c = np.cumsum(P.data)
        before = np.where(P.indptr[:-1] > 0, c[np.maximum(P.indptr[:-1] - 1, 0)], 0.0)
        tot = np.where(n > 0, c[np.maximum(P.indptr[1:] - 1, 0)] - before, 1.0)
        self.cum[rows, pos] = (c - before[rows]) / tot[rows]
        if m.R_sas is not None:
            self.rew[rows, pos] = m.R_sas.data  # on P's pattern, entry for entry
        else:
            self.rew[rows, pos] = m.r.ravel()[rows]
        std = m.reward_std
        self.std = None
        if std is not None:
            self.std = np.zeros((R, K))
            self.std[rows, pos] = std
        self.n = n

    def sample(self, row: IntArray, u: FloatArray) -> tuple[IntArray, IntArray]:
        """Outcome position ``j`` and next state for rows ``row [n]``."""
        j = (u[:, None] > self.cum[row]).sum(axis=1)
        j = np.minimum(j, self.n[row] - 1)
        return j, self.succ[row, j]


def mcts_batch(
    m: MDP,
    states: npt.ArrayLike,
    *,
    simulations: int,
    c: float = math.sqrt(2.0),
    value: npt.ArrayLike | None = None,
    depth: int | None = None,
    gamma: float | None = None,
    normalize: bool = True,
    seed: RNGLike = None,
) -> BatchSearchResult:
    r"""UCT from every root in ``states`` at once (see the module docstring).

    Parameters
    ----------
    m : MDP
    states : array_like of int (B,)
        The roots (repeats allowed: independent searches).
    simulations, c, value, depth, gamma, normalize, seed
        As :func:`mcts` (UCT; no prior).

    Returns
    -------
    BatchSearchResult

    Notes
    -----
    Each tree selects, in every node it passes, the untried action of
    lowest index, else the UCB1 maximiser

    .. math:: a = \arg\max_a \; \hat Q(s, a) + c \sqrt{\frac{\ln N(s)}{N(s, a)}},

    with :math:`\hat Q` scaled to ``[0, 1]`` by the returns seen so far when
    ``normalize`` (min-max over the tree); a new leaf is valued by ``value``,
    else by a uniform random rollout, and the return is
    backed up along the path.  Memory is ``B * (simulations + 1) * A * K``
    child indices; split a very large batch.

    Examples
    --------
    Eight independent searches from the start of the slippery FrozenLake
    4x4, leaves valued by ``V*``, each pick an action within 0.02 of the best
    by the exact ``Q*``:

    >>> from worlds import make
    >>> from solvers import value_iteration
    >>> m = make("frozenlake-4x4").mdp
    >>> sol = value_iteration(m)
    >>> out = mcts_batch(m, [0] * 8, simulations=300, value=sol.V, depth=1, seed=0)
    >>> out.action.shape, bool((sol.Q[0, out.action] > sol.V[0] - 0.02).all())
    ((8,), True)
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    roots = np.atleast_1d(np.asarray(states, dtype=object))
    if roots.ndim != 1 or roots.size == 0:
        msg = (
            f"`states` must be a non-empty 1-D sequence of root states; got shape "
            f"{roots.shape}."
        )
        raise MDPError(msg)
    roots = np.array(
        [check_state(s, m.n_states, "states") for s in roots], dtype=np.intp
    )
    n_sim = check_int(simulations, "simulations")
    g, D = _gamma_depth(m, gamma, depth)
    cval = _check_c(c)
    V = (
        None
        if value is None
        else state_vector(m, value, "value", zero_on_terminal=True)
    )
    rng = as_generator(seed)
    rows_t = _Rows(m)
    _S, A, K = m.n_states, m.n_actions, rows_t.K
    B = roots.size
    M = n_sim + 1
    mask = m.action_mask
    term = m.terminal
    n_avail = mask.sum(axis=1)
    state = np.zeros((B, M), dtype=np.intp)
    state[:, 0] = roots
    n_node = np.zeros((B, M), dtype=np.int64)
    N = np.zeros((B, M, A), dtype=np.int64)
    W = np.zeros((B, M, A))
    child = np.full((B, M, A, K), -1, dtype=np.int32)
    count = np.ones(B, dtype=np.int64)
    lo = np.full(B, np.inf)
    hi = np.full(B, -np.inf)
    order_pen = np.arange(A) * 1e-9  # lowest index first among untried actions
    for _ in range(n_sim):
        node = np.zeros(B, dtype=np.int64)
        alive = ~term[roots]
        path_node = np.zeros((B, D), dtype=np.int64)
        path_a = np.zeros((B, D), dtype=np.intp)
        path_r = np.zeros((B, D))
        plen = np.zeros(B, dtype=np.intp)
        leaf = np.zeros(B)
        for d in range(D):
            idx = np.flatnonzero(alive)
            if idx.size == 0:
                break
            nd = node[idx]
            s = state[idx, nd]
            # --- simulate: UCB1 (or the first untried action)
            n_sa = N[idx, nd]
            w_sa = W[idx, nd]
            av = mask[s]
            untried = av & (n_sa == 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                q = w_sa / n_sa
                if normalize:
                    span = (hi - lo)[idx, None]
                    q = np.where(span > 0, (q - lo[idx, None]) / span, 0.5)
                u = q + cval * np.sqrt(
                    np.log(np.maximum(n_node[idx, nd], 1))[:, None] / n_sa
                )
            u = np.where(av, u, -np.inf)
            first = np.where(untried, 1.0 - order_pen, -np.inf)
            has_untried = untried.any(axis=1)
            a = np.where(has_untried, np.argmax(first, axis=1), np.argmax(u, axis=1))
            # --- chance node: s' ~ P(.|s,a)
            row = s * A + a
            j, s2 = rows_t.sample(row, rng.random(idx.size))
            r = rows_t.rew[row, j]
            if rows_t.std is not None:
                r = r + rows_t.std[row, j] * rng.standard_normal(idx.size)
            path_node[idx, plen[idx]] = nd
            path_a[idx, plen[idx]] = a
            path_r[idx, plen[idx]] = r
            plen[idx] += 1
            nxt = child[idx, nd, a, j].astype(np.int64)
            new = nxt < 0
            # --- expand
            ni = idx[new]
            if ni.size:
                cid = count[ni]
                child[ni, nd[new], a[new], j[new]] = cid
                state[ni, cid] = s2[new]
                count[ni] += 1
                nxt[new] = cid
            node[idx] = nxt
            # --- evaluate the new leaves (V_hat, or a random rollout to D)
            if ni.size:
                s_new = s2[new]
                if V is not None:
                    leaf[ni] = V[s_new]
                else:
                    leaf[ni] = _rollout(
                        rows_t, mask, n_avail, term, s_new, D - d - 1, g, rng, A
                    )
                leaf[ni] = np.where(term[s_new], 0.0, leaf[ni])
                alive[ni] = False
            # an existing node: stop at terminal states, go on otherwise
            old = idx[~new]
            stop = term[s2[~new]]
            alive[old[stop]] = False
        else:
            idx = np.flatnonzero(alive)
            if V is not None and idx.size:
                leaf[idx] = V[state[idx, node[idx]]]
        # --- backup: G <- r_t + gamma G along each path
        G = leaf.copy()
        for k in range(int(plen.max()) - 1, -1, -1):
            on = np.flatnonzero(plen > k)
            G[on] = path_r[on, k] + g * G[on]
            nd, a = path_node[on, k], path_a[on, k]
            N[on, nd, a] += 1
            W[on, nd, a] += G[on]
            n_node[on, nd] += 1
            lo[on] = np.minimum(lo[on], G[on])
            hi[on] = np.maximum(hi[on], G[on])
    visits = N[:, 0, :]
    Wr = W[:, 0, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(visits > 0, Wr / np.maximum(visits, 1), np.nan)
    key = np.where(visits > 0, q, -np.inf)
    action = np.empty(B, dtype=np.intp)
    for b in range(B):
        if visits[b].sum() == 0:
            action[b] = int(np.argmax(mask[roots[b]]))
        else:
            action[b] = int(np.lexsort((np.arange(A), -key[b], -visits[b]))[0])
    tot = visits.sum(axis=1)
    value_b = np.where(tot > 0, Wr.sum(axis=1) / np.maximum(tot, 1), 0.0)
    return BatchSearchResult(
        action=action,
        visits=visits.astype(np.intp),
        q=q,
        value=value_b,
        simulations=n_sim,
        elapsed=time.perf_counter() - t0,
    )


def _rollout(rows_t: _Rows, mask, n_avail, term, s0, steps, g, rng, A) -> FloatArray:
    """Discounted return of uniform random rollouts of ``steps`` steps."""
    x = s0.copy()
    ret = np.zeros(x.size)
    disc = 1.0
    live = ~term[x]
    for _ in range(steps):
        if not live.any():
            break
        # a uniformly random available action
        k = (rng.random(x.size) * n_avail[x]).astype(np.intp)
        a = np.argmax(np.cumsum(mask[x], axis=1) > k[:, None], axis=1)
        row = x * A + a
        j, x2 = rows_t.sample(row, rng.random(x.size))
        r = rows_t.rew[row, j]
        if rows_t.std is not None:
            r = r + rows_t.std[row, j] * rng.standard_normal(x.size)
        ret += np.where(live, disc * r, 0.0)
        disc *= g
        x = np.where(live, x2, x)
        live &= ~term[x]
    return ret
