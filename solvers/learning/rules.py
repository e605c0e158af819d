r"""The learning rules as pure functions over arrays (one entry per walker).

Each returns the target :math:`y` of the update :math:`Q(s,a) \leftarrow
Q(s,a) + \alpha\,(y - Q(s,a))` (or ``V(s)``), in Sutton & Barto's symbols;
``terminated`` cuts the bootstrap (the value of a terminal state is 0).
Truncation is not termination: a truncated step still bootstraps.

Examples
--------
>>> from solvers.learning import rules
>>> q_next = np.array([[1.0, 3.0], [2.0, 0.0]])
>>> rules.q_learning_target(np.array([1.0, 1.0]), 0.5, q_next, np.array([False, True]))
array([2.5, 1. ])
>>> rules.expected_sarsa_target(np.array([0.0]), 1.0, q_next[:1], np.array([False]), 0.5)
array([2.5])
"""

from __future__ import annotations

import numpy as np

from mdp.types import BoolArray, FloatArray

from ._common import row_max as _row_max

__all__ = [
    "td_target",
    "q_learning_target",
    "sarsa_target",
    "expected_sarsa_target",
    "double_q_target",
]


def td_target(
    r: FloatArray, gamma: float, v_next: FloatArray, terminated: BoolArray
) -> FloatArray:
    r"""TD(0): :math:`y = r + \gamma V(s')` (``0`` for ``V(s')`` when terminated).

    >>> td_target(np.array([1.0]), 0.9, np.array([2.0]), np.array([False]))
    array([2.8])
    """
    return r + gamma * np.where(terminated, 0.0, v_next)


def q_learning_target(
    r: FloatArray, gamma: float, q_next: FloatArray, terminated: BoolArray
) -> FloatArray:
    r"""Q-learning: :math:`y = r + \gamma \max_{a'} Q(s', a')`; ``q_next [n, A]``.

    >>> q_learning_target(np.array([0.0]), 1.0, np.array([[1.0, 2.0]]), np.array([False]))
    array([2.])
    """
    return td_target(r, gamma, _row_max(q_next), terminated)


def sarsa_target(
    r: FloatArray, gamma: float, q_next_a: FloatArray, terminated: BoolArray
) -> FloatArray:
    r"""SARSA: :math:`y = r + \gamma Q(s', a')` with ``a'`` the next action taken.

    >>> sarsa_target(np.array([1.0]), 0.5, np.array([4.0]), np.array([True]))
    array([1.])
    """
    return td_target(r, gamma, q_next_a, terminated)


def expected_sarsa_target(
    r: FloatArray,
    gamma: float,
    q_next: FloatArray,
    terminated: BoolArray,
    epsilon: FloatArray | float,
    available: BoolArray | None = None,
) -> FloatArray:
    r"""Expected SARSA under ε-greedy: :math:`y = r + \gamma \sum_{a'} \pi(a'|s') Q(s',a')`.

    With ε-greedy :math:`\pi`, :math:`\sum_{a'} \pi(a'|s') Q(s', a') =
    \varepsilon\, \overline{Q}(s') + (1 - \varepsilon) \max_{a'} Q(s', a')`,
    :math:`\overline{Q}` the mean over available actions (ties for the max
    share the greedy mass but have the same value).  ``epsilon = 0`` gives
    Q-learning's target exactly.

    >>> expected_sarsa_target(np.array([0.0]), 1.0, np.array([[0.0, 2.0]]), np.array([False]), 0.0)
    array([2.])
    """
    best = _row_max(q_next)
    if available is None:
        mean = q_next.mean(axis=1)
    else:
        mean = np.where(available, q_next, 0.0).sum(axis=1) / available.sum(axis=1)
    eps = np.asarray(epsilon, dtype=np.float64)
    v = np.where(eps > 0, eps * mean + (1.0 - eps) * best, best)
    return td_target(r, gamma, v, terminated)


def double_q_target(
    r: FloatArray,
    gamma: float,
    q_eval_next: FloatArray,
    a_star: np.ndarray,
    terminated: BoolArray,
) -> FloatArray:
    r"""Double Q-learning: :math:`y = r + \gamma Q_B(s', \arg\max_{a'} Q_A(s', a'))`.

    ``q_eval_next [n, A]`` is the other table's row at ``s'`` and ``a_star``
    the maximiser of this table's row.

    >>> double_q_target(np.array([0.0]), 1.0, np.array([[5.0, 1.0]]), np.array([1]), np.array([False]))
    array([1.])
    """
    v = q_eval_next[np.arange(len(a_star)), a_star]
    return td_target(r, gamma, v, terminated)
