"""Exceptions raised by mdpkit for invalid input.

Every error is a subclass of :class:`ValueError`, so ``except ValueError``
catches them all, and the message says what is wrong, where (state, action,
row, shape) and how to fix it.
"""

from __future__ import annotations

__all__ = ["MDPError", "PolicyError", "ImproperPolicyError"]


class MDPError(ValueError):
    """An MDP's tables or parameters are invalid (shape, value, distribution)."""


class PolicyError(ValueError):
    """A policy array is invalid for the MDP it is used with."""


class ImproperPolicyError(MDPError):
    """With ``gamma = 1``, a policy does not reach a terminal state w.p. 1.

    The value of such a policy is undefined (the linear system
    ``(I - P_pi) V = r_pi`` is singular); the message names the states.
    """


# shown as ``mdp.MDPError`` in tracebacks: the public name, not the module
for _cls in (MDPError, PolicyError, ImproperPolicyError):
    _cls.__module__ = "mdp"
del _cls
