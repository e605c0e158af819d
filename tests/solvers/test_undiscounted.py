"""gamma = 1 with terminal states: returned policies terminate and attain V*.

FrozenLake at gamma = 1 has zero-reward loops (bumping into the edge) that tie
with the optimal action in Q*; the lowest-index greedy action (UP on the top
row) never terminates.  Every solver must return a proper optimal policy.
"""

from __future__ import annotations

import numpy as np
import pytest

import worlds
from mdp import MDPError, bellman
from solvers import (
    evaluate_policy,
    linear_programming,
    modified_policy_iteration,
    policy_iteration,
    value_iteration,
)

SOLVERS = [
    value_iteration,
    modified_policy_iteration,
    policy_iteration,
    linear_programming,
]


@pytest.mark.parametrize("name", ["frozenlake-4x4", "frozenlake-8x8", "gridworld-4x4"])
@pytest.mark.parametrize("solver", SOLVERS, ids=lambda f: f.__name__)
def test_policy_is_proper_and_optimal(name, solver):
    m = worlds.make(name).mdp
    V_ref = policy_iteration(m, tol=1e-12).V
    sol = solver(m)
    V_pi = evaluate_policy(m, sol.policy)  # raises if the policy never terminates
    np.testing.assert_allclose(V_pi, V_ref, atol=1e-9)
    np.testing.assert_allclose(sol.V, V_ref, atol=1e-9)
    report = bellman.verify(m, V_star=sol.V, Q_star=sol.Q, pi_star=sol.policy, tol=1e-8)
    assert report.ok, str(report)


def test_frozenlake_optimal_success_probability():
    # the slippery 4x4 lake at gamma = 1: V*(start) is the best probability of
    # reaching the goal, 14/17 (the exact solution of the optimal linear system)
    w = worlds.make("frozenlake-4x4")
    V = value_iteration(w.mdp).V
    assert V[w.state(0, 0)] == pytest.approx(0.8235294117647058, abs=1e-12)  # 14/17


def test_verify_pi_star_catches_a_looping_greedy_policy():
    w = worlds.make("frozenlake-4x4")
    m = w.mdp
    sol = value_iteration(m)
    looping = np.argmax(sol.Q, axis=1)  # lowest index: UP bumps on the top row
    with pytest.raises(MDPError, match="never reaches a terminal state"):
        evaluate_policy(m, looping)
    report = bellman.verify(m, V_star=sol.V, pi_star=looping, tol=1e-8)
    assert not report.ok
    assert not report["policy_attains_v_star"].passed
    assert "improper" in report["policy_attains_v_star"].note
    with pytest.raises(MDPError, match="`pi_star` is checked against V"):
        bellman.verify(m, pi=sol.policy, V=sol.V, pi_star=looping)


@pytest.mark.parametrize("solver", [value_iteration, modified_policy_iteration])
def test_no_terminal_state_at_gamma_one_is_an_error(solver):
    m = worlds.make("gridworld-5x5").mdp.replace(gamma=1.0)
    with pytest.raises(MDPError, match="no terminal states"):
        solver(m)


def test_lp_polish_reaches_round_off_on_jacks_car_rental():
    m = worlds.make("jacks-car-rental").mdp
    lp = linear_programming(m)
    assert lp.info["polished"]
    assert lp.info["lp_bellman_residual"] > 1e-9  # HiGHS alone is not this accurate
    np.testing.assert_allclose(lp.V, policy_iteration(m, tol=1e-12).V, atol=1e-8)
    assert lp.error_bound < 1e-8
