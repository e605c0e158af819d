r"""The classic gridworlds of the textbooks, as :class:`~worlds.grid.GridWorld`.

Each factory documents its source, its map and its parameters; the maps live
in ``worlds/grid/maps/*.txt`` (package data, read with :mod:`importlib.resources`).
Row 0 is the top row of every map and ``(row, col)`` counts from the top-left
cell; actions are UP, RIGHT, DOWN, LEFT unless stated otherwise.  A world
with a Gymnasium twin numbers its actions as the twin does (FrozenLake:
LEFT, DOWN, RIGHT, UP; CliffWalking: UP, RIGHT, DOWN, LEFT), so a policy
solved here can act in the Gymnasium environment unchanged.

==========================  =================================================
name                        source
==========================  =================================================
``gridworld-4x4``           Sutton & Barto (2018), Example 4.1
``gridworld-5x5``           Sutton & Barto (2018), Examples 3.5 and 3.8
``cliff-walking``           Sutton & Barto (2018), Example 6.6
``windy-gridworld``         Sutton & Barto (2018), Example 6.5, Ex. 6.9, 6.10
``frozenlake-4x4``          Gymnasium ``FrozenLake-v1``, ``map_name="4x4"``
``frozenlake-8x8``          Gymnasium ``FrozenLake-v1``, ``map_name="8x8"``
``russell-norvig-4x3``      Russell & Norvig, AIMA, Figure 17.1
``four-rooms``              Sutton, Precup & Singh (1999)
==========================  =================================================

:data:`GRID_ENTRIES` maps each name to ``(factory, one-line description)``.

References
----------
R. S. Sutton and A. G. Barto, *Reinforcement Learning: An Introduction*,
2nd ed., MIT Press, 2018.
S. Russell and P. Norvig, *Artificial Intelligence: A Modern Approach*,
3rd ed., 2010, Chapter 17.
R. S. Sutton, D. Precup and S. Singh, "Between MDPs and semi-MDPs: a
framework for temporal abstraction in reinforcement learning", Artificial
Intelligence 112 (1999) 181-211.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from .gridworld import GridWorld, GridWorldError

__all__ = [
    "GRID_ENTRIES",
    "map_rows",
    "gridworld_4x4",
    "gridworld_5x5",
    "cliff_walking",
    "windy_gridworld",
    "frozenlake_4x4",
    "frozenlake_8x8",
    "russell_norvig_4x3",
    "four_rooms",
]

#: Sutton & Barto's Example 6.5: upward wind of each of the 10 columns.
WINDY_WIND = (0, 0, 0, 1, 1, 1, 2, 2, 1, 0)
#: Gymnasium's FrozenLake-v1 action order: 0 LEFT, 1 DOWN, 2 RIGHT, 3 UP.
FROZENLAKE_MOVES = ("LEFT", "DOWN", "RIGHT", "UP")
#: The packaged maps.
_MAPS = resources.files("worlds.grid") / "maps"


def map_rows(name: str) -> list[str]:
    """The rows of a packaged map, ``worlds/grid/maps/<name>.txt``.

    Examples
    --------
    >>> map_rows("frozenlake_4x4")
    ['SFFF', 'FHFH', 'FFFH', 'HFFG']
    """
    res = _MAPS / f"{name}.txt"
    if not res.is_file():
        available = sorted(
            p.name[:-4] for p in _MAPS.iterdir() if p.name.endswith(".txt")
        )
        msg = f"no packaged map {name!r}; available: {', '.join(available)}."
        raise GridWorldError(msg)
    return [
        line.strip()
        for line in res.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def gridworld_4x4(*, gamma: float = 1.0) -> GridWorld:
    """Sutton & Barto's 4x4 gridworld (Example 4.1).

    Description
        A 4x4 grid; the top-left and bottom-right corners are one terminal
        state in the book, two terminal cells here (``G``).  14 non-terminal
        states.
    Action Space
        UP, RIGHT, DOWN, LEFT; a move off the grid leaves the state unchanged.
    Rewards
        -1 on every transition, including the one into a terminal cell.
    Arguments
        ``gamma`` (default 1, undiscounted as in the book).

    Examples
    --------
    The equiprobable random policy's values (the book's Figure 4.1, k = inf):

    >>> import numpy as np
    >>> from solvers import evaluate_policy
    >>> from mdp import policy
    >>> world = gridworld_4x4()
    >>> V = evaluate_policy(world.mdp, policy.uniform(world.mdp))
    >>> np.round(world.to_grid(V), 6) + 0.0
    array([[  0., -14., -20., -22.],
           [-14., -18., -20., -20.],
           [-20., -20., -18., -14.],
           [-22., -20., -14.,   0.]])
    """
    return GridWorld(
        map_rows("gridworld_4x4"),
        step_reward=-1.0,
        goal_reward=0.0,
        gamma=gamma,
        name="gridworld-4x4",
        description="Sutton & Barto Example 4.1: 4x4 grid, two terminal corners, -1 per step.",
    )


def gridworld_5x5(*, gamma: float = 0.9) -> GridWorld:
    """Sutton & Barto's 5x5 gridworld with the A and B jumps (Examples 3.5, 3.8).

    Description
        A 5x5 grid with no terminal state (a continuing task).  From cell
        ``A = (0, 1)`` every action moves the agent to ``A' = (4, 1)`` with
        reward +10; from ``B = (0, 3)`` every action moves it to
        ``B' = (2, 3)`` with reward +5.
    Action Space
        UP, RIGHT, DOWN, LEFT.
    Rewards
        -1 for an action that would take the agent off the grid (it stays),
        0 for every other move, +10 / +5 for the jumps.
    Starting State
        Uniform over the 25 cells.
    Arguments
        ``gamma`` (default 0.9, as in the book).

    Examples
    --------
    Figure 3.5: the optimal values.

    >>> import numpy as np
    >>> from solvers import value_iteration
    >>> world = gridworld_5x5()
    >>> np.round(world.to_grid(value_iteration(world.mdp, tol=1e-9).V), 1)
    array([[22. , 24.4, 22. , 19.4, 17.5],
           [19.8, 22. , 19.8, 17.8, 16. ],
           [17.8, 19.8, 17.8, 16. , 14.4],
           [16. , 17.8, 16. , 14.4, 13. ],
           [14.4, 16. , 14.4, 13. , 11.7]])
    """
    return GridWorld(
        map_rows("gridworld_5x5"),
        jumps={"A": ((4, 1), 10.0), "B": ((2, 3), 5.0)},
        bump_reward=-1.0,
        gamma=gamma,
        name="gridworld-5x5",
        description=(
            "Sutton & Barto Examples 3.5/3.8: 5x5 grid, A->A' +10, B->B' +5, "
            "-1 for bumping the edge, gamma 0.9."
        ),
    )


def cliff_walking(*, gamma: float = 1.0) -> GridWorld:
    """Sutton & Barto's cliff walking (Example 6.6), as Gymnasium's CliffWalking.

    Description
        A 4x12 grid; start ``S = (3, 0)`` bottom-left, goal ``G = (3, 11)``
        bottom-right, and the cliff ``C`` on ``(3, 1) .. (3, 10)`` between them.
        The cliff cells are states (so ``s = row * 12 + col`` as in
        Gymnasium) but are never occupied.
    Action Space
        UP, RIGHT, DOWN, LEFT (Gymnasium's order too); bumping an edge stays.
    Rewards
        -1 per step, including the step into the goal; a step into the cliff
        costs -100 (not -101) and sends the agent back to the start.
    Episode End
        On entering the goal.
    Arguments
        ``gamma`` (default 1).

    Examples
    --------
    The optimal path runs along the cliff edge: 13 steps.

    >>> from solvers import value_iteration
    >>> world = cliff_walking()
    >>> float(value_iteration(world.mdp).V[world.state(3, 0)])
    -13.0
    """
    return GridWorld(
        map_rows("cliff_walking"),
        step_reward=-1.0,
        goal_reward=0.0,
        cliff_reward=-100.0,
        gamma=gamma,
        name="cliff-walking",
        description=(
            "Sutton & Barto Example 6.6: 4x12, -1 per step, -100 and back to the "
            "start for stepping into the cliff."
        ),
    )


def windy_gridworld(
    *,
    king_moves: bool = False,
    stay: bool = False,
    stochastic: bool = False,
    gamma: float = 1.0,
) -> GridWorld:
    """Sutton & Barto's windy gridworld (Example 6.5; Exercises 6.9 and 6.10).

    Description
        A 7x10 grid; start ``(3, 0)``, goal ``(3, 7)``.  The wind of the
        column the agent moves *from* pushes it up by
        ``0 0 0 1 1 1 2 2 1 0`` cells (left to right), stopping at the top
        edge.
    Action Space
        UP, RIGHT, DOWN, LEFT; with ``king_moves`` the eight king's moves
        (Exercise 6.9), plus STAY last with ``stay``.
    Rewards
        -1 per step until the goal is reached (the step into it included).
    Episode End
        On entering the goal.
    Arguments
        ``king_moves``, ``stay`` (Exercise 6.9); ``stochastic`` (Exercise
        6.10: where the wind blows, it is the listed value, one more, or one
        less, each with probability 1/3, i.e. ``wind_noise=2/3``); ``gamma``.

    Notes
    -----
    The optimal episode takes 15 steps with the four moves (value -15 from
    the start) and 7 steps with the king's moves, with or without STAY.

    Examples
    --------
    >>> from solvers import value_iteration
    >>> world = windy_gridworld()
    >>> float(value_iteration(world.mdp).V[world.state(3, 0)])
    -15.0
    >>> world = windy_gridworld(king_moves=True)
    >>> float(value_iteration(world.mdp).V[world.state(3, 0)])
    -7.0
    """
    moves = ("8" if king_moves else "4") + ("+stay" if stay else "")
    kind = "king's moves" if king_moves else "4 moves"
    return GridWorld(
        map_rows("windy_gridworld"),
        step_reward=-1.0,
        goal_reward=0.0,
        moves=moves,
        wind=WINDY_WIND,
        wind_noise=2.0 / 3.0 if stochastic else 0.0,
        gamma=gamma,
        name="windy-gridworld",
        description=(
            f"Sutton & Barto Example 6.5: 7x10 with an upward wind, -1 per step, "
            f"{kind}{' + stay' if stay else ''}"
            f"{', stochastic wind' if stochastic else ''}."
        ),
    )


def _frozenlake(size: str, is_slippery: bool, gamma: float) -> GridWorld:
    return GridWorld(
        map_rows(f"frozenlake_{size}"),
        step_reward=0.0,
        goal_reward=1.0,
        hole_reward=0.0,
        moves=FROZENLAKE_MOVES,
        slip="frozenlake" if is_slippery else 0.0,
        gamma=gamma,
        name=f"frozenlake-{size}",
        description=(
            f"Gymnasium FrozenLake-v1 {size}: reach G without falling into a hole, "
            f"+1 on reaching G, {'slippery' if is_slippery else 'not slippery'}."
        ),
    )


_FROZENLAKE_DOC = """Gymnasium's ``FrozenLake-v1`` with ``map_name="{size}"``.

    Description
        Cross the frozen lake from ``S`` (top-left) to ``G`` (bottom-right)
        without falling into a hole ``H``.  The same map and dynamics as
        Gymnasium, ``s = row * ncol + col``.
    Action Space
        LEFT, DOWN, RIGHT, UP (0..3), Gymnasium's order: a policy solved
        here acts in ``gymnasium.make("FrozenLake-v1")`` unchanged.
    Transitions
        With ``is_slippery`` the agent moves in the intended direction with
        probability 1/3 and in each perpendicular direction with probability
        1/3 (``slip="frozenlake"``); otherwise deterministically.  Moves off
        the grid stay.
    Rewards
        +1 on entering ``G``, 0 otherwise.
    Episode End
        On entering ``G`` or a hole (terminal cells).
    Arguments
        ``is_slippery`` (default True); ``gamma`` (default 1: the optimal
        value is then the highest probability of reaching the goal).

    Examples
    --------
    >>> world = frozenlake_{size}()
    >>> world.shape, world.mdp.n_states, len(world.terminal_cells)
    {example}
    >>> world.action_names
    ('LEFT', 'DOWN', 'RIGHT', 'UP')
    """


def frozenlake_4x4(*, is_slippery: bool = True, gamma: float = 1.0) -> GridWorld:
    return _frozenlake("4x4", is_slippery, gamma)


def frozenlake_8x8(*, is_slippery: bool = True, gamma: float = 1.0) -> GridWorld:
    return _frozenlake("8x8", is_slippery, gamma)


frozenlake_4x4.__doc__ = _FROZENLAKE_DOC.format(size="4x4", example="((4, 4), 16, 5)")
frozenlake_8x8.__doc__ = _FROZENLAKE_DOC.format(size="8x8", example="((8, 8), 64, 11)")


def russell_norvig_4x3(*, step_reward: float = -0.04, gamma: float = 1.0) -> GridWorld:
    """Russell & Norvig's 4x3 world (AIMA, Figure 17.1).

    Description
        Three rows of four cells, written with row 0 at the *top*::

            ...+        row 0  (AIMA's y = 3)
            .#.-        row 1  (AIMA's y = 2); the wall is AIMA's (2, 2)
            S...        row 2  (AIMA's y = 1); S is AIMA's (1, 1)

        so AIMA's square ``(x, y)`` is cell ``(3 - y, x - 1)`` here.  ``+``
        and ``-`` are terminal (a goal and a hole in the legend).
    Action Space
        UP, RIGHT, DOWN, LEFT.  The intended move happens with probability
        0.8, each perpendicular move with probability 0.1; moving into the
        wall or the edge stays.
    Rewards
        ``step_reward`` (AIMA's ``R(s) = -0.04``) per step; entering ``+``
        pays +1 more and entering ``-`` pays -1 more.  AIMA puts +-1 in the
        terminal states' own ``R(s)``; mdpkit pays it on the transition into
        them, which gives the same utilities for the non-terminal states
        (the terminals' own values are 0 here, +-1 in AIMA).
    Arguments
        ``step_reward`` (AIMA's Figure 17.2 varies it); ``gamma`` (default 1).

    Examples
    --------
    AIMA's Figure 17.3 (utilities of the optimal policy):

    >>> import numpy as np
    >>> from solvers import value_iteration
    >>> world = russell_norvig_4x3()
    >>> np.round(world.to_grid(value_iteration(world.mdp, tol=1e-12).V), 3)
    array([[0.812, 0.868, 0.918, 0.   ],
           [0.762,   nan, 0.66 , 0.   ],
           [0.705, 0.655, 0.611, 0.388]])
    """
    return GridWorld(
        map_rows("russell_norvig_4x3"),
        legend={"+": ("goal", 1.0), "-": ("hole", -1.0)},
        step_reward=step_reward,
        slip=0.2,
        gamma=gamma,
        name="russell-norvig-4x3",
        description=(
            "Russell & Norvig AIMA Fig. 17.1: 4x3, +1/-1 terminals, "
            f"{step_reward:g} per step, 0.8 intended / 0.1 sideways."
        ),
    )


def four_rooms(
    *,
    goal: tuple[int, int] = (7, 9),
    stochastic: bool = True,
    goal_reward: float = 1.0,
    gamma: float = 0.9,
) -> GridWorld:
    """Sutton, Precup & Singh's four-rooms gridworld (1999).

    Description
        11x11 cells inside a wall border (a 13x13 map), split by walls into
        four rooms joined by four one-cell hallways: 104 states.  The
        goal (terminal) is a parameter; the default ``(7, 9)`` is the hallway
        between the two right-hand rooms.  With no ``S`` in the map, episodes
        start uniformly at any non-goal cell.
    Action Space
        UP, RIGHT, DOWN, LEFT.  With ``stochastic`` (the paper's dynamics) the
        intended move happens with probability 2/3 and each of the other three
        with probability 1/9 (``slip=4/9, slip_mode="uniform"``); moving into
        a wall stays.
    Rewards
        ``goal_reward`` on entering the goal, 0 otherwise.
    Arguments
        ``goal`` (row, col) in the 13x13 map; ``stochastic``; ``goal_reward``;
        ``gamma`` (default 0.9, as in the paper's experiments).

    Raises
    ------
    GridWorldError
        If ``goal`` is outside the map or on a wall.

    Examples
    --------
    >>> world = four_rooms()
    >>> world.shape, world.mdp.n_states, world.goal_cells
    ((13, 13), 104, [(7, 9)])
    """
    rows = [list(r) for r in map_rows("four_rooms")]
    nrow, ncol = len(rows), len(rows[0])
    try:
        r, c = (int(x) for x in goal)
    except (TypeError, ValueError) as exc:
        msg = f"`goal` must be a (row, col) pair of integers; got {goal!r}."
        raise GridWorldError(msg) from exc
    if not (0 <= r < nrow and 0 <= c < ncol) or rows[r][c] == "#":
        msg = (
            f"`goal` {goal!r} is not a free cell of the four-rooms map; pick a "
            f"'.' cell inside the border (rows and columns 1..11)."
        )
        raise GridWorldError(msg)
    rows[r][c] = "G"
    return GridWorld(
        ["".join(row) for row in rows],
        goal_reward=goal_reward,
        slip=4.0 / 9.0 if stochastic else 0.0,
        slip_mode="uniform",
        gamma=gamma,
        name="four-rooms",
        description=(
            f"Sutton, Precup & Singh (1999) four rooms: 104 cells, goal at {(r, c)}, "
            f"{'2/3 intended move' if stochastic else 'deterministic'}, gamma {gamma:g}."
        ),
    )


#: name -> (factory, one-line description), for the catalogue.
GRID_ENTRIES: dict[str, tuple[Callable[..., GridWorld], str]] = {
    "gridworld-4x4": (
        gridworld_4x4,
        "Sutton & Barto Ex. 4.1: 4x4 grid, two terminal corners, -1 per step.",
    ),
    "gridworld-5x5": (
        gridworld_5x5,
        "Sutton & Barto Ex. 3.5: 5x5 grid with A->A' (+10) and B->B' (+5) jumps, gamma 0.9.",
    ),
    "cliff-walking": (
        cliff_walking,
        "Sutton & Barto Ex. 6.6: 4x12 cliff walk, -1 per step, -100 for the cliff.",
    ),
    "windy-gridworld": (
        windy_gridworld,
        "Sutton & Barto Ex. 6.5: 7x10 grid with upward wind (params: king_moves, stay, stochastic).",
    ),
    "frozenlake-4x4": (
        frozenlake_4x4,
        "Gymnasium FrozenLake-v1 4x4: slippery lake, +1 at the goal, holes end the episode.",
    ),
    "frozenlake-8x8": (
        frozenlake_8x8,
        "Gymnasium FrozenLake-v1 8x8: slippery lake, +1 at the goal, holes end the episode.",
    ),
    "russell-norvig-4x3": (
        russell_norvig_4x3,
        "Russell & Norvig AIMA Fig. 17.1: 4x3 world, +1/-1 exits, 0.8/0.1/0.1 moves, -0.04 per step.",
    ),
    "four-rooms": (
        four_rooms,
        "Sutton, Precup & Singh (1999): four rooms joined by hallways, 104 cells, goal param.",
    ),
}
