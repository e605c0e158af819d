"""Hypothesis strategies for small random MDPs and policies.

Shared by the test packages (``from tests.strategies import mdps``).  The
structural choices (``S``, ``A``, ``gamma``, reward form, whether there are
terminal states or a mask, dense or sparse input) are drawn by Hypothesis so
that they shrink; the table entries come from a NumPy generator seeded by a
drawn integer, so every example is reproducible.

Every MDP drawn here is valid by construction:

* each available ``(s, a)`` row has at least one successor and sums to 1;
* terminal states have either all-zero rows (filled with self-loops by
  :class:`mdp.MDP`) or explicit self-loops, and no reward out of them;
* with an ``action_mask`` every state keeps at least one action; the rows
  (and rewards) of unavailable pairs hold garbage, which must be ignored;
* :func:`proper_mdps` also allows ``gamma = 1``: its states are ranked so that
  every available action puts probability >= 0.3 on terminal or lower-ranked
  states, hence **every** policy reaches a terminal state with
  probability 1 and all values are finite.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mdp import MDP

__all__ = [
    "REWARD_FORMS",
    "mdps",
    "proper_mdps",
    "policies",
    "deterministic_policies",
    "stochastic_policies",
    "values",
    "mdp_and_policy",
]

#: The three reward layouts: ``R(s)``, ``R(s, a)``, ``R(s, a, s')``.
REWARD_FORMS = ("s", "sa", "sas")


def _random_tables(
    rng: np.random.Generator,
    S: int,
    A: int,
    *,
    density: float,
    terminal: np.ndarray,
    mask: np.ndarray,
    proper: bool,
) -> np.ndarray:
    """Dense ``P [S, A, S]`` satisfying the rules in the module docstring."""
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < density)
    # at least one successor per row
    empty = P.sum(axis=2) == 0
    P[empty, rng.integers(S, size=int(empty.sum()))] = rng.uniform(0.1, 1.0)
    P /= P.sum(axis=2, keepdims=True)
    if proper:
        # rank the live states; every action falls "down" the ranking (to a
        # terminal or a lower-ranked state) with probability >= 0.3, so every
        # policy terminates, in a moderate expected number of steps
        live = rng.permutation(np.flatnonzero(~terminal))
        below = list(np.flatnonzero(terminal))
        for s in live:
            for a in range(A):
                down = np.zeros(S)
                down[rng.choice(below, size=min(2, len(below)), replace=False)] = 0.5
                down /= down.sum()
                lam = rng.uniform(0.3, 1.0)
                P[s, a] = (1.0 - lam) * P[s, a] + lam * down
            below.append(s)
    for s in np.flatnonzero(terminal):
        for a in range(A):
            if not mask[s, a]:
                continue
            P[s, a] = 0.0
            if rng.random() < 0.5:
                P[s, a, s] = 1.0  # explicit self-loop; otherwise all zero
    # unavailable pairs: zero rows or garbage (MDP must ignore them)
    for s, a in np.argwhere(~mask):
        P[s, a] = 0.0 if rng.random() < 0.5 else rng.normal(size=S)
    return P


def _random_rewards(
    rng: np.random.Generator,
    form: str,
    S: int,
    A: int,
    terminal: np.ndarray,
    mask: np.ndarray,
) -> np.ndarray:
    if form == "s":
        R = rng.normal(size=S)
        R[terminal] = 0.0
    elif form == "sa":
        R = rng.normal(size=(S, A))
        R[terminal] = 0.0
        R[~mask] = -np.inf  # unavailable pairs are ignored
    else:
        R = rng.normal(size=(S, A, S))
        R[terminal] = 0.0
    return R


@st.composite
def mdps(
    draw: st.DrawFn,
    *,
    min_states: int = 1,
    max_states: int = 8,
    max_actions: int = 4,
    gamma: float | None = None,
    proper: bool = False,
    reward_forms: tuple[str, ...] = REWARD_FORMS,
    allow_mask: bool = True,
    allow_terminal: bool = True,
    allow_sparse: bool = True,
) -> MDP:
    """Small random MDPs: ``S`` in ``min_states..max_states``, ``A`` in ``1..max_actions``.

    Parameters
    ----------
    gamma : float, optional
        Fixed discount; default drawn from ``[0, 0.99]`` (``[0, 1]`` with
        ``proper=True``, where ``gamma = 1`` itself is drawn often).
    proper : bool
        At least one terminal state, and every policy reaches one w.p. 1.
    reward_forms : tuple of {"s", "sa", "sas"}
        Reward layouts to draw from.
    allow_mask, allow_terminal, allow_sparse : bool
        Whether an ``action_mask``, terminal states, and ``P`` given as a
        ``scipy.sparse`` ``(S*A, S)`` matrix may be drawn.
    """
    S = draw(st.integers(min_states, max_states), label="S")
    A = draw(st.integers(1, max_actions), label="A")
    if gamma is None:
        if proper:
            gamma = draw(st.one_of(st.just(1.0), st.floats(0.0, 1.0)), label="gamma")
        else:
            gamma = draw(st.floats(0.0, 0.99), label="gamma")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)

    if proper:
        n_term = draw(st.integers(1, S), label="n_terminal")
    elif allow_terminal:
        n_term = draw(st.integers(0, S), label="n_terminal")
    else:
        n_term = 0
    terminal = np.zeros(S, dtype=bool)
    terminal[rng.choice(S, size=n_term, replace=False)] = True

    use_mask = allow_mask and A > 1 and draw(st.booleans(), label="mask")
    mask = np.ones((S, A), dtype=bool)
    if use_mask:
        mask = rng.random((S, A)) < 0.6
        for s in np.flatnonzero(~mask.any(axis=1)):
            mask[s, rng.integers(A)] = True

    density = draw(st.floats(0.05, 1.0), label="density")
    P = _random_tables(
        rng, S, A, density=density, terminal=terminal, mask=mask, proper=proper
    )
    form = draw(st.sampled_from(reward_forms), label="reward_form")
    R = _random_rewards(rng, form, S, A, terminal, mask)
    p0 = None
    if draw(st.booleans(), label="p0"):
        p0 = rng.dirichlet(np.ones(S))
    if allow_sparse and draw(st.booleans(), label="sparse"):
        P = sp.csr_array(P.reshape(S * A, S))
    return MDP(
        P,
        R,
        gamma,
        p0=p0,
        terminal=terminal if n_term else None,
        action_mask=mask if use_mask else None,
    )


def proper_mdps(**kwargs) -> st.SearchStrategy[MDP]:
    """:func:`mdps` with ``gamma`` in ``[0, 1]`` and every policy proper."""
    return mdps(proper=True, **kwargs)


@st.composite
def deterministic_policies(draw: st.DrawFn, m: MDP) -> np.ndarray:
    """``int [S]``: an available action in every state."""
    choices = [np.flatnonzero(m.action_mask[s]) for s in range(m.n_states)]
    return np.array([draw(st.sampled_from(list(c))) for c in choices], dtype=np.intp)


@st.composite
def stochastic_policies(draw: st.DrawFn, m: MDP) -> np.ndarray:
    """``float [S, A]``: row-stochastic, zero on unavailable actions, often sparse."""
    S, A = m.n_states, m.n_actions
    w = draw(
        hnp.arrays(np.float64, (S, A), elements=st.sampled_from([0.0, 0.25, 1.0, 3.0]))
    )
    w = np.where(m.action_mask, w, 0.0)
    first = m.action_mask.argmax(axis=1)
    dead = w.sum(axis=1) == 0
    w[np.flatnonzero(dead), first[dead]] = 1.0
    return w / w.sum(axis=1, keepdims=True)


def policies(m: MDP) -> st.SearchStrategy[np.ndarray]:
    """Deterministic ``int [S]`` or stochastic ``float [S, A]`` policies for ``m``."""
    return st.one_of(deterministic_policies(m), stochastic_policies(m))


def values(m: MDP, bound: float = 10.0) -> st.SearchStrategy[np.ndarray]:
    """Arbitrary finite value vectors ``V [S]`` in ``[-bound, bound]``."""
    return hnp.arrays(
        np.float64,
        (m.n_states,),
        elements=st.floats(-bound, bound, allow_nan=False, allow_infinity=False),
    )


@st.composite
def mdp_and_policy(draw: st.DrawFn, proper: bool = False, **kwargs):
    """A pair ``(m, pi)`` with ``pi`` drawn from :func:`policies` of ``m``."""
    m = draw(mdps(proper=proper, **kwargs))
    return m, draw(policies(m))
