"""worlds.plot.planning and ``mdpkit plan``: structure of the pictures, the CLI text.

The pictures are asserted on structure (lines per terminal value, one root
text per available action, the path through the episode's cells), rendered
once with Agg so that draw-time warnings fail; the CLI's printed return and
exact values are checked against value iteration.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from solvers import mcts, mpc, policy_iteration  # noqa: E402
from worlds import make  # noqa: E402
from worlds.cli import main  # noqa: E402
from worlds.grid import mazes  # noqa: E402
from worlds.plot.planning import (  # noqa: E402
    GID_LOSS,
    GID_PATH,
    GID_ROOT,
    mcts_map,
    mpc_loss_curve,
    path_map,
)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)


def test_mpc_loss_curve_lines_match_mpc(ax):
    m = make("gridworld-5x5").mdp
    mpc_loss_curve(m, [4, 5], ax=ax)
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == GID_LOSS]
    assert len(lines) == 3
    np.testing.assert_allclose(
        lines[0].get_ydata(), [mpc(m, horizon=h).loss for h in (4, 5)]
    )
    assert ax.get_yscale() == "symlog" and ax.get_xlabel() == "horizon H"


def test_mcts_map_root_texts_and_path(ax):
    w = make("cliff-walking")
    out = mcts(w.mdp, w.state(3, 0), simulations=400, depth=20, c=0.5, seed=0)
    mcts_map(w, out, ax=ax)
    texts = [t for t in ax.texts if t.get_gid() == GID_ROOT]
    assert sorted(int(t.get_text()) for t in texts) == sorted(out.visits.tolist())
    path = [ln for ln in ax.get_lines() if ln.get_gid() == GID_PATH]
    assert len(path) == 1
    xs, ys = path[0].get_data()
    pv = [w.cell(s) for s, _ in out.principal_variation]
    assert list(zip(ys, xs, strict=True)) == [(float(r), float(c)) for r, c in pv]


def test_path_map_draws_every_cell(ax):
    w = mazes.dyna_maze()
    states = [w.state(2, 0), w.state(3, 0), w.state(4, 0)]
    path_map(w, states, ax=ax)
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == GID_PATH]
    np.testing.assert_array_equal(line.get_ydata(), [2.0, 3.0, 4.0])


def test_cli_plan_mpc_and_mcts(capsys, tmp_path):
    out = tmp_path / "plan.png"
    code = main(
        [
            "plan",
            "windy-gridworld",
            "--method",
            "mpc",
            "--horizon",
            "16",
            "--out",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0 and out.exists()
    assert "episode (15 steps)" in text and "return -15.0000   V*(s0) -15.0000" in text
    assert "loss max_s V* - V^mu = 0" in text
    code = main(
        [
            "plan",
            "windy-gridworld",
            "--method",
            "mpc",
            "--horizon",
            "2",
            "--max-steps",
            "50",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0 and "planner's value undefined" in text and "more ..." in text
    code = main(
        [
            "plan",
            "gridworld-4x4",
            "--method",
            "mcts",
            "--simulations",
            "200",
            "--depth",
            "6",
        ]
    )
    text = capsys.readouterr().out
    Vs = policy_iteration(make("gridworld-4x4").mdp).V
    assert code == 0 and f"V*(s0) {Vs[1]:.4f}" in text and "exact V^mu(s0)" in text
    code = main(["plan", "blocking-maze", "--method", "mpc", "--horizon", "12"])
    text = capsys.readouterr().out
    assert (
        code == 0
        and "planning on its first map" in text
        and "episode (10 steps)" in text
    )


def test_cli_plan_mcts_with_the_random_policy_value(capsys):
    # --leaf random-policy: the exact value of random rollouts run to the end
    args = ["plan", "windy-gridworld", "--simulations", "100", "--depth", "4"]
    assert main([*args, "--leaf", "random-policy", "--max-steps", "30"]) == 0
    text = capsys.readouterr().out
    assert "leaf random-policy" in text
    assert "episode (15 steps)" in text and "return -15.0000   V*(s0) -15.0000" in text


def test_cli_plan_bad_name(capsys):
    assert main(["plan", "no-such-world"]) == 2
    assert "unknown world" in capsys.readouterr().err
