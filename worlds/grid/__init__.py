"""Grid worlds: text maps compiled to an :class:`mdp.MDP`.

* :mod:`worlds.grid.gridworld`: :class:`GridWorld` (map parsing and the
  checks of its arguments);
* :mod:`worlds.grid.dynamics`: cell kinds, moves, slips, wind, and the
  compiled tables ``P (S*A, S)``, ``R(s, a, s')``;
* :mod:`worlds.grid.classics`: the textbook and Gymnasium grids of the
  catalogue, their maps in ``worlds/grid/maps/*.txt``;
* :mod:`worlds.grid.protocol`: :class:`GridLike` and :func:`is_grid_world`,
  what the plots and the command line need of a grid world.
"""

from __future__ import annotations

from .dynamics import KINDS, MOVES
from .gridworld import CHARS, GridWorld, GridWorldError, UnreachableGoalWarning
from .protocol import GRID_ATTRIBUTES, GridLike, grid_cells, is_grid_world

__all__ = [
    "GridWorld",
    "GridWorldError",
    "UnreachableGoalWarning",
    "GridLike",
    "is_grid_world",
    "grid_cells",
    "GRID_ATTRIBUTES",
    "KINDS",
    "CHARS",
    "MOVES",
]
