"""Control learners: identities, seeds and runs, the generative view, errors."""

from __future__ import annotations

import numpy as np
import pytest
from learning_helpers import Noisy, episodic_random_mdp
from scipy import stats

from mdp import MDP, BatchSampler, MDPError
from solvers import (
    double_q_learning,
    expected_sarsa,
    policy_iteration,
    q_learning,
    sarsa,
)
from solvers.learning import schedules
from worlds import make

LEARNERS = [q_learning, sarsa, expected_sarsa, double_q_learning]


@pytest.fixture(scope="module")
def cliff():
    return make("cliff-walking").mdp


@pytest.mark.parametrize("learner", LEARNERS, ids=lambda f: f.__name__)
def test_single_run_is_run_zero_of_a_batch(cliff, learner):
    # run 0 of a batch uses the same stream as a single run, and (in the
    # compiled loop) only that stream, so even the final tie draws agree
    a = learner(cliff, episodes=60, alpha=0.5, epsilon=0.1, seed=3)
    b = learner(cliff, episodes=60, alpha=0.5, epsilon=0.1, seed=3, runs=3)
    np.testing.assert_array_equal(a.Q, b.Q[0])
    np.testing.assert_array_equal(a.episode_returns, b.episode_returns[0])
    np.testing.assert_array_equal(a.policy, b.policy[0])
    assert a.steps == b.steps[0]
    assert b.Q.shape == (3, 48, 4) and b.episode_lengths.shape == (3, 60)
    assert not np.array_equal(b.Q[1], b.Q[2])  # independent streams
    c = learner(cliff, episodes=60, alpha=0.5, epsilon=0.1, seed=3, runs=3)
    np.testing.assert_array_equal(b.Q, c.Q)  # same seed, same result
    assert b.episode_lengths.sum(axis=1).tolist() == b.steps.tolist()
    np.testing.assert_array_equal(a.visits, b.visits[0])
    assert b.visits.sum(axis=(1, 2)).tolist() == b.steps.tolist()


def _numpy_path(monkeypatch, learner, env, **kw):
    import solvers.learning.control as control

    with monkeypatch.context() as mp:
        mp.setattr(control, "_COMPILED", False)
        return learner(env, **kw)


CASES = {
    "cliff": lambda: (make("cliff-walking").mdp, {"alpha": 0.5, "epsilon": 0.1}),
    "masked": lambda: (
        make("gamblers-problem", goal=10).mdp,
        {"alpha": 0.5, "epsilon": 0.5},
    ),
    "noisy-visits-decaying": lambda: (
        make("maximization-bias").mdp,  # reward_std, masks, A = 10
        {
            "alpha": schedules.polynomial(0.8),
            "epsilon": schedules.decaying(1.0, 20),
        },
    ),
    "random": lambda: (episodic_random_mdp(2), {"alpha": 0.3, "epsilon": 0.2}),
    "truncated": lambda: (
        make("cliff-walking").mdp,
        {"alpha": 0.5, "epsilon": 0.1, "max_steps": 15},
    ),
}


@pytest.mark.filterwarnings("ignore:.*truncated:RuntimeWarning")
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("learner", LEARNERS, ids=lambda f: f.__name__)
def test_compiled_loop_gives_the_numpy_paths_numbers(monkeypatch, learner, case):
    """The numba loop and the numpy lockstep loop agree to the bit."""
    m, kw = CASES[case]()
    kw = {"episodes": 60, "runs": 3, "seed": 4, "eval_every": 20, **kw}
    a = learner(m, **kw)
    b = _numpy_path(monkeypatch, learner, m, **kw)
    for name in ("Q", "episode_returns", "episode_lengths", "visits", "q_error"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), name)
    np.testing.assert_array_equal(a.truncated, b.truncated)
    np.testing.assert_array_equal(a.greedy_value, b.greedy_value)  # nan == nan
    # the final tie-breaking draws too: neither loop draws for a finished run
    np.testing.assert_array_equal(a.policy, b.policy)
    if case == "truncated":
        assert (a.truncated > 0).all()


@pytest.mark.parametrize("learner", LEARNERS, ids=lambda f: f.__name__)
def test_compiled_loop_extends_its_step_size_table(monkeypatch, learner):
    import solvers.learning._kernel as kernel

    m = episodic_random_mdp(3)
    kw = {"episodes": 100, "alpha": schedules.polynomial(0.7), "epsilon": 0.3}
    kw |= {"runs": 2, "seed": 5}
    b = _numpy_path(monkeypatch, learner, m, **kw)
    monkeypatch.setattr(kernel, "ALPHA_TABLE", 2)  # doubled many times
    a = learner(m, **kw)
    assert a.visits.max() > 64  # the table went 2, 4, ..., 128
    np.testing.assert_array_equal(a.Q, b.Q)
    np.testing.assert_array_equal(a.episode_returns, b.episode_returns)


def test_a_finished_run_draws_no_more_uniforms(monkeypatch):
    """In the lockstep loop a run that is done stops drawing, so its final
    tie-breaking draw (here on 4 tied terminal rows) is that of a single run,
    however long the other runs take (they once drew a block for everyone)."""
    P = np.zeros((5, 4, 5))
    P[0, :, 0] = 0.9
    P[0, :, 1:] = 0.025
    P[1:, :, 1:] = np.eye(4)[:, None, :]
    m = MDP(P, np.ones((5, 4)), 0.9, p0=np.eye(5)[0], terminal=[False] + [True] * 4)
    kw = {"episodes": 50, "alpha": 0.5, "epsilon": 0.1}
    lengths = set()
    for seed in range(8):  # ~500 steps a run: 1 or 2 blocks of 512
        for f, extra in ((sarsa, {"n": 2}), (q_learning, {})):  # both numpy
            a = _numpy_path(monkeypatch, f, m, seed=seed, **kw, **extra)
            b = _numpy_path(monkeypatch, f, m, seed=seed, runs=3, **kw, **extra)
            np.testing.assert_array_equal(a.policy, b.policy[0])
            np.testing.assert_array_equal(a.Q, b.Q[0])
            lengths.add(int(b.steps.max() >= 512 > b.steps[0]))
    assert lengths == {0, 1}  # some run 0 stopped a block before the others


def test_reward_noise_single_and_batched_paths_agree():
    m = episodic_random_mdp(4)
    bs = BatchSampler(Noisy(m, 0.7))
    a = q_learning(bs, episodes=50, alpha=0.3, epsilon=0.2, seed=1)
    b = q_learning(bs, episodes=50, alpha=0.3, epsilon=0.2, seed=1, runs=2)
    np.testing.assert_allclose(a.Q, b.Q[0], rtol=0, atol=1e-12)
    assert a.q_error is None  # a bare sampler: nothing to score against


def test_learners_use_only_the_generative_view(cliff, monkeypatch):
    """With the sampler built, the MDP's tables are not touched again."""
    bs = BatchSampler(cliff)
    ref = [
        f(cliff, episodes=20, alpha=0.5, epsilon=0.1, seed=0, runs=2) for f in LEARNERS
    ]

    def boom(self):
        raise AssertionError("learner code read the MDP's tables")

    for name in ("P", "r", "R_sas", "p0"):
        monkeypatch.setattr(MDP, name, property(boom))
    for f, r in zip(LEARNERS, ref, strict=True):
        out = f(bs, episodes=20, alpha=0.5, epsilon=0.1, seed=0, runs=2)
        np.testing.assert_array_equal(out.Q, r.Q)
    out = sarsa(bs, episodes=20, alpha=0.5, epsilon=0.1, seed=0, n=3)
    assert out.Q.shape == (48, 4)


def test_expected_sarsa_with_epsilon_zero_is_q_learning(cliff):
    for runs in (None, 3):
        a = expected_sarsa(
            cliff, episodes=30, alpha=0.5, epsilon=0.0, seed=2, runs=runs
        )
        b = q_learning(cliff, episodes=30, alpha=0.5, epsilon=0.0, seed=2, runs=runs)
        np.testing.assert_array_equal(a.Q, b.Q)


def test_n_step_sarsa_tail_updates_by_hand():
    """A deterministic 3-state chain: the n-step returns are known."""
    P = np.zeros((4, 1, 4))
    P[0, 0, 1] = P[1, 0, 2] = P[2, 0, 3] = 1.0
    m = MDP(P, R=[[1.0], [2.0], [4.0], [0.0]], gamma=0.5, p0=[1, 0, 0, 0], terminal=[3])
    res = sarsa(m, episodes=1, alpha=1.0, epsilon=0.0, n=2, seed=0)
    # alpha = 1: Q(s) = G_{s:s+2} with Q = 0 before: 1 + 0.5*2, 2 + 0.5*4, 4
    np.testing.assert_allclose(res.Q[:3, 0], [2.0, 4.0, 4.0])
    res = sarsa(m, episodes=2, alpha=1.0, epsilon=0.0, n=2, seed=0)
    np.testing.assert_allclose(res.Q[:3, 0], [1 + 0.5 * 2 + 0.25 * 4, 4.0, 4.0])


def test_runs_batch_has_the_statistics_of_single_runs(cliff):
    k = 40
    batch = q_learning(cliff, episodes=40, alpha=0.5, epsilon=0.1, seed=10, runs=k)
    singles = [
        q_learning(cliff, episodes=40, alpha=0.5, epsilon=0.1, seed=1000 + i)
        for i in range(k)
    ]
    x = batch.episode_returns.mean(axis=1)
    y = np.array([s.episode_returns.mean() for s in singles])
    assert stats.ks_2samp(x, y).pvalue > 1e-3
    assert stats.ttest_ind(x, y).pvalue > 1e-3


@pytest.mark.parametrize("learner", LEARNERS, ids=lambda f: f.__name__)
def test_convergence_to_q_star_robbins_monro_glie(learner):
    """alpha = 1/n(s,a)^0.8, epsilon_k = 100/(100+k): ||Q - Q*|| < 0.5 in all runs.

    Q* ranges over about [-2, 3] here; after 4000 episodes (~20k steps per
    run) every one of 16 runs is within 0.5 (measured: 0.16 to 0.42 at the
    worst run) and the mean error has fallen by at least a factor 2 since
    episode 100.
    """
    m = episodic_random_mdp(0)
    res = learner(
        m,
        episodes=4000,
        alpha=schedules.polynomial(0.8),
        epsilon=schedules.decaying(1.0, 100),
        runs=16,
        seed=1,
    )
    assert res.q_error.shape == (16, 4000)
    assert res.q_error[:, -1].max() < 0.5
    assert res.q_error[:, -1].mean() < res.q_error[:, 100].mean() / 2


def test_q_error_leaves_out_states_the_start_cannot_reach(cliff):
    # the cliff cells are states no walker ever occupies (stepping in sends
    # it back to the start): their Q stays Q0 and must not count
    res = q_learning(cliff, episodes=500, alpha=0.5, epsilon=0.1, runs=4, seed=0)
    cells = list(range(37, 47))  # row 3 between the start (36) and the goal (47)
    assert (res.visits[:, cells] == 0).all()
    sol = policy_iteration(cliff)
    assert np.abs(sol.Q[cells]).max() > 100  # they would dominate the error
    assert res.q_error[:, -1].max() < 10  # it was 113 with the cliff cells in


def test_visit_count_alpha_and_q_star_reference():
    m = episodic_random_mdp(1)
    res = q_learning(
        m, episodes=300, alpha=schedules.visit_count(), epsilon=0.5, runs=4, seed=0
    )
    sol = policy_iteration(m)
    np.testing.assert_allclose(res.V_star, sol.V)
    assert res.info["alpha"].kind == "visits"


def test_masks_are_respected():
    w = make("gamblers-problem", goal=10)
    m = w.mdp
    assert not m.action_mask.all()

    class Checked(BatchSampler):
        def step_uniform(self, s, a, u, z=None):
            assert self.action_mask[s, a].all(), "a masked action was taken"
            return super().step_uniform(s, a, u, z)

    for f in LEARNERS:
        # Checked's own step runs the numpy loop; the compiled loop gets m
        for env in (Checked(m), m):
            res = f(env, episodes=30, alpha=0.5, epsilon=0.5, runs=3, seed=0)
            assert np.isneginf(res.Q[:, ~m.action_mask]).all()
            assert (res.visits[:, ~m.action_mask] == 0).all()
            assert res.visits.sum() == res.steps.sum() > 0
            assert m.action_mask[np.arange(m.n_states), res.policy].all()
    res = q_learning(m, episodes=30, alpha=0.5, epsilon=0.5, seed=0)  # one run
    assert m.action_mask[np.arange(m.n_states), res.policy].all()


@pytest.mark.parametrize("learner", LEARNERS, ids=lambda f: f.__name__)
def test_a_sampler_subclass_with_its_own_step_is_stepped_by_it(monkeypatch, learner):
    """The compiled loop repeats BatchSampler's step from its tables, so a
    subclass that changes the step must not be bypassed: it runs the numpy
    loop, which calls it (here every reward is one more)."""

    class Bonus(BatchSampler):
        calls = 0

        def step_uniform(self, s, a, u, z=None):
            Bonus.calls += 1
            s2, r, term = super().step_uniform(s, a, u, z)
            return s2, r + 1.0, term

    m = episodic_random_mdp(1)
    # epsilon = 1: the walk does not depend on Q, so both walk the same way
    kw = {"episodes": 20, "alpha": 0.5, "epsilon": 1.0, "runs": 2, "seed": 0}
    plain = learner(BatchSampler(m), **kw)
    bonus = learner(Bonus(m), **kw)
    assert Bonus.calls > 0
    lengths = bonus.episode_lengths
    np.testing.assert_array_equal(lengths, plain.episode_lengths)
    np.testing.assert_allclose(bonus.episode_returns, plain.episode_returns + lengths)
    ref = _numpy_path(monkeypatch, learner, Bonus(m), **kw)
    np.testing.assert_array_equal(bonus.Q, ref.Q)


def test_greedy_ties_are_broken_uniformly():
    # one state, 4 tied actions, epsilon = 0: each first action ~ 1/4
    P = np.zeros((2, 4, 2))
    P[0, :, 1] = 1.0
    m = MDP(P, R=np.zeros((2, 4)), gamma=1.0, p0=[1, 0], terminal=[1])
    res = sarsa(m, episodes=1, alpha=0.1, epsilon=0.0, runs=4000, seed=0)
    counts = np.bincount(res.policy[:, 0], minlength=4)
    assert stats.chisquare(counts).pvalue > 1e-3


def test_truncation_counts_and_warns_once(cliff):
    with pytest.warns(RuntimeWarning, match=r"truncated") as rec:
        res = sarsa(
            cliff, episodes=5, alpha=0.5, epsilon=0.1, max_steps=3, seed=0, runs=2
        )
    assert len(rec) == 1
    assert (res.truncated == 5).all() and (res.episode_lengths <= 3).all()


def test_eval_every_greedy_value_and_regret(cliff):
    res = q_learning(
        cliff, episodes=200, alpha=0.5, epsilon=0.1, runs=3, seed=0, eval_every=50
    )
    assert res.eval_episodes.tolist() == [50, 100, 150, 200]
    assert res.greedy_value.shape == res.regret.shape == (3, 4)
    np.testing.assert_allclose(res.greedy_value[:, -1], -13.0)
    np.testing.assert_allclose(res.regret[:, -1], 0.0, atol=1e-9)
    fin = np.isfinite(res.regret)
    assert (res.regret[fin] >= -1e-9).all()
    assert np.isnan(res.greedy_value[~fin]).all()


def test_gymnasium_env_runs_and_learns():
    gymnasium = pytest.importorskip("gymnasium")
    env = gymnasium.make("FrozenLake-v1", is_slippery=False)
    res = q_learning(
        env, episodes=300, alpha=0.5, epsilon=0.2, gamma=0.95, runs=3, seed=0
    )
    assert res.Q.shape == (3, 16, 4) and res.q_error is None
    assert res.episode_returns[:, -100:].mean() > 0.5
    from mdp import to_gymnasium

    m = make("cliff-walking")
    res = sarsa(to_gymnasium(m), episodes=30, alpha=0.5, epsilon=0.1, runs=2, seed=0)
    assert res.episode_returns.shape == (2, 30) and res.gamma == 1.0
    with pytest.raises(MDPError, match="eval_every"):
        q_learning(env, episodes=3, alpha=0.5, epsilon=0.1, eval_every=1)


def test_argument_errors(cliff):
    kw = {"episodes": 3, "alpha": 0.5, "epsilon": 0.1}
    with pytest.raises(MDPError, match=r"`alpha` must be in \(0, 1\]; got 0"):
        q_learning(cliff, **{**kw, "alpha": 0})
    with pytest.raises(MDPError, match=r"`alpha` must be in \(0, 1\]; got 1.5"):
        q_learning(cliff, **{**kw, "alpha": 1.5})
    with pytest.raises(MDPError, match=r"`epsilon` must be a number in \[0, 1\]"):
        q_learning(cliff, **{**kw, "epsilon": 1.2})
    with pytest.raises(MDPError, match=r"`episodes` must be an integer >= 1"):
        q_learning(cliff, **{**kw, "episodes": 0})
    with pytest.raises(MDPError, match=r"`runs` must be an integer >= 1"):
        q_learning(cliff, **kw, runs=0)
    with pytest.raises(MDPError, match=r"per-episode schedule for epsilon"):
        q_learning(cliff, **{**kw, "alpha": schedules.decaying()})
    with pytest.raises(MDPError, match=r"visit-count schedule"):
        q_learning(cliff, **{**kw, "epsilon": schedules.visit_count()})
    with pytest.raises(MDPError, match=r"`Q0` has shape \(3,\)"):
        q_learning(cliff, **kw, Q0=[0, 1, 2])
    with pytest.raises(MDPError, match=r"`env` must be an mdp.MDP"):
        q_learning("cliff", **kw)
    with pytest.raises(MDPError, match=r"`n` must be an integer >= 1"):
        sarsa(cliff, **kw, n=0)
    with pytest.raises(MDPError, match=r"`omega` must be in \(0.5, 1\]"):
        schedules.polynomial(1.5)
    with pytest.raises(MDPError, match=r"`eval_every` = 5 exceeds `episodes` = 3"):
        q_learning(cliff, **kw, eval_every=5)


def test_repr_is_short_with_arrays_in_info():
    # the planning family's Dyna-Q returns a LearningResult with arrays and a
    # long tuple in `info`: the repr summarises them instead of printing them
    from solvers import dyna_q

    res = dyna_q(make("cliff-walking").mdp, episodes=3, planning_steps=2, alpha=0.5,
                 epsilon=0.1, runs=2, seed=0)  # fmt: skip
    assert isinstance(res.info["cumulative_reward"], np.ndarray)
    text = repr(res)
    assert len(text) < 1200
    assert "cumulative_reward: <float64 array (2," in text
    assert "\n" not in text


def test_tie_breaking_picks_the_kth_maximiser():
    # eps-greedy's tie rule against a plain-Python reference: the
    # floor(u * count)-th maximiser of each row in index order, for row
    # widths on the byte-table path (A <= 8) and on the column loop
    from solvers.learning._common import random_argmax

    rng = np.random.default_rng(0)
    for A in (1, 2, 3, 4, 7, 8, 9, 12):
        q = rng.integers(0, 3, size=(500, A)).astype(float)
        q[:50] = 0.0  # all tied
        u = rng.random(500)
        u[:5] = 0.0
        u[5:10] = np.nextafter(1.0, 0.0)
        want = []
        for row, x in zip(q.tolist(), u.tolist(), strict=True):
            ties = [j for j, v in enumerate(row) if v == max(row)]
            want.append(ties[int(x * len(ties))])
        np.testing.assert_array_equal(random_argmax(q, u), want)


def test_greedy_values_remembered_by_pattern_are_the_solved_ones(monkeypatch, cliff):
    import solvers.learning._common as common

    kw = {"episodes": 100, "alpha": 0.5, "epsilon": 0.1, "runs": 6, "seed": 2}
    a = q_learning(cliff, eval_every=10, **kw)
    monkeypatch.setattr(common, "_MEMO_BYTES", 0)  # nothing remembered
    b = q_learning(cliff, eval_every=10, **kw)
    np.testing.assert_array_equal(a.greedy_value, b.greedy_value)
    assert np.isfinite(a.greedy_value[:, -1]).all()


def test_an_env_that_cannot_be_copied_is_a_clear_error_with_runs():
    gymnasium = pytest.importorskip("gymnasium")
    import threading

    from solvers import dyna_q

    class Locked(gymnasium.Wrapper):
        def __init__(self, env):
            super().__init__(env)
            self.lock = threading.Lock()  # cannot be deep-copied

    env = Locked(gymnasium.make("FrozenLake-v1", is_slippery=False))
    kw = {"episodes": 3, "alpha": 0.5, "epsilon": 0.2}
    with pytest.raises(MDPError, match=r"copy.deepcopy\(Locked\) failed.*runs=None"):
        q_learning(env, runs=2, **kw)
    with pytest.raises(MDPError, match=r"copy.deepcopy\(Locked\) failed"):
        dyna_q(env, runs=2, planning_steps=1, **kw)
    assert q_learning(env, **kw).Q.shape == (16, 4)  # one run needs no copy


@pytest.mark.filterwarnings("ignore:.*truncated:RuntimeWarning")
def test_a_gamma_one_trap_is_learned_unscored_with_a_warning():
    # state 1 is a trap (-1 a step, for ever): Q* does not exist at gamma = 1
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[0, 1, 2] = 1.0
    P[1, :, 1] = P[2, :, 2] = 1.0
    m = MDP(P, R=-np.ones((3, 2)), gamma=1.0, terminal=[2], p0=[1, 0, 0])
    kw = {"episodes": 40, "alpha": 0.5, "epsilon": 0.1, "max_steps": 20, "seed": 0}
    with pytest.warns(RuntimeWarning, match=r"learning without scoring.*state 1"):
        res = q_learning(m, runs=3, **kw)
    assert res.q_error is None and res.V_star is None
    assert (res.policy[:, 0] == 1).all()  # it learns to walk around the trap
    with pytest.raises(MDPError, match=r"`eval_every` needs the exact answer"):
        q_learning(m, eval_every=10, **kw)
