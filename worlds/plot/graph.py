"""Draw the transition graph of an MDP, or the Markov chain of a policy.

Built on :func:`mdp.graph.to_networkx` and matplotlib.  :func:`world_layout`
places the states of a catalogue world where they are (grid cells, positions
on a line), which :func:`mdp_graph` draws as a map of arrows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from mdp import MDP, MDPError
from mdp.graph import to_networkx

from ._draw import _root_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["mdp_graph", "world_layout"]

#: ``edge_labels=None`` labels every transition of graphs with at most this
#: many states (when the labels are not too many; see :func:`mdp_graph`).
LABEL_MAX_STATES = 12
#: The layouts ``layout`` may name (besides a dict of positions).
LAYOUTS = ("auto", "spring", "circular", "shell", "kamada_kawai")
#: The values ``edge_labels`` may take besides ``True``, ``False`` and ``None``.
EDGE_LABELS = ("all", "rewards")
#: Default ``max_states``, and the default when ``layout`` is a dict (a
#: geometric layout such as :func:`world_layout`'s keeps big graphs readable).
MAX_STATES = 60
MAX_STATES_GEOMETRIC = 150

_NODE_COLOR = "#d6e6f4"
_TERMINAL_COLOR = "#fdbf6f"
_START_EDGE = "#1a9850"
_PLAIN_EDGE = "#525252"
_ARROW_COLOR = "#6e6e6e"
#: ``"all"`` labels are used by default only up to this many label lines per
#: drawn state (more would cover the picture).
_LINES_PER_STATE = 4.0
#: Candidate bends (``arc3`` rad) of an arrow whose straight line would cross
#: another node, tried in this order.
_RADS = (0.2, -0.2, 0.35, -0.35, 0.5, -0.5, 0.7, -0.7)


class TooManyStatesError(MDPError):
    """:func:`mdp_graph` was asked to draw more than ``max_states`` states.

    ``n_states`` and ``max_states`` say how many, so that a caller (the
    command line) can give its own advice.
    """

    def __init__(self, msg: str, *, n_states: int, max_states: int) -> None:
        super().__init__(msg)
        self.n_states = n_states
        self.max_states = max_states


def world_layout(world: Any) -> dict[int, tuple[float, float]] | None:
    """Node positions from a world's geometry, for ``mdp_graph(layout=...)``.

    * a grid world (:func:`worlds.grid.is_grid_world`): state ``s`` in cell ``(r, c)``
      sits at ``(c, -r)``, so the drawing looks like the map (row 0 on top);
    * a :class:`~worlds.classics.World` with a 2-D ``grid_shape``
      (Jack's car rental): state ``s = i * n1 + j`` sits at ``(j, -i)``;
    * a ``World`` with positions ``x`` (random walks, RiverSwim, the
      gambler's problem, forest): state ``s`` sits at ``(x[s], 0)``, on a
      line;
    * anything else (Garnet MDPs, plain :class:`mdp.MDP`): ``None``, for
      ``mdp_graph``'s own layouts.

    Examples
    --------
    >>> from worlds.grid import GridWorld
    >>> world_layout(GridWorld(["S#.", "..G"]))
    {0: (0.0, 0.0), 1: (2.0, 0.0), 2: (0.0, -1.0), 3: (1.0, -1.0), 4: (2.0, -1.0)}
    >>> from worlds.classics import random_walk
    >>> world_layout(random_walk(n_states=3))
    {0: (0.0, 0.0), 1: (1.0, 0.0), 2: (2.0, 0.0), 3: (3.0, 0.0), 4: (4.0, 0.0)}
    >>> world_layout(object()) is None
    True
    """
    from ..classics import World
    from ..grid import grid_cells, is_grid_world

    if is_grid_world(world):
        return {
            s: (float(c), float(-r))
            for s, (r, c) in enumerate(grid_cells(world).tolist())
        }
    if isinstance(world, World):
        if world.grid_shape is not None:
            n1 = world.grid_shape[1]
            return {
                s: (float(s % n1), float(-(s // n1))) for s in range(world.n_states)
            }
        if world.x is not None:
            return {s: (float(x), 0.0) for s, x in enumerate(world.x.tolist())}
    return None


def mdp_graph(
    m: MDP,
    pi: npt.ArrayLike | None = None,
    *,
    ax: Axes | None = None,
    layout: str | dict[int, Any] = "auto",
    edge_labels: bool | str | None = None,
    max_states: int | None = None,
    states: npt.ArrayLike | None = None,
) -> Axes:
    """Draw the transition graph of ``m``, or the chain of the policy ``pi``.

    Nodes are the states, labelled with their names; terminal states are
    filled orange and start states (``p0 > 0``) have a thick green border.
    Without a policy there is one arrow ``s -> s'`` when some available
    action may move ``s`` to ``s'``; with a policy (deterministic ``int [S]``
    or stochastic ``float [S, A]``) only the arrows of the induced chain
    ``P_pi(s'|s) > 0`` are drawn, so the picture reads as the flow of the
    policy.  Arrow width grows with the probability (the largest over
    actions without a policy).

    Node size, fonts and arrows are scaled to the distance between
    neighbouring nodes.  Two-way pairs ``s <-> s'`` are two parallel
    straight arrows; an arrow whose straight line would cross another node
    is bent around it.  Edge labels are placed beside their arrow, off the
    nodes and off the other labels when there is room.

    Parameters
    ----------
    m : MDP
    pi : array_like, int (S,) or float (S, A), optional
        Draw the Markov chain of this policy instead of every action.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure sized to the layout.
    layout : {"auto", "spring", "circular", "shell", "kamada_kawai"} or dict
        Node positions.  ``"auto"`` is ``"circular"`` for at most 12 states
        and ``"spring"`` (with a fixed seed) above; a dict maps each drawn
        state to ``(x, y)``, e.g. :func:`world_layout` for a catalogue world.
        The same MDP always gives the same picture.
    edge_labels : bool or {"all", "rewards"}, optional
        What to write beside the arrows:

        * ``"all"`` (or ``True``): one line ``"a: p, r=R"`` per action
          (``R = R(s,a,s')``) without a policy, or ``"p, r=R"``
          (``P_pi(s'|s)`` and the expected reward of the transition) with
          one;
        * ``"rewards"``: only the arrows whose reward differs from the most
          common one, as ``"r=R"`` (``"a: r=R"`` per action when the actions
          differ); the legend gives the common reward ("other arrows:
          r=...");
        * ``False``: nothing.

        The absorbing self-loops of terminal states are never labelled.
        Default (``None``): ``"all"`` when at most 12 states are drawn, the
        labels are at most 4 lines per state and they can all be placed off
        the nodes and each other; else ``"rewards"`` when at most
        ``max(12, n_states)`` arrows would be labelled; else nothing.
    max_states : int, optional
        Refuse to draw more states than this (the picture would be
        unreadable); see Raises.  Default 60, or 150 when ``layout`` is a
        dict (states placed by their geometry stay readable in greater
        numbers, without edge labels).
    states : array_like of int, optional
        Draw only these states and the arrows among them (a sub-graph).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.  The artists carry gids: ``"mdp_graph.nodes"``
        (one collection, one point per state), ``"mdp_graph.edge"`` (one
        arrow per edge), ``"mdp_graph.node_label"`` and
        ``"mdp_graph.edge_label"``.

    Raises
    ------
    MDPError
        (:class:`TooManyStatesError`) If more than ``max_states`` states
        would be drawn (pass ``states=``,
        for instance ``mdp.graph.reachable_states(m, pi=pi)``, or raise
        ``max_states``; on the command line ``--max-states N`` or
        ``--policy``), or ``layout``, ``edge_labels``, ``states`` or
        ``max_states`` is invalid.
    PolicyError
        If ``pi`` is not a valid policy for ``m``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> P = np.zeros((3, 2, 3))
    >>> P[[0, 1], 0, [1, 2]] = 1.0                 # right
    >>> P[[0, 1], 1, [0, 0]] = 1.0                 # back to the start
    >>> m = MDP(P, np.zeros(3), 0.9, terminal=[2], action_names=["go", "back"])
    >>> ax = mdp_graph(m)
    >>> sorted(t.get_text() for t in ax.texts if t.get_gid() == "mdp_graph.edge_label")
    ['back: 1, r=0', 'back: 1, r=0', 'go: 1, r=0', 'go: 1, r=0']
    >>> len([p for p in ax.patches if p.get_gid() == "mdp_graph.edge"])
    5
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    geometric = isinstance(layout, dict)
    max_states = _check_max_states(max_states, geometric)
    mode_arg = _check_edge_labels(edge_labels)
    keep = list(range(m.n_states)) if states is None else _check_states(m, states)
    n = len(keep)
    if n > max_states:
        msg = (
            f"mdp_graph draws at most max_states={max_states} states and this "
            f"graph has {n}; a bigger drawing is unreadable. Draw fewer states "
            f"with a sub-graph `states=` (e.g. mdp.graph.reachable_states(m, "
            f"pi=pi), the chain of a policy), or raise the limit with "
            f"`max_states={n}`."
        )
        if not geometric:
            msg += (
                f" A dict `layout` such as worlds.plot.world_layout(world) "
                f"raises the default limit to {MAX_STATES_GEOMETRIC}."
            )
        raise TooManyStatesError(msg, n_states=n, max_states=max_states)
    G = to_networkx(m, pi)
    if states is not None:
        G = G.subgraph(keep).copy()
    pos = _layout(G, layout)
    chain = G.graph["chain"]
    nodes = list(G.nodes)
    xy = np.array([pos[s] for s in nodes], dtype=float).reshape(-1, 2)
    index = {s: i for i, s in enumerate(nodes)}

    # ------------------------------------------------------- what to label
    labelled = [e for e in G.edges if not (e[0] == e[1] and G.nodes[e[0]]["terminal"])]
    action_names = _short_action_names(G.graph["action_names"])
    typical = _typical_reward(G, labelled, chain)
    full = {e: _edge_text(G.edges[e], chain, action_names) for e in labelled}
    rewards = {
        e: t
        for e in labelled
        if (t := _reward_text(G.edges[e], chain, action_names, typical))
    }
    if mode_arg is None:
        lines = sum(t.count("\n") + 1 for t in full.values())
        if n <= LABEL_MAX_STATES and lines <= _LINES_PER_STATE * max(n, 1):
            mode = "all"  # if they fit; see below
        elif len(rewards) <= max(LABEL_MAX_STATES, n):
            mode = "rewards"
        else:
            mode = "none"
    else:
        mode = mode_arg
    texts = {"all": full, "rewards": rewards}.get(mode, {})

    # ----------------------------------------------------- arrow routes
    gap = _typical_gap(xy)
    r_max = 0.28 * gap  # the largest node radius, in data units
    routes = _route_edges(G, pos, xy, index, r_max)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    margin = (0.8 if texts else 0.55) * gap
    lo, hi = lo - margin, hi + margin
    for route in routes.values():
        if route.rad:
            pts = route.curve(9)
            lo = np.minimum(lo, pts.min(axis=0) - r_max)
            hi = np.maximum(hi, pts.max(axis=0) + r_max)

    # ------------------------------------------------------ figure, scale
    legend_in = 0.45
    if ax is None:
        extent = (hi - lo) / gap  # in gaps
        per_gap = 1.7 if mode == "all" and texts else 1.15
        per_gap = min(per_gap, 13.0 / extent[0], 9.0 / extent[1])
        w_in = max(extent[0] * per_gap, 4.0)
        h_in = max(extent[1] * per_gap, 1.2) + legend_in
        fig, ax = plt.subplots(figsize=(w_in, h_in))
        fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=legend_in / h_in)
    fig = _root_figure(ax)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal", adjustable="box")
    ax.apply_aspect()
    ax.set_axis_off()
    pt_per_unit = _points_per_unit(ax)
    gap_pt = gap * pt_per_unit

    names = {s: str(G.nodes[s]["name"]) for s in nodes}
    longest = min(max((len(v) for v in names.values()), default=1), 8)
    diameter = float(np.clip(0.62 * 9 * longest + 10, 22, 50))
    diameter = max(min(diameter, 2 * r_max * pt_per_unit), 4.0)
    radius = diameter / 2
    k = float(np.clip(gap_pt / 70, 0.4, 1.0))  # arrows and borders thin out
    head = float(np.clip(0.2 * gap_pt, 4.0, 12.0))

    # ------------------------------------------------------------- nodes
    terminal = [G.nodes[s]["terminal"] for s in nodes]
    start = [G.nodes[s]["p0"] > 0 for s in nodes]
    border = min(2.8, 0.13 * diameter)
    coll = ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=diameter**2,
        c=[_TERMINAL_COLOR if t else _NODE_COLOR for t in terminal],
        edgecolors=[_START_EDGE if s else _PLAIN_EDGE for s in start],
        linewidths=[border if s else min(1.0, border) for s in start],
        zorder=2,
    )
    coll.set_gid("mdp_graph.nodes")
    for i, s in enumerate(nodes):
        name, size = _fit_name(names[s], diameter)
        node_label = ax.text(
            xy[i, 0],
            xy[i, 1],
            name,
            ha="center",
            va="center",
            fontsize=size,
            zorder=3,
            linespacing=1.0,
        )
        node_label.set_gid("mdp_graph.node_label")

    # ------------------------------------------------------------ arrows
    def width(e: tuple[int, int]) -> float:
        return k * (0.6 + 1.8 * _edge_prob(G.edges[e], chain))

    lane = 0.32 * radius  # offset of each arrow of a two-way pair, points
    loop_h = float(np.clip(0.22 * gap_pt, 6.0, 20.0))
    for e, route in routes.items():
        if route.loop:
            _draw_loop(ax, route.p, route.theta, radius, loop_h, width(e), head)
        else:
            _draw_arrow(ax, route, radius, lane, width(e), head)

    # ------------------------------------------------------------ labels
    if texts:
        label_font = float(np.clip(0.13 * gap_pt, 5.0, 7.5))
        placer = _LabelPlacer(ax, xy, radius, pt_per_unit, lane, loop_h)
        fits = placer.place_all(texts, routes, label_font)
        if not fits and mode_arg is None and mode == "all":
            placer.clear()  # no room for them all: only the unusual rewards
            mode, texts = "rewards", rewards
            placer.place_all(texts, routes, label_font)

    # ------------------------------------------------------------ legend
    _legend(ax, any(start), any(terminal), mode, typical, bool(texts))
    return ax


# ------------------------------------------------------------------ routes
@dataclass
class _Route:
    """How one arrow is drawn, in data coordinates.

    ``loop``: a self-loop on ``p`` pointing out along ``theta``; else an
    arrow from ``p`` to ``q``, straight (``rad == 0``; ``pair`` when it has a
    reverse arrow, drawn beside it) or an ``arc3`` curve of bend ``rad``.
    """

    p: np.ndarray
    q: np.ndarray
    rad: float = 0.0
    pair: bool = False
    loop: bool = False
    theta: float = 0.0

    def control(self) -> np.ndarray:
        d = self.q - self.p
        return (self.p + self.q) / 2 + self.rad * np.array([d[1], -d[0]])

    def curve(self, n: int) -> np.ndarray:
        """``n`` points along the arrow (matplotlib's arc3 quadratic Bezier)."""
        t = np.linspace(0.0, 1.0, n)[:, None]
        c = self.control()
        return (1 - t) ** 2 * self.p + 2 * t * (1 - t) * c + t**2 * self.q

    def directions(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors from ``p`` and from ``q`` along the arrow's ends."""
        c = self.control()
        a, b = c - self.p, c - self.q
        return a / (np.hypot(*a) or 1.0), b / (np.hypot(*b) or 1.0)


def _route_edges(
    G: Any, pos: dict, xy: np.ndarray, index: dict, r_max: float
) -> dict[tuple[int, int], _Route]:
    """A route per edge: straight when clear of the other nodes, else bent."""
    routes: dict[tuple[int, int], _Route] = {}
    clear = 1.2 * r_max
    for u, v in G.edges:
        if u == v:
            continue
        p, q = np.asarray(pos[u], float), np.asarray(pos[v], float)
        pair = G.has_edge(v, u)
        skip = [index[u], index[v]]
        if pair and (v, u) in routes:  # the reverse was routed: mirror it
            rev = routes[v, u]
            routes[u, v] = _Route(p, q, rad=rev.rad, pair=pair)
            continue
        if _segment_hits(p, q, xy, skip, clear) == 0:
            routes[u, v] = _Route(p, q, pair=pair)
            continue
        best, best_hits = _RADS[0], None
        for rad in _RADS:
            route = _Route(p, q, rad=rad)
            n_pts = int(np.clip(8 * np.hypot(*(q - p)) / max(r_max, 1e-12), 25, 300))
            hits = _points_hit(route.curve(n_pts), xy, skip, clear)
            if pair:  # the reverse arrow bends to the other side
                hits += _points_hit(_Route(q, p, rad=rad).curve(n_pts), xy, skip, clear)
            if best_hits is None or hits < best_hits:
                best, best_hits = rad, hits
            if hits == 0:
                break
        routes[u, v] = _Route(p, q, rad=best, pair=pair)
    ends: dict[int, list[np.ndarray]] = {s: [] for s in G.nodes if G.has_edge(s, s)}
    for (a, b), route in routes.items():
        out, back = route.directions()
        if a in ends:
            ends[a].append(out)
        if b in ends:
            ends[b].append(back)
    for s, dirs in ends.items():
        p = np.asarray(pos[s], float)
        routes[s, s] = _Route(p, p, loop=True, theta=_free_direction(dirs))
    return {e: routes[e] for e in G.edges}


def _segment_hits(
    p: np.ndarray, q: np.ndarray, xy: np.ndarray, skip: list, r: float
) -> int:
    """How many nodes (but ``skip``) lie within ``r`` of the segment ``pq``."""
    d = q - p
    t = np.clip(((xy - p) @ d) / max(float(d @ d), 1e-300), 0.0, 1.0)
    dist = np.hypot(*(xy - p - t[:, None] * d).T)
    dist[skip] = np.inf
    return int((dist < r).sum())


def _points_hit(pts: np.ndarray, xy: np.ndarray, skip: list, r: float) -> int:
    lo, hi = pts.min(axis=0) - r, pts.max(axis=0) + r
    near = np.flatnonzero(np.all((xy >= lo) & (xy <= hi), axis=1))
    near = near[~np.isin(near, skip)]
    if near.size == 0:
        return 0
    dist = np.linalg.norm(pts[:, None, :] - xy[None, near, :], axis=2)
    return int((dist.min(axis=0) < r).sum())


def _free_direction(dirs: list) -> float:
    """The angle in the middle of the widest gap between the directions."""
    if not dirs:
        return np.pi / 2
    vec = np.array(dirs)
    ang = np.sort(np.arctan2(vec[:, 1], vec[:, 0]))
    gaps = np.diff(np.concatenate([ang, [ang[0] + 2 * np.pi]]))
    k = int(np.argmax(np.round(gaps, 9)))
    return float(ang[k] + gaps[k] / 2)


def _typical_gap(xy: np.ndarray) -> float:
    """The median distance from a node to its nearest neighbour."""
    if len(xy) < 2:
        return 1.0
    d = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    np.fill_diagonal(d, np.inf)
    near = d.min(axis=1)
    near = near[near > 0]
    if near.size == 0:
        return 1.0
    return float(np.median(near))


def _points_per_unit(ax: Axes) -> float:
    """Points per data unit along x (the aspect is equal)."""
    fig = _root_figure(ax)
    (x0, _), (x1, _) = ax.transData.transform([(0.0, 0.0), (1.0, 0.0)])
    return float(abs(x1 - x0) * 72.0 / fig.dpi)


def _inches(ax: Axes, dx_pt: float, dy_pt: float) -> Any:
    """``ax.transData`` followed by an offset given in points."""
    from matplotlib.transforms import ScaledTranslation

    fig = _root_figure(ax)
    return ax.transData + ScaledTranslation(dx_pt / 72, dy_pt / 72, fig.dpi_scale_trans)


# ----------------------------------------------------------------- drawing
def _draw_arrow(
    ax: Axes, route: _Route, radius: float, lane: float, width: float, head: float
) -> None:
    from matplotlib.patches import FancyArrowPatch

    shrink = radius + 1.0
    offset = np.zeros(2)
    if route.pair and route.rad == 0:
        d = route.q - route.p
        normal = np.array([d[1], -d[0]]) / (np.hypot(*d) or 1.0)
        offset = normal * lane  # the right-hand lane, in points
        shrink = float(np.sqrt(max(radius**2 - lane**2, 0.0))) + 1.0
    arrow = FancyArrowPatch(
        tuple(route.p),
        tuple(route.q),
        transform=_inches(ax, *offset),
        connectionstyle=f"arc3,rad={route.rad}",
        arrowstyle="-|>",
        mutation_scale=head,
        shrinkA=shrink,
        shrinkB=shrink,
        linewidth=width,
        color=_ARROW_COLOR,
        zorder=1,
    )
    arrow.set_gid("mdp_graph.edge")
    ax.add_artist(arrow)  # the limits are set already (add_patch would redo them)


#: Half-opening (radians) of a self-loop where it leaves the node.
_LOOP_HALF_ANGLE = 0.5


def _loop_path(theta: float, radius: float, height: float) -> np.ndarray:
    """A self-loop as a cubic Bezier in points around the node centre,
    leaving and re-entering the rim either side of ``theta``."""
    a = _LOOP_HALF_ANGLE

    def at(r: float, angle: float) -> tuple[float, float]:
        return (r * np.cos(angle), r * np.sin(angle))

    return np.array(
        [
            at(radius, theta - a),
            at(radius + 1.6 * height, theta - 1.3 * a),
            at(radius + 1.6 * height, theta + 1.3 * a),
            at(radius, theta + a),
        ]
    )


def _draw_loop(
    ax: Axes,
    xy: Any,
    theta: float,
    radius: float,
    height: float,
    width: float,
    head: float,
) -> None:
    """A self-loop on the node at ``xy``, pointing out along angle ``theta``."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path
    from matplotlib.transforms import ScaledTranslation

    verts = _loop_path(theta, radius, height) / 72  # inches
    path = Path(verts, [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
    fig = _root_figure(ax)
    # matplotlib's stubs ask for an Affine2DBase; any Transform works at run time
    data = cast(Any, ax.transData)
    trans = fig.dpi_scale_trans + ScaledTranslation(xy[0], xy[1], data)
    arrow = FancyArrowPatch(
        path=path,
        transform=trans,
        arrowstyle="-|>",
        mutation_scale=min(head, 0.8 * height + 3),
        linewidth=width,
        color=_ARROW_COLOR,
        zorder=1,
    )
    arrow.set_gid("mdp_graph.edge")
    ax.add_artist(arrow)  # the limits are set already (add_patch would redo them)


def _fit_name(name: str, diameter: float) -> tuple[str, float]:
    """The node label and its font size so that it fits in the circle
    (a two-word name may be split over two lines)."""

    def size(lines: list[str]) -> float:
        wide = max(len(x) for x in lines) or 1
        return 0.9 * diameter / float(np.hypot(0.6 * wide, 1.15 * len(lines)))

    best, best_size = name, size([name])
    words = name.split(" ")
    if len(words) > 1 and "(" not in name:
        cut = min(
            range(1, len(words)),
            key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))),
        )
        two = [" ".join(words[:cut]), " ".join(words[cut:])]
        if size(two) > best_size:
            best, best_size = "\n".join(two), size(two)
    return best, float(np.clip(best_size, 3.5, 9.0))


# ------------------------------------------------------------------ labels
_BBOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}


class _LabelPlacer:
    """Puts edge labels beside their arrows, off the nodes and each other.

    Works in points relative to the data origin; every candidate box is
    scored (a node under the box costs most, then overlap with labels
    already placed, then leaving the axes) and the cheapest one is kept.
    """

    def __init__(
        self,
        ax: Axes,
        xy: np.ndarray,
        radius: float,
        ppu: float,
        lane: float,
        loop_h: float,
    ) -> None:
        from matplotlib.backends.backend_agg import RendererAgg

        self.ax = ax
        self.lane = lane
        self.loop_h = loop_h
        self.texts: list[Any] = []
        self.ppu = ppu
        self.nodes = xy * ppu  # node centres in points
        self.radius = radius
        fig = _root_figure(ax)
        self.renderer = RendererAgg(
            int(fig.bbox.width) + 1, int(fig.bbox.height) + 1, fig.dpi
        )
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        self.frame = np.array([x0, y0, x1, y1]) * ppu
        self.boxes: list[np.ndarray] = []

    def _size(self, t: Any) -> np.ndarray:
        bb = t.get_window_extent(renderer=self.renderer)
        pad = 2 * 0.15 * t.get_fontsize()
        scale = 72.0 / _root_figure(self.ax).dpi
        return np.array([bb.width * scale + pad, bb.height * scale + pad])

    def _clash(self, box: np.ndarray) -> float:
        """How much ``box`` covers the nodes and the labels placed so far."""
        x0, y0, x1, y1 = box
        # nodes: distance from each centre to the box, against the radius
        cx = np.clip(self.nodes[:, 0], x0, x1)
        cy = np.clip(self.nodes[:, 1], y0, y1)
        gap = np.hypot(self.nodes[:, 0] - cx, self.nodes[:, 1] - cy)
        cost = 1000.0 * float(np.clip(self.radius + 1.5 - gap, 0, None).sum())
        area = (x1 - x0) * (y1 - y0)
        for b in self.boxes:
            w = min(x1, b[2]) - max(x0, b[0])
            h = min(y1, b[3]) - max(y0, b[1])
            if w > 0 and h > 0:
                cost += 100.0 * w * h / area + 5.0
        return cost

    def _outside(self, box: np.ndarray) -> float:
        """The fraction of ``box`` outside the axes, weighted."""
        x0, y0, x1, y1 = box
        f = self.frame
        inside_w = max(min(x1, f[2]) - max(x0, f[0]), 0.0)
        inside_h = max(min(y1, f[3]) - max(y0, f[1]), 0.0)
        return 30.0 * (1.0 - inside_w * inside_h / ((x1 - x0) * (y1 - y0)))

    def place_all(self, texts: dict, routes: dict, font: float) -> bool:
        """Place every label (self-loops first); whether none covers a node
        or another label."""
        order = sorted(texts, key=lambda e: (not routes[e].loop, e))
        clashes = [self.place(texts[e], routes[e], font) for e in order]
        return not any(clashes)

    def clear(self) -> None:
        for t in self.texts:
            t.remove()
        self.texts, self.boxes = [], []

    def place(self, text: str, route: _Route, font: float) -> bool:
        """Place one label at its cheapest candidate; whether it clashes."""
        t = self.ax.text(
            0, 0, text, fontsize=font, ha="center", va="center", bbox=_BBOX, zorder=4
        )
        t.set_gid("mdp_graph.edge_label")
        self.texts.append(t)
        wh = self._size(t)
        # a label centred on a straight arrow must leave most of it visible
        d = (route.q - route.p) * self.ppu
        free = float(np.hypot(*d)) - 2 * self.radius
        u = d / (np.hypot(*d) or 1.0)
        along = abs(u[0]) * wh[0] + abs(u[1]) * wh[1]
        best: tuple[float, float, np.ndarray, np.ndarray] | None = None
        candidates = self._candidates(route, self.lane, self.radius, self.loop_h)
        for anchor, offset, normal in candidates:
            if not normal.any() and not route.rad and along > 0.6 * free:
                continue
            # the box touches the anchor on the side of ``normal``
            reach = (abs(normal[0]) * wh[0] + abs(normal[1]) * wh[1]) / 2
            reach += 1.5 if normal.any() else 0.0
            centre = anchor * self.ppu + offset + normal * reach
            box = np.concatenate([centre - wh / 2, centre + wh / 2])
            clash = self._clash(box)
            cost = clash + self._outside(box)
            if best is None or cost < best[0] - 1e-9:
                best = (cost, clash, anchor, offset + normal * reach)
            if cost == 0:
                break
        assert best is not None
        _, clash, anchor, shift = best
        t.set_position(tuple(anchor))
        t.set_transform(_inches(self.ax, *shift))
        centre = anchor * self.ppu + shift
        self.boxes.append(np.concatenate([centre - wh / 2, centre + wh / 2]))
        return clash > 0

    @staticmethod
    def _candidates(route: _Route, lane: float, radius: float, loop_h: float):
        """(anchor in data units, offset in points, unit normal) triples, best
        first: the label touches the anchor (plus offset) on the side of the
        normal; a zero normal centres it there."""
        zero = np.zeros(2)
        if route.loop:
            apex = 0.82 * radius + 0.96 * loop_h + 1.0  # the loop's far end
            for dt in (0.0, 0.5, -0.5, 1.0, -1.0, np.pi):
                th = route.theta + dt
                u = np.array([np.cos(th), np.sin(th)])
                yield route.p, u * (radius + 2 if dt else apex), u
            return
        d = route.q - route.p
        length = float(np.hypot(*d)) or 1.0
        normal = np.array([d[1], -d[0]]) / length  # the right-hand side
        ts = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)
        if route.rad:  # on the curve, then beside it (outside first)
            pts = route.curve(101)
            side = normal * np.sign(route.rad)
            for t in ts:
                yield pts[int(round(t * 100))], zero, zero
            for t in ts[:3]:
                yield pts[int(round(t * 100))], zero, side
            for t in ts[:3]:
                yield pts[int(round(t * 100))], zero, -side
            return
        base = normal * lane if route.pair else zero
        sides = (normal,) if route.pair else (normal, -normal)
        if not route.pair:  # on the arrow
            for t in ts[:3]:
                yield route.p + t * d, zero, zero
        for t in ts:  # beside it (a pair: away from the reverse arrow)
            for side in sides:
                yield route.p + t * d, base, side
        for side in sides:  # further out, clear of the nodes' rims
            yield route.p + 0.5 * d, base + side * radius, side
        if route.pair:  # on its own lane, as a last resort
            for t in ts[:3]:
                yield route.p + t * d, base, zero


# -------------------------------------------------------------- text, data
def _legend(
    ax: Axes,
    start: bool,
    terminal: bool,
    mode: str,
    typical: float | None,
    any_label: bool,
) -> None:
    from matplotlib.lines import Line2D

    handles = []
    if start:
        handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="o",
                ms=10,
                mfc=_NODE_COLOR,
                mec=_START_EDGE,
                mew=2.5,
                label="start (p0 > 0)",
            )
        )
    if terminal:
        handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="o",
                ms=10,
                mfc=_TERMINAL_COLOR,
                mec=_PLAIN_EDGE,
                label="terminal",
            )
        )
    if mode == "rewards" and typical is not None:
        what = "other arrows" if any_label else "arrows"
        handles.append(
            Line2D([], [], ls="-", color=_ARROW_COLOR, label=f"{what}: r={typical:.3g}")
        )
    if handles:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=len(handles),
            frameon=False,
            fontsize=8,
            handlelength=1.5,
        )


def _edge_prob(data: dict, chain: bool) -> float:
    if chain:
        return float(data["weight"])
    return max(d["prob"] for d in data["actions"].values())


def _edge_text(data: dict, chain: bool, action_names: tuple[str, ...]) -> str:
    if chain:
        return f"{data['weight']:.3g}, r={data['reward']:.3g}"
    return "\n".join(
        f"{action_names[a]}: {d['prob']:.3g}, r={d['reward']:.3g}"
        for a, d in sorted(data["actions"].items())
    )


def _rewards_of(data: dict, chain: bool) -> list[tuple[int | None, float]]:
    if chain:
        return [(None, float(data["reward"]))]
    return [(a, float(d["reward"])) for a, d in sorted(data["actions"].items())]


def _same(a: float, b: float) -> bool:
    return f"{a:.3g}" == f"{b:.3g}"


def _typical_reward(G: Any, edges: list, chain: bool) -> float | None:
    """The most common reward over the labelled transitions (as printed)."""
    counts: Counter[str] = Counter()
    for e in edges:
        for _, r in _rewards_of(G.edges[e], chain):
            counts[f"{r:.3g}"] += 1
    if not counts:
        return None
    return float(counts.most_common(1)[0][0])


def _reward_text(
    data: dict, chain: bool, action_names: tuple[str, ...], typical: float | None
) -> str:
    """``"r=R"`` for a transition whose reward is not the typical one."""
    rewards = _rewards_of(data, chain)
    odd = [(a, r) for a, r in rewards if typical is None or not _same(r, typical)]
    if not odd:
        return ""
    if all(_same(r, odd[0][1]) for _, r in rewards):
        return f"r={odd[0][1]:.3g}"
    groups: dict[str, list[str]] = {}
    for a, r in odd:
        groups.setdefault(f"{r:.3g}", []).append(action_names[a])  # type: ignore[index]
    return "\n".join(f"{', '.join(acts)}: r={r}" for r, acts in groups.items())


def _short_action_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """Default names ``"0", "1", ...`` become ``"a0", "a1", ...`` in labels."""
    return tuple(f"a{i}" if n == str(i) else n for i, n in enumerate(names))


# -------------------------------------------------------------- validation
def _layout(G: Any, layout: Any) -> dict[int, np.ndarray]:
    import networkx as nx

    nodes = list(G.nodes)
    if isinstance(layout, dict):
        missing = [s for s in nodes if s not in layout]
        if missing:
            msg = (
                f"`layout` has no position for state {missing[0]} "
                f"({len(missing)} state(s) missing); give (x, y) for every "
                f"drawn state."
            )
            raise MDPError(msg)
        return {s: np.asarray(layout[s], dtype=float) for s in nodes}
    if layout not in LAYOUTS:
        msg = (
            f"`layout` must be one of {', '.join(repr(x) for x in LAYOUTS)} or a "
            f"dict {{state: (x, y)}}; got {layout!r}."
        )
        raise MDPError(msg)
    if len(nodes) <= 1:
        return {s: np.zeros(2) for s in nodes}
    if layout == "auto":
        layout = "circular" if len(nodes) <= LABEL_MAX_STATES else "spring"
    if layout == "circular":
        return nx.circular_layout(G)
    if layout == "shell":
        return nx.shell_layout(G)
    if layout == "kamada_kawai":
        return nx.kamada_kawai_layout(G)
    return nx.spring_layout(G, seed=0)


def _check_edge_labels(edge_labels: Any) -> str | None:
    if edge_labels is None:
        return None
    if edge_labels is True:
        return "all"
    if edge_labels is False:
        return "none"
    if isinstance(edge_labels, str) and edge_labels in EDGE_LABELS:
        return edge_labels
    msg = (
        f"`edge_labels` must be True, False, None, 'all' or 'rewards'; "
        f"got {edge_labels!r}."
    )
    raise MDPError(msg)


def _check_max_states(max_states: Any, geometric: bool) -> int:
    if max_states is None:
        return MAX_STATES_GEOMETRIC if geometric else MAX_STATES
    if isinstance(max_states, bool) or not isinstance(max_states, (int, np.integer)):
        msg = f"`max_states` must be a positive int; got {max_states!r}."
        raise MDPError(msg)
    if max_states < 1:
        msg = f"`max_states` must be a positive int; got {max_states}."
        raise MDPError(msg)
    return int(max_states)


def _check_states(m: MDP, states: Any) -> list[int]:
    arr = np.asarray(states)
    S = m.n_states
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        msg = (
            f"`states` must be a 1-D list of state indices; got dtype {arr.dtype} "
            f"and shape {arr.shape}."
        )
        raise MDPError(msg)
    if arr.size == 0:
        msg = "`states` is empty; give at least one state index to draw."
        raise MDPError(msg)
    bad = arr[(arr < 0) | (arr >= S)]
    if bad.size:
        msg = (
            f"`states` holds state {int(bad[0])}, out of range for {S} states "
            f"(valid indices are 0..{S - 1})."
        )
        raise MDPError(msg)
    return sorted(set(arr.tolist()))
