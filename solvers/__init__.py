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
from .exact import (
    advantage,
    backward_induction,
    evaluate_finite_horizon,
    evaluate_policy,
    expected_return,
    linear_programming,
    modified_policy_iteration,
    policy_iteration,
    q_values,
    relative_value_iteration,
    soft_policy_iteration,
    soft_value_iteration,
    value_iteration,
    verify_soft,
)

# policy optimisation (issue 9): exact J and grad J, estimators, ascent
from .gradients import (
    estimate_policy_gradient,
    estimator_study,
    policy_gradient,
    policy_gradient_ascent,
    ppo_clip,
    softmax_policy,
    state_action_occupancy,
    state_occupancy,
)

# learning family (solvers.learning): model-free prediction and control
from .learning import (
    LearningResult,
    PredictionResult,
    double_q_learning,
    expected_learning_curve,
    expected_sarsa,
    monte_carlo_evaluation,
    q_learning,
    sarsa,
    td_evaluation,
)

__all__ = [
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
    "SolverResult",
    "LPResult",
    "FiniteHorizonResult",
    "AverageRewardResult",
    # learning family
    "q_learning",
    "sarsa",
    "expected_sarsa",
    "double_q_learning",
    "monte_carlo_evaluation",
    "td_evaluation",
    "expected_learning_curve",
    "LearningResult",
    "PredictionResult",
    # policy optimisation
    "policy_gradient",
    "estimate_policy_gradient",
    "estimator_study",
    "policy_gradient_ascent",
    "ppo_clip",
    "soft_value_iteration",
    "soft_policy_iteration",
    "verify_soft",
    "softmax_policy",
    "state_occupancy",
    "state_action_occupancy",
]

# planning with a model (issue 8): MPC, MCTS, expert iteration, model learning, Dyna
from .planning import (  # noqa: E402
    EpisodeResult,
    ExpertIterationResult,
    MCTSResult,
    ModelEstimate,
    MPCResult,
    dyna_q,
    estimate_model,
    expert_iteration,
    mcts,
    mcts_episode,
    mpc,
)

__all__ += [
    "mpc",
    "MPCResult",
    "mcts",
    "mcts_episode",
    "MCTSResult",
    "EpisodeResult",
    "estimate_model",
    "ModelEstimate",
    "dyna_q",
    "expert_iteration",
    "ExpertIterationResult",
]
