"""The graph view (:mod:`mdp.graph`) against networkx's own algorithms.

The reference graphs are built here straight from dense numpy tables, not
from :func:`mdp.graph.to_networkx`, so the csgraph-based functions and the
networkx export are both checked against something independent.
"""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from mdp import MDP, MDPError, PolicyError
from mdp import graph as g

SEEDS = range(25)


# ----------------------------------------------------------------- fixtures
def random_case(seed: int):
    """A small random MDP with a mask, terminals and garbage in masked rows.

    Returns the MDP and the reference tables ``P_ref [S, A, S]`` (masked rows
    zeroed, terminal rows self-loops under every action), ``R_ref [S, A, S]`` and ``mask``.
    """
    rng = np.random.default_rng(seed)
    S, A = int(rng.integers(2, 9)), int(rng.integers(1, 4))
    density = rng.uniform(0.1, 0.5)
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < density)
    empty = P.sum(axis=2) == 0
    P[empty, rng.integers(S, size=int(empty.sum()))] = 1.0
    P /= P.sum(axis=2, keepdims=True)
    R = rng.normal(size=(S, A, S))
    term = rng.random(S) < 0.2
    mask = rng.random((S, A)) < 0.8
    mask[~mask.any(axis=1), 0] = True
    P[term] = 0.0
    R[term] = 0.0
    P_given = P.copy()
    P_given[~mask] = 0.3  # garbage in unavailable rows must be ignored
    m = MDP(P_given, R, 0.9, terminal=term, action_mask=mask)

    # the terminal rule: every action of a terminal state is a self-loop
    mask = mask.copy()
    mask[term] = True
    P_ref = P.copy()
    P_ref[~mask] = 0.0
    for s in np.flatnonzero(term):
        P_ref[s, :, s] = 1.0
    return m, P_ref, R, mask


def ref_graph(P_ref: np.ndarray) -> nx.DiGraph:
    """The all-actions graph from dense tables (masked rows are zero)."""
    S = P_ref.shape[0]
    G = nx.DiGraph()
    G.add_nodes_from(range(S))
    G.add_edges_from(zip(*np.nonzero(P_ref.sum(axis=1) > 0), strict=True))
    return G


def ref_chain(P_pi: np.ndarray) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(range(P_pi.shape[0]))
    G.add_edges_from(zip(*np.nonzero(P_pi > 0), strict=True))
    return G


def random_policies(m: MDP, seed: int):
    """A deterministic and a stochastic policy that respect the mask."""
    rng = np.random.default_rng(1000 + seed)
    mask = m.action_mask
    det = np.array([rng.choice(np.flatnonzero(row)) for row in mask])
    sto = rng.random(mask.shape) * (rng.random(mask.shape) < 0.6) * mask
    sto[sto.sum(axis=1) == 0] = mask[sto.sum(axis=1) == 0]
    sto /= sto.sum(axis=1, keepdims=True)
    return det, sto


def dense_policy(pi: np.ndarray, A: int) -> np.ndarray:
    if pi.ndim == 2:
        return pi
    return np.eye(A)[pi]


def as_sets(classes) -> set[frozenset[int]]:
    return {frozenset(int(s) for s in c) for c in classes}


def two_state_absorbing() -> MDP:
    """State 0 stays or falls (w.p. 1/2 each) into the terminal state 1."""
    P = np.zeros((2, 1, 2))
    P[0, 0] = [0.5, 0.5]
    R = np.zeros((2, 1, 2))
    R[0, 0, 1] = 2.0
    return MDP(P, R, 0.9, terminal=[1], state_names=["alive", "dead"])


def corridor_grid(nrow: int = 2, ncol: int = 4) -> MDP:
    """A deterministic grid, actions up/right/down/left, walls at the border;
    the bottom-right corner is terminal."""
    S = nrow * ncol
    moves = [(-1, 0), (0, 1), (1, 0), (0, -1)]
    P = np.zeros((S, 4, S))
    goal = S - 1
    for r in range(nrow):
        for c in range(ncol):
            s = r * ncol + c
            if s == goal:
                continue
            for a, (dr, dc) in enumerate(moves):
                r2 = min(max(r + dr, 0), nrow - 1)
                c2 = min(max(c + dc, 0), ncol - 1)
                P[s, a, r2 * ncol + c2] = 1.0
    names = [f"({r},{c})" for r in range(nrow) for c in range(ncol)]
    R = -np.ones(S)
    R[goal] = 0.0
    return MDP(P, R, 1.0, terminal=[goal], state_names=names)


# ------------------------------------------------------------- to_networkx
@pytest.mark.parametrize("seed", SEEDS)
def test_to_networkx_edges_carry_each_available_action(seed):
    m, P_ref, R, mask = random_case(seed)
    G = g.to_networkx(m)
    assert set(G.edges) == set(ref_graph(P_ref).edges)
    S, A = P_ref.shape[:2]
    for s, s2 in G.edges:
        acts = G.edges[s, s2]["actions"]
        expected = {a for a in range(A) if P_ref[s, a, s2] > 0}
        assert set(acts) == expected
        assert all(mask[s, a] for a in acts)
        for a, d in acts.items():
            assert d["prob"] == pytest.approx(P_ref[s, a, s2])
            assert d["reward"] == pytest.approx(R[s, a, s2])
    for s in range(S):
        assert G.nodes[s]["terminal"] == bool(m.terminal[s])
        assert G.nodes[s]["p0"] == pytest.approx(m.p0[s])
        assert G.nodes[s]["name"] == m.names.states[s]
    assert G.graph["chain"] is False


@pytest.mark.parametrize("seed", SEEDS)
def test_to_networkx_chain_is_P_pi_with_expected_rewards(seed):
    m, P_ref, R, _ = random_case(seed)
    A = m.n_actions
    for pi in random_policies(m, seed):
        pi_s_a = dense_policy(pi, A)
        P_pi = np.einsum("sa,sat->st", pi_s_a, P_ref)
        PR_pi = np.einsum("sa,sat->st", pi_s_a, P_ref * R)
        C = g.to_networkx(m, pi)
        assert C.graph["chain"] is True
        assert set(C.edges) == set(ref_chain(P_pi).edges)
        np.testing.assert_allclose(nx.to_numpy_array(C, weight="weight"), P_pi)
        for s, s2, d in C.edges(data=True):
            assert d["reward"] == pytest.approx(PR_pi[s, s2] / P_pi[s, s2])
        r_pi = PR_pi.sum(axis=1)
        np.testing.assert_allclose([C.nodes[s]["reward"] for s in C], r_pi)


def test_to_networkx_reward_of_R_s_and_R_sa_is_r():
    P = np.zeros((2, 2, 2))
    P[:, 0] = [0.5, 0.5]
    P[:, 1, 1] = 1.0
    G = g.to_networkx(MDP(P, [[1.0, 2.0], [3.0, 4.0]], 0.9))
    assert G.edges[0, 1]["actions"] == {
        0: {"prob": 0.5, "reward": 1.0},
        1: {"prob": 1.0, "reward": 2.0},
    }
    G = g.to_networkx(MDP(P, [5.0, -1.0], 0.9))
    assert G.edges[1, 0]["actions"] == {0: {"prob": 0.5, "reward": -1.0}}


def test_to_networkx_min_prob_drops_rare_transitions():
    P = np.zeros((3, 1, 3))
    P[0, 0] = [0.1, 0.6, 0.3]
    P[1, 0, 2] = P[2, 0, 2] = 1.0
    m = MDP(P, np.zeros(3), 0.9)
    assert sorted(g.to_networkx(m, min_prob=0.3).edges) == [
        (0, 1),
        (0, 2),
        (1, 2),
        (2, 2),
    ]
    assert sorted(g.to_networkx(m, [0, 0, 0], min_prob=0.5).edges) == [
        (0, 1),
        (1, 2),
        (2, 2),
    ]
    assert g.to_networkx(m, min_prob=0.0).number_of_edges() == 5


def test_to_networkx_hand_example():
    G = g.to_networkx(two_state_absorbing())
    assert sorted(G.edges) == [(0, 0), (0, 1), (1, 1)]
    assert G.edges[0, 1]["actions"] == {0: {"prob": 0.5, "reward": 2.0}}
    assert G.edges[1, 1]["actions"] == {0: {"prob": 1.0, "reward": 0.0}}
    assert G.nodes[1] == {"name": "dead", "terminal": True, "p0": 0.0}
    C = g.to_networkx(two_state_absorbing(), [0, 0])
    assert C.nodes[0]["reward"] == pytest.approx(1.0)
    assert C.edges[0, 1] == {"weight": 0.5, "reward": 2.0}


# ------------------------------------------------------------ reachability
@pytest.mark.parametrize("seed", SEEDS)
def test_reachable_states_matches_descendants(seed):
    m, P_ref, _, _ = random_case(seed)
    G = ref_graph(P_ref)
    rng = np.random.default_rng(seed)
    mask = rng.random(m.n_states) < 0.3
    one = int(rng.integers(m.n_states))
    cases = [
        (None, np.flatnonzero(m.p0 > 0)),
        (one, [one]),
        (mask, np.flatnonzero(mask)),
    ]
    for start, src in cases:
        expected = set(np.asarray(src).tolist()).union(
            *(nx.descendants(G, s) for s in src)
        )
        got = g.reachable_states(m, start)
        assert got.tolist() == sorted(expected)
    for pi in random_policies(m, seed):
        C = ref_chain(np.einsum("sa,sat->st", dense_policy(pi, m.n_actions), P_ref))
        expected = {0} | nx.descendants(C, 0)
        assert g.reachable_states(m, 0, pi=pi).tolist() == sorted(expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_communicating_classes_match_sccs(seed):
    m, P_ref, _, _ = random_case(seed)
    classes = g.communicating_classes(m)
    assert as_sets(classes) == as_sets(
        nx.strongly_connected_components(ref_graph(P_ref))
    )
    # sorted within, ordered by smallest state, a partition of the states
    assert [c.tolist() for c in classes] == [sorted(c.tolist()) for c in classes]
    assert [c[0] for c in classes] == sorted(c[0] for c in classes)
    assert sorted(np.concatenate(classes).tolist()) == list(range(m.n_states))


@pytest.mark.parametrize("seed", SEEDS)
def test_recurrent_and_transient_match_attracting_components(seed):
    m, P_ref, _, _ = random_case(seed)
    for pi in random_policies(m, seed):
        C = ref_chain(np.einsum("sa,sat->st", dense_policy(pi, m.n_actions), P_ref))
        attracting = as_sets(nx.attracting_components(C))
        assert as_sets(g.recurrent_classes(m, pi)) == attracting
        recurrent = set().union(*attracting)
        expected = sorted(set(range(m.n_states)) - recurrent)
        assert g.transient_states(m, pi).tolist() == expected
        assert g.is_unichain(m, pi) == (nx.number_attracting_components(C) == 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_has_single_closed_class_matches_attracting_components(seed):
    m, P_ref, _, _ = random_case(seed)
    G = ref_graph(P_ref)
    assert g.has_single_closed_class(m) == (nx.number_attracting_components(G) == 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_single_closed_class_is_necessary_for_unichain_policies(seed):
    m, _, _, _ = random_case(seed)
    if not g.has_single_closed_class(m):
        for pi in random_policies(m, seed):
            assert not g.is_unichain(m, pi)


@pytest.mark.parametrize("seed", SEEDS)
def test_absorbing_states_brute_force(seed):
    m, P_ref, _, mask = random_case(seed)
    S, A = mask.shape
    expected = [
        s
        for s in range(S)
        if all(np.isclose(P_ref[s, a, s], 1.0) for a in range(A) if mask[s, a])
    ]
    assert g.absorbing_states(m).tolist() == expected
    assert set(np.flatnonzero(m.terminal)) <= set(expected)


def test_absorbing_state_without_being_terminal():
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 0] = 1.0
    P[1, 0, 1] = 1.0
    P[1, 1, 0] = 1.0
    m = MDP(P, np.zeros(2), 0.9, action_mask=[[True, True], [True, False]])
    assert g.absorbing_states(m).tolist() == [0, 1]  # action 1 of state 1 masked


# ------------------------------------------------------------ hand examples
def test_two_state_absorbing_chain():
    m = two_state_absorbing()
    assert g.reachable_states(m).tolist() == [0, 1]
    assert g.reachable_states(m, "dead").tolist() == [1]
    assert [c.tolist() for c in g.communicating_classes(m)] == [[0], [1]]
    assert [c.tolist() for c in g.recurrent_classes(m, [0, 0])] == [[1]]
    assert g.transient_states(m, [0, 0]).tolist() == [0]
    assert g.absorbing_states(m).tolist() == [1]
    assert g.is_unichain(m, [0, 0])
    assert g.has_single_closed_class(m)
    assert g.shortest_path(m, 0, 1) == [0, 1]
    assert g.shortest_path(m, "alive", "alive") == [0]


def test_corridor_grid_shortest_paths_are_manhattan():
    nrow, ncol = 2, 4
    m = corridor_grid(nrow, ncol)
    goal = nrow * ncol - 1
    for s in range(nrow * ncol):
        r, c = divmod(s, ncol)
        d = (nrow - 1 - r) + (ncol - 1 - c)
        path = g.shortest_path(m, s, goal)
        assert g.shortest_path_length(m, s, goal) == d == len(path) - 1
        steps = np.diff(path)
        assert set(steps.tolist()) <= {1, ncol}  # only right or down moves
    assert g.shortest_path(m, "(0,0)", "(1,3)")[0] == 0
    assert g.absorbing_states(m).tolist() == [goal]
    assert [c.tolist() for c in g.communicating_classes(m)] == [list(range(7)), [7]]
    assert g.has_single_closed_class(m)
    # "always left": every row gets stuck at its left wall, never at the goal
    left = np.full(nrow * ncol, 3)
    assert [c.tolist() for c in g.recurrent_classes(m, left)] == [[0], [4], [7]]
    assert not g.is_unichain(m, left)


@pytest.mark.parametrize("seed", SEEDS)
def test_shortest_paths_match_networkx(seed):
    m, P_ref, _, _ = random_case(seed)
    G = ref_graph(P_ref)
    lengths = dict(nx.all_pairs_shortest_path_length(G))
    S = m.n_states
    for s in range(S):
        for t in range(S):
            if t in lengths[s]:
                path = g.shortest_path(m, s, t)
                assert len(path) - 1 == lengths[s][t] == g.shortest_path_length(m, s, t)
                assert path[0] == s and path[-1] == t
                assert all(
                    G.has_edge(u, v) for u, v in zip(path, path[1:], strict=False)
                )
            else:
                with pytest.raises(
                    MDPError, match=f"no path from state {s} to state {t}"
                ):
                    g.shortest_path(m, s, t)


def test_many_actions_to_one_successor():
    # 256 actions onto one state: int8 edge counts would wrap round to 0
    S, A = 2, 256
    P = np.zeros((S, A, S))
    P[:, :, 1] = 1.0
    m = MDP(P, np.zeros(S), 0.9)
    assert g.reachable_states(m, 0).tolist() == [0, 1]
    assert g.shortest_path(m, 0, 1) == [0, 1]
    assert [c.tolist() for c in g.communicating_classes(m)] == [[0], [1]]
    assert g.has_single_closed_class(m)


def test_large_mdp_is_fast():
    rng = np.random.default_rng(0)
    S, A, k = 100_000, 4, 3
    rows = np.repeat(np.arange(S * A), k)
    P = sp.csr_array(
        (np.full(S * A * k, 1 / k), (rows, rng.integers(S, size=S * A * k))),
        shape=(S * A, S),
    )
    m = MDP(P, np.zeros(S), 0.9)
    pi = rng.integers(A, size=S)
    t0 = time.perf_counter()
    g.reachable_states(m)
    g.communicating_classes(m)
    g.recurrent_classes(m, pi)
    g.transient_states(m, pi)
    g.absorbing_states(m)
    g.is_unichain(m, pi)
    g.has_single_closed_class(m)
    g.shortest_path(m, 0, S - 1)
    assert time.perf_counter() - t0 < 3.0  # about 0.5 s; generous for CI


# --------------------------------------------------------------- validation
def test_state_arguments_are_validated():
    m = two_state_absorbing()
    with pytest.raises(MDPError, match=r"`start` state 5 is out of range for 2 states"):
        g.reachable_states(m, 5)
    with pytest.raises(MDPError, match=r"`start` state -1 is out of range"):
        g.reachable_states(m, [0, -1])
    with pytest.raises(
        MDPError, match=r"`source` 'zombie' is not a state name.*'alive', 'dead'"
    ):
        g.shortest_path(m, "zombie", 1)
    with pytest.raises(
        MDPError, match=r"`start` must hold state indices .* got 0.5 of type float"
    ):
        g.reachable_states(m, 0.5)
    with pytest.raises(
        MDPError, match=r"`start` as a boolean mask has shape \(3,\); expected \(2,\)"
    ):
        g.reachable_states(m, [True, False, True])
    with pytest.raises(MDPError, match=r"`target` must be one state .* got \[0, 1\]"):
        g.shortest_path(m, 0, [0, 1])
    with pytest.raises(MDPError, match=r"`target` must hold state indices .* got True"):
        g.shortest_path(m, 0, True)


def test_start_as_mask_names_and_empty():
    m = two_state_absorbing()
    assert g.reachable_states(m, [False, True]).tolist() == [1]
    assert g.reachable_states(m, ["dead", 0]).tolist() == [0, 1]
    assert g.reachable_states(m, []).tolist() == []


def test_no_path_message_says_how_to_find_reachable_states():
    m = two_state_absorbing()
    with pytest.raises(
        MDPError,
        match=r"no path from state 1 to state 0: .*reachable_states\(m, start=1\)",
    ):
        g.shortest_path_length(m, "dead", "alive")


def test_min_prob_is_validated():
    m = two_state_absorbing()
    with pytest.raises(MDPError, match=r"`min_prob` must be in \[0, 1\]; got 1.5"):
        g.to_networkx(m, min_prob=1.5)
    with pytest.raises(MDPError, match=r"`min_prob` must be in \[0, 1\]; got nan"):
        g.to_networkx(m, min_prob=float("nan"))
    with pytest.raises(
        MDPError, match=r"`min_prob` must be a number in \[0, 1\]; got 'x'"
    ):
        g.to_networkx(m, min_prob="x")


def test_policies_are_checked():
    m = corridor_grid()
    with pytest.raises(PolicyError, match="out of range 0..3"):
        g.recurrent_classes(m, np.full(8, 4))
    with pytest.raises(PolicyError, match=r"expected \(8,\)"):
        g.is_unichain(m, [0, 1])
    with pytest.raises(PolicyError, match=r"sums to"):
        g.to_networkx(m, np.full((8, 4), 0.5))
    masked = MDP(
        np.ones((2, 2, 2)) / 2,
        np.zeros(2),
        0.9,
        action_mask=[[True, False], [True, True]],
    )
    with pytest.raises(PolicyError, match="not available"):
        g.transient_states(masked, [1, 0])
    with pytest.raises(PolicyError, match="not available"):
        g.reachable_states(masked, pi=[1, 0])
