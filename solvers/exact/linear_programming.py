r"""Linear programming: ``V*`` as the least value function with ``V >= T* V``.

Primal (one variable per non-terminal state; ``V = 0`` on terminal states):

.. math::

    \min_V \; \sum_s c(s) V(s) \quad \text{s.t.} \quad
    V(s) \ge r(s,a) + \gamma \sum_{s'} P(s'|s,a) V(s')
    \quad \text{for every available } (s, a).

Dual (one variable per available pair): the discounted state-action
occupancy measure

.. math::

    \max_{d \ge 0} \; \sum_{s,a} d(s,a) r(s,a) \quad \text{s.t.} \quad
    \sum_a d(s',a) - \gamma \sum_{s,a} P(s'|s,a) d(s,a) = c(s')
    \quad \text{for every non-terminal } s'.

With ``c = p0`` a feasible ``d`` is ``d(s,a) = sum_t gamma^t Pr(s_t=s, a_t=a)``
of some policy started from ``p0``, the dual objective is that policy's
``J(pi) = sum_{s,a} d(s,a) r(s,a)``, and strong duality says
``p0 . V* = max_pi J(pi)``.

The constraint matrix is built sparse, straight from ``P (S*A, S)``: row ``k``
of ``A_ub`` is ``gamma P(.|s_k, a_k) - e_{s_k}`` restricted to the live states,
``b_ub = -r``.  HiGHS (via :func:`scipy.optimize.linprog`) solves it.

References
----------
Puterman (1994), Section 6.9.  A. S. Manne, "Linear programming and
sequential decisions", Management Science 6 (1960).  Bertsekas & Tsitsiklis,
"An analysis of stochastic shortest path problems", Math. Oper. Res. 16 (1991)
(``gamma = 1`` with terminal states).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from mdp import MDP, MDPError
from mdp.episodic import proper_greedy, require_proper_policy
from mdp.linear import solve_policy_value
from mdp.types import FloatArray

from .._iv import check_mdp
from .._result import LPResult
from .._status import BOUNDS, Progress, Status, all_finite, finish
from ._bounds import backup, bellman_residual, polish_undiscounted, positive_cycle_error

__all__ = ["linear_programming"]

_METHODS = ("highs", "highs-ds", "highs-ipm")
#: HiGHS treats coefficients of this size or more as infinite.
HIGHS_INF = 1e20
#: Relative tolerance of the strong-duality and flow-constraint checks.
CHECK_RTOL = 1e-6


def linear_programming(
    m: MDP,
    *,
    method: str = "highs-ipm",
    options: dict[str, Any] | None = None,
    polish: bool = True,
    verbose: bool = False,
) -> LPResult:
    r"""Optimal values ``V*`` and an optimal occupancy measure by linear programming.

    Parameters
    ----------
    m : MDP
        ``gamma < 1``, or ``gamma = 1`` with terminal states (a stochastic
        shortest path problem: some policy must reach a terminal state with
        probability 1 from every state).
    method : {"highs-ipm", "highs-ds", "highs"}
        The :func:`scipy.optimize.linprog` HiGHS method: interior point with
        crossover (default; much the fastest on MDP LPs), dual simplex, or
        HiGHS's choice (which picks dual simplex here).
    options : dict, optional
        Extra options for :func:`scipy.optimize.linprog` (``time_limit``,
        ``presolve``, ``maxiter``, ...).
    polish : bool
        Evaluate the LP solution's greedy policy exactly and return its value
        when that has the smaller Bellman residual (``info["polished"]``).
        HiGHS stops at feasibility tolerances of about ``1e-7`` (relative),
        which on Jack's car rental means ``||V - V*||`` near ``1e-4``; the
        polished value is exact to round-off when the greedy policy is
        optimal.  The occupancy measure and the duality check are the LP's.
    verbose : bool
        Let HiGHS print its log (``disp=True``).

    Returns
    -------
    LPResult
        ``V [S]`` (``0`` on terminal states), ``Q [S, A]`` (``q_from_v(V)``,
        ``-inf`` where unavailable), ``policy [S]`` (greedy in ``Q``, lowest
        index on ties), ``occupancy [S, A]`` (the dual ``d``; ``0`` on
        terminal states and unavailable pairs), ``objective = p0 . V*``,
        ``dual_objective = sum d r``, ``iterations`` (HiGHS iterations over
        all LPs solved), ``error_bound`` (for ``gamma < 1``,
        ``||T*V - V||_inf / (1 - gamma)``, a guaranteed bound on
        ``||V - V*||_inf``), ``residuals`` (``[||T*V - V||_inf]``) and
        ``info`` with the checks: ``duality_gap`` (``|objective -
        dual_objective|``), ``flow_residual`` (max violation of the dual's
        flow constraints and of ``d >= 0``), ``check_tol``, ``n_lps``,
        ``weights`` and the HiGHS ``status``/``message``.

    Raises
    ------
    MDPError
        If ``gamma = 1`` and there are no terminal states, or some state
        cannot reach one under any actions (no proper policy: ``V*`` is
        undefined there); if the LP is infeasible (with ``gamma = 1``: a
        policy that never terminates collects positive reward forever, so
        ``V* = +inf``; the message is the one every solver gives); or if
        ``method`` is unknown.
    RuntimeError
        If HiGHS stops without a solution (an iteration or time limit set in
        ``options``, or numerical trouble).  With ``gamma < 1``, or with
        ``gamma = 1`` once a proper policy exists, the LP is always feasible
        and bounded, so this never means the MDP is at fault.

    Notes
    -----
    **Weights.** The primal is solved with ``c = p0`` (restricted to the
    non-terminal states), so that its dual ``d = -ineqlin.marginals`` is the
    occupancy measure of an optimal policy started from ``p0``:
    ``sum_s sum_a d(s, a) r(s, a) = J(pi*) = p0 . V*`` and
    ``sum_a d(s',a) - gamma sum_{s,a} P(s'|s,a) d(s,a) = p0(s')``.  Where
    ``p0(s) = 0`` the primal does not pin ``V(s)`` down (any feasible value
    above ``V*(s)`` is optimal), so when ``p0`` vanishes on some non-terminal
    state a second LP with uniform weights ``c = 1/n`` (every feasible ``V``
    is ``>= V*``, so its unique minimiser is ``V*``) gives ``V``, while the
    occupancy measure still comes from the ``c = p0`` LP.

    **Checks.** After solving, ``|p0 . V - sum d r|`` (strong duality) and
    the flow constraints are checked to ``CHECK_RTOL = 1e-6`` relative to the
    scale of the problem; if either fails a ``RuntimeWarning`` is issued and
    ``converged`` is ``False``.  The numbers are in ``info``.

    **gamma = 1.** For a stochastic shortest path problem in which a proper
    policy exists, every feasible ``V`` is ``>= V^mu`` for a proper ``mu``,
    so the LP is bounded; it is infeasible exactly when some improper policy
    has a cycle with positive reward (then the one message of
    :data:`mdp.episodic.POSITIVE_CYCLE_MESSAGE` is raised).  Its solution is
    the least ``V`` with ``V >= T* V``, the best value of a *proper* policy
    (the convention of :mod:`mdp.episodic`, shared by every solver); with
    ``polish`` it is finished by exact policy iteration over proper policies,
    so the returned policy terminates even where a zero-reward loop ties.

    Accuracy: HiGHS's feasibility tolerances are about ``1e-7``, so ``V`` is
    typically within ``1e-8 / (1 - gamma)`` of ``V*``; ``error_bound`` gives
    the certified figure.

    **Cost.** The LP is for ground truth and for the occupancy measure, not
    for speed.  On Garnet MDPs (``A = 4``, 5 successors, ``gamma = 0.95``)
    ``method="highs"`` (dual simplex here) took about 1 s at ``S = 1000``,
    10 s at ``S = 2000`` and 8 min at ``S = 5000``; the default
    ``"highs-ipm"`` took 0.13 s, 0.4 s, 8 s and 5 min at
    ``S = 1000, 2000, 5000, 20000`` with ``V`` within ``~1e-8`` of ``V*``.  Value or policy iteration solve the same problems
    in milliseconds.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import linear_programming
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    >>> m = MDP(P, R=[0.0, 1.0], gamma=0.9, p0=[1.0, 0.0])
    >>> sol = linear_programming(m)
    >>> sol.V.round(6), sol.policy
    (array([ 9., 10.]), array([1, 0]))

    From state 0 the optimal policy moves once, then stays in state 1; its
    discounted occupancy is ``d(0, move) = 1`` and ``d(1, stay) = 0.9 / 0.1``:

    >>> sol.occupancy.round(6)
    array([[0., 1.],
           [9., 0.]])
    >>> round(sol.objective, 6), round(sol.dual_objective, 6)
    (9.0, 9.0)
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    if method not in _METHODS:
        msg = (
            f"`method` must be one of {', '.join(map(repr, _METHODS))}; got {method!r}."
        )
        raise MDPError(msg)
    rmax = float(np.abs(m.r).max()) if m.r.size else 0.0
    if rmax >= HIGHS_INF:
        msg = (
            f"linear_programming: rewards up to {rmax:.3g} are beyond HiGHS's "
            f"infinity ({HIGHS_INF:g}), so the LP cannot be posed. Rescale the "
            f"rewards (e.g. divide them by max|r|), or use value_iteration or "
            f"policy_iteration."
        )
        raise MDPError(msg)
    opts = dict(options or {})
    opts.setdefault("disp", bool(verbose))
    progress = Progress("linear_programming", verbose)
    S, A, g = m.n_states, m.n_actions, m.gamma
    if g == 1.0:
        require_proper_policy(m)

    live = ~m.terminal
    n = int(live.sum())
    V = np.zeros(S)
    occupancy = np.zeros((S, A))
    info: dict[str, Any] = {"n_lps": 0, "weights": "p0"}
    iterations = 0
    status, message = 0, ""
    if n:
        A_ub, b_ub, rows = _constraints(m, live)
        c = m.p0[live]
        # primal with c = p0: its dual is the occupancy measure from p0
        res = _solve(c, A_ub, b_ub, method, opts, m)
        iterations += int(res.nit)
        status, message = res.status, res.message
        info["n_lps"] = 1
        d = -np.asarray(res.ineqlin.marginals, dtype=np.float64)
        occupancy.ravel()[rows] = d
        V_live = np.asarray(res.x, dtype=np.float64)
        if (c <= 0).any():
            progress("p0 vanishes on some states: second LP with uniform weights")
            # V(s) is not pinned where p0(s) = 0: uniform weights give V* everywhere
            res2 = _solve(np.full(n, 1.0 / n), A_ub, b_ub, method, opts, m)
            iterations += int(res2.nit)
            status = max(status, res2.status)
            message = res2.message if res2.status else message
            info["n_lps"] = 2
            info["weights"] = "p0 (occupancy), uniform (V)"
            V_live = np.asarray(res2.x, dtype=np.float64)
        V[live] = V_live
        # sum_a d(s',a) - gamma sum_{s,a} P(s'|s,a) d(s,a) = p0(s'), d >= 0
        flow = -(A_ub.T @ d)
        flow_residual = max(float(np.abs(flow - c).max()), float(max(0.0, -d.min())))
    else:
        flow_residual = 0.0
        d = np.zeros(0)

    finite = all_finite(V)
    Q = backup(m, V)
    objective = float(m.p0 @ V)
    dual_objective = float(occupancy.ravel() @ m.r.ravel())
    gap = abs(objective - dual_objective)
    d_mass = float(np.abs(d).sum())
    check_tol = CHECK_RTOL * max(1.0, abs(objective), d_mass * float(np.abs(m.r).max()))
    flow_tol = CHECK_RTOL * max(1.0, d_mass)
    info.update(
        duality_gap=gap,
        flow_residual=flow_residual,
        check_tol=check_tol,
        flow_tol=flow_tol,
        status=int(status),
        highs_message=message,
    )
    if not finite:
        state = Status.NON_FINITE
    elif gap > check_tol or flow_residual > flow_tol:
        state = Status.CHECKS
    elif status != 0:
        state = Status.BACKEND
    else:
        state = Status.CONVERGED

    # a posteriori bound: ||V - V*|| <= ||T*V - V|| / (1 - gamma)
    bell = bellman_residual(m, V, Q)
    info["lp_bellman_residual"] = bell
    info["polished"] = False
    if polish and n and finite and g == 1.0:
        # gamma = 1: the LP's least V >= T*V is the best proper value; exact
        # policy iteration over proper policies from its greedy policy
        V, Q, policy, _ = polish_undiscounted(m, Q, 1e-6)
        if not all_finite(V):  # the exact values overflow float64
            finite, state = False, Status.NON_FINITE
        bell = bellman_residual(m, V, Q)
        info["polished"] = True
        objective = float(m.p0 @ V)
    elif polish and n and finite:
        # interior-point LPs stop at ~1e-8 relative accuracy: evaluate the
        # LP's greedy policy exactly and keep its value if it is closer to
        # a fixed point of T* (a smaller certified bound)
        mu = proper_greedy(m, Q, 1e-6)
        V_mu, _ = solve_policy_value(m, mu, tol=1e-12, validate=False)
        Q_mu = backup(m, V_mu)
        bell_mu = bellman_residual(m, V_mu, Q_mu)
        if bell_mu < bell:
            V, Q, bell = V_mu, Q_mu, bell_mu
            info["polished"] = True
            objective = float(m.p0 @ V)
        policy = proper_greedy(m, Q, 1e-6)
    else:
        policy = proper_greedy(m, Q, 1e-6) if finite else np.argmax(Q, axis=1)
    if g < 1.0 and finite:
        err, bound = bell / (1.0 - g), BOUNDS["lp_residual"]
    elif finite and info["polished"]:
        err, bound = float("nan"), BOUNDS["proper_gamma1"]
    else:
        err, bound = float("nan"), BOUNDS["residual_gamma1"] if finite else ""
    message = finish(
        state,
        k=iterations,
        unit="HiGHS iteration(s)",
        bound=f"{bound}; strong duality holds to {gap:.2g}",
        method="linear_programming",
        rmax=float(np.abs(m.r).max()),
        gap=gap,
        flow=flow_residual,
        gap_tol=check_tol,
        flow_tol=flow_tol,
        detail=message,
    )
    progress(message, force=True)
    return LPResult(
        V=V,
        Q=Q,
        policy=np.asarray(policy, dtype=np.intp),
        converged=state == Status.CONVERGED,
        iterations=iterations,
        residuals=np.array([bell]),
        elapsed=time.perf_counter() - t0,
        method=f"linear_programming ({method})",
        message=message,
        error_bound=err,
        bound=bound,
        info=info,
        status=state.value,
        occupancy=occupancy,
        objective=objective,
        dual_objective=dual_objective,
    )


def _constraints(
    m: MDP, live: np.ndarray
) -> tuple[sp.csr_array, FloatArray, np.ndarray]:
    """Sparse ``A_ub [K, n]``, ``b_ub [K]`` and the flat ``(s, a)`` index of each row.

    One row per available pair of a live state:
    ``gamma P(.|s,a)[live] . V - V(s) <= -r(s,a)``.
    """
    A = m.n_actions
    rows = np.flatnonzero(m.action_mask.ravel() & np.repeat(live, A))
    col = np.cumsum(live) - 1  # live state -> LP variable
    live_idx = np.flatnonzero(live)
    P_k = sp.csr_array(m.P[rows][:, live_idx])
    E = sp.csr_array(
        (np.ones(rows.size), (np.arange(rows.size), col[rows // A])),
        shape=(rows.size, live_idx.size),
    )
    # r(s,a) + gamma sum_s' P(s'|s,a) V(s') - V(s) <= 0
    A_ub = sp.csr_array(m.gamma * P_k - E)
    A_ub.eliminate_zeros()
    b_ub = -m.r.ravel()[rows]
    return A_ub, b_ub, rows


def _solve(c, A_ub, b_ub, method, opts, m):
    """Run linprog; turn a failure status into a clear error."""
    res = linprog(
        c, A_ub=A_ub, b_ub=b_ub, bounds=(None, None), method=method, options=opts
    )
    if res.status == 2 and m.gamma == 1.0:
        # infeasible V >= T*V: exactly when a cycle pays forever
        raise positive_cycle_error()
    if res.x is None or res.ineqlin.marginals is None:
        msg = (
            f"linprog returned no solution (status {res.status}: {res.message}). "
            f"Raise the limit passed in `options`, try another `method`, or use "
            f"value_iteration / policy_iteration."
        )
        raise RuntimeError(msg)
    return res
