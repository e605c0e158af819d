r"""How an agent moves on a grid: the cell kinds, the moves, slips, wind and
the compiled tables ``P (S*A, S)`` and ``R(s, a, s')``.

The functions here trust their inputs; :class:`worlds.grid.GridWorld`
checks the map and the arguments and calls them.  One transition from cell
``x`` with action ``a`` (see :class:`~worlds.grid.GridWorld` for the rules):
a jump cell goes to its target; otherwise a move ``m ~ K(. | a)`` is drawn
(:func:`slip_kernel`), ``y = x + delta(m)`` unless blocked (:func:`step`),
``y`` is pushed by the wind of ``x``'s column (:func:`push`), and a step
into a cliff lands on a start cell.  :func:`transition_tables` does this
for every state and action at once.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from mdp.types import BoolArray, FloatArray, IntArray

#: Cell kinds, in the order of their integer codes.
KINDS: tuple[str, ...] = ("floor", "wall", "start", "goal", "hole", "cliff", "jump")
_FLOOR, _WALL, _START, _GOAL, _HOLE, _CLIFF, _JUMP = range(len(KINDS))

#: Every move by name: ``(drow, dcol)``, row 0 at the top.
MOVES: dict[str, tuple[int, int]] = {
    "UP": (-1, 0),
    "UP_RIGHT": (-1, 1),
    "RIGHT": (0, 1),
    "DOWN_RIGHT": (1, 1),
    "DOWN": (1, 0),
    "DOWN_LEFT": (1, -1),
    "LEFT": (0, -1),
    "UP_LEFT": (-1, -1),
    "STAY": (0, 0),
}


def slip_kernel(deltas: IntArray, slip: float, mode: str) -> FloatArray:
    """``K [A, A]``: ``K[a, m]`` = probability that action ``a`` executes move ``m``.

    ``mode="perpendicular"``: ``1 - slip`` on the intended move and
    ``slip / 2`` on each move at +-90 degrees (both must be among the
    moves; STAY never slips).  ``mode="uniform"``: ``1 - slip + slip / A``
    on the intended move and ``slip / A`` on every other one.

    Examples
    --------
    >>> import numpy as np
    >>> lrdu = np.array([MOVES[n] for n in ("LEFT", "DOWN", "RIGHT", "UP")])
    >>> print(np.round(slip_kernel(lrdu, 2 / 3, "perpendicular"), 3))
    [[0.333 0.333 0.    0.333]
     [0.333 0.333 0.333 0.   ]
     [0.    0.333 0.333 0.333]
     [0.333 0.    0.333 0.333]]
    """
    A = deltas.shape[0]
    if mode == "uniform":
        return (1.0 - slip) * np.eye(A) + slip / A
    K = np.eye(A) * (1.0 - slip)
    lookup = {tuple(d): i for i, d in enumerate(deltas.tolist())}
    for a, (dr, dc) in enumerate(deltas.tolist()):
        if dr == 0 and dc == 0:  # STAY never slips
            K[a, a] = 1.0
            continue
        # the two moves at +-90 degrees: (dr, dc) -> (dc, -dr) and (-dc, dr)
        K[a, lookup[(dc, -dr)]] += slip / 2.0
        K[a, lookup[(-dc, dr)]] += slip / 2.0
    return K


def step(rc: IntArray, delta: IntArray, walls: BoolArray) -> tuple[IntArray, BoolArray]:
    """Cells reached by one move from ``rc [n, 2]``; blocked moves stay (bump).

    Returns the cells ``[n, 2]`` and whether each move bumped ``[n]`` (STAY
    never bumps).

    Examples
    --------
    >>> import numpy as np
    >>> walls = np.array([[False, True], [False, False]])
    >>> y, bumped = step(np.array([[0, 0], [1, 0]]), np.array(MOVES["RIGHT"]), walls)
    >>> y.tolist(), bumped.tolist()
    ([[0, 0], [1, 1]], [True, False])
    """
    nrow, ncol = walls.shape
    y = rc + delta
    inside = (y[:, 0] >= 0) & (y[:, 0] < nrow) & (y[:, 1] >= 0) & (y[:, 1] < ncol)
    ok = inside.copy()
    ok[inside] = ~walls[y[inside, 0], y[inside, 1]]
    out = np.where(ok[:, None], y, rc)
    bumped = ~ok if (delta != 0).any() else np.zeros(rc.shape[0], dtype=bool)
    return out, bumped


def push(y: IntArray, w: IntArray, walls: BoolArray) -> IntArray:
    """Push cells ``y [n, 2]`` up by ``w [n]`` cells (down if negative), one
    cell at a time, stopping at a wall or the edge.

    Examples
    --------
    >>> import numpy as np
    >>> walls = np.zeros((4, 1), dtype=bool)
    >>> walls[0, 0] = True
    >>> push(np.array([[3, 0], [3, 0], [1, 0]]), np.array([2, 9, -1]), walls).tolist()
    [[1, 0], [1, 0], [2, 0]]
    """
    y = y.copy()
    nrow = walls.shape[0]
    step = -np.sign(w)
    left = np.abs(w)
    for _ in range(int(left.max(initial=0))):
        active = left > 0
        r_new = y[:, 0] + step
        ok = active & (r_new >= 0) & (r_new < nrow)
        ok[ok] = ~walls[r_new[ok], y[ok, 1]]
        y[ok, 0] = r_new[ok]
        left = np.where(ok, left - 1, 0)
    return y


def transition_tables(
    kind_code: np.ndarray,
    index: IntArray,
    cells: IntArray,
    deltas: IntArray,
    K: FloatArray,
    wind_v: IntArray,
    wind_p: FloatArray,
    enter: FloatArray,
    rw: dict[str, float],
    p0: FloatArray,
    jump_target: IntArray,
    jump_reward: FloatArray,
) -> tuple[sp.csr_array, sp.csr_array]:
    """Transition ``P (S*A, S)`` and reward ``R(s,a,s')`` on its pattern.

    Parameters
    ----------
    kind_code : int8 (nrow, ncol)
        Kind code of every cell (indices into :data:`KINDS`).
    index : int (nrow, ncol)
        State of every cell, ``-1`` on walls.
    cells : int (S, 2)
        ``(row, col)`` of every state.
    deltas : int (A, 2)
        ``(drow, dcol)`` of every move.
    K : float (A, A)
        Slip kernel, ``K[a, m]`` = probability that action ``a`` executes move
        ``m`` (:func:`slip_kernel`).
    wind_v, wind_p : (ncol, k)
        Per column, the possible upward pushes and their probabilities.
    enter : float (nrow, ncol)
        Reward for entering each cell (the whole reward of a cliff cell).
    rw : dict
        ``step_reward`` and ``bump_reward``.
    p0 : float (S,)
        Start distribution (where a fall off a cliff lands).
    jump_target, jump_reward : (S,)
        Target state of a jump cell (-1 elsewhere) and its reward.

    Notes
    -----
    One numpy pass per (move, wind outcome) over all moving states; outcomes
    with the same ``(s, a, s')`` are merged, their probabilities added and
    their rewards averaged with the probabilities as weights, so ``r(s, a)``
    is exact.
    """
    S, A = cells.shape[0], K.shape[0]
    kind_s = kind_code[cells[:, 0], cells[:, 1]]
    enter_s = enter[cells[:, 0], cells[:, 1]]
    walls = kind_code == _WALL
    # states whose rows follow the move dynamics (not terminal, not jump)
    moving = ~np.isin(kind_s, (_GOAL, _HOLE, _JUMP))
    src = np.flatnonzero(moving)
    rc = cells[src]
    col = rc[:, 1]
    start_states = np.flatnonzero(p0 > 0)
    start_p = p0[start_states]

    # landing cell of every (move m, wind outcome k) from every source
    n_k = wind_p.shape[1]
    landings: dict[tuple[int, int], tuple[IntArray, BoolArray]] = {}
    for m in range(A):
        if not K[:, m].any():
            continue
        y, bumped = step(rc, deltas[m], walls)
        for k in range(n_k):
            if not wind_p[col, k].any():
                continue
            yk = push(y, wind_v[col, k], walls)
            landings[m, k] = (index[yk[:, 0], yk[:, 1]], bumped)

    parts_row, parts_dst, parts_p, parts_r = [], [], [], []
    for a in range(A):
        for (m, k), (dst, bumped) in landings.items():
            if not K[a, m]:
                continue
            prob = K[a, m] * wind_p[col, k]
            # R(x, a, y) = r_step + r_bump [bumped] + r_enter(y) [y != x]
            rew = (
                rw["step_reward"]
                + rw["bump_reward"] * bumped
                + enter_s[dst] * (dst != src)
            )
            parts_row.append(src * A + a)
            parts_dst.append(dst)
            parts_p.append(prob)
            parts_r.append(rew)
    row = np.concatenate(parts_row) if parts_row else np.zeros(0, np.intp)
    dst = np.concatenate(parts_dst) if parts_dst else np.zeros(0, np.intp)
    prob = np.concatenate(parts_p) if parts_p else np.zeros(0)
    rew = np.concatenate(parts_r) if parts_r else np.zeros(0)

    # a step into a cliff: back to a start cell, reward cliff_reward only
    fall = kind_s[dst] == _CLIFF
    if fall.any():
        n0 = start_states.size
        f_row = np.repeat(row[fall], n0)
        f_dst = np.tile(start_states, int(fall.sum()))
        f_p = np.repeat(prob[fall], n0) * np.tile(start_p, int(fall.sum()))
        f_r = np.repeat(enter_s[dst[fall]], n0)
        keep = ~fall
        row = np.concatenate([row[keep], f_row])
        dst = np.concatenate([dst[keep], f_dst])
        prob = np.concatenate([prob[keep], f_p])
        rew = np.concatenate([rew[keep], f_r])

    # jump cells: every action goes to the target with the jump's reward
    js = np.flatnonzero(kind_s == _JUMP)
    if js.size:
        row = np.concatenate([row, (js[:, None] * A + np.arange(A)).ravel()])
        dst = np.concatenate([dst, np.repeat(jump_target[js], A)])
        prob = np.concatenate([prob, np.ones(js.size * A)])
        rew = np.concatenate([rew, np.repeat(jump_reward[js], A)])

    live = prob > 0
    row, dst, prob, rew = row[live], dst[live], prob[live], rew[live]
    # merge outcomes with the same (s, a, s'): add probabilities, and keep
    # the probability-weighted mean reward (r(s, a) stays exact)
    key = row.astype(np.int64) * S + dst
    uniq, inv = np.unique(key, return_inverse=True)
    p_sum = np.bincount(inv, weights=prob, minlength=uniq.size)
    pr_sum = np.bincount(inv, weights=prob * rew, minlength=uniq.size)
    u_row, u_dst = uniq // S, uniq % S
    P = sp.csr_array((p_sum, (u_row, u_dst)), shape=(S * A, S))
    R = sp.csr_array((pr_sum / p_sum, (u_row, u_dst)), shape=(S * A, S))
    return P, R
