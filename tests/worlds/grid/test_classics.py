"""The classic gridworlds against the published numbers and against Gymnasium.

Sources: Sutton & Barto (2018) Figures 3.2, 3.5, 4.1 and Examples 6.5, 6.6;
Russell & Norvig (AIMA 3rd ed.) Figures 17.2 and 17.3; Gymnasium's
FrozenLake-v1 and CliffWalking-v1 tables (``env.unwrapped.P``).
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from mdp import MDP, policy
from mdp._structure import distance_to, state_graph
from solvers import evaluate_policy, policy_iteration, value_iteration
from worlds.grid import GridWorld, GridWorldError
from worlds.grid.classics import (
    GRID_ENTRIES,
    WINDY_WIND,
    cliff_walking,
    four_rooms,
    frozenlake_4x4,
    frozenlake_8x8,
    gridworld_4x4,
    gridworld_5x5,
    map_rows,
    russell_norvig_4x3,
    windy_gridworld,
)

UP, RIGHT, DOWN, LEFT = range(4)


def shortest_steps(world: GridWorld) -> np.ndarray:
    """Fewest steps from every state to a terminal state (BFS on P's graph)."""
    G = state_graph(world.mdp.P, world.n_actions)
    return distance_to(G, world.mdp.terminal)


# ----------------------------------------------------------- catalogue
def test_entries():
    assert set(GRID_ENTRIES) == {
        "gridworld-4x4",
        "gridworld-5x5",
        "cliff-walking",
        "windy-gridworld",
        "frozenlake-4x4",
        "frozenlake-8x8",
        "russell-norvig-4x3",
        "four-rooms",
    }
    for name, (factory, description) in GRID_ENTRIES.items():
        world = factory()
        assert isinstance(world, GridWorld)
        assert world.name == name
        assert world.description
        assert description and "\n" not in description
        assert factory.__doc__ and "Examples" in factory.__doc__


def test_maps_are_package_data():
    maps = resources.files("worlds.grid") / "maps"
    names = sorted(p.name for p in maps.iterdir() if p.name.endswith(".txt"))
    assert "four_rooms.txt" in names and "frozenlake_8x8.txt" in names
    assert map_rows("gridworld_4x4") == ["G...", "....", "....", "...G"]
    with pytest.raises(
        GridWorldError, match=r"no packaged map 'nope'; available: .*four_rooms"
    ):
        map_rows("nope")


# ----------------------------------------------------------- Sutton & Barto
FIG_4_1 = np.array(
    [
        [0, -14, -20, -22],
        [-14, -18, -20, -20],
        [-20, -20, -18, -14],
        [-22, -20, -14, 0],
    ]
)


def test_gridworld_4x4_random_policy_figure_4_1():
    world = gridworld_4x4()
    assert world.mdp.n_states == 16 and world.mdp.terminal.sum() == 2
    V = evaluate_policy(world.mdp, policy.uniform(world.mdp))
    np.testing.assert_allclose(world.to_grid(V), FIG_4_1, atol=1e-9)


def test_gridworld_4x4_optimal_values_are_distances():
    world = gridworld_4x4()
    V = value_iteration(world.mdp).V
    np.testing.assert_allclose(V, -shortest_steps(world))
    assert V.min() == -3.0


FIG_3_2 = np.array(
    [
        [3.3, 8.8, 4.4, 5.3, 1.5],
        [1.5, 3.0, 2.3, 1.9, 0.5],
        [0.1, 0.7, 0.7, 0.4, -0.4],
        [-1.0, -0.4, -0.4, -0.6, -1.2],
        [-1.9, -1.3, -1.2, -1.4, -2.0],
    ]
)
FIG_3_5 = np.array(
    [
        [22.0, 24.4, 22.0, 19.4, 17.5],
        [19.8, 22.0, 19.8, 17.8, 16.0],
        [17.8, 19.8, 17.8, 16.0, 14.4],
        [16.0, 17.8, 16.0, 14.4, 13.0],
        [14.4, 16.0, 14.4, 13.0, 11.7],
    ]
)


def test_gridworld_5x5_random_policy_figure_3_2():
    world = gridworld_5x5()
    assert world.gamma == 0.9 and not world.mdp.terminal.any()
    V = evaluate_policy(world.mdp, policy.uniform(world.mdp))
    # the book prints one decimal
    assert np.abs(world.to_grid(V) - FIG_3_2).max() <= 0.05 + 1e-9


def test_gridworld_5x5_optimal_figure_3_5():
    world = gridworld_5x5()
    vi = value_iteration(world.mdp, tol=1e-10)
    assert np.abs(world.to_grid(vi.V) - FIG_3_5).max() <= 0.05 + 1e-9
    # A's value in closed form: 10 + gamma^5 V(A) (4 steps back from A' to A)
    assert vi.V[world.state(0, 1)] == pytest.approx(10 / (1 - 0.9**5), abs=1e-8)
    pi = policy_iteration(world.mdp)
    np.testing.assert_allclose(pi.V, vi.V, atol=1e-8)


def test_gridworld_5x5_jump_rows():
    world = gridworld_5x5()
    a, b = world.state(0, 1), world.state(0, 3)
    for act in range(4):
        assert world.mdp.P[[a * 4 + act]].toarray()[0, world.state(4, 1)] == 1.0
        assert world.mdp.P[[b * 4 + act]].toarray()[0, world.state(2, 3)] == 1.0
    np.testing.assert_array_equal(world.mdp.r[a], 10.0)
    np.testing.assert_array_equal(world.mdp.r[b], 5.0)
    assert world.mdp.r[world.state(0, 0), UP] == -1.0
    assert world.mdp.r[world.state(1, 1), UP] == 0.0


def test_cliff_walking_optimal_path():
    world = cliff_walking()
    assert world.shape == (4, 12) and world.mdp.n_states == 48
    assert world.start_cells == [(3, 0)] and world.terminal_cells == [(3, 11)]
    vi = value_iteration(world.mdp)
    assert vi.V[world.state(3, 0)] == -13.0
    # the greedy path runs along the cliff edge: up, 11 x right, down
    s, path = world.state(3, 0), []
    for _ in range(20):
        s, _, done = world.mdp.step(s, vi.policy[s], seed=0)
        path.append(world.cell(s))
        if done:
            break
    assert path == [(2, c) for c in range(12)] + [(3, 11)]
    assert cliff_walking(gamma=0.9).gamma == 0.9


def test_cliff_walking_matches_gymnasium():
    gym = pytest.importorskip("gymnasium")
    env = gym.make("CliffWalking-v1")
    theirs = MDP.from_gymnasium(env.unwrapped, gamma=1.0)
    env.close()
    ours = cliff_walking().mdp
    assert theirs.names.actions == ours.names.actions == ("UP", "RIGHT", "DOWN", "LEFT")
    np.testing.assert_array_equal(theirs.terminal, ours.terminal)
    np.testing.assert_array_equal(theirs.p0, ours.p0)
    # every state agrees, the (never occupied) cliff cells included
    np.testing.assert_allclose(ours.P.toarray(), theirs.P.toarray(), atol=1e-12)
    np.testing.assert_allclose(ours.r, theirs.r, atol=1e-12)
    np.testing.assert_allclose(ours.R_sas.toarray(), theirs.R_sas.toarray(), atol=1e-12)


def test_windy_gridworld_15_steps():
    world = windy_gridworld()
    assert world.shape == (7, 10)
    assert world.start_cells == [(3, 0)] and world.goal_cells == [(3, 7)]
    V = value_iteration(world.mdp).V
    start = world.state(3, 0)
    assert V[start] == -15.0
    np.testing.assert_allclose(V, -shortest_steps(world))


@pytest.mark.parametrize(("stay", "A"), [(False, 8), (True, 9)])
def test_windy_gridworld_king_moves_7_steps(stay, A):
    # Exercise 6.9: with the king's moves the optimal episode takes 7 steps,
    # and a ninth action STAY does not shorten it
    world = windy_gridworld(king_moves=True, stay=stay)
    assert world.n_actions == A
    V = value_iteration(world.mdp).V
    assert V[world.state(3, 0)] == -7.0
    np.testing.assert_allclose(V, -shortest_steps(world))


def test_windy_gridworld_stochastic_wind():
    world = windy_gridworld(stochastic=True)
    s = world.state(3, 4)  # column 4: wind 1 -> pushes of 1, 2 or 0
    p = world.mdp.P[[s * 4 + RIGHT]].toarray().ravel()
    for cell in [(2, 5), (1, 5), (3, 5)]:
        assert p[world.state(*cell)] == pytest.approx(1 / 3)
    s0 = world.state(3, 1)  # column 1: no wind, no noise
    assert world.mdp.P[[s0 * 4 + RIGHT]].toarray()[0, world.state(3, 2)] == 1.0
    vi = value_iteration(world.mdp, tol=1e-10)
    pi = policy_iteration(world.mdp)
    np.testing.assert_allclose(vi.V, pi.V, atol=1e-6)
    assert vi.V[world.state(3, 0)] < -7.0
    assert list(WINDY_WIND) == [0, 0, 0, 1, 1, 1, 2, 2, 1, 0]


# ----------------------------------------------------------- FrozenLake
@pytest.mark.parametrize("map_name", ["4x4", "8x8"])
@pytest.mark.parametrize("is_slippery", [True, False])
def test_frozenlake_matches_gymnasium(map_name, is_slippery):
    gym = pytest.importorskip("gymnasium")
    env = gym.make("FrozenLake-v1", map_name=map_name, is_slippery=is_slippery)
    theirs = MDP.from_gymnasium(env.unwrapped.P, gamma=0.95)
    p0 = env.unwrapped.initial_state_distrib
    env.close()
    factory = frozenlake_4x4 if map_name == "4x4" else frozenlake_8x8
    ours = factory(is_slippery=is_slippery, gamma=0.95).mdp
    S = ours.n_states
    P_t, R_t = theirs.to_dense()
    P_o, R_o = ours.to_dense()
    # the same action numbers: Gymnasium's LEFT, DOWN, RIGHT, UP
    assert ours.names.actions == ("LEFT", "DOWN", "RIGHT", "UP")
    np.testing.assert_allclose(P_o, P_t, atol=1e-12)
    np.testing.assert_allclose(ours.r, theirs.r, atol=1e-12)
    np.testing.assert_allclose(R_o * (P_o > 0), R_t * (P_t > 0), atol=1e-12)
    np.testing.assert_array_equal(ours.terminal, theirs.terminal)
    np.testing.assert_allclose(ours.p0, p0)
    assert S == (16 if map_name == "4x4" else 64)
    # the same optimal values, computed on each table
    np.testing.assert_allclose(
        value_iteration(ours, tol=1e-10).V,
        value_iteration(theirs, tol=1e-10).V,
        atol=1e-8,
    )


def test_frozenlake_values_are_goal_probabilities():
    world = frozenlake_4x4()
    V = value_iteration(world.mdp, tol=1e-12).V
    # the best success probability from the start of the slippery 4x4 lake
    # is 14/17 = 0.8235... (the optimal chain solved exactly by PI)
    assert policy_iteration(world.mdp).V[0] == pytest.approx(14 / 17, abs=1e-12)
    assert V[0] == pytest.approx(14 / 17, abs=1e-9)
    # undiscounted, +1 only at the goal: V* is a probability; a hole is worth 0
    assert V.max() <= 1.0 + 1e-9
    assert frozenlake_4x4(is_slippery=False).mdp.P.nnz == 16 * 4


# ----------------------------------------------------------- AIMA
#: AIMA Figure 17.3 (non-terminal states; None = wall or terminal)
FIG_17_3 = [
    [0.812, 0.868, 0.918, None],
    [0.762, None, 0.660, None],
    [0.705, 0.655, 0.611, 0.388],
]


def test_russell_norvig_utilities_figure_17_3():
    world = russell_norvig_4x3()
    assert world.shape == (3, 4) and world.walls[1, 1]
    assert world.terminal_cells == [(0, 3), (1, 3)]
    V = value_iteration(world.mdp, tol=1e-12).V
    grid = world.to_grid(V)
    for r in range(3):
        for c in range(4):
            if FIG_17_3[r][c] is not None:
                assert grid[r, c] == pytest.approx(FIG_17_3[r][c], abs=1e-3), (r, c)
    assert grid[0, 3] == 0.0 and grid[1, 3] == 0.0  # terminals: 0 in mdpkit


def test_russell_norvig_optimal_policy_figure_17_2():
    world = russell_norvig_4x3()
    pi = policy_iteration(world.mdp).policy
    expected = {
        (0, 0): RIGHT,
        (0, 1): RIGHT,
        (0, 2): RIGHT,
        (1, 0): UP,
        (1, 2): UP,
        (2, 0): UP,
        (2, 1): LEFT,
        (2, 2): LEFT,
        (2, 3): LEFT,
    }
    for cell, a in expected.items():
        assert pi[world.state(*cell)] == a, cell


def test_russell_norvig_transition_model():
    world = russell_norvig_4x3()
    s = world.state(2, 0)
    p = world.mdp.P[[s * 4 + UP]].toarray().ravel()
    assert p[world.state(1, 0)] == pytest.approx(0.8)
    assert p[world.state(2, 1)] == pytest.approx(0.1)
    assert p[s] == pytest.approx(0.1)  # LEFT slip bumps the edge
    # entering +1 from (0, 2): -0.04 step + 1
    r = world.mdp.r[world.state(0, 2), RIGHT]
    assert r == pytest.approx(0.8 * 0.96 + 0.1 * -0.04 + 0.1 * -0.04)


# ----------------------------------------------------------- four rooms
def test_four_rooms_layout():
    world = four_rooms()
    assert world.shape == (13, 13) and world.n_states == 104
    assert world.walls[0].all() and world.walls[:, 0].all()
    hallways = [(3, 6), (10, 6), (6, 2), (7, 9)]
    for r, c in hallways:
        assert not world.walls[r, c]
        # a hallway has walls on two opposite sides
        assert (world.walls[r - 1, c] and world.walls[r + 1, c]) or (
            world.walls[r, c - 1] and world.walls[r, c + 1]
        )
    assert world.goal_cells == [(7, 9)]
    assert world.mdp.p0[world.state(7, 9)] == 0.0
    np.testing.assert_allclose(world.mdp.p0[~world.mdp.terminal], 1 / 103)


def test_four_rooms_dynamics_two_thirds_intended():
    world = four_rooms()
    s = world.state(2, 2)
    p = world.mdp.P[[s * 4 + RIGHT]].toarray().ravel()
    assert p[world.state(2, 3)] == pytest.approx(2 / 3)
    for cell in [(1, 2), (3, 2), (2, 1)]:
        assert p[world.state(*cell)] == pytest.approx(1 / 9)


def test_four_rooms_deterministic_values_are_discounted_distances():
    world = four_rooms(stochastic=False, goal=(9, 3), gamma=0.9)
    V = value_iteration(world.mdp, tol=1e-12).V
    d = shortest_steps(world)
    live = ~world.mdp.terminal
    # the reward 1 arrives on the d-th step: V = gamma^(d - 1)
    np.testing.assert_allclose(V[live], 0.9 ** (d[live] - 1), atol=1e-9)


@pytest.mark.parametrize("goal", [(0, 0), (6, 6), (13, 2), (1, -1)])
def test_four_rooms_goal_errors(goal):
    with pytest.raises(
        GridWorldError, match=r"`goal` .* is not a free cell of the four-rooms map"
    ):
        four_rooms(goal=goal)


def test_four_rooms_goal_type_error():
    with pytest.raises(
        GridWorldError, match=r"`goal` must be a \(row, col\) pair of integers"
    ):
        four_rooms(goal="middle")
