"""The graph view of an MDP: reachability, classes, chains and shortest paths.

Two directed graphs on the states ``0..S-1`` are used throughout:

* the **all-actions graph** of the MDP: an edge ``s -> s'`` when some
  *available* action ``a`` has ``P(s'|s,a) > 0``;
* the **chain of a policy** ``pi``: an edge ``s -> s'`` when
  ``P_pi(s'|s) = sum_a pi(a|s) P(s'|s,a) > 0``.

Everything except :func:`to_networkx` works on ``scipy.sparse.csgraph``
(breadth-first search and Tarjan's strongly connected components), in time
linear in the number of transitions, so a 1e5-state MDP takes milliseconds.
:func:`to_networkx` builds a :class:`networkx.DiGraph` for drawing and for
the rest of networkx's algorithms.

Vocabulary (Puterman 1994, Sec. 8.3; Kemeny and Snell 1960):

* a **communicating class** is a strongly connected component (SCC);
* a **closed** class is one no edge leaves; in the chain of a policy the
  closed classes are exactly the **recurrent classes**, and every other
  state is **transient**;
* a policy is **unichain** when its chain has exactly one recurrent class.

States can be named by index or by name (``m.names.states``) wherever a
single state is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse import csgraph

from . import _structure
from ._errors import MDPError

if TYPE_CHECKING:
    import networkx as nx
from ._validate import STOCHASTIC_ATOL
from .model import MDP
from .policy import check_policy, policy_matrices, to_matrix
from .types import BoolArray, IntArray

__all__ = [
    "to_networkx",
    "reachable_states",
    "states_reaching",
    "closed_classes",
    "communicating_classes",
    "recurrent_classes",
    "transient_states",
    "absorbing_states",
    "is_unichain",
    "has_single_closed_class",
    "shortest_path",
    "shortest_path_length",
]


# --------------------------------------------------------------- networkx
def to_networkx(
    m: MDP, pi: npt.ArrayLike | None = None, *, min_prob: float = 0.0
) -> nx.DiGraph:
    """The transition graph of ``m`` (or of the chain of ``pi``) in networkx.

    Parameters
    ----------
    m : MDP
    pi : array_like, int (S,) or float (S, A), optional
        Without a policy the graph has one edge ``s -> s'`` per pair of states
        that some available action connects.  With a policy (deterministic or
        stochastic) it is the induced Markov chain ``P_pi``.
    min_prob : float, default 0
        Leave out transitions whose probability (``P(s'|s,a)``, or
        ``P_pi(s'|s)`` with a policy) is below ``min_prob``.  Must be in
        ``[0, 1]``.

    Returns
    -------
    networkx.DiGraph
        Nodes ``0..S-1`` with attributes

        * ``name`` (str): ``m.names.states[s]``;
        * ``terminal`` (bool) and ``p0`` (float): from ``m``;
        * ``reward`` (float, with a policy only): ``r_pi(s)``.

        Edges ``s -> s'`` with attributes, without a policy,

        * ``actions``: ``{a: {"prob": P(s'|s,a), "reward": R(s,a,s')}}`` for
          every available action ``a`` that may move ``s`` to ``s'``
          (``R(s,a,s') = r(s,a)`` when the rewards were given as ``R(s)`` or
          ``R(s,a)``);

        and with a policy

        * ``weight``: ``P_pi(s'|s) = sum_a pi(a|s) P(s'|s,a)``;
        * ``reward``: the expected reward of that transition,
          ``sum_a pi(a|s) P(s'|s,a) R(s,a,s') / P_pi(s'|s)``.

        Graph attributes: ``chain`` (whether a policy was given), ``gamma``
        and ``action_names``.  Terminal states carry their absorbing
        self-loops.

    Raises
    ------
    MDPError
        If ``min_prob`` is not in ``[0, 1]``.
    PolicyError
        If ``pi`` is not a valid policy for ``m``.

    Notes
    -----
    Unavailable actions (``m.action_mask``) never appear.  Summing
    ``weight * reward`` over the edges out of ``s`` gives ``r_pi(s)``.

    Examples
    --------
    A corridor ``0 - 1 - 2``: ``left`` and ``right``; entering 2 pays 1.

    >>> P = np.zeros((3, 2, 3))
    >>> P[0, 0, 0] = P[1, 0, 0] = 1.0                     # left
    >>> P[0, 1, 1] = P[1, 1, 2] = 1.0                     # right
    >>> R = np.zeros((3, 2, 3)); R[1, 1, 2] = 1.0
    >>> m = MDP(P, R, 0.9, terminal=[2], action_names=["left", "right"])
    >>> G = to_networkx(m)
    >>> sorted(G.edges)
    [(0, 0), (0, 1), (1, 0), (1, 2), (2, 2)]
    >>> G.edges[1, 2]["actions"]
    {1: {'prob': 1.0, 'reward': 1.0}}
    >>> G.nodes[2]
    {'name': '2', 'terminal': True, 'p0': 0.0}

    The chain of "right with probability 0.75":

    >>> C = to_networkx(m, [[0.25, 0.75]] * 3)
    >>> C.edges[1, 2]
    {'weight': 0.75, 'reward': 1.0}
    >>> C.nodes[1]["reward"]
    0.75
    """
    min_prob = _check_min_prob(min_prob)
    S, A = m.n_states, m.n_actions
    import networkx as nx  # imported here: `import mdp` stays fast

    G = nx.DiGraph(chain=pi is not None, gamma=m.gamma, action_names=m.names.actions)
    for s in range(S):
        G.add_node(
            s,
            name=m.names.states[s],
            terminal=bool(m.terminal[s]),
            p0=float(m.p0[s]),
        )
    PR = _reward_weighted(m)  # P(s'|s,a) R(s,a,s') on P's pattern
    if pi is None:
        coo = m.P.tocoo()
        keep = (coo.data > 0) & (coo.data >= min_prob) & m.action_mask.ravel()[coo.row]
        rows, cols, probs = coo.row[keep], coo.col[keep], coo.data[keep]
        rewards = np.asarray(PR[rows, cols]).ravel() / probs
        for row, s2, p, rew in zip(
            rows.tolist(), cols.tolist(), probs.tolist(), rewards.tolist(), strict=True
        ):
            s, a = divmod(row, A)
            if not G.has_edge(s, s2):
                G.add_edge(s, s2, actions={})
            G.edges[s, s2]["actions"][a] = {"prob": p, "reward": rew}
        return G

    pi = check_policy(m, pi)
    P_pi, r_pi = policy_matrices(m, pi)
    # D [S, S*A] with D[s, s*A + a] = pi(a|s); D @ (P o R) sums pi P R over a
    D = _policy_rows(pi, S, A)
    PR_pi = sp.csr_array(D @ PR)
    coo = sp.coo_array(P_pi)
    keep = (coo.data > 0) & (coo.data >= min_prob)
    rows, cols, probs = coo.row[keep], coo.col[keep], coo.data[keep]
    rewards = np.asarray(PR_pi[rows, cols]).ravel() / probs
    for s, s2, p, rew in zip(
        rows.tolist(), cols.tolist(), probs.tolist(), rewards.tolist(), strict=True
    ):
        G.add_edge(s, s2, weight=p, reward=rew)
    for s in range(S):
        G.nodes[s]["reward"] = float(r_pi[s])
    return G


# ------------------------------------------------------------ reachability
def reachable_states(
    m: MDP, start: Any = None, *, pi: npt.ArrayLike | None = None
) -> IntArray:
    """States reachable (in zero or more steps) from ``start``.

    Parameters
    ----------
    m : MDP
    start : int, str, sequence of them, or bool array (S,), optional
        The states to start from (indices or names); default the support of
        ``m.p0``.
    pi : array_like, int (S,) or float (S, A), optional
        Follow only the transitions of this policy's chain; default any
        available action (the all-actions graph).

    Returns
    -------
    ndarray of int
        Sorted state indices, the start states included.

    Raises
    ------
    MDPError
        If a start state is out of range or not a state name.

    Examples
    --------
    A corridor ``0 - 1 - 2 - 3`` with ``3`` terminal:

    >>> P = np.zeros((4, 2, 4))
    >>> for s in range(3):
    ...     P[s, 0, max(s - 1, 0)] = P[s, 1, s + 1] = 1.0
    >>> m = MDP(P, np.zeros(4), 0.9, terminal=[3], p0=[0, 0, 1, 0])
    >>> reachable_states(m)
    array([0, 1, 2, 3])
    >>> reachable_states(m, pi=[1, 1, 1, 0])
    array([2, 3])
    >>> reachable_states(m, start=3)
    array([3])
    """
    S = m.n_states
    if start is None:
        src = m.p0 > 0
    else:
        src = np.zeros(S, dtype=bool)
        src[_state_indices(m, start, "start")] = True
    G = _all_actions_graph(m) if pi is None else _chain_graph(m, pi)
    # reachable from src in G  <=>  reaches src in the reversed graph
    return np.flatnonzero(_structure.can_reach(sp.csr_array(G.T), src))


def states_reaching(
    m: MDP, targets: npt.ArrayLike, *, pi: npt.ArrayLike | None = None
) -> np.ndarray:
    """States with a path to some state of ``targets``: bool array ``(S,)``.

    Paths use every available action (or only ``pi``'s when given); a
    target reaches itself.  The reverse question of :func:`reachable_states`.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((3, 1, 3)); P[0, 0, 1] = P[1, 0, 1] = P[2, 0, 2] = 1
    >>> m = MDP(P, np.zeros((3, 1)), gamma=0.9)
    >>> states_reaching(m, [1])
    array([ True,  True, False])
    """
    S = m.n_states
    tgt = np.zeros(S, dtype=bool)
    tgt[_state_indices(m, targets, "targets")] = True
    G = _all_actions_graph(m) if pi is None else _chain_graph(m, pi)
    return _structure.can_reach(G, tgt)


def closed_classes(
    m: MDP, pi: npt.ArrayLike | None = None
) -> tuple[int, IntArray, BoolArray]:
    """Strongly connected classes and which of them are closed (csgraph, fast).

    Returns ``(n, labels, closed)``: ``n`` classes, ``labels (S,)`` the class
    of each state, ``closed (n,)`` True for a class no available action (or
    no move of ``pi``) can leave.  Closed classes of a policy's chain are
    its recurrent classes.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((3, 1, 3)); P[0, 0, 1] = P[1, 0, 1] = P[2, 0, 2] = 1
    >>> n, labels, closed = closed_classes(MDP(P, np.zeros((3, 1)), gamma=0.9))
    >>> n, int(closed.sum())
    (3, 2)
    """
    G = _all_actions_graph(m) if pi is None else _chain_graph(m, pi)
    n, labels, closed = _structure.closed_classes(G)
    return n, labels, closed


def communicating_classes(m: MDP) -> list[IntArray]:
    """The communicating classes (SCCs) of the all-actions graph.

    Two states communicate when each can reach the other using available
    actions.

    Returns
    -------
    list of ndarray of int
        Each class sorted; the classes ordered by their smallest state.

    Examples
    --------
    ``0 <-> 1 -> 2`` with ``2`` absorbing:

    >>> P = np.zeros((3, 2, 3))
    >>> P[0, :, 1] = 1.0
    >>> P[1, 0, 0] = P[1, 1, 2] = 1.0
    >>> P[2, :, 2] = 1.0
    >>> communicating_classes(MDP(P, np.zeros(3), 0.9))
    [array([0, 1]), array([2])]
    """
    n, labels, _ = _structure.closed_classes(_all_actions_graph(m))
    return _groups(labels, np.ones(n, dtype=bool))


def recurrent_classes(m: MDP, pi: npt.ArrayLike) -> list[IntArray]:
    """The recurrent classes of the Markov chain ``P_pi`` of a policy.

    A class of the chain is recurrent exactly when it is closed (no
    transition leaves it); terminal states are recurrent singletons.

    Parameters
    ----------
    m : MDP
    pi : array_like, int (S,) or float (S, A)

    Returns
    -------
    list of ndarray of int
        Each class sorted; the classes ordered by their smallest state.

    Raises
    ------
    PolicyError
        If ``pi`` is not a valid policy for ``m``.

    Examples
    --------
    Two states, ``stay`` and ``move``:

    >>> P = np.zeros((2, 2, 2))
    >>> P[0, 0, 0] = P[1, 0, 1] = 1.0          # stay
    >>> P[0, 1, 1] = P[1, 1, 0] = 1.0          # move
    >>> m = MDP(P, np.zeros(2), 0.9)
    >>> recurrent_classes(m, [0, 0])
    [array([0]), array([1])]
    >>> recurrent_classes(m, [1, 0])
    [array([1])]
    """
    _, labels, closed = _structure.closed_classes(_chain_graph(m, pi))
    return _groups(labels, closed)


def transient_states(m: MDP, pi: npt.ArrayLike) -> IntArray:
    """States outside every recurrent class of the chain ``P_pi`` (sorted).

    From a transient state the chain leaves for good with probability 1.

    Raises
    ------
    PolicyError
        If ``pi`` is not a valid policy for ``m``.

    Examples
    --------
    >>> P = np.zeros((2, 2, 2))
    >>> P[0, 0, 0] = P[1, 0, 1] = 1.0          # stay
    >>> P[0, 1, 1] = P[1, 1, 0] = 1.0          # move
    >>> m = MDP(P, np.zeros(2), 0.9)
    >>> transient_states(m, [1, 0])
    array([0])
    >>> transient_states(m, [[0.5, 0.5], [0.5, 0.5]])
    array([], dtype=int64)
    """
    _, labels, closed = _structure.closed_classes(_chain_graph(m, pi))
    return np.flatnonzero(~closed[labels])


def absorbing_states(m: MDP) -> IntArray:
    """States that every available action keeps in place with probability 1.

    ``P(s|s,a) = 1`` (to within ``1e-8``) for every available ``a``.
    Terminal states are absorbing by definition and are included.

    Examples
    --------
    >>> P = np.zeros((3, 2, 3))
    >>> P[0, 0, 0] = P[0, 1, 1] = 1.0      # state 0: one action leaves
    >>> P[1, :, 1] = 1.0                   # state 1: both stay
    >>> m = MDP(P, np.zeros(3), 0.9, terminal=[2])
    >>> absorbing_states(m)
    array([1, 2])
    """
    S, A = m.n_states, m.n_actions
    # P(s|s,a) for every row s*A + a
    rows = np.arange(S * A)
    stay_s_a = np.asarray(m.P[rows, rows // A]).reshape(S, A)
    stays = (stay_s_a >= 1.0 - STOCHASTIC_ATOL) | ~m.action_mask
    return np.flatnonzero(stays.all(axis=1))


# ----------------------------------------------------------------- unichain
def is_unichain(m: MDP, pi: npt.ArrayLike) -> bool:
    """Whether the chain ``P_pi`` of ``pi`` has exactly one recurrent class.

    This is exact for the given policy.  An MDP is called unichain when
    *every* deterministic stationary policy is; deciding that is NP-hard
    (Tsitsiklis 2007), so no function here claims to.
    :func:`has_single_closed_class` is a fast **necessary** condition.

    Raises
    ------
    PolicyError
        If ``pi`` is not a valid policy for ``m``.

    References
    ----------
    J. N. Tsitsiklis, "NP-hardness of checking the unichain condition in
    average cost MDPs", Operations Research Letters 35(3), 319-323, 2007.

    Examples
    --------
    >>> P = np.zeros((2, 2, 2))
    >>> P[0, 0, 0] = P[1, 0, 1] = 1.0          # stay
    >>> P[0, 1, 1] = P[1, 1, 0] = 1.0          # move
    >>> m = MDP(P, np.zeros(2), 0.9)
    >>> is_unichain(m, [1, 0]), is_unichain(m, [0, 0])
    (True, False)
    """
    _, _, closed = _structure.closed_classes(_chain_graph(m, pi))
    return int(closed.sum()) == 1


def has_single_closed_class(m: MDP) -> bool:
    """Whether the all-actions graph has exactly one closed class.

    A closed class of the all-actions graph is a set of states that no
    action can leave.  This is **necessary** for the MDP to be unichain
    (every deterministic policy has one recurrent class): each closed class
    holds a recurrent class of every policy, so two closed classes give every
    policy at least two.  It is **not sufficient**: in the example below the
    graph is strongly connected, yet "always stay" has two recurrent classes.
    Use :func:`is_unichain` to check a given policy exactly.

    Examples
    --------
    >>> P = np.zeros((2, 2, 2))
    >>> P[0, 0, 0] = P[1, 0, 1] = 1.0          # stay
    >>> P[0, 1, 1] = P[1, 1, 0] = 1.0          # move
    >>> m = MDP(P, np.zeros(2), 0.9)
    >>> has_single_closed_class(m)
    True
    >>> is_unichain(m, [0, 0])
    False
    >>> stay_only = MDP(P[:, :1], np.zeros(2), 0.9)     # two closed classes
    >>> has_single_closed_class(stay_only)
    False
    """
    _, _, closed = _structure.closed_classes(_all_actions_graph(m))
    return int(closed.sum()) == 1


# ------------------------------------------------------------ shortest paths
def shortest_path(m: MDP, source: int | str, target: int | str) -> list[int]:
    """A path with the fewest transitions from ``source`` to ``target``.

    The path runs in the all-actions graph: each step ``s -> s'`` has
    ``P(s'|s,a) > 0`` for some available ``a``.  In a deterministic world
    this is a fewest-steps plan; in a stochastic one it is the shortest
    *possible* route, which no policy need achieve with certainty.  Among
    equally short paths the one found first by breadth-first search (lower
    state indices first) is returned.

    Parameters
    ----------
    m : MDP
    source, target : int or str
        State indices or names.

    Returns
    -------
    list of int
        ``[source, ..., target]``; ``[source]`` when they are equal.

    Raises
    ------
    MDPError
        If no path exists, or a state is out of range or not a state name.

    Examples
    --------
    A corridor ``0 - 1 - 2 - 3`` that only leads right:

    >>> P = np.zeros((4, 1, 4))
    >>> P[[0, 1, 2, 3], 0, [1, 2, 3, 3]] = 1.0
    >>> m = MDP(P, np.zeros(4), 0.9)
    >>> shortest_path(m, 0, 3)
    [0, 1, 2, 3]
    >>> shortest_path(m, 3, 0)
    Traceback (most recent call last):
    ...
    mdp.MDPError: no path from state 3 to state 0: no sequence of available actions leads there (reachable_states(m, start=3) lists the states that can be reached).
    """
    s = int(_state_indices(m, source, "source", single=True)[0])
    t = int(_state_indices(m, target, "target", single=True)[0])
    if s == t:
        return [s]
    _, pred = csgraph.breadth_first_order(
        _all_actions_graph(m), s, directed=True, return_predecessors=True
    )
    if pred[t] < 0:
        msg = (
            f"no path from state {s} to state {t}: no sequence of available "
            f"actions leads there (reachable_states(m, start={s}) lists the "
            f"states that can be reached)."
        )
        raise MDPError(msg)
    path = [t]
    while path[-1] != s:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def shortest_path_length(m: MDP, source: int | str, target: int | str) -> int:
    """The fewest transitions from ``source`` to ``target`` (see :func:`shortest_path`).

    Raises
    ------
    MDPError
        If no path exists, or a state is out of range or not a state name.

    Examples
    --------
    >>> P = np.zeros((4, 1, 4))
    >>> P[[0, 1, 2, 3], 0, [1, 2, 3, 3]] = 1.0
    >>> m = MDP(P, np.zeros(4), 0.9, state_names=["A", "B", "C", "D"])
    >>> shortest_path_length(m, "A", "D"), shortest_path_length(m, 2, 2)
    (3, 0)
    """
    return len(shortest_path(m, source, target)) - 1


# ----------------------------------------------------------------- helpers
def _pattern(M: sp.sparray) -> sp.csr_array:
    """0/1 ``int8`` adjacency with an edge wherever ``M`` is positive."""
    coo = sp.coo_array(M)
    keep = coo.data > 0
    G = sp.csr_array(
        (np.ones(int(keep.sum()), dtype=np.int8), (coo.row[keep], coo.col[keep])),
        shape=M.shape,
    )
    G.sum_duplicates()
    # sums of many int8 ones can wrap round (to 0 at 256); edges are edges
    G.data[:] = 1
    return G


def _all_actions_graph(m: MDP) -> sp.csr_array:
    """The all-actions graph ``[S, S]`` of ``m`` (cached on the MDP)."""

    def build() -> sp.csr_array:
        G = _structure.state_graph(m.P, m.n_actions, m.action_mask)
        G.data[:] = 1  # int8 duplicate sums wrap round with >= 128 actions
        return G

    return m._cached("graph.all_actions", build)


def _chain_graph(m: MDP, pi: npt.ArrayLike) -> sp.csr_array:
    """The graph ``[S, S]`` of the chain ``P_pi`` of a (checked) policy."""
    P_pi, _ = policy_matrices(m, check_policy(m, pi))
    return _pattern(P_pi)


def _policy_rows(pi: np.ndarray, S: int, A: int) -> sp.csr_array:
    """``D [S, S*A]`` with ``D[s, s*A + a] = pi(a|s)``."""
    pi_s_a = to_matrix(pi, A)
    D = sp.csr_array(
        (pi_s_a.ravel(), np.arange(S * A), np.arange(0, S * A + 1, A)),
        shape=(S, S * A),
    )
    D.eliminate_zeros()
    return D


def _reward_weighted(m: MDP) -> sp.csr_array:
    """``P(s'|s,a) R(s,a,s')`` as a sparse ``(S*A, S)`` array on ``P``'s pattern."""
    if m.R_sas is not None:
        return sp.csr_array(m.P.multiply(m.R_sas))
    # R given as R(s) or R(s, a): R(s, a, s') = r(s, a)
    return sp.csr_array(sp.diags_array(m.r.ravel()) @ m.P)


def _groups(labels: np.ndarray, wanted: BoolArray) -> list[IntArray]:
    """The states of each wanted label, sorted, ordered by smallest state."""
    order = np.argsort(labels, kind="stable")  # states grouped, ascending within
    counts = np.bincount(labels, minlength=wanted.size)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    ids = np.flatnonzero(wanted)
    ids = ids[np.argsort(order[starts[ids]])]  # by smallest state
    return [order[starts[k] : starts[k] + counts[k]] for k in ids.tolist()]


def _check_min_prob(min_prob: Any) -> float:
    try:
        p = float(min_prob)
    except (TypeError, ValueError) as exc:
        msg = f"`min_prob` must be a number in [0, 1]; got {min_prob!r}."
        raise MDPError(msg) from exc
    if not 0.0 <= p <= 1.0:  # also rejects NaN
        msg = (
            f"`min_prob` must be in [0, 1]; got {p}. It drops transitions whose "
            f"probability is below it (0 keeps them all)."
        )
        raise MDPError(msg)
    return p


def _state_indices(m: MDP, x: Any, what: str, *, single: bool = False) -> IntArray:
    """State indices from an index, a name, a sequence of them or a bool mask."""
    S = m.n_states
    names = m.names.states
    if isinstance(x, (str, np.str_)) or np.ndim(x) == 0:
        items = [x]
    elif single:
        msg = f"`{what}` must be one state (an index or a name); got {x!r}."
        raise MDPError(msg)
    else:
        items = list(x.ravel()) if isinstance(x, np.ndarray) else list(x)
        if items and all(isinstance(i, (bool, np.bool_)) for i in items):
            if np.shape(x) != (S,):
                msg = (
                    f"`{what}` as a boolean mask has shape {np.shape(x)}; "
                    f"expected ({S},), one entry per state."
                )
                raise MDPError(msg)
            return np.flatnonzero(np.asarray(x, dtype=bool))
    out = np.empty(len(items), dtype=np.intp)
    for k, item in enumerate(items):
        if isinstance(item, (str, np.str_)):
            try:
                out[k] = names.index(str(item))
            except ValueError:
                shown = ", ".join(repr(n) for n in names[:6])
                more = ", ..." if S > 6 else ""
                msg = (
                    f"`{what}` {str(item)!r} is not a state name of this MDP "
                    f"(names: {shown}{more}); give a name or an index 0..{S - 1}."
                )
                raise MDPError(msg) from None
            continue
        if isinstance(item, (bool, np.bool_)) or not isinstance(
            item, (int, np.integer)
        ):
            msg = (
                f"`{what}` must hold state indices (int) or names (str); "
                f"got {item!r} of type {type(item).__name__}."
            )
            raise MDPError(msg)
        if not 0 <= int(item) < S:
            msg = (
                f"`{what}` state {int(item)} is out of range for {S} states "
                f"(valid indices are 0..{S - 1})."
            )
            raise MDPError(msg)
        out[k] = int(item)
    return out
