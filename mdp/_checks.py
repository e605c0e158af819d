"""Boundary checks shared by every layer (internal)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._errors import MDPError
from ._types import FloatArray

if TYPE_CHECKING:
    from .model import MDP


def check_gamma(gamma: Any) -> float:
    """``gamma`` as a float in ``[0, 1]``, or a precise MDPError."""
    if isinstance(gamma, (str, bytes, bool, np.bool_)):
        msg = f"`gamma` must be a number in [0, 1]; got {gamma!r}."
        raise MDPError(msg)
    try:
        g = float(gamma)
    except (TypeError, ValueError) as exc:
        msg = f"`gamma` must be a number in [0, 1]; got {gamma!r}."
        raise MDPError(msg) from exc
    if not (0.0 <= g <= 1.0):  # also rejects NaN
        msg = f"`gamma` must be in [0, 1]; got {gamma!r}."
        raise MDPError(msg)
    return g


def state_vector(m: MDP, x: Any, name: str, *, zero_on_terminal: bool = False) -> FloatArray:
    """``x`` as a finite float array ``[S]`` (a copy), or a precise MDPError.

    With ``zero_on_terminal`` the entries of terminal states must be 0 (their
    value is 0 by definition).
    """
    S = m.n_states
    try:
        v = np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"`{name}` must be a numeric array of shape ({S},); converting it failed: {exc}"
        raise MDPError(msg) from exc
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
