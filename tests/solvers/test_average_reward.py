"""solvers.relative_value_iteration: the optimal gain g* and a bias h.

Checked against closed forms (a two-state chain, a periodic 2-cycle), the
stationary distribution of each policy's chain computed independently (an
eigenvector of ``P_pi^T``) with brute force over all deterministic policies,
the discounted limit ``(1 - gamma) V*_gamma -> g*`` with a proven rate, and
RVI run by hand-built transformed MDP for the ``h = tau h~`` mapping.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings

from mdp import MDP, MDPError
from solvers import policy_iteration, relative_value_iteration, value_iteration
from tests.reference import dense
from tests.strategies import mdps
from worlds.random_mdps import garnet


def _stationary(P_pi: np.ndarray) -> np.ndarray:
    """Stationary distribution of an irreducible chain: the eigenvector of
    ``P_pi^T`` for the eigenvalue closest to 1, normalised to sum 1."""
    w, vecs = np.linalg.eig(P_pi.T)
    mu = np.real(vecs[:, np.argmin(np.abs(w - 1.0))])
    return mu / mu.sum()


def _gain_of(m: MDP, pi: np.ndarray) -> float:
    P, r = dense(m)
    S = m.n_states
    return float(_stationary(P[np.arange(S), pi]) @ r[np.arange(S), pi])


def _ergodic(m: MDP, eps: float = 0.1) -> MDP:
    """``(1 - eps) P + eps * uniform``: every policy's chain is irreducible and
    aperiodic (the rewards and mask are kept)."""
    P, r = dense(m)
    S = m.n_states
    Pe = (1.0 - eps) * P + eps / S
    Pe[~m.action_mask] = 0.0
    return MDP(Pe, r, gamma=0.9, action_mask=m.action_mask)


def _two_state_chain(p, q, r0, r1):
    P = np.array([[[1 - p, p]], [[q, 1 - q]]])
    return MDP(P, R=[r0, r1], gamma=0.9)


# ------------------------------------------------------------ closed forms
@pytest.mark.parametrize(
    ("p", "q", "r0", "r1"),
    [(0.3, 0.6, 1.0, 4.0), (0.9, 0.1, -2.0, 5.0), (1.0, 1.0, 0.0, 1.0)],
)
def test_two_state_chain_closed_form(p, q, r0, r1):
    """Stationary mu = (q, p) / (p + q): g = (q r0 + p r1) / (p + q), and
    g = r0 + p (h1 - h0) gives h1 - h0 = (r1 - r0) / (p + q)."""
    sol = relative_value_iteration(_two_state_chain(p, q, r0, r1), tol=1e-12)
    assert sol.converged
    assert sol.gain == pytest.approx((q * r0 + p * r1) / (p + q), abs=1e-10)
    np.testing.assert_allclose(sol.bias, [0.0, (r1 - r0) / (p + q)], atol=1e-9)
    assert sol.gain_bounds[0] <= sol.gain <= sol.gain_bounds[1]
    assert sol.error_bound <= 0.5e-12
    np.testing.assert_array_equal(sol.V, sol.bias)


def test_two_state_control_closed_form():
    """State 0 may leave w.p. 0.2 (action 0) or 0.8 (action 1, which costs 1
    now); state 1 pays 3 and returns w.p. 0.5.  Gains from the closed form:
    action 0: (0.5*0 + 0.2*3) / 0.7 = 6/7; action 1: (0.5*(-1) + 0.8*3) / 1.3
    = 1.9/1.3, the better one."""
    P = np.zeros((2, 2, 2))
    P[0, 0] = [0.8, 0.2]
    P[0, 1] = [0.2, 0.8]
    P[1, :] = [0.5, 0.5]
    m = MDP(P, R=[[0.0, -1.0], [3.0, 3.0]], gamma=0.5)
    sol = relative_value_iteration(m, tol=1e-12)
    assert sol.gain == pytest.approx(1.9 / 1.3, abs=1e-10)
    assert sol.policy[0] == 1
    # Q(s,a) = r - g + P h, and h = max_a Q
    np.testing.assert_allclose(sol.Q.max(axis=1), sol.bias, atol=1e-9)


def test_periodic_two_cycle_needs_the_transformation():
    """0 <-> 1 deterministically, paying 1 and 3: g = 2, h(1) - h(0) = 1."""
    m = MDP(np.array([[[0.0, 1.0]], [[1.0, 0.0]]]), R=[1.0, 3.0], gamma=0.9)
    sol = relative_value_iteration(m, tau=0.5)
    assert sol.converged and sol.gain == pytest.approx(2.0, abs=1e-9)
    np.testing.assert_allclose(sol.bias, [0.0, 1.0], atol=1e-9)
    # plain RVI (tau = 1) oscillates: T h - h alternates between (1, 3) and (3, 1)
    with pytest.warns(
        RuntimeWarning,
        match=r"relative_value_iteration stopped at max_iter=50 .*try tau < 1",
    ):
        plain = relative_value_iteration(m, tau=1.0, max_iter=50)
    assert not plain.converged
    np.testing.assert_allclose(plain.residuals, 2.0)
    assert plain.gain_bounds == (1.0, 3.0)  # still brackets g* = 2


@pytest.mark.parametrize("seed", [0, 1])
def test_bias_maps_back_as_tau_times_transformed_bias(seed):
    """Run plain RVI (tau = 1) on the transformed MDP P~ = tau P + (1 - tau) I,
    built by hand: same gain, and its bias h~ satisfies h = tau h~."""
    m = garnet(12, 3, 3, gamma=0.9, seed=seed)
    P, r = dense(m)
    S = m.n_states
    tau = 0.3
    Pt = tau * P + (1 - tau) * np.eye(S)[:, None, :]
    mt = MDP(Pt, r, gamma=0.9)
    sol = relative_value_iteration(m, tau=tau, tol=1e-12)
    sol_t = relative_value_iteration(mt, tau=1.0, tol=1e-12)
    assert sol.gain == pytest.approx(sol_t.gain, abs=1e-10)
    np.testing.assert_allclose(sol.bias, tau * sol_t.bias, atol=1e-9)
    np.testing.assert_array_equal(sol.policy, sol_t.policy)
    # and the bias does not depend on tau
    for other in (0.1, 0.7, 1.0):
        np.testing.assert_allclose(
            relative_value_iteration(m, tau=other, tol=1e-12).bias, sol.bias, atol=1e-8
        )


# --------------------------------------------- independent gain, brute force
@settings(max_examples=30)
@given(mdps(max_states=5, max_actions=3, allow_terminal=False))
def test_gain_is_the_stationary_reward_of_the_best_policy(m):
    m = _ergodic(m)
    S, A = m.n_states, m.n_actions
    sol = relative_value_iteration(m, tol=1e-11)
    assert sol.converged and sol.info["recurrent_classes"] == 1
    # g* = max over deterministic policies of mu_pi . r_pi (all chains ergodic)
    choices = [np.flatnonzero(m.action_mask[s]) for s in range(S)]
    gains = [_gain_of(m, np.array(pi)) for pi in itertools.product(*choices)]
    assert sol.gain == pytest.approx(max(gains), abs=1e-8)
    # the greedy policy is gain optimal: its mu . r_pi is g*
    assert _gain_of(m, sol.policy) == pytest.approx(sol.gain, abs=1e-8)
    # the optimality equation g + h = max_a [r + P h] holds
    P, r = dense(m)
    rhs = np.where(m.action_mask, r + P @ sol.bias, -np.inf).max(axis=1)
    np.testing.assert_allclose(sol.gain + sol.bias, rhs, atol=1e-8)
    lo, hi = sol.gain_bounds
    assert lo - 1e-12 <= max(gains) <= hi + 1e-12
    assert sol.bias[0] == 0.0 and A == m.n_actions


def test_discounted_limit():
    """``|(1 - gamma) V*_gamma(s) - g*| <= (1 - gamma) sp(h)``.

    Proof: with ``W = g/(1 - gamma) + h``, ``T_gamma W - W`` lies in
    ``(1 - gamma)[-max h, -min h]`` (since ``min h <= P h <= max h``), so by
    the MacQueen bounds ``V* - W`` lies in ``[-max h, -min h]``.
    """
    m = garnet(20, 3, 3, gamma=0.5, seed=0)
    sol = relative_value_iteration(m, tol=1e-12)
    span = np.ptp(sol.bias)
    errs = []
    for gamma in (0.9, 0.99, 0.999):
        V = policy_iteration(m.replace(gamma=gamma), tol=1e-12).V
        err = np.abs((1.0 - gamma) * V - sol.gain).max()
        assert err <= (1.0 - gamma) * span + 1e-9
        errs.append(err)
    # the error shrinks linearly in 1 - gamma
    assert errs[2] < errs[1] / 5 < errs[0] / 25


TERMINAL_REFUSED = (
    r"relative_value_iteration: the MDP has terminal states \(state 2\)\. .*"
    r"multichain.*use value_iteration or policy_iteration with gamma = 1.*"
    r"\(a restart\) and drop `terminal=`"
)


def test_terminal_states_are_refused_with_what_to_do():
    """Corridor 0 -> 1 -> terminal 2: the episode's total reward is what VI at
    gamma = 1 gives (the message's advice); RVI refuses."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[1, 0, 2] = 1.0  # forward
    P[0, 1, 0] = 0.5  # action 1 in state 0: dawdle for 1 or go on
    P[0, 1, 1] = 0.5
    P[1, 1, 2] = 1.0
    R = [[2.0, 1.0], [5.0, 4.0], [0.0, 0.0]]
    m = MDP(P, R, gamma=1.0, terminal=[2])
    with pytest.raises(MDPError, match=TERMINAL_REFUSED):
        relative_value_iteration(m, ref_state=2, tol=1e-12)
    np.testing.assert_allclose(value_iteration(m, tol=1e-12).V, [7.0, 5.0, 0.0])


def test_terminal_state_beside_a_rewarding_loop_is_refused():
    """The new user's case: state 0 may loop for 1 per step or leave through
    state 1 (paying 2 on the way) to terminal 2.  The best gain from state 0
    is that of the loop, 1 (the optimal gain depends on the start: 0 from the
    terminal), which plain RVI does not find; it refuses instead of running
    100,000 sweeps to a wrong constant."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 0] = 1.0  # loop
    P[0, 1, 1] = P[1, :, 2] = 1.0  # leave
    R = [[1.0, 0.0], [2.0, 2.0], [0.0, 0.0]]
    m = MDP(P, R, gamma=0.9, terminal=[2])
    with pytest.raises(MDPError, match=TERMINAL_REFUSED):
        relative_value_iteration(m)
    # what the message advises for the episode's total reward: V* at gamma = 1
    # is not defined here (the loop pays forever), and every solver says so
    with pytest.raises(MDPError, match=r"collects positive reward forever"):
        value_iteration(m.replace(gamma=1.0))


def test_gamma_is_ignored_and_ref_state_shifts_the_bias():
    m = garnet(10, 2, 3, gamma=0.3, seed=4)
    a = relative_value_iteration(m, tol=1e-12)
    b = relative_value_iteration(m.replace(gamma=0.99), tol=1e-12)
    assert a.gain == pytest.approx(b.gain, abs=1e-12)
    np.testing.assert_allclose(a.bias, b.bias, atol=1e-10)
    c = relative_value_iteration(m, ref_state=7, tol=1e-12)
    assert c.bias[7] == 0.0
    np.testing.assert_allclose(c.bias, a.bias - a.bias[7], atol=1e-9)


def test_masked_actions_are_never_chosen():
    P = np.full((3, 2, 3), 1.0 / 3.0)
    R = np.array([[1.0, 10.0], [0.0, 0.0], [0.0, 0.0]])
    m = MDP(P, R, gamma=0.9, action_mask=[[True, False], [True, True], [True, True]])
    sol = relative_value_iteration(m, tol=1e-12)
    assert sol.policy[0] == 0 and sol.Q[0, 1] == -np.inf
    assert sol.gain == pytest.approx(1.0 / 3.0, abs=1e-9)


def test_verbose_prints(capsys):
    relative_value_iteration(garnet(5, 2, 2, seed=0), verbose=True)
    assert "relative_value_iteration" in capsys.readouterr().err


# --------------------------------------------------- multichain: errors, warnings
def test_two_absorbing_states_are_multichain():
    P = np.zeros((3, 1, 3))
    P[0, 0] = [0.0, 0.5, 0.5]
    P[1, 0, 1] = P[2, 0, 2] = 1.0
    m = MDP(P, R=[0.0, 1.0, 2.0], gamma=0.9)
    with pytest.raises(
        MDPError,
        match=r"multichain: .* 2 closed classes .* containing state 1, state 2\. Every policy",
    ):
        relative_value_iteration(m)


def test_two_terminal_states_are_refused():
    P = np.zeros((3, 1, 3))
    P[0, 0] = [0.0, 0.5, 0.5]
    m = MDP(P, R=np.zeros(3), gamma=1.0, terminal=[1, 2])
    with pytest.raises(MDPError, match=r"has terminal states \(state 1, state 2\)"):
        relative_value_iteration(m)


def test_closed_class_named_by_its_lowest_state():
    # classes {0, 1} (a 2-cycle) and {3}; state 2 feeds both
    P = np.zeros((4, 1, 4))
    P[0, 0, 1] = P[1, 0, 0] = P[3, 0, 3] = 1.0
    P[2, 0] = [0.5, 0.0, 0.0, 0.5]
    with pytest.raises(MDPError, match=r"containing state 0, state 3\."):
        relative_value_iteration(MDP(P, np.zeros(4), gamma=0.5))


def test_multichain_greedy_policy_warns():
    """State 0 may stay (action 0) or move to absorbing state 1, all for free:
    g* = 0 everywhere, but the lowest-index tie (stay) has two recurrent classes."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    m = MDP(P, R=np.zeros((2, 2)), gamma=0.9)
    with pytest.warns(
        RuntimeWarning, match=r"greedy policy's Markov chain has 2 recurrent classes"
    ):
        sol = relative_value_iteration(m)
    assert sol.converged and sol.gain == 0.0 and sol.info["recurrent_classes"] == 2


def test_state_dependent_gain_does_not_converge():
    """One closed class ({1}), yet state 0's rewarding self-loop gives it gain
    10 against 0 in state 1: RVI cannot converge and says so."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    m = MDP(P, R=[[10.0, 0.0], [0.0, 0.0]], gamma=0.9)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sol = relative_value_iteration(m, max_iter=30)
    messages = [str(w.message) for w in caught]
    assert any("stopped at max_iter=30" in s for s in messages)
    assert any("2 recurrent classes" in s for s in messages)
    assert not sol.converged and sol.gain_bounds == (0.0, 10.0)


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize("ref", [-1, 3, 1.0, True, "0"])
def test_bad_ref_state(ref):
    with pytest.raises(
        MDPError, match=r"`ref_state` must be a state index \(an integer in 0\.\.2\)"
    ):
        relative_value_iteration(garnet(3, 2, 2, seed=0), ref_state=ref)


@pytest.mark.parametrize(
    ("tau", "match"),
    [
        (0.0, r"`tau` must be in \(0, 1\] .*; got 0.0"),
        (1.5, r"`tau` must be in \(0, 1\]"),
        (float("nan"), r"`tau` must be in \(0, 1\]"),
        ("x", r"`tau` must be a number in \(0, 1\]; got 'x'"),
    ],
)
def test_bad_tau(tau, match):
    with pytest.raises(MDPError, match=match):
        relative_value_iteration(garnet(3, 2, 2, seed=0), tau=tau)


def test_bad_tol_and_max_iter():
    m = garnet(3, 2, 2, seed=0)
    with pytest.raises(MDPError, match=r"`tol` must be a positive, finite number"):
        relative_value_iteration(m, tol=-1.0)
    with pytest.raises(MDPError, match=r"`max_iter` must be an integer >= 1"):
        relative_value_iteration(m, max_iter=0)
