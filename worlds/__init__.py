"""worlds: concrete problems, pictures and the command line of mdpkit."""

from __future__ import annotations

from .gridworld import GridWorld, GridWorldError, UnreachableGoalWarning
from .random_mdps import garnet

__all__ = ["GridWorld", "GridWorldError", "UnreachableGoalWarning", "garnet"]
