"""The house drawn from the imports: layers point down, no circles, no reach-ins.

Parsed from the source (every ``import`` statement, at module level or inside
a function, ``TYPE_CHECKING`` blocks included), so a lazy import cannot hide
a circle.  The rules (``DESIGN.md``):

* ``mdp`` imports no other package of ours; ``solvers`` imports ``mdp`` only;
  ``worlds`` imports ``mdp`` and ``solvers``;
* no two modules import each other, directly or through others;
* no package imports another package's private (``_``) module or name;
* inside ``solvers`` the families import ``exact``, never the reverse.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("mdp", "solvers", "worlds")
ALLOWED = {"mdp": set(), "solvers": {"mdp"}, "worlds": {"mdp", "solvers"}}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            out[_module_name(path)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, str | None, int]]:
    """``(module, imported name or None, line)`` for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if is_pkg else name.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                up = base[: len(base) - node.level + 1]
                mod = ".".join(up + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:
                sub = f"{mod}.{a.name}"
                if sub in MODULES:
                    out.append((sub, None, node.lineno))
                else:
                    out.append((mod, a.name, node.lineno))
    return [(m, n, ln) for m, n, ln in out if m.split(".")[0] in PACKAGES]


def _graph() -> nx.DiGraph:
    G = nx.DiGraph()
    for name, path in MODULES.items():
        G.add_node(name)
        for mod, _, _ in _imports(name, path):
            while mod not in MODULES and "." in mod:
                mod = mod.rsplit(".", 1)[0]
            if mod != name:
                G.add_edge(name, mod)
    return G


def test_layers_point_down():
    bad = []
    for name, path in MODULES.items():
        pkg = name.split(".")[0]
        for mod, _, line in _imports(name, path):
            other = mod.split(".")[0]
            if other != pkg and other not in ALLOWED[pkg]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {mod}")
    assert not bad, "\n".join(bad)


def test_no_import_circles():
    G = _graph()
    # a package's __init__ re-exporting its submodules is not a circle
    H = nx.DiGraph(
        (a, b)
        for a, b in G.edges
        if not (MODULES[b].name == "__init__.py" and a.startswith(b + "."))
    )
    cycles = list(nx.simple_cycles(H))
    assert not cycles, "import circles:\n" + "\n".join(
        " -> ".join(c + [c[0]]) for c in cycles
    )


def _family(name: str) -> str:
    """``solvers.exact`` for ``solvers.exact.value_iteration``; ``mdp`` for ``mdp.x``.

    The unit whose private modules others may not import: a top-level
    package, or a family subpackage of ``solvers`` / ``worlds``.
    """
    parts = name.split(".")
    if (
        parts[0] in ("solvers", "worlds")
        and len(parts) > 1
        and (ROOT.joinpath(*parts[:2]).is_dir())
    ):
        return ".".join(parts[:2])
    return parts[0]


def test_no_private_reach_ins():
    bad = []
    for name, path in MODULES.items():
        unit = _family(name)
        for mod, imported, line in _imports(name, path):
            if _family(mod) == unit:
                continue
            private = any(part.startswith("_") for part in mod.split(".")[1:])
            # a family's parent package (solvers/_iv.py, solvers/_status.py) is
            # shared by its families: solvers.learning may use solvers._iv
            if private and mod.split(".")[0] == name.split(".")[0]:
                parent_private = len(mod.split(".")) == 2 and mod.split(".")[
                    1
                ].startswith("_")
                if parent_private:
                    continue
            private |= (
                imported is not None
                and imported.startswith("_")
                and imported != "__version__"
            )
            if private:
                what = f"{mod}.{imported}" if imported else mod
                bad.append(f"{path.relative_to(ROOT)}:{line} imports private {what}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("family", ["learning", "planning", "gradients"])
def test_exact_never_imports_a_later_family(family):
    bad = [
        f"{name} imports {mod}"
        for name, path in MODULES.items()
        if name.startswith("solvers.exact")
        for mod, _, _ in _imports(name, path)
        if mod.startswith(f"solvers.{family}")
    ]
    assert not bad, "\n".join(bad)
