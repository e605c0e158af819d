"""What makes an object a grid world: :class:`GridLike` and :func:`is_grid_world`.

The grid plots, the graph layout and the command line draw any object that
has the attributes below, not only :class:`~worlds.grid.GridWorld`; this
module is the one place that says which attributes those are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from mdp import MDP

__all__ = ["GridLike", "is_grid_world", "GRID_ATTRIBUTES", "grid_cells"]

#: The attributes a grid world has (those of :class:`GridLike`).
GRID_ATTRIBUTES: tuple[str, ...] = (
    "mdp",
    "shape",
    "walls",
    "kinds",
    "start_cells",
    "terminal_cells",
    "action_deltas",
)


@runtime_checkable
class GridLike(Protocol):
    """A world laid out on a grid whose states are its non-wall cells.

    States are the non-wall cells in row-major order, so ``V [S]`` is laid
    out on the map as ``cells = np.argwhere(~walls)``; row 0 is the top row.

    Attributes
    ----------
    mdp : mdp.MDP
        The model; ``mdp.n_states`` equals the number of non-wall cells.
    shape : (int, int)
        ``(nrow, ncol)``.
    walls : bool (nrow, ncol)
    kinds : str (nrow, ncol)
        ``"floor"``, ``"wall"``, ``"start"``, ``"goal"``, ``"hole"``,
        ``"cliff"`` or ``"jump"``.
    start_cells, terminal_cells : sequence of (row, col)
    action_deltas : int (A, 2)
        ``(drow, dcol)`` of every action; the policy arrows follow them.

    Optional: ``chars`` (the map's characters, for the tile letters) and
    ``name``.

    Examples
    --------
    >>> from worlds.grid import GridLike, GridWorld
    >>> isinstance(GridWorld(["S.G"]), GridLike)
    True
    """

    @property
    def mdp(self) -> MDP: ...

    @property
    def shape(self) -> tuple[int, int]: ...

    @property
    def walls(self) -> np.ndarray: ...

    @property
    def kinds(self) -> np.ndarray: ...

    @property
    def start_cells(self) -> Sequence[tuple[int, int]]: ...

    @property
    def terminal_cells(self) -> Sequence[tuple[int, int]]: ...

    @property
    def action_deltas(self) -> np.ndarray: ...


def is_grid_world(obj: Any) -> bool:
    """Whether ``obj`` is a grid world (has every attribute of :class:`GridLike`).

    The one test used by the grid plots, :func:`worlds.plot.world_layout`
    and the ``mdpkit`` command to decide whether to draw a map.

    Examples
    --------
    >>> import worlds
    >>> is_grid_world(worlds.make("cliff-walking"))
    True
    >>> is_grid_world(worlds.make("gamblers-problem")), is_grid_world(None)
    (False, False)
    """
    return isinstance(obj, GridLike) and isinstance(obj.mdp, MDP)


def grid_cells(world: GridLike) -> np.ndarray:
    """``(row, col)`` of every state of a grid world, int ``(S, 2)``, row-major.

    Examples
    --------
    >>> from worlds.grid import GridWorld
    >>> grid_cells(GridWorld(["S#.", "..G"])).tolist()
    [[0, 0], [0, 2], [1, 0], [1, 1], [1, 2]]
    """
    return np.argwhere(~np.asarray(world.walls, dtype=bool))
