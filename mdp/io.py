"""Converters and files: pymdptoolbox and Gymnasium tables, the ``.npz`` format.

Each reader returns the constructor arguments of :class:`mdp.MDP` (tables in
mdpkit's layout), which ``MDP.from_pymdptoolbox``, ``MDP.from_gymnasium`` and
:func:`mdp.load` pass on; this module imports no model class, so the model
and its converters do not import each other.
"""

from __future__ import annotations

import numbers
import os
import zipfile
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from . import _structure
from ._errors import MDPError
from ._validate import as_float, check_compressed_structure
from .checks import format_states as _where

__all__ = [
    "pymdptoolbox_tables",
    "gymnasium_tables",
    "npz_arrays",
    "read_npz",
    "NPZ_FORMAT",
]

#: Version of the ``.npz`` layout written by :func:`npz_arrays`.
NPZ_FORMAT = 1


def pymdptoolbox_tables(P: Any, R: Any) -> tuple[sp.csr_array, Any]:
    """``(P, R)`` in mdpkit's layout from pymdptoolbox's (see ``MDP.from_pymdptoolbox``).

    pymdptoolbox stacks ``P[a][s, s']`` by action; mdpkit keeps one
    ``(S*A, S)`` matrix with row ``s*A + a``.

    >>> P = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])  # (A, S, S)
    >>> P_csr, R = pymdptoolbox_tables(P, np.array([[0.0, 1.0], [2.0, 3.0]]))
    >>> P_csr.toarray()  # rows (s0,a0), (s0,a1), (s1,a0), (s1,a1)
    array([[1., 0.],
           [0., 1.],
           [0., 1.],
           [1., 0.]])
    >>> pymdptoolbox_tables(P, np.zeros((3, 2, 2)))[1]
    Traceback (most recent call last):
    ...
    mdp.MDPError: `R` has shape (3, 2, 2); pymdptoolbox's 3-D layout is (A, S, S) = (2, 2, 2).
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
        return P_csr, R_csr
    R_arr = as_float(R, "R")
    if R_arr.ndim == 3:
        if R_arr.shape != (A, S, S):
            msg = f"`R` has shape {R_arr.shape}; pymdptoolbox's 3-D layout is (A, S, S) = ({A}, {S}, {S})."
            raise MDPError(msg)
        R_arr = R_arr.transpose(1, 0, 2)
    return P_csr, R_arr


def gymnasium_tables(
    P_dict_or_env: Any,
    *,
    p0: npt.ArrayLike | None = None,
    action_names: Any = None,
    state_names: Any = None,
) -> dict[str, Any]:
    """Constructor arguments from a Gymnasium toy-text table (see ``MDP.from_gymnasium``).

    ``P[s][a]`` lists ``(p, s', r, done)``; a ``done`` successor becomes a
    terminal state.

    >>> table = {0: {0: [(1.0, 1, 1.0, True)]}, 1: {0: [(1.0, 1, 0.0, True)]}}
    >>> kw = gymnasium_tables(table, p0=[1.0, 0.0])
    >>> sorted(kw)[:4], kw["terminal"].tolist()
    (['P', 'R', 'action_mask', 'action_names'], [False, True])
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
    if not isinstance(table, dict):
        msg = f"the Gymnasium table must be a dict P[s][a] = [(p, s', r, done), ...]; got {type(table).__name__}."
        raise MDPError(msg)
    S = len(table)
    if (
        S == 0
        or any(not _is_index(k) for k in table)
        or sorted(table) != list(range(S))
    ):
        shown = sorted(map(repr, table))[:5]
        msg = (
            f"the Gymnasium table must have the integer states 0..S-1 as keys; "
            f"got keys {', '.join(shown)}{'...' if S > 5 else ''}."
        )
        raise MDPError(msg)
    for s in range(S):
        if not isinstance(table[s], dict):
            msg = f"Gymnasium table: P[{s}] must be a dict action -> outcomes; got {type(table[s]).__name__}."
            raise MDPError(msg)
    A = max(len(table[s]) for s in range(S))
    rows, cols, probs, rewards, dones = [], [], [], [], []
    mask = np.zeros((S, A), dtype=bool)
    for s in range(S):
        for a, outcomes in table[s].items():
            if not _is_index(a) or not 0 <= a < A:
                msg = f"Gymnasium table: state {s} has action key {a!r}; expected an integer in 0..{A - 1}."
                raise MDPError(msg)
            mask[s, a] = True
            for k, item in enumerate(outcomes):
                where = f"Gymnasium table: P[{s}][{a}][{k}]"
                if not isinstance(item, (tuple, list)) or len(item) < 4:
                    msg = f"{where} is {item!r}; expected a tuple (p, next_state, reward, terminated)."
                    raise MDPError(msg)
                p, s2, rew, done = item[0], item[1], item[2], item[3]
                if not _is_number(p) or not 0.0 <= float(p) <= 1.0:
                    msg = f"{where} has probability {p!r}; expected a number in [0, 1]."
                    raise MDPError(msg)
                if not _is_index(s2) or not 0 <= s2 < S:
                    msg = f"{where} has next state {s2!r}; expected an integer in 0..{S - 1}."
                    raise MDPError(msg)
                if not _is_number(rew) or not np.isfinite(float(rew)):
                    msg = f"{where} has reward {rew!r}; expected a finite number."
                    raise MDPError(msg)
                rows.append(s * A + a)
                probs.append(float(p))
                cols.append(int(s2))
                rewards.append(float(rew))
                dones.append(bool(done))
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
    # transitions out of terminal states are never taken: ignore them; nor
    # are those out of states no episode reaches (Taxi lists states with the
    # passenger already delivered, whose moves enter the goal state unflagged)
    from_live = live & ~term[rows_a // A]
    start = _start_states(env_p0 if p0 is None else p0, S)
    G = sp.csr_array(
        (
            np.ones(int(from_live.sum()), dtype=np.int8),
            (rows_a[from_live] // A, cols_a[from_live]),
        ),
        shape=(S, S),
    )
    reached = (
        _structure.can_reach(sp.csr_array(G.T), start)
        if start is not None
        else np.ones(S, dtype=bool)
    )
    used = from_live & reached[rows_a // A]
    entered_live = np.zeros(S, dtype=bool)
    entered_live[cols_a[used & ~done_a]] = True
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
        for s_bare in np.flatnonzero(~mask.any(axis=1)):
            mask[s_bare, 0] = True  # a terminal-only state with no listed actions
    return {
        "P": P,
        "R": R_sas,
        "p0": p0,
        "terminal": term,
        "action_mask": None if mask.all() else mask,
        "state_names": state_names,
        "action_names": action_names,
    }


def _pymdptoolbox_mats(P: Any) -> list[sp.csr_array]:
    if isinstance(P, np.ndarray) and P.dtype == object:
        P = list(P)
    if isinstance(P, (list, tuple)):
        mats = [
            sp.csr_array(x, dtype=np.float64)
            if sp.issparse(x)
            else sp.csr_array(as_float(x, "P"))
            for x in P
        ]
    else:
        arr = as_float(P, "P")
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


def _is_index(x: Any) -> bool:
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(
        x, (bool, np.bool_)
    )


def _is_number(x: Any) -> bool:
    return isinstance(x, (numbers.Real, np.floating, np.integer)) and not isinstance(
        x, (bool, np.bool_)
    )


def _start_states(p0: Any, S: int) -> np.ndarray | None:
    """States with positive start probability, when a start distribution is known."""
    if p0 is None:
        return None
    p = np.asarray(p0, dtype=np.float64).ravel()
    if p.shape != (S,):
        return None  # the MDP constructor reports the shape
    return p > 0


# --------------------------------------------------------------- .npz files
_NPZ_KEYS = (
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
)


def npz_arrays(m: Any) -> dict[str, np.ndarray]:
    """The arrays :meth:`MDP.save` writes (format ``NPZ_FORMAT``).

    >>> from mdp import MDP
    >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[[0.0], [1.0]], gamma=0.5)
    >>> sorted(npz_arrays(m))[:5]
    ['P_data', 'P_indices', 'P_indptr', 'action_mask', 'action_names']
    """
    P = m.P
    arrays: dict[str, np.ndarray] = {
        "format": np.array(NPZ_FORMAT),
        "shape": np.array(P.shape, dtype=np.int64),
        "P_data": P.data,
        "P_indices": P.indices,
        "P_indptr": P.indptr,
        "r": m.r,
        "gamma": np.array(m.gamma),
        "p0": m.p0,
        "terminal": m.terminal,
        "action_mask": m.action_mask,
        "state_names": np.array(m.names.states, dtype=str),
        "action_names": np.array(m.names.actions, dtype=str),
    }
    if m.R_sas is not None:
        arrays["R_data"] = m.R_sas.data
    if m.reward_std is not None:
        arrays["reward_std"] = m.reward_std
    return arrays


def read_npz(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The constructor arguments stored in an mdpkit ``.npz`` file, checked.

    Every array is checked before a sparse matrix is built from it (a file
    whose ``P_indices`` or ``P_indptr`` were edited would otherwise crash the
    solvers), and any problem is one :class:`MDPError` naming the file.

    >>> import os, tempfile
    >>> from mdp import MDP
    >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[[0.0], [1.0]], gamma=0.5)
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
    >>> m.save(path)
    >>> read_npz(path)["gamma"]
    0.5
    >>> read_npz(os.path.join(os.path.dirname(path), "missing.npz"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mdp.MDPError: cannot read an MDP from '...missing.npz': No such file or directory.
    """
    where = repr(os.fspath(path))
    not_ours = f"{where} is not an mdpkit MDP file (write one with MDP.save())"
    try:
        fh = open(path, "rb")  # closed by the with-block below
    except OSError as exc:
        msg = f"cannot read an MDP from {where}: {exc.strerror or exc}."
        raise MDPError(msg) from exc
    with fh:
        if fh.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
            msg = f"{not_ours}: it is not a .npz (zip) archive."
            raise MDPError(msg)
        fh.seek(0)
        try:
            f = np.load(fh, allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            msg = f"{not_ours}: {exc}"
            raise MDPError(msg) from exc
        with f:
            missing = set(_NPZ_KEYS) - set(f.files)
            if missing:
                msg = f"{not_ours}: it lacks {sorted(missing)}."
                raise MDPError(msg)
            try:
                arrays = {k: f[k] for k in f.files}
            except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
                msg = f"{not_ours}: {exc}"
                raise MDPError(msg) from exc
    fmt = arrays["format"]
    if fmt.shape != () or fmt.dtype.kind not in "iu" or int(fmt) != NPZ_FORMAT:
        shown = int(fmt) if fmt.shape == () and fmt.dtype.kind in "iu" else repr(fmt)
        msg = (
            f"{where} is in MDP file format {shown}; this version of "
            f"mdpkit reads format {NPZ_FORMAT}."
        )
        raise MDPError(msg)
    shape_arr = arrays["shape"]
    if (
        shape_arr.shape != (2,)
        or shape_arr.dtype.kind not in "iu"
        or (shape_arr <= 0).any()
    ):
        msg = f"{where} is corrupt: `shape` is {shape_arr!r}; expected two positive integers (S*A, S)."
        raise MDPError(msg)
    shape = (int(shape_arr[0]), int(shape_arr[1]))
    data, indices, indptr = arrays["P_data"], arrays["P_indices"], arrays["P_indptr"]
    for key, arr, kinds in (
        ("P_data", data, "f"),
        ("P_indices", indices, "iu"),
        ("P_indptr", indptr, "iu"),
    ):
        if arr.ndim != 1 or arr.dtype.kind not in kinds:
            msg = f"{where} is corrupt: `{key}` has dtype {arr.dtype} and shape {arr.shape}."
            raise MDPError(msg)

    class _Raw:  # the three CSR arrays, checked before scipy sees them
        format = "csr"

    raw = _Raw()
    raw.shape, raw.data, raw.indices, raw.indptr = shape, data, indices, indptr  # type: ignore[attr-defined]
    check_compressed_structure(
        raw, "P", fix=f"{where} is corrupt (write it again with MDP.save())."
    )
    P = sp.csr_array((data, indices, indptr), shape=shape)
    if "R_data" in arrays:
        R_data = arrays["R_data"]
        if R_data.shape != data.shape:
            msg = f"{where} is corrupt: `R_data` has {R_data.size} values for {data.size} transitions."
            raise MDPError(msg)
        R: Any = sp.csr_array((R_data, indices, indptr), shape=shape)
    else:
        R = arrays["r"]
    std = None
    if "reward_std" in arrays:
        std_data = arrays["reward_std"]
        if std_data.shape != data.shape:
            msg = f"{where} is corrupt: `reward_std` has {std_data.size} values for {data.size} transitions."
            raise MDPError(msg)
        std = sp.csr_array((std_data, indices, indptr), shape=shape)
    try:
        gamma = float(arrays["gamma"])
    except (TypeError, ValueError) as exc:
        msg = f"{where} is corrupt: `gamma` is {arrays['gamma']!r}."
        raise MDPError(msg) from exc
    return {
        "P": P,
        "R": R,
        "gamma": gamma,
        "p0": arrays["p0"],
        "terminal": arrays["terminal"],
        "action_mask": arrays["action_mask"],
        "state_names": [str(x) for x in arrays["state_names"]],
        "action_names": [str(x) for x in arrays["action_names"]],
        "reward_std": std,
    }
