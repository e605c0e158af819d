r"""Prediction from samples: Monte Carlo and TD estimates of :math:`V^\pi`.

The env is used only through its generative view, as in
:mod:`solvers.learning.control`; ``runs=k`` runs ``k`` independent learners
in lockstep (own table, own stream spawned from ``seed``).  Terminal states
have value 0 and are never updated.  On an MDP each result carries
``rms_error``: after every episode, the root-mean-square over non-terminal
states of :math:`V_k - V^\pi` (Sutton & Barto Fig. 6.2, 7.2), with
:math:`V^\pi` solved exactly once.

Update schedules (stated precisely, because the exact expected learning
curves of :func:`~solvers.learning.expected_learning_curve` assume them):

* **Monte Carlo** updates after each episode, with :math:`V_k` held fixed
  during it: every-visit constant-α,
  :math:`V_{k+1}(s) = V_k(s) + \alpha \sum_{t: S_t = s} (G_t - V_k(s))` (the
  increments of repeated visits add, Singh & Dayan's offline form);
  first-visit uses only the first :math:`t` with :math:`S_t = s`; with
  ``alpha=None`` :math:`V(s)` is the sample average of all (first-)visit
  returns so far.  The returns are accumulated with a trace during the
  episode, :math:`\sum_{t: S_t=s} G_t = \sum_j R_{j+1} e_j(s)`,
  :math:`e_j = \gamma e_{j-1} + \mathbf 1_{S_j}`, so nothing is stored per
  step.
* **TD** is online by default (the book's boxes: :math:`V` changes after
  every step); ``offline=True`` accumulates the increments with
  :math:`V_k` fixed and applies them at the end of the episode.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from mdp import MDPError
from mdp.checks import check_int, check_probability

from ._common import (
    Progress,
    check_runs,
    generators,
    learner_gamma,
    warn_truncated,
)
from ._env import Uniforms, walkers
from ._result import PredictionResult
from .schedules import Schedule, as_alpha

__all__ = ["monte_carlo_evaluation", "td_evaluation"]

_K = 3
_U_ACT, _U_TR, _U_RS = range(_K)


def monte_carlo_evaluation(
    env: Any,
    pi: Any,
    *,
    episodes: int,
    alpha: Any = None,
    first_visit: bool = True,
    V0: Any = 0.0,
    gamma: float | None = None,
    runs: int | None = None,
    seed: Any = None,
    max_steps: int = 10_000,
    progress: bool = False,
) -> PredictionResult:
    r"""Monte Carlo prediction of :math:`V^\pi`: sample averages or constant α.

    Parameters
    ----------
    env : MDP, world with ``.mdp``, mdp.BatchSampler or gymnasium.Env
        Used only through its generative view.
    pi : int (S,) or float (S, A)
        The policy followed (deterministic or stochastic).
    episodes : int
        Episodes per run.
    alpha : float in (0, 1], optional
        Constant step size; ``None`` for sample averages (``alpha = 1/N(s)``).
    first_visit : bool
        First-visit (default) or every-visit returns.
    V0 : float or array (S,)
        Initial values of the non-terminal states (ignored with sample
        averages once a state has a return).
    gamma : float, optional
        Discount; default the MDP's (1 for a Gymnasium env).
    runs, seed, max_steps, progress
        As for :func:`~solvers.learning.q_learning`.  A truncated episode's
        returns are cut at ``max_steps`` (Monte Carlo cannot bootstrap).

    Returns
    -------
    PredictionResult
        ``V`` and, on an MDP, ``rms_error`` per episode.

    Notes
    -----
    .. math:: V_{k+1}(s) = V_k(s) + \alpha \sum_{t:\,S_t = s} \big(G_t - V_k(s)\big),
              \qquad G_t = \sum_{j \ge t} \gamma^{j-t} R_{j+1}

    (the sum over the first visit only with ``first_visit``); the update is
    applied once, at the end of the episode.

    References
    ----------
    Sutton & Barto (2018), sections 5.1 and 6.2; Singh & Dayan (1998).

    Examples
    --------
    >>> from worlds import make
    >>> m = make("random-walk").mdp
    >>> res = monte_carlo_evaluation(m, [0] * 7, episodes=2000, runs=4, seed=0)
    >>> np.round(res.V.mean(axis=0)[1:6], 1)
    array([0.2, 0.3, 0.5, 0.7, 0.8])
    >>> bool(res.rms_error[:, -1].max() < 0.05)
    True
    """
    if alpha is not None:
        alpha = as_alpha(alpha)
        if alpha.kind != "constant":
            msg = "`alpha` of monte_carlo_evaluation must be a constant or None (sample averages)."
            raise MDPError(msg)
    if not isinstance(first_visit, (bool, np.bool_)):
        msg = f"`first_visit` must be True or False; got {first_visit!r}."
        raise MDPError(msg)
    method = ("first" if first_visit else "every") + "-visit MC"
    method += "" if alpha is None else f" (alpha={alpha.value:g})"
    return _predict(
        "mc", method, env, pi, episodes, alpha, 1, None, "accumulating", bool(first_visit),
        True, V0, gamma, runs, seed, max_steps, progress,
    )  # fmt: skip


def td_evaluation(
    env: Any,
    pi: Any,
    *,
    episodes: int,
    alpha: Any,
    n: int = 1,
    lam: float | None = None,
    traces: str = "accumulating",
    offline: bool = False,
    V0: Any = 0.0,
    gamma: float | None = None,
    runs: int | None = None,
    seed: Any = None,
    max_steps: int = 10_000,
    progress: bool = False,
) -> PredictionResult:
    r"""TD prediction of :math:`V^\pi`: TD(0), n-step TD, TD(λ) with traces.

    Parameters
    ----------
    env : MDP, world with ``.mdp``, mdp.BatchSampler or gymnasium.Env
        Used only through its generative view.
    pi : int (S,) or float (S, A)
        The policy followed.
    episodes : int
        Episodes per run.
    alpha : float in (0, 1] or Schedule
        Step size (constant or per visit count of the state's pairs).
    n : int
        Steps of the n-step return (``n = 1``: TD(0)).
    lam : float in [0, 1], optional
        TD(λ) with eligibility traces (then ``n`` must be 1).
    traces : {"accumulating", "replacing"}
        Trace kind for TD(λ): :math:`e(S_t) \leftarrow e(S_t) + 1` or ``= 1``.
    offline : bool
        Accumulate the increments with ``V`` fixed and apply them at the end of
        each episode (``False``: online, after every step).
    V0, gamma, runs, seed, max_steps, progress
        As for :func:`monte_carlo_evaluation`.

    Returns
    -------
    PredictionResult

    Notes
    -----
    TD(0): :math:`V(S_t) \leftarrow V(S_t) + \alpha[R_{t+1} + \gamma V(S_{t+1}) - V(S_t)]`.
    n-step: the target is :math:`G_{t:t+n} = \sum_{i<n} \gamma^i R_{t+i+1} +
    \gamma^n V(S_{t+n})`, the last ``n - 1`` states of an episode updated at
    its end.  TD(λ) (backward view): :math:`\delta_t = R_{t+1} + \gamma
    V(S_{t+1}) - V(S_t)`, :math:`e \leftarrow \gamma\lambda e`,
    :math:`e(S_t) \mathrel{+}= 1` (or :math:`= 1`), :math:`V \leftarrow V +
    \alpha \delta_t e`.  With ``offline=True`` and ``n >= T`` (or ``lam = 1``,
    accumulating) the episode's total increment is every-visit constant-α
    Monte Carlo's exactly.

    References
    ----------
    Sutton & Barto (2018), sections 6.1, 7.1, 12.2.

    Examples
    --------
    >>> from worlds import make
    >>> m = make("random-walk").mdp
    >>> res = td_evaluation(m, [0] * 7, episodes=100, alpha=0.1, runs=50, seed=0)
    >>> round(float(res.rms_error[:, -1].mean()), 2)
    0.08
    """
    n = check_int(n, "n")
    if lam is not None:
        lam = check_probability(lam, "lam")
        if n != 1:
            msg = "give either `n` (n-step TD) or `lam` (TD(lambda)), not both."
            raise MDPError(msg)
    if traces not in ("accumulating", "replacing"):
        msg = f"`traces` must be 'accumulating' or 'replacing'; got {traces!r}."
        raise MDPError(msg)
    alpha = as_alpha(alpha)
    if lam is not None:
        method = f"TD(lambda={lam:g})"
    else:
        method = "TD(0)" if n == 1 else f"{n}-step TD"
    method += " offline" if offline else ""
    kind = "lam" if lam is not None else ("td" if n == 1 else "nstep")
    return _predict(
        kind, method, env, pi, episodes, alpha, n, lam, traces, False, bool(offline),
        V0, gamma, runs, seed, max_steps, progress,
    )  # fmt: skip


# ------------------------------------------------------------------ loop
def _policy_cdf(W: Any, pi: Any) -> np.ndarray:
    S, A = W.n_states, W.n_actions
    if W.mdp is not None:
        from mdp.policy import check_policy, to_matrix

        p = check_policy(W.mdp, pi)
        mat = to_matrix(p, A)
    else:
        arr = np.asarray(pi)
        if arr.shape == (S,) and arr.dtype.kind in "iu":
            if (arr < 0).any() or (arr >= A).any():
                msg = f"`pi` must hold actions in 0..{A - 1}."
                raise MDPError(msg)
            mat = np.eye(A)[arr]
        elif arr.shape == (S, A):
            mat = np.asarray(arr, dtype=np.float64)
            if (mat < 0).any() or not np.allclose(mat.sum(axis=1), 1.0):
                msg = "`pi` of shape (S, A) must have non-negative rows that sum to 1."
                raise MDPError(msg)
        else:
            msg = f"`pi` must be int ({S},) or float ({S}, {A}); got shape {arr.shape}."
            raise MDPError(msg)
    cdf = np.cumsum(mat, axis=1)
    return cdf / cdf[:, -1:]


def _predict(kind, method, env, pi, episodes, alpha, n, lam, traces, first_visit,
             offline, V0, gamma, runs, seed, max_steps, progress):  # fmt: skip
    t0 = time.perf_counter()
    episodes = check_int(episodes, "episodes")
    max_steps = check_int(max_steps, "max_steps")
    R = check_runs(runs)
    gens = generators(seed, R)
    W = walkers(env, R, gens)
    g = learner_gamma(gamma, W.gamma)
    S = W.n_states
    cdf = _policy_cdf(W, pi)
    from ._common import initial_table

    V = np.broadcast_to(initial_table(V0, (S,), "V0"), (R, S)).copy()
    term_mask = W.terminal if W.terminal is not None else np.zeros(S, dtype=bool)
    V[:, term_mask] = 0.0
    Vpi = None
    if W.mdp is not None:
        from solvers import evaluate_policy

        Vpi = np.asarray(evaluate_policy(W.mdp, pi), dtype=np.float64)
    nonterm = ~term_mask

    ri = np.arange(R)
    rets = np.zeros((R, episodes))
    lens = np.zeros((R, episodes), dtype=np.int64)
    rms = np.zeros((R, episodes)) if Vpi is not None else None
    ep = np.zeros(R, dtype=np.int64)
    ep_ret = np.zeros(R)
    ep_len = np.zeros(R, dtype=np.int64)
    steps = np.zeros(R, dtype=np.int64)
    trunc_count = np.zeros(R, dtype=np.int64)
    alive = np.ones(R, dtype=bool)
    U = Uniforms(gens, _K, W.noisy)
    prog = Progress(method, progress)
    sample_avg = kind == "mc" and alpha is None
    alpha_c = 0.0 if alpha is None else alpha.value
    counts = (
        np.zeros((R, S), dtype=np.int64)
        if isinstance(alpha, Schedule) and alpha.kind == "visits"
        else None
    )
    target = np.zeros((R, S)) if offline and kind != "mc" else V  # where increments go
    E = np.zeros((R, S)) if kind in ("lam", "mc") else None
    if kind == "mc":
        Z = np.zeros((R, S))  # sum over visits of G_t, this episode
        C = np.zeros((R, S))  # (first) visits this episode
        Wsum = np.zeros((R, S))
        N = np.zeros((R, S))
    if kind == "nstep":
        bufS = np.zeros((R, n), dtype=np.int64)
        bufR = np.zeros((R, n))
        disc = g ** np.arange(n + 1)

    def al_for(j, s_j, w_j):
        if counts is None:
            return alpha_c
        counts[j, s_j] += w_j.astype(np.int64)
        return alpha(counts[j, s_j])

    u, _ = U.next()
    s = W.reset(ri, u[_U_RS])
    while alive.any():
        u, z = U.next()
        a = (cdf[s] > u[_U_ACT][:, None]).argmax(axis=1)
        s2, r, term, trunc_env = W.step(s, a, u[_U_TR], z, alive)
        ep_len += 1
        ep_ret += r
        steps += alive
        trunc = (trunc_env | (ep_len >= max_steps)) & ~term
        end = term | trunc
        w = alive.astype(np.float64)
        if kind == "td":
            # delta = R + gamma V(S') - V(S);  V(S) <- V(S) + alpha delta
            delta = r + g * np.where(term, 0.0, V[ri, s2]) - V[ri, s]
            target[ri, s] += w * al_for(ri, s, w) * delta
        elif kind == "lam":
            E *= g * lam
            if traces == "accumulating":
                E[ri, s] += 1.0
            else:
                E[ri, s] = 1.0
            delta = r + g * np.where(term, 0.0, V[ri, s2]) - V[ri, s]
            al = al_for(ri, s, w)
            target += (w * al * delta)[:, None] * E
        elif kind == "nstep":
            _nstep_td(n, disc, ep_len - 1, s, r, s2, term, end, w, bufS, bufR, V,
                      target, al_for)  # fmt: skip
        else:  # Monte Carlo: e_j = gamma e_{j-1} + 1{S_j}, Z += R_{j+1} e_j
            E *= g
            if first_visit:
                first = C[ri, s] == 0
                E[ri, s] += first
                C[ri, s] += first
            else:
                E[ri, s] += 1.0
                C[ri, s] += 1.0
            Z += r[:, None] * E
        if end.any():
            idx = np.flatnonzero(end)
            done = idx[alive[idx]]
            if kind == "mc":
                if sample_avg:
                    Wsum[done] += Z[done]
                    N[done] += C[done]
                    seen = N[done] > 0
                    V[done] = np.where(
                        seen, Wsum[done] / np.maximum(N[done], 1), V[done]
                    )
                else:
                    # V(s) <- V(s) + alpha sum_{t: S_t = s} (G_t - V(s))
                    V[done] += alpha_c * (Z[done] - C[done] * V[done])
                V[:, term_mask] = 0.0
                Z[idx] = 0.0
                C[idx] = 0.0
            elif offline:
                V[done] += target[done]
                target[idx] = 0.0
            if E is not None:
                E[idx] = 0.0
            if done.size:
                k = ep[done]
                rets[done, k] = ep_ret[done]
                lens[done, k] = ep_len[done]
                trunc_count[done] += trunc[done]
                if rms is not None:
                    d = V[done][:, nonterm] - Vpi[nonterm]
                    # (0 when every state is terminal: nothing to estimate)
                    rms[done, k] = np.sqrt((d * d).sum(axis=1) / max(1, d.shape[1]))
                ep[done] += 1
                alive[done] = ep[done] < episodes
                prog(f"episode {int(ep.min())}/{episodes} (all runs)")
            s2 = s2.copy()
            s2[idx] = W.reset(idx, u[_U_RS])
            ep_ret[idx] = 0.0
            ep_len[idx] = 0
        s = s2
    prog(f"done: {int(steps.sum())} steps", force=True)
    warn_truncated(
        int(trunc_count.sum()), max_steps, stacklevel=4, bootstrap=kind != "mc"
    )

    def squeeze(x):
        return None if x is None else (x[0] if runs is None else x)

    return PredictionResult(
        V=squeeze(V),
        rms_error=squeeze(rms),
        episode_returns=squeeze(rets),
        episode_lengths=squeeze(lens),
        steps=int(steps[0]) if runs is None else steps,
        truncated=int(trunc_count[0]) if runs is None else trunc_count,
        elapsed=time.perf_counter() - t0,
        method=method,
        gamma=g,
        V_pi=Vpi,
        info={"n": n, "lam": lam, "traces": traces, "offline": offline, "runs": R},
    )


def _nstep_td(n, disc, t, s, r, s2, term, end, w, bufS, bufR, V, target, al_for):
    """n-step TD: store (S_t, R_{t+1}); update S_tau, tau = t - n + 1 (and the tail)."""
    R = len(s)
    ri = np.arange(R)
    pos = t % n
    bufS[ri, pos], bufR[ri, pos] = s, r
    v_boot = V[ri, s2]
    go = ~end & (t >= n - 1)
    if go.any():
        j = np.flatnonzero(go)
        order = (t[j, None] - n + 1 + np.arange(n)) % n  # tau .. t
        G = (bufR[j[:, None], order] * disc[:n]).sum(axis=1) + disc[n] * v_boot[j]
        sj = bufS[j, order[:, 0]]
        # V(S_tau) <- V(S_tau) + alpha [G_{tau:tau+n} - V(S_tau)]
        target[j, sj] += w[j] * al_for(j, sj, w[j]) * (G - V[j, sj])
    if end.any():
        j0 = np.flatnonzero(end)
        boot = np.where(term[j0], 0.0, v_boot[j0])
        for d in range(min(n - 1, int(t[j0].max())), -1, -1):  # tau = t - d, increasing
            sel = t[j0] >= d
            j = j0[sel]
            if not j.size:
                continue
            order = (t[j, None] - d + np.arange(d + 1)) % n
            G = (bufR[j[:, None], order] * disc[: d + 1]).sum(axis=1)
            G = G + disc[d + 1] * boot[sel]
            sj = bufS[j, order[:, 0]]
            target[j, sj] += w[j] * al_for(j, sj, w[j]) * (G - V[j, sj])
