r"""Model learning: the maximum-likelihood MDP from sampled transitions.

From counts ``N(s,a,s')`` of observed transitions and the rewards seen,

.. math::

    \hat P(s'|s,a) = \frac{N(s,a,s')}{N(s,a)}, \qquad
    \hat R(s,a,s') = \frac{1}{N(s,a,s')} \sum_{i:(s_i,a_i,s'_i)=(s,a,s')} r_i,

the maximum-likelihood estimate of a tabular MDP (a categorical
distribution per pair; the mean is the MLE of a Gaussian reward).  Pairs
never tried (``N(s,a) = 0``) have no estimate; they are made explicit:

* ``unvisited="self-loop"`` (default): ``\hat P(s|s,a) = 1``, reward 0: the
  model knows nothing, so the action changes nothing and pays nothing;
* ``unvisited="optimistic"``: ``\hat P(s|s,a) = 1`` with reward ``r_max``,
  whose value ``r_max / (1 - gamma)`` is the largest possible (R-max;
  Brafman & Tennenholtz 2002), so a planner in the model is drawn to try the
  unknown pairs.

A state seen as the end of an episode (``terminated``) is terminal in the
model.  The data come from an MDP's generative view (``samples_per_pair``
draws of every available pair, the "generative model" setting of Kearns &
Singh / Azar et al.), from ``steps`` of a uniformly random policy in a
Gymnasium env (the online setting: only what the walk reaches is learned),
or as logged transitions.

References
----------
Sutton & Barto (2018), Section 8.1 (models and planning).
R. I. Brafman and M. Tennenholtz, "R-max - a general polynomial time algorithm
for near-optimal reinforcement learning", JMLR 3 (2002).
M. G. Azar, R. Munos and H. J. Kappen, "Minimax PAC bounds on the sample
complexity of reinforcement learning with a generative model", Machine
Learning 91 (2013).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from mdp import MDP, BatchSampler, MDPError
from mdp.checks import as_generator, check_gamma, check_int, check_real
from mdp.gym_env import discrete_sizes, is_gymnasium_env
from mdp.types import BoolArray, IntArray, RNGLike

from ._common import ShortRepr

__all__ = ["estimate_model", "ModelEstimate", "sample_transitions"]


@dataclass(frozen=True, repr=False)
class ModelEstimate(ShortRepr):
    """The learned model and the counts it came from.

    Attributes
    ----------
    mdp : MDP
        ``\\hat M``: ``P [S*A, S]`` the MLE, rewards the observed means (as
        ``R(s, a, s')``), ``gamma``, terminal states, the same action mask.
    counts : ndarray of int (S, A)
        ``N(s, a)``.
    counts_sas : scipy.sparse.csr_array (S*A, S)
        ``N(s, a, s')``, row ``s*A + a``.
    unvisited : ndarray of bool (S, A)
        Available, non-terminal pairs with ``N(s, a) = 0`` (filled as the
        ``unvisited`` rule says).
    unvisited_rule : str
    samples : int
        Transitions used.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> est = estimate_model({"s": [0, 0, 0], "a": [0, 0, 0], "r": [1.0, 1.0, 0.0],
    ...                       "s_next": [0, 0, 1]}, n_states=2, n_actions=1, gamma=0.5)
    >>> est.mdp.P.toarray().round(3), est.counts.tolist(), est.unvisited.tolist()
    (array([[0.667, 0.333],
           [0.   , 1.   ]]), [[3], [0]], [[False], [True]])
    """

    mdp: MDP
    counts: IntArray
    counts_sas: sp.csr_array
    unvisited: BoolArray
    unvisited_rule: str
    samples: int


def sample_transitions(
    m: MDP, samples_per_pair: int, *, seed: RNGLike = None
) -> dict[str, np.ndarray]:
    """``samples_per_pair`` draws ``s' ~ P(.|s,a)``, ``r = R(s,a,s')`` of every
    available non-terminal pair (vectorised inverse-CDF sampling of ``P``'s
    CSR rows).

    Returns
    -------
    dict with ``s, a, r, s_next, terminated`` arrays (pair-major order).

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[[0.0], [1.0]], gamma=0.5)
    >>> d = sample_transitions(m, 3, seed=0)
    >>> d["s"].tolist(), d["s_next"].tolist()
    ([0, 0, 0, 1, 1, 1], [1, 0, 0, 0, 1, 1])
    """
    n = check_int(samples_per_pair, "samples_per_pair")
    rng = as_generator(seed)
    A = m.n_actions
    pairs = np.flatnonzero((m.action_mask & ~m.terminal[:, None]).ravel())
    rows = np.repeat(pairs, n)
    s, a = np.divmod(rows, A)
    # one inverse-CDF draw per pair through the model's batched generative view
    s_next, r, terminated = BatchSampler(m).step(s, a, seed=rng)
    return {
        "s": s,
        "a": a,
        "r": r.astype(float),
        "s_next": s_next.astype(np.intp),
        "terminated": terminated,
    }


def estimate_model(
    data: Any,
    *,
    n_states: int | None = None,
    n_actions: int | None = None,
    gamma: float | None = None,
    samples_per_pair: int = 10,
    steps: int = 10_000,
    unvisited: str = "self-loop",
    r_max: float | None = None,
    terminal: Any = None,
    action_mask: Any = None,
    seed: RNGLike = None,
) -> ModelEstimate:
    r"""The maximum-likelihood MDP ``\hat M`` from samples.

    Parameters
    ----------
    data : MDP, mapping of arrays, or sequence of trajectories
        * an :class:`mdp.MDP`: sample ``samples_per_pair`` transitions of every
          available pair from its generative view (``S``, ``A``, ``gamma``,
          terminal states and mask are taken from it);
        * a mapping with arrays ``s``, ``a``, ``r``, ``s_next`` and optionally
          ``terminated`` (one entry per transition);
        * a sequence of trajectories (objects with ``states``, ``actions``,
          ``rewards`` and ``terminated``, e.g. :class:`mdp.trajectory.Trajectory`
          or an MCTS :class:`EpisodeResult`);
        * a Gymnasium env with ``Discrete`` spaces: ``steps`` transitions of
          the uniformly random policy, resetting when an episode terminates
          or is truncated (the env is seeded from ``seed`` at its first reset).
    n_states, n_actions : int, optional
        Default: from the MDP, else one more than the largest index seen.
    gamma : float, optional
        Discount of the model; default the MDP's, required for logged data
        and Gymnasium envs.
    samples_per_pair : int
        Draws per pair when ``data`` is an MDP.
    steps : int
        Transitions to collect when ``data`` is a Gymnasium env.
    unvisited : {"self-loop", "optimistic"}
        How pairs never tried are filled (see the module docstring).
    r_max : float, optional
        The optimistic reward (``unvisited="optimistic"``, which needs
        ``gamma < 1``); default the largest reward seen.
    terminal : array_like, optional
        Terminal states known in advance (added to those seen as
        ``terminated``).
    action_mask : array_like of bool (S, A), optional
        Default: the MDP's, else every action.
    seed : None, int, SeedSequence or Generator
        For sampling from an MDP or a Gymnasium env.

    Returns
    -------
    ModelEstimate

    Raises
    ------
    MDPError
        For malformed data (lengths, indices out of range), a missing
        ``gamma``, an unknown ``unvisited`` rule, or ``optimistic`` at
        ``gamma = 1``.

    Examples
    --------
    With 1000 samples per pair the 4x4 FrozenLake's model is within a few
    percent of the truth:

    >>> from worlds import make
    >>> m = make("frozenlake-4x4").mdp
    >>> est = estimate_model(m, samples_per_pair=1000, seed=0)
    >>> bool(abs(est.mdp.P - m.P).max() < 0.06), int(est.counts.max())
    (True, 1000)

    From a random walk in Gymnasium's FrozenLake: the holes and the goal,
    where episodes terminated, are terminal in the model.

    >>> import gymnasium
    >>> est = estimate_model(gymnasium.make("FrozenLake-v1"), steps=5000,
    ...                      gamma=0.95, seed=0)
    >>> est.samples, est.mdp.terminal.nonzero()[0].tolist()
    (5000, [5, 7, 11, 12, 15])
    """
    if unvisited not in ("self-loop", "optimistic"):
        msg = f"`unvisited` must be 'self-loop' or 'optimistic'; got {unvisited!r}."
        raise MDPError(msg)
    if isinstance(data, MDP):
        m = data
        S, A = m.n_states, m.n_actions
        g = m.gamma if gamma is None else check_gamma(gamma)
        d = sample_transitions(m, samples_per_pair, seed=seed)
        term = m.terminal.copy()
        mask = m.action_mask if action_mask is None else action_mask
        names = {"state_names": m.state_names, "action_names": m.action_names}
    else:
        # every argument is checked before a Gymnasium walk of `steps` steps
        gym = is_gymnasium_env(data)
        if gym:
            S_env, A_env = discrete_sizes(data)
        else:
            d = _as_transitions(data)
        if gamma is None:
            what = "a Gymnasium env" if gym else "logged transitions"
            msg = f"`gamma` is required when `data` is {what} (the model's discount)."
            raise MDPError(msg)
        g = check_gamma(gamma)
        if gym:
            for given, name, size in (
                (n_states, "n_states", S_env),
                (n_actions, "n_actions", A_env),
            ):
                if given is not None and given != size:
                    msg = (
                        f"`{name}` = {given} but the Gymnasium env's space has {size}."
                    )
                    raise MDPError(msg)
            S, A = S_env, A_env
            _check_optimistic(unvisited, g)
            d = _walk(data, A, check_int(steps, "steps"), as_generator(seed))
        else:
            S = _size(n_states, "n_states", d["s"], d["s_next"])
            A = _size(n_actions, "n_actions", d["a"])
        term = np.zeros(S, dtype=bool)
        mask = action_mask
        names = {}
        _check_range(d, S, A)
    if terminal is not None:
        t = np.asarray(terminal)
        if t.dtype == bool:
            term |= t
        else:
            term[t.astype(np.intp)] = True
    _check_optimistic(unvisited, g)
    term[d["s_next"][d["terminated"]]] = True
    mask = np.ones((S, A), dtype=bool) if mask is None else np.asarray(mask, bool)

    rows = d["s"] * A + d["a"]
    N_sas = sp.csr_array(
        (np.ones(rows.size), (rows, d["s_next"])), shape=(S * A, S)
    )  # duplicates are summed
    R_sum = sp.csr_array((d["r"], (rows, d["s_next"])), shape=(S * A, S))
    N_sas.sum_duplicates()
    R_sum.sum_duplicates()
    counts = np.asarray(N_sas.sum(axis=1)).ravel()
    # P_hat(s'|s,a) = N(s,a,s') / N(s,a);  R_hat(s,a,s') = mean reward seen
    P_hat = sp.csr_array(sp.diags_array(1.0 / np.maximum(counts, 1)) @ N_sas)
    R_hat = N_sas.copy()
    R_hat.data = R_sum.data / N_sas.data  # same pattern (built from the same pairs)
    pair_ok = (mask & ~term[:, None]).ravel()
    empty = pair_ok & (counts == 0)
    fill_r = 0.0
    if unvisited == "optimistic":
        if r_max is not None:
            fill_r = check_real(r_max, "r_max")
        elif d["r"].size:
            fill_r = float(d["r"].max())
    e_rows = np.flatnonzero(empty)
    e_s = e_rows // A
    loop = sp.csr_array((np.ones(e_rows.size), (e_rows, e_s)), shape=(S * A, S))
    loop_r = sp.csr_array(
        (np.full(e_rows.size, fill_r), (e_rows, e_s)), shape=(S * A, S)
    )
    # terminal states: no rows (the MDP makes them zero-reward self-loops)
    keep = sp.diags_array(np.repeat(~term, A).astype(float))
    P_full = sp.csr_array(keep @ (P_hat + loop))
    R_full = sp.csr_array(keep @ (R_hat + loop_r))
    model = MDP(
        P_full,
        R_full,
        g,
        terminal=term if term.any() else None,
        action_mask=mask if not mask.all() else None,
        **names,
    )
    return ModelEstimate(
        mdp=model,
        counts=counts.reshape(S, A).astype(np.int64),
        counts_sas=N_sas,
        unvisited=empty.reshape(S, A),
        unvisited_rule=unvisited,
        samples=int(rows.size),
    )


# ----------------------------------------------------------------- helpers
def _walk(
    env: Any, A: int, steps: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """``steps`` transitions of the uniformly random policy in a Gymnasium env."""
    s = np.empty(steps, dtype=np.intp)
    a = rng.integers(A, size=steps)
    r = np.empty(steps)
    s2 = np.empty(steps, dtype=np.intp)
    term = np.zeros(steps, dtype=bool)
    obs = int(env.reset(seed=int(rng.integers(2**31)))[0])
    for t, act in enumerate(a.tolist()):
        nxt, rew, terminated, truncated, _ = env.step(act)
        s[t], r[t], s2[t], term[t] = obs, float(rew), int(nxt), bool(terminated)
        obs = int(env.reset()[0]) if terminated or truncated else int(nxt)
    return {"s": s, "a": a.astype(np.intp), "r": r, "s_next": s2, "terminated": term}


def _check_optimistic(unvisited: str, g: float) -> None:
    if unvisited == "optimistic" and g >= 1.0:
        msg = (
            "`unvisited='optimistic'` needs gamma < 1 (an optimistic self-loop "
            "is worth r_max / (1 - gamma)); use 'self-loop' at gamma = 1."
        )
        raise MDPError(msg)


def _indices(x: Any, key: str) -> np.ndarray:
    """An index array: integers (or integer-valued floats), never truncated."""
    arr = np.asarray(x).ravel()
    if arr.dtype.kind in "iub":
        return arr.astype(np.intp)
    num = np.asarray(arr, dtype=float) if arr.dtype.kind == "f" else None
    if num is None or not np.all(np.isfinite(num)) or np.any(num != np.round(num)):
        bad = arr if num is None else arr[~(np.isfinite(num) & (num == np.round(num)))]
        msg = (
            f"transition data `{key}` must hold integer indices; got "
            f"{bad.ravel()[:3].tolist()} (dtype {arr.dtype})."
        )
        raise MDPError(msg)
    return num.astype(np.intp)


def _as_transitions(data: Any) -> dict[str, np.ndarray]:
    if isinstance(data, Mapping):
        missing = [k for k in ("s", "a", "r", "s_next") if k not in data]
        if missing:
            msg = (
                f"transition data need arrays 's', 'a', 'r', 's_next' (and optionally "
                f"'terminated'); missing {missing}."
            )
            raise MDPError(msg)
        out = {
            "s": _indices(data["s"], "s"),
            "a": _indices(data["a"], "a"),
            "r": np.asarray(data["r"], dtype=float).ravel(),
            "s_next": _indices(data["s_next"], "s_next"),
        }
        n = out["s"].size
        t = data.get("terminated")
        out["terminated"] = (
            np.zeros(n, dtype=bool) if t is None else np.asarray(t, dtype=bool).ravel()
        )
        bad = [k for k, v in out.items() if v.size != n]
        if bad:
            msg = f"transition arrays differ in length: 's' has {n}, {bad} do not."
            raise MDPError(msg)
        return out
    if isinstance(data, Sequence) and all(hasattr(t, "states") for t in data):
        s, a, r, s2, term = [], [], [], [], []
        for tau in data:
            st = np.asarray(tau.states, dtype=np.intp)
            T = len(tau.actions)
            s.append(st[:T])
            a.append(np.asarray(tau.actions, dtype=np.intp))
            r.append(np.asarray(tau.rewards, dtype=float))
            s2.append(st[1 : T + 1])
            e = np.zeros(T, dtype=bool)
            if T and tau.terminated:
                e[-1] = True
            term.append(e)
        cat = np.concatenate
        return {
            "s": cat(s) if s else np.zeros(0, np.intp),
            "a": cat(a) if a else np.zeros(0, np.intp),
            "r": cat(r) if r else np.zeros(0),
            "s_next": cat(s2) if s2 else np.zeros(0, np.intp),
            "terminated": cat(term) if term else np.zeros(0, bool),
        }
    msg = (
        f"`data` must be an mdp.MDP, a mapping of transition arrays, a sequence of "
        f"trajectories or a Gymnasium env with Discrete spaces; got "
        f"{type(data).__name__}."
    )
    raise MDPError(msg)


def _size(n: Any, name: str, *arrays: np.ndarray) -> int:
    if n is not None:
        return check_int(n, name)
    top = max((int(x.max()) for x in arrays if x.size), default=-1)
    return max(top + 1, 1)


def _check_range(d: dict[str, np.ndarray], S: int, A: int) -> None:
    for key, hi in (("s", S), ("s_next", S), ("a", A)):
        x = d[key]
        bad = np.flatnonzero((x < 0) | (x >= hi))
        if bad.size:
            i = int(bad[0])
            msg = (
                f"transition {i}: `{key}` = {int(x[i])} is out of range 0..{hi - 1}; "
                f"pass n_states / n_actions large enough."
            )
            raise MDPError(msg)
