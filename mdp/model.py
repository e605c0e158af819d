"""The explicit MDP model: transition and reward tables in one layout.

Layout (stated once, used everywhere)
-------------------------------------
* ``S`` states ``0..S-1`` and ``A`` actions ``0..A-1``.
* ``P`` is a ``scipy.sparse.csr_array`` of shape ``(S*A, S)``; row ``s*A + a``
  holds ``P(. | s, a)``.  A dense ``(S, A, S)`` array has the same memory
  order, so ``P_dense.reshape(S*A, S)`` is the same matrix.
* ``r [S, A]`` is the expected reward ``r(s, a) = sum_s' P(s'|s,a) R(s,a,s')``.
  When ``R(s, a, s')`` is given it is also kept on ``P``'s sparsity pattern so
  that sampled transitions see the right reward.
* Terminal states are absorbing with zero reward: their value is 0 and an
  episode ends on entering one.  A reward for reaching a goal is paid on the
  transition *into* it, ``R(s, a, s')``.
* ``action_mask [S, A]`` (bool) marks the available actions; rows of ``P``
  for unavailable pairs are ignored.

Terminal rows: the rule
-----------------------
For a terminal state ``s`` the rows ``P(. | s, a)`` given by the user must be
either all zero (they are then filled with the absorbing self-loop
``P(s | s, a) = 1``) or already that self-loop.  Any other row, and any
non-zero reward out of a terminal state, contradicts "absorbing with zero
reward" and raises :class:`MDPError` instead of being rewritten.
"""

from __future__ import annotations

import os
import zipfile
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from ._errors import MDPError
from .checks import check_gamma
from .checks import format_states as _where
from .types import BoolArray, FloatArray, RNGLike

__all__ = ["MDP", "Names", "load", "check_mdp"]

#: Tolerance on ``|sum_s' P(s'|s,a) - 1|`` and on ``|sum p0 - 1|``.
STOCHASTIC_ATOL = 1e-8
_NPZ_FORMAT = 1


class Names(NamedTuple):
    """State and action names of an MDP (tuples of str)."""

    states: tuple[str, ...]
    actions: tuple[str, ...]


def _as_float(x: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"`{name}` must be a numeric array; converting it failed: {exc}"
        raise MDPError(msg) from exc
    return arr


def _transition_matrix(P: Any) -> tuple[sp.csr_array, int, int]:
    """Convert ``P`` to a canonical CSR ``(S*A, S)`` float64 array."""
    if sp.issparse(P):
        n_rows, S = P.shape
        if S == 0 or n_rows % S != 0:
            msg = (
                f"`P` is sparse with shape {P.shape}; expected (S*A, S), whose "
                f"row count is a multiple of its column count (row s*A + a "
                f"holds P(.|s, a))."
            )
            raise MDPError(msg)
        A = n_rows // S
        # copy: the MDP must not share (and later freeze) the caller's arrays
        Pc = sp.csr_array(P, dtype=np.float64, copy=True)
        Pc.sum_duplicates()
        Pc.eliminate_zeros()  # stored zeros are not transitions
        Pc.sort_indices()
        return Pc, S, A
    arr = _as_float(P, "P")
    if arr.ndim != 3 or arr.shape[0] != arr.shape[2] or arr.shape[0] == 0:
        msg = (
            f"`P` has shape {arr.shape}; expected a dense (S, A, S) array with "
            f"P[s, a, s'] = P(s'|s, a), or a scipy.sparse matrix of shape (S*A, S)."
        )
        raise MDPError(msg)
    S, A, _ = arr.shape
    if A == 0:
        raise MDPError("`P` has no actions (shape (S, 0, S)); A must be at least 1.")
    return sp.csr_array(arr.reshape(S * A, S)), S, A


class MDP:
    """A finite Markov decision process given by its tables (immutable).

    Parameters
    ----------
    P : array_like (S, A, S) or scipy.sparse (S*A, S)
        Transition probabilities ``P(s'|s,a)``; sparse row ``s*A + a``.
    R : array_like (S,), (S, A), (S, A, S) or scipy.sparse (S*A, S)
        Rewards ``R(s)``, ``R(s, a)`` or ``R(s, a, s')``; reduced to the
        expected reward ``r(s, a) = sum_s' P(s'|s,a) R(s,a,s')``.  Entries of
        ``R(s,a,s')`` where ``P(s'|s,a) = 0`` are ignored.
    gamma : float
        Discount factor in ``[0, 1]``.
    p0 : array_like (S,), optional
        Start-state distribution; default uniform over non-terminal states.
    terminal : array_like of bool (S,) or of int, optional
        Terminal (absorbing, zero-reward) states, as a mask or an index list.
    action_mask : array_like of bool (S, A), optional
        ``True`` where action ``a`` is available in state ``s``; default all.
        Rows of ``P`` (and rewards) for unavailable pairs are ignored and may
        be all zero; every state needs at least one available action.
    state_names, action_names : sequence of str, optional
        Names used in reports and plots; default ``"0", "1", ...``.

    Attributes
    ----------
    n_states, n_actions : int
        ``S`` and ``A``.
    gamma : float
    P : scipy.sparse.csr_array (S*A, S)
        Read-only; rows of terminal states are self-loops, rows of unavailable
        pairs are zero.
    r : ndarray (S, A)
        Expected reward; 0 for terminal states and unavailable pairs.
    R_sas : scipy.sparse.csr_array (S*A, S) or None
        ``R(s, a, s')`` on ``P``'s pattern when it was given, else ``None``.
    p0 : ndarray (S,)
    terminal : ndarray of bool (S,)
    action_mask : ndarray of bool (S, A)
    names : Names
        ``names.states`` and ``names.actions``.

    Raises
    ------
    MDPError
        (a ``ValueError``) naming the offending shape, state, action or row.

    Notes
    -----
    The generative view :meth:`step` samples ``s' ~ P(.|s,a)`` and the reward
    ``R(s,a,s')`` from the same tables, so sample-based algorithms can be
    checked against the exact solution of the same object.

    Examples
    --------
    A two-state chain: action 0 stays, action 1 moves; being in state 1 pays 1.

    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((2, 2, 2))
    >>> P[0, 0, 0] = P[1, 0, 1] = 1.0      # stay
    >>> P[0, 1, 1] = P[1, 1, 0] = 1.0      # move
    >>> m = MDP(P, R=[0.0, 1.0], gamma=0.9)
    >>> m.n_states, m.n_actions, m.P.shape
    (2, 2, (4, 2))
    >>> m.r
    array([[0., 0.],
           [1., 1.]])
    """

    __slots__ = (
        "_P",
        "_r",
        "_R_sas",
        "_gamma",
        "_p0",
        "_terminal",
        "_mask",
        "_names",
        "_cache",
        "__weakref__",
    )

    def __init__(
        self,
        P: Any,
        R: Any,
        gamma: float,
        p0: npt.ArrayLike | None = None,
        terminal: npt.ArrayLike | None = None,
        action_mask: npt.ArrayLike | None = None,
        state_names: Any = None,
        action_names: Any = None,
    ) -> None:
        Pc, S, A = _transition_matrix(P)
        gamma = check_gamma(gamma)
        term = self._check_terminal(terminal, S)
        mask = self._check_mask(action_mask, S, A)
        avail_rows = mask.ravel()

        # unavailable pairs: rows ignored (stored as zero rows)
        if not avail_rows.all():
            Pc = sp.csr_array(sp.diags_array(avail_rows.astype(np.float64)) @ Pc)
            Pc.eliminate_zeros()
        self._check_entries(Pc, S, A)
        Pc = self._absorb_terminals(Pc, term, mask, S, A)
        self._check_row_sums(Pc, avail_rows, S, A)

        r, R_sas = self._rewards(R, Pc, S, A, avail_rows)
        self._check_terminal_rewards(r, R_sas, term, S, A)

        self._P = Pc
        for arr in (Pc.data, Pc.indices, Pc.indptr):
            arr.flags.writeable = False
        if R_sas is not None:
            for arr in (R_sas.data, R_sas.indices, R_sas.indptr):
                arr.flags.writeable = False
        self._R_sas = R_sas
        self._r = _frozen(r)
        self._gamma = gamma
        self._terminal = _frozen(term)
        self._mask = _frozen(mask)
        self._p0 = _frozen(self._check_p0(p0, term, S))
        self._names = Names(
            _check_names(state_names, S, "state_names"),
            _check_names(action_names, A, "action_names"),
        )
        self._cache: dict[str, Any] = {}

    # ----------------------------------------------------------- validation
    @staticmethod
    def _check_terminal(terminal: Any, S: int) -> BoolArray:
        if terminal is None:
            return np.zeros(S, dtype=bool)
        t = np.asarray(terminal)
        if t.dtype == bool:
            if t.shape != (S,):
                msg = (
                    f"`terminal` as a boolean mask has shape {t.shape}; "
                    f"expected ({S},), one entry per state."
                )
                raise MDPError(msg)
            return t.copy()
        if t.size == 0:
            return np.zeros(S, dtype=bool)
        if t.ndim != 1 or not np.issubdtype(t.dtype, np.integer):
            msg = (
                f"`terminal` must be a boolean mask of shape ({S},) or a 1-D list "
                f"of state indices; got dtype {t.dtype} and shape {t.shape}."
            )
            raise MDPError(msg)
        bad = t[(t < 0) | (t >= S)]
        if bad.size:
            msg = (
                f"`terminal` index {int(bad[0])} is out of range for {S} states "
                f"(valid indices are 0..{S - 1})."
            )
            raise MDPError(msg)
        out = np.zeros(S, dtype=bool)
        out[t] = True
        return out

    @staticmethod
    def _check_mask(action_mask: Any, S: int, A: int) -> BoolArray:
        if action_mask is None:
            return np.ones((S, A), dtype=bool)
        m = np.asarray(action_mask)
        if m.shape != (S, A):
            msg = f"`action_mask` has shape {m.shape}; expected (S, A) = ({S}, {A})."
            raise MDPError(msg)
        if m.dtype != bool:
            if not np.isin(m, (0, 1)).all():
                msg = "`action_mask` must be boolean (True = action available)."
                raise MDPError(msg)
            m = m.astype(bool)
        empty = np.flatnonzero(~m.any(axis=1))
        if empty.size:
            msg = (
                f"`action_mask` leaves no available action in {_where(empty)}; "
                f"every state needs at least one (give terminal states any one)."
            )
            raise MDPError(msg)
        return m.copy()

    @staticmethod
    def _check_entries(Pc: sp.csr_array, S: int, A: int) -> None:
        data = Pc.data
        bad = ~np.isfinite(data)
        if bad.any():
            row = np.searchsorted(Pc.indptr, np.flatnonzero(bad)[0], side="right") - 1
            msg = (
                f"`P` has a non-finite entry (NaN or inf) in row "
                f"{_where([row], A)}; probabilities must be finite."
            )
            raise MDPError(msg)
        neg = data < 0
        if neg.any():
            k = np.flatnonzero(neg)[0]
            row = np.searchsorted(Pc.indptr, k, side="right") - 1
            msg = (
                f"`P` has a negative entry P({Pc.indices[k]}|{row // A}, {row % A}) "
                f"= {data[k]:g} at {_where([row], A)}; probabilities must be >= 0."
            )
            raise MDPError(msg)

    @staticmethod
    def _absorb_terminals(
        Pc: sp.csr_array, term: BoolArray, mask: BoolArray, S: int, A: int
    ) -> sp.csr_array:
        if not term.any():
            return Pc
        t_states = np.flatnonzero(term)
        rows = (t_states[:, None] * A + np.arange(A)).ravel()
        rows = rows[mask[t_states].ravel()]
        sub = Pc[rows]
        nnz = np.diff(sub.indptr)
        owner = rows // A
        # allowed: an all-zero row, or exactly the self-loop P(s|s,a) = 1
        self_loop = sub[np.arange(rows.size), owner]
        ok = (nnz == 0) | (
            (np.abs(self_loop - 1.0) <= STOCHASTIC_ATOL)
            & (np.asarray(abs(sub).sum(axis=1)).ravel() <= 1.0 + STOCHASTIC_ATOL)
        )
        if not ok.all():
            bad = rows[~ok]
            msg = (
                f"terminal state rows must be absorbing: {_where(bad, A)} of `P` "
                f"is neither all zero nor the self-loop P(s|s,a) = 1. Terminal "
                f"states are absorbing with zero reward; give all-zero rows (they "
                f"are filled with self-loops) or drop the state from `terminal`."
            )
            raise MDPError(msg)
        keep = np.ones(S * A, dtype=np.float64)
        keep[rows] = 0.0
        Pk = sp.csr_array(sp.diags_array(keep) @ Pc)
        loops = sp.csr_array(
            (np.ones(rows.size), (rows, owner)), shape=(S * A, S), dtype=np.float64
        )
        out = sp.csr_array(Pk + loops)
        out.eliminate_zeros()
        out.sort_indices()
        return out

    @staticmethod
    def _check_row_sums(Pc: sp.csr_array, avail_rows: np.ndarray, S: int, A: int):
        sums = np.asarray(Pc.sum(axis=1)).ravel()
        bad = np.flatnonzero((np.abs(sums - 1.0) > STOCHASTIC_ATOL) & avail_rows)
        if bad.size:
            k = bad[0]
            msg = (
                f"`P` row {k} = P(.|state {k // A}, action {k % A}) sums to "
                f"{sums[k]:.10g}, not 1 ({bad.size} such row(s): {_where(bad, A)}). "
                f"Normalise the row, or mark the action unavailable with "
                f"`action_mask`"
                + (", or the state terminal with `terminal`" if sums[k] == 0 else "")
                + "."
            )
            raise MDPError(msg)

    @staticmethod
    def _rewards(
        R: Any, Pc: sp.csr_array, S: int, A: int, avail_rows: np.ndarray
    ) -> tuple[FloatArray, sp.csr_array | None]:
        R_sas = None
        if sp.issparse(R):
            if R.shape != (S * A, S):
                msg = (
                    f"`R` is sparse with shape {R.shape}; a sparse R(s, a, s') "
                    f"must have P's shape (S*A, S) = ({S * A}, {S})."
                )
                raise MDPError(msg)
            Rc = sp.coo_array(R)
            keys = np.asarray(Rc.coords[0], dtype=np.int64) * S + np.asarray(
                Rc.coords[1]
            )
            Rs = sp.csr_array(R, dtype=np.float64, copy=True)
            Rs.sum_duplicates()
            if np.unique(keys).size != keys.size:
                msg = (
                    "`R` lists some (s, a, s') entry more than once; rewards of repeated "
                    "entries are not added (unlike probabilities). Combine them first, "
                    "e.g. as the probability-weighted mean (MDP.from_gymnasium does this)."
                )
                raise MDPError(msg)
            # R(s,a,s') read off on P's pattern (entries off it are ignored)
            R_sas = _on_pattern(Rs, Pc)
            _check_finite_sas(R_sas, A)
        else:
            arr = _as_float(R, "R")
            if arr.shape == (S,):
                if not np.isfinite(arr).all():
                    k = int(np.flatnonzero(~np.isfinite(arr))[0])
                    msg = f"`R` has a NaN or inf entry at state {k}: R({k}) = {arr[k]}."
                    raise MDPError(msg)
                r = np.repeat(arr[:, None], A, axis=1)
            elif arr.shape == (S, A):
                # entries of unavailable pairs are ignored (may be -inf)
                bad = np.argwhere(~np.isfinite(arr) & avail_rows.reshape(S, A))
                if bad.size:
                    s, a = (int(i) for i in bad[0])
                    msg = (
                        f"`R` has a NaN or inf entry at (state {s}, action {a}): "
                        f"R({s}, {a}) = {arr[s, a]}."
                    )
                    raise MDPError(msg)
                r = arr.copy()
            elif arr.shape == (S, A, S):
                # only entries with P(s'|s,a) > 0 are read
                R_sas = _on_pattern(arr.reshape(S * A, S), Pc)
                _check_finite_sas(R_sas, A)
            else:
                msg = (
                    f"`R` has shape {arr.shape}; expected R(s) ({S},), R(s, a) "
                    f"({S}, {A}), R(s, a, s') ({S}, {A}, {S}), or a sparse "
                    f"({S * A}, {S}) matrix on P's pattern."
                )
                raise MDPError(msg)
        if R_sas is not None:
            # r(s, a) = sum_s' P(s'|s,a) R(s,a,s')
            prod = Pc.copy()
            prod.data = Pc.data * R_sas.data
            r = np.asarray(prod.sum(axis=1)).ravel().reshape(S, A)
        r = np.where(avail_rows.reshape(S, A), r, 0.0)
        return r, R_sas

    @staticmethod
    def _check_terminal_rewards(
        r: FloatArray, R_sas: sp.csr_array | None, term: BoolArray, S: int, A: int
    ) -> None:
        if not term.any():
            return
        # terminal rows are self-loops by now, so r(s, a) = R(s, a, s) there
        bad = np.argwhere(term[:, None] & (r != 0.0))
        if bad.size:
            s, a = (int(i) for i in bad[0])
            msg = (
                f"terminal state {s} has non-zero reward r({s}, {a}) = {r[s, a]:g}. "
                f"Terminal states are absorbing with zero reward; pay a reward for "
                f"reaching state {s} on the transition into it, R(s, a, s'={s})."
            )
            raise MDPError(msg)

    @staticmethod
    def _check_p0(p0: Any, term: BoolArray, S: int) -> FloatArray:
        if p0 is None:
            live = ~term
            if not live.any():
                return np.full(S, 1.0 / S)
            return live / live.sum()
        p = _as_float(p0, "p0")
        if p.shape != (S,):
            msg = f"`p0` has shape {p.shape}; expected ({S},), a distribution over states."
            raise MDPError(msg)
        if not np.isfinite(p).all() or (p < 0).any():
            k = int(np.flatnonzero(~np.isfinite(p) | (p < 0))[0])
            msg = f"`p0` must be non-negative and finite; p0[{k}] = {p[k]}."
            raise MDPError(msg)
        if abs(p.sum() - 1.0) > STOCHASTIC_ATOL:
            msg = f"`p0` must sum to 1 (a distribution over states); it sums to {p.sum():.10g}."
            raise MDPError(msg)
        return p.copy()

    # ------------------------------------------------------------- attributes
    @property
    def n_states(self) -> int:
        """Number of states ``S``."""
        return self._P.shape[1]

    @property
    def n_actions(self) -> int:
        """Number of actions ``A``."""
        return self._P.shape[0] // self._P.shape[1]

    @property
    def gamma(self) -> float:
        """Discount factor ``gamma`` in ``[0, 1]``."""
        return self._gamma

    @property
    def P(self) -> sp.csr_array:
        """Transition matrix, CSR ``(S*A, S)``; row ``s*A + a`` is ``P(.|s,a)``."""
        return self._P

    @property
    def r(self) -> FloatArray:
        """Expected reward ``r [S, A]``."""
        return self._r

    @property
    def R_sas(self) -> sp.csr_array | None:
        """``R(s, a, s')`` on ``P``'s pattern, or ``None`` if not given."""
        return self._R_sas

    @property
    def p0(self) -> FloatArray:
        """Start-state distribution ``p0 [S]``."""
        return self._p0

    @property
    def terminal(self) -> BoolArray:
        """Boolean mask ``[S]`` of terminal (absorbing, zero-reward) states."""
        return self._terminal

    @property
    def action_mask(self) -> BoolArray:
        """Boolean mask ``[S, A]`` of available actions."""
        return self._mask

    @property
    def names(self) -> Names:
        """State and action names: ``names.states``, ``names.actions``."""
        return self._names

    @property
    def state_names(self) -> tuple[str, ...]:
        """State names (the constructor's ``state_names``); ``names.states``."""
        return self._names.states

    @property
    def action_names(self) -> tuple[str, ...]:
        """Action names (the constructor's ``action_names``); ``names.actions``."""
        return self._names.actions

    @property
    def has_mask(self) -> bool:
        """Whether some action is unavailable in some state."""
        return self._cached("has_mask", lambda: not bool(self._mask.all()))

    def _cached(self, key: str, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    @property
    def r_masked(self) -> FloatArray:
        """``r`` flattened to ``[S*A]`` with ``-inf`` at unavailable pairs.

        Adding ``gamma * P @ V`` to it gives ``Q`` with ``-inf`` where an action
        is unavailable, so ``max`` and ``argmax`` respect the mask for free.
        """

        def build():
            flat = self._r.ravel().copy()
            flat[~self._mask.ravel()] = -np.inf
            flat.flags.writeable = False
            return flat

        return self._cached("r_masked", build)

    def __repr__(self) -> str:
        extra = []
        if self._terminal.any():
            extra.append(f"terminal={int(self._terminal.sum())}")
        if not self._mask.all():
            extra.append("action_mask")
        tail = (", " + ", ".join(extra)) if extra else ""
        return (
            f"MDP(n_states={self.n_states}, n_actions={self.n_actions}, "
            f"gamma={self._gamma:g}, nnz={self._P.nnz}{tail})"
        )

    def __eq__(self, other: object) -> bool:
        """Exact equality of every table, parameter and name."""
        if not isinstance(other, MDP):
            return NotImplemented
        if self is other:
            return True
        if (
            self.P.shape != other.P.shape
            or self.gamma != other.gamma
            or self.names != other.names
        ):
            return False
        same = (
            _csr_equal(self.P, other.P)
            and np.array_equal(self.r, other.r)
            and np.array_equal(self.p0, other.p0)
            and np.array_equal(self.terminal, other.terminal)
            and np.array_equal(self.action_mask, other.action_mask)
        )
        if not same:
            return False
        if (self.R_sas is None) != (other.R_sas is None):
            return False
        return self.R_sas is None or _csr_equal(self.R_sas, other.R_sas)

    __hash__ = None  # type: ignore[assignment]

    # --------------------------------------------------------- generative view
    def step(self, s: int, a: int, rng: RNGLike = None) -> tuple[int, float, bool]:
        """Sample one transition: ``s' ~ P(.|s,a)``, ``r_t = R(s,a,s')``.

        Parameters
        ----------
        s, a : int
            Current state and an available action.
        rng : numpy.random.Generator or int or None
            Source of randomness (a seed gives repeatable draws).

        Returns
        -------
        next_state : int
        reward : float
            ``R(s, a, s')`` when it was given, else ``r(s, a)``.
        terminated : bool
            Whether ``s'`` is terminal (the episode ends on entering it).

        Examples
        --------
        >>> import numpy as np
        >>> from mdp import MDP
        >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[[0.0], [1.0]], gamma=0.5)
        >>> rng = np.random.default_rng(0)
        >>> [m.step(0, 0, rng)[0] for _ in range(6)]
        [1, 0, 0, 0, 1, 1]
        """
        S, A = self.n_states, self.n_actions
        s, a = _check_state_action(s, a, S, A)
        if not self._mask[s, a]:
            msg = f"action {a} is not available in state {s} (see `action_mask`)."
            raise MDPError(msg)
        gen = (
            rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        )
        row = s * A + a
        lo, hi = self._P.indptr[row], self._P.indptr[row + 1]
        probs = self._P.data[lo:hi]
        k = int(
            np.searchsorted(np.cumsum(probs), gen.random() * probs.sum(), side="right")
        )
        k = min(k, hi - lo - 1)
        s_next = int(self._P.indices[lo + k])
        if self._R_sas is not None:
            reward = float(self._R_sas.data[lo + k])
        else:
            reward = float(self._r[s, a])
        return s_next, reward, bool(self._terminal[s_next])

    def sample_start(self, rng: RNGLike = None) -> int:
        """Sample ``s_0 ~ p0``."""
        gen = (
            rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        )
        return int(gen.choice(self.n_states, p=self._p0))

    # ------------------------------------------------------------- converters
    def to_dense(self) -> tuple[FloatArray, FloatArray]:
        """Dense tables ``(P, R)``.

        Returns
        -------
        P : ndarray (S, A, S)
        R : ndarray (S, A, S) or (S, A)
            ``R(s, a, s')`` when it was given (zero off ``P``'s pattern), else
            the expected reward ``r(s, a)``.  ``MDP(P, R, gamma, ...)`` with the
            other attributes rebuilds an equal MDP.

        Examples
        --------
        >>> import numpy as np
        >>> from mdp import MDP
        >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[1.0, 2.0], gamma=0.5)
        >>> P, R = m.to_dense()
        >>> P.shape, R.shape
        ((2, 1, 2), (2, 1))
        """
        S, A = self.n_states, self.n_actions
        P = self._P.toarray().reshape(S, A, S)
        if self._R_sas is None:
            return P, self._r.copy()
        return P, self._R_sas.toarray().reshape(S, A, S)

    def replace(self, **changes: Any) -> MDP:
        """A copy with some constructor arguments changed (e.g. ``gamma``).

        Examples
        --------
        >>> import numpy as np
        >>> from mdp import MDP
        >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[1.0, 2.0], gamma=0.5)
        >>> m.replace(gamma=0.9).gamma
        0.9
        """
        args = {
            "P": self._P,
            "R": self._R_sas if self._R_sas is not None else self._r,
            "gamma": self._gamma,
            "p0": self._p0,
            "terminal": self._terminal,
            "action_mask": self._mask,
            "state_names": self._names.states,
            "action_names": self._names.actions,
        }
        unknown = set(changes) - set(args)
        if unknown:
            msg = f"replace() got unknown field(s) {sorted(unknown)}; valid: {sorted(args)}."
            raise TypeError(msg)
        if "P" in changes and "R" not in changes and self._R_sas is not None:
            args["R"] = self._r
        if "P" in changes and "p0" not in changes:
            args["p0"] = None
        args.update(changes)
        return MDP(**args)

    @classmethod
    def from_pymdptoolbox(cls, P: Any, R: Any, gamma: float, **kwargs: Any) -> MDP:
        """Build from pymdptoolbox's layout.

        Parameters
        ----------
        P : array_like (A, S, S) or list of A (S, S) matrices (dense or sparse)
            ``P[a][s, s'] = P(s'|s, a)``.
        R : array_like (S,), (S, A) or (A, S, S)
            pymdptoolbox's reward layouts: ``R(s)``, ``R(s, a)``, or
            ``R[a][s, s']``.
        gamma : float
        **kwargs
            Passed on to :class:`MDP` (``p0``, ``terminal``, names...).

        Examples
        --------
        >>> import numpy as np
        >>> from mdp import MDP
        >>> P = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])
        >>> m = MDP.from_pymdptoolbox(P, np.array([[0.0, 0.0], [1.0, 1.0]]), 0.9)
        >>> m.P.toarray()
        array([[1., 0.],
               [0., 1.],
               [0., 1.],
               [1., 0.]])
        """
        mats = _pymdptoolbox_mats(P)
        A = len(mats)
        S = mats[0].shape[0]
        # stacked rows a*S + s  ->  rows s*A + a
        stacked = sp.vstack(mats, format="csr")
        perm = (np.arange(A)[None, :] * S + np.arange(S)[:, None]).ravel()
        P_csr = sp.csr_array(stacked)[perm]
        if sp.issparse(R):
            if R.shape not in ((S,), (S, A)):
                msg = (
                    f"`R` is one sparse matrix of shape {R.shape}; pymdptoolbox's "
                    f"layouts are R(s) ({S},), R(s, a) ({S}, {A}), or a list of A "
                    f"(S, S) matrices R[a][s, s']."
                )
                raise MDPError(msg)
            R = R.toarray()  # a sparse R(s) or R(s, a)
        if isinstance(R, np.ndarray) and R.dtype == object:
            R = list(R)
        if (
            isinstance(R, (list, tuple))
            and len(R) == A
            and (sp.issparse(R[0]) or np.ndim(R[0]) == 2)
        ):
            Rm = [sp.csr_array(x) for x in R]
            R_csr = sp.csr_array(sp.vstack(Rm, format="csr"))[perm]
            return cls(P_csr, R_csr, gamma, **kwargs)
        R_arr = _as_float(R, "R")
        if R_arr.ndim == 3:
            if R_arr.shape != (A, S, S):
                msg = f"`R` has shape {R_arr.shape}; pymdptoolbox's 3-D layout is (A, S, S) = ({A}, {S}, {S})."
                raise MDPError(msg)
            R_arr = R_arr.transpose(1, 0, 2)
        return cls(P_csr, R_arr, gamma, **kwargs)

    def to_pymdptoolbox(self) -> tuple[list[sp.csr_matrix], FloatArray]:
        """Tables in pymdptoolbox's layout: ``([P_a (S, S)] * A, R (S, A))``.

        Terminal states appear as absorbing self-loops with zero reward.
        """
        S, A = self.n_states, self.n_actions
        mats = [sp.csr_matrix(self._P[np.arange(S) * A + a]) for a in range(A)]
        return mats, self._r.copy()

    @classmethod
    def from_gymnasium(
        cls,
        P_dict_or_env: Any,
        gamma: float,
        *,
        p0: npt.ArrayLike | None = None,
        action_names: Any = None,
        state_names: Any = None,
    ) -> MDP:
        """Build from Gymnasium toy-text tables ``P[s][a] = [(p, s', r, done), ...]``.

        Parameters
        ----------
        P_dict_or_env : dict or gymnasium.Env
            The table itself (``gymnasium`` is not needed for it) or an env
            whose ``unwrapped.P`` holds it (FrozenLake, CliffWalking, Taxi...).
        gamma : float
        p0 : array_like (S,), optional
            Default: the env's ``initial_state_distrib`` when an env is given,
            else uniform over non-terminal states.
        action_names, state_names : sequence of str, optional

        Notes
        -----
        * Repeated ``(s, a, s')`` entries (FrozenLake lists the same next state
          several times) add their probabilities; their rewards are combined
          as the probability-weighted mean, which keeps ``r(s, a)`` exact.
        * A state entered by any transition flagged ``terminated`` is terminal:
          absorbing with zero reward, its own listed rows ignored (Gymnasium
          never uses them once the episode has ended).  CliffWalking flags only
          the transition into the goal; FrozenLake flags its holes and goal.
          A state entered both with and without the flag is an error.
        * The action order is Gymnasium's own (FrozenLake: LEFT, DOWN, RIGHT,
          UP; CliffWalking: UP, RIGHT, DOWN, LEFT), so action indices match
          the env's.

        Examples
        --------
        >>> from mdp import MDP
        >>> P = {0: {0: [(0.5, 0, 0.0, False), (0.5, 1, 1.0, True)]},
        ...      1: {0: [(1.0, 1, 0.0, True)]}}
        >>> m = MDP.from_gymnasium(P, gamma=1.0)
        >>> m.terminal, m.r
        (array([False,  True]), array([[0.5],
               [0. ]]))
        """
        env_p0 = None
        table = P_dict_or_env
        if not isinstance(table, dict):
            env = getattr(table, "unwrapped", table)
            if not hasattr(env, "P"):
                msg = (
                    "`P_dict_or_env` must be a dict P[s][a] = [(p, s', r, done), ...] "
                    "or a Gymnasium toy-text env with `unwrapped.P`."
                )
                raise MDPError(msg)
            table = env.P
            env_p0 = getattr(env, "initial_state_distrib", None)
            if action_names is None:
                action_names = _gym_action_names(env)
        S = len(table)
        if S == 0 or sorted(table) != list(range(S)):
            msg = "the Gymnasium table must have states 0..S-1 as keys."
            raise MDPError(msg)
        A = max(len(table[s]) for s in range(S))
        rows, cols, probs, rewards, dones = [], [], [], [], []
        mask = np.zeros((S, A), dtype=bool)
        for s in range(S):
            for a, outcomes in table[s].items():
                if not 0 <= a < A:
                    msg = f"Gymnasium table: state {s} has action key {a!r}; expected 0..{A - 1}."
                    raise MDPError(msg)
                mask[s, a] = True
                for item in outcomes:
                    rows.append(s * A + a)
                    probs.append(item[0])
                    cols.append(item[1])
                    rewards.append(item[2])
                    dones.append(bool(item[3]))
        rows_a = np.asarray(rows, dtype=np.int64)
        cols_a = np.asarray(cols, dtype=np.int64)
        probs_a = np.asarray(probs, dtype=np.float64)
        rew_a = np.asarray(rewards, dtype=np.float64)
        done_a = np.asarray(dones, dtype=bool)
        if cols_a.size and (cols_a.min() < 0 or cols_a.max() >= S):
            msg = f"Gymnasium table lists a next state outside 0..{S - 1}."
            raise MDPError(msg)
        live = probs_a > 0
        term = np.zeros(S, dtype=bool)
        term[cols_a[live & done_a]] = True
        # transitions out of terminal states are never taken: ignore them
        from_live = live & ~term[rows_a // A]
        entered_live = np.zeros(S, dtype=bool)
        entered_live[cols_a[from_live & ~done_a]] = True
        both = np.flatnonzero(term & entered_live)
        if both.size:
            msg = (
                f"Gymnasium table enters {_where(both)} both with and without "
                f"`terminated`; mdpkit's terminal states are per state. Split such "
                f"a state into a terminal copy, or build the MDP directly."
            )
            raise MDPError(msg)
        P = sp.coo_array((probs_a, (rows_a, cols_a)), shape=(S * A, S)).tocsr()
        PR = sp.coo_array((probs_a * rew_a, (rows_a, cols_a)), shape=(S * A, S)).tocsr()
        P.sum_duplicates()
        PR.sum_duplicates()
        # drop the listed rows of terminal states: they are made absorbing
        t_rows = np.zeros(S * A)
        t_rows[np.repeat(~term, A)] = 1.0
        P = sp.csr_array(sp.diags_array(t_rows) @ P)
        PR = sp.csr_array(sp.diags_array(t_rows) @ PR)
        P.eliminate_zeros()
        R_sas = P.copy()
        # probability-weighted mean reward per (s, a, s')
        R_sas.data = np.asarray(PR[P.nonzero()]).ravel() / P.data
        if p0 is None and env_p0 is not None:
            p0 = np.asarray(env_p0, dtype=np.float64)
        if not mask.all():
            for s in np.flatnonzero(~mask.any(axis=1)):
                mask[s, 0] = True  # a terminal-only state with no listed actions
        return cls(
            P,
            R_sas,
            gamma,
            p0=p0,
            terminal=term,
            action_mask=None if mask.all() else mask,
            state_names=state_names,
            action_names=action_names,
        )

    # ------------------------------------------------------------ save / load
    def save(self, path: str | os.PathLike[str]) -> None:
        """Save to a single ``.npz`` file; :func:`load` gives back an equal MDP.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from mdp import MDP, load
        >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[1.0, 2.0], gamma=0.5)
        >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
        >>> m.save(path)
        >>> load(path) == m
        True
        """
        arrays: dict[str, np.ndarray] = {
            "format": np.array(_NPZ_FORMAT),
            "shape": np.array(self._P.shape, dtype=np.int64),
            "P_data": self._P.data,
            "P_indices": self._P.indices,
            "P_indptr": self._P.indptr,
            "r": self._r,
            "gamma": np.array(self._gamma),
            "p0": self._p0,
            "terminal": self._terminal,
            "action_mask": self._mask,
            "state_names": np.array(self._names.states, dtype=str),
            "action_names": np.array(self._names.actions, dtype=str),
        }
        if self._R_sas is not None:
            arrays["R_data"] = self._R_sas.data
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MDP:
        """Load an MDP written by :meth:`save` (see :func:`load`)."""
        return load(path)


def load(path: str | os.PathLike[str]) -> MDP:
    """Load an MDP from a ``.npz`` file written by :meth:`MDP.save`.

    The file holds the CSR arrays of ``P`` (and of ``R(s,a,s')`` when it was
    given), ``r``, ``gamma``, ``p0``, ``terminal``, ``action_mask`` and the
    names; loading rebuilds (and re-validates) an equal MDP.

    Raises
    ------
    MDPError
        If the file is not an mdpkit MDP file.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from mdp import MDP, load
    >>> m = MDP(np.ones((3, 2, 3)) / 3, R=np.arange(6.0).reshape(3, 2), gamma=0.9,
    ...         terminal=None, state_names=["a", "b", "c"])
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
    >>> m.save(path)
    >>> m2 = load(path)
    >>> m2 == m, m2.names.states
    (True, ('a', 'b', 'c'))
    """
    where = repr(os.fspath(path))
    try:
        fh = open(path, "rb")  # closed by the with-block below
    except OSError as exc:
        msg = f"cannot read an MDP from {where}: {exc}"
        raise MDPError(msg) from exc
    with fh:
        try:
            f = np.load(fh, allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            msg = f"cannot read an MDP from {where}: {exc}"
            raise MDPError(msg) from exc
        if not isinstance(f, np.lib.npyio.NpzFile):  # a bare .npy array
            msg = (
                f"{where} holds a single array, not an mdpkit MDP file (.npz); "
                f"write one with MDP.save()."
            )
            raise MDPError(msg)
        with f:
            need = {
                "format",
                "shape",
                "P_data",
                "P_indices",
                "P_indptr",
                "r",
                "gamma",
                "p0",
                "terminal",
                "action_mask",
                "state_names",
                "action_names",
            }
            missing = need - set(f.files)
            if missing:
                msg = (
                    f"{where} is not an mdpkit MDP file (missing "
                    f"{sorted(missing)}); write one with MDP.save()."
                )
                raise MDPError(msg)
            if int(f["format"]) != _NPZ_FORMAT:
                msg = (
                    f"{where} is in MDP file format {int(f['format'])}; this "
                    f"version of mdpkit reads format {_NPZ_FORMAT}."
                )
                raise MDPError(msg)
            shape = tuple(int(x) for x in f["shape"])
            indices, indptr = f["P_indices"], f["P_indptr"]
            P = sp.csr_array((f["P_data"], indices, indptr), shape=shape)
            if "R_data" in f.files:
                R = sp.csr_array((f["R_data"], indices, indptr), shape=shape)
            else:
                R = f["r"]
            m = MDP(
                P,
                R,
                float(f["gamma"]),
                p0=f["p0"],
                terminal=f["terminal"],
                action_mask=f["action_mask"],
                state_names=[str(x) for x in f["state_names"]],
                action_names=[str(x) for x in f["action_names"]],
            )
    return m


# ----------------------------------------------------------------- helpers
def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


def _csr_equal(a: sp.csr_array, b: sp.csr_array) -> bool:
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def _on_pattern(R: Any, Pc: sp.csr_array) -> sp.csr_array:
    """``R`` (sparse or dense ``(S*A, S)``) read on ``Pc``'s exact pattern.

    The result has ``Pc``'s ``indptr``/``indices`` and ``R``'s values there
    (zeros kept as entries); values of ``R`` off the pattern are never read.
    """
    out = Pc.copy()
    if Pc.nnz:
        rows = np.repeat(np.arange(Pc.shape[0]), np.diff(Pc.indptr))
        out.data = np.asarray(R[rows, Pc.indices], dtype=np.float64).ravel()
    return out


def _check_finite_sas(R_sas: sp.csr_array, A: int) -> None:
    bad = np.flatnonzero(~np.isfinite(R_sas.data))
    if bad.size:
        k = int(bad[0])
        row = int(np.searchsorted(R_sas.indptr, k, side="right") - 1)
        msg = (
            f"`R` has a NaN or inf entry R(s, a, s'={int(R_sas.indices[k])}) at "
            f"{_where([row], A)}, where P(s'|s, a) > 0; rewards must be finite."
        )
        raise MDPError(msg)


def _check_names(names: Any, n: int, what: str) -> tuple[str, ...]:
    if names is None:
        return tuple(str(i) for i in range(n))
    names = tuple(str(x) for x in names)
    if len(names) != n:
        kind = "states" if what == "state_names" else "actions"
        msg = f"`{what}` has {len(names)} entries; expected {n}, one per {kind[:-1]}."
        raise MDPError(msg)
    return names


def _check_state_action(s: Any, a: Any, S: int, A: int) -> tuple[int, int]:
    try:
        si, ai = int(s), int(a)
    except (TypeError, ValueError) as exc:
        msg = f"state and action must be integers; got {s!r}, {a!r}."
        raise MDPError(msg) from exc
    if not 0 <= si < S:
        msg = f"state {si} is out of range (valid 0..{S - 1})."
        raise MDPError(msg)
    if not 0 <= ai < A:
        msg = f"action {ai} is out of range (valid 0..{A - 1})."
        raise MDPError(msg)
    return si, ai


def _pymdptoolbox_mats(P: Any) -> list[sp.csr_array]:
    if isinstance(P, np.ndarray) and P.dtype == object:
        P = list(P)
    if isinstance(P, (list, tuple)):
        mats = [
            sp.csr_array(x, dtype=np.float64)
            if sp.issparse(x)
            else sp.csr_array(_as_float(x, "P"))
            for x in P
        ]
    else:
        arr = _as_float(P, "P")
        if arr.ndim != 3:
            msg = f"`P` has shape {arr.shape}; pymdptoolbox's layout is (A, S, S) or a list of A (S, S) matrices."
            raise MDPError(msg)
        mats = [sp.csr_array(arr[a]) for a in range(arr.shape[0])]
    if not mats:
        raise MDPError("`P` is empty; pymdptoolbox's layout needs A >= 1 matrices.")
    S = mats[0].shape[0]
    for a, M in enumerate(mats):
        if M.shape != (S, S):
            msg = f"`P[{a}]` has shape {M.shape}; every action's matrix must be (S, S) = ({S}, {S})."
            raise MDPError(msg)
    return mats


_GYM_ACTIONS = {
    "FrozenLake": ("LEFT", "DOWN", "RIGHT", "UP"),
    "CliffWalking": ("UP", "RIGHT", "DOWN", "LEFT"),
    "Taxi": ("SOUTH", "NORTH", "EAST", "WEST", "PICKUP", "DROPOFF"),
}


def _gym_action_names(env: Any) -> tuple[str, ...] | None:
    name = type(env).__name__
    for key, names in _GYM_ACTIONS.items():
        if name.startswith(key):
            return names
    return None


def check_mdp(m: Any) -> MDP:
    """``m`` itself when it is an :class:`mdp.MDP`, else a TypeError."""
    if not isinstance(m, MDP):
        msg = f"expected an mdp.MDP as the first argument; got {type(m).__name__}."
        raise TypeError(msg)
    return m
