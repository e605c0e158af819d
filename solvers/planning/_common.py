"""Shared pieces of the planning family: short reprs, exact scoring, checks."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np

from mdp import MDP, ImproperPolicyError, MDPError
from mdp.checks import state_vector
from mdp.types import FloatArray
from solvers.exact import evaluate_policy, policy_iteration

__all__ = ["ShortRepr", "check_mdp", "exact_value", "optimal_values", "same_spaces"]


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"<{value.dtype} array {value.shape}>"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"<{type(value).__name__} of {len(value)}>"
    return repr(value)


class ShortRepr:
    """``repr`` showing shapes, not whole arrays (mixin for frozen results)."""

    def __repr__(self) -> str:
        parts = [
            f"{f.name}={_short(getattr(self, f.name))}"
            for f in fields(self)  # type: ignore[arg-type]
            if f.repr
        ]
        return f"{type(self).__name__}(" + ", ".join(parts) + ")"


def check_mdp(m: Any, name: str = "m") -> MDP:
    if not isinstance(m, MDP):
        msg = f"`{name}` must be an mdp.MDP; got {type(m).__name__}."
        raise TypeError(msg)
    return m


def same_spaces(m: MDP, model: MDP, name: str = "model") -> None:
    """``model`` must have the state and action sets of ``m``."""
    if (model.n_states, model.n_actions) != (m.n_states, m.n_actions):
        msg = (
            f"`{name}` has {model.n_states} states and {model.n_actions} actions but "
            f"the MDP has {m.n_states} and {m.n_actions}; a model must describe the "
            f"same states and actions."
        )
        raise MDPError(msg)


def exact_value(m: MDP, policy: Any) -> tuple[FloatArray, bool, str]:
    """``(V^pi, proper, message)``: the exact value of ``policy`` in ``m``.

    With ``gamma = 1`` a policy that never reaches a terminal state from some
    state has no finite value; then ``V`` is ``nan`` everywhere, ``proper`` is
    False and ``message`` says why (instead of raising).
    """
    try:
        V = np.asarray(evaluate_policy(m, policy), dtype=float)
    except ImproperPolicyError as exc:
        msg = (
            "the policy never reaches a terminal state from some state, so with "
            f"gamma = 1 its value is undefined there (V set to nan): {exc}"
        )
        return np.full(m.n_states, np.nan), False, msg
    return V, True, ""


def optimal_values(m: MDP, V_star: Any = None) -> FloatArray:
    """``V*`` of ``m`` (value iteration to 1e-10 unless given)."""
    if V_star is not None:
        return state_vector(m, V_star, "V_star")
    return np.asarray(policy_iteration(m).V, dtype=float)
