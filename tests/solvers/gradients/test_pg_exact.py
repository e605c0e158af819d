"""Exact J(theta) and grad J(theta): against central finite differences of
J(theta) = p0 . V^pi (an independent route: two evaluate_policy calls per
coordinate), dense numpy solves of the occupancy, the EGLP lemma, the short
corridor's closed form J(p) = (2p - 4) / (p (1 - p)) (Sutton & Barto Ex.
13.1), the LP dual occupancy, and the LQ Gaussian closed form by sampling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdp import MDP, ImproperPolicyError, MDPError
from solvers import evaluate_policy, linear_programming
from solvers.gradients import (
    grad_log_softmax,
    linear_quadratic,
    linear_quadratic_samples,
    log_softmax_policy,
    policy_gradient,
    softmax_policy,
    state_action_occupancy,
    state_occupancy,
)
from tests.reference import dense
from tests.strategies import mdps, proper_mdps
from worlds import make

OBS4 = [0, 0, 0, 0]


def corridor_J(p):
    return (2 * p - 4) / (p * (1 - p))


def J_of(m, theta, obs=None):
    pi = softmax_policy(m, theta, observations=obs)
    return float(m.p0 @ evaluate_policy(m, pi))


def finite_difference(m, theta, obs=None, h=1e-5):
    g = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        g[idx] = (J_of(m, theta + e, obs) - J_of(m, theta - e, obs)) / (2 * h)
    return g


def _theta(m, seed, rows=None):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows or m.n_states, m.n_actions))


@settings(max_examples=25)
@given(mdps(max_states=6, max_actions=3, gamma=None), st.integers(0, 1000))
def test_gradient_matches_finite_differences(m, seed):
    theta = _theta(m, seed)
    J, g = policy_gradient(m, theta)
    assert J == pytest.approx(J_of(m, theta), abs=1e-9)
    fd = finite_difference(m, theta)
    scale = 1.0 + np.abs(fd).max()
    np.testing.assert_allclose(g, fd, atol=1e-5 * scale)
    # masked logits get no gradient
    assert np.all(g[~m.action_mask] == 0)


@settings(max_examples=15)
@given(proper_mdps(max_states=6, max_actions=3), st.integers(0, 1000))
def test_gradient_with_observations_matches_finite_differences(m, seed):
    rng = np.random.default_rng(seed)
    n_obs = int(rng.integers(1, m.n_states + 1))
    obs = rng.integers(n_obs, size=m.n_states)
    theta = _theta(m, seed, rows=n_obs)
    J, g = policy_gradient(m, theta, observations=obs)
    assert g.shape == (n_obs, m.n_actions)
    fd = finite_difference(m, theta, obs)
    np.testing.assert_allclose(g, fd, atol=1e-5 * (1.0 + np.abs(fd).max()))


@settings(max_examples=30)
@given(mdps(max_states=8), st.integers(0, 1000))
def test_occupancy_is_the_dense_solve(m, seed):
    pi = softmax_policy(m, _theta(m, seed))
    P, _ = dense(m)
    S = m.n_states
    P_pi = np.einsum("sa,sat->st", pi, P)
    live = ~m.terminal
    M = np.eye(live.sum()) - m.gamma * P_pi[np.ix_(live, live)]
    d_ref = np.zeros(S)
    d_ref[live] = np.linalg.solve(M.T, m.p0[live])
    d = state_occupancy(m, pi)
    np.testing.assert_allclose(d, d_ref, atol=1e-9 * (1 + np.abs(d_ref).max()))
    dsa = state_action_occupancy(m, pi)
    # sum_{s,a} d(s,a) r(s,a) = J(pi)
    r = np.where(pi > 0, m.r, 0.0)
    J = float(m.p0 @ evaluate_policy(m, pi))
    assert float((dsa * r).sum()) == pytest.approx(J, abs=1e-8 * (1 + abs(J)))


def test_occupancy_of_optimal_policy_is_the_lp_dual():
    m = make("garnet", n_states=30).mdp
    sol = linear_programming(m)
    np.testing.assert_allclose(
        state_action_occupancy(m, sol.policy), sol.occupancy, atol=1e-7
    )


@settings(max_examples=30)
@given(mdps(max_states=8), st.integers(0, 1000))
def test_eglp_lemma_exact(m, seed):
    theta = _theta(m, seed)
    pi = softmax_policy(m, theta)
    G = grad_log_softmax(pi)
    # E_{a ~ pi}[grad log pi(a|s)] = 0
    np.testing.assert_allclose(np.einsum("sa,sab->sb", pi, G), 0.0, atol=1e-15)
    np.testing.assert_allclose(np.exp(log_softmax_policy(m, theta)), pi, atol=1e-14)


def test_grad_log_softmax_matches_finite_differences():
    m = MDP(np.ones((1, 3, 1)), R=np.zeros((1, 3)), gamma=0.5)
    theta = np.array([[0.3, -1.0, 2.0]])
    G = grad_log_softmax(softmax_policy(m, theta))[0]
    h = 1e-6
    for b in range(3):
        e = np.zeros((1, 3))
        e[0, b] = h
        fd = (log_softmax_policy(m, theta + e) - log_softmax_policy(m, theta - e)) / (
            2 * h
        )
        np.testing.assert_allclose(G[:, b], fd[0], atol=1e-8)


def test_short_corridor_closed_form():
    m = make("short-corridor").mdp
    for p in (0.05, 0.3, 0.5, 0.95):
        theta = np.array([[0.0, np.log(p / (1 - p))]])
        J, g = policy_gradient(m, theta, observations=OBS4)
        assert J == pytest.approx(corridor_J(p), rel=1e-12)
        # dJ/dtheta_right = J'(p) p (1 - p), J'(p) = (2p^2 - 8p + 4) / (p(1-p))^2
        dJ = (2 * p * p - 8 * p + 4) / (p * (1 - p))
        np.testing.assert_allclose(g, [[-dJ, dJ]], rtol=1e-10)
    # the book's numbers
    assert corridor_J(0.05) == pytest.approx(-82.1, abs=0.05)
    assert corridor_J(0.95) == pytest.approx(-44.2, abs=0.05)


def test_short_corridor_optimum_by_maximising_J():
    m = make("short-corridor").mdp
    ps = np.linspace(0.01, 0.99, 9801)
    Js = np.array(
        [J_of(m, np.array([[0.0, np.log(p / (1 - p))]]), OBS4) for p in ps[::50]]
    )
    p_grid = ps[::50][Js.argmax()]
    assert abs(p_grid - (2 - np.sqrt(2))) < 0.01
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(
        lambda p: -J_of(m, np.array([[0.0, np.log(p / (1 - p))]]), OBS4),
        bounds=(0.01, 0.99),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert res.x == pytest.approx(2 - np.sqrt(2), abs=1e-6)
    assert -res.fun == pytest.approx(-(6 + 4 * np.sqrt(2)), abs=1e-9)


def test_short_corridor_state_policy_is_deterministic_and_better():
    # with the true state, the best policy is deterministic: J = -3
    m = make("short-corridor").mdp
    assert float(m.p0 @ evaluate_policy(m, [1, 0, 1, 0])) == -3.0


def test_improper_policy_is_an_error():
    P = np.zeros((3, 1, 3))
    P[0, 0, 2] = P[1, 0, 1] = 1.0
    m = MDP(P, R=[[-1.0], [-1.0], [0.0]], gamma=1.0, terminal=[False, False, True])
    with pytest.raises(
        ImproperPolicyError, match=r"never reaches a terminal state from state 1: its"
    ):
        policy_gradient(m, np.zeros((3, 1)))
    with pytest.raises(ImproperPolicyError, match="never reaches"):
        state_occupancy(m, [0, 0, 0])


def test_gamma_one_occupancy_is_visit_count():
    # short corridor, p = 1/2: expected visits solve a 3x3 system by hand
    m = make("short-corridor").mdp
    d = state_occupancy(m, np.full((4, 2), 0.5))
    # total visits = expected episode length = -J(0.5) = 12
    assert d.sum() == pytest.approx(-corridor_J(0.5))
    assert d[3] == 0.0


def test_bad_arguments():
    m = make("short-corridor").mdp
    with pytest.raises(
        MDPError, match=r"`theta` has shape \(3, 2\); expected \(S, A\) = \(4, 2\)"
    ):
        policy_gradient(m, np.zeros((3, 2)))
    with pytest.raises(MDPError, match="with `observations` it must be"):
        policy_gradient(m, np.zeros((1, 2)), observations=[0, 1, 1, 0])
    with pytest.raises(MDPError, match=r"`observations` has shape \(3,\)"):
        policy_gradient(m, np.zeros((1, 2)), observations=[0, 0, 0])
    with pytest.raises(MDPError, match="must hold integers"):
        policy_gradient(m, np.zeros((1, 2)), observations=[0.0, 0, 0, 0])
    with pytest.raises(MDPError, match="not finite at row 0, action 1"):
        policy_gradient(m, [[0.0, np.nan]] * 4)


# ---------------------------------------------------------------- Gaussian
@pytest.mark.parametrize(("k", "ls", "sd"), [(0.5, 0.0, 1.0), (1.5, -0.5, 2.0)])
def test_linear_quadratic_gradient_by_sampling(k, ls, sd):
    J, g = linear_quadratic(k, ls, state_std=sd)
    out = linear_quadratic_samples(k, ls, samples=400_000, state_std=sd, seed=7)
    assert out.reward.mean() == pytest.approx(
        J, abs=5 * out.reward.std() / np.sqrt(out.reward.size)
    )
    se = out.terms.std(axis=0) / np.sqrt(out.terms.shape[0])
    assert np.all(np.abs(out.terms.mean(axis=0) - g) < 5 * se)


def test_linear_quadratic_gradient_matches_finite_differences():
    h = 1e-6
    for k, ls in [(0.2, 0.3), (2.0, -1.0)]:
        _, g = linear_quadratic(k, ls, state_std=1.3)
        fk = (
            linear_quadratic(k + h, ls, state_std=1.3)[0]
            - linear_quadratic(k - h, ls, state_std=1.3)[0]
        ) / (2 * h)
        fl = (
            linear_quadratic(k, ls + h, state_std=1.3)[0]
            - linear_quadratic(k, ls - h, state_std=1.3)[0]
        ) / (2 * h)
        np.testing.assert_allclose(g, [fk, fl], rtol=1e-6)


def test_gaussian_log_prob_and_score():
    from scipy.stats import norm

    from solvers.gradients import gaussian_grad_log_prob, gaussian_log_prob

    a, mu, ls = np.array([0.3, -1.0]), np.array([0.0, 0.5]), np.array([0.1, -0.4])
    ref = norm.logpdf(a, mu, np.exp(ls)).sum()
    assert gaussian_log_prob(a, mu, ls) == pytest.approx(ref, rel=1e-12)
    dmu, dls = gaussian_grad_log_prob(a, mu, ls)
    h = 1e-6
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        assert dmu[i] == pytest.approx(
            (gaussian_log_prob(a, mu + e, ls) - gaussian_log_prob(a, mu - e, ls))
            / (2 * h),
            rel=1e-6,
        )
        assert dls[i] == pytest.approx(
            (gaussian_log_prob(a, mu, ls + e) - gaussian_log_prob(a, mu, ls - e))
            / (2 * h),
            rel=1e-6,
        )


@settings(max_examples=20)
@given(mdps(max_states=8), st.integers(0, 1000))
def test_dense_and_sparse_routes_agree(m, seed):
    from solvers.gradients import exact

    theta = _theta(m, seed)
    J1, g1 = policy_gradient(m, theta)
    old = exact._DENSE_MAX
    try:
        exact._DENSE_MAX = 0
        J2, g2 = policy_gradient(m, theta)
    finally:
        exact._DENSE_MAX = old
    assert J1 == pytest.approx(J2, abs=1e-9 * (1 + abs(J2)))
    np.testing.assert_allclose(g1, g2, atol=1e-9 * (1 + np.abs(g2).max()))


def test_krylov_occupancy_meets_its_accuracy_contract():
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    # > 3000 states (the Krylov route), banded so the reference LU is cheap
    S, A, rng = 4000, 2, np.random.default_rng(1)
    rows = np.repeat(np.arange(S * A), 3)
    cols = (np.repeat(np.arange(S), A * 3) + rng.integers(-5, 6, S * A * 3)) % S
    P = sp.csr_array((rng.random(S * A * 3) + 0.1, (rows, cols)), shape=(S * A, S))
    P = sp.csr_array(sp.diags_array(1 / P.sum(axis=1)) @ P)
    m = MDP(P, rng.random((S, A)), 0.97)
    pi = softmax_policy(m, rng.normal(size=(S, A)))
    d = state_occupancy(m, pi)
    D = sp.csr_array(
        (pi.ravel(), np.arange(S * A), np.arange(0, S * A + 1, A)), shape=(S, S * A)
    )
    M = sp.csc_array((sp.eye_array(S) - m.gamma * (D @ m.P)).T)
    d_ref = spla.spsolve(M, m.p0)
    assert np.abs(d - d_ref).sum() <= 1e-10 / (1 - m.gamma)
    assert d.sum() == pytest.approx(1 / (1 - m.gamma), rel=1e-10)
