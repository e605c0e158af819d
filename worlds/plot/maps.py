"""Grid maps: values, policy arrows, Q wedges and occupancy, cell by cell.

See :mod:`worlds.plot` for the conventions and the gids of the artists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from mdp.policy import check_policy

from ._draw import (
    _AUTO_ANNOTATE_Q,
    GID_ANNOTATION,
    GID_WEDGES,
    Fmt,
    _arrows,
    _as_float,
    _axes,
    _blank,
    _cell_points,
    _cmap,
    _colorbar,
    _contrast,
    _frame,
    _grid,
    _heatmap,
    _linear_norm,
    _markers,
    _per_state,
    _positive,
    _tile_kinds,
    _tiles,
    _walls,
    _wedge_polygons,
    _wedge_texts,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap, Normalize
    from matplotlib.figure import Figure


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
        E.g. a :class:`worlds.grid.GridWorld` (see the module docstring
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
    >>> from worlds.grid import GridWorld
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
        E.g. a :class:`worlds.grid.GridWorld`.
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
    >>> from worlds.grid import GridWorld
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
        E.g. a :class:`worlds.grid.GridWorld`.
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
    >>> from worlds.grid import GridWorld
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
        E.g. a :class:`worlds.grid.GridWorld`.
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
    >>> from worlds.grid import GridWorld
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
        norm: Normalize = LogNorm(lo, hi)
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
        E.g. a :class:`worlds.grid.GridWorld`.
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
    >>> from worlds.grid import GridWorld
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
