r"""Exact expected learning curves of constant-α TD(0) and Monte Carlo (Singh & Dayan).

Both learners, in their offline form (:mod:`solvers.learning.prediction`:
``td_evaluation(..., offline=True)`` and ``monte_carlo_evaluation(...,
alpha=a, first_visit=False)``), update once per episode by an amount affine
in the current estimate:

.. math::

    V_{k+1} = V_k + \alpha\,(c + B V_k),

with the episode's random ``c [n]`` and ``B [n, n]`` (``n`` non-terminal
states), independent of :math:`V_k`.  For TD(0), :math:`c = \sum_t
\mathbf 1_{S_t} R_{t+1}` and :math:`B = \sum_t \mathbf 1_{S_t} (\gamma
\mathbf 1_{S_{t+1}} - \mathbf 1_{S_t})^\top`; for every-visit MC,
:math:`c_s = \sum_{t: S_t = s} G_t` and :math:`B = -\mathrm{diag}(n_s)`, the
visit counts.  So the first and second moments :math:`m_k = E[V_k]`,
:math:`M_k = E[V_k V_k^\top]` propagate exactly,

.. math::

    m_{k+1} &= m_k + \alpha (E c + E B\, m_k) \\
    M_{k+1} &= M_k + \alpha (E c\, m_k^\top + m_k E c^\top + E B\, M_k + M_k E B^\top)
              + \alpha^2 E[(c + B V_k)(c + B V_k)^\top],

given the episode moments :math:`E[c c^\top]`, :math:`E[B_{ik} c_j]`,
:math:`E[B_{ik} B_{jl}]`, which are sums over pairs of times of an absorbing
Markov chain and follow in closed form from its fundamental matrix
:math:`N = (I - P_{\pi})^{-1}` (for TD, as an additive functional over
transitions; for MC, through the first two moments of the return).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mdp import MDP, MDPError
from mdp.checks import check_int

__all__ = ["expected_learning_curve"]

_MAX_STATES = 60


def expected_learning_curve(
    m: MDP,
    pi: Any,
    *,
    method: str = "td",
    alpha: float,
    episodes: int,
    V0: Any = 0.0,
) -> np.ndarray:
    r"""Exact expected mean squared error after each episode of constant-α TD(0) or MC.

    Parameters
    ----------
    m : MDP
        A small episodic model (at most 60 non-terminal states): the policy
        must reach a terminal state with probability 1.
    pi : int (S,) or float (S, A)
        The policy evaluated.
    method : {"td", "mc"}
        ``"td"``: offline TD(0), ``td_evaluation(m, pi, alpha=alpha,
        offline=True)``; ``"mc"``: every-visit constant-α Monte Carlo,
        ``monte_carlo_evaluation(m, pi, alpha=alpha, first_visit=False)``.
        Both apply the episode's summed increments at its end, with ``V``
        fixed during it.
    alpha : float in (0, 1]
        The constant step size.
    episodes : int
        Number of episodes.
    V0 : float or array (S,)
        Initial estimate (non-terminal states).

    Returns
    -------
    ndarray (episodes,)
        Entry ``k - 1`` is :math:`\frac1n \sum_s E[(V_k(s) - V^\pi(s))^2]` over the
        ``n`` non-terminal states after episode ``k``: the expected **mean
        squared error**.  Sutton & Barto's Fig. 6.2 plots the mean over runs of
        the RMS error, :math:`E[\sqrt{\text{MSE}}] \le \sqrt{E[\text{MSE}]}`;
        compare ``mean(rms_error**2)`` over runs with this curve.

    Raises
    ------
    MDPError
        For an unknown method, a model that is too large, or a policy that
        does not terminate.

    Notes
    -----
    Exact up to round-off, including reward noise (``reward_std``) and any
    ``gamma``; the cost per episode is :math:`O(n^4)`.

    References
    ----------
    Singh & Dayan (1998), "Analytical mean squared error curves for temporal
    difference learning", Machine Learning 32; Sutton & Barto (2018), Fig 6.2.

    Examples
    --------
    >>> from worlds import make
    >>> m = make("random-walk").mdp
    >>> mse = expected_learning_curve(m, [0] * 7, method="td", alpha=0.1,
    ...                               episodes=100, V0=0.5)
    >>> np.round(np.sqrt(mse[[0, 9, 99]]), 3)
    array([0.222, 0.131, 0.06 ])
    """
    from mdp.policy import check_policy, to_matrix

    if method not in ("td", "mc"):
        msg = f"`method` must be 'td' or 'mc'; got {method!r}."
        raise MDPError(msg)
    a = float(alpha)
    if not 0.0 < a <= 1.0:
        msg = f"`alpha` must be in (0, 1]; got {alpha!r}."
        raise MDPError(msg)
    episodes = check_int(episodes, "episodes")
    S, A = m.n_states, m.n_actions
    nt = np.flatnonzero(~m.terminal)
    n = nt.size
    if n > _MAX_STATES:
        msg = (
            f"expected_learning_curve propagates n^2 x n^2 moments; the model has "
            f"{n} non-terminal states (at most {_MAX_STATES})."
        )
        raise MDPError(msg)
    pi_mat = to_matrix(check_policy(m, pi), A)
    g = m.gamma

    # transitions e = (s, a, s') from non-terminal s with p_e = pi(a|s) P(s'|s,a)
    P = m.P.tocoo()
    rows, cols, prob = P.row, P.col, P.data
    s_e, a_e = rows // A, rows % A
    p_e = pi_mat[s_e, a_e] * prob
    keep = (p_e > 0) & ~m.terminal[s_e]
    R_sas = m.R_sas
    if R_sas is not None:
        rew = np.asarray(R_sas.tocoo().data, dtype=np.float64)
        # R_sas shares P's pattern, in the same (sorted CSR) order
    else:
        rew = np.asarray(m.r, dtype=np.float64)[s_e, a_e]
    std = m.reward_std
    if std is None:
        var = np.zeros_like(rew)
    else:
        std = np.asarray(std, dtype=np.float64)
        if std.shape == (S, A):
            std = std[s_e, a_e]
        var = np.broadcast_to(std, rew.shape) ** 2
    pos = -np.ones(S, dtype=np.int64)
    pos[nt] = np.arange(n)
    s_e, a_e, sp_e = pos[s_e[keep]], a_e[keep], cols[keep]
    p_e, r_e, var_e = p_e[keep], rew[keep], var[keep]
    sp_in = pos[sp_e]  # -1 for terminal successors
    live = sp_in >= 0

    P_nn = np.zeros((n, n))
    np.add.at(P_nn, (s_e[live], sp_in[live]), p_e[live])
    eye = np.eye(n)
    try:
        N = np.linalg.inv(eye - P_nn)  # expected visits (undiscounted)
    except np.linalg.LinAlgError:
        N = None
    if N is None or not np.isfinite(N).all() or (N < -1e-9).any():
        msg = (
            "`pi` does not reach a terminal state with probability 1 from every "
            "state; the learning curve needs episodes that end."
        )
        raise MDPError(msg)
    p0 = np.asarray(m.p0, dtype=np.float64)[nt]
    d = p0 @ N  # expected visits per episode
    # V^pi on the non-terminal states: (I - gamma P_pi) v = r_pi
    r_pi = np.zeros(n)
    np.add.at(r_pi, s_e, p_e * r_e)
    v = np.linalg.solve(eye - g * P_nn, r_pi)

    if method == "td":
        Ec, EB, Ecc, EBc, EBB = _td_moments(
            n, g, N, d, s_e, sp_in, live, p_e, r_e, var_e
        )
    else:
        Ec, EB, Ecc, EBc, EBB = _mc_moments(
            n, g, N, P_nn, d, v, s_e, sp_in, live, p_e, r_e, var_e
        )

    V0_arr = np.broadcast_to(np.asarray(V0, dtype=np.float64), (S,))
    mk = V0_arr[nt].copy()
    Mk = np.outer(mk, mk)
    out = np.empty(episodes)
    for k in range(episodes):
        BVc = np.einsum("ikj,k->ij", EBc, mk)
        BMB = np.einsum("ikjl,kl->ij", EBB, Mk)
        EBm = EB @ mk
        M_new = (
            Mk
            + a * (np.outer(Ec, mk) + np.outer(mk, Ec) + EB @ Mk + Mk @ EB.T)
            + a * a * (Ecc + BVc + BVc.T + BMB)
        )
        mk = mk + a * (Ec + EBm)
        Mk = 0.5 * (M_new + M_new.T)
        out[k] = float(np.mean(np.diag(Mk) - 2.0 * mk * v + v * v))
    return out


def _td_moments(n, g, N, d, s_e, sp_in, live, p_e, r_e, var_e):
    """Moments of c = sum_t 1_{S_t} R and B = sum_t 1_{S_t}(g 1_{S'} - 1_{S_t})^T."""
    E = s_e.size
    D = n + n * n
    F = np.zeros((E, D))  # per transition: [1_s r ; vec(1_s h^T)]
    e = np.arange(E)
    F[e, s_e] = r_e
    F[e, n + s_e * n + s_e] -= 1.0
    F[e[live], n + s_e[live] * n + sp_in[live]] += g
    # f_bar(y) = sum_{e from y} p_e f_e;  g(x) = sum_y N(x, y) f_bar(y)
    fbar = np.zeros((n, D))
    np.add.at(fbar, s_e, p_e[:, None] * F)
    Gx = N @ fbar
    Gnext = np.zeros((E, D))
    Gnext[live] = Gx[sp_in[live]]
    w = d[s_e] * p_e
    EY = w @ F
    WF = F * w[:, None]
    M2 = F.T @ WF + WF.T @ Gnext + Gnext.T @ WF
    # reward noise: Var adds to the c block, E[c_s^2] += sum_e w_e var_e
    np.add.at(M2, (s_e, s_e), w * var_e)
    Ec = EY[:n]
    EB = EY[n:].reshape(n, n)
    Ecc = M2[:n, :n]
    EBc = M2[n:, :n].reshape(n, n, n)  # [i, k, j] = E[B_ik c_j]
    EBB = M2[n:, n:].reshape(n, n, n, n)  # [i, k, j, l] = E[B_ik B_jl]
    return Ec, EB, Ecc, EBc, EBB


def _mc_moments(n, g, N, P_nn, d, v, s_e, sp_in, live, p_e, r_e, var_e):
    """Moments of c_i = sum_{t: S_t = i} G_t and B = -diag(visit counts)."""
    eye = np.eye(n)
    v_next = np.where(live, v[np.maximum(sp_in, 0)], 0.0)
    # w(s) = E[G^2 | S = s]: w = q + g^2 P w
    q = np.zeros(n)
    np.add.at(q, s_e, p_e * (r_e**2 + var_e + 2 * g * r_e * v_next))
    w2 = np.linalg.solve(eye - g * g * P_nn, q)
    inv_g = np.linalg.inv(eye - g * P_nn)
    K = inv_g - eye  # sum_{d >= 1} (g P)^d
    # Wmat(x, j) = sum_{e from x} p_e r_e N(s'_e, j)
    Nnext = np.zeros((s_e.size, n))
    Nnext[live] = N[sp_in[live]]
    Wmat = np.zeros((n, n))
    np.add.at(Wmat, s_e, (p_e * r_e)[:, None] * Nnext)
    RW = inv_g @ Wmat
    Nm = N - eye
    Amat = d[:, None] * (RW * v[None, :] + K * w2[None, :])
    EYY = np.diag(d * w2) + Amat + Amat.T
    Enn = np.diag(d) + d[:, None] * Nm + (d[:, None] * Nm).T
    EYn = (
        np.diag(d * v)
        + d[:, None] * (RW + K * v[None, :])
        + (d[:, None] * Nm).T * v[:, None]
    )
    Ec = d * v
    EB = -np.diag(d)
    EBc = np.zeros((n, n, n))
    idx = np.arange(n)
    EBc[idx, idx, :] = -EYn.T  # E[B_ii c_j] = -E[n_i Y_j] = -EYn[j, i]
    EBB = np.zeros((n, n, n, n))
    EBB[idx[:, None], idx[:, None], idx[None, :], idx[None, :]] = Enn
    return Ec, EB, EYY, EBc, EBB
