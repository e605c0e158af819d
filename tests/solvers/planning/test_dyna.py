"""solvers.dyna_q: Sutton & Barto's Figures 8.2, 8.4 and 8.5 as seeded bands.

Checked against the book's curves (steps per episode on the Dyna maze; the
cumulative reward on the blocking and shortcut mazes) and against the exact
optimum (path lengths from value iteration, q_error to Q*).
"""

from __future__ import annotations

import numpy as np
import pytest

from mdp import MDP, MDPError
from solvers import dyna_q, policy_iteration
from worlds import make


def _greedy_path_length(m, policy, s, limit=100):
    for k in range(1, limit + 1):
        s, _, done = m.step(s, int(policy[s]), 0)
        if done:
            return k
    return None


def test_figure_8_2_planning_speeds_up_learning():
    m = make("dyna-maze").mdp
    kw = {"alpha": 0.1, "epsilon": 0.1, "runs": 10, "seed": 0}
    q0 = dyna_q(m, episodes=2, planning_steps=0, **kw)
    q50 = dyna_q(m, episodes=4, planning_steps=50, **kw)
    q5 = dyna_q(m, episodes=4, planning_steps=5, **kw)
    # without planning, episode 2 still takes hundreds of steps
    assert q0.episode_lengths[:, 1].mean() > 300
    # with 50 planning steps it is near-optimal (14) by episode 3
    assert q50.episode_lengths[:, 2].mean() < 25
    assert np.median(q50.episode_lengths[:, 2]) <= 20
    # n = 5 lies in between on episode 2 (book: ~ 150 steps)
    assert q50.episode_lengths[:, 1].mean() < q5.episode_lengths[:, 1].mean() < 400
    # episode 1 is a random search for the goal whatever n is (no reward yet)
    assert q0.episode_lengths[:, 0].mean() > 300
    assert q50.q_error.shape == (10, 4) and np.all(np.isfinite(q50.q_error))


def test_figure_8_5_dyna_q_plus_finds_the_shortcut():
    w = make("shortcut-maze")
    start = w.state(5, 3)
    kw = {"episodes": 10_000, "total_steps": 6000, "planning_steps": 10}
    kw |= {"alpha": 1.0, "epsilon": 0.1, "runs": 6, "seed": 0, "start": start}
    dq = dyna_q(w, **kw)
    dqp = dyna_q(w, kappa=1e-3, **kw)
    new = w.mdps[1]
    # exact: the shortcut path is 10 steps, the left way 16
    Vs = policy_iteration(new).V
    assert round(np.log(Vs[start]) / np.log(0.95)) + 1 == 10
    long_way = [_greedy_path_length(new, p, start) for p in dq.policy]
    short = [_greedy_path_length(new, p, start) for p in dqp.policy]
    assert all(k == 16 for k in long_way)  # Dyna-Q keeps the old path
    # Dyna-Q+ found the shortcut (measured: 5 of 6 greedy policies take it; the
    # sixth still chases an exploration bonus: its greedy path loops)
    assert sum(k == 10 for k in short) >= 5
    sw = w.switch_steps[0]

    def rate(r):
        return (
            r.info["cumulative_reward"][:, -1] - r.info["cumulative_reward"][:, sw - 1]
        ) / 3000

    assert np.all(rate(dqp) > rate(dq).max())


def test_figure_8_4_blocking_maze():
    w = make("blocking-maze")
    kw = {"episodes": 10_000, "total_steps": 3000, "planning_steps": 10}
    kw |= {"alpha": 1.0, "epsilon": 0.1, "runs": 6, "seed": 0, "start": w.state(5, 3)}
    dq = dyna_q(w, **kw)
    dqp = dyna_q(w, kappa=1e-4, **kw)
    c, cp = dq.info["cumulative_reward"], dqp.info["cumulative_reward"]
    assert c.shape == (6, 3000)
    sw = w.switch_steps[0]
    # after the block every Dyna-Q+ run finds the new way within 2000 steps;
    # Dyna-Q's values of the old way decay only by gamma per backup and
    # some runs are still stuck at the end (measured: 5 of 10 seeds)
    assert np.all(cp[:, -1] - cp[:, sw - 1] > 20)
    assert cp[:, -1].mean() > c[:, -1].mean()


def test_runs_axis_seeds_and_q_learning_limit():
    m = make("dyna-maze").mdp
    a = dyna_q(m, episodes=3, planning_steps=5, alpha=0.5, epsilon=0.1, runs=3, seed=4)
    b = dyna_q(m, episodes=3, planning_steps=5, alpha=0.5, epsilon=0.1, runs=2, seed=4)
    np.testing.assert_array_equal(a.Q[:2], b.Q)  # run i does not depend on runs
    one = dyna_q(m, episodes=3, planning_steps=5, alpha=0.5, epsilon=0.1, seed=4)
    assert one.Q.shape == (47, 4) and one.episode_lengths.shape == (3,)
    assert isinstance(one.steps, int) and one.method == "dyna-q(n=5)"
    # a deterministic world explored at random (every pair tried) with alpha = 1
    # and 50 planning steps: the model is exact and Q reaches Q* (error 0)
    res = dyna_q(m, episodes=8, planning_steps=50, alpha=1.0, epsilon=1.0, seed=1)
    assert res.q_error[-1] < 1e-9 < 0.5 < res.q_error[0]


def test_errors():
    m = make("dyna-maze").mdp
    kw = {"episodes": 1, "planning_steps": 1, "alpha": 0.1, "epsilon": 0.1}
    with pytest.raises(MDPError, match="`alpha` must be in \\(0, 1\\]"):
        dyna_q(m, **(kw | {"alpha": 0.0}))
    with pytest.raises(MDPError, match="`kappa` must be >= 0"):
        dyna_q(m, kappa=-1.0, **kw)
    with pytest.raises(MDPError, match="`planning_steps` must be an integer >= 0"):
        dyna_q(m, **(kw | {"planning_steps": -1}))
    with pytest.raises(MDPError, match="changing world keeps the states"):
        dyna_q(m, changes=[(10, make("gridworld-4x4").mdp)], **kw)
    with pytest.raises(MDPError, match="`env` must be an mdp.MDP, a world with"):
        dyna_q("maze", **kw)
    with pytest.raises(MDPError, match="`epsilon` must be a number in \\[0, 1\\]"):
        dyna_q(m, **(kw | {"epsilon": 2.0}))
    with pytest.raises(MDPError, match="`kappa` must be a finite number"):
        dyna_q(m, kappa=float("nan"), **kw)


def test_a_world_is_accepted_as_its_mdp():
    # as the learning family: a world with `.mdp` acts as that MDP
    w = make("dyna-maze")
    kw = {"episodes": 3, "planning_steps": 5, "alpha": 0.1, "epsilon": 0.1, "seed": 1}
    a, b = dyna_q(w, **kw), dyna_q(w.mdp, **kw)
    np.testing.assert_array_equal(a.Q, b.Q)
    np.testing.assert_array_equal(a.episode_lengths, b.episode_lengths)


def test_gymnasium_env_learns_the_optimum_of_its_own_tables():
    """Dyna-Q on Gymnasium's (non-slippery) FrozenLake, scored on the MDP read
    from the same env's tables: the greedy policy is optimal (an independent
    check: the learner saw only env.step)."""
    gymnasium = pytest.importorskip("gymnasium")
    from mdp import MDP
    from solvers import evaluate_policy

    env = gymnasium.make("FrozenLake-v1", is_slippery=False)
    m = MDP.from_gymnasium(env, gamma=0.95)
    # 150 episodes: every one of 8 runs has found the 6-step path (measured;
    # one run of 4 had not yet reached the goal at all after 60)
    kw = {"episodes": 150, "planning_steps": 20, "alpha": 0.5, "epsilon": 0.2}
    res = dyna_q(env, gamma=0.95, runs=8, seed=0, **kw)
    assert res.q_error is None and res.V_star is None and res.Q.shape == (8, 16, 4)
    J_star = float(m.p0 @ policy_iteration(m).V)
    for pol in res.policy:
        assert float(m.p0 @ evaluate_policy(m, pol)) == pytest.approx(J_star)
    again = dyna_q(env, gamma=0.95, runs=8, seed=0, **kw)
    np.testing.assert_array_equal(res.Q, again.Q)  # same seed, same result
    assert res.episode_returns[:, -10:].mean() > 0.5


def test_gymnasium_env_refuses_mdp_only_options():
    gymnasium = pytest.importorskip("gymnasium")
    env = gymnasium.make("FrozenLake-v1")
    kw = {"episodes": 2, "planning_steps": 1, "alpha": 0.5, "epsilon": 0.1}
    with pytest.raises(MDPError, match=r"`start` needs an MDP env"):
        dyna_q(env, start=0, **kw)
    with pytest.raises(MDPError, match=r"`changes` needs an MDP env"):
        dyna_q(env, changes=[(5, make("dyna-maze").mdp)], **kw)
    box = gymnasium.make("CartPole-v1")
    with pytest.raises(MDPError, match=r"observation space must be Discrete"):
        dyna_q(box, **kw)


def test_q_error_covers_states_only_a_switch_reaches():
    """Phase 0: 0 -> 1 -> end; phase 1: 0 -> end, 1 -> 2 -> end (reward 100).
    State 2 is reachable from the start in neither phase alone, but the
    switch after one step finds the learner in 1, so it walks 1 -> 2 -> end:
    its pairs count (the untried action keeps Q = 0 against Q* = 100)."""
    P0, P1 = np.zeros((2, 4, 2, 4))
    P0[0, :, 1] = P0[1, :, 3] = P0[2, :, 3] = P0[3, :, 3] = 1.0
    P1[0, :, 3] = P1[1, :, 2] = P1[2, :, 3] = P1[3, :, 3] = 1.0
    R = np.zeros((4, 2, 4))
    R[2, :, 3] = 100.0
    m0, m1 = (MDP(P, R, 0.9, p0=np.eye(4)[0], terminal=[3]) for P in (P0, P1))
    kw = {"episodes": 3, "planning_steps": 0, "alpha": 0.5, "epsilon": 0.0}
    res = dyna_q(m0, changes=[(1, m1)], seed=0, **kw)
    assert res.episode_lengths.tolist() == [3, 1, 1]  # 2 was visited once
    np.testing.assert_array_equal(res.q_error, [100.0, 100.0, 100.0])


def test_gymnasium_terminal_states_keep_q_zero():
    """Q0 is for live pairs; the states a Gymnasium episode ended in (holes,
    goal) have Q = 0, as an MDP's terminal states do."""
    gymnasium = pytest.importorskip("gymnasium")
    env = gymnasium.make("FrozenLake-v1")
    # 200 episodes: every hole and the goal were entered (at 40, two were not)
    kw = {"episodes": 200, "planning_steps": 2, "alpha": 0.5, "epsilon": 0.3}
    res = dyna_q(env, Q0=1.0, seed=0, **kw)
    term = MDP.from_gymnasium(env, gamma=1.0).terminal
    assert (res.Q[term] == 0.0).all() and (res.Q[~term] != 0.0).any()
