"""Trajectories: sampling follows the tables, p(tau|pi) sums to 1, returns."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from mdp import MDP, MDPError, PolicyError
from mdp.trajectory import (
    discounted_return,
    log_prob,
    monte_carlo_return,
    reward_to_go,
    rollout,
)
from solvers import expected_return
from worlds import garnet


def _tiny():
    rng = np.random.default_rng(7)
    P = rng.random((3, 2, 3))
    P /= P.sum(axis=2, keepdims=True)
    R = rng.normal(size=(3, 2, 3))
    return MDP(P, R, gamma=0.8, p0=[0.5, 0.3, 0.2])


def test_trajectory_probabilities_over_all_paths_sum_to_one():
    m = _tiny()
    pi = np.array([[0.3, 0.7], [0.5, 0.5], [1.0, 0.0]])
    from mdp.trajectory import Trajectory

    total = 0.0
    T = 3
    for states in itertools.product(range(3), repeat=T + 1):
        for actions in itertools.product(range(2), repeat=T):
            tau = Trajectory(np.array(states), np.array(actions), np.zeros(T), False)
            total += np.exp(log_prob(m, pi, tau))
    assert total == pytest.approx(1.0, abs=1e-12)


def test_rollout_is_seeded_and_follows_p0_and_the_policy():
    m = _tiny()
    pi = np.array([1, 0, 1])
    a = rollout(m, pi, horizon=20, seed=3)
    b = rollout(m, pi, horizon=20, seed=3)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.actions, pi[a.states[:-1]])
    assert len(a) == 20 and not a.terminated
    starts = np.bincount(
        [rollout(m, pi, horizon=0, seed=i).states[0] for i in range(3000)], minlength=3
    )
    np.testing.assert_allclose(starts / 3000, m.p0, atol=0.03)


def test_monte_carlo_matches_the_exact_expected_return():
    m = garnet(6, 2, 3, gamma=0.7, seed=2)
    pi = np.full((6, 2), 0.5)
    mean, se = monte_carlo_return(m, pi, n_episodes=4000, horizon=60, seed=0)
    assert abs(mean - expected_return(m, pi)) < 4 * se + 0.7**60 * 10


def test_returns_and_reward_to_go():
    r = np.array([1.0, -2.0, 3.0])
    assert discounted_return(r, 0.5) == pytest.approx(1 - 1 + 0.75)
    G = reward_to_go(r, 0.5)
    np.testing.assert_allclose(G, [0.75, -0.5, 3.0])
    assert G[0] == pytest.approx(discounted_return(r, 0.5))
    assert discounted_return([], 0.9) == 0.0


def test_errors():
    m = _tiny()
    with pytest.raises(MDPError, match="`horizon` must be an integer >= 0; got -1."):
        rollout(m, [0, 0, 0], horizon=-1)
    with pytest.raises(
        MDPError,
        match=re.escape("`s0` must be a state index (an integer in 0..2); got 5."),
    ):
        rollout(m, [0, 0, 0], s0=5)
    with pytest.raises(PolicyError):
        rollout(m, [0, 0])
    from mdp.trajectory import Trajectory

    bad = Trajectory(np.array([0, 1]), np.array([0, 1]), np.zeros(2), False)
    with pytest.raises(
        MDPError,
        match=re.escape(
            "a trajectory needs states (T+1,) and actions (T,); got shapes (2,) and (2,)."
        ),
    ):
        log_prob(m, [0, 0, 0], bad)
