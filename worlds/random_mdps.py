"""Random MDPs: Garnet problems (Archibald, McKinnon & Thomas, 1995).

A Garnet ``(S, A, b)`` MDP has, for every state-action pair, ``b`` distinct
successor states drawn uniformly at random, with transition probabilities
from a uniform random partition of [0, 1] (a flat Dirichlet), and rewards
``r(s, a) ~ U(0, 1)``.  Built vectorised, so a million states take seconds.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from mdp import MDP, MDPError
from mdp.checks import as_generator, check_int
from mdp.types import RNGLike

__all__ = ["garnet"]


def garnet(
    n_states: int,
    n_actions: int = 4,
    n_branch: int = 5,
    *,
    gamma: float = 0.95,
    seed: RNGLike = None,
) -> MDP:
    """A random Garnet MDP with ``b = n_branch`` successors per (s, a).

    Parameters
    ----------
    n_states, n_actions : int
        ``S`` and ``A``.
    n_branch : int
        Number ``b`` of distinct successor states of each pair, ``1 <= b <= S``.
    gamma : float
        Discount factor.
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        The same seed gives the same MDP (:func:`mdp.checks.as_generator`).

    Raises
    ------
    mdp.MDPError
        If a count is not an integer >= 1 (``garnet(2.5)`` names
        ``n_states``), ``n_branch > n_states``, or ``seed`` is not a seed.

    Returns
    -------
    MDP
        ``P`` has exactly ``S * A * b`` non-zeros; ``r(s, a) ~ U(0, 1)``.

    References
    ----------
    T. Archibald, K. McKinnon, L. Thomas, "On the generation of Markov
    decision processes", J. Operational Research Society 46 (1995).

    Examples
    --------
    >>> m = garnet(100, 4, 5, gamma=0.9, seed=0)
    >>> m.P.nnz, m.n_states, m.n_actions
    (2000, 100, 4)
    >>> garnet(100, 4, 5, seed=0) == garnet(100, 4, 5, seed=0)
    True
    """
    S = check_int(n_states, "n_states")
    A = check_int(n_actions, "n_actions")
    b = check_int(n_branch, "n_branch")
    if b > S:
        msg = f"`n_branch` must be in 1..n_states = 1..{S}; got {b}."
        raise MDPError(msg)
    rng = as_generator(seed)
    n = S * A
    if b * 4 <= S:
        cols = rng.integers(0, S, size=(n, b))
        while True:  # redraw the (rare) rows with a repeated successor
            cols.sort(axis=1)
            dup = (np.diff(cols, axis=1) == 0).any(axis=1)
            if not dup.any():
                break
            cols[dup] = rng.integers(0, S, size=(int(dup.sum()), b))
    else:  # dense regime: a random permutation per row
        cols = np.argsort(rng.random((n, S)), axis=1)[:, :b]
        cols.sort(axis=1)
    cuts = np.sort(rng.random((n, b - 1)), axis=1)
    probs = np.diff(cuts, axis=1, prepend=0.0, append=1.0)
    indptr = np.arange(0, n * b + 1, b, dtype=np.int64)
    idx_dtype = np.int32 if n * b < 2**31 and S < 2**31 else np.int64
    P = sp.csr_array(
        (probs.ravel(), cols.ravel().astype(idx_dtype), indptr.astype(idx_dtype)),
        shape=(n, S),
    )
    r = rng.random((S, A))
    return MDP(P, r, gamma)
