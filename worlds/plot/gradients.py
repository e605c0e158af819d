r"""Pictures of policy optimisation: sub-optimality curves, the short corridor's
J(p), estimator variance bars and a policy's action probabilities on a grid.

Every function takes ``ax=None``, returns the Axes and never shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from mdp import MDPError
from solvers import policy_gradient

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "suboptimality_plot",
    "corridor_curve",
    "estimator_variance_bars",
    "estimator_error_plot",
    "action_probability_map",
]


def _axes(ax: Axes | None) -> Axes:
    import matplotlib.pyplot as plt

    return plt.gca() if ax is None else ax


def suboptimality_plot(
    results: Mapping[str, Any],
    *,
    ax: Axes | None = None,
    title: str | None = "sub-optimality",
    reference: bool = True,
) -> Axes:
    r"""Log-log curves of :math:`J^* - J(\theta_t)` against ``t`` for several runs.

    Each run has its own colour and dash pattern.

    Parameters
    ----------
    results : mapping of label to AscentResult
        Anything with a ``gap`` array (``J* - J`` per step, ``t = 0..T``).
    reference : bool
        Also draw a dotted ``c / t`` line through the first curve's midpoint
        (the rate of Mei et al. 2020 for exact softmax PG).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds import make
    >>> from solvers.gradients import policy_gradient_ascent
    >>> m = make("short-corridor").mdp
    >>> runs = {"PG": policy_gradient_ascent(m, lr=0.1, steps=50)}
    >>> ax = suboptimality_plot(runs)
    >>> len(ax.get_lines())
    2
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    >>> plt.close("all")
    """
    ax = _axes(ax)
    if not results:
        msg = "`results` is empty; give at least one labelled run."
        raise MDPError(msg)
    first = None
    styles = ("-", "--", "-.", (0, (5, 1, 1, 1, 1, 1)))
    for i, (label, res) in enumerate(results.items()):
        gap = np.asarray(res.gap, dtype=np.float64)
        t = np.arange(gap.size)
        keep = (t >= 1) & (gap > 0)
        # a dash pattern per run, so coinciding curves stay visible
        ax.plot(t[keep], gap[keep], label=label, lw=1.8, ls=styles[i % len(styles)])
        if first is None:
            first = (t[keep], gap[keep])
    if reference and first is not None and first[0].size > 2:
        t, g = first
        i = t.size // 2
        c = g[i] * t[i]
        ax.plot(t, c / t, "k:", lw=1.2, label=r"$\propto 1/t$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel(r"$J^* - J(\theta_t)$")
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return ax


def corridor_curve(
    m: Any = None, *, ax: Axes | None = None, n: int = 400, title: str | None = None
) -> Axes:
    r"""The short corridor's :math:`J(p)`, ``p = P(right)``, with the optimum marked.

    Computed by :func:`solvers.policy_gradient` with one observation for all
    states (closed form :math:`(2p-4)/(p(1-p))`); the book's two
    epsilon-greedy policies (``p = 0.05`` and ``0.95``) are marked too
    (Sutton & Barto, Example 13.1).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> ax = corridor_curve(n=50)
    >>> len(ax.get_lines())
    3
    >>> plt.close("all")
    """
    from ..catalogue import make

    world = make("short-corridor") if m is None else m
    mdp = getattr(world, "mdp", world)
    obs = np.zeros(mdp.n_states, dtype=np.intp)
    ax = _axes(ax)
    p = np.linspace(0.01, 0.99, int(n))

    def J(q: float) -> float:
        return policy_gradient(mdp, [[0.0, np.log(q / (1 - q))]], observations=obs)[0]

    ax.plot(p, [J(q) for q in p], lw=2, label=r"$J(p)$")
    p_star = 2 - np.sqrt(2)
    ax.plot(
        [p_star],
        [J(p_star)],
        "o",
        color="C3",
        ms=8,
        label=rf"optimum $p^*=2-\sqrt{{2}}\approx{p_star:.4f}$, $J={J(p_star):.3f}$",
    )
    eg = np.array([0.05, 0.95])
    ax.plot(
        eg,
        [J(q) for q in eg],
        "s",
        color="C2",
        ms=7,
        label=rf"$\epsilon$-greedy: $J(0.05)={J(0.05):.1f}$, $J(0.95)={J(0.95):.1f}$",
    )
    ax.set_ylim(-100, 0)
    ax.set_xlabel("p = P(right)")
    ax.set_ylabel(r"$J(p) = V(s_0)$")
    ax.set_title(title or "Short corridor (Sutton & Barto Ex. 13.1)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower center", fontsize="small")
    return ax


def estimator_variance_bars(
    study: Any, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    r"""Bars of each estimator's per-episode variance (log scale), bias as text.

    ``study`` is an :class:`~solvers.gradients.EstimatorStudy`; the bar
    height is the trace of the covariance of one episode's term, the label
    above it the bias :math:`\|\bar g - \nabla J\|` at the largest size in
    standard errors.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds import make
    >>> from solvers.gradients import estimator_study
    >>> m = make("short-corridor").mdp
    >>> st = estimator_study(m, [[0.0, 0.0]], episodes=(20,), runs=20,
    ...                      observations=[0, 0, 0, 0], seed=0)
    >>> ax = estimator_variance_bars(st)
    >>> len(ax.patches), ax.get_yscale()
    (4, 'log')
    >>> plt.close("all")
    """
    ax = _axes(ax)
    v = np.asarray(study.per_episode_variance)
    labels = list(study.estimators)
    bars = ax.bar(labels, v, color=[f"C{i}" for i in range(len(v))])
    z = study.bias[:, -1] / np.maximum(study.bias_se[:, -1], 1e-300)
    for rect, zi in zip(bars, z, strict=True):
        ax.annotate(
            f"bias {zi:.1f} s.e.",
            (rect.get_x() + rect.get_width() / 2, rect.get_height()),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.set_yscale("log")
    ax.set_ylabel(r"per-episode variance  tr Cov$[\hat g(\tau)]$")
    ax.set_title(
        title
        or f"Policy-gradient estimators ({study.runs} runs x "
        f"{int(study.episodes[-1])} episodes)"
    )
    ax.grid(True, axis="y", which="both", alpha=0.3)
    return ax


def estimator_error_plot(
    study: Any, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    r"""Mean squared error :math:`E\|\hat g - \nabla J\|^2` against episodes, log-log.

    One solid line per estimator (measured over ``study.runs`` runs) and a
    dotted line of its prediction ``per_episode_variance / n`` (unbiased
    estimators: MSE = variance, which falls like ``1/n``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds import make
    >>> from solvers.gradients import estimator_study
    >>> m = make("short-corridor").mdp
    >>> st = estimator_study(m, [[0.0, 0.0]], episodes=(5, 50), runs=20,
    ...                      estimators=("total", "baseline"),
    ...                      observations=[0, 0, 0, 0], seed=0)
    >>> ax = estimator_error_plot(st)
    >>> len(ax.get_lines()), ax.get_xscale()
    (4, 'log')
    >>> plt.close("all")
    """
    ax = _axes(ax)
    n = np.asarray(study.episodes, dtype=np.float64)
    for i, label in enumerate(study.estimators):
        ax.plot(n, study.mse[i], "o-", color=f"C{i}", label=label)
        ax.plot(n, study.per_episode_variance[i] / n, ":", color=f"C{i}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("episodes per estimate")
    ax.set_ylabel(r"$E\,\|\hat g - \nabla J\|^2$")
    ax.set_title(title or f"Estimator error ({study.runs} runs; dotted: variance / n)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return ax


def action_probability_map(
    world: Any,
    pi: npt.ArrayLike,
    *,
    ax: Axes | None = None,
    V: npt.ArrayLike | None = None,
    title: str | None = "action probabilities",
    **kwargs: Any,
) -> Axes:
    r"""A stochastic policy's action probabilities as arrows on a grid world.

    A thin wrapper of :func:`worlds.plot.policy_map` (arrow length
    proportional to :math:`\pi(a|s)`), optionally over values ``V``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from worlds import make
    >>> from solvers.gradients import policy_gradient_ascent
    >>> w = make("gridworld-4x4")
    >>> res = policy_gradient_ascent(w.mdp, lr=0.5, steps=5)
    >>> ax = action_probability_map(w, res.policy)
    >>> ax.get_title()
    'action probabilities'
    >>> plt.close("all")
    """
    from .maps import policy_map

    return policy_map(world, pi, ax=ax, V=V, title=title, **kwargs)
