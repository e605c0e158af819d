"""Policy optimisation against the theory and against independent routes:

* Mei et al. (2020), Theorem 4: exact softmax PG with eta = (1-gamma)^3 / 8
  and mu = rho of full support satisfies, for every t >= 1,
  V*(rho) - V^{pi_t}(rho) <= 16 S ||d_rho^{pi*} / mu||_inf^2 ||1/mu||_inf
  / (c^2 (1-gamma)^6 t), with c = inf_t min_s pi_t(a*(s)|s) > 0 and d the
  normalised ((1-gamma) sum_t gamma^t Pr) occupancy; rewards in [0, 1].
  The constant is large: the bound says something (is below the largest
  possible gap 1/(1-gamma)) only after ~1000 steps even at gamma = 0.1, so
  the test runs that long and asserts that it is in the informative range.
  Separately, t (J* - J(theta_t)) stays bounded above and away from 0 (the
  rate is 1/t, not faster: the paper's Omega(1/t) lower bound, shape only).
* Agarwal et al. (2021), the NPG theorem for the softmax class: NPG
  theta <- theta + eta A / (1-gamma) from theta_0 = 0 (uniform), any
  eta > 0, rewards in [0, 1]: V*(rho) - V^{(T)}(rho) <= log|A| / (eta T)
  + 1 / ((1-gamma)^2 T), for every start distribution rho.
* Cen et al. (2021), Theorem 1: entropy-regularised NPG with
  0 < eta <= (1-gamma)/tau, rewards in [0, 1]: ||Q*_tau - Q_tau^{(t+1)}||_inf
  <= C1 gamma (1 - eta tau)^t and ||log pi*_tau - log pi^{(t+1)}||_inf <=
  2 C1 / tau (1 - eta tau)^t, C1 = ||Q*_tau - Q_tau^{(0)}||_inf + 2 tau
  (1 - eta tau/(1-gamma)) ||log pi*_tau - log pi^{(0)}||_inf; Q*_tau from soft
  value iteration (an independent algorithm), Q_tau^{(t)} computed here from
  an MDP with reward r - tau log pi.
* NPG's closed form pi <- pi exp(eta A / (1-gamma)) normalised, against the
  pseudo-inverse of the exact Fisher matrix.
* PPO-clip's gradient at theta_old equals the sampled policy gradient.

Sources checked (review of issue 9): with the search tools available only the
papers' abstracts and bibliographic records could be found (Mei et al.,
arXiv:2005.06392, ICML 2020: "with the true gradient ... converges at a
O(1/t) rate, with constants depending on the problem and initialization";
Cen et al., arXiv:2007.06558 / Oper. Res. 2022: linear convergence with exact
policy evaluation "for a wide range of learning rates"; Agarwal et al., JMLR
22(98), 2021).  The theorem statements themselves (the constants 16 S /
(1-gamma)^6, (1-gamma)^3/8, log|A|/(eta T) + 1/((1-gamma)^2 T), C1 and the
step-size range) were NOT found in any source reachable here; they are as
transcribed from the papers by the implementer and re-read against a
third-party restatement of Mei et al. Thm 4 (same eta, same 16 S /
(c^2 (1-gamma)^6 t)).  Each test uses a setting inside every theorem's
conditions (rewards in [0, 1], uniform start, theta_0 = 0), so a wrong
constant can only make a test fail, not pass vacuously.
"""

from __future__ import annotations

import numpy as np
import pytest

from mdp import MDP, MDPError
from mdp.bellman import q_from_v
from solvers import evaluate_policy, soft_value_iteration, value_iteration
from solvers.gradients import (
    clipped_surrogate,
    estimate_policy_gradient,
    natural_gradient,
    policy_gradient,
    policy_gradient_ascent,
    ppo_clip,
    softmax_policy,
    state_occupancy,
)
from worlds import make


def unit_reward_mdp(S=3, A=2, gamma=0.5, seed=0):
    rng = np.random.default_rng(seed)
    P = rng.random((S, A, S))
    P /= P.sum(axis=2, keepdims=True)
    return MDP(P, rng.random((S, A)), gamma, p0=np.ones(S) / S)


def test_mei_bound_and_one_over_t():
    # gamma = 0.1: the bound is informative (< 1/(1-gamma)) from t ~ 1000 on
    m = unit_reward_mdp(gamma=0.1)
    g, S = m.gamma, m.n_states
    eta = (1 - g) ** 3 / 8
    vi = value_iteration(m, tol=1e-13)
    a_star = vi.policy
    J_star = float(m.p0 @ vi.V)
    T = 3000
    thetas = []
    res = policy_gradient_ascent(
        m, lr=eta, steps=T, callback=lambda t, th: thetas.append(th)
    )
    # c = inf_t min_s pi_t(a*(s)|s); the min over the steps run is >= the inf
    # over all t, so the bound computed with it is at most the theorem's
    c = min(softmax_policy(m, th)[np.arange(S), a_star].min() for th in thetas)
    mu = m.p0
    d_star = (1 - g) * state_occupancy(m, a_star)  # normalised, from rho = mu
    C = 16 * S * np.max(d_star / mu) ** 2 * np.max(1 / mu) / (c**2 * (1 - g) ** 6)
    t = np.arange(1, T + 1)
    assert np.all(C / t[T // 2 :] < 1 / (1 - g))  # the check can fail here
    assert np.all(res.gap[1:] <= C / t)
    # the ascent function follows the hand-written loop
    theta = np.zeros((S, m.n_actions))
    gaps = []
    for _t in range(51):
        J, grad = policy_gradient(m, theta)
        gaps.append(J_star - J)
        theta = theta + eta * grad
    np.testing.assert_allclose(res.gap[:51], gaps, atol=1e-12)
    # t (J* - J) bounded after a transient, and not going to 0 (a 1/t rate,
    # not faster); larger step, gamma = 0.5
    m = unit_reward_mdp()
    res = policy_gradient_ascent(m, lr=1.0, steps=2000)
    tg = np.arange(2001) * res.gap
    assert tg[1000:].max() <= 1.05 * tg[100:1000].max()
    assert tg[2000] >= 0.5 * tg[1000] > 0
    assert np.all(np.diff(res.J) >= -1e-12)  # monotone ascent at this step size


@pytest.mark.parametrize(("gamma", "eta"), [(0.5, 0.1), (0.9, 1.0), (0.9, 0.01)])
def test_agarwal_npg_bound(gamma, eta):
    m = unit_reward_mdp(S=5, A=3, gamma=gamma, seed=2)
    T = 60
    res = policy_gradient_ascent(m, lr=eta, steps=T, natural=True)
    t = np.arange(1, T + 1)
    bound = np.log(m.n_actions) / (eta * t) + 1 / ((1 - gamma) ** 2 * t)
    assert np.all(res.gap[1:] <= bound + 1e-12)
    assert np.all(res.gap >= -1e-9)
    # the bound holds for any start distribution rho: the per-state gaps
    V_star = value_iteration(m, tol=1e-13).V
    V_T = evaluate_policy(m, res.policy)
    assert np.all(V_star - V_T <= bound[-1] + 1e-12)


def test_npg_closed_form_matches_fisher_pseudo_inverse():
    m = unit_reward_mdp(S=4, A=3, gamma=0.8, seed=5)
    theta = np.random.default_rng(1).normal(size=(4, 3))
    w = natural_gradient(m, theta)
    # the same states as observations: the general Fisher route
    w_obs = natural_gradient(m, theta, observations=np.arange(4))
    pi = softmax_policy(m, theta)
    # equal as policy updates (they may differ by a per-state constant)
    for eta in (0.3, 1.0):
        np.testing.assert_allclose(
            softmax_policy(m, theta + eta * w),
            softmax_policy(m, theta + eta * w_obs),
            atol=1e-10,
        )
    # pi <- pi exp(eta A / (1 - gamma)) normalised
    A = q_from_v(m, evaluate_policy(m, pi)) - evaluate_policy(m, pi)[:, None]
    new = pi * np.exp(0.5 * A / (1 - m.gamma))
    new /= new.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax_policy(m, theta + 0.5 * w), new, atol=1e-12)


def _soft_q(m, pi, tau):
    """Q_tau^pi from an MDP whose reward is r(s,a) - tau log pi(a|s)."""
    m2 = MDP(m.P, m.r - tau * np.log(pi), m.gamma, p0=m.p0)
    V = evaluate_policy(m2, pi)
    return q_from_v(m, V)


@pytest.mark.parametrize("frac", [1.0, 0.5, 0.1])
def test_cen_entropy_npg_linear_convergence(frac):
    m = unit_reward_mdp(S=4, A=3, gamma=0.8, seed=7)
    tau = 0.2
    eta = frac * (1 - m.gamma) / tau
    sol = soft_value_iteration(m, temperature=tau, tol=1e-13)
    Q_star, pi_star = sol.Q, sol.policy
    thetas = []
    policy_gradient_ascent(
        m,
        lr=eta,
        steps=25,
        natural=True,
        entropy=tau,
        callback=lambda t, th: thetas.append(th),
    )
    pis = [softmax_policy(m, th) for th in thetas]
    C1 = (
        np.abs(Q_star - _soft_q(m, pis[0], tau)).max()
        + 2
        * tau
        * (1 - eta * tau / (1 - m.gamma))
        * np.abs(np.log(pi_star) - np.log(pis[0])).max()
    )
    for t in range(len(pis) - 1):
        rate = (1 - eta * tau) ** t
        err = np.abs(Q_star - _soft_q(m, pis[t + 1], tau)).max()
        assert err <= C1 * m.gamma * rate + 1e-10
        log_err = np.abs(np.log(pi_star) - np.log(pis[t + 1])).max()
        assert log_err <= 2 * C1 / tau * rate + 1e-10
    # the limit is the soft-optimal policy of soft value iteration
    if frac == 1.0:
        np.testing.assert_allclose(pis[-1], pi_star, atol=1e-8)


def test_entropy_gradient_matches_finite_differences():
    m = unit_reward_mdp(S=3, A=3, gamma=0.7, seed=3)
    tau = 0.4
    theta = np.random.default_rng(2).normal(size=(3, 3))

    def J_tau(th):
        pi = softmax_policy(m, th)
        m2 = MDP(m.P, m.r - tau * np.log(pi), m.gamma, p0=m.p0)
        return float(m.p0 @ evaluate_policy(m2, pi))

    res = policy_gradient_ascent(m, lr=1e-9, steps=1, entropy=tau, theta0=theta)
    assert res.J_reg[0] == pytest.approx(J_tau(theta), abs=1e-10)
    h = 1e-5
    fd = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        fd[idx] = (J_tau(theta + e) - J_tau(theta - e)) / (2 * h)
    step = (res.theta - theta) / 1e-9
    np.testing.assert_allclose(step, fd, atol=1e-4)


def test_exact_ascent_on_short_corridor_reaches_the_stochastic_optimum():
    m = make("short-corridor").mdp
    res = policy_gradient_ascent(m, lr=0.05, steps=300, observations=[0, 0, 0, 0])
    p = res.policy[0, 1]
    assert p == pytest.approx(2 - np.sqrt(2), abs=1e-3)
    assert res.J[-1] == pytest.approx(-(6 + 4 * np.sqrt(2)), abs=1e-4)
    # aliased: J* (true state, -3) is out of reach
    assert res.gap[-1] == pytest.approx(-3 + 6 + 4 * np.sqrt(2), abs=1e-4)


def test_reinforce_improves_in_band_over_seeds():
    m = make("short-corridor").mdp
    theta0 = [[0.0, np.log(0.1 / 0.9)]]  # P(right) = 0.1, J = -42.2
    finals = [
        policy_gradient_ascent(
            m,
            lr=0.01,
            steps=40,
            theta0=theta0,
            gradient="baseline",
            episodes=40,
            observations=[0, 0, 0, 0],
            seed=s,
        ).J[-1]
        for s in range(8)
    ]
    J0 = policy_gradient(m, theta0, observations=[0, 0, 0, 0])[0]
    assert all(f > J0 + 20 for f in finals)
    assert max(finals) <= -(6 + 4 * np.sqrt(2)) + 1e-9


def test_ppo_gradient_at_theta_old_is_the_policy_gradient_estimate():
    m = unit_reward_mdp(S=4, A=3, gamma=0.8, seed=1)
    theta = np.random.default_rng(0).normal(size=(4, 3))
    # one PPO iteration with one epoch is one sampled-gradient step on the same batch
    lr = 0.1
    res = ppo_clip(
        m, lr=lr, steps=1, episodes=200, epochs=1, theta0=theta, max_steps=50, seed=3
    )
    est = estimate_policy_gradient(
        m, theta, episodes=200, estimator="gae", max_steps=50, seed=3
    )
    np.testing.assert_allclose((res.theta - theta) / lr, est.estimate, atol=1e-12)
    # the pure function: rho = 1 everywhere -> sum_k c_k grad log pi / N
    rng = np.random.default_rng(4)
    s = rng.integers(4, size=30)
    a = rng.integers(3, size=30)
    c = rng.normal(size=30)
    logp = np.log(softmax_policy(m, theta))
    L, g = clipped_surrogate(
        m, theta, logp_old=logp[s, a], states=s, actions=a, weights=c, episodes=5
    )
    pi = softmax_policy(m, theta)
    ref = np.zeros((4, 3))
    for k in range(30):
        ref[s[k]] -= c[k] * pi[s[k]]
        ref[s[k], a[k]] += c[k]
    np.testing.assert_allclose(g, ref / 5, atol=1e-12)
    assert L == pytest.approx(c.sum() / 5)
    # far from theta_old the clipped terms stop contributing
    L2, g2 = clipped_surrogate(
        m,
        theta + 5.0,
        logp_old=logp[s, a] - 3.0,
        states=s,
        actions=a,
        weights=np.abs(c),
        episodes=5,
    )
    assert np.all(g2 == 0)


def test_ppo_improves_over_seeds():
    m = make("short-corridor").mdp
    gaps = [ppo_clip(m, lr=0.5, steps=15, episodes=30, seed=s).gap for s in range(5)]
    assert all(g[-1] < 0.5 * g[0] for g in gaps)


def test_bad_arguments():
    m = make("short-corridor").mdp
    with pytest.raises(MDPError, match="`gradient` must be 'exact' or an estimator"):
        policy_gradient_ascent(m, lr=0.1, steps=1, gradient="adam")
    with pytest.raises(MDPError, match="`lr` must be > 0"):
        policy_gradient_ascent(m, lr=0.0, steps=1)
    with pytest.raises(MDPError, match="need gradient='exact'"):
        policy_gradient_ascent(m, lr=0.1, steps=1, gradient="total", natural=True)
    with pytest.raises(MDPError, match="`entropy` must be >= 0"):
        policy_gradient_ascent(m, lr=0.1, steps=1, entropy=-1.0)
    with pytest.raises(MDPError, match="`clip` must be a number in"):
        ppo_clip(m, lr=0.1, steps=1, episodes=2, clip=2.0)


def test_aliased_natural_gradient_solves_the_brute_force_fisher_system():
    m = unit_reward_mdp(S=5, A=3, gamma=0.8, seed=9)
    obs = np.array([0, 1, 0, 2, 1])
    theta = np.random.default_rng(3).normal(size=(3, 3))
    w = natural_gradient(m, theta, observations=obs)
    _, grad = policy_gradient(m, theta, observations=obs)
    pi = softmax_policy(m, theta, observations=obs)
    d_norm = (1 - m.gamma) * state_occupancy(m, pi)
    # F = sum_s d~(s) sum_a pi(a|s) psi psi^T, psi = grad_theta log pi(a|s)
    F = np.zeros((9, 9))
    for s in range(5):
        for a in range(3):
            psi = np.zeros((3, 3))
            psi[obs[s]] = -pi[s]
            psi[obs[s], a] += 1.0
            F += d_norm[s] * pi[s, a] * np.outer(psi.ravel(), psi.ravel())
    # F w = grad J: w = F^+ grad J with the normalised-occupancy Fisher (Kakade 2001)
    np.testing.assert_allclose(F @ w.ravel(), grad.ravel(), atol=1e-10)


def test_entropy_gradient_with_observations_matches_finite_differences():
    m = unit_reward_mdp(S=4, A=2, gamma=0.6, seed=4)
    obs = np.array([0, 1, 1, 0])
    tau = 0.3
    theta = np.random.default_rng(5).normal(size=(2, 2))

    def J_tau(th):
        pi = softmax_policy(m, th, observations=obs)
        m2 = MDP(m.P, m.r - tau * np.log(pi), m.gamma, p0=m.p0)
        return float(m.p0 @ evaluate_policy(m2, pi))

    res = policy_gradient_ascent(
        m, lr=1e-9, steps=1, entropy=tau, theta0=theta, observations=obs
    )
    step = (res.theta - theta) / 1e-9
    h = 1e-5
    fd = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        fd[idx] = (J_tau(theta + e) - J_tau(theta - e)) / (2 * h)
    np.testing.assert_allclose(step, fd, atol=1e-4)


def test_bad_arguments_found_in_review():
    m = make("short-corridor").mdp
    th = np.zeros((4, 2))
    with pytest.raises(TypeError, match="expected an mdp.MDP as the first argument"):
        policy_gradient("short-corridor", th)
    with pytest.raises(TypeError, match="expected an mdp.MDP"):
        state_occupancy(None, [0, 0, 0, 0])
    with pytest.raises(MDPError, match="`baseline` and `lam` apply to sampled"):
        policy_gradient_ascent(m, lr=0.1, steps=1, baseline="exact")
    with pytest.raises(MDPError, match="`baseline` and `lam` apply to sampled"):
        policy_gradient_ascent(m, lr=0.1, steps=1, lam=0.5)
    with pytest.raises(MDPError, match="`callback` must be None or a function"):
        policy_gradient_ascent(m, lr=0.1, steps=1, callback=3)
    with pytest.raises(MDPError, match=r"not finite after step 1 \(lr = 1e\+308\)"):
        policy_gradient_ascent(m, lr=1e308, steps=3)
    with pytest.raises(MDPError, match="`lam` is GAE's lambda"):
        ppo_clip(m, lr=0.1, steps=1, episodes=2, estimator="total", lam=0.3)
    with pytest.raises(MDPError, match="`baseline` applies to"):
        ppo_clip(m, lr=0.1, steps=1, episodes=2, estimator="total", baseline="exact")
    kw = {"logp_old": [0.0], "weights": [1.0], "episodes": 1}
    with pytest.raises(MDPError, match=r"`states\[0\]` = 9 is out of range 0..3"):
        clipped_surrogate(m, th, states=[9], actions=[0], **kw)
    with pytest.raises(MDPError, match="`states` must be a 1-D integer array"):
        clipped_surrogate(m, th, states=[0.5], actions=[0], **kw)
    with pytest.raises(MDPError, match=r"must have the same length .* got 2, 1, 1, 1"):
        clipped_surrogate(m, th, states=[0, 1], actions=[0], **kw)


def test_bad_policy_and_gaussian_arguments():
    from mdp import PolicyError
    from solvers.gradients import (
        gaussian_log_prob,
        gaussian_sample,
        grad_log_softmax,
        linear_quadratic,
    )

    with pytest.raises(PolicyError, match=r"`pi` must have shape \(S, A\)"):
        grad_log_softmax([0.5, 0.5])
    with pytest.raises(PolicyError, match="`pi` row 0 is not a probability"):
        grad_log_softmax([[0.5, 0.7]])
    with pytest.raises(MDPError, match="`mu` must be a numeric array"):
        gaussian_sample("a", 0.0)
    with pytest.raises(MDPError, match=r"must broadcast .* \(3,\), \(\), \(2,\)"):
        gaussian_log_prob([0.0, 1.0], [0.0, 0.0, 0.0], 0.0)
    with pytest.raises(MDPError, match="`state_std` is a standard deviation"):
        linear_quadratic(0.5, 0.0, state_std=-1.0)
