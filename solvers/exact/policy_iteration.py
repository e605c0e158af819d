r"""Policy iteration (Howard 1960) and modified policy iteration (Puterman & Shin 1978).

Policy iteration alternates

.. math::

    \text{evaluation:}\quad (I - \gamma P_{\pi_k}) V_k = r_{\pi_k}, \qquad
    \text{improvement:}\quad \pi_{k+1}(s) \in \arg\max_a \Big[ r(s,a) +
    \gamma \sum_{s'} P(s'|s,a) V_k(s') \Big]

until the policy is stable.  Modified policy iteration replaces the exact
evaluation by ``m`` sweeps of ``V <- r_pi + gamma P_pi V`` after the greedy
step ``V <- T* V``.

Tie rule (why PI cannot cycle): the action of ``pi_k`` is kept unless some
action is strictly better, ``Q(s,a) > Q(s, pi_k(s)) + eps`` (``eps`` tiny,
relative to ``|V|``); then the lowest-index maximiser is taken.  Every change
strictly improves the policy, so no policy repeats.

At scale, exact evaluation uses a Krylov solver (BiCGSTAB, GMRES as fallback)
with a tolerance tied to the outer
Bellman residual (inexact policy iteration, as in madupite): loose while the
policy is far from optimal, tightened to ``tol`` once it is stable.

``gamma = 1`` (the convention of :mod:`mdp.episodic`): policy iteration
starts from a proper policy, and from a proper policy a strict improvement
is proper unless a cycle has positive reward; so it returns the best proper
policy, and an improvement that never terminates raises the one
positive-cycle error every solver gives.  The last policy is re-checked by
the same exact polish value iteration uses (``_bounds.polish_undiscounted``).
Modified policy iteration at ``gamma = 1`` finishes as value iteration does.

References
----------
R. Howard, *Dynamic Programming and Markov Processes* (1960).  Puterman
(1994), Sections 6.4-6.5.  Sutton & Barto (2018), Section 4.3.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mdp import MDP, ImproperPolicyError, MDPError
from mdp.episodic import (
    improper_states,
    proper_greedy,
    proper_policy,
    require_proper_policy,
)
from mdp.linear import EXACT_METHODS, choose_method, solve_policy_value
from mdp.policy import check_policy, policy_matrices
from mdp.types import IntArray

from .._iv import check_max_iter, check_mdp, check_sweeps, check_tol, initial_values
from .._result import SolverResult
from .._status import BOUNDS, Progress, Status, all_finite, finish
from ._bounds import (
    backup,
    bellman_residual,
    improve,
    macqueen,
    optimal_finish,
    polish_undiscounted,
    positive_cycle_error,
    stalled,
)
from ._kernels import Backup

__all__ = ["policy_iteration", "modified_policy_iteration"]


def _initial_policy(m: MDP, pi0: Any) -> IntArray:
    if pi0 is not None:
        pi = check_policy(m, pi0)
        if pi.ndim != 1:
            msg = "`pi0` must be a deterministic policy, an int array (S,)."
            raise MDPError(msg)
        return pi.astype(np.intp)
    if m.gamma == 1.0:
        return proper_policy(m)
    # myopic: the best immediate reward
    return np.argmax(m.r_masked.reshape(m.n_states, m.n_actions), axis=1).astype(
        np.intp
    )


def policy_iteration(
    m: MDP,
    pi0: npt.ArrayLike | None = None,
    *,
    max_iter: int = 1000,
    tol: float = 1e-8,
    eval_method: str = "auto",
    verbose: bool = False,
) -> SolverResult:
    r"""Optimal policy and values by Howard's policy iteration.

    Parameters
    ----------
    m : MDP
    pi0 : int array (S,), optional
        Initial deterministic policy.  Default: the myopic policy
        ``argmax_a r(s,a)`` when ``gamma < 1``; with ``gamma = 1`` a proper
        policy found from the graph of paths to terminal states
        (:func:`proper_policy`), or a clear error if none exists.
    max_iter : int
        Maximum number of improvement steps (``converged=False`` and a
        ``RuntimeWarning`` if reached).
    tol : float
        Accuracy of the final evaluation; with ``gamma < 1`` the returned ``V``
        is within ``error_bound <= tol`` of ``V*`` (certified with the
        MacQueen-Porteus bounds on ``T* V - V``).
    eval_method : {"auto", "dense", "direct", "krylov", "iterative"}
        Policy-evaluation method (see :func:`solvers.evaluate_policy`); chosen
        once from the MDP's structure when ``"auto"`` (the measured cost model
        of :func:`mdp.linear.choose_method`: dense LU up to 200 states, Krylov
        on unstructured graphs, sparse LU on banded ones); a Krylov solve that
        stalls then falls back to LU.
    verbose : bool
        Print progress to stderr.

    Returns
    -------
    SolverResult
        ``iterations`` counts improvement steps; ``residuals`` holds the
        Bellman residual ``||T* V_k - V_k||_inf`` per step; ``info`` records
        the evaluation method and the number of policy changes per step.

    Notes
    -----
    Evaluation ``(I - gamma P_pi) V = r_pi``; improvement
    ``pi(s) <- argmax_a [r(s,a) + gamma sum_s' P(s'|s,a) V(s')]`` with the
    no-cycling tie rule of the module docstring.  With Krylov evaluation the
    inner tolerance is ``max(tol, 0.1 ||T* V - V||_inf)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import policy_iteration
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    >>> m = MDP(P, R=[0.0, 1.0], gamma=0.9)
    >>> sol = policy_iteration(m)
    >>> sol.policy, sol.V.round(6), sol.iterations
    (array([1, 0]), array([ 9., 10.]), 2)
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    if eval_method not in ("auto", "direct", "dense", "krylov", "iterative"):
        msg = (
            f"`eval_method` must be 'auto', 'dense', 'direct', 'krylov' or "
            f"'iterative'; got {eval_method!r}."
        )
        raise MDPError(msg)
    progress = Progress("policy_iteration", verbose)
    S, g = m.n_states, m.gamma
    pi = _initial_policy(m, pi0)
    auto_eval = eval_method == "auto"
    if auto_eval:
        P_pi, _ = policy_matrices(m, pi)
        live = np.flatnonzero(~m.terminal)
        M = (
            sp.csr_array(sp.eye_array(live.size) - g * P_pi[live][:, live])
            if live.size
            else P_pi
        )
        eval_method = choose_method(M)
    exact = eval_method in EXACT_METHODS
    # with "auto", a stalled Krylov evaluation falls back to a direct solve
    fallback = auto_eval and eval_method == "krylov"
    V = np.zeros(S)
    Q = backup(m, V)
    residuals: list[float] = []
    changes: list[int] = []
    # gamma = 1: evaluate to tol from the start (a loose V could make a
    # zero-reward loop look like an improvement)
    eval_tol = tol if (exact or g == 1.0) else None
    status = Status.MAX_ITER
    k = 0
    for k in range(1, max_iter + 1):  # noqa: B007
        if eval_tol is None:  # first inexact evaluation: loose, relative to r
            eval_tol = max(tol, 1e-3 * float(np.abs(m.r).max() or 1.0))
        # evaluation: (I - gamma P_pi) V = r_pi
        V, _ = solve_policy_value(
            m,
            pi,
            method=eval_method,
            tol=eval_tol,
            V0=V,
            validate=False,
            fallback=fallback,
        )
        # improvement: Q(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V(s')
        Q = backup(m, V)
        if not all_finite(V):
            status = Status.NON_FINITE
            break
        bell = bellman_residual(m, V, Q)
        residuals.append(bell)
        new_pi, n_changed = improve(Q, pi)
        changes.append(n_changed)
        progress(f"step {k}: {n_changed} change(s), ||T*V - V|| = {bell:.3e}")
        if n_changed == 0:
            if eval_tol <= tol:
                status = Status.CONVERGED
                break
            eval_tol = tol  # stable under a loose evaluation: tighten, re-check
            continue
        if g == 1.0:
            bad = improper_states(m, new_pi)
            if bad.size:  # only a positive-reward cycle can beat a proper policy
                raise positive_cycle_error(bad)
        pi = new_pi
        if not exact:
            eval_tol = max(tol, min(eval_tol, 0.1 * bell))
    err, bound = float("nan"), ""
    if status == Status.CONVERGED and g == 1.0:
        V, Q, pi, _ = polish_undiscounted(m, Q, 0.0, V=V, start=pi)
        bound = BOUNDS["proper_gamma1"]
    elif status != Status.NON_FINITE and g < 1.0:
        # certify: MacQueen-Porteus bounds from d = T*V - V
        TV = Q.max(axis=1)
        d = TV - V
        # V* - V lies in [d + c min(d), d + c max(d)], c = gamma/(1-gamma):
        # a bound on the returned V itself (not on the MacQueen midpoint)
        c = g / (1.0 - g)
        err = float(np.maximum(np.abs(d + c * d.min()), np.abs(d + c * d.max())).max())
        bound = BOUNDS["pi_bounds"]
        shift, half = macqueen(float(d.min()), float(d.max()), g)
        if half < err and all_finite(TV + shift):  # near gamma = 1 the midpoint
            V = TV.copy()
            V[~m.terminal] += shift
            err, bound = half, BOUNDS["pi_midpoint"]
            Q = backup(m, V)
        # round-off floor of the certificate: c * eps * |V| (a little slack)
        floor = 100.0 * c * np.finfo(float).eps * (1.0 + float(np.abs(V).max()))
        if status == Status.CONVERGED and tol < err <= floor:
            bound += f" (tol={tol:g} is below the round-off floor ~{floor:.1g} at this gamma)"
        elif status == Status.CONVERGED and err > tol:
            status = Status.BOUND
    if status in (Status.CONVERGED, Status.BOUND):
        # the returned policy follows the documented tie rule (greedy of Q
        # within GREEDY_TIE_TOL, lowest index, towards termination when
        # gamma = 1), as VI and LP do, rather than whichever tied action the
        # improvement steps happened to keep (when that policy is proper)
        tied = proper_greedy(m, Q, 10 * tol)
        if g < 1.0 or improper_states(m, tied).size == 0:
            pi = tied
    message = finish(
        status,
        k=k,
        unit="improvement step(s)",
        bound=bound,
        method="policy_iteration",
        max_iter=max_iter,
        detail=f"{changes[-1]} policy change(s) in the last step" if changes else "",
        rmax=float(np.abs(m.r).max()),
        err=err,
        tol=tol,
        gamma=g,
        c=g / (1.0 - g) if g < 1.0 else np.inf,
    )
    progress(message, force=True)
    return SolverResult(
        V=V,
        Q=Q,
        policy=pi,
        converged=status == Status.CONVERGED,
        iterations=k,
        residuals=np.asarray(residuals),
        elapsed=time.perf_counter() - t0,
        method=f"policy_iteration ({eval_method} evaluation)",
        message=message,
        error_bound=err,
        bound=bound,
        info={"eval_method": eval_method, "policy_changes": changes},
        status=status.value,
    )


def modified_policy_iteration(
    m: MDP,
    *,
    m_sweeps: int | float = 10,
    tol: float = 1e-8,
    max_iter: int = 100_000,
    V0: npt.ArrayLike | None = None,
    verbose: bool = False,
) -> SolverResult:
    r"""Optimal values by modified policy iteration (Puterman & Shin 1978).

    Each iteration: a greedy step ``V <- T* V`` that also picks
    ``pi = greedy(V)``, then ``m_sweeps`` partial-evaluation sweeps
    ``V <- r_pi + gamma P_pi V`` (each costs a mat-vec with ``P_pi [S, S]``,
    ``1/A`` of a full sweep).  ``m_sweeps = 0`` is value iteration;
    ``m_sweeps = inf`` evaluates exactly, i.e. policy iteration.  With
    ``gamma = 1`` a greedy policy that never terminates from some state has
    no value; such a step skips the exact evaluation (it is a value-iteration
    step) instead of raising, and the result is finished like value
    iteration's: exact policy iteration over proper policies (the best proper
    value, a proper policy; a positive-reward cycle raises).

    Parameters
    ----------
    m : MDP
    m_sweeps : int or inf
        Partial-evaluation sweeps per iteration.
    tol : float
        With ``gamma < 1``, ``||V - V*||_inf <= tol`` on return, certified by
        the MacQueen-Porteus bounds on ``d = T*V - V`` (valid for any ``V``),
        whose midpoint is returned.  With ``gamma = 1``: ``||d||_inf <= tol``,
        then the exact polish.
    max_iter : int
        Maximum number of greedy steps.
    V0 : array_like (S,), optional
        Starting values; default zeros.
    verbose : bool

    Returns
    -------
    SolverResult
        ``residuals`` holds ``||T* V_k - V_k||_inf``; ``info["sweeps"]`` the
        total number of mat-vec sweeps.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import modified_policy_iteration
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    >>> m = MDP(P, R=[0.0, 1.0], gamma=0.9)
    >>> sol = modified_policy_iteration(m, m_sweeps=5)
    >>> sol.V.round(6), sol.policy
    (array([ 9., 10.]), array([1, 0]))
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    sweeps = check_sweeps(m_sweeps)
    require_proper_policy(m)
    V = initial_values(m, V0)
    progress = Progress("modified_policy_iteration", verbose)
    g = m.gamma
    kernel = Backup(m)
    live = ~m.terminal
    residuals: list[float] = []  # not np.empty(max_iter): max_iter may be huge
    status, bound, err = Status.MAX_ITER, "", float("nan")
    n_sweeps = 0
    k = 0
    for k in range(1, max_iter + 1):  # noqa: B007
        # greedy step: Q = r + gamma P V, T*V = max_a Q, pi = argmax_a Q
        TV, pi = kernel.argmax(kernel.q(V))
        n_sweeps += 1
        d = TV - V
        d_min, d_max = float(d.min()), float(d.max())
        sup = max(d_max, -d_min)
        residuals.append(sup)
        if not all_finite(d_min, d_max) and not all_finite(TV):
            V, status = TV, Status.NON_FINITE  # overflow: no bound holds
            break
        if g < 1.0:
            shift, half = macqueen(d_min, d_max, g)
            if half <= tol:
                V = TV
                V[live] += shift
                status, err, bound = Status.CONVERGED, half, BOUNDS["span_mpi"]
                if not all_finite(V):  # the midpoint shift overflowed
                    status, bound, err = Status.NON_FINITE, "", float("nan")
                break
        elif sup <= tol or stalled(
            residuals, g, m.n_states
        ):  # then exact PI over proper policies
            V = TV
            status, bound = Status.CONVERGED, BOUNDS["proper_gamma1"]
            break
        V = TV
        if not np.isfinite(sweeps):
            try:
                V, _ = solve_policy_value(
                    m, pi, method="auto", tol=tol * 1e-2, V0=V, validate=False
                )
                n_sweeps += 1
            except ImproperPolicyError:
                # gamma = 1 and the greedy policy never terminates from some
                # state: V^pi is undefined, so this step stays V <- T*V
                pass
        elif sweeps > 0:
            # partial evaluation: V <- r_pi + gamma P_pi V, m times
            T_pi = kernel.policy_operator(pi)
            for _ in range(int(sweeps)):
                V = T_pi(V)
            n_sweeps += int(sweeps)
        progress(f"iteration {k}, ||T*V - V|| = {sup:.3e}")
    Q = kernel.to_sa(kernel.q(V))
    V, Q, policy, status, bound = optimal_finish(m, V, Q, tol, status, bound)
    message = finish(
        status,
        k=k,
        unit="iteration(s)",
        bound=bound,
        method="modified_policy_iteration",
        max_iter=max_iter,
        detail=f"last residual {residuals[-1]:.3g}" if residuals else "",
        rmax=float(np.abs(m.r).max()),
    )
    progress(message, force=True)
    return SolverResult(
        V=V,
        Q=Q,
        policy=policy,
        converged=status == Status.CONVERGED,
        iterations=k,
        residuals=np.asarray(residuals),
        elapsed=time.perf_counter() - t0,
        method=f"modified_policy_iteration (m={m_sweeps})",
        message=message,
        error_bound=err,
        bound=bound,
        info={"sweeps": n_sweeps},
        status=status.value,
    )
