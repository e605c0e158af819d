r"""The short corridor with switched actions (Sutton & Barto, Example 13.1).

A world where the best *observation-based* policy is stochastic: all three
non-terminal states look alike to the agent, so a policy is one number
``p = P(right)``, and

.. math::

    J(p) = \frac{2p - 4}{p(1 - p)},

maximised at :math:`p^* = 2 - \sqrt2 \approx 0.5858` with
:math:`J(p^*) = -(6 + 4\sqrt2) \approx -11.657`.
"""

from __future__ import annotations

import numpy as np

from mdp import MDP

from .classics import World, _gamma

__all__ = ["short_corridor"]


def short_corridor(gamma: float = 1.0) -> World:
    r"""Short corridor with switched actions (Sutton & Barto, Example 13.1).

    Parameters
    ----------
    gamma : float
        Discount (1 in the book; the task is episodic).

    Returns
    -------
    World
        4 states (3 corridor cells and the goal), 2 actions; ``x`` = position.

    Notes
    -----
    **States.** ``0`` (start), ``1`` (the switched cell), ``2``, ``3`` =
    goal (terminal).  **Start:** state 0.

    **Actions.** ``0 = "left"``, ``1 = "right"``.  In states 0 and 2 they
    move as named (left in state 0 bumps into the wall and stays); in state
    1 they are reversed (right goes to 0, left goes to 2).  Right in state 2
    reaches the goal.

    **Rewards.** -1 per step.  **Observation.** The three cells look the
    same: pass ``observations=[0, 0, 0, 0]`` to
    :func:`solvers.policy_gradient` for the book's policy.

    With ``p = P(right)`` in every cell the values solve
    ``V0 = -1 + p V1 + (1-p) V0``, ``V1 = -1 + p V0 + (1-p) V2``,
    ``V2 = -1 + (1-p) V1``, which gives ``J(p) = V0 = (2p - 4) / (p (1 - p))``:
    ``J(0.05) = -82.1``, ``J(0.95) = -44.2`` (the book's epsilon-greedy
    values) and the optimum ``2 - sqrt 2``.

    References
    ----------
    R. S. Sutton and A. G. Barto, *Reinforcement Learning: An Introduction*,
    2nd ed. (2018), Example 13.1 and Figure 13.1.

    Examples
    --------
    >>> from solvers import evaluate_policy
    >>> w = short_corridor()
    >>> p = 0.05
    >>> round(float(evaluate_policy(w.mdp, [[1 - p, p]] * 4)[0]), 1)
    -82.1
    """
    g = _gamma(gamma)
    P = np.zeros((4, 2, 4))
    P[0, 0, 0] = 1.0  # left into the wall
    P[0, 1, 1] = 1.0
    P[1, 0, 2] = 1.0  # switched
    P[1, 1, 0] = 1.0
    P[2, 0, 1] = 1.0
    P[2, 1, 3] = 1.0
    R = np.full((4, 2), -1.0)
    R[3] = 0.0
    m = MDP(
        P,
        R,
        g,
        p0=[1.0, 0.0, 0.0, 0.0],
        terminal=[False, False, False, True],
        state_names=["start", "switched", "third", "goal"],
        action_names=["left", "right"],
    )
    return World(
        name="short-corridor",
        mdp=m,
        description=(
            "Sutton & Barto Ex. 13.1: short corridor with switched actions; all "
            "cells look alike, the best policy is stochastic."
        ),
        params={"gamma": g},
        source="Sutton & Barto (2018), Example 13.1",
        x=np.arange(4, dtype=np.float64),
        x_label="position",
    )
