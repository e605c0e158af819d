"""The README stays true to the code: every name it shows imports from where
it is shown (issue 6: "keep every public name importable from where the
README and docstrings show it").

Checked: the imports of its Python examples, the dotted names in its text and
tables (``worlds.plot.value_map``), and the short names of its feature table
(``mdp.policy``: ``uniform``, ...), each against the module it is listed
under.  A source-tree check (the README is not in the wheel).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGES = ("mdp", "solvers", "worlds")


def _resolve(dotted: str) -> object:
    """Import ``a.b.c`` as a module path as far as it goes, then getattr."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)  # AttributeError: shown where it is not
        return obj
    raise ModuleNotFoundError(dotted)


def _python_imports() -> list[tuple[str, str]]:
    out = []
    for block in re.findall(r"```python\n(.*?)```", README, flags=re.S):
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.split(".")[0] in PACKAGES:
                    out += [(node.module, a.name) for a in node.names]
            elif isinstance(node, ast.Import):
                out += [(a.name, "") for a in node.names if a.name in PACKAGES]
    return out


@pytest.mark.parametrize(("module", "name"), _python_imports())
def test_readme_imports_work(module, name):
    mod = importlib.import_module(module)
    if name:
        assert hasattr(mod, name), f"README: `from {module} import {name}` fails"
        if not inspect.ismodule(getattr(mod, name)):
            assert name in mod.__all__, f"{module}.{name} is shown but not exported"


DOTTED = re.compile(r"^((?:mdp|solvers|worlds)(?:\.[A-Za-z_]\w*)*)")


def _dotted_names() -> list[str]:
    text = re.sub(r"```.*?```", "", README, flags=re.S)
    names = set()
    for code in re.findall(r"`([^`\n]+)`", text):
        match = DOTTED.match(code)
        if match and "." in match.group(1):
            names.add(match.group(1))
    return sorted(names)


@pytest.mark.parametrize("dotted", _dotted_names())
def test_readme_dotted_names_resolve(dotted):
    obj = _resolve(dotted)
    parent, _, name = dotted.rpartition(".")
    owner = _resolve(parent)
    if inspect.ismodule(owner) and not inspect.ismodule(obj):
        assert name in owner.__all__, f"README shows `{dotted}`, not exported there"


def _codes_outside_parentheses(cell: str) -> list[str]:
    """The backticked items of a table cell that are not in a parenthesis."""
    out, depth = [], 0
    for i, piece in enumerate(cell.split("`")):
        if i % 2 == 0:  # prose
            depth += piece.count("(") - piece.count(")")
        elif depth == 0:
            out.append(piece)
    return out


def _table_names() -> list[tuple[str, str, str]]:
    """(name, module it is shown under, row) for each short name in "What exists".

    A short name in a cell must be a name of a module (or class, for methods
    such as ``from_gymnasium`` beside ``mdp.MDP``) that the same cell names,
    as in "mdp.policy: uniform, greedy" or "clipped_surrogate in
    solvers.gradients" (each in backticks), or of a flat surface when the
    cell names none.  Names in parentheses are fields and options.
    """
    table = README.split("## What exists", 1)[1].split("\n## ", 1)[0]
    out = []
    for row in re.findall(r"^\|(.*)\|$", table, flags=re.M):
        cells = [c.strip() for c in row.replace("\\|", "/").split("|")]
        codes = [c.split("(")[0].strip() for c in _codes_outside_parentheses(cells[-1])]
        homes: list[str] = []  # the modules (and classes) the cell names
        for code in codes:
            if code.split(".")[0] in PACKAGES:
                try:
                    obj = _resolve(code)
                except (AttributeError, ModuleNotFoundError):
                    continue  # test_readme_dotted_names_resolve reports it
                parent = code.rpartition(".")[0]
                if inspect.ismodule(obj):
                    homes.append(code)
                elif inspect.isclass(obj):
                    homes += [parent, code]
                else:
                    homes.append(parent)
        for code in codes:
            if re.fullmatch(r"[A-Za-z_]\w*", code):
                out.append((code, ",".join(dict.fromkeys(homes)), cells[0][:40]))
    assert len(out) > 40, "the README's feature table was not found"
    return out


FLAT = ("solvers", "mdp", "worlds", "worlds.plot")


@pytest.mark.parametrize(("name", "home", "row"), _table_names())
def test_readme_table_names_resolve(name, home, row):
    places = home.split(",") if home else list(FLAT)
    for place in places:
        try:
            _resolve(f"{place}.{name}")
            return
        except (AttributeError, ModuleNotFoundError):
            continue
    pytest.fail(f"README table row {row!r} shows `{name}` under {places}: not there")
