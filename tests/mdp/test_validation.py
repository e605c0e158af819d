"""Every error :class:`mdp.MDP` raises for bad input, with its message.

Also the documented non-errors: rows (and rewards) of unavailable pairs are
ignored, all-zero terminal rows become self-loops, and the object is
immutable and does not share memory with its inputs.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

from mdp import MDP, MDPError


def chain() -> np.ndarray:
    """Two states, two actions: 0 stays, 1 moves.  ``P [2, 2, 2]``."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[1, 0, 1] = 1.0
    P[0, 1, 1] = P[1, 1, 0] = 1.0
    return P


def raises(match: str):
    """``pytest.raises(MDPError)`` with a literal (escaped) message fragment."""
    return pytest.raises(MDPError, match=re.escape(match))


def test_mdp_error_is_value_error():
    assert issubclass(MDPError, ValueError)


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("shape", [(2, 2), (2, 2, 3), (4,), (2, 2, 2, 2), (0, 1, 0)])
def test_dense_P_wrong_shape(shape):
    with raises(f"`P` has shape {shape}; expected a dense (S, A, S) array"):
        MDP(np.zeros(shape), R=0.0, gamma=0.9)


def test_P_without_actions():
    with raises("`P` has no actions (shape (S, 0, S)); A must be at least 1."):
        MDP(np.zeros((2, 0, 2)), R=np.zeros(2), gamma=0.9)


def test_P_not_numeric():
    with raises("`P` must be a numeric array; got text"):
        MDP([[["a", "b"]]], R=[0.0], gamma=0.9)


@pytest.mark.parametrize("shape", [(3, 2), (5, 3), (4, 0)])
def test_sparse_P_rows_not_multiple_of_columns(shape):
    with raises(f"`P` is sparse with shape {shape}; expected (S*A, S)"):
        MDP(sp.csr_array(shape), R=np.zeros(max(shape[1], 1)), gamma=0.9)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 2, 3), (3, 2, 2), (1,)])
def test_R_wrong_shape(shape):
    with raises(
        f"`R` has shape {shape}; expected R(s) (2,), R(s, a) (2, 2), "
        f"R(s, a, s') (2, 2, 2), or a sparse (4, 2) matrix"
    ):
        MDP(chain(), R=np.zeros(shape), gamma=0.9)


def test_sparse_R_wrong_shape():
    with raises(
        "`R` is sparse with shape (2, 2); a sparse R(s, a, s') must have "
        "P's shape (S*A, S) = (4, 2)."
    ):
        MDP(chain(), R=sp.csr_array((2, 2)), gamma=0.9)


def test_R_not_numeric():
    with raises("`R` must be a numeric array; got text"):
        MDP(chain(), R=["x", "y"], gamma=0.9)


@pytest.mark.parametrize("p0", [[1.0], [0.5, 0.25, 0.25], [[0.5, 0.5]]])
def test_p0_wrong_shape(p0):
    shape = np.shape(p0)
    with raises(f"`p0` has shape {shape}; expected (2,), a distribution over states."):
        MDP(chain(), R=np.zeros(2), gamma=0.9, p0=p0)


@pytest.mark.parametrize("mask", [[True, True], [[True, True]], np.ones((2, 3), bool)])
def test_mask_wrong_shape(mask):
    shape = np.shape(mask)
    with raises(f"`action_mask` has shape {shape}; expected (S, A) = (2, 2)."):
        MDP(chain(), R=np.zeros(2), gamma=0.9, action_mask=mask)


def test_mask_not_boolean():
    with raises("`action_mask` must be boolean (True = action available)."):
        MDP(chain(), R=np.zeros(2), gamma=0.9, action_mask=[[1, 2], [1, 1]])


def test_mask_of_zeros_and_ones_is_accepted():
    m = MDP(chain(), R=np.zeros(2), gamma=0.9, action_mask=[[1, 0], [1, 1]])
    assert m.action_mask.dtype == bool
    np.testing.assert_array_equal(m.action_mask, [[True, False], [True, True]])


def test_state_names_wrong_length():
    with raises("`state_names` has 3 entries; expected 2, one per state."):
        MDP(chain(), R=np.zeros(2), gamma=0.9, state_names=["a", "b", "c"])


def test_action_names_wrong_length():
    with raises("`action_names` has 1 entries; expected 2, one per action."):
        MDP(chain(), R=np.zeros(2), gamma=0.9, action_names=["stay"])


# --------------------------------------------------------- values of P, R
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_P_not_finite(bad):
    P = chain()
    P[1, 0, 0] = bad
    with raises("`P` has a non-finite entry (NaN or inf) in row (state 1, action 0)"):
        MDP(P, R=np.zeros(2), gamma=0.9)


def test_sparse_P_not_finite():
    P = sp.csr_array(chain().reshape(4, 2))
    P.data[2] = np.nan  # row 2 = (state 1, action 0)
    with raises("`P` has a non-finite entry (NaN or inf) in row (state 1, action 0)"):
        MDP(P, R=np.zeros(2), gamma=0.9)


def test_P_negative():
    P = chain()
    P[0, 1] = [-0.5, 1.5]
    with raises(
        "`P` has a negative entry P(0|0, 1) = -0.5 at (state 0, action 1); "
        "probabilities must be >= 0."
    ):
        MDP(P, R=np.zeros(2), gamma=0.9)


def test_row_does_not_sum_to_one_names_state_action_and_sum():
    P = chain()
    P[1, 1] = [0.3, 0.6]
    with raises(
        "`P` row 3 = P(.|state 1, action 1) sums to 0.9, not 1 "
        "(1 such row(s): (state 1, action 1))"
    ):
        MDP(P, R=np.zeros(2), gamma=0.9)


def test_row_sum_message_counts_all_bad_rows():
    P = chain()
    P[0, 0] = 0.0
    P[1, 1] = [0.7, 0.7]
    with raises(
        "`P` row 0 = P(.|state 0, action 0) sums to 0, not 1 (2 such row(s): "
        "(state 0, action 0), (state 1, action 1)). Normalise the row, or "
        "mark the action unavailable with `action_mask`, or the state "
        "terminal with `terminal`."
    ):
        MDP(P, R=np.zeros(2), gamma=0.9)


def test_row_sum_within_tolerance_is_accepted():
    P = chain()
    P[0, 0, 0] = 1.0 + 1e-10
    MDP(P, R=np.zeros(2), gamma=0.9)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_R_of_s_not_finite(bad):
    with raises(f"`R` has a NaN or inf entry at state 1: R(1) = {bad}."):
        MDP(chain(), R=[0.0, bad], gamma=0.9)


@pytest.mark.parametrize("bad", [np.nan, -np.inf])
def test_R_of_sa_not_finite(bad):
    R = np.zeros((2, 2))
    R[1, 0] = bad
    with raises(f"`R` has a NaN or inf entry at (state 1, action 0): R(1, 0) = {bad}."):
        MDP(chain(), R=R, gamma=0.9)


def test_R_of_sas_not_finite_on_P_pattern():
    R = np.zeros((2, 2, 2))
    R[0, 1, 1] = np.nan  # P(1|0,1) = 1
    with raises(
        "`R` has a NaN or inf entry R(s, a, s'=1) at (state 0, action 1), "
        "where P(s'|s, a) > 0; rewards must be finite."
    ):
        MDP(chain(), R=R, gamma=0.9)


def test_sparse_R_not_finite_on_P_pattern():
    R = sp.csr_array(np.ones((4, 2)))
    R.data[7] = np.inf  # row 3, column 1: P(1|1,1) = 0, ignored
    m = MDP(chain(), R=R, gamma=0.9)
    assert np.isfinite(m.r).all()
    R.data[6] = np.inf  # row 3, column 0: P(0|1,1) = 1
    with raises("`R` has a NaN or inf entry R(s, a, s'=0) at (state 1, action 1)"):
        MDP(chain(), R=R, gamma=0.9)


def test_R_of_sas_off_pattern_is_ignored():
    R = np.full((2, 2, 2), np.nan)
    R[0, 0, 0] = R[1, 0, 1] = 1.0
    R[0, 1, 1] = R[1, 1, 0] = 2.0
    m = MDP(chain(), R=R, gamma=0.9)
    np.testing.assert_array_equal(m.r, [[1.0, 2.0], [1.0, 2.0]])


# ------------------------------------------------------------------- gamma
@pytest.mark.parametrize("gamma", [-0.1, 1.0 + 1e-12, 2.0, np.inf, np.nan])
def test_gamma_out_of_range(gamma):
    with raises(f"`gamma` must be in [0, 1]; got {float(gamma)}."):
        MDP(chain(), R=np.zeros(2), gamma=gamma)


@pytest.mark.parametrize("gamma", ["high", None, [0.5, 0.5]])
def test_gamma_not_a_number(gamma):
    with raises(f"`gamma` must be a number in [0, 1]; got {gamma!r}."):
        MDP(chain(), R=np.zeros(2), gamma=gamma)


@pytest.mark.parametrize("gamma", [0, 0.0, 1, np.float32(0.5), np.array(0.25)])
def test_gamma_edges_and_numpy_scalars_accepted(gamma):
    m = MDP(chain(), R=np.zeros(2), gamma=gamma)
    assert type(m.gamma) is float and m.gamma == float(gamma)


# ----------------------------------------------------------------------- p0
def test_p0_not_numeric():
    with raises("`p0` must be a numeric array; got text"):
        MDP(chain(), R=np.zeros(2), gamma=0.9, p0=["a", "b"])


def test_p0_negative():
    with raises("`p0` must be non-negative and finite; p0[0] = -0.5."):
        MDP(chain(), R=np.zeros(2), gamma=0.9, p0=[-0.5, 1.5])


def test_p0_not_finite():
    with raises("`p0` must be non-negative and finite; p0[1] = nan."):
        MDP(chain(), R=np.zeros(2), gamma=0.9, p0=[1.0, np.nan])


def test_p0_does_not_sum_to_one():
    with raises("`p0` must sum to 1 (a distribution over states); it sums to 0.9."):
        MDP(chain(), R=np.zeros(2), gamma=0.9, p0=[0.5, 0.4])


def test_p0_default_is_uniform_over_live_states():
    P = chain()
    P[1] = 0.0
    m = MDP(P, R=np.zeros(2), gamma=0.9, terminal=[1])
    np.testing.assert_array_equal(m.p0, [1.0, 0.0])
    m = MDP(chain(), R=np.zeros(2), gamma=0.9)
    np.testing.assert_array_equal(m.p0, [0.5, 0.5])


# ----------------------------------------------------------------- terminal
@pytest.mark.parametrize("idx", [[2], [0, 5], [-1]])
def test_terminal_index_out_of_range(idx):
    bad = [i for i in idx if not 0 <= i < 2][0]
    with raises(
        f"`terminal` index {bad} is out of range for 2 states (valid indices are 0..1)."
    ):
        MDP(chain(), R=np.zeros(2), gamma=0.9, terminal=idx)


@pytest.mark.parametrize("mask", [[True], [False, True, False], [[True, False]]])
def test_terminal_mask_wrong_length(mask):
    shape = np.shape(mask)
    with raises(
        f"`terminal` as a boolean mask has shape {shape}; expected (2,), "
        f"one entry per state."
    ):
        MDP(chain(), R=np.zeros(2), gamma=0.9, terminal=mask)


def test_terminal_wrong_dtype():
    with raises(
        "`terminal` must be a boolean mask of shape (2,) or a 1-D list of "
        "state indices; got dtype float64 and shape (2,)."
    ):
        MDP(chain(), R=np.zeros(2), gamma=0.9, terminal=[0.0, 1.0])


def test_terminal_as_mask_and_as_indices_agree():
    P = chain()
    P[1] = 0.0
    a = MDP(P, R=np.zeros(2), gamma=0.9, terminal=[False, True])
    b = MDP(P, R=np.zeros(2), gamma=0.9, terminal=[1])
    assert a == b
    # a repeated index is refused: it is how 0/1 flags given as ints look
    with raises("`terminal` = [1, 1] is ambiguous: 0/1 flags or the indices [1]?"):
        MDP(P, R=np.zeros(2), gamma=0.9, terminal=np.array([1, 1]))
    P3 = np.zeros((3, 1, 3))
    P3[:, 0, 2] = 1.0
    with raises("`terminal` = [0, 0, 1] is ambiguous"):  # 0/1 flags given as ints
        MDP(P3, R=np.zeros(3), gamma=0.9, terminal=np.array([0, 0, 1]))
    with raises("`terminal` lists state 2 more than once"):
        MDP(np.ones((4, 1, 4)) / 4, R=np.zeros(4), gamma=0.9, terminal=[2, 2])
    assert not MDP(chain(), R=np.zeros(2), gamma=0.9, terminal=[]).terminal.any()


# ------------------------------------------- the terminal-state rule
# terminal= declares where episodes end; rows of P, rewards and the action
# mask given for terminal states are not used.


def _absorbing_chain():
    P = chain()
    P[1] = [[0.0, 1.0], [0.0, 1.0]]
    return P


def test_terminal_rows_leading_elsewhere_are_not_used():
    # state 1 is terminal but action 1 moves it to state 0 (CliffWalking-style
    # tables, POMDPs.jl): the same MDP as the explicitly absorbing input
    m = MDP(chain(), R=np.zeros(2), gamma=0.9, terminal=[1])
    assert m == MDP(_absorbing_chain(), R=np.zeros(2), gamma=0.9, terminal=[1])
    P = chain()
    P[1, 0] = [0.5, 0.5]
    assert MDP(P, R=np.zeros(2), gamma=0.9, terminal=[1]) == m
    P[1, 0] = [np.nan, -1.0]  # not even read
    assert MDP(P, R=np.zeros(2), gamma=0.9, terminal=[1]) == m


def test_minus_one_on_every_transition_with_terminal_states():
    # the book's "R = -1 on every transition": r is 0 in the terminal state
    from solvers import value_iteration

    S = 5  # a corridor: action 0 left, action 1 right; state 4 terminal
    P = np.zeros((S, 2, S))
    for s in range(S):
        P[s, 0, max(s - 1, 0)] = P[s, 1, min(s + 1, S - 1)] = 1.0
    m = MDP(P, R=-np.ones((S, 2)), gamma=1.0, terminal=[4])
    R_clean = -np.ones((S, 2))
    R_clean[4] = 0.0
    P_clean = P.copy()
    P_clean[4] = 0.0
    clean = MDP(P_clean, R=R_clean, gamma=1.0, terminal=[4])
    assert m == clean
    np.testing.assert_array_equal(m.r[4], 0.0)
    V = value_iteration(m, tol=1e-12).V
    np.testing.assert_allclose(V, [-4.0, -3.0, -2.0, -1.0, 0.0])
    np.testing.assert_allclose(V, value_iteration(clean, tol=1e-12).V)
    # R(s) and R(s, a, s') forms too
    assert MDP(P, R=-np.ones(S), gamma=1.0, terminal=[4]) == clean
    R_sas = -np.ones((S, 2, S))
    m3 = MDP(P, R=R_sas, gamma=1.0, terminal=[4])
    np.testing.assert_array_equal(m3.r, R_clean)


def test_terminal_rows_of_the_mask_are_not_used():
    # the gambler's capital 0 and 100: no stake is available there
    P = _absorbing_chain()
    mask = [[True, True], [False, False]]
    m = MDP(chain(), R=np.zeros(2), gamma=0.9, terminal=[1], action_mask=mask)
    assert m == MDP(P, R=np.zeros(2), gamma=0.9, terminal=[1])
    np.testing.assert_array_equal(m.action_mask, [[True, True], [True, True]])


def test_terminal_rule_gives_the_same_values_as_absorbing_input():
    from solvers import policy_iteration

    rng = np.random.default_rng(3)
    S, A = 6, 3
    P = rng.random((S, A, S))
    P /= P.sum(axis=2, keepdims=True)
    R = rng.normal(size=(S, A, S))
    term = np.array([False, False, True, False, True, False])
    messy = MDP(P, R, gamma=0.95, terminal=term)  # rows and rewards given
    P_clean, R_clean = P.copy(), R.copy()
    P_clean[term] = 0.0
    R_clean[term] = 0.0
    clean = MDP(P_clean, R_clean, gamma=0.95, terminal=term)
    np.testing.assert_allclose(policy_iteration(messy).V, policy_iteration(clean).V)


def test_state_without_available_action():
    with raises(
        "`action_mask` leaves no available action in state 1; every "
        "non-terminal state needs at least one (or declare the state terminal "
        "with `terminal=`)."
    ):
        MDP(
            chain(),
            R=np.zeros(2),
            gamma=0.9,
            action_mask=[[True, True], [False, False]],
        )


# -------------------------------------------------- documented non-errors
def test_rows_of_unavailable_actions_are_ignored():
    P = chain()
    P[0, 1] = [np.nan, -3.0]  # garbage in an unavailable row
    P[1, 1] = 0.0  # an all-zero unavailable row
    R = np.array([[1.0, -np.inf], [2.0, np.nan]])
    mask = [[True, False], [True, False]]
    m = MDP(P, R=R, gamma=0.9, action_mask=mask)
    np.testing.assert_array_equal(m.P.toarray(), [[1, 0], [0, 0], [0, 1], [0, 0]])
    np.testing.assert_array_equal(m.r, [[1.0, 0.0], [2.0, 0.0]])
    np.testing.assert_array_equal(m.r_masked, [1.0, -np.inf, 2.0, -np.inf])
    assert m.has_mask
    # same MDP as one given clean rows for those pairs
    clean = chain()
    clean[:, 1] = 0.0
    assert m == MDP(clean, R=[[1.0, 0.0], [2.0, 0.0]], gamma=0.9, action_mask=mask)


def test_unavailable_rows_of_sparse_P_are_ignored():
    P = chain()
    P[1, 1] = [0.2, 0.2]
    m = MDP(
        sp.csr_array(P.reshape(4, 2)),
        R=np.zeros(2),
        gamma=0.9,
        action_mask=[[True, True], [True, False]],
    )
    assert m.P[[3]].nnz == 0


def test_terminal_all_zero_rows_become_self_loops():
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[0, 1, 2] = 1.0  # state 1: all-zero rows
    P[2, 0, 2] = 1.0  # an explicit self-loop is also accepted
    m = MDP(
        P,
        R=np.zeros(3),
        gamma=1.0,
        terminal=[1, 2],
        action_mask=[[1, 1], [1, 1], [1, 0]],
    )
    Pd = m.P.toarray().reshape(3, 2, 3)
    np.testing.assert_array_equal(Pd[1], [[0, 1, 0], [0, 1, 0]])
    # the mask given for terminal state 2 is not used: every action self-loops
    np.testing.assert_array_equal(Pd[2], [[0, 0, 1], [0, 0, 1]])
    np.testing.assert_array_equal(m.r[1:], 0.0)


def test_sparse_P_with_stored_zeros_in_terminal_row():
    # explicit zeros are not transitions: the row counts as all zero
    P = sp.csr_array(
        (
            np.array([1.0, 0.0, 1.0, 0.0]),
            (np.array([0, 2, 1, 3]), np.array([0, 0, 1, 1])),
        ),
        shape=(4, 2),
    )
    m = MDP(P, R=np.zeros(2), gamma=0.9, terminal=[1])
    np.testing.assert_array_equal(m.P.toarray(), [[1, 0], [0, 1], [0, 1], [0, 1]])


# ------------------------------------------------------------- immutability
def test_arrays_are_read_only():
    P = chain()
    R = np.zeros((2, 2, 2))
    m = MDP(P, R=R, gamma=0.9, p0=[0.25, 0.75])
    arrays = [
        m.r,
        m.p0,
        m.terminal,
        m.action_mask,
        m.r_masked,
        m.P.data,
        m.P.indices,
        m.P.indptr,
        m.R_sas.data,
    ]
    for arr in arrays:
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1


@pytest.mark.parametrize(
    "name",
    ["gamma", "P", "r", "p0", "terminal", "action_mask", "n_states", "names", "R_sas"],
)
def test_attributes_cannot_be_set(name):
    m = MDP(chain(), R=np.zeros(2), gamma=0.9)
    with pytest.raises(AttributeError):
        setattr(m, name, None)


def test_no_new_attributes():
    m = MDP(chain(), R=np.zeros(2), gamma=0.9)
    with pytest.raises(AttributeError):
        m.extra = 1


def test_mdp_is_unhashable():
    with pytest.raises(TypeError):
        hash(MDP(chain(), R=np.zeros(2), gamma=0.9))


@pytest.mark.parametrize("sparse", [False, True])
def test_inputs_are_copied(sparse):
    P = chain()
    P_in = sp.csr_array(P.reshape(4, 2)) if sparse else P
    R = np.array([[1.0, 2.0], [3.0, 4.0]])
    p0 = np.array([0.5, 0.5])
    mask = np.ones((2, 2), dtype=bool)
    m = MDP(P_in, R=R, gamma=0.9, p0=p0, action_mask=mask)
    before = (m.P.toarray(), m.r.copy(), m.p0.copy(), m.action_mask.copy())
    (P_in.data if sparse else P_in)[...] = 7.0
    R[...] = 0.0
    p0[...] = 0.0
    mask[...] = False
    after = (m.P.toarray(), m.r, m.p0, m.action_mask)
    for b, a in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
    if sparse:  # and the caller's arrays are left writable
        assert P_in.data.flags.writeable


def test_sparse_reward_with_repeated_entries_is_rejected():
    import scipy.sparse as sp

    rows, cols = np.array([0, 0, 0, 1]), np.array([1, 1, 0, 1])
    P = sp.coo_array(([1 / 3, 1 / 3, 1 / 3, 1.0], (rows, cols)), shape=(2, 2))
    R = sp.coo_array(([1.0, 1.0, 0.0, 0.0], (rows, cols)), shape=(2, 2))
    with pytest.raises(
        MDPError, match=r"`R` lists some \(s, a, s'\) entry more than once"
    ):
        MDP(P, R, 0.9)
    m = MDP(P, sp.coo_array(([1.0, 0.0], ([0, 0], [1, 0])), shape=(2, 2)), 0.9)
    assert m.r[0, 0] == pytest.approx(2 / 3)  # probabilities of repeats do add


@pytest.mark.parametrize("gamma", ["0.9", True, np.bool_(False)])
def test_gamma_must_be_a_number_not_a_string_or_bool(gamma):
    with pytest.raises(MDPError, match="`gamma` must be a number in \\[0, 1\\]"):
        MDP(np.ones((2, 1, 2)) / 2, np.zeros(2), gamma)
