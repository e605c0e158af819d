"""The MDP object: layout, reward reduction, equality, copies, the generative
view (:meth:`MDP.step`), dense tables and save/load."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings

from mdp import MDP, MDPError, load
from tests.strategies import mdps


def two_by_two():
    """``P [2, 2, 2]`` with distinct stochastic rows and an ``R(s, a, s')``."""
    P = np.array([[[0.2, 0.8], [1.0, 0.0]], [[0.5, 0.5], [0.1, 0.9]]])
    R = np.array([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]])
    return P, R


# ------------------------------------------------------------------- layout
def test_row_layout_is_s_times_A_plus_a():
    rng = np.random.default_rng(0)
    S, A = 3, 4
    P = rng.random((S, A, S))
    P /= P.sum(axis=2, keepdims=True)
    m = MDP(P, R=np.zeros(S), gamma=0.5)
    Pm = m.P.toarray()
    for s in range(S):
        for a in range(A):
            np.testing.assert_array_equal(Pm[s * A + a], P[s, a])
    assert isinstance(m.P, sp.csr_array)
    assert (m.n_states, m.n_actions) == (S, A)


def test_dense_and_sparse_P_give_equal_mdps():
    P, R = two_by_two()
    a = MDP(P, R, 0.9)
    b = MDP(sp.csr_array(P.reshape(4, 2)), R, 0.9)
    c = MDP(sp.coo_matrix(P.reshape(4, 2)), R, 0.9)
    assert a == b == c


def test_sparse_P_with_duplicate_entries_adds_them():
    rows = np.array([0, 0, 1, 2, 3])
    cols = np.array([1, 1, 0, 1, 0])
    P = sp.coo_array((np.array([0.5, 0.5, 1.0, 1.0, 1.0]), (rows, cols)), shape=(4, 2))
    m = MDP(P, R=np.zeros(2), gamma=0.9)
    np.testing.assert_array_equal(m.P.toarray()[0], [0.0, 1.0])


# ------------------------------------------------------------ reward forms
def test_reward_of_state_is_repeated_over_actions():
    P, _ = two_by_two()
    m = MDP(P, R=[1.5, -2.0], gamma=0.9)
    np.testing.assert_array_equal(m.r, [[1.5, 1.5], [-2.0, -2.0]])
    assert m.R_sas is None


def test_reward_of_state_action_is_kept():
    P, _ = two_by_two()
    m = MDP(P, R=[[1.0, 2.0], [3.0, 4.0]], gamma=0.9)
    np.testing.assert_array_equal(m.r, [[1.0, 2.0], [3.0, 4.0]])


def test_reward_of_transition_reduces_to_expectation():
    P, R = two_by_two()
    m = MDP(P, R, gamma=0.9)
    # r(s,a) = sum_s' P(s'|s,a) R(s,a,s'), by hand
    expected = [[0.2 * 1 + 0.8 * 2, 1.0 * 3], [0.5 * 5 + 0.5 * 6, 0.1 * 7 + 0.9 * 8]]
    np.testing.assert_allclose(m.r, expected, rtol=0, atol=1e-15)
    # and R(s,a,s') is kept on P's pattern
    np.testing.assert_array_equal(m.R_sas.indices, m.P.indices)
    np.testing.assert_array_equal(m.R_sas.indptr, m.P.indptr)
    np.testing.assert_array_equal(m.R_sas.toarray(), [[1, 2], [3, 0], [5, 6], [7, 8]])


def test_sparse_reward_of_transition():
    P, R = two_by_two()
    a = MDP(P, R, gamma=0.9)
    b = MDP(P, sp.csr_array(R.reshape(4, 2)), gamma=0.9)
    assert a == b


# ------------------------------------------------------- names, repr, eq
def test_names_default_and_given():
    P, R = two_by_two()
    m = MDP(P, R, 0.9)
    assert m.names.states == ("0", "1") and m.names.actions == ("0", "1")
    m = MDP(P, R, 0.9, state_names=["a", "b"], action_names=("left", 7))
    assert m.names == (("a", "b"), ("left", "7"))


def test_repr():
    P = np.zeros((2, 2, 2))
    P[0, :, 1] = 1.0
    m = MDP(P, R=np.zeros(2), gamma=0.5, terminal=[1], action_mask=[[1, 0], [1, 0]])
    assert (
        repr(m)
        == "MDP(n_states=2, n_actions=2, gamma=0.5, nnz=3, terminal=1, action_mask)"
    )
    P, R = two_by_two()
    assert repr(MDP(P, R, 1)) == "MDP(n_states=2, n_actions=2, gamma=1, nnz=7)"


def test_equality_looks_at_every_field():
    P, R = two_by_two()
    m = MDP(P, R, 0.9)
    assert m == MDP(P, R, 0.9)
    assert m != MDP(P, R, 0.8)
    assert m != MDP(P, R + 1, 0.9)
    assert m != MDP(P, R, 0.9, p0=[0.25, 0.75])
    assert m != MDP(P, R, 0.9, state_names=["a", "b"])
    assert m != MDP(P, m.r, 0.9)  # same r, but R(s,a,s') was not given
    assert m != MDP(P, R, 0.9, action_mask=[[1, 1], [1, 0]])
    assert m.__eq__("not an MDP") is NotImplemented


def test_replace():
    P, R = two_by_two()
    m = MDP(P, R, 0.9, p0=[0.25, 0.75], state_names=["a", "b"])
    m2 = m.replace(gamma=0.5)
    assert m2.gamma == 0.5 and m.gamma == 0.9
    assert m2 == MDP(P, R, 0.5, p0=[0.25, 0.75], state_names=["a", "b"])
    # a new P without R: the expected reward r(s, a) is carried over
    P2 = P[:, ::-1]
    m3 = m.replace(P=P2)
    np.testing.assert_array_equal(m3.r, m.r)
    np.testing.assert_array_equal(m3.p0, [0.5, 0.5])


def test_replace_unknown_field():
    P, R = two_by_two()
    with pytest.raises(
        TypeError, match=re.escape("replace() got unknown field(s) ['beta']")
    ):
        MDP(P, R, 0.9).replace(beta=1.0)


# ------------------------------------------------------------ step, start
def test_step_frequencies_match_P_and_rewards_match_R_sas():
    P = np.array(
        [
            [[0.1, 0.2, 0.7], [0.0, 0.5, 0.5]],
            [[1.0, 0.0, 0.0], [0.3, 0.3, 0.4]],
            [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        ]
    )
    R = np.arange(18, dtype=float).reshape(3, 2, 3)
    R[2] = 0.0
    m = MDP(P, R, gamma=0.9, terminal=[2])
    rng = np.random.default_rng(123)
    n = 20_000
    for s, a in [(0, 0), (0, 1), (1, 1)]:
        counts = np.zeros(3)
        for _ in range(n):
            s2, rew, done = m.step(s, a, rng)
            counts[s2] += 1
            assert rew == R[s, a, s2]
            assert done == (s2 == 2)
        # chi-square statistic over the successors with P > 0
        p = P[s, a]
        live = p > 0
        assert counts[~live].sum() == 0
        chi2 = (((counts - n * p) ** 2)[live] / (n * p[live])).sum()
        assert chi2 < 20.0  # df <= 2; P(chi2_2 > 20) ~ 5e-5


def test_step_reward_is_expected_reward_without_R_sas():
    P = np.array([[[0.5, 0.5]], [[0.5, 0.5]]])
    m = MDP(P, R=[[1.5], [-1.0]], gamma=0.9)
    assert {m.step(0, 0, k)[1] for k in range(20)} == {1.5}


def test_step_from_terminal_stays():
    P = np.zeros((2, 1, 2))
    P[0, 0, 1] = 1.0
    m = MDP(P, R=np.zeros((2, 1, 2)), gamma=1.0, terminal=[1])
    assert m.step(1, 0, 0) == (1, 0.0, True)
    assert m.step(0, 0, 0) == (1, 0.0, True)


def test_step_seed_reproducible():
    P, R = two_by_two()
    m = MDP(P, R, 0.9)
    draws = [m.step(1, 0, 7) for _ in range(3)]
    assert len(set(draws)) == 1
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert [m.step(0, 0, g1) for _ in range(50)] == [
        m.step(0, 0, g2) for _ in range(50)
    ]


def test_step_unavailable_action():
    P, R = two_by_two()
    m = MDP(P, R, 0.9, action_mask=[[True, True], [True, False]])
    with pytest.raises(
        MDPError,
        match=re.escape("action 1 is not available in state 1 (see `action_mask`)."),
    ):
        m.step(1, 1)


@pytest.mark.parametrize(
    ("s", "a", "msg"),
    [
        (2, 0, "`s` must be a state index (an integer in 0..1); got 2."),
        (-1, 0, "`s` must be a state index (an integer in 0..1); got -1."),
        (1.5, 0, "`s` must be a state index (an integer in 0..1); got 1.5."),
        (True, 0, "`s` must be a state index (an integer in 0..1); got True."),
        (0, 2, "`a` must be an action index (an integer in 0..1); got 2."),
        (0, -1, "`a` must be an action index (an integer in 0..1); got -1."),
        ("x", 0, "`s` must be a state index (an integer in 0..1); got 'x'."),
        (0, None, "`a` must be an action index (an integer in 0..1); got None."),
    ],
)
def test_step_out_of_range(s, a, msg):
    P, R = two_by_two()
    with pytest.raises(MDPError, match=re.escape(msg)):
        MDP(P, R, 0.9).step(s, a)


def test_sample_start_frequencies_and_seed():
    P, R = two_by_two()
    m = MDP(P, R, 0.9, p0=[0.3, 0.7])
    rng = np.random.default_rng(1)
    n = 20_000
    hits = sum(m.sample_start(rng) for _ in range(n))
    assert abs(hits / n - 0.7) < 4 * np.sqrt(0.21 / n)
    assert m.sample_start(3) == m.sample_start(3)


# ----------------------------------------------------- to_dense, save/load
def rich_mdp(with_sas: bool = True) -> MDP:
    rng = np.random.default_rng(11)
    S, A = 4, 3
    P = rng.random((S, A, S))
    P /= P.sum(axis=2, keepdims=True)
    P[3] = 0.0
    R = rng.normal(size=(S, A, S)) if with_sas else rng.normal(size=(S, A))
    R[3] = 0.0
    mask = np.ones((S, A), dtype=bool)
    mask[1, 2] = mask[3, 0] = False
    return MDP(
        P,
        R,
        0.95,
        p0=[0.1, 0.2, 0.7, 0.0],
        terminal=[3],
        action_mask=mask,
        state_names=["start", "mid", "end", "goal"],
        action_names=["left", "right", "jump"],
    )


@pytest.mark.parametrize("with_sas", [True, False])
def test_to_dense_round_trip(with_sas):
    m = rich_mdp(with_sas)
    P, R = m.to_dense()
    assert P.shape == (4, 3, 4)
    assert R.shape == ((4, 3, 4) if with_sas else (4, 3))
    m2 = MDP(
        P,
        R,
        m.gamma,
        p0=m.p0,
        terminal=m.terminal,
        action_mask=m.action_mask,
        state_names=m.names.states,
        action_names=m.names.actions,
    )
    assert m2 == m


@pytest.mark.parametrize("with_sas", [True, False])
def test_save_load_exact_round_trip(tmp_path, with_sas):
    m = rich_mdp(with_sas)
    path = tmp_path / "m.npz"
    m.save(path)
    m2 = load(path)
    assert m2 == m
    assert MDP.load(str(path)) == m
    assert (m2.R_sas is None) == (not with_sas)
    np.testing.assert_array_equal(m2.action_mask, m.action_mask)
    assert m2.names == m.names and m2.gamma == m.gamma


@given(mdps())
@settings(max_examples=25)
def test_save_load_random(m):
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.npz")
        m.save(path)
        assert load(path) == m


def test_load_foreign_npz(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.zeros(2), gamma=np.array(0.9))
    with pytest.raises(
        MDPError,
        match=re.escape(
            "is not an mdpkit MDP file (write one with MDP.save()): it lacks ['P_data', 'P_indices'"
        ),
    ):
        load(path)


def test_load_npy(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(
        MDPError,
        match=re.escape(
            "is not an mdpkit MDP file (write one with MDP.save()): it is not a .npz (zip) archive."
        ),
    ):
        load(path)


@pytest.mark.parametrize("content", [b"hello", b"", b"PK\x03\x04garbage"])
def test_load_garbage_or_missing(tmp_path, content):
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(MDPError, match="is not an mdpkit MDP file") as info:
        load(path)
    assert "allow_pickle" not in str(info.value)
    with pytest.raises(
        MDPError, match="cannot read an MDP from .*does_not_exist.npz.*: No such file"
    ):
        load(tmp_path / "does_not_exist.npz")


def test_load_text_file_does_not_suggest_pickle(tmp_path):
    path = tmp_path / "hello.txt"
    path.write_text("hello\n")
    with pytest.raises(MDPError) as info:
        load(path)
    assert str(info.value).endswith(
        "is not an mdpkit MDP file (write one with MDP.save()): it is not a .npz (zip) archive."
    )
    assert "pickle" not in str(info.value)


@pytest.mark.parametrize(
    ("edit", "msg"),
    [
        (
            lambda a: a.update(P_indices=a["P_indices"] + 1),
            "`P` has index 3 in row 0, out of range 0..2 for shape (6, 3)",
        ),
        (lambda a: a.update(P_indices=-a["P_indices"] - 1), "out of range 0..2"),
        (
            lambda a: a.update(P_indptr=a["P_indptr"][::-1].copy()),
            "indptr does not start at 0 and increase",
        ),
        (
            lambda a: a.update(P_indptr=a["P_indptr"][:-1]),
            "whose indptr has 6 entries; expected 7",
        ),
        (
            lambda a: a.update(shape=np.array([6, 2])),
            "`P` has index 2 in row 0, out of range 0..1",
        ),
        (
            lambda a: a.update(shape=np.array([4, 2])),
            "whose indptr has 7 entries; expected 5",
        ),
        (
            lambda a: a.update(shape=np.array([3.5, 2.0])),
            "`shape` is array([3.5, 2. ])",
        ),
        (lambda a: a.update(R_data=a["R_data"][:-1]), "`R_data` has"),
        (lambda a: a.update(P_data=a["P_data"].astype(str)), "`P_data` has dtype <U"),
    ],
)
def test_load_tampered_file_is_one_clear_error(tmp_path, edit, msg):
    path = tmp_path / "m.npz"
    P = np.zeros((3, 2, 3))
    P[:, :, :] = 1 / 3
    m = MDP(P, R=np.arange(18.0).reshape(3, 2, 3), gamma=0.9)
    m.save(path)
    with np.load(path) as f:
        arrays = dict(f)
    edit(arrays)
    np.savez(path, **arrays)
    with pytest.raises(MDPError, match="is corrupt") as info:
        load(path)
    assert msg in str(info.value)


def test_load_other_format_version(tmp_path):
    path = tmp_path / "m.npz"
    rich_mdp().save(path)
    with np.load(path) as f:
        arrays = dict(f)
    arrays["format"] = np.array(99)
    np.savez(path, **arrays)
    with pytest.raises(
        MDPError,
        match=re.escape(
            "is in MDP file format 99; this version of mdpkit reads format 1."
        ),
    ):
        load(path)


def test_monte_carlo_return_warns_when_gamma_one_episodes_are_cut_off():
    from mdp.trajectory import monte_carlo_return

    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = 1.0  # action 0 loops forever
    P[0, 1, 1] = 1.0
    P[1, :, 1] = 1.0
    R = np.zeros((2, 2, 2))
    R[0, 1, 1] = 1.0
    m = MDP(P, R, gamma=1.0, terminal=[1], p0=[1.0, 0.0])
    with pytest.warns(RuntimeWarning, match="10 of 10 episodes reached the horizon"):
        assert monte_carlo_return(m, [0, 0], n_episodes=10, horizon=5, seed=0) == (
            0.0,
            0.0,
        )
    assert monte_carlo_return(m, [1, 0], n_episodes=10, seed=0) == (1.0, 0.0)


def test_state_and_action_names_mirror_the_constructor():
    m = MDP(
        np.ones((2, 1, 2)) / 2,
        np.zeros(2),
        0.5,
        state_names=["a", "b"],
        action_names=["go"],
    )
    assert m.state_names == ("a", "b") == m.names.states
    assert m.action_names == ("go",) == m.names.actions


def test_verify_fails_a_never_terminating_policy_at_gamma_one():
    from mdp import bellman

    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = 1.0
    P[0, 1, 1] = 1.0
    R = np.zeros((2, 2, 2))
    R[0, 1, 1] = -1.0
    m = MDP(P, R, 1.0, terminal=[1])
    report = bellman.verify(m, pi=[0, 0], V=[5.0, 0.0], Q=[[5.0, -1.0], [0.0, 0.0]])
    assert not report.ok and not report["pi_terminates"].passed
    assert bellman.verify(m, pi=[1, 0], V=[-1.0, 0.0]).ok
