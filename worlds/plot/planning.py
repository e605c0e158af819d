r"""Pictures of planners: MPC loss against the horizon, MCTS trees and paths on a grid.

* :func:`mpc_loss_curve`: ``max_s V*(s) - V^mu(s)`` of the receding-horizon
  controller against ``H`` for three terminal values: ``\hat V = 0``, a noisy
  ``V*``, and ``V*`` of a model learned from samples.
* :func:`mcts_map`: where one search looked (tree visits summed per state,
  a heatmap), the root's visit counts per action, and the principal
  variation drawn as a path.
* :func:`path_map`: an episode's path drawn on the map over ``V*``.

Each takes ``ax=None``, returns the Axes and never shows (as
:mod:`worlds.plot`).  The artists carry gids: ``"planning-path"`` (the path
line), ``"planning-root-visits"`` (one text per root action),
``"planning-loss"`` (one line per terminal value).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mdp import MDP
from solvers import estimate_model, mpc, policy_iteration

from .maps import value_map

__all__ = ["mpc_loss_curve", "mcts_map", "path_map"]

GID_PATH = "planning-path"
GID_ROOT = "planning-root-visits"
GID_LOSS = "planning-loss"


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def mpc_loss_curve(
    m: MDP,
    horizons: Any = range(1, 13),
    *,
    noise: float = 1.0,
    samples_per_pair: int = 5,
    seed: int = 0,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    r"""MPC loss ``max_s V*(s) - V^mu(s)`` against the horizon ``H``.

    Three terminal values: ``\hat V = 0``; ``V* + U(-noise, noise)``
    (seeded, 0 on terminal states); ``V*`` of :func:`solvers.estimate_model`
    with ``samples_per_pair`` samples (planning still in ``m``).  The bound
    ``2 gamma^H ||V* - V_hat|| / (1 - gamma)`` of the noisy ``V*`` is drawn
    dashed when ``gamma < 1``.  The y axis is symmetric-log (the loss is often
    exactly 0).  The legend sits below the axes, clear of the curves: save
    with ``fig.tight_layout()`` or ``bbox_inches="tight"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from worlds import make
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = mpc_loss_curve(make("gridworld-5x5").mdp, range(1, 6), ax=ax)
    >>> [line.get_label() for line in ax.get_lines()][:3]
    ['V_hat = 0', 'V_hat = V* + U(-1, 1)', 'V_hat = V* of a model from 5 samples/pair']
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    H = [int(h) for h in horizons]
    Vs = policy_iteration(m).V
    rng = np.random.default_rng(seed)
    noisy = Vs + rng.uniform(-noise, noise, m.n_states)
    noisy[m.terminal] = 0.0
    est = estimate_model(m, samples_per_pair=samples_per_pair, seed=seed)
    learned = policy_iteration(est.mdp).V
    learned[m.terminal] = 0.0
    cases = [
        ("V_hat = 0", np.zeros(m.n_states), "o-"),
        (f"V_hat = V* + U(-{noise:g}, {noise:g})", noisy, "s-"),
        (f"V_hat = V* of a model from {samples_per_pair} samples/pair", learned, "^-"),
    ]
    top = 0.0
    for label, V_hat, style in cases:
        loss = [mpc(m, horizon=h, terminal_value=V_hat, V_star=Vs).loss for h in H]
        finite = [x if np.isfinite(x) else np.nan for x in loss]
        (line,) = ax.plot(H, finite, style, label=label, ms=4)
        line.set_gid(GID_LOSS)
        top = max(top, np.nanmax(finite) if np.isfinite(finite).any() else 0.0)
    if m.gamma < 1:
        err = np.abs(Vs - noisy).max()
        bound = [2 * m.gamma**h * err / (1 - m.gamma) for h in H]
        ax.plot(
            H, bound, "--", color="grey", lw=1, label="bound 2γ^H‖V*−V̂‖/(1−γ), noisy V*"
        )
    ax.set_yscale("symlog", linthresh=1e-2)
    ax.set_xlabel("horizon H")
    ax.set_ylabel("loss  max_s V*(s) − V^μ(s)")
    ax.set_xticks(H)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    ax.set_title(title or "MPC loss against the horizon")
    return ax


def _centre(world, s):
    r, c = world.cell(int(s))
    return float(c), float(r)


def _draw_path(ax, world, states, color="crimson"):
    xy = np.array([_centre(world, s) for s in states])
    (line,) = ax.plot(xy[:, 0], xy[:, 1], "-", color=color, lw=2.5, alpha=0.85)
    line.set_gid(GID_PATH)
    for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:], strict=True):
        if (x0, y0) != (x1, y1):
            ax.annotate(
                "",
                xy=(x1, y1),
                xytext=(x0, y0),
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.5},
            )
    ax.plot(xy[0, 0], xy[0, 1], "o", color=color, ms=8)
    return line


def mcts_map(world: Any, out: Any, *, ax: Any = None, title: str | None = None) -> Any:
    """One search on a grid: tree visits per state, root visits, principal variation.

    Parameters
    ----------
    world : grid world (e.g. :class:`worlds.GridWorld`)
    out : MCTSResult
        From :func:`solvers.mcts` on ``world.mdp``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from worlds import make
    >>> from solvers import mcts
    >>> w = make("cliff-walking")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = mcts_map(w, mcts(w.mdp, w.state(3, 0), simulations=300, depth=20, seed=0), ax=ax)
    >>> sum(t.get_gid() == GID_ROOT for t in ax.texts)
    4
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    visits = np.asarray(out.state_visits, dtype=float)
    shown = np.where(visits > 0, np.log10(1 + visits), np.nan)
    value_map(
        world,
        shown,
        ax=ax,
        cmap="Blues",
        annotate=False,
        label="log10(1 + tree visits of the state)",
        title=title or f"MCTS: {out.simulations} simulations, {out.nodes} nodes",
    )
    pv = [s for s, _ in out.principal_variation]
    root = pv[0] if pv else None
    if len(pv) > 1:
        _draw_path(ax, world, pv)
    if root is not None:
        x, y = _centre(world, root)
        for a, (dr, dc) in enumerate(world.action_deltas):
            if not world.mdp.action_mask[root, a]:
                continue
            t = ax.text(
                x + 0.33 * dc,
                y + 0.33 * dr,
                str(int(out.visits[a])),
                ha="center",
                va="center",
                fontsize=7,
                color="black",
                weight="bold" if a == out.action else "normal",
                bbox={
                    "boxstyle": "round,pad=0.1",
                    "fc": "white",
                    "ec": "none",
                    "alpha": 0.8,
                },
            )
            t.set_gid(GID_ROOT)
    return ax


def path_map(
    world: Any,
    states: Any,
    *,
    V: Any = None,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """An episode's states drawn as a path over a value map (default ``V*``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from worlds import make
    >>> w = make("dyna-maze")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = path_map(w, [w.state(2, 0), w.state(3, 0), w.state(3, 1)], ax=ax)
    >>> [line.get_gid() for line in ax.get_lines()][0]
    'planning-path'
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    if V is None:
        V = policy_iteration(world.mdp).V
    value_map(world, V, ax=ax, annotate=False, label="V*(s)", title=title)
    _draw_path(ax, world, list(states))
    return ax
