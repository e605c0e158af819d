r"""Average reward: relative value iteration for the gain ``g*`` and bias ``h``.

The average-reward criterion ranks policies by their long-run reward per step,
the **gain** ``g^pi = lim_{T->inf} (1/T) E[sum_{t<T} r_t]``.  For a unichain
MDP the optimal gain is a constant ``g*`` and, with a **bias** (relative
value) ``h``, solves the average-reward optimality equation

.. math::

    g + h(s) = \max_a \Big[ r(s,a) + \sum_{s'} P(s'|s,a) h(s') \Big].

The discount ``gamma`` plays no part (it is ignored).  Relative value
iteration repeats the backup and subtracts its value at a reference state so
that the iterates stay bounded:

.. math::

    h_{k+1} = T h_k - (T h_k)(s_{\text{ref}}) \mathbf{1}, \qquad
    (T h)(s) = \max_a \Big[ r(s,a) + \sum_{s'} P(s'|s,a) h(s') \Big].

**Aperiodicity transformation.**  Plain RVI may oscillate forever on a
periodic chain (a deterministic 2-cycle).  It is run instead on
``P~ = tau P + (1 - tau) I`` (stay put with probability ``1 - tau``), whose
chains are all aperiodic, with the same ``r``.  If ``(g, h)`` solves the
optimality equation of ``P``, then ``(g, h / tau)`` solves that of ``P~``:

.. math::

    g + \tfrac{h}{\tau}(s)
    = \max_a \Big[ r(s,a) + \tau \sum_{s'} P(s'|s,a) \tfrac{h}{\tau}(s')
      + (1 - \tau) \tfrac{h}{\tau}(s) \Big]
    \iff g + h(s) = \max_a \Big[ r(s,a) + \sum_{s'} P(s'|s,a) h(s') \Big],

(the ``(1 - tau) h(s) / tau`` term does not depend on ``a``; subtract it
from both sides).  The ``max`` is over the same bracket, so the same actions
are greedy.  Hence
**the gain is unchanged, g = g~, and the bias scales back as h = tau h~**; a
policy's stationary distribution is also unchanged (``mu P~ = mu`` iff
``mu P = mu``).

**Stopping rule (Odoni 1969).**  For any ``h``,
``min_s (Th - h)(s) <= g* <= max_s (Th - h)(s)``; RVI stops when the span of
``T~h~ - h~`` is at most ``tol`` and reports the midpoint, so
``|gain - g*| <= tol / 2``.

References
----------
Puterman (1994), Sections 8.5.5 (relative value iteration), 8.5.4 (the
aperiodicity transformation) and 8.5.2 (bounds).  A. R. Odoni, "On finding
the maximal gain for Markov decision processes", Operations Research 17
(1969).  D. J. White, "Dynamic programming, Markov chains, and the method of
successive approximations", J. Math. Anal. Appl. 6 (1963).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from mdp import MDP, MDPError
from mdp.bellman import q_from_v
from mdp.checks import check_state, format_states
from mdp.graph import closed_classes
from mdp.types import IntArray

from .._iv import check_max_iter, check_mdp, check_tol
from .._result import AverageRewardResult
from .._status import BOUNDS, Progress, Status, all_finite, finish

__all__ = ["relative_value_iteration"]


def relative_value_iteration(
    m: MDP,
    *,
    tol: float = 1e-8,
    max_iter: int = 100_000,
    ref_state: int = 0,
    tau: float = 0.5,
    verbose: bool = False,
) -> AverageRewardResult:
    r"""Optimal gain ``g*`` and a bias ``h`` by relative value iteration.

    Parameters
    ----------
    m : MDP
        ``m.gamma`` is ignored.  Must have no terminal states and a single
        closed communicating class.
    tol : float
        Stop when ``max(T~h - h) - min(T~h - h) <= tol``; then
        ``|gain - g*| <= tol / 2``.
    max_iter : int
        Maximum number of sweeps; reaching it returns ``converged=False`` and
        issues a ``RuntimeWarning``.
    ref_state : int
        State whose bias is pinned to 0, ``h(ref_state) = 0``.
    tau : float
        Aperiodicity transformation ``P~ = tau P + (1 - tau) I``, in
        ``(0, 1]``; ``tau = 1`` is plain RVI (which can fail to converge on
        periodic chains).
    verbose : bool
        Print progress to stderr about once a second.

    Returns
    -------
    AverageRewardResult
        ``gain`` (``g*``, the midpoint of ``gain_bounds``), ``bias = V [S]``
        (``h`` of the original MDP, ``h(ref_state) = 0``), ``gain_bounds``
        (Odoni's bracket of ``g*``), ``Q [S, A]`` with
        ``Q(s,a) = r(s,a) - g + sum_s' P(s'|s,a) h(s')`` (so that
        ``h(s) ~ max_a Q(s,a)``; ``-inf`` where unavailable), ``policy [S]``
        (greedy in ``Q``, lowest index on ties), ``residuals`` (the span of
        ``T~h - h`` per sweep), ``error_bound`` (``|gain - g*| <=
        error_bound``, half the width of ``gain_bounds``), ``info``
        (``recurrent_classes`` of the greedy policy's chain, ``tau``).

    Raises
    ------
    MDPError
        If the MDP has terminal states (an episode that ends earns 0 per step
        forever after, so the gain depends on the start state; the message
        says what to use instead), if the graph of all available transitions
        has two or more closed
        communicating classes (then every policy's chain has at least two
        recurrent classes and ``g*`` depends on the start: the message names
        a state of each class), or ``ref_state``/``tau`` is invalid.

    Warns
    -----
    RuntimeWarning
        At ``max_iter``; and if the greedy policy's chain has more than one
        recurrent class (multichain: ``gain`` need not be its gain from every
        state).

    Notes
    -----
    The backup on the transformed MDP is
    ``(T~h)(s) = max_a [r(s,a) + tau sum_s' P(s'|s,a) h(s')] + (1 - tau) h(s)``;
    the gain maps back unchanged and the bias as ``h = tau h~`` (derivation in
    the module docstring).  Terminal states are refused rather than solved:
    the average reward of a terminating policy is 0, while a policy that
    loops forever can earn more per step, so the answer would depend on the
    start state and plain RVI converges slowly to a wrong constant.  The
    single-closed-class test is necessary, not sufficient: a state outside the
    closed class with a rewarding self-loop can make ``g*`` state-dependent,
    which shows up as non-convergence and the multichain warning.

    Examples
    --------
    A deterministic 2-cycle (periodic: plain RVI would oscillate) paying 1 in
    state 0 and 3 in state 1 has gain 2 and bias ``h(1) - h(0) = 1``:

    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import relative_value_iteration
    >>> P = np.array([[[0.0, 1.0]], [[1.0, 0.0]]])
    >>> m = MDP(P, R=[1.0, 3.0], gamma=0.9)
    >>> sol = relative_value_iteration(m)
    >>> round(sol.gain, 6), sol.bias.round(6), sol.converged
    (2.0, array([0., 1.]), True)
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    S = m.n_states
    ref = check_state(ref_state, S, "ref_state")
    tau = _check_tau(tau)
    _check_no_terminal(m)
    _check_single_closed_class(m)
    progress = Progress("relative_value_iteration", verbose)

    h = np.zeros(S)  # h~, the bias of the transformed MDP
    res: list[float] = []  # not np.empty(max_iter): max_iter may be huge
    lo = hi = float("nan")
    status = Status.MAX_ITER
    k = 0
    for k in range(1, max_iter + 1):  # noqa: B007
        # (T~h)(s) = max_a [r(s,a) + tau sum_s' P(s'|s,a) h(s')] + (1 - tau) h(s)
        Th = q_from_v(m, h, gamma=tau, validate=False).max(axis=1) + (1.0 - tau) * h
        d = Th - h
        lo, hi = float(d.min()), float(d.max())
        res.append(hi - lo)
        # h_{k+1} = T~h_k - (T~h_k)(ref)
        h = Th - Th[ref]
        if not all_finite(lo, hi):
            status = Status.NON_FINITE
            break
        if hi - lo <= tol:
            status = Status.CONVERGED
            break
        progress(
            f"sweep {k}, span(Th - h) = {hi - lo:.3e}, gain in [{lo:.6g}, {hi:.6g}]"
        )
    gain = (lo + hi) / 2.0
    bias = tau * h  # h = tau h~
    # Q(s,a) = r(s,a) - g + sum_s' P(s'|s,a) h(s')
    Q = q_from_v(m, bias, gamma=1.0, validate=False) - gain
    policy = np.argmax(Q, axis=1).astype(np.intp)
    message = finish(
        status,
        k=k,
        unit="sweep(s)",
        bound=BOUNDS["odoni"],
        method="relative_value_iteration",
        max_iter=max_iter,
        detail=(
            f"span(Th - h) = {hi - lo:.3g}; the MDP may be multichain or periodic "
            f"(try tau < 1)"
        ),
        rmax=float(np.abs(m.r).max()),
    )
    n_rec = _recurrent_classes(m, policy)
    if n_rec > 1 and status != Status.NON_FINITE:
        warnings.warn(
            f"the greedy policy's Markov chain has {n_rec} recurrent classes "
            f"(multichain): the reported gain {gain:.6g} need not be its average "
            f"reward from every state, and a gain-optimal policy may need to "
            f"break ties differently.",
            RuntimeWarning,
            stacklevel=2,
        )
    progress(message, force=True)
    return AverageRewardResult(
        V=bias,
        Q=Q,
        policy=policy,
        converged=status == Status.CONVERGED,
        iterations=k,
        residuals=np.asarray(res),
        elapsed=time.perf_counter() - t0,
        method=f"relative_value_iteration (tau={tau:g})",
        message=message,
        error_bound=(hi - lo) / 2.0,
        bound=BOUNDS["odoni"],
        info={"recurrent_classes": n_rec, "tau": tau, "ref_state": ref},
        status=status.value,
        gain=gain,
        bias=bias,
        gain_bounds=(lo, hi),
    )


# ----------------------------------------------------------------- helpers
def _check_tau(tau: Any) -> float:
    try:
        t = float(tau)
    except (TypeError, ValueError) as exc:
        msg = f"`tau` must be a number in (0, 1]; got {tau!r}."
        raise MDPError(msg) from exc
    if not 0.0 < t <= 1.0:  # also rejects NaN
        msg = (
            f"`tau` must be in (0, 1] (P~ = tau P + (1 - tau) I; tau = 1 turns the "
            f"aperiodicity transformation off); got {tau!r}."
        )
        raise MDPError(msg)
    return t


#: Why relative value iteration refuses terminal states, and what to do.
TERMINAL_MESSAGE = (
    "relative_value_iteration: the MDP has terminal states ({where}). Once an "
    "episode ends its reward per step is 0 forever, so every terminal state is "
    "a closed class of its own and the optimal gain depends on the start state "
    "(the MDP is multichain: a policy that avoids termination can earn more per "
    "step). For the total reward of an episode use value_iteration or "
    "policy_iteration with gamma = 1; for the reward per step of repeated "
    "episodes, send the transitions into terminal states back to the start "
    "states (a restart) and drop `terminal=`."
)


def _check_no_terminal(m: MDP) -> None:
    if m.terminal.any():
        msg = TERMINAL_MESSAGE.format(where=format_states(np.flatnonzero(m.terminal)))
        raise MDPError(msg)


def _check_single_closed_class(m: MDP) -> None:
    """Two closed classes in the graph of all transitions: multichain for every policy."""
    n, labels, closed = closed_classes(m)
    which = np.flatnonzero(closed)
    if which.size < 2:
        return
    # one representative (lowest-index state) per closed class
    first = np.full(n, m.n_states)
    np.minimum.at(first, labels, np.arange(m.n_states))
    reps = np.sort(first[which])
    shown = ", ".join(f"state {int(s)}" for s in reps[:5])
    more = f" and {reps.size - 5} more" if reps.size > 5 else ""
    msg = (
        f"the MDP is multichain: its transition graph has {reps.size} closed "
        f"classes (that no action can leave), containing {shown}{more}. Every "
        f"policy then has at least {reps.size} recurrent classes and the optimal "
        f"gain depends on the start state (each terminal state is a closed "
        f"class of its own). Solve each class separately, connect the classes, "
        f"or use a discounted solver."
    )
    raise MDPError(msg)


def _recurrent_classes(m: MDP, policy: IntArray) -> int:
    """Number of recurrent (closed) classes of the chain ``P_pi``."""
    _, _, closed = closed_classes(m, policy)
    return int(closed.sum())
