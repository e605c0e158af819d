r"""Bellman backups and the checks of the Bellman identities.

"The value of your starting point is the reward you expect to get from being
there, plus the value of wherever you land next."  The *Bellman backup* is the
right-hand side of a Bellman equation:

.. math::

    Q(s,a) = r(s,a) + \gamma \sum_{s'} P(s'|s,a) V(s')            \quad (q\_from\_v)

    (T^\pi V)(s) = \sum_a \pi(a|s) \Big[ r(s,a) + \gamma \sum_{s'} P(s'|s,a) V(s') \Big]

    (T^\pi Q)(s,a) = r(s,a) + \gamma \sum_{s'} P(s'|s,a) \sum_{a'} \pi(a'|s') Q(s',a')

    (T^* V)(s) = \max_a \Big[ r(s,a) + \gamma \sum_{s'} P(s'|s,a) V(s') \Big]

    (T^* Q)(s,a) = r(s,a) + \gamma \sum_{s'} P(s'|s,a) \max_{a'} Q(s',a')

Shapes: ``V [S]``, ``Q [S, A]``, ``pi`` int ``[S]`` or float ``[S, A]``.
Unavailable actions have ``Q = -inf``.  Each backup is one sparse mat-vec
with ``P (S*A, S)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import ImproperPolicyError, MDPError, PolicyError
from .checks import check_tol, q_table, state_vector
from .episodic import check_proper, proper_greedy
from .linear import solve_policy_value
from .model import MDP
from .policy import _check_q as _check_q_alone
from .policy import _policy_layout, check_policy, policy_matrices, to_matrix
from .types import FloatArray

__all__ = [
    "q_from_v",
    "v_from_q",
    "backup_v",
    "backup_q",
    "optimal_backup_v",
    "optimal_backup_q",
    "verify",
    "BellmanCheck",
    "BellmanReport",
]


def _check_v(m: MDP, V: npt.ArrayLike, name: str = "V") -> FloatArray:
    return state_vector(m, V, name)


def _check_q(m: MDP, Q: npt.ArrayLike, name: str = "Q") -> FloatArray:
    return q_table(m, Q, name)


def _given(x: FloatArray | None) -> FloatArray:
    """``x``, known not to be None at this point (for the type checker)."""
    assert x is not None
    return x


def q_from_v(
    m: MDP,
    V: npt.ArrayLike,
    *,
    gamma: float | None = None,
    validate: bool = True,
) -> FloatArray:
    r"""The Bellman backup ``Q(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) V(s')``.

    The one implementation of the backup outside the solvers' fused kernel
    (every other ``r + gamma P V`` in mdpkit calls this).

    Parameters
    ----------
    m : MDP
    V : array_like (S,)
    gamma : float, optional
        The discount to use; default ``m.gamma`` (finite-horizon and
        average-reward solvers pass their own).
    validate : bool
        Check ``V`` (shape, finite).  Solvers that have checked their
        iterates pass ``False``; then non-finite ``V`` propagates.

    Returns
    -------
    Q : ndarray (S, A)
        ``-inf`` for unavailable actions.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> m = MDP(np.ones((2, 2, 2)) / 2, R=[[0.0, 1.0], [2.0, 3.0]], gamma=0.5)
    >>> q_from_v(m, [2.0, 4.0])
    array([[1.5, 2.5],
           [3.5, 4.5]])
    """
    v = _check_v(m, V) if validate else np.asarray(V, dtype=np.float64)
    g = m.gamma if gamma is None else gamma
    # Q(s,a) = r(s,a) + gamma * sum_s' P(s'|s,a) V(s')
    Q = m.r_masked + g * (m.P @ v)
    return Q.reshape(m.n_states, m.n_actions)


def v_from_q(Q: npt.ArrayLike, pi: npt.ArrayLike) -> FloatArray:
    r"""``V(s) = sum_a pi(a|s) Q(s,a)`` (``Q(s, mu(s))`` for a deterministic policy).

    Examples
    --------
    >>> v_from_q([[1.0, 3.0]], [[0.5, 0.5]])
    array([2.])
    >>> v_from_q([[1.0, 3.0]], [1])
    array([3.])
    """
    q = _check_q_alone(Q)
    S, A = q.shape
    p = _policy_layout(pi)
    if p.shape[0] != S or (p.ndim == 2 and p.shape[1] != A):
        want = f"({S},) or ({S}, {A})"
        msg = (
            f"`pi` has shape {p.shape} but `Q` has shape {q.shape}; expected a "
            f"policy of shape {want}."
        )
        raise PolicyError(msg)
    if p.ndim == 1:
        if p.dtype.kind not in "iu" or (p < 0).any() or (p >= A).any():
            msg = (
                f"deterministic `pi` must hold actions in 0..{A - 1}; got {p.tolist()}."
            )
            raise PolicyError(msg)
        return q[np.arange(S), p.astype(np.intp)]
    return (np.where(p > 0, q, 0.0) * p).sum(axis=1)


def backup_v(m: MDP, V: npt.ArrayLike, pi: npt.ArrayLike) -> FloatArray:
    r"""``(T^pi V)(s) = sum_a pi(a|s) [r(s,a) + gamma sum_s' P(s'|s,a) V(s')]``.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> m = MDP(np.ones((2, 2, 2)) / 2, R=[[0.0, 1.0], [2.0, 3.0]], gamma=0.5)
    >>> backup_v(m, [2.0, 4.0], [[0.5, 0.5], [1.0, 0.0]])
    array([2. , 3.5])
    """
    pi = check_policy(m, pi)
    return v_from_q(q_from_v(m, V), pi)


def backup_q(m: MDP, Q: npt.ArrayLike, pi: npt.ArrayLike) -> FloatArray:
    r"""``(T^pi Q)(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) sum_a' pi(a'|s') Q(s',a')``.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> m = MDP(np.ones((2, 2, 2)) / 2, R=[[0.0, 1.0], [2.0, 3.0]], gamma=0.5)
    >>> backup_q(m, [[2.0, 0.0], [4.0, 0.0]], [0, 0])
    array([[1.5, 2.5],
           [3.5, 4.5]])
    """
    pi = check_policy(m, pi)
    return q_from_v(m, v_from_q(_check_q(m, Q), pi))


def optimal_backup_v(m: MDP, V: npt.ArrayLike) -> FloatArray:
    r"""``(T* V)(s) = max_a [r(s,a) + gamma sum_s' P(s'|s,a) V(s')]``.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> m = MDP(np.ones((2, 2, 2)) / 2, R=[[0.0, 1.0], [2.0, 3.0]], gamma=0.5)
    >>> optimal_backup_v(m, [2.0, 4.0])
    array([2.5, 4.5])
    """
    return q_from_v(m, V).max(axis=1)


def optimal_backup_q(m: MDP, Q: npt.ArrayLike) -> FloatArray:
    r"""``(T* Q)(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) max_a' Q(s',a')``.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP
    >>> m = MDP(np.ones((2, 2, 2)) / 2, R=[[0.0, 1.0], [2.0, 3.0]], gamma=0.5)
    >>> optimal_backup_q(m, [[2.0, 0.0], [4.0, 0.0]])
    array([[1.5, 2.5],
           [3.5, 4.5]])
    """
    return q_from_v(m, _check_q(m, Q).max(axis=1))


# ------------------------------------------------------------------ verify
@dataclass(frozen=True)
class BellmanCheck:
    """One identity checked: its max-norm residual and whether it passed."""

    key: str
    equation: str
    residual: float
    tol: float
    passed: bool
    worst_state: int = -1
    note: str = ""


@dataclass(frozen=True)
class BellmanReport:
    """The result of :func:`verify`: one :class:`BellmanCheck` per identity.

    ``report.ok`` is ``True`` when every check passed; ``report["v_star"]``
    gives one check by key; ``str(report)`` is a readable table.
    """

    checks: tuple[BellmanCheck, ...]
    tol: float
    _by_key: dict[str, BellmanCheck] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._by_key.update({c.key: c for c in self.checks})

    @property
    def ok(self) -> bool:
        """Whether every identity holds within its tolerance."""
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> tuple[BellmanCheck, ...]:
        """The checks that did not pass."""
        return tuple(c for c in self.checks if not c.passed)

    def __getitem__(self, key: str) -> BellmanCheck:
        return self._by_key[key]

    def __iter__(self) -> Iterator[BellmanCheck]:
        return iter(self.checks)

    def __len__(self) -> int:
        return len(self.checks)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        w = max(len(c.equation) for c in self.checks)
        lines = [f"Bellman identities (max-norm residual, tol {self.tol:.1e})"]
        for c in self.checks:
            mark = "pass" if c.passed else "FAIL"
            where = (
                f"  worst at state {c.worst_state}"
                if (not c.passed and c.worst_state >= 0)
                else ""
            )
            note = f"  ({c.note})" if c.note else ""
            lines.append(
                f"  {c.equation:<{w}}  {c.residual:10.3e}  {mark}{where}{note}"
            )
        lines.append(
            "all identities hold"
            if self.ok
            else f"{len(self.failed)} identity(ies) FAIL"
        )
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython
        p.text(str(self))


def _check(
    key: str, equation: str, diff: np.ndarray, tol: float, note: str = ""
) -> BellmanCheck:
    diff = np.abs(np.where(np.isfinite(diff), diff, 0.0))
    flat = diff.reshape(diff.shape[0], -1).max(axis=1) if diff.size else diff
    res = float(flat.max()) if flat.size else 0.0
    worst = int(np.argmax(flat)) if flat.size else -1
    return BellmanCheck(key, equation, res, tol, res <= tol, worst, note)


def _pin_terminal(m: MDP, diff: np.ndarray, x: np.ndarray) -> np.ndarray:
    """On terminal states the identity to check is ``V = 0`` (``Q = 0``).

    ``T V = V`` alone does not pin it when ``gamma = 1``: any ``V + c`` solves
    it, because terminal rows are self-loops.
    """
    term = m.terminal if diff.ndim == 1 else m.terminal[:, None] & m.action_mask
    return np.where(term, x, diff)


def verify(
    m: MDP,
    pi: npt.ArrayLike | None = None,
    V: npt.ArrayLike | None = None,
    Q: npt.ArrayLike | None = None,
    V_star: npt.ArrayLike | None = None,
    Q_star: npt.ArrayLike | None = None,
    tol: float = 1e-8,
    *,
    pi_star: npt.ArrayLike | None = None,
) -> BellmanReport:
    r"""Check the Bellman identities that apply to what is given.

    Given a policy ``pi`` with its ``V`` = V^pi and/or ``Q`` = Q^pi:

    * ``V^pi = T^pi V^pi``
    * ``Q^pi = T^pi Q^pi``
    * ``V^pi(s) = sum_a pi(a|s) Q^pi(s,a)``
    * ``sum_a pi(a|s) A^pi(s,a) = 0`` with ``A^pi = Q^pi - V^pi``

    Given claimed optimal ``V_star`` and/or ``Q_star``:

    * ``V* = T* V*``, ``Q* = T* Q*``, ``V*(s) = max_a Q*(s,a)``
    * the greedy policy of ``Q*`` (of ``q_from_v(V*)`` if only ``V*`` is given)
      attains ``V*``: its exact value ``V^{greedy}`` equals ``V*``.  With
      ``gamma = 1``, ties are broken towards actions that reach a terminal
      state (a looping tied action has the same ``Q*`` but never terminates).

    Given a claimed optimal policy ``pi_star`` (e.g. ``result.policy``) with
    ``V_star`` or ``Q_star``:

    * ``V^{pi*} = V*``: its exact value attains the optimum (this catches a
      policy that is greedy but loops forever when ``gamma = 1``).

    On terminal states each of ``V^pi = T^pi V^pi``, ``Q^pi = T^pi Q^pi``,
    ``V* = T* V*`` and ``Q* = T* Q*`` is checked as ``V = 0`` (``Q = 0``):
    terminal states are absorbing with zero reward, and with ``gamma = 1`` the
    fixed-point equation alone holds for ``V + c`` too.

    Parameters
    ----------
    m : MDP
    pi : int [S] or float [S, A], optional
    V : array_like (S,), optional
    Q : array_like (S, A), optional
    V_star : array_like (S,), optional
    Q_star : array_like (S, A), optional
    tol : float
        Max-norm residual allowed for each identity.
    pi_star : int [S] or float [S, A], optional
        A claimed optimal policy, checked by exact evaluation against ``V*``.

    Returns
    -------
    BellmanReport
        ``.ok``, per-identity ``.checks``, and a table as ``str(report)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mdp import MDP, bellman
    >>> P = np.zeros((2, 2, 2)); P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1
    >>> m = MDP(P, R=[0.0, 1.0], gamma=0.9)
    >>> V_star = np.array([9.0, 10.0])           # move to state 1, then stay
    >>> report = bellman.verify(m, V_star=V_star)
    >>> report.ok
    True
    >>> bellman.verify(m, V_star=V_star + [0.0, 0.1]).ok
    False
    """
    tol = check_tol(tol)
    if (
        pi is not None
        and V is None
        and Q is None
        and (V_star is not None or Q_star is not None)
    ):
        msg = (
            "`pi` is checked with its own V^pi / Q^pi (`V=`, `Q=`); to check a "
            "claimed optimal policy against V_star / Q_star pass it as `pi_star=`."
        )
        raise MDPError(msg)
    if pi is None and (V is not None or Q is not None):
        msg = "`V` and `Q` are checked as V^pi and Q^pi: pass the policy `pi` too."
        raise MDPError(msg)
    if pi is not None and V is None and Q is None:
        msg = "`pi` given without `V` or `Q`: pass V^pi and/or Q^pi to check."
        raise MDPError(msg)
    if V_star is None and Q_star is None and pi is None:
        msg = "nothing to verify: pass `pi` with `V`/`Q`, and/or `V_star`/`Q_star`."
        raise MDPError(msg)
    checks: list[BellmanCheck] = []
    live = m.action_mask
    if pi is not None:
        pi = check_policy(m, pi)
        pim = to_matrix(pi, m.n_actions)
        v = _check_v(m, V) if V is not None else None
        q = _check_q(m, Q) if Q is not None else None
        if m.gamma == 1.0:
            # T^pi V = V has many solutions when pi never terminates: V^pi is undefined
            try:
                check_proper(m, policy_matrices(m, pi)[0])
            except ImproperPolicyError as exc:
                checks.append(
                    BellmanCheck(
                        "pi_terminates",
                        "pi reaches a terminal state w.p. 1",
                        float("inf"),
                        tol,
                        False,
                        -1,
                        str(exc),
                    )
                )
        if v is not None:
            diff = _pin_terminal(m, v - backup_v(m, v, pi), v)
            checks.append(_check("v_pi", "V^pi = T^pi V^pi", diff, tol))
        if q is not None:
            tq = q_from_v(m, v_from_q(q, pim))
            diff = _pin_terminal(m, np.where(live, q, 0.0) - np.where(live, tq, 0.0), q)
            checks.append(_check("q_pi", "Q^pi = T^pi Q^pi", diff, tol))
        if v is not None and q is not None:
            checks.append(
                _check(
                    "v_pi_from_q_pi",
                    "V^pi(s) = sum_a pi(a|s) Q^pi(s,a)",
                    v - v_from_q(q, pim),
                    tol,
                )
            )
            adv = np.where(pim > 0, q - v[:, None], 0.0)
            checks.append(
                _check(
                    "advantage_mean_zero",
                    "sum_a pi(a|s) A^pi(s,a) = 0",
                    (pim * adv).sum(axis=1),
                    tol,
                )
            )
    vs = _check_v(m, V_star, "V_star") if V_star is not None else None
    qs = _check_q(m, Q_star, "Q_star") if Q_star is not None else None
    if vs is not None:
        diff = _pin_terminal(m, vs - optimal_backup_v(m, vs), vs)
        checks.append(_check("v_star", "V* = T* V*", diff, tol))
    if qs is not None:
        tqs = optimal_backup_q(m, qs)  # -inf - -inf is NaN: subtract live pairs only
        diff = _pin_terminal(m, np.where(live, qs, 0.0) - np.where(live, tqs, 0.0), qs)
        checks.append(_check("q_star", "Q* = T* Q*", diff, tol))
    if vs is not None and qs is not None:
        checks.append(
            _check(
                "v_star_max_q_star", "V*(s) = max_a Q*(s,a)", vs - qs.max(axis=1), tol
            )
        )
    if vs is not None or qs is not None:
        q_for_greedy = qs if qs is not None else q_from_v(m, _given(vs))
        target = vs if vs is not None else _given(qs).max(axis=1)
        mu = proper_greedy(m, q_for_greedy, tol)
        eq = "V^{greedy(Q*)} = V*"
        try:
            v_mu, _ = solve_policy_value(
                m, mu, method="auto", tol=tol * 1e-2, validate=False
            )
            checks.append(_check("greedy_attains_v_star", eq, v_mu - target, tol))
        except ImproperPolicyError as exc:
            checks.append(
                BellmanCheck(
                    "greedy_attains_v_star",
                    eq,
                    float("inf"),
                    tol,
                    False,
                    -1,
                    f"greedy policy is improper: {exc}",
                )
            )
    if pi_star is not None:
        if vs is None and qs is None:
            msg = "`pi_star` is checked against V*: pass `V_star` or `Q_star` too."
            raise MDPError(msg)
        target = vs if vs is not None else _given(qs).max(axis=1)
        pis = check_policy(m, pi_star)
        eq = "V^{pi*} = V*  (the given policy)"
        try:
            v_pi, _ = solve_policy_value(
                m, pis, method="auto", tol=tol * 1e-2, validate=False
            )
            checks.append(_check("policy_attains_v_star", eq, v_pi - target, tol))
        except ImproperPolicyError as exc:
            checks.append(
                BellmanCheck(
                    "policy_attains_v_star",
                    eq,
                    float("inf"),
                    tol,
                    False,
                    -1,
                    f"the policy is improper: {exc}",
                )
            )
    return BellmanReport(tuple(checks), tol)
