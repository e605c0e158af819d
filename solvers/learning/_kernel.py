r"""The control learners' inner loop on an MDP, compiled (numba).

One compiled loop steps every run of Q-learning, SARSA, expected SARSA and
double Q on the sampler's inverse-CDF tables (:meth:`mdp.BatchSampler.tables`:
the generative view, never ``P`` or ``r``).  It reads the same uniforms as the
numpy path (:class:`~solvers.learning._env.Uniforms`: run ``i`` draws blocks
of ``B = 512`` steps of ``K`` uniforms from its own generator) and performs
the same floating-point operations in the same order, so both give the same
numbers (a test checks it bit for bit); it only removes numpy's per-call
cost, which dominates at a few hundred walkers.

Runs are independent, so the driver takes them one after another, each from
start to finish, rather than in lockstep: a run's tables stay in cache (in
lockstep every block would stream all runs' ``Q`` through memory; 256 runs
on Garnet(1000) ran 30 % slower that way).  The loop steps run ``i`` until
its block of ``BLOCK`` rows of uniforms is used up, its episodes are done,
or an episode ends on an ``eval_every`` boundary (the driver then evaluates
the greedy policy exactly, which needs a linear solve, and calls the loop
again).  A generator's doubles do not depend on how they are grouped into
calls, so larger blocks read the same stream; at the end the driver leaves
the run's generator where 512-row blocks would have, so even the final
tie-breaking draw is the numpy path's.

The update is :math:`Q(S, A) \leftarrow Q(S, A) + \alpha\,[G - Q(S, A)]` with
the targets of :mod:`solvers.learning.rules`; behaviour is ε-greedy with
greedy ties broken uniformly at random (the ``floor(u * n_ties)``-th
maximiser in index order, as :func:`~solvers.learning._common.random_argmax`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtri

from mdp import BatchSampler

from .._jit import jit
from ._common import Progress, final_greedy
from ._env import (
    _U_COIN,
    _U_EXP,
    _U_PICK,
    _U_REXP,
    _U_RPICK,
    _U_RS,
    _U_TIE,
    _U_TR,
    Uniforms,
    n_uniforms,
)

#: method codes of the compiled loop
METHODS = {"q-learning": 0, "sarsa": 1, "expected-sarsa": 2, "double-q": 3}
_QL, _SARSA, _EXPECTED, _DOUBLE = 0, 1, 2, 3
#: first length of the table of alpha(n) by visit count (doubled as needed)
ALPHA_TABLE = 1024
#: rows of uniforms per refill of a run (a multiple of ``Uniforms.B``)
BLOCK = 8 * 512
# Which column of a run's uniforms U[i, j, :] serves what is an argument
# (``cols``), never a global of another module: numba freezes globals into
# the cached machine code and re-compiles only when *this* file changes, so
# a new layout in ``_env`` would otherwise be read with the old columns
# (past the end of ``U`` when ``K`` shrank).  Positions in ``cols``:
_EXP, _PICK, _TR, _RS, _REXP, _RPICK, _COIN, _TIE = range(8)
COLUMNS = np.array(
    [_U_EXP, _U_PICK, _U_TR, _U_RS, _U_REXP, _U_RPICK, _U_COIN, _U_TIE], dtype=np.int64
)
#: how many of ``COLUMNS`` (from the first) each method reads
_READS = {_QL: 4, _SARSA: 6, _EXPECTED: 4, _DOUBLE: 8}


@jit
def _tie_pick(T, T2, two, i, x, A, u):
    """The ``floor(u * n)``-th of the ``n`` maximisers of ``T[i, x] (+ T2[i, x])``."""
    best = -np.inf
    for b in range(A):
        v = T[i, x, b] + T2[i, x, b] if two else T[i, x, b]
        if v > best:
            best = v
    n = 0
    for b in range(A):
        v = T[i, x, b] + T2[i, x, b] if two else T[i, x, b]
        if v == best:
            n += 1
    k = int(u * n)
    for b in range(A):
        v = T[i, x, b] + T2[i, x, b] if two else T[i, x, b]
        if v == best:
            if k == 0:
                return b
            k -= 1
    return 0


@jit
def _act(Q, QB, double, mask, n_avail, all_avail, i, x, A, eps, ue, up):
    """ε-greedy at ``x``: an available action uniformly, else a tie-uniform maximiser."""
    if ue < eps:
        if all_avail:
            return int(up * A)
        k = int(up * n_avail[x])
        for b in range(A):
            if mask[x, b]:
                if k == 0:
                    return b
                k -= 1
        return 0
    return _tie_pick(Q, QB, double, i, x, A, up)


@jit
def _first_index(c, lo, hi, x):
    """First ``k`` in ``lo .. hi - 1`` with ``c[k] > x``, else ``hi``."""
    while lo < hi:
        mid = (lo + hi) // 2
        if c[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo


@jit
def _row_sum(Q, i, x, mask, masked, lo, n):
    """``sum_c Q[i, x, lo + c]`` (0 for unavailable ``c`` when ``masked``) for
    ``n <= 128``, in numpy's pairwise order (``numpy.mean``'s to the bit)."""
    if n < 8:
        res = 0.0
        for c in range(lo, lo + n):
            res += Q[i, x, c] if not masked or mask[x, c] else 0.0
        return res
    r = np.empty(8)
    for c in range(8):
        r[c] = Q[i, x, lo + c] if not masked or mask[x, lo + c] else 0.0
    c = 8
    while c < n - n % 8:
        for d in range(8):
            e = lo + c + d
            r[d] += Q[i, x, e] if not masked or mask[x, e] else 0.0
        c += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while c < n:
        e = lo + c
        res += Q[i, x, e] if not masked or mask[x, e] else 0.0
        c += 1
    return res


@jit
def _q_error(Q, QB, double, i, Q_star, pairs):
    """``max |Q_i - Q*|`` over ``pairs`` (``Q = (Q_A + Q_B) / 2`` for double Q)."""
    S, A = Q_star.shape
    out = 0.0
    for x in range(S):
        for b in range(A):
            if pairs[x, b]:
                q = 0.5 * (Q[i, x, b] + QB[i, x, b]) if double else Q[i, x, b]
                d = abs(q - Q_star[x, b])
                if d > out:
                    out = d
    return out


@jit
def start_runs(Q, QB, double, p0_cdf, mask, n_avail, all_avail, eps0, U, cols, s, a):
    """``S_0 ~ p0`` and ``A_0`` ε-greedy, from each run's first row of uniforms."""
    S, A = Q.shape[1], Q.shape[2]
    c_exp, c_pick, c_rs = cols[_EXP], cols[_PICK], cols[_RS]
    for i in range(Q.shape[0]):
        x = _first_index(p0_cdf, 0, p0_cdf.size, U[i, 0, c_rs])
        x = min(x, S - 1)
        s[i] = x
        a[i] = _act(Q, QB, double, mask, n_avail, all_avail, i, x, A, eps0,
                    U[i, 0, c_exp], U[i, 0, c_pick])  # fmt: skip


@jit
def run_control(
    method, Q, QB, key, nxt, rew, std, start, last, p0_cdf, terminal, mask, n_avail,
    all_avail, g, alpha_table, harmonic, counts, visits, eps_table, max_steps, U, cols,
    Z, pos, s, a, ep, ep_ret, ep_len, n_trunc, rets, lens, qerr, Q_star, pairs,
    eval_every, pending,
):  # fmt: skip
    """Step each run until its uniforms run out, its episodes end, or an eval is due.

    The step size is ``alpha_table[0]`` when ``counts`` is empty, else, with
    ``n`` the pair's visit count after this visit, ``alpha_table[0] / n``
    when ``harmonic`` (``c / n``), or ``alpha_table[n]``; a run pauses
    before a count would pass the table (the caller extends it).
    Run ``i``'s uniforms for its step ``j`` are ``U[i, j, :]``, the one for
    each use in the column ``cols[...]`` (:data:`COLUMNS`).
    Returns whether some run paused for that.
    """
    short_table = False
    c_exp, c_pick, c_tr, c_rs = cols[_EXP], cols[_PICK], cols[_TR], cols[_RS]
    c_rexp, c_rpick, c_coin, c_tie = cols[_REXP], cols[_RPICK], cols[_COIN], cols[_TIE]
    R, B = U.shape[0], U.shape[1]
    S, A = Q.shape[1], Q.shape[2]
    episodes = rets.shape[1]
    noisy = std.size > 0
    by_visits = counts.size > 0
    score = qerr.shape[1] > 0
    double = method == _DOUBLE
    for i in range(R):
        j = pos[i]
        x = s[i]
        b = a[i]
        eps = eps_table[ep[i]]
        while j < B and ep[i] < episodes and not pending[i]:
            if by_visits and not harmonic and counts[i, x, b] + 1 >= alpha_table.size:
                short_table = True
                break
            # s' ~ P(.|s, a): first entry of row s*A + a whose key exceeds row + u
            row = x * A + b
            k = _first_index(key, start[row], last[row], row + U[i, j, c_tr])
            x2 = nxt[k]
            r = rew[k]
            if noisy:
                r = r + std[k] * Z[i, j]
            term = terminal[x2]
            ep_len[i] += 1
            ep_ret[i] += r
            trunc = ep_len[i] >= max_steps and not term
            visits[i, x, b] += 1
            if by_visits:
                counts[i, x, b] += 1
                n = counts[i, x, b]
                al = alpha_table[0] / n if harmonic else alpha_table[n]
            else:
                al = alpha_table[0]
            b2 = 0
            table = Q
            if method == _SARSA:
                # A' ~ eps-greedy(Q(S', .)), chosen before the update
                b2 = _act(Q, QB, False, mask, n_avail, all_avail, i, x2, A, eps,
                          U[i, j, c_exp], U[i, j, c_pick])  # fmt: skip
                v = 0.0 if term else Q[i, x2, b2]
            elif method == _DOUBLE:
                if U[i, j, c_coin] < 0.5:  # update Q_A, valued by Q_B
                    star = _tie_pick(Q, Q, False, i, x2, A, U[i, j, c_tie])
                    v = 0.0 if term else QB[i, x2, star]
                else:  # update Q_B, valued by Q_A
                    star = _tie_pick(QB, QB, False, i, x2, A, U[i, j, c_tie])
                    v = 0.0 if term else Q[i, x2, star]
                    table = QB
            else:
                best = -np.inf
                for c in range(A):
                    if Q[i, x2, c] > best:
                        best = Q[i, x2, c]
                v = best
                if method == _EXPECTED and eps > 0:
                    # eps * mean over available actions + (1 - eps) * max
                    tot = _row_sum(Q, i, x2, mask, not all_avail, 0, A)
                    mean = tot / A if all_avail else tot / n_avail[x2]
                    v = eps * mean + (1.0 - eps) * best
                if term:
                    v = 0.0
            # Q(S, A) <- Q(S, A) + alpha [G - Q(S, A)],  G = R + gamma v
            y = r + g * v
            q = table[i, x, b]
            table[i, x, b] = q + al * (y - q)
            if term or trunc:
                e = ep[i]
                rets[i, e] = ep_ret[i]
                lens[i, e] = ep_len[i]
                if trunc:
                    n_trunc[i] += 1
                if score:
                    qerr[i, e] = _q_error(Q, QB, double, i, Q_star, pairs)
                ep[i] = e + 1
                if eval_every > 0 and (e + 1) % eval_every == 0:
                    pending[i] = True
                eps = eps_table[e + 1]
                x2 = min(_first_index(p0_cdf, 0, p0_cdf.size, U[i, j, c_rs]), S - 1)
                if method == _SARSA:  # A' at S' was drawn before; draw A_0 afresh
                    b2 = _act(Q, QB, False, mask, n_avail, all_avail, i, x2, A, eps,
                              U[i, j, c_rexp], U[i, j, c_rpick])  # fmt: skip
                ep_ret[i] = 0.0
                ep_len[i] = 0
            if method != _SARSA:
                # A' ~ eps-greedy at S' (or at the new S_0), after the update
                b2 = _act(Q, QB, double, mask, n_avail, all_avail, i, x2, A, eps,
                          U[i, j, c_exp], U[i, j, c_pick])  # fmt: skip
            x, b = x2, b2
            j += 1
        s[i] = x
        a[i] = b
        pos[i] = j
    return short_table


def steps_like(sampler: BatchSampler) -> bool:
    """Whether the compiled loop steps as ``sampler`` does.

    The loop reads :meth:`~mdp.BatchSampler.tables` and repeats
    ``reset_uniform`` / ``step_uniform`` itself, so a subclass that overrides
    any of the three (to wrap, check or change the dynamics) would be
    bypassed: it runs the numpy loop, which calls its methods.
    """
    cls = type(sampler)
    return all(
        getattr(cls, name) is getattr(BatchSampler, name)
        for name in ("reset_uniform", "step_uniform", "tables")
    )


def _grow(alpha_s: Any, table: np.ndarray, size: int) -> np.ndarray:
    """``alpha_s(n)`` for ``n < size``, extending ``table`` (its first entries).

    Filled in chunks, so that beside the table itself only a chunk's
    temporaries are held (numpy's pow is elementwise: the same bits however
    the counts are grouped).
    """
    out = np.empty(size)
    out[: table.size] = table
    for lo in range(table.size, size, _CHUNK):
        hi = min(lo + _CHUNK, size)
        out[lo:hi] = alpha_s(np.arange(lo, hi))
    return out


_CHUNK = 1 << 16


def compiled_control(method, W, gens, episodes, alpha_s, eps_s, g, q0, max_steps,
                     scorer, eval_every, progress) -> tuple[Any, ...]:  # fmt: skip
    """Run ``method`` on the sampler behind ``W`` for every run; the learners' outputs."""
    code = METHODS[method]
    double = code == _DOUBLE
    T = W.sampler.tables()
    R, S, A = len(gens), W.n_states, W.n_actions
    mask = np.ascontiguousarray(T["mask"])
    terminal = np.ascontiguousarray(T["terminal"])
    Q = np.broadcast_to(q0, (R, S, A)).copy()
    Q[:, terminal, :] = 0.0
    Q[:, ~mask] = -np.inf
    QB = Q.copy() if double else np.zeros((0, 0, 0))
    by_visits = alpha_s.kind == "visits"
    counts = np.zeros((R, S, A) if by_visits else (0, 0, 0), dtype=np.int64)
    # alpha = c / n^omega from the schedule itself, by count n: numpy's pow
    # differs from the compiled one in the last bit; c / n (omega = 1, where
    # numpy's n ** 1.0 is n) is one division either way and needs no table
    harmonic = by_visits and alpha_s.omega == 1.0
    size = ALPHA_TABLE if by_visits and not harmonic else 1
    alpha_table = _grow(alpha_s, np.zeros(0), size)
    visits = np.zeros((R, S, A), dtype=np.int64)
    eps_table = np.asarray(eps_s(np.arange(episodes + 1)), dtype=np.float64)
    rets = np.zeros((R, episodes))
    lens = np.zeros((R, episodes), dtype=np.int64)
    score = scorer is not None
    qerr = np.zeros((R, episodes) if score else (R, 0))
    Q_star = scorer.Q_star if score else np.zeros((0, 0))
    pairs = scorer.pairs if score else np.zeros((0, 0), dtype=bool)
    n_eval = episodes // eval_every if eval_every else 0
    gval = np.zeros((R, n_eval)) if eval_every else None

    B = Uniforms.B
    noisy = W.noisy
    K = n_uniforms(method) + (1 if noisy else 0)
    read = COLUMNS[: _READS[code]]
    if read.max() >= n_uniforms(method):  # the loop has no bounds checks
        msg = (
            f"internal: {method!r} draws {n_uniforms(method)} uniforms a step but "
            f"the compiled loop reads columns {read.tolist()}"
        )
        raise AssertionError(msg)
    # one run at a time, start to finish: its tables stay in cache (runs in
    # lockstep would stream every run's Q through memory each block), in
    # blocks of BLOCK rows of uniforms (the same stream as Uniforms' 512-row
    # blocks: a generator's doubles do not depend on how they are grouped)
    U = np.empty((1, BLOCK, K))
    Z = np.zeros((1, BLOCK) if noisy else (1, 0))
    s = np.zeros(R, dtype=np.int64)
    a = np.zeros(R, dtype=np.int64)
    n_avail = mask.sum(axis=1).astype(np.int64)
    all_avail = bool(mask.all())
    pos = np.zeros(R, dtype=np.int64)
    ep = np.zeros(R, dtype=np.int64)
    ep_ret = np.zeros(R)
    ep_len = np.zeros(R, dtype=np.int64)
    n_trunc = np.zeros(R, dtype=np.int64)
    pending = np.zeros(R, dtype=bool)
    prog = Progress(method, progress)
    # (no .signatures under NUMBA_DISABLE_JIT=1: plain Python, nothing to load)
    if progress and not getattr(run_control, "signatures", True):
        prog("loading the compiled loop (compiled and cached on first use)", force=True)
    for i in range(R):
        gen = gens[i]
        one = slice(i, i + 1)
        Qi, QBi = Q[one], (QB[one] if double else QB)
        Ci = counts[one] if by_visits else counts

        def refill(gen: np.random.Generator = gen) -> Any:
            state = gen.bit_generator.state  # to re-align the stream at the end
            gen.random((BLOCK, K), out=U[0])
            if noisy:
                Z[0] = ndtri(U[0, :, -1])
            return state

        block_start = refill()
        start_runs(Qi, QBi, double, T["p0_cdf"], mask, n_avail, all_avail,
                   float(eps_table[0]), U, COLUMNS, s[one], a[one])  # fmt: skip
        pos[i] = 1
        while True:
            short_table = run_control(
                code, Qi, QBi, T["key"], T["next"], T["reward"], T["std"],
                T["start"], T["last"], T["p0_cdf"], terminal, mask, n_avail,
                all_avail, float(g), alpha_table, harmonic, Ci, visits[one],
                eps_table, int(max_steps), U, COLUMNS, Z, pos[one], s[one], a[one],
                ep[one], ep_ret[one], ep_len[one], n_trunc[one], rets[one],
                lens[one], qerr[one], Q_star, pairs, int(eval_every or 0),
                pending[one],
            )  # fmt: skip
            if pending[i]:
                Qe = Q[i] if not double else 0.5 * (Q[i] + QB[i])
                gval[i, ep[i] // eval_every - 1] = scorer.greedy_value(Qe)  # type: ignore[index]
                pending[i] = False
            if short_table:
                alpha_table = _grow(alpha_s, alpha_table, 2 * alpha_table.size)
            if ep[i] >= episodes:
                break
            if pos[i] == BLOCK:
                block_start = refill()
                pos[i] = 0
            if progress:
                prog(f"run {i + 1}/{R}: episode {int(ep[i])}/{episodes}")
        # leave the stream where Uniforms' 512-row blocks would have: the
        # block holding the last row used, and no further
        gen.bit_generator.state = block_start
        gen.random((-(-int(pos[i]) // B) * B, K))
    steps = lens.sum(axis=1)
    prog(f"done: {int(steps.sum())} steps", force=True)
    Qout, pol = final_greedy(Q, QB if double else None, gens)
    evals = np.arange(1, n_eval + 1) * eval_every if eval_every else None
    return (
        Qout,
        pol,
        rets,
        lens,
        steps,
        n_trunc,
        qerr if score else None,
        evals,
        gval,
        visits,
    )
