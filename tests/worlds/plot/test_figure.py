"""One figure for every kind of world (:func:`worlds.plot.world_figure`).

Each branch is drawn on the real worlds of the catalogue and checked for
structure: the number of panels, image shapes and orientation, the data of
the lines and bars, axis labels and ranges, the title.  Every figure is
rendered once (Agg) so that draw-time warnings fail.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import worlds  # noqa: E402
from mdp import MDP, PolicyError  # noqa: E402
from mdp import policy as pol  # noqa: E402
from solvers import policy_iteration, value_iteration  # noqa: E402
from worlds.plot import (  # noqa: E402
    GID_ARROWS,
    GID_POLICY,
    GID_VALUES,
    world_figure,
)
from worlds.plot.figure import _action_numbers  # noqa: E402


def render(fig) -> None:
    fig.savefig(io.BytesIO(), format="png", dpi=40)


def solve(world):
    return value_iteration(world.mdp, tol=1e-9)


def by_gid(ax, gid):
    artists = [*ax.lines, *ax.images, *ax.collections, *ax.patches]
    return [a for a in artists if a.get_gid() == gid]


def one(ax, gid):
    found = by_gid(ax, gid)
    assert len(found) == 1, (gid, found)
    return found[0]


def panels(fig):
    """The Axes that are not colour bars."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


@pytest.fixture(scope="module")
def jack():
    world = worlds.make("jacks-car-rental")
    return world, policy_iteration(world.mdp)


# --------------------------------------------------------------- grid worlds
def test_grid_world_is_the_value_policy_map():
    world = worlds.make("frozenlake-4x4")
    sol = solve(world)
    fig = world_figure(world, sol.V, sol.policy)
    assert isinstance(fig, Figure) and plt.get_fignums() == []
    (ax,) = fig.axes
    assert ax.get_title() == "frozenlake-4x4"  # the world's name by default
    assert one(ax, GID_VALUES).get_array().shape == world.shape
    assert one(ax, GID_ARROWS).N == int((~world.mdp.terminal).sum())
    assert world_figure(world, sol.V, sol.policy, title="t").axes[0].get_title() == "t"
    render(fig)


# ------------------------------------------------------------ 2-D state grid
def test_jacks_car_rental_two_heatmaps_as_in_the_book(jack):
    world, sol = jack
    fig = world_figure(world, sol.V, sol.policy)
    assert fig.get_suptitle() == "jacks-car-rental"
    ax_v, ax_p = panels(fig)
    assert len(fig.axes) == 4  # two maps, two colour bars
    image = one(ax_v, GID_VALUES)
    assert image.get_array().shape == (21, 21)
    np.testing.assert_array_equal(image.get_array(), sol.V.reshape(21, 21))
    assert image.colorbar is not None and image.colorbar.ax.get_ylabel() == "V(s)"
    for ax in (ax_v, ax_p):
        # cars at location 1 on the vertical axis, increasing upward
        assert ax.get_ylabel() == "cars at location 1"
        assert ax.get_xlabel() == "cars at location 2"
        lo, hi = ax.get_ylim()
        assert lo < hi
        assert ax.get_xlim()[0] < ax.get_xlim()[1]
    policy = one(ax_p, GID_POLICY)
    moved = policy.get_array()
    assert moved.shape == (21, 21)
    # the action labels' numbers: +5 with location 1 full and 2 empty
    assert moved[20, 0] == 5 and moved.min() < 0
    labels = np.array([float(a) for a in world.action_labels])
    np.testing.assert_array_equal(moved, labels[sol.policy].reshape(21, 21))
    # a diverging map centred at 0, with the action labels on its bar
    norm = policy.norm
    assert norm.vmin == -norm.vmax
    assert policy.cmap.name.startswith("RdBu")
    ticks = [t.get_text() for t in policy.colorbar.ax.get_yticklabels()]
    assert "+5" in ticks and "-5" in ticks and "0" in ticks
    w, h = fig.get_size_inches()
    assert w <= 12 and h <= 6
    render(fig)


def test_2d_grid_with_named_actions_is_categorical():
    m = MDP(
        np.full((4, 2, 4), 0.25),
        np.arange(8.0).reshape(4, 2),
        0.9,
        action_names=["stay", "go"],
    )
    world = SimpleNamespace(mdp=m, name="tiny", grid_shape=(2, 2), grid_labels=None)
    fig = world_figure(world, np.arange(4.0), [0, 1, 1, 0])
    ax_v, ax_p = panels(fig)
    np.testing.assert_array_equal(one(ax_p, GID_POLICY).get_array(), [[0, 1], [1, 0]])
    ticks = [t.get_text() for t in one(ax_p, GID_POLICY).colorbar.ax.get_yticklabels()]
    assert ticks == ["stay", "go"]
    assert ax_v.get_ylabel() == "index 0" and ax_v.get_xlabel() == "index 1"
    render(fig)


# ----------------------------------------------------------------- 1-D worlds
def test_gamblers_problem_value_curve_and_stakes():
    world = worlds.make("gamblers-problem")
    sol = solve(world)
    fig = world_figure(world, sol.V, sol.policy)
    assert fig.get_suptitle() == "gamblers-problem"
    ax_v, ax_p = fig.axes
    lo, hi = ax_p.get_xlim()
    assert lo <= 0 and hi >= 100 and hi - lo < 110
    assert ax_v.get_xlim() == (lo, hi)  # shared x
    line = one(ax_v, GID_VALUES)
    x, y = line.get_data()
    np.testing.assert_array_equal(x, np.arange(1, 100))  # terminals left out
    np.testing.assert_array_equal(y, sol.V[1:100])
    assert line.get_marker() in (None, "None", "")  # 99 points: no markers
    (bars,) = ax_p.containers
    assert len(bars) == 99
    stakes = np.array([b.get_height() for b in bars])
    np.testing.assert_array_equal(stakes, sol.policy[1:100] + 1)  # "stake k"
    assert ax_p.get_ylabel() == "stake" and ax_p.get_xlabel() == "capital"
    assert ax_v.get_ylabel() == "V(s)"
    dotted = [ln for ln in ax_v.lines if ln.get_linestyle() == ":"]
    assert sorted(ln.get_xdata()[0] for ln in dotted) == [0, 100]
    assert [t.get_text() for t in ax_v.get_legend().get_texts()] == ["terminal state"]
    render(fig)


def test_random_walk_single_action_one_panel_with_markers():
    world = worlds.make("random-walk")
    V = value_iteration(world.mdp).V
    fig = world_figure(world, V, np.zeros(world.mdp.n_states, dtype=int))
    (ax,) = fig.axes
    line = one(ax, GID_VALUES)
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4, 5])
    assert line.get_marker() == "o"
    assert ax.get_xlabel() == "position (0 = left end)"
    lo, hi = ax.get_xlim()
    assert lo < 0 and hi > 6
    assert list(ax.get_xticks()) == [int(t) for t in ax.get_xticks()]  # integer ticks
    w, h = fig.get_size_inches()
    assert h < 5  # a single panel is not as tall
    render(fig)


@pytest.mark.parametrize(
    ("name", "actions"),
    [("river-swim", ["left", "right"]), ("forest", ["wait", "cut"])],
)
def test_named_actions_are_a_categorical_axis(name, actions):
    world = worlds.make(name)
    sol = solve(world)
    fig = world_figure(world, sol.V, sol.policy)
    ax_v, ax_p = fig.axes
    line = one(ax_p, GID_POLICY)
    np.testing.assert_array_equal(line.get_xdata(), world.x)
    np.testing.assert_array_equal(line.get_ydata(), sol.policy)
    assert [t.get_text() for t in ax_p.get_yticklabels()] == actions
    assert ax_p.get_ylabel() == "action" and ax_p.get_xlabel() == world.x_label
    assert ax_v.get_legend() is None  # no terminal state
    # the categorical panel is the smaller one
    assert ax_p.get_position().height < ax_v.get_position().height
    render(fig)


def test_stochastic_policy_is_drawn_by_its_most_probable_action():
    world = worlds.make("river-swim")
    sol = solve(world)
    soft = pol.epsilon_greedy(sol.Q, 0.3)
    fig = world_figure(world, sol.V, soft)
    np.testing.assert_array_equal(one(fig.axes[1], GID_POLICY).get_ydata(), sol.policy)


# --------------------------------------------------------- any other world
def test_garnet_many_states_sorted_values_fixed_width():
    world = worlds.make("garnet")
    sol = solve(world)
    fig = world_figure(world, sol.V, sol.policy)
    (ax,) = fig.axes
    assert tuple(fig.get_size_inches()) == (8.0, 4.0)
    assert ax.containers == []  # no bar strip
    line = one(ax, GID_VALUES)
    np.testing.assert_array_equal(line.get_ydata(), np.sort(sol.V))
    dots = one(ax, GID_POLICY)
    assert len(dots.get_offsets()) == world.mdp.n_states
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["0", "1", "2", "3"]
    assert fig.get_suptitle() == "garnet"
    render(fig)
    big = worlds.make("garnet", n_states=2000, n_branch=2)
    fig = world_figure(big, np.zeros(2000), np.zeros(2000, dtype=int))
    assert tuple(fig.get_size_inches()) == (8.0, 4.0)


def test_small_mdp_bars_coloured_by_action():
    P = np.zeros((3, 2, 3))
    P[:, 0, 0] = 1.0
    P[[0, 1], 1, [1, 2]] = 1.0
    P[2, 1, 2] = 1.0
    m = MDP(
        P,
        np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0]]),
        0.9,
        state_names=["a", "b", "c"],
        action_names=["back", "on"],
    )
    sol = value_iteration(m)
    pi = np.array([0, 1, 1])
    fig = world_figure(m, sol.V, pi)
    (ax,) = fig.axes
    (bars,) = ax.containers
    np.testing.assert_allclose([b.get_height() for b in bars], sol.V)
    colours = [tuple(b.get_facecolor()) for b in bars]
    assert colours[1] == colours[2] != colours[0]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["back", "on"]
    assert fig.get_suptitle() == ""  # a plain MDP has no name
    assert world_figure(m, sol.V, pi, title="chain").get_suptitle() == "chain"
    render(fig)


def test_garnet_with_few_states_is_a_bar_chart():
    world = worlds.make("garnet", n_states=40)
    sol = solve(world)
    fig = world_figure(world, sol.V, sol.policy, figsize=(6, 3))
    (ax,) = fig.axes
    assert len(ax.containers[0]) == 40
    assert tuple(fig.get_size_inches()) == (6.0, 3.0)
    render(fig)


# ------------------------------------------------------------ action labels
@pytest.mark.parametrize(
    ("labels", "numbers", "word"),
    [
        (["-1", "0", "+1"], [-1.0, 0.0, 1.0], ""),
        (["stake 1", "stake 2"], [1.0, 2.0], "stake"),
        (["move 0.5", "move 1.5"], [0.5, 1.5], "move"),
        (["left", "right"], None, ""),
        (["a0", "a1"], None, ""),  # not a word and a number
        (["up 1", "down 1"], None, ""),  # two words
        (["1", "1"], None, ""),  # repeated numbers
    ],
)
def test_action_numbers(labels, numbers, word):
    got, got_word = _action_numbers(labels)
    if numbers is None:
        assert got is None
    else:
        np.testing.assert_array_equal(got, numbers)
    assert got_word == word


# ------------------------------------------------------------------- errors
def test_world_figure_errors():
    world = worlds.make("river-swim")
    with pytest.raises(
        TypeError,
        match="`world` must be an mdp.MDP or a world with an `.mdp`; got list",
    ):
        world_figure([1, 2], np.zeros(2), [0, 0])
    with pytest.raises(ValueError, match=r"`V` has shape \(5,\); expected \(6,\)"):
        world_figure(world, np.zeros(5), np.zeros(6, dtype=int))
    with pytest.raises(PolicyError, match="policy picks action 2 in state 0"):
        world_figure(world, np.zeros(6), np.full(6, 2))
    bad_grid = SimpleNamespace(mdp=world.mdp, name="bad", grid_shape=(2, 2))
    with pytest.raises(
        ValueError,
        match=r"`world.grid_shape` is \(2, 2\), which does not hold the 6 states",
    ):
        world_figure(bad_grid, np.zeros(6), np.zeros(6, dtype=int))
    bad_x = SimpleNamespace(mdp=world.mdp, name="bad", x=np.arange(4.0))
    with pytest.raises(
        ValueError, match=r"`world.x` has shape \(4,\); expected \(6,\)"
    ):
        world_figure(bad_x, np.zeros(6), np.zeros(6, dtype=int))
