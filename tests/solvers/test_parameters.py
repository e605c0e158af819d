"""The solvers' parameters: one name for the policy (``pi``), keyword-only
knobs after the model, and the same message for the same bad input in every
solver (the checkers of :mod:`mdp.checks` / ``solvers._iv``)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import solvers
from mdp import MDPError
from worlds.random_mdps import garnet

#: The positional parameters each public solver takes (the rest are keyword-only).
POSITIONAL = {
    "evaluate_policy": ["m", "pi"],
    "q_values": ["m", "pi"],
    "advantage": ["m", "pi"],
    "expected_return": ["m", "pi"],
    "value_iteration": ["m"],
    "policy_iteration": ["m", "pi0"],
    "modified_policy_iteration": ["m"],
    "linear_programming": ["m"],
    "backward_induction": ["m", "horizon"],
    "evaluate_finite_horizon": ["m", "pi", "horizon"],
    "relative_value_iteration": ["m"],
}


@pytest.mark.parametrize("name", sorted(POSITIONAL))
def test_keyword_only_knobs_after_the_model_and_pi(name):
    sig = inspect.signature(getattr(solvers, name))
    positional = [
        p.name
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    assert positional == POSITIONAL[name]
    assert "policy" not in sig.parameters  # the argument is `pi`; results keep .policy


M = garnet(4, 2, 2, gamma=0.9, seed=0)
ITERATIVE = {
    "value_iteration": lambda **kw: solvers.value_iteration(M, **kw),
    "value_iteration (Gauss-Seidel)": lambda **kw: solvers.value_iteration(
        M, gauss_seidel=True, **kw
    ),
    "policy_iteration": lambda **kw: solvers.policy_iteration(M, **kw),
    "modified_policy_iteration": lambda **kw: solvers.modified_policy_iteration(
        M, **kw
    ),
    "relative_value_iteration": lambda **kw: solvers.relative_value_iteration(M, **kw),
}


@pytest.mark.parametrize("name", ITERATIVE)
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"max_iter": 5.0},
            r"^`max_iter` must be an integer >= 1; got 5\.0 \(write 5\)\.$",
        ),
        ({"max_iter": "5"}, r"^`max_iter` must be an integer >= 1; got '5'\.$"),
        ({"max_iter": True}, r"^`max_iter` must be an integer >= 1; got True\.$"),
        ({"tol": "1e-6"}, r"^`tol` must be a positive, finite number; got '1e-6'\.$"),
        ({"tol": -1}, r"^`tol` must be a positive, finite number; got -1\.$"),
        ({"tol": np.nan}, r"^`tol` must be a positive, finite number; got nan\.$"),
    ],
)
def test_same_input_same_message_in_every_iterative_solver(name, kwargs, match):
    with pytest.raises(MDPError, match=match):
        ITERATIVE[name](**kwargs)


@pytest.mark.parametrize(
    "call",
    [
        lambda: solvers.value_iteration(M, V0=[0.0, 0.0]),
        lambda: solvers.modified_policy_iteration(M, V0=[0.0, 0.0]),
    ],
)
def test_v0_checked_the_same_way(call):
    with pytest.raises(MDPError, match=r"^`V0` has shape \(2,\); expected \(4,\)"):
        call()


@pytest.mark.parametrize(
    ("V0", "match"),
    [
        # complex values used to lose their imaginary part with a warning only
        (
            [1j, 0, 0, 0],
            r"^`V0` has complex entries; probabilities, rewards and values",
        ),
        (
            [True, False, False, False],
            r"^`V0` must be a numeric array of shape \(4,\); got booleans",
        ),
        ("0000", r"^`V0` must be a numeric array of shape \(4,\); got text"),
        ([[0.0], [0.0, 0.0]], r"^`V0` must be a rectangular array"),
    ],
)
def test_v0_values_are_real_numbers(V0, match):
    for solve in (solvers.value_iteration, solvers.modified_policy_iteration):
        with pytest.raises(MDPError, match=match):
            solve(M, V0=V0)


@pytest.mark.parametrize(
    "call",
    [
        lambda H: solvers.backward_induction(M, H),
        lambda H: solvers.evaluate_finite_horizon(M, [0] * 4, H),
    ],
)
def test_horizon_is_an_integer_like_max_iter(call):
    with pytest.raises(
        MDPError, match=r"^`horizon` must be an integer >= 0; got 3\.0 \(write 3\)\.$"
    ):
        call(3.0)
    with pytest.raises(
        MDPError, match=r"^`horizon` must be an integer >= 0; got -1\.$"
    ):
        call(-1)
    assert call(np.int64(0)) is not None


def test_other_solver_knobs():
    with pytest.raises(
        MDPError,
        match=r"^`callback` must be None or a function callback\(k, V\); got 3\.$",
    ):
        solvers.value_iteration(M, callback=3)
    with pytest.raises(
        MDPError, match=r"^`n_blocks` must be an integer >= 1; got 0\.$"
    ):
        solvers.value_iteration(M, gauss_seidel=True, n_blocks=0)
    with pytest.raises(
        MDPError,
        match=r"^`m_sweeps` must be an integer >= 0 or inf \(exact evaluation\); got 2\.0 \(write 2\)\.$",
    ):
        solvers.modified_policy_iteration(M, m_sweeps=2.0)
    assert solvers.modified_policy_iteration(M, m_sweeps=float("inf")).converged
    with pytest.raises(
        MDPError,
        match=r"^`ref_state` must be a state index \(an integer in 0\.\.3\); got 1\.0\.$",
    ):
        solvers.relative_value_iteration(M, ref_state=1.0)


@pytest.mark.parametrize(
    "fn", [solvers.q_values, solvers.advantage, solvers.expected_return]
)
def test_unknown_option_of_the_evaluation_helpers_names_the_helper(fn):
    # was "evaluate_policy() got an unexpected keyword argument 'p0'"
    with pytest.raises(
        TypeError,
        match=rf"^{fn.__name__}\(\) got the unknown option\(s\) 'p0'; its keyword "
        r"arguments go to evaluate_policy: method, tol, V0\.$",
    ):
        fn(M, [0] * 4, p0=[1.0, 0.0, 0.0, 0.0])
