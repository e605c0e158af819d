r"""Exact ``J(theta)``, ``grad J(theta)`` and the discounted occupancy measures.

The discounted state occupancy (visitation) of a policy :math:`\pi` from
:math:`p_0` is

.. math::

    d^\pi(s) = \sum_{t\ge0} \gamma^t \Pr(s_t = s \mid s_0\sim p_0, \pi),
    \qquad d^{\pi\top} = p_0^\top (I - \gamma P_\pi)^{-1},

i.e. the solution of the transposed system :math:`(I-\gamma P_\pi)^\top d = p_0`
(solved on the non-terminal states: an episode ends on entering a terminal
state, so terminal states have occupancy 0).  It is *not* normalised:
:math:`\sum_s d^\pi(s) = 1/(1-\gamma)` without terminal states, and with
:math:`\gamma = 1` :math:`d^\pi(s)` is the expected number of visits to
``s`` in an episode.  The state-action occupancy is
:math:`d^\pi(s,a) = d^\pi(s)\pi(a|s)`, the same measure as the dual variable
of :func:`solvers.linear_programming` (``LPResult.occupancy``) for an optimal
policy.

The policy gradient theorem (Sutton et al., 2000; S&B Sec. 13.2):

.. math::

    \nabla J(\theta) = \sum_s d^{\pi}(s) \sum_a \pi_\theta(a|s)\,
        \nabla_\theta \log\pi_\theta(a|s)\, Q^{\pi}(s,a),

which for the tabular softmax policy is
:math:`\partial J / \partial\theta[s,a] = d^\pi(s)\,\pi(a|s)\,A^\pi(s,a)` and
for the observation-aliased one
:math:`\partial J / \partial\theta[o,a] = \sum_{s:\phi(s)=o} d^\pi(s)\,\pi(a|s)\,A^\pi(s,a)`.
Two exact linear solves: :math:`V^\pi` by :func:`solvers.evaluate_policy`
and :math:`d^\pi` by the transposed system.

References
----------
R. S. Sutton, D. McAllester, S. Singh, Y. Mansour, "Policy gradient methods
for reinforcement learning with function approximation", NeurIPS 1999
(2000), Theorem 1.  Sutton & Barto (2018), Sec. 13.2 (episodic case, Eq. 13.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from mdp import MDP
from mdp.bellman import q_from_v
from mdp.episodic import check_proper
from mdp.model import check_mdp
from mdp.policy import check_policy, policy_matrices, to_matrix
from mdp.types import FloatArray, IntArray
from solvers.exact import evaluate_policy

from .policies import _softmax, check_observations, check_theta

__all__ = ["state_occupancy", "state_action_occupancy", "policy_gradient"]

#: systems with at most this many unknowns are solved by sparse LU
_DIRECT_MAX = 3000


def _policy_chain(m: MDP, pi: FloatArray) -> sp.csr_array:
    """``P_pi [S, S]`` of a stochastic policy ``pi [S, A]`` (mdp.policy's)."""
    return policy_matrices(m, pi)[0]


def _solve(M: sp.csr_array, b: FloatArray, res_target: float) -> FloatArray:
    """``M x = b`` to ``||b - M x||_1 <= res_target``: sparse LU for small systems,
    else BiCGSTAB, then GMRES(20), then sparse LU if the target is missed."""
    n = b.shape[0]
    if n <= _DIRECT_MAX:
        return spla.splu(sp.csc_array(M), permc_spec="COLAMD").solve(b)
    # scaled to max |b| = 1: BiCGSTAB's breakdown tests are absolute (a p0
    # spread over 1e5 states broke down after 17 steps unscaled)
    scale = float(np.abs(b).max())
    if scale == 0.0:
        return np.zeros(n)
    bs = b / scale
    # scipy stops on ||r||_2 <= atol; ||r||_1 <= sqrt(n) ||r||_2
    target = res_target / scale
    atol = 0.5 * target / np.sqrt(n)
    x, _ = spla.bicgstab(M, bs, rtol=0.0, atol=atol, maxiter=300)
    if not np.abs(bs - M @ x).sum() <= target:
        x, _ = spla.gmres(M, bs, x0=x, rtol=0.0, atol=atol, restart=20, maxiter=50)
    if not np.abs(bs - M @ x).sum() <= target:
        x = spla.splu(sp.csc_array(M), permc_spec="COLAMD").solve(bs)
    return x * scale


def _occupancy(m: MDP, P_pi: sp.csr_array, tol: float = 1e-10) -> FloatArray:
    """Solve ``(I - gamma P_pi)^T d = p0`` on the non-terminal states."""
    live = ~m.terminal
    g = m.gamma
    check_proper(m, P_pi)  # gamma = 1: every state must reach a terminal one
    idx = np.flatnonzero(live)
    d = np.zeros(m.n_states)
    if idx.size == 0:
        return d
    P_N = P_pi if live.all() else sp.csr_array(P_pi[idx][:, idx])
    # (I - gamma P_N)^T, built directly in CSR from the transpose
    M_T = sp.csr_array(sp.eye_array(idx.size, format="csr") - g * P_N.T)
    # ||d - d*||_1 <= ||residual||_1 / (1 - gamma): a residual of tol ||p0||_1
    # gives ||d - d*||_1 <= tol ||p0||_1 / (1 - gamma), a relative error tol of
    # ||d||_1 (= ||p0||_1 / (1 - gamma) without terminal states)
    d[idx] = _solve(M_T, m.p0[idx], tol * max(float(m.p0[idx].sum()), 1e-300))
    return d


def state_occupancy(m: MDP, pi: npt.ArrayLike) -> FloatArray:
    r"""Discounted state occupancy ``d^pi [S]``: solves ``(I - gamma P_pi)^T d = p0``.

    :math:`d^\pi(s) = \sum_t \gamma^t \Pr(s_t = s)`, unnormalised; 0 on
    terminal states; with ``gamma = 1`` the expected number of visits to
    ``s`` in an episode.

    Parameters
    ----------
    m : MDP
    pi : int [S] or float [S, A]

    Returns
    -------
    d : ndarray (S,)

    Raises
    ------
    PolicyError
        If ``pi`` is not a policy of ``m``.
    ImproperPolicyError
        With ``gamma = 1``, if ``pi`` does not terminate from every state.

    Examples
    --------
    Stay in state 0 for ever with ``gamma = 0.5``: ``d = 1 + 0.5 + ... = 2``.

    >>> m = MDP(np.ones((2, 1, 2)) * [1.0, 0.0], R=np.zeros((2, 1)), gamma=0.5,
    ...         p0=[1.0, 0.0])
    >>> state_occupancy(m, [0, 0])
    array([2., 0.])
    """
    p = to_matrix(check_policy(check_mdp(m), pi), m.n_actions)
    return _occupancy(m, _policy_chain(m, p))


def state_action_occupancy(m: MDP, pi: npt.ArrayLike) -> FloatArray:
    r"""Discounted state-action occupancy ``d^pi(s, a) = d^pi(s) pi(a|s)``, ``[S, A]``.

    :math:`\sum_{s,a} d^\pi(s,a)\,r(s,a) = J(\pi)`; for an optimal policy
    this is the dual solution of :func:`solvers.linear_programming`.

    Examples
    --------
    >>> from solvers import linear_programming
    >>> m = MDP(np.ones((2, 2, 2)) / 2, R=[[0.0, 1.0], [0.5, 0.0]], gamma=0.9)
    >>> d = state_action_occupancy(m, [1, 0])
    >>> round(float((d * m.r).sum()), 6) == round(float(m.p0 @ linear_programming(m).V), 6)
    True
    """
    p = to_matrix(check_policy(check_mdp(m), pi), m.n_actions)
    return _occupancy(m, _policy_chain(m, p))[:, None] * p


@dataclass(frozen=True)
class _Exact:
    """Everything the exact gradient computes (shared with the estimators)."""

    pi: FloatArray  # (S, A)
    V: FloatArray  # (S,)
    Q: FloatArray  # (S, A), 0 where unavailable
    A: FloatArray  # (S, A), 0 where unavailable
    d: FloatArray  # (S,)
    J: float
    grad_s: FloatArray  # (S, A): per-state gradient d(s) pi(a|s) A(s,a)
    grad: FloatArray  # theta's shape


#: up to this many states the two solves are dense (one LU, no sparse overhead)
_DENSE_MAX = 200


def _dense_solves(m: MDP, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``V^pi`` and ``d^pi`` with one dense LU of ``I - gamma P_pi`` (small MDPs)."""
    S, A = m.n_states, m.n_actions
    P = m.P.toarray().reshape(S, A, S)
    # P_pi(s'|s) = sum_a pi(a|s) P(s'|s,a);  r_pi(s) = sum_a pi(a|s) r(s,a)
    P_pi = np.einsum("sa,sat->st", p, P)
    r_pi = (p * np.where(p > 0, m.r, 0.0)).sum(axis=1)
    live = np.flatnonzero(~m.terminal)
    V = np.zeros(S)
    d = np.zeros(S)
    if live.size:
        M = np.eye(live.size) - m.gamma * P_pi[np.ix_(live, live)]
        lu = sla.lu_factor(M)
        V[live] = sla.lu_solve(lu, r_pi[live])
        d[live] = sla.lu_solve(lu, m.p0[live], trans=1)
    return V, d


def _exact(
    m: MDP, theta: FloatArray, obs: IntArray | None, *, pi: FloatArray | None = None
) -> _Exact:
    p = _softmax(m, theta, obs) if pi is None else pi
    if m.n_states <= _DENSE_MAX:
        check_proper(m, _policy_chain(m, p))
        V, d = _dense_solves(m, p)
    else:
        P_pi = _policy_chain(m, p)
        d = _occupancy(m, P_pi)  # first: its improper-policy message names visits
        # V^pi: (I - gamma P_pi) V = r_pi
        V = np.asarray(evaluate_policy(m, p))
    Q = np.where(m.action_mask, q_from_v(m, V), 0.0)
    Q[m.terminal] = 0.0
    A = np.where(m.action_mask, Q - V[:, None], 0.0)
    # dJ/dtheta[s, a] = d^pi(s) pi(a|s) A^pi(s, a)
    grad_s = d[:, None] * p * A
    grad = _to_rows(grad_s, obs, theta.shape[0])
    return _Exact(p, V, Q, A, d, float(m.p0 @ V), grad_s, grad)


def _to_rows(x_s: FloatArray, obs: IntArray | None, n_rows: int) -> FloatArray:
    """Sum per-state rows ``x_s [S, A]`` into observation rows ``[O, A]``."""
    if obs is None:
        return x_s
    out = np.zeros((n_rows, x_s.shape[1]))
    np.add.at(out, obs, x_s)
    return out


def policy_gradient(
    m: MDP, theta: npt.ArrayLike, *, observations: npt.ArrayLike | None = None
) -> tuple[float, FloatArray]:
    r"""Exact ``J(theta) = p0 . V^{pi_theta}`` and ``grad J`` of a softmax policy.

    .. math::

        J(\theta) = \sum_s p_0(s) V^{\pi_\theta}(s), \qquad
        \frac{\partial J}{\partial\theta[o,a]}
          = \sum_{s:\,\phi(s) = o} d^{\pi}(s)\,\pi_\theta(a|s)\,A^{\pi}(s,a),

    with :math:`d^{\pi\top} = p_0^\top(I-\gamma P_\pi)^{-1}` (see
    :func:`state_occupancy`) and :math:`\phi` the identity without
    ``observations``.

    Parameters
    ----------
    m : MDP
    theta : array_like (S, A), or (O, A) with ``observations``
        Logits of :func:`~solvers.gradients.policies.softmax_policy`;
        entries of unavailable actions are ignored (their gradient is 0).
    observations : array_like of int (S,), optional
        The observation of each state (the agent sees ``phi(s)``, not ``s``).

    Returns
    -------
    J : float
    grad : ndarray, ``theta``'s shape

    Raises
    ------
    MDPError
        If ``theta`` or ``observations`` has the wrong shape or is not finite.
    ImproperPolicyError
        With ``gamma = 1``, if the policy does not terminate from every state
        (a softmax policy uses every available action, so this means some
        state cannot reach a terminal state at all).

    Notes
    -----
    Cost: one :func:`solvers.evaluate_policy` and one transposed sparse
    solve of the same size: sparse LU up to 3000 non-terminal states, else
    BiCGSTAB to the residual ``||p0 - (I - gamma P_pi)^T d||_1 <= 1e-10``
    (so ``||d - d^pi||_1 <= 1e-10 / (1 - gamma)``, a relative error of
    ``1e-10`` in ``||d^pi||_1``), with GMRES and LU as fallbacks.  Up to 200
    states one dense LU of ``I - gamma P_pi`` serves both solves (no sparse
    overhead); the two routes agree to round-off (tested).  No loop over
    states.

    Examples
    --------
    The short corridor (Sutton & Barto Example 13.1) with one observation:
    ``J(p) = (2p - 4) / (p (1 - p))`` for ``p = P(right)``.

    >>> from worlds import make
    >>> m = make("short-corridor").mdp
    >>> p = 2 - np.sqrt(2)
    >>> theta = np.array([[0.0, np.log(p / (1 - p))]])
    >>> J, g = policy_gradient(m, theta, observations=[0, 0, 0, 0])
    >>> round(J, 4), bool(np.abs(g).max() < 1e-9)
    (-11.6569, True)
    """
    obs = check_observations(m, observations)
    th = check_theta(m, theta, obs)
    out = _exact(m, th, obs)
    return out.J, out.grad


def _entropy(pi: FloatArray) -> FloatArray:
    """``H(pi(.|s)) = -sum_a pi log pi`` per state ``[S]`` (0 log 0 = 0)."""
    with np.errstate(divide="ignore"):
        logp = np.where(pi > 0, np.log(np.where(pi > 0, pi, 1.0)), 0.0)
    return -(pi * logp).sum(axis=1)


def _chain_value(
    m: MDP, P_pi: sp.csr_array, reward_pi: FloatArray, tol: float = 1e-12
) -> FloatArray:
    """Solve ``(I - gamma P_pi) V = reward_pi`` on the non-terminal states."""
    live = ~m.terminal
    check_proper(m, P_pi)
    idx = np.flatnonzero(live)
    V = np.zeros(m.n_states)
    if idx.size == 0:
        return V
    P_N = P_pi if live.all() else sp.csr_array(P_pi[idx][:, idx])
    M = sp.csr_array(sp.eye_array(idx.size, format="csr") - m.gamma * P_N)
    res = tol * (1.0 - m.gamma) if m.gamma < 1.0 else tol
    V[idx] = _solve(M, reward_pi[idx], res * max(1.0, float(np.abs(reward_pi).sum())))
    return V


@dataclass(frozen=True)
class _SoftExact:
    """Entropy-regularised quantities of a policy at temperature ``tau``."""

    pi: FloatArray
    V: FloatArray  # V_tau^pi: E[sum_t gamma^t (r_t + tau H(pi(.|s_t)))]
    Q: FloatArray  # r + gamma P V_tau, 0 where unavailable
    d: FloatArray
    J: float  # p0 . V_tau
    grad_s: FloatArray  # d(s) pi(a|s) (Q_tau - tau log pi - V_tau)
    grad: FloatArray


def _soft_exact(
    m: MDP, theta: FloatArray, obs: IntArray | None, tau: float
) -> _SoftExact:
    r"""Gradient of the entropy-regularised objective (Mei et al. 2020, Lemma 10).

    :math:`\partial J_\tau/\partial\theta[s,a] = d^\pi(s)\,\pi(a|s)\,
    (Q_\tau(s,a) - \tau\log\pi(a|s) - V_\tau(s))`.
    """
    p = _softmax(m, theta, obs)
    P_pi = _policy_chain(m, p)
    d = _occupancy(m, P_pi)
    r_pi = np.einsum("sa,sa->s", p, np.where(m.action_mask, m.r, 0.0))
    H = _entropy(p)
    H[m.terminal] = 0.0
    V = _chain_value(m, P_pi, r_pi + tau * H)
    Q = np.where(m.action_mask, q_from_v(m, V), 0.0)
    Q[m.terminal] = 0.0
    with np.errstate(divide="ignore"):
        logp = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)
    adv = np.where(m.action_mask, Q - tau * logp - V[:, None], 0.0)
    grad_s = d[:, None] * p * adv
    return _SoftExact(
        p, V, Q, d, float(m.p0 @ V), grad_s, _to_rows(grad_s, obs, theta.shape[0])
    )
