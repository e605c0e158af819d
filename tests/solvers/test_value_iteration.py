"""solvers.value_iteration: the stopping guarantee, the span rule, the
pymdptoolbox forest case, and the result/warning/validation contract.

``V*`` references come from an exact policy-iteration solve (direct LU) on
Garnets, from brute force over all policies, or from published numbers.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdp import MDP, MDPError, bellman
from solvers import evaluate_policy, policy_iteration, value_iteration
from tests.reference import brute_force_optimum
from tests.strategies import mdps
from worlds.random_mdps import garnet

VARIANTS = (
    pytest.param({}, id="jacobi"),
    pytest.param({"gauss_seidel": True}, id="gauss_seidel"),
    pytest.param({"gauss_seidel": True, "n_blocks": 1}, id="gauss_seidel_1_block"),
)


def chain() -> MDP:
    # stay/move chain, state 1 pays 1: V* = (9, 10) at gamma 0.9
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    return MDP(P, R=[0.0, 1.0], gamma=0.9)


@pytest.fixture(scope="module")
def garnets():
    """Garnets with their exact V* (policy iteration, sparse LU evaluation)."""
    out = {}
    for gamma in (0.9, 0.99):
        m = garnet(300, 4, 5, gamma=gamma, seed=11)
        out[gamma] = (m, policy_iteration(m, eval_method="direct").V)
    return out


# ----------------------------------------------------------- the guarantee
@pytest.mark.parametrize("gamma", [0.9, 0.99])
@pytest.mark.parametrize("tol", [1e-2, 1e-4, 1e-6, 1e-8])
@pytest.mark.parametrize("kw", VARIANTS)
def test_stopping_guarantee(garnets, gamma, tol, kw):
    m, V_star = garnets[gamma]
    sol = value_iteration(m, tol=tol, **kw)
    err = np.abs(sol.V - V_star).max()
    assert sol.converged
    assert sol.error_bound <= tol
    assert err <= sol.error_bound + 1e-11
    assert sol.bound.startswith(("span", "sup-norm"))
    assert sol.bound in sol.message
    if kw:
        assert sol.bound.startswith("sup-norm")  # the span rule is Jacobi-only
    assert len(sol.residuals) == sol.iterations


def test_bound_names_the_rule_that_fired():
    # gamma = 0: c = 0, so the sup-norm rule fires after one sweep
    m = chain().replace(gamma=0.0)
    assert value_iteration(m).bound.startswith("sup-norm")
    # a Garnet's d = V_k+1 - V_k flattens fast: the span rule fires first
    sol = value_iteration(garnet(50, 3, 3, gamma=0.95, seed=0))
    assert sol.bound.startswith("span (MacQueen-Porteus midpoint)")
    # c * ||d|| is still large when the span rule stops
    c = 0.95 / 0.05
    assert c * sol.residuals[-1] > 1e-8


def test_span_rule_needs_far_fewer_sweeps_than_the_sup_norm_rule():
    m = garnet(1000, 4, 5, gamma=0.99, seed=0)
    tol = 1e-8
    sol = value_iteration(m, tol=tol)
    # the sup-norm rule alone: stop when gamma/(1-gamma) ||V_k+1 - V_k|| <= tol
    V, sup_sweeps, c = np.zeros(1000), 0, 0.99 / 0.01
    while True:
        sup_sweeps += 1
        V_new = (m.r_masked + 0.99 * (m.P @ V)).reshape(1000, 4).max(axis=1)
        done = c * np.abs(V_new - V).max() <= tol
        V = V_new
        if done:
            break
    # recorded: 42 sweeps (span) vs 2272 (sup-norm)
    assert sol.bound.startswith("span")
    assert sol.iterations < 100
    assert sup_sweeps > 1500
    np.testing.assert_allclose(sol.V, V, atol=2 * tol)


@given(mdps(max_states=6, max_actions=3), st.sampled_from([1e-3, 1e-6, 1e-9]))
def test_guarantee_against_brute_force(m, tol):
    V_star, _, _ = brute_force_optimum(m)
    for kw in ({}, {"gauss_seidel": True}, {"gauss_seidel": True, "n_blocks": 2}):
        sol = value_iteration(m, tol=tol, **kw)
        assert sol.converged and sol.error_bound <= tol
        assert np.abs(sol.V - V_star).max() <= sol.error_bound + 1e-9
        assert (sol.V[m.terminal] == 0).all()


# ------------------------------------------------ pymdptoolbox's forest case
FOREST_V_STAR = (74.6496, 78.1056, 82.1056)  # exact solve, 4 decimals
FOREST_TOOLBOX_V = (5.93215488, 9.38815488, 13.38815488)  # its ValueIteration


def _forest_tables():
    """pymdptoolbox's ``example.forest()`` (S=3, r1=4, r2=2, p=0.1), by hand
    when hiive's toolbox is not installed: action 0 waits (the forest grows
    one age class, or burns to age 0 w.p. p), action 1 cuts (back to age 0)."""
    try:
        from hiive.mdptoolbox import example
    except ImportError:
        S, p = 3, 0.1
        P = np.zeros((2, S, S))
        P[0, :, 0] = p
        P[0, np.arange(S), np.minimum(np.arange(S) + 1, S - 1)] = 1 - p
        P[1, :, 0] = 1.0
        R = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 2.0]])
        return P, R, False
    P, R = example.forest()
    return P, R, True


def test_forest_value_iteration_returns_v_star():
    P, R, _ = _forest_tables()
    m = MDP.from_pymdptoolbox(P, R, 0.96)
    exact = evaluate_policy(m, [0, 0, 0])  # "always wait" is optimal
    sol = value_iteration(m)
    np.testing.assert_allclose(sol.V, exact, atol=1e-8)
    np.testing.assert_allclose(sol.V, FOREST_V_STAR, atol=5e-5)
    assert np.round(sol.V, 2).tolist() == [74.65, 78.11, 82.11]
    np.testing.assert_array_equal(sol.policy, [0, 0, 0])
    # the published early stop is off by ~69 in every state
    assert np.abs(sol.V - FOREST_TOOLBOX_V).min() > 68


def test_forest_toolbox_stops_early():
    P, R, have_toolbox = _forest_tables()
    if not have_toolbox:
        pytest.skip("hiive.mdptoolbox not installed")
    from hiive.mdptoolbox import mdp as toolbox

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the toolbox's own deprecations
        vi = toolbox.ValueIteration(P, R, 0.96)
        vi.run()
    np.testing.assert_allclose(vi.V, FOREST_TOOLBOX_V, atol=1e-6)
    np.testing.assert_allclose(vi.V, FOREST_V_STAR, atol=70)  # but not closer
    assert np.abs(np.asarray(vi.V) - FOREST_V_STAR).min() > 68


# ------------------------------------------------------- special cases
@given(mdps(gamma=0.0))
def test_gamma_zero_is_exact_after_one_sweep(m):
    for kw in ({}, {"gauss_seidel": True}):
        sol = value_iteration(m, **kw)
        assert sol.iterations == 1 and sol.converged
        assert sol.error_bound == 0.0
        r = np.where(m.action_mask, m.r, -np.inf)
        np.testing.assert_array_equal(sol.V, np.where(m.terminal, 0.0, r.max(axis=1)))


@given(mdps(max_states=6, max_actions=4))
def test_masked_actions_are_never_chosen(m):
    for kw in ({}, {"gauss_seidel": True}):
        sol = value_iteration(m, **kw)
        assert m.action_mask[np.arange(m.n_states), sol.policy].all()
        assert (sol.Q[~m.action_mask] == -np.inf).all()
        assert np.isfinite(sol.Q[m.action_mask]).all()


def test_masked_action_with_the_best_reward_is_ignored():
    P = np.zeros((2, 2, 2))
    P[:, :, 0] = 1.0
    R = np.array([[0.0, 100.0], [1.0, 2.0]])
    m = MDP(P, R, 0.5, action_mask=[[True, False], [True, True]])
    sol = value_iteration(m, tol=1e-12)
    np.testing.assert_array_equal(sol.policy, [0, 1])
    np.testing.assert_allclose(sol.V, [0.0, 2.0], atol=1e-12)


def test_gamma_one_with_terminal_states():
    # 0 -> 1 -> 2 (terminal) costs 1 a step; staying costs 2
    P = np.zeros((3, 2, 3))
    P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 2] = 1.0
    m = MDP(P, R=[[-2.0, -1.0], [-2.0, -1.0], [0.0, 0.0]], gamma=1.0, terminal=[2])
    for kw in ({}, {"gauss_seidel": True}):
        sol = value_iteration(m, tol=1e-12, **kw)
        np.testing.assert_allclose(sol.V, [-2.0, -1.0, 0.0])
        assert np.isnan(sol.error_bound)
        assert sol.bound.startswith(
            "gamma = 1: the best proper policy, by policy iteration"
        )


def test_warm_start_at_v_star_stops_after_one_sweep(garnets):
    m, V_star = garnets[0.9]
    sol = value_iteration(m, V0=V_star, tol=1e-8)
    assert sol.iterations == 1
    np.testing.assert_allclose(sol.V, V_star, atol=1e-9)


def test_bellman_verify_passes(garnets):
    for m, _ in garnets.values():
        for kw in ({}, {"gauss_seidel": True}):
            sol = value_iteration(m, tol=1e-10, **kw)
            report = bellman.verify(m, V_star=sol.V, Q_star=sol.Q, tol=1e-8)
            assert report.ok, str(report)


# --------------------------------------------------- stopping and reporting
@pytest.mark.parametrize("kw", VARIANTS)
def test_max_iter_warns_and_reports_not_converged(kw):
    m = garnet(20, 2, 3, gamma=0.99, seed=0)
    with pytest.warns(
        RuntimeWarning,
        match=r"value_iteration stopped at max_iter=3 before meeting its tolerance",
    ) as rec:
        sol = value_iteration(m, max_iter=3, **kw)
    assert rec[0].filename == __file__  # stacklevel points at the caller
    assert not sol.converged
    assert sol.iterations == 3 and len(sol.residuals) == 3
    assert sol.message.startswith("value_iteration stopped at max_iter=3")
    # Jacobi still certifies its returned midpoint; Gauss-Seidel has no span bound
    assert np.isnan(sol.error_bound) == bool(kw.get("gauss_seidel"))
    assert sol.V.shape == (20,) and sol.policy.shape == (20,)  # still usable


@pytest.mark.parametrize("kw", VARIANTS)
def test_callback_sees_each_sweep_and_can_stop(kw):
    m = garnet(20, 2, 3, gamma=0.99, seed=0)
    seen = []

    def cb(k, V):
        seen.append((k, V.copy()))
        return k == 4

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a callback stop never warns
        sol = value_iteration(m, callback=cb, **kw)
    assert [k for k, _ in seen] == [1, 2, 3, 4]
    assert sol.iterations == 4 and not sol.converged
    assert sol.message == "stopped by callback after 4 sweep(s)"
    assert sol.status == "callback"
    np.testing.assert_array_equal(seen[-1][1], sol.V)
    # returning None/False keeps going
    sol = value_iteration(m, callback=lambda k, V: None, **kw)
    assert sol.converged


def test_verbose_prints_progress_to_stderr(capsys):
    m = chain()
    value_iteration(m)
    value_iteration(m, gauss_seidel=True)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""  # silent by default
    value_iteration(m, verbose=True)
    err = capsys.readouterr().err
    assert re.search(r"^value_iteration: done after \d+ sweeps, converged", err, re.M)


def test_result_fields_and_repr():
    sol = value_iteration(chain())
    np.testing.assert_allclose(sol.V, [9.0, 10.0])
    np.testing.assert_array_equal(sol.policy, [1, 0])
    assert sol.policy.dtype == np.intp
    assert sol.Q.shape == (2, 2) and sol.method == "value_iteration"
    assert (
        value_iteration(chain(), gauss_seidel=True).method
        == "value_iteration (block Gauss-Seidel)"
    )
    assert sol.elapsed >= 0
    assert "V=<float64 array (2,)>" in repr(sol)
    with pytest.raises(AttributeError):
        sol.V = None  # frozen


# -------------------------------------------------------------- validation
def test_v0_errors():
    P = np.ones((3, 1, 3)) / 3
    P[2] = 0.0  # terminal: filled with the absorbing self-loop
    m = MDP(P, R=[1.0, 2.0, 0.0], gamma=0.9, terminal=[2])
    with pytest.raises(
        MDPError, match=r"`V0` has shape \(2,\); expected \(3,\), one value per state"
    ):
        value_iteration(m, V0=[0.0, 0.0])
    with pytest.raises(MDPError, match=r"`V0` is not finite at state 1"):
        value_iteration(m, V0=[0.0, np.inf, 0.0])
    with pytest.raises(
        MDPError,
        match=r"`V0` is 5 at terminal state 2; terminal states have value 0 \(set V0 there to 0\)",
    ):
        value_iteration(m, V0=[0.0, 0.0, 5.0])
    with pytest.raises(MDPError, match=r"`V0` must be a numeric array of shape \(3,\)"):
        value_iteration(m, V0=["a", "b", "c"])


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"tol": 0}, r"`tol` must be a positive, finite number; got 0"),
        ({"tol": -1e-3}, r"`tol` must be a positive, finite number; got -0.001"),
        ({"tol": np.inf}, r"`tol` must be a positive, finite number; got inf"),
        ({"tol": np.nan}, r"`tol` must be a positive, finite number; got nan"),
        ({"tol": "small"}, r"`tol` must be a positive, finite number; got 'small'"),
        ({"max_iter": 0}, r"`max_iter` must be an integer >= 1; got 0"),
        ({"max_iter": 2.5}, r"`max_iter` must be an integer >= 1; got 2.5"),
        ({"max_iter": np.inf}, r"`max_iter` must be an integer >= 1; got inf"),
        ({"max_iter": None}, r"`max_iter` must be an integer >= 1; got None"),
        (
            {"gauss_seidel": True, "n_blocks": 0},
            r"`n_blocks` must be an integer >= 1; got 0",
        ),
        (
            {"gauss_seidel": True, "n_blocks": "x"},
            r"`n_blocks` must be an integer >= 1; got 'x'",
        ),
    ],
)
def test_parameter_errors(kwargs, pattern):
    with pytest.raises(MDPError, match=pattern):
        value_iteration(chain(), **kwargs)


def test_not_an_mdp():
    with pytest.raises(
        TypeError, match="expected an mdp.MDP as the first argument; got dict"
    ):
        value_iteration({})


def test_huge_max_iter_allocates_nothing_up_front():
    sol = value_iteration(chain(), max_iter=10**12)
    assert sol.converged and sol.residuals.size == sol.iterations
