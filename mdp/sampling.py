"""The generative view of an MDP for many walkers at once: :class:`BatchSampler`.

Model-free learners see an MDP only through this view: ``reset`` draws start
states ``s_0 ~ p0`` and ``step`` draws ``s' ~ P(.|s, a)`` with its reward
``R(s, a, s')`` (plus Gaussian noise of std ``reward_std`` when the model has
one) and whether ``s'`` is terminal.  Both take arrays, one entry per walker,
and sample by inverse CDF: one ``searchsorted`` over a global key array built
once from the CSR rows of ``P``, with no Python loop over walkers.

Layout
------
Row ``s*A + a`` of ``P (S*A, S)`` holds ``P(.|s, a)`` in CSR form; entry ``k``
of ``P.data`` is the transition ``(s, a, s' = P.indices[k])``.  The sampler
keeps, per entry, ``key[k] = row + F(k)`` where ``F`` is the cumulative
probability within the row (``F = 1`` exactly on the row's last entry), the
reward ``R(s, a, s')`` of the entry and its noise std.  A walker in row ``q``
with uniform ``u`` moves along the first entry whose key exceeds ``q + u``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._errors import MDPError
from .checks import as_generator, check_int
from .types import BoolArray, FloatArray, IntArray, RNGLike

if TYPE_CHECKING:
    from .model import MDP

__all__ = ["BatchSampler"]

_SHORT = 8  # rows up to this many entries are searched by counting


class BatchSampler:
    r"""Reset and step arrays of walkers in an MDP (its generative view).

    Parameters
    ----------
    m : MDP
        The model; its tables are read once, here.

    Attributes
    ----------
    n_states, n_actions : int
        ``S`` and ``A``.
    gamma : float
        The model's discount (learners use it as their default).
    action_mask : ndarray of bool (S, A)
        Available actions (read-only).
    terminal : ndarray of bool (S,)
        Terminal states (read-only); episodes end on entering one.
    noisy : bool
        Whether sampled rewards carry Gaussian noise (``m.reward_std``).

    Notes
    -----
    ``step`` samples

    .. math:: s' \sim P(\cdot \mid s, a), \qquad
              r = R(s, a, s') + \sigma(s, a, s')\, z, \quad z \sim N(0, 1),

    with ``R(s, a, s')`` from ``m.R_sas`` when the model has it, else
    ``r(s, a)``, and ``sigma = 0`` unless the model has ``reward_std``.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> from mdp.sampling import BatchSampler
    >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[[0.0], [1.0]], gamma=0.5)
    >>> bs = BatchSampler(m)
    >>> rng = np.random.default_rng(0)
    >>> s = bs.reset(4, rng)
    >>> s2, r, term = bs.step(s, np.zeros(4, dtype=int), rng)
    >>> s2.shape, r.dtype, term.dtype
    ((4,), dtype('float64'), dtype('bool'))
    >>> s2 = bs.step(np.zeros(100_000, dtype=int), np.zeros(100_000, dtype=int), rng)[0]
    >>> round(float(s2.mean()), 2)
    0.5
    """

    def __init__(self, m: MDP) -> None:
        S, A = m.n_states, m.n_actions
        P = m.P
        indptr = np.asarray(P.indptr, dtype=np.int64)
        data = np.asarray(P.data, dtype=np.float64)
        counts = np.diff(indptr)
        rows = np.repeat(np.arange(S * A, dtype=np.int64), counts)
        csum = np.cumsum(data)
        before = np.concatenate([[0.0], csum])[indptr[:-1]]  # mass before each row
        total = np.concatenate([[0.0], csum])[indptr[1:]] - before
        within = np.zeros_like(data)
        if data.size:
            within = (csum - before[rows]) / total[rows]
            last = indptr[1:][counts > 0] - 1
            within[last] = 1.0  # the row's CDF ends exactly at 1
        self._key = rows.astype(np.float64) + within
        self._next = np.asarray(P.indices, dtype=np.int64)
        R_sas = m.R_sas
        if R_sas is not None:
            self._reward = np.asarray(R_sas.data, dtype=np.float64).copy()
        else:
            self._reward = np.asarray(m.r, dtype=np.float64).ravel()[rows]
        std = m.reward_std
        self._std: FloatArray | None = None
        if std is not None:
            std = np.asarray(std, dtype=np.float64)
            if std.shape == (S, A):
                std = std.ravel()[rows]
            elif std.ndim == 0:
                std = np.full(data.shape, float(std))
            if np.any(std > 0):
                self._std = np.array(std, dtype=np.float64)
        self._row_last = indptr[1:] - 1
        # Short rows (at most _SHORT entries, as in grids and Garnets): the
        # first key exceeding row + u is found by counting, column by column,
        # the keys <= row + u among each row's first len - 1 entries (the
        # same comparisons as searchsorted, bounded to the row, so the same
        # entry), which is several times faster than a binary search over
        # all keys for a batch of walkers.  Columns past a row's end hold inf.
        width = int(counts.max()) if counts.size else 0
        self._start = indptr[:-1].copy()
        self._short: list[FloatArray] | None = None
        if width <= _SHORT and S * A * max(width - 1, 0) <= 4 * data.size + 64:
            cols = []
            for j in range(width - 1):
                col = np.full(S * A, np.inf)
                has = counts > j + 1  # entry j is not the row's last
                col[has] = self._key[self._start[has] + j]
                cols.append(col)
            self._short = cols
        p0 = np.asarray(m.p0, dtype=np.float64)
        c0 = np.cumsum(p0)
        self._p0_cdf = c0 / c0[-1]
        self._terminal = np.array(m.terminal, dtype=bool)
        self._mask = np.array(m.action_mask, dtype=bool)
        self._terminal.flags.writeable = False
        self._mask.flags.writeable = False
        self._all_available = bool(self._mask.all())
        self.n_states, self.n_actions = S, A
        self.gamma = float(m.gamma)
        self._names = m.names

    # ---------------------------------------------------------- attributes
    @property
    def terminal(self) -> BoolArray:
        """Terminal states, bool ``(S,)``."""
        return self._terminal

    @property
    def action_mask(self) -> BoolArray:
        """Available actions, bool ``(S, A)``."""
        return self._mask

    @property
    def noisy(self) -> bool:
        """Whether rewards carry Gaussian noise."""
        return self._std is not None

    @property
    def names(self) -> Any:
        """The model's state and action names (:class:`mdp.Names`)."""
        return self._names

    # -------------------------------------------------------------- checked
    def reset(self, n: int, seed: RNGLike = None) -> IntArray:
        """Start states of ``n`` walkers, ``s_0 ~ p0``: int ``(n,)``.

        Examples
        --------
        >>> import numpy as np
        >>> from mdp import MDP
        >>> from mdp.sampling import BatchSampler
        >>> m = MDP(np.ones((3, 1, 3)) / 3, R=np.zeros(3), gamma=0.9, p0=[0, 0, 1])
        >>> BatchSampler(m).reset(3, 0).tolist()
        [2, 2, 2]
        """
        n = check_int(n, "n", minimum=0)
        gen = as_generator(seed)
        return self.reset_uniform(gen.random(n))

    def step(
        self, s: Any, a: Any, seed: RNGLike = None
    ) -> tuple[IntArray, FloatArray, BoolArray]:
        """One step of every walker: ``(s_next, reward, terminated)``, each ``(n,)``.

        Parameters
        ----------
        s, a : array_like of int (n,)
            Current states and available actions, one per walker.
        seed : numpy.random.Generator or int or None
            Source of randomness (pass one Generator for a stream of steps).

        Raises
        ------
        MDPError
            If ``s`` and ``a`` are not 1-D integer arrays of the same length,
            hold an out-of-range index, or pick an unavailable action.
        """
        s_arr, a_arr = self._check(s, a)
        gen = as_generator(seed)
        u = np.asarray(gen.random(s_arr.shape[0]))
        z = (
            np.asarray(gen.standard_normal(s_arr.shape[0]))
            if self._std is not None
            else None
        )
        return self.step_uniform(s_arr, a_arr, u, z)

    def _check(self, s: Any, a: Any) -> tuple[IntArray, IntArray]:
        S, A = self.n_states, self.n_actions
        out = []
        for x, name, n in ((s, "s", S), (a, "a", A)):
            arr = np.asarray(x)
            if arr.ndim != 1 or arr.dtype.kind not in "iu":
                msg = (
                    f"`{name}` must be a 1-D integer array (one entry per walker); "
                    f"got shape {arr.shape}, dtype {arr.dtype}."
                )
                raise MDPError(msg)
            bad = np.flatnonzero((arr < 0) | (arr >= n))
            if bad.size:
                i = int(bad[0])
                what = "state" if name == "s" else "action"
                msg = (
                    f"`{name}[{i}]` = {int(arr[i])} is not a {what} index "
                    f"(valid 0..{n - 1})."
                )
                raise MDPError(msg)
            out.append(arr.astype(np.int64, copy=False))
        s_arr, a_arr = out
        if s_arr.shape != a_arr.shape:
            msg = (
                f"`s` and `a` must have the same length (one action per walker); "
                f"got {s_arr.shape[0]} states and {a_arr.shape[0]} actions."
            )
            raise MDPError(msg)
        if not self._all_available:
            bad = np.flatnonzero(~self._mask[s_arr, a_arr])
            if bad.size:
                i = int(bad[0])
                msg = (
                    f"walker {i}: action {int(a_arr[i])} is not available in state "
                    f"{int(s_arr[i])} (see `action_mask`)."
                )
                raise MDPError(msg)
        return s_arr, a_arr

    # ---------------------------------------------------- unchecked, fast
    def reset_uniform(self, u: FloatArray) -> IntArray:
        """Start states from given uniforms ``u [n]`` in ``[0, 1)`` (no checks)."""
        k = np.searchsorted(self._p0_cdf, u, side="right")
        return np.minimum(k, self.n_states - 1)

    def step_uniform(
        self,
        s: IntArray,
        a: IntArray,
        u: FloatArray,
        z: FloatArray | None = None,
    ) -> tuple[IntArray, FloatArray, BoolArray]:
        """One step from given uniforms ``u [n]`` (and normals ``z [n]``); no checks.

        The fast path for learners that draw their own random numbers: ``s``
        and ``a`` must be valid, available int64 arrays.  ``z`` is used only
        when the model has reward noise (``noisy``).
        """
        row = s * self.n_actions + a
        # inverse CDF on the row: first entry whose key exceeds row + u
        x = row + u
        if self._short is not None:
            k = self._start.take(row)
            for col in self._short:
                k += col.take(row) <= x
        else:
            k = np.searchsorted(self._key, x, side="right")
            k = np.minimum(k, self._row_last[row])
        s_next = self._next.take(k)
        reward = self._reward.take(k)
        if self._std is not None and z is not None:
            reward = reward + self._std.take(k) * z
        return s_next, reward, self._terminal.take(s_next)

    def tables(self) -> dict[str, Any]:
        """The sampler's inverse-CDF tables, as read-only arrays.

        For compiled or scalar loops that step walkers themselves, with the
        same numbers as :meth:`step_uniform`: ``key`` (float, per entry),
        ``next`` (the entry's ``s'``), ``reward`` and ``std`` (float per entry;
        ``std`` is empty without reward noise), ``start`` and ``last`` (each
        row's first and last entry), ``p0_cdf``, ``terminal`` and ``mask``.
        Row ``q = s*A + a`` with uniform ``u`` moves along the first entry
        ``k`` in ``start[q] .. last[q]`` with ``key[k] > q + u`` (else
        ``last[q]``).

        Examples
        --------
        >>> import numpy as np
        >>> from mdp import MDP
        >>> from mdp.sampling import BatchSampler
        >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[[0.0], [1.0]], gamma=0.5)
        >>> t = BatchSampler(m).tables()
        >>> t["key"].tolist(), t["start"].tolist(), t["last"].tolist()
        ([0.5, 1.0, 1.5, 2.0], [0, 2], [1, 3])
        """
        out = {
            "key": self._key,
            "next": self._next,
            "reward": self._reward,
            "std": np.zeros(0) if self._std is None else self._std,
            "start": self._start,
            "last": self._row_last,
            "p0_cdf": self._p0_cdf,
            "terminal": self._terminal,
            "mask": self._mask,
        }
        views = {}
        for name, arr in out.items():
            v = arr.view()
            v.flags.writeable = False
            views[name] = v
        return views
