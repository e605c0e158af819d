r"""Control from samples: Q-learning, (n-step) SARSA, expected SARSA, double Q.

Every learner here sees its environment only through the generative view
(:mod:`solvers.learning._env`): an :class:`mdp.MDP` through
:class:`mdp.BatchSampler`, or a Gymnasium env with ``Discrete`` spaces.
``runs=k`` runs ``k`` independent learners, one walker each: each run has
its own table ``Q [S, A]`` and its own random stream spawned from ``seed``
(run ``i`` is the same for every ``k``, so ``runs=None`` equals run 0 of
``runs=k``).  A walker whose episode ends is reset at once.  On an MDP the
one-step learners run a compiled loop over the sampler's tables
(:mod:`solvers.learning._kernel`, numba); otherwise (a Gymnasium env,
n-step SARSA, a BatchSampler subclass with its own step) all runs step in
lockstep, numpy over runs, and a run that has finished its ``episodes``
idles, drawing nothing more, until all have.  Both loops draw the same
uniforms and give the same numbers.

Behaviour is ε-greedy in :math:`Q` (in :math:`Q_A + Q_B` for double Q):
with probability ε an available action uniformly, else a greedy action with
ties broken uniformly at random (lowest-index tie-breaking biases learning
curves).  Updates (Sutton & Barto 2018, ch. 6-7):

.. math::

    Q(S_t, A_t) \leftarrow Q(S_t, A_t) + \alpha \big[ G - Q(S_t, A_t) \big]

with :math:`G = R_{t+1} + \gamma \max_a Q(S_{t+1}, a)` (Q-learning),
:math:`R_{t+1} + \gamma Q(S_{t+1}, A_{t+1})` (SARSA),
:math:`R_{t+1} + \gamma \sum_a \pi(a|S_{t+1}) Q(S_{t+1}, a)` (expected SARSA),
:math:`R_{t+1} + \gamma Q_B(S_{t+1}, \arg\max_a Q_A(S_{t+1}, a))` (double Q,
the roles of A and B swapped with probability 1/2), and the n-step return
:math:`G_{t:t+n} = \sum_{i=0}^{n-1} \gamma^i R_{t+i+1} + \gamma^n
Q(S_{t+n}, A_{t+n})` for n-step SARSA.  A terminal :math:`S_{t+1}` has value 0
(bootstrap cut); a step cut by ``max_steps`` still bootstraps.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from mdp import MDPError
from mdp.checks import check_int

from . import rules
from ._common import (
    Progress,
    Scorer,
    check_runs,
    eps_greedy,
    final_greedy,
    generators,
    initial_table,
    learner_gamma,
    random_argmax,
    warn_truncated,
)
from ._env import (
    _U_COIN,
    _U_EXP,
    _U_PICK,
    _U_REXP,
    _U_RPICK,
    _U_RS,
    _U_TIE,
    _U_TR,
    SamplerWalkers,
    Uniforms,
    n_uniforms,
    walkers,
)
from ._kernel import compiled_control, steps_like
from ._result import LearningResult
from .schedules import as_alpha, as_epsilon

__all__ = ["q_learning", "sarsa", "expected_sarsa", "double_q_learning"]

# On an MDP, one-step learners run the compiled loop (:mod:`._kernel`), which
# gives the numpy path's numbers; tests switch it off to compare the two.
_COMPILED = True


_DOC_PARAMS = """
    Parameters
    ----------
    env : MDP, world with ``.mdp``, mdp.BatchSampler or gymnasium.Env
        The environment, used only through its generative view (reset,
        step).  A Gymnasium env needs ``Discrete`` spaces; with ``runs > 1``
        each run steps its own ``copy.deepcopy`` of it.
    episodes : int
        Episodes per run.
    alpha : float in (0, 1] or Schedule
        Step size: constant, or per visit count (``schedules.visit_count``,
        ``schedules.polynomial``).
    epsilon : float in [0, 1] or Schedule
        Exploration rate: constant or decaying per episode
        (``schedules.decaying``).
    gamma : float, optional
        Discount; default the MDP's (1 for a Gymnasium env).
    runs : int, optional
        Independent runs at once (a leading axis on every result array);
        ``None``: one run, no axis.
    seed : None, int, SeedSequence or Generator
        Same seed, same result; run ``i`` uses the ``i``-th spawned stream.
    Q0 : float or array (S, A)
        Initial action values (terminal states of an MDP start at 0).
    max_steps : int
        Steps after which an episode is truncated (no bootstrap cut); counted
        in ``truncated``, with one ``RuntimeWarning``.
    eval_every : int, optional
        Evaluate the greedy policy exactly every ``eval_every`` episodes (env
        an MDP): ``greedy_value`` and ``regret``.
    progress : bool
        Print progress to stderr about once a second.

    Returns
    -------
    LearningResult
        ``Q``, ``policy``, ``episode_returns``, ``episode_lengths``,
        ``steps``, ``truncated``, and with an MDP ``q_error`` per episode,
        ``greedy_value`` and ``regret`` at ``eval_episodes``.

    Raises
    ------
    MDPError
        For bad arguments (``alpha`` outside (0, 1], ``epsilon`` outside
        [0, 1], ``episodes < 1``, ...) or an unsupported env.
"""

_DOC_NOTES = """
    On an MDP (or a BatchSampler) the one-step learners run a compiled loop
    (numba) over the sampler's tables; a Gymnasium env, and n-step SARSA,
    step numpy over all runs in lockstep.  Both draw the same random numbers
    in the same order and give the same result.
    With ``gamma = 1`` a greedy policy that, from a state the start reaches,
    never reaches a terminal state has no finite value: ``greedy_value`` is
    ``nan`` and ``regret`` ``inf`` (early on, an untried wall bump that keeps
    ``Q = 0`` is such a loop).  States the start cannot reach under the greedy
    policy do not affect ``p0 . V^pi`` and are ignored.  An MDP with no exact
    answer at all (``gamma = 1`` and a state that can never end) is learned
    unscored, with a ``RuntimeWarning``: ``q_error`` and ``V_star`` are
    ``None``, and ``eval_every`` is an error.
"""


def q_learning(
    env: Any,
    *,
    episodes: int,
    alpha: Any,
    epsilon: Any,
    gamma: float | None = None,
    runs: int | None = None,
    seed: Any = None,
    Q0: Any = 0.0,
    max_steps: int = 10_000,
    eval_every: int | None = None,
    progress: bool = False,
) -> LearningResult:
    r"""Q-learning (off-policy TD control): :math:`G = R + \gamma \max_a Q(S', a)`.

    Notes
    -----
    .. math:: Q(S,A) \leftarrow Q(S,A) + \alpha\,[R + \gamma \max_a Q(S',a) - Q(S,A)]

    The next action is chosen after the update (as in the book's box).

    References
    ----------
    Watkins (1989); Sutton & Barto (2018), section 6.5.

    Examples
    --------
    >>> from worlds import make
    >>> res = q_learning(make("cliff-walking").mdp, episodes=200, alpha=0.5,
    ...                  epsilon=0.1, runs=4, seed=0, eval_every=100)
    >>> res.Q.shape, res.episode_returns.shape
    ((4, 48, 4), (4, 200))
    >>> res.greedy_value[:, -1], np.abs(res.regret[:, -1]) < 1e-9
    (array([-13., -13., -13., -13.]), array([ True,  True,  True,  True]))
    """
    return _control(
        "q-learning", env, 1, episodes, alpha, epsilon, gamma, runs, seed, Q0,
        max_steps, eval_every, progress,
    )  # fmt: skip


def sarsa(
    env: Any,
    *,
    episodes: int,
    alpha: Any,
    epsilon: Any,
    n: int = 1,
    gamma: float | None = None,
    runs: int | None = None,
    seed: Any = None,
    Q0: Any = 0.0,
    max_steps: int = 10_000,
    eval_every: int | None = None,
    progress: bool = False,
) -> LearningResult:
    r"""SARSA (on-policy TD control), n-step with ``n > 1``.

    Notes
    -----
    .. math:: Q(S_t,A_t) \leftarrow Q(S_t,A_t) + \alpha\,[G_{t:t+n} - Q(S_t,A_t)],
              \quad G_{t:t+n} = \sum_{i=0}^{n-1}\gamma^i R_{t+i+1}
              + \gamma^n Q(S_{t+n}, A_{t+n})

    ``n = 1`` is one-step SARSA.  The next action ``A_{t+1}`` is chosen before
    the update.  At the end of an episode the last ``n - 1`` pairs are updated
    with the truncated returns (bootstrapping from ``Q(S_T, A_T)`` when the
    episode was truncated rather than terminated).

    References
    ----------
    Rummery & Niranjan (1994); Sutton & Barto (2018), sections 6.4 and 7.2.

    Examples
    --------
    >>> from worlds import make
    >>> res = sarsa(make("cliff-walking").mdp, episodes=100, alpha=0.5, epsilon=0.1,
    ...             n=3, seed=1)
    >>> res.method, res.Q.shape
    ('sarsa(n=3)', (48, 4))
    """
    n = check_int(n, "n")
    method = "sarsa" if n == 1 else f"sarsa(n={n})"
    return _control(
        method, env, n, episodes, alpha, epsilon, gamma, runs, seed, Q0,
        max_steps, eval_every, progress,
    )  # fmt: skip


def expected_sarsa(
    env: Any,
    *,
    episodes: int,
    alpha: Any,
    epsilon: Any,
    gamma: float | None = None,
    runs: int | None = None,
    seed: Any = None,
    Q0: Any = 0.0,
    max_steps: int = 10_000,
    eval_every: int | None = None,
    progress: bool = False,
) -> LearningResult:
    r"""Expected SARSA: :math:`G = R + \gamma \sum_a \pi(a|S') Q(S', a)`, π ε-greedy.

    Notes
    -----
    :math:`\sum_a \pi(a|S') Q(S',a) = \varepsilon \bar Q(S') + (1-\varepsilon)
    \max_a Q(S',a)`; with ``epsilon = 0`` the update is Q-learning's.

    References
    ----------
    van Seijen et al. (2009); Sutton & Barto (2018), section 6.6.

    Examples
    --------
    >>> from worlds import make
    >>> res = expected_sarsa(make("cliff-walking").mdp, episodes=50, alpha=0.5,
    ...                      epsilon=0.1, seed=0)
    >>> res.method
    'expected-sarsa'
    """
    return _control(
        "expected-sarsa", env, 1, episodes, alpha, epsilon, gamma, runs, seed, Q0,
        max_steps, eval_every, progress,
    )  # fmt: skip


def double_q_learning(
    env: Any,
    *,
    episodes: int,
    alpha: Any,
    epsilon: Any,
    gamma: float | None = None,
    runs: int | None = None,
    seed: Any = None,
    Q0: Any = 0.0,
    max_steps: int = 10_000,
    eval_every: int | None = None,
    progress: bool = False,
) -> LearningResult:
    r"""Double Q-learning: two tables, one picks the action, the other values it.

    Notes
    -----
    With probability 1/2,

    .. math:: Q_A(S,A) \leftarrow Q_A(S,A) + \alpha\,[R + \gamma
              Q_B(S', \arg\max_a Q_A(S',a)) - Q_A(S,A)],

    else the same with A and B swapped.  Behaviour is ε-greedy in
    :math:`Q_A + Q_B`; the argmax in the target breaks ties uniformly at
    random.  The result's ``Q`` is :math:`(Q_A + Q_B)/2`.

    References
    ----------
    van Hasselt (2010); Sutton & Barto (2018), section 6.7.

    Examples
    --------
    >>> from worlds import make
    >>> res = double_q_learning(make("cliff-walking").mdp, episodes=50, alpha=0.5,
    ...                         epsilon=0.1, seed=0)
    >>> res.method
    'double-q'
    """
    return _control(
        "double-q", env, 1, episodes, alpha, epsilon, gamma, runs, seed, Q0,
        max_steps, eval_every, progress,
    )  # fmt: skip


for _f in (q_learning, sarsa, expected_sarsa, double_q_learning):
    _doc = _f.__doc__ or ""
    head, _, rest = _doc.partition("\n    Notes\n")
    _f.__doc__ = (
        head
        + _DOC_PARAMS
        + "\n    Notes\n"
        + rest.replace("\n    References\n", _DOC_NOTES + "\n    References\n", 1)
    )


# --------------------------------------------------------------- the loop
def _control(
    method: str,
    env: Any,
    n: int,
    episodes: Any,
    alpha: Any,
    epsilon: Any,
    gamma: Any,
    runs: Any,
    seed: Any,
    Q0: Any,
    max_steps: Any,
    eval_every: Any,
    progress: bool,
) -> LearningResult:
    t0 = time.perf_counter()
    episodes = check_int(episodes, "episodes")
    max_steps = check_int(max_steps, "max_steps")
    if eval_every is not None:
        eval_every = check_int(eval_every, "eval_every")
        if eval_every > episodes:
            msg = (
                f"`eval_every` = {eval_every} exceeds `episodes` = {episodes}: the "
                "greedy policy would never be evaluated; use at most `episodes`."
            )
            raise MDPError(msg)
    alpha_s, eps_s = as_alpha(alpha), as_epsilon(epsilon)
    R = check_runs(runs)
    gens = generators(seed, R)
    W = walkers(env, R, gens)
    g = learner_gamma(gamma, W.gamma)
    S, A = W.n_states, W.n_actions
    q0 = initial_table(Q0, (S, A), "Q0")
    scorer = None
    if W.mdp is not None:
        try:
            scorer = Scorer(W.mdp)
        except MDPError as exc:  # no Q* (gamma = 1 with a state that never ends)
            if eval_every is not None:
                msg = (
                    f"`eval_every` needs the exact answer, and this MDP has none: {exc}"
                )
                raise MDPError(msg) from exc
            msg = (
                f"learning without scoring: the MDP has no exact answer ({exc}); "
                "q_error, greedy_value, regret and V_star are None."
            )
            warnings.warn(msg, RuntimeWarning, stacklevel=3)
    if eval_every is not None and scorer is None:
        msg = "`eval_every` needs the env to be an MDP (the exact values come from it)."
        raise MDPError(msg)

    if (
        _COMPILED
        and isinstance(W, SamplerWalkers)
        and steps_like(W.sampler)  # not a subclass with its own step
        and n == 1
        and (method != "expected-sarsa" or A <= 128)  # the kernel's row mean
    ):
        out = compiled_control(
            method, W, gens, episodes, alpha_s, eps_s, g, q0, max_steps, scorer,
            eval_every, progress,
        )  # fmt: skip
    else:
        out = _batched(
            method, W, n, gens, episodes, alpha_s, eps_s, g, q0, max_steps,
            scorer, eval_every, progress,
        )  # fmt: skip
    Q, pol, rets, lens, steps, trunc, qerr, evals, gval, visits = out
    regret = None if gval is None or scorer is None else scorer.J_star - gval
    if regret is not None:
        regret = np.where(np.isnan(gval), np.inf, regret)
    total_trunc = int(np.sum(trunc))
    warn_truncated(total_trunc, max_steps, stacklevel=4)

    def squeeze(x):
        return None if x is None else (x[0] if runs is None else x)

    return LearningResult(
        Q=squeeze(Q),
        policy=squeeze(pol),
        episode_returns=squeeze(rets),
        episode_lengths=squeeze(lens),
        steps=int(steps[0]) if runs is None else steps,
        truncated=int(trunc[0]) if runs is None else trunc,
        elapsed=time.perf_counter() - t0,
        method=method,
        gamma=g,
        q_error=squeeze(qerr),
        eval_episodes=evals,
        greedy_value=squeeze(gval),
        regret=squeeze(regret),
        V_star=None if scorer is None else scorer.V_star,
        visits=squeeze(visits),
        info={
            "n": n,
            "alpha": alpha_s,
            "epsilon": eps_s,
            "max_steps": max_steps,
            "runs": R,
        },
    )


def _batched(method, W, n, gens, episodes, alpha_s, eps_s, g, q0, max_steps,
             scorer, eval_every, progress):  # fmt: skip
    """Every run's walker steps in lockstep; numpy over runs, no loop over walkers."""
    R, S, A = len(gens), W.n_states, W.n_actions
    mask = W.mask
    method = method.split("(")[0]  # "sarsa(n=3)" -> "sarsa"
    double = method == "double-q"
    Q = np.broadcast_to(q0, (R, S, A)).copy()
    if W.terminal is not None:
        Q[:, W.terminal, :] = 0.0
    if mask is not None:
        Q[:, ~mask] = -np.inf
    QB = Q.copy() if double else None
    Qf, Qr = Q.reshape(-1), Q.reshape(R * S, A)
    QBf = QB.reshape(-1) if double else None
    QBr = QB.reshape(R * S, A) if double else None
    counts = np.zeros(R * S * A, dtype=np.int64) if alpha_s.kind == "visits" else None
    visits = np.zeros(R * S * A, dtype=np.int64)  # n(s, a), for the result
    alpha_c = alpha_s.value

    ri = np.arange(R)
    rS = ri * S
    rets = np.zeros((R, episodes))
    lens = np.zeros((R, episodes), dtype=np.int64)
    qerr = np.zeros((R, episodes)) if scorer is not None else None
    n_eval = episodes // eval_every if eval_every else 0
    gval = np.zeros((R, n_eval)) if eval_every else None
    ep = np.zeros(R, dtype=np.int64)
    ep_ret = np.zeros(R)
    ep_len = np.zeros(R, dtype=np.int64)
    trunc_count = np.zeros(R, dtype=np.int64)
    alive = np.ones(R, dtype=bool)
    eps = eps_s(ep)
    U = Uniforms(gens, n_uniforms(method), W.noisy)
    prog = Progress(method, progress)

    def behaviour_rows(rows):
        # take(axis=0) gathers rows several times faster than Qr[rows]
        q = Qr.take(rows, axis=0)
        return q + QBr.take(rows, axis=0) if double else q

    def avail_of(states):
        return None if mask is None else mask.take(states, axis=0)

    # first states and actions
    u, _ = U.next()
    s = W.reset(ri, u[_U_RS])
    a = eps_greedy(behaviour_rows(rS + s), avail_of(s), eps, u[_U_EXP], u[_U_PICK])
    if n > 1:
        bufS = np.zeros((R, n), dtype=np.int64)
        bufA = np.zeros((R, n), dtype=np.int64)
        bufR = np.zeros((R, n))
        disc = g ** np.arange(n + 1)

    def update(table_f, flat, y, weight):
        if counts is None and weight is ONE:
            # Q(S, A) <- Q(S, A) + alpha [G - Q(S, A)], every walker alive
            q = table_f.take(flat)
            y -= q
            y *= alpha_c
            y += q
            table_f[flat] = y
            return
        if counts is not None:
            counts[flat] += np.asarray(weight).astype(np.int64)
            al = alpha_s(counts[flat])
        else:
            al = alpha_c
        # Q(S, A) <- Q(S, A) + alpha [G - Q(S, A)]
        table_f[flat] += weight * al * (y - table_f[flat])

    all_alive = True
    ONE = 1.0
    no_trunc = np.zeros(R, dtype=bool)
    rSA = rS * A
    longest = 0  # an upper bound on max(ep_len): truncation is checked near it
    while True:
        u, z = U.next(alive)  # finished runs draw no more blocks
        s2, r, term, trunc_env = W.step(s, a, u[_U_TR], z, alive)
        ep_len += 1
        ep_ret += r
        longest += 1
        if longest >= max_steps or W.may_truncate:
            longest = int(ep_len.max())
            trunc = ep_len >= max_steps
            if W.may_truncate:
                trunc |= trunc_env
            trunc &= ~term
            end = term | trunc
        else:
            trunc, end = no_trunc, term
        rows2 = rS + s2
        flat = s * A
        flat += a
        flat += rSA
        if all_alive and n == 1:
            w = ONE
            visits[flat] += 1
        else:
            w = alive.astype(np.float64)
            visits[flat] += alive
        if method == "sarsa":
            # A' ~ eps-greedy(Q(S', .)), chosen before the update
            a2 = eps_greedy(Qr.take(rows2, axis=0), avail_of(s2), eps, u[_U_EXP],
                            u[_U_PICK])  # fmt: skip
            if n == 1:
                y = rules.sarsa_target(r, g, Qf.take(rows2 * A + a2), term)
                update(Qf, flat, y, w)
            else:
                _nstep_update(
                    n, disc, g, ep_len - 1, s, a, r, s2, a2, term, end, w, bufS,
                    bufA, bufR, Qf, Qr, rS, A, update,
                )  # fmt: skip
        elif method in ("q-learning", "expected-sarsa"):
            q2 = Qr.take(rows2, axis=0)
            if method == "q-learning":
                y = rules.q_learning_target(r, g, q2, term)
            else:
                y = rules.expected_sarsa_target(r, g, q2, term, eps, avail_of(s2))
            update(Qf, flat, y, w)
        else:  # double Q
            coin = u[_U_COIN] < 0.5
            qa2, qb2 = Qr.take(rows2, axis=0), QBr.take(rows2, axis=0)
            ya = rules.double_q_target(r, g, qb2, random_argmax(qa2, u[_U_TIE]), term)
            yb = rules.double_q_target(r, g, qa2, random_argmax(qb2, u[_U_TIE]), term)
            update(Qf, flat, ya, w * coin)
            update(QBf, flat, yb, w * ~coin)
        if end.any():
            idx = end.nonzero()[0]
            done = idx if all_alive else idx[alive[idx]]
            if done.size:
                k = ep[done]
                rets[done, k] = ep_ret[done]
                lens[done, k] = ep_len[done]
                if trunc is not no_trunc:
                    trunc_count[done] += trunc[done]
                if qerr is not None:
                    Qd = Q[done] if not double else 0.5 * (Q[done] + QB[done])
                    qerr[done, k] = scorer.q_error(Qd)
                    if eval_every:
                        for i, kk in zip(done.tolist(), k.tolist(), strict=True):
                            if (kk + 1) % eval_every == 0:
                                Qi = Q[i] if not double else 0.5 * (Q[i] + QB[i])
                                gval[i, (kk + 1) // eval_every - 1] = (
                                    scorer.greedy_value(Qi)
                                )
                ep[done] += 1
                alive[done] = ep[done] < episodes
                all_alive = bool(alive.all())
                if not alive.any():
                    break
                if eps_s.kind != "constant":
                    eps[done] = eps_s(ep[done])
                if progress:
                    prog(f"episode {int(ep.min())}/{episodes} (all runs)")
            s0 = W.reset(idx, u[_U_RS])
            s2[idx] = s0  # s2 is the walkers' fresh array
            if method == "sarsa":  # A' at S' was drawn before; draw A_0 afresh
                a2[idx] = eps_greedy(behaviour_rows(rS[idx] + s0), avail_of(s0),
                                     eps[idx], u[_U_REXP][idx], u[_U_RPICK][idx])  # fmt: skip
            ep_ret[idx] = 0.0
            ep_len[idx] = 0
            if not all_alive:
                ep_len[~alive] = 0  # idle runs never truncate
        if method != "sarsa":
            # A' ~ eps-greedy at S' (or at the new S_0), after the update
            rows_next = rS + s2
            a2 = eps_greedy(behaviour_rows(rows_next), avail_of(s2), eps, u[_U_EXP],
                            u[_U_PICK])  # fmt: skip
        s, a = s2, a2
    steps = lens.sum(axis=1)  # every step of a run belongs to one of its episodes
    prog(f"done: {int(steps.sum())} steps", force=True)
    Qout, pol = final_greedy(Q, QB, gens)
    evals = np.arange(1, n_eval + 1) * eval_every if eval_every else None
    return (
        Qout,
        pol,
        rets,
        lens,
        steps,
        trunc_count,
        qerr,
        evals,
        gval,
        visits.reshape(R, S, A),
    )


def _nstep_update(n, disc, g, t, s, a, r, s2, a2, term, end, w, bufS, bufA, bufR,
                  Qf, Qr, rS, A, update):  # fmt: skip
    """n-step SARSA bookkeeping: store (S_t, A_t, R_{t+1}), update S_tau, tau = t-n+1."""
    R = len(s)
    pos = t % n
    ri = np.arange(R)
    bufS[ri, pos], bufA[ri, pos], bufR[ri, pos] = s, a, r
    q_boot = Qf.take((rS + s2) * A + a2)
    # walkers whose episode goes on: one update of tau = t - n + 1 if tau >= 0
    go = ~end & (t >= n - 1)
    if go.any():
        j = np.flatnonzero(go)
        order = (t[j, None] - n + 1 + np.arange(n)) % n  # tau .. t
        G = (bufR[j[:, None], order] * disc[:n]).sum(axis=1) + disc[n] * q_boot[j]
        tau_pos = order[:, 0]
        flat = (rS[j] + bufS[j, tau_pos]) * A + bufA[j, tau_pos]
        update(Qf, flat, G, w[j])
    # walkers whose episode ends: update tau = t-n+1 .. t (those >= 0), in order
    if end.any():
        j0 = np.flatnonzero(end)
        boot = np.where(term[j0], 0.0, q_boot[j0])
        for d in range(min(n - 1, int(t[j0].max())), -1, -1):  # tau = t - d
            j = j0[t[j0] >= d]
            if not j.size:
                continue
            bj = boot[t[j0] >= d]
            order = (t[j, None] - d + np.arange(d + 1)) % n  # tau .. t
            G = (bufR[j[:, None], order] * disc[: d + 1]).sum(axis=1) + disc[d + 1] * bj
            tau_pos = order[:, 0]
            flat = (rS[j] + bufS[j, tau_pos]) * A + bufA[j, tau_pos]
            update(Qf, flat, G, w[j])
