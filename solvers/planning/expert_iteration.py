r"""Expert iteration: MCTS as the expert, a tabular softmax policy as the apprentice.

The apprentice is ``\pi_\theta(a|s) = \exp\theta_{s,a} / \sum_b \exp\theta_{s,b}``
with a value table ``\hat V``.  Each iteration (Anthony, Tian & Barber 2017;
AlphaZero's loop, Silver et al. 2017):

1. **search**: act for a few episodes with PUCT (:func:`mcts`) using
   ``\pi_\theta`` as its prior and ``\hat V`` at the leaves; at every state
   visited keep the root's visit distribution ``\pi_{MCTS}(\cdot|s) = N(s,\cdot)/N(s)``
   and the search value;
2. **distil**: one cross-entropy step on the logits towards the targets,

   .. math::

       \theta_s \leftarrow \theta_s - \eta \nabla_{\theta_s}
       \Big[-\sum_a \pi_{MCTS}(a|s) \log \pi_\theta(a|s)\Big]
       = \theta_s + \eta\, (\pi_{MCTS}(\cdot|s) - \pi_\theta(\cdot|s)),

   and ``\hat V(s) \leftarrow \hat V(s) + \beta (v_{MCTS}(s) - \hat V(s))``;
3. **score exactly**: ``V^{\pi_\theta}`` by :func:`solvers.evaluate_policy` and
   ``J(\pi_\theta) = p_0 \cdot V^{\pi_\theta}``, next to ``J^* = p_0 \cdot V^*``.

References
----------
T. Anthony, Z. Tian and D. Barber, "Thinking fast and slow with deep learning
and tree search", NeurIPS 2017.
D. Silver et al., "Mastering the game of Go without human knowledge",
Nature 550 (2017).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from mdp import MDP
from mdp.checks import as_generator, check_int, check_real
from mdp.types import FloatArray, RNGLike
from solvers.exact import policy_iteration

from ._common import ShortRepr, check_mdp, exact_value
from .mcts import mcts

__all__ = ["expert_iteration", "ExpertIterationResult", "search_controller"]


@dataclass(frozen=True, repr=False)
class ExpertIterationResult(ShortRepr):
    """The apprentice after each iteration, scored exactly.

    Attributes
    ----------
    theta : ndarray (S, A)
        Final logits (``-inf`` on unavailable actions).
    policy : ndarray (S, A)
        ``pi_theta``, the softmax of ``theta``.
    V_hat : ndarray (S,)
        The value table trained towards the search values.
    J : ndarray (iterations + 1,)
        ``J(pi_theta) = p0 . V^{pi_theta}`` before the first and after every
        iteration (exact).
    V_pi : ndarray (iterations + 1, S)
        ``V^{pi_theta}`` at the same times.
    J_star : float
        ``p0 . V*``.
    simulations : int
        Per search.
    searches : int
        Searches made in total.
    elapsed : float

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[0, 1, 1] = 1.0
    >>> m = MDP(P, R=[[0.0, 1.0], [0.0, 0.0]], gamma=0.9, terminal=[1], p0=[1, 0])
    >>> res = expert_iteration(m, iterations=3, simulations=8, seed=0)
    >>> np.round(res.J, 3), res.J_star
    (array([0.909, 0.955, 0.969, 0.975]), 1.0)
    """

    theta: FloatArray
    policy: FloatArray
    V_hat: FloatArray
    J: FloatArray
    V_pi: FloatArray
    J_star: float
    simulations: int
    searches: int
    elapsed: float


def _softmax(theta: FloatArray) -> FloatArray:
    z = theta - theta.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def expert_iteration(
    m: MDP,
    *,
    iterations: int,
    simulations: int,
    episodes: int = 4,
    lr: float = 1.0,
    value_lr: float = 0.5,
    c: float = 1.0,
    depth: int = 10,
    max_steps: int = 100,
    seed: RNGLike = None,
) -> ExpertIterationResult:
    r"""Distil PUCT search into a tabular softmax policy, scored by ``J(pi_theta)``.

    Parameters
    ----------
    m : MDP
    iterations : int
        Search-and-distil rounds.
    simulations : int
        Per search (one search per step acted).
    episodes : int
        Episodes acted per iteration (starts from ``p0``).
    lr : float
        ``eta``, the step on the logits.
    value_lr : float
        ``beta``, the step of ``V_hat`` towards the search value.
    c : float
        PUCT exploration constant.
    depth : int
        Search depth; ``V_hat`` is the leaf value (no rollouts).
    max_steps : int
        Longest episode acted.
    seed : None, int, SeedSequence or Generator

    Returns
    -------
    ExpertIterationResult

    Notes
    -----
    The action taken while acting is sampled from the visit distribution
    (temperature 1), so the episodes keep exploring.  ``J`` is exact at every
    iteration; with ``gamma = 1`` a ``pi_theta`` that does not terminate has
    ``J = nan`` (a softmax policy with finite logits always terminates where
    any policy can).

    Examples
    --------
    The 4x4 gridworld at gamma = 0.9: ``J`` of the uniform policy is -6.607,
    ``J* = -1.874``.

    >>> from worlds import make
    >>> m = make("gridworld-4x4", gamma=0.9).mdp
    >>> res = expert_iteration(m, iterations=40, simulations=16, lr=3.0, seed=0)
    >>> round(float(res.J[0]), 3), round(float(res.J[-1]), 3), round(res.J_star, 3)
    (-6.607, -1.93, -1.874)
    """
    t0 = time.perf_counter()
    m = check_mdp(m)
    n_it = check_int(iterations, "iterations")
    n_sim = check_int(simulations, "simulations")
    n_ep = check_int(episodes, "episodes")
    eta = check_real(lr, "lr")
    beta = check_real(value_lr, "value_lr")
    T = check_int(max_steps, "max_steps")
    rng = as_generator(seed)
    S, A = m.n_states, m.n_actions
    theta = np.where(m.action_mask, 0.0, -np.inf)
    V_hat = np.zeros(S)
    Vs = policy_iteration(m).V
    J_star = float(m.p0 @ Vs)

    def score():
        V, _, _ = exact_value(m, _softmax(theta))
        return V

    Vpi = [score()]
    searches = 0
    for _ in range(n_it):
        targets: dict[int, list] = {}
        for _ in range(n_ep):
            s = m.sample_start(rng)
            for _ in range(T):
                if m.terminal[s]:
                    break
                out = mcts(
                    m, s, simulations=n_sim, c=c, prior=_softmax(theta),
                    value=V_hat, depth=depth, seed=rng,
                )  # fmt: skip
                searches += 1
                targets.setdefault(s, []).append((out.search_policy, out.value))
                a = int(rng.choice(A, p=out.search_policy))
                s, _, _ = m.step(s, a, rng)
        pi = _softmax(theta)
        for s, items in targets.items():
            tgt = np.mean([p for p, _ in items], axis=0)
            v = float(np.mean([v for _, v in items]))
            # cross-entropy step: theta_s += eta (pi_MCTS - pi_theta)
            theta[s] = np.where(
                m.action_mask[s], theta[s] + eta * (tgt - pi[s]), -np.inf
            )
            V_hat[s] += beta * (v - V_hat[s])
        Vpi.append(score())
    V_pi = np.array(Vpi)
    return ExpertIterationResult(
        theta=theta,
        policy=_softmax(theta),
        V_hat=V_hat,
        J=V_pi @ m.p0,
        V_pi=V_pi,
        J_star=J_star,
        simulations=n_sim,
        searches=searches,
        elapsed=time.perf_counter() - t0,
    )


def search_controller(
    m: MDP, *, simulations: int, seed: RNGLike = None, **kw
) -> FloatArray:
    r"""The exact value of the controller ``mu(s) = mcts(m, s, ...).action``.

    One search from every non-terminal state (seeded), then
    :func:`solvers.evaluate_policy` of the resulting deterministic policy:
    the exact score of acting with MCTS, for comparing priors and values
    at the same simulation budget.

    Returns
    -------
    V : ndarray (S,)
        ``V^mu`` (``nan`` if ``mu`` never terminates at ``gamma = 1``).

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[0, 1, 1] = 1.0
    >>> m = MDP(P, R=[[0.0, 1.0], [0.0, 0.0]], gamma=0.9, terminal=[1])
    >>> search_controller(m, simulations=10, seed=0)
    array([1., 0.])
    """
    gen = as_generator(seed)
    mu = np.zeros(m.n_states, dtype=np.intp)
    for s in np.flatnonzero(~m.terminal):
        mu[s] = mcts(m, int(s), simulations=simulations, seed=gen, **kw).action
    mu[m.terminal] = np.argmax(m.action_mask[m.terminal], axis=1)
    V, _, _ = exact_value(m, mu)
    return V
