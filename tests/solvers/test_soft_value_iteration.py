"""Soft value iteration against: value iteration as tau -> 0, the sandwich
V* <= V_tau <= V* + tau log|A| / (1 - gamma), the soft Bellman identities
(verify_soft), soft policy iteration (a second algorithm), the guaranteed
stopping rule, and a one-state closed form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdp import MDP, MDPError
from solvers import (
    soft_policy_iteration,
    soft_value_iteration,
    value_iteration,
    verify_soft,
)
from tests.strategies import mdps


@settings(max_examples=30)
@given(mdps(max_states=7, gamma=None), st.sampled_from([0.01, 0.3, 2.0]))
def test_soft_sandwich_identities_and_soft_pi(m, tau):
    if m.gamma > 0.95:
        m = MDP(m.P, m.r, 0.9, p0=m.p0, terminal=m.terminal, action_mask=m.action_mask)
    sol = soft_value_iteration(m, temperature=tau, tol=1e-10)
    assert sol.converged
    V_star = value_iteration(m, tol=1e-11).V
    n_act = m.action_mask.sum(axis=1).max()
    slack = tau * np.log(n_act) / (1 - m.gamma)
    assert np.all(sol.V >= V_star - 1e-9)
    assert np.all(sol.V <= V_star + slack + 1e-9)
    assert verify_soft(m, V=sol.V, Q=sol.Q, pi=sol.policy, temperature=tau, tol=1e-8).ok
    spi = soft_policy_iteration(m, temperature=tau, tol=1e-11)
    np.testing.assert_allclose(spi.V, sol.V, atol=1e-8)
    np.testing.assert_allclose(spi.policy, sol.policy, atol=1e-6)


def test_tau_to_zero_recovers_v_star():
    from worlds import make

    m = make("garnet", n_states=40).mdp
    V_star = value_iteration(m, tol=1e-12).V
    gaps = []
    for tau in (1.0, 0.1, 0.01, 0.001):
        V = soft_value_iteration(m, temperature=tau, tol=1e-10).V
        gaps.append(np.abs(V - V_star).max())
        assert gaps[-1] <= tau * np.log(m.n_actions) / (1 - m.gamma) + 1e-9
    assert gaps[-1] < 1e-2 and np.all(np.diff(gaps) < 0)


def test_stopping_rule_is_guaranteed():
    from worlds import make

    m = make("garnet", n_states=30, gamma=0.95).mdp
    ref = soft_value_iteration(m, temperature=0.5, tol=1e-13).V
    sol = soft_value_iteration(m, temperature=0.5, tol=1e-4)
    assert np.abs(sol.V - ref).max() <= 1e-4
    assert sol.error_bound <= 1e-4


def test_gamma_one_with_terminal_and_mask():
    from worlds import make

    m = make("short-corridor").mdp
    sol = soft_value_iteration(m, temperature=0.5, tol=1e-12)
    assert sol.converged and sol.V[3] == 0.0
    assert verify_soft(m, V=sol.V, Q=sol.Q, pi=sol.policy, temperature=0.5).ok


def test_verify_soft_detects_wrong_values():
    m = MDP(np.ones((1, 2, 1)), R=[[0.0, 1.0]], gamma=0.5)
    sol = soft_value_iteration(m, temperature=1.0, tol=1e-12)
    rep = verify_soft(m, V=sol.V + 0.1, Q=sol.Q, pi=sol.policy, temperature=1.0)
    assert not rep.ok
    assert "FAIL" in str(rep)


def test_max_iter_warns_and_bad_args():
    m = MDP(np.ones((1, 2, 1)), R=[[0.0, 1.0]], gamma=0.99)
    with pytest.warns(RuntimeWarning, match="max_iter=3"):
        sol = soft_value_iteration(m, temperature=1.0, max_iter=3)
    assert not sol.converged
    with pytest.raises(MDPError, match="`temperature` must be > 0"):
        soft_value_iteration(m, temperature=0.0)
    with pytest.raises(MDPError, match="`V`, `Q`, `pi` must have shapes"):
        verify_soft(m, V=[0.0, 0.0], Q=[[0, 0]], pi=[[1, 0]], temperature=1.0)


# ------------------------------------------- status and non-finite values
def _huge_rewards():
    """gamma = 1, reward 1e299 per step, exit w.p. 1e-10: V(0) = 1e309 overflows
    float64 although every reward passes the model's scale check."""
    P = np.zeros((2, 1, 2))
    P[0, 0, 0], P[0, 0, 1], P[1, 0, 1] = 1.0 - 1e-10, 1e-10, 1.0
    return MDP(P, R=[1e299, 0.0], gamma=1.0, terminal=[1])


NON_FINITE = (
    r"the values are not finite \(inf or NaN\) after \d+ [\w ]+\(s\), so nothing is "
    r"certified: the rewards are too large for float64 \(max\|r\| = 1e\+299"
)


@pytest.mark.parametrize("solver", [soft_value_iteration, soft_policy_iteration])
def test_status_field_like_the_other_exact_solvers(solver):
    m = MDP(np.ones((1, 2, 1)), R=[[0.0, 1.0]], gamma=0.5)
    sol = solver(m, temperature=1.0)
    assert sol.status == "converged" and sol.converged
    assert sol.message.startswith("converged after")
    assert sol.bound and sol.message.endswith(sol.bound)
    with pytest.warns(RuntimeWarning, match="max_iter=1 "):
        sol = solver(
            MDP(np.ones((1, 2, 1)), R=[[0.0, 1.0]], gamma=0.99),
            temperature=1.0,
            max_iter=1,
            tol=1e-14,
        )
    assert sol.status == "max_iter" and not sol.converged


def test_soft_policy_iteration_detects_overflowing_values():
    # the exact soft evaluation gives V(0) ~ 1e309 = inf
    with pytest.warns(RuntimeWarning, match="soft_policy_iteration: " + NON_FINITE):
        sol = soft_policy_iteration(_huge_rewards(), temperature=1.0)
    assert sol.status == "non_finite" and not sol.converged
    assert sol.iterations == 1 and not np.isfinite(sol.V).all()
    assert sol.bound == ""


def test_soft_value_iteration_detects_non_finite_sweeps(monkeypatch):
    # independent of the model's checks: a NaN appears in the soft backup itself
    import sys

    soft = sys.modules["solvers.exact.soft"]
    real, calls = soft._soft_max, [0]

    def nan_after_three(*args):
        calls[0] += 1
        out = real(*args)
        return np.full_like(out, np.nan) if calls[0] >= 3 else out

    monkeypatch.setattr(soft, "_soft_max", nan_after_three)
    m = MDP(np.ones((2, 2, 2)) / 2, R=[[0.0, 1.0], [1.0, 0.0]], gamma=0.9)
    with pytest.warns(RuntimeWarning, match=r"soft_value_iteration: the values are"):
        sol = soft_value_iteration(m, temperature=1.0)
    assert sol.status == "non_finite" and not sol.converged
    assert sol.iterations == 3 and np.isnan(sol.error_bound) and sol.bound == ""


def test_bad_models_and_temperatures():
    with pytest.raises(TypeError, match="expected an mdp.MDP as the first argument"):
        soft_value_iteration("frozenlake", temperature=1.0)
    loop = MDP(np.ones((1, 2, 1)), R=[[0.0, 0.0]], gamma=1.0)
    for solver in (soft_value_iteration, soft_policy_iteration):
        with pytest.raises(MDPError, match="gamma = 1 and the MDP has no terminal"):
            solver(loop, temperature=1.0)
    m = MDP(np.ones((1, 2, 1)), R=[[0.0, 1.0]], gamma=0.9)
    with pytest.raises(MDPError, match=r"`temperature` = 1e\+307 is too large"):
        soft_value_iteration(m, temperature=1e307)
    with pytest.raises(MDPError, match="`max_iter` must be an integer >= 1"):
        soft_policy_iteration(m, temperature=1.0, max_iter=2.5)
