"""mdp: the model layer of mdpkit.

An explicit finite MDP (:class:`MDP`: transition table ``P (S*A, S)``, expected
reward ``r [S, A]``, discount, start distribution, terminal states, action
mask), policies as plain arrays (:mod:`mdp.policy`) and the Bellman backups
and identity checks (:mod:`mdp.bellman`).  Imports no other mdpkit package.
"""

from __future__ import annotations

from . import bellman, checks, episodic, graph, linear, policy, trajectory, types
from ._errors import ImproperPolicyError, MDPError, PolicyError

# environment layer (learning family): batched sampler and Gymnasium export
from .gym_env import to_gymnasium
from .model import MDP, Names, load
from .sampling import BatchSampler

__version__ = "0.1.0"

__all__ = [
    "MDP",
    "Names",
    "load",
    "bellman",
    "checks",
    "episodic",
    "linear",
    "types",
    "graph",
    "policy",
    "trajectory",
    "MDPError",
    "PolicyError",
    "ImproperPolicyError",
    "__version__",
    "BatchSampler",
    "to_gymnasium",
]
