r"""Soft (maximum-entropy) value iteration and soft policy iteration.

The entropy-regularised objective at temperature :math:`\tau > 0` is
:math:`V_\tau^\pi(s) = \mathbb E_\pi[\sum_t \gamma^t (r_t + \tau
\mathcal H(\pi(\cdot|s_t)))]`; its optimum satisfies the soft Bellman
optimality equations

.. math::

    Q_\tau(s,a) = r(s,a) + \gamma \sum_{s'} P(s'|s,a) V_\tau(s'), \qquad
    V_\tau(s) = \tau \log \sum_{a\in\mathcal A(s)} \exp(Q_\tau(s,a)/\tau),

with the optimal policy :math:`\pi_\tau(a|s) = \exp((Q_\tau(s,a) -
V_\tau(s))/\tau)`, the softmax of :math:`Q_\tau/\tau` (the tabular face of
soft Q-learning and SAC).  The soft backup is a :math:`\gamma`-contraction
in the sup norm, and :math:`V^* \le V_\tau \le V^* + \tau\log|A|/(1-\gamma)`
(the log-sum-exp exceeds the max by at most :math:`\tau\log|\mathcal A(s)|`
per step); as :math:`\tau\to0`, :math:`V_\tau \to V^*`.

Masked actions are left out of the log-sum-exp; terminal states have
:math:`V_\tau = 0`.

References
----------
T. Haarnoja, H. Tang, P. Abbeel, S. Levine, "Reinforcement learning with
deep energy-based policies", ICML 2017 (soft Bellman equation, Eqs. 2-4).
B. D. Ziebart, *Modeling purposeful adaptive behavior with the principle of
maximum causal entropy*, PhD thesis, CMU (2010).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mdp import MDP, MDPError
from mdp.bellman import q_from_v
from mdp.checks import check_real, check_tol
from mdp.episodic import require_proper_policy
from mdp.linear import solve_policy_value
from mdp.types import FloatArray

from .._iv import check_max_iter, check_mdp
from .._result import _ShortRepr as ShortRepr
from .._status import BOUNDS, Status, all_finite, finish

__all__ = [
    "SoftResult",
    "SoftCheck",
    "soft_value_iteration",
    "soft_policy_iteration",
    "verify_soft",
]


@dataclass(frozen=True, repr=False)
class SoftResult(ShortRepr):
    """What :func:`soft_value_iteration` and :func:`soft_policy_iteration` return.

    Attributes
    ----------
    V : ndarray (S,)
        :math:`V_\\tau` (within ``error_bound`` in the sup norm).
    Q : ndarray (S, A)
        :math:`r + \\gamma P V`; ``-inf`` on unavailable actions.
    policy : ndarray (S, A)
        ``softmax(Q / temperature)`` over the available actions.
    temperature : float
    converged : bool
    iterations : int
    residuals : ndarray
        ``||V_k - V_{k-1}||_inf`` per iteration.
    error_bound : float
        Guaranteed ``||V - V_tau||_inf`` bound (``nan`` with ``gamma = 1``).
    bound : str
        The stopping rule behind ``error_bound`` (``solvers._status.BOUNDS``;
        empty when the values are not finite).
    elapsed : float
    method : str
    message : str
        The canned text of ``status`` (``solvers._status``).
    status : str
        Why it stopped: ``"converged"``, ``"max_iter"`` or ``"non_finite"``
        (the values overflowed float64: nothing is certified, a
        ``RuntimeWarning`` was issued).
    """

    V: FloatArray
    Q: FloatArray
    policy: FloatArray
    temperature: float
    converged: bool
    iterations: int
    residuals: FloatArray
    error_bound: float
    bound: str
    elapsed: float
    method: str
    message: str
    status: str
    info: dict[str, Any] = field(default_factory=dict)


def _check_temperature(t: Any, m: MDP | None = None) -> float:
    tau = check_real(t, "temperature")
    if not tau > 0:
        msg = f"`temperature` must be > 0; got {t!r} (use value_iteration for tau = 0)."
        raise MDPError(msg)
    if m is not None:
        # the entropy bonus adds up to tau log|A| per step: V_tau <= V* + this
        n_act = int(m.action_mask.sum(axis=1).max())
        steps = 1.0 / (1.0 - m.gamma) if m.gamma < 1.0 else float(m.n_states)
        scale = tau * math.log(max(n_act, 1)) * steps
        if not scale <= 1e300:
            msg = (
                f"`temperature` = {tau:g} is too large for float64 values: the "
                f"entropy bonus tau log|A| = {tau * math.log(n_act):.3g} per step "
                f"over {steps:g} steps exceeds 1e+300. Lower the temperature "
                f"(or rescale the rewards and the temperature together)."
            )
            raise MDPError(msg)
    return tau


def _soft_max(m: MDP, Q: FloatArray, tau: float) -> FloatArray:
    """``tau log sum_a exp(Q/tau)`` over available actions, stably; 0 on terminals."""
    q = np.where(m.action_mask, Q, -np.inf)
    qmax = q.max(axis=1)
    # inf or NaN (values beyond float64) propagate quietly; the callers check
    with np.errstate(over="ignore", invalid="ignore"):
        V = qmax + tau * np.log(np.exp((q - qmax[:, None]) / tau).sum(axis=1))
    V[m.terminal] = 0.0
    return V


def _soft_policy(m: MDP, Q: FloatArray, tau: float) -> FloatArray:
    q = np.where(m.action_mask, Q, -np.inf)
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite Q: NaN rows
        z = (q - q.max(axis=1, keepdims=True)) / tau
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def _entropy(pi: FloatArray) -> FloatArray:
    """``H(pi(.|s)) = -sum_a pi log pi`` per state (``0 log 0 = 0``)."""
    logp = np.log(np.where(pi > 0, pi, 1.0))
    return -(pi * logp).sum(axis=1)


def _soft_policy_value(m: MDP, pi: FloatArray, tau: float) -> FloatArray:
    """``V_tau^pi``: solve ``(I - gamma P_pi) V = r_pi + tau H_pi`` exactly."""
    with np.errstate(over="ignore", invalid="ignore"):  # callers check
        V, _ = solve_policy_value(
            m, pi, method="direct", validate=False, bonus=tau * _entropy(pi)
        )
    return V


def _q(m: MDP, V: FloatArray) -> FloatArray:
    # unchecked: an overflowing V must reach the caller's non-finite check
    with np.errstate(over="ignore", invalid="ignore"):
        return q_from_v(m, V, validate=False)


def soft_value_iteration(
    m: MDP,
    *,
    temperature: float,
    tol: float = 1e-8,
    max_iter: int = 100_000,
) -> SoftResult:
    r"""Soft optimal values :math:`V_\tau`, :math:`Q_\tau` and the soft-optimal policy.

    Iterates :math:`V_{k+1}(s) = \tau\log\sum_{a\in\mathcal A(s)}
    \exp\big((r(s,a) + \gamma\sum_{s'}P(s'|s,a)V_k(s'))/\tau\big)`.

    Parameters
    ----------
    m : MDP
    temperature : float
        :math:`\tau > 0`.
    tol : float
        With ``gamma < 1``, stop when :math:`\frac{\gamma}{1-\gamma}
        \|V_k - V_{k-1}\|_\infty \le` ``tol``, which guarantees
        :math:`\|V_k - V_\tau\|_\infty \le` ``tol`` (contraction).  With
        ``gamma = 1``: the residual :math:`\|V_k - V_{k-1}\|_\infty`.
    max_iter : int
        At ``max_iter`` the result has ``converged=False`` and a
        ``RuntimeWarning`` is issued.

    Returns
    -------
    SoftResult

    Notes
    -----
    The log-sum-exp subtracts the row maximum first, so small temperatures
    do not overflow.  Starts from ``V = 0``.

    Examples
    --------
    One state, two actions paying 0 and 1, ``gamma = 0.5``, ``tau = 1``:
    ``V = log(e^0 + e^1) / (1 - 0.5)``.

    >>> m = MDP(np.ones((1, 2, 1)), R=[[0.0, 1.0]], gamma=0.5)
    >>> sol = soft_value_iteration(m, temperature=1.0, tol=1e-12)
    >>> round(float(sol.V[0]), 6), round(float(2 * np.log(1 + np.e)), 6)
    (2.626523, 2.626523)
    >>> sol.policy.round(4)
    array([[0.2689, 0.7311]])
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    tau = _check_temperature(temperature, m)
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    require_proper_policy(m)
    g = m.gamma
    V = np.zeros(m.n_states)
    res: list[float] = []
    status = Status.MAX_ITER
    bound = float("nan")
    for _k in range(1, max_iter + 1):
        # V_{k+1} = tau logsumexp((r + gamma P V_k) / tau)
        V_new = _soft_max(m, _q(m, V), tau)
        with np.errstate(invalid="ignore"):
            delta = float(np.abs(V_new - V).max())
        V = V_new
        res.append(delta)
        if not all_finite(V):  # overflow: no bound holds
            status, bound = Status.NON_FINITE, float("nan")
            break
        if g < 1.0:
            bound = g / (1.0 - g) * delta
            if bound <= tol:
                status = Status.CONVERGED
                break
        elif delta <= tol:
            status = Status.CONVERGED
            break
    rule = (
        ""
        if status == Status.NON_FINITE
        else BOUNDS["sup" if g < 1 else "residual_gamma1"]
    )
    message = finish(
        status,
        k=len(res),
        unit="sweep(s)",
        bound=rule,
        method="soft_value_iteration",
        max_iter=max_iter,
        detail=f"last residual {res[-1]:.3g}",
        rmax=float(np.abs(np.where(m.action_mask, m.r, 0.0)).max()),
    )
    Q = _q(m, V)
    return SoftResult(
        V=V,
        Q=Q,
        policy=_soft_policy(m, Q, tau),
        temperature=tau,
        converged=status == Status.CONVERGED,
        iterations=len(res),
        residuals=np.array(res),
        error_bound=bound,
        bound=rule,
        elapsed=time.perf_counter() - t0,
        method="soft_value_iteration",
        message=message,
        status=status.value,
    )


def soft_policy_iteration(
    m: MDP,
    *,
    temperature: float,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> SoftResult:
    r"""Soft policy iteration: evaluate :math:`V_\tau^\pi` exactly, then :math:`\pi \leftarrow \mathrm{softmax}(Q_\tau^\pi/\tau)`.

    Evaluation solves :math:`(I-\gamma P_\pi)V = r_\pi + \tau\mathcal H_\pi`;
    stops when :math:`\|V_{k} - V_{k-1}\|_\infty \le` ``tol`` (the values
    increase monotonically to :math:`V_\tau`).  Starts from the uniform
    policy.

    Examples
    --------
    >>> m = MDP(np.ones((1, 2, 1)), R=[[0.0, 1.0]], gamma=0.5)
    >>> round(float(soft_policy_iteration(m, temperature=1.0).V[0]), 6)
    2.626523
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    tau = _check_temperature(temperature, m)
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    require_proper_policy(m)
    pi = _soft_policy(m, np.zeros((m.n_states, m.n_actions)), tau)
    V = np.full(m.n_states, -np.inf)
    res: list[float] = []
    status = Status.MAX_ITER
    for _k in range(1, max_iter + 1):
        # V_tau^pi = r_pi + tau H_pi + gamma P_pi V_tau^pi
        V_new = _soft_policy_value(m, pi, tau)
        delta = float(np.abs(V_new - V).max()) if all_finite(V, V_new) else np.inf
        V = V_new
        res.append(delta)
        if not all_finite(V):  # overflow: no bound holds
            status = Status.NON_FINITE
            break
        # soft greedy improvement
        pi = _soft_policy(m, _q(m, V), tau)
        if delta <= tol:
            status = Status.CONVERGED
            break
    message = finish(
        status,
        k=len(res),
        unit="improvement step(s)",
        bound=BOUNDS["soft_pi"],
        method="soft_policy_iteration",
        max_iter=max_iter,
        detail=f"last change {res[-1]:.3g}",
        rmax=float(np.abs(np.where(m.action_mask, m.r, 0.0)).max()),
    )
    Q = _q(m, V)
    return SoftResult(
        V=V,
        Q=Q,
        policy=_soft_policy(m, Q, tau),
        temperature=tau,
        converged=status == Status.CONVERGED,
        iterations=len(res),
        residuals=np.array(res),
        error_bound=float("nan"),
        bound="" if status == Status.NON_FINITE else BOUNDS["soft_pi"],
        elapsed=time.perf_counter() - t0,
        method="soft_policy_iteration",
        message=message,
        status=status.value,
    )


@dataclass(frozen=True)
class SoftCheck:
    """The soft Bellman identities of :func:`verify_soft`.

    Attributes
    ----------
    residuals : dict of str to float
        Sup-norm residual of each identity.
    tol : float
    ok : bool
        Every residual is at most ``tol``.
    """

    residuals: dict[str, float]
    tol: float

    @property
    def ok(self) -> bool:
        """Whether every identity holds within ``tol``."""
        return all(v <= self.tol for v in self.residuals.values())

    def __str__(self) -> str:
        lines = [
            f"{'ok ' if v <= self.tol else 'FAIL'} {k}: {v:.3g}"
            for k, v in self.residuals.items()
        ]
        return "\n".join(lines)


def verify_soft(
    m: MDP,
    *,
    V: Any,
    Q: Any,
    pi: Any,
    temperature: float,
    tol: float = 1e-8,
) -> SoftCheck:
    r"""Check the soft Bellman identities for ``(V, Q, pi)`` at temperature ``tau``.

    * ``Q = r + gamma P V`` (on available pairs);
    * ``V = tau log sum_a exp(Q/tau)`` (soft optimality, 0 on terminals);
    * ``pi = softmax(Q / tau)``;
    * ``V = sum_a pi (Q - tau log pi)`` (soft expectation: the soft value of
      ``pi`` is ``V``, i.e. ``V = V_tau^pi``).

    Examples
    --------
    >>> m = MDP(np.ones((1, 2, 1)), R=[[0.0, 1.0]], gamma=0.5)
    >>> sol = soft_value_iteration(m, temperature=1.0, tol=1e-12)
    >>> verify_soft(m, V=sol.V, Q=sol.Q, pi=sol.policy, temperature=1.0).ok
    True
    """
    tau = _check_temperature(temperature)
    tol = check_tol(tol)
    S, A = m.n_states, m.n_actions
    V = np.asarray(V, dtype=np.float64)
    Q = np.asarray(Q, dtype=np.float64)
    pi = np.asarray(pi, dtype=np.float64)
    if V.shape != (S,) or Q.shape != (S, A) or pi.shape != (S, A):
        msg = (
            f"`V`, `Q`, `pi` must have shapes ({S},), ({S}, {A}), ({S}, {A}); "
            f"got {V.shape}, {Q.shape}, {pi.shape}."
        )
        raise MDPError(msg)
    mask = m.action_mask
    live = ~m.terminal
    q_ref = _q(m, V)
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.where(pi > 0, np.log(np.where(pi > 0, pi, 1.0)), 0.0)
    soft_exp = np.where(mask, pi * (np.where(mask, Q, 0.0) - tau * logp), 0.0).sum(1)
    res = {
        "Q = r + gamma P V": float(
            np.abs(np.where(mask, Q, 0.0) - np.where(mask, q_ref, 0.0)).max()
        ),
        "V = tau logsumexp(Q / tau)": float(
            np.abs(np.where(live, V - _soft_max(m, Q, tau), V)).max()
        ),
        "pi = softmax(Q / tau)": float(np.abs(pi - _soft_policy(m, Q, tau))[live].max())
        if live.any()
        else 0.0,
        "V = E_pi[Q - tau log pi]": float(
            np.abs(np.where(live, V - soft_exp, 0.0)).max()
        ),
    }
    return SoftCheck(residuals=res, tol=tol)
