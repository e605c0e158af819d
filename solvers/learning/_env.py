"""The one environment adapter of the learners: MDP (via BatchSampler) or Gymnasium.

Learner code sees only :class:`Walkers`: ``reset(idx, u)`` and
``step(s, a, u, z, alive)`` over arrays of walkers, one per run.  For an
:class:`mdp.MDP` (or a world with ``.mdp``, or a :class:`mdp.BatchSampler`)
it is the model's generative view, vectorised; the tables are read once when
the sampler is built and never again.  For a Gymnasium env with ``Discrete``
spaces it holds one independent copy per run (``copy.deepcopy`` of the env,
seeded from the run's stream at its first reset) and steps them in a Python
loop, which is as fast as Gymnasium itself allows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtri

from mdp import MDP, BatchSampler, MDPError
from mdp.gym_env import discrete_sizes, env_copies, is_gymnasium_env
from mdp.types import BoolArray, FloatArray, IntArray


class Walkers:
    """Common interface (attributes set by the subclasses)."""

    n_states: int
    n_actions: int
    mask: BoolArray | None  # None when every action is available
    terminal: BoolArray | None  # None when unknown (Gymnasium)
    gamma: float
    mdp: MDP | None
    noisy: bool = False
    may_truncate: bool = False  # the env's own time limit (Gymnasium)

    def reset(self, idx: IntArray, u: FloatArray) -> IntArray:
        raise NotImplementedError

    def step(
        self, s: IntArray, a: IntArray, u: FloatArray, z: FloatArray, alive: BoolArray
    ) -> tuple[IntArray, FloatArray, BoolArray, BoolArray]:
        raise NotImplementedError


class SamplerWalkers(Walkers):
    def __init__(self, sampler: BatchSampler, m: MDP | None, runs: int) -> None:
        self._bs = sampler
        self.n_states, self.n_actions = sampler.n_states, sampler.n_actions
        mask = sampler.action_mask
        self.mask = None if mask.all() else mask
        self.terminal = sampler.terminal
        self.gamma = sampler.gamma
        self.mdp = m
        self.noisy = sampler.noisy
        self._no_trunc = np.zeros(runs, dtype=bool)

    @property
    def sampler(self) -> BatchSampler:
        """The generative view the walkers step through."""
        return self._bs

    def reset(self, idx: IntArray, u: FloatArray) -> IntArray:
        return self._bs.reset_uniform(u[idx])

    def step(self, s, a, u, z, alive):
        s2, r, term = self._bs.step_uniform(s, a, u, z)
        return s2, r, term, self._no_trunc


class GymWalkers(Walkers):
    def __init__(self, env: Any, runs: int, seeds: list[int]) -> None:
        self.n_states, self.n_actions = discrete_sizes(env)
        self.mask = None
        self.terminal = None
        self.gamma = 1.0
        self.mdp = None
        self.may_truncate = True
        self._envs = env_copies(env, runs)
        self._seeds: list[int | None] = list(seeds)

    def reset(self, idx, u):
        out = np.empty(len(idx), dtype=np.int64)
        for j, i in enumerate(idx.tolist()):
            seed, self._seeds[i] = self._seeds[i], None
            out[j] = int(self._envs[i].reset(seed=seed)[0])
        return out

    def step(self, s, a, u, z, alive):
        n = len(s)
        s2 = s.copy()
        r = np.zeros(n)
        term = np.zeros(n, dtype=bool)
        trunc = np.zeros(n, dtype=bool)
        for i in np.flatnonzero(alive).tolist():
            obs, rew, te, tr, _ = self._envs[i].step(int(a[i]))
            s2[i], r[i], term[i], trunc[i] = int(obs), float(rew), bool(te), bool(tr)
        return s2, r, term, trunc


def walkers(env: Any, runs: int, gens: list[np.random.Generator]) -> Walkers:
    """The adapter for ``env`` (MDP, world with ``.mdp``, BatchSampler, Gymnasium)."""
    if isinstance(env, BatchSampler):
        return SamplerWalkers(env, None, runs)
    if isinstance(env, MDP):
        return SamplerWalkers(BatchSampler(env), env, runs)
    if isinstance(getattr(env, "mdp", None), MDP) and not hasattr(env, "step"):
        return SamplerWalkers(BatchSampler(env.mdp), env.mdp, runs)
    if is_gymnasium_env(env):
        seeds = [int(g.integers(2**31)) for g in gens]
        return GymWalkers(env, runs, seeds)
    msg = (
        "`env` must be an mdp.MDP, a world with `.mdp`, an mdp.BatchSampler or a "
        f"Gymnasium env with Discrete spaces; got {type(env).__name__}."
    )
    raise MDPError(msg)


# control: uniforms per step: explore, pick, transition, reset, reset-explore,
# reset-pick (and for double Q: coin, tie)
_U_EXP, _U_PICK, _U_TR, _U_RS, _U_REXP, _U_RPICK, _U_COIN, _U_TIE = range(8)


def n_uniforms(method: str) -> int:
    """Uniforms per step of a control learner.

    Q-learning, expected SARSA and double Q choose the next action once,
    after the update, at ``S'`` or (when the episode ended) at the new
    ``S_0``; SARSA draws ``A'`` at ``S'`` before the update (it bootstraps on
    it) and, when the episode ends, ``A_0`` with two more uniforms.
    """
    return {"double-q": 8, "sarsa": 6}.get(method.split("(")[0], 4)


class Uniforms:
    """Per-run random streams, drawn in blocks: ``next() -> (u [K, R], z [R])``.

    Run ``i`` draws only from its own generator: ``K`` uniforms per step (one
    more when ``noisy``, turned into the reward noise ``z = Phi^{-1}(u)``), in
    blocks of ``B`` steps as ``gen.random(B * K)``.  Since every draw is a
    uniform from one call sequence, a run's numbers do not depend on the
    block size nor on how many runs share the batch.  ``next(alive)`` draws
    a new block only for the runs still ``alive`` (the others keep their old,
    unused rows), so a run's stream after its last episode, e.g. the final
    tie-breaking draw, does not depend on how long the other runs take
    either (the compiled loop draws the same way).
    """

    B = 512

    def __init__(self, gens: list[np.random.Generator], K: int, noisy: bool) -> None:
        self.gens, self.noisy = gens, noisy
        self.K = K + (1 if noisy else 0)
        self.R = len(gens)
        self.j = self.B
        # (B, R, K): step j is the contiguous (R, K) block raw[j]
        self.raw = np.empty((self.B, self.R, self.K))
        self._tmp = np.empty((self.R, self.B, self.K))
        self.zeros = np.zeros(self.R)

    def next(self, alive: BoolArray | None = None) -> tuple[FloatArray, FloatArray]:
        if self.j == self.B:
            for i, g in enumerate(self.gens):
                if alive is None or alive[i]:
                    g.random((self.B, self.K), out=self._tmp[i])  # contiguous per run
            np.copyto(self.raw, self._tmp.transpose(1, 0, 2))
            self.j = 0
        u = self.raw[self.j].T  # (K, R) view: u[k] is one uniform per run
        self.j += 1
        if self.noisy:
            return u, ndtri(u[-1])
        return u, self.zeros
