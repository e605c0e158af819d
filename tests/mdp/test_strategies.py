"""The shared Hypothesis strategies keep their promises (other test packages
rely on them): valid MDPs of every kind, and proper MDPs whose every policy
terminates."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mdp import MDP
from mdp.episodic import improper_states
from mdp.policy import policy_matrices
from tests.reference import all_deterministic_policies
from tests.strategies import REWARD_FORMS, mdps, policies, proper_mdps


def test_fixture_hands_out_the_strategies(random_mdps):
    assert random_mdps.mdps is mdps and random_mdps.proper_mdps is proper_mdps


def test_profile_is_deterministic():
    assert settings.default.derandomize and settings.default.deadline is None


def test_every_kind_is_drawn():
    seen = set()

    @settings(max_examples=150)
    @given(mdps())
    def collect(m):
        assert isinstance(m, MDP)
        assert 1 <= m.n_states <= 8 and 1 <= m.n_actions <= 4
        assert 0.0 <= m.gamma <= 0.99
        assert m.action_mask.any(axis=1).all()
        form = (
            "sas"
            if m.R_sas is not None
            else ("s" if (m.r == m.r[:, :1]).all() and not m.has_mask else "sa")
        )
        seen.update({form, ("mask", m.has_mask), ("terminal", bool(m.terminal.any()))})

    collect()
    assert {
        "sas",
        "sa",
        ("mask", True),
        ("mask", False),
        ("terminal", True),
        ("terminal", False),
    } <= seen
    assert set(REWARD_FORMS) == {"s", "sa", "sas"}


@given(proper_mdps(max_states=5))
def test_proper_mdps_every_policy_terminates(m):
    assert m.terminal.any()
    for mu in all_deterministic_policies(m):
        P_mu, _ = policy_matrices(m, mu)
        assert improper_states(m, P_mu).size == 0


def test_proper_mdps_draw_gamma_one():
    gammas = []

    @settings(max_examples=60)
    @given(proper_mdps())
    def collect(m):
        gammas.append(m.gamma)

    collect()
    assert 1.0 in gammas and min(gammas) < 1.0


@given(mdps(), st.data())
def test_policies_respect_the_mask(m, data):
    pi = data.draw(policies(m))
    if pi.ndim == 1:
        assert m.action_mask[np.arange(m.n_states), pi].all()
    else:
        np.testing.assert_allclose(pi.sum(axis=1), 1.0)
        assert (pi[~m.action_mask] == 0).all()
