r"""Trajectories, their probability and their returns.

A trajectory ``tau = (s_0, a_0, r_0, s_1, a_1, r_1, ...)`` starts from
``s_0 ~ p0`` and follows ``a_t ~ pi(.|s_t)``, ``s_{t+1} ~ P(.|s_t, a_t)``,
``r_t = R(s_t, a_t, s_{t+1})``.  Its probability under ``pi`` is

.. math::

    p(\tau | \pi) = p_0(s_0) \prod_{t=0}^{T-1} P(s_{t+1}|s_t, a_t)\, \pi(a_t|s_t),

and its return is the finite-horizon undiscounted ``R(tau) = sum_t r_t`` or
the discounted ``R(tau) = sum_t gamma^t r_t``.  ``J(pi) = E_{tau~pi}[R(tau)]``;
:func:`monte_carlo_return` estimates it from samples, to be compared with
the exact ``p0 . V^pi`` of :func:`solvers.expected_return`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import MDPError
from .checks import as_generator, check_gamma, check_int, check_state
from .model import MDP
from .policy import check_policy, sample_action
from .types import FloatArray, IntArray, RNGLike

__all__ = [
    "Trajectory",
    "rollout",
    "log_prob",
    "discounted_return",
    "reward_to_go",
    "monte_carlo_return",
]


@dataclass(frozen=True)
class Trajectory:
    """One sampled episode.

    Attributes
    ----------
    states : ndarray of int (T+1,)
        ``s_0 .. s_T`` (``s_T`` is where the episode stopped).
    actions : ndarray of int (T,)
    rewards : ndarray (T,)
        ``r_t = R(s_t, a_t, s_{t+1})``.
    terminated : bool
        Whether ``s_T`` is a terminal state (else the horizon cut it off).
    """

    states: IntArray
    actions: IntArray
    rewards: FloatArray
    terminated: bool

    def __len__(self) -> int:
        return int(self.actions.size)


def rollout(
    m: MDP,
    pi: npt.ArrayLike,
    *,
    horizon: int = 1000,
    s0: int | None = None,
    seed: RNGLike = None,
) -> Trajectory:
    """Sample a trajectory with the generative view :meth:`MDP.step`.

    Parameters
    ----------
    m : MDP
    pi : int [S] or float [S, A]
    horizon : int
        Maximum number of steps ``T``; the episode also ends on entering a
        terminal state.
    s0 : int, optional
        Start state; default ``s_0 ~ p0``.
    seed : int, numpy.random.Generator or None
        Source of randomness; the same seed gives the same trajectory.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((3, 1, 3)); P[0, 0, 1] = P[1, 0, 2] = P[2, 0, 2] = 1
    >>> R = np.zeros((3, 1, 3)); R[1, 0, 2] = 5.0
    >>> m = MDP(P, R, gamma=0.9, terminal=[2], p0=[1, 0, 0])
    >>> tau = rollout(m, [0, 0, 0], seed=0)
    >>> tau.states, tau.rewards, tau.terminated
    (array([0, 1, 2]), array([0., 5.]), True)
    """
    pi = check_policy(m, pi)
    horizon = check_int(horizon, "horizon", minimum=0)
    gen = as_generator(seed)
    s = m.sample_start(gen) if s0 is None else check_state(s0, m.n_states, "s0")
    states, actions, rewards = [s], [], []
    done = bool(m.terminal[s])
    for _ in range(int(horizon)):
        if done:
            break
        a = sample_action(pi, s, gen)
        s, r, done = m.step(s, a, gen)
        states.append(s)
        actions.append(a)
        rewards.append(r)
    return Trajectory(
        np.asarray(states, dtype=np.intp),
        np.asarray(actions, dtype=np.intp),
        np.asarray(rewards, dtype=np.float64),
        bool(done),
    )


def log_prob(m: MDP, pi: npt.ArrayLike, tau: Trajectory) -> float:
    r"""``log p(tau|pi) = log p0(s_0) + sum_t [log P(s_{t+1}|s_t,a_t) + log pi(a_t|s_t)]``.

    Returns ``-inf`` for an impossible trajectory.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> m = MDP(np.full((2, 2, 2), 0.5), np.zeros(2), gamma=0.9)
    >>> tau = rollout(m, [[0.5, 0.5], [0.5, 0.5]], horizon=3, seed=1)
    >>> round(float(np.exp(log_prob(m, [[0.5, 0.5], [0.5, 0.5]], tau))) * 2 * 4**3, 12)  # (1/2)(1/4)^3
    1.0
    """
    pim = np.asarray(check_policy(m, pi))
    s, a = np.asarray(tau.states), np.asarray(tau.actions)
    if s.ndim != 1 or a.ndim != 1 or s.size != a.size + 1:
        msg = (
            f"a trajectory needs states (T+1,) and actions (T,); got shapes "
            f"{s.shape} and {a.shape}."
        )
        raise MDPError(msg)
    S, A = m.n_states, m.n_actions
    if s.dtype.kind not in "iu" or a.dtype.kind not in "iu":
        msg = "trajectory states and actions must be integer arrays."
        raise MDPError(msg)
    bad_s = np.flatnonzero((s < 0) | (s >= S))
    if bad_s.size:
        t = int(bad_s[0])
        msg = f"trajectory state s_{t} = {int(s[t])} is out of range 0..{S - 1}."
        raise MDPError(msg)
    bad_a = np.flatnonzero((a < 0) | (a >= A))
    if bad_a.size:
        t = int(bad_a[0])
        msg = f"trajectory action a_{t} = {int(a[t])} is out of range 0..{A - 1}."
        raise MDPError(msg)
    with np.errstate(divide="ignore"):
        lp = np.log(m.p0[s[0]])
        p_trans = np.asarray(m.P[s[:-1] * A + a, s[1:]]).ravel()
        lp += np.log(p_trans).sum()
        if pim.ndim == 1:
            lp += 0.0 if np.all(pim[s[:-1]] == a) else -np.inf
        else:
            lp += np.log(pim[s[:-1], a]).sum()
    return float(lp)


def discounted_return(rewards: npt.ArrayLike, gamma: float = 1.0) -> float:
    r"""``R(tau) = sum_{t=0}^{T-1} gamma^t r_t`` (``gamma = 1``: undiscounted).

    Examples
    --------
    >>> discounted_return([1.0, 1.0, 1.0], 0.5)
    1.75
    """
    r = _reward_sequence(rewards)
    g = check_gamma(gamma)
    return float((g ** np.arange(r.size) * r).sum())


def reward_to_go(rewards: npt.ArrayLike, gamma: float = 1.0) -> FloatArray:
    r"""``G_t = sum_{t'=t}^{T-1} gamma^{t'-t} r_{t'}`` for every ``t``.

    The "reward-to-go" weights of the policy gradient: actions are reinforced
    only by rewards that come after them.

    Examples
    --------
    >>> reward_to_go([1.0, 1.0, 1.0], 0.5)
    array([1.75, 1.5 , 1.  ])
    """
    r = _reward_sequence(rewards)
    g = check_gamma(gamma)
    out = np.empty_like(r)
    acc = 0.0
    for t in range(r.size - 1, -1, -1):  # a loop over time, not states
        acc = r[t] + g * acc
        out[t] = acc
    return out


def _reward_sequence(rewards: Any) -> FloatArray:
    """One episode's rewards ``r_0 .. r_{T-1}`` as a finite float array ``(T,)``."""
    if isinstance(rewards, (str, bytes)):
        raise MDPError(
            "`rewards` must be a 1-D numeric sequence r_0 .. r_{T-1}; got a string."
        )
    try:
        r = np.array(rewards, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"`rewards` must be a 1-D numeric sequence r_0 .. r_{{T-1}}; converting it failed: {exc}"
        raise MDPError(msg) from exc
    if r.ndim != 1:
        msg = (
            f"`rewards` has shape {r.shape}; expected one episode's rewards, a 1-D "
            f"sequence (T,). For several episodes call once per episode."
        )
        raise MDPError(msg)
    if not np.isfinite(r).all():
        t = int(np.flatnonzero(~np.isfinite(r))[0])
        msg = f"`rewards` is not finite at t = {t} ({r[t]})."
        raise MDPError(msg)
    return r


def monte_carlo_return(
    m: MDP,
    pi: npt.ArrayLike,
    *,
    n_episodes: int = 1000,
    horizon: int = 1000,
    seed: RNGLike = None,
) -> tuple[float, float]:
    """Estimate ``J(pi)`` by averaging discounted returns of sampled episodes.

    With ``gamma = 1``, episodes cut off by ``horizon`` before reaching a
    terminal state make the estimate a ``horizon``-step return; a
    ``RuntimeWarning`` says how many.

    Returns
    -------
    mean, standard_error : float

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((2, 1, 2)); P[0, 0, 1] = P[1, 0, 1] = 1
    >>> R = np.zeros((2, 1, 2)); R[0, 0, 1] = 1.0
    >>> m = MDP(P, R, gamma=1.0, terminal=[1], p0=[1, 0])
    >>> monte_carlo_return(m, [0, 0], n_episodes=10, seed=0)
    (1.0, 0.0)
    """
    n_episodes = check_int(n_episodes, "n_episodes")
    gen = as_generator(seed)
    episodes = [rollout(m, pi, horizon=horizon, seed=gen) for _ in range(n_episodes)]
    returns = np.array([discounted_return(tau.rewards, m.gamma) for tau in episodes])
    cut = sum(not tau.terminated for tau in episodes)
    if cut and m.gamma == 1.0:
        warnings.warn(
            f"{cut} of {len(episodes)} episodes reached the horizon ({horizon} steps) "
            f"without terminating: with gamma = 1 this estimates the {horizon}-step "
            f"return, not J(pi) (is the policy proper?).",
            RuntimeWarning,
            stacklevel=2,
        )
    se = (
        float(returns.std(ddof=1) / np.sqrt(returns.size))
        if returns.size > 1
        else float("nan")
    )
    return float(returns.mean()), se
