"""Argument checks shared by every mdpkit function: one checker per kind.

Every public function that takes a discount, a tolerance, a count, a seed, a
state index, a value vector or a Q table checks it here, so the same input
gets the same answer (and the same message) everywhere.  Each raises
:class:`mdp.MDPError` (a ``ValueError``) naming the argument, what it got and
what it needs.  Numbers are never converted from strings and integers are
never rounded: ``max_iter=5.0`` and ``horizon="3"`` are errors.

Examples
--------
>>> from mdp import checks
>>> checks.check_int(10, "episodes")
10
>>> checks.check_int(2.5, "episodes")
Traceback (most recent call last):
...
mdp.MDPError: `episodes` must be an integer >= 1; got 2.5.
>>> checks.check_tol(1e-6)
1e-06
>>> int(checks.as_generator(0).integers(10))
8
"""

from __future__ import annotations

import numbers
from typing import Any, Protocol

import numpy as np

from ._errors import MDPError
from .types import BoolArray, FloatArray, RNGLike


class _Model(Protocol):
    """What the vector checks read of an MDP (no import of :mod:`mdp.model`)."""

    @property
    def n_states(self) -> int: ...
    @property
    def n_actions(self) -> int: ...
    @property
    def terminal(self) -> BoolArray: ...
    @property
    def action_mask(self) -> BoolArray: ...


__all__ = [
    "check_gamma",
    "check_tol",
    "check_int",
    "check_probability",
    "check_real",
    "as_generator",
    "spawn_generators",
    "check_state",
    "state_vector",
    "q_table",
    "format_states",
]


def format_states(idx: Any, n_actions: int | None = None, limit: int = 5) -> str:
    """Name the first few flat indices as states, or as (state, action) pairs.

    For error messages: ``format_states([3, 7])`` is ``"state 3, state 7"``.

    >>> format_states([1, 2, 9], n_actions=4)
    '(state 0, action 1), (state 0, action 2), (state 2, action 1)'
    >>> format_states(range(8))
    'state 0, state 1, state 2, state 3, state 4 and 3 more'
    """
    flat = np.asarray(idx).ravel()
    shown = flat[:limit]
    if n_actions is None:
        parts = [f"state {int(i)}" for i in shown]
    else:
        parts = [
            f"(state {int(i) // n_actions}, action {int(i) % n_actions})" for i in shown
        ]
    more = f" and {flat.size - limit} more" if flat.size > limit else ""
    return ", ".join(parts) + more


def _is_number(x: Any) -> bool:
    """A real number that is not a bool and not a string."""
    if isinstance(x, (bool, np.bool_, str, bytes)):
        return False
    if isinstance(x, np.ndarray):
        return x.ndim == 0 and x.dtype.kind in "iuf"
    return isinstance(x, numbers.Real)


def check_real(x: Any, name: str) -> float:
    """``x`` as a finite float (not a string, not a bool).

    >>> check_real(3, "scale")
    3.0
    >>> check_real(float("nan"), "scale")
    Traceback (most recent call last):
    ...
    mdp.MDPError: `scale` must be a finite number; got nan.
    """
    if not _is_number(x):
        msg = f"`{name}` must be a finite number; got {x!r}."
        raise MDPError(msg)
    v = float(x)
    if not np.isfinite(v):
        msg = f"`{name}` must be a finite number; got {x!r}."
        raise MDPError(msg)
    return v


def check_gamma(gamma: Any) -> float:
    """``gamma`` as a float in ``[0, 1]``.

    >>> check_gamma(0.9)
    0.9
    >>> check_gamma("0.9")
    Traceback (most recent call last):
    ...
    mdp.MDPError: `gamma` must be a number in [0, 1]; got '0.9'.
    """
    if not _is_number(gamma):
        msg = f"`gamma` must be a number in [0, 1]; got {gamma!r}."
        raise MDPError(msg)
    g = float(gamma)
    if not (0.0 <= g <= 1.0):  # also rejects NaN
        msg = f"`gamma` must be in [0, 1]; got {gamma!r}."
        raise MDPError(msg)
    return g


def check_tol(tol: Any, name: str = "tol", *, allow_zero: bool = False) -> float:
    """A tolerance: a finite number ``> 0`` (``>= 0`` with ``allow_zero``).

    >>> check_tol(-1)
    Traceback (most recent call last):
    ...
    mdp.MDPError: `tol` must be a positive, finite number; got -1.
    """
    need = (
        "a non-negative, finite number" if allow_zero else "a positive, finite number"
    )
    if not _is_number(tol):
        msg = f"`{name}` must be {need}; got {tol!r}."
        raise MDPError(msg)
    t = float(tol)
    ok = (t >= 0.0 if allow_zero else t > 0.0) and np.isfinite(t)
    if not ok:
        msg = f"`{name}` must be {need}; got {tol!r}."
        raise MDPError(msg)
    return t


def check_int(x: Any, name: str, *, minimum: int = 1) -> int:
    """An integer ``>= minimum``; floats (even ``5.0``), bools and strings are errors.

    >>> check_int(np.int64(5), "episodes")
    5
    >>> check_int(5.0, "episodes")
    Traceback (most recent call last):
    ...
    mdp.MDPError: `episodes` must be an integer >= 1; got 5.0 (write 5).
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(
        x, (numbers.Integral, np.integer)
    ):
        hint = ""
        if _is_number(x) and float(x).is_integer():
            hint = f" (write {int(x)})"
        msg = f"`{name}` must be an integer >= {minimum}; got {x!r}{hint}."
        raise MDPError(msg)
    k = int(x)
    if k < minimum:
        msg = f"`{name}` must be an integer >= {minimum}; got {x!r}."
        raise MDPError(msg)
    return k


def check_probability(x: Any, name: str) -> float:
    """A number in ``[0, 1]`` (an exploration rate, a mixing weight, ...).

    >>> check_probability(0.1, "epsilon")
    0.1
    >>> check_probability(1.5, "epsilon")
    Traceback (most recent call last):
    ...
    mdp.MDPError: `epsilon` must be a number in [0, 1]; got 1.5.
    """
    if not _is_number(x) or not (0.0 <= float(x) <= 1.0):
        msg = f"`{name}` must be a number in [0, 1]; got {x!r}."
        raise MDPError(msg)
    return float(x)


def as_generator(seed: RNGLike, name: str = "seed") -> np.random.Generator:
    """``seed`` (None, a non-negative int, a SeedSequence or a Generator) as a Generator.

    A Generator is used as it is (draws advance it); anything else seeds a
    new one, so the same ``seed`` gives the same draws.

    >>> as_generator("abc")
    Traceback (most recent call last):
    ...
    mdp.MDPError: `seed` must be None, a non-negative integer, a numpy.random.SeedSequence or a numpy.random.Generator; got 'abc'.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if (
        isinstance(seed, (numbers.Integral, np.integer))
        and not isinstance(seed, (bool, np.bool_))
        and int(seed) >= 0
    ):
        return np.random.default_rng(int(seed))
    msg = (
        f"`{name}` must be None, a non-negative integer, a numpy.random.SeedSequence "
        f"or a numpy.random.Generator; got {seed!r}."
    )
    raise MDPError(msg)


def spawn_generators(
    seed: RNGLike, n: int, name: str = "seed"
) -> list[np.random.Generator]:
    """``n`` independent Generators spawned from ``seed`` (one per run).

    The same ``seed`` gives the same ``n`` streams; stream ``i`` does not
    depend on ``n``.

    >>> a = spawn_generators(1, 3); b = spawn_generators(1, 2)
    >>> bool(a[1].random() == b[1].random())
    True
    """
    n = check_int(n, "runs")
    return list(as_generator(seed, name).spawn(n))


def check_state(s: Any, n_states: int, name: str = "s") -> int:
    """A state index in ``0..S-1`` (an integer, not ``1.5`` nor ``True``).

    >>> check_state(1.5, 3)
    Traceback (most recent call last):
    ...
    mdp.MDPError: `s` must be a state index (an integer in 0..2); got 1.5.
    """
    if (
        isinstance(s, (bool, np.bool_))
        or not isinstance(s, (numbers.Integral, np.integer))
        or not 0 <= int(s) < n_states
    ):
        msg = f"`{name}` must be a state index (an integer in 0..{n_states - 1}); got {s!r}."
        raise MDPError(msg)
    return int(s)


def state_vector(
    m: _Model, x: Any, name: str, *, zero_on_terminal: bool = False
) -> FloatArray:
    """``x`` as a finite float array ``(S,)`` (a copy).

    With ``zero_on_terminal`` the entries of terminal states must be 0 (their
    value is 0 by definition).

    >>> from mdp import MDP
    >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[[0.0], [1.0]], gamma=0.5)
    >>> state_vector(m, [1, 2], "V0")
    array([1., 2.])
    >>> state_vector(m, [1, 2, 3], "V0")
    Traceback (most recent call last):
    ...
    mdp.MDPError: `V0` has shape (3,); expected (2,), one value per state.
    """
    S = m.n_states
    v = _as_float(x, name, f"({S},)", copy=True)
    if v.shape != (S,):
        msg = f"`{name}` has shape {v.shape}; expected ({S},), one value per state."
        raise MDPError(msg)
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        s = int(bad[0])
        msg = f"`{name}` is not finite at state {s} ({v[s]})."
        raise MDPError(msg)
    if zero_on_terminal:
        bad = np.flatnonzero(m.terminal & (v != 0))
        if bad.size:
            s = int(bad[0])
            msg = (
                f"`{name}` is {v[s]:g} at terminal state {s}; terminal states "
                f"have value 0 (set {name} there to 0)."
            )
            raise MDPError(msg)
    return v


def q_table(m: _Model, Q: Any, name: str = "Q") -> FloatArray:
    """``Q`` as a float array ``(S, A)`` (a copy): finite on available pairs.

    Unavailable pairs (``action_mask`` False) may hold anything, ``-inf``
    included; they are set to ``-inf`` in the copy.

    >>> from mdp import MDP
    >>> P = np.zeros((2, 2, 2)); P[:, :, 1] = 1.0
    >>> m = MDP(P, R=np.zeros((2, 2)), gamma=0.9, action_mask=[[1, 0], [1, 1]])
    >>> q_table(m, [[1.0, 7.0], [0.0, 0.0]])
    array([[  1., -inf],
           [  0.,   0.]])
    >>> q_table(m, [[np.nan, 0.0], [0.0, 0.0]])
    Traceback (most recent call last):
    ...
    mdp.MDPError: `Q` is not finite at state 0, action 0 (nan), an available pair.
    """
    S, A = m.n_states, m.n_actions
    q = _as_float(Q, name, f"({S}, {A})", copy=True)
    if q.shape != (S, A):
        msg = f"`{name}` has shape {q.shape}; expected ({S}, {A}), one value per (state, action)."
        raise MDPError(msg)
    bad = np.argwhere(m.action_mask & ~np.isfinite(q))
    if bad.size:
        s, a = (int(i) for i in bad[0])
        msg = f"`{name}` is not finite at state {s}, action {a} ({q[s, a]}), an available pair."
        raise MDPError(msg)
    q[~m.action_mask] = -np.inf
    return q


def _as_array(x: Any, name: str) -> np.ndarray:
    """``np.asarray(x)``; ragged nested lists are an error naming ``name``."""
    try:
        return np.asarray(x)
    except ValueError as exc:
        msg = (
            f"`{name}` must be a rectangular array (nested lists of equal "
            f"lengths); converting it failed: {exc}"
        )
        raise MDPError(msg) from exc


def _as_float(x: Any, name: str, shape: str = "", *, copy: bool = False) -> FloatArray:
    """``x`` as a new float64 array: the one conversion of every numeric input
    (model tables, ``V``, ``Q``); text, booleans, complex numbers and ragged
    lists are errors naming ``name`` (and the expected ``shape``, if given)."""
    of = f" of shape {shape}" if shape else ""
    raw = _as_array(x, name)
    if raw.dtype.kind in "US" or isinstance(x, (str, bytes)):
        msg = f"`{name}` must be a numeric array{of}; got text ({raw.dtype})."
        raise MDPError(msg)
    if raw.dtype.kind == "b":
        msg = f"`{name}` must be a numeric array{of}; got booleans (use 0.0 and 1.0)."
        raise MDPError(msg)
    if np.iscomplexobj(raw):
        msg = f"`{name}` has complex entries; probabilities, rewards and values must be real."
        raise MDPError(msg)
    try:
        arr = (np.array if copy else np.asarray)(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"`{name}` must be a numeric array{of}; converting it failed: {exc}"
        raise MDPError(msg) from exc
    return arr
