"""Tests of worlds.classics against closed forms, brute force and the literature."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from mdp import MDP, MDPError
from solvers import evaluate_policy, policy_iteration, value_iteration
from worlds.classics import (
    World,
    WorldError,
    forest,
    gamblers_problem,
    garnet_world,
    jacks_car_rental,
    random_walk,
    river_swim,
)
from worlds.random_mdps import garnet


def _dense(m: MDP) -> tuple[np.ndarray, np.ndarray]:
    """``P [S, A, S]`` and ``r [S, A]`` as dense arrays."""
    S, A = m.n_states, m.n_actions
    return m.P.toarray().reshape(S, A, S), np.asarray(m.r)


# ------------------------------------------------------------------ World
def test_world_fields_are_frozen_and_checked():
    w = random_walk()
    assert isinstance(w, World)
    assert w.name == "random-walk" and w.source.startswith("Sutton & Barto")
    assert "\n" not in w.description
    with pytest.raises(AttributeError):
        w.name = "other"  # type: ignore[misc]
    assert not w.x.flags.writeable
    assert w.params == {
        "n_states": 5,
        "gamma": 1.0,
        "left_reward": 0.0,
        "right_reward": 1.0,
    }
    assert repr(w).startswith("World(name='random-walk', S=7, A=1")
    assert w.action_labels == ("step",)


def test_world_rejects_bad_plot_info():
    m = random_walk().mdp
    with pytest.raises(
        WorldError, match=r"`x` of world 'w' has shape \(3,\); expected \(7,\)"
    ):
        World("w", m, "d", {}, "s", x=np.zeros(3))
    with pytest.raises(
        WorldError, match=r"`grid_shape` \(2, 2\) of world 'w' does not hold its 7"
    ):
        World("w", m, "d", {}, "s", grid_shape=(2, 2))


def test_world_error_is_a_value_error():
    assert issubclass(WorldError, MDPError) and issubclass(WorldError, ValueError)


# ------------------------------------------------------------ random walk
def test_random_walk_5_true_values():
    w = random_walk()
    m = w.mdp
    assert m.n_states == 7 and m.n_actions == 1
    assert list(np.flatnonzero(m.terminal)) == [0, 6]
    assert m.p0[3] == 1.0 and m.names.states[3] == "C"
    V = evaluate_policy(m, np.zeros(7, dtype=int))
    # Example 6.2: v(A..E) = 1/6 .. 5/6
    np.testing.assert_allclose(V, [0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 0], atol=1e-12)
    np.testing.assert_allclose(value_iteration(m, tol=1e-12).V, V, atol=1e-9)


def test_random_walk_19_linear_values():
    w = random_walk(19, left_reward=-1.0)
    V = evaluate_policy(w.mdp, np.zeros(21, dtype=int))
    i = np.arange(1, 20)
    # Example 7.1: v(i) = -1 + 2 i / 20
    np.testing.assert_allclose(V[1:-1], -1 + 2 * i / 20, atol=1e-12)
    assert w.mdp.names.states[19] == "S" and w.mdp.p0[10] == 1.0
    assert random_walk(27).mdp.names.states[27] == "27"


def test_random_walk_discounted_closed_form():
    # u_i = (gamma/2)(u_{i-1} + u_{i+1}) inside, u_0 = r_left/gamma and
    # u_{n+1} = r_right/gamma (reward on entry): u_i = a l1^i + b l2^i
    n, g, rl, rr = 7, 0.8, -0.5, 2.0
    l1 = (1 + math.sqrt(1 - g * g)) / g
    l2 = (1 - math.sqrt(1 - g * g)) / g
    a, b = np.linalg.solve([[1, 1], [l1 ** (n + 1), l2 ** (n + 1)]], [rl / g, rr / g])
    i = np.arange(1, n + 1)
    expected = a * l1**i + b * l2**i
    w = random_walk(n, gamma=g, left_reward=rl, right_reward=rr)
    V = evaluate_policy(w.mdp, np.zeros(n + 2, dtype=int))
    np.testing.assert_allclose(V[1:-1], expected, rtol=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_states": 4}, r"`n_states` must be odd .* got 4\. Use 5"),
        ({"n_states": 0}, r"`n_states` must be an integer >= 1; got 0"),
        ({"n_states": 2.5}, r"`n_states` must be an integer >= 1; got 2\.5"),
        ({"left_reward": float("nan")}, r"`left_reward` must be a finite number"),
        ({"right_reward": "x"}, r"`right_reward` must be a number; got 'x'"),
        ({"gamma": 1.5}, r"`gamma` must be a number in \[0, 1\]; got 1\.5"),
    ],
)
def test_random_walk_errors(kwargs, match):
    with pytest.raises(WorldError, match=match):
        random_walk(**kwargs)


# ------------------------------------------------------- gambler's problem
def _ruin(p: float, s: np.ndarray, goal: int) -> np.ndarray:
    """Gambler's ruin: win probability staking 1 each time."""
    if p == 0.5:
        return s / goal
    rho = (1 - p) / p
    return (1 - rho**s) / (1 - rho**goal)


def test_gamblers_problem_book_values():
    w = gamblers_problem()
    m = w.mdp
    assert (m.n_states, m.n_actions) == (101, 50)
    sol = value_iteration(m, tol=1e-13)
    V = sol.V
    # Figure 4.3: v*(50) = p, v*(25) = p^2, v*(75) = p + (1 - p) p
    np.testing.assert_allclose(V[[25, 50, 75]], [0.16, 0.4, 0.64], atol=1e-9)
    np.testing.assert_allclose(V[[0, 100]], 0.0)
    # bold play is optimal for p < 1/2 (Dubins & Savage): a second method
    s = np.arange(101)
    bold = np.maximum(np.minimum(s, 100 - s), 1) - 1
    np.testing.assert_allclose(evaluate_policy(m, bold), V, atol=1e-9)
    # the robust optimal stakes of the book's picture: unique with a margin
    for capital, stake in [(25, 25), (50, 50), (75, 25)]:
        q = np.sort(sol.Q[capital])[::-1]
        assert sol.policy[capital] == stake - 1 and q[0] - q[1] > 5e-3
    # V* dominates timid play, whose value is the gambler's-ruin formula
    timid = np.zeros(101, dtype=int)
    V_timid = evaluate_policy(m, timid)
    np.testing.assert_allclose(
        V_timid, np.where(s == 100, 0, _ruin(0.4, s, 100)), atol=1e-12
    )
    assert np.all(V >= V_timid - 1e-12)


def test_gamblers_problem_fair_coin():
    # p_h = 1/2: a martingale, every (proper) policy wins w.p. s / goal
    w = gamblers_problem(p_h=0.5, goal=20)
    s = np.arange(21)
    expected = np.where(s == 20, 0.0, s / 20)
    np.testing.assert_allclose(value_iteration(w.mdp, tol=1e-13).V, expected, atol=1e-9)
    np.testing.assert_allclose(
        evaluate_policy(w.mdp, np.zeros(21, dtype=int)), expected, atol=1e-12
    )


def test_gamblers_problem_tables():
    w = gamblers_problem(p_h=0.3, goal=9)
    m = w.mdp
    P, r = _dense(m)
    s = np.arange(10)
    assert m.n_actions == 4
    # stakes 1..min(s, goal - s); the terminal capitals 0 and 9 are self-loops
    # under every action (the terminal rule)
    np.testing.assert_array_equal(
        m.action_mask.sum(axis=1), np.where(m.terminal, 4, np.minimum(s, 9 - s))
    )
    assert list(np.flatnonzero(m.terminal)) == [0, 9]
    # capital 4, stake 3: to 7 w.p. 0.3, to 1 w.p. 0.7
    assert P[4, 2, 7] == pytest.approx(0.3) and P[4, 2, 1] == pytest.approx(0.7)
    # the reward is the probability of entering the goal: r(6, stake 3) = 0.3
    assert r[6, 2] == pytest.approx(0.3) and r[5, 2] == 0.0
    assert m.names.actions[2] == "stake 3" and w.x[4] == 4.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p_h": 1.5}, r"`p_h` must be a number in \[0, 1\]; got 1\.5"),
        ({"goal": 1}, r"`goal` must be an integer >= 2; got 1"),
        ({"goal": 10.5}, r"`goal` must be an integer >= 2; got 10\.5"),
        ({"goal": True}, r"`goal` must be an integer >= 2; got True"),
    ],
)
def test_gamblers_problem_errors(kwargs, match):
    with pytest.raises(WorldError, match=match):
        gamblers_problem(**kwargs)


# ------------------------------------------------------- Jack's car rental
def _pois(j: int, lam: float) -> float:
    return math.exp(-lam) * lam**j / math.factorial(j)


def _jack_brute_force(N, K, rent, cost, lam_req, lam_ret, J=40):
    """P [S, A, S] and r [S, A] by enumerating requests and returns."""
    n = N + 1
    S, A = n * n, 2 * K + 1
    P = np.zeros((S, A, S))
    r = np.zeros((S, A))
    pq = [[_pois(j, lam) for j in range(J)] for lam in lam_req]
    pr = [[_pois(j, lam) for j in range(J)] for lam in lam_ret]
    for n1, n2, a in itertools.product(range(n), range(n), range(A)):
        k = a - K
        if k > n1 or -k > n2:
            continue
        m = (min(n1 - k, N), min(n2 + k, N))
        s = n1 * n + n2
        r[s, a] = -cost * abs(k)
        nxt = [np.zeros(n), np.zeros(n)]
        for loc in range(2):
            for q, ret in itertools.product(range(J), range(J)):
                w = pq[loc][q] * pr[loc][ret]
                rented = min(q, m[loc])
                r[s, a] += w * rent * rented
                nxt[loc][min(m[loc] - rented + ret, N)] += w
        P[s, a] = np.outer(nxt[0], nxt[1]).ravel()
    return P, r


def test_jacks_car_rental_tables_match_brute_force():
    w = jacks_car_rental(4, 2, 10.0, 2.0, (3.0, 4.0), (3.0, 2.0))
    P, r = _dense(w.mdp)
    P_bf, r_bf = _jack_brute_force(4, 2, 10.0, 2.0, (3.0, 4.0), (3.0, 2.0))
    np.testing.assert_allclose(P, P_bf, atol=1e-12)
    np.testing.assert_allclose(r, r_bf, atol=1e-10)
    mask = w.mdp.action_mask
    assert mask[0].sum() == 1 and mask[0, 2]  # (0, 0): move nothing
    # (2, 1): k in -1..2  -> actions 1..4
    assert list(np.flatnonzero(mask[2 * 5 + 1])) == [1, 2, 3, 4]
    assert w.mdp.names.states[7] == "(1,2)"
    assert w.mdp.names.actions == ("-2", "-1", "0", "+1", "+2")


def test_jacks_car_rental_capacity_overflow_is_lost():
    # moving 2 cars into a full location: the extra cars disappear, so the
    # morning is (0, 2) -> same row as moving 0 from (0, 2)
    w = jacks_car_rental(max_cars=2, max_move=2)
    P, _ = _dense(w.mdp)
    s_from = 2 * 3 + 2  # (2, 2)
    s_same = 0 * 3 + 2  # (0, 2)
    np.testing.assert_allclose(P[s_from, 4], P[s_same, 2], atol=1e-15)


def test_jacks_car_rental_book_solution():
    w = jacks_car_rental()
    m = w.mdp
    assert (m.n_states, m.n_actions, w.grid_shape) == (441, 11, (21, 21))
    np.testing.assert_allclose(
        np.asarray(m.P.sum(axis=1)).ravel()[m.action_mask.ravel()], 1.0, atol=1e-12
    )
    pi = policy_iteration(m)
    vi = value_iteration(m, tol=1e-8)
    np.testing.assert_allclose(vi.V, pi.V, atol=1e-6)
    np.testing.assert_array_equal(vi.policy, pi.policy)
    V = pi.V.reshape(21, 21)
    # exact model; the book's surface spans about 420..612 (see the docstring)
    assert V[20, 20] == pytest.approx(636.99, abs=0.01)
    assert V[0, 0] == pytest.approx(421.41, abs=0.01)
    assert V.max() == V[20, 20] and V.min() == V[0, 0]
    # Figure 4.2, pi_4: +5 with location 1 full and 2 empty, -4 opposite,
    # 0 on the diagonal at (10, 10)
    k = pi.policy.reshape(21, 21) - 5
    assert k[20, 0] == 5 and k[0, 20] == -4 and k[10, 10] == 0 and k[0, 0] == 0
    assert np.all(k[15:, :3] >= 1) and np.all(k[:3, 18:] <= -1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_cars": 0}, r"`max_cars` must be an integer >= 1; got 0"),
        ({"max_move": 21}, r"`max_move` must be an integer in 0\.\.20; got 21"),
        ({"lam_req": (3.0,)}, r"`lam_req` must be a pair \(location 1, location 2\)"),
        ({"lam_ret": 3.0}, r"`lam_ret` must be a pair"),
        (
            {"lam_ret": (3.0, -1.0)},
            r"`lam_ret\[1\]` must be a finite number >= 0; got -1\.0",
        ),
        ({"rent": float("inf")}, r"`rent` must be a finite number; got inf"),
        ({"gamma": 1.0}, r"`gamma` must be < 1 for this continuing task"),
    ],
)
def test_jacks_car_rental_errors(kwargs, match):
    with pytest.raises(WorldError, match=match):
        jacks_car_rental(**kwargs)


# ----------------------------------------------------------------- forest
@pytest.mark.parametrize(
    "args",
    [(3, 4.0, 2.0, 0.1), (5, 4.0, 2.0, 0.1), (2, 1.0, 3.0, 0.5), (7, 10.0, 1.0, 0.0)],
)
def test_forest_matches_pymdptoolbox(args):
    example = pytest.importorskip(
        "hiive.mdptoolbox.example", reason="mdptoolbox-hiive not installed"
    )
    P_ref, R_ref = example.forest(*args)
    ref = MDP.from_pymdptoolbox(P_ref, R_ref, 0.96)
    m = forest(*args).mdp
    np.testing.assert_array_equal(m.P.toarray(), ref.P.toarray())
    np.testing.assert_array_equal(m.r, ref.r)


def test_forest_values():
    w = forest()
    assert w.mdp.names.actions == ("wait", "cut")
    sol = policy_iteration(w.mdp)
    np.testing.assert_array_equal(sol.policy, [0, 0, 0])
    np.testing.assert_allclose(np.round(sol.V, 2), [74.65, 78.11, 82.11])
    # the wait-everywhere policy solved by hand: V = (I - g P_wait)^-1 R_wait
    g, p = 0.96, 0.1
    P_wait = np.array([[p, 1 - p, 0], [p, 0, 1 - p], [p, 0, 1 - p]])
    V = np.linalg.solve(np.eye(3) - g * P_wait, [0.0, 0.0, 4.0])
    np.testing.assert_allclose(sol.V, V, rtol=1e-10)
    np.testing.assert_allclose(value_iteration(w.mdp, tol=1e-9).V, V, atol=1e-8)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"S": 1}, r"`S` must be an integer >= 2; got 1"),
        ({"p": -0.1}, r"`p` must be a number in \[0, 1\]; got -0\.1"),
        ({"r1": None}, r"`r1` must be a number; got None"),
        ({"gamma": 1.0}, r"`gamma` must be < 1"),
    ],
)
def test_forest_errors(kwargs, match):
    with pytest.raises(WorldError, match=match):
        forest(**kwargs)


# -------------------------------------------------------------- RiverSwim
def test_river_swim_tables():
    m = river_swim().mdp
    P, r = _dense(m)
    assert P[0, 1, 1] == pytest.approx(0.3) and P[0, 1, 0] == pytest.approx(0.7)
    for s in range(1, 5):
        np.testing.assert_allclose(P[s, 1, [s - 1, s, s + 1]], [0.1, 0.6, 0.3])
    assert P[5, 1, 5] == pytest.approx(0.3) and P[5, 1, 4] == pytest.approx(0.7)
    np.testing.assert_array_equal(P[:, 0].argmax(axis=1), [0, 0, 1, 2, 3, 4])
    assert r[0, 0] == 0.005 and r[5, 1] == pytest.approx(0.3)
    assert np.count_nonzero(r) == 2
    assert m.p0[0] == 1.0 and not m.terminal.any()


def test_river_swim_left_policy_closed_form():
    g = 0.95
    m = river_swim(gamma=g).mdp
    V = evaluate_policy(m, np.zeros(6, dtype=int))
    # V(s) = gamma^s r_left / (1 - gamma)
    np.testing.assert_allclose(V, g ** np.arange(6) * 0.005 / (1 - g), rtol=1e-12)


def test_river_swim_optimal_is_always_right_by_brute_force():
    m = river_swim().mdp
    P, r = _dense(m)
    g = m.gamma
    best, best_pi = None, None
    for pi in itertools.product((0, 1), repeat=6):
        idx = np.arange(6), np.array(pi)
        V = np.linalg.solve(np.eye(6) - g * P[idx], r[idx])
        if best is None or np.all(V >= best - 1e-12):
            best, best_pi = V, pi
    assert best_pi == (1,) * 6
    sol = value_iteration(m, tol=1e-10)
    np.testing.assert_array_equal(sol.policy, np.ones(6))
    np.testing.assert_allclose(sol.V, best, atol=1e-9)
    assert np.all(np.diff(sol.V) > 0)  # further upstream is better
    # a short horizon flips it: with gamma = 0.5 staying left is optimal
    assert value_iteration(river_swim(gamma=0.5).mdp).policy[0] == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_states": 1}, r"`n_states` must be an integer >= 2; got 1"),
        ({"gamma": 1.0}, r"`gamma` must be < 1"),
        ({"right_reward": float("nan")}, r"`right_reward` must be a finite number"),
    ],
)
def test_river_swim_errors(kwargs, match):
    with pytest.raises(WorldError, match=match):
        river_swim(**kwargs)


# ------------------------------------------------------------------ Garnet
def test_garnet_world_wraps_garnet():
    w = garnet_world(30, 3, 4, gamma=0.8, seed=7)
    assert w.mdp == garnet(30, 3, 4, gamma=0.8, seed=7)
    assert w.params == {
        "n_states": 30,
        "n_actions": 3,
        "n_branch": 4,
        "gamma": 0.8,
        "seed": 7,
    }
    assert w.x is None and w.grid_shape is None
    with pytest.raises(MDPError, match=r"`n_branch` must be in 1\.\.n_states"):
        garnet_world(3, 2, 5)


# ------------------------------------------------------------ all worlds
@pytest.mark.parametrize(
    "factory", [random_walk, gamblers_problem, forest, river_swim, garnet_world]
)
def test_every_factory_builds_a_consistent_world(factory):
    w = factory()
    assert isinstance(w.mdp, MDP)
    assert w.params and w.source and w.description
    if w.x is not None:
        assert w.x.shape == (w.n_states,) and w.x_label
    assert len(w.state_labels) == w.n_states
