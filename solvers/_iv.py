"""Argument checks shared by the solvers (on top of :mod:`mdp.checks`).

Every solver checks its arguments here, so the same input gets the same
answer everywhere: ``max_iter=5.0`` and ``max_iter="5"`` are errors in every
solver, as are ``tol="1e-6"``, ``tol=-1`` and ``tol=nan``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mdp import MDP
from mdp.checks import check_int, check_tol, state_vector
from mdp.model import check_mdp
from mdp.types import FloatArray

__all__ = ["check_mdp", "check_tol", "check_max_iter", "initial_values"]


def check_max_iter(max_iter: Any) -> int:
    """``max_iter`` as an int ``>= 1`` (no silent rounding of ``2.5`` or ``5.0``)."""
    return check_int(max_iter, "max_iter")


def initial_values(m: MDP, V0: Any) -> FloatArray:
    """``V0`` checked (shape, finite, 0 on terminal states), or zeros."""
    if V0 is None:
        return np.zeros(m.n_states)
    return state_vector(m, V0, "V0", zero_on_terminal=True)
