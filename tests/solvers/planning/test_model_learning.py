"""solvers.estimate_model: the MLE model, checked against the true tables.

P_hat -> P at the 1/sqrt(n) rate (many seeds), counts against a plain-Python
count, unvisited pairs explicit, and planning in P_hat (value iteration, MPC)
approaching the true optimum as the samples grow.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdp import MDP, MDPError
from mdp.trajectory import rollout
from solvers import estimate_model, evaluate_policy, mpc, policy_iteration
from solvers.planning import sample_transitions
from tests.strategies import mdps
from worlds import make


def test_p_hat_converges_to_p():
    m = make("frozenlake-4x4").mdp
    err = {}
    for n in (10, 100, 1000):
        e = [
            abs(estimate_model(m, samples_per_pair=n, seed=k).mdp.P - m.P).max()
            for k in range(8)
        ]
        err[n] = float(np.mean(e))
    assert err[10] > err[100] > err[1000]
    # max over 48 categorical rows with p = 1/3: ~ 2.5 sqrt(p(1-p)/n)
    assert err[1000] < 0.06 and err[100] < 0.2


def test_rewards_and_terminals_from_sampling():
    w = make("cliff-walking")
    est = estimate_model(w.mdp, samples_per_pair=2, seed=0)
    # deterministic world: two samples give the exact model
    assert abs(est.mdp.P - w.mdp.P).max() == 0
    np.testing.assert_allclose(est.mdp.r, w.mdp.r)
    np.testing.assert_array_equal(est.mdp.terminal, w.mdp.terminal)
    assert not est.unvisited.any() and est.samples == 2 * 4 * 47


def test_counts_from_trajectories_match_a_plain_count():
    m = make("frozenlake-4x4").mdp
    rng = np.random.default_rng(3)
    pi = np.full((16, 4), 0.25)
    taus = [rollout(m, pi, seed=rng, horizon=50) for _ in range(30)]
    est = estimate_model(taus, n_states=16, n_actions=4, gamma=1.0)
    N = np.zeros((16, 4), dtype=int)
    for tau in taus:
        for s, a in zip(tau.states[:-1], tau.actions, strict=True):
            N[s, a] += 1
    np.testing.assert_array_equal(est.counts, N)
    # every terminal state an episode ended in is terminal in the model
    ends = {int(t.states[-1]) for t in taus if t.terminated}
    assert ends <= set(np.flatnonzero(est.mdp.terminal).tolist())
    rows = est.mdp.P.sum(axis=1).reshape(16, 4)
    np.testing.assert_allclose(rows[est.mdp.action_mask], 1.0)


def test_unvisited_pairs_self_loop_or_optimistic():
    data = {"s": [0, 0], "a": [0, 0], "r": [2.0, 4.0], "s_next": [1, 1]}
    est = estimate_model(data, n_states=2, n_actions=2, gamma=0.9)
    assert est.unvisited.tolist() == [[False, True], [True, True]]
    P = est.mdp.P.toarray().reshape(2, 2, 2)
    assert P[0, 1, 0] == 1.0 and P[1, 0, 1] == 1.0
    np.testing.assert_allclose(est.mdp.r, [[3.0, 0.0], [0.0, 0.0]])
    opt = estimate_model(
        data, n_states=2, n_actions=2, gamma=0.9, unvisited="optimistic"
    )
    np.testing.assert_allclose(opt.mdp.r, [[3.0, 4.0], [4.0, 4.0]])
    # R-max: the unknown pairs look best (4 / (1 - 0.9) = 40)
    assert policy_iteration(opt.mdp).policy[0] == 1
    with pytest.raises(MDPError, match="needs gamma < 1"):
        estimate_model(data, n_states=2, n_actions=2, gamma=1.0, unvisited="optimistic")


def test_planning_in_the_learned_model_approaches_the_optimum():
    m = make("frozenlake-4x4", gamma=0.95).mdp
    Vs = policy_iteration(m).V
    regret, loss = {}, {}
    for n in (3, 300):
        r, lo = [], []
        for k in range(6):
            est = estimate_model(m, samples_per_pair=n, seed=k)
            pi = policy_iteration(est.mdp).policy
            r.append(float(np.max(Vs - evaluate_policy(m, pi))))
            lo.append(
                mpc(
                    m,
                    horizon=3,
                    model=est.mdp,
                    terminal_value=policy_iteration(est.mdp).V,
                    V_star=Vs,
                ).loss
            )
        regret[n], loss[n] = np.mean(r), np.mean(lo)
    assert regret[300] < 0.01 < regret[3]
    assert loss[300] < 0.01 < loss[3]


def test_sample_transitions_frequencies():
    m = make("frozenlake-4x4").mdp
    d = sample_transitions(m, 3000, seed=1)
    row = 1 * 4 + 1  # state 1, action RIGHT
    pick = (d["s"] == 1) & (d["a"] == 1)
    freq = np.bincount(d["s_next"][pick], minlength=16) / pick.sum()
    p = m.P[[row]].toarray().ravel()
    assert np.abs(freq - p).max() < 4 * np.sqrt(1 / 3 * 2 / 3 / 3000)


def test_errors():
    with pytest.raises(MDPError, match="`gamma` is required"):
        estimate_model({"s": [0], "a": [0], "r": [0.0], "s_next": [0]})
    with pytest.raises(MDPError, match="missing \\['s_next'\\]"):
        estimate_model({"s": [0], "a": [0], "r": [0.0]}, gamma=0.9)
    with pytest.raises(MDPError, match="out of range 0..1"):
        estimate_model(
            {"s": [0], "a": [0], "r": [0.0], "s_next": [5]}, n_states=2, gamma=0.9
        )
    with pytest.raises(MDPError, match="`unvisited` must be"):
        estimate_model(MDP(np.ones((1, 1, 1)), [0.0], 0.5), unvisited="zero")
    with pytest.raises(MDPError, match="`data` must be an mdp.MDP"):
        estimate_model(3, gamma=0.9)
    # a fractional state is refused, not truncated to an index
    with pytest.raises(MDPError, match="`s` must hold integer indices; got \\[0.5\\]"):
        estimate_model({"s": [0.5], "a": [0], "r": [0.0], "s_next": [1]}, gamma=0.9)
    one = estimate_model({"s": [1.0], "a": [0], "r": [0.0], "s_next": [1]}, gamma=0.9)
    assert one.mdp.n_states == 2


@settings(max_examples=25)
@given(
    m=mdps(max_states=6, max_actions=3), n=st.integers(1, 20), seed=st.integers(0, 99)
)
def test_mle_rows_are_distributions_on_the_true_support(m, n, seed):
    est = estimate_model(m, samples_per_pair=n, seed=seed)
    S, A = m.n_states, m.n_actions
    P_hat = est.mdp.P.toarray().reshape(S, A, S)
    P = m.P.toarray().reshape(S, A, S)
    ok = m.action_mask & ~m.terminal[:, None]
    np.testing.assert_allclose(P_hat.sum(axis=2)[ok], 1.0)
    assert np.all(P_hat[ok][P[ok] == 0] == 0)  # never a transition P forbids
    assert np.all(est.counts[ok] == n) and not est.unvisited.any()
    # rewards: R_hat(s,a,s') is R(s,a,s') wherever it was sampled
    if m.R_sas is not None:
        R = m.R_sas.toarray().reshape(S, A, S)
        R_hat = est.mdp.R_sas.toarray().reshape(S, A, S)
        seen = P_hat > 0
        np.testing.assert_allclose(R_hat[seen], R[seen])
    else:
        np.testing.assert_allclose(est.mdp.r[ok], m.r[ok])


def test_gymnasium_env_model_approaches_the_envs_own_tables():
    """A random walk in Gymnasium's slippery FrozenLake: P_hat approaches the
    tables Gymnasium itself holds (read independently by MDP.from_gymnasium),
    holes and the goal are terminal, and planning in P_hat is near-optimal."""
    gymnasium = pytest.importorskip("gymnasium")
    env = gymnasium.make("FrozenLake-v1")
    m = MDP.from_gymnasium(env, gamma=0.95)
    est = estimate_model(env, steps=40_000, gamma=0.95, seed=0)
    assert est.samples == 40_000 and est.mdp.n_states == 16
    np.testing.assert_array_equal(est.mdp.terminal, m.terminal)
    n = est.counts.ravel()
    live = np.repeat(~m.terminal, m.n_actions)
    assert (n[live] >= 50).all()  # the walk tried all 44 pairs (64 to 4323 times)
    err = abs(est.mdp.P - m.P).max(axis=1).toarray().ravel()
    # each entry's standard error is sqrt(p (1 - p) / n) <= 0.5 / sqrt(n)
    assert (err[live] <= 2.5 / np.sqrt(n[live])).all()
    pi = policy_iteration(est.mdp).policy
    J, J_star = (
        float(m.p0 @ v) for v in (evaluate_policy(m, pi), policy_iteration(m).V)
    )
    assert J > 0.95 * J_star
    again = estimate_model(env, steps=40_000, gamma=0.95, seed=0)
    np.testing.assert_array_equal(again.counts, est.counts)  # same seed, same walk


def test_gymnasium_env_errors():
    gymnasium = pytest.importorskip("gymnasium")
    env = gymnasium.make("FrozenLake-v1")
    with pytest.raises(
        MDPError, match="`gamma` is required when `data` is a Gymnasium"
    ):
        estimate_model(env, steps=10)
    with pytest.raises(
        MDPError, match="`n_states` = 5 but the Gymnasium env's space has 16"
    ):
        estimate_model(env, steps=10, gamma=0.9, n_states=5)
    with pytest.raises(MDPError, match="`steps` must be an integer >= 1"):
        estimate_model(env, steps=0, gamma=0.9)
    with pytest.raises(MDPError, match="observation space must be Discrete"):
        estimate_model(gymnasium.make("CartPole-v1"), gamma=0.9)


def test_gymnasium_env_arguments_are_checked_before_the_walk():
    """A bad gamma or size fails at once, not after `steps` env steps."""
    gymnasium = pytest.importorskip("gymnasium")

    class Counting(gymnasium.Wrapper):
        calls = 0

        def step(self, action):
            Counting.calls += 1
            return self.env.step(action)

    env = Counting(gymnasium.make("FrozenLake-v1"))
    with pytest.raises(MDPError, match="`gamma` is required"):
        estimate_model(env, steps=5000)
    with pytest.raises(MDPError, match="`n_actions` = 3 but"):
        estimate_model(env, steps=5000, gamma=0.9, n_actions=3)
    with pytest.raises(MDPError, match="needs gamma < 1"):
        estimate_model(env, steps=5000, gamma=1.0, unvisited="optimistic")
    assert Counting.calls == 0
    assert estimate_model(env, steps=7, gamma=0.9, seed=0).samples == 7
    assert Counting.calls == 7
