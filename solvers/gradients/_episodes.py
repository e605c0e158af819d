"""Batches of whole episodes of a stochastic policy, on :class:`mdp.BatchSampler`.

All episodes advance together, one vectorised step at a time: actions by
inverse CDF on the cumulative policy rows, start states, next states and
rewards by the model's generative view :class:`mdp.BatchSampler` (one
``searchsorted`` per step over its global key ``row + cumulative
probability within the row``).  The random stream per step is: one uniform
per live episode for the action, one for the transition, and one normal for
the reward noise when the model has any.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mdp import MDP, BatchSampler
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


def sample_episodes(
    m: MDP,
    pi: FloatArray,
    episodes: int,
    max_steps: int,
    rng: np.random.Generator,
) -> Episodes:
    """Sample ``episodes`` episodes of the stochastic policy ``pi [S, A]``.

    Start states and transitions come from :class:`mdp.BatchSampler` (its
    unchecked ``reset_uniform``/``step_uniform`` with uniforms drawn here);
    this function adds the policy's actions and the episode bookkeeping.
    """
    sampler = BatchSampler(m)
    A = m.n_actions
    E = episodes
    terminal = sampler.terminal
    pi_cum = np.cumsum(pi, axis=1)
    pi_cum /= pi_cum[:, -1:]
    s = sampler.reset_uniform(rng.random(E))
    alive = ~terminal[s]
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
        u_next = rng.random(idx.size)
        z = rng.standard_normal(idx.size) if sampler.noisy else None
        s_next, r, done = sampler.step_uniform(si, a, u_next, z)
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
        alive[idx] = ~done
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
