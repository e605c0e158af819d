"""Draw the transition graph of an MDP, or the Markov chain of a policy.

Built on :func:`mdp.graph.to_networkx` and networkx's matplotlib drawing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from mdp import MDP, MDPError
from mdp.graph import to_networkx

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["mdp_graph"]

#: ``edge_labels=None`` labels the edges of graphs with at most this many states.
LABEL_MAX_STATES = 12
#: The layouts ``layout`` may name (besides a dict of positions).
LAYOUTS = ("auto", "spring", "circular", "shell", "kamada_kawai")

_NODE_COLOR = "#d6e6f4"
_TERMINAL_COLOR = "#fdbf6f"
_START_EDGE = "#1a9850"
_PLAIN_EDGE = "#525252"
_ARROW_COLOR = "#6e6e6e"
_CURVE_RAD = 0.2
_CURVE = f"arc3,rad={_CURVE_RAD}"  # curves keep s -> s' and s' -> s apart


def mdp_graph(
    m: MDP,
    policy: npt.ArrayLike | None = None,
    *,
    ax: Axes | None = None,
    layout: str | dict[int, Any] = "auto",
    edge_labels: bool | None = None,
    max_states: int = 60,
    states: npt.ArrayLike | None = None,
) -> Axes:
    """Draw the transition graph of ``m``, or the chain of ``policy``.

    Nodes are the states, labelled with their names; terminal states are
    filled orange and start states (``p0 > 0``) have a thick green border.
    Without a policy there is one arrow ``s -> s'`` when some available
    action may move ``s`` to ``s'``; with a policy (deterministic ``int [S]``
    or stochastic ``float [S, A]``) only the arrows of the induced chain
    ``P_pi(s'|s) > 0`` are drawn.  Arrow width grows with the probability
    (the largest over actions without a policy).

    Parameters
    ----------
    m : MDP
    policy : array_like, int (S,) or float (S, A), optional
        Draw the Markov chain of this policy instead of every action.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    layout : {"auto", "spring", "circular", "shell", "kamada_kawai"} or dict
        Node positions.  ``"auto"`` is ``"circular"`` for at most 12 states
        and ``"spring"`` (with a fixed seed) above; a dict maps each drawn
        state to ``(x, y)``.  The same MDP always gives the same picture.
    edge_labels : bool, optional
        Label each arrow with its probabilities and rewards: one line
        ``"a: p, r=R"`` per action (``R = R(s,a,s')``) without a policy, or
        ``"p, r=R"`` (``P_pi(s'|s)`` and the expected reward of the
        transition) with one.  The absorbing self-loops of terminal states
        are not labelled.  Default: only when at most 12 states are drawn.
    max_states : int, default 60
        Refuse to draw more states than this (the picture would be
        unreadable); see Raises.
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
        If more than ``max_states`` states would be drawn (pass ``states=``,
        for instance ``mdp.graph.reachable_states(m, start=s, policy=pi)``,
        or raise ``max_states``), or ``layout``, ``states`` or
        ``max_states`` is invalid.
    PolicyError
        If ``policy`` is not a valid policy for ``m``.

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
    import networkx as nx
    from matplotlib.lines import Line2D

    max_states = _check_max_states(max_states)
    keep = list(range(m.n_states)) if states is None else _check_states(m, states)
    n = len(keep)
    if n > max_states:
        msg = (
            f"mdp_graph draws at most max_states={max_states} states and this "
            f"graph has {n}; a bigger drawing is unreadable. Draw a sub-graph "
            f"with `states=` (e.g. mdp.graph.reachable_states(m, start=s, "
            f"policy=pi)) or raise `max_states` (edge labels are left out above "
            f"{LABEL_MAX_STATES} states)."
        )
        raise MDPError(msg)
    G = to_networkx(m, policy)
    if states is not None:
        G = G.subgraph(keep).copy()
    if edge_labels is None:
        edge_labels = n <= LABEL_MAX_STATES
    pos = _layout(G, layout)

    if ax is None:
        side = 5.5 if n <= LABEL_MAX_STATES else min(6 + 0.08 * n, 11)
        _, ax = plt.subplots(figsize=(side + 0.5, side))

    nodes = list(G.nodes)
    names = {s: G.nodes[s]["name"] for s in nodes}
    longest = max((len(v) for v in names.values()), default=1)
    font = 9 if n <= LABEL_MAX_STATES else 7
    # a circle wide enough for the name (about 0.6 em per character)
    diameter = max(0.62 * font * longest + 10, 22 if n <= LABEL_MAX_STATES else 16)
    node_size = float(diameter**2)  # marker area in points^2
    terminal = [G.nodes[s]["terminal"] for s in nodes]
    start = [G.nodes[s]["p0"] > 0 for s in nodes]

    label_font = max(font - 2, 6.5)
    coll = nx.draw_networkx_nodes(
        G,
        pos,
        nodelist=nodes,
        ax=ax,
        node_size=node_size,
        node_color=[_TERMINAL_COLOR if t else _NODE_COLOR for t in terminal],
        edgecolors=[_START_EDGE if s else _PLAIN_EDGE for s in start],
        linewidths=[2.8 if s else 1.0 for s in start],
    )
    coll.set_gid("mdp_graph.nodes")
    coll.set_zorder(2)

    chain = G.graph["chain"]
    loops = [(u, v) for u, v in G.edges if u == v]
    paired = [(u, v) for u, v in G.edges if u != v and G.has_edge(v, u)]
    single = [(u, v) for u, v in G.edges if u != v and not G.has_edge(v, u)]
    width = {e: 0.8 + 2.2 * _edge_prob(G.edges[e], chain) for e in G.edges}
    # straight arrows, curved ones for s <-> s' pairs, loops drawn by hand
    for edgelist, style in ((single, "arc3"), (paired, _CURVE)):
        if not edgelist:
            continue
        arrows = nx.draw_networkx_edges(
            G,
            pos,
            edgelist=edgelist,
            ax=ax,
            node_size=node_size,
            width=[width[e] for e in edgelist],
            edge_color=_ARROW_COLOR,
            arrows=True,
            arrowsize=12,
            connectionstyle=style,
        )
        for arrow in arrows:
            arrow.set_gid("mdp_graph.edge")
    loop_dirs = {s: _free_direction(G, pos, s) for s, _ in loops}
    for s, _ in loops:
        _draw_loop(ax, pos[s], loop_dirs[s], node_size, width[s, s])

    texts = nx.draw_networkx_labels(G, pos, labels=names, ax=ax, font_size=font)
    for t in texts.values():
        t.set_gid("mdp_graph.node_label")
        t.set_zorder(3)

    if edge_labels:
        action_names = _short_action_names(G.graph["action_names"])

        def text(e: tuple[int, int]) -> str:
            return _edge_text(G.edges[e], chain, action_names)

        bbox = {
            "boxstyle": "round,pad=0.15",
            "fc": "white",
            "ec": "none",
            "alpha": 0.85,
        }
        if single:
            drawn = nx.draw_networkx_edge_labels(
                G,
                pos,
                edge_labels={e: text(e) for e in single},
                ax=ax,
                font_size=label_font,
                node_size=node_size,
                rotate=False,
                bbox=bbox,
            )
            for t in drawn.values():
                t.set_gid("mdp_graph.edge_label")
        for u, v in paired:  # beside their own curve, on its outer side
            _pair_label(ax, pos[u], pos[v], text((u, v)), label_font, bbox)
        for s, _ in loops:
            if not G.nodes[s]["terminal"]:  # absorbing loops go unlabelled
                _loop_label(
                    ax, pos[s], loop_dirs[s], node_size, text((s, s)), label_font, bbox
                )

    handles = []
    if any(start):
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
    if any(terminal):
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
    if handles:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=len(handles),
            frameon=False,
            fontsize=8,
        )
    _set_limits(ax, pos, 0.3 if edge_labels else 0.18)
    ax.set_axis_off()
    return ax


# ----------------------------------------------------------------- helpers
#: Height of a self-loop beyond the node's rim, and its half-opening (radians).
_LOOP_HEIGHT_IN = 0.28
_LOOP_HALF_ANGLE = 0.5


def _free_direction(G: Any, pos: dict, s: int) -> float:
    """The angle in the middle of the widest gap between ``s``'s edges."""
    here = np.asarray(pos[s])
    others = (set(G.successors(s)) | set(G.predecessors(s))) - {s}
    if not others:
        return np.pi / 2
    vec = np.array([np.asarray(pos[t]) - here for t in others])
    ang = np.sort(np.arctan2(vec[:, 1], vec[:, 0]))
    gaps = np.diff(np.concatenate([ang, [ang[0] + 2 * np.pi]]))
    k = int(np.argmax(gaps))
    return float(ang[k] + gaps[k] / 2)


def _node_radius_in(node_size: float) -> float:
    """Radius in inches of a scatter marker of area ``node_size`` (points^2)."""
    return float(np.sqrt(node_size)) / 2 / 72


def _set_limits(ax: Axes, pos: dict, pad: float) -> None:
    """Equal aspect, with the same padding (a fraction of the larger extent) on
    every side, so self-loops and labels beside the outer nodes stay inside."""
    xy = np.array(list(pos.values()), dtype=float).reshape(-1, 2)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    margin = pad * float(max(hi - lo)) or 1.0
    ax.set_xlim(lo[0] - margin, hi[0] + margin)
    ax.set_ylim(lo[1] - margin, hi[1] + margin)
    ax.set_aspect("equal")


def _away(cx: float, cy: float) -> tuple[str, str]:
    """Text alignment that makes a label grow away along direction (cx, cy)."""
    ha = "left" if cx > 0.35 else "right" if cx < -0.35 else "center"
    va = "bottom" if cy > 0.35 else "top" if cy < -0.35 else "center"
    return ha, va


def _pair_label(
    ax: Axes, xy_u: Any, xy_v: Any, text: str, size: float, bbox: dict
) -> None:
    """Label the curved arrow ``u -> v`` beside its midpoint, on its outer side.

    Matplotlib's ``arc3,rad=f`` curve from ``p`` to ``q`` is a quadratic
    Bezier whose midpoint is ``(p + q) / 2 + f / 2 * (dy, -dx)``.
    """
    from matplotlib.transforms import ScaledTranslation

    p, q = np.asarray(xy_u, dtype=float), np.asarray(xy_v, dtype=float)
    dx, dy = q - p
    length = float(np.hypot(dx, dy)) or 1.0
    mid = (p + q) / 2 + _CURVE_RAD / 2 * np.array([dy, -dx])
    nx_, ny_ = dy / length, -dx / length  # unit normal towards the bulge
    pad = 0.03  # inches
    fig = ax.get_figure()
    trans = ax.transData + ScaledTranslation(pad * nx_, pad * ny_, fig.dpi_scale_trans)
    ha, va = _away(nx_, ny_)
    t = ax.text(
        mid[0],
        mid[1],
        text,
        transform=trans,
        ha=ha,
        va=va,
        fontsize=size,
        bbox=bbox,
        zorder=4,
    )
    t.set_gid("mdp_graph.edge_label")


def _draw_loop(ax: Axes, xy: Any, theta: float, node_size: float, width: float):
    """A self-loop on the node at ``xy``, pointing out along angle ``theta``."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path
    from matplotlib.transforms import ScaledTranslation

    r = _node_radius_in(node_size)
    h = _LOOP_HEIGHT_IN
    a = _LOOP_HALF_ANGLE

    def at(radius: float, angle: float) -> tuple[float, float]:
        return (radius * np.cos(angle), radius * np.sin(angle))

    # a cubic Bezier in inches around the node centre, leaving and re-entering
    # the rim either side of theta
    verts = [
        at(r, theta - a),
        at(r + 1.6 * h, theta - 1.3 * a),
        at(r + 1.6 * h, theta + 1.3 * a),
        at(r, theta + a),
    ]
    path = Path(verts, [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
    fig = ax.get_figure()
    trans = fig.dpi_scale_trans + ScaledTranslation(xy[0], xy[1], ax.transData)
    arrow = FancyArrowPatch(
        path=path,
        transform=trans,
        arrowstyle="-|>",
        mutation_scale=12,
        linewidth=width,
        color=_ARROW_COLOR,
        zorder=1,
    )
    arrow.set_gid("mdp_graph.edge")
    ax.add_artist(arrow)


def _loop_label(
    ax: Axes,
    xy: Any,
    theta: float,
    node_size: float,
    text: str,
    size: float,
    bbox: dict,
) -> None:
    """The label of a self-loop, just beyond the loop's far end."""
    from matplotlib.transforms import ScaledTranslation

    d = _node_radius_in(node_size) + _LOOP_HEIGHT_IN + 0.04
    dx, dy = d * np.cos(theta), d * np.sin(theta)
    fig = ax.get_figure()
    trans = ax.transData + ScaledTranslation(dx, dy, fig.dpi_scale_trans)
    ha, va = _away(np.cos(theta), np.sin(theta))
    t = ax.text(
        xy[0],
        xy[1],
        text,
        transform=trans,
        ha=ha,
        va=va,
        fontsize=size,
        bbox=bbox,
        zorder=4,
    )
    t.set_gid("mdp_graph.edge_label")


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


def _short_action_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """Default names ``"0", "1", ...`` become ``"a0", "a1", ...`` in labels."""
    return tuple(f"a{i}" if n == str(i) else n for i, n in enumerate(names))


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


def _check_max_states(max_states: Any) -> int:
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
