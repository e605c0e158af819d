r"""Parameterised policies and their score functions, in closed form.

Tabular softmax
    :math:`\pi_\theta(a|s) = \exp\theta[s,a] / \sum_{b \in \mathcal A(s)}
    \exp\theta[s,b]` over the available actions :math:`\mathcal A(s)` of
    ``m.action_mask`` (unavailable actions get logit :math:`-\infty`,
    probability 0 and score 0).  ``theta`` has shape ``(S, A)``.

Observation-aliased softmax
    The agent sees an observation :math:`o = \phi(s)`, not the state:
    ``observations`` is an int array ``(S,)`` with values in ``0..O-1`` and
    :math:`\pi_\theta(a|s) \propto \exp\theta[\phi(s), a]` over
    :math:`\mathcal A(s)`; ``theta`` has shape ``(O, A)``.

The score of either is

.. math::

    \frac{\partial \log\pi_\theta(a|s)}{\partial\theta[o,b]}
      = \mathbb 1[\phi(s) = o]\,\big(\mathbb 1[a = b] - \pi_\theta(b|s)\big),
    \qquad b \in \mathcal A(s),

(:math:`\phi` the identity for the tabular policy) and 0 for unavailable
``b``.  :func:`grad_log_softmax` returns the state block
``G[s, a, b] = 1[a = b] - pi(b|s)``.

Diagonal Gaussian
    :math:`a \sim \mathcal N(\mu, \mathrm{diag}(\sigma^2))`,
    :math:`\sigma = e^{\ell}` (``log_std``), with

    .. math::

        \log\pi(a) = -\tfrac12 \sum_i \Big(\frac{(a_i-\mu_i)^2}{\sigma_i^2}
                     + 2\ell_i + \log 2\pi\Big), \quad
        \frac{\partial\log\pi}{\partial\mu_i} = \frac{a_i-\mu_i}{\sigma_i^2},
        \quad
        \frac{\partial\log\pi}{\partial\ell_i} = \frac{(a_i-\mu_i)^2}{\sigma_i^2} - 1.

    :func:`linear_quadratic` is a one-step continuous-action problem whose
    :math:`J` and :math:`\nabla J` are exact.

References
----------
OpenAI Spinning Up, "Part 1: Key Concepts in RL" (stochastic policies: the
two key computations, sampling and log-likelihood) and "Part 3: Intro to
Policy Optimization".  R. S. Sutton and A. G. Barto, *Reinforcement
Learning: An Introduction*, 2nd ed. (2018), Sec. 13.1-13.2 (softmax in
action preferences, Eq. 13.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mdp import MDP, MDPError, PolicyError
from mdp.checks import as_generator, check_int, check_real
from mdp.model import check_mdp
from mdp.types import FloatArray, IntArray, RNGLike

__all__ = [
    "check_observations",
    "check_theta",
    "softmax_policy",
    "log_softmax_policy",
    "grad_log_softmax",
    "gaussian_sample",
    "gaussian_log_prob",
    "gaussian_grad_log_prob",
    "linear_quadratic",
    "linear_quadratic_samples",
    "LQSamples",
]


# ------------------------------------------------------------ validation
def check_observations(m: MDP, observations: Any) -> IntArray | None:
    """``observations`` as ``int [S]`` with values ``0..O-1`` (or None).

    Examples
    --------
    >>> m = MDP(np.ones((3, 2, 3)) / 3, R=np.zeros((3, 2)), gamma=0.9)
    >>> check_observations(m, [0, 0, 1])
    array([0, 0, 1])
    >>> check_observations(m, [0, 1])
    Traceback (most recent call last):
    ...
    mdp.MDPError: `observations` has shape (2,); expected (3,), one observation index per state.
    """
    check_mdp(m)
    if observations is None:
        return None
    S = m.n_states
    obs = np.asarray(observations)
    if obs.shape != (S,):
        msg = (
            f"`observations` has shape {obs.shape}; expected ({S},), one "
            f"observation index per state."
        )
        raise MDPError(msg)
    if obs.dtype.kind not in "iu":
        msg = f"`observations` must hold integers (observation indices); got dtype {obs.dtype}."
        raise MDPError(msg)
    if (obs < 0).any():
        s = int(np.flatnonzero(obs < 0)[0])
        msg = f"`observations` is {int(obs[s])} at state {s}; indices must be >= 0."
        raise MDPError(msg)
    return obs.astype(np.intp)


def check_theta(m: MDP, theta: Any, observations: IntArray | None = None) -> FloatArray:
    """``theta`` as a float copy of shape ``(S, A)``, or ``(O, A)`` with observations.

    With ``observations``, ``O`` is the number of rows of ``theta`` and must
    exceed the largest observation index.

    Examples
    --------
    >>> m = MDP(np.ones((3, 2, 3)) / 3, R=np.zeros((3, 2)), gamma=0.9)
    >>> check_theta(m, np.zeros((2, 2)))
    Traceback (most recent call last):
    ...
    mdp.MDPError: `theta` has shape (2, 2); expected (S, A) = (3, 2), one logit per (state, action).
    """
    S, A = m.n_states, m.n_actions
    try:
        th = np.array(theta, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"`theta` must be a numeric array of logits; converting it failed: {exc}"
        raise MDPError(msg) from exc
    if observations is None:
        if th.shape != (S, A):
            msg = (
                f"`theta` has shape {th.shape}; expected (S, A) = ({S}, {A}), one "
                f"logit per (state, action)."
            )
            raise MDPError(msg)
    else:
        n_obs = int(observations.max()) + 1 if S else 0
        if th.ndim != 2 or th.shape[1] != A or th.shape[0] < n_obs:
            msg = (
                f"`theta` has shape {th.shape}; with `observations` it must be "
                f"(O, A) with A = {A} and O >= {n_obs} (one row per observation)."
            )
            raise MDPError(msg)
    bad = np.argwhere(~np.isfinite(th))
    if bad.size:
        i, a = (int(x) for x in bad[0])
        msg = f"`theta` is not finite at row {i}, action {a} ({th[i, a]})."
        raise MDPError(msg)
    return th


def _state_logits(
    m: MDP, theta: FloatArray, observations: IntArray | None
) -> FloatArray:
    z = theta if observations is None else theta[observations]
    return np.where(m.action_mask, z, -np.inf)


# ------------------------------------------------------------- softmax
def softmax_policy(
    m: MDP, theta: npt.ArrayLike, *, observations: npt.ArrayLike | None = None
) -> FloatArray:
    r"""``pi_theta [S, A]``: softmax of ``theta`` over each state's available actions.

    :math:`\pi_\theta(a|s) = \exp\theta[\phi(s),a] / \sum_{b\in\mathcal A(s)}
    \exp\theta[\phi(s),b]`, with :math:`\phi` the identity when
    ``observations`` is None.  Computed stably (row maximum subtracted).

    Parameters
    ----------
    m : MDP
    theta : array_like (S, A), or (O, A) with ``observations``
    observations : array_like of int (S,), optional
        The observation :math:`\phi(s)` of every state.

    Returns
    -------
    pi : ndarray (S, A)
        Row-stochastic, 0 on unavailable actions.

    Examples
    --------
    >>> m = MDP(np.ones((2, 2, 2)) / 2, R=np.zeros((2, 2)), gamma=0.9)
    >>> softmax_policy(m, [[0.0, np.log(3.0)], [0.0, 0.0]]).round(3)
    array([[0.25, 0.75],
           [0.5 , 0.5 ]])
    >>> softmax_policy(m, [[0.0, np.log(3.0)]], observations=[0, 0]).round(3)
    array([[0.25, 0.75],
           [0.25, 0.75]])
    """
    obs = check_observations(m, observations)
    th = check_theta(m, theta, obs)
    return _softmax(m, th, obs)


def _softmax(m: MDP, theta: FloatArray, obs: IntArray | None) -> FloatArray:
    z = _state_logits(m, theta, obs)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def log_softmax_policy(
    m: MDP, theta: npt.ArrayLike, *, observations: npt.ArrayLike | None = None
) -> FloatArray:
    r"""``log pi_theta(a|s) [S, A]`` (``-inf`` on unavailable actions), by logsumexp.

    :math:`\log\pi_\theta(a|s) = \theta[\phi(s),a] - \log\sum_{b\in\mathcal A(s)}
    \exp\theta[\phi(s),b]`.

    Examples
    --------
    >>> m = MDP(np.ones((1, 2, 1)), R=np.zeros((1, 2)), gamma=0.9)
    >>> np.exp(log_softmax_policy(m, [[0.0, np.log(3.0)]])).round(3)
    array([[0.25, 0.75]])
    """
    obs = check_observations(m, observations)
    th = check_theta(m, theta, obs)
    return _log_softmax(m, th, obs)


def _log_softmax(m: MDP, theta: FloatArray, obs: IntArray | None) -> FloatArray:
    z = _state_logits(m, theta, obs)
    zmax = z.max(axis=1, keepdims=True)
    return z - (zmax + np.log(np.exp(z - zmax).sum(axis=1, keepdims=True)))


def grad_log_softmax(pi: npt.ArrayLike) -> FloatArray:
    r"""Score blocks ``G [S, A, A]`` of a softmax policy: ``G[s, a, b] = 1[a=b] - pi(b|s)``.

    ``G[s, a, :]`` is :math:`\nabla_{\theta[s,\cdot]}\log\pi_\theta(a|s)`
    (with observations: the gradient with respect to the row
    ``theta[phi(s), :]``; every other row's gradient is 0).  Rows of an
    action that is never taken (``pi(a|s) = 0``, an unavailable action) are
    0; so the column of an unavailable ``b`` is 0 too.

    The EGLP lemma :math:`\sum_a \pi(a|s)\,G[s,a,:] = 0` holds exactly.

    Examples
    --------
    >>> G = grad_log_softmax([[0.25, 0.75]])
    >>> G[0]
    array([[ 0.75, -0.75],
           [-0.25,  0.25]])
    >>> np.einsum("sa,sab->sb", [[0.25, 0.75]], G)
    array([[0., 0.]])
    """
    try:
        p = np.asarray(pi, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"`pi` must be a numeric array (S, A) of action probabilities: {exc}"
        raise PolicyError(msg) from exc
    if p.ndim != 2:
        msg = f"`pi` must have shape (S, A), one row per state; got shape {p.shape}."
        raise PolicyError(msg)
    bad = np.flatnonzero(
        ~(np.isfinite(p).all(axis=1) & (p >= 0).all(axis=1))
        | (np.abs(p.sum(axis=1) - 1.0) > 1e-8)
    )
    if bad.size:
        s = int(bad[0])
        msg = (
            f"`pi` row {s} is not a probability distribution (sum "
            f"{p[s].sum():.6g}, min {p[s].min():.3g}); rows must be >= 0 and sum to 1."
        )
        raise PolicyError(msg)
    S, A = p.shape
    G = np.eye(A)[None, :, :] - p[:, None, :]
    G[p == 0] = 0.0  # score of an action that is never taken
    return G


# ------------------------------------------------------------ Gaussian
def _float(x: Any, name: str) -> FloatArray:
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"`{name}` must be a numeric array; converting it failed: {exc}"
        raise MDPError(msg) from exc


def _gauss_args(mu: Any, log_std: Any, a: Any = None) -> tuple[FloatArray, ...]:
    m = _float(mu, "mu")
    ls = _float(log_std, "log_std")
    if not (np.isfinite(m).all() and np.isfinite(ls).all()):
        msg = "`mu` and `log_std` must be finite."
        raise MDPError(msg)
    arrays = [m, ls] if a is None else [m, ls, _float(a, "a")]
    try:
        np.broadcast_shapes(*(x.shape for x in arrays))
    except ValueError as exc:
        names = "`mu`, `log_std`" + ("" if a is None else " and `a`")
        shapes = ", ".join(str(x.shape) for x in arrays)
        msg = (
            f"{names} must broadcast against each other (the action dimension "
            f"last); got shapes {shapes}."
        )
        raise MDPError(msg) from exc
    return tuple(arrays)


def gaussian_sample(
    mu: npt.ArrayLike, log_std: npt.ArrayLike, *, seed: RNGLike = None
) -> FloatArray:
    r"""Sample :math:`a = \mu + \sigma \odot z`, :math:`z \sim \mathcal N(0, I)`.

    ``mu`` has shape ``(..., k)``; ``log_std`` broadcasts against it.

    Examples
    --------
    >>> a = gaussian_sample(np.zeros((100000, 1)), np.log(2.0), seed=0)
    >>> round(float(a.std()), 2)
    2.0
    """
    m, ls = _gauss_args(mu, log_std)
    rng = as_generator(seed)
    return m + np.exp(ls) * rng.standard_normal(np.broadcast(m, ls).shape)


def gaussian_log_prob(
    a: npt.ArrayLike, mu: npt.ArrayLike, log_std: npt.ArrayLike
) -> FloatArray:
    r"""Diagonal Gaussian log-likelihood, summed over the last axis.

    :math:`\log\pi(a) = -\frac12\sum_{i=1}^k\big(\frac{(a_i-\mu_i)^2}{\sigma_i^2}
    + 2\ell_i + \log 2\pi\big)`, :math:`\sigma_i = e^{\ell_i}`.

    Examples
    --------
    >>> round(float(gaussian_log_prob([0.0], [0.0], [0.0])), 6)  # -log(2 pi)/2
    -0.918939
    """
    m, ls, x = _gauss_args(mu, log_std, a)
    z = (x - m) * np.exp(-ls)
    return -0.5 * np.sum(z**2 + 2.0 * ls + np.log(2.0 * np.pi), axis=-1)


def gaussian_grad_log_prob(
    a: npt.ArrayLike, mu: npt.ArrayLike, log_std: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    r"""``(d log pi / d mu, d log pi / d log_std)``, each of ``a``'s shape.

    :math:`\partial_{\mu_i}\log\pi = (a_i-\mu_i)/\sigma_i^2`,
    :math:`\partial_{\ell_i}\log\pi = (a_i-\mu_i)^2/\sigma_i^2 - 1`.

    Examples
    --------
    >>> gaussian_grad_log_prob([1.0], [0.0], [0.0])
    (array([1.]), array([0.]))
    """
    m, ls, x = _gauss_args(mu, log_std, a)
    d = x - m
    var = np.exp(2.0 * ls)
    return d / var, d**2 / var - 1.0


def linear_quadratic(
    k: float, log_std: float, *, state_std: float = 1.0
) -> tuple[float, FloatArray]:
    r"""Exact ``J`` and ``grad J`` of a one-step linear-quadratic Gaussian problem.

    :math:`s \sim \mathcal N(0, \sigma_s^2)`, the policy
    :math:`a \sim \mathcal N(k s, e^{2\ell})`, reward :math:`-(a - s)^2`.
    With :math:`a - s = (k-1)s + e^{\ell}z`,

    .. math::

        J(k, \ell) = -\big((k-1)^2\sigma_s^2 + e^{2\ell}\big), \qquad
        \nabla J = \big(-2(k-1)\sigma_s^2,\; -2e^{2\ell}\big).

    Returns
    -------
    J : float
    grad : ndarray (2,)
        ``(dJ/dk, dJ/d log_std)``.

    Examples
    --------
    >>> J, g = linear_quadratic(0.5, 0.0, state_std=2.0)
    >>> J, g
    (-2.0, array([ 4., -2.]))
    """
    k = check_real(k, "k")
    ls = check_real(log_std, "log_std")
    sd = _check_state_std(state_std)
    J = -((k - 1.0) ** 2 * sd**2 + np.exp(2.0 * ls))
    return float(J), np.array([-2.0 * (k - 1.0) * sd**2, -2.0 * np.exp(2.0 * ls)])


def _check_state_std(x: Any) -> float:
    sd = check_real(x, "state_std")
    if sd < 0:
        msg = f"`state_std` is a standard deviation and must be >= 0; got {x!r}."
        raise MDPError(msg)
    return sd


@dataclass(frozen=True)
class LQSamples:
    """Samples of :func:`linear_quadratic_samples`.

    Attributes
    ----------
    s, a, reward : ndarray (n,)
    terms : ndarray (n, 2)
        The score-function terms ``reward * grad_(k, log_std) log pi(a|s)``;
        their mean is an unbiased estimate of ``grad J``.
    """

    s: FloatArray
    a: FloatArray
    reward: FloatArray
    terms: FloatArray


def linear_quadratic_samples(
    k: float,
    log_std: float,
    *,
    samples: int,
    state_std: float = 1.0,
    seed: RNGLike = None,
) -> LQSamples:
    r"""Sample the problem of :func:`linear_quadratic`; score-function gradient terms.

    :math:`\hat g_i = r_i\,\nabla\log\pi(a_i|s_i)` with
    :math:`\partial_k\log\pi = s\,(a - ks)/e^{2\ell}` (chain rule through
    :math:`\mu = ks`) and :math:`\partial_\ell\log\pi = (a-ks)^2/e^{2\ell} - 1`,
    from :func:`gaussian_grad_log_prob`.

    Examples
    --------
    >>> out = linear_quadratic_samples(0.5, 0.0, samples=200000, seed=0)
    >>> np.round(out.terms.mean(axis=0), 1)  # exact: (1, -2)
    array([ 1., -2.])
    """
    k = check_real(k, "k")
    ls = check_real(log_std, "log_std")
    sd = _check_state_std(state_std)
    n = check_int(samples, "samples")
    rng = as_generator(seed)
    s = sd * rng.standard_normal(n)
    mu = k * s
    a = gaussian_sample(mu[:, None], ls, seed=rng)[:, 0]
    r = -((a - s) ** 2)
    d_mu, d_ls = gaussian_grad_log_prob(a[:, None], mu[:, None], ls)
    terms = r[:, None] * np.column_stack([d_mu[:, 0] * s, d_ls[:, 0]])
    return LQSamples(s=s, a=a, reward=r, terms=terms)
