"""MDP(reward_std=...): Gaussian reward noise for sampling; exact solvers use the mean."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

from mdp import MDP, MDPError, load
from solvers import value_iteration


def two_armed(std) -> MDP:
    # state 0: action a goes to the terminal state 1 with mean reward mu[a]
    P = np.zeros((2, 2, 2))
    P[0, :, 1] = 1.0
    R = np.zeros((2, 2, 2))
    R[0, 0, 1], R[0, 1, 1] = -0.1, 0.5
    return MDP(P, R, gamma=1.0, terminal=[1], p0=[1.0, 0.0], reward_std=std)


@pytest.mark.parametrize(
    ("std", "expected"),
    [
        (1.0, [1.0, 1.0]),
        (np.array([[1.0, 2.0], [0.0, 0.0]]), [1.0, 2.0]),
    ],
)
def test_sampled_rewards_have_the_given_mean_and_std(std, expected):
    m = two_armed(std)
    rng = np.random.default_rng(0)
    n = 20_000
    for a, mu in ((0, -0.1), (1, 0.5)):
        r = np.array([m.step(0, a, rng)[1] for _ in range(n)])
        sd = expected[a]
        # mean within 4 standard errors; sample std within 4 of its s.e.
        assert abs(r.mean() - mu) < 4 * sd / np.sqrt(n)
        assert abs(r.std(ddof=1) - sd) < 4 * sd / np.sqrt(2 * n)


def test_exact_solvers_use_the_mean():
    noisy, clean = two_armed(3.0), two_armed(None)
    np.testing.assert_array_equal(noisy.r, clean.r)
    np.testing.assert_array_equal(value_iteration(noisy).V, value_iteration(clean).V)
    assert noisy != clean


def test_noise_is_on_the_pattern_and_zero_in_terminal_states():
    m = two_armed(np.full((2, 2, 2), 0.7))
    assert m.reward_std.shape == m.P.data.shape
    row_of = np.repeat(np.arange(4), np.diff(m.P.indptr))
    np.testing.assert_array_equal(m.reward_std[row_of >= 2], 0.0)  # terminal state 1
    np.testing.assert_array_equal(m.reward_std[row_of < 2], 0.7)
    with pytest.raises(ValueError):
        m.reward_std[0] = 1.0  # read-only
    sparse = two_armed(sp.csr_array(np.full((4, 2), 0.7)))
    assert sparse == m


def test_save_load_round_trip(tmp_path):
    m = two_armed(np.array([[1.0, 2.0], [0.0, 0.0]]))
    m.save(tmp_path / "m.npz")
    m2 = load(tmp_path / "m.npz")
    assert m2 == m
    np.testing.assert_array_equal(m2.reward_std, m.reward_std)
    assert m.replace(gamma=0.5).reward_std is not None


def test_same_seed_same_noisy_rewards():
    m = two_armed(1.0)
    a = [m.step(0, 1, np.random.default_rng(5))[1] for _ in range(3)]
    assert a[0] == a[1] == a[2]


@pytest.mark.parametrize(
    ("std", "match"),
    [
        (
            -1.0,
            "`reward_std` is -1.0 at (state 0, action 0) (next state 1); standard deviations must be finite and >= 0.",
        ),
        (np.nan, "`reward_std` is nan at (state 0, action 0)"),
        (
            np.ones(3),
            "`reward_std` has shape (3,); expected a scalar, (2, 2) per (s, a)",
        ),
        (
            sp.csr_array(np.ones((2, 2))),
            "`reward_std` is sparse with shape (2, 2); on P's pattern it must have shape (S*A, S) = (4, 2).",
        ),
        ("1.0", "`reward_std` must be a numeric array"),
    ],
)
def test_bad_reward_std(std, match):
    with pytest.raises(MDPError, match=re.escape(match)):
        two_armed(std)
