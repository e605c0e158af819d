"""Bellman backups by hand and :func:`mdp.bellman.verify` on exact and on
perturbed solutions (exact values come from :mod:`tests.reference`)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mdp import MDP, MDPError, PolicyError, bellman
from tests.reference import brute_force_optimum, dense_policy_value, policy_matrix


def chain(gamma: float = 0.9) -> MDP:
    """Action 0 stays, action 1 moves; being in state 1 pays 1.

    V* = [gamma / (1 - gamma), 1 / (1 - gamma)]: move once, then stay.
    """
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1.0
    return MDP(P, R=[0.0, 1.0], gamma=gamma)


def tiny() -> MDP:
    """S = 4 with a terminal goal, a mask and R(s, a, s'); A^S = 3^3 = 27."""
    rng = np.random.default_rng(42)
    S, A = 4, 3
    P = rng.random((S, A, S))
    P /= P.sum(axis=2, keepdims=True)
    P[3] = 0.0
    R = rng.normal(size=(S, A, S))
    R[3] = 0.0
    mask = np.ones((S, A), dtype=bool)
    mask[0, 1] = mask[2, 0] = False
    return MDP(P, R, 0.9, terminal=[3], action_mask=mask)


def exact(m: MDP, pi):
    """``V^pi`` and ``Q^pi`` by a dense solve; ``Q = r + gamma P V``."""
    V = dense_policy_value(m, pi)
    S, A = m.n_states, m.n_actions
    P = m.P.toarray().reshape(S, A, S)
    Q = np.where(m.action_mask, m.r + m.gamma * P @ V, -np.inf)
    return V, Q


# ------------------------------------------------------------ backups by hand
def test_backups_by_hand_on_the_chain():
    m = chain(0.5)
    V = np.array([2.0, 4.0])
    # Q(s, a) = r(s) + 0.5 V(next(s, a))
    Q = np.array([[0 + 0.5 * 2, 0 + 0.5 * 4], [1 + 0.5 * 4, 1 + 0.5 * 2]])
    np.testing.assert_array_equal(bellman.q_from_v(m, V), Q)
    np.testing.assert_array_equal(bellman.optimal_backup_v(m, V), Q.max(axis=1))
    np.testing.assert_array_equal(bellman.backup_v(m, V, [1, 0]), [Q[0, 1], Q[1, 0]])
    np.testing.assert_array_equal(
        bellman.backup_v(m, V, [[0.5, 0.5], [0.25, 0.75]]),
        [0.5 * 1 + 0.5 * 2, 0.25 * 3 + 0.75 * 2],
    )
    Qin = np.array([[1.0, 5.0], [2.0, 3.0]])
    # (T^mu Q)(s, a) = r(s) + 0.5 Q(next, mu(next)) with mu = [1, 0]
    np.testing.assert_array_equal(
        bellman.backup_q(m, Qin, [1, 0]),
        [[0 + 0.5 * 5, 0 + 0.5 * 2], [1 + 0.5 * 2, 1 + 0.5 * 5]],
    )
    np.testing.assert_array_equal(
        bellman.optimal_backup_q(m, Qin),
        [[0 + 0.5 * 5, 0 + 0.5 * 3], [1 + 0.5 * 3, 1 + 0.5 * 5]],
    )
    np.testing.assert_array_equal(bellman.v_from_q(Qin, [1, 0]), [5.0, 2.0])
    np.testing.assert_array_equal(
        bellman.v_from_q(Qin, [[0.5, 0.5], [0, 1]]), [3.0, 3.0]
    )


def test_masked_actions_are_minus_inf():
    m = tiny()
    Q = bellman.q_from_v(m, np.ones(4))
    assert Q[0, 1] == -np.inf and Q[2, 0] == -np.inf
    assert np.isfinite(Q[m.action_mask]).all()
    # a -inf (or NaN) given for an unavailable pair is ignored by the Q backups
    Qin = np.where(m.action_mask, 1.0, np.nan)
    assert np.isfinite(bellman.optimal_backup_q(m, Qin)[m.action_mask]).all()
    # and v_from_q never multiplies -inf by a zero probability
    assert bellman.v_from_q([[-np.inf, 2.0]], [[0.0, 1.0]])[0] == 2.0


# ----------------------------------------------------------- verify passes
def test_verify_chain_closed_form():
    m = chain(0.9)
    V_star = np.array([9.0, 10.0])
    Q_star = np.array([[9 * 0.9, 10 * 0.9], [1 + 9.0, 1 + 8.1]])
    report = bellman.verify(m, V_star=V_star, Q_star=Q_star, tol=1e-12)
    assert report.ok and bool(report)
    assert [c.key for c in report] == [
        "v_star",
        "q_star",
        "v_star_max_q_star",
        "greedy_attains_v_star",
    ]
    # the optimal policy [1, 0] and its exact values
    V, Q = exact(m, [1, 0])
    np.testing.assert_allclose(V, V_star, rtol=1e-14)
    assert bellman.verify(m, pi=[1, 0], V=V, Q=Q, tol=1e-12).ok


@pytest.mark.parametrize("stochastic", [False, True])
def test_verify_passes_on_exact_policy_values(stochastic):
    m = tiny()
    pi = np.array([2, 1, 2, 0])
    if stochastic:
        pi = policy_matrix(pi, 4, 3) * 0.5 + np.array(
            [[0.5, 0, 0], [0, 0, 0.5], [0, 0.5, 0], [0.5, 0, 0]]
        )
    V, Q = exact(m, pi)
    report = bellman.verify(m, pi=pi, V=V, Q=Q)
    assert report.ok, str(report)
    assert [c.key for c in report] == [
        "v_pi",
        "q_pi",
        "v_pi_from_q_pi",
        "advantage_mean_zero",
    ]
    assert max(c.residual for c in report) < 1e-12


def test_verify_passes_on_brute_force_optimum():
    m = tiny()
    V_star, Q_star, V_all = brute_force_optimum(m)
    assert len(V_all) == 2 * 3 * 2 * 3  # masked actions are not enumerated
    report = bellman.verify(m, V_star=V_star, Q_star=Q_star)
    assert report.ok, str(report)
    assert bellman.verify(m, V_star=V_star).ok
    assert bellman.verify(m, Q_star=Q_star).ok


# -------------------------------------------------- verify fails when wrong
@pytest.mark.parametrize("state", [0, 2, 3])  # 3 is the terminal state
def test_verify_fails_on_perturbed_V(state):
    m = tiny()
    pi = np.array([2, 1, 2, 0])
    V, Q = exact(m, pi)
    V[state] += 1e-4
    report = bellman.verify(m, pi=pi, V=V)
    assert not report.ok and not report["v_pi"].passed
    assert report["v_pi"].worst_state == state
    # the same V with the right Q: the V-from-Q identity fails too
    report = bellman.verify(m, pi=pi, V=V, Q=exact(m, pi)[1])
    assert not report["v_pi_from_q_pi"].passed and report["q_pi"].passed


@pytest.mark.parametrize(("s", "a"), [(0, 0), (1, 2), (3, 1)])
def test_verify_fails_on_perturbed_Q(s, a):
    m = tiny()
    pi = np.array([2, 1, 2, 0])
    V, Q = exact(m, pi)
    Q[s, a] += 1e-4
    report = bellman.verify(m, pi=pi, Q=Q)
    assert [c.key for c in report.failed] == ["q_pi"]
    assert report["q_pi"].worst_state == s


def test_verify_fails_on_advantage_not_mean_zero():
    m = tiny()
    pi = np.full((4, 3), 1 / 3)
    pi[0] = [0.5, 0.0, 0.5]
    pi[2] = [0.0, 0.5, 0.5]
    V, Q = exact(m, pi)
    Q[1] += [1e-3, -2e-3, 1e-3]  # keeps the mean, breaks Q = T Q
    report = bellman.verify(m, pi=pi, V=V, Q=Q)
    assert report["advantage_mean_zero"].passed and not report["q_pi"].passed
    Q[1] += 1e-3  # shifts the mean
    report = bellman.verify(m, pi=pi, V=V, Q=Q)
    assert not report["advantage_mean_zero"].passed
    assert report["advantage_mean_zero"].residual == pytest.approx(1e-3, rel=1e-6)


@pytest.mark.parametrize("state", [0, 1, 2, 3])
def test_verify_fails_on_perturbed_V_star(state):
    m = tiny()
    V_star, _, _ = brute_force_optimum(m)
    V_star[state] += 1e-3
    report = bellman.verify(m, V_star=V_star)
    assert not report["v_star"].passed
    assert not report["greedy_attains_v_star"].passed


@pytest.mark.parametrize(("s", "a"), [(0, 0), (1, 1), (2, 2), (3, 0)])
def test_verify_fails_on_perturbed_Q_star(s, a):
    m = tiny()
    _, Q_star, _ = brute_force_optimum(m)
    Q_star[s, a] += 1e-3
    report = bellman.verify(m, Q_star=Q_star)
    assert not report["q_star"].passed


def test_verify_fails_on_suboptimal_but_consistent_values():
    # V^pi of a non-optimal policy satisfies V = T^pi V but not V = T* V
    m = tiny()
    V_star, _, V_all = brute_force_optimum(m)
    worst = V_all[np.argmin(V_all.sum(axis=1))]
    assert not np.allclose(worst, V_star)
    report = bellman.verify(m, V_star=worst)
    assert not report["v_star"].passed


def test_verify_gamma_one_catches_constant_shift():
    # with gamma = 1, V + c solves V = T V; terminal values must be 0
    P = np.zeros((3, 1, 3))
    P[0, 0] = [0.5, 0.5, 0.0]
    P[1, 0, 2] = 1.0
    m = MDP(
        P,
        R=np.zeros((3, 1, 3))
        + [[[1.0, 2.0, 3.0]]] * np.array([1, 1, 0])[:, None, None],
        gamma=1.0,
        terminal=[2],
    )
    V, Q = exact(m, [0, 0, 0])
    np.testing.assert_allclose(V, [2 * (0.5 * 1 + 0.5 * 2) + 3, 3, 0])
    assert bellman.verify(m, pi=[0, 0, 0], V=V, Q=Q).ok
    assert bellman.verify(m, V_star=V, Q_star=Q).ok
    for kw in (
        {"pi": [0, 0, 0], "V": V + 5},
        {"pi": [0, 0, 0], "Q": Q + 5},
        {"V_star": V + 5},
        {"Q_star": Q + 5},
    ):
        report = bellman.verify(m, **kw)
        assert not report.failed[0].passed and report.failed[0].worst_state == 2


def test_verify_gamma_one_prefers_a_proper_greedy_action():
    # state 0: stay (action 0, reward 0) or step into the goal (action 1, reward 0)
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = 1.0
    m = MDP(P, R=np.zeros((2, 2)), gamma=1.0, terminal=[1])
    assert bellman.verify(m, V_star=[0.0, 0.0]).ok
    assert bellman.verify(m, Q_star=[[0.0, 0.0], [0.0, 0.0]]).ok


def test_verify_reports_improper_greedy_policy():
    # gamma = 1 and the best-looking action (wrong Q*) loops forever
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = 1.0
    m = MDP(P, R=[[0.0, -1.0], [0.0, 0.0]], gamma=1.0, terminal=[1])
    report = bellman.verify(m, Q_star=[[0.0, -1.0], [0.0, 0.0]])
    check = report["greedy_attains_v_star"]
    assert not check.passed and check.residual == np.inf
    assert check.note.startswith(
        "greedy policy is improper: with gamma = 1 the policy "
        "never reaches a terminal state from state 0"
    )


# ------------------------------------------------------------------ report
def test_report_table():
    m = tiny()
    V_star, Q_star, _ = brute_force_optimum(m)
    V_star[1] += 0.5
    report = bellman.verify(m, V_star=V_star, Q_star=Q_star, tol=1e-6)
    text = str(report)
    lines = text.splitlines()
    assert lines[0] == "Bellman identities (max-norm residual, tol 1.0e-06)"
    assert len(lines) == 1 + len(report) + 1
    assert re.fullmatch(r"  Q\* = T\* Q\* +\d\.\d{3}e[+-]\d\d  pass", lines[2])
    assert re.fullmatch(
        r"  V\* = T\* V\* +\d\.\d{3}e[+-]\d\d  FAIL  worst at state 1", lines[1]
    )
    assert lines[-1] == f"{len(report.failed)} identity(ies) FAIL"
    assert "V*(s) = max_a Q*(s,a)" in text
    # equations are left-aligned to a common width
    assert (
        len(
            {line.index(" pass" if "pass" in line else " FAIL") for line in lines[1:-1]}
        )
        <= 2
    )
    good = bellman.verify(m, V_star=brute_force_optimum(m)[0])
    assert str(good).splitlines()[-1] == "all identities hold"


def test_report_access():
    m = chain()
    report = bellman.verify(m, V_star=[9.0, 10.0])
    assert len(report) == 2 and report.failed == ()
    assert report["v_star"].equation == "V* = T* V*"
    assert report["v_star"].tol == report.tol == 1e-8
    with pytest.raises(KeyError):
        report["q_star"]
    assert [c.key for c in report] == [c.key for c in report.checks]


# ------------------------------------------------------------------ errors
def raises(match: str, exc=MDPError):
    return pytest.raises(exc, match=re.escape(match))


def test_verify_missing_arguments():
    m = chain()
    with raises("`V` and `Q` are checked as V^pi and Q^pi: pass the policy `pi` too."):
        bellman.verify(m, V=[0.0, 0.0])
    with raises("`V` and `Q` are checked as V^pi and Q^pi: pass the policy `pi` too."):
        bellman.verify(m, Q=np.zeros((2, 2)), V_star=[9.0, 10.0])
    with raises("`pi` given without `V` or `Q`: pass V^pi and/or Q^pi to check."):
        bellman.verify(m, pi=[0, 0])
    with raises("nothing to verify: pass `pi` with `V`/`Q`, and/or `V_star`/`Q_star`."):
        bellman.verify(m)


def test_value_shape_and_finiteness_errors():
    m = chain()
    with raises("`V` has shape (3,); expected (2,), one value per state."):
        bellman.q_from_v(m, np.zeros(3))
    with raises("`V_star` has shape (2, 1); expected (2,), one value per state."):
        bellman.verify(m, V_star=np.zeros((2, 1)))
    with raises("`V` is not finite at state 1 (nan)."):
        bellman.backup_v(m, [0.0, np.nan], [0, 0])
    with raises("`Q` has shape (2,); expected (2, 2), one value per (state, action)."):
        bellman.backup_q(m, np.zeros(2), [0, 0])
    with raises(
        "`Q_star` is not finite at state 0, action 1 (inf), an available pair."
    ):
        bellman.verify(m, Q_star=[[0.0, np.inf], [0.0, 0.0]])
    with raises("`Q` is not finite at state 1, action 0 (-inf), an available pair."):
        bellman.optimal_backup_q(m, [[0.0, 0.0], [-np.inf, 0.0]])
    with raises("policy picks action 2 in state 0, out of range 0..1.", PolicyError):
        bellman.backup_v(m, [0.0, 0.0], [2, 0])
