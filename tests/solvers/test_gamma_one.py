"""gamma = 1: one convention in every solver (the one of :mod:`mdp.episodic`).

``V*`` is the best value over **proper** policies and the returned policy is
proper; a cycle with positive reward is one error, worded the same by every
solver.  Checked against brute force over all proper deterministic policies
(``tests.reference.brute_force_proper_optimum``) on random MDPs that have
zero-reward and costly "stay" loops besides their proper actions.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdp import MDP, MDPError
from mdp.episodic import POSITIVE_CYCLE_MESSAGE, improper_states
from solvers import (
    evaluate_policy,
    linear_programming,
    modified_policy_iteration,
    policy_iteration,
    value_iteration,
)
from tests.reference import brute_force_proper_optimum
from tests.strategies import proper_mdps

SOLVERS = {
    "vi": lambda m: value_iteration(m, tol=1e-10),
    "vi_gauss_seidel": lambda m: value_iteration(m, tol=1e-10, gauss_seidel=True),
    "mpi_5": lambda m: modified_policy_iteration(m, m_sweeps=5, tol=1e-10),
    "mpi_inf": lambda m: modified_policy_iteration(m, m_sweeps=np.inf, tol=1e-10),
    "pi": lambda m: policy_iteration(m, tol=1e-10),
    "lp": lambda m: linear_programming(m),
}


def with_stay_action(
    m: MDP, stay: np.ndarray, reward: np.ndarray, cost: float = 0.0
) -> MDP:
    """``m`` (its rewards lowered by ``cost``) plus one action "stay put" (a
    self-loop paying ``reward[s]``), available where ``stay`` is True.  Loops
    never terminate: with reward 0 they tie with or beat the way out wherever
    ``V*(s) <= 0``."""
    S, A = m.n_states, m.n_actions
    P = np.zeros((S, A + 1, S))
    P[:, :A] = m.P.toarray().reshape(S, A, S)
    P[:, A] = np.eye(S)
    R = np.zeros((S, A + 1))
    R[:, :A] = np.where(m.action_mask, m.r, 0.0) - cost
    R[:, A] = reward
    R[m.terminal] = 0.0
    mask = np.ones((S, A + 1), dtype=bool)
    mask[:, :A] = m.action_mask
    mask[:, A] = stay | m.terminal
    return MDP(P, R, 1.0, terminal=m.terminal.copy(), action_mask=mask)


@st.composite
def looping_mdps(draw: st.DrawFn) -> MDP:
    m = draw(proper_mdps(gamma=1.0, max_states=5, max_actions=2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    S = m.n_states
    stay = rng.random(S) < 0.7
    reward = np.where(rng.random(S) < 0.7, 0.0, -0.5)
    cost = draw(st.sampled_from([1.0, 0.0, 2.0]), label="cost")
    return with_stay_action(m, stay, reward, cost)


@settings(max_examples=30)
@given(looping_mdps())
def test_every_solver_returns_the_best_proper_policy(m):
    V_hat, _ = brute_force_proper_optimum(m)
    scale = 1.0 + np.abs(V_hat).max()
    for name, solve in SOLVERS.items():
        sol = solve(m)
        assert sol.converged, (name, sol.message)
        np.testing.assert_allclose(sol.V, V_hat, atol=1e-8 * scale, err_msg=name)
        assert improper_states(m, sol.policy).size == 0, name
        V_pi = evaluate_policy(m, sol.policy)  # raises if it never terminates
        np.testing.assert_allclose(V_pi, V_hat, atol=1e-8 * scale, err_msg=name)


def free_loop_or_pay_to_finish() -> MDP:
    """State 0 may stay forever for free (action 0) or pay 1 to finish (action 1)."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = 1.0
    return MDP(P, R=[[0.0, -1.0], [0.0, 0.0]], gamma=1.0, terminal=[1])


@pytest.mark.parametrize("name", SOLVERS)
def test_zero_reward_loop_that_beats_finishing(name):
    """Value iteration used to return the supremum V(0) = 0 (attained only by
    never terminating, with a warning) while PI and LP returned -1: now every
    solver returns the best proper value -1 and the action that finishes."""
    m = free_loop_or_pay_to_finish()
    sol = SOLVERS[name](m)
    np.testing.assert_allclose(sol.V, [-1.0, 0.0])
    assert sol.policy[0] == 1 and sol.converged


def test_value_iteration_finds_the_supremum_first_then_polishes():
    m = free_loop_or_pay_to_finish()
    seen = []
    sol = value_iteration(m, callback=lambda k, V: seen.append(V.copy()))
    assert seen[-1][0] == 0.0  # the iterates converge to the supremum
    assert sol.V[0] == -1.0  # the result is the best proper value
    assert sol.bound.startswith(
        "gamma = 1: the best proper policy, by policy iteration"
    )
    assert sol.status == "converged"


def test_zero_reward_tie_goes_to_termination():
    """Stay for free or finish for free: V* = 0 either way, and the returned
    policy finishes (the lowest-index greedy action would loop)."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = 1.0
    m = MDP(P, R=[[0.0, 0.0], [0.0, 0.0]], gamma=1.0, terminal=[1])
    for name, solve in SOLVERS.items():
        sol = solve(m)
        assert sol.policy[0] == 1, name
        np.testing.assert_allclose(sol.V, [0.0, 0.0], err_msg=name)


def positive_cycles() -> list[MDP]:
    """A self-loop paying 1, and a 2-cycle paying +1 then -0.5 (periodic, so
    no single sweep shows T*V > V on the whole cycle); both may finish."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = 1.0
    loop = MDP(P, R=[[1.0, 0.0], [0.0, 0.0]], gamma=1.0, terminal=[1])
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[1, 0, 0] = 1.0  # the cycle
    P[0, 1, 2] = P[1, 1, 2] = 1.0  # finish
    two = MDP(P, R=[[1.0, 0.0], [-0.5, 0.0], [0.0, 0.0]], gamma=1.0, terminal=[2])
    return [loop, two]


CANNED = (
    r"^with gamma = 1 a policy that never terminates collects positive reward "
    r"forever \(a cycle of non-terminal states with positive total reward"
    r"( through state \d(, state \d)*)?\), so V\* is \+inf and no terminating "
    r"policy is optimal\. Use gamma < 1, or make such cycles end in a terminal "
    r"state\.$"
)


@pytest.mark.parametrize("case", [0, 1])
@pytest.mark.parametrize("name", SOLVERS)
def test_positive_cycle_is_one_error_everywhere(name, case):
    m = positive_cycles()[case]
    with pytest.raises(MDPError, match=CANNED) as info:
        SOLVERS[name](m)
    assert str(info.value).startswith(POSITIVE_CYCLE_MESSAGE.split("{")[0])


def test_value_iteration_detects_a_positive_cycle_early():
    # it does not run 100,000 sweeps first
    seen = []
    with pytest.raises(MDPError, match="positive reward forever"):
        value_iteration(positive_cycles()[1], callback=lambda k, V: seen.append(k))
    assert len(seen) <= 64
