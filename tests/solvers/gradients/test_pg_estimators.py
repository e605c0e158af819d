"""Policy-gradient estimators against the exact gradient: unbiasedness in
5-standard-error bands (per coordinate, many episodes at once), the
variance ordering total > reward-to-go > baseline, GAE(lambda) with the exact
V^pi unbiased for every lambda, the unweighted estimator's bias for gamma < 1
(Nota & Thomas 2020), the sampler's visit frequencies against the exact
occupancy, and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from mdp import MDP, MDPError
from solvers.gradients import (
    estimate_policy_gradient,
    estimator_study,
    policy_gradient,
    softmax_policy,
    state_occupancy,
)
from worlds import make

OBS4 = [0, 0, 0, 0]


def small_world(gamma=0.8, seed=3):
    """5 live states + 1 terminal, 3 actions, random R(s, a, s'), leaks to the end."""
    rng = np.random.default_rng(seed)
    S, A = 6, 3
    P = rng.random((S, A, S)) ** 3
    P[:, :, 5] += 0.15
    P /= P.sum(axis=2, keepdims=True)
    P[5] = 0.0
    R = rng.normal(size=(S, A, S))
    R[5] = 0.0
    p0 = np.array([0.5, 0.3, 0.2, 0, 0, 0])
    return MDP(P, R, gamma, p0=p0, terminal=[False] * 5 + [True])


def _z(est):
    se = est.terms.std(axis=0) / np.sqrt(est.terms.shape[0])
    return np.abs(est.estimate - est.exact) / np.maximum(se, 1e-12)


THETA = np.random.default_rng(0).normal(size=(6, 3))


@pytest.mark.parametrize("estimator", ["total", "reward-to-go", "baseline", "gae"])
def test_estimators_unbiased(estimator):
    m = small_world()
    est = estimate_policy_gradient(
        m, THETA, episodes=40_000, estimator=estimator, seed=11
    )
    assert est.truncated == 0
    z = _z(est)
    assert z[m.action_mask & ~m.terminal[:, None]].max() < 5.0
    np.testing.assert_allclose(est.terms.mean(axis=0), est.estimate, atol=1e-12)


@pytest.mark.parametrize("lam", [0.0, 0.5, 0.9, 1.0])
def test_gae_with_exact_value_unbiased_for_every_lambda(lam):
    m = small_world()
    est = estimate_policy_gradient(
        m, THETA, episodes=40_000, estimator="gae", lam=lam, seed=5
    )
    assert _z(est).max() < 5.0


def test_gae_lambda_one_equals_baseline_with_exact_value():
    m = small_world()
    a = estimate_policy_gradient(
        m, THETA, episodes=500, estimator="gae", lam=1.0, seed=2
    )
    b = estimate_policy_gradient(m, THETA, episodes=500, estimator="baseline", seed=2)
    np.testing.assert_allclose(a.estimate, b.estimate, atol=1e-10)


def test_learned_and_given_baselines_unbiased():
    m = small_world()
    for baseline in ("learned", np.linspace(-1, 1, 6) * np.array([1, 1, 1, 1, 1, 0])):
        est = estimate_policy_gradient(
            m, THETA, episodes=30_000, estimator="baseline", baseline=baseline, seed=4
        )
        assert _z(est).max() < 5.0


def test_short_corridor_estimators_unbiased():
    m = make("short-corridor").mdp
    theta = [[0.0, 0.4]]
    for e in ("total", "reward-to-go", "baseline", "gae"):
        est = estimate_policy_gradient(
            m, theta, episodes=20_000, estimator=e, observations=OBS4, seed=9
        )
        assert _z(est).max() < 5.0


def test_variance_ordering_total_rtg_baseline():
    m = small_world()
    st = estimator_study(
        m,
        THETA,
        episodes=(10, 100),
        runs=300,
        estimators=("total", "reward-to-go", "baseline"),
        seed=1,
    )
    v = st.per_episode_variance
    assert v[0] > v[1] > v[2]
    # the same order for the estimators' variance at every size, and 1/n scaling
    assert np.all(st.variance[0] > st.variance[1])
    assert np.all(st.variance[1] > st.variance[2])
    ratio = st.variance[:, 0] / st.variance[:, 1]
    assert np.all((ratio > 6) & (ratio < 16))  # ~10
    # the bias is within the noise at every size
    assert np.all(st.bias < 5 * st.bias_se)


def test_variance_ordering_short_corridor():
    m = make("short-corridor").mdp
    st = estimator_study(
        m, [[0.0, 0.0]], episodes=(50,), runs=200, observations=OBS4, seed=3
    )
    v = st.per_episode_variance
    assert v[0] > v[1] > v[2]
    assert st.estimators == ("total", "reward-to-go", "baseline", "gae(0.95)")


def test_unweighted_estimator_is_biased_for_gamma_below_one():
    m = small_world(gamma=0.6)
    w = estimate_policy_gradient(
        m, THETA, episodes=40_000, estimator="baseline", seed=8
    )
    u = estimate_policy_gradient(
        m,
        THETA,
        episodes=40_000,
        estimator="baseline",
        discount_weighting=False,
        seed=8,
    )
    assert _z(w).max() < 5.0
    assert _z(u).max() > 10.0  # far outside the band: a different vector
    # with gamma = 1 the two coincide exactly
    m1 = small_world(gamma=1.0)
    a = estimate_policy_gradient(
        m1, THETA, episodes=300, estimator="reward-to-go", seed=1
    )
    b = estimate_policy_gradient(
        m1,
        THETA,
        episodes=300,
        estimator="reward-to-go",
        discount_weighting=False,
        seed=1,
    )
    np.testing.assert_array_equal(a.estimate, b.estimate)


def test_sampler_visit_frequencies_match_occupancy():
    m = small_world(gamma=1.0)
    pi = softmax_policy(m, THETA)
    est = estimate_policy_gradient(m, THETA, episodes=40_000, seed=3)
    # mean episode length = total expected visits sum_s d(s) at gamma = 1
    d = state_occupancy(m, pi)
    n = est.lengths
    assert abs(n.mean() - d.sum()) < 5 * n.std() / np.sqrt(n.size)
    J, _ = policy_gradient(m, THETA)
    R = est.returns
    assert abs(R.mean() - J) < 5 * R.std() / np.sqrt(R.size)


def test_same_seed_same_result_and_shapes():
    m = small_world()
    a = estimate_policy_gradient(m, THETA, episodes=50, seed=7)
    b = estimate_policy_gradient(m, THETA, episodes=50, seed=7)
    np.testing.assert_array_equal(a.terms, b.terms)
    assert a.terms.shape == (50, 6, 3)
    c = estimate_policy_gradient(
        m, THETA, episodes=50, return_terms=False, compare=False, seed=7
    )
    assert c.terms is None and c.exact is None
    np.testing.assert_allclose(c.estimate, a.estimate)


def test_truncation_is_counted():
    m = make("short-corridor").mdp
    est = estimate_policy_gradient(
        m, [[0.0, 0.0]], episodes=200, observations=OBS4, max_steps=2, seed=0
    )
    assert est.truncated > 0 and est.lengths.max() == 2


def test_bad_arguments():
    m = small_world()
    with pytest.raises(MDPError, match="`estimator` must be one of"):
        estimate_policy_gradient(m, THETA, episodes=5, estimator="vanilla")
    with pytest.raises(MDPError, match="`lam` is GAE's lambda"):
        estimate_policy_gradient(m, THETA, episodes=5, lam=0.5)
    with pytest.raises(MDPError, match="`baseline` applies to"):
        estimate_policy_gradient(
            m, THETA, episodes=5, estimator="total", baseline="exact"
        )
    with pytest.raises(MDPError, match="`baseline` must be 'exact', 'learned'"):
        estimate_policy_gradient(
            m, THETA, episodes=5, estimator="baseline", baseline="mc"
        )
    with pytest.raises(MDPError, match=r"`baseline` as an array .* shape \(6,\)"):
        estimate_policy_gradient(
            m, THETA, episodes=5, estimator="baseline", baseline=[0.0]
        )
    with pytest.raises(MDPError, match="`episodes` must be an integer >= 1"):
        estimate_policy_gradient(m, THETA, episodes=0)
    with pytest.raises(MDPError, match="`runs` must be at least 2"):
        estimator_study(m, THETA, runs=1)


def test_reward_noise_keeps_estimators_unbiased_and_adds_variance():
    m0 = small_world()
    m = MDP(m0.P, m0.R_sas, m0.gamma, p0=m0.p0, terminal=m0.terminal, reward_std=2.0)
    quiet = estimate_policy_gradient(
        m0, THETA, episodes=20_000, estimator="baseline", seed=6
    )
    noisy = estimate_policy_gradient(
        m, THETA, episodes=20_000, estimator="baseline", seed=6
    )
    assert _z(noisy).max() < 5.0
    assert noisy.terms.var(axis=0).sum() > quiet.terms.var(axis=0).sum()
    # the noise averages out in the returns: mean return within the band of J
    R = noisy.returns
    assert abs(R.mean() - noisy.J) < 5 * R.std() / np.sqrt(R.size)


def test_public_names_documented_with_examples():
    import importlib
    import inspect

    pg = importlib.import_module("solvers.gradients")

    results = {
        "GradientEstimate",
        "EstimatorStudy",
        "AscentResult",
        "LQSamples",
        "ESTIMATORS",
    }
    for name in pg.__all__:
        doc = inspect.getdoc(getattr(pg, name))
        assert doc, name
        if name not in results:
            assert "Examples" in doc, name


def test_sampler_transition_frequencies_match_P():
    from solvers.gradients._episodes import sample_episodes

    m = small_world(gamma=1.0)
    pi = softmax_policy(m, THETA)
    ep = sample_episodes(m, pi, 20_000, 1000, np.random.default_rng(0))
    e, t = np.nonzero(ep.valid)
    s, a, s2 = ep.states[e, t], ep.actions[e, t], ep.states[e, t + 1]
    S, A = m.n_states, m.n_actions
    counts = np.zeros((S * A, S))
    np.add.at(counts, (s * A + a, s2), 1.0)
    n = counts.sum(axis=1, keepdims=True)
    P = m.P.toarray()
    seen = n[:, 0] > 500
    se = np.sqrt(P * (1 - P) / np.maximum(n, 1))
    assert np.all(np.abs(counts / np.maximum(n, 1) - P)[seen] <= 5 * se[seen] + 1e-12)
    # actions follow pi
    na = np.zeros((S, A))
    np.add.at(na, (s, a), 1.0)
    tot = na[:5].sum(axis=1, keepdims=True)  # the live states
    freq = na[:5] / tot
    assert np.all(np.abs(freq - pi[:5]) <= 5 * np.sqrt(pi[:5] * (1 - pi[:5]) / tot))
    # the rewards are R(s, a, s') of the sampled transitions
    R = m.R_sas.toarray()
    np.testing.assert_allclose(ep.rewards[e, t], R[s * A + a, s2])


def test_start_on_terminal_and_gamma_zero():
    m0 = small_world()
    m = MDP(m0.P, m0.R_sas, 0.0, p0=[0.5, 0, 0, 0, 0, 0.5], terminal=m0.terminal)
    est = estimate_policy_gradient(m, THETA, episodes=20_000, estimator="total", seed=2)
    assert est.info["max_steps"] == 1
    assert set(np.unique(est.lengths)) == {0, 1}
    assert _z(est).max() < 5.0


def test_gae_ignores_a_baseline_value_on_terminal_states():
    m = small_world()
    b = np.linspace(-1, 1, 6)
    b0 = b.copy()
    b0[5] = 0.0
    kw = {"episodes": 300, "estimator": "gae", "lam": 0.7, "seed": 3}
    a = estimate_policy_gradient(m, THETA, baseline=b, **kw)
    c = estimate_policy_gradient(m, THETA, baseline=b0, **kw)
    np.testing.assert_allclose(a.estimate, c.estimate, atol=1e-12)


def test_study_arguments():
    m = make("short-corridor").mdp
    kw = {"observations": OBS4, "runs": 3, "seed": 0}
    with pytest.raises(MDPError, match="`episodes` is empty"):
        estimator_study(m, [[0.0, 0.0]], episodes=(), **kw)
    with pytest.raises(MDPError, match="`estimators` is empty"):
        estimator_study(m, [[0.0, 0.0]], episodes=(5,), estimators=(), **kw)
    # one size and one name need no tuple
    st = estimator_study(m, [[0.0, 0.0]], episodes=5, estimators="total", **kw)
    assert st.estimators == ("total",) and st.episodes.tolist() == [5]
