"""solvers.learning: model-free learning from samples, scored against the exact answer.

Prediction (:func:`monte_carlo_evaluation`, :func:`td_evaluation`, the exact
:func:`expected_learning_curve`) and control (:func:`q_learning`,
:func:`sarsa`, :func:`expected_sarsa`, :func:`double_q_learning`).  Every
learner takes an :class:`mdp.MDP` (used only through
:class:`mdp.BatchSampler`) or a Gymnasium env with ``Discrete`` spaces,
runs many independent seeds at once (``runs=k``) and, on an MDP, reports
its distance to ``Q*`` / ``V^pi`` after every episode.
"""

from __future__ import annotations

from . import rules, schedules
from ._result import LearningResult, PredictionResult
from .control import double_q_learning, expected_sarsa, q_learning, sarsa
from .expected import expected_learning_curve
from .prediction import monte_carlo_evaluation, td_evaluation

__all__ = [
    "q_learning",
    "sarsa",
    "expected_sarsa",
    "double_q_learning",
    "monte_carlo_evaluation",
    "td_evaluation",
    "expected_learning_curve",
    "LearningResult",
    "PredictionResult",
    "rules",
    "schedules",
]
