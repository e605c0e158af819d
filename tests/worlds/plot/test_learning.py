"""Learning pictures: structure (lines, bands, legend, log scales), not pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from solvers import expected_learning_curve, q_learning, sarsa, td_evaluation  # noqa: E402
from worlds import make  # noqa: E402
from worlds.plot.learning import (  # noqa: E402
    GID_BAND,
    GID_EXACT,
    GID_MEAN,
    error_curves,
    learning_curves,
    learning_figure,
    visit_map,
)


@pytest.fixture
def subplots():
    fig, ax = plt.subplots()
    yield fig, ax
    plt.close("all")


@pytest.fixture(scope="module")
def cliff_results():
    m = make("cliff-walking").mdp
    kw = {
        "episodes": 40,
        "alpha": 0.5,
        "epsilon": 0.1,
        "runs": 4,
        "seed": 0,
        "eval_every": 20,
    }
    return {"Q-learning": q_learning(m, **kw), "Sarsa": sarsa(m, **kw)}


def test_learning_curves_mean_band_legend(subplots, cliff_results):
    _, ax = subplots
    learning_curves(cliff_results, ax=ax, smooth=5)
    lines = [ln for ln in ax.lines if ln.get_gid() == GID_MEAN]
    assert len(lines) == 2 and lines[0].get_xdata().size == 36
    mean = cliff_results["Q-learning"].episode_returns.mean(axis=0)
    np.testing.assert_allclose(lines[0].get_ydata()[0], mean[:5].mean())
    assert sum(c.get_gid() == GID_BAND for c in ax.collections) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Q-learning",
        "Sarsa",
    ]


def test_error_curves_log_scale_and_exact(subplots):
    _, ax = subplots
    m = make("random-walk").mdp
    res = td_evaluation(
        m, [0] * 7, episodes=15, alpha=0.1, offline=True, runs=10, seed=0
    )
    mse = expected_learning_curve(m, [0] * 7, alpha=0.1, episodes=15)
    error_curves({"TD": res}, exact={"exact": mse}, ax=ax)
    assert ax.get_yscale() == "log"
    (mean,) = [ln for ln in ax.lines if ln.get_gid() == GID_MEAN]
    np.testing.assert_allclose(mean.get_ydata(), (res.rms_error**2).mean(axis=0))
    (ex,) = [ln for ln in ax.lines if ln.get_gid() == GID_EXACT]
    np.testing.assert_allclose(ex.get_ydata(), mse)


def test_regret_curve_and_missing_field(subplots, cliff_results):
    _, ax = subplots
    error_curves(cliff_results, field="regret", ax=ax)
    assert ax.get_yscale() == "symlog"
    assert ax.lines[0].get_xdata().tolist() == [20, 40]
    gym_like = type("R", (), {"q_error": None})()
    with pytest.raises(ValueError, match="errors need the env to be an MDP"):
        error_curves({"x": gym_like}, field="q_error", ax=ax)


def test_regret_mean_is_blank_where_a_run_is_improper(subplots):
    # regret inf (an improper greedy policy) in one run: the mean over runs is
    # infinite there, not the mean of the finite runs
    _, ax = subplots
    res = type("R", (), {})()
    res.regret = np.array([[np.inf, 2.0, 1.0], [4.0, 2.0, 0.0]])
    res.eval_episodes = np.array([10, 20, 30])
    error_curves({"x": res}, field="regret", ax=ax)
    (mean,) = [ln for ln in ax.lines if ln.get_gid() == GID_MEAN]
    y = np.asarray(mean.get_ydata(), dtype=float)
    assert np.isnan(y[0])
    np.testing.assert_allclose(y[1:], [2.0, 0.5])


def test_visit_map_and_figure(subplots, cliff_results):
    _, ax = subplots
    w = make("cliff-walking")
    visit_map(w, cliff_results["Sarsa"], ax=ax)
    img = ax.images[0].get_array()
    assert np.nansum(img) == cliff_results["Sarsa"].visits.sum()
    texts = [x.get_text() for x in ax.texts]
    assert "G" in texts  # the terminal goal (never left, so no visits) is a tile
    fig = learning_figure(w, cliff_results, title="t")
    # returns, ||Q - Q*||, regret (one row), the map
    ylabels = [a.get_ylabel() for a in fig.axes]
    assert ylabels[1] == "||Q_k - Q*||_inf" and ylabels[2].startswith("regret")
    assert ylabels[3] == "row"


def test_visit_counts_are_compact():
    from worlds.plot.learning import _count

    got = [_count(n) for n in (0, 7, 950, 999, 1000, 9949, 9950, 95_000, 1.25e6)]
    assert got == ["0", "7", "950", "999", "1.0k", "9.9k", "10k", "95k", "1.2M"]
    assert max(len(_count(10.0**k * 9.99)) for k in range(8)) <= 4


def test_regret_median_shows_where_the_mean_is_blank(subplots):
    """Cliff walking, SARSA, 10 runs: at almost every evaluation some run's
    greedy policy never ends, so the mean regret was blank nearly everywhere
    (a legend entry with no line); the dotted median (finite while fewer
    than half the runs are improper) is drawn, its label gives the share."""
    from worlds.plot.learning import GID_MEDIAN

    _, ax = subplots
    res = type("R", (), {})()
    res.regret = np.array([[np.inf, 2.0, np.inf], [4.0, np.inf, np.inf], [1.0, 3.0, 0]])
    res.eval_episodes = np.array([10, 20, 30])
    error_curves({"x": res}, field="regret", ax=ax)
    (mean,) = [ln for ln in ax.lines if ln.get_gid() == GID_MEAN]
    assert np.isnan(np.asarray(mean.get_ydata(), dtype=float)).all()
    (med,) = [ln for ln in ax.lines if ln.get_gid() == GID_MEDIAN]
    y = np.asarray(med.get_ydata(), dtype=float)
    np.testing.assert_array_equal(y[:2], [4.0, 3.0])
    assert np.isnan(y[2])  # two of three runs improper: the median is infinite
    assert med.get_label() == "x, median (44% never end)"
    ok = type("R", (), {"regret": np.ones((2, 3)), "eval_episodes": [1, 2, 3]})()
    _, ax2 = plt.subplots()
    error_curves({"y": ok}, field="regret", ax=ax2)
    assert [ln.get_gid() for ln in ax2.lines] == [GID_MEAN]  # no median needed


def test_log_error_axis_spans_a_decade(subplots):
    """An error that hardly moves (FrozenLake 8x8's ||Q - Q*|| sits at 1.0)
    had ticks labelled 9.9999 x 10^-1 on an axis 1e-4 wide."""
    _, ax = subplots
    res = type("R", (), {"q_error": np.array([[1.0, 1.0, 0.99999], [1.0, 1.0, 1.0]])})()
    error_curves({"x": res}, ax=ax)
    lo, hi = ax.get_ylim()
    assert hi / lo == pytest.approx(10.0) and lo < 0.99999 and hi > 1.0


def test_prediction_figure_shows_estimates_against_v_pi():
    """td_evaluation on the random walk: the left panel is V per state (A..E)
    with V^pi dashed, not the return under the fixed policy (which learns
    nothing, and is the same for every alpha at one seed)."""
    m = make("random-walk").mdp
    res = {
        f"alpha={a}": td_evaluation(m, [0] * 7, episodes=30, alpha=a, runs=5, seed=0)
        for a in (0.1, 0.05)
    }
    fig = learning_figure(make("random-walk"), res)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list("ABCDE")
    (exact,) = [ln for ln in ax.lines if ln.get_gid() == GID_EXACT]
    np.testing.assert_allclose(exact.get_ydata(), np.arange(1, 6) / 6)
    means = [ln for ln in ax.lines if ln.get_gid() == GID_MEAN]
    np.testing.assert_allclose(means[0].get_ydata(), res["alpha=0.1"].V[:, 1:6].mean(0))
    assert fig.axes[1].get_ylabel() == "RMS error to V^pi"
    plt.close(fig)


def test_visit_colour_bar_labels_a_narrow_range(subplots):
    """Cliff walking's visits span 333..5.1k: one labelled tick (1000) before;
    now 500, 1.0k, 2.0k, 5.0k, in the cells' compact format."""
    fig, ax = subplots
    v = np.full(48, 400.0)
    v[:12] = 5000.0
    visit_map(make("cliff-walking"), v, ax=ax)
    fig.canvas.draw()
    cax = ax.images[0].colorbar.ax
    labels = [t.get_text() for t in cax.get_yticklabels(minor=True)]
    labels += [t.get_text() for t in cax.get_yticklabels()]
    shown = {x for x in labels if x}
    assert {"500", "1.0k", "2.0k"} <= shown


def test_prediction_on_a_grid_draws_points_not_a_line():
    w = make("frozenlake-4x4")
    res = td_evaluation(w.mdp, [2] * 16, episodes=20, alpha=0.1, runs=3, seed=0)
    fig = learning_figure(w, {"TD(0)": res})
    ax = fig.axes[0]
    (mean,) = [ln for ln in ax.lines if ln.get_gid() == GID_MEAN]
    assert mean.get_linestyle() == "None" and len(ax.collections) == 1  # error bars
    assert len(mean.get_xdata()) == 11  # the live states (5 terminal)
    plt.close(fig)


def test_an_error_that_is_zero_throughout_needs_no_log(subplots):
    """Always 'left' on FrozenLake never reaches the goal: V^pi = 0 = V_k, and
    the log axis warned 'Data has no positive values' (an error under
    filterwarnings=error); such an axis is symlog from 0."""
    _, ax = subplots
    m = make("frozenlake-4x4").mdp
    res = td_evaluation(m, [0] * 16, episodes=5, alpha=0.1, runs=2, seed=0)
    assert not res.rms_error.any()
    error_curves({"x": res}, ax=ax)
    assert ax.get_yscale() == "symlog" and ax.get_ylim()[0] == 0
