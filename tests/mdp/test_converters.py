"""Importers and exporters: pymdptoolbox's ``(A, S, S)`` layout and
Gymnasium toy-text ``P[s][a] = [(p, s', r, terminated), ...]`` tables."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

from mdp import MDP, MDPError
from mdp.linear import solve_policy_value
from tests.reference import dense_policy_value


def raises(match: str):
    return pytest.raises(MDPError, match=re.escape(match))


# ============================================================ pymdptoolbox
def toolbox_tables():
    """``P [A, S, S]`` and the same model as ``P [S, A, S]``, S = 3, A = 2."""
    P_ass = np.array(
        [
            [[0.5, 0.5, 0.0], [0.0, 0.1, 0.9], [0.2, 0.0, 0.8]],
            [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.3, 0.3, 0.4]],
        ]
    )
    return P_ass, P_ass.transpose(1, 0, 2).copy()


@pytest.mark.parametrize(
    "layout", ["dense", "list_dense", "list_sparse", "object_array"]
)
@pytest.mark.parametrize("rform", ["s", "sa", "ass", "list_sparse_ass", "sparse_sa"])
def test_from_pymdptoolbox_matches_hand_built(layout, rform):
    P_ass, P_sas = toolbox_tables()
    rng = np.random.default_rng(0)
    R_s = rng.normal(size=3)
    R_sa = rng.normal(size=(3, 2))
    R_ass = rng.normal(size=(2, 3, 3))
    P_in = {
        "dense": P_ass,
        "list_dense": list(P_ass),
        "list_sparse": [sp.csr_matrix(x) for x in P_ass],
        "object_array": np.array([sp.csr_matrix(x) for x in P_ass] + [None])[:2],
    }[layout]
    R_in, R_ours = {
        "s": (R_s, R_s),
        "sa": (R_sa, R_sa),
        "ass": (R_ass, R_ass.transpose(1, 0, 2)),
        "list_sparse_ass": (
            [sp.csr_matrix(x) for x in R_ass],
            R_ass.transpose(1, 0, 2),
        ),
        "sparse_sa": (sp.csr_matrix(R_sa), R_sa),
    }[rform]
    m = MDP.from_pymdptoolbox(P_in, R_in, 0.9, state_names=["a", "b", "c"])
    expected = MDP(P_sas, R_ours, 0.9, state_names=["a", "b", "c"])
    assert m == expected


def test_to_pymdptoolbox_round_trip():
    P_ass, P_sas = toolbox_tables()
    P_sas = P_sas.copy()
    P_sas[2] = 0.0
    R = np.array([[1.0, 2.0], [3.0, -4.0], [0.0, 0.0]])
    m = MDP(P_sas, R, 0.95, terminal=[2], p0=[0.5, 0.5, 0.0])
    mats, R_sa = m.to_pymdptoolbox()
    assert len(mats) == 2 and all(M.shape == (3, 3) for M in mats)
    np.testing.assert_array_equal(
        mats[0].toarray(), [P_sas[0, 0], P_sas[1, 0], [0, 0, 1]]
    )
    np.testing.assert_array_equal(R_sa, R)
    back = MDP.from_pymdptoolbox(mats, R_sa, 0.95, terminal=[2], p0=[0.5, 0.5, 0.0])
    assert back == m
    # a dense (A, S, S) copy works the same
    dense = np.stack([M.toarray() for M in mats])
    assert MDP.from_pymdptoolbox(dense, R_sa, 0.95, terminal=[2], p0=m.p0) == m


def test_pymdptoolbox_errors():
    P_ass, _ = toolbox_tables()
    with raises(
        "`P` has shape (2, 3); pymdptoolbox's layout is (A, S, S) or a list "
        "of A (S, S) matrices."
    ):
        MDP.from_pymdptoolbox(np.zeros((2, 3)), np.zeros(3), 0.9)
    with raises("`P` is empty; pymdptoolbox's layout needs A >= 1 matrices."):
        MDP.from_pymdptoolbox([], np.zeros(3), 0.9)
    with raises(
        "`P[1]` has shape (2, 2); every action's matrix must be (S, S) = (3, 3)."
    ):
        MDP.from_pymdptoolbox([P_ass[0], np.eye(2)], np.zeros(3), 0.9)
    with raises(
        "`R` has shape (2, 3, 2); pymdptoolbox's 3-D layout is (A, S, S) = (2, 3, 3)."
    ):
        MDP.from_pymdptoolbox(P_ass, np.zeros((2, 3, 2)), 0.9)
    with raises(
        "`R` is one sparse matrix of shape (6, 3); pymdptoolbox's layouts are "
        "R(s) (3,), R(s, a) (3, 2), or a list of A (S, S) matrices R[a][s, s']."
    ):
        MDP.from_pymdptoolbox(P_ass, sp.csr_matrix((6, 3)), 0.9)
    # errors of the model itself come through unchanged
    bad = P_ass.copy()
    bad[1, 0, 2] = 0.5
    with raises("`P` row 1 = P(.|state 0, action 1) sums to 0.5, not 1"):
        MDP.from_pymdptoolbox(bad, np.zeros(3), 0.9)


def test_forest_example_values_match_dense_solve():
    example = pytest.importorskip("hiive.mdptoolbox.example")
    toolbox = pytest.importorskip("hiive.mdptoolbox.mdp")
    for S, gamma in [(3, 0.9), (5, 0.96)]:
        P, R = example.forest(S=S, r1=4, r2=2, p=0.1)
        Psp, Rsp = example.forest(S=S, r1=4, r2=2, p=0.1, is_sparse=True)
        m = MDP.from_pymdptoolbox(P, R, gamma)
        assert m == MDP.from_pymdptoolbox(Psp, Rsp, gamma)
        np.testing.assert_array_equal(m.r, R)
        best = np.full(S, -np.inf)
        for bits in range(2**S):
            pi = np.array([(bits >> s) & 1 for s in range(S)])
            V, _ = solve_policy_value(m, pi)
            # brute force: (I - gamma P_pi) V = r_pi, P_pi read off pymdptoolbox's P
            P_pi = P[pi, np.arange(S)]
            r_pi = R[np.arange(S), pi]
            V_ref = np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi)
            np.testing.assert_allclose(V, V_ref, rtol=1e-12, atol=1e-12)
            best = np.maximum(best, V_ref)
        # a third implementation: pymdptoolbox's own policy iteration
        pi_solver = toolbox.PolicyIteration(P, R, gamma)
        pi_solver.run()
        V_opt, _ = solve_policy_value(m, np.array(pi_solver.policy))
        np.testing.assert_allclose(V_opt, best, rtol=1e-12)
        np.testing.assert_allclose(np.array(pi_solver.V), best, rtol=1e-9)


# ================================================================ Gymnasium
def hand_table():
    """A 4-state table: repeated next states, a goal and a pit."""
    return {
        0: {
            0: [(0.25, 1, 0.0, False), (0.25, 1, 2.0, False), (0.5, 0, -1.0, False)],
            1: [(0.5, 2, 10.0, True), (0.5, 3, -5.0, True)],
        },
        1: {
            0: [(1.0, 0, 1.0, False)],
            1: [(0.2, 2, 10.0, True), (0.8, 1, 0.0, False)],
        },
        2: {0: [(1.0, 2, 0.0, True)], 1: [(1.0, 2, 0.0, True)]},
        3: {0: [(1.0, 0, 99.0, False)], 1: [(1.0, 3, 3.0, True)]},  # ignored
    }


def test_from_gymnasium_hand_table():
    m = MDP.from_gymnasium(hand_table(), gamma=0.9)
    np.testing.assert_array_equal(m.terminal, [False, False, True, True])
    P = m.P.toarray().reshape(4, 2, 4)
    np.testing.assert_array_equal(P[0, 0], [0.5, 0.5, 0, 0])  # 0.25 + 0.25 into 1
    np.testing.assert_array_equal(P[0, 1], [0, 0, 0.5, 0.5])
    np.testing.assert_array_equal(P[1, 1], [0, 0.8, 0.2, 0])
    np.testing.assert_array_equal(P[2], [[0, 0, 1, 0], [0, 0, 1, 0]])
    np.testing.assert_array_equal(P[3], [[0, 0, 0, 1], [0, 0, 0, 1]])  # rows replaced
    # expected rewards: sum of p * r over the listed outcomes
    np.testing.assert_allclose(
        m.r,
        [[0.25 * 0 + 0.25 * 2 - 0.5, 0.5 * 10 - 0.5 * 5], [1.0, 2.0], [0, 0], [0, 0]],
        atol=1e-15,
    )
    # R(s, a, s') of repeated entries: probability-weighted mean
    R = m.R_sas.toarray().reshape(4, 2, 4)
    assert R[0, 0, 1] == 1.0 and R[0, 0, 0] == -1.0 and R[0, 1, 2] == 10.0
    np.testing.assert_array_equal(m.p0, [0.5, 0.5, 0, 0])
    assert m.names.actions == ("0", "1")


def test_from_gymnasium_action_subsets_become_a_mask():
    table = {
        0: {0: [(1.0, 1, 1.0, False)], 1: [(1.0, 0, 0.0, False)]},
        1: {0: [(1.0, 0, 0.0, False)]},
        2: {},
    }
    table[0][0] = [(1.0, 2, 1.0, True)]
    m = MDP.from_gymnasium(
        table,
        gamma=0.5,
        p0=[1.0, 0.0, 0.0],
        action_names=["go", "stay"],
        state_names=["x", "y", "z"],
    )
    # state 2 is terminal: all its actions are the self-loop (the terminal rule)
    np.testing.assert_array_equal(m.action_mask, [[1, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(m.terminal, [False, False, True])
    assert m.names == (("x", "y", "z"), ("go", "stay"))


def test_from_gymnasium_errors():
    with raises(
        "`P_dict_or_env` must be a dict P[s][a] = [(p, s', r, done), ...] or "
        "a Gymnasium toy-text env with `unwrapped.P`."
    ):
        MDP.from_gymnasium([1, 2, 3], gamma=0.9)
    with raises(
        "the Gymnasium table must have the integer states 0..S-1 as keys; got keys 1."
    ):
        MDP.from_gymnasium({1: {0: [(1.0, 1, 0.0, False)]}}, gamma=0.9)
    with raises(
        "the Gymnasium table must have the integer states 0..S-1 as keys; got keys ."
    ):
        MDP.from_gymnasium({}, gamma=0.9)
    with raises(
        "the Gymnasium table must have the integer states 0..S-1 as keys; got keys '0'."
    ):
        MDP.from_gymnasium({"0": {0: [(1.0, 0, 0.0, False)]}}, gamma=0.9)
    with raises(
        "Gymnasium table: state 0 has action key 3; expected an integer in 0..1."
    ):
        MDP.from_gymnasium(
            {0: {0: [(1.0, 0, 0.0, False)], 3: [(1.0, 0, 0.0, False)]}}, gamma=0.9
        )
    with raises(
        "Gymnasium table: P[0][0][0] has next state 1; expected an integer in 0..0."
    ):
        MDP.from_gymnasium({0: {0: [(1.0, 1, 0.0, False)]}}, gamma=0.9)


@pytest.mark.parametrize(
    ("outcomes", "msg"),
    [
        # probabilities that sum to 1 but are not probabilities
        (
            [(1.5, 0, 0.0, False), (-0.5, 1, 0.0, False)],
            "P[0][0][0] has probability 1.5; expected a number in [0, 1].",
        ),
        (
            [(1.0, 0, 0.0)],
            "P[0][0][0] is (1.0, 0, 0.0, False)"[:0]
            + "P[0][0][0] is (1.0, 0, 0.0); expected a tuple (p, next_state, reward, terminated).",
        ),
        (
            [(1.0, "1", 0.0, False)],
            "P[0][0][0] has next state '1'; expected an integer in 0..1.",
        ),
        (
            [("1", 0, 0.0, False)],
            "P[0][0][0] has probability '1'; expected a number in [0, 1].",
        ),
        (
            [(1.0, 0, "x", False)],
            "P[0][0][0] has reward 'x'; expected a finite number.",
        ),
        (
            [(1.0, 0, float("nan"), False)],
            "P[0][0][0] has reward nan; expected a finite number.",
        ),
        (
            [0.5],
            "P[0][0][0] is 0.5; expected a tuple (p, next_state, reward, terminated).",
        ),
    ],
)
def test_from_gymnasium_bad_outcomes(outcomes, msg):
    table = {0: {0: outcomes}, 1: {0: [(1.0, 1, 0.0, False)]}}
    with raises("Gymnasium table: " + msg):
        MDP.from_gymnasium(table, gamma=0.9)


def test_from_gymnasium_action_keys_must_be_integers():
    with raises(
        "Gymnasium table: state 0 has action key 'left'; expected an integer in 0..0."
    ):
        MDP.from_gymnasium({0: {"left": [(1.0, 0, 0.0, False)]}}, gamma=0.9)


def test_taxi_tables_and_unreachable_states():
    gym = pytest.importorskip("gymnasium")
    env = gym.make("Taxi-v4" if "Taxi-v4" in gym.registry else "Taxi-v3")
    m = MDP.from_gymnasium(env, gamma=0.99)
    table = env.unwrapped.P
    assert (m.n_states, m.n_actions) == (500, 6)
    assert m.names.actions == ("SOUTH", "NORTH", "EAST", "WEST", "PICKUP", "DROPOFF")
    # every non-terminal row equals Gymnasium's listed outcomes
    Pd = m.P.toarray().reshape(500, 6, 500)
    for s in np.flatnonzero(~m.terminal)[::7]:
        for a in range(6):
            ref = np.zeros(500)
            r = 0.0
            for p, s2, rew, _ in table[s][a]:
                ref[s2] += p
                r += p * rew
            np.testing.assert_allclose(Pd[s, a], ref)
            assert m.r[s, a] == pytest.approx(r)
    # the terminal states are exactly those a successful drop-off enters
    done_into = {
        s2
        for s in table
        for a in table[s]
        for p, s2, _, d in table[s][a]
        if d and p > 0
    }
    assert set(np.flatnonzero(m.terminal)) == done_into
    # the optimal policy acts correctly in the Gymnasium env: it always delivers
    from solvers import policy_iteration

    pi = policy_iteration(m).policy
    returns = []
    for seed in range(20):
        s, _ = env.reset(seed=seed)
        total, done, steps = 0.0, False, 0
        while not done and steps < 200:
            s, r, done, trunc, _ = env.step(int(pi[s]))
            total += r
            steps += 1
        assert done
        returns.append(total)
    assert np.mean(returns) > 0
    table = {
        0: {0: [(0.5, 1, 0.0, True), (0.5, 1, 0.0, False)]},
        1: {0: [(1.0, 1, 0.0, True)]},
    }
    with raises("Gymnasium table enters state 1 both with and without `terminated`"):
        MDP.from_gymnasium(table, gamma=0.9)


# ---------------------------------------------------- real Gymnasium envs
GYM_CASES = [
    ("FrozenLake-v1", {"map_name": "4x4", "is_slippery": True}),
    ("FrozenLake-v1", {"map_name": "4x4", "is_slippery": False}),
    ("FrozenLake-v1", {"map_name": "8x8", "is_slippery": True}),
    ("FrozenLake-v1", {"map_name": "8x8", "is_slippery": False}),
    ("CliffWalking-v1", {}),
]


def make_env(name, kwargs):
    gym = pytest.importorskip("gymnasium")
    return gym.make(name, **kwargs).unwrapped


def gym_policy_value(table, gamma, pi_sa, tol=1e-13):
    """Value iteration for a fixed policy written directly over ``table``:
    ``V(s) = sum_a pi(a|s) sum_(p, s', r, d) p [r + gamma (1 - d) V(s')]``."""
    S = len(table)
    V = np.zeros(S)
    for _ in range(100_000):
        V_new = np.zeros(S)
        for s in range(S):
            for a, outcomes in table[s].items():
                if pi_sa[s, a] == 0:
                    continue
                for p, s2, r, done in outcomes:
                    V_new[s] += pi_sa[s, a] * p * (r + gamma * (0.0 if done else V[s2]))
        if np.abs(V_new - V).max() < tol:
            return V_new
        V = V_new
    raise AssertionError("reference value iteration did not converge")


@pytest.mark.parametrize(("name", "kwargs"), GYM_CASES)
def test_gymnasium_tables(name, kwargs):
    env = make_env(name, kwargs)
    table = env.P
    m = MDP.from_gymnasium(env, gamma=0.95)
    S, A = m.n_states, m.n_actions
    assert (S, A) == (env.observation_space.n, env.action_space.n)
    # terminal states: FrozenLake's holes and goal; CliffWalking's goal only
    if name.startswith("FrozenLake"):
        letters = env.desc.ravel()
        np.testing.assert_array_equal(m.terminal, np.isin(letters, [b"H", b"G"]))
    else:
        np.testing.assert_array_equal(np.flatnonzero(m.terminal), [47])
    # every row is a distribution
    np.testing.assert_allclose(m.P.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # repeated next states add up; expected rewards are sum p r
    Pd = m.P.toarray().reshape(S, A, S)
    for s in np.flatnonzero(~m.terminal):
        for a in range(A):
            expect_p = np.zeros(S)
            expect_r = 0.0
            for p, s2, r, _ in table[s][a]:
                expect_p[s2] += p
                expect_r += p * r
            np.testing.assert_allclose(Pd[s, a], expect_p, rtol=0, atol=1e-15)
            assert m.r[s, a] == pytest.approx(expect_r, abs=1e-12)
    for s in np.flatnonzero(m.terminal):
        np.testing.assert_array_equal(Pd[s, :, s], 1.0)
        np.testing.assert_array_equal(m.r[s], 0.0)
    np.testing.assert_array_equal(m.p0, env.initial_state_distrib)
    # the raw dict gives the same tables
    m_dict = MDP.from_gymnasium(
        table, gamma=0.95, p0=env.initial_state_distrib, action_names=m.names.actions
    )
    assert m_dict == m
    # R(s, a, s') kept: to_dense round trip
    P, R = m.to_dense()
    assert R.shape == (S, A, S)
    assert (
        MDP(P, R, 0.95, p0=m.p0, terminal=m.terminal, action_names=m.names.actions) == m
    )


def test_gymnasium_action_names_follow_gymnasium_order():
    pytest.importorskip("gymnasium")
    from gymnasium.envs.toy_text import cliffwalking, frozen_lake

    m = MDP.from_gymnasium(make_env("FrozenLake-v1", {}), gamma=0.9)
    for name in ("LEFT", "DOWN", "RIGHT", "UP"):
        assert m.names.actions[getattr(frozen_lake, name)] == name
    m = MDP.from_gymnasium(make_env("CliffWalking-v1", {}), gamma=0.9)
    for name in ("UP", "RIGHT", "DOWN", "LEFT"):
        assert m.names.actions[getattr(cliffwalking, name)] == name


@pytest.mark.parametrize(("name", "kwargs"), GYM_CASES)
def test_gymnasium_policy_value_matches_value_iteration_over_the_dict(name, kwargs):
    env = make_env(name, kwargs)
    gamma = 0.9
    m = MDP.from_gymnasium(env, gamma=gamma)
    S, A = m.n_states, m.n_actions
    rng = np.random.default_rng(3)
    mu = rng.integers(A, size=S)
    uniform = np.full((S, A), 1.0 / A)
    for pi, pi_sa in [(mu, np.eye(A)[mu]), (uniform, uniform)]:
        V, _ = solve_policy_value(m, pi)
        V_gym = gym_policy_value(env.P, gamma, pi_sa)
        live = ~m.terminal
        np.testing.assert_allclose(V[live], V_gym[live], rtol=1e-9, atol=1e-10)
        np.testing.assert_array_equal(V[m.terminal], 0.0)
        np.testing.assert_allclose(V, dense_policy_value(m, pi), rtol=1e-10, atol=1e-12)


def test_cliffwalking_safe_path_closed_form():
    # up from the start, right along row 2, down into the goal: 13 steps of -1
    env = make_env("CliffWalking-v1", {})
    m = MDP.from_gymnasium(env, gamma=1.0)
    from gymnasium.envs.toy_text.cliffwalking import DOWN, RIGHT, UP

    pi = np.full(48, RIGHT)
    pi[np.arange(4) * 12 + 11] = DOWN
    pi[36:47] = UP  # the start and the cliff cells
    V, _ = solve_policy_value(m, pi)
    assert V[36] == pytest.approx(-13.0, abs=1e-12)
    # row 2 (states 24..35): -(12 - col) steps to the goal
    np.testing.assert_allclose(V[24:36], -(12 - np.arange(12)), atol=1e-12)
    # row 0 states run right then down three rows
    np.testing.assert_allclose(V[0:12], -(12 - np.arange(12)) - 2, atol=1e-12)
