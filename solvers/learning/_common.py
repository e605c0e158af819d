"""Shared pieces of the learners: argument checks, ε-greedy, scoring, progress."""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp

from mdp import MDP, ImproperPolicyError, MDPError
from mdp.checks import check_gamma, check_int, spawn_generators
from mdp.types import BoolArray, FloatArray, IntArray


def check_runs(runs: Any) -> int:
    return 1 if runs is None else check_int(runs, "runs")


def generators(seed: Any, runs: int) -> list[np.random.Generator]:
    """One stream per run; run ``i`` of ``runs=k`` is the same for every ``k``."""
    return spawn_generators(seed, runs)


def learner_gamma(gamma: Any, env_gamma: float) -> float:
    return env_gamma if gamma is None else check_gamma(gamma)


def initial_table(x: Any, shape: tuple[int, ...], name: str) -> FloatArray:
    """A scalar or an array of ``shape`` (per state or per pair), finite."""
    if isinstance(x, (str, bytes, bool)):
        msg = f"`{name}` must be a number or an array of shape {shape}; got {x!r}."
        raise MDPError(msg)
    try:
        arr = np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"`{name}` must be a number or an array of shape {shape}; got {x!r}."
        raise MDPError(msg) from exc
    if arr.ndim != 0 and arr.shape != shape:
        msg = f"`{name}` has shape {arr.shape}; expected a scalar or {shape}."
        raise MDPError(msg)
    if not np.isfinite(arr).all():
        msg = f"`{name}` must be finite."
        raise MDPError(msg)
    return np.broadcast_to(arr, shape).copy()


def eps_greedy(
    q_rows: FloatArray,
    avail: BoolArray | None,
    eps: FloatArray,
    u_explore: FloatArray,
    u_pick: FloatArray,
) -> IntArray:
    """ε-greedy actions for rows ``q_rows [n, A]``; greedy ties uniformly at random.

    With probability ``eps`` an available action uniformly at random, else a
    maximiser of the row chosen uniformly among the tied ones; ``u_pick``
    indexes either set (they are alternatives, so one uniform serves both).
    """
    greedy = random_argmax(q_rows, u_pick)
    if avail is None:
        rand = (u_pick * q_rows.shape[1]).astype(np.int64)
    else:
        rand = _kth_true(avail, u_pick)
    return np.where(u_explore < eps, rand, greedy)


def final_greedy(
    Q: FloatArray, QB: FloatArray | None, gens: list[np.random.Generator]
) -> tuple[FloatArray, IntArray]:
    """The result's ``Q`` (``(Q_A + Q_B) / 2`` for double Q) and its greedy
    policy, ties uniformly at random from one more draw of ``S`` uniforms per
    run (the same for every path, so the paths agree on ties too)."""
    R, S, A = Q.shape
    Qout = Q if QB is None else 0.5 * (Q + QB)
    tie_u = np.array([g.random(S) for g in gens])
    return Qout, random_argmax(Qout.reshape(R * S, A), tie_u.ravel()).reshape(R, S)


def row_max(q_rows: FloatArray) -> FloatArray:
    """``max_a q[:, a]`` column by column (numpy reduces short rows slowly)."""
    A = q_rows.shape[1]
    if A > 16:
        return q_rows.max(axis=1)
    best = q_rows[:, 0].copy()
    for j in range(1, A):
        np.maximum(best, q_rows[:, j], out=best)
    return best


def _tables(A: int) -> tuple[Any, IntArray, IntArray]:
    """For rows of ``A <= 8`` flags coded as ``c = sum_j 2^j flag_j``: the
    weights ``2^j``, the count of True per code and the index of the k-th
    True (``kth[c * A + k]``)."""
    tabs = _TABLES.get(A)
    if tabs is None:
        codes = np.arange(2**A)
        bits = (codes[:, None] >> np.arange(A)) & 1
        kth = np.zeros((2**A, A), dtype=np.int64)
        for c in range(2**A):
            on = np.flatnonzero(bits[c])
            kth[c, : on.size] = on
        weights = (1 << np.arange(A)).astype(np.uint8)
        tabs = (weights, bits.sum(axis=1), kth.T.ravel())
        _TABLES[A] = tabs
    return tabs


_TABLES: dict[int, tuple[Any, IntArray, IntArray]] = {}


def _kth_true(flags: BoolArray, u: FloatArray) -> IntArray:
    """Index of the ``floor(u * count)``-th True of each row (index order)."""
    n, A = flags.shape
    if A <= 8 and flags.flags.c_contiguous:
        # code each row as one byte, then two table look-ups
        weights, count, kth = _tables(A)
        code = flags.view(np.uint8) @ weights
        k = (u * count.take(code)).astype(np.int64)
        k <<= A
        k += code
        return kth.take(k)
    if A > 16:
        k = (u * flags.sum(axis=1)).astype(np.int64)
        return (flags.cumsum(axis=1) > k[:, None]).argmax(axis=1)
    cols = [flags[:, j] for j in range(A)]
    cnt = np.zeros(n, dtype=np.int64)
    for c in cols:
        cnt += c
    k = (u * cnt).astype(np.int64)
    out = np.zeros(n, dtype=np.int64)
    seen = np.zeros(n, dtype=np.int64)
    for j, c in enumerate(cols):
        out[c & (seen == k)] = j
        seen += c
    return out


def random_argmax(q_rows: FloatArray, u: FloatArray) -> IntArray:
    """A maximiser of each row, uniformly among ties (``u [n]`` uniforms)."""
    best = row_max(q_rows)
    return _kth_true(q_rows == best[:, None], u)


_MEMO_BYTES = 1 << 26  # at most 64 MB of remembered greedy patterns
#: bytes a remembered value costs beside its key: the bytes object's header
#: (33), the float (24) and its dict slot (about 40), rounded up
_MEMO_ENTRY = 112


class Scorer:
    """Distances to the exact answer on the MDP: ``Q*``, ``V*``, greedy values."""

    def __init__(self, m: MDP) -> None:
        from solvers import evaluate_policy, policy_iteration

        self._evaluate = evaluate_policy
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sol = policy_iteration(m)
        self.m = m
        self.V_star = np.asarray(sol.V, dtype=np.float64)
        self.Q_star = np.asarray(sol.Q, dtype=np.float64)
        self.mask = np.asarray(m.action_mask, dtype=bool)
        from mdp.graph import reachable_states

        # the pairs q_error measures: available, at a state the start reaches
        # (a learner never visits the others, so cannot learn their values)
        reach = np.zeros(m.n_states, dtype=bool)
        reach[reachable_states(m)] = True
        self.pairs = self.mask & reach[:, None]
        self.J_star = float(m.p0 @ self.V_star)
        self._values: dict[bytes, float] = {}  # greedy pattern -> J(pi)
        self._proper = None
        if m.gamma == 1.0:
            from mdp.episodic import proper_policy

            try:
                self._proper = np.eye(m.n_actions)[proper_policy(m)]
            except MDPError:
                self._proper = None

    def q_error(self, Q: FloatArray) -> FloatArray:
        """``||Q_i - Q*||_inf`` over :attr:`pairs`, for ``Q [n, S, A]``."""
        d = np.abs(Q[:, self.pairs] - self.Q_star[self.pairs])
        return d.max(axis=1)

    def greedy_value(self, Q: FloatArray) -> float:
        """``J(pi) = p0 . V^pi`` of the tie-uniform greedy policy of ``Q [S, A]``.

        The greedy policy is determined by which pairs attain their row's
        maximum, so values are remembered by that pattern: many runs (and
        evaluations) share a policy, and each costs a linear solve.
        """
        q = np.where(self.mask, Q, -np.inf)
        ismax = q == q.max(axis=1, keepdims=True)
        key = np.packbits(ismax).tobytes()
        hit = self._values.get(key)
        if hit is None:
            hit = self._greedy_value(ismax / ismax.sum(axis=1, keepdims=True))
            if (len(self._values) + 1) * (len(key) + _MEMO_ENTRY) <= _MEMO_BYTES:
                self._values[key] = hit
        return hit

    def _greedy_value(self, pi: FloatArray) -> float:
        if self._proper is not None:
            # states the start cannot reach under pi do not change p0 . V^pi;
            # give them a proper policy so that gamma = 1 evaluation is defined
            far = ~self._reachable(pi)
            pi[far] = self._proper[far]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                V: Any = self._evaluate(self.m, pi)
        except ImproperPolicyError:
            return float("nan")
        return float(self.m.p0 @ V)

    def _reachable(self, pi: FloatArray) -> BoolArray:
        """States reachable from the support of ``p0`` under ``pi [S, A]``."""
        m = self.m
        S, A = m.n_states, m.n_actions
        w = sp.diags(pi.ravel()) @ m.P  # rows s*A + a weighted by pi(a|s)
        agg = sp.csr_array(
            (np.ones(S * A), (np.repeat(np.arange(S), A), np.arange(S * A))),
            shape=(S, S * A),
        )
        step = (agg @ w).T.tocsr()  # step[s', s] > 0 iff s -> s' possible
        seen = m.p0 > 0
        while True:
            new = seen | (step @ seen.astype(np.float64) > 0)
            if (new == seen).all():
                return seen
            seen = new


class Progress:
    """A status line on stderr about once a second (when enabled)."""

    def __init__(self, name: str, enabled: bool) -> None:
        self.name, self.enabled = name, bool(enabled)
        self.t0 = self.last = time.perf_counter()

    def __call__(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if force or now - self.last >= 1.0:
            self.last = now
            print(f"{self.name}: {text}  [{now - self.t0:.1f} s]", file=sys.stderr)


def warn_truncated(
    n: int, max_steps: int, stacklevel: int = 3, bootstrap: bool = True
) -> None:
    if n:
        how = (
            "truncation is not termination, so those steps still bootstrap"
            if bootstrap
            else "Monte Carlo cannot bootstrap, so their returns are cut short"
        )
        msg = (
            f"{n} episode(s) were truncated (max_steps={max_steps} or the env's time "
            f"limit); {how}. Raise `max_steps` if episodes should end by termination."
        )
        warnings.warn(msg, RuntimeWarning, stacklevel=stacklevel)
