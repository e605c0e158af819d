"""Tests of worlds.catalogue: names, building by name, messages, CLI parsing."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from mdp import MDP, MDPError
from worlds import catalogue
from worlds.catalogue import WorldError, describe, make, names, parameters, parse_params
from worlds.classics import World

CLASSIC_NAMES = [
    "forest",
    "gamblers-problem",
    "garnet",
    "jacks-car-rental",
    "random-walk",
    "random-walk-19",
    "river-swim",
]
GRID_NAMES = [
    "cliff-walking",
    "four-rooms",
    "frozenlake-4x4",
    "frozenlake-8x8",
    "gridworld-4x4",
    "gridworld-5x5",
    "russell-norvig-4x3",
    "windy-gridworld",
]
HAVE_GRIDS = importlib.util.find_spec("worlds.grid.classics") is not None
needs_grids = pytest.mark.skipif(
    not HAVE_GRIDS, reason="worlds/grid/classics.py (GRID_ENTRIES) not written yet"
)


def test_names_sorted_and_complete():
    got = names()
    assert got == sorted(got) and len(set(got)) == len(got)
    assert set(CLASSIC_NAMES) <= set(got)


@needs_grids
def test_grid_names_are_merged():
    from worlds.grid.classics import GRID_ENTRIES

    assert set(GRID_NAMES) <= set(names())
    assert set(GRID_ENTRIES) <= set(names())
    assert not set(GRID_ENTRIES) & set(catalogue._CLASSIC_ENTRIES)


def _all_names():
    return [
        pytest.param(n, marks=needs_grids) if n in GRID_NAMES else n
        for n in CLASSIC_NAMES + GRID_NAMES
    ]


@pytest.mark.parametrize("name", _all_names())
def test_every_world_builds_with_defaults(name):
    w = make(name)
    assert isinstance(w.mdp, MDP)
    d = describe(name)
    assert isinstance(d, str) and d and "\n" not in d
    if isinstance(w, World):
        assert w.name == name
        assert w.params == parameters(name)


def test_describe_is_the_registered_line():
    assert describe("random-walk-19").startswith("Sutton & Barto Ex. 7.1")
    assert describe("Gamblers_Problem") == describe("gamblers-problem")


def test_make_with_params_and_aliases():
    w = make("river_swim", n_states=8, gamma=0.9)
    assert w.name == "river-swim" and w.n_states == 8 and w.gamma == 0.9
    w19 = make("random-walk-19")
    assert w19.n_states == 21 and w19.params["left_reward"] == -1.0
    # an override of a preset still works
    assert make("random-walk-19", n_states=5).params == {
        "n_states": 5,
        "gamma": 1.0,
        "left_reward": -1.0,
        "right_reward": 1.0,
    }
    assert make("garnet", seed=3).mdp == make("garnet", seed=3).mdp


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [
        pytest.param("gridwold-4x4", "gridworld-4x4", marks=needs_grids),
        pytest.param("cliffwalking", "cliff-walking", marks=needs_grids),
        ("forrest", "forest"),
        ("gambler-problem", "gamblers-problem"),
        ("jacks-car", "jacks-car-rental"),
    ],
)
def test_unknown_name_suggests_close_match(typo, suggestion):
    with pytest.raises(
        WorldError, match=rf"unknown world '{typo}'\. Did you mean '{suggestion}'"
    ):
        make(typo)
    with pytest.raises(WorldError, match=rf"Did you mean '{suggestion}'"):
        describe(typo)


def test_unknown_name_without_match_lists_the_worlds():
    with pytest.raises(
        WorldError,
        match=r"unknown world 'zzz'\. Known worlds: .*\bforest\b.*\brandom-walk-19\b",
    ) as exc:
        make("zzz")
    assert "Did you mean" not in str(exc.value)
    with pytest.raises(WorldError, match=r"a world name must be a str; got 3"):
        make(3)  # type: ignore[arg-type]
    assert isinstance(exc.value, ValueError) and isinstance(exc.value, MDPError)


def test_unknown_params_list_the_valid_ones():
    msg = (
        r"world 'forest' has no parameter 'gama' \(did you mean 'gamma'\?\); "
        r"valid parameters: S, r1, r2, p, gamma\."
    )
    with pytest.raises(WorldError, match=msg):
        make("forest", gama=0.9)
    with pytest.raises(
        WorldError, match=r"has no parameters 'x', 'y'; valid parameters: p_h"
    ):
        make("gamblers-problem", x=1, y=2)


def test_bad_values_raise_the_factory_error():
    with pytest.raises(WorldError, match=r"`p` must be a number in \[0, 1\]; got 2"):
        make("forest", p=2)


def test_parameters_lists_defaults():
    assert parameters("forest") == {
        "S": 3,
        "r1": 4.0,
        "r2": 2.0,
        "p": 0.1,
        "gamma": 0.96,
    }
    assert parameters("random-walk-19")["left_reward"] == -1.0


# ----------------------------------------------------------- parse_params
def test_parse_params_converts_by_default_type():
    got = parse_params(
        "jacks-car-rental",
        [
            "max_cars=10",
            "max_move = 3",
            "lam_req=(2, 5)",
            "lam_ret=3,2.5",
            "gamma=0.8",
            "rent=7",
        ],
    )
    assert got == {
        "max_cars": 10,
        "max_move": 3,
        "lam_req": (2.0, 5.0),
        "lam_ret": (3.0, 2.5),
        "gamma": 0.8,
        "rent": 7.0,
    }
    assert type(got["max_cars"]) is int and type(got["rent"]) is float
    w = make(
        "jacks-car-rental",
        **parse_params("jacks-car-rental", ["max_cars=3", "max_move=1"]),
    )
    assert w.n_states == 16 and w.n_actions == 3
    assert parse_params("garnet", ["seed=12"]) == {"seed": 12}
    assert parse_params("random-walk", "n_states=7") == {"n_states": 7}
    assert parse_params("forest", []) == {}


@needs_grids
def test_parse_params_bools_and_int_tuples():
    for text, value in [("true", True), ("False", False), ("yes", True), ("0", False)]:
        assert parse_params("frozenlake-4x4", [f"is_slippery={text}"]) == {
            "is_slippery": value
        }
    assert parse_params("four-rooms", ["goal=2,3"]) == {"goal": (2, 3)}
    w = make("frozenlake-4x4", **parse_params("frozenlake-4x4", ["is_slippery=false"]))
    assert np.all(w.mdp.P.data == 1.0)


@pytest.mark.parametrize(
    ("items", "match"),
    [
        (
            ["gamma"],
            r"parameter 'gamma' for world 'forest' is not of the form key=value",
        ),
        (
            ["gama=1"],
            r"world 'forest' has no parameter 'gama' \(did you mean 'gamma'\?\)",
        ),
        (["p=0.1", "p=0.2"], r"parameter 'p' for world 'forest' is given twice"),
        (["S=2.5"], r"parameter 'S' of world 'forest' must be an integer; got '2\.5'"),
        (
            ["S=three"],
            r"parameter 'S' of world 'forest' must be an integer; got 'three'",
        ),
        (["p=high"], r"parameter 'p' of world 'forest' must be a number; got 'high'"),
    ],
)
def test_parse_params_errors(items, match):
    with pytest.raises(WorldError, match=match):
        parse_params("forest", items)


def test_parse_params_tuple_and_bool_errors():
    with pytest.raises(
        WorldError,
        match=r"'lam_req' of world 'jacks-car-rental' must be 2 comma-separated values like 3\.0,4\.0; got '3'",
    ):
        parse_params("jacks-car-rental", ["lam_req=3"])
    with pytest.raises(WorldError, match=r"'lam_req' .* must be a number; got 'a'"):
        parse_params("jacks-car-rental", ["lam_req=a,b"])
    with pytest.raises(WorldError, match=r"unknown world 'nope'"):
        parse_params("nope", [])


@needs_grids
def test_parse_params_bool_error():
    with pytest.raises(
        WorldError,
        match=r"'is_slippery' of world 'frozenlake-4x4' must be true or false; got 'maybe'",
    ):
        parse_params("frozenlake-4x4", ["is_slippery=maybe"])


def test_guessing_for_untyped_defaults():
    from worlds.catalogue import _convert

    assert _convert("3", None, "k", "w") == 3
    assert _convert("0.5", None, "k", "w") == 0.5
    assert _convert("True", None, "k", "w") is True
    assert _convert("none", None, "k", "w") is None
    assert _convert("abc", None, "k", "w") == "abc"
    assert _convert("abc", "x", "k", "w") == "abc"
