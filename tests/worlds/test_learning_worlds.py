"""Worlds of the learning figures: tables against Gymnasium, the book, and MC."""

from __future__ import annotations

import numpy as np
import pytest

from solvers import evaluate_policy, monte_carlo_evaluation, value_iteration
from worlds import make, names


def test_registered():
    for name in ("maximization-bias", "bandit", "blackjack", "taxi", "random-walk-19"):
        assert name in names()


def test_random_walk_19_values_are_linear():
    m = make("random-walk-19").mdp
    V = evaluate_policy(m, np.zeros(21, dtype=int))
    np.testing.assert_allclose(V[1:20], -1 + 2 * np.arange(1, 20) / 20, atol=1e-12)


def test_maximization_bias_tables():
    w = make("maximization-bias", n_actions=5)
    m = w.mdp
    sol = value_iteration(m)
    assert sol.V[2] == 0.0
    np.testing.assert_allclose(sol.Q[2, :2], [-0.1, 0.0])
    assert m.action_mask[2].tolist() == [True, True, False, False, False]
    assert m.reward_std is not None and m.reward_std.max() == 1.0


def test_bandit_true_values_from_seed():
    a, b, c = make("bandit", seed=3), make("bandit", seed=3), make("bandit", seed=4)
    assert a.params["q_star"] == b.params["q_star"] != c.params["q_star"]
    np.testing.assert_allclose(a.mdp.r[0], a.params["q_star"])
    assert a.mdp.n_actions == 10 and a.mdp.terminal.tolist() == [False, True]


def test_blackjack_tables_and_example_5_4_value():
    m = make("blackjack").mdp
    assert m.n_states == 203 and m.action_names == ("stick", "hit")
    np.testing.assert_allclose(m.P.sum(axis=1), 1.0)
    assert abs(m.p0.sum() - 1) < 1e-12 and m.p0[200:].sum() == 0
    s = m.state_names.index("sum 13, dealer 2, usable ace")
    assert s == (1 * 10 + 1) * 10 + 1
    stick_20 = np.array([0 if i < 200 and i % 10 >= 8 else 1 for i in range(203)])
    V = evaluate_policy(m, stick_20)
    assert abs(V[s] - (-0.27726)) < 2e-4  # the book's 1e8-episode estimate
    # sticking on 21 always wins or draws; on 12 against a 6 it mostly loses
    s21 = m.state_names.index("sum 21, dealer 10, no usable ace")
    assert 0.8 < V[s21] < 1.0


def test_blackjack_monte_carlo_within_its_standard_error():
    m = make("blackjack").mdp
    s = m.state_names.index("sum 13, dealer 2, usable ace")
    p0 = np.zeros(203)
    p0[s] = 1.0
    ms = m.replace(p0=p0)
    stick_20 = np.array([0 if i < 200 and i % 10 >= 8 else 1 for i in range(203)])
    res = monte_carlo_evaluation(ms, stick_20, episodes=2500, runs=8, seed=0)
    G = res.episode_returns.ravel()  # gamma = 1: the return from s
    se = G.std(ddof=1) / np.sqrt(G.size)
    est = res.V[:, s].mean()  # each run's sample average; equal runs sizes
    assert abs(est - res.V_pi[s]) < 4 * se
    assert abs(est - G.mean()) < 1e-12


def test_taxi_tables_equal_gymnasium():
    gymnasium = pytest.importorskip("gymnasium")
    w = make("taxi")
    m = w.mdp
    versions = [k for k in gymnasium.envs.registry if k.startswith("Taxi-v")]
    env = gymnasium.make(max(versions, key=lambda k: int(k.rsplit("v", 1)[1])))
    P = env.unwrapped.P
    assert (m.n_states, m.n_actions) == (500, 6)
    dense = m.P.toarray().reshape(500, 6, 500)
    checked = 0
    for s in range(500):
        _, _, passenger, dest = env.unwrapped.decode(s)
        if m.terminal[s] or passenger == dest:
            # passenger already delivered: only entered by the final dropoff,
            # which ends the episode, so no episode steps from these states
            assert m.p0[s] == 0
            continue
        for a in range(6):
            exp = np.zeros(500)
            r = 0.0
            for p, s2, rew, done in P[s][a]:
                exp[s2] += p
                r += p * rew
                assert m.terminal[s2] == done
            np.testing.assert_allclose(dense[s, a], exp)
            assert m.r[s, a] == pytest.approx(r)
            checked += 1
    assert checked >= 400 * 6
    assert m.terminal.sum() > 0
