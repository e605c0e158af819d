"""The explicit MDP model: transition and reward tables in one layout.

Layout (stated once, used everywhere)
-------------------------------------
* ``S`` states ``0..S-1`` and ``A`` actions ``0..A-1``.
* ``P`` is a ``scipy.sparse.csr_array`` of shape ``(S*A, S)``; row ``s*A + a``
  holds ``P(. | s, a)``.  A dense ``(S, A, S)`` array has the same memory
  order, so ``P_dense.reshape(S*A, S)`` is the same matrix.
* ``r [S, A]`` is the expected reward ``r(s, a) = sum_s' P(s'|s,a) R(s,a,s')``.
  When ``R(s, a, s')`` is given it is also kept on ``P``'s sparsity pattern so
  that sampled transitions see the right reward.
* Terminal states are absorbing with zero reward: their value is 0 and an
  episode ends on entering one.  A reward for reaching a goal is paid on the
  transition *into* it, ``R(s, a, s')``.
* ``action_mask [S, A]`` (bool) marks the available actions; rows of ``P``
  for unavailable pairs are ignored.

The terminal-state rule
-----------------------
``terminal=`` declares where episodes end.  The rows of ``P``, the rewards
and the action mask given for terminal states are **not used**: a terminal
state is a zero-reward self-loop under every action, whatever the input says
there.  So ``R = -np.ones((S, A))`` with ``terminal=[...]`` (the book's "-1
on every transition"), masks whose terminal rows have no action, and tables
whose terminal rows lead elsewhere all give the same MDP as the explicitly
absorbing input.  This is the one place where input is overridden; all else
is checked strictly.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from . import _validate as _v
from . import io
from ._errors import MDPError
from .checks import as_generator, check_gamma
from .types import BoolArray, FloatArray, RNGLike

__all__ = ["MDP", "Names", "load", "check_mdp"]


class Names(NamedTuple):
    """State and action names of an MDP (tuples of str)."""

    states: tuple[str, ...]
    actions: tuple[str, ...]


class MDP:
    """A finite Markov decision process given by its tables (immutable).

    Parameters
    ----------
    P : array_like (S, A, S) or scipy.sparse (S*A, S)
        Transition probabilities ``P(s'|s,a)``; sparse row ``s*A + a``.
    R : array_like (S,), (S, A), (S, A, S) or scipy.sparse (S*A, S)
        Rewards ``R(s)``, ``R(s, a)`` or ``R(s, a, s')``; reduced to the
        expected reward ``r(s, a) = sum_s' P(s'|s,a) R(s,a,s')``.  Entries of
        ``R(s,a,s')`` where ``P(s'|s,a) = 0`` are ignored.
    gamma : float
        Discount factor in ``[0, 1]``.
    p0 : array_like (S,), optional
        Start-state distribution; default uniform over non-terminal states.
    terminal : array_like of bool (S,) or of int, optional
        Terminal (absorbing, zero-reward) states, as a mask or an index list.
    action_mask : array_like of bool (S, A), optional
        ``True`` where action ``a`` is available in state ``s``; default all.
        Rows of ``P`` (and rewards) for unavailable pairs are ignored and may
        be all zero; every state needs at least one available action.
    state_names, action_names : sequence of str, optional
        Names used in reports and plots; default ``"0", "1", ...``.

    Attributes
    ----------
    n_states, n_actions : int
        ``S`` and ``A``.
    gamma : float
    P : scipy.sparse.csr_array (S*A, S)
        Read-only; rows of terminal states are self-loops, rows of unavailable
        pairs are zero.
    r : ndarray (S, A)
        Expected reward; 0 for terminal states and unavailable pairs.
    R_sas : scipy.sparse.csr_array (S*A, S) or None
        ``R(s, a, s')`` on ``P``'s pattern when it was given, else ``None``.
    p0 : ndarray (S,)
    terminal : ndarray of bool (S,)
    action_mask : ndarray of bool (S, A)
    names : Names
        ``names.states`` and ``names.actions``.

    Raises
    ------
    MDPError
        (a ``ValueError``) naming the offending shape, state, action or row.

    Notes
    -----
    The generative view :meth:`step` samples ``s' ~ P(.|s,a)`` and the reward
    ``R(s,a,s')`` from the same tables, so sample-based algorithms can be
    checked against the exact solution of the same object.

    Examples
    --------
    A two-state chain: action 0 stays, action 1 moves; being in state 1 pays 1.

    >>> import numpy as np
    >>> from mdp import MDP
    >>> P = np.zeros((2, 2, 2))
    >>> P[0, 0, 0] = P[1, 0, 1] = 1.0      # stay
    >>> P[0, 1, 1] = P[1, 1, 0] = 1.0      # move
    >>> m = MDP(P, R=[0.0, 1.0], gamma=0.9)
    >>> m.n_states, m.n_actions, m.P.shape
    (2, 2, (4, 2))
    >>> m.r
    array([[0., 0.],
           [1., 1.]])
    """

    __slots__ = (
        "_P",
        "_r",
        "_R_sas",
        "_std",
        "_gamma",
        "_p0",
        "_terminal",
        "_mask",
        "_names",
        "_cache",
        "__weakref__",
    )

    def __init__(
        self,
        P: Any,
        R: Any,
        gamma: float,
        p0: npt.ArrayLike | None = None,
        terminal: npt.ArrayLike | None = None,
        action_mask: npt.ArrayLike | None = None,
        state_names: Any = None,
        action_names: Any = None,
        *,
        reward_std: Any = None,
    ) -> None:
        Pc, S, A = _v.transition_matrix(P)
        gamma = check_gamma(gamma)
        term = _v.terminal_mask(terminal, S)
        mask = _v.action_mask(action_mask, S, A, term)
        avail_rows = mask.ravel()

        # unavailable pairs and terminal states: the given rows are not used
        used = avail_rows & ~np.repeat(term, A)
        if not used.all():
            Pc = sp.csr_array(sp.diags_array(used.astype(np.float64)) @ Pc)
            Pc.eliminate_zeros()
        _v.check_entries(Pc, S, A)
        Pc = _v.absorb_terminals(Pc, term, S, A)
        _v.check_row_sums(Pc, avail_rows, S, A)

        r, R_sas = _v.rewards(R, Pc, S, A, used)
        r, R_sas = _v.zero_terminal_rewards(r, R_sas, term, A)
        _v.check_value_scale(r, mask, gamma, S)
        std = _v.reward_std(reward_std, Pc, S, A, term)

        self._P = Pc
        for arr in (Pc.data, Pc.indices, Pc.indptr):
            arr.flags.writeable = False
        if R_sas is not None:
            for arr in (R_sas.data, R_sas.indices, R_sas.indptr):
                arr.flags.writeable = False
        self._R_sas = R_sas
        self._std = None if std is None else _frozen(std)
        self._r = _frozen(r)
        self._gamma = gamma
        self._terminal = _frozen(term)
        self._mask = _frozen(mask)
        self._p0 = _frozen(_v.start_distribution(p0, term, S))
        self._names = Names(
            _v.names(state_names, S, "state_names"),
            _v.names(action_names, A, "action_names"),
        )
        self._cache: dict[str, Any] = {}

    # ------------------------------------------------------------- attributes
    @property
    def n_states(self) -> int:
        """Number of states ``S``."""
        return self._P.shape[1]

    @property
    def n_actions(self) -> int:
        """Number of actions ``A``."""
        return self._P.shape[0] // self._P.shape[1]

    @property
    def gamma(self) -> float:
        """Discount factor ``gamma`` in ``[0, 1]``."""
        return self._gamma

    @property
    def P(self) -> sp.csr_array:
        """Transition matrix, CSR ``(S*A, S)``; row ``s*A + a`` is ``P(.|s,a)``."""
        return self._P

    @property
    def r(self) -> FloatArray:
        """Expected reward ``r [S, A]``."""
        return self._r

    @property
    def R_sas(self) -> sp.csr_array | None:
        """``R(s, a, s')`` on ``P``'s pattern, or ``None`` if not given."""
        return self._R_sas

    @property
    def reward_std(self) -> FloatArray | None:
        """Reward noise: one standard deviation per stored transition, or ``None``.

        Aligned with ``P.data`` (entry ``k`` belongs to the transition stored
        at ``P.data[k]``); sampled rewards are ``N(R(s,a,s'), std^2)``.  The
        exact solvers use the mean reward and never read it.
        """
        return self._std

    @property
    def p0(self) -> FloatArray:
        """Start-state distribution ``p0 [S]``."""
        return self._p0

    @property
    def terminal(self) -> BoolArray:
        """Boolean mask ``[S]`` of terminal (absorbing, zero-reward) states."""
        return self._terminal

    @property
    def action_mask(self) -> BoolArray:
        """Boolean mask ``[S, A]`` of available actions."""
        return self._mask

    @property
    def names(self) -> Names:
        """State and action names: ``names.states``, ``names.actions``."""
        return self._names

    @property
    def state_names(self) -> tuple[str, ...]:
        """State names (the constructor's ``state_names``); ``names.states``."""
        return self._names.states

    @property
    def action_names(self) -> tuple[str, ...]:
        """Action names (the constructor's ``action_names``); ``names.actions``."""
        return self._names.actions

    @property
    def has_mask(self) -> bool:
        """Whether some action is unavailable in some state."""
        return self._cached("has_mask", lambda: not bool(self._mask.all()))

    def _cached(self, key: str, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    @property
    def r_masked(self) -> FloatArray:
        """``r`` flattened to ``[S*A]`` with ``-inf`` at unavailable pairs.

        Adding ``gamma * P @ V`` to it gives ``Q`` with ``-inf`` where an action
        is unavailable, so ``max`` and ``argmax`` respect the mask for free.
        """

        def build():
            flat = self._r.ravel().copy()
            flat[~self._mask.ravel()] = -np.inf
            flat.flags.writeable = False
            return flat

        return self._cached("r_masked", build)

    def __repr__(self) -> str:
        extra = []
        if self._terminal.any():
            extra.append(f"terminal={int(self._terminal.sum())}")
        if not self._mask.all():
            extra.append("action_mask")
        tail = (", " + ", ".join(extra)) if extra else ""
        return (
            f"MDP(n_states={self.n_states}, n_actions={self.n_actions}, "
            f"gamma={self._gamma:g}, nnz={self._P.nnz}{tail})"
        )

    def __eq__(self, other: object) -> bool:
        """Exact equality of every table, parameter and name."""
        if not isinstance(other, MDP):
            return NotImplemented
        if self is other:
            return True
        if (
            self.P.shape != other.P.shape
            or self.gamma != other.gamma
            or self.names != other.names
        ):
            return False
        same = (
            _csr_equal(self.P, other.P)
            and np.array_equal(self.r, other.r)
            and np.array_equal(self.p0, other.p0)
            and np.array_equal(self.terminal, other.terminal)
            and np.array_equal(self.action_mask, other.action_mask)
        )
        if not same:
            return False
        if (self.R_sas is None) != (other.R_sas is None):
            return False
        if (self._std is None) != (other._std is None):
            return False
        if (
            self._std is not None
            and other._std is not None
            and not np.array_equal(self._std, other._std)
        ):
            return False
        return self.R_sas is None or _csr_equal(self.R_sas, other.R_sas)

    __hash__ = None  # type: ignore[assignment]

    def _std_matrix(self) -> sp.csr_array:
        """``reward_std`` as a sparse matrix on ``P``'s pattern."""
        out = self._P.copy()
        out.data = np.array(self._std)
        return out

    # --------------------------------------------------------- generative view
    def step(self, s: int, a: int, seed: RNGLike = None) -> tuple[int, float, bool]:
        """Sample one transition: ``s' ~ P(.|s,a)``, ``r_t = R(s,a,s')``.

        Parameters
        ----------
        s, a : int
            Current state and an available action.
        seed : numpy.random.Generator or int or None
            Source of randomness: pass one Generator for a stream of steps
            (an int seeds a new one each call).

        Returns
        -------
        next_state : int
        reward : float
            ``R(s, a, s')`` when it was given, else ``r(s, a)``; plus
            ``N(0, std^2)`` noise when the MDP has ``reward_std``.
        terminated : bool
            Whether ``s'`` is terminal (the episode ends on entering it).

        Examples
        --------
        >>> import numpy as np
        >>> from mdp import MDP
        >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[[0.0], [1.0]], gamma=0.5)
        >>> rng = np.random.default_rng(0)
        >>> [m.step(0, 0, rng)[0] for _ in range(6)]
        [1, 0, 0, 0, 1, 1]
        """
        S, A = self.n_states, self.n_actions
        s, a = _v.state_action(s, a, S, A)
        if not self._mask[s, a]:
            msg = f"action {a} is not available in state {s} (see `action_mask`)."
            raise MDPError(msg)
        gen = as_generator(seed)
        row = s * A + a
        lo, hi = self._P.indptr[row], self._P.indptr[row + 1]
        probs = self._P.data[lo:hi]
        k = int(
            np.searchsorted(np.cumsum(probs), gen.random() * probs.sum(), side="right")
        )
        k = lo + min(k, hi - lo - 1)
        s_next = int(self._P.indices[k])
        if self._R_sas is not None:
            reward = float(self._R_sas.data[k])
        else:
            reward = float(self._r[s, a])
        if self._std is not None and self._std[k] > 0:
            reward += float(self._std[k] * gen.standard_normal())
        return s_next, reward, bool(self._terminal[s_next])

    def sample_start(self, seed: RNGLike = None) -> int:
        """Sample ``s_0 ~ p0``."""
        return int(as_generator(seed).choice(self.n_states, p=self._p0))

    # ------------------------------------------------------------- converters
    def to_dense(self) -> tuple[FloatArray, FloatArray]:
        """Dense tables ``(P, R)``.

        Returns
        -------
        P : ndarray (S, A, S)
        R : ndarray (S, A, S) or (S, A)
            ``R(s, a, s')`` when it was given (zero off ``P``'s pattern), else
            the expected reward ``r(s, a)``.  ``MDP(P, R, gamma, ...)`` with the
            other attributes rebuilds an equal MDP.

        Examples
        --------
        >>> import numpy as np
        >>> from mdp import MDP
        >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[1.0, 2.0], gamma=0.5)
        >>> P, R = m.to_dense()
        >>> P.shape, R.shape
        ((2, 1, 2), (2, 1))
        """
        S, A = self.n_states, self.n_actions
        P = self._P.toarray().reshape(S, A, S)
        if self._R_sas is None:
            return P, self._r.copy()
        return P, self._R_sas.toarray().reshape(S, A, S)

    def replace(self, **changes: Any) -> MDP:
        """A copy with some constructor arguments changed (e.g. ``gamma``).

        Examples
        --------
        >>> import numpy as np
        >>> from mdp import MDP
        >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[1.0, 2.0], gamma=0.5)
        >>> m.replace(gamma=0.9).gamma
        0.9
        """
        args = {
            "P": self._P,
            "R": self._R_sas if self._R_sas is not None else self._r,
            "gamma": self._gamma,
            "p0": self._p0,
            "terminal": self._terminal,
            "action_mask": self._mask,
            "state_names": self._names.states,
            "action_names": self._names.actions,
            "reward_std": None if self._std is None else self._std_matrix(),
        }
        unknown = set(changes) - set(args)
        if unknown:
            msg = f"replace() got unknown field(s) {sorted(unknown)}; valid: {sorted(args)}."
            raise TypeError(msg)
        if "P" in changes and "R" not in changes and self._R_sas is not None:
            args["R"] = self._r
        if "P" in changes and "p0" not in changes:
            args["p0"] = None
        if "P" in changes and "reward_std" not in changes and self._std is not None:
            msg = (
                "replace(P=...) on an MDP with reward_std: give reward_std too "
                "(it is stored per transition of the old P)."
            )
            raise TypeError(msg)
        args.update(changes)
        return MDP(**args)

    @classmethod
    def from_pymdptoolbox(cls, P: Any, R: Any, gamma: float, **kwargs: Any) -> MDP:
        """Build from pymdptoolbox's layout.

        Parameters
        ----------
        P : array_like (A, S, S) or list of A (S, S) matrices (dense or sparse)
            ``P[a][s, s'] = P(s'|s, a)``.
        R : array_like (S,), (S, A) or (A, S, S)
            pymdptoolbox's reward layouts: ``R(s)``, ``R(s, a)``, or
            ``R[a][s, s']``.
        gamma : float
        **kwargs
            Passed on to :class:`MDP` (``p0``, ``terminal``, names...).

        Examples
        --------
        >>> import numpy as np
        >>> from mdp import MDP
        >>> P = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])
        >>> m = MDP.from_pymdptoolbox(P, np.array([[0.0, 0.0], [1.0, 1.0]]), 0.9)
        >>> m.P.toarray()
        array([[1., 0.],
               [0., 1.],
               [0., 1.],
               [1., 0.]])
        """
        P_csr, R_tab = io.pymdptoolbox_tables(P, R)
        return cls(P_csr, R_tab, gamma, **kwargs)

    def to_pymdptoolbox(self) -> tuple[list[sp.csr_matrix], FloatArray]:
        """Tables in pymdptoolbox's layout: ``([P_a (S, S)] * A, R (S, A))``.

        Terminal states appear as absorbing self-loops with zero reward.
        """
        S, A = self.n_states, self.n_actions
        mats = [sp.csr_matrix(self._P[np.arange(S) * A + a]) for a in range(A)]
        return mats, self._r.copy()

    @classmethod
    def from_gymnasium(
        cls,
        P_dict_or_env: Any,
        gamma: float,
        *,
        p0: npt.ArrayLike | None = None,
        action_names: Any = None,
        state_names: Any = None,
    ) -> MDP:
        """Build from Gymnasium toy-text tables ``P[s][a] = [(p, s', r, done), ...]``.

        Parameters
        ----------
        P_dict_or_env : dict or gymnasium.Env
            The table itself (``gymnasium`` is not needed for it) or an env
            whose ``unwrapped.P`` holds it (FrozenLake, CliffWalking, Taxi...).
        gamma : float
        p0 : array_like (S,), optional
            Default: the env's ``initial_state_distrib`` when an env is given,
            else uniform over non-terminal states.
        action_names, state_names : sequence of str, optional

        Notes
        -----
        * Repeated ``(s, a, s')`` entries (FrozenLake lists the same next state
          several times) add their probabilities; their rewards are combined
          as the probability-weighted mean, which keeps ``r(s, a)`` exact.
        * A state entered by any transition flagged ``terminated`` is terminal:
          absorbing with zero reward, its own listed rows ignored (Gymnasium
          never uses them once the episode has ended).  CliffWalking flags only
          the transition into the goal; FrozenLake flags its holes and goal.
          A state entered both with and without the flag is an error.
        * The action order is Gymnasium's own (FrozenLake: LEFT, DOWN, RIGHT,
          UP; CliffWalking: UP, RIGHT, DOWN, LEFT), so action indices match
          the env's.

        Examples
        --------
        >>> from mdp import MDP
        >>> P = {0: {0: [(0.5, 0, 0.0, False), (0.5, 1, 1.0, True)]},
        ...      1: {0: [(1.0, 1, 0.0, True)]}}
        >>> m = MDP.from_gymnasium(P, gamma=1.0)
        >>> m.terminal, m.r
        (array([False,  True]), array([[0.5],
               [0. ]]))
        """
        args = io.gymnasium_tables(
            P_dict_or_env, p0=p0, action_names=action_names, state_names=state_names
        )
        return cls(gamma=gamma, **args)

    # ------------------------------------------------------------ save / load
    def save(self, path: str | os.PathLike[str]) -> None:
        """Save to a single ``.npz`` file; :func:`load` gives back an equal MDP.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from mdp import MDP, load
        >>> m = MDP(np.ones((2, 1, 2)) / 2, R=[1.0, 2.0], gamma=0.5)
        >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
        >>> m.save(path)
        >>> load(path) == m
        True
        """
        arrays = io.npz_arrays(self)
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MDP:
        """Load an MDP written by :meth:`save` (see :func:`load`)."""
        return load(path)


def load(path: str | os.PathLike[str]) -> MDP:
    """Load an MDP from a ``.npz`` file written by :meth:`MDP.save`.

    The file holds the CSR arrays of ``P`` (and of ``R(s,a,s')`` when it was
    given), ``r``, ``gamma``, ``p0``, ``terminal``, ``action_mask`` and the
    names; loading rebuilds (and re-validates) an equal MDP.

    Raises
    ------
    MDPError
        If the file is not an mdpkit MDP file.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from mdp import MDP, load
    >>> m = MDP(np.ones((3, 2, 3)) / 3, R=np.arange(6.0).reshape(3, 2), gamma=0.9,
    ...         terminal=None, state_names=["a", "b", "c"])
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
    >>> m.save(path)
    >>> m2 = load(path)
    >>> m2 == m, m2.names.states
    (True, ('a', 'b', 'c'))
    """
    return MDP(**io.read_npz(path))


# ----------------------------------------------------------------- helpers
def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


def _csr_equal(a: sp.csr_array, b: sp.csr_array) -> bool:
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def check_mdp(m: Any) -> MDP:
    """``m`` itself when it is an :class:`mdp.MDP`, else a TypeError."""
    if not isinstance(m, MDP):
        msg = f"expected an mdp.MDP as the first argument; got {type(m).__name__}."
        raise TypeError(msg)
    return m
