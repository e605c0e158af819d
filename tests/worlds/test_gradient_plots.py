"""Policy-gradient pictures (structure, not pixels) and `mdpkit gradient`."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mdp import MDPError
from solvers.gradients import estimator_study, policy_gradient_ascent
from worlds import make
from worlds.cli import main
from worlds.plot import (
    action_probability_map,
    corridor_curve,
    estimator_variance_bars,
    suboptimality_plot,
)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_suboptimality_plot_is_log_log_with_one_line_per_run(ax):
    m = make("short-corridor").mdp
    runs = {
        "PG": policy_gradient_ascent(m, lr=0.5, steps=30),
        "NPG": policy_gradient_ascent(m, lr=0.5, steps=30, natural=True),
    }
    suboptimality_plot(runs, ax=ax)
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["PG", "NPG"]
    # the curve's points are the positive gaps for t >= 1
    x, y = ax.get_lines()[0].get_data()
    assert x[0] == 1 and np.all(y > 0)
    with pytest.raises(MDPError, match="`results` is empty"):
        suboptimality_plot({}, ax=ax)


def test_corridor_curve_marks_the_optimum(ax):
    corridor_curve(ax=ax, n=60)
    opt = ax.get_lines()[1]
    x, y = opt.get_data()
    assert x[0] == pytest.approx(2 - np.sqrt(2))
    assert y[0] == pytest.approx(-(6 + 4 * np.sqrt(2)))
    eg = ax.get_lines()[2].get_data()[1]
    np.testing.assert_allclose(eg, [-82.105, -44.211], atol=1e-3)


def test_variance_bars_in_estimator_order(ax):
    m = make("short-corridor").mdp
    st = estimator_study(
        m, [[0.0, 0.0]], episodes=(20,), runs=30, observations=[0] * 4, seed=0
    )
    estimator_variance_bars(st, ax=ax)
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, st.per_episode_variance)
    assert ax.get_yscale() == "log"


def test_action_probability_map_draws_arrows(ax):
    from worlds.plot import GID_ARROWS

    w = make("gridworld-4x4")
    res = policy_gradient_ascent(w.mdp, lr=0.5, steps=3)
    action_probability_map(w, res.policy, ax=ax)
    quivers = [c for c in ax.collections if c.get_gid() == GID_ARROWS]
    assert len(quivers) == 1


@pytest.mark.parametrize("method", ["pg", "npg", "ppo", "reinforce"])
def test_cli_gradient_every_method(capsys, tmp_path, method):
    out = tmp_path / "curve.png"
    code = main(
        [
            "gradient",
            "short-corridor",
            "--method",
            method,
            "--steps",
            "5",
            "--episodes",
            "10",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "J* = -3" in text and "J* - J" in text
    assert out.stat().st_size > 1000


def test_cli_gradient_matches_library(capsys):
    main(["gradient", "short-corridor", "--method", "npg", "--steps", "4"])
    text = capsys.readouterr().out
    res = policy_gradient_ascent(
        make("short-corridor").mdp, lr=1.0, steps=4, natural=True
    )
    last = text.strip().splitlines()[-1].split()
    assert int(last[0]) == 4
    assert float(last[1]) == pytest.approx(res.J[-1], rel=1e-5)


def test_cli_gradient_unknown_world_is_exit_2(capsys):
    assert main(["gradient", "no-such-world"]) == 2
    assert "error" in capsys.readouterr().err


def test_estimator_error_plot_lines(ax):
    from worlds.plot import estimator_error_plot

    m = make("short-corridor").mdp
    st = estimator_study(
        m, [[0.0, 0.0]], episodes=(5, 50), runs=20, observations=[0] * 4, seed=0
    )
    estimator_error_plot(st, ax=ax)
    assert len(ax.get_lines()) == 2 * len(st.estimators)
    np.testing.assert_allclose(ax.get_lines()[0].get_data()[1], st.mse[0])


def test_cli_gradient_verbose_reports_progress(capsys):
    assert main(["gradient", "short-corridor", "--steps", "3", "-v"]) == 0
    assert "policy_gradient_ascent: done" in capsys.readouterr().err
