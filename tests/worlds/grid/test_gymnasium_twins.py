"""Worlds with a Gymnasium twin number their actions as the twin does.

Checked two ways: the tables equal ``gymnasium.make(...).unwrapped.P`` read
action by action (no converter in between), and a policy solved in mdpkit,
handed to the Gymnasium environment unchanged, acts as mdpkit predicts.
"""

from __future__ import annotations

import numpy as np
import pytest

import worlds
from solvers import value_iteration

gym = pytest.importorskip("gymnasium")

TWINS = [
    ("frozenlake-4x4", {"is_slippery": True}, "FrozenLake-v1", {"map_name": "4x4"}),
    ("frozenlake-4x4", {"is_slippery": False}, "FrozenLake-v1", {"map_name": "4x4"}),
    ("frozenlake-8x8", {"is_slippery": True}, "FrozenLake-v1", {"map_name": "8x8"}),
    ("frozenlake-8x8", {"is_slippery": False}, "FrozenLake-v1", {"map_name": "8x8"}),
    ("cliff-walking", {}, "CliffWalking-v1", {}),
]
ORDER = {
    "FrozenLake-v1": ("LEFT", "DOWN", "RIGHT", "UP"),
    "CliffWalking-v1": ("UP", "RIGHT", "DOWN", "LEFT"),
}


@pytest.mark.parametrize(("name", "params", "env_id", "env_kwargs"), TWINS)
def test_tables_equal_gymnasium_P_action_by_action(name, params, env_id, env_kwargs):
    world = worlds.make(name, **params)
    env = gym.make(env_id, **env_kwargs, **params)
    P_gym = env.unwrapped.P
    env.close()
    m = world.mdp
    S, A = m.n_states, m.n_actions
    assert world.action_names == ORDER[env_id]
    assert (S, A) == (len(P_gym), len(P_gym[0]))
    P = m.P.toarray().reshape(S, A, S)
    R = m.R_sas.toarray().reshape(S, A, S) if m.R_sas is not None else None
    for s in range(S):
        if m.terminal[s]:  # mdpkit: absorbing, value 0 (Gymnasium ends there)
            continue
        for a in range(A):
            want = np.zeros(S)
            r_sa = 0.0
            for p, s2, r, _ in P_gym[s][a]:
                want[int(s2)] += p
                r_sa += p * r
            np.testing.assert_allclose(P[s, a], want, atol=1e-12, err_msg=f"{s, a}")
            assert m.r[s, a] == pytest.approx(r_sa, abs=1e-12), (s, a)
            for p, s2, r, terminated in P_gym[s][a]:
                if p > 0 and R is not None:
                    assert R[s, a, int(s2)] == pytest.approx(r), (s, a, s2)
                # an episode ends in Gymnasium exactly where mdpkit's is terminal
                if p > 0 and env_id == "FrozenLake-v1":
                    assert bool(terminated) == bool(m.terminal[int(s2)])


@pytest.mark.parametrize("size", ["4x4", "8x8"])
def test_solved_policy_walks_the_non_slippery_lake_in_gymnasium(size):
    world = worlds.make(f"frozenlake-{size}", is_slippery=False, gamma=0.9)
    pi = value_iteration(world.mdp, tol=1e-10).policy
    # mdpkit's predicted path: the shortest one, 2 * (n - 1) steps
    n = world.shape[0]
    env = gym.make("FrozenLake-v1", map_name=size, is_slippery=False)
    s, _ = env.reset(seed=0)
    path = [world.cell(s)]
    total, done = 0.0, False
    while not done:
        s, r, terminated, truncated, _ = env.step(int(pi[s]))
        path.append(world.cell(s))
        total += r
        done = terminated or truncated
    env.close()
    assert terminated and total == 1.0
    assert len(path) - 1 == 2 * (n - 1) and path[-1] == (n - 1, n - 1)
    # every step is the move mdpkit's policy names
    for (r0, c0), (r1, c1) in zip(path, path[1:], strict=False):
        a = int(pi[world.state(r0, c0)])
        assert (r1 - r0, c1 - c0) == tuple(world.action_deltas[a])


def test_solved_policy_succeeds_on_the_slippery_lake_at_the_predicted_rate():
    # Gymnasium truncates FrozenLake-4x4 at 100 steps; mdpkit predicts the
    # chance of reaching G within 100 steps under pi* by 100 products with P_pi
    world = worlds.make("frozenlake-4x4")
    m = world.mdp
    pi = value_iteration(m, tol=1e-12).policy
    P_pi = m.P.toarray().reshape(m.n_states, m.n_actions, -1)[np.arange(m.n_states), pi]
    goal = world.state(3, 3)
    d = m.p0.copy()
    for _ in range(100):
        d = d @ P_pi
    predicted = d[goal]  # G is absorbing: the mass there arrived within 100 steps
    assert 0.7 < predicted < 14 / 17

    env = gym.make("FrozenLake-v1", map_name="4x4", is_slippery=True)
    n, wins = 1000, 0
    s, _ = env.reset(seed=12345)
    for _ in range(n):
        done = False
        while not done:
            s, r, terminated, truncated, _ = env.step(int(pi[s]))
            done = terminated or truncated
        wins += r == 1.0
        s, _ = env.reset()
    env.close()
    rate = wins / n
    sigma = np.sqrt(predicted * (1 - predicted) / n)
    assert abs(rate - predicted) < 4 * sigma, (rate, predicted)


def test_solved_policy_walks_the_cliff_edge_in_gymnasium():
    world = worlds.make("cliff-walking")
    pi = value_iteration(world.mdp).policy
    env = gym.make("CliffWalking-v1")
    s, _ = env.reset(seed=0)
    total, steps, done = 0.0, 0, False
    while not done and steps < 100:
        s, r, terminated, truncated, _ = env.step(int(pi[s]))
        total, steps, done = total + r, steps + 1, terminated or truncated
    env.close()
    assert terminated and steps == 13 and total == -13.0
