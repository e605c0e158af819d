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
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

try:  # scipy's CSR kernel: y += A @ x, without the operator layers
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
except ImportError:  # pragma: no cover - other scipy layouts: public API path
    _csr_matvec = None

from ._errors import MDPError
from .episodic import check_proper
from .model import MDP
from .policy import check_policy, policy_matrices
from .types import FloatArray

__all__ = [
    "AUTO_KRYLOV_BUDGET",
    "DENSE_FALLBACK_MAX_STATES",
    "DENSE_MAX_STATES",
    "DIRECT_MAX_FILL",
    "DIRECT_MAX_RATIO",
    "DIRECT_MAX_WORK",
    "EXACT_METHODS",
    "SolveInfo",
    "choose_method",
    "solve_policy_value",
]

#: ``auto`` uses a dense LU (LAPACK ``getrf``/``getrs`` via
#: :func:`scipy.linalg.lu_factor`) up to this many unknowns (see
#: :func:`choose_method` for the measurements).
DENSE_MAX_STATES = 200
#: ``auto`` uses a sparse LU (SuperLU, COLAMD) on a banded system whose LU
#: work bound ``n (b + 1)^2`` (``b`` the bandwidth) is at most this many times
#: ``nnz``, the cost of one Krylov mat-vec ...
DIRECT_MAX_RATIO = 3000
#: ... and within these absolute bounds on the fill ``n (b + 1)`` and work.
DIRECT_MAX_FILL = 3e7
DIRECT_MAX_WORK = 1e10
#: A Krylov solve that stalls falls back to a dense LU up to this many unknowns
#: (a sparse LU of an unstructured graph fills in; dense is faster there).
DENSE_FALLBACK_MAX_STATES = 4000
#: The exact (round-off) methods.
EXACT_METHODS = ("dense", "direct")


@dataclass(frozen=True)
class SolveInfo:
    """How a policy-evaluation system was solved."""

    method: str
    residual: float
    iterations: int
    error_bound: float
    elapsed: float


def choose_method(M: sp.csr_array) -> str:
    """The fastest exact method for ``M x = b``: ``dense``, ``direct`` or ``krylov``.

    * ``dense`` (LAPACK LU) when ``n <= DENSE_MAX_STATES``;
    * ``direct`` (sparse LU) when ``M`` is banded, with bandwidth ``b``:
      ``n (b + 1)^2 <= DIRECT_MAX_RATIO nnz(M)`` (the LU work is at most a
      few thousand Krylov mat-vecs) and the fill ``n (b + 1)`` and work
      within ``DIRECT_MAX_FILL`` and ``DIRECT_MAX_WORK`` (grid worlds in
      row-major order);
    * ``krylov`` otherwise (an unstructured graph, where LU fills in).

    The cost model was measured on policy-evaluation systems
    ``I - gamma P_pi`` (this 2-core VM, best of 30, ``tol = 1e-10``):

    =================  =====  ========  =========  ==========
    system             n      dense LU  sparse LU  BiCGSTAB
    =================  =====  ========  =========  ==========
    Garnet(n, 4, 5)    100    0.05 ms   0.25 ms    0.56 ms
    gamma = 0.99       200    0.21 ms   0.73 ms    0.53 ms
                       300    1.0 ms    1.5 ms     0.62 ms
                       400    2.1 ms    2.8 ms     0.65 ms
                       1000   31 ms     42 ms      0.84 ms
                       4000   400 ms    1.4 s      1.7 ms
    grid (b = side)    399    1.2 ms    0.43 ms    2.3 ms
    gamma = 0.99       2499   490 ms    15 ms      29 ms
                       9999   -         40 ms      150 ms
    =================  =====  ========  =========  ==========

    Dense LU wins up to ~200 unknowns; beyond, Krylov wins on random graphs
    (a sparse LU fills in: its ratio ``n (b+1)^2 / nnz`` is 7e3 at
    ``n = 200`` and grows as ``n^2``) and sparse LU on grids (ratio ~2e3 at
    ``n = 1e4``, where BiCGSTAB needs hundreds of steps).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> choose_method(sp.eye_array(100, format="csr"))
    'dense'
    >>> n = 5000  # a chain: bandwidth 1, a sparse LU does not fill in
    >>> chain = sp.diags_array([[1.0] * n, [-0.9] * (n - 1)], offsets=[0, 1], format="csr")
    >>> choose_method(chain)
    'direct'
    """
    n = M.shape[0]
    if n <= DENSE_MAX_STATES:
        return "dense"
    coo = M.tocoo()
    band = int(np.abs(coo.row - coo.col).max()) if coo.nnz else 0
    work = n * (band + 1) ** 2
    banded = (
        work <= DIRECT_MAX_RATIO * max(M.nnz, 1)
        and n * (band + 1) <= DIRECT_MAX_FILL
        and work <= DIRECT_MAX_WORK
    )
    return "direct" if banded else "krylov"


def _system(P: sp.csr_array, gamma: float) -> sp.csr_array:
    """``I - gamma P`` as a CSR matrix."""
    return sp.csr_array(sp.eye_array(P.shape[0], format="csr") - gamma * P)


def _lu_solve(M: sp.csr_array, b: np.ndarray, dense: bool) -> np.ndarray:
    """``M^{-1} b`` by LU: LAPACK on the dense matrix, or SuperLU (COLAMD)."""
    if dense:
        lu = sla.lu_factor(M.toarray(), check_finite=False)
        return sla.lu_solve(lu, b, check_finite=False)
    return spla.splu(sp.csc_array(M), permc_spec="COLAMD").solve(b)


def _shifted_matvec(P: sp.csr_array, gamma: float) -> Any:
    """``x -> (I - gamma P) x`` straight into scipy's CSR kernel.

    No ``I - gamma P`` matrix is built and no operator layers are crossed (at
    1000 unknowns building it cost as much as a Krylov solve).
    """
    if _csr_matvec is None:  # pragma: no cover - other scipy layouts
        return lambda x: x - gamma * (P @ x)
    n, k = P.shape
    indptr, indices, data = P.indptr, P.indices, -gamma * P.data

    def mv(x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float64).ravel()
        y = x.copy()
        _csr_matvec(n, k, indptr, indices, data, x, y)
        return y

    return mv


def _bicgstab(
    mv: Any, b: np.ndarray, x: np.ndarray, atol: float, maxiter: int
) -> tuple[np.ndarray, int]:
    """BiCGSTAB (van der Vorst 1992) until ``||b - M x||_inf <= atol``, ``mv = M @``.

    The textbook recurrences over plain arrays: at small ``n`` the
    per-step overhead of :func:`scipy.sparse.linalg.bicgstab` (its operator
    layers) is several times the two mat-vecs (1000 unknowns: 0.66 ms for
    ~28 steps there, ~0.3 ms here), and its 2-norm test asks for up to
    ``sqrt(n)`` times more accuracy than the max-norm the solvers need.
    Returns ``(x, steps)``; on breakdown (``rho = 0`` or ``omega = 0``) it
    returns the current ``x``.
    """
    n = b.shape[0]
    atol2 = atol * atol

    def small(r: np.ndarray) -> bool:
        rr = float(r @ r)  # ||r||_inf <= ||r||_2 <= sqrt(n) ||r||_inf
        return rr <= atol2 or (rr <= n * atol2 and float(np.abs(r).max()) <= atol)

    x = x.copy()
    r = b - mv(x)
    if small(r):
        return x, 0
    r_hat = r.copy()
    rho = alpha = omega = 1.0
    v = np.zeros_like(b)
    p = np.zeros_like(b)
    for k in range(1, maxiter + 1):
        rho_new = float(r_hat @ r)
        if rho_new == 0.0 or omega == 0.0:
            return x, k - 1
        beta = (rho_new / rho) * (alpha / omega)
        # p = r + beta (p - omega v)
        p -= omega * v
        p *= beta
        p += r
        v = mv(p)
        rv = float(r_hat @ v)
        if rv == 0.0:
            return x, k
        alpha = rho_new / rv
        s = r - alpha * v
        if small(s):
            x += alpha * p
            return x, k
        t = mv(s)
        tt = float(t @ t)
        omega = float(t @ s) / tt if tt > 0.0 else 0.0
        x += alpha * p
        x += omega * s
        r = s - omega * t
        if small(r):
            return x, k
        rho = rho_new
    return x, maxiter


def _krylov(
    mv: Any,
    b: np.ndarray,
    x0: np.ndarray | None,
    res_target: float,
    max_iter: int | None,
) -> tuple[np.ndarray, int]:
    """Solve ``M x = b`` (``mv(x) = M x``) to ``||b - M x||_inf <= res_target`` with Krylov methods.

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
    x_try, steps = _bicgstab(mv, b, x, res_target * 0.5, bicg_steps)
    counter[0] += steps
    if np.isfinite(x_try).all():
        x = x_try
    M = spla.LinearOperator((n, n), matvec=mv, dtype=np.float64)
    for _attempt in range(4 if max_iter is None else 0):
        if np.abs(b - mv(x)).max() <= res_target:
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
    fallback: bool | None = None,
    bonus: FloatArray | None = None,
) -> tuple[FloatArray, SolveInfo]:
    """Solve ``(I - gamma P_pi) V = r_pi`` with ``V = 0`` on terminal states.

    ``bonus`` (an ``(S,)`` array) is added to ``r_pi``: with the entropy bonus
    ``tau H(pi(.|s))`` this is the soft value ``V_tau^pi`` (soft policy
    evaluation); terminal entries are not used.

    ``fallback``: whether a Krylov solve that stalls (misses its target after
    ``AUTO_KRYLOV_BUDGET`` BiCGSTAB steps) falls back to LU; default: with
    ``method="auto"`` only.  (Policy iteration chooses the method once and
    passes ``method="krylov", fallback=True``.)

    Returns ``V [S]`` and a :class:`SolveInfo`.  The accuracy contract: for
    ``dense`` and ``direct`` the result is exact to round-off; for ``krylov`` and
    ``iterative`` with ``gamma < 1``, ``||V - V^pi||_inf <= tol`` (via
    ``||(I - gamma P_pi)^{-1}||_inf <= 1/(1 - gamma)`` applied to the
    residual); with ``gamma = 1`` only the residual ``<= tol`` is promised.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((2, 1, 2))
    >>> P[:, 0, 1] = 1.0  # both states move to state 1, which is terminal
    >>> m = MDP(P, R=[1.0, 0.0], gamma=0.9, terminal=[1])
    >>> V, info = solve_policy_value(m, [0, 0])
    >>> V, info.method
    (array([1., 0.]), 'dense')
    """
    t0 = time.perf_counter()
    if method not in ("auto", "dense", "direct", "krylov", "iterative"):
        msg = (
            f"`method` must be 'auto', 'dense', 'direct', 'krylov' or 'iterative'; "
            f"got {method!r}."
        )
        raise MDPError(msg)
    if validate:
        pi = check_policy(m, pi)
    P_pi, r_pi = policy_matrices(m, pi)
    check_proper(m, P_pi)
    if bonus is not None:
        r_pi = r_pi + np.asarray(bonus, dtype=np.float64)
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
    mv = _shifted_matvec(P_N, g)  # x -> (I - gamma P_N) x
    auto = method == "auto"
    fallback = auto if fallback is None else fallback
    if auto:
        method = (
            "dense"
            if n <= DENSE_MAX_STATES
            else choose_method(sp.csr_array(sp.eye_array(n, format="csr") - g * P_N))
        )
    x0 = None if V0 is None else np.asarray(V0, dtype=np.float64)[live]
    # ||x - x*|| <= ||res|| / (1 - gamma) when gamma < 1
    res_target = tol * (1.0 - g) if g < 1.0 else tol
    iters = 0
    if method in EXACT_METHODS:
        x = _lu_solve(_system(P_N, g), r_N, dense=method == "dense")
        iters = 1
    elif method == "krylov":
        x, iters = _krylov(
            mv, r_N, x0, res_target, AUTO_KRYLOV_BUDGET if fallback else max_iter
        )
        if fallback and not np.abs(r_N - mv(x)).max() <= res_target:
            # ill-conditioned (gamma near 1, slow mixing, e.g. a big open grid):
            # Krylov stalls where sparse LU with COLAMD ordering is cheap
            dense = n <= DENSE_FALLBACK_MAX_STATES
            x = _lu_solve(_system(P_N, g), r_N, dense=dense)
            method = f"{'dense' if dense else 'direct'} (Krylov stalled)"
        elif not np.abs(r_N - mv(x)).max() <= max(
            res_target,
            100 * np.finfo(float).eps * (np.abs(r_N).max() + np.abs(x).max()),
        ):
            warnings.warn(
                f"Krylov policy evaluation stopped with residual "
                f"{np.abs(r_N - mv(x)).max():.3g} above its target {res_target:.3g}: "
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
    res = float(np.abs(r_N - mv(x)).max())
    bound = res / (1.0 - g) if g < 1.0 else float("nan")
    V[live] = x
    return V, SolveInfo(method, res, iters, bound, time.perf_counter() - t0)
