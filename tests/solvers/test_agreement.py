"""Every optimal-control solver against brute force on random MDPs.

``V*`` is computed in the test itself: the exact value of every deterministic
policy (``A^S <= 4096`` of them) by ``numpy.linalg.solve``, then the
state-wise maximum.  Each solver must land within its own certified
``error_bound`` of it; policy iteration's policy must be optimal by exact
evaluation; ``mdp.bellman.verify`` must accept every answer.  With
``gamma = 1`` the maximum runs over the *proper* policies only (found by an
independent reachability search).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mdp import MDP, bellman
from solvers import modified_policy_iteration, policy_iteration, value_iteration
from tests.strategies import mdps, proper_mdps

MAX_POLICIES = 4096

SOLVERS = {
    "vi_jacobi": lambda m, tol: value_iteration(m, tol=tol),
    "vi_gauss_seidel": lambda m, tol: value_iteration(m, tol=tol, gauss_seidel=True),
    "pi_direct": lambda m, tol: policy_iteration(m, tol=tol, eval_method="direct"),
    "pi_krylov": lambda m, tol: policy_iteration(m, tol=tol, eval_method="krylov"),
    "pi_iterative": lambda m, tol: policy_iteration(
        m, tol=tol, eval_method="iterative"
    ),
    "mpi_0": lambda m, tol: modified_policy_iteration(m, m_sweeps=0, tol=tol),
    "mpi_5": lambda m, tol: modified_policy_iteration(m, m_sweeps=5, tol=tol),
    "mpi_inf": lambda m, tol: modified_policy_iteration(m, m_sweeps=np.inf, tol=tol),
}


# ------------------------------------------------------------ brute force
def _tables(m: MDP) -> tuple[np.ndarray, np.ndarray]:
    S, A = m.n_states, m.n_actions
    P = m.P.toarray().reshape(S, A, S)
    r = np.where(m.action_mask, m.r, 0.0)
    return P, r


def _policies(m: MDP) -> list[tuple[int, ...]]:
    return list(itertools.product(*[np.flatnonzero(row) for row in m.action_mask]))


def _is_proper(P_pi: np.ndarray, terminal: np.ndarray) -> bool:
    reach = terminal.copy()
    for _ in range(len(terminal)):
        reach = reach | ((P_pi > 0) & reach[None, :]).any(axis=1)
    return bool(reach.all())


def brute_force_v_star(m: MDP, proper_only: bool = False) -> np.ndarray:
    """``max_pi V^pi`` over deterministic policies, each solved exactly with
    ``numpy.linalg.solve`` on the non-terminal states."""
    P, r = _tables(m)
    S = m.n_states
    live = ~m.terminal
    best = np.full(S, -np.inf)
    for pi in _policies(m):
        pi = np.array(pi)
        P_pi, r_pi = P[np.arange(S), pi], r[np.arange(S), pi]
        if proper_only and not _is_proper(P_pi, m.terminal):
            continue
        V = np.zeros(S)
        M = np.eye(live.sum()) - m.gamma * P_pi[np.ix_(live, live)]
        V[live] = np.linalg.solve(M, r_pi[live])
        best = np.maximum(best, V)
    return best


def exact_value(m: MDP, pi: np.ndarray) -> np.ndarray:
    P, r = _tables(m)
    S = m.n_states
    live = ~m.terminal
    V = np.zeros(S)
    M = np.eye(live.sum()) - m.gamma * P[np.arange(S), pi][np.ix_(live, live)]
    V[live] = np.linalg.solve(M, r[np.arange(S), pi][live])
    return V


def small_enough(m: MDP) -> bool:
    return int(np.prod(m.action_mask.sum(axis=1).astype(float))) <= MAX_POLICIES


# ``A^S <= 4096``: up to 6 states with 4 actions, or 8 states with 2
small_mdps = st.one_of(
    mdps(max_states=6, max_actions=4),
    mdps(min_states=7, max_states=8, max_actions=2),
).filter(small_enough)


def run_all(m: MDP, tol: float):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none may stop at max_iter
        return {name: solve(m, tol) for name, solve in SOLVERS.items()}


def scale(V: np.ndarray) -> float:
    return max(1.0, float(np.abs(V).max()))


# -------------------------------------------------------------- gamma < 1
@given(small_mdps, st.sampled_from([1e-2, 1e-5, 1e-9]))
def test_all_solvers_agree_with_brute_force(m, tol):
    V_star = brute_force_v_star(m)
    for name, sol in run_all(m, tol).items():
        assert sol.converged, name
        assert sol.error_bound <= tol, name
        err = np.abs(sol.V - V_star).max()
        assert err <= sol.error_bound + 1e-9, (name, err, sol.error_bound)
        assert (sol.V[m.terminal] == 0).all(), name
        assert m.action_mask[np.arange(m.n_states), sol.policy].all(), name


@given(small_mdps)
def test_policy_iteration_policy_is_optimal_by_exact_evaluation(m):
    V_star = brute_force_v_star(m)
    tol = 1e-10
    c = 1.0 / (1.0 - m.gamma)
    for method in ("direct", "krylov", "iterative"):
        sol = policy_iteration(m, tol=tol, eval_method=method)
        V_pi = exact_value(m, sol.policy)
        if method == "direct":
            # exact evaluation: the stable policy is optimal up to round-off
            assert np.abs(V_pi - V_star).max() <= 1e-9 * scale(V_star)
        else:
            # greedy for a V within tol of V^pi: at most 2 gamma tol / (1-gamma) off
            assert np.abs(V_pi - V_star).max() <= 2 * c * tol + 1e-9 * scale(V_star)


@given(small_mdps)
def test_bellman_verify_accepts_every_solver(m):
    for name, sol in run_all(m, 1e-11).items():
        report = bellman.verify(m, V_star=sol.V, Q_star=sol.Q, tol=1e-6 * scale(sol.V))
        assert report.ok, (name, str(report))


# ---------------------------------------------------------------- gamma = 1
@given(proper_mdps(max_states=6, max_actions=3, gamma=1.0).filter(small_enough))
def test_gamma_one_every_policy_proper(m):
    V_star = brute_force_v_star(m)
    for name, sol in run_all(m, 1e-12).items():
        assert sol.converged, name
        np.testing.assert_allclose(
            sol.V, V_star, atol=1e-7 * scale(V_star), err_msg=name
        )
        # the greedy policy is proper and attains V*
        assert bellman.verify(
            m, V_star=sol.V, Q_star=sol.Q, tol=1e-6 * scale(V_star)
        ).ok, name


@st.composite
def ssp_mdps(draw, max_states: int = 6, max_actions: int = 3) -> MDP:
    """gamma = 1 with terminal states every state *can* reach (one action per
    state leads down a random ranking), but other actions may loop forever.
    Live rewards are strictly negative, so looping policies are never optimal
    and the optimum is the best *proper* policy."""
    S = draw(st.integers(2, max_states), label="S")
    A = draw(st.integers(2, max_actions), label="A")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    n_term = draw(st.integers(1, S - 1), label="n_terminal")
    terminal = np.zeros(S, dtype=bool)
    terminal[rng.choice(S, n_term, replace=False)] = True
    mask = np.ones((S, A), dtype=bool)
    if A > 1 and draw(st.booleans(), label="mask"):
        mask = rng.random((S, A)) < 0.6
        for s in np.flatnonzero(~mask.any(axis=1)):
            mask[s, rng.integers(A)] = True
    density = draw(st.floats(0.1, 0.8), label="density")
    P = rng.random((S, A, S)) * (rng.random((S, A, S)) < density)
    empty = P.sum(axis=2) == 0
    P[empty, rng.integers(S, size=int(empty.sum()))] = 1.0
    below = list(np.flatnonzero(terminal))
    for s in rng.permutation(np.flatnonzero(~terminal)):
        a = rng.choice(np.flatnonzero(mask[s]))
        P[s, a, rng.choice(below)] += rng.uniform(0.1, 1.0)
        below.append(s)
        # some other actions only wait where they are (a trap if chosen forever)
        for b in np.flatnonzero(mask[s]):
            if b != a and rng.random() < 0.4:
                P[s, b] = 0.0
                P[s, b, s] = 1.0
    P /= P.sum(axis=2, keepdims=True)
    P[terminal] = 0.0
    P[~mask] = 0.0
    R = -rng.uniform(0.1, 2.0, size=(S, A))
    R[terminal] = 0.0
    return MDP(P, R, 1.0, terminal=terminal, action_mask=mask)


def _has_improper_policy(m: MDP) -> bool:
    P, _ = _tables(m)
    S = m.n_states
    return any(
        not _is_proper(P[np.arange(S), np.array(pi)], m.terminal) for pi in _policies(m)
    )


@given(ssp_mdps())
def test_gamma_one_agrees_with_brute_force_over_proper_policies(m):
    V_star = brute_force_v_star(m, proper_only=True)
    for name, sol in run_all(m, 1e-12).items():
        assert sol.converged, name
        np.testing.assert_allclose(
            sol.V, V_star, atol=1e-7 * scale(V_star), err_msg=name
        )
    # policy iteration stays among proper policies and ends at an optimal one
    sol = policy_iteration(m)
    P, _ = _tables(m)
    assert _is_proper(P[np.arange(m.n_states), sol.policy], m.terminal)
    np.testing.assert_allclose(
        exact_value(m, sol.policy), V_star, atol=1e-9 * scale(V_star)
    )


def test_ssp_strategy_does_draw_improper_policies():
    # the gamma = 1 test above is only meaningful if looping policies exist
    examples = []

    @given(ssp_mdps())
    def collect(m):
        examples.append(_has_improper_policy(m))

    collect()
    assert sum(examples) >= len(examples) // 3
