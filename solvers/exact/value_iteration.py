r"""Value iteration: repeated Bellman optimality backups ``V_{k+1} = T* V_k``.

.. math::

    V_{k+1}(s) = \max_a \Big[ r(s,a) + \gamma \sum_{s'} P(s'|s,a) V_k(s') \Big]

One sweep is one sparse mat-vec with ``gamma P`` that accumulates into a copy
of ``r`` and ``A - 1`` element-wise maxima (see ``solvers._kernels``: an
action-major copy of ``P`` built once per solve, the product split across
threads); no Python loop over states.

Stopping rules (what ``tol`` guarantees), for ``gamma < 1`` and
``d = V_{k+1} - V_k``:

* **sup-norm**: ``||V_{k+1} - V*||_inf <= gamma/(1-gamma) ||d||_inf``.
* **span (MacQueen 1966, Porteus 1971)**:
  ``V_{k+1} + c min(d) <= V* <= V_{k+1} + c max(d)`` with
  ``c = gamma/(1-gamma)``, so the midpoint
  ``V_{k+1} + c (min d + max d)/2`` is within ``c (max d - min d)/2`` of
  ``V*``.  The span of ``d`` shrinks much faster than its norm on most MDPs
  (``garnet(1000, 4, 5, gamma=0.99, seed=0)`` at ``tol = 1e-8`` needs 42
  sweeps instead of 2272).

The solver stops at the first sweep where either bound is ``<= tol``, returns
the iterate (sup-norm) or the midpoint (span), and says which in ``bound``.
With ``gamma = 1`` neither bound exists, and the iterates converge to the
supremum over *all* policies, which a zero-reward loop can make larger than
every terminating policy's value.  Following the one convention of
:mod:`mdp.episodic`, the solver stops when ``||d||_inf <= tol`` (or when
the residual stalls: not halved between sweeps ``k/2`` and ``k`` for a power
of two ``k >= max(64, 2S)``) and finishes with exact policy iteration over
proper policies started from the greedy one: ``V`` is the best value of a
proper policy, ``policy`` is proper, and ``error_bound = nan``.  A cycle with
positive reward raises :class:`mdp.MDPError` with the message every solver
gives (:data:`mdp.episodic.POSITIVE_CYCLE_MESSAGE`).

Every sweep of both variants (Jacobi and block Gauss-Seidel) goes through one
loop: the stopping rules, the ``callback(k, V)`` after each sweep (the last
one included), and a check for non-finite values (rewards too large for
float64: ``status = "non_finite"``, a warning, never ``converged``).

References
----------
Sutton & Barto (2018), Section 4.4.  Puterman (1994), Sections 6.3 and 6.6.3.
J. MacQueen, "A modified dynamic programming method for Markovian decision
problems", J. Math. Anal. Appl. 14 (1966).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mdp import MDP
from mdp.checks import check_int
from mdp.episodic import require_proper_policy
from mdp.types import FloatArray

from .._iv import (
    check_callback,
    check_max_iter,
    check_mdp,
    check_tol,
    initial_values,
)
from .._result import SolverResult
from .._status import BOUNDS, Progress, Status, all_finite, finish
from ._bounds import backup, macqueen, optimal_finish, stalled
from ._kernels import AffineCSR, Backup

__all__ = ["value_iteration"]


def value_iteration(
    m: MDP,
    *,
    tol: float = 1e-8,
    max_iter: int = 100_000,
    V0: npt.ArrayLike | None = None,
    gauss_seidel: bool = False,
    n_blocks: int = 64,
    callback: Callable[[int, FloatArray], Any] | None = None,
    verbose: bool = False,
) -> SolverResult:
    r"""Optimal values ``V*`` by value iteration, to a guaranteed tolerance.

    Parameters
    ----------
    m : MDP
    tol : float
        With ``gamma < 1`` the returned ``V`` satisfies
        ``||V - V*||_inf <= tol`` (``result.error_bound`` is the bound
        actually certified).  With ``gamma = 1``: the residual
        ``||V_{k+1} - V_k||`` at which exact policy iteration over proper
        policies takes over (see the module docstring).
    max_iter : int
        Maximum number of sweeps; reaching it returns ``converged=False`` and
        issues a ``RuntimeWarning`` (with ``gamma < 1`` the returned ``V`` is
        then the MacQueen-Porteus midpoint of the last sweep, and
        ``error_bound`` its certified half-width).
    V0 : array_like (S,), optional
        Starting values (0 on terminal states); default zeros.
    gauss_seidel : bool
        Use block Gauss-Seidel sweeps: the states are split into ``n_blocks``
        contiguous blocks updated in turn, each with the newest values (with
        ``S <= n_blocks`` this is classic state-by-state Gauss-Seidel).  Stops
        on the sup-norm bound (the span bound does not apply).
    n_blocks : int
        Number of blocks for ``gauss_seidel``.
    callback : callable, optional
        ``callback(k, V)`` after each sweep ``k`` (1-based, the last one
        included, in both variants); return ``True`` to stop early
        (``converged=False``, ``status="callback"``, no warning).
    verbose : bool
        Print progress to stderr about once a second.

    Returns
    -------
    SolverResult
        ``V [S]``, ``Q [S, A]``, ``policy [S]`` (greedy in ``Q``, lowest index
        on ties), ``iterations``, ``converged``, ``residuals`` (the history of
        ``||V_{k+1} - V_k||_inf``), ``error_bound``, ``bound``, ``elapsed``,
        ``status`` and ``message`` (canned, see ``solvers._status``).

    Notes
    -----
    ``V_{k+1}(s) = max_a [r(s,a) + gamma sum_s' P(s'|s,a) V_k(s')]``; see the
    module docstring for the stopping bounds.  Unavailable actions have
    ``-inf`` in ``Q`` and are never chosen.  Terminal states keep ``V = 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import value_iteration
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    >>> m = MDP(P, R=[0.0, 1.0], gamma=0.9)
    >>> sol = value_iteration(m, tol=1e-8)
    >>> sol.V.round(6), sol.policy, sol.converged
    (array([ 9., 10.]), array([1, 0]), True)
    >>> sol.error_bound <= 1e-8
    True
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    callback = check_callback(callback)
    require_proper_policy(m)
    V = initial_values(m, V0)
    progress = Progress("value_iteration", verbose)
    if gauss_seidel:
        sweep = _gauss_seidel_sweep(m, check_int(n_blocks, "n_blocks"))
        method = "value_iteration (block Gauss-Seidel)"
    else:
        kernel = Backup(m)

        def sweep(V: FloatArray) -> FloatArray:
            # V_{k+1}(s) = max_a [r(s,a) + gamma sum_s' P(s'|s,a) V_k(s')]
            return kernel.max(kernel.q(V))

        method = "value_iteration"
    V, residuals, k, status, bound, err = _iterate(
        m, sweep, V, tol, max_iter, not gauss_seidel, callback, progress
    )
    Q = backup(m, V) if gauss_seidel else kernel.to_sa(kernel.q(V))
    V, Q, policy, status, bound = optimal_finish(m, V, Q, tol, status, bound)
    message = finish(
        status,
        k=k,
        unit="sweep(s)",
        bound=bound,
        method="value_iteration",
        max_iter=max_iter,
        detail=f"last residual {residuals[-1]:.3g}" if k else "",
        rmax=float(np.abs(m.r).max()),
    )
    progress(f"done after {k} sweeps, {message}", force=True)
    return SolverResult(
        V=V,
        Q=Q,
        policy=policy,
        converged=status == Status.CONVERGED,
        iterations=k,
        residuals=residuals,
        elapsed=time.perf_counter() - t0,
        method=method,
        message=message,
        error_bound=err,
        bound=bound,
        status=status.value,
    )


def _iterate(
    m: MDP,
    sweep: Callable[[FloatArray], FloatArray],
    V: FloatArray,
    tol: float,
    max_iter: int,
    span_rule: bool,
    callback: Callable[[int, FloatArray], Any] | None,
    progress: Progress,
) -> tuple[FloatArray, FloatArray, int, Status, str, float]:
    """The sweep loop shared by both variants: stopping rules, callback, checks.

    After every sweep ``k`` (the last one too, after any midpoint shift)
    ``callback(k, V)`` is called; a true return stops the loop unless the
    sweep already met the stopping rule.
    """
    g = m.gamma
    live = ~m.terminal
    c = g / (1.0 - g) if g < 1.0 else np.inf
    res: list[float] = []  # not np.empty(max_iter): max_iter may be huge
    status, bound, err = Status.MAX_ITER, "", float("nan")
    d_min = d_max = 0.0
    k = 0
    for k in range(1, max_iter + 1):  # noqa: B007
        V_new = sweep(V)
        d = V_new - V
        d_min, d_max = float(d.min()), float(d.max())
        sup = max(d_max, -d_min)
        res.append(sup)
        if not all_finite(d_min, d_max) and not all_finite(V_new):
            V, status = V_new, Status.NON_FINITE  # overflow: no bound holds
            break
        V = V_new
        if g < 1.0:
            if c * sup <= tol:
                status, err = Status.CONVERGED, c * sup
                bound = BOUNDS["sup" if span_rule else "sup_gs"]
            elif span_rule:
                shift, half = macqueen(d_min, d_max, g)
                if half <= tol:
                    V[live] += shift
                    status, err, bound = Status.CONVERGED, half, BOUNDS["span"]
        elif sup <= tol or stalled(
            res, g, m.n_states
        ):  # then exact PI over proper policies
            status, bound = Status.CONVERGED, BOUNDS["proper_gamma1"]
        if status == Status.CONVERGED and not all_finite(V):
            # the midpoint shift overflowed
            status, bound, err = Status.NON_FINITE, "", float("nan")
        stop = callback is not None and callback(k, V)
        if status in (Status.CONVERGED, Status.NON_FINITE):
            break
        if stop:
            status = Status.CALLBACK
            break
        progress(f"sweep {k}, ||V_k+1 - V_k|| = {sup:.3e}")
    if status == Status.MAX_ITER and g < 1.0 and k and span_rule:
        # not converged: still return the best certified estimate, the midpoint
        shift, half = macqueen(d_min, d_max, g)
        V[live] += shift
        err, bound = half, BOUNDS["span_last"]
    return V, np.asarray(res), k, status, bound, err


def _gauss_seidel_sweep(m: MDP, n_blocks: int) -> Callable[[FloatArray], FloatArray]:
    """One block Gauss-Seidel sweep: blocks of states updated in turn, newest V."""
    S, A = m.n_states, m.n_actions
    n_blocks = max(1, min(n_blocks, S))
    edges = np.linspace(0, S, n_blocks + 1).astype(np.int64)
    gP = sp.csr_array(m.P, copy=True)
    gP.data *= m.gamma
    blocks = [
        (lo, hi, AffineCSR(gP[lo * A : hi * A], m.r_masked[lo * A : hi * A]))
        for lo, hi in zip(edges[:-1], edges[1:], strict=True)
        if hi > lo
    ]

    def sweep(V: FloatArray) -> FloatArray:
        V = V.copy()
        for lo, hi, q_b in blocks:
            # V(s) <- max_a [r(s,a) + gamma sum_s' P(s'|s,a) V(s')], newest V
            V[lo:hi] = q_b(V).reshape(hi - lo, A).max(axis=1)
        return V

    return sweep
