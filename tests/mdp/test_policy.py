"""Policies as arrays: validation, greedy/epsilon-greedy/softmax, sampling."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mdp import MDP, MDPError, PolicyError
from mdp import policy as pol


def raises(match: str):
    # PolicyError for a bad policy, MDPError from the shared argument checks
    return pytest.raises((PolicyError, MDPError), match=re.escape(match))


def small_mdp(mask=None) -> MDP:
    """S = 3, A = 3, uniform transitions."""
    return MDP(np.ones((3, 3, 3)) / 3, R=np.zeros(3), gamma=0.9, action_mask=mask)


MASK = [[True, True, False], [False, True, True], [True, False, False]]


def test_policy_error_is_value_error():
    assert issubclass(PolicyError, ValueError)


def test_is_deterministic():
    assert pol.is_deterministic([0, 1, 2])
    assert pol.is_deterministic(np.zeros(3, dtype=int))
    assert not pol.is_deterministic(np.eye(3))


# -------------------------------------------------------------- check_policy
def test_check_policy_accepts_and_normalises():
    m = small_mdp()
    out = pol.check_policy(m, [2, 0, 1])
    assert out.dtype.kind == "i"
    out = pol.check_policy(m, np.array([2.0, 0.0, 1.0]))  # integral floats
    assert out.dtype == np.intp and out.tolist() == [2, 0, 1]
    out = pol.check_policy(m, [[1, 0, 0], [0.5, 0.5, 0], [0, 0, 1]])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1, 0, 0], [0.5, 0.5, 0], [0, 0, 1]])


def test_check_policy_deterministic_wrong_shape():
    with raises(
        "deterministic policy has shape (2,); expected (3,), one action per state."
    ):
        pol.check_policy(small_mdp(), [0, 1])


@pytest.mark.parametrize(
    "pi", [[0.5, 1.0, 2.0], [np.nan, 0.0, 1.0], [True, False, True]]
)
def test_check_policy_deterministic_not_integer(pi):
    dtype = np.asarray(pi).dtype
    if dtype.kind == "b":
        with raises("policy must be numeric; got a boolean array."):
            pol.check_policy(small_mdp(), pi)
        return
    with raises(f"deterministic policy must hold integer actions; got dtype {dtype}."):
        pol.check_policy(small_mdp(), pi)


@pytest.mark.parametrize(("pi", "s", "a"), [([0, 3, 1], 1, 3), ([0, 1, -1], 2, -1)])
def test_check_policy_deterministic_out_of_range(pi, s, a):
    with raises(f"policy picks action {a} in state {s}, out of range 0..2."):
        pol.check_policy(small_mdp(), pi)


def test_check_policy_deterministic_masked_action():
    with raises(
        "policy picks action 0 in state 1, which is not available there "
        "(see the MDP's `action_mask`)."
    ):
        pol.check_policy(small_mdp(MASK), [0, 0, 0])
    pol.check_policy(small_mdp(MASK), [1, 2, 0])


@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (3, 4)])
def test_check_policy_stochastic_wrong_shape(shape):
    with raises(f"stochastic policy has shape {shape}; expected (S, A) = (3, 3)."):
        pol.check_policy(small_mdp(), np.full(shape, 1.0 / shape[1]))


@pytest.mark.parametrize("bad", [-0.25, np.nan, np.inf])
def test_check_policy_stochastic_bad_entry(bad):
    pi = np.full((3, 3), 1 / 3)
    pi[1, 2] = bad
    with raises(f"pi(2|1) = {bad}; probabilities must be finite and >= 0."):
        pol.check_policy(small_mdp(), pi)


def test_check_policy_stochastic_row_sum():
    pi = np.full((3, 3), 1 / 3)
    pi[2] = [0.5, 0.2, 0.2]
    pi[0] = [0.5, 0.2, 0.2]
    with raises("pi(.|0) sums to 0.9, not 1 (2 such state(s))."):
        pol.check_policy(small_mdp(), pi)


def test_check_policy_stochastic_masked_action():
    pi = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.75, 0.0, 0.25]])
    with raises(
        "pi(2|2) = 0.25 but action 2 is not available in state 2 "
        "(see the MDP's `action_mask`)."
    ):
        pol.check_policy(small_mdp(MASK), pi)


def test_check_policy_wrong_ndim():
    with raises(
        "policy has shape (3, 3, 1); expected int [S] (deterministic) or "
        "float [S, A] (stochastic)."
    ):
        pol.check_policy(small_mdp(), np.ones((3, 3, 1)))
    with raises("policy has shape (); expected int [S]"):
        pol.check_policy(small_mdp(), 0)


# ----------------------------------------------------------- to_matrix, uniform
def test_to_matrix():
    np.testing.assert_array_equal(pol.to_matrix([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    x = np.array([[0.25, 0.75]])
    np.testing.assert_array_equal(pol.to_matrix(x, 2), x)


def test_to_matrix_errors():
    with raises("stochastic policy has 2 columns; expected 3 actions."):
        pol.to_matrix(np.ones((2, 2)) / 2, 3)
    # the same messages as check_policy (one checker for the policy layout)
    with raises(
        "policy has shape (1, 1, 1); expected int [S] (deterministic) or float "
        "[S, A] (stochastic)."
    ):
        pol.to_matrix(np.ones((1, 1, 1)), 1)
    with raises("policy picks action 2 in state 1, out of range 0..1."):
        pol.to_matrix([0, 2], 2)
    with raises("policy picks action -1 in state 0, out of range 0..1."):
        pol.to_matrix([-1, 0], 2)
    with raises("pi(1|0) = -0.5; probabilities must be finite and >= 0."):
        pol.to_matrix([[1.5, -0.5]], 2)


def test_uniform_respects_mask():
    np.testing.assert_array_equal(pol.uniform(small_mdp()), np.full((3, 3), 1 / 3))
    np.testing.assert_array_equal(
        pol.uniform(small_mdp(MASK)), [[0.5, 0.5, 0], [0, 0.5, 0.5], [1, 0, 0]]
    )
    pol.check_policy(small_mdp(MASK), pol.uniform(small_mdp(MASK)))


# ------------------------------------------------------------------- greedy
def test_greedy_lowest_index_tie_rule():
    Q = [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [-np.inf, 0.0, 0.0], [5.0, -np.inf, 5.0]]
    assert pol.greedy(Q).tolist() == [1, 0, 1, 0]
    assert pol.greedy(Q).dtype == np.intp


def test_greedy_spread_ties():
    Q = [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [-np.inf, 0.0, -np.inf]]
    np.testing.assert_array_equal(
        pol.greedy(Q, spread_ties=True),
        [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [0, 1, 0]],
    )


def test_greedy_tol():
    Q = [[1.0, 1.0 + 1e-9, 0.5], [-100.0, -100.0 - 1e-6, 0.0]]
    # the default GREEDY_TIE_TOL (1e-9 relative) counts round-off as a tie
    assert pol.greedy(Q).tolist() == [0, 2]
    assert pol.greedy(Q, tol=0).tolist() == [1, 2]
    assert pol.greedy(Q, tol=1e-8).tolist() == [0, 2]
    for bad in (-1, np.nan, "1e-6"):
        with raises(f"`tol` must be a non-negative, finite number; got {bad!r}."):
            pol.greedy(Q, tol=bad)
    # the tolerance scales with max(1, |max_a Q|): a gap of 1e-6 at |Q| = 100 is a
    # tie for tol = 1e-7 (threshold 1e-5) but not for tol = 1e-9 (threshold 1e-7)
    Q = [[-100.0, -100.0 - 1e-6]]
    np.testing.assert_array_equal(
        pol.greedy(Q, spread_ties=True, tol=1e-7), [[0.5, 0.5]]
    )
    np.testing.assert_array_equal(
        pol.greedy(Q, spread_ties=True, tol=1e-9), [[1.0, 0.0]]
    )
    assert pol.greedy([[-100.0 - 1e-6, -100.0]], tol=1e-7).tolist() == [0]


def test_greedy_never_picks_minus_inf():
    Q = [[-np.inf, -1e300], [-np.inf, -5.0]]
    assert pol.greedy(Q).tolist() == [1, 1]
    np.testing.assert_array_equal(
        pol.greedy(Q, spread_ties=True, tol=1.0), np.eye(2)[[1, 1]]
    )


@pytest.mark.parametrize(
    ("Q", "msg"),
    [
        (np.zeros(3), "`Q` has shape (3,); expected (S, A)."),
        (np.zeros((2, 0)), "`Q` has shape (2, 0); expected (S, A)."),
        (
            [[0.0, np.nan]],
            "`Q` has nan at (state 0, action 1); values must be finite "
            "(or -inf for an unavailable action).",
        ),
        ([[0.0, 1.0], [np.inf, 0.0]], "`Q` has inf at (state 1, action 0)"),
        (
            [[0.0, 1.0], [-np.inf, -np.inf]],
            "`Q` is -inf for every action of state 1; no action is available.",
        ),
    ],
)
def test_q_errors(Q, msg):
    for fn in (pol.greedy, lambda q: pol.epsilon_greedy(q, 0.1), pol.softmax):
        with raises(msg):
            fn(Q)


# ------------------------------------------------------------ epsilon-greedy
def test_epsilon_greedy_formula():
    Q = np.array([[0.0, 2.0, 1.0], [5.0, -np.inf, 5.0], [-np.inf, -np.inf, 0.0]])
    eps = 0.3
    out = pol.epsilon_greedy(Q, eps)
    expected = [[0.1, 0.1 + 0.7, 0.1], [0.15 + 0.7, 0.0, 0.15], [0.0, 0.0, 1.0]]
    np.testing.assert_allclose(out, expected, atol=1e-15)
    np.testing.assert_array_equal(pol.epsilon_greedy(Q, 0.0), np.eye(3)[[1, 0, 2]])
    np.testing.assert_allclose(
        pol.epsilon_greedy(Q, 1.0), [[1 / 3] * 3, [0.5, 0, 0.5], [0, 0, 1]]
    )


@pytest.mark.parametrize("eps", [-0.1, 1.5, np.nan])
def test_epsilon_greedy_bad_epsilon(eps):
    with raises(f"`epsilon` must be a number in [0, 1]; got {eps}."):
        pol.epsilon_greedy([[0.0, 1.0]], eps)


# ------------------------------------------------------------------ softmax
def test_softmax_formula_and_temperature():
    z = np.array([[0.0, 1.0, 2.0], [3.0, -np.inf, 3.0]])
    for T in (1.0, 0.5, 4.0):
        e = np.exp(np.where(np.isfinite(z), z / T, -np.inf))
        np.testing.assert_allclose(
            pol.softmax(z, T), e / e.sum(axis=1, keepdims=True), rtol=1e-14
        )
    assert pol.softmax(z)[1, 1] == 0.0


def test_softmax_is_stable_for_large_logits():
    out = pol.softmax([[1000.0, 1000.0 + np.log(3.0)], [-1e308, -1e308]])
    np.testing.assert_allclose(out, [[0.25, 0.75], [0.5, 0.5]])


@pytest.mark.parametrize("T", [0.0, -1.0, np.nan])
def test_softmax_bad_temperature(T):
    with raises(f"`temperature` must be a positive, finite number; got {T}."):
        pol.softmax([[0.0, 1.0]], T)


@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(1, 5)),
        elements=st.one_of(st.floats(-50, 50), st.just(-np.inf)),
    )
)
def test_constructed_policies_respect_minus_inf(Q):
    Q[:, 0] = np.where(np.isfinite(Q).any(axis=1), Q[:, 0], 0.0)  # >= 1 available
    avail = np.isfinite(Q)
    mu = pol.greedy(Q)
    assert avail[np.arange(len(Q)), mu].all()
    for pi in (
        pol.epsilon_greedy(Q, 0.4),
        pol.softmax(Q, 2.0),
        pol.greedy(Q, spread_ties=True),
    ):
        np.testing.assert_allclose(pi.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        assert (pi[~avail] == 0).all() and (pi >= 0).all()
        # the greedy action keeps the most probability
        assert (pi[np.arange(len(Q)), mu] >= pi.max(axis=1) - 1e-12).all()


# ------------------------------------------------------ sampling, log_prob
def test_sample_action_deterministic():
    assert pol.sample_action([2, 0, 1], 0) == 2
    assert pol.sample_action(np.array([2, 0, 1]), 2, seed=5) == 1


def test_sample_action_frequencies():
    pi = np.array([[0.2, 0.0, 0.5, 0.3]])
    rng = np.random.default_rng(2024)
    n = 20_000
    counts = np.bincount([pol.sample_action(pi, 0, rng) for _ in range(n)], minlength=4)
    assert counts[1] == 0
    live = pi[0] > 0
    chi2 = (((counts - n * pi[0]) ** 2)[live] / (n * pi[0][live])).sum()
    assert chi2 < 20.0  # df = 2


def test_sample_action_seed_reproducible():
    pi = np.full((2, 5), 0.2)
    assert [pol.sample_action(pi, 1, 9) for _ in range(3)] == [
        pol.sample_action(pi, 1, 9)
    ] * 3
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    assert [pol.sample_action(pi, 0, g1) for _ in range(30)] == [
        pol.sample_action(pi, 0, g2) for _ in range(30)
    ]


@pytest.mark.parametrize("s", [2, -1])
def test_sample_action_state_out_of_range(s):
    with raises(f"`s` must be a state index (an integer in 0..1); got {s}."):
        pol.sample_action(np.full((2, 2), 0.5), s)
    with raises(f"`s` must be a state index (an integer in 0..1); got {s}."):
        pol.sample_action([0, 1], s)


def test_log_prob():
    pi = np.array([[0.25, 0.75, 0.0]])
    assert pol.log_prob(pi, 0, 1) == pytest.approx(np.log(0.75))
    assert pol.log_prob(pi, 0, 2) == -np.inf
    assert pol.log_prob([1, 0], 0, 1) == 0.0
    assert pol.log_prob([1, 0], 1, 1) == -np.inf


def test_log_prob_errors():
    with raises("`s` must be a state index (an integer in 0..0); got 1."):
        pol.log_prob([[0.5, 0.5]], 1, 0)
    with raises("`s` must be a state index (an integer in 0..1); got -1."):
        pol.log_prob([0, 1], -1, 0)
    with raises("`a` must be an action index (an integer in 0..1); got 2."):
        pol.log_prob([[0.5, 0.5]], 0, 2)
    with raises("`a` must be an action index (an integer in 0..A-1); got -1."):
        pol.log_prob([0, 1], 0, -1)
