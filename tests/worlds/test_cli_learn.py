"""``mdpkit learn``: output, figure, errors."""

from __future__ import annotations

import pytest

from worlds.cli import main


def test_learn_control_prints_policy_and_exact_value(tmp_path, capsys):
    out = tmp_path / "curves.png"
    rc = main(
        ["learn", "cliff-walking", "--method", "sarsa", "--episodes", "50", "--runs", "3",
         "--alpha", "0.5", "--epsilon", "0.1", "--out", str(out)]
    )  # fmt: skip
    text = capsys.readouterr().out
    assert rc == 0
    assert "sarsa on cliff-walking: 50 episodes x 3 runs" in text
    assert "greedy policy of run 0:" in text and "→" in text
    assert "J* = p0 . V* = -13.0000" in text
    assert "over 3 runs" in text
    assert out.exists() and out.stat().st_size > 10_000


def test_learn_prediction_with_exact_curve(tmp_path, capsys):
    out = tmp_path / "td.png"
    rc = main(
        ["learn", "random-walk", "--method", "td", "--episodes", "20", "--runs", "5",
         "--offline", "--out", str(out)]
    )  # fmt: skip
    text = capsys.readouterr().out
    assert rc == 0 and "RMS error to the exact V^pi" in text and out.exists()
    rc = main(
        ["learn", "random-walk", "--method", "mc", "--episodes", "5", "--runs", "2"]
    )
    assert rc == 0


def test_learn_non_grid_world_lists_states(capsys):
    rc = main(
        [
            "learn",
            "maximization-bias",
            "--method",
            "double-q",
            "--episodes",
            "30",
            "--runs",
            "2",
        ]
    )
    text = capsys.readouterr().out
    assert rc == 0 and ("A  right" in text or "A  left" in text)


def test_learn_errors(capsys):
    assert main(["learn", "cliff-walking", "--alpha", "2", "--episodes", "3"]) == 2
    assert "`alpha` must be in (0, 1]" in capsys.readouterr().err
    assert main(["learn", "no-such-world"]) == 2
    with pytest.raises(SystemExit):
        main(["learn", "cliff-walking", "--method", "dqn"])
