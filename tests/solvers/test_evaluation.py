"""solvers.evaluate_policy and friends: V^pi, Q^pi, A^pi and J(pi).

Checked against a dense ``numpy.linalg.solve`` of ``(I - gamma P_pi) V = r_pi``
(every method, random MDPs), the closed form of a two-state chain, explicit
sums over all trajectories of tiny MDPs, and the identities
``sum_a pi(a|s) A^pi(s,a) = 0``, ``J = p0 . V``, ``gamma = 0 => V = r_pi``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from mdp import MDP, ImproperPolicyError, MDPError, PolicyError
from solvers import (
    advantage,
    evaluate_policy,
    expected_return,
    policy_iteration,
    q_values,
)
from tests.reference import dense, dense_policy_value, policy_matrix
from tests.strategies import mdp_and_policy, mdps, policies
from worlds.random_mdps import garnet

METHODS = ("dense", "direct", "krylov", "iterative")


def scale(V: np.ndarray) -> float:
    return max(1.0, float(np.abs(V).max()))


def two_state_chain(p: float, q: float, r0: float, r1: float, gamma: float) -> MDP:
    """One action: 0 -> 1 w.p. ``p``, 1 -> 0 w.p. ``q``; reward ``r_s`` in state s."""
    P = np.array([[[1 - p, p]], [[q, 1 - q]]])
    return MDP(P, R=[r0, r1], gamma=gamma)


# ------------------------------------------------------------ linear solve
@given(mdp_and_policy(), st.sampled_from(METHODS))
def test_every_method_agrees_with_numpy_solve(case, method):
    m, pi = case
    V_ref = dense_policy_value(m, pi)
    V = evaluate_policy(m, pi, method=method, tol=1e-11)
    # contract: ||V - V^pi||_inf <= tol (gamma < 1); direct exact to round-off
    assert np.abs(V - V_ref).max() <= 1e-11 + 1e-11 * scale(V_ref)
    assert (V[m.terminal] == 0).all()


@given(mdp_and_policy(proper=True, gamma=1.0), st.sampled_from(METHODS))
def test_every_method_agrees_with_numpy_solve_gamma_one(case, method):
    # every policy of these MDPs terminates w.p. 1, so V^pi is finite
    m, pi = case
    V_ref = dense_policy_value(m, pi)
    V, info = evaluate_policy(m, pi, method=method, tol=1e-12, return_info=True)
    assert info.method == method or m.terminal.all()  # nothing to solve
    # gamma = 1: only the residual is promised; the systems here are tiny
    assert info.residual <= 1e-12 + 1e-14 * scale(V_ref)
    np.testing.assert_allclose(V, V_ref, rtol=1e-7, atol=1e-7)


@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.floats(-5.0, 5.0),
    st.floats(-5.0, 5.0),
    st.floats(0.0, 0.99),
)
def test_two_state_chain_closed_form(p, q, r0, r1, gamma):
    m = two_state_chain(p, q, r0, r1, gamma)
    # Cramer's rule on [[1 - g(1-p), -g p], [-g q, 1 - g(1-q)]] V = r
    det = (1 - gamma * (1 - p)) * (1 - gamma * (1 - q)) - gamma**2 * p * q
    V0 = ((1 - gamma * (1 - q)) * r0 + gamma * p * r1) / det
    V1 = (gamma * q * r0 + (1 - gamma * (1 - p)) * r1) / det
    for method in METHODS:
        V = evaluate_policy(m, [0, 0], method=method, tol=1e-10)
        np.testing.assert_allclose(V, [V0, V1], rtol=0, atol=1e-9)


def test_docstring_chain_by_hand():
    # stay/move chain, state 1 pays 1: "always stay" is (0, 1/(1-gamma))
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    m = MDP(P, R=[0.0, 1.0], gamma=0.9)
    np.testing.assert_allclose(evaluate_policy(m, [0, 0]), [0.0, 10.0])
    # "always move" alternates: V0 = 0.9 V1, V1 = 1 + 0.9 V0
    V1 = 1 / (1 - 0.81)
    np.testing.assert_allclose(evaluate_policy(m, [1, 1]), [0.9 * V1, V1])


# ------------------------------------------------- sums over trajectories
def _trajectory_sum(P, R, pi, gamma, terminal, s0, horizon):
    """E[sum_t gamma^t R(s_t, a_t, s_t+1)] by listing every path of length
    ``horizon`` from ``s0`` (paths stop on entering a terminal state).

    Returns the sum and a bound on the truncated tail.
    """
    S, A, _ = P.shape
    prob, ret, state = np.array([1.0]), np.array([0.0]), np.array([s0])
    total, r_max = 0.0, np.abs(R).max()
    for t in range(horizon):
        # extend each live path by every (a, s')
        a = np.tile(np.repeat(np.arange(A), S), state.size)
        s2 = np.tile(np.arange(S), A * state.size)
        s = np.repeat(state, A * S)
        w = np.repeat(prob, A * S) * pi[s, a] * P[s, a, s2]
        g = np.repeat(ret, A * S) + gamma**t * R[s, a, s2]
        keep = w > 0
        w, g, s2 = w[keep], g[keep], s2[keep]
        ended = terminal[s2]
        total += float(w[ended] @ g[ended])
        prob, ret, state = w[~ended], g[~ended], s2[~ended]
    total += float(prob @ ret)
    alive = float(prob.sum())
    tail = (
        alive * gamma**horizon * r_max / (1 - gamma)
        if gamma < 1
        else (0.0 if alive == 0 else np.inf)
    )
    return total, tail


def test_brute_force_trajectory_sum_discounted():
    rng = np.random.default_rng(3)
    S, A = 3, 2  # state 2 terminal
    P = rng.random((S, A, S))
    P[:2, :, 2] += P[:2, :, :2].sum(axis=2)  # reach the terminal w.p. ~1/2 a step
    P /= P.sum(axis=2, keepdims=True)
    P[2] = 0.0
    R = rng.normal(size=(S, A, S))
    R[2] = 0.0
    pi = np.array([[0.3, 0.7], [0.6, 0.4], [1.0, 0.0]])
    m = MDP(P, R, gamma=0.6, terminal=[2])
    V = evaluate_policy(m, pi)
    for s0 in (0, 1):
        total, tail = _trajectory_sum(P, R, pi, 0.6, m.terminal, s0, horizon=10)
        assert tail < 1e-4  # the check below is meaningful
        assert abs(V[s0] - total) <= tail + 1e-12


def test_brute_force_trajectory_sum_episodic_exact():
    # layered DAG 0 -> {1, 2} -> 3 (terminal): every episode ends within 2
    # steps, so with gamma = 1 the sum over all paths is exact
    rng = np.random.default_rng(7)
    S, A = 4, 3
    P = np.zeros((S, A, S))
    P[0, :, 1:3] = rng.dirichlet([1.0, 1.0], size=A)
    P[0, :, 3] = 0.0
    P[1:3, :, 3] = 1.0
    R = rng.normal(size=(S, A, S)) * (P > 0)
    P[3] = 0.0
    R[3] = 0.0
    pi = rng.dirichlet(np.ones(A), size=S)
    m = MDP(P, R, gamma=1.0, terminal=[3])
    total, tail = _trajectory_sum(P, R, pi, 1.0, m.terminal, 0, horizon=3)
    assert tail == 0.0
    for method in METHODS:
        V = evaluate_policy(m, pi, method=method, tol=1e-12)
        assert V[0] == pytest.approx(total, abs=1e-10)


# -------------------------------------------------------------- identities
@given(mdp_and_policy())
def test_q_advantage_and_return_identities(case):
    m, pi = case
    V = evaluate_policy(m, pi)
    Q = q_values(m, pi)
    Adv = advantage(m, pi)
    pim = policy_matrix(pi, m.n_states, m.n_actions)
    P, r = dense(m)
    # Q^pi(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V^pi(s'), -inf if unavailable
    Q_ref = np.where(m.action_mask, r + m.gamma * P @ V, -np.inf)
    np.testing.assert_allclose(Q, Q_ref, atol=1e-10 * scale(V))
    np.testing.assert_array_equal(Adv == -np.inf, ~m.action_mask)
    # sum_a pi(a|s) A^pi(s,a) = 0 and V(s) = sum_a pi(a|s) Q(s,a)
    on = pim > 0
    assert np.abs((pim * np.where(on, Adv, 0.0)).sum(axis=1)).max() <= 1e-9 * scale(V)
    np.testing.assert_allclose(
        (pim * np.where(on, Q, 0.0)).sum(axis=1), V, atol=1e-9 * scale(V)
    )
    # J(pi) = p0 . V^pi
    assert expected_return(m, pi) == pytest.approx(
        float(m.p0 @ V), abs=1e-12 * scale(V)
    )


def test_keyword_arguments_reach_the_solver():
    m = garnet(30, 3, 4, gamma=0.9, seed=5)
    pi = np.zeros(30, dtype=int)
    exact = q_values(m, pi, method="direct")
    loose = q_values(m, pi, method="iterative", tol=1e-2)
    assert 0 < np.abs(exact - loose).max() <= 1e-2
    assert expected_return(m, pi, method="krylov", tol=1e-12) == pytest.approx(
        expected_return(m, pi), abs=1e-10
    )
    np.testing.assert_allclose(
        advantage(m, pi, method="iterative", tol=1e-12), advantage(m, pi), atol=1e-10
    )


@given(mdps(gamma=0.0), st.data())
def test_gamma_zero_gives_immediate_reward(m, data):
    pi = data.draw(policies(m))
    pim = policy_matrix(pi, m.n_states, m.n_actions)
    r_pi = (pim * np.where(m.action_mask, m.r, 0.0)).sum(axis=1)
    for method in METHODS:
        np.testing.assert_allclose(
            evaluate_policy(m, pi, method=method), r_pi, atol=1e-12
        )


@given(mdps(), st.data())
def test_deterministic_policy_equals_its_one_hot(m, data):
    mu = data.draw(
        st.tuples(
            *[st.sampled_from(list(np.flatnonzero(row))) for row in m.action_mask]
        )
    )
    mu = np.array(mu, dtype=np.intp)
    one_hot = policy_matrix(mu, m.n_states, m.n_actions)
    for method in METHODS:
        a = evaluate_policy(m, mu, method=method, tol=1e-12)
        b = evaluate_policy(m, one_hot, method=method, tol=1e-12)
        np.testing.assert_allclose(a, b, atol=1e-10 * scale(a))


def test_caller_policy_is_not_modified():
    m = garnet(6, 3, 3, gamma=0.9, seed=0)
    pi = np.array([[0.5, 0.0, 0.5]] * 6)
    before = pi.copy()
    evaluate_policy(m, pi)
    np.testing.assert_array_equal(pi, before)


# ------------------------------------------------------ improper policies
def _loop_chain():
    # 0 -> 1 -> 2 (terminal) under action 1; action 0 stays put
    P = np.zeros((3, 2, 3))
    P[0, 0, 0] = P[1, 0, 1] = 1.0
    P[0, 1, 1] = P[1, 1, 2] = 1.0
    return MDP(P, R=[[-1.0, -1.0], [-1.0, -1.0], [0.0, 0.0]], gamma=1.0, terminal=[2])


def test_proper_policy_with_gamma_one():
    m = _loop_chain()
    np.testing.assert_allclose(evaluate_policy(m, [1, 1, 0]), [-2.0, -1.0, 0.0])


@pytest.mark.parametrize("method", ("auto", *METHODS))
def test_improper_policy_with_gamma_one_names_the_states(method):
    m = _loop_chain()
    with pytest.raises(
        ImproperPolicyError, match=r"never reaches a terminal state from state 0\b"
    ):
        evaluate_policy(m, [0, 1, 0], method=method)
    with pytest.raises(
        ImproperPolicyError, match=r"from state 0, state 1: its value is undefined"
    ):
        evaluate_policy(m, [0, 0, 0], method=method)
    # a stochastic policy that stays w.p. 1/2 still terminates w.p. 1
    V = evaluate_policy(
        m, [[0.5, 0.5], [0.5, 0.5], [1.0, 0.0]], method=method, tol=1e-12
    )
    np.testing.assert_allclose(V, [-4.0, -2.0, 0.0], atol=1e-8)


def test_gamma_one_without_terminal_states():
    m = MDP(np.ones((2, 1, 2)) / 2, R=[1.0, 0.0], gamma=1.0)
    with pytest.raises(ImproperPolicyError, match="no terminal states"):
        evaluate_policy(m, [0, 0])
    assert isinstance(ImproperPolicyError("x"), ValueError)


# -------------------------------------------------------------- validation
def test_input_errors():
    m = garnet(4, 2, 2, gamma=0.9, seed=0)
    with pytest.raises(
        MDPError,
        match="`method` must be 'auto', 'dense', 'direct', 'krylov' or 'iterative'; "
        "got 'lu'",
    ):
        evaluate_policy(m, [0] * 4, method="lu")
    with pytest.raises(
        MDPError, match=r"`tol` must be a positive, finite number; got 0"
    ):
        evaluate_policy(m, [0] * 4, tol=0)
    with pytest.raises(
        MDPError, match=r"`tol` must be a positive, finite number; got 'x'"
    ):
        evaluate_policy(m, [0] * 4, tol="x")
    with pytest.raises(MDPError, match=r"`V0` has shape \(3,\); expected \(4,\)"):
        evaluate_policy(m, [0] * 4, method="krylov", V0=[0.0, 0.0, 0.0])
    with pytest.raises(MDPError, match=r"`V0` is not finite at state 2 \(nan\)"):
        evaluate_policy(m, [0] * 4, method="iterative", V0=[0.0, 0.0, np.nan, 0.0])
    with pytest.raises(MDPError, match=r"`V0` must be a numeric array of shape \(4,\)"):
        evaluate_policy(m, [0] * 4, V0="abcd")
    with pytest.raises(
        PolicyError, match=r"policy picks action 2 in state 1, out of range 0..1"
    ):
        evaluate_policy(m, [0, 2, 0, 0])
    with pytest.raises(PolicyError, match=r"pi\(.\|0\) sums to 0.5, not 1"):
        evaluate_policy(m, np.full((4, 2), 0.25))
    with pytest.raises(
        TypeError, match="expected an mdp.MDP as the first argument; got list"
    ):
        evaluate_policy([[0]], [0])


def test_v0_is_only_a_start_guess():
    m = garnet(50, 3, 4, gamma=0.95, seed=2)
    pi = np.ones(50, dtype=int)
    V = evaluate_policy(m, pi, method="direct")
    for method in METHODS:
        warm = evaluate_policy(m, pi, method=method, V0=V + 3.0, tol=1e-11)
        np.testing.assert_allclose(warm, V, atol=1e-10)


# ----------------------------------------------------- method choice, scale
def test_return_info_reports_the_method():
    m = garnet(20, 2, 3, gamma=0.9, seed=0)
    pi = np.zeros(20, dtype=int)
    for method in METHODS:
        V, info = evaluate_policy(m, pi, method=method, return_info=True)
        assert info.method == method
        assert info.residual <= 1e-10 * (1 - 0.9)
        assert info.error_bound == pytest.approx(info.residual / (1 - 0.9))
        assert info.iterations >= 1 and info.elapsed >= 0
    _, info = evaluate_policy(m, pi, return_info=True)
    assert info.method == "dense"  # small: auto picks dense LU


def test_auto_picks_direct_for_a_long_banded_chain():
    # 4000 states (over the 3000 "small" limit), bandwidth 1: LU has no fill-in
    S = 4000
    rows = np.arange(S)
    P = sp.csr_array(
        (
            np.full(2 * S, 0.5),
            (
                np.repeat(rows, 2),
                np.stack([rows, np.minimum(rows + 1, S - 1)], 1).ravel(),
            ),
        ),
        shape=(S, S),
    )
    m = MDP(P, R=np.ones(S), gamma=0.99)
    V, info = evaluate_policy(m, np.zeros(S, dtype=int), return_info=True)
    assert info.method == "direct"
    np.testing.assert_allclose(V, 100.0)  # reward 1 forever


@pytest.fixture(scope="module")
def big_garnet():
    return garnet(5000, 4, 5, gamma=0.99, seed=1)


def test_auto_picks_krylov_for_a_large_garnet(big_garnet):
    # a random graph has bandwidth ~ S: sparse LU would fill in (seconds)
    pi = np.zeros(5000, dtype=int)
    V, info = evaluate_policy(big_garnet, pi, return_info=True)
    assert info.method == "krylov"
    assert info.error_bound <= 1e-10
    np.testing.assert_allclose(
        V, evaluate_policy(big_garnet, pi, method="iterative", tol=1e-12), atol=1e-10
    )
    # policy iteration's "auto" makes the same choice
    sol = policy_iteration(big_garnet, max_iter=50)
    assert sol.info["eval_method"] == "krylov" and sol.converged


@pytest.mark.parametrize("tol", [1e-3, 1e-6, 1e-9])
def test_krylov_accuracy_contract_on_a_large_garnet(big_garnet, tol):
    m = big_garnet
    rng = np.random.default_rng(0)
    pi = rng.dirichlet(np.ones(4), size=5000)
    # reference: successive approximation to 1e-12 (its own contract)
    V_ref = evaluate_policy(m, pi, method="iterative", tol=1e-12)
    V, info = evaluate_policy(m, pi, method="krylov", tol=tol, return_info=True)
    assert info.method == "krylov"
    assert np.abs(V - V_ref).max() <= tol
    assert info.error_bound <= tol


def test_auto_falls_back_to_lu_when_krylov_stalls(monkeypatch):
    import mdp.linear as lin
    from worlds import GridWorld

    n = 20
    rows = ["S" + "." * (n - 1)] + ["." * n] * (n - 2) + ["." * (n - 1) + "G"]
    m = GridWorld(rows, step_reward=-1.0, slip=0.1, gamma=1.0).mdp
    from mdp.episodic import proper_policy

    pi = proper_policy(m)
    V_lu = evaluate_policy(m, pi, method="direct")
    monkeypatch.setattr(lin, "choose_method", lambda M: "krylov")
    monkeypatch.setattr(lin, "AUTO_KRYLOV_BUDGET", 2)  # far too few steps
    V, info = evaluate_policy(m, pi, return_info=True)
    assert info.method == "dense (Krylov stalled)"  # 400 states: dense LU
    np.testing.assert_allclose(V, V_lu, rtol=1e-10)
