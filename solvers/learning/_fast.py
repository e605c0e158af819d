"""The single-run path of the control learners in plain Python.

At one walker numpy's per-call overhead (~1 us per operation, a dozen per
step) dominates, so one run steps in plain Python over the sampler's tables
as lists (``BatchSampler.tables_for_python``), with ``bisect`` for the
inverse CDF.  It draws the same uniforms in the same order as the batched
path (blocks of ``Uniforms.B`` = 512 steps of ``_K`` uniforms from the run's generator) and
performs the same floating-point operations, so the two agree.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np
from scipy.special import ndtri

from ._common import Progress, random_argmax
from ._env import (
    _U_EXP,
    _U_PICK,
    _U_REXP,
    _U_RPICK,
    _U_RS,
    _U_TR,
    Uniforms,
    n_uniforms,
)


def fast_control(method, W, gen, episodes, alpha, eps_s, g, q0, max_steps,
                 scorer, eval_every, progress):  # fmt: skip

    _K = n_uniforms(method)
    T = W._bs.tables_for_python()
    S, A = W.n_states, W.n_actions
    key, nxt, rew, std = T["key"], T["next"], T["reward"], T["std"]
    row_last, p0_cdf, terminal, mask = (
        T["row_last"],
        T["p0_cdf"],
        T["terminal"],
        T["mask"],
    )
    noisy = std is not None
    Qnp = np.array(q0, dtype=np.float64)
    Qnp[np.asarray(terminal)] = 0.0
    Qnp[~np.asarray(mask)] = -np.inf
    Q = Qnp.tolist()
    avail = [[b for b in range(A) if mask[x][b]] for x in range(S)]
    vis = [[0] * A for _ in range(S)]
    all_avail = all(len(av) == A for av in avail)
    n_p0 = len(p0_cdf)
    eps_const = eps_s.kind == "constant"
    eps = float(eps_s(0))
    expected = method == "expected-sarsa"
    is_sarsa = method == "sarsa"

    rets = np.zeros(episodes)
    lens = np.zeros(episodes, dtype=np.int64)
    qerr = np.zeros(episodes) if scorer is not None else None
    n_eval = episodes // eval_every if eval_every else 0
    gval = np.zeros(n_eval) if eval_every else None
    prog = Progress(method, progress)

    B = Uniforms.B
    blk: list[list[float]] = []
    zblk: list[float] = []
    j = B

    def act(x, ue, up):
        qs = Q[x]
        if ue < eps:
            av = avail[x]
            return av[int(up * len(av))]
        best = max(qs)
        ties = [b for b in range(A) if qs[b] == best]
        return ties[int(up * len(ties))]

    def reset(u):
        k = bisect_right(p0_cdf, u)
        return k if k < n_p0 else n_p0 - 1

    # first state and action (the first row of the first block)
    KK = _K + (1 if noisy else 0)

    def block():
        raw = gen.random((B, KK))
        z = ndtri(raw[:, -1]).tolist() if noisy else []
        return raw.tolist(), z

    blk, zblk = block()
    u = blk[0]
    j = 1
    s = reset(u[_U_RS])
    a = act(s, u[_U_EXP], u[_U_PICK])
    ep = 0
    ep_ret = 0.0
    ep_len = 0
    steps = 0
    n_trunc = 0
    while ep < episodes:
        if j == B:
            blk, zblk = block()
            j = 0
        u = blk[j]
        zz = zblk[j] if noisy else 0.0
        j += 1
        # s' ~ P(.|s, a) by inverse CDF on row s*A + a
        row = s * A + a
        k = bisect_right(key, row + u[_U_TR])
        last = row_last[row]
        if k > last:
            k = last
        s2 = nxt[k]
        r = rew[k] + std[k] * zz if noisy else rew[k]
        term = terminal[s2]
        ep_len += 1
        ep_ret += r
        steps += 1
        vis[s][a] += 1
        end = term or ep_len >= max_steps
        q2 = Q[s2]
        qsa = Q[s]
        if is_sarsa:
            a2 = act(s2, u[_U_EXP], u[_U_PICK])
            y = r + g * (0.0 if term else q2[a2])
        elif expected:
            best = max(q2)
            if eps > 0:
                if all_avail:
                    mean = sum(q2) / A
                else:
                    av = avail[s2]
                    tot = 0.0
                    for b in range(A):
                        if mask[s2][b]:
                            tot += q2[b]
                    mean = tot / len(av)
                v = eps * mean + (1.0 - eps) * best
            else:
                v = best
            y = r + g * (0.0 if term else v)
        else:
            y = r + g * (0.0 if term else max(q2))
        # Q(S, A) <- Q(S, A) + alpha [G - Q(S, A)]
        q = qsa[a]
        qsa[a] = q + alpha * (y - q)
        if end:
            rets[ep] = ep_ret
            lens[ep] = ep_len
            n_trunc += not term
            if qerr is not None:
                Qa = np.array(Q)
                qerr[ep] = scorer.q_error(Qa[None])[0]
                if eval_every and (ep + 1) % eval_every == 0:
                    gval[(ep + 1) // eval_every - 1] = scorer.greedy_value(Qa)
            ep += 1
            if not eps_const:
                eps = float(eps_s(ep))
            prog(f"episode {ep}/{episodes}")
            s2 = reset(u[_U_RS])
            if is_sarsa:
                a2 = act(s2, u[_U_REXP], u[_U_RPICK])
            ep_ret = 0.0
            ep_len = 0
        if not is_sarsa:
            a2 = act(s2, u[_U_EXP], u[_U_PICK])
        s, a = s2, a2
    prog(f"done: {steps} steps", force=True)
    Qout = np.array(Q, dtype=np.float64)
    pol = random_argmax(Qout, gen.random(S))
    evals = np.arange(1, n_eval + 1) * eval_every if eval_every else None
    return (
        Qout[None],
        pol[None],
        rets[None],
        lens[None],
        np.array([steps]),
        np.array([n_trunc]),
        None if qerr is None else qerr[None],
        evals,
        None if gval is None else gval[None],
        np.array(vis, dtype=np.int64)[None],
    )
