r"""Policy-gradient estimators from sampled episodes, measured against the exact gradient.

Every estimator averages per-episode terms
:math:`\hat g(\tau) = \sum_{t=0}^{T-1} c_t\,\nabla_\theta\log\pi_\theta(a_t|s_t)`
over ``episodes`` independent episodes; they differ in the weight
:math:`c_t`.  With :math:`G_t = \sum_{k\ge t}\gamma^{k-t} r_k` (discounted
reward-to-go) and :math:`R(\tau) = G_0`:

==================  =====================================================
``"total"``         :math:`c_t = R(\tau)` (Spinning Up's simplest form)
``"reward-to-go"``  :math:`c_t = \gamma^t G_t`
``"baseline"``      :math:`c_t = \gamma^t (G_t - b(s_t))`
``"gae"``           :math:`c_t = \gamma^t \hat A_t`,
                    :math:`\hat A_t = \sum_{l\ge0} (\gamma\lambda)^l \delta_{t+l}`,
                    :math:`\delta_t = r_t + \gamma V(s_{t+1}) - V(s_t)`
==================  =====================================================

**Which gradient each one is unbiased for.**  The target is
:math:`\nabla J(\theta)` of :math:`J = \mathbb E[\sum_t\gamma^t r_t]`, the
gradient that :func:`~solvers.gradients.exact.policy_gradient`
computes.  ``"total"`` is unbiased for it for every :math:`\gamma`
(:math:`\nabla J = \mathbb E[R(\tau)\sum_t\nabla\log\pi(a_t|s_t)]`).
Dropping the rewards before :math:`t` (EGLP lemma) leaves
:math:`\sum_{k\ge t}\gamma^k r_k = \gamma^t G_t`: the factor
:math:`\gamma^t` is part of the gradient, so ``"reward-to-go"``,
``"baseline"`` (any ``b`` depending on the state only) and ``"gae"`` with
the exact :math:`V^\pi` (then :math:`\mathbb E[\hat A_t|s_t,a_t] =
A^\pi(s_t,a_t)` for every :math:`\lambda`) are unbiased for
:math:`\nabla J` **with this weighting, the default**.  With
``discount_weighting=False`` the weight :math:`\gamma^t` is dropped, as in
most implementations (Spinning Up, PPO; ``"total"`` has no such weight and
is unchanged): for :math:`\gamma < 1` the
estimate is then biased for :math:`\nabla J` -- its expectation
:math:`\sum_s \bar d^\pi(s)\sum_a\pi\nabla\log\pi\,Q^\pi` uses the
undiscounted visit distribution and is not the gradient of any function
(Nota & Thomas, 2020); for :math:`\gamma = 1` both coincide.  A GAE with an
approximate ``V`` (a given array, a learned baseline) is biased for
:math:`\lambda < 1`; at :math:`\lambda = 1` it equals ``"baseline"``.

Episodes are cut after ``max_steps`` steps (a truncated tail is a bias of
order :math:`\gamma^{T}`; GAE bootstraps it with :math:`V(s_T)`); the
result counts the truncated episodes.  The model is used only through its
generative view (sampled transitions); the exact gradient for the
comparison uses the tables.

References
----------
OpenAI Spinning Up, "Part 3: Intro to Policy Optimization" (the simplest
gradient, reward-to-go, baselines, the EGLP lemma).  J. Schulman,
P. Moritz, S. Levine, M. Jordan, P. Abbeel, "High-dimensional continuous
control using generalized advantage estimation", ICLR 2016.  C. Nota and
P. S. Thomas, "Is the policy gradient a gradient?", AAMAS 2020.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mdp import MDP, MDPError
from mdp.checks import as_generator, check_int, check_probability, spawn_generators
from mdp.types import FloatArray, IntArray, RNGLike

from .._result import _ShortRepr as ShortRepr
from ._episodes import Episodes, sample_episodes
from .exact import _exact, _to_rows
from .policies import _softmax, check_observations, check_theta

__all__ = [
    "ESTIMATORS",
    "GradientEstimate",
    "EstimatorStudy",
    "estimate_policy_gradient",
    "estimator_study",
]

#: The estimator names of :func:`estimate_policy_gradient`.
ESTIMATORS = ("total", "reward-to-go", "baseline", "gae")
#: per-episode terms are kept only up to this many floats
_MAX_TERMS = 50_000_000


@dataclass(frozen=True, repr=False)
class GradientEstimate(ShortRepr):
    """What :func:`estimate_policy_gradient` returns.

    Attributes
    ----------
    estimate : ndarray, ``theta``'s shape
        The mean of the per-episode terms.
    terms : ndarray (episodes, *theta.shape) or None
        The per-episode terms :math:`\\hat g(\\tau_i)` (None with
        ``return_terms=False``); ``terms.mean(0) == estimate``.
    estimator : str
    exact : ndarray or None
        The exact ``grad J`` (``compare=True``).
    error : float
        ``||estimate - exact||_2`` (``nan`` without ``compare``).
    J : float
        Exact ``J(theta)`` (``nan`` without ``compare``).
    returns : ndarray (episodes,)
        Discounted return ``G_0`` of each episode.
    lengths : ndarray of int (episodes,)
    truncated : int
        Episodes cut at ``max_steps``.
    baseline : ndarray (S,) or None
        The state baseline / value used (``"baseline"``, ``"gae"``).
    discount_weighting : bool
    """

    estimate: FloatArray
    terms: FloatArray | None
    estimator: str
    exact: FloatArray | None
    error: float
    J: float
    returns: FloatArray
    lengths: IntArray
    truncated: int
    baseline: FloatArray | None
    discount_weighting: bool
    info: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- checks
def _check_estimator(estimator: Any) -> str:
    if estimator not in ESTIMATORS:
        msg = f"`estimator` must be one of {', '.join(map(repr, ESTIMATORS))}; got {estimator!r}."
        raise MDPError(msg)
    return str(estimator)


def _default_max_steps(m: MDP) -> int:
    """10 000 steps, or fewer when gamma^T < 1e-8 earlier."""
    if 0.0 < m.gamma < 1.0:
        return int(min(10_000, math.ceil(math.log(1e-8) / math.log(m.gamma))))
    return 1 if m.gamma == 0.0 else 10_000


def _check_baseline(m: MDP, baseline: Any, estimator: str) -> Any:
    if baseline is None:
        return "exact" if estimator in ("baseline", "gae") else None
    if isinstance(baseline, str):
        if baseline not in ("exact", "learned"):
            msg = f"`baseline` must be 'exact', 'learned' or an array (S,); got {baseline!r}."
            raise MDPError(msg)
        return baseline
    b = np.array(baseline, dtype=np.float64)
    if b.shape != (m.n_states,) or not np.isfinite(b).all():
        msg = (
            f"`baseline` as an array must be finite with shape ({m.n_states},), "
            f"one value per state; got shape {b.shape}."
        )
        raise MDPError(msg)
    return b


def _check_lam_baseline(
    m: MDP, estimator: str, lam: Any, baseline: Any
) -> tuple[float, Any]:
    """GAE's ``lam`` (default 0.95) and the baseline, each only where it applies."""
    if lam is not None and estimator != "gae":
        msg = f"`lam` is GAE's lambda; it applies to estimator='gae' only (got estimator={estimator!r})."
        raise MDPError(msg)
    lam_ = 0.95 if lam is None else check_probability(lam, "lam")
    b = _check_baseline(m, baseline, estimator)
    if b is not None and estimator not in ("baseline", "gae"):
        msg = f"`baseline` applies to estimator='baseline' or 'gae' only (got estimator={estimator!r})."
        raise MDPError(msg)
    return lam_, b


# ------------------------------------------------------------- the math
def _rewards_to_go(ep: Episodes, gamma: float) -> FloatArray:
    """``G_t = r_t + gamma G_{t+1}`` backwards over the padded batch ``[E, T]``."""
    G = np.zeros_like(ep.rewards)
    acc = np.zeros(ep.rewards.shape[0])
    for t in range(ep.rewards.shape[1] - 1, -1, -1):
        acc = ep.rewards[:, t] + gamma * acc
        G[:, t] = acc
    return G


def _gae(ep: Episodes, V: FloatArray, gamma: float, lam: float) -> FloatArray:
    """``A_t = delta_t + gamma lambda A_{t+1}``, ``delta_t = r_t + gamma V(s_{t+1}) - V(s_t)``."""
    v = V[ep.states]
    delta = np.where(ep.valid, ep.rewards + gamma * v[:, 1:] - v[:, :-1], 0.0)
    adv = np.zeros_like(delta)
    acc = np.zeros(delta.shape[0])
    for t in range(delta.shape[1] - 1, -1, -1):
        acc = delta[:, t] + gamma * lam * acc * ep.valid[:, t]
        adv[:, t] = acc
    return adv


def _learned_baseline(
    m: MDP, pi: FloatArray, episodes: int, max_steps: int, rng: np.random.Generator
) -> FloatArray:
    """Every-visit Monte Carlo ``V(s) = mean G_t over visits``, from an independent batch."""
    ep = sample_episodes(m, pi, episodes, max_steps, rng)
    G = _rewards_to_go(ep, m.gamma)
    s = ep.states[:, :-1][ep.valid]
    n = np.bincount(s, minlength=m.n_states)
    tot = np.bincount(s, G[ep.valid], minlength=m.n_states)
    return np.where(n > 0, tot / np.maximum(n, 1), 0.0)


def _weights(
    ep: Episodes,
    estimator: str,
    gamma: float,
    V: FloatArray | None,
    lam: float,
    discount_weighting: bool,
    terminal: np.ndarray | None = None,
) -> FloatArray:
    """``c_t [E, T]`` of the table in the module docstring (0 on padding)."""
    G = _rewards_to_go(ep, gamma)
    if estimator == "total":
        c = np.broadcast_to(G[:, :1], G.shape) if G.shape[1] else G
    elif estimator == "reward-to-go":
        c = G
    elif estimator == "baseline":
        assert V is not None  # set by _check_baseline for this estimator
        c = G - V[ep.states[:, :-1]]
    else:
        assert V is not None
        # terminal states have value 0, whatever a given baseline says there
        c = _gae(ep, V if terminal is None else np.where(terminal, 0.0, V), gamma, lam)
    if estimator != "total" and discount_weighting:
        c = c * gamma ** np.arange(G.shape[1])
    return np.where(ep.valid, c, 0.0)


def _score_sums(
    m: MDP,
    pi: FloatArray,
    ep: Episodes,
    c: FloatArray,
    obs: IntArray | None,
    n_rows: int,
    per_episode: bool,
) -> tuple[FloatArray, FloatArray | None]:
    r"""``sum_t c_t grad log pi(a_t|s_t)``: the mean, and per episode if asked.

    The score of the softmax is ``e_{a_t} - pi(.|s_t)`` in row ``phi(s_t)``.
    """
    S, A = m.n_states, m.n_actions
    E = ep.lengths.size
    e_idx, t_idx = np.nonzero(ep.valid)
    s = ep.states[e_idx, t_idx]
    a = ep.actions[e_idx, t_idx]
    w = c[e_idx, t_idx]
    # sum over steps of c_t (1[b = a_t] - pi(b|s_t)), per state
    hit = np.bincount(s * A + a, w, minlength=S * A).astype(np.float64).reshape(S, A)
    per_s = np.bincount(s, w, minlength=S).astype(np.float64)
    mean = _to_rows(hit - per_s[:, None] * pi, obs, n_rows) / E
    if not per_episode:
        return mean, None
    rows = s if obs is None else obs[s]
    terms = (
        np.bincount((e_idx * n_rows + rows) * A + a, w, minlength=E * n_rows * A)
        .astype(np.float64)
        .reshape(E, n_rows, A)
    )
    np.add.at(terms, (e_idx, rows), -w[:, None] * pi[s])
    return mean, terms


# ------------------------------------------------------------ public API
def estimate_policy_gradient(
    m: MDP,
    theta: npt.ArrayLike,
    *,
    episodes: int,
    estimator: str = "reward-to-go",
    baseline: str | npt.ArrayLike | None = None,
    lam: float | None = None,
    observations: npt.ArrayLike | None = None,
    max_steps: int | None = None,
    discount_weighting: bool = True,
    return_terms: bool = True,
    compare: bool = True,
    seed: RNGLike = None,
) -> GradientEstimate:
    r"""Estimate ``grad J(theta)`` of a softmax policy from sampled episodes.

    .. math::

        \hat g = \frac1N\sum_{i=1}^N \sum_{t} c_t^{(i)}\,
                 \nabla_\theta\log\pi_\theta(a_t^{(i)}|s_t^{(i)}),

    with the weights :math:`c_t` of the module docstring (``"total"``:
    :math:`R(\tau)`; ``"reward-to-go"``: :math:`\gamma^t G_t`;
    ``"baseline"``: :math:`\gamma^t(G_t - b(s_t))`; ``"gae"``:
    :math:`\gamma^t\hat A_t^{GAE(\gamma,\lambda)}`).

    Parameters
    ----------
    m : MDP
    theta : array_like (S, A), or (O, A) with ``observations``
    episodes : int
        Number of episodes ``N`` (sampled together, vectorised).
    estimator : {"total", "reward-to-go", "baseline", "gae"}
    baseline : "exact", "learned" or array (S,), optional
        ``b`` for ``"baseline"`` and ``V`` for ``"gae"`` (default
        ``"exact"``: :math:`V^{\pi_\theta}` by :func:`solvers.evaluate_policy`).
        ``"learned"``: every-visit Monte Carlo estimate of :math:`V^\pi` from
        ``episodes`` further, independent episodes (so the baseline does not
        depend on the batch and stays unbiased).
    lam : float in [0, 1], optional
        GAE's :math:`\lambda` (default 0.95); only for ``"gae"``.
    observations : array_like of int (S,), optional
    max_steps : int, optional
        Cut episodes after this many steps (default 10 000, or fewer when
        :math:`\gamma^T < 10^{-8}` first).
    discount_weighting : bool
        Multiply the per-step weights by :math:`\gamma^t` (default; unbiased
        for :math:`\nabla J`).  ``False`` gives the common unweighted
        estimator, biased for :math:`\gamma < 1` (Nota & Thomas, 2020).
    return_terms : bool
        Keep the per-episode terms (``N * size(theta)`` floats).
    compare : bool
        Also compute the exact gradient and the error.
    seed : None, int, SeedSequence or Generator

    Returns
    -------
    GradientEstimate

    Raises
    ------
    MDPError
        For an unknown estimator, a bad baseline or ``lam`` given for an
        estimator other than ``"gae"``.

    Examples
    --------
    The short corridor at ``P(right) = 1/2``: ``dJ/dtheta_right = J'(p) p (1-p) = 2``.

    >>> from worlds import make
    >>> m = make("short-corridor").mdp
    >>> est = estimate_policy_gradient(m, [[0.0, 0.0]], episodes=20000,
    ...     estimator="baseline", observations=[0, 0, 0, 0], seed=0)
    >>> est.exact
    array([[-2.,  2.]])
    >>> bool(est.error < 0.5)
    True
    """
    estimator = _check_estimator(estimator)
    obs = check_observations(m, observations)
    th = check_theta(m, theta, obs)
    n = check_int(episodes, "episodes")
    T = (
        _default_max_steps(m)
        if max_steps is None
        else check_int(max_steps, "max_steps")
    )
    lam_, b = _check_lam_baseline(m, estimator, lam, baseline)
    rng = as_generator(seed)
    pi = _softmax(m, th, obs)
    ex = (
        _exact(m, th, obs, pi=pi)
        if (compare or isinstance(b, str) and b == "exact")
        else None
    )
    V = _baseline_values(m, pi, b, ex, n, T, rng)
    ep = sample_episodes(m, pi, n, T, rng)
    c = _weights(ep, estimator, m.gamma, V, lam_, discount_weighting, m.terminal)
    per_episode = return_terms and n * th.size <= _MAX_TERMS
    mean, terms = _score_sums(m, pi, ep, c, obs, th.shape[0], per_episode)
    exact = ex.grad if (ex is not None and compare) else None
    err = float(np.linalg.norm(mean - exact)) if exact is not None else float("nan")
    return GradientEstimate(
        estimate=mean,
        terms=terms,
        estimator=estimator,
        exact=exact,
        error=err,
        J=ex.J if (ex is not None and compare) else float("nan"),
        returns=_rewards_to_go(ep, m.gamma)[:, 0]
        if ep.rewards.shape[1]
        else np.zeros(n),
        lengths=ep.lengths,
        truncated=int(ep.truncated.sum()),
        baseline=V,
        discount_weighting=bool(discount_weighting),
        info={"lam": lam_ if estimator == "gae" else None, "max_steps": T},
    )


def _baseline_values(m, pi, b, ex, n, T, rng) -> FloatArray | None:
    if b is None:
        return None
    if isinstance(b, str):
        if b == "exact":
            return ex.V
        return _learned_baseline(m, pi, n, T, rng.spawn(1)[0])
    return b


@dataclass(frozen=True, repr=False)
class EstimatorStudy(ShortRepr):
    """What :func:`estimator_study` returns.

    Attributes
    ----------
    estimators : tuple of str
        Labels (``"gae(0.5)"`` for GAE with its lambda).
    episodes : ndarray of int (n_sizes,)
    exact : ndarray
        The exact gradient.
    bias : ndarray (n_estimators, n_sizes)
        ``||mean over runs of the estimates - exact||_2``.
    bias_se : ndarray (n_estimators, n_sizes)
        Its standard error scale ``sqrt(variance / runs)``.
    variance : ndarray (n_estimators, n_sizes)
        ``E||g_hat - E g_hat||^2`` across runs (trace of the covariance).
    mse : ndarray (n_estimators, n_sizes)
        ``E||g_hat - grad J||^2`` across runs.
    per_episode_variance : ndarray (n_estimators,)
        Trace of the covariance of one episode's term (pooled over all
        sampled episodes); ``variance ~ per_episode_variance / episodes``.
    runs : int
    """

    estimators: tuple[str, ...]
    episodes: IntArray
    exact: FloatArray
    bias: FloatArray
    bias_se: FloatArray
    variance: FloatArray
    mse: FloatArray
    per_episode_variance: FloatArray
    runs: int


def estimator_study(
    m: MDP,
    theta: npt.ArrayLike,
    *,
    episodes: int | tuple[int, ...] = (10, 100, 1000),
    runs: int = 100,
    estimators: str | tuple[str, ...] = ("total", "reward-to-go", "baseline", "gae"),
    lam: float = 0.95,
    baseline: str | npt.ArrayLike = "exact",
    observations: npt.ArrayLike | None = None,
    max_steps: int | None = None,
    discount_weighting: bool = True,
    seed: RNGLike = None,
) -> EstimatorStudy:
    r"""Bias and variance of each estimator against the exact gradient as episodes grow.

    For each size ``n`` in ``episodes``, ``runs`` independent estimates
    :math:`\hat g_1..\hat g_{runs}` of ``n`` episodes each; bias
    :math:`\|\bar g - \nabla J\|_2`, variance
    :math:`\frac1{runs}\sum_k\|\hat g_k - \bar g\|^2` and MSE.  All
    estimators see the same episodes (common random numbers), so their
    differences are due to the estimators, not the samples; run ``k`` of
    size ``n`` uses the first ``n`` of run ``k``'s ``max(episodes)``
    episodes.

    Examples
    --------
    >>> from worlds import make
    >>> m = make("short-corridor").mdp
    >>> st = estimator_study(m, [[0.0, 0.0]], episodes=(10, 100), runs=50,
    ...     estimators=("total", "baseline"), observations=[0, 0, 0, 0], seed=1)
    >>> st.estimators
    ('total', 'baseline')
    >>> bool(st.per_episode_variance[0] > st.per_episode_variance[1])
    True
    """
    obs = check_observations(m, observations)
    th = check_theta(m, theta, obs)
    sizes_in = (episodes,) if isinstance(episodes, int | np.integer) else episodes
    try:
        sizes_list = list(sizes_in)
    except TypeError as exc:
        msg = f"`episodes` must be a sequence of episode counts, e.g. (10, 100); got {episodes!r}."
        raise MDPError(msg) from exc
    if not sizes_list:
        msg = "`episodes` is empty; give at least one episode count, e.g. (10, 100)."
        raise MDPError(msg)
    sizes = np.array([check_int(k, "episodes") for k in sizes_list], dtype=np.intp)
    R = check_int(runs, "runs")
    if R < 2:
        msg = "`runs` must be at least 2 to measure a variance."
        raise MDPError(msg)
    if isinstance(estimators, str):
        estimators = (estimators,)
    estimators = tuple(estimators)
    if not estimators:
        msg = f"`estimators` is empty; choose from {', '.join(map(repr, ESTIMATORS))}."
        raise MDPError(msg)
    for e in estimators:
        _check_estimator(e)
    lam_ = check_probability(lam, "lam")
    T = (
        _default_max_steps(m)
        if max_steps is None
        else check_int(max_steps, "max_steps")
    )
    N = int(sizes.max())
    pi = _softmax(m, th, obs)
    ex = _exact(m, th, obs, pi=pi)
    rng_base, rng_eps = spawn_generators(seed, 2)
    b = _check_baseline(m, baseline, "baseline")
    V = _baseline_values(m, pi, b, ex, N * R, T, rng_base)
    ep = sample_episodes(m, pi, N * R, T, rng_eps)
    labels, bias, bias_se, var, mse, pev = [], [], [], [], [], []
    for e in estimators:
        labels.append(f"gae({lam_:g})" if e == "gae" else e)
        c = _weights(ep, e, m.gamma, V, lam_, discount_weighting, m.terminal)
        _, per_ep = _score_sums(m, pi, ep, c, obs, th.shape[0], True)
        assert per_ep is not None
        terms = per_ep.reshape(R, N, -1)
        pev.append(float(terms.reshape(R * N, -1).var(axis=0).sum()))
        row_b, row_se, row_v, row_m = [], [], [], []
        for n in sizes:
            g = terms[:, :n].mean(axis=1)  # (runs, size(theta))
            gbar = g.mean(axis=0)
            v = float(((g - gbar) ** 2).sum(axis=1).mean())
            row_b.append(float(np.linalg.norm(gbar - ex.grad.ravel())))
            row_se.append(math.sqrt(v / R))
            row_v.append(v)
            row_m.append(float(((g - ex.grad.ravel()) ** 2).sum(axis=1).mean()))
        bias.append(row_b)
        bias_se.append(row_se)
        var.append(row_v)
        mse.append(row_m)
    return EstimatorStudy(
        estimators=tuple(labels),
        episodes=sizes,
        exact=ex.grad,
        bias=np.array(bias),
        bias_se=np.array(bias_se),
        variance=np.array(var),
        mse=np.array(mse),
        per_episode_variance=np.array(pev),
        runs=R,
    )
