"""The mdpkit command line, driven as a new user would."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from worlds.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("mdpkit ")


def test_no_command_prints_help_and_exits_2(capsys):
    code, out, _ = run(capsys)
    assert code == 2 and "usage" in out.lower()


def test_list_names_every_world(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for name in (
        "gridworld-4x4",
        "gridworld-5x5",
        "cliff-walking",
        "frozenlake-8x8",
        "gamblers-problem",
        "jacks-car-rental",
        "garnet",
    ):
        assert name in out


def test_show_renders_the_map(capsys):
    code, out, _ = run(capsys, "show", "cliff-walking")
    assert code == 0
    assert "48 states" in out and "terminal states" in out


def test_solve_prints_values_policy_check_and_writes_png(capsys, tmp_path):
    png = tmp_path / "v.png"
    code, out, _ = run(capsys, "solve", "gridworld-4x4", "--out", str(png))
    assert code == 0
    assert "all identities hold" in out
    # the book's v* for Example 4.1 is minus the number of steps to a corner
    assert "-3.00" in out and "0.00" in out
    assert "←" in out or "↑" in out
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("method", ["vi", "pi", "mpi", "lp"])
def test_every_method_solves_and_verifies(capsys, method):
    code, out, _ = run(capsys, "check", "gridworld-5x5", "--method", method)
    assert code == 0, out
    assert "all identities hold" in out


def test_check_exits_1_when_an_identity_fails(capsys):
    # a loose solve checked at a tight tolerance cannot pass
    code, out, _ = run(
        capsys, "check", "gridworld-5x5", "--tol", "1e-1", "--check-tol", "1e-12"
    )
    assert code == 1
    assert "FAIL" in out


def test_param_and_gamma_reach_the_world(capsys):
    code, out, _ = run(capsys, "show", "gamblers-problem", "--param", "p_h=0.25")
    assert code == 0
    code, out, _ = run(capsys, "check", "frozenlake-4x4", "--gamma", "0.9")
    assert code == 0 and "gamma 0.9" in out


def test_unknown_world_suggests_close_match(capsys):
    code, _, err = run(capsys, "solve", "gridwold-4x4")
    assert code == 2
    assert "gridworld-4x4" in err
    assert err.count("\n") == 1  # one line, no traceback


def test_bad_param_is_one_line_exit_2(capsys):
    code, _, err = run(capsys, "solve", "gamblers-problem", "--param", "nonsense=3")
    assert code == 2 and "nonsense" in err and "Traceback" not in err


def test_map_file_and_bad_map_file(capsys, tmp_path):
    good = tmp_path / "maze.txt"
    good.write_text("S..#\n.#..\n...G\n")
    code, out, _ = run(capsys, "solve", "--map", str(good), "--gamma", "0.9")
    assert code == 0 and "all identities hold" in out
    bad = tmp_path / "bad.txt"
    bad.write_text("S.?\n..G\n")
    code, _, err = run(capsys, "solve", "--map", str(bad))
    assert code == 2 and "line 1" in err and "column 3" in err
    code, _, err = run(capsys, "solve", "--map", str(tmp_path / "missing.txt"))
    assert code == 2 and "does not exist" in err


def test_npz_roundtrip_through_save_and_solve(capsys, tmp_path):
    path = tmp_path / "forest.npz"
    code, _, _ = run(capsys, "save", "forest", "--out", str(path))
    assert code == 0 and path.exists()
    code, out, _ = run(capsys, "solve", str(path), "--method", "pi")
    assert code == 0 and "all identities hold" in out
    # forest at gamma 0.96: V* = (74.65, 78.11, 82.11) (pymdptoolbox's example)
    for v in ("74.6", "78.1", "82.1"):
        assert v in out


def test_graph_writes_png(capsys, tmp_path):
    png = tmp_path / "g.png"
    code, _, _ = run(capsys, "graph", "random-walk", "--out", str(png))
    assert code == 0 and png.exists()


def test_console_script_runs_as_a_process():
    proc = subprocess.run(
        [sys.executable, "-m", "worlds.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "mdpkit" in proc.stdout


def test_verbose_solve_reports_progress_on_stderr(capsys):
    code, _, err = run(capsys, "solve", "gridworld-4x4", "-v")
    assert code == 0 and "value_iteration" in err
    code, _, err = run(capsys, "solve", "gridworld-4x4")
    assert err == ""


def test_solution_matches_library_call(capsys):
    import worlds
    from solvers import value_iteration

    world = worlds.make("gridworld-4x4")
    V = value_iteration(world.mdp, tol=1e-10).V
    assert np.allclose(V.reshape(4, 4)[0], [0, -1, -2, -3])


def test_map_params_are_typed_and_checked(capsys, tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("S..#\n.#..\n...G\n")
    code, _, err = run(capsys, "solve", "--map", str(path), "-p", "stepreward=-1")
    assert code == 2 and "did you mean 'step_reward'" in err and err.count("\n") == 1
    code, out, _ = run(
        capsys,
        "solve",
        "--map",
        str(path),
        "-p",
        "moves=8",
        "-p",
        "step_reward=-1",
        "-p",
        "wind=0,1,0,0",
    )
    assert code == 0 and "UP_RIGHT" in out and "all identities hold" in out
    code, _, err = run(capsys, "solve", "--map", str(path), "-p", "legend=x")
    assert code == 2 and "'x' is not CHAR:KIND or CHAR:KIND:REWARD" in err
    code, _, err = run(capsys, "solve", "--map", str(path), "-p", "jumps=x")
    assert code == 2 and "set it from Python" in err
    code, _, err = run(capsys, "solve", "--map", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_warnings_are_one_line(capsys, tmp_path):
    path = tmp_path / "walled.txt"
    path.write_text("S.#.\n..#G\n")
    code, _, err = run(capsys, "show", "--map", str(path))
    assert code == 0
    assert err.startswith("mdpkit show: warning:") and "walled.txt" in err
    assert "cli.py" not in err  # no source location, no traceback


def test_save_adds_the_npz_suffix_and_says_so(capsys, tmp_path):
    code, out, _ = run(capsys, "save", "gridworld-4x4", "--out", str(tmp_path / "g"))
    assert code == 0 and (tmp_path / "g.npz").exists() and "g.npz" in out


def test_gamma_one_without_terminal_states_is_a_clear_error(capsys):
    code, _, err = run(capsys, "solve", "gridworld-5x5", "--gamma", "1")
    assert code == 2 and "no terminal states" in err


def test_show_lists_parameters_and_solve_checks_the_returned_policy(capsys):
    code, out, _ = run(capsys, "show", "gamblers-problem")
    assert code == 0 and "p_h=0.4" in out
    code, out, _ = run(capsys, "check", "frozenlake-4x4", "--method", "lp")
    assert code == 0 and "V^{pi*} = V*" in out


def test_large_non_grid_world_points_to_the_figure(capsys):
    code, out, _ = run(capsys, "solve", "jacks-car-rental", "--method", "pi")
    assert code == 0 and "not listed here" in out
