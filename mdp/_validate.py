"""Every check of the model's tables, used by :class:`mdp.MDP` (internal).

Each function takes the user's input for one constructor argument and
returns it in canonical form, or raises :class:`MDPError` naming the shape,
state, action or row at fault and how to fix it.  Nothing is repaired
silently; the one stated override is the terminal-state rule
(:func:`absorb_terminals`): rows of ``P``, rewards and the action mask given
for terminal states are not used.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._errors import MDPError
from .checks import _as_array as as_array
from .checks import _as_float as as_float
from .checks import check_state
from .checks import format_states as _where
from .types import BoolArray, FloatArray

#: Tolerance on ``|sum_s' P(s'|s,a) - 1|`` and on ``|sum p0 - 1|``.
STOCHASTIC_ATOL = 1e-8
#: Largest admissible value scale ``max |r| / (1 - gamma)`` (float64 overflows
#: near 1.8e308; a margin keeps sums and differences of values finite).
VALUE_SCALE_MAX = 1e300


def transition_matrix(P: Any) -> tuple[sp.csr_array, int, int]:
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
        if np.iscomplexobj(P.data if hasattr(P, "data") else P):
            msg = "`P` has complex entries; probabilities must be real."
            raise MDPError(msg)
        if P.format in ("csr", "csc"):
            check_compressed_structure(P, "P")
        # copy: the MDP must not share (and later freeze) the caller's arrays
        Pc = sp.csr_array(P, dtype=np.float64, copy=True)
        Pc.sum_duplicates()
        Pc.eliminate_zeros()  # stored zeros are not transitions
        Pc.sort_indices()
        return Pc, S, A
    arr = as_float(P, "P")
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


def check_compressed_structure(M: Any, name: str, fix: str | None = None) -> None:
    """Validate a CSR/CSC matrix's arrays before scipy reads them.

    scipy trusts ``indices`` and ``indptr``: out-of-range column indices or a
    non-monotone ``indptr`` give garbage products or a segmentation fault far
    from the cause.  Checked here: ``indptr`` has ``n_major + 1`` entries,
    starts at 0, never decreases and ends at ``len(indices) == len(data)``;
    every index is in ``0..n_minor - 1``.
    """
    n_rows, n_cols = M.shape
    major, minor = (n_rows, n_cols) if M.format == "csr" else (n_cols, n_rows)
    kind = "row" if M.format == "csr" else "column"
    indptr = np.asarray(M.indptr)
    indices = np.asarray(M.indices)
    data = np.asarray(M.data)
    if fix is None:
        fix = (
            f"the matrix is corrupt; rebuild `{name}` (e.g. "
            f"scipy.sparse.csr_array((data, (rows, cols)), shape=...))."
        )
    if indptr.ndim != 1 or indptr.size != major + 1:
        msg = (
            f"`{name}` is a {M.format.upper()} matrix of shape {M.shape} whose indptr has "
            f"{indptr.size} entries; expected {major + 1} (one per {kind} + 1); "
            f"{fix}"
        )
        raise MDPError(msg)
    if indptr.size and (indptr[0] != 0 or np.any(np.diff(indptr) < 0)):
        msg = (
            f"`{name}` is a {M.format.upper()} matrix whose indptr does not start at 0 "
            f"and increase; {fix}"
        )
        raise MDPError(msg)
    if indptr[-1] != indices.size or indices.size != data.size:
        msg = (
            f"`{name}` is a {M.format.upper()} matrix whose indptr ends at {int(indptr[-1])} "
            f"but holds {indices.size} indices and {data.size} values; {fix}"
        )
        raise MDPError(msg)
    bad = np.flatnonzero((indices < 0) | (indices >= minor))
    if bad.size:
        k = int(bad[0])
        where = int(np.searchsorted(indptr, k, side="right") - 1)
        msg = (
            f"`{name}` has index {int(indices[k])} in {kind} {where}, out of range "
            f"0..{minor - 1} for shape {M.shape}; {fix}"
        )
        raise MDPError(msg)


def terminal_mask(terminal: Any, S: int) -> BoolArray:
    """``terminal`` (a boolean mask or a list of indices) as a mask ``(S,)``."""
    if terminal is None:
        return np.zeros(S, dtype=bool)
    t = as_array(terminal, "terminal")
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
    if S > 1 and t.size == S and np.isin(t, (0, 1)).all():
        msg = (
            f"`terminal` = {t.tolist()} is ambiguous: 0/1 flags or the indices "
            f"{sorted(set(t.tolist()))}? Give a boolean mask (dtype=bool) or the "
            f"list of terminal state indices."
        )
        raise MDPError(msg)
    uniq, counts = np.unique(t, return_counts=True)
    if (counts > 1).any():
        dup = int(uniq[np.argmax(counts > 1)])
        msg = (
            f"`terminal` lists state {dup} more than once; give each terminal state "
            f"once, or a boolean mask (dtype=bool) of shape ({S},) if you meant "
            f"0/1 flags."
        )
        raise MDPError(msg)
    out = np.zeros(S, dtype=bool)
    out[t] = True
    return out


def action_mask(action_mask: Any, S: int, A: int, term: BoolArray) -> BoolArray:
    """``action_mask`` as a bool array ``(S, A)``; terminal rows are all True.

    The mask given for a terminal state is not used (the terminal rule): every
    action there is the zero-reward self-loop, so a terminal row with no
    available action (the gambler's capital 0 and 100) is fine.
    """
    if action_mask is None:
        return np.ones((S, A), dtype=bool)
    m = as_array(action_mask, "action_mask")
    if m.shape != (S, A):
        msg = f"`action_mask` has shape {m.shape}; expected (S, A) = ({S}, {A})."
        raise MDPError(msg)
    if m.dtype != bool:
        if not np.isin(m, (0, 1)).all():
            msg = "`action_mask` must be boolean (True = action available)."
            raise MDPError(msg)
        m = m.astype(bool)
    m = m.copy()
    m[term] = True
    empty = np.flatnonzero(~m.any(axis=1))
    if empty.size:
        msg = (
            f"`action_mask` leaves no available action in {_where(empty)}; "
            f"every non-terminal state needs at least one (or declare the state "
            f"terminal with `terminal=`)."
        )
        raise MDPError(msg)
    return m.copy()


def check_entries(Pc: sp.csr_array, S: int, A: int) -> None:
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


def absorb_terminals(Pc: sp.csr_array, term: BoolArray, S: int, A: int) -> sp.csr_array:
    """The terminal rule: every row of a terminal state becomes ``P(s|s,a) = 1``.

    Whatever the input gave for a terminal state's rows (all zero, a
    self-loop, or transitions elsewhere as in CliffWalking-style tables) is
    not used: ``terminal=`` declares where episodes end.
    """
    if not term.any():
        return Pc
    t_states = np.flatnonzero(term)
    rows = (t_states[:, None] * A + np.arange(A)).ravel()
    owner = rows // A
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


def check_row_sums(Pc: sp.csr_array, avail_rows: np.ndarray, S: int, A: int) -> None:
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


def rewards(
    R: Any, Pc: sp.csr_array, S: int, A: int, avail_rows: np.ndarray
) -> tuple[FloatArray, sp.csr_array | None]:
    R_sas = None
    if sp.issparse(R):
        if np.iscomplexobj(R.data if hasattr(R, "data") else R):
            raise MDPError("`R` has complex entries; rewards must be real.")
        if R.format in ("csr", "csc"):
            check_compressed_structure(R, "R")
        if R.shape != (S * A, S):
            msg = (
                f"`R` is sparse with shape {R.shape}; a sparse R(s, a, s') "
                f"must have P's shape (S*A, S) = ({S * A}, {S})."
            )
            raise MDPError(msg)
        Rc = sp.coo_array(R)
        keys = np.asarray(Rc.coords[0], dtype=np.int64) * S + np.asarray(Rc.coords[1])
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
        R_sas = on_pattern(Rs, Pc)
        check_finite_sas(R_sas, A)
    else:
        arr = as_float(R, "R")
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
            R_sas = on_pattern(arr.reshape(S * A, S), Pc)
            check_finite_sas(R_sas, A)
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


def start_distribution(p0: Any, term: BoolArray, S: int) -> FloatArray:
    if p0 is None:
        live = ~term
        if not live.any():
            return np.full(S, 1.0 / S)
        return live / live.sum()
    p = as_float(p0, "p0")
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


def on_pattern(R: Any, Pc: sp.csr_array) -> sp.csr_array:
    """``R`` (sparse or dense ``(S*A, S)``) read on ``Pc``'s exact pattern.

    The result has ``Pc``'s ``indptr``/``indices`` and ``R``'s values there
    (zeros kept as entries); values of ``R`` off the pattern are never read.
    """
    out = Pc.copy()
    if Pc.nnz:
        rows = np.repeat(np.arange(Pc.shape[0]), np.diff(Pc.indptr))
        out.data = np.asarray(R[rows, Pc.indices], dtype=np.float64).ravel()
    return out


def check_finite_sas(R_sas: sp.csr_array, A: int) -> None:
    bad = np.flatnonzero(~np.isfinite(R_sas.data))
    if bad.size:
        k = int(bad[0])
        row = int(np.searchsorted(R_sas.indptr, k, side="right") - 1)
        msg = (
            f"`R` has a NaN or inf entry R(s, a, s'={int(R_sas.indices[k])}) at "
            f"{_where([row], A)}, where P(s'|s, a) > 0; rewards must be finite."
        )
        raise MDPError(msg)


def names(names: Any, n: int, what: str) -> tuple[str, ...]:
    if names is None:
        return tuple(str(i) for i in range(n))
    if isinstance(names, (str, bytes)):
        msg = (
            f"`{what}` is one string ({names!r}); give a sequence of {n} strings, "
            f"e.g. {what}=['a', 'b', ...]."
        )
        raise MDPError(msg)
    try:
        names = tuple(str(x) for x in names)
    except TypeError as exc:
        msg = f"`{what}` must be a sequence of {n} strings; got {type(names).__name__}."
        raise MDPError(msg) from exc
    if len(names) != n:
        kind = "states" if what == "state_names" else "actions"
        msg = f"`{what}` has {len(names)} entries; expected {n}, one per {kind[:-1]}."
        raise MDPError(msg)
    seen: dict[str, int] = {}
    for i, x in enumerate(names):
        if x in seen:
            msg = (
                f"`{what}` has the name {x!r} twice (entries {seen[x]} and {i}); "
                f"names find states and actions, so they must be unique."
            )
            raise MDPError(msg)
        seen[x] = i
    return names


def zero_terminal_rewards(
    r: FloatArray, R_sas: sp.csr_array | None, term: BoolArray, A: int
) -> tuple[FloatArray, sp.csr_array | None]:
    """The terminal rule for rewards: nothing is earned in a terminal state."""
    if not term.any():
        return r, R_sas
    r = r.copy()
    r[term] = 0.0
    if R_sas is not None:
        rows_term = np.repeat(term, A)
        row_of = np.repeat(np.arange(R_sas.shape[0]), np.diff(R_sas.indptr))
        R_sas = R_sas.copy()
        R_sas.data[rows_term[row_of]] = 0.0
    return r, R_sas


def check_value_scale(r: FloatArray, avail: BoolArray, gamma: float, S: int) -> None:
    """Refuse rewards whose values ``|r| / (1 - gamma)`` overflow float64."""
    live = np.abs(np.where(avail, r, 0.0))
    big = float(live.max()) if live.size else 0.0
    horizon = 1.0 / (1.0 - gamma) if gamma < 1.0 else float(S)
    if big * horizon > VALUE_SCALE_MAX:
        s, a = (int(i) for i in np.unravel_index(int(np.argmax(live)), live.shape))
        what = f"1/(1 - gamma) = {horizon:.3g}" if gamma < 1.0 else f"S = {S} steps"
        msg = (
            f"rewards are too large for float64 values: |r({s}, {a})| = {big:.3g} "
            f"times {what} exceeds {VALUE_SCALE_MAX:.0e}, so values and Bellman "
            f"backups would overflow to inf/NaN. Rescale the rewards (values scale "
            f"linearly with them)."
        )
        raise MDPError(msg)


def reward_std(
    std: Any, Pc: sp.csr_array, S: int, A: int, term: BoolArray
) -> FloatArray | None:
    """Reward noise as one standard deviation per stored transition of ``Pc``.

    ``std`` is a scalar, an ``(S, A)`` array, an ``(S, A, S)`` array or a
    sparse ``(S*A, S)`` matrix read on ``P``'s pattern; finite and ``>= 0``.
    Terminal states earn nothing, so their noise is 0.
    """
    if std is None:
        return None
    if sp.issparse(std):
        if std.shape != (S * A, S):
            msg = (
                f"`reward_std` is sparse with shape {std.shape}; on P's pattern it "
                f"must have shape (S*A, S) = ({S * A}, {S})."
            )
            raise MDPError(msg)
        if std.format in ("csr", "csc"):
            check_compressed_structure(std, "reward_std")
        out = on_pattern(sp.csr_array(std, dtype=np.float64), Pc).data
    else:
        arr = as_float(std, "reward_std")
        rows = np.repeat(np.arange(S * A), np.diff(Pc.indptr))
        if arr.ndim == 0:
            out = np.full(Pc.nnz, float(arr))
        elif arr.shape == (S, A):
            out = arr.ravel()[rows]
        elif arr.shape == (S, A, S):
            out = arr.reshape(S * A, S)[rows, Pc.indices]
        else:
            msg = (
                f"`reward_std` has shape {arr.shape}; expected a scalar, ({S}, {A}) "
                f"per (s, a), ({S}, {A}, {S}) per (s, a, s'), or a sparse "
                f"({S * A}, {S}) matrix on P's pattern."
            )
            raise MDPError(msg)
    out = np.array(out, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(out) | (out < 0))
    if bad.size:
        k = int(bad[0])
        row = int(np.searchsorted(Pc.indptr, k, side="right") - 1)
        msg = (
            f"`reward_std` is {out[k]} at {_where([row], A)} (next state "
            f"{int(Pc.indices[k])}); standard deviations must be finite and >= 0."
        )
        raise MDPError(msg)
    rows = np.repeat(np.arange(S * A), np.diff(Pc.indptr))
    out[np.repeat(term, A)[rows]] = 0.0
    return out


def state_action(s: Any, a: Any, S: int, A: int) -> tuple[int, int]:
    """``(s, a)`` as in-range integer indices (``1.5`` and ``True`` are errors)."""
    si = check_state(s, S, "s")
    if (
        isinstance(a, (bool, np.bool_))
        or not isinstance(a, (numbers.Integral, np.integer))
        or not 0 <= int(a) < A
    ):
        msg = f"`a` must be an action index (an integer in 0..{A - 1}); got {a!r}."
        raise MDPError(msg)
    return si, int(a)
