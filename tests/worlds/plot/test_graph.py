"""Drawing transition graphs (:func:`worlds.plot.mdp_graph`).

Structure, not pixels: the number of node points and arrows is compared with
counts taken straight from the dense tables, and the labels with hand-worked
strings.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

import solvers  # noqa: E402
import worlds  # noqa: E402
from mdp import MDP, MDPError, PolicyError  # noqa: E402
from worlds.grid import GridWorld  # noqa: E402
from worlds.plot import mdp_graph, world_layout  # noqa: E402


@pytest.fixture
def subplots():
    """``plt.subplots`` that closes every figure after the test."""
    yield plt.subplots
    plt.close("all")


def forest() -> tuple[MDP, np.ndarray]:
    """Three tree ages.  ``wait``: grow w.p. 0.9, burn back to ``young`` w.p. 0.1
    (waiting in ``old`` pays 4); ``cut``: back to ``young`` paying 0, 1, 2."""
    S = 3
    P = np.zeros((S, 2, S))
    R = np.zeros((S, 2, S))
    for s in range(S):
        P[s, 0, 0] += 0.1
        P[s, 0, min(s + 1, S - 1)] += 0.9
        P[s, 1, 0] = 1.0
    R[2, 0, 2] = 4.0
    R[1, 1, 0] = 1.0
    R[2, 1, 0] = 2.0
    m = MDP(
        P,
        R,
        0.95,
        p0=[1, 0, 0],
        state_names=["young", "mid", "old"],
        action_names=["wait", "cut"],
    )
    return m, P


def random_walk() -> tuple[MDP, np.ndarray]:
    """States 0..4, ends terminal; ``left``/``right`` go that way w.p. 0.8;
    entering 4 pays 1."""
    S = 5
    P = np.zeros((S, 2, S))
    R = np.zeros((S, 2, S))
    for s in (1, 2, 3):
        P[s, 0, s - 1], P[s, 0, s + 1] = 0.8, 0.2
        P[s, 1, s + 1], P[s, 1, s - 1] = 0.8, 0.2
    R[3, :, 4] = 1.0
    m = MDP(
        P, R, 1.0, terminal=[0, 4], p0=[0, 0, 1, 0, 0], action_names=["left", "right"]
    )
    return m, P


def ring(S: int) -> MDP:
    """A deterministic ring with actions ``stay`` and ``next``."""
    P = np.zeros((S, 2, S))
    P[np.arange(S), 0, np.arange(S)] = 1.0
    P[np.arange(S), 1, (np.arange(S) + 1) % S] = 1.0
    return MDP(P, np.zeros(S), 0.9)


def with_gid(ax, gid: str, kind: str = "all") -> list:
    pool = {"patches": ax.patches, "texts": ax.texts}.get(kind, ax.get_children())
    return [a for a in pool if a.get_gid() == gid]


def node_collection(ax):
    (coll,) = with_gid(ax, "mdp_graph.nodes")
    return coll


def n_pairs(P_s_s: np.ndarray) -> int:
    """Number of state pairs ``s -> s'`` with positive probability."""
    return int((P_s_s > 0).sum())


# ------------------------------------------------------------------ counts
def test_forest_nodes_edges_and_labels(subplots, tmp_path):
    m, P = forest()
    fig, ax = subplots()
    assert mdp_graph(m, ax=ax) is ax
    assert len(node_collection(ax).get_offsets()) == 3
    n_edges = n_pairs(P.sum(axis=1))
    assert n_edges == 6
    assert len(with_gid(ax, "mdp_graph.edge")) == n_edges
    names = sorted(t.get_text() for t in with_gid(ax, "mdp_graph.node_label"))
    assert names == ["mid", "old", "young"]
    labels = sorted(t.get_text() for t in with_gid(ax, "mdp_graph.edge_label"))
    assert labels == sorted(
        [
            "wait: 0.1, r=0\ncut: 1, r=0",  # young -> young
            "wait: 0.9, r=0",  # young -> mid
            "wait: 0.1, r=0\ncut: 1, r=1",  # mid -> young
            "wait: 0.9, r=0",  # mid -> old
            "wait: 0.1, r=0\ncut: 1, r=2",  # old -> young
            "wait: 0.9, r=4",  # old -> old
        ]
    )
    fig.savefig(tmp_path / "forest.png")
    assert (tmp_path / "forest.png").stat().st_size > 0


def test_random_walk_counts_and_terminal_loops_unlabelled(subplots, tmp_path):
    m, P = random_walk()
    fig, ax = subplots()
    mdp_graph(m, ax=ax)
    P_eff = P.sum(axis=1)
    P_eff[[0, 4], [0, 4]] = 1.0  # terminal self-loops
    n_edges = n_pairs(P_eff)
    assert n_edges == 8
    assert len(node_collection(ax).get_offsets()) == 5
    assert len(with_gid(ax, "mdp_graph.edge")) == n_edges
    labels = [t.get_text() for t in with_gid(ax, "mdp_graph.edge_label")]
    assert len(labels) == n_edges - 2  # the two absorbing loops are not labelled
    assert labels.count("left: 0.2, r=1\nright: 0.8, r=1") == 1  # 3 -> 4
    assert labels.count("left: 0.8, r=0\nright: 0.2, r=0") == 3  # 1->0, 2->1, 3->2
    fig.savefig(tmp_path / "walk.png")


def test_policy_draws_only_the_chain(subplots, tmp_path):
    m, P = forest()
    pi = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    P_pi = np.einsum("sa,sat->st", pi, P)
    fig, ax = subplots()
    mdp_graph(m, pi, ax=ax)
    assert len(with_gid(ax, "mdp_graph.edge")) == n_pairs(P_pi) == 5
    labels = sorted(t.get_text() for t in with_gid(ax, "mdp_graph.edge_label"))
    # mid -> young: 0.5 * 0.1 + 0.5 * 1 = 0.55, reward 0.5 * 1 / 0.55
    assert labels == sorted(
        ["0.1, r=0", "0.9, r=0", "0.55, r=0.909", "0.45, r=0", "1, r=2"]
    )
    fig.savefig(tmp_path / "forest_chain.png")


def test_deterministic_policy_chain_of_the_walk(subplots):
    m, P = random_walk()
    pi = np.array([0, 1, 1, 1, 0])
    P_pi = P[np.arange(5), pi]
    P_pi[[0, 4], [0, 4]] = 1.0
    _, ax = subplots()
    mdp_graph(m, pi, ax=ax)
    assert len(with_gid(ax, "mdp_graph.edge")) == n_pairs(P_pi) == 8
    labels = [t.get_text() for t in with_gid(ax, "mdp_graph.edge_label")]
    # 1 -> 0, 2 -> 1, 3 -> 2 w.p. 0.2; 1 -> 2, 2 -> 3, 3 -> 4 (paying 1) w.p. 0.8
    assert sorted(labels) == ["0.2, r=0"] * 3 + ["0.8, r=0"] * 2 + ["0.8, r=1"]


def test_default_action_names_are_prefixed(subplots):
    P = np.zeros((2, 2, 2))
    P[:, 0, 0] = P[:, 1, 1] = 1.0
    _, ax = subplots()
    mdp_graph(MDP(P, np.zeros(2), 0.9), ax=ax)
    labels = {t.get_text() for t in with_gid(ax, "mdp_graph.edge_label")}
    assert labels == {"a0: 1, r=0", "a1: 1, r=0"}


# ------------------------------------------------------------- appearance
def test_terminal_and_start_states_are_marked(subplots):
    m, _ = random_walk()
    _, ax = subplots()
    mdp_graph(m, ax=ax)
    coll = node_collection(ax)
    faces = coll.get_facecolors()
    assert np.allclose(faces[0], faces[4])  # both terminal
    assert not np.allclose(faces[0], faces[2])
    widths = coll.get_linewidths()
    assert widths[2] > widths[1] == widths[3]  # state 2 is the only start
    edges = coll.get_edgecolors()
    assert not np.allclose(edges[2], edges[1])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["start (p0 > 0)", "terminal"]
    assert np.allclose(faces[0], to_rgba("#fdbf6f"))


def test_no_terminal_no_terminal_legend(subplots):
    _, ax = subplots()
    mdp_graph(forest()[0], ax=ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["start (p0 > 0)"]


# --------------------------------------------------------- labels and size
def test_labels_only_for_small_graphs_unless_asked(subplots):
    ax = mdp_graph(ring(12))  # a figure sized for the labels
    assert len(with_gid(ax, "mdp_graph.edge_label")) == 24
    _, ax = subplots(figsize=(4, 3))  # no room: the labels would overlap
    mdp_graph(ring(12), ax=ax)
    assert with_gid(ax, "mdp_graph.edge_label") == []  # every reward is 0
    assert ax.get_legend().get_texts()[-1].get_text() == "arrows: r=0"
    _, ax = subplots(figsize=(4, 3))
    mdp_graph(ring(12), ax=ax, edge_labels="all")
    assert len(with_gid(ax, "mdp_graph.edge_label")) == 24
    _, ax = subplots()
    mdp_graph(ring(13), ax=ax)
    assert with_gid(ax, "mdp_graph.edge_label") == []
    assert len(with_gid(ax, "mdp_graph.node_label")) == 13
    assert len(with_gid(ax, "mdp_graph.edge")) == 26
    _, ax = subplots()
    mdp_graph(ring(13), ax=ax, edge_labels=True)
    assert len(with_gid(ax, "mdp_graph.edge_label")) == 26
    _, ax = subplots()
    mdp_graph(ring(3), ax=ax, edge_labels=False)
    assert with_gid(ax, "mdp_graph.edge_label") == []


def test_too_many_states_is_an_error_with_a_way_out(subplots):
    m = ring(61)
    with pytest.raises(
        MDPError, match=r"at most max_states=60 states and this graph has 61.*`states=`"
    ):
        mdp_graph(m)
    _, ax = subplots()
    mdp_graph(m, ax=ax, max_states=61)
    assert len(node_collection(ax).get_offsets()) == 61
    _, ax = subplots()
    mdp_graph(m, ax=ax, states=range(10))
    assert len(node_collection(ax).get_offsets()) == 10
    # 10 stay loops and the 9 ring steps inside 0..9
    assert len(with_gid(ax, "mdp_graph.edge")) == 19


def test_single_state_subgraph(subplots):
    _, ax = subplots()
    mdp_graph(ring(4), ax=ax, states=[2])
    assert len(node_collection(ax).get_offsets()) == 1
    assert [t.get_text() for t in with_gid(ax, "mdp_graph.edge_label")] == [
        "a0: 1, r=0"
    ]


# ----------------------------------------------------------------- layouts
@pytest.mark.parametrize(
    "layout", ["auto", "spring", "circular", "shell", "kamada_kawai"]
)
def test_layouts_are_deterministic(subplots, layout):
    m = ring(20)
    _, ax1 = subplots()
    _, ax2 = subplots()
    mdp_graph(m, ax=ax1, layout=layout)
    mdp_graph(m, ax=ax2, layout=layout)
    np.testing.assert_array_equal(
        node_collection(ax1).get_offsets(), node_collection(ax2).get_offsets()
    )


def test_layout_dict_places_the_nodes(subplots):
    pos = {s: (s, -s) for s in range(4)}
    _, ax = subplots()
    mdp_graph(ring(4), ax=ax, layout=pos)
    np.testing.assert_array_equal(node_collection(ax).get_offsets(), list(pos.values()))


def test_new_figure_when_no_axes():
    try:
        ax = mdp_graph(ring(3))
        assert ax.figure is not None
    finally:
        plt.close("all")


# -------------------------------------------------------------- validation
def test_bad_arguments(subplots):
    m = ring(4)
    with pytest.raises(
        MDPError, match=r"`layout` must be one of 'auto', .* got 'grid'"
    ):
        mdp_graph(m, layout="grid")
    with pytest.raises(MDPError, match=r"`layout` has no position for state 3"):
        mdp_graph(m, layout={0: (0, 0), 1: (1, 0), 2: (2, 0)})
    with pytest.raises(MDPError, match=r"`max_states` must be a positive int; got 0"):
        mdp_graph(m, max_states=0)
    with pytest.raises(MDPError, match=r"`max_states` must be a positive int; got 2.5"):
        mdp_graph(m, max_states=2.5)
    with pytest.raises(MDPError, match=r"`states` holds state 7, out of range for 4"):
        mdp_graph(m, states=[0, 7])
    with pytest.raises(MDPError, match=r"`states` is empty"):
        mdp_graph(m, states=[])
    with pytest.raises(MDPError, match=r"`states` must be a 1-D list of state indices"):
        mdp_graph(m, states=[0.5])
    with pytest.raises(PolicyError, match=r"out of range 0..1"):
        mdp_graph(m, [0, 1, 2, 0])


# ---------------------------------------------------------- world layouts
def display_boxes(ax, gid: str) -> list:
    """Window extents (pixels) of the texts with this gid, after a draw."""
    renderer = ax.figure.canvas.get_renderer()
    out = []
    for t in with_gid(ax, gid, "texts"):
        patch = t.get_bbox_patch()
        out.append(
            patch.get_window_extent(renderer)
            if patch
            else t.get_window_extent(renderer)
        )
    return out


def bend(arrow) -> float | None:
    """The ``arc3`` rad of an arrow between two nodes; None for a self-loop."""
    try:
        return arrow.get_connectionstyle().rad
    except AttributeError:  # a self-loop is drawn along its own path
        return None


def node_discs(ax) -> tuple[np.ndarray, float]:
    """Node centres (pixels) and the node radius (pixels)."""
    coll = node_collection(ax)
    centres = ax.transData.transform(coll.get_offsets())
    radius = np.sqrt(coll.get_sizes()[0]) / 2 * ax.figure.dpi / 72
    return centres, float(radius)


def test_world_layout_of_a_gridworld_is_the_map():
    g = GridWorld(["S#.", "..G"])
    assert world_layout(g) == {
        0: (0.0, 0.0),
        1: (2.0, 0.0),
        2: (0.0, -1.0),
        3: (1.0, -1.0),
        4: (2.0, -1.0),
    }
    w = worlds.make("cliff-walking")
    pos = world_layout(w)
    assert len(pos) == w.n_states == 48
    for s in (0, 13, 36, 47):
        r, c = w.cell(s)
        assert pos[s] == (c, -r)


def test_world_layout_of_line_and_grid_worlds():
    w = worlds.make("river-swim")
    assert world_layout(w) == {s: (float(s), 0.0) for s in range(6)}
    w = worlds.make("random-walk-19")
    pos = world_layout(w)
    np.testing.assert_array_equal([pos[s][0] for s in range(21)], w.x)
    assert {p[1] for p in pos.values()} == {0.0}
    jacks = worlds.make("jacks-car-rental", max_cars=3, max_move=1)
    pos = world_layout(jacks)
    assert pos[0] == (0.0, 0.0) and pos[5] == (1.0, -1.0) and len(pos) == 16
    assert world_layout(worlds.make("garnet")) is None
    assert world_layout(ring(3)) is None


def test_nodes_sit_at_the_layout_positions_and_do_not_overlap(subplots):
    w = worlds.make("gridworld-4x4")
    pos = world_layout(w)
    fig, ax = subplots()
    mdp_graph(w.mdp, ax=ax, layout=pos)
    offsets = node_collection(ax).get_offsets()
    np.testing.assert_array_equal(offsets, [pos[s] for s in range(16)])
    centres, radius = node_discs(ax)
    step = np.linalg.norm(centres[1] - centres[0])  # neighbouring cells
    assert 2 * radius < 0.7 * step
    # every pair of grid neighbours is joined by straight arrows
    rads = {bend(p) for p in with_gid(ax, "mdp_graph.edge", "patches")}
    assert rads == {0, None}  # None: the loops


def test_a_jump_across_the_grid_is_bent_around_the_nodes(subplots):
    w = worlds.make("gridworld-5x5")  # A (0, 1) -> A' (4, 1) pays 10
    _, ax = subplots()
    mdp_graph(w.mdp, ax=ax, layout=world_layout(w))
    bent = [
        p for p in with_gid(ax, "mdp_graph.edge", "patches") if bend(p) not in (0, None)
    ]
    assert len(bent) == 2  # A -> A' and B -> B'
    labels = {t.get_text() for t in with_gid(ax, "mdp_graph.edge_label")}
    assert {"r=10", "r=5"} <= labels


def test_random_walk_labels_stay_off_the_nodes_and_each_other(subplots):
    w = worlds.make("random-walk")
    fig, ax = subplots(figsize=(9, 3))
    mdp_graph(w.mdp, ax=ax, layout=world_layout(w))
    fig.canvas.draw()
    labels = with_gid(ax, "mdp_graph.edge_label")
    texts = [t.get_text() for t in labels]
    assert texts.count("step: 0.5, r=1") == 1  # E -> right end, the only reward
    assert all(t.get_zorder() > node_collection(ax).get_zorder() for t in labels)
    centres, radius = node_discs(ax)
    boxes = display_boxes(ax, "mdp_graph.edge_label")
    for box in boxes:
        # the nearest point of the box to each node centre is outside the node
        near = np.clip(centres, [box.x0, box.y0], [box.x1, box.y1])
        assert np.all(np.linalg.norm(near - centres, axis=1) > radius)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)


def test_crowded_labels_keep_only_the_unusual_rewards(subplots):
    w = worlds.make("russell-norvig-4x3")  # -0.04 a step, +1 / -1 on the exits
    for layout in (world_layout(w), "auto"):
        _, ax = subplots()
        mdp_graph(w.mdp, ax=ax, layout=layout)
        labels = sorted(t.get_text() for t in with_gid(ax, "mdp_graph.edge_label"))
        assert labels == ["r=-1.04", "r=-1.04", "r=0.96"]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["start (p0 > 0)", "terminal", "other arrows: r=-0.04"]
    _, ax = subplots()
    mdp_graph(w.mdp, ax=ax, edge_labels="all")
    assert len(with_gid(ax, "mdp_graph.edge_label")) == 30  # 32 but 2 terminal loops
    assert all("r=" in t.get_text() for t in with_gid(ax, "mdp_graph.edge_label"))


def test_rewards_labels_group_the_actions(subplots):
    m, _ = forest()  # old -> young: cut pays 2 (wait burns, paying 0)
    _, ax = subplots()
    mdp_graph(m, ax=ax, edge_labels="rewards")
    labels = sorted(t.get_text() for t in with_gid(ax, "mdp_graph.edge_label"))
    assert labels == ["cut: r=1", "cut: r=2", "r=4"]
    P = np.zeros((2, 3, 2))
    P[:, :, 1] = 1.0
    R = np.zeros((2, 3, 2))
    R[0, :2, 1] = 5.0
    m = MDP(P, R, 0.9, action_names=["x", "y", "z"])
    _, ax = subplots()
    mdp_graph(m, ax=ax, edge_labels="rewards", states=[0, 1])
    labels = sorted(t.get_text() for t in with_gid(ax, "mdp_graph.edge_label"))
    assert labels == ["x, y: r=5"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-1] == "other arrows: r=0"


def test_rewards_legend_when_every_reward_is_the_same(subplots):
    w = worlds.make("gridworld-4x4")
    _, ax = subplots()
    mdp_graph(w.mdp, ax=ax, layout=world_layout(w))
    assert with_gid(ax, "mdp_graph.edge_label") == []
    assert ax.get_legend().get_texts()[-1].get_text() == "arrows: r=-1"


def test_policy_chain_on_a_grid_is_one_arrow_per_cell(subplots):
    w = worlds.make("gridworld-4x4")
    pi = solvers.policy_iteration(w.mdp).policy
    _, ax = subplots()
    mdp_graph(w.mdp, pi, ax=ax, layout=world_layout(w))
    # 14 deterministic moves and the two terminal loops
    assert len(with_gid(ax, "mdp_graph.edge")) == 16
    np.testing.assert_array_equal(
        node_collection(ax).get_offsets(), [world_layout(w)[s] for s in range(16)]
    )


def test_geometric_layouts_raise_the_state_limit(subplots):
    w = worlds.make("four-rooms")  # 104 states
    with pytest.raises(
        MDPError,
        match=r"max_states=60 states and this graph has 104; .*`states=` \(e\.g\. "
        r"mdp\.graph\.reachable_states\(m, pi=pi\), .*`max_states=104`.*"
        r"world_layout\(world\) raises the default limit to 150\.$",
    ) as info:
        mdp_graph(w.mdp)
    assert "--" not in str(info.value)  # Python advice only; the CLI words its own
    assert (info.value.n_states, info.value.max_states) == (104, 60)
    _, ax = subplots()
    mdp_graph(w.mdp, ax=ax, layout=world_layout(w))
    assert len(node_collection(ax).get_offsets()) == 104
    centres, radius = node_discs(ax)
    d = np.linalg.norm(centres[:, None] - centres[None], axis=2)
    np.fill_diagonal(d, np.inf)
    assert d.min() > 2 * radius  # no two nodes overlap
    jacks = worlds.make("jacks-car-rental")  # 441 states
    with pytest.raises(MDPError, match=r"max_states=150 states and this graph has 441"):
        mdp_graph(jacks.mdp, layout=world_layout(jacks))


def test_bad_edge_labels():
    with pytest.raises(
        MDPError,
        match=r"`edge_labels` must be True, False, None, 'all' or 'rewards'; got 'some'",
    ):
        mdp_graph(ring(3), edge_labels="some")
