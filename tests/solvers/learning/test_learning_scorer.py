"""Scorer.greedy_value (J of the tie-uniform greedy policy, remembered by
greedy pattern) against a dense brute force, and its memory bound."""

from __future__ import annotations

import numpy as np
import pytest

import solvers.learning._common as common
from mdp import MDP
from solvers.learning._common import Scorer


def _world(seed: int) -> MDP:
    """6 states (5 terminal), 3 actions, sparse rows with self-loops (so
    improper greedy policies exist at gamma = 1), masks, p0 on {0, 1}."""
    rng = np.random.default_rng(seed)
    N, A = 6, 3
    P = np.zeros((N, A, N))
    for s in range(N - 1):
        for a in range(A):
            P[s, a, rng.choice(N, size=int(rng.integers(1, 3)), replace=False)] = 1.0
        P[s, 0, N - 1] = 1.0  # action 0 can always end (a proper policy exists)
    P[N - 1, :, N - 1] = 1.0
    P /= P.sum(axis=2, keepdims=True)
    mask = rng.random((N, A)) < 0.7
    mask[:, 0] = True
    R = -np.round(0.1 + np.abs(rng.normal(size=(N, A))), 1)  # costs: V* finite
    p0 = np.array([0.5, 0.5, 0, 0, 0, 0])
    return MDP(P, R, 1.0, p0=p0, terminal=[N - 1], action_mask=mask)


def _brute(m: MDP, Q: np.ndarray) -> float:
    """Dense: the tie-uniform greedy pi over available actions; the states p0
    reaches under pi; nan if one of them cannot reach the terminal state."""
    P = m.P.toarray().reshape(m.n_states, m.n_actions, m.n_states)
    q = np.where(m.action_mask, Q, -np.inf)
    pi = (q == q.max(axis=1, keepdims=True)).astype(float)
    pi /= pi.sum(axis=1, keepdims=True)
    P_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = (pi * m.r).sum(axis=1)
    seen = m.p0 > 0
    for _ in range(m.n_states):
        seen = seen | (seen @ P_pi > 0)
    live = seen & ~m.terminal
    ends = m.terminal.copy()
    for _ in range(m.n_states):
        ends = ends | (P_pi @ ends > 0)
    if not ends[seen].all():
        return float("nan")
    idx = np.flatnonzero(live)
    V = np.zeros(m.n_states)
    V[idx] = np.linalg.solve(np.eye(idx.size) - P_pi[np.ix_(idx, idx)], r_pi[idx])
    return float(m.p0 @ V)


@pytest.mark.parametrize("memo", [True, False])
def test_greedy_value_is_the_brute_force_one(monkeypatch, memo):
    if not memo:
        monkeypatch.setattr(common, "_MEMO_BYTES", 0)
    n_nan = 0
    for seed in range(8):
        m = _world(seed)
        sc = Scorer(m)
        rng = np.random.default_rng(100 + seed)
        for _ in range(25):
            Q = rng.integers(0, 2, size=(6, 3)).astype(float)  # many ties
            Q[~m.action_mask] = rng.choice([-np.inf, 5.0])  # masked: ignored
            want = _brute(m, Q)
            n_nan += np.isnan(want)
            for shift in (0.0, 3.0):  # same pattern, remembered (or not)
                got = sc.greedy_value(Q + shift)
                np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    assert 0 < n_nan < 8 * 25  # both proper and improper greedy policies


def test_memory_of_greedy_values_is_bounded(monkeypatch):
    """The bound counts each entry's overhead, not just its key's bytes: with
    one-byte keys (S * A <= 8) a 64 MB budget of keys alone would allow
    64 M entries, some 7 GB of Python objects."""
    m = _world(0)
    monkeypatch.setattr(common, "_MEMO_BYTES", 20 * (1 + common._MEMO_ENTRY))
    sc = Scorer(m)
    rng = np.random.default_rng(0)
    for _ in range(200):
        sc.greedy_value(rng.integers(0, 3, size=(6, 3)).astype(float))
    key_bytes = len(np.packbits(np.ones((6, 3), bool)).tobytes())
    assert len(sc._values) * (key_bytes + common._MEMO_ENTRY) <= common._MEMO_BYTES
    assert len(sc._values) >= 10
