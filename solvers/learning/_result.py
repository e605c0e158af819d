"""Results of the learners (frozen, named fields, short repr)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, cast

import numpy as np

__all__ = ["LearningResult", "PredictionResult"]


def _short(value: Any) -> str:
    """A one-line summary: arrays by dtype and shape, also inside dicts and
    long tuples or lists (the planning family's Dyna puts arrays in ``info``).

    >>> _short({"a": np.zeros((3, 2)), "b": 0.123456, "c": tuple(range(100))})
    '{a: <float64 array (3, 2)>, b: 0.1235, c: (0, 1, 2, ..., 99) (100 items)}'
    """
    if isinstance(value, np.ndarray):
        return f"<{value.dtype} array {value.shape}>"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list)):
        o, c = "()" if isinstance(value, tuple) else "[]"
        if len(value) > 6:
            head = ", ".join(_short(v) for v in value[:3])
            return f"{o}{head}, ..., {_short(value[-1])}{c} ({len(value)} items)"
        return (
            o
            + ", ".join(_short(v) for v in value)
            + ("," if len(value) == 1 and o == "(" else "")
            + c
        )
    return repr(value)


class _ShortRepr:
    def __repr__(self) -> str:
        parts = [
            f"{f.name}={_short(getattr(self, f.name))}"
            for f in fields(cast(Any, self))
            if f.repr
        ]
        return f"{type(self).__name__}(" + ", ".join(parts) + ")"


@dataclass(frozen=True, repr=False)
class LearningResult(_ShortRepr):
    """What a control learner (Q-learning, SARSA, ...) returns.

    Shapes carry a leading ``runs`` axis when the learner was called with
    ``runs=k`` (an int), and none with ``runs=None``.

    Attributes
    ----------
    Q : ndarray ([runs,] S, A)
        The learned action values; ``-inf`` on unavailable pairs.
    policy : ndarray of int ([runs,] S)
        Greedy policy of ``Q`` (ties broken uniformly at random).
    episode_returns : ndarray ([runs,] episodes)
        Undiscounted sum of the rewards of each episode (online return).
    episode_lengths : ndarray of int ([runs,] episodes)
        Steps of each episode.
    steps : int or ndarray of int (runs,)
        Environment steps taken.
    truncated : int or ndarray of int (runs,)
        Episodes cut at ``max_steps`` (or by the env's own time limit).
    elapsed : float
        Wall-clock seconds.
    method : str
        Which learner (``"q-learning"``, ``"sarsa"``, ``"sarsa(n=3)"``, ...).
    gamma : float
        Discount used in the targets.
    q_error : ndarray ([runs,] episodes) or None
        ``||Q_k - Q*||_inf`` after episode ``k`` over the available pairs of
        the states reachable from the start (env an MDP; ``Q*`` solved once by
        policy iteration).  States no policy reaches, such as the cliff
        cells of cliff walking, are never visited and are left out.
    eval_episodes : ndarray of int (E,) or None
        Episodes after which the greedy policy was evaluated exactly
        (``eval_every``, ``2 eval_every``, ...).
    greedy_value : ndarray ([runs,] E) or None
        ``J(pi_k) = p0 . V^{pi_k}`` of the greedy policy ``pi_k`` (uniform over
        tied maximisers); ``nan`` when ``gamma = 1`` and ``pi_k`` is improper
        from the start (does not reach a terminal state with probability 1).
    regret : ndarray ([runs,] E) or None
        ``p0 . (V* - V^{pi_k})``; ``inf`` for an improper ``pi_k``.
    V_star : ndarray (S,) or None
        ``V*`` of the MDP (the reference of ``q_error`` and ``regret``).
    visits : ndarray of int ([runs,] S, A) or None
        ``n(s, a)``: how often each pair was taken (one int table per run).
    info : dict
        Learner details (``n``, schedules, ``max_steps``).

    Examples
    --------
    >>> from worlds import make
    >>> from solvers import q_learning
    >>> res = q_learning(make("random-walk").mdp, episodes=5, alpha=0.5, epsilon=0.1, seed=0)
    >>> res.Q.shape, res.episode_returns.shape, res.q_error.shape
    ((7, 1), (5,), (5,))
    """

    Q: np.ndarray
    policy: np.ndarray
    episode_returns: np.ndarray
    episode_lengths: np.ndarray
    steps: Any
    truncated: Any
    elapsed: float
    method: str
    gamma: float
    q_error: np.ndarray | None = None
    eval_episodes: np.ndarray | None = None
    greedy_value: np.ndarray | None = None
    regret: np.ndarray | None = None
    V_star: np.ndarray | None = field(default=None, repr=False)
    visits: np.ndarray | None = field(default=None, repr=False)
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, repr=False)
class PredictionResult(_ShortRepr):
    """What a prediction learner (Monte Carlo, TD) returns.

    Attributes
    ----------
    V : ndarray ([runs,] S)
        The learned state values; 0 on terminal states.
    rms_error : ndarray ([runs,] episodes) or None
        After each episode, ``sqrt(mean_s (V_k(s) - V^pi(s))^2)`` over the
        non-terminal states (env an MDP; ``V^pi`` solved once exactly).
    episode_returns : ndarray ([runs,] episodes)
        Undiscounted reward sum of each episode.
    episode_lengths : ndarray of int ([runs,] episodes)
    steps : int or ndarray of int (runs,)
    truncated : int or ndarray of int (runs,)
    elapsed : float
    method : str
    gamma : float
    V_pi : ndarray (S,) or None
        The exact ``V^pi`` (env an MDP).
    info : dict

    Examples
    --------
    >>> from worlds import make
    >>> from solvers import td_evaluation
    >>> res = td_evaluation(make("random-walk").mdp, [0] * 7, episodes=3, alpha=0.1, seed=0)
    >>> res.V.shape, res.rms_error.shape
    ((7,), (3,))
    """

    V: np.ndarray
    rms_error: np.ndarray | None
    episode_returns: np.ndarray
    episode_lengths: np.ndarray
    steps: Any
    truncated: Any
    elapsed: float
    method: str
    gamma: float
    V_pi: np.ndarray | None = field(default=None, repr=False)
    info: dict[str, Any] = field(default_factory=dict)
