"""solvers.policy_iteration, modified_policy_iteration and proper_policy.

Ties and termination, initial-policy validation, gamma = 1 (proper policies
checked by an independent reachability computation), the "reduces to"
identities MPI(m = inf) = PI and MPI(m = 0) = VI, iteration counts, and the
result/warning contract.
"""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdp import MDP, ImproperPolicyError, MDPError, PolicyError, bellman
from mdp.episodic import proper_policy
from solvers import (
    evaluate_policy,
    modified_policy_iteration,
    policy_iteration,
    value_iteration,
)
from tests.reference import all_deterministic_policies, brute_force_optimum, dense
from tests.strategies import mdps
from worlds.random_mdps import garnet

EVAL_METHODS = ("direct", "krylov", "iterative")


def chain(gamma: float = 0.9) -> MDP:
    # stay/move chain, state 1 pays 1: V* = (9, 10) at gamma 0.9
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    return MDP(P, R=[0.0, 1.0], gamma=gamma)


def reaches_terminal(P_pi: np.ndarray, terminal: np.ndarray) -> np.ndarray:
    """Which states reach a terminal state with positive probability under the
    dense chain ``P_pi [S, S]`` (fixed point of a boolean backward search)."""
    reach = terminal.copy()
    while True:
        new = reach | ((P_pi > 0) & reach[None, :]).any(axis=1)
        if (new == reach).all():
            return reach
        reach = new


# ------------------------------------------------------------------- ties
def duplicated_actions(gamma: float = 0.9) -> MDP:
    """Actions 0 and 1 are identical copies in every state (exact ties);
    action 2 is worse."""
    rng = np.random.default_rng(0)
    S = 5
    base = rng.dirichlet(np.ones(S), size=S)
    P = np.stack([base, base, rng.dirichlet(np.ones(S), size=S)], axis=1)
    r = rng.random(S)
    R = np.stack([r, r, r - 1.0], axis=1)
    return MDP(P, R, gamma)


def mirrored_branches() -> MDP:
    """State 0 may go left (1) or right (2); the branches are mirror images,
    so Q(0, left) = Q(0, right) in exact arithmetic."""
    P = np.zeros((4, 2, 4))
    P[0, 0, 1] = P[0, 1, 2] = 1.0
    for s in (1, 2):
        P[s, :, s] = 0.5
        P[s, :, 3] = 0.5
    P[3, :, 3] = 1.0
    R = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [0.3, 0.3]])
    return MDP(P, R, 0.95)


@pytest.mark.parametrize("make", [duplicated_actions, mirrored_branches])
@pytest.mark.parametrize("method", EVAL_METHODS)
def test_ties_terminate_with_a_stable_policy(make, method):
    m = make()
    sol = policy_iteration(m, eval_method=method, max_iter=50)
    assert sol.converged and sol.iterations <= 5
    V_star, _, _ = brute_force_optimum(m)
    np.testing.assert_allclose(sol.V, V_star, atol=1e-7)
    # stable: restarting from the answer changes nothing
    again = policy_iteration(m, pi0=sol.policy, eval_method=method)
    np.testing.assert_array_equal(again.policy, sol.policy)
    assert again.info["policy_changes"][0] == 0


@pytest.mark.parametrize("method", EVAL_METHODS)
def test_tied_actions_are_kept_not_swapped(method):
    m = duplicated_actions()
    sol = policy_iteration(m, eval_method=method)
    for start in (0, 1):  # either copy of the tied action is stable
        pi0 = np.where(sol.policy == 0, start, sol.policy)
        again = policy_iteration(m, pi0=pi0, eval_method=method)
        np.testing.assert_array_equal(again.policy, pi0)
        assert again.iterations <= 2


# ---------------------------------------------------- iteration accounting
def test_chain_by_hand():
    sol = policy_iteration(chain())
    # myopic start (0, 0) -> greedy (1, 0) -> stable
    np.testing.assert_array_equal(sol.policy, [1, 0])
    np.testing.assert_allclose(sol.V, [9.0, 10.0])
    assert sol.iterations == 2
    assert sol.info == {"eval_method": "dense", "policy_changes": [1, 0]}
    assert sol.method == "policy_iteration (dense evaluation)"
    assert sol.message == (
        "converged after 2 improvement step(s): MacQueen-Porteus bounds on "
        "T*V - V after the final evaluation"
    )
    assert sol.status == "converged"


@given(mdps(max_states=5, max_actions=3))
def test_iteration_counts_are_sensible(m):
    n_policies = len(all_deterministic_policies(m))
    sol = policy_iteration(m, eval_method="direct")
    changes = sol.info["policy_changes"]
    # every step but the last strictly improves, so no policy repeats
    assert sol.converged and sol.iterations <= n_policies
    assert len(changes) == len(sol.residuals) == sol.iterations
    assert changes[-1] == 0 and all(c > 0 for c in changes[:-1])
    # the last step's Bellman residual is round-off
    assert sol.residuals[-1] <= 1e-9 * max(1.0, np.abs(sol.V).max())
    for k in (0, 5):
        mpi = modified_policy_iteration(m, m_sweeps=k)
        assert mpi.info["sweeps"] == mpi.iterations + k * (mpi.iterations - 1)


def test_pi_needs_few_steps_on_a_garnet():
    m = garnet(500, 4, 5, gamma=0.99, seed=0)
    sol = policy_iteration(m)
    vi = value_iteration(m)
    # Howard's PI: a handful of evaluations where VI needs dozens of sweeps
    assert sol.iterations <= 10 < vi.iterations
    assert np.abs(sol.V - vi.V).max() <= vi.error_bound + sol.error_bound + 1e-12


# ------------------------------------------------------------ reduces to
@given(mdps(max_states=6, max_actions=3))
def test_mpi_with_infinite_sweeps_equals_pi(m):
    V_star, Q_star, _ = brute_force_optimum(m)
    pi = policy_iteration(m, eval_method="direct", tol=1e-10)
    mpi = modified_policy_iteration(m, m_sweeps=np.inf, tol=1e-10)
    assert mpi.converged
    assert np.abs(mpi.V - pi.V).max() <= mpi.error_bound + pi.error_bound + 1e-9
    # same optimal actions wherever the optimum is unique by a clear margin
    if m.n_actions == 1:
        clear = np.ones(m.n_states, dtype=bool)
    else:
        top2 = np.sort(Q_star, axis=1)[:, -2:]  # -inf for unavailable actions
        clear = top2[:, 1] - top2[:, 0] > 1e-6
    np.testing.assert_array_equal(mpi.policy[clear], pi.policy[clear])
    # exact evaluation: at most one greedy step more than PI's improvements
    assert mpi.iterations <= pi.iterations + 1


@given(mdps(max_states=6, max_actions=3), st.sampled_from([1e-3, 1e-8]))
def test_mpi_with_zero_sweeps_is_value_iteration(m, tol):
    vi = value_iteration(m, tol=tol)
    mpi = modified_policy_iteration(m, m_sweeps=0, tol=tol)
    # the same iterates V_k = T*^k 0, so the same residual history and stop
    assert mpi.iterations == vi.iterations
    np.testing.assert_allclose(mpi.residuals, vi.residuals, rtol=1e-12, atol=1e-300)
    assert np.abs(mpi.V - vi.V).max() <= mpi.error_bound + vi.error_bound + 1e-12
    assert mpi.info["sweeps"] == vi.iterations


# --------------------------------------------------------------- pi0 checks
def test_pi0_is_used_and_validated():
    m = chain()
    sol = policy_iteration(m, pi0=[1, 0])
    assert sol.iterations == 1  # already optimal
    with pytest.raises(
        MDPError, match=r"`pi0` must be a deterministic policy, an int array \(S,\)"
    ):
        policy_iteration(m, pi0=[[0.5, 0.5], [1.0, 0.0]])
    with pytest.raises(MDPError, match=r"`pi0` must be a deterministic policy"):
        policy_iteration(m, pi0=np.eye(2))  # one-hot rows are still stochastic layout
    with pytest.raises(
        PolicyError, match=r"policy picks action 2 in state 0, out of range 0..1"
    ):
        policy_iteration(m, pi0=[2, 0])
    with pytest.raises(
        PolicyError, match=r"deterministic policy has shape \(3,\); expected \(2,\)"
    ):
        policy_iteration(m, pi0=[0, 0, 0])
    masked = MDP(m.P, m.r, 0.9, action_mask=[[True, True], [True, False]])
    with pytest.raises(
        PolicyError, match=r"policy picks action 1 in state 1, which is not available"
    ):
        policy_iteration(masked, pi0=[0, 1])


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (
            {"eval_method": "lu"},
            r"`eval_method` must be 'auto', 'dense', 'direct', 'krylov' or "
            r"'iterative'; got 'lu'\.",
        ),
        ({"tol": 0.0}, r"`tol` must be a positive, finite number; got 0.0"),
        ({"max_iter": 0}, r"`max_iter` must be an integer >= 1; got 0"),
        ({"max_iter": 1.5}, r"`max_iter` must be an integer >= 1; got 1.5"),
    ],
)
def test_pi_parameter_errors(kwargs, pattern):
    with pytest.raises(MDPError, match=pattern):
        policy_iteration(chain(), **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (
            {"m_sweeps": -1},
            r"`m_sweeps` must be an integer >= 0 or inf \(exact evaluation\); got -1\.",
        ),
        (
            {"m_sweeps": 2.5},
            r"`m_sweeps` must be an integer >= 0 or inf \(exact evaluation\); got 2.5\.",
        ),
        (
            {"m_sweeps": np.nan},
            r"`m_sweeps` must be an integer >= 0 or inf \(exact evaluation\); got nan\.",
        ),
        (
            {"m_sweeps": "all"},
            r"`m_sweeps` must be an integer >= 0 or inf \(exact evaluation\); got 'all'\.",
        ),
        ({"tol": -1.0}, r"`tol` must be a positive, finite number; got -1.0"),
        ({"max_iter": np.inf}, r"`max_iter` must be an integer >= 1; got inf"),
        ({"V0": [1.0]}, r"`V0` has shape \(1,\); expected \(2,\)"),
        ({"V0": [0.0, np.nan]}, r"`V0` is not finite at state 1"),
    ],
)
def test_mpi_parameter_errors(kwargs, pattern):
    with pytest.raises(MDPError, match=pattern):
        modified_policy_iteration(chain(), **kwargs)


def test_not_an_mdp():
    for fn in (policy_iteration, modified_policy_iteration, proper_policy):
        with pytest.raises(
            TypeError, match="expected an mdp.MDP as the first argument; got int"
        ):
            fn(3)


# ------------------------------------------------- gamma = 1, proper policies
def corridor() -> MDP:
    """0 - 1 - 2 - 3 (terminal).  Action 0 "rest" stays put and pays -0.1,
    action 1 "walk" moves right and pays -1.  The myopic policy rests forever
    (improper); the optimum walks: V* = (-3, -2, -1, 0)."""
    P = np.zeros((4, 2, 4))
    for s in range(3):
        P[s, 0, s] = 1.0
        P[s, 1, s + 1] = 1.0
    R = np.array([[-0.1, -1.0]] * 3 + [[0.0, 0.0]])
    return MDP(P, R, gamma=1.0, terminal=[3])


@pytest.mark.parametrize("method", EVAL_METHODS)
def test_pi_starts_from_a_proper_policy_when_gamma_is_one(method):
    m = corridor()
    myopic = np.argmax(m.r, axis=1)
    with pytest.raises(ImproperPolicyError):
        evaluate_policy(m, myopic)  # so PI must not start there
    sol = policy_iteration(m, eval_method=method)
    assert sol.converged
    np.testing.assert_allclose(sol.V, [-3.0, -2.0, -1.0, 0.0], atol=1e-8)
    np.testing.assert_array_equal(sol.policy[:3], [1, 1, 1])
    assert np.isnan(sol.error_bound)


@pytest.mark.parametrize("sweeps", [0, 5, np.inf])
def test_mpi_gamma_one_survives_improper_greedy_policies(sweeps):
    # from V0 = 0 the first greedy policy rests forever (improper); exact
    # evaluation of it used to raise ImproperPolicyError
    sol = modified_policy_iteration(corridor(), m_sweeps=sweeps, tol=1e-12)
    assert sol.converged
    np.testing.assert_allclose(sol.V, [-3.0, -2.0, -1.0, 0.0], atol=1e-9)


def test_pi_gamma_one_improper_pi0_names_the_states():
    # resting in 1 traps 1, and 0 walks into 1
    with pytest.raises(
        ImproperPolicyError,
        match=r"never reaches a terminal state from state 0, state 1: its value",
    ):
        policy_iteration(corridor(), pi0=[1, 0, 1, 0])


def test_no_proper_policy_names_the_states():
    # state 2 is a trap (absorbing, not terminal); 1 can only fall into it
    P = np.zeros((4, 2, 4))
    P[0, 0, 3] = P[0, 1, 1] = 1.0
    P[1, :, 2] = 1.0
    P[2, :, 2] = 1.0
    R = np.where(np.arange(4)[:, None] == 3, 0.0, -1.0) * np.ones((4, 2))
    m = MDP(P, R, gamma=1.0, terminal=[3])
    pattern = (
        r"no proper policy exists: state 1, state 2 cannot reach a terminal "
        r"state under any actions"
    )
    with pytest.raises(MDPError, match=pattern):
        proper_policy(m)
    with pytest.raises(MDPError, match=pattern):
        policy_iteration(m)
    no_terminal = MDP(np.ones((2, 1, 2)) / 2, R=[1.0, 0.0], gamma=1.0)
    with pytest.raises(MDPError, match="gamma = 1 and the MDP has no terminal states"):
        policy_iteration(no_terminal)
    # with gamma < 1 the same MDP is fine
    assert policy_iteration(m.replace(gamma=0.9)).converged


@given(mdps(min_states=2, max_states=8, max_actions=4))
def test_proper_policy_properties(m):
    P, _ = dense(m)
    S = m.n_states
    # independent: which states reach a terminal under *some* actions
    some = np.where(m.action_mask[:, :, None], P, 0.0).max(axis=1)
    reachable = (
        reaches_terminal(some, m.terminal) if m.terminal.any() else np.zeros(S, bool)
    )
    if not m.terminal.any():
        with pytest.raises(MDPError, match="no terminal state"):
            proper_policy(m)
        return
    if not reachable.all():
        stuck = np.flatnonzero(~reachable)
        named = ", ".join(f"state {s}" for s in stuck[:5])
        with pytest.raises(
            MDPError, match=re.escape(f"no proper policy exists: {named}")
        ):
            proper_policy(m)
        return
    pi = proper_policy(m)
    assert pi.shape == (S,) and pi.dtype == np.intp
    assert m.action_mask[np.arange(S), pi].all()
    # every state reaches a terminal under pi (so w.p. 1: finite chain)
    assert reaches_terminal(P[np.arange(S), pi], m.terminal).all()
    # so its value is finite with gamma = 1
    V = evaluate_policy(m.replace(gamma=1.0), pi)
    assert np.isfinite(V).all()


# ------------------------------------------------------------ warnings, io
def test_pi_max_iter_warns():
    m = garnet(40, 4, 3, gamma=0.99, seed=3)
    with pytest.warns(
        RuntimeWarning,
        match=r"policy_iteration stopped at max_iter=1 before meeting its tolerance \(\d+ policy change",
    ) as rec:
        sol = policy_iteration(m, max_iter=1)
    assert rec[0].filename == __file__
    assert not sol.converged and sol.iterations == 1
    assert sol.message.startswith("policy_iteration stopped at max_iter=1")


def test_mpi_max_iter_warns():
    m = garnet(40, 4, 3, gamma=0.99, seed=3)
    with pytest.warns(
        RuntimeWarning,
        match=r"modified_policy_iteration stopped at max_iter=2 before meeting its tolerance \(last residual",
    ) as rec:
        sol = modified_policy_iteration(m, max_iter=2)
    assert rec[0].filename == __file__
    assert not sol.converged and sol.iterations == 2 and np.isnan(sol.error_bound)


def test_verbose(capsys):
    m = chain()
    policy_iteration(m)
    modified_policy_iteration(m)
    assert capsys.readouterr().err == ""
    policy_iteration(m, verbose=True)
    modified_policy_iteration(m, verbose=True)
    err = capsys.readouterr().err
    assert re.search(r"^policy_iteration: converged after 2 improvement", err, re.M)
    assert re.search(r"^modified_policy_iteration: converged", err, re.M)


@pytest.mark.parametrize("sweeps", [0, 1, 5, np.inf])
def test_mpi_guarantee_and_verify_on_garnets(sweeps):
    for gamma in (0.9, 0.99):
        m = garnet(200, 3, 4, gamma=gamma, seed=4)
        V_star = policy_iteration(m, eval_method="direct").V
        for tol in (1e-3, 1e-8):
            sol = modified_policy_iteration(m, m_sweeps=sweeps, tol=tol)
            assert sol.converged and sol.error_bound <= tol
            assert np.abs(sol.V - V_star).max() <= sol.error_bound + 1e-11
        report = bellman.verify(m, V_star=sol.V, Q_star=sol.Q, tol=1e-7)
        assert report.ok, str(report)


@pytest.mark.parametrize("method", EVAL_METHODS)
def test_pi_verify_and_policy_value_on_garnets(method):
    m = garnet(300, 4, 5, gamma=0.95, seed=8)
    sol = policy_iteration(m, eval_method=method, tol=1e-9)
    assert sol.info["eval_method"] == method
    assert bellman.verify(m, V_star=sol.V, Q_star=sol.Q, tol=1e-7).ok
    # the policy's exact value is V* (within what PI certifies)
    V_pi = evaluate_policy(m, sol.policy, method="direct")
    assert np.abs(V_pi - sol.V).max() <= 2 * sol.error_bound + 1e-10


def test_all_policies_enumerated_brute_force_small():
    # sanity of the brute-force helper used across these tests
    m = chain()
    pols = all_deterministic_policies(m)
    assert sorted(map(tuple, pols)) == sorted(itertools.product(range(2), repeat=2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        V_star, _, _ = brute_force_optimum(m)
    np.testing.assert_allclose(V_star, [9.0, 10.0])
