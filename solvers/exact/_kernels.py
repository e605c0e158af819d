r"""Fast kernels for the Bellman backup (internal).

The public layout is ``P (S*A, S)`` with row ``s*A + a``.  For the inner loops
of value iteration and (modified) policy iteration the solvers build, once per
solve, an *action-major* copy ``gamma P`` with row ``a*S + s``:

* ``Q = r + gamma P V`` is then one fused CSR product that accumulates into a
  copy of ``r`` (no separate scale and add passes), and
* ``max_a Q(s, a)`` is ``A - 1`` element-wise maxima of contiguous rows of
  the ``(A, S)`` result, instead of a slow reduction along a length-``A``
  axis (at ``S = 1e6, A = 4`` numpy's ``Q.max(axis=1)`` costs as much as the
  mat-vec itself).

The product is split by rows into chunks of equal non-zero count, run on a
small thread pool (scipy's CSR kernel releases the GIL), so on a 2-core
machine one sweep costs less than one single-threaded ``P @ V``.
``MDPKIT_NUM_THREADS`` sets the number of threads (default: the number of
CPUs, at most 8); problems with fewer than ``PARALLEL_MIN_NNZ`` non-zeros run
on the calling thread.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from mdp import MDP
from mdp.types import FloatArray, IntArray

try:  # scipy's CSR kernel: y += A @ x on a row range, without copies
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
except ImportError:  # pragma: no cover - other scipy layouts: public API path
    _csr_matvec = None

#: Below this many non-zeros a product runs on the calling thread.
PARALLEL_MIN_NNZ = 200_000

_pool: ThreadPoolExecutor | None = None


def num_threads() -> int:
    """Threads used for large products (``MDPKIT_NUM_THREADS`` or #CPUs, <= 8)."""
    env = os.environ.get("MDPKIT_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(os.cpu_count() or 1, 8))


def _executor(n: int) -> ThreadPoolExecutor:
    global _pool
    if _pool is None or _pool._max_workers < n:  # noqa: SLF001
        _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="mdpkit")
    return _pool


class AffineCSR:
    """``y = b + M x`` for a CSR matrix ``M [n, S]`` and offset ``b [n]``."""

    def __init__(self, M: sp.csr_array, b: FloatArray) -> None:
        self.M = M
        self.b = np.ascontiguousarray(b, dtype=np.float64)
        self.n, self.n_cols = M.shape
        k = (
            num_threads()
            if (M.nnz >= PARALLEL_MIN_NNZ and _csr_matvec is not None)
            else 1
        )
        # row cuts with (about) equal non-zeros per chunk
        cuts = np.searchsorted(M.indptr, np.linspace(0, M.nnz, k + 1), side="left")
        cuts[0], cuts[-1] = 0, self.n
        self.chunks = [
            (int(lo), int(hi))
            for lo, hi in zip(cuts[:-1], cuts[1:], strict=True)
            if hi > lo
        ]

    def _chunk(self, args: tuple[int, int, FloatArray, FloatArray]) -> None:
        lo, hi, x, out = args
        M = self.M
        out[lo:hi] = self.b[lo:hi]
        _csr_matvec(
            hi - lo,
            self.n_cols,
            M.indptr[lo : hi + 1],
            M.indices,
            M.data,
            x,
            out[lo:hi],
        )

    def __call__(self, x: FloatArray, out: FloatArray | None = None) -> FloatArray:
        if out is None:
            out = np.empty(self.n)
        x = np.ascontiguousarray(x, dtype=np.float64)
        if _csr_matvec is None:
            np.add(self.b, self.M @ x, out=out)
        elif len(self.chunks) <= 1:
            self._chunk((0, self.n, x, out))
        else:
            jobs = [(lo, hi, x, out) for lo, hi in self.chunks]
            list(_executor(len(jobs)).map(self._chunk, jobs))
        return out


class Backup:
    r"""The Bellman backup of one MDP in the action-major, pre-scaled layout.

    ``q(V)`` returns ``Q`` as an ``(A, S)`` array (``Q[a, s] = Q(s, a)``,
    ``-inf`` for unavailable actions); ``max`` / ``argmax`` reduce it.  Built
    once per solve (an action-major copy of ``gamma P``), it is the fast
    kernel behind value iteration, modified policy iteration and MPC:

    .. math:: Q(s, a) = r(s, a) + \gamma \sum_{s'} P(s'|s, a) V(s')

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers.exact import Backup
    >>> m = MDP(np.ones((2, 2, 2)) / 2, R=[[0.0, 1.0], [2.0, 3.0]], gamma=0.5)
    >>> kernel = Backup(m)
    >>> Q_as = kernel.q(np.array([2.0, 4.0]))   # (A, S): Q_as[a, s] = Q(s, a)
    >>> Q_as.T
    array([[1.5, 2.5],
           [3.5, 4.5]])
    >>> kernel.max(Q_as)
    array([2.5, 4.5])
    """

    def __init__(self, m: MDP) -> None:
        S, A = m.n_states, m.n_actions
        self.S, self.A, self.gamma = S, A, m.gamma
        # action-major row a*S + s  <-  row s*A + a of the public layout
        self.perm = (np.arange(S)[None, :] * A + np.arange(A)[:, None]).ravel()
        gP = sp.csr_array(m.P[self.perm])
        gP.data *= m.gamma
        self.gP = gP
        self.r_am = m.r_masked[self.perm]
        self.r_plain = m.r.T.ravel()  # r without -inf, action-major
        self._q = AffineCSR(gP, self.r_am)
        self._buf = np.empty(S * A)

    def q(self, V: FloatArray, out: FloatArray | None = None) -> FloatArray:
        """``Q(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V(s')`` as ``(A, S)``."""
        buf = self._buf if out is None else out
        return self._q(V, out=buf).reshape(self.A, self.S)

    @staticmethod
    def max(Q_as: FloatArray) -> FloatArray:
        """``max_a Q(s, a)`` of an ``(A, S)`` array (contiguous row maxima)."""
        V = Q_as[0].copy()
        for a in range(1, Q_as.shape[0]):
            np.maximum(V, Q_as[a], out=V)
        return V

    @staticmethod
    def argmax(Q_as: FloatArray) -> tuple[FloatArray, IntArray]:
        """``(max_a Q, lowest-index argmax_a Q)`` of an ``(A, S)`` array."""
        best = Q_as[0].copy()
        arg = np.zeros(Q_as.shape[1], dtype=np.intp)
        for a in range(1, Q_as.shape[0]):
            better = Q_as[a] > best
            best[better] = Q_as[a][better]
            arg[better] = a
        return best, arg

    def policy_operator(self, pi: IntArray) -> AffineCSR:
        """``V -> r_pi + gamma P_pi V`` for a deterministic policy ``pi [S]``."""
        rows = pi * self.S + np.arange(self.S)
        return AffineCSR(sp.csr_array(self.gP[rows]), self.r_plain[rows])

    def to_sa(self, Q_as: FloatArray) -> FloatArray:
        """``Q [S, A]`` (the public layout) from an ``(A, S)`` array."""
        return np.ascontiguousarray(Q_as.T)
