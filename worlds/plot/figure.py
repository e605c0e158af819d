"""One figure for any world: :func:`world_figure`.

A grid world gets its maps (:func:`~worlds.plot.value_policy_figure`), a
world whose states form a 2-D grid (``grid_shape``) heatmaps, a 1-D world
(``x``) curves, anything else a bar chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from mdp import MDP
from mdp.policy import check_policy

from ._draw import (
    GID_POLICY,
    GID_VALUES,
    _as_float,
    _as_mdp,
    _vector,
)
from .charts import value_bars
from .maps import (
    value_policy_figure,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


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
    from ..grid import is_grid_world

    if is_grid_world(world):
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
                list(ticks), labels=[_number_label(t, names, numbers) for t in ticks]
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
        cb.set_ticks(list(range(m.n_actions)), labels=names)
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
