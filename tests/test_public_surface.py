"""The public surface, pinned (issue 6: "a test lists the public surface and
checks it").

``PINNED`` is the list of public names of every public module.  Adding or
removing a name without updating this list fails, so a change of the surface
is always a visible, reviewed edit.  It runs against the installed package
too (a module left out of the wheel fails here).  The names the README shows
are checked in ``tests/test_readme_names.py``.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib

import pytest

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
        "Backup",
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
        top = pathlib.Path(importlib.import_module(pkg).__file__).parent
        for init in top.rglob("__init__.py"):
            parts = (pkg, *init.parent.relative_to(top).parts)
            if not any(p.startswith("_") for p in parts):
                found.add(".".join(parts))
    assert found <= set(PINNED), f"public packages not pinned: {found - set(PINNED)}"


def test_star_import_gives_exactly_the_pinned_names():
    for module, names in PINNED.items():
        namespace: dict[str, object] = {}
        exec(f"from {module} import *", namespace)
        got = {n for n in namespace if n != "__builtins__"}
        assert got == set(names), module


# ---------------------------------------------------------------- names
# issue 6: one word for a policy argument (``pi``; results keep ``.policy``)
# and one for randomness (``seed``) across the public API
OTHER_WORDS = {"policy", "rng", "random_state", "generator"}
NOT_YET: dict[str, set[str]] = {}


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
