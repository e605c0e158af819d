"""solvers.backward_induction and evaluate_finite_horizon.

Checked against brute force: every deterministic time-indexed policy of a
tiny MDP, evaluated by enumerating all state paths; against open-loop action
sequences on a deterministic MDP; and against the infinite-horizon optimum as
``H`` grows (``||V_0 - V*|| <= gamma^H max|r| / (1 - gamma)``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdp import MDP, MDPError, PolicyError
from solvers import (
    backward_induction,
    evaluate_finite_horizon,
    evaluate_policy,
)
from tests.reference import brute_force_optimum, dense
from tests.strategies import deterministic_policies, mdps, stochastic_policies


def _path_value(P, r, pi_t, s0, gamma, V_H):
    """``E[sum_t gamma^t r(s_t, pi_t(s_t)) + gamma^H V_H(s_H)]`` by summing over
    every state path ``s_1..s_H`` (``S^H`` of them) with plain Python."""
    H, S = len(pi_t), P.shape[0]
    total = 0.0
    for path in itertools.product(range(S), repeat=H):
        prob, ret, s = 1.0, 0.0, s0
        for t, s_next in enumerate(path):
            a = pi_t[t][s]
            ret += gamma**t * r[s, a]
            prob *= P[s, a, s_next]
            s = s_next
        total += prob * (ret + gamma**H * V_H[s])
    return total


def _tiny(seed=0, gamma=0.9):
    rng = np.random.default_rng(seed)
    P = rng.random((2, 2, 2))
    P /= P.sum(axis=2, keepdims=True)
    return MDP(P, rng.normal(size=(2, 2)), gamma=gamma)


def _deadline():
    """State 0: action 0 pays 1 and stays, action 1 moves to state 1 for free;
    state 1 pays 3 per step forever.  Moving pays off only with >= 2 steps left."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    return MDP(P, R=[[1.0, 0.0], [3.0, 3.0]], gamma=1.0)


# ------------------------------------------------------------- brute force
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("gamma", [0.9, 1.0])
def test_brute_force_over_all_time_indexed_policies(seed, gamma):
    m = _tiny(seed, gamma)
    P, r = dense(m)
    H = 3
    V_H = np.array([0.5, -0.25])
    sol = backward_induction(m, H, terminal_values=V_H)
    # every deterministic time-indexed policy: (A^S)^H = 4^3 = 64 of them
    stationary = list(itertools.product(range(2), repeat=2))
    best = np.full(2, -np.inf)
    for pols in itertools.product(stationary, repeat=H):
        pi_t = np.array(pols)  # [H, S]
        V_paths = np.array([_path_value(P, r, pi_t, s, gamma, V_H) for s in range(2)])
        V_eval = evaluate_finite_horizon(m, pi_t, H, terminal_values=V_H)
        np.testing.assert_allclose(V_eval[0], V_paths, atol=1e-12)
        best = np.maximum(best, V_paths)
    np.testing.assert_allclose(sol.V[0], best, atol=1e-12)
    # the backward-induction policy attains the maximum
    V_star = np.array([_path_value(P, r, sol.policy, s, gamma, V_H) for s in range(2)])
    np.testing.assert_allclose(V_star, best, atol=1e-12)
    assert sol.V.shape == (H + 1, 2) and sol.Q.shape == (H, 2, 2)
    assert sol.policy.shape == (H, 2) and sol.horizon == H
    np.testing.assert_array_equal(sol.V[H], V_H)


def test_open_loop_action_sequences_on_a_deterministic_mdp():
    """With deterministic transitions, the best H-step action sequence from
    each start is optimal (open loop = closed loop)."""
    rng = np.random.default_rng(5)
    S, A, H = 4, 3, 4
    nxt = rng.integers(S, size=(S, A))
    P = np.zeros((S, A, S))
    P[np.arange(S)[:, None], np.arange(A), nxt] = 1.0
    R = rng.normal(size=(S, A))
    m = MDP(P, R, gamma=0.8)
    sol = backward_induction(m, H)
    for s0 in range(S):
        best = -np.inf
        for seq in itertools.product(range(A), repeat=H):
            s, ret = s0, 0.0
            for t, a in enumerate(seq):
                ret += 0.8**t * R[s, a]
                s = nxt[s, a]
            best = max(best, ret)
        assert sol.V[0, s0] == pytest.approx(best, abs=1e-12)


# --------------------------------------------------------------- properties
@settings(max_examples=40)
@given(mdps(max_states=6, max_actions=3), st.sampled_from([0, 1, 3, 10, 40]))
def test_converges_to_infinite_horizon_optimum(m, H):
    """``||V_0 - V*||_inf <= gamma^H max|r| / (1 - gamma)`` with ``V_H = 0``."""
    V_star, _, _ = brute_force_optimum(m)
    sol = backward_induction(m, H)
    bound = m.gamma**H * np.abs(m.r).max() / (1.0 - m.gamma)
    assert np.abs(sol.V[0] - V_star).max() <= bound + 1e-9


@settings(max_examples=30)
@given(mdps(max_states=6, max_actions=3), st.integers(0, 6))
def test_terminal_values_at_the_fixed_point(m, H):
    """V_H = V* makes V_t = V* for every t (V* is a fixed point of T*)."""
    V_star, _, _ = brute_force_optimum(m)
    sol = backward_induction(m, H, terminal_values=V_star)
    np.testing.assert_allclose(
        sol.V, np.broadcast_to(V_star, (H + 1, m.n_states)), atol=1e-9
    )
    # likewise V_H = V^pi for a stationary pi gives V^pi_t = V^pi
    pi = np.argmax(np.where(m.action_mask, m.r, -np.inf), axis=1)
    V_pi = evaluate_policy(m, pi)
    V = evaluate_finite_horizon(m, pi, H, terminal_values=V_pi)
    np.testing.assert_allclose(V, np.broadcast_to(V_pi, (H + 1, m.n_states)), atol=1e-9)


@settings(max_examples=30)
@given(st.data())
def test_policy_layouts_agree(data):
    m = data.draw(mdps(max_states=5, max_actions=3))
    H = data.draw(st.integers(1, 4))
    det = np.array([data.draw(deterministic_policies(m)) for _ in range(H)])  # [H, S]
    one_hot = np.eye(m.n_actions)[det]  # [H, S, A]
    np.testing.assert_allclose(
        evaluate_finite_horizon(m, det, H), evaluate_finite_horizon(m, one_hot, H)
    )
    # a stationary stochastic policy equals its time-indexed repetition
    pi = data.draw(stochastic_policies(m))
    np.testing.assert_allclose(
        evaluate_finite_horizon(m, pi, H),
        evaluate_finite_horizon(m, np.broadcast_to(pi, (H, *pi.shape)), H),
    )
    # the optimal policy's value is the backward-induction value, and no
    # other policy beats it
    sol = backward_induction(m, H)
    np.testing.assert_allclose(
        evaluate_finite_horizon(m, sol.policy, H), sol.V, atol=1e-12
    )
    assert np.all(evaluate_finite_horizon(m, det, H)[0] <= sol.V[0] + 1e-12)


def test_deadline_makes_the_policy_time_dependent():
    m = _deadline()
    H = 4
    sol = backward_induction(m, H)
    # with n >= 2 steps left move (earn 3 (n - 1)), with 1 step left stay (earn 1)
    np.testing.assert_array_equal(sol.policy[:, 0], [1, 1, 1, 0])
    np.testing.assert_allclose(sol.V[:, 0], [9.0, 6.0, 3.0, 1.0, 0.0])
    np.testing.assert_allclose(sol.V[:, 1], [12.0, 9.0, 6.0, 3.0, 0.0])
    # each stationary policy falls short at some time t in state 0
    for pi in ([0, 0], [1, 0]):
        V_pi = evaluate_finite_horizon(m, pi, H)
        assert np.all(V_pi[:, 0] <= sol.V[:, 0]) and np.any(V_pi[:, 0] < sol.V[:, 0])


def test_gamma_override_and_masks_and_terminals():
    # 0 -> 1 -> terminal 2; state 0 has action 1 masked out
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[1, 0, 2] = P[1, 1, 1] = 1.0
    m = MDP(
        P,
        R=[[1.0, 100.0], [2.0, 0.5], [0.0, 0.0]],
        gamma=0.5,
        terminal=[2],
        action_mask=[[True, False], [True, True], [True, True]],
    )
    sol = backward_induction(m, 3, gamma=1.0)
    np.testing.assert_array_equal(sol.policy[:, 0], [0, 0, 0])
    assert np.all(sol.Q[:, 0, 1] == -np.inf)
    np.testing.assert_allclose(sol.V[:, 2], 0.0)  # terminal: value 0 at every t
    # state 1, n steps left: V = max(2, 0.5 + V_{n-1}) = 2, 2.5, 3; state 0: 1 + 2.5
    np.testing.assert_allclose(sol.V[:, 1], [3.0, 2.5, 2.0, 0.0])
    np.testing.assert_allclose(sol.V[0], [3.5, 3.0, 0.0])
    np.testing.assert_array_equal(sol.policy[:, 1], [1, 1, 0])
    np.testing.assert_allclose(
        backward_induction(m, 3).V[0], [1.0 + 0.5 * 2.0, 2.0, 0.0]
    )


def test_zero_horizon():
    m = _tiny()
    sol = backward_induction(m, 0, terminal_values=[1.0, 2.0])
    np.testing.assert_array_equal(sol.V, [[1.0, 2.0]])
    assert sol.Q.shape == (0, 2, 2) and sol.policy.shape == (0, 2)
    np.testing.assert_array_equal(evaluate_finite_horizon(m, [0, 0], 0), [[0.0, 0.0]])


def test_numpy_integer_horizon():
    assert backward_induction(_tiny(), np.int64(2)).horizon == 2


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize("H", [-1, 2.0, True, "3", None])
def test_bad_horizon(H):
    with pytest.raises(MDPError, match=r"`horizon` must be an integer >= 0; got "):
        backward_induction(_tiny(), H)
    with pytest.raises(MDPError, match=r"`horizon` must be an integer >= 0; got "):
        evaluate_finite_horizon(_tiny(), [0, 0], H)


@pytest.mark.parametrize(
    ("gamma", "match"),
    [
        (1.5, r"`gamma` must be in \[0, 1\]; got 1.5"),
        (float("nan"), r"`gamma` must be in \[0, 1\]; got nan"),
        ("x", r"`gamma` must be a number in \[0, 1\]; got 'x'"),
    ],
)
def test_bad_gamma(gamma, match):
    with pytest.raises(MDPError, match=match):
        backward_induction(_tiny(), 2, gamma=gamma)


def test_bad_terminal_values():
    m = _tiny()
    with pytest.raises(
        MDPError, match=r"`terminal_values` has shape \(3,\); expected \(2,\)"
    ):
        backward_induction(m, 2, terminal_values=[0.0, 0.0, 0.0])
    with pytest.raises(MDPError, match=r"`terminal_values` is not finite at state 1"):
        backward_induction(m, 2, terminal_values=[0.0, np.inf])
    with pytest.raises(MDPError, match=r"`terminal_values` must be a numeric array"):
        backward_induction(m, 2, terminal_values=["a", "b"])
    mt = MDP(
        np.zeros((2, 1, 2)) + [[[0.0, 1.0]], [[0.0, 0.0]]],
        np.zeros(2),
        0.9,
        terminal=[1],
    )
    with pytest.raises(
        MDPError,
        match=r"`terminal_values` is 5 at terminal state 1; terminal states have value 0",
    ):
        backward_induction(mt, 2, terminal_values=[0.0, 5.0])


def test_bad_policies():
    m = _tiny()
    with pytest.raises(
        MDPError, match=r"time-indexed `pi` has 2 time steps .* but `horizon` is 3"
    ):
        evaluate_finite_horizon(m, [[0, 1], [1, 0]], 3)
    with pytest.raises(
        MDPError, match=r"`pi` has shape \(1, 1, 2, 2\); expected a stationary"
    ):
        evaluate_finite_horizon(m, np.ones((1, 1, 2, 2)) / 2, 1)
    with pytest.raises(
        PolicyError, match=r"`pi` at time t=1: policy picks action 5 in state 0"
    ):
        evaluate_finite_horizon(m, [[0, 1], [5, 0]], 2)
    with pytest.raises(PolicyError, match=r"`pi` at time t=0: pi\(.\|0\) sums to 2"):
        evaluate_finite_horizon(m, np.ones((1, 2, 2)), 1)
    with pytest.raises(PolicyError, match=r"deterministic policy has shape \(3,\)"):
        evaluate_finite_horizon(m, [0, 0, 0], 2)
