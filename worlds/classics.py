r"""The classic non-grid problems of the textbooks and papers, as :class:`World`.

Each factory builds the exact tables of one problem (vectorised, no Python
loop over states), documents its source, its conventions and its parameters,
and returns a frozen :class:`World` holding the :class:`mdp.MDP` together with
what a plot needs (a position per state, or the 2-D shape of the state grid).

==============================  =============================================
factory                         source
==============================  =============================================
:func:`random_walk`             Sutton & Barto (2018), Examples 6.2 and 7.1
:func:`gamblers_problem`        Sutton & Barto (2018), Example 4.3
:func:`jacks_car_rental`        Sutton & Barto (2018), Example 4.2
:func:`forest`                  pymdptoolbox ``example.forest`` (Cros 2015)
:func:`river_swim`              Strehl & Littman (2008), Figure 1
:func:`garnet_world`            Archibald, McKinnon & Thomas (1995)
==============================  =============================================

Conventions (those of :mod:`mdp`): ``P (S*A, S)`` with row ``s*A + a``;
terminal states are absorbing with value 0 and a reward for reaching one is
paid on the transition into it, ``R(s, a, s')``; state-dependent action sets
are an ``action_mask [S, A]``.

References
----------
R. S. Sutton and A. G. Barto, *Reinforcement Learning: An Introduction*,
2nd ed., MIT Press, 2018.
A. L. Strehl and M. L. Littman, "An analysis of model-based Interval
Estimation for Markov decision processes", Journal of Computer and System
Sciences 74(8) (2008) 1309-1331.
S. Cros, "pymdptoolbox: Markov Decision Process (MDP) Toolbox for Python",
``mdptoolbox.example.forest``, 2015.
T. Archibald, K. McKinnon, L. Thomas, "On the generation of Markov decision
processes", J. Operational Research Society 46 (1995).
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy import special

from mdp import MDP, MDPError
from mdp.types import FloatArray, RNGLike

from .random_mdps import garnet

__all__ = [
    "World",
    "WorldError",
    "random_walk",
    "gamblers_problem",
    "jacks_car_rental",
    "forest",
    "river_swim",
    "garnet_world",
]


class WorldError(MDPError):
    """A world's name or parameters are invalid (a :class:`ValueError`)."""


@dataclass(frozen=True, eq=False)
class World:
    """A named problem: its :class:`mdp.MDP` plus what describes and plots it.

    Attributes
    ----------
    name : str
        Catalogue name, e.g. ``"gamblers-problem"``.
    mdp : MDP
        The tables.
    description : str
        One line.
    params : dict
        The parameters the world was built with (every argument of its
        factory, defaults included).
    source : str
        Where the problem comes from (book section or paper).
    x : ndarray (S,) or None
        A position per state for a 1-D value plot (the capital of the
        gambler, the position of the random walk), read-only.
    x_label : str
        Axis label for ``x``.
    grid_shape : tuple of int or None
        ``(n0, n1)`` when the states form a 2-D grid in row-major order, so
        that ``V.reshape(grid_shape)`` is a picture (Jack's car rental).
    grid_labels : tuple of str or None
        Axis labels of ``grid_shape`` (rows, then columns).

    Examples
    --------
    >>> w = random_walk()
    >>> w.name, w.n_states, w.n_actions, w.gamma
    ('random-walk', 7, 1, 1.0)
    >>> w.state_labels
    ('left end', 'A', 'B', 'C', 'D', 'E', 'right end')
    """

    name: str
    mdp: MDP
    description: str
    params: dict[str, Any]
    source: str
    x: FloatArray | None = field(default=None, repr=False)
    x_label: str = ""
    grid_shape: tuple[int, int] | None = None
    grid_labels: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.x is not None:
            x = np.array(self.x, dtype=np.float64)
            if x.shape != (self.mdp.n_states,):
                msg = (
                    f"`x` of world {self.name!r} has shape {x.shape}; expected "
                    f"({self.mdp.n_states},), one position per state."
                )
                raise WorldError(msg)
            x.flags.writeable = False
            object.__setattr__(self, "x", x)
        if self.grid_shape is not None:
            shape = tuple(int(n) for n in self.grid_shape)
            if len(shape) != 2 or math.prod(shape) != self.mdp.n_states:
                msg = (
                    f"`grid_shape` {self.grid_shape} of world {self.name!r} does "
                    f"not hold its {self.mdp.n_states} states; give (n0, n1) with "
                    f"n0 * n1 = S."
                )
                raise WorldError(msg)
            object.__setattr__(self, "grid_shape", shape)
        object.__setattr__(self, "params", dict(self.params))

    @property
    def n_states(self) -> int:
        """Number of states ``S``."""
        return self.mdp.n_states

    @property
    def n_actions(self) -> int:
        """Number of actions ``A``."""
        return self.mdp.n_actions

    @property
    def gamma(self) -> float:
        """Discount factor of :attr:`mdp`."""
        return self.mdp.gamma

    @property
    def state_labels(self) -> tuple[str, ...]:
        """A label per state (the MDP's state names)."""
        return self.mdp.names.states

    @property
    def action_labels(self) -> tuple[str, ...]:
        """A label per action (the MDP's action names)."""
        return self.mdp.names.actions

    def __repr__(self) -> str:
        return (
            f"World(name={self.name!r}, S={self.n_states}, A={self.n_actions}, "
            f"gamma={self.gamma:g}, params={self.params!r})"
        )


# ------------------------------------------------------------ validation
def _integer(value: Any, name: str, lo: int, hi: int | None = None) -> int:
    """``value`` as an int in ``lo..hi``, or a WorldError naming ``name``."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok and isinstance(value, (float, np.floating)) and float(value).is_integer():
        ok = True
    if ok and lo <= int(value) and (hi is None or int(value) <= hi):
        return int(value)
    want = f"an integer >= {lo}" if hi is None else f"an integer in {lo}..{hi}"
    msg = f"`{name}` must be {want}; got {value!r}."
    raise WorldError(msg)


def _real(value: Any, name: str, lo: float = -math.inf, hi: float = math.inf) -> float:
    """``value`` as a finite float in ``[lo, hi]``, or a WorldError."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        msg = f"`{name}` must be a number; got {value!r}."
        raise WorldError(msg) from exc
    if not (math.isfinite(v) and lo <= v <= hi):
        if math.isinf(lo) and math.isinf(hi):
            want = "a finite number"
        elif math.isinf(hi):
            want = f"a finite number >= {lo:g}"
        else:
            want = f"a number in [{lo:g}, {hi:g}]"
        msg = f"`{name}` must be {want}; got {value!r}."
        raise WorldError(msg)
    return v


def _gamma(value: Any, hi_open: bool = False) -> float:
    g = _real(value, "gamma", 0.0, 1.0)
    if hi_open and g == 1.0:
        msg = (
            "`gamma` must be < 1 for this continuing task (it has no terminal "
            "state, so undiscounted returns are infinite); got 1.0."
        )
        raise WorldError(msg)
    return g


# ----------------------------------------------------------- random walk
def random_walk(
    n_states: int = 5,
    gamma: float = 1.0,
    left_reward: float = 0.0,
    right_reward: float = 1.0,
) -> World:
    r"""The random walk of Sutton & Barto, Example 6.2 (and 7.1 with 19 states).

    A Markov reward process written as an MDP with one action: from each of
    ``n`` non-terminal states in a row the walk steps left or right with
    probability 1/2 each, starting in the middle state; it ends when it leaves
    the row on either side.

    Parameters
    ----------
    n_states : int
        Number ``n`` of non-terminal states, odd so that there is a middle
        start state.  5 in Example 6.2 (states A..E), 19 in Example 7.1.
    gamma : float
        Discount factor (1 in the book).
    left_reward, right_reward : float
        Reward for leaving on the left / on the right, paid on the transition
        into the end state.  Example 6.2: 0 and +1; Example 7.1 (19 states):
        -1 and +1, i.e. ``random_walk(19, left_reward=-1.0)`` (catalogue
        name ``"random-walk-19"``).

    Returns
    -------
    World
        ``S = n + 2`` states with ``x`` = position ``0..n+1``.

    Raises
    ------
    WorldError
        If ``n_states`` is not an odd integer >= 1 or a reward is not finite.

    Notes
    -----
    **States.** ``0`` is the left end (terminal), ``1..n`` the non-terminal
    states (named ``A, B, ...`` when ``n <= 26``, else ``1..n``), ``n + 1``
    the right end (terminal).

    **Actions.** One, ``"step"``: ``P(s-1|s) = P(s+1|s) = 1/2``.

    **Rewards.** ``left_reward`` on entering state 0, ``right_reward`` on
    entering state ``n + 1``, 0 otherwise.

    **Start.** The middle state ``(n + 1) / 2`` (C for ``n = 5``).

    **Episode end.** On reaching either end.

    With ``gamma = 1`` the true values are linear in the position,
    ``v(i) = left + (right - left) i / (n + 1)``: 1/6, ..., 5/6 in Example 6.2
    and ``-1 + 2 i / 20`` in Example 7.1.

    References
    ----------
    Sutton & Barto (2018), Example 6.2 (p. 125) and Example 7.1 (p. 144).

    Examples
    --------
    >>> from solvers import evaluate_policy
    >>> w = random_walk()
    >>> V = evaluate_policy(w.mdp, np.zeros(w.n_states, dtype=int))
    >>> np.round(V[1:-1] * 6, 6)
    array([1., 2., 3., 4., 5.])
    """
    n = _integer(n_states, "n_states", 1)
    if n % 2 == 0:
        msg = (
            f"`n_states` must be odd so that the walk can start in the middle "
            f"state; got {n}. Use 5 (Example 6.2) or 19 (Example 7.1)."
        )
        raise WorldError(msg)
    g = _gamma(gamma)
    r_left = _real(left_reward, "left_reward")
    r_right = _real(right_reward, "right_reward")
    S = n + 2
    inner = np.arange(1, n + 1)
    rows = np.concatenate([inner, inner])  # A = 1, so row s*A + a = s
    cols = np.concatenate([inner - 1, inner + 1])
    P = sp.csr_array((np.full(2 * n, 0.5), (rows, cols)), shape=(S, S))
    # R(s, a, s'): paid on the transition into an end
    R_vals = np.where(cols == 0, r_left, np.where(cols == S - 1, r_right, 0.0))
    R = sp.csr_array((R_vals, (rows, cols)), shape=(S, S))
    p0 = np.zeros(S)
    p0[(n + 1) // 2] = 1.0
    if n <= 26:
        inner_names = list(string.ascii_uppercase[:n])
    else:
        inner_names = [str(i) for i in inner]
    m = MDP(
        P,
        R,
        g,
        p0=p0,
        terminal=[0, S - 1],
        state_names=["left end", *inner_names, "right end"],
        action_names=["step"],
    )
    return World(
        name="random-walk",
        mdp=m,
        description=(
            f"Sutton & Barto Ex. 6.2/7.1: {n}-state random walk, "
            f"{r_left:g} / {r_right:g} for exiting left / right."
        ),
        params={
            "n_states": n,
            "gamma": g,
            "left_reward": r_left,
            "right_reward": r_right,
        },
        source="Sutton & Barto (2018), Example 6.2; Example 7.1 for 19 states",
        x=np.arange(S, dtype=np.float64),
        x_label="position (0 = left end)",
    )


# ------------------------------------------------------ gambler's problem
def gamblers_problem(p_h: float = 0.4, goal: int = 100, gamma: float = 1.0) -> World:
    r"""The gambler's problem of Sutton & Barto, Example 4.3.

    A gambler bets on coin flips: heads (probability ``p_h``) wins as many
    dollars as were staked, tails loses the stake.  The game ends when the
    gambler reaches ``goal`` dollars (reward +1) or runs out of money.

    Parameters
    ----------
    p_h : float
        Probability of heads, in ``[0, 1]`` (0.4 in Figure 4.3).
    goal : int
        Capital that wins, at least 2 (100 in the book).
    gamma : float
        Discount factor (1 in the book, so ``v*(s)`` is the probability of
        winning from capital ``s``).

    Returns
    -------
    World
        ``S = goal + 1`` states with ``x`` = capital.

    Raises
    ------
    WorldError
        If ``p_h`` is not in ``[0, 1]`` or ``goal`` is not an integer >= 2.

    Notes
    -----
    **States.** The capital ``s = 0..goal``; ``0`` and ``goal`` are
    terminal.

    **Actions.** ``A = goal // 2``; action ``a`` stakes ``k = a + 1``
    dollars and is available when ``k <= min(s, goal - s)`` (the
    ``action_mask``).  Terminal states have action 0 only.  The book also
    allows a stake of 0; it never helps (with ``gamma = 1`` it only wastes a
    step, with ``gamma < 1`` it loses value) and it makes ``gamma = 1``
    policies improper, so it is left out.

    **Transitions.** ``P(s + k | s, a) = p_h``, ``P(s - k | s, a) = 1 - p_h``.

    **Rewards.** +1 on the transition into ``goal``, 0 otherwise.

    **Episode end.** On reaching 0 or ``goal``.

    For ``p_h < 1/2`` bold play (stake ``min(s, goal - s)``) is optimal
    (Dubins & Savage), giving e.g. ``v*(50) = p_h``, ``v*(25) = p_h^2`` and
    ``v*(75) = p_h + (1 - p_h) p_h`` for ``goal = 100``; many states have
    several optimal stakes (the ties in the book's Figure 4.3).  For
    ``p_h = 1/2`` every policy wins with probability ``s / goal``.

    References
    ----------
    Sutton & Barto (2018), Example 4.3 and Figure 4.3 (p. 84).
    L. E. Dubins and L. J. Savage, *How to Gamble If You Must*, 1965.

    Examples
    --------
    >>> from solvers import value_iteration
    >>> w = gamblers_problem()
    >>> w.n_states, w.n_actions
    (101, 50)
    >>> V = value_iteration(w.mdp, tol=1e-12).V
    >>> np.round(V[[25, 50, 75]], 4)
    array([0.16, 0.4 , 0.64])
    """
    p = _real(p_h, "p_h", 0.0, 1.0)
    N = _integer(goal, "goal", 2)
    g = _gamma(gamma)
    S, A = N + 1, N // 2
    s = np.arange(S)[:, None]
    stake = np.arange(1, A + 1)[None, :]
    mask = stake <= np.minimum(s, N - s)  # (S, A)
    mask[[0, N], 0] = True  # terminal states: one (absorbing) action
    live = mask.copy()
    live[[0, N], :] = False
    s_idx, a_idx = np.nonzero(live)
    k = a_idx + 1
    rows = np.concatenate([s_idx * A + a_idx] * 2)
    cols = np.concatenate([s_idx + k, s_idx - k])
    probs = np.concatenate([np.full(k.size, p), np.full(k.size, 1.0 - p)])
    P = sp.csr_array((probs, (rows, cols)), shape=(S * A, S))
    # R(s, a, s') = 1 on entering the goal
    R = sp.csr_array(((cols == N).astype(np.float64), (rows, cols)), shape=(S * A, S))
    m = MDP(
        P,
        R,
        g,
        terminal=[0, N],
        action_mask=mask,
        state_names=[str(i) for i in range(S)],
        action_names=[f"stake {i}" for i in range(1, A + 1)],
    )
    return World(
        name="gamblers-problem",
        mdp=m,
        description=(
            f"Sutton & Barto Ex. 4.3: bet on coin flips (p_h = {p:g}) to reach "
            f"${N}; +1 on reaching it."
        ),
        params={"p_h": p, "goal": N, "gamma": g},
        source="Sutton & Barto (2018), Example 4.3",
        x=np.arange(S, dtype=np.float64),
        x_label="capital",
    )


# ----------------------------------------------------- Jack's car rental
def _location_kernel(
    lam_req: float, lam_ret: float, n_max: int
) -> tuple[FloatArray, FloatArray]:
    """One location's overnight kernel ``T [m, n']`` and expected rentals ``[m]``.

    ``m`` cars in the morning (after moving), ``n'`` the next morning:
    rentals ``min(req, m)`` with ``req ~ Poisson(lam_req)``, then
    ``ret ~ Poisson(lam_ret)`` returns, capped at ``n_max``.
    """
    n = np.arange(n_max + 1)
    pmf_req = _poisson_pmf(n, lam_req)
    # E[min(req, m)] = sum_{j < m} P(req > j)
    expected_rentals = np.concatenate([[0.0], np.cumsum(_poisson_sf(n[:-1], lam_req))])
    m, c = n[:, None], n[None, :]
    # after renting, c = m - min(req, m) cars are left: P(c) = pmf(m - c) for
    # 0 < c <= m, and c = 0 takes the tail P(req >= m)
    rent = np.where((c > 0) & (c <= m), pmf_req[np.clip(m - c, 0, n_max)], 0.0)
    rent[:, 0] = _poisson_sf(n - 1, lam_req)
    # returns: n' = min(c + ret, n_max); the cap collects the tail P(ret >= n_max - c)
    c, n_next = n[:, None], n[None, :]
    pmf_ret = _poisson_pmf(n, lam_ret)
    ret = np.where(n_next >= c, pmf_ret[np.clip(n_next - c, 0, n_max)], 0.0)
    ret[:, n_max] = _poisson_sf(n_max - n - 1, lam_ret)
    return rent @ ret, expected_rentals


def _pair(value: Any, name: str) -> tuple[float, float]:
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2:
        msg = (
            f"`{name}` must be a pair (location 1, location 2) of Poisson "
            f"means; got {value!r}."
        )
        raise WorldError(msg)
    return (
        _real(pair[0], f"{name}[0]", 0.0),
        _real(pair[1], f"{name}[1]", 0.0),
    )


def jacks_car_rental(
    max_cars: int = 20,
    max_move: int = 5,
    rent: float = 10.0,
    move_cost: float = 2.0,
    lam_req: tuple[float, float] = (3.0, 4.0),
    lam_ret: tuple[float, float] = (3.0, 2.0),
    gamma: float = 0.9,
) -> World:
    r"""Jack's car rental of Sutton & Barto, Example 4.2, with exact Poisson tables.

    Jack manages two locations of a car rental.  Each day customers ask for
    cars at each location (Poisson, means ``lam_req``); each car rented
    earns ``rent``, and a request with no car left is lost.  Returned cars
    (Poisson, means ``lam_ret``) can be rented from the next day.
    Overnight Jack moves up to ``max_move`` cars between the locations at
    ``move_cost`` each.

    Parameters
    ----------
    max_cars : int
        Capacity of each location (20); cars beyond it are returned to the
        company and disappear from the problem.
    max_move : int
        Most cars moved in one night (5).
    rent : float
        Credit per car rented ($10).
    move_cost : float
        Cost per car moved ($2).
    lam_req, lam_ret : pair of float
        Poisson means of requests ``(3, 4)`` and returns ``(3, 2)`` at
        locations 1 and 2.
    gamma : float
        Discount factor (0.9), below 1: the task is continuing.

    Returns
    -------
    World
        ``S = (max_cars + 1)^2`` states, ``A = 2 max_move + 1`` actions;
        ``grid_shape = (max_cars + 1, max_cars + 1)`` so ``V.reshape`` gives
        the value surface of the book's Figure 4.2 (rows: location 1).

    Raises
    ------
    WorldError
        For a negative or non-integer count, a negative Poisson mean, or
        ``gamma`` outside ``[0, 1)``.

    Notes
    -----
    **States.** ``(n1, n2)`` cars at the end of the day, index
    ``n1 * (max_cars + 1) + n2``.

    **Actions.** Action ``a`` moves ``k = a - max_move`` cars from location 1
    to location 2 (negative: from 2 to 1), named ``"-5" .. "0" .. "+5"``; it
    is available when the source location has the cars (``k <= n1`` and
    ``-k <= n2``).  Moved cars beyond the destination's capacity are lost
    (returned to the company), so the morning counts are
    ``m1 = min(n1 - k, max_cars)`` and ``m2 = min(n2 + k, max_cars)``.

    **Transitions.** The two locations are independent given the morning
    counts: ``P((n1', n2') | m1, m2) = T1[m1, n1'] T2[m2, n2']``, with
    ``T_i[m, n'] = P(min(m - min(req, m) + ret, max_cars) = n')``.  The
    Poisson laws are exact: the cap at ``max_cars`` (rentals, returns) puts
    the whole tail mass on the boundary, so rows sum to 1 with no
    truncation error.

    **Rewards.** The expected reward, exactly:
    ``r(s, a) = rent (E[min(req1, m1)] + E[min(req2, m2)]) - move_cost |k|``
    with ``E[min(X, m)] = sum_{j < m} P(X > j)``.

    Solved exactly (``gamma = 0.9``): ``v*(20, 20) = 636.99`` and
    ``v*(0, 0) = 421.41``.  The book's Figure 4.2 surface spans about 420 to
    612; the common reproductions that cut the Poisson laws at 11 without
    putting the tail back lose about 0.3% of the probability mass per day,
    which acts as extra discounting (they get 617.8 and 406.0).  The optimal
    policy has the shape of the figure's ``pi_4``: ``+5`` when location 1 is
    full and location 2 nearly empty, down to ``-4`` in the opposite corner.

    References
    ----------
    Sutton & Barto (2018), Example 4.2 and Figure 4.2 (p. 81).

    Examples
    --------
    >>> from solvers import policy_iteration
    >>> w = jacks_car_rental()
    >>> w.n_states, w.n_actions, w.grid_shape
    (441, 11, (21, 21))
    >>> sol = policy_iteration(w.mdp)
    >>> V = sol.V.reshape(w.grid_shape)
    >>> round(float(V[20, 20]), 2), round(float(V[0, 0]), 2)
    (636.99, 421.41)
    >>> w.action_labels[sol.policy.reshape(w.grid_shape)[20, 0]]
    '+5'
    """
    N = _integer(max_cars, "max_cars", 1)
    K = _integer(max_move, "max_move", 0, N)
    c_rent = _real(rent, "rent")
    c_move = _real(move_cost, "move_cost")
    req = _pair(lam_req, "lam_req")
    ret = _pair(lam_ret, "lam_ret")
    g = _gamma(gamma, hi_open=True)
    n = N + 1
    T1, e1 = _location_kernel(req[0], ret[0], N)
    T2, e2 = _location_kernel(req[1], ret[1], N)
    # P((n1', n2') | m1, m2) = T1[m1, n1'] T2[m2, n2']: rows m1*n + m2
    T_post = np.kron(T1, T2)  # (S, S)
    n1 = np.repeat(np.arange(n), n)[:, None]  # state s = n1*n + n2
    n2 = np.tile(np.arange(n), n)[:, None]
    k = np.arange(-K, K + 1)[None, :]  # (1, A)
    mask = (k <= n1) & (-k <= n2)  # (S, A)
    m1 = np.clip(n1 - k, 0, N)
    m2 = np.clip(n2 + k, 0, N)
    post = m1 * n + m2  # (S, A) morning state index
    P_s_a_s = T_post[post] * mask[..., None]
    # r(s,a) = rent (E[min(req1, m1)] + E[min(req2, m2)]) - move_cost |k|
    r_s_a = np.where(mask, c_rent * (e1[m1] + e2[m2]) - c_move * np.abs(k), 0.0)
    labels = [f"{j:+d}" if j else "0" for j in range(-K, K + 1)]
    m = MDP(
        P_s_a_s,
        r_s_a,
        g,
        action_mask=mask,
        state_names=[f"({i},{j})" for i in range(n) for j in range(n)],
        action_names=labels,
    )
    return World(
        name="jacks-car-rental",
        mdp=m,
        description=(
            f"Sutton & Barto Ex. 4.2: move up to {K} cars overnight between two "
            f"rental locations of {N} cars; Poisson requests and returns."
        ),
        params={
            "max_cars": N,
            "max_move": K,
            "rent": c_rent,
            "move_cost": c_move,
            "lam_req": req,
            "lam_ret": ret,
            "gamma": g,
        },
        source="Sutton & Barto (2018), Example 4.2",
        grid_shape=(n, n),
        grid_labels=("cars at location 1", "cars at location 2"),
    )


# ------------------------------------------------------------ forest
def forest(
    S: int = 3, r1: float = 4.0, r2: float = 2.0, p: float = 0.1, gamma: float = 0.96
) -> World:
    r"""Forest management, the example problem of pymdptoolbox.

    A forest is managed with two actions each year: wait (let it grow, for
    the wildlife) or cut (sell the wood).  A fire burns it with probability
    ``p`` each year it is left standing.

    Parameters
    ----------
    S : int
        Number of age classes, at least 2.
    r1 : float
        Reward for waiting when the forest is in its oldest state.
    r2 : float
        Reward for cutting when the forest is in its oldest state.
    p : float
        Probability of fire in a year, in ``[0, 1]``.
    gamma : float
        Discount factor, below 1 (the task is continuing); 0.96 in
        pymdptoolbox's examples.

    Returns
    -------
    World
        ``S`` states, 2 actions; ``x`` = age class.

    Raises
    ------
    WorldError
        If ``S < 2``, ``p`` is not a probability or a reward is not finite.

    Notes
    -----
    **States.** Age class ``0..S-1`` of the forest (0 = youngest).

    **Actions.** ``0 = "wait"``: with probability ``p`` a fire resets the
    age to 0, otherwise it grows one class (the oldest stays oldest).
    ``1 = "cut"``: back to age 0 with probability 1.

    **Rewards** ``R(s, a)``: waiting pays ``r1`` in the oldest state and 0
    elsewhere; cutting pays 0 at age 0, 1 at ages ``1..S-2`` and ``r2`` in
    the oldest state.

    The tables equal pymdptoolbox's ``example.forest(S, r1, r2, p)``.  With
    the defaults the optimal policy is to wait everywhere, and
    ``V* = (74.65, 78.11, 82.11)``.

    References
    ----------
    S. Cros, pymdptoolbox, ``mdptoolbox.example.forest`` (2015).

    Examples
    --------
    >>> from solvers import policy_iteration
    >>> sol = policy_iteration(forest().mdp)
    >>> np.round(sol.V, 2), sol.policy
    (array([74.65, 78.11, 82.11]), array([0, 0, 0]))
    """
    n = _integer(S, "S", 2)
    rw, rc = _real(r1, "r1"), _real(r2, "r2")
    q = _real(p, "p", 0.0, 1.0)
    g = _gamma(gamma, hi_open=True)
    s = np.arange(n)
    P = np.zeros((n, 2, n))
    P[:, 0, 0] = q  # fire
    P[s, 0, np.minimum(s + 1, n - 1)] += 1.0 - q  # grow (the oldest stays)
    P[:, 1, 0] = 1.0  # cut
    R = np.zeros((n, 2))
    R[n - 1, 0] = rw
    R[1:, 1] = 1.0
    R[n - 1, 1] = rc
    m = MDP(
        P,
        R,
        g,
        state_names=[f"age {i}" for i in range(n)],
        action_names=["wait", "cut"],
    )
    return World(
        name="forest",
        mdp=m,
        description=(
            f"pymdptoolbox forest management: {n} age classes, wait or cut, "
            f"fire probability {q:g}."
        ),
        params={"S": n, "r1": rw, "r2": rc, "p": q, "gamma": g},
        source="pymdptoolbox, mdptoolbox.example.forest (Cros 2015)",
        x=s.astype(np.float64),
        x_label="age class",
    )


# -------------------------------------------------------------- RiverSwim
def river_swim(
    n_states: int = 6,
    gamma: float = 0.95,
    left_reward: float = 0.005,
    right_reward: float = 1.0,
) -> World:
    r"""RiverSwim (Strehl & Littman, 2008), a hard-exploration chain.

    A swimmer in a river of ``n`` segments can swim left, with the current
    (always succeeds, small reward at the left bank), or right, against the
    current (usually fails, but the right end pays much more).

    Parameters
    ----------
    n_states : int
        Number of states, at least 2 (6 in the paper).
    gamma : float
        Discount factor, below 1 (the task is continuing).
    left_reward : float
        Reward for swimming left in the leftmost state (5 in the paper,
        scaled here by 1/1000 as in most later work).
    right_reward : float
        Reward for swimming right in the rightmost state and staying there
        (10000 in the paper, scaled to 1).

    Returns
    -------
    World
        ``n`` states, 2 actions; ``x`` = position.

    Raises
    ------
    WorldError
        If ``n_states < 2``, a reward is not finite or ``gamma`` is not in
        ``[0, 1)``.

    Notes
    -----
    **States.** Positions ``0..n-1``, left to right.  **Start:** state 0
    (most later work; the paper starts in one of the first two states).

    **Actions.** ``0 = "left"``: to ``max(s - 1, 0)`` with probability 1.
    ``1 = "right"``, the probabilities of the paper's Figure 1:

    ==================  =======  ======  ======
    state               forward  stay    back
    ==================  =======  ======  ======
    ``0`` (left bank)   0.3      0.7     --
    ``1 .. n-2``        0.3      0.6     0.1
    ``n-1`` (right)     --       0.3     0.7
    ==================  =======  ======  ======

    **Rewards** ``R(s, a, s')``: ``left_reward`` for ``(0, left, 0)``,
    ``right_reward`` for ``(n-1, right, n-1)``; 0 otherwise.

    **Episode end.** None (continuing).

    Always swimming left is worth ``V(s) = gamma^s left_reward / (1 - gamma)``;
    at ``gamma = 0.95`` always swimming right is optimal.

    References
    ----------
    A. L. Strehl and M. L. Littman, "An analysis of model-based Interval
    Estimation for Markov decision processes", JCSS 74(8) (2008), Figure 1.
    I. Osband, D. Russo, B. Van Roy, "(More) efficient reinforcement learning
    via posterior sampling", NeurIPS 2013 (the scaled rewards).

    Examples
    --------
    >>> from solvers import value_iteration
    >>> sol = value_iteration(river_swim().mdp, tol=1e-10)
    >>> sol.policy
    array([1, 1, 1, 1, 1, 1])
    >>> np.round(sol.V, 3)
    array([0.614, 0.721, 0.884, 1.093, 1.355, 1.68 ])
    """
    n = _integer(n_states, "n_states", 2)
    g = _gamma(gamma, hi_open=True)
    r_left = _real(left_reward, "left_reward")
    r_right = _real(right_reward, "right_reward")
    s = np.arange(n)
    P = np.zeros((n, 2, n))
    P[s, 0, np.maximum(s - 1, 0)] = 1.0  # left: with the current
    interior = s[1:-1]
    P[interior, 1, interior + 1] = 0.3
    P[interior, 1, interior] = 0.6
    P[interior, 1, interior - 1] = 0.1
    P[0, 1, 1] += 0.3
    P[0, 1, 0] += 0.7
    P[n - 1, 1, n - 1] += 0.3
    P[n - 1, 1, n - 2] += 0.7
    R = np.zeros((n, 2, n))
    R[0, 0, 0] = r_left
    R[n - 1, 1, n - 1] = r_right
    p0 = np.zeros(n)
    p0[0] = 1.0
    m = MDP(
        P,
        R,
        g,
        p0=p0,
        state_names=[str(i) for i in range(n)],
        action_names=["left", "right"],
    )
    return World(
        name="river-swim",
        mdp=m,
        description=(
            f"Strehl & Littman (2008) RiverSwim: {n}-state chain, small reward "
            f"at the left bank, large one against the current on the right."
        ),
        params={
            "n_states": n,
            "gamma": g,
            "left_reward": r_left,
            "right_reward": r_right,
        },
        source="Strehl & Littman (2008), JCSS 74(8), Figure 1",
        x=s.astype(np.float64),
        x_label="position",
    )


# ----------------------------------------------------------------- Garnet
def garnet_world(
    n_states: int = 100,
    n_actions: int = 4,
    n_branch: int = 5,
    gamma: float = 0.95,
    seed: RNGLike = 0,
) -> World:
    r"""A random Garnet MDP (see :func:`worlds.random_mdps.garnet`) as a World.

    Parameters
    ----------
    n_states, n_actions : int
        ``S`` and ``A``.
    n_branch : int
        Successors of each (s, a), ``1 <= n_branch <= n_states``.
    gamma : float
        Discount factor.
    seed : int or numpy.random.Generator, optional
        The same seed gives the same MDP.

    Returns
    -------
    World

    Raises
    ------
    MDPError
        For invalid sizes (from :func:`~worlds.random_mdps.garnet`).

    References
    ----------
    Archibald, McKinnon & Thomas (1995).

    Examples
    --------
    >>> w = garnet_world(50, 3, 2, seed=1)
    >>> w.n_states, w.n_actions, w.mdp.P.nnz
    (50, 3, 300)
    >>> w.mdp == garnet_world(50, 3, 2, seed=1).mdp
    True
    """
    m = garnet(n_states, n_actions, n_branch, gamma=gamma, seed=seed)
    return World(
        name="garnet",
        mdp=m,
        description=(
            f"Garnet random MDP: {m.n_states} states, {m.n_actions} actions, "
            f"{int(n_branch)} successors per pair."
        ),
        params={
            "n_states": m.n_states,
            "n_actions": m.n_actions,
            "n_branch": int(n_branch),
            "gamma": m.gamma,
            "seed": seed,
        },
        source="Archibald, McKinnon & Thomas (1995)",
    )


def _poisson_pmf(k: np.ndarray, lam: float) -> FloatArray:
    """``P(X = k)`` for ``X ~ Poisson(lam)`` (scipy.special, not scipy.stats:
    importing scipy.stats costs ~0.3 s at every ``mdpkit`` start)."""
    k = np.asarray(k, dtype=np.float64)
    if lam == 0:
        return (k == 0).astype(np.float64)
    return np.exp(k * np.log(lam) - lam - special.gammaln(k + 1.0))


def _poisson_sf(k: np.ndarray, lam: float) -> FloatArray:
    """``P(X > k)`` for ``X ~ Poisson(lam)`` (1 for ``k < 0``)."""
    k = np.asarray(k, dtype=np.float64)
    return np.where(k < 0, 1.0, special.pdtrc(np.maximum(k, 0.0), lam))
