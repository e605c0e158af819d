"""solvers.gradients: policy optimisation made exact.

Parameterised policies and their scores (:mod:`.policies`), the exact
``J(theta)`` and ``grad J(theta)`` by the policy gradient theorem with the
discounted occupancy measures (:mod:`.exact`).
"""

from __future__ import annotations

from .ascent import (
    AscentResult,
    clipped_surrogate,
    natural_gradient,
    policy_gradient_ascent,
    ppo_clip,
)
from .estimators import (
    ESTIMATORS,
    EstimatorStudy,
    GradientEstimate,
    estimate_policy_gradient,
    estimator_study,
)
from .exact import policy_gradient, state_action_occupancy, state_occupancy
from .policies import (
    LQSamples,
    gaussian_grad_log_prob,
    gaussian_log_prob,
    gaussian_sample,
    grad_log_softmax,
    linear_quadratic,
    linear_quadratic_samples,
    log_softmax_policy,
    softmax_policy,
)

__all__ = [
    "policy_gradient_ascent",
    "ppo_clip",
    "clipped_surrogate",
    "natural_gradient",
    "AscentResult",
    "estimate_policy_gradient",
    "estimator_study",
    "GradientEstimate",
    "EstimatorStudy",
    "ESTIMATORS",
    "policy_gradient",
    "state_occupancy",
    "state_action_occupancy",
    "softmax_policy",
    "log_softmax_policy",
    "grad_log_softmax",
    "gaussian_sample",
    "gaussian_log_prob",
    "gaussian_grad_log_prob",
    "linear_quadratic",
    "linear_quadratic_samples",
    "LQSamples",
]
