"""Exact policy evaluation: the linear system ``(I - gamma P_pi) V = r_pi``.

In :mod:`mdp` (public, not in :mod:`solvers`) so that :func:`mdp.bellman.verify` can evaluate a
greedy policy without importing :mod:`solvers` (layers point down only);
:func:`solvers.evaluate_policy` is the public front end.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ._errors import MDPError
from .episodic import check_proper
from .model import MDP
from .policy import check_policy, policy_matrices
from .types import FloatArray

#: ``auto`` uses a sparse LU when the system has at most this many unknowns...
DIRECT_MAX_STATES = 3000
#: ... or when ``n * bandwidth`` (a bound on the LU fill-in) is at most this
#: and ``n * bandwidth**2`` (a bound on the LU work, in flops) at most
#: ``DIRECT_MAX_WORK``.  (Without the work bound every system with up to
#: ``sqrt(DIRECT_MAX_FILL)`` unknowns counted as banded: a random 5000-state
#: MDP took seconds in LU and milliseconds in GMRES.)
DIRECT_MAX_FILL = 3e7
DIRECT_MAX_WORK = 1e10


@dataclass(frozen=True)
class SolveInfo:
    """How a policy-evaluation system was solved."""

    method: str
    residual: float
    iterations: int
    error_bound: float
    elapsed: float


def choose_method(M: sp.csr_array) -> str:
    """``direct`` for small or banded systems, ``krylov`` where LU would fill in.

    ``direct`` when ``n <= DIRECT_MAX_STATES``, or when the bandwidth ``b`` of
    ``M`` keeps the banded-LU fill ``n (b + 1)`` and work ``n (b + 1)^2``
    within ``DIRECT_MAX_FILL`` and ``DIRECT_MAX_WORK``.
    """
    n = M.shape[0]
    if n <= DIRECT_MAX_STATES:
        return "direct"
    coo = M.tocoo()
    band = int(np.abs(coo.row - coo.col).max()) if coo.nnz else 0
    banded = (
        n * (band + 1) <= DIRECT_MAX_FILL and n * (band + 1) ** 2 <= DIRECT_MAX_WORK
    )
    return "direct" if banded else "krylov"


def _krylov(
    M: sp.csr_array,
    b: np.ndarray,
    x0: np.ndarray | None,
    res_target: float,
    max_iter: int | None,
) -> tuple[np.ndarray, int]:
    """Solve ``M x = b`` to ``||b - M x||_inf <= res_target`` with Krylov methods.

    BiCGSTAB first (two mat-vecs per step, no growing orthogonalisation:
    on a 2e5-state Garnet it is ~20x faster than restarted GMRES(30), whose
    Gram-Schmidt work dominates), then restarted GMRES(20) from its result
    if BiCGSTAB stalls or breaks down (it can on nearly deterministic
    chains).  The infinity-norm residual is checked after each attempt; the
    solvers' 2-norm stopping tests are given half the target (2-norm >= inf-norm).
    """
    n = b.shape[0]
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=np.float64)
    counter = [0]

    def cb(*_):
        counter[0] += 1

    limit = max_iter or 1000
    bicg_steps = 10 * limit if max_iter is None else max_iter
    x_try, _ = spla.bicgstab(
        M, b, x0=x, rtol=0.0, atol=res_target * 0.5, maxiter=bicg_steps, callback=cb
    )
    if np.isfinite(x_try).all():
        x = x_try
    for _attempt in range(4 if max_iter is None else 0):
        if np.abs(b - M @ x).max() <= res_target:
            break
        x, _ = spla.gmres(
            M,
            b,
            x0=x,
            rtol=0.0,
            atol=res_target * 0.5,
            restart=20,
            maxiter=limit,
            callback=cb,
            callback_type="pr_norm",
        )
    return x, counter[0]


#: ``auto``: BiCGSTAB steps tried before falling back to sparse LU (a Garnet
#: system at gamma = 0.99 needs 10-60; a 400x400 open grid at gamma = 1 stalls).
AUTO_KRYLOV_BUDGET = 100


def solve_policy_value(
    m: MDP,
    pi: Any,
    *,
    method: str = "auto",
    tol: float = 1e-10,
    V0: np.ndarray | None = None,
    max_iter: int | None = None,
    validate: bool = True,
) -> tuple[FloatArray, SolveInfo]:
    """Solve ``(I - gamma P_pi) V = r_pi`` with ``V = 0`` on terminal states.

    Returns ``V [S]`` and a :class:`SolveInfo`.  The accuracy contract: for
    ``direct`` the result is exact to round-off; for ``krylov`` and
    ``iterative`` with ``gamma < 1``, ``||V - V^pi||_inf <= tol`` (via
    ``||(I - gamma P_pi)^{-1}||_inf <= 1/(1 - gamma)`` applied to the
    residual); with ``gamma = 1`` only the residual ``<= tol`` is promised.
    """
    t0 = time.perf_counter()
    if method not in ("auto", "direct", "krylov", "iterative"):
        msg = f"`method` must be 'auto', 'direct', 'krylov' or 'iterative'; got {method!r}."
        raise MDPError(msg)
    if validate:
        pi = check_policy(m, pi)
    P_pi, r_pi = policy_matrices(m, pi)
    check_proper(m, P_pi)
    g = m.gamma
    live = ~m.terminal
    S = m.n_states
    if live.all():
        P_N, r_N = P_pi, r_pi
    else:
        idx = np.flatnonzero(live)
        P_N = sp.csr_array(P_pi[idx][:, idx])
        r_N = r_pi[idx]
    n = P_N.shape[0]
    V = np.zeros(S)
    if n == 0:
        return V, SolveInfo("direct", 0.0, 0, 0.0, time.perf_counter() - t0)
    M = sp.csr_array(sp.eye_array(n, format="csr") - g * P_N)
    auto = method == "auto"
    if auto:
        method = choose_method(M)
    x0 = None if V0 is None else np.asarray(V0, dtype=np.float64)[live]
    # ||x - x*|| <= ||res|| / (1 - gamma) when gamma < 1
    res_target = tol * (1.0 - g) if g < 1.0 else tol
    iters = 0
    if method == "direct":
        lu = spla.splu(sp.csc_array(M), permc_spec="COLAMD")
        x = lu.solve(r_N)
        iters = 1
    elif method == "krylov":
        x, iters = _krylov(
            M, r_N, x0, res_target, AUTO_KRYLOV_BUDGET if auto else max_iter
        )
        if auto and not np.abs(r_N - M @ x).max() <= res_target:
            # ill-conditioned (gamma near 1, slow mixing, e.g. a big open grid):
            # Krylov stalls where sparse LU with COLAMD ordering is cheap
            lu = spla.splu(sp.csc_array(M), permc_spec="COLAMD")
            x = lu.solve(r_N)
            method = "direct (Krylov stalled)"
        elif not np.abs(r_N - M @ x).max() <= max(
            res_target,
            100 * np.finfo(float).eps * (np.abs(r_N).max() + np.abs(x).max()),
        ):
            warnings.warn(
                f"Krylov policy evaluation stopped with residual "
                f"{np.abs(r_N - M @ x).max():.3g} above its target {res_target:.3g}: "
                f"the result misses tol={tol:g}. Use method='direct' or 'auto'.",
                RuntimeWarning,
                stacklevel=3,
            )
    else:  # iterative: V <- r_pi + gamma P_pi V
        x = np.zeros(n) if x0 is None else x0.copy()
        limit = max_iter or 1_000_000
        for iters in range(1, limit + 1):  # noqa: B007
            x_new = r_N + g * (P_N @ x)
            delta = np.abs(x_new - x).max()
            x = x_new
            if (g < 1.0 and g * delta <= res_target) or (g == 1.0 and delta <= tol):
                break
        else:
            warnings.warn(
                f"iterative policy evaluation stopped at max_iter={limit} before "
                f"reaching tol={tol:g}.",
                RuntimeWarning,
                stacklevel=3,
            )
    res = float(np.abs(r_N - M @ x).max())
    bound = res / (1.0 - g) if g < 1.0 else float("nan")
    V[live] = x
    return V, SolveInfo(method, res, iters, bound, time.perf_counter() - t0)
