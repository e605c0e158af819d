"""Argument checks shared by the solvers (on top of :mod:`mdp.checks`).

Every solver checks its arguments here, so the same input gets the same
answer everywhere: ``max_iter=5.0`` and ``max_iter="5"`` are errors in every
solver (as is ``horizon=3.0``), as are ``tol="1e-6"``, ``tol=-1`` and
``tol=nan``.

Examples
--------
>>> check_max_iter(5.0)
Traceback (most recent call last):
...
mdp.MDPError: `max_iter` must be an integer >= 1; got 5.0 (write 5).
>>> check_sweeps(float("inf")), check_sweeps(0)
(inf, 0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mdp import MDP, MDPError
from mdp.checks import check_int, check_tol, state_vector
from mdp.model import check_mdp
from mdp.types import FloatArray

__all__ = [
    "check_mdp",
    "check_tol",
    "check_max_iter",
    "check_horizon",
    "check_sweeps",
    "check_callback",
    "initial_values",
]


def check_max_iter(max_iter: Any) -> int:
    """``max_iter`` as an int ``>= 1`` (no silent rounding of ``2.5`` or ``5.0``)."""
    return check_int(max_iter, "max_iter")


def check_horizon(horizon: Any) -> int:
    """``horizon`` (the number of decisions ``H``) as an int ``>= 0``."""
    return check_int(horizon, "horizon", minimum=0)


def check_sweeps(m_sweeps: Any) -> int | float:
    """``m_sweeps``: an int ``>= 0`` or ``inf`` (exact evaluation)."""
    if isinstance(m_sweeps, float) and m_sweeps == math.inf:
        return math.inf
    try:
        return check_int(m_sweeps, "m_sweeps", minimum=0)
    except MDPError as exc:
        msg = str(exc).replace(">= 0;", ">= 0 or inf (exact evaluation);")
        raise MDPError(msg) from None


def check_callback(callback: Any) -> Any:
    """``callback``: None or a callable ``callback(k, V)``."""
    if callback is not None and not callable(callback):
        msg = f"`callback` must be None or a function callback(k, V); got {callback!r}."
        raise MDPError(msg)
    return callback


def initial_values(m: MDP, V0: Any) -> FloatArray:
    """``V0`` checked (shape, finite, 0 on terminal states), or zeros."""
    if V0 is None:
        return np.zeros(m.n_states)
    return state_vector(m, V0, "V0", zero_on_terminal=True)
