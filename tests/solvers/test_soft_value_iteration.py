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
    assert verify_soft(
        m, V=sol.V, Q=sol.Q, policy=sol.policy, temperature=tau, tol=1e-8
    ).ok
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
    assert verify_soft(m, V=sol.V, Q=sol.Q, policy=sol.policy, temperature=0.5).ok


def test_verify_soft_detects_wrong_values():
    m = MDP(np.ones((1, 2, 1)), R=[[0.0, 1.0]], gamma=0.5)
    sol = soft_value_iteration(m, temperature=1.0, tol=1e-12)
    rep = verify_soft(m, V=sol.V + 0.1, Q=sol.Q, policy=sol.policy, temperature=1.0)
    assert not rep.ok
    assert "FAIL" in str(rep)


def test_max_iter_warns_and_bad_args():
    m = MDP(np.ones((1, 2, 1)), R=[[0.0, 1.0]], gamma=0.99)
    with pytest.warns(RuntimeWarning, match="max_iter=3"):
        sol = soft_value_iteration(m, temperature=1.0, max_iter=3)
    assert not sol.converged
    with pytest.raises(MDPError, match="`temperature` must be > 0"):
        soft_value_iteration(m, temperature=0.0)
    with pytest.raises(MDPError, match="`V`, `Q`, `policy` must have shapes"):
        verify_soft(m, V=[0.0, 0.0], Q=[[0, 0]], policy=[[1, 0]], temperature=1.0)
