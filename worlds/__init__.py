"""worlds: concrete problems, pictures and the command line of mdpkit.

* :mod:`worlds.grid`: :class:`GridWorld`, gridworlds compiled from text maps
  (the dynamics, the textbook maps, and :func:`worlds.grid.is_grid_world`,
  the one test of "is this a grid world" that the plots and the CLI use).
* the catalogue: :func:`names`, :func:`make`, :func:`describe` — the book's
  gridworlds, cliff walking, windy gridworld, FrozenLake, the gambler's
  problem, Jack's car rental, forest management, RiverSwim, Garnet MDPs...
  (:mod:`worlds.classics`, :mod:`worlds.random_mdps`, :mod:`worlds.catalogue`).
* :mod:`worlds.plot`: value maps, policy arrows, Q triangles, curves, graphs
  (``maps``, ``charts``, ``figure``, ``graph``).
* :mod:`worlds.cli`: the ``mdpkit`` command.
"""

from __future__ import annotations

from .catalogue import describe, make, names, parameters, parse_params
from .classics import World, WorldError
from .grid import GridWorld, GridWorldError, UnreachableGoalWarning
from .plot.graph import mdp_graph
from .random_mdps import garnet

__all__ = [
    "GridWorld",
    "GridWorldError",
    "UnreachableGoalWarning",
    "World",
    "WorldError",
    "make",
    "names",
    "describe",
    "parameters",
    "parse_params",
    "garnet",
    "mdp_graph",
]
