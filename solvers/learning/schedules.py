r"""Step sizes ``alpha`` and exploration rates ``epsilon`` as schedules.

A learner's ``alpha`` is a float (constant) or one of

* :func:`constant` ``(value)``: :math:`\alpha_n = c`;
* :func:`visit_count` ``(scale=1)``: :math:`\alpha = c / n(s, a)`, the sample
  average when ``c = 1`` (``n`` counts the updates of the pair, this one
  included);
* :func:`polynomial` ``(omega, scale=1)``: :math:`\alpha = c / n(s, a)^\omega`
  with :math:`1/2 < \omega \le 1`, which satisfies the Robbins–Monro
  conditions :math:`\sum \alpha = \infty, \sum \alpha^2 < \infty`.

Its ``epsilon`` is a float (constant) or :func:`decaying`
``(start, c, minimum=0)``: :math:`\varepsilon_k = \max(\varepsilon_{\min},
\varepsilon_0 \, c / (c + k))` in episode ``k = 0, 1, ...``; with
``minimum = 0`` it tends to 0 while :math:`\sum_k \varepsilon_k = \infty`, so
ε-greedy is GLIE (greedy in the limit with infinite exploration).

Examples
--------
>>> from solvers.learning import schedules
>>> a = schedules.polynomial(0.8)
>>> [round(float(x), 3) for x in a(np.array([1, 2, 10]))]
[1.0, 0.574, 0.158]
>>> e = schedules.decaying(1.0, 10)
>>> [round(float(x), 3) for x in e(np.array([0, 10, 90]))]
[1.0, 0.5, 0.1]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mdp import MDPError
from mdp.checks import check_probability, check_real

__all__ = ["Schedule", "constant", "visit_count", "polynomial", "decaying"]


@dataclass(frozen=True)
class Schedule:
    """A step-size or exploration schedule (see the module docstring).

    Attributes
    ----------
    kind : {"constant", "visits", "episodes"}
        What the schedule counts: nothing, updates of ``(s, a)``, or episodes.
    value : float
        The constant, the scale ``c`` or the start ``epsilon_0``.
    omega : float
        Exponent of :func:`polynomial` (1 for :func:`visit_count`).
    c : float
        Decay constant of :func:`decaying`.
    minimum : float
        Floor of :func:`decaying`.

    Examples
    --------
    >>> constant(0.1)(np.array([5]))
    array([0.1])
    """

    kind: str
    value: float
    omega: float = 1.0
    c: float = 1.0
    minimum: float = 0.0

    def __call__(self, n: Any) -> np.ndarray:
        n = np.asarray(n, dtype=np.float64)
        if self.kind == "constant":
            return np.full(n.shape, self.value)
        if self.kind == "visits":
            return self.value / np.maximum(n, 1.0) ** self.omega
        return np.maximum(self.minimum, self.value * self.c / (self.c + n))


def constant(value: float) -> Schedule:
    """The constant schedule ``value`` (checked by the learner for its range).

    Examples
    --------
    >>> constant(0.5).kind
    'constant'
    """
    return Schedule("constant", check_real(value, "value"))


def visit_count(scale: float = 1.0) -> Schedule:
    """``alpha = scale / n(s, a)``; ``scale = 1`` gives sample averages.

    Examples
    --------
    >>> visit_count()(np.array([1, 4]))
    array([1.  , 0.25])
    """
    return polynomial(1.0, scale)


def polynomial(omega: float, scale: float = 1.0) -> Schedule:
    r"""``alpha = scale / n(s, a)^omega`` with ``1/2 < omega <= 1`` (Robbins–Monro).

    Raises
    ------
    MDPError
        If ``omega`` is outside ``(1/2, 1]`` or ``scale`` outside ``(0, 1]``.

    Examples
    --------
    >>> polynomial(0.4)
    Traceback (most recent call last):
    ...
    mdp.MDPError: `omega` must be in (0.5, 1] (Robbins-Monro: sum alpha = inf, sum alpha^2 < inf); got 0.4.
    """
    w = check_real(omega, "omega")
    if not 0.5 < w <= 1.0:
        msg = (
            "`omega` must be in (0.5, 1] (Robbins-Monro: sum alpha = inf, "
            f"sum alpha^2 < inf); got {omega!r}."
        )
        raise MDPError(msg)
    c = check_real(scale, "scale")
    if not 0.0 < c <= 1.0:
        msg = f"`scale` must be in (0, 1]; got {scale!r}."
        raise MDPError(msg)
    return Schedule("visits", c, omega=w)


def decaying(start: float = 1.0, c: float = 100.0, minimum: float = 0.0) -> Schedule:
    r"""``epsilon_k = max(minimum, start c / (c + k))`` in episode ``k``.

    Raises
    ------
    MDPError
        If ``start`` or ``minimum`` is not in ``[0, 1]``, or ``c <= 0``.

    Examples
    --------
    >>> decaying(0.5, c=0)
    Traceback (most recent call last):
    ...
    mdp.MDPError: `c` must be a positive number (episodes to halve epsilon); got 0.
    """
    s = check_probability(start, "start")
    lo = check_probability(minimum, "minimum")
    cc = check_real(c, "c")
    if cc <= 0:
        msg = f"`c` must be a positive number (episodes to halve epsilon); got {c!r}."
        raise MDPError(msg)
    return Schedule("episodes", s, c=cc, minimum=lo)


def as_alpha(alpha: Any, name: str = "alpha") -> Schedule:
    """A learner's step size: a float in ``(0, 1]`` or a constant/visit schedule."""
    if isinstance(alpha, Schedule):
        if alpha.kind == "episodes":
            msg = (
                f"`{name}` must be constant or count visits (constant, visit_count, "
                f"polynomial); `decaying` is a per-episode schedule for epsilon."
            )
            raise MDPError(msg)
        if not 0.0 < alpha.value <= 1.0:
            msg = f"`{name}` must be in (0, 1]; got {alpha.value!r}."
            raise MDPError(msg)
        return alpha
    if isinstance(alpha, str) or alpha is None:
        msg = (
            f"`{name}` must be a number in (0, 1] or a schedule "
            f"(solvers.learning.schedules); got {alpha!r}."
        )
        raise MDPError(msg)
    a = check_real(alpha, name)
    if not 0.0 < a <= 1.0:
        msg = f"`{name}` must be in (0, 1]; got {alpha!r}."
        raise MDPError(msg)
    return Schedule("constant", a)


def as_epsilon(epsilon: Any) -> Schedule:
    """A learner's exploration rate: a float in ``[0, 1]`` or a schedule."""
    if isinstance(epsilon, Schedule):
        if epsilon.kind == "visits":
            msg = (
                "`epsilon` must be constant or decay per episode (constant, "
                "decaying); got a visit-count schedule."
            )
            raise MDPError(msg)
        if not 0.0 <= epsilon.value <= 1.0:
            msg = f"`epsilon` must be in [0, 1]; got {epsilon.value!r}."
            raise MDPError(msg)
        return epsilon
    if isinstance(epsilon, str) or epsilon is None:
        msg = f"`epsilon` must be a number in [0, 1] or a schedule; got {epsilon!r}."
        raise MDPError(msg)
    return Schedule("constant", check_probability(epsilon, "epsilon"))
