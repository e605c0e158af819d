"""Small models shared by the learning tests."""

from __future__ import annotations

import numpy as np

from mdp import MDP


def episodic_random_mdp(seed: int, S: int = 5, A: int = 2, gamma: float = 0.9) -> MDP:
    """``S`` non-terminal states + 1 terminal; each step ends w.p. 0.2; p0 uniform."""
    rng = np.random.default_rng(seed)
    P = np.zeros((S + 1, A, S + 1))
    P[:S, :, :S] = rng.random((S, A, S))
    P[:S] /= P[:S].sum(axis=2, keepdims=True)
    P[:S] *= 0.8
    P[:S, :, S] = 0.2
    R = rng.normal(size=(S + 1, A))
    R[S] = 0.0
    p0 = np.r_[np.ones(S) / S, 0.0]
    return MDP(P, R, gamma, p0=p0, terminal=np.r_[np.zeros(S, bool), True])


class Noisy:
    """An MDP view with ``reward_std`` (until MDP(reward_std=...) is merged)."""

    def __init__(self, m, std):
        self._m, self.reward_std = m, std

    def __getattr__(self, name):
        return getattr(self._m, name)
