r"""Pictures of MDPs: value, policy, Q and occupancy maps, bars and curves.

Grid plots (:func:`value_map`, :func:`policy_map`, :func:`q_map`,
:func:`occupancy_map`, :func:`value_policy_figure`) take a grid world: an
object with ``.mdp``, ``.shape``, ``.walls``, ``.kinds``, ``.start_cells``,
``.terminal_cells`` and ``.action_deltas``, such as
:class:`worlds.gridworld.GridWorld`.  Its states are the non-wall cells in
row-major order, so a per-state array ``V [S]`` is laid out on the map
without any index bookkeeping.  For any other MDP use :func:`value_bars`;
:func:`convergence` plots the residuals of solver results.

Conventions
-----------
* Row 0 is the top row and column 0 the left column, as in the text map:
  data coordinates are ``x = col``, ``y = row`` with the y axis inverted, so
  the cell ``(row, col)`` is the unit square centred on ``(col, row)`` and
  an UP move ``(drow, dcol) = (-1, 0)`` points up on the screen.
* Every function takes ``ax=None`` (draw on the current Axes, creating a
  figure if needed), returns the Axes and never calls ``show``.
* Arrays carry the shapes of the rest of mdpkit: ``V [S]``, ``Q [S, A]``,
  ``pi`` int ``[S]`` or float ``[S, A]``, ``d [S]`` or ``[S, A]``.
* Wall cells are not states: they are drawn in dark grey with a hatch and
  never take part in a colour scale.  Non-finite values (NaN, and the
  ``-inf`` of unavailable actions in ``Q``) are left blank.
* Terminal cells (with ``mark_terminals``, the default of the value, policy
  and Q maps) are *tiles*: a fixed fill by kind (goal green, hole dark
  blue, any other terminal grey) with the cell's letter, no number, no
  arrow, no Q wedges, and outside the colour scale (their value is 0 by
  convention and would otherwise stretch it).  The letter is the cell's
  map character (``G`` and ``H`` in the built-in maps, ``+`` and ``-`` in
  ``russell-norvig-4x3``, whose ``-`` is a hole paying -1 on entry), or
  ``G`` / ``H`` / ``T`` for a world without ``.chars``: it names the cell
  as the map does, and the fill, not the letter, tells its kind.
* Cliff cells (stepping in pays the cliff reward and sends the agent back
  to the start, so it is never *in* one) are always tiles: red-brown,
  hatched, labelled ``C``, outside every colour scale, with no number,
  arrow or wedge.
* :func:`world_figure` draws any world: the grid maps for a grid world,
  heatmaps for a world whose states form a 2-D grid (``grid_shape``),
  curves for a 1-D world (``x``), a bar chart or sorted values otherwise.

Finding the artists
-------------------
Each artist a grid plot adds carries a ``gid`` (``artist.get_gid()``), so a
test or a caller can find it again without relying on drawing order:

=====================  =======================================================
gid                    artist
=====================  =======================================================
``GID_VALUES``         the heatmap (:class:`~matplotlib.image.AxesImage`,
                       walls masked); ``image.colorbar`` is its colour bar
``GID_WALLS``          the wall cells (a ``PatchCollection``, one patch each)
``GID_ARROWS``         the policy arrows (one ``Quiver``; ``quiver.N`` arrows)
``GID_STAY``           the STAY dots (a ``PatchCollection``, one per dot)
``GID_WEDGES``         the Q wedges (a ``PolyCollection``, ``A`` per cell)
``GID_ANNOTATION``     a number printed in a cell (one ``Text`` each)
``GID_MARKER``         a cell label: ``"S"``, ``"G"``, ``"H"``, ``"C"``, ``"T"``
                       (or the map character of a terminal / cliff cell)
``GID_OUTLINE``        the outline of a terminal cell (one ``Rectangle`` each)
``GID_TILES``          the terminal tiles (a ``PatchCollection``, one each)
``GID_CLIFFS``         the cliff tiles (a ``PatchCollection``, one each)
``GID_POLICY``         :func:`world_figure`: the policy image, line or bars
=====================  =======================================================

In :func:`world_figure` the value heatmap or value line also has gid
``GID_VALUES``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from mdp import MDP
from mdp.policy import check_policy

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap, Normalize
    from matplotlib.figure import Figure

__all__ = [
    "value_map",
    "policy_map",
    "q_map",
    "occupancy_map",
    "value_bars",
    "convergence",
    "value_policy_figure",
    "world_figure",
]

GID_VALUES = "mdpkit-values"
GID_WALLS = "mdpkit-walls"
GID_ARROWS = "mdpkit-arrows"
GID_STAY = "mdpkit-stay"
GID_WEDGES = "mdpkit-wedges"
GID_ANNOTATION = "mdpkit-annotation"
GID_MARKER = "mdpkit-marker"
GID_OUTLINE = "mdpkit-outline"
GID_TILES = "mdpkit-tiles"
GID_CLIFFS = "mdpkit-cliffs"
GID_POLICY = "mdpkit-policy"

#: Grids up to this many rows and columns get numbers in their cells when
#: ``annotate=None`` (Q maps: :data:`_AUTO_ANNOTATE_Q`).
_AUTO_ANNOTATE = 12
_AUTO_ANNOTATE_Q = 8
#: Grids up to this many rows (columns) get a tick on every row (column).
_ALL_TICKS = 20
_WALL_COLOR = "#3c3c3c"
_WALL_HATCH_COLOR = "#7a7a7a"
#: Letters of the cell kinds that get a label (without a map character).
_KIND_LETTER = {"goal": "G", "hole": "H", "start": "S", "cliff": "C"}
#: Fixed fills of the tiles: terminal cells by kind, and cliff cells.
_TILE_FILL = {
    "goal": "#1f7f38",
    "hole": "#16264a",
    "terminal": "#9a9a9a",
    "cliff": "#a2472a",
}
_CLIFF_HATCH_COLOR = "#d98a66"

Fmt = str | Callable[[float], str]


# ------------------------------------------------------------------ public
def value_map(
    world: Any,
    V: npt.ArrayLike,
    *,
    ax: Axes | None = None,
    cmap: str | Colormap = "viridis",
    annotate: bool | None = None,
    fmt: Fmt = ".2f",
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = True,
    label: str = "V(s)",
    title: str | None = None,
    show_walls: bool = True,
    mark_terminals: bool = True,
    mark_start: bool = True,
) -> Axes:
    """Heatmap of a value function ``V [S]`` over a grid world's map.

    Parameters
    ----------
    world : grid world
        E.g. a :class:`worlds.gridworld.GridWorld` (see the module docstring
        for the attributes used).  A plain :class:`mdp.MDP` is refused; use
        :func:`value_bars` for it.
    V : array_like (S,)
        One value per state (non-wall cell, row-major).  NaN cells are left
        blank.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default the current Axes.
    cmap : str or Colormap
        Colour map of the values.
    annotate : bool, optional
        Print the value in each cell.  ``None`` (default): on for grids of up
        to 12 rows and columns, off beyond.  The font size follows the cell
        size and the text is black or white, whichever contrasts more with
        the cell's colour.
    fmt : str or callable
        Format spec of the printed values (``format(v, fmt)``), or a function
        ``float -> str``.
    vmin, vmax : float, optional
        Limits of the colour scale; default the minimum and maximum of the
        finite values of ``V`` over the coloured cells (walls, cliffs and
        marked terminal cells take no part).
    colorbar : bool
        Add a colour bar beside the map.
    label : str
        Label of the colour bar.
    title : str, optional
        Axes title.
    show_walls : bool
        Draw the wall cells (dark grey, hatched); otherwise they are blank.
    mark_terminals : bool
        Draw terminal cells as tiles (goal green, hole dark blue, other
        terminals grey; see the module docstring), outlined and labelled
        with their map character (``"G"``, ``"H"``, ...) in place of their
        value (which is 0), and leave them out of the colour scale.
        ``False``: colour them by their value like any cell.
    mark_start : bool
        Label start cells ``"S"`` in their top-left corner, and there too
        jump cells their map letter.  No ``"S"`` when half the cells or more
        may start (a map without ``S``, whose start distribution is spread
        over the floor).  Cliff cells are always cliff tiles (``"C"``).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on; the heatmap is the image with gid
        :data:`GID_VALUES`.

    Raises
    ------
    TypeError
        If ``world`` is not a grid world (e.g. a plain MDP).
    ValueError
        If ``V`` does not hold one number per state.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds.gridworld import GridWorld
    >>> from worlds.plot import value_map
    >>> from solvers import value_iteration
    >>> world = GridWorld("S..#\\n.#.G", step_reward=-1.0, goal_reward=0.0)
    >>> V = value_iteration(world.mdp).V
    >>> fig, ax = plt.subplots()
    >>> ax = value_map(world, V, ax=ax)
    >>> image = ax.images[0]
    >>> image.get_clim()                      # min and max of V, goal aside
    (-5.0, -1.0)
    >>> bool(image.get_array().mask[0, 3])    # the wall is not coloured
    True
    >>> sorted(t.get_text() for t in ax.texts if t.get_text().isalpha())
    ['G', 'S']
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    g = _grid(world, "value_map")
    v = _per_state(V, "V", g)
    tiles = _tile_kinds(g, mark_terminals)
    norm = _linear_norm(v[tiles == ""], vmin, vmax, "V")
    _heatmap(
        ax,
        g,
        v,
        cmap=cmap,
        norm=norm,
        annotate=annotate,
        fmt=fmt,
        colorbar=colorbar,
        label=label,
        title=title,
        show_walls=show_walls,
        tiles=tiles,
        mark_start=mark_start,
    )
    return ax


def policy_map(
    world: Any,
    pi: npt.ArrayLike,
    *,
    ax: Axes | None = None,
    V: npt.ArrayLike | None = None,
    color: Any = None,
    scale: float = 1.0,
    cmap: str | Colormap = "viridis",
    annotate: bool | None = False,
    fmt: Fmt = ".2f",
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = True,
    label: str = "V(s)",
    title: str | None = None,
    show_walls: bool = True,
    mark_terminals: bool = True,
    mark_start: bool = True,
) -> Axes:
    """Arrows of a policy on a grid world's map, optionally over its values.

    Parameters
    ----------
    world : grid world
        E.g. a :class:`worlds.gridworld.GridWorld`.
    pi : array_like, int (S,) or float (S, A)
        A deterministic policy (one action per state) or a stochastic one
        (``pi[s, a]``, rows summing to 1).  Validated against
        ``world.mdp`` (:func:`mdp.policy.check_policy`).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default the current Axes.
    V : array_like (S,), optional
        Values drawn underneath as by :func:`value_map` (one call gives a
        value/policy map).  Without it the floor is white.
    color : color or None
        Colour of the arrows.  ``None`` (default): black, or over ``V``
        black or white per cell, whichever contrasts more.
    scale : float
        Multiplies the arrow lengths and widths (1 fits the cell).
    cmap, annotate, fmt, vmin, vmax, colorbar, label
        For the values ``V``, as in :func:`value_map`; ``annotate`` defaults
        to ``False`` here (``None`` means auto), and printed values move to
        the bottom of the cell, below the arrows.
    title, show_walls, mark_terminals, mark_start
        As in :func:`value_map`.

    Returns
    -------
    matplotlib.axes.Axes
        The arrows are one ``Quiver`` with gid :data:`GID_ARROWS`
        (``quiver.N`` arrows); STAY is a dot, in a ``PatchCollection`` with
        gid :data:`GID_STAY`.

    Raises
    ------
    TypeError
        If ``world`` is not a grid world.
    ValueError
        If ``pi`` or ``V`` does not fit ``world.mdp`` (a
        :class:`mdp.PolicyError` for ``pi``), or ``scale`` is not positive.

    Notes
    -----
    Terminal, cliff and wall cells get no arrow.  A deterministic policy draws one
    arrow per cell, centred on it.  A stochastic policy draws, from the cell
    centre, one arrow per action with ``pi(a|s) > 0``, its length
    proportional to the probability (the longest possible reaches the cell's
    edge); zero-probability actions are omitted.  Diagonal moves get the
    same length as straight ones.  STAY (delta ``(0, 0)``) is a dot whose
    area is proportional to its probability.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds.gridworld import GridWorld
    >>> from worlds.plot import GID_ARROWS, policy_map
    >>> from solvers import value_iteration
    >>> world = GridWorld("S..#\\n.#.G", step_reward=-1.0, goal_reward=0.0)
    >>> sol = value_iteration(world.mdp)
    >>> fig, ax = plt.subplots()
    >>> ax = policy_map(world, sol.policy, ax=ax, V=sol.V)
    >>> [q.N for q in ax.collections if q.get_gid() == GID_ARROWS]  # 5 non-terminal cells
    [5]
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    g = _grid(world, "policy_map")
    p = check_policy(world.mdp, pi)
    scale = _positive(scale, "scale")
    values = None
    tiles = _tile_kinds(g, mark_terminals)
    if V is not None:
        v = _per_state(V, "V", g)
        norm = _linear_norm(v[tiles == ""], vmin, vmax, "V")
        im = _heatmap(
            ax,
            g,
            v,
            cmap=cmap,
            norm=norm,
            annotate=annotate,
            fmt=fmt,
            colorbar=colorbar,
            label=label,
            title=title,
            show_walls=show_walls,
            tiles=tiles,
            mark_start=mark_start,
            text_below=True,
        )
        values = (v, im)
    else:
        _blank(
            ax,
            g,
            title=title,
            show_walls=show_walls,
            tiles=tiles,
            mark_start=mark_start,
        )
    texts_below = values is not None and any(
        t.get_gid() == GID_ANNOTATION for t in ax.texts
    )
    _arrows(ax, g, p, values=values, color=color, scale=scale, lift=texts_below)
    return ax


def q_map(
    world: Any,
    Q: npt.ArrayLike,
    *,
    ax: Axes | None = None,
    cmap: str | Colormap = "viridis",
    annotate: bool | None = None,
    fmt: Fmt = ".1f",
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = True,
    label: str = "Q(s, a)",
    title: str | None = None,
    show_walls: bool = True,
    mark_terminals: bool = True,
    mark_start: bool = True,
) -> Axes:
    """Action values ``Q [S, A]`` on a grid world: one wedge per action per cell.

    With the four moves each cell is split by its diagonals into four
    triangles, UP on top, RIGHT right, DOWN bottom, LEFT left, each coloured
    by ``Q(s, a)``.

    Parameters
    ----------
    world : grid world
        E.g. a :class:`worlds.gridworld.GridWorld`.
    Q : array_like (S, A)
        Action values; ``-inf`` (unavailable action) and NaN leave the wedge
        blank.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default the current Axes.
    cmap, fmt, vmin, vmax, colorbar, label, title, show_walls, mark_terminals, mark_start
        As in :func:`value_map` (limits default to the finite values of Q
        in the cells that get wedges).
    annotate : bool, optional
        Print each ``Q(s, a)`` in its wedge.  ``None``: on for grids of up to
        8 rows and columns with at most 5 actions.

    Returns
    -------
    matplotlib.axes.Axes
        The wedges are one ``PolyCollection`` with gid :data:`GID_WEDGES`:
        ``A`` polygons per cell that is not a wall, a cliff or a marked
        terminal (those are tiles), state by state, actions in order.

    Raises
    ------
    TypeError
        If ``world`` is not a grid world.
    ValueError
        If ``Q`` is not ``(S, A)``, or two actions move in the same direction.

    Notes
    -----
    Any move set works: each action with a non-zero delta owns the part of
    the cell between the bisectors of its direction and its neighbours'
    directions.  The four moves give the four triangles; the eight king's
    moves give eight wedges (triangles for the straight moves, quadrilaterals
    through the corners for the diagonal ones).  STAY is a small square in
    the middle of the cell, drawn over the wedges.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds.gridworld import GridWorld
    >>> from worlds.plot import GID_WEDGES, q_map
    >>> from solvers import value_iteration
    >>> world = GridWorld("S..#\\n.#.G", step_reward=-1.0, goal_reward=0.0)
    >>> Q = value_iteration(world.mdp).Q
    >>> fig, ax = plt.subplots()
    >>> ax = q_map(world, Q, ax=ax)
    >>> [len(c.get_paths()) for c in ax.collections if c.get_gid() == GID_WEDGES]
    [20]
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    g = _grid(world, "q_map")
    q = _as_float(Q, "Q", hint="Q")
    if q.shape != (g.S, g.A):
        msg = (
            f"`Q` has shape {q.shape}; expected (S, A) = ({g.S}, {g.A}), one "
            f"value per state (non-wall cell) and action of {g.describe}."
        )
        raise ValueError(msg)
    tiles = _tile_kinds(g, mark_terminals)
    drawn = tiles == ""
    finite = np.isfinite(q) & drawn[:, None]
    norm = _linear_norm(q[finite], vmin, vmax, "Q")
    polys, owners = _wedge_polygons(g, drawn)
    values = np.ma.masked_invalid(q[owners[:, 0], owners[:, 1]])
    from matplotlib.collections import PolyCollection

    cell_pts = _cell_points(ax, g)
    coll = PolyCollection(
        polys,
        array=values,
        cmap=_cmap(cmap),
        norm=norm,
        edgecolors="white",
        linewidths=min(0.6, 0.02 * cell_pts),
        gid=GID_WEDGES,
        zorder=1,
    )
    ax.add_collection(coll)
    _frame(ax, g, title=title, grid_color=None)
    _tiles(ax, g, tiles)
    if show_walls:
        _walls(ax, g)
    if colorbar:
        _colorbar(ax, g, coll, label)
    cell_pts = _cell_points(ax, g)
    if annotate is None:
        annotate = max(g.shape) <= _AUTO_ANNOTATE_Q and g.A <= 5
    if annotate:
        _wedge_texts(ax, g, q, coll, fmt, cell_pts, skip=~drawn)
    # labels contrast with the mean colour of the cell's wedges
    rgba = coll.cmap(coll.norm(np.where(finite, q, 0.0))) * finite[..., None]
    count = finite.sum(axis=1)[:, None]
    mean = np.where(count > 0, rgba.sum(axis=1) / np.maximum(count, 1), 1.0)
    _markers(
        ax,
        g,
        tiles,
        mark_start,
        cell_pts,
        corner=True,
        colors=_contrast(mean),
    )
    return ax


def occupancy_map(
    world: Any,
    d: npt.ArrayLike,
    *,
    ax: Axes | None = None,
    log: bool = False,
    normalize: bool = False,
    cmap: str | Colormap = "magma",
    annotate: bool | None = None,
    fmt: Fmt = ".2g",
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = True,
    label: str | None = None,
    title: str | None = None,
    show_walls: bool = True,
    mark_terminals: bool = False,
    mark_start: bool = True,
) -> Axes:
    """Heatmap of a state occupancy / visitation measure on a grid world.

    Parameters
    ----------
    world : grid world
        E.g. a :class:`worlds.gridworld.GridWorld`.
    d : array_like (S,) or (S, A)
        Non-negative occupancy per state, or per state-action pair (summed
        over actions), e.g. ``LPResult.occupancy`` or sampled visit counts.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default the current Axes.
    log : bool
        Logarithmic colour scale; cells with zero occupancy are then left
        blank (they are outside any log scale).
    normalize : bool
        Divide by the total, to show a distribution over states.
    cmap, annotate, fmt, vmin, vmax, colorbar, title, show_walls, mark_start
        As in :func:`value_map`.
    label : str, optional
        Colour-bar label; default ``"d(s)"`` (``"d(s) / sum d"`` when
        normalised).
    mark_terminals : bool
        Draw terminal cells as tiles in place of their occupancy (see
        :func:`value_map`); off by default, as the occupancy of a terminal
        cell is informative.  Cliff cells (never occupied) are always tiles.

    Returns
    -------
    matplotlib.axes.Axes
        The heatmap is the image with gid :data:`GID_VALUES`.

    Raises
    ------
    TypeError
        If ``world`` is not a grid world.
    ValueError
        If ``d`` has the wrong shape, a negative or non-finite entry, sums to
        0 with ``normalize=True``, or has no positive entry with ``log=True``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds.gridworld import GridWorld
    >>> from worlds.plot import occupancy_map
    >>> world = GridWorld("S..#\\n.#.G")
    >>> visits = [4, 3, 2, 0, 1, 1]           # per state, e.g. sampled counts
    >>> fig, ax = plt.subplots()
    >>> ax = occupancy_map(world, visits, ax=ax, normalize=True)
    >>> [round(c, 4) for c in ax.images[0].get_clim()]  # 4 of 11 visits
    [0.0, 0.3636]
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    g = _grid(world, "occupancy_map")
    x = _as_float(d, "d")
    if x.ndim == 2 and x.shape == (g.S, g.A):
        x = x.sum(axis=1)
    elif x.shape != (g.S,):
        msg = (
            f"`d` has shape {x.shape}; expected ({g.S},) or ({g.S}, {g.A}): an "
            f"occupancy per state (non-wall cell) or per state-action pair of "
            f"{g.describe}."
        )
        raise ValueError(msg)
    bad = np.flatnonzero(~np.isfinite(x) | (x < 0))
    if bad.size:
        s = int(bad[0])
        msg = (
            f"`d` is {float(x[s])!r} at state {s} (cell {g.cell(s)}); an occupancy "
            f"measure is finite and non-negative."
        )
        raise ValueError(msg)
    if normalize:
        total = x.sum()
        if total <= 0:
            msg = "`d` sums to 0; there is nothing to normalize (use normalize=False)."
            raise ValueError(msg)
        x = x / total
    if label is None:
        label = "d(s) / sum d" if normalize else "d(s)"
    tiles = _tile_kinds(g, mark_terminals)
    if log:
        from matplotlib.colors import LogNorm

        pos = x[(x > 0) & (tiles == "")]
        if pos.size == 0:
            msg = "`d` has no positive entry, so a log colour scale is empty; use log=False."
            raise ValueError(msg)
        lo = float(pos.min()) if vmin is None else float(vmin)
        hi = float(pos.max()) if vmax is None else float(vmax)
        if not 0 < lo <= hi:
            msg = f"log colour scale needs 0 < vmin <= vmax; got vmin={lo!r}, vmax={hi!r}."
            raise ValueError(msg)
        norm = LogNorm(lo, hi)
        x = np.where(x > 0, x, np.nan)
    else:
        norm = _linear_norm(x[tiles == ""], vmin, vmax, "d")
    _heatmap(
        ax,
        g,
        x,
        cmap=cmap,
        norm=norm,
        annotate=annotate,
        fmt=fmt,
        colorbar=colorbar,
        label=label,
        title=title,
        show_walls=show_walls,
        tiles=tiles,
        mark_start=mark_start,
    )
    return ax


def value_bars(
    m_or_world: Any,
    V: npt.ArrayLike | Mapping[str, npt.ArrayLike],
    *,
    ax: Axes | None = None,
    labels: Sequence[str] | None = None,
    title: str | None = None,
    ylabel: str = "V(s)",
    width: float = 0.8,
) -> Axes:
    """Bar chart of one or several value functions ``V [S]`` of any MDP.

    Parameters
    ----------
    m_or_world : mdp.MDP or world
        The MDP, or any object with an ``.mdp`` (a grid world, a classic).
    V : array_like (S,) or dict of str to array_like (S,)
        A value function, or several (e.g. ``{"V^pi": V_pi, "V*": V_star}``)
        drawn side by side for each state, with a legend.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default the current Axes.
    labels : sequence of str (S,), optional
        Tick labels of the states; default ``m.names.states``.  With many
        states only every k-th label is shown.
    title : str, optional
        Axes title; default the world's ``name`` if it has one.
    ylabel : str
        Label of the value axis.
    width : float
        Total width of the bars of one state, in (0, 1].

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.containers`` holds one ``BarContainer`` per value function (its
        label is the dict key), with one bar per state.

    Raises
    ------
    TypeError
        If ``m_or_world`` is neither an MDP nor has an ``.mdp``.
    ValueError
        If a value function is not ``(S,)``, ``labels`` is not ``S`` long,
        the dict is empty or ``width`` is not in (0, 1].

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from mdp import MDP
    >>> from solvers import evaluate_policy, value_iteration
    >>> from worlds.plot import value_bars
    >>> P = np.array([[[0.0, 1.0], [1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]]])
    >>> m = MDP(P, np.array([[0.0, 1.0], [2.0, 0.0]]), 0.9,
    ...         state_names=["low", "high"])
    >>> V = {"V^pi": evaluate_policy(m, [0, 1]), "V*": value_iteration(m).V}
    >>> fig, ax = plt.subplots()
    >>> ax = value_bars(m, V, ax=ax)
    >>> [(c.get_label(), len(c)) for c in ax.containers]
    [('V^pi', 2), ('V*', 2)]
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['low', 'high']
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    m, name = _as_mdp(m_or_world)
    S = m.n_states
    series: dict[str, np.ndarray]
    if isinstance(V, Mapping):
        if not V:
            msg = "`V` is an empty dict; give at least one value function."
            raise ValueError(msg)
        series = {str(k): _vector(v, f"V[{k!r}]", S) for k, v in V.items()}
        legend = True
    else:
        series = {"V": _vector(V, "V", S)}
        legend = False
    if labels is None:
        labels = list(m.names.states)
    elif len(labels) != S:
        msg = f"`labels` has {len(labels)} entries; expected {S}, one per state."
        raise ValueError(msg)
    if not 0 < width <= 1:
        msg = f"`width` must be in (0, 1]; got {width!r}."
        raise ValueError(msg)
    k = len(series)
    bar_w = width / k
    x = np.arange(S)
    for i, (key, v) in enumerate(series.items()):
        ax.bar(x - width / 2 + (i + 0.5) * bar_w, v, bar_w, label=key)
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    step = max(1, int(np.ceil(S / 30)))
    shown = x[::step]
    ax.set_xticks(shown, [str(labels[i]) for i in shown])
    longest = max((len(str(labels[i])) for i in shown), default=0)
    if longest * len(shown) > 60:
        ax.tick_params(axis="x", labelrotation=90 if longest > 6 else 45)
    ax.set_xlim(-0.5 - (1 - width) / 2, S - 0.5 + (1 - width) / 2)
    ax.set_xlabel("state")
    ax.set_ylabel(ylabel)
    if title is None:
        title = name
    if title:
        ax.set_title(title)
    if legend:
        ax.legend()
    return ax


def convergence(
    results: Any,
    *,
    ax: Axes | None = None,
    labels: Sequence[str] | None = None,
    title: str | None = None,
) -> Axes:
    """Residual per iteration of solver results, on a log scale.

    Parameters
    ----------
    results : SolverResult, sequence of them, or dict of str to SolverResult
        Anything with a 1-D ``residuals`` array (the per-iteration
        ``||V_{k+1} - V_k||_inf`` of value iteration, or the Bellman residual
        of the policy-iteration family).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default the current Axes.
    labels : sequence of str, optional
        Legend entries; default the dict keys, else each ``result.method``.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        One line per result (``ax.get_lines()``), x = iteration 1, 2, ...,
        y log-scaled.  Residuals of exactly 0 (an exact stop) have no place
        on a log scale and are not drawn.

    Raises
    ------
    TypeError
        If a result has no ``residuals``.
    ValueError
        If there is no result, or ``labels`` does not match them.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds.gridworld import GridWorld
    >>> from worlds.plot import convergence
    >>> from solvers import policy_iteration, value_iteration
    >>> m = GridWorld("S...\\n.#.G", step_reward=-1.0, gamma=0.9).mdp
    >>> fig, ax = plt.subplots()
    >>> ax = convergence([value_iteration(m), policy_iteration(m)], ax=ax)
    >>> ax.get_yscale(), len(ax.get_lines())
    ('log', 2)
    >>> ax.get_legend_handles_labels()[1]
    ['value_iteration', 'policy_iteration (direct evaluation)']
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    if isinstance(results, Mapping):
        names = [str(k) for k in results]
        items = list(results.values())
    elif hasattr(results, "residuals"):
        items = [results]
        names = None
    elif isinstance(results, Sequence) and not isinstance(results, str):
        items = list(results)
        names = None
    else:
        msg = (
            f"`results` must be a solver result, a list or a dict of them; got "
            f"{type(results).__name__}."
        )
        raise TypeError(msg)
    if not items:
        msg = "`results` is empty; give at least one solver result."
        raise ValueError(msg)
    curves = []
    for i, res in enumerate(items):
        r = getattr(res, "residuals", None)
        if r is None:
            msg = (
                f"`results[{i}]` ({type(res).__name__}) has no `residuals`; pass "
                f"solver results, e.g. value_iteration(m)."
            )
            raise TypeError(msg)
        r = np.asarray(r, dtype=np.float64).ravel()
        curves.append(np.where(r > 0, r, np.nan))
    if labels is not None:
        if len(labels) != len(items):
            msg = f"`labels` has {len(labels)} entries for {len(items)} results."
            raise ValueError(msg)
        names = [str(s) for s in labels]
    elif names is None:
        names = [
            str(getattr(res, "method", f"result {i}")) for i, res in enumerate(items)
        ]
    for r, name in zip(curves, names, strict=True):
        marker = "o" if r.size <= 40 else None
        ax.plot(np.arange(1, r.size + 1), r, marker=marker, markersize=3, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("residual (sup norm)")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, which="major", alpha=0.3)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def value_policy_figure(
    world: Any,
    V: npt.ArrayLike,
    pi: npt.ArrayLike,
    *,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    annotate: bool | None = None,
    cmap: str | Colormap = "viridis",
) -> Figure:
    """A figure with the value map of ``V`` and the arrows of ``pi`` over it.

    What ``mdpkit solve --out map.png`` writes.  The figure is created
    without pyplot (nothing to close, safe in scripts and servers); save it
    with ``fig.savefig(path)``.

    Parameters
    ----------
    world : grid world
        E.g. a :class:`worlds.gridworld.GridWorld`.
    V : array_like (S,)
        Values, e.g. ``result.V``.
    pi : array_like, int (S,) or float (S, A)
        Policy, e.g. ``result.policy``.
    title : str, optional
        Figure title; default the world's ``name``.
    figsize : (float, float), optional
        Size in inches; default about 0.7 inch per cell (less for big grids,
        at most about 12 x 10 inches), plus room for the colour bar.
    annotate : bool, optional
        Print the values; ``None``: on for grids of up to 12 rows and
        columns.
    cmap : str or Colormap
        Colour map of the values.

    Returns
    -------
    matplotlib.figure.Figure
        With one map Axes (``fig.axes[0]``); its colour bar is an inset
        Axes of the map (``fig.axes[0].child_axes``), so it keeps the
        map's height.

    Raises
    ------
    TypeError, ValueError
        As :func:`policy_map`.

    Examples
    --------
    >>> from worlds.gridworld import GridWorld
    >>> from worlds.plot import value_policy_figure
    >>> from solvers import value_iteration
    >>> world = GridWorld("S..#\\n.#.G", step_reward=-1.0, goal_reward=0.0)
    >>> sol = value_iteration(world.mdp)
    >>> fig = value_policy_figure(world, sol.V, sol.policy, title="VI")
    >>> ax = fig.axes[0]
    >>> ax.get_title(), ax.images[0].colorbar is not None
    ('VI', True)
    """
    from matplotlib.figure import Figure

    g = _grid(world, "value_policy_figure")
    if figsize is None:
        nrow, ncol = g.shape
        cell = min(0.7, 10.0 / ncol, 8.5 / nrow)
        figsize = (max(3.5, ncol * cell + 2.4), max(2.5, nrow * cell + 1.1))
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    if title is None:
        title = str(getattr(world, "name", "")) or None
    policy_map(world, pi, ax=ax, V=V, annotate=annotate, cmap=cmap, title=title)
    return fig


def world_figure(
    world: Any,
    V: npt.ArrayLike,
    pi: npt.ArrayLike,
    *,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """A figure of the values ``V`` and policy ``pi`` of any world.

    What ``mdpkit solve --out fig.png`` writes.  The picture follows what
    the world knows about its states:

    =========================  ================================================
    world                      figure
    =========================  ================================================
    grid world (``.shape``     :func:`value_policy_figure`: the value map with
    and ``.cell``)             the policy's arrows (one Axes)
    ``grid_shape`` (a 2-D      two heatmaps side by side, the first index of
    state grid, e.g. Jack's    the grid on the vertical axis increasing
    car rental)                upward, the second on the horizontal axis (as
                               Sutton & Barto's Figure 4.2): ``V`` and the
                               policy's action, each with a colour bar
    ``x`` (1-D, e.g. the       two stacked panels sharing ``x``: ``V`` as a
    gambler, random walk,      line (markers with few states) and the
    river swim, forest)        action per state (as Figure 4.3's "final
                               policy (stake)"); one panel when there is a
                               single action
    anything else (a plain     :func:`value_bars` for up to 60 states, else
    MDP, Garnet)               the values sorted, as a curve; points or bars
                               coloured by the policy's action (legend) when
                               there are at most 10 actions
    =========================  ================================================

    Actions are drawn by their *label*: when every label is a number,
    optionally after a common word (``"-5" .. "+5"``, ``"stake 1"``), the
    policy is that number (a diverging colour map centred at 0 when it takes
    both signs; the word names the axis), otherwise a category (the action
    names on the axis).  Terminal states are left out of the curves and
    heatmaps (their value is 0 by convention and they have no decision);
    in a 1-D figure a dotted vertical line marks each.

    The figure is created without pyplot (nothing to close); save it with
    ``fig.savefig(path)``.

    Parameters
    ----------
    world : grid world, :class:`worlds.World` or :class:`mdp.MDP`
        Anything with an ``.mdp``, or the MDP itself.
    V : array_like (S,)
        Values, e.g. ``result.V``.
    pi : array_like, int (S,) or float (S, A)
        Policy, e.g. ``result.policy``; a stochastic policy is drawn by its
        most probable action in each state.
    title : str, optional
        Title; default the world's ``name`` (none for a plain MDP).  It is
        the map's Axes title for a grid world, the figure's suptitle
        (``fig.get_suptitle()``) otherwise.
    figsize : (float, float), optional
        Size in inches; default a fixed size per kind of figure (about
        11 x 4.8 for a 2-D state grid, 7.5 x 6 for a 1-D world, 8 x 4
        otherwise), whatever the number of states.

    Returns
    -------
    matplotlib.figure.Figure
        The value Axes first, then the policy Axes (colour bars are
        further Axes).  The value image or line and the policy image or
        line have gids :data:`GID_VALUES` and :data:`GID_POLICY`; policy
        bars are ``ax.containers[0]``.

    Raises
    ------
    TypeError
        If ``world`` is neither an MDP nor has an ``.mdp``.
    ValueError
        If ``V`` is not ``(S,)``, ``pi`` does not fit the MDP (a
        :class:`mdp.PolicyError`), or the world's ``grid_shape`` or ``x``
        does not hold its states.

    Examples
    --------
    >>> import worlds
    >>> from worlds.plot import world_figure
    >>> from solvers import value_iteration
    >>> world = worlds.make("gamblers-problem")
    >>> sol = value_iteration(world.mdp, tol=1e-9)
    >>> fig = world_figure(world, sol.V, sol.policy)
    >>> fig.get_suptitle(), [ax.get_ylabel() for ax in fig.axes]
    ('gamblers-problem', ['V(s)', 'stake'])
    >>> lo, hi = fig.axes[1].get_xlim()       # capital 0 .. 100
    >>> bool(lo <= 0 and hi >= 100)
    True
    """
    if hasattr(world, "shape") and hasattr(world, "cell"):
        return value_policy_figure(world, V, pi, title=title, figsize=figsize)
    from matplotlib.figure import Figure

    m, name = _as_mdp(world, "world")
    S = m.n_states
    v = _vector(V, "V", S)
    p = check_policy(m, pi)
    act = p if p.ndim == 1 else np.argmax(p, axis=1)
    if title is None:
        title = name or None
    grid_shape = getattr(world, "grid_shape", None)
    x = getattr(world, "x", None)
    if grid_shape is not None:
        shape = tuple(int(n) for n in grid_shape)
        if len(shape) != 2 or shape[0] * shape[1] != S:
            msg = (
                f"`world.grid_shape` is {tuple(grid_shape)}, which does not hold "
                f"the {S} states of its MDP; give (n0, n1) with n0 * n1 = S."
            )
            raise ValueError(msg)
        fig = Figure(figsize=figsize or (11.0, 4.8), layout="constrained")
        _surface_panels(fig, world, m, v, act, shape)
    elif x is not None:
        xs = _as_float(x, "world.x")
        if xs.shape != (S,):
            msg = (
                f"`world.x` has shape {xs.shape}; expected ({S},), one position "
                f"per state of its MDP."
            )
            raise ValueError(msg)
        tall = m.n_actions > 1
        size = figsize or ((7.5, 6.0) if tall else (7.5, 3.8))
        fig = Figure(figsize=size, layout="constrained")
        _line_panels(fig, world, m, v, act, xs)
    else:
        fig = Figure(figsize=figsize or (8.0, 4.0), layout="constrained")
        _state_panel(fig, m, v, act)
    if title:
        fig.suptitle(title)
    return fig


def _action_numbers(labels: Sequence[str]) -> tuple[np.ndarray | None, str]:
    """The numbers of numeric action labels, and their common word.

    ``"-5" .. "+5"`` gives ``(-5 .. 5, "")``; ``"stake 1" ..`` gives
    ``(1 .., "stake")``; anything else (names, mixed words, repeated
    numbers) gives ``(None, "")``.
    """
    import re

    pattern = re.compile(r"^(?:(.*\S)\s+)?([+-]?\d+(?:\.\d+)?)$")
    words, numbers = set(), []
    for label in labels:
        match = pattern.match(str(label).strip())
        if match is None:
            return None, ""
        words.add(match.group(1) or "")
        numbers.append(float(match.group(2)))
    out = np.array(numbers)
    if len(words) != 1 or np.unique(out).size != out.size:
        return None, ""
    return out, words.pop()


def _surface_panels(
    fig: Figure,
    world: Any,
    m: MDP,
    v: np.ndarray,
    act: np.ndarray,
    shape: tuple[int, int],
) -> None:
    """Heatmaps of V and of the policy's action over a 2-D state grid."""
    import matplotlib as mpl
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.ticker import MaxNLocator

    live = ~np.asarray(m.terminal, dtype=bool)
    labels = getattr(world, "grid_labels", None) or ("index 0", "index 1")
    n0, n1 = shape
    ax_v, ax_p = fig.subplots(1, 2)
    extent = (-0.5, n1 - 0.5, -0.5, n0 - 0.5)
    common = {"origin": "lower", "extent": extent, "interpolation": "nearest"}
    values = np.ma.masked_invalid(np.where(live, v, np.nan).reshape(shape))
    im = ax_v.imshow(values, cmap="viridis", gid=GID_VALUES, **common)
    fig.colorbar(im, ax=ax_v, label="V(s)", shrink=0.9)
    ax_v.set_title("value V(s)", fontsize=10)
    names = [str(a) for a in m.names.actions]
    numbers, word = _action_numbers(names)
    if numbers is not None:
        y = np.where(live, numbers[act], np.nan)
        used = y[np.isfinite(y)]
        lo, hi = (float(used.min()), float(used.max())) if used.size else (0.0, 1.0)
        integer = bool(np.all(numbers == np.round(numbers)))
        if lo < 0 < hi:
            cmap, bound = mpl.colormaps["RdBu_r"], max(-lo, hi)
            lo, hi = -bound, bound
        else:
            cmap = mpl.colormaps["viridis"]
        if integer and hi - lo <= 40:
            edges = np.arange(lo - 0.5, hi + 1.0)
            norm = BoundaryNorm(edges, cmap.N)
            ticks = np.arange(lo, hi + 1)
            step = int(np.ceil(ticks.size / 12))
            ticks = ticks[::step]
        else:
            norm, ticks = None, None
        image = ax_p.imshow(
            np.ma.masked_invalid(y.reshape(shape)),
            cmap=cmap,
            norm=norm,
            gid=GID_POLICY,
            **common,
        )
        cb = fig.colorbar(image, ax=ax_p, label=word or "action", shrink=0.9)
        if ticks is not None:
            cb.set_ticks(
                ticks, labels=[_number_label(t, names, numbers) for t in ticks]
            )
        _region_edges(ax_p, y.reshape(shape))
    else:
        colours = _action_colors(m.n_actions)
        cmap = ListedColormap(colours)
        norm = BoundaryNorm(np.arange(-0.5, m.n_actions), cmap.N)
        a = np.where(live, act.astype(np.float64), np.nan)
        image = ax_p.imshow(
            np.ma.masked_invalid(a.reshape(shape)),
            cmap=cmap,
            norm=norm,
            gid=GID_POLICY,
            **common,
        )
        cb = fig.colorbar(image, ax=ax_p, label="action", shrink=0.9)
        cb.set_ticks(np.arange(m.n_actions), labels=names)
    ax_p.set_title("policy π(s)", fontsize=10)
    for ax in (ax_v, ax_p):
        ax.set_ylabel(str(labels[0]))
        ax.set_xlabel(str(labels[1]))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _region_edges(ax: Axes, grid: np.ndarray) -> None:
    """Thin lines along the cell edges between different actions (origin lower)."""
    from matplotlib.collections import LineCollection

    segments = []
    # neighbours along a row (x = column): a vertical edge at x + 0.5
    for r, c in np.argwhere(grid[:, 1:] != grid[:, :-1]):
        segments.append([(c + 0.5, r - 0.5), (c + 0.5, r + 0.5)])
    # neighbours along a column (y = row): a horizontal edge at y + 0.5
    for r, c in np.argwhere(grid[1:, :] != grid[:-1, :]):
        segments.append([(c - 0.5, r + 0.5), (c + 0.5, r + 0.5)])
    if segments:
        ax.add_collection(
            LineCollection(segments, colors="0.2", linewidths=0.7, zorder=2)
        )


def _number_label(t: float, names: list[str], numbers: np.ndarray) -> str:
    """The action's own label for a colour-bar tick that is one, else the number."""
    hit = np.flatnonzero(numbers == t)
    return names[int(hit[0])] if hit.size else f"{t:g}"


def _action_colors(n: int) -> list[Any]:
    """``n`` distinct categorical colours (tab10, tab20 beyond 10)."""
    import matplotlib as mpl

    cmap = mpl.colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _line_panels(
    fig: Figure, world: Any, m: MDP, v: np.ndarray, act: np.ndarray, x: np.ndarray
) -> None:
    """V against x and, with more than one action, the policy against x."""
    from matplotlib.ticker import MaxNLocator

    A = m.n_actions
    live = ~np.asarray(m.terminal, dtype=bool)
    order = np.flatnonzero(live)[np.argsort(x[live], kind="stable")]
    few = order.size <= 40
    names = [str(a) for a in m.names.actions]
    numbers, word = _action_numbers(names)
    ratios = (3, 2) if numbers is None and A <= 4 else (1, 1)
    axes = fig.subplots(
        2 if A > 1 else 1,
        1,
        sharex=True,
        squeeze=False,
        height_ratios=ratios if A > 1 else None,
    )[:, 0]
    ax_v = axes[0]
    ax_v.plot(
        x[order],
        v[order],
        marker="o" if few else None,
        markersize=4,
        linewidth=1.5,
        gid=GID_VALUES,
    )
    ax_v.set_ylabel("V(s)")
    lo, hi = float(x.min()), float(x.max())
    pad = 0.02 * (hi - lo) if hi > lo else 0.5
    if few:
        pad = max(pad, 0.5 * _min_step(x))
    ax_v.set_xlim(lo - pad, hi + pad)
    if np.all(x == np.round(x)):
        ax_v.xaxis.set_major_locator(MaxNLocator(integer=True))
    x_label = str(getattr(world, "x_label", "") or "state")
    for ax in axes:
        ax.grid(True, alpha=0.3)
        for i, t in enumerate(np.flatnonzero(~live)):
            ax.axvline(
                x[t],
                color="0.45",
                linestyle=":",
                linewidth=1.2,
                label="terminal state" if i == 0 and ax is ax_v else None,
            )
    if (~live).any():
        ax_v.legend(loc="best", fontsize=8)
    axes[-1].set_xlabel(x_label)
    if A == 1:
        return
    ax_p = axes[1]
    if numbers is not None:
        y = numbers[act[order]]
        width = _min_step(x) * (0.8 if few else 1.0)
        ax_p.bar(x[order], y, width, color="C0", edgecolor="none", gid=GID_POLICY)
        if y.min() < 0 < y.max():
            ax_p.axhline(0.0, color="0.3", linewidth=0.8)
        if np.all(numbers == np.round(numbers)):
            ax_p.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax_p.set_ylabel(word or "action")
    else:
        ax_p.plot(
            x[order],
            act[order],
            drawstyle="steps-mid",
            marker="o" if few else None,
            markersize=5,
            linewidth=1.2,
            color="C1",
            gid=GID_POLICY,
        )
        shown = np.arange(A) if A <= 20 else np.unique(act[order])
        ax_p.set_yticks(shown, [names[a] for a in shown])
        ax_p.set_ylim(-0.5, A - 0.5)
        ax_p.set_ylabel("action")


def _min_step(x: np.ndarray) -> float:
    """Smallest gap between distinct positions (1 with a single position)."""
    gaps = np.diff(np.unique(x))
    return float(gaps.min()) if gaps.size else 1.0


def _state_panel(fig: Figure, m: MDP, v: np.ndarray, act: np.ndarray) -> None:
    """Bars of V (up to 60 states) or V sorted, coloured by the policy's action."""
    from matplotlib.patches import Patch

    S, A = m.n_states, m.n_actions
    ax = fig.add_subplot()
    names = [str(a) for a in m.names.actions]
    terminal = np.asarray(m.terminal, dtype=bool)
    colours = _action_colors(A) if A <= 10 else None
    if S <= 60:
        value_bars(m, v, ax=ax, title="")
        if colours is not None:
            bars = ax.containers[0]
            for s, bar in enumerate(bars):
                bar.set_facecolor("0.7" if terminal[s] else colours[act[s]])
    else:
        order = np.argsort(v, kind="stable")
        rank = np.arange(S)
        ax.plot(rank, v[order], color="0.6", linewidth=1.0, gid=GID_VALUES, zorder=1)
        c = "C0" if colours is None else [colours[act[s]] for s in order]
        ax.scatter(rank, v[order], c=c, s=10, zorder=2, gid=GID_POLICY)
        ax.set_xlim(-0.01 * S, 1.01 * S)
        ax.set_xlabel(f"the {S} states, sorted by V(s)")
        ax.set_ylabel("V(s)")
        ax.grid(True, alpha=0.3)
    if colours is not None:
        used = np.unique(act[~terminal])
        handles = [Patch(color=colours[a], label=names[a]) for a in used]
        if terminal.any() and S <= 60:
            handles.append(Patch(color="0.7", label="terminal"))
        fig.legend(
            handles=handles,
            title="action",
            fontsize=8,
            title_fontsize=8,
            loc="outside right upper",
        )


# ----------------------------------------------------------------- helpers
class _Grid(NamedTuple):
    """What the grid plots need of a world, computed once."""

    shape: tuple[int, int]
    walls: np.ndarray  # bool (nrow, ncol)
    kinds: np.ndarray  # str (nrow, ncol)
    cells: np.ndarray  # int (S, 2): (row, col) of each state
    terminal: np.ndarray  # bool (S,)
    cliff: np.ndarray  # bool (S,): non-terminal cliff cells
    letter: np.ndarray  # str (S,): label of a terminal or cliff tile, else ""
    corner: np.ndarray  # str (S,): "S", a jump letter, or ""
    deltas: np.ndarray  # int (A, 2)
    describe: str

    @property
    def S(self) -> int:
        return int(self.cells.shape[0])

    @property
    def A(self) -> int:
        return int(self.deltas.shape[0])

    def cell(self, s: int) -> tuple[int, int]:
        r, c = self.cells[s]
        return int(r), int(c)


_GRID_ATTRS = (
    "mdp",
    "shape",
    "walls",
    "kinds",
    "start_cells",
    "terminal_cells",
    "action_deltas",
)


def _grid(world: Any, fn: str) -> _Grid:
    """Check that ``world`` is a grid world and collect its layout."""
    missing = [a for a in _GRID_ATTRS if not hasattr(world, a)]
    if missing:
        kind = type(world).__name__
        what = "a plain MDP" if isinstance(world, MDP) else f"a {kind}"
        msg = (
            f"{fn} draws on a grid and needs a grid world (e.g. worlds.GridWorld, "
            f"with .shape, .walls, .kinds, ...); got {what} without "
            f"{', '.join('.' + a for a in missing)}. For an MDP that is not a "
            f"grid, plot values with value_bars(m, V)."
        )
        raise TypeError(msg)
    walls = np.asarray(world.walls, dtype=bool)
    nrow, ncol = (int(n) for n in world.shape)
    if walls.shape != (nrow, ncol):
        msg = f"world.walls has shape {walls.shape}; expected world.shape = {(nrow, ncol)}."
        raise ValueError(msg)
    cells = np.argwhere(~walls)
    S = int(cells.shape[0])
    m = world.mdp
    if m.n_states != S:
        msg = (
            f"the world has {S} non-wall cells but its MDP has {m.n_states} "
            f"states; the states of a grid world are its non-wall cells."
        )
        raise ValueError(msg)
    index = np.full((nrow, ncol), -1, dtype=np.intp)
    index[~walls] = np.arange(S)
    terminal = np.zeros(S, dtype=bool)
    for r, c in world.terminal_cells:
        terminal[index[r, c]] = True
    name = str(getattr(world, "name", "") or "")
    describe = f"the {nrow}x{ncol} grid world" + (f" {name!r}" if name else "")
    deltas = np.asarray(world.action_deltas, dtype=np.intp).reshape(-1, 2)
    kinds = np.asarray(world.kinds).astype(str)
    cell_kind = kinds[cells[:, 0], cells[:, 1]]
    cliff = (cell_kind == "cliff") & ~terminal
    return _Grid(
        shape=(nrow, ncol),
        walls=walls,
        kinds=kinds,
        cells=cells,
        terminal=terminal,
        cliff=cliff,
        letter=_tile_letters(world, cell_kind, terminal | cliff, cells),
        corner=_corner_letters(world, terminal, cells),
        deltas=deltas,
        describe=describe,
    )


def _tile_letters(
    world: Any, cell_kind: np.ndarray, tiled: np.ndarray, cells: np.ndarray
) -> np.ndarray:
    """Label of each terminal or cliff state: its map character, else G/H/C/T.

    The map character names the cell as the map does (``+`` and ``-`` in
    Russell & Norvig's 4x3 world, where a "G" and an "H" would hide the
    rewards); a world without ``.chars``, or a blank or ``.`` character,
    falls back to the kind's letter.
    """
    chars = getattr(world, "chars", None)
    out = np.full(cells.shape[0], "", dtype=object)
    for s in np.flatnonzero(tiled):
        r, c = (int(i) for i in cells[s])
        ch = str(chars[r][c]) if chars is not None else ""
        if len(ch) != 1 or not ch.isprintable() or ch in " .":
            ch = _KIND_LETTER.get(str(cell_kind[s]), "T")
        out[s] = ch
    return out


def _corner_letters(world: Any, terminal: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Corner label of each state: "S" (start) or a jump's letter.

    No "S" when half the cells or more may start (a uniform ``p0``).
    """
    kinds = np.asarray(world.kinds).astype(str)
    chars = getattr(world, "chars", None)
    out = np.full(cells.shape[0], "", dtype=object)
    for s, (r, c) in enumerate(cells):
        if kinds[r, c] == "jump":
            out[s] = str(chars[r][c]) if chars is not None else "J"
    starts = [(int(r), int(c)) for r, c in world.start_cells]
    if len(starts) == 1 or len(starts) < np.count_nonzero(~terminal) // 2:
        index = {(int(r), int(c)): s for s, (r, c) in enumerate(cells)}
        for cell in starts:
            out[index[cell]] = "S"
    out[terminal] = ""
    return out


def _as_mdp(m_or_world: Any, arg: str = "m_or_world") -> tuple[MDP, str]:
    if isinstance(m_or_world, MDP):
        return m_or_world, ""
    m = getattr(m_or_world, "mdp", None)
    if isinstance(m, MDP):
        return m, str(getattr(m_or_world, "name", "") or "")
    msg = (
        f"`{arg}` must be an mdp.MDP or a world with an `.mdp`; got "
        f"{type(m_or_world).__name__}."
    )
    raise TypeError(msg)


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _as_float(x: Any, name: str, hint: str = "V") -> np.ndarray:
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        extra = ""
        if hasattr(x, hint):
            extra = f" (pass its `.{hint}`)"
        msg = f"`{name}` must be an array of numbers; got {type(x).__name__}{extra}."
        raise ValueError(msg) from exc


def _per_state(x: Any, name: str, g: _Grid) -> np.ndarray:
    v = _as_float(x, name)
    if v.shape != (g.S,):
        msg = (
            f"`{name}` has shape {v.shape}; expected ({g.S},), one value per state "
            f"(non-wall cell, row-major) of {g.describe}."
        )
        raise ValueError(msg)
    return v


def _vector(x: Any, name: str, S: int) -> np.ndarray:
    v = _as_float(x, name)
    if v.shape != (S,):
        msg = f"`{name}` has shape {v.shape}; expected ({S},), one value per state."
        raise ValueError(msg)
    return v


def _positive(x: Any, name: str) -> float:
    try:
        f = float(x)
    except (TypeError, ValueError) as exc:
        msg = f"`{name}` must be a positive number; got {x!r}."
        raise ValueError(msg) from exc
    if not (np.isfinite(f) and f > 0):
        msg = f"`{name}` must be a positive number; got {x!r}."
        raise ValueError(msg)
    return f


def _linear_norm(
    v: np.ndarray, vmin: float | None, vmax: float | None, name: str
) -> Normalize:
    from matplotlib.colors import Normalize

    finite = v[np.isfinite(v)]
    lo = (float(finite.min()) if finite.size else 0.0) if vmin is None else float(vmin)
    hi = (float(finite.max()) if finite.size else 1.0) if vmax is None else float(vmax)
    if not lo <= hi:
        msg = f"colour limits of `{name}` need vmin <= vmax; got vmin={lo!r}, vmax={hi!r}."
        raise ValueError(msg)
    return Normalize(lo, hi)


def _cmap(cmap: str | Colormap) -> Colormap:
    import matplotlib as mpl

    return mpl.colormaps[cmap] if isinstance(cmap, str) else cmap


def _fmt(v: float, fmt: Fmt) -> str:
    s = fmt(v) if callable(fmt) else format(v, fmt)
    if s.startswith("-"):  # no "-0.00"
        try:
            if float(s) == 0:
                s = s[1:]
        except ValueError:
            pass
    return s


def _contrast(rgba: np.ndarray) -> np.ndarray:
    """Black or white text, per colour (WCAG relative luminance)."""
    rgb = np.atleast_2d(np.asarray(rgba, dtype=np.float64))[:, :3]
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    lum = lin @ np.array([0.2126, 0.7152, 0.0722])
    return np.where(lum > 0.179, "black", "white")


def _cell_points(ax: Axes, g: _Grid) -> float:
    """Side of one cell, in points, from the Axes' current size."""
    fig = ax.figure
    box = ax.get_position()
    w_in, h_in = fig.get_size_inches()
    nrow, ncol = g.shape
    return 72.0 * min(box.width * w_in / ncol, box.height * h_in / nrow)


def _font_size(cell_pts: float, n_chars: int, frac: float = 0.9) -> float:
    """Largest font that fits ``n_chars`` digits in ``frac`` of a cell (max 12)."""
    return float(min(12.0, 0.34 * cell_pts, frac * cell_pts / (0.62 * max(n_chars, 3))))


def _frame(ax: Axes, g: _Grid, *, title: str | None, grid_color: Any) -> None:
    """Limits, aspect, ticks (row/column indices), cell lines and title."""
    from matplotlib.ticker import MaxNLocator

    nrow, ncol = g.shape
    ax.set_xlim(-0.5, ncol - 0.5)
    ax.set_ylim(nrow - 0.5, -0.5)  # row 0 on top
    ax.set_aspect("equal")
    for n, axis in ((ncol, ax.xaxis), (nrow, ax.yaxis)):
        if n <= _ALL_TICKS:
            axis.set_ticks(np.arange(n))
        else:
            axis.set_major_locator(MaxNLocator(nbins=10, integer=True))
        if n <= 60 and grid_color is not None:
            axis.set_ticks(np.arange(-0.5, n), minor=True)
    size = 8 if max(nrow, ncol) <= _ALL_TICKS else 7
    ax.tick_params(which="both", length=0, labelsize=size)
    ax.tick_params(which="major", length=2)
    if grid_color is not None and max(nrow, ncol) <= 60:
        lw = float(np.clip(0.03 * _cell_points(ax, g), 0.3, 0.8))
        ax.grid(True, which="minor", color=grid_color, linewidth=lw)
        ax.grid(False, which="major")
    else:
        ax.grid(False, which="both")
    ax.set_xlabel("column", fontsize=size)
    ax.set_ylabel("row", fontsize=size)
    if title:
        ax.set_title(title)


def _walls(ax: Axes, g: _Grid) -> None:
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    rc = np.argwhere(g.walls)
    hatch = "//" if max(g.shape) <= 40 else None
    patches = [Rectangle((c - 0.5, r - 0.5), 1.0, 1.0) for r, c in rc]
    coll = PatchCollection(
        patches,
        facecolor=_WALL_COLOR,
        edgecolor=_WALL_HATCH_COLOR,
        linewidth=0.0,
        hatch=hatch,
        gid=GID_WALLS,
        zorder=2,
    )
    ax.add_collection(coll)


def _colorbar(ax: Axes, g: _Grid, mappable: Any, label: str) -> None:
    """A thin colour bar right of the map, as tall as the map."""
    nrow, ncol = g.shape
    k = nrow / ncol  # map height / map width (equal aspect)
    fig = ax.figure
    if fig.get_layout_engine() is not None:
        # the layout engine makes room for an inset bar that follows the map
        cax = ax.inset_axes((1.0 + 0.04 * k, 0.0, 0.05 * k, 1.0))
        cb = fig.colorbar(mappable, cax=cax)
    else:
        # steal room from the Axes; shrink the bar to the height of the map
        fraction, pad = 0.046, 0.03
        box = ax.get_position(original=True)
        w_in, h_in = fig.get_size_inches()
        width, height = box.width * w_in, box.height * h_in
        map_h = min(height, width * (1.0 - fraction - pad) * k)
        shrink = float(np.clip(map_h / height, 0.1, 1.0))
        cb = fig.colorbar(
            mappable,
            ax=ax,
            fraction=fraction,
            pad=pad,
            shrink=shrink,
            aspect=20 * shrink,
        )
    if label:
        cb.set_label(label)
    if type(cb.norm).__name__ == "LogNorm":
        from matplotlib.ticker import FuncFormatter

        plain = FuncFormatter(lambda x, _: f"{x:g}")
        cb.ax.yaxis.set_major_formatter(plain)
        cb.ax.yaxis.set_minor_formatter(plain)


def _tile_kinds(g: _Grid, mark_terminals: bool) -> np.ndarray:
    """Tile of each state: "goal", "hole", "terminal", "cliff", or "" (none)."""
    out = np.full(g.S, "", dtype=object)
    out[g.cliff] = "cliff"
    if mark_terminals:
        kind = g.kinds[g.cells[:, 0], g.cells[:, 1]]
        for s in np.flatnonzero(g.terminal):
            out[s] = kind[s] if kind[s] in ("goal", "hole") else "terminal"
    return out


def _tiles(ax: Axes, g: _Grid, tiles: np.ndarray) -> None:
    """Fixed fills of the terminal tiles and hatched cliff tiles."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    def squares(states: np.ndarray) -> list[Rectangle]:
        return [Rectangle((c - 0.5, r - 0.5), 1.0, 1.0) for r, c in g.cells[states]]

    term = np.flatnonzero((tiles != "") & (tiles != "cliff"))
    if term.size:
        ax.add_collection(
            PatchCollection(
                squares(term),
                facecolor=[_TILE_FILL[str(tiles[s])] for s in term],
                edgecolor="none",
                linewidth=0.0,
                gid=GID_TILES,
                zorder=1,
            )
        )
    cliff = np.flatnonzero(tiles == "cliff")
    if cliff.size:
        ax.add_collection(
            PatchCollection(
                squares(cliff),
                facecolor=_TILE_FILL["cliff"],
                edgecolor=_CLIFF_HATCH_COLOR,
                linewidth=0.0,
                hatch="\\\\" if max(g.shape) <= 40 else None,
                gid=GID_CLIFFS,
                zorder=1,
            )
        )


def _heatmap(
    ax: Axes,
    g: _Grid,
    v: np.ndarray,
    *,
    cmap: str | Colormap,
    norm: Normalize,
    annotate: bool | None,
    fmt: Fmt,
    colorbar: bool,
    label: str,
    title: str | None,
    show_walls: bool,
    tiles: np.ndarray,
    mark_start: bool,
    text_below: bool = False,
) -> Any:
    """The value image, tiles, walls, colour bar, numbers and cell labels."""
    nrow, ncol = g.shape
    coloured = tiles == ""
    grid = np.full((nrow, ncol), np.nan)
    grid[g.cells[:, 0], g.cells[:, 1]] = np.where(coloured, v, np.nan)
    data = np.ma.masked_invalid(grid)
    im = ax.imshow(
        data,
        cmap=_cmap(cmap),
        norm=norm,
        interpolation="nearest",
        origin="upper",
        extent=(-0.5, ncol - 0.5, nrow - 0.5, -0.5),
        gid=GID_VALUES,
        zorder=0,
    )
    _frame(ax, g, title=title, grid_color="white")
    _tiles(ax, g, tiles)
    if show_walls:
        _walls(ax, g)
    if colorbar:
        _colorbar(ax, g, im, label)
    cell_pts = _cell_points(ax, g)
    colors = _contrast(im.cmap(im.norm(np.where(np.isfinite(v), v, norm.vmin))))
    colors[~np.isfinite(v)] = "black"
    show = np.isfinite(v) & coloured
    strings = [_fmt(float(x), fmt) if ok else "" for x, ok in zip(v, show, strict=True)]
    n_chars = max((len(s) for s in strings), default=1)
    size = _font_size(cell_pts, n_chars, frac=0.85 if text_below else 0.9)
    if text_below:
        size = min(size, 0.24 * cell_pts)
    if annotate is None:
        annotate = max(nrow, ncol) <= _AUTO_ANNOTATE and size >= 5
    if annotate:
        corner = (g.corner != "") if mark_start else np.zeros(g.S, dtype=bool)
        for s in np.flatnonzero(show):
            r, c = g.cells[s]
            # below the arrows, or a little below a corner label
            dy = 0.32 if text_below else (0.14 if corner[s] else 0.0)
            ax.text(
                c,
                r + dy,
                strings[s],
                ha="center",
                va="center",
                fontsize=size,
                color=colors[s],
                gid=GID_ANNOTATION,
                zorder=4,
            )
    _markers(
        ax,
        g,
        tiles,
        mark_start,
        cell_pts,
        corner=bool(annotate) or text_below,
        colors=colors,
    )
    return im


def _blank(
    ax: Axes,
    g: _Grid,
    *,
    title: str | None,
    show_walls: bool,
    tiles: np.ndarray,
    mark_start: bool,
) -> None:
    """A white map with tiles, walls and labels, for arrows without values."""
    _frame(ax, g, title=title, grid_color="0.8")
    ax.set_facecolor("white")
    _tiles(ax, g, tiles)
    if show_walls:
        _walls(ax, g)
    _markers(
        ax,
        g,
        tiles,
        mark_start,
        _cell_points(ax, g),
        corner=True,
        colors=None,
    )


def _markers(
    ax: Axes,
    g: _Grid,
    tiles: np.ndarray,
    mark_start: bool,
    cell_pts: float,
    *,
    corner: bool,
    colors: np.ndarray | None,
) -> None:
    """Label tiles (centre, outlined if terminal) and start / jump cells (corner)."""
    from matplotlib.patches import Rectangle

    big = float(np.clip(0.5 * cell_pts, 4.0, 16.0))
    small = float(np.clip(0.26 * cell_pts, 4.0, 10.0))
    for s in range(g.S):
        r, c = (int(i) for i in g.cells[s])
        tile = str(tiles[s])
        if tile:
            color = str(_contrast(_rgba(_TILE_FILL[tile]))[0])
            ax.text(
                c,
                r,
                _display_letter(str(g.letter[s])),
                ha="center",
                va="center",
                fontsize=big,
                fontweight="bold",
                color=color,
                gid=GID_MARKER,
                zorder=5,
            )
            if tile != "cliff":
                ax.add_patch(
                    Rectangle(
                        (c - 0.42, r - 0.42),
                        0.84,
                        0.84,
                        fill=False,
                        edgecolor=color,
                        linewidth=min(1.5, max(0.5, 0.04 * cell_pts)),
                        gid=GID_OUTLINE,
                        zorder=5,
                    )
                )
            continue
        if not mark_start:
            continue
        letter = str(g.corner[s])
        if not letter:
            continue
        color = "black" if colors is None else str(colors[s])
        if corner:
            ax.text(
                c - 0.42,
                r - 0.40,
                letter,
                ha="left",
                va="top",
                fontsize=small,
                fontweight="bold",
                color=color,
                gid=GID_MARKER,
                zorder=5,
            )
        else:
            ax.text(
                c,
                r,
                letter,
                ha="center",
                va="center",
                fontsize=big,
                fontweight="bold",
                color=color,
                gid=GID_MARKER,
                zorder=5,
            )


def _display_letter(letter: str) -> str:
    """A hyphen label is shown as a minus sign, which is wider and centred."""
    return "\u2212" if letter == "-" else letter


def _rgba(color: Any) -> np.ndarray:
    from matplotlib.colors import to_rgba

    return np.array(to_rgba(color))


def _unit_deltas(deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit direction ``(dx, dy)`` = ``(dcol, drow)`` of each action; STAY mask."""
    d = deltas[:, ::-1].astype(np.float64)  # (dcol, drow) = (dx, dy) in data
    norm = np.hypot(d[:, 0], d[:, 1])
    stay = norm == 0
    d[~stay] /= norm[~stay, None]
    return d, stay


def _arrows(
    ax: Axes,
    g: _Grid,
    p: np.ndarray,
    *,
    values: tuple[np.ndarray, Any] | None,
    color: Any,
    scale: float,
    lift: bool,
) -> None:
    """One Quiver of arrows and one collection of STAY dots."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Circle

    unit, stay = _unit_deltas(g.deltas)
    live = np.flatnonzero(~g.terminal & ~g.cliff)
    if p.ndim == 1:
        s_idx, a_idx = live, p[live]
        prob = np.ones(live.size)
    else:
        sub = p[live]
        rows, a_idx = np.nonzero(sub > 0)
        s_idx, prob = live[rows], sub[rows, a_idx]
    if values is None:
        cell_colors = np.full(g.S, "black" if color is None else "", dtype=object)
    else:
        v, im = values
        cell_colors = _contrast(im.cmap(im.norm(np.where(np.isfinite(v), v, 0.0))))
        cell_colors = cell_colors.astype(object)
    per = [color if color is not None else cell_colors[s] for s in s_idx]
    cy_off = -0.14 if lift else 0.0
    size = 0.7 if lift else 1.0  # shorter arrows above printed values
    centres = g.cells[s_idx][:, ::-1].astype(np.float64)  # (x, y) = (col, row)
    centres[:, 1] += cy_off
    arrow = ~stay[a_idx]
    deterministic = p.ndim == 1
    if deterministic:
        length = 0.7 * scale * size * np.ones(s_idx.size)
        tails = centres - 0.5 * length[:, None] * unit[a_idx]
    else:
        length = 0.48 * scale * size * prob
        tails = centres
    uv = length[:, None] * unit[a_idx]
    width = (0.065 if deterministic else 0.03) * scale * size
    ax.quiver(
        tails[arrow, 0],
        tails[arrow, 1],
        uv[arrow, 0],
        uv[arrow, 1],
        color=[per[i] for i in np.flatnonzero(arrow)] or "black",
        angles="xy",
        scale_units="xy",
        scale=1.0,
        units="xy",
        width=width,
        headwidth=3.2,
        headlength=3.4,
        headaxislength=3.0,
        minlength=0.1,
        pivot="tail",
        zorder=6,
        gid=GID_ARROWS,
    )
    dots = np.flatnonzero(~arrow)
    radius = 0.13 * scale * size * np.sqrt(prob[dots] if not deterministic else 1.0)
    circles = [
        Circle((centres[i, 0], centres[i, 1]), float(rad))
        for i, rad in zip(dots, np.broadcast_to(radius, dots.shape), strict=True)
    ]
    ax.add_collection(
        PatchCollection(
            circles,
            facecolor=[per[i] for i in dots] or "black",
            edgecolor="none",
            zorder=6,
            gid=GID_STAY,
        )
    )


def _boundary_point(phi: float) -> np.ndarray:
    """Where the ray from the cell centre at angle ``phi`` meets the unit square."""
    d = np.array([np.cos(phi), np.sin(phi)])
    return 0.5 * d / np.max(np.abs(d))


def _wedge_shapes(deltas: np.ndarray) -> list[np.ndarray]:
    """Polygon (in cell-centred coordinates) of each action's wedge."""
    unit, stay = _unit_deltas(deltas)
    moving = np.flatnonzero(~stay)
    if np.count_nonzero(stay) > 1:
        msg = "q_map needs distinct action directions; several actions are STAY (0, 0)."
        raise ValueError(msg)
    angles = np.arctan2(unit[moving, 1], unit[moving, 0])
    order = np.argsort(angles)
    sorted_angles = angles[order]
    if np.any(np.isclose(np.diff(sorted_angles), 0.0)):
        msg = (
            "q_map needs distinct action directions; two actions of this world "
            "move in the same direction (see world.action_deltas)."
        )
        raise ValueError(msg)
    n = moving.size
    corners = np.pi / 4 + np.pi / 2 * np.arange(-4, 8)  # corner angles, wide range
    shapes: list[np.ndarray] = [np.zeros((0, 2))] * deltas.shape[0]
    for k in range(n):
        phi = sorted_angles[k]
        prev = sorted_angles[k - 1] - (2 * np.pi if k == 0 else 0.0)
        nxt = sorted_angles[(k + 1) % n] + (2 * np.pi if k == n - 1 else 0.0)
        lo, hi = (phi + prev) / 2, (phi + nxt) / 2
        if n == 1:
            lo, hi = phi - np.pi, phi + np.pi
        inner = corners[(corners > lo + 1e-9) & (corners < hi - 1e-9)]
        pts = [np.zeros(2), _boundary_point(lo)]
        pts += [_boundary_point(a) for a in inner]
        pts.append(_boundary_point(hi))
        shapes[moving[order[k]]] = np.array(pts)
    for a in np.flatnonzero(stay):
        h = 0.16
        shapes[a] = np.array([[-h, -h], [h, -h], [h, h], [-h, h]])
    return shapes


def _wedge_polygons(g: _Grid, drawn: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """All wedges of the ``drawn`` states, and the (state, action) of each."""
    shapes = _wedge_shapes(g.deltas)
    stay_last = sorted(range(g.A), key=lambda a: bool(np.all(g.deltas[a] == 0)))
    polys, owners = [], []
    for s in np.flatnonzero(drawn):
        r, c = g.cells[s]
        for a in stay_last:
            polys.append(shapes[a] + np.array([c, r], dtype=np.float64))
            owners.append((s, a))
    return polys, np.array(owners, dtype=np.intp).reshape(-1, 2)


def _wedge_texts(
    ax: Axes,
    g: _Grid,
    q: np.ndarray,
    coll: Any,
    fmt: Fmt,
    cell_pts: float,
    *,
    skip: np.ndarray,
) -> None:
    """Print each finite ``Q(s, a)`` in its wedge (not in ``skip`` states)."""
    unit, stay = _unit_deltas(g.deltas)
    finite = np.isfinite(q) & ~skip[:, None]
    strings = np.full(q.shape, "", dtype=object)
    for s, a in zip(*np.nonzero(finite), strict=True):
        strings[s, a] = _fmt(float(q[s, a]), fmt)
    n_chars = max((len(x) for x in strings.ravel()), default=1)
    size = float(min(9.0, 0.3 * cell_pts / (0.62 * max(n_chars, 3)) * 1.6))
    rgba = coll.cmap(coll.norm(np.where(finite, q, 0.0)))
    colors = _contrast(rgba.reshape(-1, 4)).reshape(q.shape)
    offset = 0.3 if g.A <= 5 else 0.33
    for s, a in zip(*np.nonzero(finite), strict=True):
        r, c = g.cells[s]
        x = c + (0.0 if stay[a] else offset * unit[a, 0])
        y = r + (0.0 if stay[a] else offset * unit[a, 1])
        ax.text(
            x,
            y,
            strings[s, a],
            ha="center",
            va="center",
            fontsize=size,
            color=colors[s, a],
            gid=GID_ANNOTATION,
            zorder=4,
        )
