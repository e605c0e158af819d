r"""Gridworlds from text maps, compiled to an explicit :class:`mdp.MDP`.

A map is text with one character per cell (Gymnasium's letters plus a wall)::

    S..#
    .#.G

The tables are built vectorised over all cells (one numpy pass per action
and move), so a 200x200 map compiles in a fraction of a second.

Conventions
-----------
* **States** are the non-wall cells in row-major order; with no walls
  ``s = row * ncol + col``, as in Gymnasium's FrozenLake and CliffWalking.
* **Actions** are moves: ``moves="4"`` gives UP, RIGHT, DOWN, LEFT (in that
  order, Gymnasium's CliffWalking order); ``moves="8"`` the king's moves
  UP, UP_RIGHT, RIGHT, DOWN_RIGHT, DOWN, DOWN_LEFT, LEFT, UP_LEFT;
  ``"4+stay"`` and ``"8+stay"`` append STAY; a sequence of move names (from
  :data:`~worlds.grid.dynamics.MOVES`) numbers them in that order, e.g.
  Gymnasium's FrozenLake ``("LEFT", "DOWN", "RIGHT", "UP")``.
* **Terminal** cells (goals ``G`` and holes ``H``) are absorbing with zero
  reward; what they pay is paid on the transition *into* them.
"""

from __future__ import annotations

import operator
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from mdp import MDP, MDPError
from mdp.graph import reachable_states, states_reaching
from mdp.types import BoolArray, FloatArray, IntArray

from .dynamics import (
    _CLIFF,
    _FLOOR,
    _GOAL,
    _HOLE,
    _JUMP,
    _START,
    _WALL,
    KINDS,
    MOVES,
    slip_kernel,
    transition_tables,
)

__all__ = [
    "GridWorld",
    "GridWorldError",
    "UnreachableGoalWarning",
    "KINDS",
    "CHARS",
]

Cell = tuple[int, int]
MapLike = Union[str, "os.PathLike[str]", Sequence[str]]

#: Kinds a ``legend`` entry may name (``jump`` cells come from ``jumps``).
_LEGEND_KINDS = KINDS[:-1]

#: The built-in map characters and their kinds.
CHARS: dict[str, str] = {
    "#": "wall",
    ".": "floor",
    "F": "floor",
    "S": "start",
    "G": "goal",
    "H": "hole",
    "C": "cliff",
}

_MOVES4 = ("UP", "RIGHT", "DOWN", "LEFT")
_MOVES8 = (
    "UP",
    "UP_RIGHT",
    "RIGHT",
    "DOWN_RIGHT",
    "DOWN",
    "DOWN_LEFT",
    "LEFT",
    "UP_LEFT",
)
_MOVE_SETS = {
    "4": _MOVES4,
    "8": _MOVES8,
    "4+stay": (*_MOVES4, "STAY"),
    "8+stay": (*_MOVES8, "STAY"),
}
_SLIP_MODES = ("perpendicular", "uniform")
#: ``slip="frozenlake"``: Gymnasium's ``is_slippery`` (1/3 intended, 1/3 each
#: perpendicular direction).
FROZENLAKE_SLIP = 2.0 / 3.0


class GridWorldError(MDPError):
    """A grid map or a :class:`GridWorld` argument is invalid.

    A :class:`ValueError` (through :class:`mdp.MDPError`); the message names
    the line and column of the map, or the argument and cell, and the fix.
    For an unknown map character, ``char`` is that character and ``known``
    the characters the map may use (so a caller can word its own hint).

    Examples
    --------
    >>> from worlds.grid import GridWorld, GridWorldError
    >>> try:
    ...     GridWorld(["S.", ".~"])
    ... except GridWorldError as err:
    ...     print(str(err).split(". ")[0])
    unknown map character '~' at line 2, column 2 (cell (1, 1))
    """

    char: str | None = None
    known: str = ""


class UnreachableGoalWarning(UserWarning):
    """A goal cannot be reached from any start cell, or a start reaches no goal.

    Examples
    --------
    >>> import warnings
    >>> from worlds.grid import GridWorld, UnreachableGoalWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     world = GridWorld(["S#G"])
    >>> [w.category.__name__ for w in caught]
    ['UnreachableGoalWarning']
    """


class GridWorld:
    r"""A gridworld given by a text map, compiled to an :class:`mdp.MDP`.

    Parameters
    ----------
    grid_map : str, os.PathLike or sequence of str
        The map, one character per cell: a multi-line string, a list of row
        strings, or the path of a text file (UTF-8, a byte-order mark is
        allowed).  A ``str`` without a newline is the path of a file when
        that file exists, else a one-row map when every character is a map
        character (``"S.G"``), else an error ("no such map file").  Leading
        and trailing whitespace of each line is ignored, and so are blank
        lines.  Characters:

        ======  =========  ==================================================
        char    kind       meaning
        ======  =========  ==================================================
        ``#``   wall       not a state; moves into it are blocked
        ``.``   floor      (``F`` too, as in FrozenLake)
        ``S``   start      a floor cell where episodes start
        ``G``   goal       terminal; entering it pays ``goal_reward``
        ``H``   hole       terminal; entering it pays ``hole_reward``
        ``C``   cliff      entering it pays ``cliff_reward`` and sends the
                           agent back to the start (not terminal)
        ======  =========  ==================================================

        plus the letters that are keys of ``jumps`` and of ``legend``.
    legend : dict, optional
        Extra (or redefined) characters: ``{char: kind}`` or
        ``{char: (kind, reward)}``, where ``kind`` is one of ``"floor"``,
        ``"wall"``, ``"start"``, ``"goal"``, ``"hole"``, ``"cliff"`` and
        ``reward`` (optional) is paid on entering such a cell, replacing the
        kind's default (``goal_reward``, ``hole_reward``, ``cliff_reward``,
        or 0).  Example: ``{"X": "wall", "$": ("goal", 10.0), "-": ("hole",
        -1.0)}``.  A legend entry takes precedence over a built-in character.
    step_reward : float
        Paid on every transition (except jumps and falls off a cliff).
    goal_reward, hole_reward : float
        Paid, in addition to ``step_reward``, on entering a goal / a hole.
    cliff_reward : float
        The whole reward of a step into a cliff cell (it replaces
        ``step_reward``, as in Sutton & Barto's Example 6.6 and Gymnasium's
        CliffWalking, where falling costs exactly -100).
    bump_reward : float
        Paid, in addition to ``step_reward``, when the intended or slipped
        move is blocked by a wall or the edge of the grid (the agent stays).
    cell_rewards : dict, optional
        ``{(row, col): reward}``: paid on entering that cell, replacing the
        kind's and the legend's entry reward.
    jumps : dict, optional
        ``{key: ((row, col), reward)}`` where ``key`` is a map letter (every
        cell showing it) or a ``(row, col)`` floor cell.  *Every* action from
        such a cell moves the agent to the target cell and pays ``reward``,
        the whole reward of that transition (Sutton & Barto's A -> A', +10).
        No slip, wind or step reward applies to a jump.
    moves : {"4", "8", "4+stay", "8+stay"} or sequence of str
        The action set (see the module docstring for the order), or the
        move names in the order the actions are numbered, e.g.
        ``("LEFT", "DOWN", "RIGHT", "UP")`` (Gymnasium's FrozenLake).
    slip : float in [0, 1] or "frozenlake"
        Probability that the executed move is not the intended one.
        ``"frozenlake"`` is ``slip=2/3`` with ``slip_mode="perpendicular"``:
        Gymnasium's ``is_slippery=True`` (intended and each perpendicular
        direction 1/3).
    slip_mode : {"perpendicular", "uniform"}
        Where the slip mass goes.  ``"perpendicular"``: split equally between
        the two moves at +-90 degrees (STAY never slips).  ``"uniform"``:
        spread equally over the moves of all ``A`` actions, the intended one
        included, so the intended move has probability ``1 - slip + slip/A``
        (Sutton, Precup & Singh's four rooms: ``slip=4/9`` gives 2/3 intended
        and 1/9 for each other direction).
    wind : sequence of int, optional
        One upward push per column (Sutton & Barto's windy gridworld): after
        the move, the agent is pushed up by the wind of the column it moved
        *from*, one cell at a time, stopping at a wall or the top edge.  A
        negative wind pushes down.
    wind_noise : float in [0, 1]
        Stochastic wind (Sutton & Barto's Exercise 6.10): in a column with
        non-zero wind ``w`` the push is ``w`` with probability
        ``1 - wind_noise`` and ``w + 1`` or ``w - 1`` with probability
        ``wind_noise / 2`` each.  The book's exercise is ``wind_noise=2/3``.
    gamma : float
        Discount factor of the MDP.
    name, description : str
        Shown by ``repr`` and the catalogue.

    Attributes
    ----------
    mdp : mdp.MDP
        The compiled model: ``S`` = number of non-wall cells, ``A`` =
        number of moves; state names ``"(r, c)"``, action names as below.
    shape : tuple of int
        ``(nrow, ncol)``.
    walls : ndarray of bool (nrow, ncol)
    kinds : ndarray of str (nrow, ncol)
        ``"floor"``, ``"wall"``, ``"start"``, ``"goal"``, ``"hole"``,
        ``"cliff"`` or ``"jump"``.
    cells : ndarray of int (S, 2)
        ``(row, col)`` of every state.
    start_cells, terminal_cells, goal_cells : list of (int, int)
    action_names : tuple of str
    action_deltas : ndarray of int (A, 2)
        ``(drow, dcol)`` of every action (row 0 is the top).
    name, description : str

    Raises
    ------
    GridWorldError
        (a ``ValueError``) for a bad map or argument, naming the line and
        column or the cell, e.g. an unknown character, ragged rows, an empty
        map, a jump target on a wall or off the grid, a cliff without a start.

    Warns
    -----
    UnreachableGoalWarning
        When a goal cell cannot be reached from any start cell, or a start
        cell cannot reach any goal (under any policy; slips and wind count).
        Such a map is a valid MDP, but with ``gamma = 1`` its values are
        undefined for every policy from that start, and the cause is usually
        a typo in the map.

    Notes
    -----
    One transition from cell ``x`` with action ``a``:

    1. *Jump cell*: go to the target, reward = the jump's reward.  Done.
    2. *Slip*: the executed move ``m`` is drawn from the slip kernel
       ``K(m | a)`` (``slip``, ``slip_mode``).
    3. *Move*: ``y = x + delta(m)``, unless that is a wall or off the grid:
       then ``y = x`` and the step "bumps".  Diagonal moves are blocked only
       by their target cell.
    4. *Wind*: push ``y`` up by the (possibly noisy) wind of ``x``'s column.
    5. *Reward and landing*: if ``y`` is a cliff cell, the agent is sent to a
       start cell (drawn from ``p0``) and the reward is ``cliff_reward``.
       Otherwise the next state is ``y`` and the reward is

       .. math::

           R(x, a, y) = r_{step} + r_{bump}\,[\text{bumped}]
                        + r_{enter}(y)\,[y \ne x]

       where ``r_enter`` is ``goal_reward`` on goals, ``hole_reward`` on
       holes, 0 elsewhere, unless ``legend`` or ``cell_rewards`` say
       otherwise.  Only the cell where the move ends counts (wind can blow
       the agent over a cell without entering it).

    The start distribution ``p0`` is uniform over the start cells (several
    ``S`` are allowed).  With no ``S`` it is uniform over the non-terminal,
    non-cliff cells; a map with a cliff needs a start.

    When two outcomes of one ``(x, a)`` land in the same state with different
    rewards (e.g. a bump and a fall off the cliff both ending at the start),
    the MDP keeps one ``R(s, a, s')``, their probability-weighted mean; the
    expected reward ``r(s, a)`` and all values stay exact.

    Examples
    --------
    >>> import numpy as np
    >>> from worlds.grid import GridWorld
    >>> world = GridWorld('''
    ...     S..
    ...     .#G
    ... ''', step_reward=-1.0, goal_reward=0.0)
    >>> world.shape, world.mdp.n_states, world.action_names
    ((2, 3), 5, ('UP', 'RIGHT', 'DOWN', 'LEFT'))
    >>> world.state(1, 2), world.cell(4), world.start_cells, world.terminal_cells
    (4, (1, 2), [(0, 0)], [(1, 2)])
    >>> s = world.state(0, 2)
    >>> world.mdp.P[s * 4 + 2].toarray()      # DOWN from (0, 2): into the goal
    array([0., 0., 0., 0., 1.])
    >>> world.mdp.r[s]                         # bumping UP / RIGHT costs a step
    array([-1., -1., -1., -1.])
    >>> print(world)
    S..
    .#G
    """

    def __init__(
        self,
        grid_map: MapLike,
        *,
        legend: Mapping[str, Any] | None = None,
        step_reward: float = 0.0,
        goal_reward: float = 1.0,
        hole_reward: float = 0.0,
        cliff_reward: float = -100.0,
        bump_reward: float = 0.0,
        cell_rewards: Mapping[Cell, float] | None = None,
        jumps: Mapping[Any, Any] | None = None,
        moves: str | Sequence[str] = "4",
        slip: float | str = 0.0,
        slip_mode: str = "perpendicular",
        wind: Sequence[int] | None = None,
        wind_noise: float = 0.0,
        gamma: float = 1.0,
        name: str = "gridworld",
        description: str = "",
    ) -> None:
        table = _char_table(legend)
        jump_letters, jump_cells = _check_jumps(jumps, table)
        for ch in jump_letters:
            table[ch] = ("jump", None)
        rows, lines, source = _read_map(grid_map, table)
        chars = np.array([list(r) for r in rows], dtype="<U1")
        nrow, ncol = chars.shape
        self._chars = chars
        self._shape = (nrow, ncol)

        rewards = {
            "step_reward": step_reward,
            "goal_reward": goal_reward,
            "hole_reward": hole_reward,
            "cliff_reward": cliff_reward,
            "bump_reward": bump_reward,
        }
        rw = {k: _finite(v, k) for k, v in rewards.items()}

        kind_code, enter = self._classify(chars, lines, source, table, rw)
        # (row, col) jump keys turn floor cells into jump cells
        for (r, c), _ in jump_cells.items():
            self._check_cell(r, c, "jumps", kind_code)
            if kind_code[r, c] != _FLOOR:
                msg = (
                    f"`jumps` key ({r}, {c}) is a {KINDS[kind_code[r, c]]} cell; "
                    f"a jump must start from a floor cell ('.' or 'F')."
                )
                raise GridWorldError(msg)
            kind_code[r, c] = _JUMP
        if cell_rewards is not None:
            if not isinstance(cell_rewards, Mapping):
                msg = "`cell_rewards` must be a dict {(row, col): reward}."
                raise GridWorldError(msg)
            for key, value in cell_rewards.items():
                r, c = _as_cell(key, "cell_rewards key")
                self._check_cell(r, c, "cell_rewards", kind_code)
                enter[r, c] = _finite(value, f"cell_rewards[{key!r}]")

        walls = kind_code == _WALL
        index = np.full((nrow, ncol), -1, dtype=np.intp)
        index[~walls] = np.arange(int((~walls).sum()))
        if not (~walls).any():
            msg = f"the map{_src(source)} has only walls; it needs at least one non-wall cell."
            raise GridWorldError(msg)
        self._kind_code = kind_code
        self._index = index
        self._cells = np.argwhere(~walls)

        # jump targets, per state
        jump_target, jump_reward = self._resolve_jumps(
            jump_letters, jump_cells, chars, kind_code, index
        )

        names, deltas = _check_moves(moves)
        slip_p, slip_mode = _check_slip(slip, slip_mode)
        if slip_p and slip_mode == "perpendicular":
            _check_perpendicular(names, deltas)
        K = slip_kernel(deltas, slip_p, slip_mode)
        wind_v, wind_p = _check_wind(wind, wind_noise, ncol)

        self._action_names = names
        self._deltas = deltas
        self._deltas.flags.writeable = False
        p0 = self._start_distribution(kind_code, index, source)
        P, R = transition_tables(
            kind_code,
            index,
            self._cells,
            deltas,
            K,
            wind_v,
            wind_p,
            enter,
            rw,
            p0,
            jump_target,
            jump_reward,
        )
        terminal = np.isin(kind_code[~walls], (_GOAL, _HOLE))
        state_names = [f"({r}, {c})" for r, c in self._cells]
        self._mdp = MDP(
            P,
            R,
            gamma,
            p0=p0,
            terminal=terminal,
            state_names=state_names,
            action_names=names,
        )
        self.name = str(name)
        self.description = str(description)
        self._check_reachable()
        for arr in (self._cells, self._index, self._kind_code):
            arr.flags.writeable = False

    # ------------------------------------------------------------- parsing
    @staticmethod
    def _classify(
        chars: np.ndarray,
        lines: list[int],
        source: str,
        table: dict[str, tuple[str, float | None]],
        rw: dict[str, float],
    ) -> tuple[np.ndarray, FloatArray]:
        """Kind codes and entry rewards of every cell (one pass per character)."""
        kind_code = np.full(chars.shape, -1, dtype=np.int8)
        default = {
            _GOAL: rw["goal_reward"],
            _HOLE: rw["hole_reward"],
            _CLIFF: rw["cliff_reward"],
        }
        enter = np.zeros(chars.shape)
        for ch in map(str, np.unique(chars)):
            where = chars == ch
            if ch not in table:
                r, c = (int(i) for i in np.argwhere(where)[0])
                known = "".join(sorted(table))
                msg = (
                    f"unknown map character {ch!r} at{_src(source, ' ')}line "
                    f"{lines[r]}, column {c + 1} (cell ({r}, {c})). Known characters: "
                    f"{known!r}; add it with `legend`, e.g. legend={{{ch!r}: 'floor'}}."
                )
                err = GridWorldError(msg)
                err.char, err.known = ch, known  # the CLI words its own hint
                raise err
            kind, reward = table[ch]
            code = KINDS.index(kind)
            kind_code[where] = code
            if reward is not None:
                enter[where] = reward
            elif code in default:
                enter[where] = default[code]
        return kind_code, enter

    def _check_cell(self, r: int, c: int, what: str, kind_code: np.ndarray) -> None:
        nrow, ncol = self._shape
        if not (0 <= r < nrow and 0 <= c < ncol):
            msg = (
                f"`{what}` cell ({r}, {c}) is outside the {nrow}x{ncol} grid "
                f"(rows 0..{nrow - 1}, columns 0..{ncol - 1})."
            )
            raise GridWorldError(msg)
        if kind_code[r, c] == _WALL:
            msg = f"`{what}` cell ({r}, {c}) is a wall; use a non-wall cell."
            raise GridWorldError(msg)

    def _resolve_jumps(
        self,
        jump_letters: dict[str, tuple[Cell, float]],
        jump_cells: dict[Cell, tuple[Cell, float]],
        chars: np.ndarray,
        kind_code: np.ndarray,
        index: np.ndarray,
    ) -> tuple[IntArray, FloatArray]:
        """Per state: the jump target state (-1 if none) and the jump reward."""
        S = self._cells.shape[0]
        target = np.full(S, -1, dtype=np.intp)
        reward = np.zeros(S)
        nrow, ncol = self._shape
        items: list[tuple[str | Cell, tuple[Cell, float], np.ndarray]] = [
            (k, v, chars == k) for k, v in jump_letters.items()
        ]
        for cell, val in jump_cells.items():
            here = np.zeros(chars.shape, dtype=bool)
            here[cell] = True
            items.append((cell, val, here))
        for key, ((tr, tc), rew), where in items:
            if isinstance(key, str) and not where.any():
                msg = (
                    f"`jumps` key {key!r} does not appear in the map; put the letter "
                    f"on the jump cell(s) or key the jump by (row, col)."
                )
                raise GridWorldError(msg)
            label = f"`jumps[{key!r}]` target ({tr}, {tc})"
            if not (0 <= tr < nrow and 0 <= tc < ncol):
                msg = (
                    f"{label} is outside the {nrow}x{ncol} grid (rows 0..{nrow - 1}, "
                    f"columns 0..{ncol - 1})."
                )
                raise GridWorldError(msg)
            if kind_code[tr, tc] in (_WALL, _CLIFF):
                msg = (
                    f"{label} is a {KINDS[kind_code[tr, tc]]} cell; a jump must land "
                    f"on a non-wall, non-cliff cell."
                )
                raise GridWorldError(msg)
            states = index[where]
            target[states] = index[tr, tc]
            reward[states] = rew
        return target, reward

    def _start_distribution(
        self, kind_code: np.ndarray, index: np.ndarray, source: str
    ) -> FloatArray:
        codes = kind_code[index >= 0]
        start = codes == _START
        if not start.any():
            if (codes == _CLIFF).any():
                msg = (
                    f"the map{_src(source)} has cliff cells ('C') but no start "
                    f"('S'); a fall sends the agent back to the start, so add an 'S'."
                )
                raise GridWorldError(msg)
            start = ~np.isin(codes, (_GOAL, _HOLE, _CLIFF))
            if not start.any():
                msg = (
                    f"the map{_src(source)} has no start cell ('S') and no "
                    f"non-terminal cell to start from."
                )
                raise GridWorldError(msg)
        return start / start.sum()

    # ------------------------------------------------------------- tables
    def _check_reachable(self) -> None:
        m = self._mdp
        goal = self._kind_code[self._cells[:, 0], self._cells[:, 1]] == _GOAL
        if not goal.any():
            return
        start = m.p0 > 0
        reached = np.zeros(m.n_states, dtype=bool)
        reached[reachable_states(m)] = True
        lost_goals = np.flatnonzero(goal & ~reached)
        stuck = np.flatnonzero(start & ~states_reaching(m, goal))
        problems = []
        if lost_goals.size:
            problems.append(
                f"goal cell(s) {_cell_list(self._cells[lost_goals])} cannot be "
                f"reached from any start cell"
            )
        if stuck.size:
            problems.append(
                f"start cell(s) {_cell_list(self._cells[stuck])} cannot reach any goal"
            )
        if problems:
            msg = (
                f"in gridworld {self.name!r}, " + " and ".join(problems) + ". Check "
                "the map for walls, holes or cliffs that cut the goal off."
            )
            warnings.warn(msg, UnreachableGoalWarning, stacklevel=3)

    # ---------------------------------------------------------- attributes
    @property
    def mdp(self) -> MDP:
        """The compiled :class:`mdp.MDP`."""
        return self._mdp

    @property
    def shape(self) -> tuple[int, int]:
        """``(nrow, ncol)`` of the map."""
        return self._shape

    @property
    def n_states(self) -> int:
        """Number of states ``S`` (non-wall cells)."""
        return int(self._cells.shape[0])

    @property
    def n_actions(self) -> int:
        """Number of actions ``A``."""
        return len(self._action_names)

    @property
    def walls(self) -> BoolArray:
        """Boolean ``(nrow, ncol)``: ``True`` on wall cells."""
        w = self._kind_code == _WALL
        w.flags.writeable = False
        return w

    @property
    def kinds(self) -> np.ndarray:
        """Kind name of every cell, str ``(nrow, ncol)`` (see :data:`KINDS`)."""
        k = np.asarray(KINDS)[self._kind_code]
        k.flags.writeable = False
        return k

    @property
    def chars(self) -> np.ndarray:
        """The map's characters, str ``(nrow, ncol)``."""
        c = self._chars.copy()
        c.flags.writeable = False
        return c

    @property
    def cells(self) -> IntArray:
        """``(row, col)`` of every state, int ``(S, 2)`` (row-major order)."""
        return self._cells

    @property
    def start_cells(self) -> list[Cell]:
        """Cells where episodes may start (the support of ``p0``)."""
        return _cell_tuples(self._cells[self._mdp.p0 > 0])

    @property
    def terminal_cells(self) -> list[Cell]:
        """Goal and hole cells, row-major."""
        return _cell_tuples(self._cells[self._mdp.terminal])

    @property
    def goal_cells(self) -> list[Cell]:
        """Goal cells, row-major."""
        return _cell_tuples(np.argwhere(self._kind_code == _GOAL))

    @property
    def action_names(self) -> tuple[str, ...]:
        """Names of the actions, e.g. ``("UP", "RIGHT", "DOWN", "LEFT")``."""
        return self._action_names

    @property
    def action_deltas(self) -> IntArray:
        """``(drow, dcol)`` of every action, int ``(A, 2)``; row 0 is the top."""
        return self._deltas

    @property
    def gamma(self) -> float:
        """Discount factor of :attr:`mdp`."""
        return self._mdp.gamma

    # ------------------------------------------------------------- mapping
    def state(self, row: int, col: int) -> int:
        """State index of cell ``(row, col)``.

        Raises
        ------
        GridWorldError
            If the cell is outside the grid or a wall.

        Examples
        --------
        >>> from worlds.grid import GridWorld
        >>> GridWorld(["S#.", "..G"]).state(1, 0)
        2
        """
        r, c = _as_cell((row, col), "cell")
        nrow, ncol = self._shape
        if not (0 <= r < nrow and 0 <= c < ncol):
            msg = (
                f"cell ({r}, {c}) is outside the {nrow}x{ncol} grid "
                f"(rows 0..{nrow - 1}, columns 0..{ncol - 1})."
            )
            raise GridWorldError(msg)
        s = int(self._index[r, c])
        if s < 0:
            msg = f"cell ({r}, {c}) is a wall and has no state; walls are not states."
            raise GridWorldError(msg)
        return s

    def cell(self, s: int) -> Cell:
        """Cell ``(row, col)`` of state ``s``.

        Raises
        ------
        GridWorldError
            If ``s`` is not in ``0..S-1``.

        Examples
        --------
        >>> from worlds.grid import GridWorld
        >>> GridWorld(["S#.", "..G"]).cell(2)
        (1, 0)
        """
        try:
            si = int(s)
        except (TypeError, ValueError) as exc:
            msg = f"state must be an integer; got {s!r}."
            raise GridWorldError(msg) from exc
        if not 0 <= si < self.n_states:
            msg = f"state {si} is out of range (valid 0..{self.n_states - 1})."
            raise GridWorldError(msg)
        r, c = self._cells[si]
        return int(r), int(c)

    def to_grid(self, x: npt.ArrayLike, fill: float = np.nan) -> FloatArray:
        """Lay a per-state array ``x [S]`` out on the map: ``(nrow, ncol)``.

        Wall cells get ``fill`` (default NaN), ready for ``imshow``.

        Examples
        --------
        >>> from worlds.grid import GridWorld
        >>> GridWorld(["S#.", "..G"]).to_grid([0, 1, 2, 3, 4])
        array([[ 0., nan,  1.],
               [ 2.,  3.,  4.]])
        """
        v = np.asarray(x, dtype=np.float64)
        if v.shape != (self.n_states,):
            msg = (
                f"`x` has shape {v.shape}; expected ({self.n_states},), one value "
                f"per state (non-wall cell)."
            )
            raise GridWorldError(msg)
        out = np.full(self._shape, fill, dtype=np.float64)
        out[self._cells[:, 0], self._cells[:, 1]] = v
        return out

    def __str__(self) -> str:
        return "\n".join("".join(row) for row in self._chars)

    def __repr__(self) -> str:
        nrow, ncol = self._shape
        return (
            f"GridWorld({self.name!r}, {nrow}x{ncol}, n_states={self.n_states}, "
            f"n_actions={self.n_actions}, gamma={self.gamma:g})"
        )


# ------------------------------------------------------------------ helpers
def _src(source: str, sep: str = "") -> str:
    """`` in 'file.txt'`` for file maps (with ``sep`` before the line)."""
    if source:
        return f" {source!r}," + sep if sep else f" {source!r}"
    return sep


def _read_map(
    grid_map: Any, table: Mapping[str, Any]
) -> tuple[list[str], list[int], str]:
    """Rows of the map, their 1-based line numbers, and the file name or ''.

    Which strings are files: a ``str`` with a newline is map text; one
    without is the path of a file when that file exists, else a one-row map
    when every character is a map character (built-in, ``legend`` or
    ``jumps``), else a missing file ("no such map file").
    """
    source = ""
    is_path = isinstance(grid_map, os.PathLike)
    if isinstance(grid_map, str) and "\n" not in grid_map:
        text = grid_map.strip()
        if os.path.isfile(grid_map):
            is_path = True
        elif os.path.isdir(grid_map):
            msg = f"map file {grid_map!r} is a directory, not a map file."
            raise GridWorldError(msg)
        elif text and any(ch not in table for ch in text):
            unknown = "".join(sorted({ch for ch in text if ch not in table}))
            where = "" if os.path.isabs(grid_map) else f" (relative to {os.getcwd()!r})"
            msg = (
                f"no such map file {grid_map!r}{where}; nor is it a one-row map: "
                f"{unknown!r} are not map characters (known: "
                f"{''.join(sorted(table))!r}). Give an existing file, or a map as "
                f"several lines or a list of row strings."
            )
            raise GridWorldError(msg)
    if is_path:
        path = os.fspath(grid_map)
        try:
            with open(path, encoding="utf-8-sig") as f:
                text = f.read()
        except UnicodeDecodeError as exc:
            msg = (
                f"map file {path!r} is not UTF-8 text (byte {exc.object[exc.start]:#04x} "
                f"at offset {exc.start}); a map is a text file, one character per cell."
            )
            raise GridWorldError(msg) from exc
        except OSError as exc:
            msg = f"cannot read the grid map file {path!r}: {exc.strerror or exc}."
            raise GridWorldError(msg) from exc
        if "\x00" in text:
            msg = f"map file {path!r} holds NUL bytes: it is a binary file, not a map."
            raise GridWorldError(msg)
        raw = text.splitlines()
        source = path
    elif isinstance(grid_map, str):
        raw = grid_map.splitlines()
    elif isinstance(grid_map, Sequence) and all(isinstance(x, str) for x in grid_map):
        raw = list(grid_map)
    else:
        msg = (
            f"`grid_map` must be a multi-line string, a list of row strings or a "
            f"path to a text file; got {type(grid_map).__name__}."
        )
        raise GridWorldError(msg)
    rows: list[str] = []
    lines: list[int] = []
    for i, line in enumerate(raw):
        text = line.strip()
        if text:
            rows.append(text)
            lines.append(i + 1)
    if not rows:
        msg = f"the grid map{_src(source)} is empty; give at least one row of cells."
        raise GridWorldError(msg)
    width = len(rows[0])
    for row, lineno in zip(rows, lines, strict=True):
        if len(row) != width:
            msg = (
                f"ragged grid map{_src(source)}: line {lineno} has {len(row)} cells "
                f"but line {lines[0]} has {width}; every row must have the same "
                f"length (pad with '#' walls)."
            )
            raise GridWorldError(msg)
    return rows, lines, source


def _finite(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        msg = f"`{name}` must be a finite number; got {value!r}."
        raise GridWorldError(msg) from exc
    if not np.isfinite(v):
        msg = f"`{name}` must be a finite number; got {v}."
        raise GridWorldError(msg)
    return v


def _as_cell(key: Any, what: str) -> Cell:
    ok = isinstance(key, (tuple, list, np.ndarray)) and len(key) == 2
    if ok:
        try:
            r, c = (operator.index(x) for x in key)
        except TypeError:
            ok = False
    if not ok:
        msg = f"{what} must be a (row, col) pair of integers; got {key!r}."
        raise GridWorldError(msg)
    return r, c


def _char_table(legend: Any) -> dict[str, tuple[str, float | None]]:
    """Character -> (kind, entry reward or None) from the built-ins and legend."""
    table: dict[str, tuple[str, float | None]] = {
        ch: (kind, None) for ch, kind in CHARS.items()
    }
    if legend is None:
        return table
    if not isinstance(legend, Mapping):
        msg = "`legend` must be a dict {char: kind} or {char: (kind, reward)}."
        raise GridWorldError(msg)
    for ch, spec in legend.items():
        if not isinstance(ch, str) or len(ch) != 1 or ch.isspace():
            msg = f"`legend` key {ch!r} must be a single non-space character."
            raise GridWorldError(msg)
        if isinstance(spec, str):
            kind, reward = spec, None
        elif (
            isinstance(spec, (tuple, list))
            and len(spec) == 2
            and isinstance(spec[0], str)
        ):
            kind, reward = spec[0], _finite(spec[1], f"legend[{ch!r}] reward")
        else:
            msg = (
                f"`legend[{ch!r}]` = {spec!r}; expected a kind name or a "
                f"(kind, reward) pair, e.g. ('goal', 10.0)."
            )
            raise GridWorldError(msg)
        if kind not in _LEGEND_KINDS:
            msg = (
                f"`legend[{ch!r}]` names unknown kind {kind!r}; valid kinds: "
                f"{', '.join(_LEGEND_KINDS)} (jump cells are given by `jumps`)."
            )
            raise GridWorldError(msg)
        if kind == "wall" and reward is not None:
            msg = f"`legend[{ch!r}]` gives a reward to a wall; walls are never entered."
            raise GridWorldError(msg)
        table[ch] = (kind, reward)
    return table


def _check_jumps(
    jumps: Any, table: dict[str, tuple[str, float | None]]
) -> tuple[dict[str, tuple[Cell, float]], dict[Cell, tuple[Cell, float]]]:
    """Split ``jumps`` into letter keys and cell keys, checking the values."""
    letters: dict[str, tuple[Cell, float]] = {}
    cells: dict[Cell, tuple[Cell, float]] = {}
    if jumps is None:
        return letters, cells
    if not isinstance(jumps, Mapping):
        msg = "`jumps` must be a dict {letter or (row, col): ((row, col), reward)}."
        raise GridWorldError(msg)
    for key, value in jumps.items():
        pair = isinstance(value, (tuple, list)) and len(value) == 2
        if not (pair and isinstance(value[0], (tuple, list))):
            msg = (
                f"`jumps[{key!r}]` = {value!r}; expected ((row, col), reward), "
                f"e.g. ((4, 1), 10.0)."
            )
            raise GridWorldError(msg)
        target = _as_cell(value[0], f"`jumps[{key!r}]` target")
        reward = _finite(value[1], f"jumps[{key!r}] reward")
        if isinstance(key, str):
            if len(key) != 1 or key.isspace():
                msg = f"`jumps` key {key!r} must be a single map letter or a (row, col) cell."
                raise GridWorldError(msg)
            if key in table:
                msg = (
                    f"`jumps` key {key!r} is already a map character "
                    f"({table[key][0]}); use another letter for jump cells."
                )
                raise GridWorldError(msg)
            letters[key] = (target, reward)
        else:
            cells[_as_cell(key, "`jumps` key")] = (target, reward)
    return letters, cells


def _check_moves(moves: Any) -> tuple[tuple[str, ...], IntArray]:
    """Action names and ``(drow, dcol)`` deltas of a ``moves`` argument."""
    if isinstance(moves, str):
        if moves not in _MOVE_SETS:
            msg = (
                f"`moves` must be one of {', '.join(map(repr, _MOVE_SETS))} or a "
                f"sequence of move names; got {moves!r}."
            )
            raise GridWorldError(msg)
        names = _MOVE_SETS[moves]
    else:
        try:
            names = tuple(moves)
        except TypeError:
            names = ()
        bad = [n for n in names if not isinstance(n, str) or n not in MOVES]
        if not names or bad:
            what = f"unknown move {bad[0]!r}" if bad else f"got {moves!r}"
            msg = (
                f"`moves` must be one of {', '.join(map(repr, _MOVE_SETS))} or a "
                f"non-empty sequence of move names from {', '.join(MOVES)}; {what}."
            )
            raise GridWorldError(msg)
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            msg = f"`moves` names {dup[0]!r} twice; every action must be a different move."
            raise GridWorldError(msg)
    deltas = np.array([MOVES[n] for n in names], dtype=np.intp)
    return names, deltas


def _check_perpendicular(names: tuple[str, ...], deltas: IntArray) -> None:
    """Perpendicular slips need both moves at +-90 degrees of every move."""
    have = {tuple(d) for d in deltas.tolist()}
    for name, (dr, dc) in zip(names, deltas.tolist(), strict=True):
        if (dr, dc) == (0, 0):
            continue
        need = [(dc, -dr), (-dc, dr)]
        if not all(d in have for d in need):
            side = [n for n, d in MOVES.items() if d in need]
            msg = (
                f"a perpendicular slip from {name} goes to {' and '.join(side)}, "
                f"which are not in `moves`; add them, or use slip_mode='uniform'."
            )
            raise GridWorldError(msg)


def _check_slip(slip: Any, slip_mode: Any) -> tuple[float, str]:
    if not isinstance(slip_mode, str) or slip_mode not in _SLIP_MODES:
        msg = f"`slip_mode` must be 'perpendicular' or 'uniform'; got {slip_mode!r}."
        raise GridWorldError(msg)
    if isinstance(slip, str):
        if slip != "frozenlake":
            msg = (
                f"`slip` must be a probability in [0, 1] or 'frozenlake'; got {slip!r}."
            )
            raise GridWorldError(msg)
        if slip_mode != "perpendicular":
            msg = (
                "slip='frozenlake' is the perpendicular rule (1/3 intended, 1/3 each "
                "side); use slip_mode='perpendicular', or give slip as a number."
            )
            raise GridWorldError(msg)
        return FROZENLAKE_SLIP, "perpendicular"
    p = _finite(slip, "slip")
    if not 0.0 <= p <= 1.0:
        msg = f"`slip` must be a probability in [0, 1]; got {p}."
        raise GridWorldError(msg)
    return p, slip_mode


def _check_wind(wind: Any, wind_noise: Any, ncol: int) -> tuple[IntArray, FloatArray]:
    """Per column: pushes ``[ncol, k]`` and their probabilities ``[ncol, k]``."""
    noise = _finite(wind_noise, "wind_noise")
    if not 0.0 <= noise <= 1.0:
        msg = f"`wind_noise` must be a probability in [0, 1]; got {noise}."
        raise GridWorldError(msg)
    if wind is None:
        if noise:
            msg = "`wind_noise` needs `wind` (one upward push per column)."
            raise GridWorldError(msg)
        return np.zeros((ncol, 1), dtype=np.intp), np.ones((ncol, 1))
    w = np.asarray(wind)
    if w.shape != (ncol,):
        msg = (
            f"`wind` has shape {w.shape}; expected ({ncol},), one upward push "
            f"per column of the map."
        )
        raise GridWorldError(msg)
    if (
        w.dtype == bool
        or not np.issubdtype(w.dtype, np.number)
        or (not np.all(np.isfinite(w.astype(float))) or np.any(w != np.round(w)))
    ):
        msg = f"`wind` must hold whole numbers of cells; got {list(wind)!r}."
        raise GridWorldError(msg)
    w = w.astype(np.intp)
    if not noise:
        return w[:, None], np.ones((ncol, 1))
    windy = w != 0
    pushes = np.stack([w, w + 1, w - 1], axis=1)
    probs = np.where(
        windy[:, None], [1.0 - noise, noise / 2.0, noise / 2.0], [1.0, 0.0, 0.0]
    )
    return pushes, probs


def _cell_tuples(arr: np.ndarray) -> list[Cell]:
    return [(int(r), int(c)) for r, c in arr]


def _cell_list(arr: np.ndarray, limit: int = 5) -> str:
    cells = _cell_tuples(arr)
    more = f" and {len(cells) - limit} more" if len(cells) > limit else ""
    return ", ".join(str(c) for c in cells[:limit]) + more
