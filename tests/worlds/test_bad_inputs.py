"""Bad inputs to ``worlds`` as a new user would give them (issue 6, section 4).

Each row is one input and the message it must get (pinned with ``match=``);
the inputs that used to give a silently wrong answer are checked for the
right answer too.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

import worlds
from mdp import MDPError
from worlds import GridWorld, GridWorldError, WorldError, garnet
from worlds.cli import main

BOOL_WORDS = ["true", "false", "yes", "no", "on", "off", "1", "0"]


# ------------------------------------------------------------ make(): params
@pytest.mark.parametrize("word", [*BOOL_WORDS, "FALSE", " No ", "True"])
def test_make_reads_bool_words_as_the_command_line_does(word):
    slippery = word.strip().lower() in ("true", "yes", "on", "1")
    lake = worlds.make("frozenlake-4x4", is_slippery=word)
    # a slippery lake has 3 outcomes per (s, a) off the terminal cells
    assert (lake.mdp.P.nnz > 64) is slippery
    assert (
        lake.mdp.P.nnz == worlds.make("frozenlake-4x4", is_slippery=slippery).mdp.P.nnz
    )


def test_make_king_moves_no_gives_four_actions():
    assert worlds.make("windy-gridworld", king_moves="no").n_actions == 4
    assert worlds.make("windy-gridworld", king_moves="Yes", stay="on").n_actions == 9


BAD_PARAMS = [
    (
        "frozenlake-4x4",
        {"is_slippery": "maybe"},
        r"parameter 'is_slippery' of world 'frozenlake-4x4' must be True or False "
        r"\(or one of the words true/false, yes/no, on/off, 1/0\); got 'maybe'\.",
    ),
    (
        "frozenlake-4x4",
        {"is_slippery": 1},
        r"'is_slippery' of world 'frozenlake-4x4' must be True or False .*; got 1\.",
    ),
    (
        "windy-gridworld",
        {"king_moves": None},
        r"'king_moves' of world 'windy-gridworld' must be True or False .*; got None\.",
    ),
    (
        "frozenlake-4x4",
        {"gamma": "0.9"},
        r"parameter 'gamma' of world 'frozenlake-4x4' must be a number, not the "
        r"string '0\.9'; pass a number, or convert command-line text with "
        r"worlds\.parse_params\('frozenlake-4x4', \['gamma=0\.9'\]\)\.",
    ),
    (
        "jacks-car-rental",
        {"max_cars": "10"},
        r"'max_cars' of world 'jacks-car-rental' must be a number, not the string '10'",
    ),
]


@pytest.mark.parametrize(("name", "params", "match"), BAD_PARAMS)
def test_make_rejects_values_that_would_mean_something_else(name, params, match):
    with pytest.raises(WorldError, match=match):
        worlds.make(name, **params)


def test_parse_params_reads_whole_numbers_for_ints():
    # command-line text "3.0" names the integer 3; "2.5" does not
    assert worlds.parse_params("random-walk", ["n_states=3.0"]) == {"n_states": 3}
    with pytest.raises(
        WorldError,
        match=r"'n_states' of world 'random-walk' must be an integer; got '2\.5'",
    ):
        worlds.parse_params("random-walk", ["n_states=2.5"])


# ------------------------------------------------------------ GridWorld maps
def test_one_line_strings_are_maps_only_when_made_of_map_characters(tmp_path):
    assert GridWorld("S.G").shape == (1, 3)  # a one-row map
    assert GridWorld("S.$", legend={"$": "goal"}).shape == (1, 3)
    path = tmp_path / "mymaze"  # a file without suffix: read as a file
    path.write_text("S.\n.G\n", encoding="utf-8")
    assert GridWorld(str(path)).shape == (2, 2)


BAD_MAPS = [
    (
        "mymaze",
        r"no such map file 'mymaze' \(relative to '.*'\); nor is it a one-row map: "
        r"'aemyz' are not map characters \(known: '#\.CFGHS'\)\. Give an existing "
        r"file, or a map as several lines or a list of row strings\.",
    ),
    (
        os.path.join(os.sep, "no", "such", "maze.txt"),
        r"no such map file '.*maze\.txt'; nor is it a one-row map",
    ),
    ("", r"the grid map is empty; give at least one row of cells\."),
]


@pytest.mark.parametrize(("grid_map", "match"), BAD_MAPS)
def test_missing_map_file_is_not_a_character_error(grid_map, match):
    with pytest.raises(GridWorldError, match=match):
        GridWorld(grid_map)


def test_a_directory_is_not_a_map(tmp_path):
    with pytest.raises(
        GridWorldError, match=r"map file '.*' is a directory, not a map file\."
    ):
        GridWorld(str(tmp_path))


def test_map_file_with_a_utf8_bom_is_read(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfS..\n..G\n")
    world = GridWorld(path)
    assert world.shape == (2, 3) and world.start_cells == [(0, 0)]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (
            b"S.\x89G\n",
            r"map file '.*latin\.txt' is not UTF-8 text \(byte 0x89 at offset 2\); "
            r"a map is a text file, one character per cell\.",
        ),
        (
            b"S.\x00G\n",
            r"map file '.*latin\.txt' holds NUL bytes: it is a binary file, not a map\.",
        ),
    ],
)
def test_binary_map_file_is_named(tmp_path, data, match):
    path = tmp_path / "latin.txt"
    path.write_bytes(data)
    with pytest.raises(GridWorldError, match=match):
        GridWorld(path)


# ------------------------------------------------------------------- garnet
BAD_GARNET = [
    ((2.5,), {}, r"`n_states` must be an integer >= 1; got 2\.5\."),
    ((10, 2.5), {}, r"`n_actions` must be an integer >= 1; got 2\.5\."),
    ((10, 4, 2.5), {}, r"`n_branch` must be an integer >= 1; got 2\.5\."),
    ((10, 4, 0), {}, r"`n_branch` must be an integer >= 1; got 0\."),
    ((10, 4, 11), {}, r"`n_branch` must be in 1\.\.n_states = 1\.\.10; got 11\."),
    ((10,), {"seed": "abc"}, r"`seed` must be None, a non-negative integer, .*'abc'"),
    ((10,), {"seed": -1}, r"`seed` must be None, a non-negative integer, .*got -1"),
]


@pytest.mark.parametrize(("args", "kwargs", "match"), BAD_GARNET)
def test_garnet_blames_the_right_argument(args, kwargs, match):
    with pytest.raises(MDPError, match=match):
        garnet(*args, **kwargs)


def test_garnet_seeds():
    g = np.random.default_rng(3)
    a = garnet(20, 3, 2, seed=np.random.SeedSequence(5))
    assert a == garnet(20, 3, 2, seed=np.random.SeedSequence(5))
    assert garnet(20, 3, 2, seed=g) != garnet(20, 3, 2, seed=g)  # g advances


# ---------------------------------------------------------------------- CLI
def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error(err: str, command: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"mdpkit {command}: error: "), err
    return lines[0]


@pytest.mark.parametrize(
    ("out", "written"),
    [("fig", "fig.png"), ("fig.png", "fig.png"), ("fig.svg", "fig.svg")],
)
def test_solve_out_says_the_file_it_wrote(capsys, tmp_path, out, written):
    code, stdout, _ = run(capsys, "solve", "gridworld-4x4", "--out", tmp_path / out)
    assert code == 0
    assert (tmp_path / written).is_file()
    assert f"wrote {tmp_path / written}" in stdout.splitlines()[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == [written]


def test_out_directory_gets_the_world_name(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = run(capsys, "solve", "gridworld-4x4", "--out", ".")
    assert code == 0 and (tmp_path / "gridworld-4x4.png").is_file()
    assert stdout.splitlines()[-1] == f"wrote {os.path.join('.', 'gridworld-4x4.png')}"
    code, stdout, _ = run(capsys, "save", "gridworld-4x4", "--out", tmp_path)
    assert code == 0 and (tmp_path / "gridworld-4x4.npz").is_file()
    code, stdout, _ = run(capsys, "graph", "gridworld-4x4", "--out", tmp_path)
    assert code == 0 and (tmp_path / "gridworld-4x4.png").is_file()
    assert not (tmp_path / ".png").exists()


@pytest.mark.parametrize("command", ["solve", "graph"])
def test_out_without_a_file_name_is_an_error(capsys, tmp_path, command):
    code, _, err = run(capsys, command, "gridworld-4x4", "--out", tmp_path / ".png")
    assert code == 2
    line = one_error(err, command)
    assert re.search(r"--out '.*\.png' has no file name; give one such as ", line)
    assert not (tmp_path / ".png").exists()


def test_map_file_given_as_world_name_suggests_map(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "maze.txt").write_text("S.G\n", encoding="utf-8")
    for target in ("maze.txt", "other.txt"):
        code, _, err = run(capsys, "solve", target)
        assert code == 2
        assert one_error(err, "solve").endswith(
            f"{target!r} is not a catalogue world; to read a map file, give it "
            f"with --map {target}."
        )
    code, out, _ = run(capsys, "solve", "--map", "maze.txt")
    assert code == 0 and "maze.txt: 3 states" in out


def test_directory_as_target(capsys, tmp_path):
    code, _, err = run(capsys, "solve", tmp_path)
    assert code == 2
    assert one_error(err, "solve").endswith(
        f"{str(tmp_path)!r} is a directory; name a world (see `mdpkit list`), or "
        "give --map FILE or an .npz file."
    )


def test_unknown_map_character_hint_is_a_command_line(capsys, tmp_path):
    path = tmp_path / "tilde.txt"
    path.write_text("S.~\n..G\n", encoding="utf-8")
    code, _, err = run(capsys, "solve", "--map", path)
    assert code == 2
    line = one_error(err, "solve")
    assert "legend={" not in line  # no Python syntax
    assert line.endswith(
        "unknown map character '~' at "
        f"{str(path)!r}, line 1, column 3 (cell (0, 2)). Known characters: "
        "'#.CFGHS'; declare it with --param 'legend=~:floor' (kinds: floor, wall, "
        "start, goal, hole, cliff; a reward on entry as 'legend=~:goal:10')."
    )
    # and the advice works
    code, out, _ = run(capsys, "solve", "--map", path, "--param", "legend=~:goal:5")
    assert code == 0 and "tilde.txt: 6 states (2 terminal)" in out


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        ("~", r"'~' is not CHAR:KIND or CHAR:KIND:REWARD \(e\.g\. legend=~:floor"),
        ("~~:floor", r"'~~:floor' is not CHAR:KIND"),
        ("~:goal:x", r"the reward of legend entry '~:goal:x' of .* must be a number"),
        ("~:lava", r"`legend\['~'\]` names unknown kind 'lava'"),
    ],
)
def test_bad_legend_on_the_command_line(capsys, tmp_path, entry, match):
    path = tmp_path / "tilde.txt"
    path.write_text("S.~\n..G\n", encoding="utf-8")
    code, _, err = run(capsys, "solve", "--map", path, "--param", f"legend={entry}")
    assert code == 2
    assert re.search(match, one_error(err, "solve"))


def test_map_file_with_bom_and_binary_map_on_the_command_line(capsys, tmp_path):
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfS..\n..G\n")
    code, out, _ = run(capsys, "check", "--map", bom)
    assert code == 0 and out.startswith("bom.txt: 6 states (1 terminal)")
    binary = tmp_path / "maze.txt"
    binary.write_bytes(bytes(range(256)))
    code, _, err = run(capsys, "solve", "--map", binary)
    assert code == 2
    assert re.search(
        r"map file '.*maze\.txt' is not UTF-8 text", one_error(err, "solve")
    )


def test_graph_too_big_advice_fits_the_command(capsys, tmp_path):
    out = tmp_path / "g.png"
    code, _, err = run(capsys, "graph", "garnet", "-p", "n_states=200", "--out", out)
    assert code == 2
    assert one_error(err, "graph").endswith(
        "the graph has 200 states and the drawing shows at most 60 (a bigger one is "
        "unreadable); add --max-states 200, or --policy to draw only the optimal "
        "policy's chain."
    )
    code, _, err = run(
        capsys, "graph", "garnet", "-p", "n_states=200", "--policy", "--out", out
    )
    assert code == 2
    line = one_error(err, "graph")
    assert "--policy" not in line
    assert re.search(
        r"the optimal policy's chain from the start has \d+ states and the drawing "
        r"shows at most 60 .*; add --max-states \d+\.$",
        line,
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "content",
    [b"hello\n", b"PK\x03\x04 truncated zip", bytes(range(256))],
    ids=["text", "truncated-zip", "binary"],
)
def test_bad_npz_file_is_one_line_and_exit_2(capsys, tmp_path, content):
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    for command in ("solve", "show"):
        code, _, err = run(capsys, command, path)
        assert code == 2
        assert "m.npz" in one_error(err, command)


@pytest.mark.parametrize(
    ("field", "edit", "match"),
    [
        (
            "P_indices",
            lambda a: a + 5,
            r"`P` has index 5 in row 0, out of range 0\.\.2 for shape \(6, 3\); "
            r"'.*f\.npz' is corrupt \(write it again with MDP\.save\(\)\)\.$",
        ),
        ("P_indptr", lambda a: a[::-1].copy(), r"indptr does not start at 0 and incr"),
        (
            "shape",
            lambda a: np.array([4, 2]),
            r"whose indptr has 7 entries; expected 5",
        ),
    ],
)
def test_tampered_npz_is_one_line_and_exit_2(capsys, tmp_path, field, edit, match):
    # a valid archive whose CSR arrays were edited: solvers used to return
    # ~1e229 marked converged, and evaluate_policy segfaulted
    path = tmp_path / "f.npz"
    assert run(capsys, "save", "forest", "--out", path)[0] == 0
    with np.load(path) as f:
        arrays = dict(f)
    arrays[field] = edit(arrays[field])
    np.savez(path, **arrays)
    for command in ("solve", "check"):
        code, out, err = run(capsys, command, path)
        assert code == 2 and out == ""
        assert re.search(match, one_error(err, command))


@pytest.mark.parametrize(
    ("command", "out", "match"),
    [
        (
            "solve",
            "missing/fig.png",
            r"--out '.*fig\.png': the directory '.*missing' does not exist\.$",
        ),
        ("graph", "missing/fig.png", r"the directory '.*missing' does not exist\.$"),
        ("save", "missing/m.npz", r"the directory '.*missing' does not exist\.$"),
        (
            "solve",
            "fig.jpgx",
            r"--out '.*fig\.jpgx': matplotlib cannot write '\.jpgx' figures; use one of .*\.png",
        ),
    ],
)
def test_bad_out_is_an_error_before_the_work(capsys, tmp_path, command, out, match):
    # it used to solve and print everything, then fail with a raw OSError
    code, stdout, err = run(capsys, command, "gridworld-4x4", "--out", tmp_path / out)
    assert code == 2 and stdout == ""
    assert re.search(match, one_error(err, command))
    assert list(tmp_path.iterdir()) == []


def test_jump_without_its_reward_shows_the_format():
    # {(0, 1): (0, 0)} (a target, no reward) used to get "target must be a
    # (row, col) pair of integers; got 0"
    with pytest.raises(
        GridWorldError,
        match=re.escape(
            "`jumps[(0, 1)]` = (0, 0); expected ((row, col), reward), e.g. ((4, 1), 10.0)."
        ),
    ):
        GridWorld(["S.G"], jumps={(0, 1): (0, 0)})
