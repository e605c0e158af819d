"""Tests of worlds.grid.GridWorld.

The tables are checked three ways: hand-derived rows on tiny maps, a slow
per-cell reference implementation of the documented rules (random maps with
slip, wind, cliffs, jumps), and exact values against shortest paths.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from mdp import MDPError
from mdp._structure import distance_to, state_graph
from solvers import evaluate_policy, value_iteration
from worlds.grid import (
    CHARS,
    KINDS,
    GridWorld,
    GridWorldError,
    UnreachableGoalWarning,
)

UP, RIGHT, DOWN, LEFT = range(4)


def row(world: GridWorld, cell, a: int) -> np.ndarray:
    """P(.|s, a) as a dense vector, for the state at ``cell``."""
    s = world.state(*cell)
    return world.mdp.P[[s * world.n_actions + a]].toarray().ravel()


def quiet(*args, **kwargs) -> GridWorld:
    """Build a GridWorld, ignoring UnreachableGoalWarning (random maps)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnreachableGoalWarning)
        return GridWorld(*args, **kwargs)


# ------------------------------------------------------------ reference
_DELTAS = {
    "4": [(-1, 0), (0, 1), (1, 0), (0, -1)],
    "8": [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)],
}


def reference_tables(
    rows,
    *,
    jumps=None,
    cell_rewards=None,
    step_reward=0.0,
    goal_reward=1.0,
    hole_reward=0.0,
    cliff_reward=-100.0,
    bump_reward=0.0,
    moves="4",
    slip=0.0,
    slip_mode="perpendicular",
    wind=None,
    wind_noise=0.0,
):
    """Slow, per-cell implementation of the documented GridWorld rules.

    Returns dense ``P [S, A, S]``, expected ``r [S, A]`` and ``p0 [S]``.
    """
    nrow, ncol = len(rows), len(rows[0])
    jumps = jumps or {}
    cell_rewards = cell_rewards or {}
    deltas = list(_DELTAS[moves[0]]) + ([(0, 0)] if moves.endswith("stay") else [])
    A = len(deltas)
    cells = [(r, c) for r in range(nrow) for c in range(ncol) if rows[r][c] != "#"]
    idx = {cell: i for i, cell in enumerate(cells)}
    S = len(cells)

    def ch(cell):
        return rows[cell[0]][cell[1]]

    def free(cell):
        r, c = cell
        return 0 <= r < nrow and 0 <= c < ncol and rows[r][c] != "#"

    def enter(cell):
        if cell in cell_rewards:
            return cell_rewards[cell]
        return {"G": goal_reward, "H": hole_reward, "C": cliff_reward}.get(
            ch(cell), 0.0
        )

    starts = [x for x in cells if ch(x) == "S"] or [
        x for x in cells if ch(x) not in "GHC"
    ]
    P = np.zeros((S, A, S))
    PR = np.zeros((S, A, S))
    for s, (r, c) in enumerate(cells):
        if ch((r, c)) in "GH":
            continue
        for a in range(A):
            if ch((r, c)) in jumps:
                target, reward = jumps[ch((r, c))]
                P[s, a, idx[target]] += 1.0
                PR[s, a, idx[target]] += reward
                continue
            executed = defaultdict(float)
            if slip_mode == "uniform":
                for m in range(A):
                    executed[m] += slip / A
                executed[a] += 1.0 - slip
            elif deltas[a] == (0, 0):
                executed[a] = 1.0
            else:
                dr, dc = deltas[a]
                executed[a] += 1.0 - slip
                executed[deltas.index((dc, -dr))] += slip / 2
                executed[deltas.index((-dc, dr))] += slip / 2
            for m, pm in executed.items():
                dr, dc = deltas[m]
                if free((r + dr, c + dc)):
                    y, bumped = (r + dr, c + dc), False
                else:
                    y, bumped = (r, c), (dr, dc) != (0, 0)
                w = 0 if wind is None else wind[c]
                if w == 0 or wind_noise == 0:
                    winds = [(w, 1.0)]
                else:
                    winds = [
                        (w, 1 - wind_noise),
                        (w + 1, wind_noise / 2),
                        (w - 1, wind_noise / 2),
                    ]
                for wv, pw in winds:
                    z = y
                    for _ in range(abs(wv)):
                        nxt = (z[0] - int(np.sign(wv)), z[1])
                        if not free(nxt):
                            break
                        z = nxt
                    p = pm * pw
                    if ch(z) == "C":
                        for st in starts:
                            P[s, a, idx[st]] += p / len(starts)
                            PR[s, a, idx[st]] += p / len(starts) * enter(z)
                    else:
                        rew = step_reward + bump_reward * bumped
                        if z != (r, c):
                            rew += enter(z)
                        P[s, a, idx[z]] += p
                        PR[s, a, idx[z]] += p * rew
    p0 = np.zeros(S)
    p0[[idx[x] for x in starts]] = 1.0 / len(starts)
    return P, PR.sum(axis=2), p0


def random_case(seed: int):
    """A random map and GridWorld keyword arguments (slip, wind, cliff, jump)."""
    rng = np.random.default_rng(seed)
    nrow, ncol = rng.integers(3, 7, size=2)
    grid = rng.choice(list(".#GHC"), size=(nrow, ncol), p=[0.6, 0.15, 0.08, 0.07, 0.1])
    free = np.argwhere(grid == ".")
    while len(free) < 3:
        grid = rng.choice(list(".#"), size=(nrow, ncol))
        free = np.argwhere(grid == ".")
    order = rng.permutation(len(free))
    n_start = int(rng.integers(1, 3))
    for k in range(n_start):
        grid[tuple(free[order[k]])] = "S"
    jump_cell = tuple(free[order[n_start]])
    grid[jump_cell] = "J"
    targets = np.argwhere((grid != "#") & (grid != "C"))
    target = tuple(int(x) for x in targets[rng.integers(len(targets))])
    rows = ["".join(r) for r in grid]
    kw = {
        "jumps": {"J": (target, float(rng.normal()))},
        "step_reward": float(rng.normal()),
        "goal_reward": float(rng.normal()),
        "hole_reward": float(rng.normal()),
        "cliff_reward": float(rng.normal() - 10),
        "bump_reward": float(rng.normal()),
        "moves": str(rng.choice(["4", "8", "4+stay", "8+stay"])),
        "slip": float(rng.choice([0.0, rng.random()])),
        "slip_mode": str(rng.choice(["perpendicular", "uniform"])),
    }
    if rng.random() < 0.6:
        kw["wind"] = [int(x) for x in rng.integers(-1, 3, size=ncol)]
        kw["wind_noise"] = float(rng.choice([0.0, rng.random()]))
    open_cells = np.argwhere(np.isin(grid, list(".S")))
    cr = tuple(int(x) for x in open_cells[rng.integers(len(open_cells))])
    kw["cell_rewards"] = {cr: float(rng.normal())}
    return rows, kw


@pytest.mark.parametrize("seed", range(40))
def test_tables_match_reference_implementation(seed):
    rows, kw = random_case(seed)
    world = quiet(rows, **kw)
    P_ref, r_ref, p0_ref = reference_tables(rows, **kw)
    S, A = world.n_states, world.n_actions
    P = world.mdp.P.toarray().reshape(S, A, S)
    live = ~world.mdp.terminal
    np.testing.assert_allclose(P[live], P_ref[live], atol=1e-12)
    np.testing.assert_allclose(world.mdp.r, r_ref, atol=1e-12)
    np.testing.assert_allclose(world.mdp.p0, p0_ref, atol=1e-15)
    # terminal states: absorbing self-loops, zero reward
    for s in np.flatnonzero(world.mdp.terminal):
        np.testing.assert_array_equal(P[s, :, s], 1.0)
        np.testing.assert_array_equal(world.mdp.r[s], 0.0)


# ------------------------------------------------------------ layout
def test_states_are_row_major_like_gymnasium_without_walls():
    world = GridWorld(["S...", "....", "...G"])
    for r in range(3):
        for c in range(4):
            assert world.state(r, c) == r * 4 + c
            assert world.cell(r * 4 + c) == (r, c)
    assert world.mdp.names.states[5] == "(1, 1)"


def test_walls_are_skipped_in_row_major_order():
    world = GridWorld(["S#.", "..#", "..G"])
    expected = [(0, 0), (0, 2), (1, 0), (1, 1), (2, 0), (2, 1), (2, 2)]
    assert [world.cell(s) for s in range(world.n_states)] == expected
    assert world.cells.tolist() == [list(x) for x in expected]
    np.testing.assert_array_equal(world.walls, [[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    assert world.mdp.n_states == 7


def test_attributes():
    world = GridWorld("S..H\n#C.G", name="demo", description="a demo", gamma=0.5)
    assert world.shape == (2, 4)
    assert world.kinds.tolist() == [
        ["start", "floor", "floor", "hole"],
        ["wall", "cliff", "floor", "goal"],
    ]
    assert world.start_cells == [(0, 0)]
    assert world.terminal_cells == [(0, 3), (1, 3)]
    assert world.goal_cells == [(1, 3)]
    assert world.name == "demo" and world.description == "a demo"
    assert world.gamma == 0.5 and world.mdp.gamma == 0.5
    assert str(world) == "S..H\n#C.G"
    assert repr(world) == "GridWorld('demo', 2x4, n_states=7, n_actions=4, gamma=0.5)"
    assert set(KINDS) >= set(CHARS.values())
    assert not world.kinds.flags.writeable and not world.walls.flags.writeable


@pytest.mark.parametrize(
    ("moves", "names", "deltas"),
    [
        ("4", ("UP", "RIGHT", "DOWN", "LEFT"), [(-1, 0), (0, 1), (1, 0), (0, -1)]),
        (
            "4+stay",
            ("UP", "RIGHT", "DOWN", "LEFT", "STAY"),
            [(-1, 0), (0, 1), (1, 0), (0, -1), (0, 0)],
        ),
        (
            "8",
            (
                "UP",
                "UP_RIGHT",
                "RIGHT",
                "DOWN_RIGHT",
                "DOWN",
                "DOWN_LEFT",
                "LEFT",
                "UP_LEFT",
            ),
            [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)],
        ),
        (
            "8+stay",
            (
                "UP",
                "UP_RIGHT",
                "RIGHT",
                "DOWN_RIGHT",
                "DOWN",
                "DOWN_LEFT",
                "LEFT",
                "UP_LEFT",
                "STAY",
            ),
            [
                (-1, 0),
                (-1, 1),
                (0, 1),
                (1, 1),
                (1, 0),
                (1, -1),
                (0, -1),
                (-1, -1),
                (0, 0),
            ],
        ),
    ],
)
def test_action_sets(moves, names, deltas):
    world = GridWorld(["...", ".S.", "..."], moves=moves)
    assert world.action_names == names
    assert world.mdp.names.actions == names
    assert world.action_deltas.tolist() == [list(d) for d in deltas]
    # from the centre every move lands on centre + delta
    for a, (dr, dc) in enumerate(deltas):
        expect = np.zeros(9)
        expect[(1 + dr) * 3 + (1 + dc)] = 1.0
        np.testing.assert_array_equal(row(world, (1, 1), a), expect)


# ------------------------------------------------------------ map input
MAP = ["S.#", "..G"]


def test_map_forms_agree(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("\n  S.#\n\n  ..G  \n")
    worlds = [
        GridWorld(MAP),
        GridWorld("S.#\n..G"),
        GridWorld("""
            S.#
            ..G
        """),
        GridWorld(path),
        GridWorld(str(path)),
    ]
    for w in worlds[1:]:
        assert w.mdp == worlds[0].mdp
        assert str(w) == "S.#\n..G"


def test_str_round_trips():
    world = GridWorld(["S.X", "..$"], legend={"X": "wall", "$": ("goal", 5.0)})
    again = GridWorld(str(world), legend={"X": "wall", "$": ("goal", 5.0)})
    assert again.mdp == world.mdp


def test_one_row_map():
    world = GridWorld("S..G", step_reward=-1.0, goal_reward=0.0)
    assert world.shape == (1, 4)
    V = value_iteration(world.mdp).V
    np.testing.assert_allclose(V, [-3, -2, -1, 0])


# ------------------------------------------------------------ dynamics
def test_deterministic_rows_and_rewards():
    world = GridWorld(
        ["S.", "#G"], step_reward=-1.0, goal_reward=10.0, bump_reward=-5.0
    )
    # states: (0,0)=0, (0,1)=1, (1,1)=2 goal
    np.testing.assert_array_equal(row(world, (0, 0), RIGHT), [0, 1, 0])
    np.testing.assert_array_equal(row(world, (0, 0), DOWN), [1, 0, 0])  # wall: stay
    np.testing.assert_array_equal(row(world, (0, 1), DOWN), [0, 0, 1])
    r = world.mdp.r
    assert r[0, RIGHT] == -1.0
    assert r[0, DOWN] == -6.0  # step + bump into the wall
    assert r[0, UP] == -6.0  # step + bump off the grid
    assert r[1, DOWN] == 9.0  # step + goal reward on entering
    np.testing.assert_array_equal(r[2], 0.0)  # terminal: zero reward
    np.testing.assert_array_equal(row(world, (1, 1), UP), [0, 0, 1])  # absorbing
    assert world.mdp.terminal.tolist() == [False, False, True]


def test_perpendicular_slip_and_frozenlake_shorthand():
    world = GridWorld(["...", ".S.", "..."], slip=0.3)
    # UP from the centre: 0.7 up, 0.15 left, 0.15 right
    p = row(world, (1, 1), UP)
    assert p[world.state(0, 1)] == pytest.approx(0.7)
    assert p[world.state(1, 0)] == pytest.approx(0.15)
    assert p[world.state(1, 2)] == pytest.approx(0.15)
    fl = GridWorld(["...", ".S.", "..."], slip="frozenlake")
    p = row(fl, (1, 1), RIGHT)
    for cell in [(1, 2), (0, 1), (2, 1)]:
        assert p[fl.state(*cell)] == pytest.approx(1 / 3, abs=1e-15)


def test_diagonal_perpendicular_slip():
    world = GridWorld(["...", ".S.", "..."], moves="8", slip=0.5)
    p = row(world, (1, 1), 1)  # UP_RIGHT: slips to DOWN_RIGHT or UP_LEFT
    assert p[world.state(0, 2)] == pytest.approx(0.5)
    assert p[world.state(2, 2)] == pytest.approx(0.25)
    assert p[world.state(0, 0)] == pytest.approx(0.25)


def test_uniform_slip_and_stay():
    world = GridWorld(
        ["...", ".S.", "..."], moves="4+stay", slip=0.5, slip_mode="uniform"
    )
    p = row(world, (1, 1), UP)
    assert p[world.state(0, 1)] == pytest.approx(0.5 + 0.1)
    for cell in [(1, 0), (1, 2), (2, 1), (1, 1)]:
        assert p[world.state(*cell)] == pytest.approx(0.1)
    # STAY never slips in perpendicular mode
    w2 = GridWorld(["...", ".S.", "..."], moves="4+stay", slip=0.5)
    assert row(w2, (1, 1), 4)[w2.state(1, 1)] == 1.0


def test_merged_outcomes_keep_expected_reward_exact():
    # STAY and a bump both end in the same cell with different rewards
    world = GridWorld(
        ["S."],
        moves="4+stay",
        slip=0.4,
        slip_mode="uniform",
        bump_reward=-1.0,
        step_reward=0.0,
    )
    s = world.state(0, 0)
    # STAY from (0,0): 0.6 + 0.08 stay (no bump); 0.08 each UP, DOWN, LEFT bump;
    # 0.08 RIGHT moves
    assert world.mdp.r[s, 4] == pytest.approx(-0.24)
    R = world.mdp.R_sas
    k = s * 5 + 4
    lo, hi = world.mdp.P.indptr[k], world.mdp.P.indptr[k + 1]
    where = world.mdp.P.indices[lo:hi] == s
    # R(s, a, s) is the probability-weighted mean: -0.24 / 0.92
    assert R.data[lo:hi][where][0] == pytest.approx(-0.24 / 0.92)


def test_wind_pushes_up_from_the_origin_column():
    rows = ["....", "....", "....", "S..."]
    world = GridWorld(rows, wind=[0, 1, 2, 0])
    # RIGHT from (3,0): column 0 has no wind -> (3,1)
    np.testing.assert_array_equal(
        np.flatnonzero(row(world, (3, 0), RIGHT)), [world.state(3, 1)]
    )
    # RIGHT from (3,1): wind 1 of column 1 -> (2,2)
    np.testing.assert_array_equal(
        np.flatnonzero(row(world, (3, 1), RIGHT)), [world.state(2, 2)]
    )
    # UP from (1,2): move to (0,2), wind 2 clipped at the top edge
    np.testing.assert_array_equal(
        np.flatnonzero(row(world, (1, 2), UP)), [world.state(0, 2)]
    )
    # DOWN from (3,2) bumps the bottom edge, then wind 2 -> (1,2)
    np.testing.assert_array_equal(
        np.flatnonzero(row(world, (3, 2), DOWN)), [world.state(1, 2)]
    )


def test_wind_is_blocked_by_walls_and_negative_wind_pushes_down():
    world = GridWorld(["...", ".#.", "S.."], wind=[0, 3, -1])
    # RIGHT from (2,0) -> (2,1), wind 3 blocked by the wall at (1,1)
    assert row(world, (2, 0), RIGHT)[world.state(2, 1)] == 1.0
    # LEFT from (0,2) -> (0,1); wind -1 of column 2 pushes down... into the wall
    assert row(world, (0, 2), LEFT)[world.state(0, 1)] == 1.0
    # UP from (1,2) -> (0,2); pushed down back to (1,2): not "entering"
    assert row(world, (1, 2), UP)[world.state(1, 2)] == 1.0


def test_wind_noise_rule():
    world = GridWorld(["..", "..", "..", "S."], wind=[1, 0], wind_noise=0.6)
    p = row(world, (3, 0), RIGHT)  # to (3,1), then wind 1 +- 1
    assert p[world.state(2, 1)] == pytest.approx(0.4)
    assert p[world.state(1, 1)] == pytest.approx(0.3)
    assert p[world.state(3, 1)] == pytest.approx(0.3)
    p = row(world, (3, 1), LEFT)  # column 1 has no wind: no noise
    assert p[world.state(3, 0)] == 1.0


def test_cliff_sends_back_to_start_with_the_whole_cliff_reward():
    world = GridWorld(
        ["...", "SCG"], step_reward=-1.0, goal_reward=0.0, cliff_reward=-100.0
    )
    s = world.state(1, 0)
    np.testing.assert_array_equal(np.flatnonzero(row(world, (1, 0), RIGHT)), [s])
    assert world.mdp.r[s, RIGHT] == -100.0
    assert world.mdp.r[world.state(0, 1), DOWN] == -100.0
    assert world.mdp.step(world.state(0, 1), DOWN, seed=0) == (s, -100.0, False)
    assert not world.mdp.terminal[world.state(1, 1)]
    # around the cliff: up, right, right, down
    assert value_iteration(world.mdp).V[s] == pytest.approx(-4.0)


def test_cliff_with_two_starts_splits_the_fall():
    world = GridWorld(["S.S", ".C."])
    p = row(world, (1, 0), RIGHT)
    assert p[world.state(0, 0)] == p[world.state(0, 2)] == 0.5
    np.testing.assert_allclose(
        world.mdp.p0[[world.state(0, 0), world.state(0, 2)]], 0.5
    )


def test_jumps_by_letter_and_by_cell():
    world = GridWorld(
        ["A..", "..."],
        jumps={"A": ((1, 2), 10.0), (1, 0): ((0, 1), -2.0)},
        step_reward=-1.0,
    )
    for a in range(4):
        assert row(world, (0, 0), a)[world.state(1, 2)] == 1.0
        assert world.mdp.r[world.state(0, 0), a] == 10.0
        assert row(world, (1, 0), a)[world.state(0, 1)] == 1.0
        assert world.mdp.r[world.state(1, 0), a] == -2.0
    assert world.kinds[0, 0] == "jump" and world.kinds[1, 0] == "jump"


def test_legend_kinds_and_rewards():
    world = GridWorld(
        ["S.X$", "....", "...-"],
        legend={"X": "wall", "$": ("goal", 10.0), "-": ("hole", -3.0), ".": "floor"},
        step_reward=-1.0,
    )
    assert world.walls[0, 2]
    assert world.kinds[0, 3] == "goal" and world.kinds[2, 3] == "hole"
    assert world.terminal_cells == [(0, 3), (2, 3)]
    assert world.mdp.r[world.state(2, 2), RIGHT] == -4.0  # step + hole reward
    assert world.mdp.r[world.state(1, 3), UP] == 9.0  # step + goal reward
    w2 = GridWorld(["S.$", "..."], legend={"$": ("goal", 10.0)}, step_reward=-1.0)
    assert w2.mdp.r[w2.state(1, 2), UP] == 9.0  # step + goal reward
    # a legend entry overrides a built-in character
    w3 = GridWorld(["S.G"], legend={"G": ("goal", 7.0)})
    assert w3.mdp.r[w3.state(0, 1), RIGHT] == 7.0


def test_cell_rewards_paid_on_entering_only():
    world = GridWorld(["S..", "..G"], cell_rewards={(0, 1): 2.5, (1, 2): 4.0})
    assert world.mdp.r[world.state(0, 0), RIGHT] == 2.5
    assert world.mdp.r[world.state(0, 2), LEFT] == 2.5
    assert world.mdp.r[world.state(0, 1), UP] == 0.0  # bump: stays, no entry
    assert world.mdp.r[world.state(0, 2), DOWN] == 4.0  # replaces goal_reward


# ------------------------------------------------------------ start distribution
def test_p0_uniform_over_starts():
    world = GridWorld(["S.S", "..G"])
    expect = np.zeros(6)
    expect[[0, 2]] = 0.5
    np.testing.assert_array_equal(world.mdp.p0, expect)
    assert world.start_cells == [(0, 0), (0, 2)]


def test_p0_without_start_is_uniform_over_non_terminal_non_cliff():
    world = GridWorld(["..H", "..G"])
    np.testing.assert_allclose(world.mdp.p0, [0.25, 0.25, 0, 0.25, 0.25, 0])
    assert world.start_cells == [(0, 0), (0, 1), (1, 0), (1, 1)]


# ------------------------------------------------------------ values
def test_values_are_shortest_path_lengths_in_a_maze():
    rows = [
        "S.#......",
        ".##.####.",
        "....#..#.",
        "##.##.##.",
        "......#.G",
    ]
    world = GridWorld(rows, step_reward=-1.0, goal_reward=0.0)
    V = value_iteration(world.mdp).V
    G = state_graph(world.mdp.P, world.n_actions)
    dist = distance_to(G, world.mdp.terminal)
    np.testing.assert_allclose(V, -dist)


def test_random_policy_value_matches_linear_solve():
    world = GridWorld(
        ["S..", ".#.", "..G"], step_reward=-1.0, goal_reward=0.0, slip=0.2
    )
    pi = np.full((world.n_states, 4), 0.25)
    V = evaluate_policy(world.mdp, pi)
    # V = r_pi + P_pi V on non-terminal states, by a dense solve
    P = world.mdp.P.toarray().reshape(world.n_states, 4, world.n_states)
    P_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = (pi * world.mdp.r).sum(axis=1)
    live = ~world.mdp.terminal
    x = np.linalg.solve(np.eye(live.sum()) - P_pi[np.ix_(live, live)], r_pi[live])
    np.testing.assert_allclose(V[live], x, atol=1e-9)


def test_to_grid():
    world = GridWorld(["S#", ".G"])
    out = world.to_grid([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.isnan(out), [[False, True], [False, False]])
    np.testing.assert_array_equal(
        world.to_grid([1, 2, 3], fill=-1.0), [[1, -1], [2, 3]]
    )


def test_big_map_builds():
    rng = np.random.default_rng(1)
    grid = np.where(rng.random((200, 200)) < 0.2, "#", ".")
    grid[0, 0], grid[-1, -1] = "S", "G"
    grid[0, 1] = grid[1, 0] = "."
    grid[-1, -2] = grid[-2, -1] = "."
    rows = ["".join(r) for r in grid]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnreachableGoalWarning)
        world = GridWorld(rows, slip=0.1, wind=[1] * 200, wind_noise=0.5)
    assert world.n_states == int((grid != "#").sum())


# ------------------------------------------------------------ warnings
def test_unreachable_goal_warns():
    with pytest.warns(
        UnreachableGoalWarning, match=r"goal cell\(s\) \(0, 4\) cannot be reached"
    ):
        GridWorld(["S.##G"])


def test_start_that_cannot_reach_a_goal_warns():
    with pytest.warns(
        UnreachableGoalWarning, match=r"start cell\(s\) \(0, 4\) cannot reach any goal"
    ):
        GridWorld(["S.G#S"])


def test_no_warning_when_every_goal_is_reachable():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GridWorld(["S.H.G", "....."], slip=0.5)


# ------------------------------------------------------------ errors
def test_errors_are_value_errors():
    assert issubclass(GridWorldError, MDPError)
    assert issubclass(GridWorldError, ValueError)


@pytest.mark.parametrize(
    ("grid_map", "kwargs", "match"),
    [
        (
            ["S.x", "..G"],
            {},
            r"unknown map character 'x' at line 1, column 3 \(cell \(0, 2\)\).*legend",
        ),
        (
            "\nS..\n..?\n",
            {},
            r"unknown map character '\?' at line 3, column 3 \(cell \(1, 2\)\)",
        ),
        (
            ["S..", "..", "..G"],
            {},
            r"ragged grid map: line 2 has 2 cells but line 1 has 3",
        ),
        ("", {}, r"grid map is empty"),
        (["  ", ""], {}, r"grid map is empty"),
        (["###"], {}, r"only walls"),
        (3.5, {}, r"`grid_map` must be a multi-line string.*got float"),
        ("no_such_map.txt", {}, r"no such map file 'no_such_map.txt'"),
        (["CS"], {"legend": {"S": "floor"}}, r"cliff cells \('C'\) but no start"),
        (["GH"], {}, r"no start cell \('S'\) and no non-terminal cell"),
        (["S.G"], {"legend": "X"}, r"`legend` must be a dict"),
        (["S.G"], {"legend": {"XY": "wall"}}, r"`legend` key 'XY' must be a single"),
        (
            ["S.G"],
            {"legend": {"X": "lava"}},
            r"unknown kind 'lava'; valid kinds: floor, wall",
        ),
        (
            ["S.G"],
            {"legend": {"X": ("goal",)}},
            r"expected a kind name or a \(kind, reward\) pair",
        ),
        (["S.G"], {"legend": {"X": ("wall", 1.0)}}, r"gives a reward to a wall"),
        (
            ["S.G"],
            {"legend": {"X": ("goal", "big")}},
            r"`legend\['X'\] reward` must be a finite number",
        ),
        (["S.G"], {"jumps": [1]}, r"`jumps` must be a dict"),
        (
            ["SAG"],
            {"jumps": {"A": (0,)}},
            r"`jumps\['A'\]` = \(0,\); expected \(\(row, col\), reward\)",
        ),
        (
            ["SAG"],
            {"jumps": {"A": (0, 1)}},  # a target without its reward
            r"`jumps\['A'\]` = \(0, 1\); expected \(\(row, col\), reward\)",
        ),
        (
            ["SAG"],
            {"jumps": {"A": ((0.5, 1), 1.0)}},
            r"`jumps\['A'\]` target must be a \(row, col\) pair of integers",
        ),
        (
            ["SAG"],
            {"jumps": {"G": ((0, 0), 1.0)}},
            r"`jumps` key 'G' is already a map character \(goal\)",
        ),
        (
            ["SAG"],
            {"jumps": {"AB": ((0, 0), 1.0)}},
            r"`jumps` key 'AB' must be a single map letter",
        ),
        (
            ["S.G"],
            {"jumps": {"A": ((0, 0), 1.0)}},
            r"`jumps` key 'A' does not appear in the map",
        ),
        (
            ["SAG"],
            {"jumps": {"A": ((3, 0), 1.0)}},
            r"`jumps\['A'\]` target \(3, 0\) is outside the 1x3 grid",
        ),
        (
            ["SAG#"],
            {"jumps": {"A": ((0, 3), 1.0)}},
            r"`jumps\['A'\]` target \(0, 3\) is a wall cell",
        ),
        (
            ["SAGC"],
            {"jumps": {"A": ((0, 3), 1.0)}},
            r"`jumps\['A'\]` target \(0, 3\) is a cliff cell",
        ),
        (
            ["S.G"],
            {"jumps": {(0, 0): ((0, 1), 1.0)}},
            r"`jumps` key \(0, 0\) is a start cell; a jump must start from a floor",
        ),
        (
            ["S#G"],
            {"jumps": {(0, 1): ((0, 0), 1.0)}},
            r"`jumps` cell \(0, 1\) is a wall",
        ),
        (
            ["S.G"],
            {"jumps": {(5, 1): ((0, 0), 1.0)}},
            r"`jumps` cell \(5, 1\) is outside the 1x3 grid",
        ),
        (["S.G"], {"cell_rewards": [((0, 1), 1.0)]}, r"`cell_rewards` must be a dict"),
        (
            ["S.G"],
            {"cell_rewards": {0: 1.0}},
            r"cell_rewards key must be a \(row, col\) pair",
        ),
        (
            ["S#G"],
            {"cell_rewards": {(0, 1): 1.0}},
            r"`cell_rewards` cell \(0, 1\) is a wall",
        ),
        (
            ["S.G"],
            {"cell_rewards": {(0, 7): 1.0}},
            r"`cell_rewards` cell \(0, 7\) is outside",
        ),
        (
            ["S.G"],
            {"cell_rewards": {(0, 1): np.nan}},
            r"`cell_rewards\[\(0, 1\)\]` must be a finite number",
        ),
        (
            ["S.G"],
            {"step_reward": np.inf},
            r"`step_reward` must be a finite number; got inf",
        ),
        (
            ["S.G"],
            {"bump_reward": "x"},
            r"`bump_reward` must be a finite number; got 'x'",
        ),
        (
            ["S.G"],
            {"moves": "6"},
            r"`moves` must be one of '4', '8', '4\+stay', '8\+stay' or a sequence "
            r"of move names; got '6'",
        ),
        (["S.G"], {"moves": 4}, r"`moves` must be one of"),
        (["S.G"], {"moves": ["4"]}, r"`moves` must be one of .*; unknown move '4'"),
        (
            ["S.G"],
            {"moves": []},
            r"non-empty sequence of move names from UP, .*; got \[\]",
        ),
        (["S.G"], {"moves": ("UP", "UP")}, r"`moves` names 'UP' twice"),
        (
            ["S.G"],
            {"moves": ("UP", "DOWN"), "slip": 0.1},
            r"a perpendicular slip from UP goes to RIGHT and LEFT, which are not in "
            r"`moves`; add them, or use slip_mode='uniform'",
        ),
        (
            ["S.G"],
            {"slip_mode": ["uniform"]},
            r"`slip_mode` must be 'perpendicular' or 'uniform'",
        ),
        (["S.G"], {"slip": 1.5}, r"`slip` must be a probability in \[0, 1\]; got 1.5"),
        (
            ["S.G"],
            {"slip": "icy"},
            r"`slip` must be a probability in \[0, 1\] or 'frozenlake'; got 'icy'",
        ),
        (
            ["S.G"],
            {"slip": "frozenlake", "slip_mode": "uniform"},
            r"slip='frozenlake' is the perpendicular rule",
        ),
        (
            ["S.G"],
            {"slip_mode": "random"},
            r"`slip_mode` must be 'perpendicular' or 'uniform'",
        ),
        (
            ["S.G"],
            {"wind": [0, 1]},
            r"`wind` has shape \(2,\); expected \(3,\), one upward push per column",
        ),
        (["S.G"], {"wind": [0, 0.5, 0]}, r"`wind` must hold whole numbers of cells"),
        (
            ["S.G"],
            {"wind": [0, 1, 0], "wind_noise": 2.0},
            r"`wind_noise` must be a probability in \[0, 1\]; got 2.0",
        ),
        (["S.G"], {"wind_noise": 0.5}, r"`wind_noise` needs `wind`"),
        (["S.G"], {"gamma": 1.5}, r"`gamma` must be in \[0, 1\]"),
    ],
)
def test_input_errors(grid_map, kwargs, match):
    with pytest.raises(
        GridWorldError if "gamma" not in kwargs else MDPError, match=match
    ):
        GridWorld(grid_map, **kwargs)


def test_map_file_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("S..\n.x.\n")
    with pytest.raises(
        GridWorldError,
        match=r"unknown map character 'x' at '.*bad.txt', line 2, column 2",
    ):
        GridWorld(path)
    path.write_text("S..\n..\n")
    with pytest.raises(
        GridWorldError, match=r"ragged grid map '.*bad.txt': line 2 has 2 cells"
    ):
        GridWorld(Path(path))
    with pytest.raises(
        GridWorldError, match=r"cannot read the grid map file '.*missing.txt'"
    ):
        GridWorld(tmp_path / "missing.txt")


def test_lookup_errors():
    world = GridWorld(["S#", ".G"])
    with pytest.raises(
        GridWorldError, match=r"cell \(0, 1\) is a wall and has no state"
    ):
        world.state(0, 1)
    with pytest.raises(GridWorldError, match=r"cell \(2, 0\) is outside the 2x2 grid"):
        world.state(2, 0)
    with pytest.raises(
        GridWorldError, match=r"cell must be a \(row, col\) pair of integers"
    ):
        world.state(0.5, 1)
    with pytest.raises(GridWorldError, match=r"state 3 is out of range \(valid 0..2\)"):
        world.cell(3)
    with pytest.raises(GridWorldError, match=r"state must be an integer; got 'a'"):
        world.cell("a")
    with pytest.raises(GridWorldError, match=r"`x` has shape \(4,\); expected \(3,\)"):
        world.to_grid([1, 2, 3, 4])


def test_moves_as_names_reorder_the_actions():
    # a sequence of move names numbers the actions in that order (Gymnasium's
    # FrozenLake: LEFT, DOWN, RIGHT, UP); the dynamics are the same, permuted
    grid = ["S..", ".H.", "..G"]
    base = GridWorld(grid, slip="frozenlake")
    order = ("LEFT", "DOWN", "RIGHT", "UP")
    lake = GridWorld(grid, slip="frozenlake", moves=order)
    assert lake.action_names == order
    perm = [base.action_names.index(n) for n in order]
    np.testing.assert_array_equal(lake.action_deltas, base.action_deltas[perm])
    P_b, _ = base.mdp.to_dense()
    P_l, _ = lake.mdp.to_dense()
    np.testing.assert_allclose(P_l, P_b[:, perm, :])
    np.testing.assert_allclose(lake.mdp.r, base.mdp.r[:, perm])


@pytest.mark.parametrize("seed", range(12))
def test_any_move_order_is_the_reference_tables_permuted(seed):
    # moves given by name in a random order: the same dynamics as the
    # reference implementation (slips, wind, cliffs, jumps), actions permuted
    rows, kw = random_case(seed)
    base = quiet(rows, **kw)
    perm = np.random.default_rng(seed).permutation(base.n_actions)
    names = tuple(base.action_names[i] for i in perm)
    world = quiet(rows, **{**kw, "moves": names})
    assert world.action_names == names
    P_ref, r_ref, _ = reference_tables(rows, **kw)
    S, A = world.n_states, world.n_actions
    P = world.mdp.P.toarray().reshape(S, A, S)
    live = ~world.mdp.terminal
    np.testing.assert_allclose(P[live], P_ref[live][:, perm], atol=1e-12)
    np.testing.assert_allclose(world.mdp.r[live], r_ref[live][:, perm], atol=1e-12)
