"""Exact policy evaluation :func:`mdp.linear.solve_policy_value`: the three
methods, gamma = 1 and proper policies, a closed form, and trajectories."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from mdp import MDP, ImproperPolicyError, MDPError, PolicyError, episodic
from mdp import linear as lin
from mdp.episodic import improper_states
from mdp.policy import policy_matrices
from tests.reference import dense_policy_value
from tests.strategies import mdp_and_policy

METHODS = ("direct", "krylov", "iterative", "auto")


# ------------------------------------------------ methods agree with dense
@given(st.one_of(mdp_and_policy(), mdp_and_policy(proper=True)))
def test_methods_agree_with_dense_solve(case):
    m, pi = case
    V_ref = dense_policy_value(m, pi)
    sc = max(1.0, np.abs(V_ref).max())
    for method in METHODS:
        V, info = lin.solve_policy_value(m, pi, method=method, tol=1e-10)
        np.testing.assert_allclose(V, V_ref, rtol=0, atol=1e-8 * sc)
        if not m.terminal.all():  # (nothing to solve otherwise)
            assert info.method == ("dense" if method == "auto" else method)
        assert info.residual <= 1e-10 * sc or method in ("direct", "auto")
        if m.gamma < 1 and method in ("krylov", "iterative"):
            # the promised bound holds: ||V - V^pi|| <= tol, and <= error_bound
            err = np.abs(V - V_ref).max()
            assert err <= 1e-10 + 1e-12 * sc
            assert err <= info.error_bound + 1e-12 * sc


def test_solve_does_not_modify_the_policy():
    P = np.ones((2, 2, 2)) / 2
    m = MDP(P, R=np.zeros(2), gamma=0.5)
    pi = np.array([[1.0, 0.0], [1.0, 0.0]])
    lin.solve_policy_value(m, pi)
    policy_matrices(m, pi)
    np.testing.assert_array_equal(pi, [[1.0, 0.0], [1.0, 0.0]])


def test_V0_warm_start_and_info():
    m = two_state(0.9)
    pi = np.array([[0.5, 0.5], [0.25, 0.75]])
    V_ref = dense_policy_value(m, pi)
    V, info = lin.solve_policy_value(m, pi, method="iterative", V0=V_ref, tol=1e-12)
    assert info.iterations == 1
    np.testing.assert_allclose(V, V_ref, atol=1e-12)
    V, info = lin.solve_policy_value(m, pi, method="direct")
    assert info.iterations == 1 and info.elapsed >= 0
    assert info.error_bound == pytest.approx(info.residual / (1 - 0.9))


def test_iterative_max_iter_warns():
    m = two_state(0.99)
    with pytest.warns(
        RuntimeWarning,
        match=re.escape(
            "iterative policy evaluation stopped at max_iter=3 before reaching tol=1e-10."
        ),
    ):
        V, info = lin.solve_policy_value(m, [0, 0], method="iterative", max_iter=3)
    assert info.iterations == 3


def test_bad_method():
    with pytest.raises(
        MDPError,
        match=re.escape(
            "`method` must be 'auto', 'dense', 'direct', 'krylov' or 'iterative'; "
            "got 'lu'."
        ),
    ):
        lin.solve_policy_value(two_state(0.5), [0, 0], method="lu")


def test_policy_is_validated():
    with pytest.raises(
        PolicyError, match=re.escape("policy picks action 5 in state 0")
    ):
        lin.solve_policy_value(two_state(0.5), [5, 0])


def test_choose_method():
    assert lin.choose_method(sp.eye_array(10, format="csr")) == "dense"
    n = lin.DENSE_MAX_STATES + 1
    assert lin.choose_method(sp.eye_array(n, format="csr")) == "direct"
    n = 3001
    banded = sp.csr_array(sp.eye_array(n) + sp.eye_array(n, k=1))
    assert lin.choose_method(banded) == "direct"
    # bandwidth n - 1: fill n^2 ~ 9e6 is small, but LU work n^3 ~ 2.7e10 is not
    wide = sp.csr_array(sp.eye_array(n) + sp.eye_array(n, k=n - 1) * 0.5)
    assert n * n <= lin.DIRECT_MAX_FILL and n**3 > lin.DIRECT_MAX_WORK
    assert lin.choose_method(wide) == "krylov"
    # a 2-D grid of 4000 states has bandwidth ~ its width: direct
    side = 64
    grid = sp.csr_array(sp.eye_array(side * side) + sp.eye_array(side * side, k=side))
    assert lin.choose_method(grid) == "direct"
    # an unstructured graph of 1000 states (Garnet): LU fills in, Krylov
    rng = np.random.default_rng(0)
    cols = rng.integers(0, 1000, size=(1000, 5))
    rand = sp.csr_array(
        (np.full(5000, 0.19), (np.repeat(np.arange(1000), 5), cols.ravel())),
        shape=(1000, 1000),
    )
    assert lin.choose_method(sp.csr_array(sp.eye_array(1000) - rand)) == "krylov"


def test_own_bicgstab_meets_the_max_norm_target():
    rng = np.random.default_rng(1)
    n = 500
    cols = rng.integers(0, n, size=(n, 5))
    P = sp.csr_array(
        (np.full(5 * n, 0.2), (np.repeat(np.arange(n), 5), cols.ravel())),
        shape=(n, n),
    )
    b = rng.normal(size=n)
    mv = lin._shifted_matvec(P, 0.99)
    x, steps = lin._bicgstab(mv, b, np.zeros(n), 1e-9, 1000)
    assert 0 < steps < 1000
    assert np.abs(b - (x - 0.99 * (P @ x))).max() <= 1e-9
    np.testing.assert_allclose(x, np.linalg.solve(np.eye(n) - 0.99 * P.toarray(), b))


# ------------------------------------------------------ gamma = 1, proper
def goal_chain():
    """0 -> 1 -> 2 (terminal); action 1 in state 1 loops back to 0."""
    P = np.zeros((3, 2, 3))
    P[0, :, 1] = 1.0
    P[1, 0, 2] = 1.0
    P[1, 1, 0] = 1.0
    R = np.zeros((3, 2, 3))
    R[1, 0, 2] = 10.0  # reward on entering the goal
    R[0, :, 1] = -1.0
    R[1, 1, 0] = -1.0
    return MDP(P, R, gamma=1.0, terminal=[2])


def test_gamma_one_proper_policy():
    m = goal_chain()
    for method in METHODS:
        V, _ = lin.solve_policy_value(m, [0, 0, 0], method=method)
        np.testing.assert_allclose(V, [9.0, 10.0, 0.0], atol=1e-9)
    # stochastic but proper: from 1, loop with prob 1/2 -> V1 = 10/2 + (-1 + V0)/2
    # and V0 = -1 + V1, so V1 = 5 + (V1 - 2)/2, V1 = 8, V0 = 7
    pi = np.array([[1.0, 0.0], [0.5, 0.5], [1.0, 0.0]])
    V, _ = lin.solve_policy_value(m, pi)
    np.testing.assert_allclose(V, [7.0, 8.0, 0.0], atol=1e-12)


def test_gamma_one_improper_policy_names_the_states():
    m = goal_chain()
    msg = (
        "with gamma = 1 the policy never reaches a terminal state from state 0, "
        "state 1: its value is undefined. Use a proper policy (one that "
        "terminates with probability 1) or gamma < 1."
    )
    for method in METHODS:
        with pytest.raises(ImproperPolicyError, match=re.escape(msg)):
            lin.solve_policy_value(m, [1, 1, 0], method=method)
    assert issubclass(ImproperPolicyError, MDPError)
    np.testing.assert_array_equal(
        improper_states(m, policy_matrices(m, np.array([1, 1, 0]))[0]), [0, 1]
    )


def test_gamma_one_improper_from_some_states_only():
    # state 3 loops on itself forever; states 0, 1 terminate
    P = np.zeros((4, 1, 4))
    P[0, 0, 1] = P[1, 0, 2] = P[3, 0, 3] = 1.0
    m = MDP(P, R=np.zeros(4), gamma=1.0, terminal=[2])
    with pytest.raises(
        ImproperPolicyError, match=re.escape("terminal state from state 3:")
    ):
        lin.solve_policy_value(m, [0, 0, 0, 0])
    assert (
        lin.solve_policy_value(m.replace(gamma=0.5), [0, 0, 0, 0])[0].tolist()
        == [0] * 4
    )


def test_gamma_one_without_terminal_states():
    m = two_state(1.0)
    with pytest.raises(
        ImproperPolicyError,
        match=re.escape(episodic.NO_TERMINAL_MESSAGE),
    ):
        lin.solve_policy_value(m, [0, 0])


def test_all_states_terminal():
    m = MDP(np.zeros((2, 1, 2)), R=np.zeros(2), gamma=1.0, terminal=[True, True])
    V, info = lin.solve_policy_value(m, [0, 0])
    assert V.tolist() == [0.0, 0.0] and info.method == "direct"


# ----------------------------------------------------------- closed form
def two_state(gamma: float, a_rew: float = 1.0, b_rew: float = 3.0) -> MDP:
    """Action 0 stays, action 1 moves; R(s) = [a_rew, b_rew]."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1.0
    return MDP(P, R=[a_rew, b_rew], gamma=gamma)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9, 0.999])
@pytest.mark.parametrize(("p", "q"), [(0.0, 0.0), (1.0, 0.0), (0.3, 0.6), (1.0, 1.0)])
def test_two_state_chain_closed_form(gamma, p, q):
    # pi(move|0) = p, pi(move|1) = q; P_pi = [[1-p, p], [q, 1-q]], r = [a, b]:
    # (I - g P_pi) V = r  =>  with  D = (1 - g(1-p))(1 - g(1-q)) - g^2 p q,
    #   V0 = [(1 - g(1-q)) a + g p b] / D,   V1 = [g q a + (1 - g(1-p)) b] / D
    a, b = 1.0, 3.0
    g = gamma
    D = (1 - g * (1 - p)) * (1 - g * (1 - q)) - g * g * p * q
    V0 = ((1 - g * (1 - q)) * a + g * p * b) / D
    V1 = (g * q * a + (1 - g * (1 - p)) * b) / D
    m = two_state(gamma, a, b)
    pi = np.array([[1 - p, p], [1 - q, q]])
    for method in ("direct", "krylov", "iterative"):
        V, _ = lin.solve_policy_value(m, pi, method=method, tol=1e-11)
        np.testing.assert_allclose(V, [V0, V1], rtol=1e-9)
    if p in (0.0, 1.0) and q in (0.0, 1.0):
        V, _ = lin.solve_policy_value(m, np.array([p, q], dtype=int))
        np.testing.assert_allclose(V, [V0, V1], rtol=1e-12)


def test_two_state_chain_move_then_stay():
    # mu = [move, stay]: V1 = b / (1 - g), V0 = a + g V1
    g = 0.8
    V, _ = lin.solve_policy_value(two_state(g), [1, 0])
    np.testing.assert_allclose(V, [1 + g * 3 / (1 - g), 3 / (1 - g)], rtol=1e-14)


# ----------------------------------------------- brute force: trajectories
def trajectory_return(m: MDP, pi: np.ndarray, R: np.ndarray, H: int) -> float:
    """``sum_tau p(tau|pi) sum_{t<H} gamma^t R(s_t, a_t, s_t+1)`` over every
    trajectory tau = (s_0, a_0, s_1, ..., s_H), with
    ``p(tau|pi) = p0(s_0) prod_t pi(a_t|s_t) P(s_t+1|s_t, a_t)``."""
    S, A = m.n_states, m.n_actions
    P = m.P.toarray().reshape(S, A, S)
    total = 0.0
    for s0 in np.flatnonzero(m.p0):
        for steps in itertools.product(range(A), range(S), repeat=H):
            prob, ret, s = m.p0[s0], 0.0, s0
            for t in range(H):
                a, s2 = steps[2 * t], steps[2 * t + 1]
                prob *= pi[s, a] * P[s, a, s2]
                if prob == 0.0:
                    break
                ret += m.gamma**t * R[s, a, s2]
                s = s2
            else:
                total += prob * ret
    return total


def test_value_is_the_limit_of_trajectory_sums():
    P = np.array(
        [
            [[0.6, 0.4, 0.0], [0.1, 0.2, 0.7]],
            [[0.3, 0.0, 0.7], [0.5, 0.5, 0.0]],
            [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        ]
    )
    R = np.array(
        [
            [[1.0, -2.0, 0.0], [0.5, 1.5, 4.0]],
            [[2.0, 0.0, -1.0], [0.0, 3.0, 0.0]],
            [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        ]
    )
    gamma = 0.7
    m = MDP(P, R, gamma, p0=[0.4, 0.6, 0.0], terminal=[2])
    pi = np.array([[0.3, 0.7], [0.8, 0.2], [1.0, 0.0]])
    V, _ = lin.solve_policy_value(m, pi)
    J = m.p0 @ V
    r_max = np.abs(R).max()
    for H in range(1, 7):
        J_H = trajectory_return(m, pi, R, H)
        # the tail after H steps is at most gamma^H r_max / (1 - gamma)
        assert abs(J - J_H) <= gamma**H * r_max / (1 - gamma)
        # the finite sum itself is sum_{t<H} gamma^t p0 P_pi^t r_pi
        P_pi = np.einsum("sa,sat->st", pi, P)
        r_pi = (pi * m.r).sum(axis=1)
        d, J_closed = m.p0.copy(), 0.0
        for t in range(H):
            J_closed += gamma**t * d @ r_pi
            d = d @ P_pi
        assert J_H == pytest.approx(J_closed, abs=1e-12)
