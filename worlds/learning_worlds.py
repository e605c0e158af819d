r"""Worlds for the learning figures: maximisation bias, the bandit testbed,
blackjack and Taxi.

Each returns a :class:`~worlds.classics.World` whose ``.mdp`` holds the exact
tables (reward noise as ``reward_std``), so a learner run on it can be scored
against the exact answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mdp import MDP
from mdp.checks import as_generator

from .classics import World, WorldError, _gamma, _integer, _real

__all__ = ["maximization_bias", "bandit", "blackjack", "taxi", "BLACKJACK_TERMINALS"]


# ------------------------------------------------------------ Example 6.7
def maximization_bias(
    n_actions: int = 10, mean: float = -0.1, std: float = 1.0, gamma: float = 1.0
) -> World:
    r"""Sutton & Barto Example 6.7: the maximisation-bias MDP.

    Parameters
    ----------
    n_actions : int
        Actions in state B (10 in the book's figure; at least 2).
    mean, std : float
        Reward of every action in B: :math:`N(\text{mean}, \text{std}^2)`
        (-0.1 and 1 in the book).
    gamma : float
        Discount (1 in the book).

    Returns
    -------
    World
        States ``0`` left end (terminal), ``1`` B, ``2`` A (start), ``3`` right
        end (terminal).  Actions ``max(2, n_actions)``: in A, ``0`` "left" (to
        B, reward 0) and ``1`` "right" (to the right end, reward 0), the others
        masked; in B every action goes to the left end with the noisy reward.

    Notes
    -----
    **Episode end.** On reaching either end; ``V*(A) = 0`` (go right), since
    the mean reward after left is -0.1.  ε-greedy learners take left from A
    with probability at least ε/2 (5 % at ε = 0.1).

    References
    ----------
    Sutton & Barto (2018), Example 6.7 and Figure 6.5.

    Examples
    --------
    >>> w = maximization_bias()
    >>> w.mdp.n_states, w.mdp.n_actions, w.mdp.state_names[2]
    (4, 10, 'A')
    >>> from solvers import value_iteration
    >>> float(value_iteration(w.mdp).V[2])
    0.0
    """
    nb = _integer(n_actions, "n_actions", 2)
    mu = _real(mean, "mean")
    sd = _real(std, "std", 0.0)
    g = _gamma(gamma)
    A = max(2, nb)
    S = 4
    P = np.zeros((S, A, S))
    R = np.zeros((S, A))
    std_sa = np.zeros((S, A))
    mask = np.zeros((S, A), dtype=bool)
    mask[0] = mask[3] = True
    P[2, 0, 1] = 1.0  # A --left--> B
    P[2, 1, 3] = 1.0  # A --right--> right end
    mask[2, :2] = True
    P[1, :nb, 0] = 1.0  # B --any--> left end
    R[1, :nb] = mu
    std_sa[1, :nb] = sd
    mask[1, :nb] = True
    names = ("left", "right") + tuple(f"b{i}" for i in range(2, A))
    m = MDP(
        P,
        R,
        g,
        p0=[0, 0, 1, 0],
        terminal=[True, False, False, True],
        action_mask=mask,
        state_names=("left end", "B", "A", "right end"),
        action_names=names,
        reward_std=std_sa,
    )
    return World(
        name="maximization-bias",
        mdp=m,
        description=f"Sutton & Barto Ex. 6.7: A -> B with {nb} actions paying "
        f"N({mu:g}, {sd:g}^2), or A -> end with 0.",
        params={"n_actions": nb, "mean": mu, "std": sd, "gamma": g},
        source="Sutton & Barto (2018), Example 6.7",
        x=np.arange(S, dtype=float),
        x_label="position",
    )


# ------------------------------------------------------------ Figure 2.2
def bandit(
    n_arms: int = 10, seed: int = 0, std: float = 1.0, mean: float = 0.0
) -> World:
    r"""The k-armed testbed of Sutton & Barto section 2.3 as a one-step episodic MDP.

    Parameters
    ----------
    n_arms : int
        Number of arms ``k`` (10 in the book).
    seed : int
        Draws the true values :math:`q_*(a) \sim N(\text{mean}, 1)`; the same
        seed gives the same bandit (the book averages over 2000 bandits:
        build one world per seed).
    std : float
        Reward noise: pulling arm ``a`` pays :math:`N(q_*(a), \text{std}^2)`.
    mean : float
        Mean of the true values.

    Returns
    -------
    World
        State ``0`` (the bandit, start) and ``1`` (terminal): every arm ends
        the episode, so one episode is one pull and ``Q(0, a)`` estimates
        :math:`q_*(a)`; ``gamma = 1``.  ``params["q_star"]`` holds the true
        values.

    References
    ----------
    Sutton & Barto (2018), section 2.3 and Figure 2.2.

    Examples
    --------
    >>> w = bandit(seed=1)
    >>> w.mdp.n_states, w.mdp.n_actions
    (2, 10)
    >>> bool(np.allclose(w.mdp.r[0], w.params["q_star"]))
    True
    """
    k = _integer(n_arms, "n_arms", 1)
    sd = _real(std, "std", 0.0)
    mu = _real(mean, "mean")
    seed_i = _integer(seed, "seed", 0)
    q = as_generator(seed_i).normal(mu, 1.0, size=k)
    P = np.zeros((2, k, 2))
    P[0, :, 1] = 1.0
    R = np.zeros((2, k))
    R[0] = q
    std_sa = np.zeros((2, k))
    std_sa[0] = sd
    m = MDP(
        P,
        R,
        1.0,
        p0=[1.0, 0.0],
        terminal=[False, True],
        state_names=("bandit", "end"),
        action_names=tuple(f"arm {i}" for i in range(k)),
        reward_std=std_sa,
    )
    return World(
        name="bandit",
        mdp=m,
        description=f"Sutton & Barto Fig. 2.2: {k}-armed testbed, q*(a) ~ N({mu:g}, 1) "
        f"from seed {seed_i}, rewards N(q*(a), {sd:g}^2).",
        params={
            "n_arms": k,
            "seed": seed_i,
            "std": sd,
            "mean": mu,
            "q_star": tuple(float(x) for x in q),
        },
        source="Sutton & Barto (2018), section 2.3",
    )


# ------------------------------------------------------------ Example 5.1
#: Names of blackjack's terminal states (indices 200, 201, 202).
BLACKJACK_TERMINALS = ("win", "lose", "draw")

_CARD = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 4], dtype=float) / 13  # cards 1..10


def _blackjack_index(total: int, dealer: int, usable: int) -> int:
    return (usable * 10 + (dealer - 1)) * 10 + (total - 12)


def _dealer_final(show: int) -> np.ndarray:
    """P(dealer ends on 17, 18, 19, 20, 21, bust) given the card shown.

    The dealer draws (infinite deck) until the sum is 17 or more, counting an
    ace as 11 while that does not bust (sticks on soft 17).
    """
    out = np.zeros(6)
    # states: (hard sum with aces as 1, has ace) -> probability
    frontier = {(show, show == 1): 1.0}
    while frontier:
        nxt: dict[tuple[int, bool], float] = {}
        for (hard, ace), p in frontier.items():  # every frontier sum is < 17
            for c in range(1, 11):
                h2, a2 = hard + c, ace or c == 1
                t2 = h2 + 10 if a2 and h2 + 10 <= 21 else h2
                q = p * _CARD[c - 1]
                if t2 > 21:
                    out[5] += q
                elif t2 >= 17:
                    out[t2 - 17] += q
                else:
                    nxt[(h2, a2)] = nxt.get((h2, a2), 0.0) + q
        frontier = nxt
    return out


def _player_start() -> dict[tuple[int, int], float]:
    """Distribution of (sum, usable ace) once the player's sum reaches 12.

    Two cards are dealt, and below 12 the player always hits (it cannot bust).
    """
    start: dict[tuple[int, bool], float] = {}
    for c1 in range(1, 11):
        for c2 in range(1, 11):
            key = (c1 + c2, c1 == 1 or c2 == 1)
            start[key] = start.get(key, 0.0) + _CARD[c1 - 1] * _CARD[c2 - 1]
    done: dict[tuple[int, int], float] = {}
    frontier = start
    while frontier:
        nxt: dict[tuple[int, bool], float] = {}
        for (hard, ace), p in frontier.items():
            usable = ace and hard + 10 <= 21
            total = hard + 10 if usable else hard
            if total >= 12:
                first = (total, int(usable))
                done[first] = done.get(first, 0.0) + p
                continue
            for c in range(1, 11):
                k2 = (hard + c, ace or c == 1)
                nxt[k2] = nxt.get(k2, 0.0) + p * _CARD[c - 1]
        frontier = nxt
    return done


def blackjack(gamma: float = 1.0) -> World:
    r"""Sutton & Barto Example 5.1: blackjack with an infinite deck, exact tables.

    Parameters
    ----------
    gamma : float
        Discount (1 in the book).

    Returns
    -------
    World
        203 states: 200 decision states and the terminal states ``200`` win,
        ``201`` lose, ``202`` draw; actions ``0`` "stick", ``1`` "hit"
        (Gymnasium's order).

    Notes
    -----
    **State index.** Decision state ``(sum, dealer, usable)`` with the
    player's sum ``12..21``, the dealer's showing card ``1..10`` (1 = ace) and
    whether the player holds a usable ace (0/1) is
    ``s = (usable * 10 + dealer - 1) * 10 + sum - 12``; its name reads
    ``"sum 13, dealer 2, usable ace"``.

    **Dynamics.** Cards 1..9 each have probability 1/13, 10 (ten and faces)
    4/13 (infinite deck).  Hit: draw a card; an ace counts 11 while that does
    not bust; above 21 a usable ace becomes 1, otherwise the player busts
    (lose, -1).  Stick: the dealer draws until 17 or more (sticking on soft
    17); dealer bust or a higher player sum wins (+1), equal sums draw (0),
    else lose (-1).  Rewards are paid on entering win / lose / draw.

    **Start.** Two cards to the player, who hits automatically below 12 (no
    decision is involved there), and one showing card to the dealer: ``p0``
    is the exact distribution of the first decision state.  Naturals are
    not treated specially (a two-card 21 is an ordinary 21).

    **Check.** The policy that sticks only on 20 or 21 has, exactly,
    ``V(sum 13, dealer 2, usable ace) = -0.27720``; the book's -0.27726
    (Example 5.4) is a Monte Carlo estimate from 10^8 episodes (standard
    error about 1e-4).

    References
    ----------
    Sutton & Barto (2018), Examples 5.1 and 5.4.

    Examples
    --------
    >>> from solvers import evaluate_policy
    >>> w = blackjack()
    >>> m = w.mdp
    >>> s = m.state_names.index("sum 13, dealer 2, usable ace")
    >>> pi = np.array([0 if i < 200 and i % 10 >= 8 else 1 for i in range(203)])
    >>> print(f"{evaluate_policy(m, pi)[s]:.5f}")
    -0.27720
    """
    g = _gamma(gamma)
    S, A = 203, 2
    WIN, LOSE, DRAW = 200, 201, 202
    P = np.zeros((S, A, S))
    R = np.zeros((S, A, S))
    R[:, :, WIN] = 1.0
    R[:, :, LOSE] = -1.0
    names = []
    for usable in (0, 1):
        for dealer in range(1, 11):
            for total in range(12, 22):
                d = "A" if dealer == 1 else str(dealer)
                u = "usable ace" if usable else "no usable ace"
                names.append(f"sum {total}, dealer {d}, {u}")
    names += list(BLACKJACK_TERMINALS)
    finals = {d: _dealer_final(d) for d in range(1, 11)}
    for usable in (0, 1):
        for dealer in range(1, 11):
            fin = finals[dealer]
            for total in range(12, 22):
                s = _blackjack_index(total, dealer, usable)
                # stick: compare with the dealer's final sum (17..21 or bust)
                dealer_sums = np.arange(17, 22)
                P[s, 0, WIN] = fin[5] + fin[:5][dealer_sums < total].sum()
                P[s, 0, DRAW] = fin[:5][dealer_sums == total].sum()
                P[s, 0, LOSE] = fin[:5][dealer_sums > total].sum()
                # hit: draw one card
                for c in range(1, 11):
                    p = _CARD[c - 1]
                    t2, u2 = total + c, usable
                    if t2 > 21 and u2:
                        t2, u2 = t2 - 10, 0
                    if t2 > 21:
                        P[s, 1, LOSE] += p
                    else:
                        P[s, 1, _blackjack_index(t2, dealer, u2)] += p
    p0 = np.zeros(S)
    for (total, usable), p in _player_start().items():
        for dealer in range(1, 11):
            p0[_blackjack_index(total, dealer, usable)] += p * _CARD[dealer - 1]
    term = np.zeros(S, dtype=bool)
    term[200:] = True
    m = MDP(
        P,
        R,
        g,
        p0=p0 / p0.sum(),
        terminal=term,
        state_names=tuple(names),
        action_names=("stick", "hit"),
    )
    return World(
        name="blackjack",
        mdp=m,
        description="Sutton & Barto Ex. 5.1: blackjack, infinite deck, hit or "
        "stick, 200 decision states.",
        params={"gamma": g},
        source="Sutton & Barto (2018), Example 5.1",
    )


# --------------------------------------------------------------- Taxi
def taxi(gamma: float = 1.0) -> World:
    """Gymnasium's Taxi (v3, or v4 in newer Gymnasium; Dietterich 2000) as exact tables.

    Parameters
    ----------
    gamma : float
        Discount.

    Returns
    -------
    World
        500 states in Gymnasium's encoding ``((row * 5 + col) * 5 +
        passenger) * 4 + destination``; actions south, north, east, west,
        pickup, dropoff (Gymnasium's order); -1 per step, -10 for an illegal
        pickup or dropoff, +20 for delivering the passenger, which ends the
        episode.  The tables are read from ``gymnasium.make("Taxi-vN")``'s
        ``unwrapped.P`` (the newest registered version, with its default
        options) by :meth:`mdp.MDP.from_gymnasium` (gymnasium is needed).

    Raises
    ------
    WorldError
        If gymnasium is not installed.

    References
    ----------
    Dietterich (2000), "Hierarchical reinforcement learning with the MAXQ
    value function decomposition"; Gymnasium ``toy_text/taxi.py``.

    Examples
    --------
    >>> w = taxi()
    >>> w.mdp.n_states, w.mdp.n_actions, w.mdp.action_names[4]
    (500, 6, 'pickup')
    """
    g = _gamma(gamma)
    try:
        import gymnasium
    except ImportError as exc:  # pragma: no cover - gymnasium is in the dev extra
        msg = "the taxi world reads Gymnasium's Taxi-v3 tables: pip install gymnasium."
        raise WorldError(msg) from exc
    versions = [k for k in gymnasium.envs.registry if k.startswith("Taxi-v")]
    env_id = max(versions, key=lambda k: int(k.rsplit("v", 1)[1]))  # v3, or v4
    env = gymnasium.make(env_id)
    unwrapped: Any = env.unwrapped
    locs = "RGYB"
    names = []
    for s in range(500):
        row, col, pas, dest = unwrapped.decode(s)
        where = "in taxi" if pas == 4 else f"at {locs[pas]}"
        names.append(f"taxi ({row}, {col}), passenger {where}, to {locs[dest]}")
    m = MDP.from_gymnasium(
        env,
        gamma=g,
        action_names=("south", "north", "east", "west", "pickup", "dropoff"),
        state_names=tuple(names),
    )
    env.close()
    return World(
        name="taxi",
        mdp=m,
        description="Gymnasium Taxi-v3 (Dietterich 2000): pick up and drop off a "
        "passenger on a 5x5 grid, 500 states.",
        params={"gamma": g},
        source="Dietterich (2000); Gymnasium Taxi-v3",
    )
