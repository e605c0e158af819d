"""A batched episode sampler over the CSR rows of ``m.P`` (generative view).

All episodes advance together, one vectorised step at a time: actions by
inverse-CDF on the cumulative policy rows, next states by one
``searchsorted`` on a global key ``row + cumulative probability within the
row`` (monotone across rows, each row ending at ``row + 1`` exactly).

Note for the lead: the learning family is writing ``mdp.BatchSampler``
(branch ``learning``); when it lands, this module can be replaced by it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mdp import MDP
from mdp.types import FloatArray, IntArray


@dataclass(frozen=True)
class Episodes:
    """A batch of ``E`` episodes padded to ``T`` steps.

    ``states [E, T+1]`` (``states[:, t]`` is ``s_t``; the last column is
    the state after the final step), ``actions [E, T]``, ``rewards [E, T]``,
    ``valid [E, T]`` (step ``t`` was taken), ``lengths [E]``, ``truncated
    [E]`` (stopped by ``max_steps`` before reaching a terminal state).
    Padding holds state/action 0 and reward 0.
    """

    states: IntArray
    actions: IntArray
    rewards: FloatArray
    valid: np.ndarray
    lengths: IntArray
    truncated: np.ndarray


def _transition_keys(m: MDP) -> FloatArray:
    P = m.P
    data = P.data
    indptr = P.indptr
    n_rows = indptr.size - 1
    row_of = np.repeat(np.arange(n_rows), np.diff(indptr))
    cum = np.cumsum(data)
    start = np.concatenate([[0.0], cum])[indptr[:-1]]
    within = cum - start[row_of]
    total = within[np.maximum(indptr[1:] - 1, 0)]
    frac = within / np.where(total[row_of] > 0, total[row_of], 1.0)
    last = indptr[1:] - 1
    nonempty = np.diff(indptr) > 0
    frac[last[nonempty]] = 1.0  # each row ends exactly at row + 1
    return row_of + frac


def sample_episodes(
    m: MDP,
    pi: FloatArray,
    episodes: int,
    max_steps: int,
    rng: np.random.Generator,
) -> Episodes:
    """Sample ``episodes`` episodes of the stochastic policy ``pi [S, A]``."""
    S, A = m.n_states, m.n_actions
    E = episodes
    P = m.P
    keys = _transition_keys(m)
    R_sas = m.R_sas
    std = getattr(m, "reward_std", None)
    r_sa = np.where(m.action_mask, m.r, 0.0)
    pi_cum = np.cumsum(pi, axis=1)
    pi_cum /= pi_cum[:, -1:]
    p0_cum = np.cumsum(m.p0)
    p0_cum /= p0_cum[-1]
    s = np.minimum(np.searchsorted(p0_cum, rng.random(E), side="right"), S - 1)
    alive = ~m.terminal[s]
    states, actions, rewards, valid = [s.copy()], [], [], []
    lengths = np.zeros(E, dtype=np.intp)
    for _ in range(max_steps):
        if not alive.any():
            break
        idx = np.flatnonzero(alive)
        si = s[idx]
        u = rng.random(idx.size)
        # inverse CDF: the first action whose cumulative probability exceeds u
        a = np.minimum((pi_cum[si] <= u[:, None]).sum(axis=1), A - 1)
        row = si * A + a
        j = np.searchsorted(keys, row + rng.random(idx.size), side="right")
        s_next = P.indices[j]
        r = R_sas.data[j] if R_sas is not None else r_sa[si, a]
        if std is not None:
            r = r + np.asarray(std)[j] * rng.standard_normal(idx.size)
        a_full = np.zeros(E, dtype=np.intp)
        r_full = np.zeros(E)
        a_full[idx] = a
        r_full[idx] = r
        s = s.copy()
        s[idx] = s_next
        actions.append(a_full)
        rewards.append(r_full)
        valid.append(alive.copy())
        states.append(s.copy())
        lengths[idx] += 1
        alive[idx] = ~m.terminal[s_next]
    T = len(actions)
    if T == 0:
        return Episodes(
            np.asarray(states).T,
            np.zeros((E, 0), dtype=np.intp),
            np.zeros((E, 0)),
            np.zeros((E, 0), dtype=bool),
            lengths,
            alive.copy(),
        )
    return Episodes(
        np.stack(states, axis=1),
        np.stack(actions, axis=1),
        np.stack(rewards, axis=1),
        np.stack(valid, axis=1),
        lengths,
        alive.copy(),
    )
