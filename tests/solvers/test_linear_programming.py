"""solvers.linear_programming: V* from the primal LP, the occupancy measure from its dual.

Checked against brute force over all deterministic policies, value and policy
iteration, closed forms, and the occupancy measure computed independently as
``(I - gamma P_pi^T)^{-1} p0`` with a dense NumPy solve.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdp import MDP, MDPError
from solvers import linear_programming, policy_iteration, value_iteration
from tests.reference import brute_force_optimum, dense, dense_policy_value
from tests.strategies import mdps, proper_mdps
from worlds.random_mdps import garnet

# the package re-exports the function under the module's name
lp_module = importlib.import_module("solvers.exact.linear_programming")


def _two_state(gamma=0.9, p0=(1.0, 0.0)):
    # action 0 stays, action 1 moves; being in state 1 pays 1
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1.0
    return MDP(P, R=[0.0, 1.0], gamma=gamma, p0=p0)


def _occupancy_of(m: MDP, pi: np.ndarray) -> np.ndarray:
    """``d(s,a) = pi(a|s) [(I - gamma P_pi^T)^{-1} p0](s)`` on live states, dense."""
    P, _ = dense(m)
    S, A = m.n_states, m.n_actions
    pim = np.zeros((S, A))
    if pi.ndim == 1:
        pim[np.arange(S), pi] = 1.0
    else:
        pim = pi
    P_pi = np.einsum("sa,sat->st", pim, P)
    live = ~m.terminal
    mu = np.zeros(S)
    M = np.eye(live.sum()) - m.gamma * P_pi[np.ix_(live, live)].T
    mu[live] = np.linalg.solve(M, m.p0[live])
    return mu[:, None] * pim


# --------------------------------------------------------------- closed forms
def test_two_state_closed_form():
    m = _two_state()
    sol = linear_programming(m)
    # move to state 1 and stay: V(1) = 1/(1-0.9), V(0) = 0.9 V(1)
    np.testing.assert_allclose(sol.V, [9.0, 10.0], atol=1e-9)
    np.testing.assert_array_equal(sol.policy, [1, 0])
    # from state 0: one step in (0, move), then 0.9 + 0.9^2 + ... in (1, stay)
    np.testing.assert_allclose(sol.occupancy, [[0.0, 1.0], [9.0, 0.0]], atol=1e-9)
    assert sol.objective == pytest.approx(9.0) == sol.dual_objective
    assert sol.converged and sol.info["n_lps"] == 2  # p0(1) = 0: second LP
    assert sol.info["weights"] == "p0 (occupancy), uniform (V)"
    assert sol.error_bound <= 1e-8
    np.testing.assert_allclose(
        sol.Q, [[0.9 * 9.0, 9.0], [10.0, 1.0 + 0.9 * 9.0]], atol=1e-9
    )


def test_p0_zero_states_still_get_V_star():
    """Where p0 vanishes the c = p0 LP leaves V loose; the uniform LP pins it."""
    m = _two_state(p0=(1.0, 0.0))
    sol = linear_programming(m)
    np.testing.assert_allclose(sol.V, [9.0, 10.0], atol=1e-9)
    # from state 1 only: no visit to state 0 at all
    sol1 = linear_programming(m.replace(p0=[0.0, 1.0]))
    np.testing.assert_allclose(sol1.V, [9.0, 10.0], atol=1e-9)
    np.testing.assert_allclose(sol1.occupancy, [[0.0, 0.0], [10.0, 0.0]], atol=1e-9)
    assert sol1.objective == pytest.approx(10.0)
    # full-support p0: one LP is enough
    assert linear_programming(m.replace(p0=[0.5, 0.5])).info["n_lps"] == 1


def test_stochastic_shortest_path_gamma_one():
    """A corridor 0 - 1 - 2 - goal(3), -1 per step; 'right' slips w.p. 0.2.

    Each step right advances w.p. 0.8, so reaching the goal from distance k
    takes k / 0.8 steps on average: V*(s) = -(3 - s) / 0.8.
    """
    S, A = 4, 2  # action 0: stay, action 1: right
    P = np.zeros((S, A, S))
    for s in range(3):
        P[s, 0, s] = 1.0
        P[s, 1, s + 1] = 0.8
        P[s, 1, s] = 0.2
    R = np.full((S, A), -1.0)
    R[3] = 0.0
    m = MDP(P, R, gamma=1.0, terminal=[3])
    sol = linear_programming(m)
    np.testing.assert_allclose(sol.V, [-3.75, -2.5, -1.25, 0.0], atol=1e-9)
    np.testing.assert_array_equal(sol.policy[:3], [1, 1, 1])
    # expected visits from uniform p0 over {0,1,2}: state k is visited by the
    # starts at <= k, each 1 / 0.8 times
    np.testing.assert_allclose(
        sol.occupancy[:3, 1], np.array([1, 2, 3]) / 3 / 0.8, atol=1e-9
    )
    assert np.isnan(sol.error_bound)


def test_all_terminal():
    m = MDP(np.zeros((2, 1, 2)), np.zeros(2), gamma=1.0, terminal=[True, True])
    sol = linear_programming(m)
    np.testing.assert_array_equal(sol.V, [0.0, 0.0])
    assert sol.converged and sol.info["n_lps"] == 0


def test_zero_reward_improper_cycle_gives_least_excessive_V():
    """Documented: with gamma = 1 the LP returns the least V >= T*V.

    State 0 may stay forever for free (action 0) or pay 1 to terminate
    (action 1); the LP's V(0) = -1 is the best terminating value, while the
    supremum over all policies (never terminate) is 0.
    """
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = 1.0
    m = MDP(P, R=[[0.0, -1.0], [0.0, 0.0]], gamma=1.0, terminal=[1])
    sol = linear_programming(m)
    assert sol.V[0] == pytest.approx(-1.0)
    np.testing.assert_allclose(sol.occupancy[0], [0.0, 1.0], atol=1e-9)


# --------------------------------------------------------- agreement, random
@settings(max_examples=60)
@given(
    st.one_of(
        mdps(max_states=6, max_actions=3), proper_mdps(max_states=6, max_actions=3)
    )
)
def test_lp_vi_pi_and_brute_force_agree(m):
    V_bf, _, _ = brute_force_optimum(m)
    sol = linear_programming(m)
    assert sol.converged
    np.testing.assert_allclose(sol.V, V_bf, atol=1e-7)
    np.testing.assert_allclose(policy_iteration(m).V, sol.V, atol=1e-7)
    if m.gamma < 1.0:
        vi = value_iteration(m, tol=1e-9)
        np.testing.assert_allclose(vi.V, sol.V, atol=1e-7)
        assert sol.error_bound <= 1e-6
    # the greedy policy of Q attains V*
    np.testing.assert_allclose(
        sol.Q.max(axis=1)[~m.terminal], sol.V[~m.terminal], atol=1e-7
    )
    assert np.all(sol.V[m.terminal] == 0.0)


@settings(max_examples=60)
@given(
    st.one_of(
        mdps(max_states=6, max_actions=3), proper_mdps(max_states=6, max_actions=3)
    )
)
def test_occupancy_measure(m):
    sol = linear_programming(m)
    d = sol.occupancy
    S, A = m.n_states, m.n_actions
    # J(pi*) = p0 . V* = sum_{s,a} d(s,a) r(s,a)
    assert sol.dual_objective == pytest.approx(sol.objective, rel=1e-7, abs=1e-7)
    assert sol.objective == pytest.approx(float(m.p0 @ sol.V), abs=1e-12)
    assert np.all(d >= -1e-9)
    assert np.all(d[~m.action_mask] == 0.0) and np.all(d[m.terminal] == 0.0)
    # flow: sum_a d(s',a) - gamma sum_{s,a} P(s'|s,a) d(s,a) = p0(s'), live s'
    P, r = dense(m)
    inflow = np.einsum("sa,sat->t", d, P)
    live = ~m.terminal
    np.testing.assert_allclose(
        (d.sum(axis=1) - m.gamma * inflow)[live], m.p0[live], atol=1e-7
    )
    assert sol.info["flow_residual"] <= 1e-7 and sol.info["duality_gap"] <= 1e-7
    # d is the occupancy of an optimal policy: of the optimal deterministic
    # policy when it is unique, else of the policy read off d itself
    if A > 1:
        top2 = np.sort(sol.Q, axis=1)[:, -2:]  # -inf for unavailable actions
        gap = np.where(m.action_mask.sum(axis=1) > 1, top2[:, 1] - top2[:, 0], np.inf)
    else:
        gap = np.full(S, np.inf)
    if np.all(gap[live] > 1e-5):
        pi = np.argmax(sol.Q, axis=1)
    else:
        mass = d.sum(axis=1, keepdims=True)
        pi = np.where(
            mass > 1e-12, d / np.where(mass > 0, mass, 1.0), np.eye(A)[sol.policy]
        )
    np.testing.assert_allclose(d, _occupancy_of(m, pi), atol=1e-7)
    # and that policy attains V* wherever it goes
    visited = d.sum(axis=1) > 1e-9
    np.testing.assert_allclose(
        dense_policy_value(m, pi)[visited], sol.V[visited], atol=1e-7
    )
    assert float(np.sum(d * r)) == pytest.approx(sol.objective, abs=1e-7)


def test_garnet_sparse_agrees_with_value_iteration():
    m = garnet(300, 4, 5, gamma=0.95, seed=3)
    sol = linear_programming(m)
    vi = value_iteration(m, tol=1e-9)
    np.testing.assert_allclose(sol.V, vi.V, atol=1e-7)
    np.testing.assert_array_equal(sol.policy, vi.policy)
    # the occupancy of a uniform start sums to 1 / (1 - gamma)
    assert sol.occupancy.sum() == pytest.approx(1.0 / 0.05, rel=1e-8)


def test_constraint_matrix_is_sparse_and_skips_terminals_and_masked_pairs():
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[0, 1, 2] = P[1, 0, 2] = P[1, 1, 0] = 1.0
    m = MDP(
        P,
        R=[[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]],
        gamma=0.5,
        terminal=[2],
        action_mask=[[True, True], [True, False], [True, True]],
    )
    A_ub, b_ub, rows = lp_module._constraints(m, ~m.terminal)
    assert sp.issparse(A_ub) and A_ub.shape == (3, 2)  # (0,0), (0,1), (1,0)
    np.testing.assert_array_equal(rows, [0, 1, 2])
    # row (0, 0): 0.5 V(1) - V(0) <= -1; (0, 1): -V(0) <= -2; (1, 0): -V(1) <= -3
    np.testing.assert_allclose(A_ub.toarray(), [[-1.0, 0.5], [-1.0, 0.0], [0.0, -1.0]])
    np.testing.assert_allclose(b_ub, [-1.0, -2.0, -3.0])


@pytest.mark.parametrize("method", ["highs", "highs-ds", "highs-ipm"])
def test_methods_agree(method):
    m = garnet(40, 3, 4, gamma=0.9, seed=1)
    sol = linear_programming(m, method=method)
    np.testing.assert_allclose(sol.V, value_iteration(m, tol=1e-10).V, atol=1e-6)
    assert method in sol.method


def test_verbose_prints(capsys):
    linear_programming(_two_state(p0=(0.5, 0.5)), verbose=True)
    assert "linear_programming" in capsys.readouterr().err


# ------------------------------------------------------------------- errors
def test_unknown_method():
    with pytest.raises(
        MDPError,
        match=r"`method` must be one of 'highs', 'highs-ds', 'highs-ipm'; got 'simplex'",
    ):
        linear_programming(_two_state(), method="simplex")


def test_not_an_mdp():
    with pytest.raises(TypeError, match="expected an mdp.MDP"):
        linear_programming(np.zeros((2, 2, 2)))


def test_gamma_one_without_terminal_states():
    with pytest.raises(
        MDPError,
        match=r"gamma = 1 and the MDP has no terminal states.*relative_value_iteration",
    ):
        linear_programming(_two_state(gamma=1.0))


def test_gamma_one_no_proper_policy():
    P = np.zeros((3, 1, 3))
    P[0, 0, 2] = P[1, 0, 1] = 1.0  # state 1 loops forever
    m = MDP(P, R=[[-1.0], [-1.0], [0.0]], gamma=1.0, terminal=[2])
    with pytest.raises(
        MDPError, match=r"no proper policy exists: state 1 cannot reach a terminal"
    ):
        linear_programming(m)


def test_gamma_one_positive_cycle_is_infeasible():
    # state 0 may loop for +1 forever (action 0) or terminate (action 1)
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = 1.0
    m = MDP(P, R=[[1.0, 0.0], [0.0, 0.0]], gamma=1.0, terminal=[1])
    with pytest.raises(
        MDPError,
        match=r"^with gamma = 1 a policy that never terminates collects positive reward forever \(a cycle of non-terminal states with positive total reward\), so V\* is \+inf",
    ):
        linear_programming(m)


def test_solver_limit_is_a_runtime_error():
    m = garnet(60, 4, 5, gamma=0.9, seed=0)
    with pytest.raises(
        RuntimeError, match=r"linprog returned no solution \(status 1: Iteration limit"
    ):
        linear_programming(m, options={"maxiter": 1, "presolve": False})


def test_failed_check_warns(monkeypatch):
    monkeypatch.setattr(lp_module, "CHECK_RTOL", -1.0)
    with pytest.warns(RuntimeWarning, match="fails its optimality checks"):
        sol = linear_programming(_two_state(p0=(0.5, 0.5)))
    assert not sol.converged
