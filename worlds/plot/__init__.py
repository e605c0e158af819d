r"""Pictures of MDPs: value, policy, Q and occupancy maps, bars, curves, graphs.

=====================  ====================================================
module                 what it draws
=====================  ====================================================
:mod:`.maps`           :func:`value_map`, :func:`policy_map`, :func:`q_map`,
                       :func:`occupancy_map`, :func:`value_policy_figure`
:mod:`.charts`         :func:`value_bars`, :func:`convergence`
:mod:`.figure`         :func:`world_figure`
:mod:`.graph`          :func:`mdp_graph`, :func:`world_layout`
:mod:`.planning`       :func:`mpc_loss_curve`, :func:`mcts_map`, :func:`path_map`
:mod:`.gradients`      :func:`suboptimality_plot`, :func:`corridor_curve`,
                       :func:`estimator_variance_bars`,
                       :func:`estimator_error_plot`,
                       :func:`action_probability_map` (policy gradients)
:mod:`.learning`       :func:`learning_curves`, :func:`error_curves`,
                       :func:`visit_map`, :func:`learning_figure` (learning
                       from samples)
=====================  ====================================================

Every public name is importable from :mod:`worlds.plot` itself.

Grid plots (:func:`value_map`, :func:`policy_map`, :func:`q_map`,
:func:`occupancy_map`, :func:`value_policy_figure`) take a grid world: an
object with ``.mdp``, ``.shape``, ``.walls``, ``.kinds``, ``.start_cells``,
``.terminal_cells`` and ``.action_deltas``, such as
:class:`worlds.grid.GridWorld` (any
:class:`worlds.grid.GridLike`).  Its states are the non-wall cells in
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

from ._draw import (
    GID_ANNOTATION,
    GID_ARROWS,
    GID_CLIFFS,
    GID_MARKER,
    GID_OUTLINE,
    GID_POLICY,
    GID_STAY,
    GID_TILES,
    GID_VALUES,
    GID_WALLS,
    GID_WEDGES,
)
from .charts import convergence, value_bars
from .figure import world_figure
from .gradients import (
    action_probability_map,
    corridor_curve,
    estimator_error_plot,
    estimator_variance_bars,
    suboptimality_plot,
)
from .graph import mdp_graph, world_layout
from .learning import error_curves, learning_curves, learning_figure, visit_map
from .maps import occupancy_map, policy_map, q_map, value_map, value_policy_figure
from .planning import mcts_map, mpc_loss_curve, path_map  # planning (issue 8)

__all__ = [
    "value_map",
    "policy_map",
    "q_map",
    "occupancy_map",
    "value_bars",
    "convergence",
    "value_policy_figure",
    "world_figure",
    "mdp_graph",
    "world_layout",
    "mpc_loss_curve",
    "mcts_map",
    "path_map",
    # policy gradients (issue 9)
    "suboptimality_plot",
    "corridor_curve",
    "estimator_variance_bars",
    "estimator_error_plot",
    "action_probability_map",
    # learning from samples (issue 7)
    "learning_curves",
    "error_curves",
    "visit_map",
    "learning_figure",
    "GID_VALUES",
    "GID_WALLS",
    "GID_ARROWS",
    "GID_STAY",
    "GID_WEDGES",
    "GID_ANNOTATION",
    "GID_MARKER",
    "GID_OUTLINE",
    "GID_TILES",
    "GID_CLIFFS",
    "GID_POLICY",
]
