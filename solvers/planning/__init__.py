"""Planning with a model: MPC, MCTS (UCT and PUCT), expert iteration, Dyna.

Every planner here is scored by the exact value of what it does in the true
MDP (``solvers.evaluate_policy``), next to ``V*``.
"""

from __future__ import annotations

from .dyna import dyna_q
from .expert_iteration import ExpertIterationResult, expert_iteration, search_controller
from .mcts import EpisodeResult, MCTSResult, mcts, mcts_episode
from .mcts_batch import BatchSearchResult, mcts_batch
from .model_learning import ModelEstimate, estimate_model, sample_transitions
from .mpc import MPCResult, mpc

__all__ = [
    "mcts_batch",
    "BatchSearchResult",
    "expert_iteration",
    "ExpertIterationResult",
    "search_controller",
    "dyna_q",
    "estimate_model",
    "sample_transitions",
    "ModelEstimate",
    "mpc",
    "MPCResult",
    "mcts",
    "mcts_episode",
    "MCTSResult",
    "EpisodeResult",
]
