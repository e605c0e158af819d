r"""Policy optimisation: gradient ascent, natural policy gradient, REINFORCE, PPO-clip.

Tabular softmax :math:`\pi_\theta`, exact or sampled gradients; every step
records the exact :math:`J(\theta_t)`, :math:`\|\nabla J(\theta_t)\|_2` and
the sub-optimality :math:`J^* - J(\theta_t)` (with
:math:`J^* = p_0\cdot V^*` from :func:`solvers.value_iteration`), so a run
can be compared with the theory.

Updates (step size :math:`\eta` = ``lr``):

* vanilla: :math:`\theta \leftarrow \theta + \eta\nabla J(\theta)`, exact
  (:func:`~solvers.gradients.exact.policy_gradient`) or estimated from
  ``episodes`` sampled episodes per step (REINFORCE and its variants:
  :func:`~solvers.gradients.estimators.estimate_policy_gradient`);
* natural (Kakade 2001): :math:`\theta \leftarrow \theta + \eta F^\dagger
  \nabla J` with the exact Fisher matrix
  :math:`F = \sum_s \tilde d(s)\,\mathbb E_{a\sim\pi}[\nabla\log\pi\,
  \nabla\log\pi^\top]`, :math:`\tilde d = (1-\gamma)d^\pi` the normalised
  occupancy.  For the tabular softmax this is :math:`\theta \leftarrow
  \theta + \eta A^\pi/(1-\gamma)`, i.e. :math:`\pi \leftarrow \pi\,
  e^{\eta A^\pi/(1-\gamma)}` normalised (Agarwal et al. 2021, Lemma 15),
  applied in every state.  With ``gamma = 1`` the unnormalised visit counts
  are used: :math:`\theta \leftarrow \theta + \eta A^\pi`.  With
  observations, :math:`F` is block diagonal over observations and each block
  is pseudo-inverted;
* entropy-regularised (``entropy`` = :math:`\tau > 0`): the objective is
  :math:`J_\tau = p_0\cdot V_\tau^\pi` with
  :math:`V_\tau^\pi = \mathbb E[\sum_t\gamma^t(r_t + \tau\mathcal H(\pi(\cdot|s_t)))]`,
  gradient :math:`d^\pi(s)\pi(a|s)(Q_\tau(s,a) - \tau\log\pi(a|s) - V_\tau(s))`
  (Mei et al. 2020, Lemma 10); natural: :math:`\theta \leftarrow
  (1 - \frac{\eta\tau}{1-\gamma})\theta + \frac{\eta}{1-\gamma}Q_\tau`
  (Cen et al. 2021, Eq. 11), which converges linearly to the soft optimum of
  :func:`solvers.soft_value_iteration` for :math:`0 < \eta \le (1-\gamma)/\tau`.

PPO-clip (Schulman et al. 2017) maximises, for ``epochs`` passes over each
batch sampled with :math:`\theta_{old}`, the clipped surrogate
:math:`L(\theta) = \frac1N\sum_{i,t} \min(\rho_t c_t, \mathrm{clip}(\rho_t,
1-\epsilon, 1+\epsilon)c_t)`, :math:`\rho_t = \pi_\theta(a_t|s_t)/
\pi_{\theta_{old}}(a_t|s_t)`, with the per-step weights :math:`c_t` of an
estimator (default GAE with the exact :math:`V^\pi`, discount-weighted).
At :math:`\theta = \theta_{old}` its gradient is the policy-gradient
estimate of the same batch (:func:`clipped_surrogate`).

References
----------
S. Kakade, "A natural policy gradient", NeurIPS 2001.  A. Agarwal, S. M.
Kakade, J. D. Lee, G. Mahajan, "On the theory of policy gradient methods:
optimality, approximation, and distribution shift", JMLR 22 (2021).
J. Mei, C. Xiao, C. Szepesvari, D. Schuurmans, "On the global convergence
rates of softmax policy gradient methods", ICML 2020.  S. Cen, C. Cheng,
Y. Chen, Y. Wei, Y. Chi, "Fast global convergence of natural policy gradient
methods with entropy regularization", Operations Research 70(4) (2022;
arXiv 2020).  J. Schulman, F. Wolski, P. Dhariwal, A. Radford, O. Klimov,
"Proximal policy optimization algorithms", arXiv:1707.06347 (2017).
R. J. Williams, "Simple statistical gradient-following algorithms for
connectionist reinforcement learning", Machine Learning 8 (1992).

The lemma and equation numbers above are as transcribed by the implementer;
the review could reach only the papers' abstracts, not their bodies (see
the module docstring of ``tests/solvers/gradients/test_pg_ascent.py``).  The
updates themselves are checked independently: the natural step against the
pseudo-inverse of the exact Fisher matrix, the entropy gradient against
finite differences of an independently computed :math:`J_\tau`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mdp import MDP, MDPError
from mdp.checks import as_generator, check_int, check_probability, check_real
from mdp.types import FloatArray, IntArray, RNGLike
from solvers.exact import value_iteration

from .._result import _ShortRepr as ShortRepr
from .._status import Progress
from ._episodes import sample_episodes
from .estimators import (
    ESTIMATORS,
    _baseline_values,
    _check_estimator,
    _check_lam_baseline,
    _default_max_steps,
    _weights,
    estimate_policy_gradient,
)
from .exact import _exact, _soft_exact, _to_rows
from .policies import _log_softmax, _softmax, check_observations, check_theta

__all__ = [
    "AscentResult",
    "policy_gradient_ascent",
    "ppo_clip",
    "clipped_surrogate",
    "natural_gradient",
]


@dataclass(frozen=True, repr=False)
class AscentResult(ShortRepr):
    """What :func:`policy_gradient_ascent` and :func:`ppo_clip` return.

    Attributes
    ----------
    theta : ndarray (S, A) or (O, A)
        Final logits.
    policy : ndarray (S, A)
        Final policy :math:`\\pi_\\theta`.
    J : ndarray (steps + 1,)
        Exact :math:`J(\\theta_t)` for ``t = 0..steps``.
    grad_norm : ndarray (steps + 1,)
        Exact :math:`\\|\\nabla J(\\theta_t)\\|_2` (unregularised).
    gap : ndarray (steps + 1,)
        :math:`J^* - J(\\theta_t)`.
    J_star : float
        :math:`p_0\\cdot V^*` (value iteration to 1e-12).
    J_reg : ndarray (steps + 1,) or None
        The entropy-regularised :math:`J_\\tau(\\theta_t)` (``entropy > 0``).
    method : str
    steps : int
    elapsed : float
    info : dict
    """

    theta: FloatArray
    policy: FloatArray
    J: FloatArray
    grad_norm: FloatArray
    gap: FloatArray
    J_star: float
    J_reg: FloatArray | None
    method: str
    steps: int
    elapsed: float
    info: dict[str, Any] = field(default_factory=dict)


def _j_star(m: MDP) -> float:
    return float(m.p0 @ value_iteration(m, tol=1e-12).V)


def _theta0(m: MDP, theta0: Any, obs: IntArray | None) -> FloatArray:
    if theta0 is None:
        rows = m.n_states if obs is None else int(obs.max()) + 1
        return np.zeros((rows, m.n_actions))
    return check_theta(m, theta0, obs)


def natural_gradient(
    m: MDP, theta: npt.ArrayLike, *, observations: npt.ArrayLike | None = None
) -> FloatArray:
    r"""The natural gradient :math:`F^\dagger\nabla J` of the softmax policy, exactly.

    Tabular: :math:`A^\pi/(1-\gamma)` (``A^pi`` with ``gamma = 1``), the
    minimum-norm solution up to a per-state constant that does not change
    :math:`\pi`.  With observations: per observation ``o``,
    :math:`F_o = \sum_{s:\phi(s)=o}\tilde d(s)(\mathrm{diag}\,\pi_s -
    \pi_s\pi_s^\top)` and :math:`w_o = F_o^\dagger\,\partial J/\partial\theta[o]`.

    Examples
    --------
    >>> from worlds import make
    >>> m = make("short-corridor").mdp
    >>> natural_gradient(m, np.zeros((4, 2)))[:3].round(3)  # = A^pi, gamma = 1
    array([[-1.,  1.],
           [ 3., -3.],
           [-5.,  5.]])
    """
    obs = check_observations(m, observations)
    th = check_theta(m, theta, obs)
    return _natural(m, th, obs, _exact(m, th, obs))


def _natural(m: MDP, th: FloatArray, obs: IntArray | None, ex: Any) -> FloatArray:
    norm = 1.0 - m.gamma if m.gamma < 1.0 else 1.0
    if obs is None:
        return ex.A / norm
    p = ex.pi
    # F_o = sum_{s in o} d(s) (diag pi_s - pi_s pi_s^T), normalised as J's gradient
    F_s = ex.d[:, None, None] * (
        np.einsum("sa,ab->sab", p, np.eye(m.n_actions)) - np.einsum("sa,sb->sab", p, p)
    )
    F = np.zeros((th.shape[0], m.n_actions, m.n_actions))
    np.add.at(F, obs, F_s)
    w = np.einsum("oab,ob->oa", np.linalg.pinv(F, hermitian=True), ex.grad)
    return w / norm


def _check_step(th: FloatArray, t: int, eta: float) -> None:
    """Refuse logits that overflowed float64 (a step size far too large)."""
    if not np.isfinite(th).all():
        msg = (
            f"the logits are not finite after step {t + 1} (lr = {eta:g}): the "
            f"step size is too large for float64. Lower `lr`."
        )
        raise MDPError(msg)


def _check_lr(lr: Any) -> float:
    v = check_real(lr, "lr")
    if not v > 0:
        msg = f"`lr` must be > 0; got {lr!r}."
        raise MDPError(msg)
    return v


def policy_gradient_ascent(
    m: MDP,
    *,
    lr: float,
    steps: int,
    theta0: npt.ArrayLike | None = None,
    gradient: str = "exact",
    natural: bool = False,
    entropy: float = 0.0,
    episodes: int = 100,
    baseline: str | npt.ArrayLike | None = None,
    lam: float | None = None,
    observations: npt.ArrayLike | None = None,
    max_steps: int | None = None,
    seed: RNGLike = None,
    callback: Callable[[int, FloatArray], Any] | None = None,
    verbose: bool = False,
) -> AscentResult:
    r"""Gradient ascent on :math:`J(\theta)` of a softmax policy: exact, natural, entropy-regularised or sampled.

    :math:`\theta_{t+1} = \theta_t + \eta\,g_t` with :math:`g_t` the exact
    :math:`\nabla J` (``gradient="exact"``), its natural version
    (``natural=True``), the gradient of :math:`J_\tau` (``entropy`` =
    :math:`\tau > 0`), or an estimate from ``episodes`` sampled episodes
    (``gradient`` an estimator name: ``"total"`` is REINFORCE, Williams
    1992; ``"reward-to-go"``, ``"baseline"``, ``"gae"``).  See the module
    docstring for the equations.

    Parameters
    ----------
    m : MDP
    lr : float
        Step size :math:`\eta > 0`.
    steps : int
    theta0 : array_like, optional
        Initial logits (default zeros: the uniform policy).
    gradient : {"exact", "total", "reward-to-go", "baseline", "gae"}
    natural : bool
        Natural gradient with the exact Fisher matrix (``gradient="exact"``).
    entropy : float
        Temperature :math:`\tau \ge 0` of the entropy bonus (exact gradients).
    episodes, baseline, lam, max_steps
        For sampled gradients, as in
        :func:`~solvers.gradients.estimators.estimate_policy_gradient`.
    observations : array_like of int (S,), optional
    seed : None, int, SeedSequence or Generator
    callback : callable, optional
        ``callback(t, theta_t)`` for ``t = 0..steps`` (a copy of the logits).
    verbose : bool
        Progress on stderr about once a second.

    Returns
    -------
    AscentResult
        With the exact ``J``, ``grad_norm`` and ``gap = J* - J`` after every step.

    Examples
    --------
    NPG on the short corridor with the true state: the deterministic
    optimum ``J* = -3`` is approached quickly.

    >>> from worlds import make
    >>> m = make("short-corridor").mdp
    >>> res = policy_gradient_ascent(m, lr=1.0, steps=20, natural=True)
    >>> res.J_star, bool(res.gap[-1] < 1e-3)
    (-3.0, True)
    """
    t0 = time.perf_counter()
    obs = check_observations(m, observations)
    th = _theta0(m, theta0, obs)
    eta = _check_lr(lr)
    n_steps = check_int(steps, "steps", minimum=0)
    tau = check_real(entropy, "entropy")
    if tau < 0:
        msg = f"`entropy` must be >= 0; got {entropy!r}."
        raise MDPError(msg)
    if gradient != "exact" and gradient not in ESTIMATORS:
        msg = (
            f"`gradient` must be 'exact' or an estimator name "
            f"({', '.join(map(repr, ESTIMATORS))}); got {gradient!r}."
        )
        raise MDPError(msg)
    if gradient != "exact" and (natural or tau > 0):
        msg = "`natural` and `entropy` need gradient='exact' (sampled Fisher matrices and entropy gradients are not implemented)."
        raise MDPError(msg)
    if gradient == "exact" and (baseline is not None or lam is not None):
        msg = (
            "`baseline` and `lam` apply to sampled gradients only (gradient = "
            "'baseline' or 'gae'); the exact gradient uses the exact V^pi."
        )
        raise MDPError(msg)
    if callback is not None and not callable(callback):
        msg = f"`callback` must be None or a function callback(t, theta); got {callback!r}."
        raise MDPError(msg)
    if natural and tau > 0 and obs is not None:
        msg = "entropy-regularised natural PG is implemented for the tabular policy only (observations=None)."
        raise MDPError(msg)
    rng = as_generator(seed)
    J_star = _j_star(m)
    Js, norms, regs = [], [], []
    progress = Progress("policy_gradient_ascent", verbose)
    norm = 1.0 - m.gamma if m.gamma < 1.0 else 1.0
    for t in range(n_steps + 1):
        ex = _exact(m, th, obs)
        Js.append(ex.J)
        norms.append(float(np.linalg.norm(ex.grad)))
        soft = _soft_exact(m, th, obs, tau) if tau > 0 else None
        if soft is not None:
            regs.append(soft.J)
        progress(f"step {t}/{n_steps}: J = {ex.J:.6g}, J* - J = {J_star - ex.J:.3e}")
        if callback is not None:
            callback(t, th.copy())
        if t == n_steps:
            break
        if gradient == "exact":
            if natural and soft is not None:
                # Cen et al.: theta <- (1 - eta tau/(1-gamma)) theta + eta/(1-gamma) Q_tau
                with np.errstate(over="ignore", invalid="ignore"):
                    th = (1.0 - eta * tau / norm) * th + (eta / norm) * soft.Q
                _check_step(th, t, eta)
                continue
            if natural:
                step = _natural(m, th, obs, ex)
            else:
                step = ex.grad if soft is None else soft.grad
        else:
            step = estimate_policy_gradient(
                m,
                th,
                episodes=episodes,
                estimator=gradient,
                baseline=baseline,
                lam=lam,
                observations=obs,
                max_steps=max_steps,
                return_terms=False,
                compare=False,
                seed=rng,
            ).estimate
        # theta_{t+1} = theta_t + eta g_t
        with np.errstate(over="ignore", invalid="ignore"):
            th = th + eta * step
        _check_step(th, t, eta)
    J = np.array(Js)
    progress(f"done: J = {J[-1]:.6g}, J* - J = {J_star - J[-1]:.3e}", force=True)
    method = ("natural " if natural else "") + (
        "exact policy gradient" if gradient == "exact" else f"sampled ({gradient})"
    )
    if tau > 0:
        method += f", entropy {tau:g}"
    return AscentResult(
        theta=th,
        policy=_softmax(m, th, obs),
        J=J,
        grad_norm=np.array(norms),
        gap=J_star - J,
        J_star=J_star,
        J_reg=np.array(regs) if tau > 0 else None,
        method=method,
        steps=n_steps,
        elapsed=time.perf_counter() - t0,
        info={"lr": eta, "episodes": episodes if gradient != "exact" else None},
    )


def clipped_surrogate(
    m: MDP,
    theta: npt.ArrayLike,
    *,
    logp_old: npt.ArrayLike,
    states: npt.ArrayLike,
    actions: npt.ArrayLike,
    weights: npt.ArrayLike,
    episodes: int,
    clip: float = 0.2,
    observations: npt.ArrayLike | None = None,
) -> tuple[float, FloatArray]:
    r"""PPO's clipped surrogate and its gradient, over a flat batch of steps.

    .. math::

        L(\theta) = \frac1N\sum_k \min\big(\rho_k c_k,\;
            \mathrm{clip}(\rho_k, 1-\epsilon, 1+\epsilon)\,c_k\big),\qquad
        \rho_k = \exp(\log\pi_\theta(a_k|s_k) - \log\pi_{old}(a_k|s_k)),

    :math:`\nabla L = \frac1N\sum_k \mathbb 1[\text{unclipped}]\,\rho_k c_k
    \nabla\log\pi_\theta(a_k|s_k)`, where "unclipped" means the min picks the
    first term (:math:`c_k \ge 0, \rho_k < 1+\epsilon` or :math:`c_k \le 0,
    \rho_k > 1-\epsilon`).  At :math:`\theta = \theta_{old}` every
    :math:`\rho_k = 1`: the gradient is
    :math:`\frac1N\sum_k c_k\nabla\log\pi(a_k|s_k)`, the policy-gradient
    estimate with weights :math:`c_k`.

    Parameters
    ----------
    m : MDP
    theta : array_like (S, A) or (O, A)
    logp_old : array_like (K,)
        :math:`\log\pi_{old}(a_k|s_k)`.
    states, actions : array_like of int (K,)
    weights : array_like (K,)
        The advantage weights :math:`c_k` (including :math:`\gamma^t`).
    episodes : int
        :math:`N`, the number of episodes the steps come from.
    clip : float
        :math:`\epsilon`.

    Returns
    -------
    L : float
    grad : ndarray, ``theta``'s shape

    Examples
    --------
    >>> m = MDP(np.ones((1, 2, 1)), R=[[0.0, 1.0]], gamma=0.5)
    >>> L, g = clipped_surrogate(m, [[0.0, 0.0]], logp_old=[np.log(0.5)],
    ...     states=[0], actions=[1], weights=[2.0], episodes=1)
    >>> L, g  # rho = 1: L = c, grad = c (e_1 - pi)
    (2.0, array([[-1.,  1.]]))
    """
    obs = check_observations(m, observations)
    th = check_theta(m, theta, obs)
    eps = check_probability(clip, "clip")
    s, a, c, lp_old = _check_batch(m, states, actions, weights, logp_old)
    n = check_int(episodes, "episodes")
    return _surrogate(m, th, obs, s, a, c, lp_old, n, eps)


def _check_batch(
    m: MDP, states: Any, actions: Any, weights: Any, logp_old: Any
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """The flat batch of :func:`clipped_surrogate`: same length, valid indices."""
    out: list[Any] = []
    for x, name, n in (
        (states, "states", m.n_states),
        (actions, "actions", m.n_actions),
    ):
        arr = np.asarray(x)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            msg = f"`{name}` must be a 1-D integer array (one entry per step); got shape {arr.shape}, dtype {arr.dtype}."
            raise MDPError(msg)
        bad = np.flatnonzero((arr < 0) | (arr >= n))
        if bad.size:
            k = int(bad[0])
            msg = f"`{name}[{k}]` = {int(arr[k])} is out of range 0..{n - 1}."
            raise MDPError(msg)
        out.append(arr.astype(np.intp))
    for x, name in ((weights, "weights"), (logp_old, "logp_old")):
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            msg = f"`{name}` must be a 1-D numeric array; converting it failed: {exc}"
            raise MDPError(msg) from exc
        if arr.ndim != 1 or not np.isfinite(arr).all():
            msg = f"`{name}` must be a finite 1-D array (one entry per step); got shape {arr.shape}."
            raise MDPError(msg)
        out.append(arr)
    sizes = {len(v) for v in out}
    if len(sizes) != 1:
        msg = (
            "`states`, `actions`, `weights` and `logp_old` must have the same "
            f"length (one entry per step); got {', '.join(str(len(v)) for v in out)}."
        )
        raise MDPError(msg)
    s, a = out[0], out[1]
    off = np.flatnonzero(~m.action_mask[s, a])
    if off.size:
        k = int(off[0])
        msg = f"step {k}: action {int(a[k])} is not available in state {int(s[k])} (see `m.action_mask`)."
        raise MDPError(msg)
    return s, a, out[2], out[3]


def _surrogate(m, th, obs, s, a, c, lp_old, n, eps) -> tuple[float, FloatArray]:
    logp = _log_softmax(m, th, obs)
    pi = np.exp(logp)
    rho = np.exp(logp[s, a] - lp_old)
    L = float(np.minimum(rho * c, np.clip(rho, 1 - eps, 1 + eps) * c).sum() / n)
    active = np.where(c >= 0, rho < 1 + eps, rho > 1 - eps)
    w = np.where(active, rho * c, 0.0)
    S, A = m.n_states, m.n_actions
    hit = np.bincount(s * A + a, w, minlength=S * A).astype(np.float64).reshape(S, A)
    per_s = np.bincount(s, w, minlength=S).astype(np.float64)
    return L, _to_rows(hit - per_s[:, None] * pi, obs, th.shape[0]) / n


def ppo_clip(
    m: MDP,
    *,
    lr: float,
    steps: int,
    episodes: int,
    epochs: int = 4,
    clip: float = 0.2,
    theta0: npt.ArrayLike | None = None,
    estimator: str = "gae",
    baseline: str | npt.ArrayLike | None = None,
    lam: float | None = None,
    observations: npt.ArrayLike | None = None,
    max_steps: int | None = None,
    seed: RNGLike = None,
    verbose: bool = False,
) -> AscentResult:
    r"""Tabular PPO-clip: ``epochs`` ascent steps on the clipped surrogate per sampled batch.

    Each of ``steps`` iterations samples ``episodes`` episodes with
    :math:`\pi_{\theta_{old}}`, computes the weights :math:`c_t` of
    ``estimator`` (default ``"gae"`` with the exact :math:`V^\pi` as
    ``baseline``), then takes ``epochs`` full-batch steps
    :math:`\theta \leftarrow \theta + \eta\nabla L(\theta)` of
    :func:`clipped_surrogate`.  With ``epochs=1`` this is exactly the
    sampled policy-gradient step of :func:`policy_gradient_ascent` on the
    same batch.

    Examples
    --------
    >>> from worlds import make
    >>> m = make("short-corridor").mdp
    >>> res = ppo_clip(m, lr=0.5, steps=30, episodes=50, seed=0)
    >>> bool(res.gap[-1] < 0.5 * res.gap[0])
    True
    """
    t0 = time.perf_counter()
    obs = check_observations(m, observations)
    th = _theta0(m, theta0, obs)
    eta = _check_lr(lr)
    n_steps = check_int(steps, "steps", minimum=0)
    n = check_int(episodes, "episodes")
    K = check_int(epochs, "epochs")
    eps = check_probability(clip, "clip")
    estimator = _check_estimator(estimator)
    lam_, b = _check_lam_baseline(m, estimator, lam, baseline)
    T = (
        _default_max_steps(m)
        if max_steps is None
        else check_int(max_steps, "max_steps")
    )
    rng = as_generator(seed)
    J_star = _j_star(m)
    Js, norms = [], []
    progress = Progress("ppo_clip", verbose)
    for t in range(n_steps + 1):
        ex = _exact(m, th, obs)
        Js.append(ex.J)
        norms.append(float(np.linalg.norm(ex.grad)))
        progress(f"step {t}/{n_steps}: J = {ex.J:.6g}")
        if t == n_steps:
            break
        pi_old = ex.pi
        V = _baseline_values(m, pi_old, b, ex, n, T, rng)
        ep = sample_episodes(m, pi_old, n, T, rng)
        c = _weights(ep, estimator, m.gamma, V, lam_, True, m.terminal)
        e_idx, t_idx = np.nonzero(ep.valid)
        s = ep.states[e_idx, t_idx]
        a = ep.actions[e_idx, t_idx]
        ck = c[e_idx, t_idx]
        lp_old = _log_softmax(m, th, obs)[s, a]
        for _ in range(K):
            _, g = _surrogate(m, th, obs, s, a, ck, lp_old, n, eps)
            with np.errstate(over="ignore", invalid="ignore"):
                th = th + eta * g
            _check_step(th, t, eta)
    J = np.array(Js)
    return AscentResult(
        theta=th,
        policy=_softmax(m, th, obs),
        J=J,
        grad_norm=np.array(norms),
        gap=J_star - J,
        J_star=J_star,
        J_reg=None,
        method=f"ppo-clip ({estimator}, {K} epochs, clip {eps:g})",
        steps=n_steps,
        elapsed=time.perf_counter() - t0,
        info={"lr": eta, "episodes": n, "epochs": K, "clip": eps},
    )
