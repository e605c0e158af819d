r"""Dyna-Q and Dyna-Q+: Q-learning plus planning with a learned model.

Sutton & Barto's tabular Dyna-Q (Section 8.2, boxed algorithm), for every
real step:

1. ``A`` ε-greedy in ``Q(S, .)`` (greedy ties broken uniformly at random);
   take it, observe ``R, S'``;
2. direct RL: ``Q(S,A) \leftarrow Q(S,A) + \alpha [R + \gamma \max_a Q(S',a) - Q(S,A)]``;
3. model learning: ``Model(S,A) \leftarrow (R, S')`` (the last outcome: a
   deterministic model, as in the book);
4. planning, ``n`` times: ``(\tilde S, \tilde A)`` uniformly among the pairs
   already in the model, ``(\tilde R, \tilde S') = Model(\tilde S, \tilde A)``,
   the same Q-learning update on the simulated transition.

Dyna-Q+ (``kappa > 0``, Section 8.3) plans with the bonus reward
``\tilde R + \kappa \sqrt{\tau}``, where ``\tau`` is the number of real
steps since ``(\tilde S, \tilde A)`` was last tried, and (as in the book's
Figure 8.5 footnote) lets planning use actions never tried from a visited
state, modelled as leading back to the same state with reward 0.

**Changing worlds.**  ``env`` may be a sequence of MDPs over the same states
and actions: an object with ``mdps`` and ``switch_steps`` (such as the
blocking and shortcut mazes of ``worlds``), or ``changes=[(step, mdp),
...]``.  The *environment* switches to the next MDP after that many real
steps of the run (counted over all episodes); the agent's model is not told
and only learns the change from experience.  ``q_error`` is measured against
``Q*`` of the MDP in force, over the pairs the learner can reach: from the
starts in phase 0, then from anywhere the previous phases reach.

Many runs are learned in one call (``runs=k``): every array carries a
leading runs axis; each run is a plain-Python loop over flat lists (``n``
planning updates per real step cost less there than as numpy calls) with
its own random stream (``seed`` spawned), so run ``i`` does not depend on
``k``.

**Gymnasium.**  ``env`` may also be a Gymnasium env with ``Discrete``
spaces (each run steps its own ``copy.deepcopy`` of it, seeded from the
run's stream at its first reset): the same algorithm, with the model also
remembering whether a pair ended the episode; there is no ``Q*`` to measure,
so ``q_error`` and ``V_star`` are ``None``.

References
----------
R. S. Sutton, "Integrated architectures for learning, planning, and reacting
based on approximating dynamic programming", ICML 1990.
Sutton & Barto (2018), Sections 8.2 and 8.3 (Figures 8.2, 8.4, 8.5).
"""

from __future__ import annotations

import math
import time
from bisect import bisect_right
from typing import Any

import numpy as np

from mdp import MDP, MDPError
from mdp.checks import (
    check_gamma,
    check_int,
    check_probability,
    check_real,
    check_state,
    spawn_generators,
)
from mdp.graph import reachable_states
from mdp.gym_env import discrete_sizes, env_copies, is_gymnasium_env
from mdp.types import RNGLike
from solvers.exact import policy_iteration
from solvers.learning import LearningResult

from ._generative import model_lists

__all__ = ["dyna_q"]


def dyna_q(
    env: Any,
    *,
    episodes: int,
    planning_steps: int,
    alpha: float,
    epsilon: float,
    kappa: float = 0.0,
    gamma: float | None = None,
    runs: int | None = None,
    seed: RNGLike = None,
    Q0: float = 0.0,
    max_steps: int = 10_000,
    total_steps: int | None = None,
    changes: list | None = None,
    start: int | None = None,
) -> Any:
    r"""Dyna-Q (``kappa = 0``) or Dyna-Q+ (``kappa > 0``) on an MDP's generative view.

    Parameters
    ----------
    env : MDP, world with ``.mdp``, changing world, or gymnasium.Env
        The environment, used only by sampling: an MDP (or a world), an
        object with ``mdps`` and ``switch_steps``, or a Gymnasium env with
        ``Discrete`` spaces.
    episodes : int
        Episodes per run (the most, when ``total_steps`` stops a run first).
    planning_steps : int
        ``n >= 0`` simulated updates per real step (``n = 0`` is Q-learning).
    alpha : float
        Step size in ``(0, 1]``.
    epsilon : float
        Exploration rate in ``[0, 1]``.
    kappa : float
        Dyna-Q+ bonus ``kappa sqrt(tau)``; 0 for Dyna-Q.
    gamma : float, optional
        Default the MDP's (1 for a Gymnasium env).
    runs : int, optional
        Independent runs learned at once (a leading axis on every result).
    seed : None, int, SeedSequence or Generator
    Q0 : float
        Initial ``Q`` (0 on terminal states always; for a Gymnasium env, whose
        terminal states are not known in advance, on the states an episode
        was seen to end in).
    max_steps : int
        An episode longer than this is cut (counted in ``truncated``, as are
        episodes a Gymnasium env truncates itself).
    total_steps : int, optional
        Stop each run after this many real steps (Figures 8.4 / 8.5 count
        steps, not episodes).
    changes : list of (int, MDP), optional
        ``[(step, mdp), ...]``: switch the environment to ``mdp`` after
        ``step`` real steps (instead of ``env.switch_steps``); not for a
        Gymnasium env.
    start : int, optional
        Start state of every episode; default sampled from ``p0`` (not for
        a Gymnasium env, which resets itself).

    Returns
    -------
    LearningResult
        ``Q ([runs,] S, A)``, ``policy``, ``episode_returns``,
        ``episode_lengths`` (``([runs,] episodes)``; episodes a run did not
        reach, when ``total_steps`` stopped it, have length 0 and return
        ``nan``), ``steps``, ``truncated``, ``q_error`` (after each episode,
        against ``Q*`` of the MDP in force; ``nan`` for missing episodes),
        ``V_star`` (of the first MDP), and in ``info``: ``cumulative_reward``
        ``([runs,] total real steps)`` (Figures 8.4/8.5), ``planning_steps``,
        ``kappa``, ``switch_steps``.

    Raises
    ------
    MDPError
        For bad counts, rates, or MDPs of differing sizes in a changing world.

    Notes
    -----
    Q-learning's target on entering a terminal state is ``R`` (no bootstrap).
    The model is deterministic (the last outcome seen), as in the book; on a
    stochastic world it is a sample model, not the MLE (see
    :func:`estimate_model` for that).  Planning samples pairs uniformly with
    replacement among those in the model.

    Examples
    --------
    Figure 8.2's first point: with 50 planning steps the second episode on
    the Dyna maze is already short.

    >>> from worlds import make
    >>> res = dyna_q(make("dyna-maze").mdp, episodes=3, planning_steps=50,
    ...              alpha=0.1, epsilon=0.1, runs=4, seed=0)
    >>> res.Q.shape, res.episode_lengths.shape
    ((4, 47, 4), (4, 3))
    >>> bool(res.episode_lengths[:, 2].mean() < 40)
    True

    A Gymnasium env (no ``Q*`` to measure against, so no ``q_error``):

    >>> import gymnasium
    >>> env = gymnasium.make("FrozenLake-v1", is_slippery=False)
    >>> res = dyna_q(env, episodes=150, planning_steps=20, alpha=0.5,
    ...              epsilon=0.2, gamma=0.95, seed=0)
    >>> res.Q.shape, res.q_error, float(res.episode_returns[-20:].mean()) > 0.5
    ((16, 4), None, True)
    """
    t0 = time.perf_counter()
    gym = is_gymnasium_env(env) and not isinstance(env, MDP)
    if gym:
        for what, given in (("changes", changes), ("start", start)):
            if given is not None:
                msg = f"`{what}` needs an MDP env; a Gymnasium env changes and resets itself."
                raise MDPError(msg)
        S_env, A_env = discrete_sizes(env)
        mdps: list[MDP] = []
        switches: list[int] = []
    else:
        mdps, switches = _phases(env, changes)
    E = check_int(episodes, "episodes")
    n_plan = check_int(planning_steps, "planning_steps", minimum=0)
    a_ = check_real(alpha, "alpha")
    if not 0 < a_ <= 1:
        msg = f"`alpha` must be in (0, 1]; got {alpha!r}."
        raise MDPError(msg)
    eps = check_probability(epsilon, "epsilon")
    k_ = check_real(kappa, "kappa")
    if k_ < 0:
        msg = f"`kappa` must be >= 0; got {kappa!r}."
        raise MDPError(msg)
    g = check_gamma(gamma) if gamma is not None else (mdps[0].gamma if mdps else 1.0)
    T_ep = check_int(max_steps, "max_steps")
    T_all = None if total_steps is None else check_int(total_steps, "total_steps")
    R_ = 1 if runs is None else check_int(runs, "runs")
    rngs = spawn_generators(seed, R_)
    Q0_ = check_real(Q0, "Q0")

    if gym:
        copies = env_copies(env, R_)
        reals: list[Any] = [
            [_GymStep(e, int(r.integers(2**31)))]
            for e, r in zip(copies, rngs, strict=True)
        ]
        Q_stars: list[Any] = []
        mask = np.ones((S_env, A_env), dtype=bool)
        p0 = pairs = None
    else:
        m0 = mdps[0]
        envs = [model_lists(m) for m in mdps]
        reals = [envs] * R_
        Q_stars = [policy_iteration(m).Q for m in mdps]
        mask = m0.action_mask
        p0 = m0.p0
        # q_error measures the available pairs of states the learner can
        # occupy, phase after phase: a switch may find it anywhere phase k - 1
        # reaches, and phase k carries it on from there (episodes restart at
        # the starts, which every set holds); it never visits the others
        reach = p0 > 0
        if start is not None:
            reach = np.eye(m0.n_states, dtype=bool)[
                check_state(start, m0.n_states, "start")
            ]
        for mm in mdps:
            reach = np.isin(np.arange(m0.n_states), reachable_states(mm, reach))
        pairs = mask & reach[:, None]
    cfg = (E, n_plan, a_, eps, k_, g, T_ep, T_all, Q0_, start, p0, switches)
    out = [
        _run_one(real, Q_stars, mask, pairs, cfg, rng)
        for real, rng in zip(reals, rngs, strict=True)
    ]
    Q = np.stack([o[0] for o in out])
    lengths = np.stack([o[1] for o in out])
    returns = np.stack([o[2] for o in out])
    qerr = np.stack([o[3] for o in out])
    truncated = np.array([o[4] for o in out], dtype=np.int64)
    t_run = np.array([o[5] for o in out], dtype=np.int64)
    n_cum = max(len(o[6]) for o in out)
    cum = np.full((R_, n_cum), np.nan)
    for k, o in enumerate(out):
        cum[k, : len(o[6])] = o[6]
    policy = _greedy(Q, mask, rngs)
    squeeze = (lambda x: x[0]) if runs is None else (lambda x: x)
    steps = t_run
    name = f"dyna-q{'+' if k_ > 0 else ''}(n={n_plan})"
    return LearningResult(
        Q=squeeze(Q),
        policy=squeeze(policy),
        episode_returns=squeeze(returns),
        episode_lengths=squeeze(lengths),
        steps=int(steps[0]) if runs is None else steps,
        truncated=int(truncated[0]) if runs is None else truncated,
        elapsed=time.perf_counter() - t0,
        method=name,
        gamma=g,
        q_error=None if gym else squeeze(qerr),
        V_star=Q_stars[0].max(axis=1) if Q_stars else None,
        info={
            "planning_steps": n_plan,
            "kappa": k_,
            "alpha": a_,
            "epsilon": eps,
            "switch_steps": tuple(switches),
            "cumulative_reward": squeeze(cum),
        },
    )


# --------------------------------------------------------------- internals
def _run_one(envs, Q_stars, mask, pairs, cfg, rng):
    """One run in plain Python over flat lists (the hot loop: ``n`` planning
    updates per real step are cheaper here than as numpy calls)."""
    E, n_plan, alpha, eps, kappa, g, T_ep, T_all, Q0, start, p0, switches = cfg
    env = envs[0]
    gym = isinstance(env, _GymStep)
    S, A = env.S, env.A
    avail, term = env.avail, env.terminal
    Q = [0.0 if term[s] else Q0 for s in range(S) for _ in range(A)]
    model_done = [False] * (S * A)  # whether the remembered outcome ended the episode
    for s in range(S):
        for a in range(A):
            if not mask[s, a]:
                Q[s * A + a] = -math.inf
    model_s = [-1] * (S * A)
    model_r = [0.0] * (S * A)
    seen: list[int] = []
    last = [0] * (S * A)
    visited = [False] * S
    lengths = np.zeros(E, dtype=np.int64)
    returns = np.full(E, np.nan)
    qerr = np.full(E, np.nan)
    cum: list[float] = []
    buf = iter(())
    starts = iter(())

    def uni() -> float:
        nonlocal buf
        try:
            return next(buf)
        except StopIteration:
            buf = iter(rng.random(4096).tolist())
            return next(buf)

    normals = iter(())

    def gauss() -> float:
        nonlocal normals
        try:
            return next(normals)
        except StopIteration:
            normals = iter(rng.standard_normal(1024).tolist())
            return next(normals)

    def new_start() -> int:
        nonlocal starts
        if gym:
            return env.reset()
        if start is not None:
            return int(start)
        try:
            return next(starts)
        except StopIteration:
            starts = iter(rng.choice(S, size=256, p=p0).tolist())
            return next(starts)

    def vmax(x: int) -> float:
        b = x * A
        return max(Q[b + a] for a in avail[x])

    t, phase, ep, truncated, total = 0, 0, 0, 0, 0.0
    s = new_start()
    ep_len, ep_ret = 0, 0.0
    while ep < E and (T_all is None or t < T_all):
        if phase < len(switches) and t >= switches[phase]:
            phase += 1
            env = envs[phase]
        if kappa > 0 and not visited[s]:
            visited[s] = True
            for a in avail[s]:
                if model_s[s * A + a] < 0:
                    model_s[s * A + a] = s
                    seen.append(s * A + a)
        # 1. epsilon-greedy, greedy ties uniformly at random
        acts = avail[s]
        if uni() < eps:
            a = acts[int(uni() * len(acts))]
        else:
            b = s * A
            best = max(Q[b + x] for x in acts)
            ties = [x for x in acts if Q[b + x] == best]
            a = ties[int(uni() * len(ties))] if len(ties) > 1 else ties[0]
        # the environment: s' ~ P(.|s,a), r = R(s,a,s')
        row = s * A + a
        env_cut = False
        if gym:
            s2, r, done, env_cut = env.step(a)
        else:
            succ = env.succ[row]
            j = (
                0
                if len(succ) == 1
                else min(bisect_right(env.cum[row], uni()), len(succ) - 1)
            )
            s2, r = succ[j], env.rew[row][j]
            if env.std is not None and env.std[row][j] > 0:
                r += env.std[row][j] * gauss()
            done = term[s2]
        # 2. direct RL: Q(S,A) += alpha [R + gamma max_a Q(S',a) - Q(S,A)]
        target = r if done else r + g * vmax(s2)
        Q[row] += alpha * (target - Q[row])
        # 3. model learning: Model(S,A) <- (R, S')
        if model_s[row] < 0:
            seen.append(row)
        model_s[row] = s2
        model_r[row] = r
        model_done[row] = done
        if gym and done and Q[s2 * A] != 0.0:  # a terminal state: its Q is 0
            Q[s2 * A : s2 * A + A] = [0.0] * A
        t += 1
        last[row] = t
        # 4. planning: n simulated updates from remembered pairs
        n_seen = len(seen)
        for _ in range(n_plan):
            p = seen[int(uni() * n_seen)]
            x2 = model_s[p]
            pr = model_r[p]
            if kappa > 0:
                pr += kappa * math.sqrt(t - last[p])
            pt = pr if model_done[p] else pr + g * vmax(x2)
            Q[p] += alpha * (pt - Q[p])
        total += r
        cum.append(total)
        ep_len += 1
        ep_ret += r
        cut = not done and (ep_len >= T_ep or env_cut)
        if done or cut:
            truncated += cut
            lengths[ep], returns[ep] = ep_len, ep_ret
            if Q_stars:
                q = np.array(Q).reshape(S, A)
                with np.errstate(invalid="ignore"):
                    d = np.abs(q - Q_stars[phase])
                qerr[ep] = float(np.where(pairs, d, 0.0).max())
            ep += 1
            ep_len, ep_ret = 0, 0.0
            s2 = new_start()
        s = s2
    return np.array(Q).reshape(S, A), lengths, returns, qerr, truncated, t, cum


class _GymStep:
    """One run's Gymnasium env, with the attributes the loop reads of a model."""

    def __init__(self, env: Any, seed: int) -> None:
        self.env = env
        self.seed: int | None = seed
        self.S, self.A = discrete_sizes(env)
        self.avail = [tuple(range(self.A))] * self.S
        self.terminal = [False] * self.S  # unknown: the model remembers `done`

    def reset(self) -> int:
        seed, self.seed = self.seed, None  # seeded once, at the first reset
        return int(self.env.reset(seed=seed)[0])

    def step(self, a: int) -> tuple[int, float, bool, bool]:
        obs, r, terminated, truncated, _ = self.env.step(a)
        return int(obs), float(r), bool(terminated), bool(truncated)


def _phases(env: Any, changes: Any) -> tuple[list[MDP], list[int]]:
    if isinstance(env, MDP):
        mdps, switches = [env], []
    elif hasattr(env, "mdps") and hasattr(env, "switch_steps"):
        mdps, switches = list(env.mdps), [int(x) for x in env.switch_steps]
    elif isinstance(getattr(env, "mdp", None), MDP):  # a world, as in learning
        mdps, switches = [env.mdp], []
    else:
        msg = (
            f"`env` must be an mdp.MDP, a world with `.mdp` or a changing world "
            f"with `mdps` and `switch_steps`; got {type(env).__name__}."
        )
        raise MDPError(msg)
    if changes is not None:
        mdps = mdps[:1]
        switches = []
        for step, mm in changes:
            switches.append(check_int(step, "changes step"))
            mdps.append(mm)
    for k, mm in enumerate(mdps):
        if not isinstance(mm, MDP):
            msg = f"phase {k} of the changing world is not an mdp.MDP."
            raise MDPError(msg)
        if mm.P.shape != mdps[0].P.shape:
            msg = (
                f"phase {k} has {mm.n_states} states and {mm.n_actions} actions; a "
                f"changing world keeps the states and actions of phase 0 "
                f"({mdps[0].n_states}, {mdps[0].n_actions})."
            )
            raise MDPError(msg)
    if switches != sorted(switches):
        msg = f"switch steps must increase; got {switches}."
        raise MDPError(msg)
    return mdps, switches


def _eps_greedy(q, avail, eps, u_explore, u_pick):
    """ε-greedy rows of ``q (n, A)``; greedy ties uniformly at random."""
    ismax = q == q.max(axis=1, keepdims=True)
    k = (u_pick * ismax.sum(axis=1)).astype(np.int64)
    greedy = (ismax.cumsum(axis=1) > k[:, None]).argmax(axis=1)
    k2 = (u_pick * avail.sum(axis=1)).astype(np.int64)
    rand = (avail.cumsum(axis=1) > k2[:, None]).argmax(axis=1)
    return np.where(u_explore < eps, rand, greedy)


def _greedy(Q, mask, rngs):
    u = np.stack([r.random(Q.shape[1]) for r in rngs])
    out = np.empty(Q.shape[:2], dtype=np.intp)
    for i in range(Q.shape[0]):
        out[i] = _eps_greedy(Q[i], mask, 0.0, np.ones(Q.shape[1]), u[i])
    return out
