"""Prediction: reduces-to identities, convergence, and the exact expected curves."""

from __future__ import annotations

import numpy as np
import pytest
from learning_helpers import Noisy, episodic_random_mdp

from mdp import BatchSampler, MDPError
from solvers import (
    evaluate_policy,
    expected_learning_curve,
    monte_carlo_evaluation,
    td_evaluation,
)
from solvers.learning import schedules
from worlds import make


@pytest.fixture(scope="module")
def walk():
    return make("random-walk").mdp


PI = [0] * 7


def test_td_lambda_0_is_td_0(walk):
    a = td_evaluation(walk, PI, episodes=30, alpha=0.1, runs=5, seed=1)
    b = td_evaluation(walk, PI, episodes=30, alpha=0.1, lam=0.0, runs=5, seed=1)
    np.testing.assert_array_equal(a.V, b.V)
    np.testing.assert_array_equal(a.rms_error, b.rms_error)


def test_offline_td_lambda_1_is_every_visit_mc(walk):
    mc = monte_carlo_evaluation(
        walk, PI, episodes=30, alpha=0.1, first_visit=False, runs=5, seed=2
    )
    td1 = td_evaluation(
        walk, PI, episodes=30, alpha=0.1, lam=1.0, offline=True, runs=5, seed=2
    )
    np.testing.assert_allclose(td1.V, mc.V, rtol=0, atol=1e-12)


def test_n_step_td_with_n_beyond_the_episode_is_mc(walk):
    mc = monte_carlo_evaluation(
        walk, PI, episodes=30, alpha=0.1, first_visit=False, runs=5, seed=3
    )
    n = int(mc.episode_lengths.max()) + 1
    td = td_evaluation(
        walk, PI, episodes=30, alpha=0.1, n=n, offline=True, runs=5, seed=3
    )
    np.testing.assert_allclose(td.V, mc.V, rtol=0, atol=1e-12)


def test_n_step_td_online_by_hand():
    """Deterministic chain 0 -> 1 -> 2 -> end with rewards 1, 2, 4, gamma 1/2."""
    from mdp import MDP

    P = np.zeros((4, 1, 4))
    P[0, 0, 1] = P[1, 0, 2] = P[2, 0, 3] = 1.0
    m = MDP(P, R=[[1.0], [2.0], [4.0], [0.0]], gamma=0.5, p0=[1, 0, 0, 0], terminal=[3])
    res = td_evaluation(m, [0] * 4, episodes=1, alpha=0.5, n=2, seed=0)
    # V(0) += 0.5 (1 + 0.5*2), V(1) += 0.5 (2 + 0.5*4), V(2) += 0.5 * 4
    np.testing.assert_allclose(res.V, [1.0, 2.0, 2.0, 0.0])
    np.testing.assert_allclose(res.V_pi, [3.0, 4.0, 4.0, 0.0])


def test_replacing_and_accumulating_traces_differ_only_on_revisits():
    from mdp import MDP

    P = np.zeros((3, 1, 3))
    P[0, 0, 1] = P[1, 0, 2] = 1.0  # no revisits possible
    m = MDP(P, R=[[1.0], [1.0], [0.0]], gamma=0.9, p0=[1, 0, 0], terminal=[2])
    kw = {"episodes": 5, "alpha": 0.3, "lam": 0.8, "seed": 0}
    a = td_evaluation(m, [0] * 3, traces="accumulating", **kw)
    b = td_evaluation(m, [0] * 3, traces="replacing", **kw)
    np.testing.assert_allclose(a.V, b.V)
    w = make("random-walk").mdp
    kw["episodes"] = 20
    a = td_evaluation(w, PI, traces="accumulating", **kw)
    b = td_evaluation(w, PI, traces="replacing", **kw)
    assert not np.allclose(a.V, b.V)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fn": "mc"},
        {"fn": "mc", "first_visit": False},
        {"fn": "td", "alpha": schedules.visit_count()},
        {"fn": "td", "alpha": schedules.polynomial(0.7), "lam": 0.5},
    ],
    ids=["mc-first", "mc-every", "td0-1/n", "td-lambda"],
)
def test_convergence_to_v_pi(kwargs):
    """Sample averages / Robbins-Monro steps: after 2000 episodes (~10k steps)
    the RMS error is < 0.1 (MC) or < 0.2 (TD) in every one of 8 runs.

    The random MDP's V^pi ranges over about [-1, 2]; measured worst runs:
    MC 0.06-0.07, TD 0.15.
    """
    kwargs = dict(kwargs)
    is_mc = kwargs.pop("fn") == "mc"
    fn = monte_carlo_evaluation if is_mc else td_evaluation
    bound = 0.1 if is_mc else 0.2
    m = episodic_random_mdp(3)
    pi = np.full((6, 2), 0.5)
    res = fn(m, pi, episodes=2000, runs=8, seed=4, **kwargs)
    assert res.rms_error[:, -1].max() < bound
    assert res.rms_error[:, -1].mean() < res.rms_error[:, 50].mean() / 2
    np.testing.assert_allclose(res.V_pi, evaluate_policy(m, pi))


@pytest.mark.parametrize("method", ["td", "mc"])
@pytest.mark.parametrize("V0", [0.5, 0.0])
def test_mean_squared_error_inside_a_band_around_the_exact_curve(walk, method, V0):
    """Mean over 1500 runs of rms_error**2 = MSE, within 4.5 standard errors of
    expected_learning_curve at each of 30 episodes (the curve is E[MSE])."""
    runs, episodes, alpha = 1500, 30, 0.1
    if method == "td":
        res = td_evaluation(
            walk,
            PI,
            episodes=episodes,
            alpha=alpha,
            offline=True,
            V0=V0,
            runs=runs,
            seed=7,
        )
    else:
        res = monte_carlo_evaluation(
            walk,
            PI,
            episodes=episodes,
            alpha=alpha,
            first_visit=False,
            V0=V0,
            runs=runs,
            seed=7,
        )
    curve = expected_learning_curve(
        walk, PI, method=method, alpha=alpha, episodes=episodes, V0=V0
    )
    mse = res.rms_error**2
    se = mse.std(axis=0, ddof=1) / np.sqrt(runs)
    assert (np.abs(mse.mean(axis=0) - curve) <= 4.5 * se + 1e-12).all()
    assert curve[-1] < curve[0]


def test_exact_curve_with_discount_and_reward_noise():
    """A random episodic MDP, gamma 0.9, reward noise: the band still holds."""
    m = episodic_random_mdp(5, S=4)
    pi = np.full((5, 2), 0.5)
    std = 0.8
    noisy = Noisy(m, std)
    runs, episodes = 1500, 15
    for method in ("td", "mc"):
        curve = expected_learning_curve(
            noisy, pi, method=method, alpha=0.05, episodes=episodes
        )
        bs = BatchSampler(noisy)
        if method == "td":
            res = td_evaluation(
                bs, pi, episodes=episodes, alpha=0.05, offline=True, runs=runs, seed=8
            )
        else:
            res = monte_carlo_evaluation(
                bs,
                pi,
                episodes=episodes,
                alpha=0.05,
                first_visit=False,
                runs=runs,
                seed=8,
            )
        V_pi = evaluate_policy(m, pi)
        mse = ((res.V - V_pi)[:, :4] ** 2).mean(axis=1)  # after the last episode
        se = mse.std(ddof=1) / np.sqrt(runs)
        assert abs(mse.mean() - curve[-1]) < 4.5 * se


def test_prediction_on_gymnasium_env():
    gymnasium = pytest.importorskip("gymnasium")
    env = gymnasium.make("FrozenLake-v1", is_slippery=False)
    pi = np.full((16, 4), 0.25)
    res = monte_carlo_evaluation(env, pi, episodes=50, runs=2, seed=0)
    assert res.V.shape == (2, 16) and res.rms_error is None


def test_prediction_errors(walk):
    with pytest.raises(
        MDPError, match="`first_visit` must be True or False; got 'yes'"
    ):
        monte_carlo_evaluation(walk, PI, episodes=2, first_visit="yes")
    with pytest.raises(MDPError, match="either `n`"):
        td_evaluation(walk, PI, episodes=2, alpha=0.1, n=2, lam=0.5)
    with pytest.raises(MDPError, match="`traces` must be"):
        td_evaluation(walk, PI, episodes=2, alpha=0.1, lam=0.5, traces="dutch")
    with pytest.raises(MDPError, match=r"`lam` must be a number in \[0, 1\]"):
        td_evaluation(walk, PI, episodes=2, alpha=0.1, lam=1.5)
    with pytest.raises(MDPError, match="constant or None"):
        monte_carlo_evaluation(walk, PI, episodes=2, alpha=schedules.visit_count())
    with pytest.raises(MDPError, match="`method` must be 'td' or 'mc'"):
        expected_learning_curve(walk, PI, method="q", alpha=0.1, episodes=3)
    with pytest.raises(MDPError, match=r"`alpha` must be in \(0, 1\]"):
        expected_learning_curve(walk, PI, alpha=0.0, episodes=3)
    with pytest.raises(MDPError, match="at most 60"):
        expected_learning_curve(
            make("random-walk", n_states=61).mdp, [0] * 63, alpha=0.1, episodes=2
        )


def test_truncation_warnings_say_what_happens(walk):
    with pytest.warns(RuntimeWarning, match="returns are cut short"):
        monte_carlo_evaluation(walk, PI, episodes=3, max_steps=1, seed=0)
    with pytest.warns(RuntimeWarning, match="still bootstrap"):
        td_evaluation(walk, PI, episodes=3, alpha=0.1, max_steps=1, seed=0)
