"""Hypothesis property tests of the Bellman identities on random MDPs.

Exact values come from :mod:`tests.reference` (dense NumPy solves and
enumeration of every deterministic policy), never from the code under test.
``S <= 6`` and ``A <= 4`` wherever all ``A^S <= 4096`` policies are enumerated.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mdp import bellman
from mdp.linear import solve_policy_value
from mdp.policy import greedy, to_matrix
from tests.reference import (
    brute_force_optimum,
    dense,
    dense_policy_value,
    policy_matrix,
)
from tests.strategies import mdp_and_policy, mdps, policies, proper_mdps, values

# either a discounted MDP or one with gamma up to 1 where every policy is proper
any_mdp = st.one_of(mdps(), proper_mdps())
small_mdp = st.one_of(mdps(max_states=6), proper_mdps(max_states=6))
any_mdp_and_policy = st.one_of(mdp_and_policy(), mdp_and_policy(proper=True))


def scale(*arrays) -> float:
    """``max(1, max |x|)`` over finite entries, for relative tolerances."""
    return max(
        [1.0] + [float(np.abs(a[np.isfinite(a)]).max(initial=0.0)) for a in arrays]
    )


def exact_q(m, V):
    P, r = dense(m)
    return np.where(m.action_mask, r + m.gamma * P @ V, -np.inf)


@given(any_mdp_and_policy)
def test_v_pi_is_the_fixed_point_of_T_pi(case):
    m, pi = case
    V = dense_policy_value(m, pi)
    Q = exact_q(m, V)
    tol = 1e-9 * scale(V)
    np.testing.assert_allclose(bellman.backup_v(m, V, pi), V, rtol=0, atol=tol)
    live = m.action_mask
    np.testing.assert_allclose(
        bellman.backup_q(m, Q, pi)[live], Q[live], rtol=0, atol=tol
    )
    report = bellman.verify(m, pi=pi, V=V, Q=Q, tol=tol)
    assert report.ok, str(report)


@given(any_mdp_and_policy)
def test_linear_solve_matches_dense_reference(case):
    m, pi = case
    V_ref = dense_policy_value(m, pi)
    V, info = solve_policy_value(m, pi)
    np.testing.assert_allclose(V, V_ref, rtol=1e-9, atol=1e-9 * scale(V_ref))
    np.testing.assert_array_equal(V[m.terminal], 0.0)


@given(small_mdp)
def test_optimality_by_enumeration(m):
    V_star, Q_star, V_all = brute_force_optimum(m)
    tol = 1e-9 * scale(V_star)
    # V* = max_a Q* and V* = T* V*, Q* = T* Q*
    np.testing.assert_allclose(Q_star.max(axis=1), V_star, rtol=0, atol=tol)
    np.testing.assert_allclose(
        bellman.optimal_backup_v(m, V_star), V_star, rtol=0, atol=tol
    )
    tq = bellman.optimal_backup_q(m, Q_star)
    np.testing.assert_allclose(
        tq[m.action_mask], Q_star[m.action_mask], rtol=0, atol=tol
    )
    # the greedy policy of Q* is optimal: it attains V* in every state
    mu = greedy(Q_star)
    np.testing.assert_allclose(dense_policy_value(m, mu), V_star, rtol=0, atol=tol)
    assert (V_all <= V_star + tol).all()
    report = bellman.verify(m, V_star=V_star, Q_star=Q_star, tol=tol)
    assert report.ok, str(report)


@given(small_mdp, st.data())
def test_verify_fails_on_perturbed_optimum(m, data):
    V_star, Q_star, _ = brute_force_optimum(m)
    tol = 1e-9 * scale(V_star)
    s = data.draw(st.integers(0, m.n_states - 1), label="state")
    V_bad = V_star.copy()
    V_bad[s] += 0.1
    assert not bellman.verify(m, V_star=V_bad, tol=tol)["v_star"].passed
    a = data.draw(
        st.sampled_from(list(np.flatnonzero(m.action_mask[s]))), label="action"
    )
    Q_bad = Q_star.copy()
    Q_bad[s, a] += 0.1
    assert not bellman.verify(m, Q_star=Q_bad, tol=tol)["q_star"].passed


@given(any_mdp_and_policy, st.data())
def test_verify_fails_on_perturbed_policy_values(case, data):
    m, pi = case
    V = dense_policy_value(m, pi)
    Q = exact_q(m, V)
    tol = 1e-9 * scale(V)
    s = data.draw(st.integers(0, m.n_states - 1), label="state")
    V_bad = V.copy()
    V_bad[s] += 0.1
    assert not bellman.verify(m, pi=pi, V=V_bad, tol=tol)["v_pi"].passed
    a = data.draw(
        st.sampled_from(list(np.flatnonzero(m.action_mask[s]))), label="action"
    )
    Q_bad = Q.copy()
    Q_bad[s, a] += 0.1
    assert not bellman.verify(m, pi=pi, Q=Q_bad, tol=tol)["q_pi"].passed


@given(any_mdp_and_policy)
def test_advantage_averages_to_zero(case):
    m, pi = case
    V = dense_policy_value(m, pi)
    Q = bellman.q_from_v(m, V)
    pim = policy_matrix(pi, m.n_states, m.n_actions)
    adv = np.where(pim > 0, Q - V[:, None], 0.0)
    np.testing.assert_allclose((pim * adv).sum(axis=1), 0.0, atol=1e-9 * scale(V))
    np.testing.assert_allclose(bellman.v_from_q(Q, pi), V, rtol=0, atol=1e-9 * scale(V))


@given(any_mdp_and_policy)
def test_J_is_p0_dot_V_and_the_occupancy_measure(case):
    # J(pi) = p0 . V^pi, and (dual) J = d . r_pi with d^T = p0^T (I - gamma P_pi)^-1
    m, pi = case
    V = dense_policy_value(m, pi)
    P, r = dense(m)
    pim = policy_matrix(pi, m.n_states, m.n_actions)
    P_pi = np.einsum("sa,sat->st", pim, P)
    r_pi = (pim * np.where(m.action_mask, r, 0.0)).sum(axis=1)
    live = ~m.terminal
    d = np.linalg.solve(
        (np.eye(live.sum()) - m.gamma * P_pi[np.ix_(live, live)]).T, m.p0[live]
    )
    J_dual = d @ r_pi[live]
    J = m.p0 @ V
    assert abs(J - J_dual) <= 1e-9 * scale(V, np.array([J_dual]))


@given(any_mdp, st.data())
def test_backups_are_gamma_contractions(m, data):
    pi = data.draw(policies(m), label="pi")
    V = data.draw(values(m), label="V")
    W = data.draw(values(m), label="W")
    g = m.gamma
    dist = np.abs(V - W).max()
    eps = 1e-12 * scale(V, W, m.r)
    for T in (
        lambda x: bellman.backup_v(m, x, pi),
        lambda x: bellman.optimal_backup_v(m, x),
    ):
        assert np.abs(T(V) - T(W)).max() <= g * dist + eps
    live = m.action_mask
    QV = np.where(live, np.add.outer(V, np.zeros(m.n_actions)), -np.inf)
    QW = np.where(live, np.add.outer(W, np.arange(m.n_actions) * 0.5), -np.inf)
    dq = np.abs(QV[live] - QW[live]).max()
    for T in (
        lambda q: bellman.backup_q(m, q, pi),
        lambda q: bellman.optimal_backup_q(m, q),
    ):
        assert np.abs(T(QV)[live] - T(QW)[live]).max() <= g * dq + eps


@given(any_mdp, st.data())
def test_deterministic_policy_equals_its_one_hot(m, data):
    mu = np.array(
        [
            data.draw(st.sampled_from(list(np.flatnonzero(m.action_mask[s]))))
            for s in range(m.n_states)
        ]
    )
    one_hot = to_matrix(mu, m.n_actions)
    V1, _ = solve_policy_value(m, mu)
    V2, _ = solve_policy_value(m, one_hot)
    np.testing.assert_allclose(V1, V2, rtol=1e-12, atol=1e-12 * scale(V1))
    W = data.draw(values(m), label="W")
    np.testing.assert_allclose(
        bellman.backup_v(m, W, mu),
        bellman.backup_v(m, W, one_hot),
        rtol=1e-14,
        atol=1e-12,
    )


@given(mdp_and_policy(gamma=0.0))
def test_gamma_zero_gives_immediate_reward(case):
    m, pi = case
    pim = policy_matrix(pi, m.n_states, m.n_actions)
    r_pi = (pim * np.where(m.action_mask, m.r, 0.0)).sum(axis=1)
    for method in ("direct", "krylov", "iterative"):
        V, _ = solve_policy_value(m, pi, method=method)
        np.testing.assert_allclose(
            V, np.where(m.terminal, 0.0, r_pi), rtol=0, atol=1e-12
        )
