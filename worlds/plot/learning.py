"""Pictures of learning: curves across runs, errors to the exact answer, visits.

* :func:`learning_curves`: the mean over runs of a per-episode quantity
  (online return by default) with a 95 % confidence band, one line per
  method, with a legend.
* :func:`error_curves`: the distance to the exact answer (``q_error``,
  ``rms_error`` or ``regret``) on a log scale, with the exact expected curve
  drawn where one exists (:func:`solvers.expected_learning_curve`); a
  regret mean that some run makes infinite (an improper greedy policy) is
  blank, and the median over runs is drawn dotted beside it.
* :func:`visit_map`: how often each cell was visited, on a grid world's map.
* :func:`learning_figure`: the three side by side, as ``mdpkit learn`` draws.

Plot functions take ``ax``, return it and never show.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["learning_curves", "error_curves", "visit_map", "learning_figure"]

GID_MEAN = "mdpkit-learning-mean"
GID_BAND = "mdpkit-learning-band"
GID_EXACT = "mdpkit-learning-exact"
GID_MEDIAN = "mdpkit-learning-median"


def _axes(ax: Axes | None) -> Axes:
    import matplotlib.pyplot as plt

    return plt.gca() if ax is None else ax


def _as_runs(x: Any) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    return a[None] if a.ndim == 1 else a


def _smooth(y: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or y.shape[-1] < window:
        return y
    k = np.ones(window) / window
    return np.apply_along_axis(lambda r: np.convolve(r, k, mode="valid"), -1, y)


def learning_curves(
    results: Mapping[str, Any],
    *,
    field: str = "episode_returns",
    ax: Axes | None = None,
    smooth: int = 1,
    band: bool = True,
    ylabel: str | None = None,
    title: str | None = None,
) -> Axes:
    """Mean over runs of a per-episode quantity, with a 95 % confidence band.

    Parameters
    ----------
    results : mapping label -> LearningResult, PredictionResult or array
        One entry per method; an array is ``(runs, episodes)`` or
        ``(episodes,)``.
    field : str
        The result attribute plotted (``"episode_returns"``,
        ``"episode_lengths"``, ``"q_error"``, ``"rms_error"``).
    ax : matplotlib.axes.Axes, optional
    smooth : int
        Moving-average window over episodes (applied per run, before the mean).
    band : bool
        Shade ``mean +- 1.96 * standard error`` across runs (needs 2+ runs).
    ylabel, title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        One line per method (gid ``mdpkit-learning-mean``) and one band each
        (gid ``mdpkit-learning-band``), with a legend.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds import make
    >>> from solvers import q_learning, sarsa
    >>> m = make("cliff-walking").mdp
    >>> kw = dict(episodes=50, alpha=0.5, epsilon=0.1, runs=5, seed=0)
    >>> res = {"Q-learning": q_learning(m, **kw), "Sarsa": sarsa(m, **kw)}
    >>> fig, ax = plt.subplots()
    >>> ax = learning_curves(res, ax=ax, smooth=5)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Q-learning', 'Sarsa']
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    for label, res in results.items():
        y = getattr(res, field) if hasattr(res, field) else res
        if y is None:
            msg = f"result {label!r} has no {field!r} (was the env an MDP?)."
            raise ValueError(msg)
        y = _smooth(_as_runs(y), int(smooth))
        x = np.arange(y.shape[1]) + (smooth if smooth > 1 else 1)
        mean = y.mean(axis=0)
        (line,) = ax.plot(x, mean, label=label, lw=1.6, gid=GID_MEAN)
        if band and y.shape[0] > 1:
            se = y.std(axis=0, ddof=1) / np.sqrt(y.shape[0])
            ax.fill_between(
                x, mean - 1.96 * se, mean + 1.96 * se, color=line.get_color(),
                alpha=0.25, lw=0, gid=GID_BAND,
            )  # fmt: skip
    ax.set_xlabel("episode")
    default = {
        "episode_returns": "return per episode (online)",
        "episode_lengths": "steps per episode",
    }.get(field, field.replace("_", " "))
    ax.set_ylabel(ylabel or default)
    runs = {(_as_runs(getattr(r, field, r)).shape[0]) for r in results.values()}
    n = f"{max(runs)} runs" if runs else ""
    ax.set_title(title or f"mean over {n}, 95 % band")
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def error_curves(
    results: Mapping[str, Any],
    *,
    field: str | None = None,
    ax: Axes | None = None,
    exact: Mapping[str, Any] | None = None,
    squared: bool | None = None,
    band: bool = True,
    title: str | None = None,
) -> Axes:
    """Distance to the exact answer per episode, mean over runs, log scale.

    Parameters
    ----------
    results : mapping label -> LearningResult or PredictionResult
    field : {"q_error", "rms_error", "regret"}, optional
        Default ``q_error`` for control results, ``rms_error`` for prediction.
    ax : matplotlib.axes.Axes, optional
    exact : mapping label -> array (episodes,), optional
        Exact expected curves (e.g. :func:`solvers.expected_learning_curve`,
        a mean squared error), drawn dashed in black shades.
    squared : bool, optional
        Plot the mean over runs of ``rms_error**2`` (the mean squared error,
        the quantity of the exact curves) instead of the mean RMS; default
        ``True`` exactly when ``exact`` is given.
    band : bool
        95 % confidence band across runs.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Log-scaled y axis; measured means have gid ``mdpkit-learning-mean``,
        exact curves ``mdpkit-learning-exact``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds import make
    >>> from solvers import td_evaluation, expected_learning_curve
    >>> m = make("random-walk").mdp
    >>> res = td_evaluation(m, [0] * 7, episodes=20, alpha=0.1, offline=True,
    ...                     V0=0.5, runs=20, seed=0)
    >>> mse = expected_learning_curve(m, [0] * 7, alpha=0.1, episodes=20, V0=0.5)
    >>> fig, ax = plt.subplots()
    >>> ax = error_curves({"TD(0)": res}, exact={"TD(0) exact": mse}, ax=ax)
    >>> ax.get_yscale(), ax.get_ylabel()
    ('log', 'mean squared error to V^pi')
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    if squared is None:
        squared = exact is not None
    used = None
    for label, res in results.items():
        f = field
        if f is None:
            f = "q_error" if hasattr(res, "q_error") else "rms_error"
        used = f
        y = getattr(res, f)
        if y is None:
            msg = f"result {label!r} has no {f!r}: errors need the env to be an MDP."
            raise ValueError(msg)
        y = _as_runs(y)
        if squared and f == "rms_error":
            y = y**2
        if f == "regret":
            x = np.asarray(res.eval_episodes)
            y = np.where(np.isfinite(y), y, np.nan)
        else:
            x = np.arange(1, y.shape[1] + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            # a column where some run's greedy policy is improper (infinite
            # regret) has an infinite mean: blank, not the mean of the others
            mean = np.mean(y, axis=0)
            se = np.std(y, axis=0, ddof=1) / np.sqrt(y.shape[0])
        (line,) = ax.plot(x, mean, label=label, lw=1.6, gid=GID_MEAN)
        if band and y.shape[0] > 1:
            lo = np.maximum(mean - 1.96 * se, mean * 1e-3)
            ax.fill_between(x, lo, mean + 1.96 * se, color=line.get_color(),
                            alpha=0.25, lw=0, gid=GID_BAND)  # fmt: skip
        if f == "regret" and np.isnan(y).any():
            # with many runs some greedy policy is improper at almost every
            # evaluation, and the mean is blank nearly everywhere: the median
            # (infinite only when half the runs are) keeps the curve visible
            med = np.median(np.where(np.isnan(y), np.inf, y), axis=0)
            share = float(np.isnan(y).mean())
            ax.plot(x, np.where(np.isfinite(med), med, np.nan), ls=":", lw=1.6,
                    color=line.get_color(), gid=GID_MEDIAN,
                    label=f"{label}, median ({share:.0%} never end)")  # fmt: skip
    for i, (label, curve) in enumerate((exact or {}).items()):
        c = np.asarray(curve, dtype=np.float64)
        ax.plot(np.arange(1, c.size + 1), c, ls="--", lw=1.4,
                color=str(0.1 + 0.25 * (i % 3)), label=label, gid=GID_EXACT)  # fmt: skip
    positive = any(
        np.any(np.asarray(ln.get_ydata(), dtype=float) > 0) for ln in ax.lines
    )
    if used == "regret" or not positive:
        # a regret of exactly 0 (an optimal greedy policy) has no log, nor
        # an error that is 0 throughout (V^pi = 0 and nothing learned)
        ax.set_yscale("symlog", linthresh=1e-2)
        # headroom above the highest curve or band (a flat regret otherwise
        # sits on the frame)
        top = float(ax.dataLim.y1) if np.isfinite(ax.dataLim.y1) else 0.0
        ax.set_ylim(0, max(2e-2, 2.0 * top))
    else:
        ax.set_yscale("log")
        _at_least_a_decade(ax)
    ax.set_xlabel("episode")
    ylabel = {
        "q_error": "||Q_k - Q*||_inf",
        "rms_error": "mean squared error to V^pi" if squared else "RMS error to V^pi",
        "regret": "regret p0 . (V* - V^pi_k) of the greedy policy",
    }.get(used or "", used or "")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    # regrets gather at 0 and above 1 on the symlog axis: the middle is free
    ax.legend(loc="center right" if used == "regret" else "best", fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return ax


def _at_least_a_decade(ax: Axes) -> None:
    """Widen a log axis to a factor 10 or more around its data: on a narrower
    one matplotlib labels ticks like ``9.9999 x 10^-1`` (an error that hardly
    moved is shown as such, not magnified)."""
    lo, hi = ax.get_ylim()
    if lo > 0 and hi / lo < 10:
        mid = np.sqrt(lo * hi)
        ax.set_ylim(mid / np.sqrt(10), mid * np.sqrt(10))


def visit_map(
    world: Any,
    res: Any,
    *,
    ax: Axes | None = None,
    run: int | None = None,
    log: bool = True,
) -> Axes:
    """How often each cell was visited (``sum_a n(s, a)``), on a grid world's map.

    Parameters
    ----------
    world : grid world
        The world the learner ran on.
    res : LearningResult or array (S, A) / (runs, S, A) / (S,)
        Visit counts (``res.visits``); runs are summed unless ``run`` is given.
    ax : matplotlib.axes.Axes, optional
    run : int, optional
        One run only.
    log : bool
        Logarithmic colour scale (unvisited cells blank).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds import make
    >>> from solvers import sarsa
    >>> w = make("cliff-walking")
    >>> res = sarsa(w.mdp, episodes=20, alpha=0.5, epsilon=0.1, runs=3, seed=0)
    >>> fig, ax = plt.subplots()
    >>> ax = visit_map(w, res, ax=ax)
    >>> ax.images[0].colorbar.ax.get_ylabel()
    'visits n(s), 3 runs'
    >>> plt.close(fig)
    """
    from .maps import occupancy_map

    v = np.asarray(getattr(res, "visits", res), dtype=np.float64)
    n_runs = 1
    if v.ndim == 3:
        n_runs = v.shape[0]
        v = v[run] if run is not None else v.sum(axis=0)
        if run is not None:
            n_runs = 1
    if v.ndim == 2:
        v = v.sum(axis=1)
    label = f"visits n(s), {n_runs} run{'s' if n_runs > 1 else ''}"
    # a terminal state is never left, so has no visits n(s, a): drawn as a tile
    ax = occupancy_map(world, v, ax=ax, log=log and bool((v > 0).any()), label=label,
                       fmt=_count, mark_terminals=True)  # fmt: skip
    cbar = ax.images[0].colorbar
    if cbar is not None:
        from matplotlib.colors import LogNorm
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        norm = cbar.mappable.norm
        ticks = FuncFormatter(lambda x, _: _count(x))  # as in the cells: 1.0k
        minor: Any = NullFormatter()
        lo, hi = float(norm.vmin or 0.0), float(norm.vmax or 0.0)  # type: ignore[arg-type]
        if isinstance(norm, LogNorm) and lo and hi and hi < 100 * lo:
            # under two decades a log bar has one or no labelled power of 10
            cbar.ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
            minor = ticks
        cbar.ax.yaxis.set_major_formatter(ticks)
        cbar.ax.yaxis.set_minor_formatter(minor)
    return ax


def _value_panel(world: Any, results: Mapping[str, Any], ax: Axes) -> None:
    """The final estimates ``V`` (mean over runs, 95 % band; error bars on a
    grid, whose states are not a line) against ``V^pi`` at every
    non-terminal state."""
    from ..grid import is_grid_world

    m = getattr(world, "mdp", world)
    live = ~np.asarray(m.terminal, dtype=bool)
    ls = "none" if is_grid_world(world) else "-"  # a line joins a chain's states
    x = np.arange(int(live.sum()))
    V_pi = None
    for label, res in results.items():
        V = _as_runs(res.V)[:, live]
        mean = V.mean(axis=0)
        (line,) = ax.plot(x, mean, marker="o", ls=ls, lw=1.4, label=label, gid=GID_MEAN)
        if V.shape[0] > 1:
            se = V.std(axis=0, ddof=1) / np.sqrt(V.shape[0])
            if ls == "none":  # separate states: error bars, not a band
                ax.errorbar(x, mean, yerr=1.96 * se, fmt="none", capsize=3,
                            color=line.get_color(), gid=GID_BAND)  # fmt: skip
            else:
                ax.fill_between(x, mean - 1.96 * se, mean + 1.96 * se, alpha=0.25,
                                lw=0, color=line.get_color(), gid=GID_BAND)  # fmt: skip
        if V_pi is None and getattr(res, "V_pi", None) is not None:
            V_pi = np.asarray(res.V_pi)[live]
    if V_pi is not None:
        ax.plot(x, V_pi, ls="--" if ls == "-" else "none", color="black",
                marker="x", ms=8, label="V^pi (exact)", gid=GID_EXACT)  # fmt: skip
    names = getattr(m, "state_names", None)
    if names is not None and x.size <= 30:
        ax.set_xticks(x, [str(n) for n, ok in zip(names, live, strict=True) if ok])
    ax.set_xlabel("state")
    n = _as_runs(next(iter(results.values())).V).shape[0]
    ax.set_ylabel("V(s) after the last episode")
    ax.set_title(f"estimates, mean over {n} run{'s' if n > 1 else ''}, 95 % band")
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)


def _count(n: float) -> str:
    """A visit count in at most 4 characters: 950, 9.5k, 95k, 1.2M."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if n >= scale:
            x = n / scale
            return f"{x:.1f}{suffix}" if x < 9.95 else f"{x:.0f}{suffix}"
    return f"{n:.0f}"


def learning_figure(
    world: Any,
    results: Mapping[str, Any],
    *,
    exact: Mapping[str, Any] | None = None,
    smooth: int = 10,
    title: str | None = None,
) -> Figure:
    """Learning curves, errors to the exact answer and (on grids) the visit map.

    The first panel shows the online return per episode (for prediction
    results, which do not change the policy, the final ``V`` per state
    against ``V^pi`` instead); the error panels show ``q_error``
    (``rms_error`` for prediction) and, when the results have one
    (``eval_every``), the greedy policy's regret.

    Parameters
    ----------
    world : World, GridWorld or MDP
        What the learners ran on.
    results : mapping label -> result
    exact : mapping label -> array, optional
        Exact expected curves for the error panel.
    smooth : int
        Moving-average window of the learning curves.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds import make
    >>> from solvers import q_learning
    >>> w = make("cliff-walking")
    >>> res = q_learning(w.mdp, episodes=30, alpha=0.5, epsilon=0.1, runs=3, seed=0)
    >>> fig = learning_figure(w, {"Q-learning": res})
    >>> len(fig.axes) >= 3
    True
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from ..grid import is_grid_world

    grid = is_grid_world(world)
    first = next(iter(results.values()))
    has_visits = grid and getattr(first, "visits", None) is not None
    has_err = all(
        getattr(r, "q_error", None) is not None
        or getattr(r, "rms_error", None) is not None
        for r in results.values()
    )
    has_regret = all(getattr(r, "regret", None) is not None for r in results.values())
    n_top = 3 if has_err and has_regret and exact is None else 2
    width = 13 if n_top == 2 else 16
    if has_visits:
        fig = plt.figure(figsize=(width, 7.5), layout="constrained")
        gs = fig.add_gridspec(2, n_top, height_ratios=[1.3, 1])
        top = [fig.add_subplot(gs[0, j]) for j in range(n_top)]
        ax3 = fig.add_subplot(gs[1, :])
    else:
        fig, axs = plt.subplots(1, n_top, figsize=(width, 4.5), layout="constrained")
        top = list(axs)
    ax1, ax2 = top[0], top[1]
    if all(hasattr(r, "V") and not hasattr(r, "Q") for r in results.values()):
        # prediction: the return under the fixed policy does not learn; show
        # the estimate against V^pi (Sutton & Barto's Example 6.2, left)
        _value_panel(world, results, ax1)
    else:
        learning_curves(results, field="episode_returns", ax=ax1, smooth=smooth)
    if n_top == 3:
        error_curves(results, ax=ax2)  # ||Q_k - Q*||_inf per episode
        error_curves(results, field="regret", ax=top[2])
    elif has_regret and exact is None:
        error_curves(results, field="regret", ax=ax2)
    elif has_err:
        error_curves(results, ax=ax2, exact=exact)
    else:
        learning_curves(results, field="episode_lengths", ax=ax2, smooth=smooth)
    if has_visits:
        visit_map(world, first, ax=ax3)
        ax3.set_title(f"visits of {next(iter(results))}")
    if title:
        fig.suptitle(title)
    return fig
