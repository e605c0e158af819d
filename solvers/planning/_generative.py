"""The generative view as Python lists (fast single draws in pure-Python loops).

Per row ``s*A + a`` of ``P (S*A, S)``: the successors, their cumulative
probabilities and the rewards ``R(s,a,s')``; built once per MDP object.
"""

from __future__ import annotations

import weakref

import numpy as np

from mdp import MDP

__all__ = ["ModelLists", "model_lists"]


class ModelLists:
    """Python lists for fast sampling: per row ``s*A+a`` the successors, the
    cumulative probabilities and the rewards ``R(s,a,s')``."""

    __slots__ = ("S", "A", "succ", "cum", "rew", "avail", "terminal", "std")

    def __init__(self, m: MDP) -> None:
        S, A = m.n_states, m.n_actions
        P = m.P
        indptr = P.indptr.tolist()
        idx = P.indices.tolist()
        cum = np.cumsum(P.data)
        data_cum = cum.tolist()
        if m.R_sas is not None:
            # R(s,a,s') is stored on P's pattern: entry k belongs to P.data[k]
            rew_data = m.R_sas.data.tolist()
        else:
            rew_data = np.repeat(m.r.ravel(), np.diff(P.indptr)).tolist()
        std = m.reward_std
        std_list = None if std is None else np.asarray(std, dtype=float).tolist()
        self.succ: list[tuple[int, ...]] = []
        self.cum: list[tuple[float, ...]] = []
        self.rew: list[tuple[float, ...]] = []
        self.std: list[tuple[float, ...]] | None = [] if std_list is not None else None
        for row in range(S * A):
            lo, hi = indptr[row], indptr[row + 1]
            base = data_cum[lo - 1] if lo > 0 else 0.0
            total = data_cum[hi - 1] - base if hi > lo else 0.0
            self.succ.append(tuple(idx[lo:hi]))
            self.cum.append(tuple((c - base) / total for c in data_cum[lo:hi]))
            self.rew.append(tuple(rew_data[lo:hi]))
            if self.std is not None and std_list is not None:
                self.std.append(tuple(std_list[lo:hi]))
        self.S, self.A = S, A
        self.avail = [tuple(np.flatnonzero(row).tolist()) for row in m.action_mask]
        self.terminal = m.terminal.tolist()


#: id(m) -> (weak reference to m, its lists); MDPs are immutable and unhashable
_TABLES: dict[int, tuple[weakref.ref, ModelLists]] = {}


def model_lists(m: MDP) -> ModelLists:
    """The lists of ``m``, built once per MDP object and dropped with it."""
    key = id(m)
    hit = _TABLES.get(key)
    if hit is not None and hit[0]() is m:
        return hit[1]
    tab = ModelLists(m)

    def drop(_: object, k: int = key) -> None:
        _TABLES.pop(k, None)

    _TABLES[key] = (weakref.ref(m, drop), tab)
    return tab
