"""Graph structure of transition matrices, via scipy.sparse.csgraph (fast).

Internal: the exact solvers use these to find proper policies, improper
states and recurrent classes without Python loops over states.  The public,
networkx-based view lives in :mod:`mdp.graph`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from .types import BoolArray, FloatArray


def state_graph(P: sp.csr_array, n_actions: int, mask: BoolArray | None = None):
    """Adjacency ``[S, S]`` with an edge ``s -> s'`` if some available action may
    move ``s`` to ``s'``."""
    S = P.shape[1]
    rows = P.tocoo()
    keep = rows.data > 0
    src = rows.row[keep] // n_actions
    if mask is not None:
        keep2 = mask.ravel()[rows.row[keep]]
        src = src[keep2]
        dst = rows.col[keep][keep2]
    else:
        dst = rows.col[keep]
    G = sp.csr_array((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(S, S))
    G.sum_duplicates()
    G.data[:] = 1  # an edge, however many actions share it (no int8 overflow)
    return G


def can_reach(G: sp.csr_array, targets: BoolArray) -> BoolArray:
    """States with a path (in adjacency ``G [S, S]``) to some target state."""
    S = G.shape[0]
    if not targets.any():
        return np.zeros(S, dtype=bool)
    # BFS from a super-source S on the reversed graph: S -> each target
    Grev = sp.csr_array(G.T)
    t = np.flatnonzero(targets)
    aug = sp.block_array(
        [
            [Grev, sp.csr_array((S, 1), dtype=G.dtype)],
            [
                sp.csr_array(
                    (
                        np.ones(t.size, dtype=G.dtype),
                        (np.zeros(t.size, dtype=np.int64), t),
                    ),
                    shape=(1, S),
                ),
                None,
            ],
        ],
        format="csr",
    )
    order = csgraph.breadth_first_order(
        aug, S, directed=True, return_predecessors=False
    )
    out = np.zeros(S + 1, dtype=bool)
    out[order] = True
    return out[:S]


def distance_to(G: sp.csr_array, targets: BoolArray) -> FloatArray:
    """Fewest steps from each state to a target in ``G`` (``inf`` if none)."""
    S = G.shape[0]
    t = np.flatnonzero(targets)
    if t.size == 0:
        return np.full(S, np.inf)
    Grev = sp.csr_array(G.T).astype(np.float64)
    aug = sp.block_array(
        [
            [Grev, sp.csr_array((S, 1))],
            [
                sp.csr_array(
                    (np.ones(t.size), (np.zeros(t.size, dtype=np.int64), t)),
                    shape=(1, S),
                ),
                None,
            ],
        ],
        format="csr",
    )
    d = csgraph.shortest_path(aug, directed=True, unweighted=True, indices=S)
    return d[:S] - 1.0


def closed_classes(G: sp.csr_array) -> tuple[int, np.ndarray, BoolArray]:
    """Strongly connected components and which are closed (no edge leaves).

    Returns
    -------
    n : int
        Number of components.
    labels : ndarray (S,)
        Component of each state.
    closed : ndarray of bool (n,)
        Whether each component is closed (recurrent for a Markov chain).
    """
    n, labels = csgraph.connected_components(G, directed=True, connection="strong")
    coo = G.tocoo()
    leaving = labels[coo.row] != labels[coo.col]
    closed = np.ones(n, dtype=bool)
    closed[labels[coo.row[leaving]]] = False
    return n, labels, closed
