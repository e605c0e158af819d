"""Charts of any MDP: value bars and the convergence of solvers.

See :mod:`worlds.plot` for the conventions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ._draw import (
    _as_mdp,
    _axes,
    _vector,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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
    >>> from worlds.grid import GridWorld
    >>> from worlds.plot import convergence
    >>> from solvers import policy_iteration, value_iteration
    >>> m = GridWorld("S...\\n.#.G", step_reward=-1.0, gamma=0.9).mdp
    >>> fig, ax = plt.subplots()
    >>> ax = convergence([value_iteration(m), policy_iteration(m)], ax=ax)
    >>> ax.get_yscale(), len(ax.get_lines())
    ('log', 2)
    >>> ax.get_legend_handles_labels()[1]
    ['value_iteration', 'policy_iteration (dense evaluation)']
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
