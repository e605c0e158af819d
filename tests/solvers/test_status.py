"""Why solvers stop: canned messages (``solvers._status``), the callback
contract of both value-iteration variants, and non-finite values, which are
never reported as converged."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import solvers.exact._kernels as kernels
from mdp import MDP, MDPError
from solvers import (
    backward_induction,
    evaluate_policy,
    linear_programming,
    modified_policy_iteration,
    policy_iteration,
    value_iteration,
)
from solvers._status import BOUNDS, MESSAGES, WARNS, Status, finish, stop_message
from worlds.random_mdps import garnet

FIELDS = {
    "k": 3,
    "unit": "sweep(s)",
    "bound": BOUNDS["sup"],
    "method": "value_iteration",
    "max_iter": 3,
    "detail": "last residual 0.1",
    "rmax": 1e306,
    "err": 1e-6,
    "tol": 1e-8,
    "gamma": 0.99,
    "c": 99.0,
    "gap": 1.0,
    "flow": 1.0,
    "gap_tol": 1e-6,
    "flow_tol": 1e-6,
}


@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_a_canned_message_that_warns_when_uncertified(status):
    text = stop_message(status, **FIELDS)
    assert "{" not in text
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert finish(status, **FIELDS) == text
    assert (len(rec) == 1) == (status in WARNS)
    assert set(MESSAGES) == set(Status)


# ------------------------------------------------- the callback, both variants
VARIANTS = [{}, {"gauss_seidel": True}, {"gauss_seidel": True, "n_blocks": 1}]


@pytest.mark.parametrize("kw", VARIANTS)
def test_callback_sees_every_sweep_the_same_way(kw):
    m = garnet(30, 3, 3, gamma=0.95, seed=2)
    seen = []
    sol = value_iteration(m, tol=1e-8, callback=lambda k, V: seen.append((k, V)), **kw)
    assert sol.converged and sol.status == "converged"
    # every sweep, 1-based, the converging one included, with the V returned
    assert [k for k, _ in seen] == list(range(1, sol.iterations + 1))
    assert len(sol.residuals) == sol.iterations
    np.testing.assert_array_equal(seen[-1][1], sol.V)
    assert sol.message == f"converged after {sol.iterations} sweep(s): {sol.bound}"


@pytest.mark.parametrize("kw", VARIANTS)
def test_callback_stop_is_the_same_in_both_variants(kw):
    m = garnet(30, 3, 3, gamma=0.95, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a callback stop never warns
        sol = value_iteration(m, callback=lambda k, V: k == 3, **kw)
    assert (sol.iterations, sol.status, sol.converged) == (3, "callback", False)
    assert sol.message == "stopped by callback after 3 sweep(s)"


# ------------------------------------------------------------- non-finite
def huge_rewards() -> MDP:
    """gamma = 1, reward 1e299 per step and an exit taken w.p. 1e-10 per step:
    V(0) = 1e309 overflows float64 although every reward is finite (and
    within the model's scale check, which counts S steps per episode)."""
    P = np.zeros((2, 1, 2))
    P[0, 0, 0], P[0, 0, 1], P[1, 0, 1] = 1.0 - 1e-10, 1e-10, 1.0
    return MDP(P, R=[1e299, 0.0], gamma=1.0, terminal=[1])


NON_FINITE = (
    r"the values are not finite \(inf or NaN\) after \d+ [\w ]+\(s\), so nothing is "
    r"certified: the rewards are too large for float64 \(max\|r\| = 1e\+299; "
    r".*Rescale the rewards"
)

RESULT_SOLVERS = {
    "value_iteration": value_iteration,
    "value_iteration (block Gauss-Seidel)": lambda m: value_iteration(
        m, gauss_seidel=True
    ),
    "policy_iteration": policy_iteration,
    "modified_policy_iteration": modified_policy_iteration,
}


@pytest.mark.parametrize("name", RESULT_SOLVERS)
def test_overflowing_values_are_never_converged(name):
    m = huge_rewards()
    with pytest.warns(RuntimeWarning, match=NON_FINITE):
        sol = RESULT_SOLVERS[name](m)
    assert not sol.converged and sol.status == "non_finite"
    assert not np.isfinite(sol.V).all()
    assert sol.message.startswith(name.split(" ")[0] + ": the values are not finite")
    assert sol.bound == "" and np.isnan(sol.error_bound)


def test_overflow_in_evaluation_warns_and_lp_refuses():
    m = huge_rewards()
    with pytest.warns(RuntimeWarning, match="evaluate_policy: the values are not"):
        evaluate_policy(m, [0, 0])
    with pytest.raises(MDPError, match=r"beyond HiGHS's infinity \(1e\+20\)"):
        linear_programming(m)


def test_overflow_in_backward_induction_warns(monkeypatch):
    m = garnet(5, 2, 2, gamma=0.9, seed=0)
    import mdp.bellman as bellman

    fh = sys.modules["solvers.exact.finite_horizon"]
    monkeypatch.setattr(fh, "q_from_v", _nan_after(2, bellman.q_from_v))
    with pytest.warns(RuntimeWarning, match="backward_induction: the values are not"):
        backward_induction(m, 4)


def _nan_after(n_calls, real):
    """Wrap ``real`` so that it returns NaN from call ``n_calls`` on."""
    count = [0]

    def wrapped(*args, **kwargs):
        out = real(*args, **kwargs)
        count[0] += 1
        if count[0] >= n_calls:
            out = out.copy()
            out[...] = np.nan
        return out

    return wrapped


@pytest.mark.parametrize("kw", VARIANTS)
def test_nan_in_a_sweep_stops_value_iteration(monkeypatch, kw):
    # independent of the model's checks: a NaN appears in the backup itself
    m = garnet(10, 2, 3, gamma=0.9, seed=0)
    monkeypatch.setattr(
        kernels.AffineCSR, "__call__", _nan_after(3, kernels.AffineCSR.__call__)
    )
    with pytest.warns(RuntimeWarning, match=r"value_iteration: the values are not"):
        sol = value_iteration(m, **kw)
    assert sol.status == "non_finite" and not sol.converged
    assert sol.iterations <= 3
    assert np.isnan(sol.error_bound)


def test_nan_in_an_evaluation_stops_policy_iteration(monkeypatch):
    m = garnet(10, 2, 3, gamma=0.9, seed=0)
    pi_module = sys.modules["solvers.exact.policy_iteration"]
    real = pi_module.solve_policy_value

    def nan_solve(*args, **kwargs):
        V, info = real(*args, **kwargs)
        return np.full_like(V, np.nan), info

    monkeypatch.setattr(pi_module, "solve_policy_value", nan_solve)
    with pytest.warns(RuntimeWarning, match=r"policy_iteration: the values are not"):
        sol = policy_iteration(m)
    assert sol.status == "non_finite" and not sol.converged and sol.iterations == 1
