"""solvers: algorithms over an :class:`mdp.MDP`, plain functions ``mdp -> result``.

Exact evaluation (:func:`evaluate_policy`, :func:`q_values`,
:func:`advantage`, :func:`expected_return`) and optimal control
(:func:`value_iteration`, :func:`policy_iteration`,
:func:`modified_policy_iteration`, :func:`linear_programming`,
:func:`backward_induction`, :func:`relative_value_iteration`).  Each returns a
frozen result with named fields and states in its docstring the equation it
solves.
"""

from __future__ import annotations

from ._result import AverageRewardResult, FiniteHorizonResult, LPResult, SolverResult
from .average_reward import relative_value_iteration
from .evaluation import advantage, evaluate_policy, expected_return, q_values
from .finite_horizon import backward_induction, evaluate_finite_horizon
from .linear_programming import linear_programming

# policy optimisation (issue 9): exact J and grad J, estimators, ascent
from .policy_gradient import (
    estimate_policy_gradient,
    estimator_study,
    policy_gradient,
    soft_policy_iteration,
    soft_value_iteration,
    softmax_policy,
    state_action_occupancy,
    state_occupancy,
    verify_soft,
)
from .policy_iteration import modified_policy_iteration, policy_iteration, proper_policy
from .value_iteration import value_iteration

__all__ = [
    "evaluate_policy",
    "q_values",
    "advantage",
    "expected_return",
    "value_iteration",
    "policy_iteration",
    "modified_policy_iteration",
    "proper_policy",
    "linear_programming",
    "backward_induction",
    "evaluate_finite_horizon",
    "relative_value_iteration",
    "SolverResult",
    "LPResult",
    "FiniteHorizonResult",
    "AverageRewardResult",
    # policy optimisation
    "policy_gradient",
    "estimate_policy_gradient",
    "estimator_study",
    "soft_value_iteration",
    "soft_policy_iteration",
    "verify_soft",
    "softmax_policy",
    "state_occupancy",
    "state_action_occupancy",
]
