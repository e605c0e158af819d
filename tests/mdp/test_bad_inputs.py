"""Issue 6 section 4, the mdp layer: each bad input a new user tried, pinned.

One row per input: what was called, the error class and the message (a
regular expression).  Each stays fixed: before, these crashed, answered
silently wrong, or raised a raw numpy error.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

from mdp import MDP, MDPError, PolicyError, bellman, load, policy, trajectory


def chain(S: int = 3, A: int = 2) -> np.ndarray:
    P = np.zeros((S, A, S))
    for s in range(S):
        P[s, 0, s] = 1.0
        P[s, 1:, (s + 1) % S] = 1.0
    return P


def small() -> MDP:
    return MDP(chain(), R=np.arange(3.0), gamma=0.9)


def bad_csr(edit):
    P = sp.csr_array(chain().reshape(6, 3))
    data, indices, indptr = P.data.copy(), P.indices.copy(), P.indptr.copy()
    data, indices, indptr = edit(data, indices, indptr)
    M = sp.csr_array(P)
    M.data, M.indices, M.indptr = data, indices, indptr
    return M


def _shifted(d, i, p):
    return d, i + 5, p


def _indptr_down(d, i, p):
    p = p.copy()
    p[2] = p[3] + 1
    return d, i, p


CASES = [
    # --- sparse P with broken CSR arrays: accepted before, then a segfault
    (
        "P column index out of range",
        lambda: MDP(bad_csr(_shifted), R=np.zeros(3), gamma=0.9),
        MDPError,
        r"`P` has index 5 in row 0, out of range 0\.\.2 for shape \(6, 3\); the matrix is corrupt",
    ),
    (
        "P indptr not monotone",
        lambda: MDP(bad_csr(_indptr_down), R=np.zeros(3), gamma=0.9),
        MDPError,
        r"`P` is a CSR matrix whose indptr does not start at 0 and increase",
    ),
    # --- overflow: NaN values reported as converged before
    (
        "rewards near 1e308",
        lambda: MDP(chain(), R=[1e307, 0.0, 0.0], gamma=0.9),
        MDPError,
        r"rewards are too large for float64 values: \|r\(0, 0\)\| = 1e\+307 times "
        r"1/\(1 - gamma\) = 10 exceeds 1e\+300",
    ),
    # --- indices and names
    (
        "step(1.5, 0)",
        lambda: small().step(1.5, 0),
        MDPError,
        r"`s` must be a state index \(an integer in 0\.\.2\); got 1\.5\.",
    ),
    (
        "duplicate state_names",
        lambda: MDP(chain(), R=np.zeros(3), gamma=0.9, state_names=["a", "b", "a"]),
        MDPError,
        r"`state_names` has the name 'a' twice \(entries 0 and 2\)",
    ),
    (
        'state_names="abc"',
        lambda: MDP(chain(), R=np.zeros(3), gamma=0.9, state_names="abc"),
        MDPError,
        r"`state_names` is one string \('abc'\); give a sequence of 3 strings",
    ),
    (
        "terminal as 0/1 ints",
        lambda: MDP(chain(), R=np.zeros(3), gamma=0.9, terminal=np.array([0, 0, 1])),
        MDPError,
        r"`terminal` = \[0, 0, 1\] is ambiguous: 0/1 flags or the indices \[0, 1\]\?",
    ),
    (
        "complex P",
        lambda: MDP(chain().astype(complex), R=np.zeros(3), gamma=0.9),
        MDPError,
        r"`P` has complex entries; probabilities, rewards and values must be real\.",
    ),
    # --- ragged nested lists: a raw numpy ValueError before
    (
        "ragged P",
        lambda: MDP([[[1.0]], [[1.0, 0.0]]], R=[0.0, 0.0], gamma=0.9),
        MDPError,
        r"`P` must be a rectangular array \(nested lists of equal lengths\); "
        r"converting it failed",
    ),
    (
        "ragged terminal",
        lambda: MDP(chain(), R=np.zeros(3), gamma=0.9, terminal=[[0], [1, 2]]),
        MDPError,
        r"`terminal` must be a rectangular array",
    ),
    (
        "ragged action_mask",
        lambda: MDP(chain(), R=np.zeros(3), gamma=0.9, action_mask=[[1, 1], [1]]),
        MDPError,
        r"`action_mask` must be a rectangular array",
    ),
    # --- trajectories and returns
    (
        "monte_carlo_return(n_episodes=0)",
        lambda: trajectory.monte_carlo_return(small(), [0, 0, 0], n_episodes=0),
        MDPError,
        r"`n_episodes` must be an integer >= 1; got 0\.",
    ),
    (
        "discounted_return(r, 2)",
        lambda: trajectory.discounted_return([1.0, 1.0], 2),
        MDPError,
        r"`gamma` must be in \[0, 1\]; got 2\.",
    ),
    (
        "reward_to_go of 2-D input",
        lambda: trajectory.reward_to_go(np.ones((2, 3))),
        MDPError,
        r"`rewards` has shape \(2, 3\); expected one episode's rewards, a 1-D sequence",
    ),
    (
        'rollout(seed="abc")',
        lambda: trajectory.rollout(small(), [0, 0, 0], seed="abc"),
        MDPError,
        r"`seed` must be None, a non-negative integer, a numpy\.random\.SeedSequence "
        r"or a numpy\.random\.Generator; got 'abc'\.",
    ),
    (
        "trajectory.log_prob out of range",
        lambda: trajectory.log_prob(
            small(),
            [0, 0, 0],
            trajectory.Trajectory(np.array([0, 7]), np.array([0]), np.zeros(1), False),
        ),
        MDPError,
        r"trajectory state s_1 = 7 is out of range 0\.\.2\.",
    ),
    # --- policies
    (
        "check_policy with ragged input",
        lambda: policy.check_policy(small(), [[0.5, 0.5], [1.0]]),
        PolicyError,
        r"policy must be a rectangular array; converting it failed",
    ),
    (
        "policy.uniform(array)",
        lambda: policy.uniform(np.ones((3, 2))),
        TypeError,
        r"uniform\(\) takes an mdp\.MDP \(it needs the action mask\); got ndarray\.",
    ),
    # --- to_matrix truncated float actions and took any rows before
    (
        "to_matrix of float actions",
        lambda: policy.to_matrix([0.5, 1.7], 2),
        PolicyError,
        r"deterministic policy must hold integer actions; got dtype float64\.",
    ),
    (
        "to_matrix of rows that are not distributions",
        lambda: policy.to_matrix([[0.5, 0.6]], 2),
        PolicyError,
        r"pi\(\.\|0\) sums to 1\.1, not 1",
    ),
    (
        "to_matrix(n_actions=2.5)",
        lambda: policy.to_matrix([0, 1], 2.5),
        MDPError,
        r"`n_actions` must be an integer >= 1; got 2\.5\.",
    ),
    # --- Q tables: complex values lost their imaginary part, booleans passed
    (
        "greedy of a complex Q",
        lambda: policy.greedy([[1j, 0.0]]),
        MDPError,
        r"`Q` has complex entries; probabilities, rewards and values must be real\.",
    ),
    (
        "softmax of a boolean Q",
        lambda: policy.softmax([[True, False]]),
        MDPError,
        r"`Q` must be a numeric array of shape \(S, A\); got booleans",
    ),
    (
        "greedy(Q, tol=-1)",
        lambda: policy.greedy([[0.0, 1.0]], tol=-1),
        MDPError,
        r"`tol` must be a non-negative, finite number; got -1\.",
    ),
    (
        "sample_action with a 0-d policy",
        lambda: policy.sample_action(np.array(3), 0),
        PolicyError,
        r"policy has shape \(\) and dtype int64; expected int \(S,\)",
    ),
    # --- Bellman checks
    (
        "v_from_q shape mismatch",
        lambda: bellman.v_from_q(np.zeros((3, 2)), np.full((2, 2), 0.5)),
        PolicyError,
        r"`pi` has shape \(2, 2\) but `Q` has shape \(3, 2\)",
    ),
    (
        'verify(tol="1e-6")',
        lambda: bellman.verify(small(), V_star=np.zeros(3), tol="1e-6"),
        MDPError,
        r"`tol` must be a positive, finite number; got '1e-6'\.",
    ),
    (
        "verify(tol=-1)",
        lambda: bellman.verify(small(), V_star=np.zeros(3), tol=-1),
        MDPError,
        r"`tol` must be a positive, finite number; got -1\.",
    ),
    (
        "verify(tol=nan)",
        lambda: bellman.verify(small(), V_star=np.zeros(3), tol=float("nan")),
        MDPError,
        r"`tol` must be a positive, finite number; got nan\.",
    ),
    (
        "verify(V_star=..., pi=...)",
        lambda: bellman.verify(small(), V_star=np.zeros(3), pi=[0, 0, 0]),
        MDPError,
        r"to check a claimed optimal policy against V_star / Q_star pass it as `pi_star=`",
    ),
]


@pytest.mark.parametrize(
    ("what", "call", "error", "match"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_input_is_a_clear_error(what, call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_load_of_a_text_file(tmp_path):
    path = tmp_path / "hello.txt"
    path.write_text("hello")
    with pytest.raises(MDPError, match=re.escape("is not an mdpkit MDP file")) as info:
        load(path)
    assert "allow_pickle" not in str(info.value)
