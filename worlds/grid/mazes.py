r"""The mazes of Sutton & Barto's Chapter 8 (planning and learning).

==================  ==========================================================
name                source
==================  ==========================================================
``dyna-maze``       Example 8.1 (Figure 8.2): 6x9, start (2, 0), goal (0, 8)
``blocking-maze``   Example 8.2 (Figure 8.4): the short way is blocked at 1000
``shortcut-maze``   Example 8.3 (Figure 8.5): a shortcut opens at 3000
==================  ==========================================================

All three: UP, RIGHT, DOWN, LEFT, deterministic; moving into a wall or the
edge stays; reward +1 on entering the goal, 0 otherwise; the episode ends at
the goal (the learner then restarts at the start); gamma 0.95.

**A world that changes during a run.**  The blocking and shortcut mazes are a
:class:`ChangingMaze`: a sequence of MDPs ``mdps[0], mdps[1]`` and the
time steps ``switch_steps`` (counted in real environment steps over the
whole run, across episodes) at which the next one takes over.  So that one
``Q`` table serves every phase, these MDPs have **one state per cell**, walls
included (``s = row * 9 + col``): a wall cell is an unreachable, non-terminal
zero-reward self-loop.  :func:`solvers.dyna_q` accepts such an object (or
``changes=[(step, mdp), ...]``) and switches the environment, not the
agent's model, at those steps.

References
----------
R. S. Sutton and A. G. Barto, *Reinforcement Learning: An Introduction*,
2nd ed., 2018, Section 8.2 (Example 8.1) and 8.3 (Examples 8.2, 8.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from mdp import MDP
from mdp.types import FloatArray

from .gridworld import GridWorld

__all__ = [
    "ChangingMaze",
    "dyna_maze",
    "blocking_maze",
    "shortcut_maze",
    "full_grid_mdp",
]

DYNA_MAZE = (
    ".......#G",
    "..#....#.",
    "S.#....#.",
    "..#......",
    ".....#...",
    ".........",
)
_BLOCKING = (
    (
        "........G",
        ".........",
        ".........",
        "########.",
        ".........",
        "...S.....",
    ),
    (
        "........G",
        ".........",
        ".........",
        ".########",
        ".........",
        "...S.....",
    ),
)
_SHORTCUT = (
    (
        "........G",
        ".........",
        ".........",
        ".########",
        ".........",
        "...S.....",
    ),
    (
        "........G",
        ".........",
        ".........",
        ".#######.",
        ".........",
        "...S.....",
    ),
)


def _maze(rows, name: str, description: str, gamma: float) -> GridWorld:
    return GridWorld(
        list(rows),
        step_reward=0.0,
        goal_reward=1.0,
        gamma=gamma,
        name=name,
        description=description,
    )


def dyna_maze(*, gamma: float = 0.95) -> GridWorld:
    """Sutton & Barto's Dyna maze (Example 8.1, Figure 8.2).

    Description
        6x9 cells with three wall segments; start ``(2, 0)``, goal ``(0, 8)``.
    Action Space
        UP, RIGHT, DOWN, LEFT; deterministic; walls and edges block.
    Rewards
        +1 on entering the goal, 0 otherwise.
    Episode End
        On entering the goal.
    Arguments
        ``gamma`` (default 0.95, as in the book).

    Examples
    --------
    The shortest path takes 14 steps, so ``V*(start) = 0.95^13``:

    >>> from solvers import value_iteration
    >>> w = dyna_maze()
    >>> round(float(value_iteration(w.mdp, tol=1e-12).V[w.state(2, 0)]), 6)
    0.513342
    >>> round(0.95**13, 6)
    0.513342
    """
    return _maze(
        DYNA_MAZE,
        "dyna-maze",
        "Sutton & Barto Example 8.1: 6x9 maze, +1 at the goal, gamma 0.95.",
        gamma,
    )


def full_grid_mdp(world: GridWorld) -> MDP:
    """``world.mdp`` with one state per cell, walls included (``s = r * ncol + c``).

    A wall cell becomes a non-terminal zero-reward self-loop that no move
    enters; the start distribution and terminal cells carry over.

    Examples
    --------
    >>> m = full_grid_mdp(dyna_maze())
    >>> m.n_states, int(m.p0.argmax()), bool(m.terminal[8])
    (54, 18, True)
    """
    nrow, ncol = world.shape
    S, A = nrow * ncol, world.n_actions
    full = world.cells[:, 0] * ncol + world.cells[:, 1]  # world state -> cell index
    P = world.mdp.P.tocoo()
    s_w, a_w = np.divmod(P.row, A)
    rows = full[s_w] * A + a_w
    cols = full[P.col]
    walls = np.flatnonzero(world.walls.ravel())
    w_rows = (walls[:, None] * A + np.arange(A)).ravel()
    w_cols = np.repeat(walls, A)
    Pf = sp.csr_array(
        (
            np.concatenate([P.data, np.ones(w_rows.size)]),
            (np.concatenate([rows, w_rows]), np.concatenate([cols, w_cols])),
        ),
        shape=(S * A, S),
    )
    R_w = world.mdp.R_sas
    if R_w is not None:
        R = R_w.tocoo()
        s_r, a_r = np.divmod(R.row, A)
        Rf = sp.csr_array(
            (R.data, (full[s_r] * A + a_r, full[R.col])), shape=(S * A, S)
        )
    else:
        Rf = np.zeros((S, A))
        Rf[full] = world.mdp.r
    p0 = np.zeros(S)
    p0[full] = world.mdp.p0
    terminal = np.zeros(S, dtype=bool)
    terminal[full] = world.mdp.terminal
    names = [f"({r}, {c})" for r in range(nrow) for c in range(ncol)]
    return MDP(
        Pf,
        Rf,
        world.gamma,
        p0=p0,
        terminal=terminal,
        state_names=names,
        action_names=world.action_names,
    )


@dataclass(frozen=True)
class ChangingMaze:
    """A maze whose map changes during a run (Sutton & Barto Examples 8.2, 8.3).

    Attributes
    ----------
    name, description : str
    phases : tuple of GridWorld
        The maps, in order.
    mdps : tuple of MDP
        The same maps on one state per cell (walls included, see
        :func:`full_grid_mdp`), so that a ``Q`` table carries over.
    switch_steps : tuple of int
        ``mdps[k + 1]`` replaces ``mdps[k]`` after ``switch_steps[k]`` real
        steps of the run (counted over all episodes).
    shape : tuple of int

    Examples
    --------
    >>> w = blocking_maze()
    >>> w.switch_steps, w.mdp.n_states, w.state(5, 3), w.cell(8)
    ((1000,), 54, 48, (0, 8))
    """

    name: str
    description: str
    phases: tuple
    mdps: tuple
    switch_steps: tuple

    @property
    def mdp(self) -> MDP:
        """The first phase."""
        return self.mdps[0]

    @property
    def shape(self) -> tuple[int, int]:
        return self.phases[0].shape

    def state(self, row: int, col: int) -> int:
        """State of cell ``(row, col)``: ``row * ncol + col``."""
        return int(row) * self.shape[1] + int(col)

    def cell(self, s: int) -> tuple[int, int]:
        """Cell ``(row, col)`` of state ``s``."""
        r, c = divmod(int(s), self.shape[1])
        return (r, c)

    def to_grid(self, x, fill: float = np.nan) -> FloatArray:
        """A per-state vector ``(S,)`` as a ``(nrow, ncol)`` grid (``fill`` on
        the walls of the first phase)."""
        g = np.asarray(x, dtype=float).reshape(self.shape).copy()
        g[self.phases[0].walls] = fill
        return g


def _changing(name, description, maps, switch, gamma) -> ChangingMaze:
    phases = tuple(_maze(rows, name, description, gamma) for rows in maps)
    return ChangingMaze(
        name=name,
        description=description,
        phases=phases,
        mdps=tuple(full_grid_mdp(p) for p in phases),
        switch_steps=(int(switch),),
    )


def blocking_maze(*, switch_step: int = 1000, gamma: float = 0.95) -> ChangingMaze:
    """Sutton & Barto's blocking maze (Example 8.2, Figure 8.4).

    Description
        6x9; start ``(5, 3)``, goal ``(0, 8)``; a wall across row 3 with a gap
        at its right end.  After ``switch_step`` steps the wall shifts right:
        the gap is at the left end and the short way is blocked.
    Rewards
        +1 on entering the goal.
    Arguments
        ``switch_step`` (default 1000), ``gamma`` (0.95).

    Examples
    --------
    >>> from solvers import value_iteration
    >>> w = blocking_maze()
    >>> [round(float(value_iteration(m, tol=1e-12).V[w.state(5, 3)]), 4) for m in w.mdps]
    [0.6302, 0.4633]
    """
    return _changing(
        "blocking-maze",
        f"Sutton & Barto Example 8.2: the right-hand gap closes and a left-hand "
        f"one opens after {switch_step} steps.",
        _BLOCKING,
        switch_step,
        gamma,
    )


def shortcut_maze(*, switch_step: int = 3000, gamma: float = 0.95) -> ChangingMaze:
    """Sutton & Barto's shortcut maze (Example 8.3, Figure 8.5).

    Description
        6x9; start ``(5, 3)``, goal ``(0, 8)``; a wall across row 3 with a gap
        at its left end.  After ``switch_step`` steps a second gap opens at
        the right end: a shortcut (the left way still works).
    Arguments
        ``switch_step`` (default 3000), ``gamma`` (0.95).

    Examples
    --------
    >>> from solvers import value_iteration
    >>> w = shortcut_maze()
    >>> [round(float(value_iteration(m, tol=1e-12).V[w.state(5, 3)]), 4) for m in w.mdps]
    [0.4633, 0.6302]
    """
    return _changing(
        "shortcut-maze",
        f"Sutton & Barto Example 8.3: a shortcut opens on the right after "
        f"{switch_step} steps.",
        _SHORTCUT,
        switch_step,
        gamma,
    )


#: name -> (factory, one-line description), for the catalogue.
MAZE_ENTRIES: dict[str, tuple[Callable[..., Any], str]] = {
    "dyna-maze": (
        dyna_maze,
        "Sutton & Barto Ex. 8.1: 6x9 Dyna maze, +1 at the goal, gamma 0.95.",
    ),
    "blocking-maze": (
        blocking_maze,
        "Sutton & Barto Ex. 8.2: the short way is blocked after 1000 steps (changing).",
    ),
    "shortcut-maze": (
        shortcut_maze,
        "Sutton & Barto Ex. 8.3: a shortcut opens after 3000 steps (changing).",
    ),
}
