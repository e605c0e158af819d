"""Drawing transition graphs (:func:`worlds.graph_plot.mdp_graph`).

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

from mdp import MDP, MDPError, PolicyError  # noqa: E402
from worlds.graph_plot import mdp_graph  # noqa: E402


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
    _, ax = subplots()
    mdp_graph(ring(12), ax=ax)
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
