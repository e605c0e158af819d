"""Greedy ties (issue 6, section 4): where Q* ties, every exact solver returns
the same policy, the one the documented rule picks (actions within
``mdp.policy.GREEDY_TIE_TOL`` of the maximum are ties; the lowest index wins).

The gambler's problem (Sutton & Barto Example 4.3) has many tied stakes, and
float noise used to draw a spiky policy.  The reference is a closed form, not
a solver: with the smallest optimal stake, capital ``s`` stakes
``min(k, 25 - k)`` for ``k = s mod 25 != 0`` and ``min(s, 100 - s)`` at 25, 50
and 75 -- the picture of the book's Fig 4.3 -- for every ``p_h < 1/2``; for
``p_h > 1/2`` timid play (stake 1) is optimal (Dubins & Savage).
"""

from __future__ import annotations

import numpy as np
import pytest

from mdp.policy import GREEDY_TIE_TOL
from solvers import (
    evaluate_policy,
    linear_programming,
    modified_policy_iteration,
    policy_iteration,
    value_iteration,
)
from worlds import make

SOLVERS = {
    "vi": lambda m: value_iteration(m, tol=1e-10),
    "vi_gauss_seidel": lambda m: value_iteration(m, tol=1e-10, gauss_seidel=True),
    "pi": lambda m: policy_iteration(m),
    "pi_krylov": lambda m: policy_iteration(m, eval_method="krylov"),
    "mpi": lambda m: modified_policy_iteration(m, tol=1e-10),
    "lp": lambda m: linear_programming(m),
}


def smallest_optimal_stakes(p_h: float) -> np.ndarray:
    s = np.arange(1, 100)
    if p_h > 0.5:
        return np.ones_like(s)
    k = s % 25
    return np.where(k == 0, np.minimum(s, 100 - s), np.minimum(k, 25 - k))


@pytest.mark.parametrize("p_h", [0.4, 0.25, 0.55])
def test_gamblers_problem_every_solver_draws_the_same_stakes(p_h):
    m = make("gamblers-problem", p_h=p_h).mdp
    expected = smallest_optimal_stakes(p_h)
    policies = {}
    for name, solve in SOLVERS.items():
        sol = solve(m)
        assert sol.converged, name
        stakes = sol.policy[1:100] + 1  # action a stakes a + 1
        wrong = np.flatnonzero(stakes != expected) + 1
        assert wrong.size == 0, (
            f"{name}: capital {wrong[:5]} stakes {stakes[wrong[:5] - 1]}"
        )
        policies[name] = sol.policy
    # and that policy is optimal: its exact value is V*
    V = evaluate_policy(m, policies["pi"])
    np.testing.assert_allclose(V, value_iteration(m, tol=1e-12).V, atol=1e-9)


def test_the_gamblers_ties_are_real():
    # the rule matters here: many capitals have several stakes within the tie
    # tolerance of the best one, so a plain argmax would follow float noise
    m = make("gamblers-problem", p_h=0.4).mdp
    Q = value_iteration(m, tol=1e-12).Q[1:100]
    best = Q.max(axis=1, keepdims=True)
    tied = (Q >= best - 1e3 * GREEDY_TIE_TOL * np.maximum(1.0, np.abs(best))).sum(
        axis=1
    )
    assert (tied > 1).sum() == 72  # of the 99 capitals
