r"""Exact policy evaluation: ``V^pi``, ``Q^pi``, ``A^pi`` and ``J(pi)``.

The on-policy value function solves the Bellman expectation equation, a
linear system:

.. math::

    V^\pi = r_\pi + \gamma P_\pi V^\pi
    \quad\Longleftrightarrow\quad
    (I - \gamma P_\pi) V^\pi = r_\pi,

with ``P_pi(s'|s) = sum_a pi(a|s) P(s'|s,a)`` and
``r_pi(s) = sum_a pi(a|s) r(s,a)``; terminal states have ``V = 0`` and are
left out of the system.  Then

.. math::

    Q^\pi(s,a) = r(s,a) + \gamma \sum_{s'} P(s'|s,a) V^\pi(s'), \qquad
    A^\pi(s,a) = Q^\pi(s,a) - V^\pi(s), \qquad
    J(\pi) = \sum_s p_0(s) V^\pi(s).
"""

from __future__ import annotations

from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

from mdp import MDP
from mdp.bellman import q_from_v
from mdp.checks import state_vector
from mdp.linear import SolveInfo, solve_policy_value
from mdp.types import FloatArray

from .._iv import check_mdp, check_tol
from .._status import Status, all_finite, finish

__all__ = ["evaluate_policy", "q_values", "advantage", "expected_return"]


@overload
def evaluate_policy(
    m: MDP,
    pi: npt.ArrayLike,
    *,
    method: str = ...,
    tol: float = ...,
    V0: npt.ArrayLike | None = ...,
    return_info: Literal[False] = ...,
) -> FloatArray: ...
@overload
def evaluate_policy(
    m: MDP,
    pi: npt.ArrayLike,
    *,
    method: str = ...,
    tol: float = ...,
    V0: npt.ArrayLike | None = ...,
    return_info: Literal[True],
) -> tuple[FloatArray, SolveInfo]: ...
def evaluate_policy(
    m: MDP,
    pi: npt.ArrayLike,
    *,
    method: str = "auto",
    tol: float = 1e-10,
    V0: npt.ArrayLike | None = None,
    return_info: bool = False,
) -> FloatArray | tuple[FloatArray, SolveInfo]:
    r"""The on-policy value ``V^pi`` from ``(I - gamma P_pi) V = r_pi``.

    Parameters
    ----------
    m : MDP
    pi : int [S] or float [S, A]
        Deterministic or stochastic policy.
    method : {"auto", "dense", "direct", "krylov", "iterative"}
        ``dense``: LAPACK LU of the dense ``n x n`` system, exact to round-off.
        ``direct``: sparse LU (SuperLU, COLAMD ordering), exact to round-off.
        ``krylov``: BiCGSTAB (GMRES(20) as fallback) on ``I - gamma P_pi``,
        which needs only mat-vecs.
        ``iterative``: successive approximation ``V <- r_pi + gamma P_pi V``.
        ``auto`` (:func:`mdp.linear.choose_method`, a cost model measured in
        ``benchmarks/README.md``) picks ``dense`` for small systems (at most
        400 unknowns), ``direct`` for banded ones (``n * bandwidth <= 3e7``
        and ``n * bandwidth^2 <= 1e10``, e.g. gridworlds in row-major order)
        and ``krylov`` otherwise, where LU fill-in would explode (on a random
        Garnet graph a sparse LU takes 25 ms at ``S = 1000`` and ~40 s at
        ``S = 1e4``, Krylov about 1 ms and 5 ms); a Krylov solve that has not
        met its target after 100 BiCGSTAB steps (slow mixing, ``gamma`` near
        1, e.g. a 400x400 open grid) falls back to LU (dense up to 4000
        unknowns).  The choice is reported with ``return_info=True``; an
        explicit ``krylov`` that misses ``tol`` warns.
    tol : float
        For ``krylov`` and ``iterative`` with ``gamma < 1``: the result
        satisfies ``||V - V^pi||_inf <= tol`` (the residual is driven below
        ``(1 - gamma) tol`` and ``||(I - gamma P_pi)^{-1}||_inf <= 1/(1-gamma)``).
        With ``gamma = 1`` only the residual is bounded by ``tol``.
    V0 : array_like (S,), optional
        Starting guess for the iterative methods.
    return_info : bool
        Also return a :class:`~mdp.linear.SolveInfo` (method used, residual
        ``||r_pi - (I - gamma P_pi) V||_inf``, iterations, error bound, seconds).

    Returns
    -------
    V : ndarray (S,)
        ``V^pi``; ``0`` on terminal states.

    Raises
    ------
    PolicyError
        If ``pi`` is not a valid policy for ``m``.
    ImproperPolicyError
        If ``gamma = 1`` and ``pi`` does not reach a terminal state with
        probability 1 (the message names such states).

    Examples
    --------
    Two states; action 0 stays, action 1 moves; state 1 pays 1 per step.  The
    policy "always stay" has ``V = (0, 1/(1 - gamma))``:

    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import evaluate_policy
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    >>> m = MDP(P, R=[0.0, 1.0], gamma=0.9)
    >>> evaluate_policy(m, [0, 0])
    array([ 0., 10.])
    >>> evaluate_policy(m, [[0.5, 0.5], [0.5, 0.5]], method="krylov").round(6)
    array([4.5, 5.5])
    """
    m = check_mdp(m)
    tol = check_tol(tol)
    V, info = solve_policy_value(
        m,
        pi,
        method=method,
        tol=tol,
        V0=None if V0 is None else state_vector(m, V0, "V0"),
    )
    if not all_finite(V):
        finish(
            Status.NON_FINITE,
            method="evaluate_policy",
            k=info.iterations,
            unit="iteration(s)",
            rmax=float(np.abs(m.r).max()),
        )
    return (V, info) if return_info else V


def q_values(m: MDP, pi: npt.ArrayLike, **kwargs) -> FloatArray:
    r"""``Q^pi(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V^pi(s')``, shape ``(S, A)``.

    Keyword arguments go to :func:`evaluate_policy`.  ``-inf`` where an action
    is unavailable.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import q_values
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    >>> m = MDP(P, R=[0.0, 1.0], gamma=0.9)
    >>> q_values(m, [0, 0])
    array([[ 0.,  9.],
           [10.,  1.]])
    """
    return q_from_v(m, _value(m, pi, kwargs, "q_values"))


def advantage(m: MDP, pi: npt.ArrayLike, **kwargs) -> FloatArray:
    r"""``A^pi(s,a) = Q^pi(s,a) - V^pi(s)``, shape ``(S, A)``.

    How much better taking ``a`` in ``s`` (then following ``pi``) is than
    following ``pi`` from ``s``.  ``sum_a pi(a|s) A^pi(s,a) = 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import advantage
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    >>> m = MDP(P, R=[0.0, 1.0], gamma=0.9)
    >>> advantage(m, [0, 0])
    array([[ 0.,  9.],
           [ 0., -9.]])
    """
    V = _value(m, pi, kwargs, "advantage")
    return q_from_v(m, V) - V[:, None]


def expected_return(m: MDP, pi: npt.ArrayLike, **kwargs) -> float:
    r"""``J(pi) = E_{tau ~ pi}[R(tau)] = sum_s p0(s) V^pi(s)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import expected_return
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    >>> m = MDP(P, R=[0.0, 1.0], gamma=0.9, p0=[1.0, 0.0])
    >>> round(expected_return(m, [1, 0]), 6)
    9.0
    """
    return float(m.p0 @ _value(m, pi, kwargs, "expected_return"))


def _value(
    m: MDP, pi: npt.ArrayLike, kwargs: dict[str, Any], caller: str
) -> FloatArray:
    """``V^pi`` for the helpers above (``return_info`` is not theirs to pass)."""
    if kwargs.get("return_info"):
        msg = "`return_info` is an option of evaluate_policy only."
        raise TypeError(msg)
    unknown = sorted(set(kwargs) - {"method", "tol", "V0", "return_info"})
    if unknown:
        msg = (
            f"{caller}() got the unknown option(s) {', '.join(map(repr, unknown))}; "
            f"its keyword arguments go to evaluate_policy: method, tol, V0."
        )
        raise TypeError(msg)
    return evaluate_policy(m, pi, **kwargs)
