"""The public surface of ``worlds`` after the layout of issue 6, and the one
way to ask "is this a grid world"."""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import sys
from importlib import resources
from types import SimpleNamespace

import numpy as np
import pytest

import worlds
from mdp import MDP
from worlds.grid import GRID_ATTRIBUTES, GridLike, GridWorld, is_grid_world

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: the worlds package that is imported (the source tree, or the installed copy)
WORLDS = pathlib.Path(worlds.__file__).resolve().parent

WORLDS_NAMES = [
    "GridWorld",
    "make",
    "names",
    "describe",
    "parameters",
    "parse_params",
    "garnet",
    "World",
    "WorldError",
    "GridWorldError",
    "UnreachableGoalWarning",
    "mdp_graph",
]
PLOT_NAMES = [
    "value_map",
    "policy_map",
    "q_map",
    "occupancy_map",
    "value_policy_figure",
    "value_bars",
    "convergence",
    "world_figure",
    "mdp_graph",
    "world_layout",
    "GID_VALUES",
    "GID_WALLS",
    "GID_ARROWS",
    "GID_STAY",
    "GID_WEDGES",
    "GID_ANNOTATION",
    "GID_MARKER",
    "GID_OUTLINE",
    "GID_TILES",
    "GID_CLIFFS",
    "GID_POLICY",
]
#: where each public plot function lives (the module the docs name)
PLOT_HOMES = {
    "maps": [
        "value_map",
        "policy_map",
        "q_map",
        "occupancy_map",
        "value_policy_figure",
    ],
    "charts": ["value_bars", "convergence"],
    "figure": ["world_figure"],
    "graph": ["mdp_graph", "world_layout"],
}


def test_worlds_public_names():
    assert set(WORLDS_NAMES) <= set(worlds.__all__)
    for name in WORLDS_NAMES:
        assert getattr(worlds, name) is not None
    assert worlds.mdp_graph is worlds.plot.mdp_graph


def test_plot_public_names_and_homes():
    from worlds import plot

    assert set(PLOT_NAMES) <= set(plot.__all__)
    for name in PLOT_NAMES:
        assert hasattr(plot, name), name
    assert plot.GID_VALUES == "mdpkit-values"
    for module, names in PLOT_HOMES.items():
        mod = importlib.import_module(f"worlds.plot.{module}")
        for name in names:
            assert getattr(plot, name) is getattr(mod, name), name
            assert getattr(plot, name).__module__ == f"worlds.plot.{module}"


@pytest.mark.parametrize("module", ["worlds.plot", "worlds.grid"])
def test_every_public_callable_has_a_running_example(module):
    mod = importlib.import_module(module)
    for name in mod.__all__:
        obj = getattr(mod, name)
        if not callable(obj):  # constants: GID_*, KINDS, CHARS, MOVES
            continue
        doc = inspect.getdoc(obj) or ""
        assert "Examples" in doc, f"{module}.{name} has no Examples section"


def test_old_module_paths_are_gone():
    # one home per module (no shims): the layout of DESIGN.md
    for old in ("worlds.gridworld", "worlds.graph_plot", "worlds.grid_classics"):
        assert importlib.util.find_spec(old) is None, old


def test_maps_are_package_data():
    # read through importlib.resources, so that the run against the installed
    # package (.ci/run) fails if the wheel misses the maps
    maps = resources.files("worlds.grid") / "maps"
    names = sorted(p.name for p in maps.iterdir() if p.name.endswith(".txt"))
    assert {"frozenlake_4x4.txt", "cliff_walking.txt"} <= set(names)
    pyproject = ROOT / "pyproject.toml"
    if sys.version_info >= (3, 11) and pyproject.is_file():  # the source tree
        import tomllib

        conf = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]
        assert "maps/*.txt" in conf["setuptools"]["package-data"]["worlds.grid"]


# ------------------------------------------------------------ is_grid_world
def _stand_in(world: GridWorld, **override):
    attrs = {a: getattr(world, a) for a in GRID_ATTRIBUTES}
    attrs.update(override)
    return SimpleNamespace(**attrs)


def test_is_grid_world():
    w = GridWorld(["S.#", "..G"])
    assert is_grid_world(w) and isinstance(w, GridLike)
    assert is_grid_world(_stand_in(w))  # any object with the attributes
    for missing in GRID_ATTRIBUTES:
        attrs = {a: getattr(w, a) for a in GRID_ATTRIBUTES if a != missing}
        assert not is_grid_world(SimpleNamespace(**attrs)), missing
    assert not is_grid_world(_stand_in(w, mdp="not an MDP"))
    assert not is_grid_world(w.mdp)
    assert not is_grid_world(worlds.make("gamblers-problem"))
    assert not is_grid_world(None)
    assert isinstance(w.mdp, MDP)


def test_the_stand_in_is_drawn_and_laid_out_like_the_world():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from worlds import plot

    w = GridWorld(["S.#", "..G"])
    s = _stand_in(w)
    assert plot.world_layout(s) == plot.world_layout(w)
    fig = plot.world_figure(s, np.arange(5.0), np.zeros(5, dtype=int))
    assert isinstance(fig, Figure)
    ref = plot.world_figure(w, np.arange(5.0), [0] * 5)
    gids = [{c.get_gid() for c in ax.collections} for ax in (fig.axes[0], ref.axes[0])]
    assert plot.GID_ARROWS in gids[0] and gids[0] == gids[1]


def test_no_ad_hoc_grid_checks_left():
    # the CLI and the plots ask worlds.grid.is_grid_world, not hasattr(world, ...)
    grid_attrs = set(GRID_ATTRIBUTES) | {"cell", "cells"}
    for path in WORLDS.rglob("*.py"):
        if path.name == "protocol.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "hasattr"
                and len(node.args) == 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in grid_attrs
            ):
                pytest.fail(f"{path.relative_to(WORLDS)}:{node.lineno} hasattr check")
