"""Export an MDP as a Gymnasium environment (:func:`to_gymnasium`), and
check a Gymnasium env is tabular (:func:`discrete_sizes`).

Gymnasium is an optional dependency, imported when the function is called.
The environment samples with the model's generative view (a
:class:`~mdp.sampling.BatchSampler` of one walker), so any agent library can
train on any mdpkit world and be scored exactly on the same tables.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._errors import MDPError
from .checks import check_int
from .sampling import BatchSampler

__all__ = ["to_gymnasium", "discrete_sizes", "is_gymnasium_env", "env_copies"]


def is_gymnasium_env(env: Any) -> bool:
    """Whether ``env`` looks like a Gymnasium env (spaces and ``step``), not a model.

    >>> import gymnasium
    >>> is_gymnasium_env(gymnasium.make("FrozenLake-v1")), is_gymnasium_env("FrozenLake")
    (True, False)
    """
    return hasattr(env, "observation_space") and hasattr(env, "step")


def discrete_sizes(env: Any) -> tuple[int, int]:
    """``(S, A)`` of a tabular Gymnasium env: ``Discrete(S)`` observations and
    ``Discrete(A)`` actions, both starting at 0.

    Raises
    ------
    MDPError
        If either space is not ``Discrete`` starting at 0.

    Examples
    --------
    >>> import gymnasium
    >>> discrete_sizes(gymnasium.make("FrozenLake-v1"))
    (16, 4)
    >>> discrete_sizes(gymnasium.make("CartPole-v1"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mdp.MDPError: the Gymnasium env's observation space must be Discrete(n) starting at 0 (a tabular env); got Box([-4.8...], [4.8...], (4,), float32).
    """
    from gymnasium import spaces

    sizes = []
    for space, what in (
        (env.observation_space, "observation"),
        (env.action_space, "action"),
    ):
        if not isinstance(space, spaces.Discrete) or int(space.start) != 0:
            msg = (
                f"the Gymnasium env's {what} space must be Discrete(n) starting "
                f"at 0 (a tabular env); got {space}."
            )
            raise MDPError(msg)
        sizes.append(int(space.n))
    return sizes[0], sizes[1]


def to_gymnasium(
    m: Any, *, render_mode: str | None = None, max_episode_steps: int | None = None
) -> Any:
    """A ``gymnasium.Env`` with ``Discrete(S)`` observations and ``Discrete(A)`` actions.

    Parameters
    ----------
    m : MDP or a world with ``.mdp``
        The model.  A grid world (an object with ``.mdp``, ``.cell(s)`` and
        ``.chars``) renders its map as text.
    render_mode : {None, "ansi"}
        ``"ansi"``: :meth:`render` returns the map with the agent's cell shown
        as ``@`` (grid worlds) or a line naming the state (other models).
    max_episode_steps : int, optional
        Truncate episodes after this many steps (``truncated=True``).

    Returns
    -------
    gymnasium.Env
        ``reset(seed=None, options=None) -> (obs, info)`` draws ``s_0 ~ p0``;
        ``step(a) -> (obs, reward, terminated, truncated, info)`` draws
        ``s' ~ P(.|s, a)`` and ``R(s, a, s')`` (with the model's reward noise);
        ``terminated`` is true on entering a terminal state.  ``info`` holds
        ``"action_mask"`` (int8 ``(A,)``, 1 where available, as in Gymnasium's
        Taxi).  An unavailable action raises :class:`mdp.MDPError`.

    Raises
    ------
    MDPError
        For an unknown ``render_mode`` or a bad ``max_episode_steps``.
    ImportError
        If gymnasium is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> from mdp.gym_env import to_gymnasium
    >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[[0.0], [1.0]], gamma=0.5)
    >>> env = to_gymnasium(m)
    >>> obs, info = env.reset(seed=0)
    >>> env.observation_space, env.action_space
    (Discrete(2), Discrete(1))
    >>> obs2, r, terminated, truncated, info = env.step(0)
    >>> terminated, truncated
    (False, False)
    """
    import gymnasium  # noqa: F401  (optional dependency, imported here)

    world = None
    model = m
    if hasattr(m, "mdp") and not hasattr(m, "P"):
        world, model = m, m.mdp
    if not hasattr(model, "P"):
        msg = f"`m` must be an mdp.MDP or a world with `.mdp`; got {type(m).__name__}."
        raise MDPError(msg)
    if render_mode not in (None, "ansi"):
        msg = f"`render_mode` must be None or 'ansi'; got {render_mode!r}."
        raise MDPError(msg)
    if max_episode_steps is not None:
        max_episode_steps = check_int(max_episode_steps, "max_episode_steps")
    return _env_class()(model, world, render_mode, max_episode_steps)


_CLASS: list[type] = []


def _env_class() -> type:
    if _CLASS:
        return _CLASS[0]
    import gymnasium
    from gymnasium import spaces

    class MDPEnv(gymnasium.Env):
        """A Gymnasium view of an :class:`mdp.MDP` (see :func:`to_gymnasium`)."""

        metadata = {"render_modes": ["ansi"], "render_fps": 4}

        def __init__(self, model, world, render_mode, max_episode_steps):
            self._sampler = BatchSampler(model)
            self._model = model
            self._world = world
            self.render_mode = render_mode
            self._max_steps = max_episode_steps
            self.observation_space = spaces.Discrete(model.n_states)
            self.action_space = spaces.Discrete(model.n_actions)
            self._mask = np.asarray(model.action_mask).astype(np.int8)
            self._s = 0
            self._t = 0
            self._last_action: int | None = None

        def _info(self) -> dict[str, Any]:
            return {"action_mask": self._mask[self._s].copy()}

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            self._s = int(self._sampler.reset_uniform(self.np_random.random(1))[0])
            self._t = 0
            self._last_action = None
            return self._s, self._info()

        def step(self, action):
            a = int(action)
            if not 0 <= a < self.action_space.n:
                msg = f"action {action!r} is outside Discrete({self.action_space.n})."
                raise MDPError(msg)
            if not self._mask[self._s, a]:
                msg = (
                    f"action {a} is not available in state {self._s} "
                    f"(see info['action_mask'])."
                )
                raise MDPError(msg)
            u = self.np_random.random(1)
            z = self.np_random.standard_normal(1) if self._sampler.noisy else None
            s2, r, term = self._sampler.step_uniform(
                np.array([self._s]), np.array([a]), u, z
            )
            self._s = int(s2[0])
            self._t += 1
            self._last_action = a
            truncated = self._max_steps is not None and self._t >= self._max_steps
            return self._s, float(r[0]), bool(term[0]), bool(truncated), self._info()

        def render(self):
            if self.render_mode != "ansi":
                return None
            names = self._model.names
            act = (
                ""
                if self._last_action is None
                else f"  ({names.actions[self._last_action]})"
            )
            w = self._world
            if w is not None and hasattr(w, "cell") and hasattr(w, "chars"):
                chars = np.array(w.chars, dtype="<U1").copy()
                r, c = w.cell(self._s)
                chars[r, c] = "@"
                return "\n".join("".join(row) for row in chars) + act + "\n"
            return f"state {self._s} ({names.states[self._s]}){act}\n"

    _CLASS.append(MDPEnv)
    return MDPEnv


def env_copies(env: Any, n: int) -> list[Any]:
    """``env`` and ``n - 1`` independent ``copy.deepcopy`` copies (one per run).

    Raises
    ------
    MDPError
        If the env cannot be deep-copied (say so rather than fail inside
        ``copy``): use one run, or an env that supports ``copy.deepcopy``.

    Examples
    --------
    >>> import gymnasium
    >>> envs = env_copies(gymnasium.make("FrozenLake-v1"), 3)
    >>> len(envs), envs[1] is envs[2]
    (3, False)
    """
    import copy

    out = [env]
    for _ in range(n - 1):
        try:
            out.append(copy.deepcopy(env))
        except Exception as exc:  # noqa: BLE001 - any failure of a user's env
            msg = (
                f"runs > 1 steps one copy of the Gymnasium env per run, but "
                f"copy.deepcopy({type(env).__name__}) failed: {type(exc).__name__}: "
                f"{exc}. Use runs=None (one run) or make the env deep-copyable."
            )
            raise MDPError(msg) from exc
    return out
