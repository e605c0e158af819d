"""solvers.exact: the model is known and the answer is exact.

Policy evaluation as a linear system, value iteration, policy iteration and
modified policy iteration, linear programming, finite-horizon backward
induction, relative value iteration for the average reward, and soft
(maximum-entropy) value and policy iteration.  The later
families (learning, planning, policy gradients) import this package to score
themselves against the exact answer; it imports none of them.
"""

from __future__ import annotations

from ._kernels import Backup
from .average_reward import relative_value_iteration
from .evaluation import advantage, evaluate_policy, expected_return, q_values
from .finite_horizon import backward_induction, evaluate_finite_horizon
from .linear_programming import linear_programming
from .policy_iteration import modified_policy_iteration, policy_iteration
from .soft import (
    SoftCheck,
    SoftResult,
    soft_policy_iteration,
    soft_value_iteration,
    verify_soft,
)
from .value_iteration import value_iteration

__all__ = [
    "Backup",
    "evaluate_policy",
    "q_values",
    "advantage",
    "expected_return",
    "value_iteration",
    "policy_iteration",
    "modified_policy_iteration",
    "linear_programming",
    "backward_induction",
    "evaluate_finite_horizon",
    "relative_value_iteration",
    # soft (max-entropy) value iteration (issue 9)
    "soft_value_iteration",
    "soft_policy_iteration",
    "verify_soft",
    "SoftResult",
    "SoftCheck",
]
