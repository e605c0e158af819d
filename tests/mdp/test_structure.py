"""Graph helpers of :mod:`mdp._structure` against networkx (independent)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mdp import _structure
from tests.strategies import mdps


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 9))
    adj = draw(hnp.arrays(bool, (n, n), elements=st.booleans()))
    targets = draw(hnp.arrays(bool, (n,), elements=st.booleans()))
    return adj, targets


def to_nx(adj: np.ndarray) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(range(len(adj)))
    G.add_edges_from(zip(*np.nonzero(adj), strict=True))
    return G


@given(graphs())
def test_can_reach_and_distance_match_networkx(case):
    adj, targets = case
    G = sp.csr_array(adj.astype(np.int8))
    reach = _structure.can_reach(G, targets)
    dist = _structure.distance_to(G, targets)
    H = to_nx(adj)
    for s in range(len(adj)):
        lengths = nx.single_source_shortest_path_length(H, s)
        hits = [d for t, d in lengths.items() if targets[t]]
        assert reach[s] == bool(hits)
        assert dist[s] == (min(hits) if hits else np.inf)


@given(graphs())
def test_closed_classes_match_networkx(case):
    adj, _ = case
    n, labels, closed = _structure.closed_classes(sp.csr_array(adj.astype(np.int8)))
    H = to_nx(adj)
    sccs = list(nx.strongly_connected_components(H))
    assert n == len(sccs)
    C = nx.condensation(H, sccs)
    for k, comp in enumerate(sccs):
        comp = sorted(comp)
        assert len(set(labels[comp])) == 1
        assert closed[labels[comp[0]]] == (C.out_degree(k) == 0)


@given(mdps())
def test_state_graph_has_an_edge_for_every_available_transition(m):
    S, A = m.n_states, m.n_actions
    P = m.P.toarray().reshape(S, A, S)
    expected = ((P > 0) & m.action_mask[:, :, None]).any(axis=1)
    G = _structure.state_graph(m.P, A, m.action_mask)
    np.testing.assert_array_equal(G.toarray() > 0, expected)
    G_all = _structure.state_graph(m.P, A)
    np.testing.assert_array_equal(G_all.toarray() > 0, (P > 0).any(axis=1))
