"""The public surface, pinned (issue 6: "a test lists the public surface and
checks it").

``PINNED`` is the list of public names of every public module.  Adding or
removing a name without updating this list fails, so a change of the surface
is always a visible, reviewed edit.  Every name the README shows (its Python
imports, the dotted names in its text and tables, and the short names its
tables list after a module) must import from where it is shown.
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

PINNED = {
    "mdp": [
        "BatchSampler",
        "ImproperPolicyError",
        "MDP",
        "MDPError",
        "Names",
        "PolicyError",
        "__version__",
        "bellman",
        "checks",
        "episodic",
        "graph",
        "linear",
        "load",
        "policy",
        "to_gymnasium",
        "trajectory",
        "types",
    ],
    "mdp.bellman": [
        "BellmanCheck",
        "BellmanReport",
        "backup_q",
        "backup_v",
        "optimal_backup_q",
        "optimal_backup_v",
        "q_from_v",
        "v_from_q",
        "verify",
    ],
    "mdp.checks": [
        "as_generator",
        "check_gamma",
        "check_int",
        "check_probability",
        "check_real",
        "check_state",
        "check_tol",
        "format_states",
        "q_table",
        "spawn_generators",
        "state_vector",
    ],
    "mdp.episodic": [
        "NO_TERMINAL_MESSAGE",
        "POSITIVE_CYCLE_MESSAGE",
        "check_proper",
        "improper_states",
        "proper_greedy",
        "proper_policy",
        "require_proper_policy",
    ],
    "mdp.graph": [
        "absorbing_states",
        "closed_classes",
        "communicating_classes",
        "has_single_closed_class",
        "is_unichain",
        "reachable_states",
        "recurrent_classes",
        "shortest_path",
        "shortest_path_length",
        "states_reaching",
        "to_networkx",
        "transient_states",
    ],
    "mdp.io": [
        "NPZ_FORMAT",
        "gymnasium_tables",
        "npz_arrays",
        "pymdptoolbox_tables",
        "read_npz",
    ],
    "mdp.linear": [
        "AUTO_KRYLOV_BUDGET",
        "DENSE_FALLBACK_MAX_STATES",
        "DENSE_MAX_STATES",
        "DIRECT_MAX_FILL",
        "DIRECT_MAX_RATIO",
        "DIRECT_MAX_WORK",
        "EXACT_METHODS",
        "SolveInfo",
        "choose_method",
        "solve_policy_value",
    ],
    "mdp.policy": [
        "GREEDY_TIE_TOL",
        "check_policy",
        "epsilon_greedy",
        "greedy",
        "is_deterministic",
        "log_prob",
        "sample_action",
        "softmax",
        "to_matrix",
        "uniform",
    ],
    "mdp.trajectory": [
        "Trajectory",
        "discounted_return",
        "log_prob",
        "monte_carlo_return",
        "reward_to_go",
        "rollout",
    ],
    "mdp.types": [
        "BoolArray",
        "FloatArray",
        "IntArray",
        "RNGLike",
    ],
    "solvers": [
        "AverageRewardResult",
        "EpisodeResult",
        "ExpertIterationResult",
        "FiniteHorizonResult",
        "LPResult",
        "LearningResult",
        "MCTSResult",
        "MPCResult",
        "ModelEstimate",
        "PredictionResult",
        "SolverResult",
        "advantage",
        "backward_induction",
        "double_q_learning",
        "dyna_q",
        "estimate_model",
        "estimate_policy_gradient",
        "estimator_study",
        "evaluate_finite_horizon",
        "evaluate_policy",
        "expected_learning_curve",
        "expected_return",
        "expected_sarsa",
        "expert_iteration",
        "linear_programming",
        "mcts",
        "mcts_episode",
        "modified_policy_iteration",
        "monte_carlo_evaluation",
        "mpc",
        "policy_gradient",
        "policy_gradient_ascent",
        "policy_iteration",
        "ppo_clip",
        "q_learning",
        "q_values",
        "relative_value_iteration",
        "sarsa",
        "soft_policy_iteration",
        "soft_value_iteration",
        "softmax_policy",
        "state_action_occupancy",
        "state_occupancy",
        "td_evaluation",
        "value_iteration",
        "verify_soft",
    ],
    "solvers.exact": [
        "SoftCheck",
        "SoftResult",
        "advantage",
        "backward_induction",
        "evaluate_finite_horizon",
        "evaluate_policy",
        "expected_return",
        "linear_programming",
        "modified_policy_iteration",
        "policy_iteration",
        "q_values",
        "relative_value_iteration",
        "soft_policy_iteration",
        "soft_value_iteration",
        "value_iteration",
        "verify_soft",
    ],
    "solvers.gradients": [
        "AscentResult",
        "ESTIMATORS",
        "EstimatorStudy",
        "GradientEstimate",
        "LQSamples",
        "clipped_surrogate",
        "estimate_policy_gradient",
        "estimator_study",
        "gaussian_grad_log_prob",
        "gaussian_log_prob",
        "gaussian_sample",
        "grad_log_softmax",
        "linear_quadratic",
        "linear_quadratic_samples",
        "log_softmax_policy",
        "natural_gradient",
        "policy_gradient",
        "policy_gradient_ascent",
        "ppo_clip",
        "softmax_policy",
        "state_action_occupancy",
        "state_occupancy",
    ],
    "solvers.learning": [
        "LearningResult",
        "PredictionResult",
        "double_q_learning",
        "expected_learning_curve",
        "expected_sarsa",
        "monte_carlo_evaluation",
        "q_learning",
        "rules",
        "sarsa",
        "schedules",
        "td_evaluation",
    ],
    "solvers.planning": [
        "BatchSearchResult",
        "EpisodeResult",
        "ExpertIterationResult",
        "MCTSResult",
        "MPCResult",
        "ModelEstimate",
        "dyna_q",
        "estimate_model",
        "expert_iteration",
        "mcts",
        "mcts_batch",
        "mcts_episode",
        "mpc",
        "sample_transitions",
        "search_controller",
    ],
    "worlds": [
        "GridWorld",
        "GridWorldError",
        "UnreachableGoalWarning",
        "World",
        "WorldError",
        "describe",
        "garnet",
        "make",
        "mdp_graph",
        "names",
        "parameters",
        "parse_params",
    ],
    "worlds.grid": [
        "CHARS",
        "GRID_ATTRIBUTES",
        "GridLike",
        "GridWorld",
        "GridWorldError",
        "KINDS",
        "MOVES",
        "UnreachableGoalWarning",
        "grid_cells",
        "is_grid_world",
    ],
    "worlds.plot": [
        "GID_ANNOTATION",
        "GID_ARROWS",
        "GID_CLIFFS",
        "GID_MARKER",
        "GID_OUTLINE",
        "GID_POLICY",
        "GID_STAY",
        "GID_TILES",
        "GID_VALUES",
        "GID_WALLS",
        "GID_WEDGES",
        "action_probability_map",
        "convergence",
        "corridor_curve",
        "error_curves",
        "estimator_error_plot",
        "estimator_variance_bars",
        "learning_curves",
        "learning_figure",
        "mcts_map",
        "mdp_graph",
        "mpc_loss_curve",
        "occupancy_map",
        "path_map",
        "policy_map",
        "q_map",
        "suboptimality_plot",
        "value_bars",
        "value_map",
        "value_policy_figure",
        "visit_map",
        "world_figure",
        "world_layout",
    ],
}


@pytest.mark.parametrize("module", sorted(PINNED))
def test_public_names_are_pinned(module):
    mod = importlib.import_module(module)
    exported = getattr(mod, "__all__", None)
    assert exported is not None, f"{module} has no __all__"
    assert len(exported) == len(set(exported)), f"{module}.__all__ repeats a name"
    added = sorted(set(exported) - set(PINNED[module]))
    removed = sorted(set(PINNED[module]) - set(exported))
    assert not added and not removed, (
        f"{module}'s public surface changed: added {added}, removed {removed}; "
        "update PINNED in tests/test_public_surface.py (and the README) if meant"
    )
    missing = [n for n in exported if not hasattr(mod, n)]
    assert not missing, f"{module}.__all__ names {missing}, which do not exist"


def test_every_public_module_is_pinned():
    # each public subpackage of ours, found on disk, is in PINNED
    found = set()
    for pkg in PACKAGES:
        for init in (ROOT / pkg).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT).parts
            if not any(p.startswith("_") for p in parts):
                found.add(".".join(parts))
    assert found <= set(PINNED), f"public packages not pinned: {found - set(PINNED)}"


def test_star_import_gives_exactly_the_pinned_names():
    for module, names in PINNED.items():
        namespace: dict[str, object] = {}
        exec(f"from {module} import *", namespace)
        got = {n for n in namespace if n != "__builtins__"}
        assert got == set(names), module


# ------------------------------------------------------------- the README
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


# ---------------------------------------------------------------- names
# issue 6: one word for a policy argument (``pi``; results keep ``.policy``)
# and one for randomness (``seed``) across the public API
OTHER_WORDS = {"policy", "rng", "random_state", "generator"}
NOT_YET = {"solvers.verify_soft": {"policy"}}  # solvers/exact/soft.py, owner's call


def _public_callables():
    seen = set()
    for module, names in PINNED.items():
        mod = importlib.import_module(module)
        for name in names:
            obj = getattr(mod, name)
            is_result = inspect.isclass(obj) and hasattr(obj, "__dataclass_fields__")
            if not callable(obj) or is_result or id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{module}.{name}", obj


@pytest.mark.parametrize(
    ("qualname", "obj"),
    list(_public_callables()),
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_one_word_for_a_policy_and_for_randomness(qualname, obj):
    try:
        params = set(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return
    other = (params & OTHER_WORDS) - NOT_YET.get(qualname, set())
    assert not other, f"{qualname} takes {sorted(other)}; the API says `pi` / `seed`"
