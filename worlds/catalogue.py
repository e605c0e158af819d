"""The catalogue: every named world, built by name with optional parameters.

:func:`names` lists them, :func:`describe` gives a one-line description,
:func:`make` builds one (a :class:`~worlds.grid.GridWorld` for the
gridworlds, a :class:`~worlds.classics.World` for the others; both have
``.mdp``), and :func:`parse_params` turns command-line ``key=value``
strings into typed keyword arguments for :func:`make`.

Names are lower case with hyphens; :func:`make` also accepts upper case and
underscores (``"Cliff_Walking"``).  An unknown name or parameter raises
:class:`WorldError` (a :class:`ValueError`) that suggests the closest valid
names.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .classics import (
    World,
    WorldError,
    forest,
    gamblers_problem,
    garnet_world,
    jacks_car_rental,
    random_walk,
    river_swim,
)
from .corridor import short_corridor
from .grid.classics import GRID_ENTRIES
from .grid.mazes import MAZE_ENTRIES
from .learning_worlds import bandit, blackjack, maximization_bias, taxi

__all__ = [
    "names",
    "make",
    "describe",
    "parameters",
    "parse_params",
    "parse_map_params",
    "WorldError",
]


@dataclass(frozen=True)
class _Entry:
    factory: Callable[..., Any]
    description: str


_CLASSIC_ENTRIES: dict[str, tuple[Callable[..., World], str]] = {
    "random-walk": (
        random_walk,
        "Sutton & Barto Ex. 6.2: 5-state random walk, +1 for exiting on the right.",
    ),
    "random-walk-19": (
        functools.partial(random_walk, n_states=19, left_reward=-1.0),
        "Sutton & Barto Ex. 7.1: 19-state random walk, -1 / +1 for exiting "
        "left / right.",
    ),
    "gamblers-problem": (
        gamblers_problem,
        "Sutton & Barto Ex. 4.3: stake on coin flips (p_h 0.4) to reach $100.",
    ),
    "jacks-car-rental": (
        jacks_car_rental,
        "Sutton & Barto Ex. 4.2: move cars between two Poisson rental "
        "locations, 441 states.",
    ),
    "forest": (
        forest,
        "pymdptoolbox forest management: wait or cut a forest that may burn.",
    ),
    "river-swim": (
        river_swim,
        "Strehl & Littman (2008) RiverSwim: 6-state chain, hard exploration.",
    ),
    "maximization-bias": (
        maximization_bias,
        "Sutton & Barto Ex. 6.7: A -> B whose 10 actions pay N(-0.1, 1), or A -> end.",
    ),
    "bandit": (
        bandit,
        "Sutton & Barto Fig. 2.2: the 10-armed testbed, q*(a) ~ N(0, 1) from seed.",
    ),
    "blackjack": (
        blackjack,
        "Sutton & Barto Ex. 5.1: blackjack, infinite deck, hit or stick.",
    ),
    "taxi": (
        taxi,
        "Gymnasium Taxi (Dietterich 2000): 500 states, tables read from Gymnasium.",
    ),
    "short-corridor": (
        short_corridor,
        "Sutton & Barto Ex. 13.1: short corridor with switched actions, one "
        "observation for all cells.",
    ),
    "garnet": (
        garnet_world,
        "Garnet random MDP (Archibald et al. 1995): 100 states, 4 actions, "
        "5 successors.",
    ),
}


def _registry() -> dict[str, _Entry]:
    clash = set(_CLASSIC_ENTRIES) & set(GRID_ENTRIES)
    if clash:  # pragma: no cover - a programming error caught by the tests
        msg = f"world names registered twice: {sorted(clash)}"
        raise RuntimeError(msg)
    merged = {**GRID_ENTRIES, **_CLASSIC_ENTRIES, **MAZE_ENTRIES}
    return {name: _Entry(fn, desc) for name, (fn, desc) in sorted(merged.items())}


_REGISTRY = _registry()


# --------------------------------------------------------------- lookup
def names() -> list[str]:
    """Names of every world in the catalogue, sorted.

    Examples
    --------
    >>> "gamblers-problem" in names() and "cliff-walking" in names()
    True
    >>> names() == sorted(names())
    True
    """
    return list(_REGISTRY)


def _entry(name: str) -> tuple[str, _Entry]:
    if not isinstance(name, str):
        msg = f"a world name must be a str; got {name!r}. See worlds.names()."
        raise WorldError(msg)
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if key in _REGISTRY:
        return key, _REGISTRY[key]
    close = difflib.get_close_matches(key, list(_REGISTRY), n=3, cutoff=0.6)
    hint = f" Did you mean {_or_list(close)}?" if close else ""
    msg = f"unknown world {name!r}.{hint} Known worlds: {', '.join(_REGISTRY)}."
    raise WorldError(msg)


def _or_list(items: list[str]) -> str:
    quoted = [repr(x) for x in items]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _parameters(factory: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    """The keyword parameters of ``factory`` (with the catalogue's defaults)."""
    sig = inspect.signature(factory)
    return {
        p.name: p
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }


def describe(name: str) -> str:
    """One-line description of world ``name``.

    Raises
    ------
    WorldError
        If ``name`` is unknown (the message suggests close matches).

    Examples
    --------
    >>> describe("forest")
    'pymdptoolbox forest management: wait or cut a forest that may burn.'
    """
    return _entry(name)[1].description


def parameters(name: str) -> dict[str, Any]:
    """The parameters of world ``name`` and their defaults.

    Raises
    ------
    WorldError
        If ``name`` is unknown.

    Examples
    --------
    >>> parameters("gamblers-problem")
    {'p_h': 0.4, 'goal': 100, 'gamma': 1.0}
    >>> parameters("random-walk-19")["n_states"]
    19
    """
    _, entry = _entry(name)
    return {k: p.default for k, p in _parameters(entry.factory).items()}


# ----------------------------------------------------------------- build
def make(name: str, **params: Any) -> Any:
    """Build world ``name`` with keyword ``params`` (the rest at their defaults).

    Parameters
    ----------
    name : str
        A name from :func:`names`; case and ``_`` versus ``-`` do not matter.
    **params
        Arguments of the world's factory (see :func:`parameters` for the list
        and defaults, and each factory's docstring for their meaning).

    Returns
    -------
    GridWorld or World
        Either way the tables are ``.mdp``; a :class:`~worlds.classics.World`
        carries the catalogue ``name`` and the parameters used.

    Raises
    ------
    WorldError
        For an unknown name or parameter (the message lists the close
        matches and the valid parameters), a value for a ``bool`` parameter
        that is neither a bool nor a word below, or a string given for a
        number.  Other invalid *values* raise the factory's own error (an
        :class:`mdp.MDPError`, also a ``ValueError``).

    Notes
    -----
    Values from Python are taken as they are, with two rules, so that text
    never means something else silently:

    * a ``bool`` parameter (``is_slippery``, ``king_moves``, ...) takes
      ``True``/``False`` or the command line's words ``"true"/"false"``,
      ``"yes"/"no"``, ``"on"/"off"``, ``"1"/"0"`` (any case); anything else,
      ``1`` and ``"maybe"`` included, is an error (a non-empty string would
      otherwise be true);
    * a number parameter (``int``, ``float`` or a tuple of numbers) given a
      string is an error that points to :func:`parse_params`, which converts
      command-line text (there ``"3.0"`` is the integer 3, as the text names
      a whole number; from Python, ``3.0`` for an ``int`` parameter is the
      factory's decision, and the factories ask for ``3``).

    Examples
    --------
    >>> w = make("gamblers-problem", p_h=0.25, goal=10)
    >>> w.name, w.n_states, w.params["p_h"]
    ('gamblers-problem', 11, 0.25)
    >>> make("random-walk-19").mdp.n_states
    21
    >>> make("frozenlake-4x4", is_slippery=False).mdp.n_states
    16
    >>> make("frozenlake-4x4", is_slippery="no").mdp.P.nnz     # not slippery
    64
    """
    key, entry = _entry(name)
    valid = _parameters(entry.factory)
    unknown = [k for k in params if k not in valid]
    if unknown:
        raise WorldError(_unknown_params_message(key, unknown, list(valid)))
    params = {k: _python_value(v, valid[k].default, k, key) for k, v in params.items()}
    world = entry.factory(**params)
    if isinstance(world, World) and world.name != key:
        world = dataclasses.replace(world, name=key)
    return world


def _unknown_params_message(name: str, unknown: list[str], valid: list[str]) -> str:
    hints = []
    lower = {v.lower(): v for v in valid}
    for k in unknown:
        close = [lower[k.lower()]] if k.lower() in lower else []
        close = close or difflib.get_close_matches(k, valid, n=1, cutoff=0.6)
        hints.append(f"{k!r} (did you mean {close[0]!r}?)" if close else repr(k))
    listed = ", ".join(valid) if valid else "none"
    s = "s" if len(unknown) > 1 else ""
    who = name if name.startswith(("world ", "the map", "map ")) else f"world {name!r}"
    return f"{who} has no parameter{s} {', '.join(hints)}; valid parameters: {listed}."


# ------------------------------------------------------ command-line values
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _python_value(value: Any, default: Any, key: str, world: str) -> Any:
    """A value given to :func:`make` from Python, checked against the default."""
    where = f"parameter {key!r} of world {world!r}"
    if isinstance(default, bool):
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, str):
            low = value.strip().lower()
            if low in _TRUE or low in _FALSE:
                return low in _TRUE
        msg = (
            f"{where} must be True or False (or one of the words true/false, "
            f"yes/no, on/off, 1/0); got {value!r}."
        )
        raise WorldError(msg)
    if isinstance(value, str) and isinstance(default, (int, float, tuple)):
        msg = (
            f"{where} must be a number, not the string {value!r}; pass a number, "
            f"or convert command-line text with worlds.parse_params({world!r}, "
            f"['{key}={value}'])."
        )
        raise WorldError(msg)
    return value


def parse_params(name: str, items: Iterable[str]) -> dict[str, Any]:
    """Parse ``["key=value", ...]`` strings into typed arguments for :func:`make`.

    Each value is converted to the type of the parameter's default:

    * ``bool``: ``true/false``, ``yes/no``, ``on/off``, ``1/0`` (any case);
    * ``int``, ``float``: the number (an ``int`` parameter reads ``3.0`` as 3,
      a whole number, and rejects ``2.5``);
    * ``tuple``: comma-separated numbers, ``"3,4"`` or ``"(3, 4)"``, each
      converted like the default's elements;
    * ``str``: as given;
    * no default or ``None``: an int, a float, a bool word, else the string.

    Parameters
    ----------
    name : str
        The world, as for :func:`make`.
    items : iterable of str
        ``"key=value"`` strings.

    Returns
    -------
    dict
        ``{key: value}``, ready for ``make(name, **params)``.

    Raises
    ------
    WorldError
        For an unknown world, an item without ``=``, an unknown or repeated
        key, or a value that cannot be converted (the message names the
        expected type).

    Examples
    --------
    >>> parse_params("jacks-car-rental", ["max_cars=10", "lam_req=3,4", "gamma=0.8"])
    {'max_cars': 10, 'lam_req': (3.0, 4.0), 'gamma': 0.8}
    >>> parse_params("frozenlake-8x8", ["is_slippery=false"])
    {'is_slippery': False}
    """
    key_name, entry = _entry(name)
    return _parse(key_name, f"world {key_name!r}", _parameters(entry.factory), items)


#: GridWorld arguments that take Python objects, not command-line values.
_PYTHON_ONLY = ("grid_map", "jumps", "cell_rewards")


def parse_map_params(items: Iterable[str], label: str = "the map") -> dict[str, Any]:
    """Parse ``["key=value", ...]`` into keyword arguments of :class:`GridWorld`.

    The same conversions as :func:`parse_params`, driven by the defaults of
    ``GridWorld(...)``; ``wind`` takes comma-separated integers, ``slip`` a
    number or ``frozenlake``, ``legend`` comma-separated ``CHAR:KIND`` or
    ``CHAR:KIND:REWARD`` entries.  ``jumps`` and ``cell_rewards`` take
    Python objects and are set from Python only.

    Examples
    --------
    >>> parse_map_params(["step_reward=-1", "moves=8", "wind=0,1,1,0", "slip=0.2"])
    {'step_reward': -1.0, 'moves': '8', 'wind': (0, 1, 1, 0), 'slip': 0.2}
    >>> parse_map_params(["legend=~:floor,$:goal:10"])
    {'legend': {'~': 'floor', '$': ('goal', 10.0)}}
    """
    from .grid import GridWorld

    valid = {k: p for k, p in _parameters(GridWorld).items() if k not in _PYTHON_ONLY}
    items = [items] if isinstance(items, str) else list(items)
    for item in items:
        key = item.partition("=")[0].strip() if isinstance(item, str) else ""
        if key in _PYTHON_ONLY:
            msg = (
                f"map parameter {key!r} takes a Python object; set it from Python: "
                f"GridWorld(path, {key}=...)."
            )
            raise WorldError(msg)
    special: dict[str, Any] = {}
    rest = []
    for item in items:
        key, _, text = item.partition("=") if isinstance(item, str) else (item, "", "")
        key, text = key.strip(), text.strip()
        if key == "wind" and text:
            special["wind"] = tuple(
                _number(p.strip(), int, f"map parameter 'wind' of {label}")
                for p in text.strip("()[] ").split(",")
                if p.strip()
            )
        elif key == "slip" and text.lower() == "frozenlake":
            special["slip"] = "frozenlake"
        elif key == "legend":
            special["legend"] = _legend(text, label)
        else:
            rest.append(item)
    out = _parse(label, label, valid, rest)
    out.update(special)
    return {k: out[k] for k in [i.partition("=")[0].strip() for i in items] if k in out}


def _legend(text: str, label: str) -> dict[str, Any]:
    """``"~:floor,$:goal:10"`` -> ``{"~": "floor", "$": ("goal", 10.0)}``."""
    out: dict[str, Any] = {}
    for entry in (e.strip() for e in text.split(",")):
        parts = entry.split(":")
        if len(parts) not in (2, 3) or len(parts[0]) != 1 or not parts[1]:
            msg = (
                f"map parameter 'legend' of {label}: {entry!r} is not CHAR:KIND or "
                f"CHAR:KIND:REWARD (e.g. legend=~:floor,$:goal:10)."
            )
            raise WorldError(msg)
        ch, kind = parts[0], parts[1].strip()
        if len(parts) == 3:
            where = f"the reward of legend entry {entry!r} of {label}"
            out[ch] = (kind, _number(parts[2].strip(), float, where))
        else:
            out[ch] = kind
    return out


def _parse(
    key_name: str, label: str, valid: dict[str, inspect.Parameter], items: Iterable[str]
) -> dict[str, Any]:
    if isinstance(items, str):
        items = [items]
    out: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, str) or "=" not in item:
            msg = (
                f"parameter {item!r} for {label} is not of the form "
                f"key=value (e.g. gamma=0.9)."
            )
            raise WorldError(msg)
        key, _, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if key not in valid:
            raise WorldError(_unknown_params_message(label, [key], list(valid)))
        if key in out:
            msg = f"parameter {key!r} for {label} is given twice."
            raise WorldError(msg)
        out[key] = _convert(text, valid[key].default, key, key_name)
    return out


def _convert(text: str, default: Any, key: str, world: str) -> Any:
    where = f"parameter {key!r} of world {world!r}"
    if isinstance(default, bool):
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        msg = f"{where} must be true or false; got {text!r}."
        raise WorldError(msg)
    if isinstance(default, int):
        return _number(text, int, where)
    if isinstance(default, float):
        return _number(text, float, where)
    if isinstance(default, tuple):
        parts = [p.strip() for p in text.strip("()[] ").split(",") if p.strip()]
        if default and len(parts) != len(default):
            msg = (
                f"{where} must be {len(default)} comma-separated values like "
                f"{','.join(str(x) for x in default)}; got {text!r}."
            )
            raise WorldError(msg)
        kinds = [type(x) for x in default] or [float] * len(parts)
        return tuple(
            _number(p, int if t is int else float, where)
            for p, t in zip(parts, kinds, strict=True)
        )
    if isinstance(default, str):
        return text
    return _guess(text)


def _number(text: str, kind: type, where: str) -> Any:
    try:
        value = float(text)
    except ValueError:
        value = None
    if kind is int and value is not None and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if kind is float and value is not None:
        return value
    what = "an integer" if kind is int else "a number"
    msg = f"{where} must be {what}; got {text!r}."
    raise WorldError(msg)


def _guess(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    return text
