"""BatchSampler and the Gymnasium export: sampled frequencies match the tables."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

from mdp import MDP, BatchSampler, MDPError, to_gymnasium


def _random_mdp(seed=0, S=5, A=3):
    rng = np.random.default_rng(seed)
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < 0.6)
    P[:, :, 0] += 0.05
    P /= P.sum(axis=2, keepdims=True)
    R = rng.normal(size=(S, A, S))
    mask = np.ones((S, A), bool)
    mask[1, A - 1] = False
    return MDP(P, R, 0.9, p0=rng.dirichlet(np.ones(S)), action_mask=mask)


class _Noisy:
    """An MDP view with reward noise (until MDP(reward_std=...) is merged)."""

    def __init__(self, m, std):
        self._m, self.reward_std = m, std

    def __getattr__(self, name):
        return getattr(self._m, name)


def test_transition_and_reward_frequencies_match_P_and_R():
    m = _random_mdp()
    S, A = m.n_states, m.n_actions
    bs = BatchSampler(m)
    pairs = np.argwhere(m.action_mask)
    n = 20_000
    s = np.repeat(pairs[:, 0], n)
    a = np.repeat(pairs[:, 1], n)
    s2, r, term = bs.step(s, a, np.random.default_rng(1))
    P = m.P.toarray().reshape(S, A, S)
    R = m.R_sas.toarray().reshape(S, A, S)
    pvals = []
    for i, (ss, aa) in enumerate(pairs):
        sl = slice(i * n, (i + 1) * n)
        counts = np.bincount(s2[sl], minlength=S)
        p = P[ss, aa]
        assert counts[p == 0].sum() == 0
        pvals.append(stats.chisquare(counts[p > 0], n * p[p > 0]).pvalue)
        # reward of each sample is R(s, a, s') of the sampled s'
        np.testing.assert_array_equal(r[sl], R[ss, aa, s2[sl]])
    # one chi-square per pair: Bonferroni over the pairs at 1e-3 overall
    assert min(pvals) > 1e-3 / len(pvals)
    assert not term.any()


def test_reset_frequencies_match_p0():
    m = _random_mdp(3)
    n = 100_000
    counts = np.bincount(BatchSampler(m).reset(n, 5), minlength=m.n_states)
    assert stats.chisquare(counts, n * m.p0).pvalue > 1e-3


def test_reward_noise_mean_and_std_per_transition():
    m = _random_mdp(2, S=3, A=2)
    std = np.linspace(0.5, 2.0, m.P.nnz)
    bs = BatchSampler(_Noisy(m, std))
    assert bs.noisy
    n = 40_000
    s = np.zeros(n, dtype=np.int64)
    a = np.ones(n, dtype=np.int64)
    s2, r, _ = bs.step(s, a, 7)
    lo, hi = m.P.indptr[1], m.P.indptr[2]  # row s*A + a = 1
    for k in range(lo, hi):
        sel = s2 == m.P.indices[k]
        x = r[sel] - m.R_sas.data[k]
        se = std[k] / np.sqrt(sel.sum())
        assert abs(x.mean()) < 4 * se
        assert abs(x.std() / std[k] - 1) < 4 / np.sqrt(2 * sel.sum())


def test_r_sa_rewards_without_R_sas():
    m = MDP(np.ones((2, 2, 2)) / 2, R=[[1.0, 2.0], [3.0, 4.0]], gamma=0.5)
    _, r, _ = BatchSampler(m).step([0, 0, 1, 1], [0, 1, 0, 1], 0)
    np.testing.assert_array_equal(r, [1.0, 2.0, 3.0, 4.0])


def test_same_seed_same_draws_and_terminal_flag():
    P = np.zeros((3, 1, 3))
    P[0, 0, 1] = P[0, 0, 2] = 0.5
    m = MDP(
        P, R=np.zeros((3, 1)), gamma=1.0, terminal=[False, True, True], p0=[1, 0, 0]
    )
    bs = BatchSampler(m)
    x = bs.step(np.zeros(50, dtype=int), np.zeros(50, dtype=int), 3)
    y = bs.step(np.zeros(50, dtype=int), np.zeros(50, dtype=int), 3)
    np.testing.assert_array_equal(x[0], y[0])
    assert x[2].all()


def test_errors():
    m = _random_mdp()
    bs = BatchSampler(m)
    with pytest.raises(MDPError, match=r"action 2 is not available in state 1"):
        bs.step([1], [2], 0)
    with pytest.raises(MDPError, match=r"`s` must be a 1-D integer array"):
        bs.step([[0]], [0], 0)
    with pytest.raises(MDPError, match=r"`a` must be a 1-D integer array"):
        bs.step([0], [0.5], 0)
    with pytest.raises(MDPError, match=r"`s\[1\]` = 9 is not a state index"):
        bs.step([0, 9], [0, 0], 0)
    with pytest.raises(MDPError, match=r"same length"):
        bs.step([0, 0], [0], 0)
    with pytest.raises(MDPError, match=r"`n` must be an integer >= 0"):
        bs.reset(-1, 0)


def test_sparse_rows_with_many_entries():
    S = 200
    P = sp.random(S, S, density=0.3, random_state=0, format="csr") + sp.eye(S)
    P = sp.csr_array(P.multiply(1 / P.sum(axis=1)))
    m = MDP(P, R=np.zeros(S), gamma=0.9)
    s2, _, _ = BatchSampler(m).step(np.full(200_000, 7), np.zeros(200_000, int), 0)
    counts = np.bincount(s2, minlength=S)
    p = m.P.toarray()[7]
    assert counts[p == 0].sum() == 0
    assert stats.chisquare(counts[p > 0], 200_000 * p[p > 0]).pvalue > 1e-3


def test_short_row_counting_is_the_binary_search():
    # rows of <= 8 entries are searched by counting keys; the entry must be the
    # one of searchsorted over all keys (clamped to the row), also for
    # uniforms at 0 and next to 1 and rows of one entry
    rng = np.random.default_rng(3)
    S, A = 40, 3
    dense = np.zeros((S * A, S))
    for q in range(S * A):  # 1 to 8 entries per row
        cols = rng.choice(S, size=rng.integers(1, 9), replace=False)
        dense[q, cols] = rng.random(cols.size) + 0.01
    dense /= dense.sum(axis=1, keepdims=True)
    m = MDP(sp.csr_array(dense), R=rng.normal(size=(S, A)), gamma=0.9)
    bs = BatchSampler(m)
    assert bs._short is not None  # noqa: SLF001 - the path under test
    n = 60_000
    s, a = rng.integers(0, S, n), rng.integers(0, A, n)
    u = rng.random(n)
    u[:300] = np.nextafter(1.0, 0.0)
    u[300:600] = 0.0
    s2, r, _ = bs.step_uniform(s, a, u)
    row = s * A + a
    k = np.searchsorted(bs._key, row + u, side="right")  # noqa: SLF001
    k = np.minimum(k, bs._row_last[row])  # noqa: SLF001
    np.testing.assert_array_equal(s2, m.P.indices[k])
    np.testing.assert_array_equal(r, bs._reward[k])  # noqa: SLF001


# ------------------------------------------------------------- Gymnasium
gymnasium = pytest.importorskip("gymnasium")


def test_gymnasium_env_passes_check_env_and_renders_grids():
    from gymnasium.utils.env_checker import check_env

    from worlds import make

    w = make("cliff-walking")
    env = to_gymnasium(w, render_mode="ansi", max_episode_steps=5)
    check_env(env, skip_render_check=True)
    obs, info = env.reset(seed=3)
    assert obs == int(np.flatnonzero(w.mdp.p0)[0])
    text = env.render()
    assert text.count("@") == 1 and len(text.splitlines()) == 4
    for _t in range(5):
        obs, r, terminated, truncated, info = env.step(0)
    assert truncated and not terminated and r == -1.0
    assert "(UP)" in env.render()
    env = to_gymnasium(make("random-walk").mdp, render_mode="ansi")
    check_env(env, skip_render_check=True)
    env.reset(seed=0)
    assert env.render() == "state 3 (C)\n"


def test_gymnasium_env_reset_seed_and_frequencies():
    from worlds import make

    m = make("random-walk").mdp
    env = to_gymnasium(m)
    seqs = []
    for _ in range(2):
        env.reset(seed=11)
        seqs.append([env.step(0)[0] for _ in range(3)])
    assert seqs[0] == seqs[1]
    n, right = 4000, 0
    env.reset(seed=1)
    for _ in range(n):
        env.reset()
        right += env.step(0)[0] == 4
    assert abs(right / n - 0.5) < 4 * np.sqrt(0.25 / n)


def test_gymnasium_errors():
    m = _random_mdp()
    with pytest.raises(MDPError, match="render_mode"):
        to_gymnasium(m, render_mode="human")
    env = to_gymnasium(m)
    env.reset(seed=0)
    with pytest.raises(MDPError, match="outside Discrete"):
        env.step(7)
    with pytest.raises(MDPError, match="must be an mdp.MDP"):
        to_gymnasium(object())


def test_reward_std_of_the_model_is_used():
    # MDP(reward_std=...) (S, A): every sampled reward of (0, 0) is N(1, 2^2)
    P = np.zeros((2, 1, 2))
    P[:, 0, 1] = 1.0
    m = MDP(
        P,
        R=[[1.0], [0.0]],
        gamma=1.0,
        terminal=[False, True],
        reward_std=[[2.0], [0.0]],
    )
    bs = BatchSampler(m)
    assert bs.noisy
    n = 40_000
    _, r, term = bs.step(np.zeros(n, dtype=int), np.zeros(n, dtype=int), 0)
    assert term.all()
    assert abs(r.mean() - 1.0) < 4 * 2 / np.sqrt(n)
    assert abs(r.std() - 2.0) < 4 * 2 / np.sqrt(2 * n)
