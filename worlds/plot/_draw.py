"""Shared drawing helpers of the plots: the grid a world is drawn on, frames,
walls, tiles, markers, heatmaps, arrows and wedges, and the gids of the
artists.  Private: the public functions live in :mod:`worlds.plot`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from mdp import MDP

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap, Normalize
    from matplotlib.figure import Figure


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


def _grid(world: Any, fn: str) -> _Grid:
    """Check that ``world`` is a grid world and collect its layout."""
    from ..grid import GRID_ATTRIBUTES, is_grid_world

    if not is_grid_world(world):
        missing = [a for a in GRID_ATTRIBUTES if not hasattr(world, a)]
        kind = type(world).__name__
        what = "a plain MDP" if isinstance(world, MDP) else f"a {kind}"
        without = (
            f"without {', '.join('.' + a for a in missing)}"
            if missing
            else "whose .mdp is not an mdp.MDP"
        )
        msg = (
            f"{fn} draws on a grid and needs a grid world (e.g. worlds.GridWorld, "
            f"with .shape, .walls, .kinds, ...); got {what} {without}. For an MDP "
            f"that is not a grid, plot values with value_bars(m, V)."
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


def _root_figure(ax: Axes) -> Figure:
    """The top-level Figure of ``ax`` (its ``.figure`` may be a SubFigure)."""
    from matplotlib.figure import Figure

    fig = ax.get_figure()
    if fig is None:
        msg = "the Axes is not on a figure; create it with fig.add_subplot()."
        raise ValueError(msg)
    return fig if isinstance(fig, Figure) else fig.figure


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _as_float(x: Any, name: str, hint: str = "V") -> np.ndarray:
    what = type(x).__name__
    try:
        if isinstance(x, (str, bytes)):
            raise TypeError(x)
        if np.iscomplexobj(x):  # numpy would drop the imaginary part
            what = "complex values"
            raise TypeError(x)
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        extra = ""
        if hasattr(x, hint):
            extra = f" (pass its `.{hint}`)"
        msg = f"`{name}` must be an array of numbers; got {what}{extra}."
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
    fig = _root_figure(ax)
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
    fig = _root_figure(ax)
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
    lo = norm.vmin if norm.vmin is not None else 0.0
    colors = _contrast(np.asarray(im.cmap(im.norm(np.where(np.isfinite(v), v, lo)))))
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
