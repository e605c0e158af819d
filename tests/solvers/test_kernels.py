"""The fused, threaded backup kernel equals the plain formula everywhere."""

from __future__ import annotations

import numpy as np
import pytest

from mdp import MDP
from solvers.exact import _kernels
from solvers.exact._kernels import AffineCSR, Backup
from worlds import garnet


def _plain_q(m: MDP, V: np.ndarray) -> np.ndarray:
    return (m.r_masked + m.gamma * (m.P @ V)).reshape(m.n_states, m.n_actions)


@pytest.fixture(params=["threads", "one-thread", "public-api"])
def kernel_mode(request, monkeypatch):
    if request.param == "threads":
        monkeypatch.setenv("MDPKIT_NUM_THREADS", "3")
        monkeypatch.setattr(_kernels, "PARALLEL_MIN_NNZ", 1)
    elif request.param == "one-thread":
        monkeypatch.setenv("MDPKIT_NUM_THREADS", "1")
    else:
        monkeypatch.setattr(_kernels, "_csr_matvec", None)
    return request.param


def test_backup_matches_the_formula(kernel_mode):
    m = garnet(500, 3, 4, gamma=0.9, seed=1)
    k = Backup(m)
    V = np.random.default_rng(0).normal(size=500)
    Q = _plain_q(m, V)
    Q_as = k.q(V)
    np.testing.assert_allclose(k.to_sa(Q_as), Q, rtol=1e-14, atol=1e-12)
    np.testing.assert_allclose(k.max(Q_as), Q.max(axis=1), rtol=1e-14, atol=1e-12)
    best, arg = k.argmax(Q_as)
    np.testing.assert_array_equal(arg, np.argmax(Q, axis=1))
    np.testing.assert_allclose(best, Q.max(axis=1), rtol=1e-14, atol=1e-12)
    if kernel_mode == "threads":
        assert len(k._q.chunks) == 3


def test_masked_actions_are_minus_infinity_and_never_chosen(kernel_mode):
    rng = np.random.default_rng(2)
    P = rng.random((6, 3, 6))
    P /= P.sum(axis=2, keepdims=True)
    mask = np.ones((6, 3), dtype=bool)
    mask[:, 0] = False  # action 0 would be best everywhere
    mask[5] = [True, False, False]
    R = np.full((6, 3), -1.0)
    R[:, 0] = 100.0
    m = MDP(P, R, 0.9, action_mask=mask)
    k = Backup(m)
    Q_as = k.q(np.zeros(6))
    assert np.isneginf(Q_as[0, :5]).all() and np.isneginf(Q_as[1:, 5]).all()
    _, arg = k.argmax(Q_as)
    assert (arg[:5] != 0).all() and arg[5] == 0


def test_policy_operator_is_r_pi_plus_gamma_p_pi(kernel_mode):
    m = garnet(300, 4, 3, gamma=0.8, seed=3)
    pi = np.random.default_rng(4).integers(0, 4, size=300)
    V = np.random.default_rng(5).normal(size=300)
    rows = np.arange(300) * 4 + pi
    expected = m.r[np.arange(300), pi] + 0.8 * (m.P[rows] @ V)
    np.testing.assert_allclose(
        Backup(m).policy_operator(pi)(V), expected, rtol=1e-14, atol=1e-12
    )


def test_chunks_cover_every_row_once():
    m = garnet(2000, 4, 5, seed=0)
    op = AffineCSR(m.P, np.zeros(m.P.shape[0]))
    covered = np.concatenate([np.arange(lo, hi) for lo, hi in op.chunks])
    np.testing.assert_array_equal(covered, np.arange(m.P.shape[0]))


def test_num_threads_reads_the_environment(monkeypatch):
    monkeypatch.setenv("MDPKIT_NUM_THREADS", "5")
    assert _kernels.num_threads() == 5
    monkeypatch.setenv("MDPKIT_NUM_THREADS", "zero")
    assert 1 <= _kernels.num_threads() <= 8


def test_value_iteration_callback_sees_every_sweep_and_max_iter_keeps_a_bound():
    import warnings

    from solvers import value_iteration

    m = garnet(200, 3, 3, gamma=0.95, seed=4)
    seen = []
    sol = value_iteration(m, tol=1e-8, callback=lambda k, V: seen.append(k))
    assert seen == list(range(1, sol.iterations + 1))
    ref = value_iteration(m, tol=1e-12).V
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        short = value_iteration(m, tol=1e-12, max_iter=3)
    assert not short.converged and np.isfinite(short.error_bound)
    assert np.abs(short.V - ref).max() <= short.error_bound + 1e-12


def test_jit_falls_back_to_no_disk_cache_where_numba_has_no_cache_place():
    """numba's cache=True raises at decoration when it finds nowhere to write
    (here: a function without a source file); solvers._jit.jit compiles it
    anyway, so a read-only install still imports."""
    from numba import njit

    from solvers._jit import jit

    ns: dict = {}
    exec(compile("def f(x):\n    return 2 * x\n", "<no file>", "exec"), ns)
    with pytest.raises(RuntimeError, match="cannot cache"):
        njit(cache=True)(ns["f"])
    assert jit(ns["f"])(21) == 42
