"""The compiled control loop against the numpy lockstep loop, to the bit.

Brute force over many small random MDPs: masks, several start states (some
terminal), ``R(s, a, s')``, reward noise (scalar, per pair, on P's pattern),
``gamma = 1``, ``Q0`` arrays, ``max_steps = 1``, one episode, ``eval_every``
equal to ``episodes``, ``runs=None`` / 1 / 3, ``A`` up to 20, rows longer
than the sampler's counting width, step-size tables that must grow, decaying
epsilon.  Every field of the result must be equal (the numpy loop is the
reference: it is what Gymnasium envs and n-step SARSA run).
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import solvers.learning._kernel as kernel
import solvers.learning.control as control
from mdp import MDP, BatchSampler
from solvers import double_q_learning, expected_sarsa, q_learning, sarsa
from solvers.learning import schedules
from worlds import make

LEARNERS = [q_learning, sarsa, expected_sarsa, double_q_learning]
FIELDS = (
    "Q",
    "policy",
    "episode_returns",
    "episode_lengths",
    "steps",
    "truncated",
    "visits",
    "q_error",
    "eval_episodes",
    "greedy_value",
    "regret",
)


def random_mdp(rng: np.random.Generator) -> MDP:
    """``S`` live states and 1-2 terminal ones; sparse rows, masks, noise."""
    S = int(rng.choice([1, 2, 3, 5, 12]))
    T = int(rng.integers(1, 3))
    N = S + T
    A = int(rng.choice([1, 2, 3, 4, 8, 9, 12, 20]))
    gamma = float(rng.choice([0.5, 0.9, 1.0]))
    P = rng.random((N, A, N)) * (rng.random((N, A, N)) < 0.6)
    long = rng.random() < 0.3  # episodes of many steps (blocks of uniforms)
    if long:
        P[:S, :, S:] = 0.0
    if gamma == 1.0 or rng.random() < 0.8:  # with gamma = 1 every row may end
        P[:S, :, S:] += (0.003 if long else 0.3) * (0.2 + rng.random((S, A, T)))
    P[P.sum(axis=2) == 0, 0] = 1.0
    P /= P.sum(axis=2, keepdims=True)
    mask = rng.random((N, A)) < 0.7
    mask[np.arange(N), rng.integers(0, A, N)] = True
    R = np.round(rng.normal(size=(N, A, N)), 2)
    p0 = rng.random(N) * (rng.random(N) < 0.7)
    if rng.random() < 0.7:
        p0[S:] = 0.0  # else some episodes start (and end) in a terminal state
    p0[rng.integers(0, N if p0[S:].any() else S)] += 1.0
    std = [
        None,
        0.5,
        rng.random((N, A)) * (rng.random((N, A)) < 0.5),
        rng.random((N, A, N)) * (rng.random((N, A, N)) < 0.5),
    ][rng.integers(0, 4)]
    term = np.r_[np.zeros(S, bool), np.ones(T, bool)]
    return MDP(
        P, R, gamma, p0=p0 / p0.sum(), terminal=term, action_mask=mask, reward_std=std
    )


def random_arguments(rng: np.random.Generator, m: MDP) -> dict:
    episodes = int(rng.choice([1, 2, 5, 11, 40, 150]))
    kw = {"episodes": episodes, "seed": int(rng.integers(1000))}
    kw["runs"] = [None, 1, 3][rng.integers(3)]
    kw["alpha"] = [
        0.5,
        1.0,
        schedules.polynomial(0.7),
        schedules.visit_count(0.5),
    ][rng.integers(4)]
    kw["epsilon"] = [0.0, 0.3, 1.0, schedules.decaying(1.0, 3, 0.05)][rng.integers(4)]
    kw["max_steps"] = int(rng.choice([1, 2, 5, 60, 1000]))
    kw["eval_every"] = [None, 1 if episodes < 12 else 10, episodes][rng.integers(3)]
    k = rng.integers(3)
    if k == 1:
        kw["Q0"] = rng.normal(size=(m.n_states, m.n_actions))
    elif k == 2:
        kw["Q0"] = 1.0
    return kw


def _run(learner, env, compiled, kw):
    control._COMPILED = compiled
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # truncation
            return learner(env, **kw)
    finally:
        control._COMPILED = True


@pytest.mark.parametrize("chunk", range(4))
def test_compiled_loop_equals_the_numpy_loop_on_random_mdps(monkeypatch, chunk):
    if chunk % 2:
        monkeypatch.setattr(kernel, "ALPHA_TABLE", 2)  # the table grows often
    for case in range(chunk * 30, chunk * 30 + 30):
        rng = np.random.default_rng(case)
        m = random_mdp(rng)
        kw = random_arguments(rng, m)
        env: MDP | BatchSampler = m
        if case % 10 == 7:  # the sampler alone: nothing to score against
            env, kw["eval_every"] = BatchSampler(m), None
        learner = LEARNERS[case % 4]
        a = _run(learner, env, True, kw)
        b = _run(learner, env, False, kw)
        for name in FIELDS:
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None) == (y is None), (case, name)
            if x is not None:  # nan == nan (a greedy policy that never ends)
                np.testing.assert_array_equal(x, y, f"case {case}: {name}")


@pytest.mark.parametrize("masked", [False, True])
def test_row_sum_is_numpys_pairwise_sum(masked):
    """The kernel's row sum for expected SARSA: numpy's, bit for bit, n <= 128."""
    rng = np.random.default_rng(1)
    for n in range(1, 129):
        Q = rng.normal(size=(1, 1, n)) * 10.0 ** rng.integers(-3, 4, size=n)
        mask = rng.random((1, n)) < (0.6 if masked else 1.1)
        got = kernel._row_sum(Q, 0, 0, mask, masked, 0, n)
        want = np.where(mask, Q[0], 0.0).sum(axis=1)[0]
        assert got == want, n


def test_expected_sarsa_with_more_than_128_actions_runs_the_numpy_loop(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the compiled loop was used")

    P = np.zeros((2, 129, 2))
    P[0, :, 1] = 1.0
    P[1, :, 1] = 1.0
    m = MDP(P, np.ones((2, 129)), 0.9, p0=[1, 0], terminal=[False, True])
    monkeypatch.setattr(control, "compiled_control", refuse)
    res = expected_sarsa(m, episodes=3, alpha=0.5, epsilon=0.5, seed=0)
    assert res.steps == 3
    with pytest.raises(AssertionError, match="compiled loop"):
        q_learning(m, episodes=3, alpha=0.5, epsilon=0.5, seed=0)


def test_compiled_functions_are_safe_to_cache():
    """numba freezes globals into the cached machine code and re-compiles only
    when ``_kernel.py`` itself changes: a constant imported from another
    module (the uniforms' columns of ``_env`` once were) would go stale there,
    so the compiled functions may read only this file's own names and numpy.
    And none may call itself, directly or through others: a recursive
    function once made loading the cache crash."""
    path = Path(kernel.__file__)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            own.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                own |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
    allowed = own | {"np", "range", "min", "max", "abs", "int", "float", "bool"}
    jitted = [
        f
        for f in tree.body
        if isinstance(f, ast.FunctionDef)
        and any(
            ast.unparse(d).split("(")[0] in ("jit", "njit") for d in f.decorator_list
        )
    ]
    assert len(jitted) >= 5
    for f in jitted:
        names = [
            n for stmt in f.body for n in ast.walk(stmt) if isinstance(n, ast.Name)
        ]
        local = {a.arg for a in f.args.args}
        local |= {n.id for n in names if isinstance(n.ctx, ast.Store)}
        loads = {n.id for n in names if isinstance(n.ctx, ast.Load)}
        assert loads - local <= allowed, (f.name, sorted(loads - local - allowed))
    names = {f.name for f in jitted}
    calls = nx.DiGraph()
    calls.add_nodes_from(names)
    for f in jitted:
        for n in ast.walk(f):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
                if n.func.id in names:
                    calls.add_edge(f.name, n.func.id)
    assert calls.number_of_edges() >= 5
    assert nx.is_directed_acyclic_graph(calls), list(nx.simple_cycles(calls))


def test_the_loop_as_plain_python_gives_the_same_numbers(monkeypatch, capsys):
    """The compiled functions run by the interpreter (as under
    ``NUMBA_DISABLE_JIT=1``): every index bounds-checked by numpy, the same
    numbers, and progress on stderr (the first-use note reads ``.signatures``,
    which a plain function lacks)."""
    cases = []
    for case in (3, 6, 8, 9, 14, 15):  # each learner, masks, noise, terminal starts
        rng = np.random.default_rng(case)
        m = random_mdp(rng)
        kw = random_arguments(rng, m) | {"progress": True}
        cases.append((LEARNERS[case % 4], m, kw, _run(LEARNERS[case % 4], m, True, kw)))
    for name in ("_tie_pick", "_act", "_first_index", "_row_sum", "_q_error"):
        monkeypatch.setattr(kernel, name, getattr(kernel, name).py_func)
    monkeypatch.setattr(kernel, "start_runs", kernel.start_runs.py_func)
    monkeypatch.setattr(kernel, "run_control", kernel.run_control.py_func)
    capsys.readouterr()
    for learner, m, kw, want in cases:
        got = _run(learner, m, True, kw)
        for name in FIELDS:
            x, y = getattr(got, name), getattr(want, name)
            if x is not None:
                np.testing.assert_array_equal(x, y, name)
    assert "done:" in capsys.readouterr().err


def test_step_size_tables_grow_in_chunks_to_the_same_bits(monkeypatch):
    monkeypatch.setattr(kernel, "_CHUNK", 3)
    for alpha in (schedules.polynomial(0.7, 0.9), schedules.polynomial(0.51)):
        first = kernel._grow(alpha, np.zeros(0), 5)
        table = kernel._grow(alpha, first, 40)
        np.testing.assert_array_equal(table, alpha(np.arange(40)))
        assert table[0] == table[1] == alpha.value  # n = 0 is read as 1


def test_one_over_n_step_sizes_need_no_table(monkeypatch):
    """``c / n`` is one division (numpy's ``n ** 1.0`` is ``n``): no table
    that grows with the visit counts, the numpy loop's numbers all the same."""
    sizes = []
    grow = kernel._grow

    def spy(alpha, table, size):
        sizes.append(size)
        return grow(alpha, table, size)

    monkeypatch.setattr(kernel, "_grow", spy)
    monkeypatch.setattr(kernel, "ALPHA_TABLE", 2)
    P = np.zeros((2, 2, 2))
    P[0, :, 0], P[0, :, 1], P[1, :, 1] = 0.99, 0.01, 1.0
    m = MDP(P, np.array([[1.0, 0.5], [0.0, 0.0]]), 0.9, p0=[1, 0], terminal=[1])
    kw = {"episodes": 5, "alpha": schedules.visit_count(0.8), "epsilon": 0.3}
    for learner in LEARNERS:
        a = _run(learner, m, True, kw | {"seed": 2, "runs": 2})
        b = _run(learner, m, False, kw | {"seed": 2, "runs": 2})
        assert a.visits.max() > 100
        np.testing.assert_array_equal(a.Q, b.Q)
    assert sizes == [1] * len(LEARNERS)


@pytest.mark.parametrize("block", [512, 1536])
def test_block_size_does_not_change_the_numbers(monkeypatch, block):
    """Runs refill BLOCK rows at a time and re-align their generator with
    512-row blocks at the end: with blocks that runs cross many times, every
    field (the final tie-broken policy too) is still the numpy path's."""
    m = make("cliff-walking").mdp  # unvisited states keep tied Q: ties to break
    kw = {"episodes": 120, "alpha": 0.5, "epsilon": 0.1, "runs": 3, "seed": 7}
    for learner in LEARNERS:
        ref = _run(learner, m, False, kw)
        monkeypatch.setattr(kernel, "BLOCK", block)
        got = _run(learner, m, True, kw)
        monkeypatch.undo()
        assert got.steps.min() > 2 * block  # several refills per run
        assert (got.Q == got.Q.max(axis=2, keepdims=True)).sum(axis=2).max() > 1
        for name in ("Q", "policy", "episode_returns", "visits"):
            np.testing.assert_array_equal(getattr(got, name), getattr(ref, name))


def _chain(L: int) -> MDP:
    """``0 -> 1 -> ... -> L`` (terminal) under both actions: every episode is
    ``L`` steps, so a run uses exactly ``1 + L * episodes`` rows of uniforms;
    noisy rewards (the ``Z`` column) and a tie to break at every state."""
    N = L + 1
    P = np.zeros((N, 2, N))
    P[np.arange(L), :, np.arange(1, N)] = 1.0
    P[L, :, L] = 1.0
    R = np.zeros((N, 2))
    R[:, 1] = 0.5
    return MDP(P, R, 0.9, p0=np.eye(N)[0], terminal=[L], reward_std=0.3)


@pytest.mark.parametrize("seed_kind", ["int", "pcg64", "philox"])
def test_block_ends_exactly_and_user_generators(monkeypatch, seed_kind):
    """Rows used = 1 + 7 * 73 = 512 = BLOCK: the run ends (or pauses for an
    evaluation, then refills) exactly at a block's end; step-size tables grow
    mid-block; a run that ends in its first row; a user's Generator as seed
    (any bit generator) gives the numpy path's numbers and is left in the
    same state by both paths."""
    monkeypatch.setattr(kernel, "BLOCK", 512)
    monkeypatch.setattr(kernel, "ALPHA_TABLE", 2)
    m = _chain(7)

    def seed():
        if seed_kind == "int":
            return 3
        bit = np.random.PCG64 if seed_kind == "pcg64" else np.random.Philox
        return np.random.Generator(bit(11))

    for episodes, every in [(73, 73), (146, 73), (1, 1)]:
        for learner in LEARNERS:
            alpha = schedules.polynomial(0.7) if learner is sarsa else 0.5
            kw = {"episodes": episodes, "alpha": alpha, "epsilon": 0.2, "runs": 2}
            kw["eval_every"] = every
            s1, s2 = seed(), seed()
            a = _run(learner, m, True, kw | {"seed": s1})
            b = _run(learner, m, False, kw | {"seed": s2})
            assert (a.steps == 7 * episodes).all()
            for name in FIELDS:
                x, y = getattr(a, name), getattr(b, name)
                np.testing.assert_array_equal(x, y, f"{learner.__name__}: {name}")
            if seed_kind != "int":
                assert s1.random() == s2.random()
