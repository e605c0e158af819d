"""Value, policy, Q and occupancy maps, bars and curves (:mod:`worlds.plot`).

Structure, not pixels: arrows are counted and their screen directions
checked against ``action_deltas``, colour limits against ``V``, masks
against the walls, printed numbers against the values, wedges per cell.
Every plot is also rendered once (Agg) so that draw-time warnings fail.
"""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import LogNorm, to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from mdp import MDP, PolicyError  # noqa: E402
from mdp import policy as pol  # noqa: E402
from solvers import (  # noqa: E402
    evaluate_policy,
    modified_policy_iteration,
    policy_iteration,
    value_iteration,
)
from worlds import make  # noqa: E402
from worlds.grid import GridWorld, UnreachableGoalWarning  # noqa: E402
from worlds.plot import (  # noqa: E402
    GID_ANNOTATION,
    GID_ARROWS,
    GID_CLIFFS,
    GID_MARKER,
    GID_OUTLINE,
    GID_STAY,
    GID_TILES,
    GID_VALUES,
    GID_WALLS,
    GID_WEDGES,
    convergence,
    occupancy_map,
    policy_map,
    q_map,
    value_bars,
    value_map,
    value_policy_figure,
)

MAP4 = "S..#\n.#.G\n.H..\n...."
DELTA = {"UP": (-1, 0), "RIGHT": (0, 1), "DOWN": (1, 0), "LEFT": (0, -1)}


@pytest.fixture(autouse=True)
def _close_figures():
    """Every test starts and ends without open pyplot figures."""
    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture
def ax():
    return plt.subplots()[1]


@pytest.fixture(scope="module")
def w4() -> GridWorld:
    return GridWorld(
        MAP4, step_reward=-1.0, goal_reward=0.0, hole_reward=-5.0, gamma=0.95
    )


@pytest.fixture(scope="module")
def sol4(w4):
    return value_iteration(w4.mdp)


def open_map(n: int, seed: int = 0, p_wall: float = 0.12) -> GridWorld:
    """An n x n map with scattered walls, S top-left and G bottom-right."""
    rng = np.random.default_rng(seed)
    rows = [["#" if rng.random() < p_wall else "." for _ in range(n)] for _ in range(n)]
    rows[0][0], rows[-1][-1] = "S", "G"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnreachableGoalWarning)
        return GridWorld(
            ["".join(r) for r in rows], step_reward=-1.0, goal_reward=0.0, gamma=0.95
        )


class StandIn:
    """A grid world with exactly the attributes the plots may use."""

    def __init__(self, world: GridWorld, deltas=None):
        self.mdp = world.mdp
        self.shape = world.shape
        self.walls = np.asarray(world.walls)
        self.kinds = np.asarray(world.kinds)
        self.start_cells = list(world.start_cells)
        self.terminal_cells = list(world.terminal_cells)
        self.action_deltas = np.asarray(
            world.action_deltas if deltas is None else deltas
        )
        self.action_names = world.action_names
        self.name = "stand-in"
        self._cells = np.argwhere(~self.walls)

    def state(self, row, col):
        return int(np.flatnonzero((self._cells == (row, col)).all(axis=1))[0])

    def cell(self, s):
        return tuple(int(i) for i in self._cells[s])


# ----------------------------------------------------------------- helpers
def by_gid(ax, gid):
    artists = [*ax.collections, *ax.images, *ax.texts, *ax.patches]
    return [a for a in artists if a.get_gid() == gid]


def one(ax, gid):
    found = by_gid(ax, gid)
    assert len(found) == 1, (gid, found)
    return found[0]


def texts(ax, gid=GID_ANNOTATION):
    return [t for t in ax.texts if t.get_gid() == gid]


def render(fig) -> None:
    """Draw to PNG in memory: draw-time warnings become errors."""
    fig.savefig(io.BytesIO(), format="png", dpi=40)


def screen_vectors(ax, quiver) -> np.ndarray:
    """Tail-to-tip vector of each arrow in display coordinates (y up)."""
    tails = np.column_stack([quiver.X, quiver.Y])
    tips = tails + np.column_stack([quiver.U, quiver.V])
    return ax.transData.transform(tips) - ax.transData.transform(tails)


def arrow_cells(quiver, lengths_from_centre: bool) -> np.ndarray:
    """(row, col) of the cell each arrow belongs to."""
    tails = np.column_stack([quiver.X, quiver.Y])
    centre = tails + (0.0 if lengths_from_centre else 0.5) * np.column_stack(
        [quiver.U, quiver.V]
    )
    return np.rint(centre[:, ::-1]).astype(int)


def non_terminal(world) -> np.ndarray:
    return np.flatnonzero(~world.mdp.terminal)


def live_range(world, V) -> tuple[float, float]:
    """Colour limits: min and max over the non-terminal states."""
    v = np.asarray(V)[non_terminal(world)]
    return (v.min(), v.max())


# --------------------------------------------------------------- value_map
def test_value_map_colour_limits_are_min_max_over_non_terminal_states(w4, sol4, ax):
    value_map(w4, sol4.V, ax=ax)
    image = one(ax, GID_VALUES)
    lo, hi = live_range(w4, sol4.V)
    assert hi < sol4.V.max() == 0.0  # the terminal cells' 0 takes no part
    assert image.get_clim() == (lo, hi)
    assert image.colorbar is not None
    assert image.colorbar.ax in [*ax.figure.axes, *ax.child_axes]
    assert image.colorbar.vmin == lo and image.colorbar.vmax == hi
    render(ax.figure)


def test_value_map_masks_walls_and_lays_values_out_row_major(w4, sol4, ax):
    value_map(w4, sol4.V, ax=ax)
    data = one(ax, GID_VALUES).get_array()
    tiles = np.zeros(w4.shape, dtype=bool)
    for cell in w4.terminal_cells:
        tiles[cell] = True
    np.testing.assert_array_equal(np.ma.getmaskarray(data), w4.walls | tiles)
    for s in non_terminal(w4):
        assert data[w4.cell(s)] == sol4.V[s]
    ax2 = plt.subplots()[1]
    value_map(w4, sol4.V, ax=ax2, mark_terminals=False)  # terminals as data
    data = one(ax2, GID_VALUES).get_array()
    np.testing.assert_array_equal(np.ma.getmaskarray(data), w4.walls)
    for s in range(w4.mdp.n_states):
        assert data[w4.cell(s)] == sol4.V[s]
    assert one(ax2, GID_VALUES).get_clim() == (sol4.V.min(), sol4.V.max())
    walls = one(ax, GID_WALLS)
    assert len(walls.get_paths()) == int(w4.walls.sum())
    # the y axis runs down: row 0 on top
    assert ax.get_ylim() == (3.5, -0.5) and ax.get_xlim() == (-0.5, 3.5)


def test_value_map_wall_extremes_do_not_stretch_the_scale(w4, ax):
    V = np.linspace(-1.0, 1.0, w4.mdp.n_states)
    value_map(w4, V, ax=ax)
    assert one(ax, GID_VALUES).get_clim() == (-1.0, 1.0)


def test_value_map_annotations_are_the_values_of_non_terminal_cells(w4, sol4, ax):
    value_map(w4, sol4.V, ax=ax, fmt=".3f")
    shown = texts(ax)
    live = non_terminal(w4)
    assert len(shown) == live.size
    expected = {w4.cell(s): f"{sol4.V[s]:.3f}" for s in live}
    for t in shown:
        x, y = t.get_position()
        cell = (int(np.rint(y)), int(np.rint(x)))
        assert t.get_text() == expected[cell]


def test_value_map_labels_start_and_terminals(w4, sol4, ax):
    value_map(w4, sol4.V, ax=ax)
    labels = sorted(t.get_text() for t in texts(ax, GID_MARKER))
    assert labels == ["G", "H", "S"]
    assert len(by_gid(ax, GID_OUTLINE)) == len(w4.terminal_cells)
    g = next(t for t in texts(ax, GID_MARKER) if t.get_text() == "G")
    assert g.get_position() == (3, 1)


def test_jump_cells_show_their_letter(ax):
    world = GridWorld("SA.\n..G", jumps={"A": ((1, 0), 5.0)})
    value_map(world, np.zeros(world.mdp.n_states), ax=ax)
    corner = sorted(t.get_text() for t in texts(ax, GID_MARKER))
    assert corner == ["A", "G", "S"]


def test_no_start_mark_when_every_cell_may_start(ax):
    world = GridWorld("...\n.#G")  # no S: p0 is uniform over the floor
    assert len(world.start_cells) == 4
    value_map(world, np.zeros(world.mdp.n_states), ax=ax)
    assert [t.get_text() for t in texts(ax, GID_MARKER)] == ["G"]


def test_value_map_without_marks_prints_every_value(w4, sol4, ax):
    value_map(w4, sol4.V, ax=ax, mark_terminals=False, mark_start=False)
    assert len(texts(ax)) == w4.mdp.n_states
    assert texts(ax, GID_MARKER) == [] and by_gid(ax, GID_OUTLINE) == []


def test_value_map_text_colour_contrasts_with_the_cell(w4, sol4, ax):
    value_map(w4, sol4.V, ax=ax, cmap="gray")
    colour = {t.get_text(): t.get_color() for t in texts(ax)}
    lo, hi = sol4.V[non_terminal(w4)].min(), sol4.V[non_terminal(w4)].max()
    assert colour[f"{lo:.2f}"] == "white"  # black cell
    assert colour[f"{hi:.2f}"] == "black"  # light cell


def test_value_map_annotate_auto_on_small_off_large(ax):
    small, big = open_map(12), open_map(30)
    value_map(small, np.zeros(small.mdp.n_states), ax=ax)
    assert len(texts(ax)) == (~small.mdp.terminal).sum()
    ax2 = plt.subplots()[1]
    value_map(big, np.arange(big.mdp.n_states, dtype=float), ax=ax2)
    assert texts(ax2) == []
    render(ax2.figure)


def test_value_map_font_shrinks_with_the_cells(w4, sol4, ax):
    value_map(w4, sol4.V, ax=ax)
    big = open_map(12)
    ax2 = plt.subplots()[1]
    value_map(big, np.zeros(big.mdp.n_states), ax=ax2, annotate=True)
    assert texts(ax2)[0].get_fontsize() < texts(ax)[0].get_fontsize()


def test_value_map_options(w4, sol4, ax):
    value_map(
        w4,
        sol4.V,
        ax=ax,
        vmin=-10,
        vmax=5,
        colorbar=False,
        annotate=False,
        title="t",
        show_walls=False,
    )
    image = one(ax, GID_VALUES)
    assert image.get_clim() == (-10.0, 5.0)
    assert image.colorbar is None and len(ax.figure.axes) == 1
    assert texts(ax) == [] and by_gid(ax, GID_WALLS) == []
    assert ax.get_title() == "t"


def test_value_map_ticks_are_indices(ax):
    world = open_map(7)
    value_map(world, np.zeros(world.mdp.n_states), ax=ax)
    assert list(ax.get_xticks()) == list(range(7))
    assert list(ax.get_yticks()) == list(range(7))


def test_value_map_nan_cells_are_blank(w4, ax):
    V = np.arange(w4.mdp.n_states, dtype=float)
    V[2] = np.nan
    value_map(w4, V, ax=ax, mark_terminals=False, mark_start=False)
    assert np.ma.getmaskarray(one(ax, GID_VALUES).get_array())[w4.cell(2)]
    assert len(texts(ax)) == w4.mdp.n_states - 1


def test_value_map_format_callable_and_no_negative_zero(w4, ax):
    V = np.full(w4.mdp.n_states, -1e-12)
    value_map(w4, V, ax=ax, mark_terminals=False, mark_start=False)
    assert {t.get_text() for t in texts(ax)} == {"0.00"}
    ax2 = plt.subplots()[1]
    value_map(w4, V, ax=ax2, fmt=lambda v: "x", mark_terminals=False)
    assert {t.get_text() for t in texts(ax2)} == {"x"}


def test_value_map_default_axes_is_current(w4, sol4):
    plt.figure()
    current = plt.gca()
    assert value_map(w4, sol4.V) is current


def test_value_map_accepts_the_stand_in(w4, sol4, ax):
    value_map(StandIn(w4), sol4.V, ax=ax)
    assert one(ax, GID_VALUES).get_clim() == live_range(w4, sol4.V)
    # no .chars: the kind letters
    assert sorted(t.get_text() for t in texts(ax, GID_MARKER)) == ["G", "H", "S"]


def test_value_map_on_a_map_with_cliffs(ax):
    world = GridWorld("....\nSCCG", step_reward=-1.0, goal_reward=0.0)
    V = value_iteration(world.mdp).V
    value_map(world, V, ax=ax)
    assert sorted(t.get_text() for t in texts(ax, GID_MARKER)) == ["C", "C", "G", "S"]
    render(ax.figure)


# ------------------------------------------------------- terminal and cliff tiles
def luminance(rgba) -> float:
    rgb = np.asarray(rgba)[:3]
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def cell_of(text) -> tuple[int, int]:
    x, y = text.get_position()
    return int(np.rint(y)), int(np.rint(x))


def test_terminal_tiles_have_a_fixed_fill_by_kind(w4, sol4, ax):
    value_map(w4, sol4.V, ax=ax)
    tiles = one(ax, GID_TILES)
    assert len(tiles.get_paths()) == 2  # G (state 5) then H (state 7)
    goal, hole = tiles.get_facecolors()
    assert goal[1] > 1.5 * goal[0] and goal[1] > 1.5 * goal[2]  # a clear green
    assert luminance(hole) < 0.05 and hole[2] > hole[0]  # dark blue
    # the same fills whatever the values: not on the colour scale
    ax2 = plt.subplots()[1]
    value_map(w4, -sol4.V, ax=ax2, cmap="magma")
    np.testing.assert_array_equal(one(ax2, GID_TILES).get_facecolors(), [goal, hole])
    # letters contrast with their tile; no number on a tile
    letters = {t.get_text(): t for t in texts(ax, GID_MARKER)}
    assert letters["H"].get_color() == "white"
    assert cell_of(letters["G"]) == (1, 3) and cell_of(letters["H"]) == (2, 1)
    assert {cell_of(t) for t in texts(ax)}.isdisjoint({(1, 3), (2, 1)})
    render(ax.figure)


def test_a_grey_tile_for_other_terminals(w4, sol4, ax):
    other = StandIn(w4)
    other.kinds = np.where(other.kinds == "hole", "floor", other.kinds)
    value_map(other, sol4.V, ax=ax)
    _, plain = one(ax, GID_TILES).get_facecolors()
    assert plain[0] == plain[1] == plain[2]  # grey
    assert sorted(t.get_text() for t in texts(ax, GID_MARKER)) == ["G", "S", "T"]


def test_terminals_are_labelled_by_their_map_character(ax):
    world = make("russell-norvig-4x3")
    V = value_iteration(world.mdp).V
    value_map(world, V, ax=ax)
    labels = {t.get_text(): cell_of(t) for t in texts(ax, GID_MARKER)}
    # "+" pays +1 on entry, "-" pays -1 (a minus sign on screen); no "H"
    assert labels == {"+": (0, 3), "\u2212": (1, 3), "S": (2, 0)}
    goal, hole = one(ax, GID_TILES).get_facecolors()
    assert goal[1] > goal[0] and luminance(hole) < 0.05
    assert one(ax, GID_VALUES).get_clim() == live_range(world, V)
    render(ax.figure)


def test_no_tiles_without_mark_terminals(w4, sol4, ax):
    value_map(w4, sol4.V, ax=ax, mark_terminals=False)
    assert by_gid(ax, GID_TILES) == [] and by_gid(ax, GID_OUTLINE) == []
    occupancy_map(w4, np.ones(w4.mdp.n_states), ax=plt.subplots()[1])


CLIFF = "....\nSCCG"


@pytest.fixture
def cliff_world() -> GridWorld:
    return GridWorld(CLIFF, step_reward=-1.0, goal_reward=0.0)


def cliff_states(world) -> list[int]:
    return [world.state(1, 1), world.state(1, 2)]


def test_value_map_cliff_tiles(cliff_world, ax):
    V = value_iteration(cliff_world.mdp).V
    V[cliff_states(cliff_world)] = [-1e3, 1e3]  # whatever they hold: not shown
    value_map(cliff_world, V, ax=ax)
    cliffs = one(ax, GID_CLIFFS)
    assert len(cliffs.get_paths()) == 2 and cliffs.get_hatch()
    r, g, b, _ = cliffs.get_facecolors()[0]
    assert r > g and r > b  # red-brown
    image = one(ax, GID_VALUES)
    kept = [s for s in non_terminal(cliff_world) if s not in cliff_states(cliff_world)]
    assert image.get_clim() == (V[kept].min(), V[kept].max())
    mask = np.ma.getmaskarray(image.get_array())
    assert mask[1, 1] and mask[1, 2] and mask[1, 3] and not mask[1, 0]
    assert {cell_of(t) for t in texts(ax)}.isdisjoint({(1, 1), (1, 2), (1, 3)})
    letters = sorted((t.get_text(), cell_of(t)) for t in texts(ax, GID_MARKER))
    assert letters[:2] == [("C", (1, 1)), ("C", (1, 2))]  # centred on the tiles
    render(ax.figure)


@pytest.mark.parametrize("with_values", [False, True])
def test_policy_map_no_arrow_on_cliffs(cliff_world, ax, with_values):
    sol = value_iteration(cliff_world.mdp)
    policy_map(cliff_world, sol.policy, ax=ax, V=sol.V if with_values else None)
    quiver = one(ax, GID_ARROWS)
    assert quiver.N == non_terminal(cliff_world).size - 2
    cells = {tuple(c) for c in arrow_cells(quiver, lengths_from_centre=False)}
    assert cells.isdisjoint({(1, 1), (1, 2)})
    assert len(one(ax, GID_CLIFFS).get_paths()) == 2
    assert len(one(ax, GID_TILES).get_paths()) == 1
    render(ax.figure)


def test_q_map_no_wedges_on_cliffs_and_terminals(cliff_world, ax):
    Q = value_iteration(cliff_world.mdp).Q
    Q[cliff_states(cliff_world)] = 1e3
    q_map(cliff_world, Q, ax=ax)
    wedges = one(ax, GID_WEDGES)
    assert len(wedges.get_paths()) == 4 * 5  # the top row and S
    centres = np.array([p.vertices.mean(axis=0) for p in wedges.get_paths()])
    cells = {(int(np.rint(y)), int(np.rint(x))) for x, y in centres}
    assert cells == {(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)}
    assert wedges.get_clim()[1] < 1e3
    assert len(one(ax, GID_CLIFFS).get_paths()) == 2
    assert len(one(ax, GID_TILES).get_paths()) == 1
    assert sorted(t.get_text() for t in texts(ax, GID_MARKER)) == ["C", "C", "G", "S"]
    assert {cell_of(t) for t in texts(ax)}.isdisjoint({(1, 1), (1, 2), (1, 3)})
    render(ax.figure)


def test_q_map_terminal_letters_sit_on_a_clean_tile(w4, sol4, ax):
    q_map(w4, sol4.Q, ax=ax)
    assert len(one(ax, GID_TILES).get_paths()) == len(w4.terminal_cells)
    centres = [p.vertices.mean(axis=0) for p in one(ax, GID_WEDGES).get_paths()]
    cells = {(int(np.rint(y)), int(np.rint(x))) for x, y in centres}
    assert cells.isdisjoint(set(w4.terminal_cells))


def test_occupancy_map_cliffs_are_tiles_outside_the_scale(cliff_world, ax):
    d = np.arange(cliff_world.mdp.n_states, dtype=float) + 1.0
    occupancy_map(cliff_world, d, ax=ax, log=True)
    image = one(ax, GID_VALUES)
    assert len(one(ax, GID_CLIFFS).get_paths()) == 2
    kept = np.delete(d, cliff_states(cliff_world))
    assert image.get_clim() == pytest.approx((kept.min(), kept.max()))
    assert by_gid(ax, GID_TILES) == []  # terminals stay data in occupancy maps
    render(ax.figure)


# -------------------------------------------------------------- policy_map
def test_deterministic_policy_one_arrow_per_non_terminal_cell(w4, sol4, ax):
    policy_map(w4, sol4.policy, ax=ax)
    quiver = one(ax, GID_ARROWS)
    live = non_terminal(w4)
    assert quiver.N == live.size
    cells = {tuple(c) for c in arrow_cells(quiver, lengths_from_centre=False)}
    assert cells == {w4.cell(s) for s in live}
    render(ax.figure)


@pytest.mark.parametrize("with_values", [False, True])
def test_arrows_point_the_way_of_action_deltas_on_screen(w4, ax, with_values):
    live = non_terminal(w4)
    pi = np.zeros(w4.mdp.n_states, dtype=int)
    pi[live] = np.arange(live.size) % 4  # every action appears
    V = np.linspace(0, 1, w4.mdp.n_states) if with_values else None
    policy_map(w4, pi, ax=ax, V=V)
    quiver = one(ax, GID_ARROWS)
    vec = screen_vectors(ax, quiver)
    cells = arrow_cells(quiver, lengths_from_centre=False)
    for (r, c), (dx, dy) in zip(cells, vec, strict=True):
        a = pi[w4.state(r, c)]
        drow, dcol = w4.action_deltas[a]
        assert np.sign(dx) == dcol and np.sign(dy) == -drow  # display y points up
        if w4.action_names[a] == "UP":
            assert dy > 0 and dx == 0


def test_stochastic_policy_draws_each_positive_action(w4, sol4, ax):
    pi = pol.epsilon_greedy(sol4.Q, 0.2)
    pi[0] = [0.5, 0.5, 0.0, 0.0]
    policy_map(w4, pi, ax=ax)
    quiver = one(ax, GID_ARROWS)
    live = non_terminal(w4)
    assert quiver.N == int((pi[live] > 0).sum())
    # tails at the centres; lengths proportional to the probabilities
    cells = arrow_cells(quiver, lengths_from_centre=True)
    vec = np.column_stack([quiver.U, quiver.V])
    length = np.hypot(vec[:, 0], vec[:, 1])
    probs = []
    for (r, c), (u, v) in zip(cells, vec, strict=True):
        a = [
            k
            for k, d in enumerate(w4.action_deltas)
            if np.sign(v) == d[0] and np.sign(u) == d[1]
        ]
        probs.append(pi[w4.state(r, c), a[0]])
    ratio = length / np.array(probs)
    np.testing.assert_allclose(ratio, ratio[0])
    render(ax.figure)


def test_stochastic_zero_probability_arrows_are_omitted(w4, sol4, ax):
    det = sol4.policy
    policy_map(w4, pol.to_matrix(det, 4), ax=ax)
    assert one(ax, GID_ARROWS).N == non_terminal(w4).size


def test_stay_is_a_dot(ax):
    world = GridWorld("S..\n..G", moves="4+stay")
    n = world.mdp.n_states
    pi = np.full(n, 4)
    pi[1] = 1
    policy_map(world, pi, ax=ax)
    assert one(ax, GID_ARROWS).N == 1
    assert len(one(ax, GID_STAY).get_paths()) == non_terminal(world).size - 1
    ax2 = plt.subplots()[1]
    uniform = pol.uniform(world.mdp)
    policy_map(world, uniform, ax=ax2)
    live = non_terminal(world).size
    assert one(ax2, GID_ARROWS).N == 4 * live
    assert len(one(ax2, GID_STAY).get_paths()) == live
    render(ax2.figure)


def test_diagonal_arrows_point_diagonally(ax):
    world = GridWorld("S..\n.#.\n..G", moves="8")
    pi = np.full(world.mdp.n_states, 3)  # DOWN_RIGHT
    policy_map(world, pi, ax=ax)
    quiver = one(ax, GID_ARROWS)
    vec = screen_vectors(ax, quiver)
    assert np.all(vec[:, 0] > 0) and np.all(vec[:, 1] < 0)
    np.testing.assert_allclose(np.abs(vec[:, 0]), np.abs(vec[:, 1]))


def test_policy_over_values(w4, sol4, ax):
    policy_map(w4, sol4.policy, ax=ax, V=sol4.V)
    assert one(ax, GID_VALUES).get_clim() == live_range(w4, sol4.V)
    assert texts(ax) == []  # annotate defaults to False under arrows
    ax2 = plt.subplots()[1]
    policy_map(w4, sol4.policy, ax=ax2, V=sol4.V, annotate=True, color="red")
    assert len(texts(ax2)) == non_terminal(w4).size
    colours = one(ax2, GID_ARROWS).get_facecolors()
    np.testing.assert_allclose(colours, [to_rgba("red")] * len(colours))


def test_policy_arrow_colour_contrasts_with_values(w4, ax):
    V = np.where(np.arange(w4.mdp.n_states) < 4, 0.0, 1.0)
    policy_map(w4, np.zeros(w4.mdp.n_states, dtype=int), ax=ax, V=V, cmap="gray")
    quiver = one(ax, GID_ARROWS)
    cells = arrow_cells(quiver, lengths_from_centre=False)
    for (r, c), rgba in zip(cells, quiver.get_facecolors(), strict=True):
        dark = V[w4.state(r, c)] == 0.0
        assert tuple(rgba) == to_rgba("white" if dark else "black")


def test_policy_map_on_the_stand_in(w4, sol4, ax):
    policy_map(StandIn(w4), sol4.policy, ax=ax, V=sol4.V)
    assert one(ax, GID_ARROWS).N == non_terminal(w4).size


def test_value_policy_figure(w4, sol4):
    fig = value_policy_figure(w4, sol4.V, sol4.policy, title="VI")
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == []  # not a pyplot figure: nothing to close
    ax = fig.axes[0]
    assert ax.get_title() == "VI"
    assert one(ax, GID_VALUES).colorbar.ax in ax.child_axes  # follows the map
    assert one(ax, GID_ARROWS).N == non_terminal(w4).size
    assert len(texts(ax)) == non_terminal(w4).size
    w, h = fig.get_size_inches()
    assert 3 <= w <= 8 and 2.5 <= h <= 6
    render(fig)
    assert (
        value_policy_figure(w4, sol4.V, sol4.policy).axes[0].get_title() == "gridworld"
    )


def test_value_policy_figure_big_grid_stays_readable():
    world = open_map(30, seed=1)
    sol = value_iteration(world.mdp)
    fig = value_policy_figure(world, sol.V, sol.policy, figsize=(6, 5))
    ax = fig.axes[0]
    assert texts(ax) == []
    assert one(ax, GID_ARROWS).N == non_terminal(world).size
    assert tuple(fig.get_size_inches()) == (6, 5)
    w, h = value_policy_figure(world, sol.V, sol.policy).get_size_inches()
    assert w <= 13 and h <= 10.5
    render(fig)


# ------------------------------------------------------------------- q_map
def test_q_map_four_triangles_per_non_terminal_cell(w4, sol4, ax):
    q_map(w4, sol4.Q, ax=ax)
    wedges = one(ax, GID_WEDGES)
    live = non_terminal(w4)
    assert len(wedges.get_paths()) == 4 * live.size
    q = sol4.Q[live]
    finite = q[np.isfinite(q)]
    assert wedges.get_clim() == (finite.min(), finite.max())
    np.testing.assert_allclose(wedges.get_array(), q.ravel())
    render(ax.figure)
    ax2 = plt.subplots()[1]
    q_map(w4, sol4.Q, ax=ax2, mark_terminals=False)  # wedges everywhere
    assert len(one(ax2, GID_WEDGES).get_paths()) == 4 * w4.mdp.n_states


def test_q_map_triangles_sit_on_their_side(w4, sol4, ax):
    q_map(w4, sol4.Q, ax=ax)
    paths = one(ax, GID_WEDGES).get_paths()
    for k, s in enumerate(non_terminal(w4)):
        r, c = w4.cell(s)
        centre = ax.transData.transform((c, r))
        for a, name in enumerate(w4.action_names):
            verts = paths[k * 4 + a].vertices
            assert len(np.unique(verts, axis=0)) == 3  # a triangle
            mid = ax.transData.transform(verts.mean(axis=0)) - centre
            drow, dcol = DELTA[name]
            assert np.sign(np.round(mid[0], 6)) == dcol
            assert np.sign(np.round(mid[1], 6)) == -drow


def test_q_map_unavailable_actions_are_blank(w4, sol4, ax):
    Q = sol4.Q.copy()
    Q[0, 1] = -np.inf
    Q[2, 3] = np.nan
    q_map(w4, Q, ax=ax, annotate=True)
    wedges = one(ax, GID_WEDGES)
    mask = np.ma.getmaskarray(wedges.get_array())
    assert np.flatnonzero(mask).tolist() == [0 * 4 + 1, 2 * 4 + 3]
    render(ax.figure)
    assert wedges.get_facecolors()[1][3] == 0.0  # transparent
    assert wedges.get_facecolors()[0][3] == 1.0
    live = non_terminal(w4)
    assert len(texts(ax)) == int(np.isfinite(Q[live]).sum())
    assert sorted(t.get_text() for t in texts(ax, GID_MARKER)) == ["G", "H", "S"]


def test_q_map_annotate_auto(w4, sol4, ax):
    q_map(w4, sol4.Q, ax=ax)
    assert len(texts(ax)) == 4 * non_terminal(w4).size
    big = open_map(10)
    ax2 = plt.subplots()[1]
    q_map(big, value_iteration(big.mdp).Q, ax=ax2)
    assert texts(ax2) == []


def test_q_map_king_moves_and_stay(ax):
    world = GridWorld(
        "S..\n.#.\n..G", moves="8+stay", step_reward=-1.0, goal_reward=0.0
    )
    Q = value_iteration(world.mdp).Q
    q_map(world, Q, ax=ax)
    paths = one(ax, GID_WEDGES).get_paths()
    A = world.mdp.n_actions
    assert len(paths) == A * non_terminal(world).size

    # the wedges of one cell (STAY aside) tile it: areas sum to 1
    def area(v):
        x, y = v[:, 0], v[:, 1]
        return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))

    areas = [area(paths[a].vertices) for a in range(A)]
    stay = world.action_names.index("STAY")
    np.testing.assert_allclose(sum(areas) - areas[stay], 1.0)
    # UP_RIGHT's wedge reaches the top-right corner
    ur = paths[world.action_names.index("UP_RIGHT")].vertices
    assert any(np.allclose(v, (0.5, -0.5)) for v in ur)
    render(ax.figure)


def test_q_map_on_the_stand_in_and_duplicate_directions(w4, sol4, ax):
    q_map(StandIn(w4), sol4.Q, ax=ax)
    twin = StandIn(w4, deltas=[(-1, 0), (0, 1), (1, 0), (-1, 0)])
    with pytest.raises(ValueError, match="distinct action directions; two actions"):
        q_map(twin, sol4.Q, ax=ax)


# ----------------------------------------------------------- occupancy_map
def test_occupancy_map_sums_over_actions(w4, ax):
    d = np.arange(w4.mdp.n_states * 4, dtype=float).reshape(-1, 4)
    occupancy_map(w4, d, ax=ax)
    image = one(ax, GID_VALUES)
    total = d.sum(axis=1)
    assert image.get_clim() == (total.min(), total.max())
    assert image.get_array()[w4.cell(5)] == total[5]
    render(ax.figure)


def test_occupancy_map_normalized_and_log(w4, ax):
    d = np.arange(w4.mdp.n_states, dtype=float)  # state 0 never visited
    occupancy_map(w4, d, ax=ax, normalize=True, log=True)
    image = one(ax, GID_VALUES)
    assert isinstance(image.norm, LogNorm)
    lo, hi = image.get_clim()
    assert lo == pytest.approx(1 / d.sum()) and hi == pytest.approx(d.max() / d.sum())
    assert np.ma.getmaskarray(image.get_array())[w4.cell(0)]  # zero: blank
    assert image.colorbar.ax.get_yscale() == "log"
    render(ax.figure)


def test_occupancy_from_lp_style_dual(w4, sol4, ax):
    # discounted occupancy of the greedy policy: d = (I - gamma P_pi^T)^-1 p0
    m = w4.mdp
    P_pi = pol.to_matrix(sol4.policy, 4)[:, :, None] * m.P.toarray().reshape(
        m.n_states, 4, -1
    )
    d = np.linalg.solve(np.eye(m.n_states) - m.gamma * P_pi.sum(axis=1).T, m.p0)
    occupancy_map(w4, d, ax=ax, log=True, annotate=True)
    assert len(texts(ax)) == int((d > 0).sum())


# --------------------------------------------------------------- value_bars
def mdp_chain() -> MDP:
    P = np.zeros((3, 2, 3))
    P[:, 0, 0] = 1.0
    P[[0, 1], 1, [1, 2]] = 1.0
    P[2, 1, 2] = 1.0
    return MDP(
        P,
        np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0]]),
        0.9,
        state_names=["a", "b", "c"],
        action_names=["back", "on"],
    )


def test_value_bars_one_series(ax):
    m = mdp_chain()
    V = value_iteration(m).V
    value_bars(m, V, ax=ax)
    (bars,) = ax.containers
    np.testing.assert_allclose([b.get_height() for b in bars], V)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_legend() is None
    render(ax.figure)


def test_value_bars_compare_side_by_side(ax):
    m = mdp_chain()
    V = {"V^pi": evaluate_policy(m, [0, 0, 0]), "V*": value_iteration(m).V}
    value_bars(m, V, ax=ax, labels=["x", "y", "z"], title="compare")
    assert [c.get_label() for c in ax.containers] == ["V^pi", "V*"]
    first, second = ax.containers
    for b1, b2 in zip(first, second, strict=True):
        assert b1.get_x() + b1.get_width() == pytest.approx(b2.get_x())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["V^pi", "V*"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y", "z"]
    assert ax.get_title() == "compare"


def test_value_bars_of_a_world_and_many_states(w4, sol4, ax):
    value_bars(w4, sol4.V, ax=ax)
    assert len(ax.containers[0]) == w4.mdp.n_states
    assert ax.get_title() == "gridworld"
    big = open_map(10)
    ax2 = plt.subplots()[1]
    value_bars(big, np.zeros(big.mdp.n_states), ax=ax2)
    assert len(ax2.get_xticks()) <= 30
    render(ax2.figure)


# -------------------------------------------------------------- convergence
def test_convergence_log_scale_one_line_per_result(w4, ax):
    m = w4.mdp
    results = [value_iteration(m), policy_iteration(m), modified_policy_iteration(m)]
    convergence(results, ax=ax)
    assert ax.get_yscale() == "log"
    lines = ax.get_lines()
    assert len(lines) == 3
    assert ax.get_legend_handles_labels()[1] == [r.method for r in results]
    x, y = lines[0].get_data()
    np.testing.assert_array_equal(x, np.arange(1, results[0].residuals.size + 1))
    r = results[0].residuals
    np.testing.assert_array_equal(y, np.where(r > 0, r, np.nan))
    # policy iteration ends on an exact 0: not drawn on a log scale
    assert results[1].residuals[-1] == 0 and np.isnan(lines[1].get_ydata()[-1])
    assert np.isfinite(lines[1].get_ydata()[:-1]).all()
    render(ax.figure)


def test_convergence_single_result_dict_and_labels(w4, ax):
    vi = value_iteration(w4.mdp)
    convergence(vi, ax=ax)
    assert len(ax.get_lines()) == 1
    ax2 = plt.subplots()[1]
    convergence({"tight": vi, "loose": value_iteration(w4.mdp, tol=1e-2)}, ax=ax2)
    assert ax2.get_legend_handles_labels()[1] == ["tight", "loose"]
    ax3 = plt.subplots()[1]
    convergence([vi], ax=ax3, labels=["mine"], title="VI")
    assert ax3.get_legend_handles_labels()[1] == ["mine"] and ax3.get_title() == "VI"


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("fn", [value_map, occupancy_map])
def test_wrong_length_values(w4, ax, fn):
    name = "V" if fn is value_map else "d"
    with pytest.raises(
        ValueError, match=rf"`{name}` has shape \(5,\); expected \(14,\)"
    ):
        fn(w4, np.zeros(5), ax=ax)


def test_wrong_length_policy_and_values_under_arrows(w4, sol4, ax):
    with pytest.raises(
        PolicyError, match=r"deterministic policy has shape \(3,\); expected \(14,\)"
    ):
        policy_map(w4, [0, 1, 2], ax=ax)
    with pytest.raises(
        PolicyError, match=r"stochastic policy has shape \(14, 3\); expected"
    ):
        policy_map(w4, np.full((14, 3), 1 / 3), ax=ax)
    with pytest.raises(
        ValueError,
        match=r"`V` has shape \(12,\); expected \(14,\), one value per state",
    ):
        policy_map(w4, sol4.policy, V=np.zeros(12), ax=ax)
    with pytest.raises(ValueError, match=r"`V` has shape \(12,\); expected \(14,\)"):
        value_policy_figure(w4, np.zeros(12), sol4.policy)
    with pytest.raises(ValueError, match="`scale` must be a positive number; got -1"):
        policy_map(w4, sol4.policy, ax=ax, scale=-1)


def test_q_wrong_shape(w4, sol4, ax):
    with pytest.raises(
        ValueError, match=r"`Q` has shape \(14,\); expected \(S, A\) = \(14, 4\)"
    ):
        q_map(w4, sol4.V, ax=ax)


def test_solver_result_instead_of_array(w4, sol4, ax):
    with pytest.raises(
        ValueError,
        match=r"`V` must be an array of numbers; got SolverResult \(pass its `.V`\)",
    ):
        value_map(w4, sol4, ax=ax)
    with pytest.raises(
        ValueError,
        match=r"`Q` must be an array of numbers; got SolverResult \(pass its `.Q`\)",
    ):
        q_map(w4, sol4, ax=ax)


@pytest.mark.parametrize(
    ("V", "what"),
    [(np.ones(14) * (1 + 1j), "complex values"), ("0" * 14, "str")],
)
def test_values_that_are_not_real_numbers(w4, ax, V, what):
    # complex values used to be drawn with the imaginary part dropped
    with pytest.raises(
        ValueError, match=rf"`V` must be an array of numbers; got {what}\."
    ):
        value_map(w4, V, ax=ax)


@pytest.mark.parametrize("fn", [value_map, q_map, occupancy_map, policy_map])
def test_non_grid_mdp_suggests_value_bars(fn, ax):
    m = mdp_chain()
    with pytest.raises(
        TypeError, match=r"needs a grid world .*got a plain MDP .*value_bars\(m, V\)"
    ):
        fn(m, np.zeros(3), ax=ax)


def test_non_grid_world_suggests_value_bars(ax):
    class Classic:
        mdp = mdp_chain()
        name = "chain"

    with pytest.raises(
        TypeError, match=r"got a Classic without \.shape, \.walls.*value_bars"
    ):
        value_policy_figure(Classic(), np.zeros(3), [0, 0, 0])
    value_bars(Classic(), np.zeros(3), ax=ax)  # the bar chart takes it
    assert ax.get_title() == "chain"


def test_world_whose_mdp_does_not_match_its_walls(w4, ax):
    bad = StandIn(w4)
    bad.walls = np.zeros(w4.shape, dtype=bool)
    with pytest.raises(
        ValueError, match="has 16 non-wall cells but its MDP has 14 states"
    ):
        value_map(bad, np.zeros(14), ax=ax)
    bad.walls = np.zeros((2, 2), dtype=bool)
    with pytest.raises(
        ValueError, match=r"world.walls has shape \(2, 2\); expected world.shape"
    ):
        value_map(bad, np.zeros(14), ax=ax)


def test_colour_limit_errors(w4, ax):
    with pytest.raises(
        ValueError,
        match="colour limits of `V` need vmin <= vmax; got vmin=1.0, vmax=0.0",
    ):
        value_map(w4, np.zeros(14), ax=ax, vmin=1, vmax=0)
    with pytest.raises(
        ValueError, match="log colour scale needs 0 < vmin <= vmax; got vmin=0.0"
    ):
        occupancy_map(w4, np.ones(14), ax=ax, log=True, vmin=0)


def test_occupancy_errors(w4, ax):
    d = np.ones(14)
    d[4] = -0.5
    with pytest.raises(
        ValueError,
        match=r"`d` is -0.5 at state 4 \(cell \(1, 2\)\); an occupancy measure",
    ):
        occupancy_map(w4, d, ax=ax)
    with pytest.raises(
        ValueError, match=r"`d` has shape \(14, 2\); expected \(14,\) or \(14, 4\)"
    ):
        occupancy_map(w4, np.ones((14, 2)), ax=ax)
    with pytest.raises(
        ValueError, match="`d` sums to 0; there is nothing to normalize"
    ):
        occupancy_map(w4, np.zeros(14), ax=ax, normalize=True)
    with pytest.raises(
        ValueError, match="`d` has no positive entry, so a log colour scale is empty"
    ):
        occupancy_map(w4, np.zeros(14), ax=ax, log=True)


def test_value_bars_errors(ax):
    m = mdp_chain()
    with pytest.raises(ValueError, match=r"`V` has shape \(2,\); expected \(3,\)"):
        value_bars(m, [1, 2], ax=ax)
    with pytest.raises(
        ValueError, match=r"`V\['b'\]` has shape \(4,\); expected \(3,\)"
    ):
        value_bars(m, {"a": np.zeros(3), "b": np.zeros(4)}, ax=ax)
    with pytest.raises(ValueError, match="`V` is an empty dict"):
        value_bars(m, {}, ax=ax)
    with pytest.raises(ValueError, match="`labels` has 2 entries; expected 3"):
        value_bars(m, np.zeros(3), ax=ax, labels=["a", "b"])
    with pytest.raises(ValueError, match=r"`width` must be in \(0, 1\]; got 1.5"):
        value_bars(m, np.zeros(3), ax=ax, width=1.5)
    with pytest.raises(
        TypeError,
        match="`m_or_world` must be an mdp.MDP or a world with an `.mdp`; got list",
    ):
        value_bars([1, 2], np.zeros(3), ax=ax)


def test_convergence_errors(w4, ax):
    vi = value_iteration(w4.mdp)
    with pytest.raises(ValueError, match="`results` is empty"):
        convergence([], ax=ax)
    with pytest.raises(
        TypeError, match=r"`results\[1\]` \(ndarray\) has no `residuals`"
    ):
        convergence([vi, vi.V], ax=ax)
    with pytest.raises(ValueError, match="`labels` has 2 entries for 1 results"):
        convergence([vi], ax=ax, labels=["a", "b"])
    with pytest.raises(
        TypeError,
        match="`results` must be a solver result, a list or a dict of them; got int",
    ):
        convergence(3, ax=ax)


def test_convergence_after_a_heatmap_on_the_current_axes():
    import matplotlib.pyplot as plt

    import worlds
    from solvers import policy_iteration, value_iteration
    from worlds import plot

    w = worlds.make("gridworld-4x4")
    plot.value_map(w, value_iteration(w.mdp).V)  # fixed ticks on plt.gca()
    ax = plot.convergence([value_iteration(w.mdp), policy_iteration(w.mdp)])
    assert ax.get_yscale() == "log"
    plt.close("all")
