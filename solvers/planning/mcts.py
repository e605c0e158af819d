r"""Monte Carlo tree search on the generative view of an MDP: UCT and PUCT.

A closed-loop search tree: decision nodes are histories (states reached by a
sequence of sampled transitions), chance nodes sample ``s' ~ P(.|s,a)`` and
``r = R(s,a,s')`` from the model's generative view (``m.step``'s
distribution, read from ``P``'s CSR rows as cumulative sums).  Each
simulation has the four phases named as in mctx:

* **simulate** (selection): from the root, pick actions by the tree policy
  until a new chance outcome is reached, the depth limit, or a terminal state;
* **expand**: add the new decision node;
* **evaluate**: its value is ``\hat V(s')`` when ``value`` is given, else the
  discounted return of a uniformly random rollout to ``depth`` (0 at a
  terminal state);
* **backup**: along the path, ``G \leftarrow r_t + \gamma G``,
  ``N(s,a) \leftarrow N(s,a) + 1``, ``W(s,a) \leftarrow W(s,a) + G``,
  ``Q(s,a) = W(s,a) / N(s,a)``.

Tree policies (``\bar Q`` is ``Q`` min-max normalised by the returns seen in
the tree, as in MuZero, so ``c`` does not depend on the reward scale):

* UCT (UCB1; Kocsis & Szepesvári 2006), the default: every available action
  is tried once (lowest index first), then

  .. math:: a = \arg\max_a \bar Q(s,a) + c \sqrt{\frac{\ln N(s)}{N(s,a)}}.

* PUCT with a prior ``\pi(a|s)`` (AlphaZero; Silver et al. 2017, 2018):

  .. math:: a = \arg\max_a \bar Q(s,a)
             + c\, \pi(a|s) \frac{\sqrt{N(s)}}{1 + N(s,a)},

  where an unvisited action's ``\bar Q`` is the node's mean return so far
  ("first-play urgency" = parent value; AlphaZero uses 0).

``N(s) = \sum_a N(s,a)``.  The root's action is the most visited (ties:
higher ``Q``, then lower index).

References
----------
L. Kocsis and C. Szepesvári, "Bandit based Monte-Carlo planning", ECML 2006.
D. Silver et al., "Mastering the game of Go without human knowledge",
Nature 550 (2017), Methods ("Search algorithm": PUCT).
J. Schrittwieser et al., "Mastering Atari, Go, chess and shogi by planning
with a learned model" (MuZero), Nature 588 (2020), Appendix B (min-max
normalisation of Q).
B. E. Childs, J. H. Brodeur and L. Kocsis, "Transpositions and move groups
in Monte Carlo tree search", IEEE CIG 2008.
C. B. Browne et al., "A survey of Monte Carlo tree search methods", IEEE
TCIAIG 4 (2012).
"""

from __future__ import annotations

import bisect
import math
import random
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mdp import MDP, MDPError
from mdp.checks import (
    as_generator,
    check_gamma,
    check_int,
    check_real,
    check_state,
    state_vector,
)
from mdp.policy import check_policy, to_matrix
from mdp.types import FloatArray, IntArray, RNGLike

from ._common import ShortRepr, check_mdp, same_spaces
from ._generative import ModelLists
from ._generative import model_lists as _model

__all__ = ["mcts", "mcts_episode", "MCTSResult", "EpisodeResult"]


@dataclass(frozen=True, repr=False)
class MCTSResult(ShortRepr):
    """What one search from a root state returns.

    Attributes
    ----------
    action : int
        The most visited root action (ties: higher ``q``, then lower index).
    visits : ndarray of int (A,)
        ``N(s, a)`` at the root (0 for unavailable actions).
    q : ndarray (A,)
        ``Q(s, a) = W(s, a) / N(s, a)`` at the root: the mean discounted
        return of the simulations through ``a`` (``nan`` where unvisited).
    value : float
        The root's mean return over all simulations, ``sum_a W / sum_a N``.
    search_policy : ndarray (A,)
        ``N(s, a) / N(s)``, the visit distribution: a stochastic policy row.
    simulations : int
    nodes : int
        Decision nodes in the tree.
    max_depth : int
        Deepest decision node of the tree (the root is depth 0).
    state_visits : ndarray of int (S,)
        Visits of the tree's decision nodes, summed per state (where the
        search looked).
    principal_variation : list of (int, int)
        ``(state, action)`` pairs following the most visited action and the
        most visited outcome from the root; a last pair ``(state, -1)`` is a
        leaf reached but not searched below.
    elapsed : float
        Seconds.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[0, 1, 1] = 1.0
    >>> m = MDP(P, R=[[0.0, 1.0], [0.0, 0.0]], gamma=0.9, terminal=[1])
    >>> out = mcts(m, 0, simulations=20, seed=0)
    >>> out.action, int(out.visits.sum()), float(out.q[1])
    (1, 20, 1.0)
    """

    action: int
    visits: IntArray
    q: FloatArray
    value: float
    search_policy: FloatArray
    simulations: int
    nodes: int
    max_depth: int
    state_visits: IntArray
    principal_variation: list
    elapsed: float


@dataclass(frozen=True, repr=False)
class EpisodeResult(ShortRepr):
    """An episode played by a planner acting in the MDP.

    Attributes
    ----------
    states : ndarray of int (T+1,)
        ``s_0 .. s_T`` (the last one terminal, or where ``max_steps`` stopped).
    actions : ndarray of int (T,)
    rewards : ndarray (T,)
    ret : float
        The discounted return ``sum_t gamma^t r_t`` (undiscounted at
        ``gamma = 1``).
    terminated : bool
        Whether ``s_T`` is terminal.
    steps : int
        ``T``.
    searches : list of MCTSResult
        The search made at each step.
    elapsed : float

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[0, 1, 1] = 1.0
    >>> m = MDP(P, R=[[0.0, 1.0], [0.0, 0.0]], gamma=0.9, terminal=[1])
    >>> ep = mcts_episode(m, simulations=10, start=0, seed=0)
    >>> ep.states, ep.ret
    (array([0, 1]), 1.0)
    """

    states: IntArray
    actions: IntArray
    rewards: FloatArray
    ret: float
    terminated: bool
    steps: int
    searches: list
    elapsed: float


class _Tree:
    """Flat lists: decision node ``i`` has ``state[i]``, ``depth[i]``,
    ``n[i]``, ``w[i]``; its pair ``(i, a)`` is entry ``i*A + a`` of ``nsa``
    and ``wsa``; ``child[(i*A + a)*S + s']`` is the node reached."""

    __slots__ = ("state", "depth", "n", "w", "nsa", "wsa", "child", "lo", "hi", "trans")

    def __init__(self, A: int, trans: bool = False) -> None:
        self.trans = trans
        self.state: list[int] = []
        self.depth: list[int] = []
        self.n: list[int] = []
        self.w: list[float] = []
        self.nsa: list[int] = []
        self.wsa: list[float] = []
        self.child: dict[int, int] = {}
        self.lo, self.hi = math.inf, -math.inf

    def add(self, s: int, depth: int, A: int) -> int:
        self.state.append(s)
        self.depth.append(depth)
        self.n.append(0)
        self.w.append(0.0)
        self.nsa.extend([0] * A)
        self.wsa.extend([0.0] * A)
        return len(self.state) - 1


# ------------------------------------------------------------------ search
def mcts(
    m: MDP,
    s: int,
    *,
    simulations: int,
    c: float = math.sqrt(2.0),
    prior: npt.ArrayLike | None = None,
    value: npt.ArrayLike | None = None,
    depth: int | None = None,
    gamma: float | None = None,
    normalize: bool = True,
    transpositions: bool = False,
    seed: RNGLike = None,
) -> MCTSResult:
    r"""Monte Carlo tree search from state ``s`` (UCT, or PUCT with a prior).

    Uses only the **generative view** of ``m`` (sampled transitions and
    rewards); the tables are read once into Python lists.

    Parameters
    ----------
    m : MDP
        The model searched (the true MDP or a learned one).
    s : int
        Root state.
    simulations : int
        Number of simulations ``>= 1``.
    c : float
        Exploration constant ``>= 0`` (on min-max normalised ``Q``).
    prior : array_like (S, A), optional
        ``pi(a|s)``, a stochastic policy: PUCT instead of UCT.
    value : array_like (S,), optional
        ``\hat V`` for the leaves (0 on terminal states); default: a uniform
        random rollout to ``depth``.
    depth : int, optional
        Maximum number of steps of a simulation (tree plus rollout), after
        which ``\hat V`` (or 0) is added.  Default: the smallest ``d`` with
        ``gamma^d <= 0.01`` (at most 200), or 100 when ``gamma = 1``.
    gamma : float, optional
        Discount; default ``m.gamma``.
    normalize : bool
        Min-max normalise ``Q`` in the tree policy (default True).  With
        False, ``c`` is on the scale of the returns.
    transpositions : bool
        Share decision nodes between histories that reach the same state at
        the same depth: a DAG keyed by ``(depth, s)`` with at most ``S * depth``
        nodes (sound because the model is Markov; Childs, Brodeur & Kocsis
        2008).  Default False: a tree of histories.
    seed : None, int, SeedSequence or Generator

    Returns
    -------
    MCTSResult

    Raises
    ------
    MDPError
        If ``s`` is not a state, a count is not a positive integer, ``c`` is
        negative, ``prior`` is not a valid policy or ``value`` not a finite
        ``(S,)`` vector zero on terminal states.

    Notes
    -----
    A terminal root returns zero visits and ``value = 0``.  Unavailable
    actions are never selected.  The search is a pure-Python loop over
    flat lists (no object per node); see ``benchmarks/planning.py`` for its
    speed.

    ``Q`` is the mean of returns of a tree policy that still explores, so it
    is biased low, most for the actions that are not the best, and near a
    cliff (a detour can look safer than the edge).  The best action's ``Q``
    converges to the depth-``D`` optimum ``Q_D(s, a)`` (backward induction
    with ``V_D = 0``, or ``value``) as ``simulations`` grows (UCT is
    consistent; Kocsis & Szepesvári 2006).  Measured on a 3-state stochastic
    MDP (``tests/solvers/planning/test_mcts.py``, 20 seeds, ``D = 4``): the
    bias of the best action's ``q`` is -0.126, -0.051, -0.031, -0.017 at 100,
    1000, 3000, 10000 simulations; of the other action -0.178, -0.127,
    -0.110, -0.096 (it shrinks slowly: UCB tries it only ``O(log n)`` times).

    Without a good leaf value, UCT with random rollouts does not find far,
    sparse goals.  Measured: on the windy gridworld (-1 per step, goal 15
    steps away) no simulation of 200 000 at depth 16 or 20 reached the goal,
    so all actions tie; on the Dyna maze the first action is unreliable at
    5000 simulations; on cliff walking the first action is UP (10 of 10
    seeds, 5000 simulations, ``c = 0.5``) but acting with it wanders along
    the top rows and does not reach the goal within 100 steps (2000 or 5000
    simulations per step, depth 20).  A poor heuristic does not fix it
    (minus the Manhattan distance ignores the cliff and makes bumping at the
    start look best); with ``value = V*`` a handful of simulations act
    optimally (windy 15 steps, Dyna maze 14, cliff 13).

    The missing information is in rollouts run *to termination*, which are
    too long to sample: a uniform random walk needs 6184 steps on average
    on the windy gridworld, and with depth 20 000 the root ``q`` is noise
    (UP chosen on 3 of 3 seeds at 1000 simulations, 2.7 s per search).
    Their exact expectation, the value ``V^rand`` of the uniform random
    policy (:func:`solvers.evaluate_policy`; far from ``V*``: -6184 against
    -15 at the windy start), is a principled leaf value (the base policy of
    Bertsekas' rollout algorithm), and with it UCT acts optimally on every
    seed tested: windy 15 steps (depth 4, 100 simulations), Dyna maze 14
    (depth 3, 100), cliff walking 13 (depth 9, 1000).  A depth-``D`` search
    then acts as the exact ``D``-step lookahead on ``V^rand`` (``mpc`` with
    ``horizon=D, terminal_value=V^rand``), so the depth it needs is the
    lookahead's: the Dyna maze takes 16 steps at ``D <= 2``, cliff walking
    the safer 15-step path for ``2 <= D <= 8``.  Transpositions do not help
    the truncated rollouts (the windy DAG saturates at ~580 nodes at depth
    16 and no simulation reaches the goal in 40 000).  On the Dyna maze
    (``gamma = 0.95`` already makes nearer goals worth more) longer random
    rollouts do reach the goal now and then: the first action was optimal on
    1-2 of 5 seeds at depth 30, on 14 of 15 (seed, simulations) runs at
    depth 60-100 with 2000-10 000 simulations, 0.2-1.2 s per search.

    Examples
    --------
    A corridor 0 -> 1 -> 2 (goal) at -1 per step, where action 1 stays for
    -2: moving on is best (``Q*(0, 0) = -2``); the search's ``q`` of it is
    below -2 because it averages the exploratory detours too.

    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((3, 2, 3))                 # 0 -> 1 -> 2 (goal); action 1 stays
    >>> P[0, 0, 1] = P[1, 0, 2] = P[0, 1, 0] = P[1, 1, 1] = 1.0
    >>> R = [[-1.0, -2.0], [-1.0, -2.0], [0.0, 0.0]]
    >>> m = MDP(P, R, gamma=1.0, terminal=[2])
    >>> out = mcts(m, 0, simulations=200, depth=10, seed=1)
    >>> out.action, round(float(out.q[0]), 3)
    (0, -2.933)
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    s = check_state(s, m.n_states)
    n_sim = check_int(simulations, "simulations")
    g, D = _gamma_depth(m, gamma, depth)
    cval = _check_c(c)
    prior_rows = _prior(m, prior)
    V = (
        None
        if value is None
        else state_vector(m, value, "value", zero_on_terminal=True)
    )
    rng = _py_random(seed)
    mod = _model(m)
    tree = _Tree(m.n_actions, bool(transpositions))
    root = tree.add(s, 0, m.n_actions)
    _search(mod, tree, root, n_sim, cval, prior_rows, V, D, g, normalize, rng)
    return _summary(mod, tree, root, n_sim, time.perf_counter() - t0)


def mcts_episode(
    m: MDP,
    *,
    simulations: int,
    c: float = math.sqrt(2.0),
    prior: npt.ArrayLike | None = None,
    value: npt.ArrayLike | None = None,
    depth: int | None = None,
    gamma: float | None = None,
    normalize: bool = True,
    transpositions: bool = False,
    start: int | None = None,
    max_steps: int = 1000,
    reuse_tree: bool = False,
    model: MDP | None = None,
    seed: RNGLike = None,
) -> EpisodeResult:
    r"""Act with MCTS: search, take the chosen action in ``m``, repeat.

    Parameters
    ----------
    m : MDP
        The environment acted in (its generative view).
    simulations, c, prior, value, depth, gamma, normalize, transpositions
        As :func:`mcts`, for the search made at every step.
    start : int, optional
        ``s_0``; default sampled from ``m.p0``.
    max_steps : int
        Stop after this many steps if no terminal state is reached.
    reuse_tree : bool
        Keep the subtree under the action taken and the outcome observed as
        the next root (its statistics count towards the next search, which
        then adds ``simulations`` more).
    model : MDP, optional
        Search in this model instead of ``m`` (e.g. a learned one); the
        actions are still taken in ``m``.
    seed : None, int, SeedSequence or Generator
        One stream for the searches and the environment.

    Returns
    -------
    EpisodeResult

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((3, 2, 3))
    >>> P[0, 0, 1] = P[1, 0, 2] = P[0, 1, 0] = P[1, 1, 1] = 1.0
    >>> m = MDP(P, [[-1.0, -2.0], [-1.0, -2.0], [0.0, 0.0]], 1.0, terminal=[2])
    >>> ep = mcts_episode(m, simulations=50, depth=5, start=0, seed=0)
    >>> ep.actions, ep.ret, ep.terminated
    (array([0, 0]), -2.0, True)
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    M = m if model is None else check_mdp(model, "model")
    same_spaces(m, M)
    n_sim = check_int(simulations, "simulations")
    T = check_int(max_steps, "max_steps")
    g, D = _gamma_depth(M, gamma, depth)
    cval = _check_c(c)
    prior_rows = _prior(M, prior)
    V = (
        None
        if value is None
        else state_vector(M, value, "value", zero_on_terminal=True)
    )
    gen = as_generator(seed)
    rng = random.Random(int(gen.integers(2**63)))
    s = (
        m.sample_start(gen)
        if start is None
        else check_state(start, m.n_states, "start")
    )
    mod, env = _model(M), _model(m)
    A = m.n_actions
    trans = bool(transpositions)
    tree = _Tree(A, trans)
    root = tree.add(s, 0, A)
    states, actions, rewards, searches = [s], [], [], []
    ret, disc = 0.0, 1.0
    for _ in range(T):
        if env.terminal[s]:
            break
        t1 = time.perf_counter()
        if not reuse_tree:
            tree = _Tree(A, trans)
            root = tree.add(s, 0, A)
        _search(mod, tree, root, n_sim, cval, prior_rows, V, D, g, normalize, rng)
        out = _summary(mod, tree, root, n_sim, time.perf_counter() - t1)
        searches.append(out)
        a = out.action
        s2, r = _sample(env, s * A + a, rng)
        ret += disc * r
        disc *= g
        actions.append(a)
        rewards.append(r)
        states.append(s2)
        if reuse_tree:
            nxt = tree.child.get(_key(tree, root, a, s2, env.S, A))
            if nxt is None:
                tree = _Tree(A, trans)
                nxt = tree.add(s2, 0, A)
            root = nxt
        s = s2
    return EpisodeResult(
        states=np.array(states, dtype=np.intp),
        actions=np.array(actions, dtype=np.intp),
        rewards=np.array(rewards, dtype=float),
        ret=float(ret),
        terminated=bool(env.terminal[s]),
        steps=len(actions),
        searches=searches,
        elapsed=time.perf_counter() - t0,
    )


# --------------------------------------------------------------- internals
def _gamma_depth(m: MDP, gamma: Any, depth: Any) -> tuple[float, int]:
    g = m.gamma if gamma is None else check_gamma(gamma)
    if depth is None:
        if g >= 1.0:
            D = 100
        elif g <= 0.0:
            D = 1
        else:
            D = min(200, max(1, math.ceil(math.log(0.01) / math.log(g))))
    else:
        D = check_int(depth, "depth")
    return g, D


def _check_c(c: Any) -> float:
    v = check_real(c, "c")
    if v < 0:
        msg = f"`c` (the exploration constant) must be >= 0; got {c!r}."
        raise MDPError(msg)
    return v


def _prior(m: MDP, prior: Any) -> list | None:
    if prior is None:
        return None
    pi = to_matrix(check_policy(m, prior), m.n_actions)
    return pi.tolist()


def _py_random(seed: RNGLike) -> random.Random:
    return random.Random(int(as_generator(seed).integers(2**63)))


def _sample(mod: ModelLists, row: int, rng: random.Random) -> tuple[int, float]:
    succ = mod.succ[row]
    if len(succ) == 1:
        k = 0
    else:
        k = bisect.bisect_right(mod.cum[row], rng.random())
        if k >= len(succ):
            k = len(succ) - 1
    r = mod.rew[row][k]
    if mod.std is not None and mod.std[row][k] > 0:
        r += rng.gauss(0.0, mod.std[row][k])
    return succ[k], r


def _search(mod, tree, root, n_sim, c, prior, V, D, g, normalize, rng):
    """``n_sim`` simulations from node ``root``: simulate, expand, evaluate,
    backup.  One function with local names: it is the hot loop."""
    A, S = mod.A, mod.S
    succ_t, cum_t, rew_t, std_t = mod.succ, mod.cum, mod.rew, mod.std
    avail, terminal = mod.avail, mod.terminal
    state, depth_of, n_node, w_node = tree.state, tree.depth, tree.n, tree.w
    nsa, wsa, child = tree.nsa, tree.wsa, tree.child
    rand, gauss, log, sqrt = rng.random, rng.gauss, math.log, math.sqrt
    bisect_right = bisect.bisect_right
    lo, hi = tree.lo, tree.hi
    d0 = depth_of[root]
    trans = tree.trans
    for _ in range(n_sim):
        node = root
        path_idx: list[int] = []
        path_r: list[float] = []
        path_node: list[int] = []
        leaf = 0.0
        d = 0
        while True:
            s = state[node]
            if terminal[s]:
                break
            if d >= D:
                if V is not None:
                    leaf = V[s]
                break
            # --- simulate: the tree policy picks a
            acts = avail[s]
            base = node * A
            nn = n_node[node]
            if prior is None:
                if nn < len(acts):  # every action once, lowest index first
                    for a in acts:
                        if nsa[base + a] == 0:
                            break
                else:
                    span = hi - lo
                    logn = log(nn)
                    best = -math.inf
                    a = acts[0]
                    for b in acts:
                        i = base + b
                        k = nsa[i]
                        q = wsa[i] / k
                        if normalize:
                            q = (q - lo) / span if span > 0 else 0.5
                        u = q + c * sqrt(logn / k)
                        if u > best:
                            best, a = u, b
            else:
                p = prior[s]
                span = hi - lo
                if nn == 0:
                    best = -math.inf
                    a = acts[0]
                    for b in acts:
                        if p[b] > best:
                            best, a = p[b], b
                else:
                    q0 = w_node[node] / nn
                    if normalize:
                        q0 = (q0 - lo) / span if span > 0 else 0.5
                    sq = sqrt(nn)
                    best = -math.inf
                    a = acts[0]
                    for b in acts:
                        i = base + b
                        k = nsa[i]
                        if k:
                            q = wsa[i] / k
                            if normalize:
                                q = (q - lo) / span if span > 0 else 0.5
                        else:
                            q = q0
                        u = q + c * p[b] * sq / (1 + k)
                        if u > best:
                            best, a = u, b
            # --- chance node: s' ~ P(.|s,a), r = R(s,a,s')
            row = s * A + a
            succ = succ_t[row]
            if len(succ) == 1:
                j = 0
            else:
                j = bisect_right(cum_t[row], rand())
                if j >= len(succ):
                    j = len(succ) - 1
            s2 = succ[j]
            r = rew_t[row][j]
            if std_t is not None and std_t[row][j] > 0:
                r += gauss(0.0, std_t[row][j])
            path_node.append(node)
            path_idx.append(base + a)
            path_r.append(r)
            d += 1
            key = (depth_of[node] + 1) * S + s2 if trans else (base + a) * S + s2
            nxt = child.get(key)
            if nxt is not None:
                node = nxt
                continue
            # --- expand
            nxt = len(state)
            state.append(s2)
            depth_of.append(d0 + d)
            n_node.append(0)
            w_node.append(0.0)
            nsa.extend([0] * A)
            wsa.extend([0.0] * A)
            child[key] = nxt
            # --- evaluate: V_hat, or a uniform random rollout to depth D
            if terminal[s2]:
                leaf = 0.0
            elif V is not None:
                leaf = V[s2]
            else:
                x, disc, ret, dd = s2, 1.0, 0.0, d
                while dd < D and not terminal[x]:
                    ax = avail[x]
                    b = ax[int(rand() * len(ax))] if len(ax) > 1 else ax[0]
                    row = x * A + b
                    succ = succ_t[row]
                    if len(succ) == 1:
                        j = 0
                    else:
                        j = bisect_right(cum_t[row], rand())
                        if j >= len(succ):
                            j = len(succ) - 1
                    rr = rew_t[row][j]
                    if std_t is not None and std_t[row][j] > 0:
                        rr += gauss(0.0, std_t[row][j])
                    ret += disc * rr
                    disc *= g
                    x = succ[j]
                    dd += 1
                leaf = ret
            break
        # --- backup: G <- r_t + gamma G along the path
        G = leaf
        for k in range(len(path_idx) - 1, -1, -1):
            G = path_r[k] + g * G
            i = path_idx[k]
            nsa[i] += 1
            wsa[i] += G
            nd = path_node[k]
            n_node[nd] += 1
            w_node[nd] += G
            if G < lo:
                lo = G
            if G > hi:
                hi = G
    tree.lo, tree.hi = lo, hi


def _summary(mod, tree, root, n_sim, elapsed) -> MCTSResult:
    A = mod.A
    base = root * A
    visits = np.array(tree.nsa[base : base + A], dtype=np.intp)
    W = np.array(tree.wsa[base : base + A], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(visits > 0, W / np.maximum(visits, 1), np.nan)
    total = int(visits.sum())
    if total:
        key = np.where(visits > 0, q, -np.inf)
        order = np.lexsort((np.arange(A), -key, -visits))
        action = int(order[0])
        value = float(W.sum() / total)
        policy = visits / total
    else:  # terminal root
        action = mod.avail[tree.state[root]][0]
        value = 0.0
        policy = np.zeros(A)
        policy[action] = 1.0
    return MCTSResult(
        action=action,
        visits=visits,
        q=q,
        value=value,
        search_policy=policy,
        simulations=n_sim,
        nodes=len(tree.state),
        max_depth=max(tree.depth) - tree.depth[root],
        state_visits=np.bincount(
            np.asarray(tree.state, dtype=np.intp),
            weights=np.asarray(tree.n, dtype=float),
            minlength=mod.S,
        ).astype(np.int64),
        principal_variation=_principal_variation(mod, tree, root),
        elapsed=elapsed,
    )


def _key(tree, node: int, a: int, s2: int, S: int, A: int) -> int:
    """Child key: the history ``(node, a, s')``, or ``(depth + 1, s')`` with
    transpositions."""
    if tree.trans:
        return (tree.depth[node] + 1) * S + s2
    return (node * A + a) * S + s2


def _principal_variation(mod, tree, root) -> list[tuple[int, int]]:
    """Most visited action, then most visited outcome, to the tree's edge."""
    A, S = mod.A, mod.S
    out: list[tuple[int, int]] = []
    node = root
    while len(out) <= len(tree.state):
        base = node * A
        n = tree.nsa[base : base + A]
        if not any(n):
            break
        s = tree.state[node]
        a = max(range(A), key=lambda b: (n[b], -b))
        out.append((s, a))
        kids = [
            tree.child.get(_key(tree, node, a, s2, S, A)) for s2 in mod.succ[s * A + a]
        ]
        kids = [k for k in kids if k is not None]
        if not kids:
            break
        node = max(kids, key=lambda k: tree.n[k])
        if tree.n[node] == 0:
            out.append((tree.state[node], -1))
            break
    return out
