"""Identities that hold on every (proper, episodic) MDP: Hypothesis property tests."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from solvers import (
    expected_sarsa,
    monte_carlo_evaluation,
    q_learning,
    td_evaluation,
)
from tests.strategies import mdp_and_policy, proper_mdps


@settings(max_examples=15)
@given(proper_mdps(max_states=6, max_actions=3))
def test_expected_sarsa_with_epsilon_zero_makes_q_learnings_update(m):
    kw = {
        "episodes": 5,
        "alpha": 0.5,
        "epsilon": 0.0,
        "runs": 2,
        "seed": 0,
        "max_steps": 5000,
    }
    a = expected_sarsa(m, **kw)
    b = q_learning(m, **kw)
    np.testing.assert_array_equal(a.Q, b.Q)
    # and the single-run (plain Python) path is run 0
    c = q_learning(m, **{**kw, "runs": None})
    np.testing.assert_array_equal(c.Q, b.Q[0])


@settings(max_examples=15)
@given(mdp_and_policy(proper=True, max_states=6, max_actions=3))
def test_td_lambda_identities(m_pi):
    m, pi = m_pi
    kw = {"episodes": 4, "alpha": 0.2, "runs": 2, "seed": 1, "max_steps": 5000}
    td0 = td_evaluation(m, pi, **kw)
    lam0 = td_evaluation(m, pi, lam=0.0, **kw)
    np.testing.assert_array_equal(td0.V, lam0.V)
    mc = monte_carlo_evaluation(m, pi, first_visit=False, **kw)
    lam1 = td_evaluation(m, pi, lam=1.0, offline=True, **kw)
    np.testing.assert_allclose(lam1.V, mc.V, rtol=1e-9, atol=1e-9)
