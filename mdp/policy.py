"""Policies as plain arrays.

A **deterministic** policy ``mu`` is an int array ``[S]``: ``a_t = mu(s_t)``.
A **stochastic** policy ``pi`` is a row-stochastic float array ``[S, A]``:
``a_t ~ pi(.|s_t)``.  Every function in mdpkit that takes a policy takes both.

Unavailable actions (an MDP's ``action_mask``) appear in ``Q [S, A]`` as
``-inf``; the constructors below never give them probability.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from ._errors import PolicyError
from .checks import (
    _as_float,
    as_generator,
    check_int,
    check_probability,
    check_state,
    check_tol,
)
from .model import MDP
from .types import FloatArray, IntArray, RNGLike

__all__ = [
    "GREEDY_TIE_TOL",
    "check_policy",
    "is_deterministic",
    "uniform",
    "greedy",
    "epsilon_greedy",
    "softmax",
    "to_matrix",
    "sample_action",
    "log_prob",
]

#: Tolerance on ``|sum_a pi(a|s) - 1|``.
ROW_ATOL = 1e-8


def is_deterministic(pi: npt.ArrayLike) -> bool:
    """Whether ``pi`` is in the deterministic layout (1-D int array ``[S]``).

    Examples
    --------
    >>> is_deterministic([0, 1, 1]), is_deterministic([[0.5, 0.5]])
    (True, False)
    """
    return np.ndim(pi) == 1


def check_policy(m: MDP, pi: npt.ArrayLike) -> IntArray | FloatArray:
    """Validate ``pi`` for ``m`` and return it as ``int [S]`` or ``float [S, A]``.

    Raises
    ------
    PolicyError
        Wrong shape, an action out of range, a row that is not a distribution,
        or probability on an action the MDP's ``action_mask`` forbids.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> m = MDP(np.ones((2, 2, 2)) / 2, R=np.zeros((2, 2)), gamma=0.9)
    >>> check_policy(m, [1, 0])
    array([1, 0])
    >>> check_policy(m, [3, 0])
    Traceback (most recent call last):
    ...
    mdp.PolicyError: policy picks action 3 in state 0, out of range 0..1.
    """
    S, A = m.n_states, m.n_actions
    arr = _as_array(pi, "policy")
    if arr.ndim == 1 and arr.shape != (S,):
        msg = f"deterministic policy has shape {arr.shape}; expected ({S},), one action per state."
        raise PolicyError(msg)
    if arr.ndim == 2 and arr.shape != (S, A):
        msg = f"stochastic policy has shape {arr.shape}; expected (S, A) = ({S}, {A})."
        raise PolicyError(msg)
    arr = _checked_layout(arr, A)
    if arr.ndim == 1:
        unavailable = np.flatnonzero(~m.action_mask[np.arange(S), arr])
        if unavailable.size:
            s = int(unavailable[0])
            msg = (
                f"policy picks action {int(arr[s])} in state {s}, which is not "
                f"available there (see the MDP's `action_mask`)."
            )
            raise PolicyError(msg)
        return arr
    off = np.argwhere((arr > 0) & ~m.action_mask)
    if off.size:
        s, a = (int(i) for i in off[0])
        msg = (
            f"pi({a}|{s}) = {arr[s, a]:g} but action {a} is not available in "
            f"state {s} (see the MDP's `action_mask`)."
        )
        raise PolicyError(msg)
    return arr


def _checked_layout(arr: np.ndarray, A: int) -> IntArray | FloatArray:
    """``arr`` as int actions in ``0..A-1`` ``[S]`` or a row-stochastic ``[S, A]``."""
    if arr.dtype.kind not in "iuf":
        msg = (
            f"policy must be an int array (S,) of actions or a float array (S, A) "
            f"of probabilities; got dtype {arr.dtype}."
        )
        raise PolicyError(msg)
    if arr.ndim == 1:
        if not np.issubdtype(arr.dtype, np.integer):
            if np.isfinite(arr).all() and np.all(np.mod(arr, 1) == 0):
                arr = arr.astype(np.intp)
            else:
                msg = f"deterministic policy must hold integer actions; got dtype {arr.dtype}."
                raise PolicyError(msg)
        bad = np.flatnonzero((arr < 0) | (arr >= A))
        if bad.size:
            s = int(bad[0])
            msg = f"policy picks action {int(arr[s])} in state {s}, out of range 0..{A - 1}."
            raise PolicyError(msg)
        return arr
    if arr.ndim == 2:
        if arr.shape[1] != A:
            msg = f"stochastic policy has {arr.shape[1]} columns; expected {A} actions."
            raise PolicyError(msg)
        arr = np.asarray(arr, dtype=np.float64)
        if not np.isfinite(arr).all() or (arr < 0).any():
            s, a = (int(i) for i in np.argwhere(~np.isfinite(arr) | (arr < 0))[0])
            msg = f"pi({a}|{s}) = {arr[s, a]}; probabilities must be finite and >= 0."
            raise PolicyError(msg)
        sums = arr.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1.0) > ROW_ATOL)
        if bad.size:
            s = int(bad[0])
            msg = f"pi(.|{s}) sums to {sums[s]:.10g}, not 1 ({bad.size} such state(s))."
            raise PolicyError(msg)
        return arr
    msg = f"policy has shape {arr.shape}; expected int [S] (deterministic) or float [S, A] (stochastic)."
    raise PolicyError(msg)


def to_matrix(pi: npt.ArrayLike, n_actions: int) -> FloatArray:
    """A policy in the stochastic layout ``[S, A]`` (one-hot rows if deterministic).

    Examples
    --------
    >>> to_matrix([1, 0], 2)
    array([[0., 1.],
           [1., 0.]])
    >>> to_matrix([0.5, 1.0], 2)
    Traceback (most recent call last):
    ...
    mdp.PolicyError: deterministic policy must hold integer actions; got dtype float64.
    """
    A = check_int(n_actions, "n_actions")
    arr = _checked_layout(_as_array(pi, "policy"), A)
    if arr.ndim == 2:
        return np.asarray(arr, dtype=np.float64)
    out = np.zeros((arr.shape[0], A))
    out[np.arange(arr.shape[0]), arr] = 1.0
    return out


def _as_array(x: Any, what: str) -> np.ndarray:
    """``np.asarray(x)`` with a clear error for ragged or non-numeric input."""
    if isinstance(x, (str, bytes)):
        msg = f"{what} must be an array; got the string {x!r}."
        raise PolicyError(msg)
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested lists
        msg = f"{what} must be a rectangular array; converting it failed: {exc}"
        raise PolicyError(msg) from exc
    if arr.dtype == object:
        msg = f"{what} must be a rectangular numeric array (rows of equal length); got {x!r}."
        raise PolicyError(msg)
    if arr.dtype == bool:
        msg = f"{what} must be numeric; got a boolean array."
        raise PolicyError(msg)
    return arr


def uniform(m: MDP) -> FloatArray:
    """The uniform random policy over each state's available actions.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> m = MDP(np.ones((2, 2, 2)) / 2, np.zeros(2), 0.9,
    ...         action_mask=[[True, True], [True, False]])
    >>> uniform(m)
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    if not isinstance(m, MDP):
        msg = (
            f"uniform() takes an mdp.MDP (it needs the action mask); got "
            f"{type(m).__name__}. For a Q table use greedy(Q, spread_ties=True) "
            f"or epsilon_greedy(Q, 1.0)."
        )
        raise TypeError(msg)
    mask = m.action_mask.astype(np.float64)
    return mask / mask.sum(axis=1, keepdims=True)


def _check_q(Q: npt.ArrayLike) -> FloatArray:
    """A Q table ``(S, A)`` on its own (no MDP): finite, or -inf where unavailable.

    (With an MDP at hand, :func:`mdp.checks.q_table` also checks the shape.)
    """
    q = _as_float(Q, "Q", "(S, A)", copy=True)
    if q.ndim != 2 or q.shape[1] == 0:
        msg = f"`Q` has shape {q.shape}; expected (S, A)."
        raise PolicyError(msg)
    if np.isnan(q).any() or (q == np.inf).any():
        s, a = (int(i) for i in np.argwhere(np.isnan(q) | (q == np.inf))[0])
        msg = (
            f"`Q` has {q[s, a]} at (state {s}, action {a}); values must be finite "
            f"(or -inf for an unavailable action)."
        )
        raise PolicyError(msg)
    dead = np.flatnonzero(~(q > -np.inf).any(axis=1))
    if dead.size:
        msg = f"`Q` is -inf for every action of state {int(dead[0])}; no action is available."
        raise PolicyError(msg)
    return q


#: Default tie tolerance of :func:`greedy` (relative to ``max(1, |max_a Q|)``).
GREEDY_TIE_TOL = 1e-9


def greedy(
    Q: npt.ArrayLike, *, spread_ties: bool = False, tol: float = GREEDY_TIE_TOL
) -> IntArray | FloatArray:
    """The greedy policy ``a*(s) = argmax_a Q(s, a)``.

    Parameters
    ----------
    Q : array_like (S, A)
        Action values; ``-inf`` marks unavailable actions.
    spread_ties : bool
        If ``False`` (default) return a deterministic policy ``int [S]`` that
        takes the **lowest-index** maximising action.  If ``True`` return a
        stochastic policy ``[S, A]`` uniform over all maximising actions.
    tol : float, >= 0
        Actions with ``Q(s,a) >= max_a Q(s,a) - tol * max(1, |max_a Q(s,a)|)``
        count as maximising (ties).  The default ``GREEDY_TIE_TOL = 1e-9``
        treats values equal up to float round-off as ties, so the policy does
        not depend on noise in the last digits (the gambler's problem has
        many exactly tied stakes); ``tol=0`` asks for exact ties only.

    Examples
    --------
    >>> greedy([[1.0, 2.0, 2.0], [0.0, -1.0, -np.inf]])
    array([1, 0])
    >>> greedy([[1.0, 2.0, 2.0]], spread_ties=True)
    array([[0. , 0.5, 0.5]])
    """
    q = _check_q(Q)
    tol = check_tol(tol, "tol", allow_zero=True)
    qmax = q.max(axis=1, keepdims=True)
    ties = q >= qmax - tol * np.maximum(1.0, np.abs(qmax))
    if spread_ties:
        return ties / ties.sum(axis=1, keepdims=True)
    # first maximising action (argmax on the boolean tie mask)
    return np.argmax(ties, axis=1).astype(np.intp)


def epsilon_greedy(Q: npt.ArrayLike, epsilon: float) -> FloatArray:
    """``pi(a|s) = (1 - eps) [a = a*(s)] + eps / |A(s)|`` over available actions.

    ``a*(s)`` is :func:`greedy`'s lowest-index maximiser; ``A(s)`` are the
    actions whose ``Q`` is not ``-inf``.

    Examples
    --------
    >>> epsilon_greedy([[0.0, 1.0]], 0.2)
    array([[0.1, 0.9]])
    """
    epsilon = check_probability(epsilon, "epsilon")
    q = _check_q(Q)
    avail = q > -np.inf
    out = float(epsilon) * avail / avail.sum(axis=1, keepdims=True)
    out[np.arange(q.shape[0]), greedy(q)] += 1.0 - float(epsilon)
    return out


def softmax(logits: npt.ArrayLike, temperature: float = 1.0) -> FloatArray:
    """Boltzmann policy ``pi(a|s) = exp(z(s,a)/T) / sum_b exp(z(s,b)/T)``.

    ``-inf`` logits (unavailable actions) get probability 0.  Computed stably
    (the row maximum is subtracted first).

    Examples
    --------
    >>> softmax([[0.0, np.log(3.0)]]).round(3)
    array([[0.25, 0.75]])
    """
    T = check_tol(temperature, "temperature")
    z = _check_q(logits) / T
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def sample_action(pi: npt.ArrayLike, s: int, seed: RNGLike = None) -> int:
    """Sample ``a ~ pi(.|s)`` (or return ``mu(s)`` for a deterministic policy).

    Examples
    --------
    >>> sample_action([1, 0], 0)
    1
    >>> rng = np.random.default_rng(0)
    >>> [sample_action([[0.5, 0.5]], 0, rng) for _ in range(5)]
    [1, 0, 0, 0, 1]
    """
    arr = _policy_layout(pi)
    s = check_state(s, arr.shape[0])
    if arr.ndim == 1:
        return int(arr[s])
    gen = as_generator(seed)
    row = np.asarray(arr[s], dtype=np.float64)
    k = int(np.searchsorted(np.cumsum(row), gen.random() * row.sum(), side="right"))
    return min(k, row.size - 1)


def log_prob(pi: npt.ArrayLike, s: int, a: int) -> float:
    """``log pi(a|s)`` (``0`` or ``-inf`` for a deterministic policy).

    Examples
    --------
    >>> round(log_prob([[0.25, 0.75]], 0, 1), 4)
    -0.2877
    >>> log_prob([1, 0], 0, 0)
    -inf
    """
    arr = _policy_layout(pi)
    s = check_state(s, arr.shape[0])
    top = arr.shape[1] - 1 if arr.ndim == 2 else None
    if (
        isinstance(a, (bool, np.bool_))
        or not isinstance(a, (int, np.integer))
        or a < 0
        or (top is not None and a > top)
    ):
        valid = f"0..{top}" if top is not None else "0..A-1"
        msg = f"`a` must be an action index (an integer in {valid}); got {a!r}."
        raise PolicyError(msg)
    if arr.ndim == 1:
        return 0.0 if int(arr[s]) == a else -np.inf
    p = float(arr[s, a])
    return float(np.log(p)) if p > 0 else -np.inf


def _policy_layout(pi: Any) -> np.ndarray:
    """A policy on its own (no MDP): int ``(S,)`` or float ``(S, A)``."""
    arr = _as_array(pi, "policy")
    if arr.ndim not in (1, 2) or arr.shape[0] == 0 or arr.dtype.kind not in "iuf":
        msg = (
            f"policy has shape {arr.shape} and dtype {arr.dtype}; expected int (S,) "
            f"(deterministic) or float (S, A) (stochastic)."
        )
        raise PolicyError(msg)
    return arr


def policy_matrices(m: MDP, pi: Any) -> tuple[sp.csr_array, np.ndarray]:
    """``P_pi [S, S]`` and ``r_pi [S]`` of a (validated) policy.

    ``P_pi(s'|s) = sum_a pi(a|s) P(s'|s,a)``, ``r_pi(s) = sum_a pi(a|s) r(s,a)``.
    """
    S, A = m.n_states, m.n_actions
    arr = np.asarray(pi)
    if arr.ndim == 1:
        rows = np.arange(S) * A + arr
        return sp.csr_array(m.P[rows]), m.r[np.arange(S), arr]
    # D [S, S*A] with D[s, s*A + a] = pi(a|s); a copy, as eliminate_zeros()
    # compacts D.data in place and must not write into the caller's policy
    D = sp.csr_array(
        (
            np.array(arr, dtype=np.float64).ravel(),
            np.arange(S * A),
            np.arange(0, S * A + 1, A),
        ),
        shape=(S, S * A),
    )
    D.eliminate_zeros()
    return sp.csr_array(D @ m.P), (arr * m.r).sum(axis=1)
