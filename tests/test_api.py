"""The public surface: every exported name is documented with a running Example,
and the layers import downward only."""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PUBLIC_MODULES = [
    "mdp",
    "mdp.bellman",
    "mdp.graph",
    "mdp.policy",
    "mdp.trajectory",
    "solvers",
    "worlds",
]
# result containers and exceptions are documented by their attribute lists
NO_EXAMPLE_NEEDED = {
    "SolverResult",
    "LPResult",
    "FiniteHorizonResult",
    "AverageRewardResult",
    "MDPError",
    "PolicyError",
    "ImproperPolicyError",
    "Names",
    "BellmanCheck",
    "BellmanReport",
    "Trajectory",
    "World",
    "WorldError",
    "MapError",
}


def _public_objects():
    for modname in PUBLIC_MODULES:
        mod = importlib.import_module(modname)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if inspect.ismodule(obj) or name.startswith("__"):
                continue
            if not callable(obj):  # a constant (GREEDY_TIE_TOL): no docstring
                continue
            yield f"{modname}.{name}", name, obj


@pytest.mark.parametrize(
    ("qualname", "name", "obj"),
    list(_public_objects()),
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_public_name_has_docstring_with_example(qualname, name, obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{qualname} has no docstring"
    if name not in NO_EXAMPLE_NEEDED:
        assert "Examples" in doc, f"{qualname}'s docstring has no Examples section"


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("mdp", {"solvers", "worlds"}), ("solvers", {"worlds"})],
)
def test_layers_import_downward_only(package, forbidden):
    for path in (ROOT / package).rglob("*.py"):
        bad = _imports(path) & forbidden
        assert not bad, (
            f"{path.relative_to(ROOT)} imports {sorted(bad)} (layers point down only)"
        )
