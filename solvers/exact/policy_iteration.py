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

References
----------
R. Howard, *Dynamic Programming and Markov Processes* (1960).  Puterman
(1994), Sections 6.4-6.5.  Sutton & Barto (2018), Section 4.3.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mdp import MDP, ImproperPolicyError, MDPError
from mdp.episodic import proper_greedy, proper_policy, require_proper_policy
from mdp.linear import choose_method, solve_policy_value
from mdp.policy import check_policy, policy_matrices
from mdp.types import FloatArray, IntArray

from .._iv import check_max_iter, check_mdp, check_tol, initial_values
from .._result import SolverResult, warn_not_converged
from .._status import Progress
from ._bounds import macqueen, polish_undiscounted
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


def _improve(Q: FloatArray, pi: IntArray, eps: float) -> tuple[IntArray, int]:
    """Greedy improvement that keeps the current action unless strictly beaten."""
    S = Q.shape[0]
    best = np.argmax(Q, axis=1)
    q_best = Q[np.arange(S), best]
    q_cur = Q[np.arange(S), pi]
    change = q_best > q_cur + eps * np.maximum(1.0, np.abs(q_cur))
    new = pi.copy()
    new[change] = best[change]
    return new, int(change.sum())


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
    eval_method : {"auto", "direct", "krylov", "iterative"}
        Policy-evaluation method (see :func:`solvers.evaluate_policy`); chosen
        once from the MDP's structure when ``"auto"``.
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
    if eval_method not in ("auto", "direct", "krylov", "iterative"):
        msg = f"`eval_method` must be 'auto', 'direct', 'krylov' or 'iterative'; got {eval_method!r}."
        raise MDPError(msg)
    progress = Progress("policy_iteration", verbose)
    S, A, g = m.n_states, m.n_actions, m.gamma
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
    exact = eval_method == "direct"
    # with "auto", a stalled Krylov evaluation falls back to sparse LU
    solve_method = "auto" if (auto_eval and eval_method == "krylov") else eval_method
    V = np.zeros(S)
    residuals: list[float] = []
    changes: list[int] = []
    eval_tol = tol if exact else None
    status = "max_iter"
    k = 0
    for k in range(1, max_iter + 1):  # noqa: B007
        if eval_tol is None:  # first inexact evaluation: loose, relative to r
            eval_tol = max(tol, 1e-3 * float(np.abs(m.r).max() or 1.0))
        # evaluation: (I - gamma P_pi) V = r_pi
        try:
            V, _ = solve_policy_value(
                m, pi, method=solve_method, tol=eval_tol, V0=V, validate=False
            )
        except ImproperPolicyError as exc:
            if k == 1:
                raise
            msg = (
                f"with gamma = 1 the improvement step chose a policy that never "
                f"terminates ({exc}): a cycle with positive reward beats every "
                f"terminating policy there, so V* is infinite. Use gamma < 1."
            )
            raise MDPError(msg) from exc
        # improvement: Q(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V(s')
        Q = (m.r_masked + g * (m.P @ V)).reshape(S, A)
        bell = float(np.abs(Q.max(axis=1) - V).max())
        residuals.append(bell)
        new_pi, n_changed = _improve(Q, pi, 1e-12)
        changes.append(n_changed)
        progress(f"step {k}: {n_changed} change(s), ||T*V - V|| = {bell:.3e}")
        if n_changed == 0:
            if eval_tol <= tol:
                status = "converged"
                break
            eval_tol = tol  # stable under a loose evaluation: tighten, re-check
            continue
        pi = new_pi
        if not exact:
            eval_tol = max(tol, min(eval_tol, 0.1 * bell))
    # certify: MacQueen-Porteus bounds from d = T*V - V
    Q = (m.r_masked + g * (m.P @ V)).reshape(S, A)
    TV = Q.max(axis=1)
    d = TV - V
    if g < 1.0:
        # V* - V lies in [d + c min(d), d + c max(d)], c = gamma/(1-gamma):
        # a bound on the returned V itself (not on the MacQueen midpoint)
        c = g / (1.0 - g)
        err = float(np.maximum(np.abs(d + c * d.min()), np.abs(d + c * d.max())).max())
        bound = "MacQueen-Porteus bounds on T*V - V after the final evaluation"
        shift, half = macqueen(float(d.min()), float(d.max()), g)
        if half < err:  # near gamma = 1 the midpoint of T*V is certified tighter
            V = TV.copy()
            V[~m.terminal] += shift
            err = half
            bound = "MacQueen-Porteus midpoint of T*V after the final evaluation"
            Q = (m.r_masked + g * (m.P @ V)).reshape(S, A)
    else:
        err, bound = (
            float("nan"),
            "none (gamma = 1): the final policy is stable under exact evaluation",
        )
    # round-off floor of the certificate: c * eps * |V| (a little slack)
    floor = (
        100.0
        * (g / (1.0 - g) if g < 1.0 else 1.0)
        * np.finfo(float).eps
        * (1.0 + float(np.abs(V).max()))
    )
    if status == "converged" and g < 1.0 and tol < err <= floor:
        bound += (
            f" (tol={tol:g} is below the round-off floor ~{floor:.1g} at this gamma)"
        )
        message = f"converged: policy stable after {k} improvement step(s); {bound}"
    elif status == "converged" and g < 1.0 and err > tol:
        status = "bound"
        message = (
            f"policy_iteration: the policy is stable but the certified bound "
            f"{err:.2g} on ||V - V*|| exceeds tol={tol:g}: with gamma = {g:g} the "
            f"round-off in T*V - V is amplified by gamma/(1-gamma) = {g / (1 - g):.3g}."
        )
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    elif status == "max_iter":
        message = warn_not_converged(
            "policy_iteration",
            max_iter,
            f"{changes[-1]} policy change(s) in the last step",
        )
    else:
        message = f"converged: policy stable after {k} improvement step(s)"
    progress(message, force=True)
    return SolverResult(
        V=V,
        Q=Q,
        policy=pi,
        converged=status == "converged",
        iterations=k,
        residuals=np.asarray(residuals),
        elapsed=time.perf_counter() - t0,
        method=f"policy_iteration ({eval_method} evaluation)",
        message=message,
        error_bound=err,
        bound=bound,
        info={"eval_method": eval_method, "policy_changes": changes},
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
    step) instead of raising.

    Parameters
    ----------
    m : MDP
    m_sweeps : int or inf
        Partial-evaluation sweeps per iteration.
    tol : float
        With ``gamma < 1``, ``||V - V*||_inf <= tol`` on return, certified by
        the MacQueen-Porteus bounds on ``d = T*V - V`` (valid for any ``V``),
        whose midpoint is returned.  With ``gamma = 1``: ``||d||_inf <= tol``.
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
    try:
        sweeps = float(m_sweeps)
    except (TypeError, ValueError) as exc:
        msg = f"`m_sweeps` must be a non-negative integer or inf; got {m_sweeps!r}."
        raise MDPError(msg) from exc
    if not sweeps >= 0 or (np.isfinite(sweeps) and sweeps != int(sweeps)):  # NaN too
        msg = f"`m_sweeps` must be a non-negative integer or inf; got {m_sweeps!r}."
        raise MDPError(msg)
    require_proper_policy(m)
    V = initial_values(m, V0)
    progress = Progress("modified_policy_iteration", verbose)
    g = m.gamma
    kernel = Backup(m)
    live = ~m.terminal
    residuals: list[float] = []  # not np.empty(max_iter): max_iter may be huge
    status, bound, err = "max_iter", "", float("nan")
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
        if g < 1.0:
            shift, half = macqueen(d_min, d_max, g)
            if half <= tol:
                V = TV
                V[live] += shift
                status, err = "converged", half
                bound = "span (MacQueen-Porteus midpoint of T*V): ||V - V*|| <= gamma/(1-gamma) sp(T*V - V)/2"
                break
        elif sup <= tol:
            V = TV
            status, bound = (
                "converged",
                "residual only (gamma = 1: no a-priori bound on ||V - V*||)",
            )
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
    if status == "max_iter":
        message = warn_not_converged(
            "modified_policy_iteration", max_iter, f"last residual {residuals[-1]:.3g}"
        )
    else:
        message = f"converged: {bound}"
    Q = kernel.to_sa(kernel.q(V))
    policy = proper_greedy(m, Q, 10 * tol)
    if g == 1.0 and status == "converged":
        V, Q, policy, polished = polish_undiscounted(m, V, Q, 10 * tol)
        if polished:
            bound = "gamma = 1: exact value of the greedy policy (no a-priori bound on ||V - V*||)"
            message = f"converged: {bound}"
    progress(message, force=True)
    return SolverResult(
        V=V,
        Q=Q,
        policy=policy,
        converged=status == "converged",
        iterations=k,
        residuals=np.asarray(residuals),
        elapsed=time.perf_counter() - t0,
        method=f"modified_policy_iteration (m={m_sweeps})",
        message=message,
        error_bound=err,
        bound=bound,
        info={"sweeps": n_sweeps},
    )
