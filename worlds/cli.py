"""The ``mdpkit`` command line.

::

    mdpkit list                                  the catalogue, one line each
    mdpkit show NAME | --map FILE                the map, sizes, terminals
    mdpkit solve NAME | --map FILE | FILE.npz    solve, verify, draw
        [--method vi|pi|mpi|lp] [--gamma G] [--tol T] [--out FILE.png]
    mdpkit check NAME | ...                      exit 1 if an identity fails
    mdpkit graph NAME | ... --out FILE.png       the transition graph
    mdpkit save NAME | ... --out FILE.npz        export the MDP tables
    mdpkit plan NAME --method mcts|mpc           run a planner as the agent
    mdpkit learn NAME --method q-learning ...    learn from samples, score exactly

``--param key=value`` (repeatable) passes parameters to a catalogue world.
Errors in names, files and parameters print one line and exit with code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from mdp import MDP, bellman
from mdp import __version__ as _version

from .grid import grid_cells, is_grid_world

__all__ = ["main"]

_METHODS = {
    "vi": "value_iteration",
    "pi": "policy_iteration",
    "mpi": "modified_policy_iteration",
    "lp": "linear_programming",
}


class CLIError(Exception):
    """A user error: printed as one line, exit code 2."""


# ------------------------------------------------------------------ loading
def _load_target(args: argparse.Namespace) -> tuple[Any, MDP, str]:
    """(world or None, mdp, label) from NAME, --map FILE or FILE.npz."""
    params = getattr(args, "param", None) or []
    gamma = getattr(args, "gamma", None)
    if getattr(args, "map", None):
        if args.target:
            msg = "give either a world NAME or --map FILE, not both."
            raise CLIError(msg)
        from .catalogue import parse_map_params
        from .grid import GridWorld, GridWorldError

        label = os.path.basename(args.map)
        kwargs = parse_map_params(params, label=f"the map {label!r}")
        if gamma is not None:
            kwargs["gamma"] = gamma
        if not os.path.isfile(args.map):
            what = (
                "is a directory, not a map file"
                if os.path.isdir(args.map)
                else "does not exist"
            )
            msg = f"map file {args.map!r} {what}."
            raise CLIError(msg)
        kwargs.setdefault("name", label)
        try:
            world = GridWorld(args.map, **kwargs)
        except GridWorldError as exc:
            char = getattr(exc, "char", None)
            if char is None:
                raise
            where = str(exc).split(". Known characters")[0]
            msg = (
                f"{where}. Known characters: {exc.known!r}; declare it with "
                f"--param 'legend={char}:floor' (kinds: floor, wall, start, goal, "
                f"hole, cliff; a reward on entry as 'legend={char}:goal:10')."
            )
            raise CLIError(msg) from exc
        m = world.mdp
        label = os.path.basename(args.map)
    elif args.target is None:
        msg = "name a world (see `mdpkit list`), or give --map FILE or an .npz file."
        raise CLIError(msg)
    elif args.target.endswith(".npz"):
        if params:
            msg = "--param applies to catalogue worlds, not to a saved .npz MDP."
            raise CLIError(msg)
        if not os.path.exists(args.target):
            msg = f"MDP file {args.target!r} does not exist."
            raise CLIError(msg)
        m = MDP.load(args.target)
        if gamma is not None:
            m = m.replace(gamma=gamma)
        world, label = None, os.path.basename(args.target)
    else:
        from . import catalogue

        if os.path.isdir(args.target):
            msg = (
                f"{args.target!r} is a directory; name a world (see `mdpkit list`), "
                f"or give --map FILE or an .npz file."
            )
            raise CLIError(msg)
        if args.target not in catalogue.names() and (
            os.path.isfile(args.target) or args.target.lower().endswith(".txt")
        ):
            msg = (
                f"{args.target!r} is not a catalogue world; to read a map file, "
                f"give it with --map {args.target}."
            )
            raise CLIError(msg)
        kwargs = catalogue.parse_params(args.target, params)
        if gamma is not None:
            kwargs["gamma"] = gamma
        world = catalogue.make(args.target, **kwargs)
        m, label = world.mdp, args.target
    return world, m, label


def _out_path(out: str, label: str, suffix: str) -> str:
    """The file ``--out`` names: a directory gets ``<label><suffix>`` inside it,
    a name without a suffix gets ``suffix``; a name with no stem is an error."""
    if os.path.isdir(out) or out.endswith(("/", os.sep)):
        stem = os.path.splitext(label)[0] or "mdpkit"
        return os.path.join(out, stem + suffix)
    base = os.path.basename(out)
    stem, ext = os.path.splitext(base)
    if not stem or stem.startswith(".") and not ext:
        msg = (
            f"--out {out!r} has no file name; give one such as "
            f"{os.path.join(os.path.dirname(out), 'figure' + suffix)!r}, or a directory."
        )
        raise CLIError(msg)
    path = out if ext else out + suffix
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        raise CLIError(f"--out {out!r}: the directory {folder!r} does not exist.")
    if suffix == ".png" and ext:  # a figure: a format matplotlib can write
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        formats = FigureCanvasAgg(Figure()).get_supported_filetypes()
        if ext[1:].lower() not in formats:
            msg = (
                f"--out {out!r}: matplotlib cannot write {ext!r} figures; use "
                f"one of {', '.join('.' + f for f in sorted(formats))}."
            )
            raise CLIError(msg)
    return path


# ------------------------------------------------------------------ solving
def _solve(m: MDP, method: str, tol: float, verbose: bool):
    import solvers

    fn = getattr(solvers, _METHODS[method], None)
    if fn is None:
        msg = f"method {method!r} is not available in this version of solvers."
        raise CLIError(msg)
    if method == "lp":
        return fn(m)
    return fn(m, tol=tol, verbose=verbose)


_ARROWS = {
    (-1, 0): "↑",
    (0, 1): "→",
    (1, 0): "↓",
    (0, -1): "←",
    (0, 0): "•",
    (-1, 1): "↗",
    (1, 1): "↘",
    (1, -1): "↙",
    (-1, -1): "↖",
}


def _grid_text(world: Any, values: np.ndarray | None, policy: np.ndarray | None) -> str:
    nrow, ncol = world.shape
    m = world.mdp
    cells = [["" for _ in range(ncol)] for _ in range(nrow)]
    for r in range(nrow):
        for c in range(ncol):
            if world.walls[r, c]:
                cells[r][c] = "#"
    for s, (r, c) in enumerate(grid_cells(world).tolist()):
        if values is not None:
            cells[r][c] = f"{values[s]:.2f}"
        elif m.terminal[s]:
            cells[r][c] = "T"
        elif policy is not None:
            dr, dc = (int(x) for x in world.action_deltas[policy[s]])
            cells[r][c] = _ARROWS.get((dr, dc), str(policy[s]))
    width = max(len(x) for row in cells for x in row)
    return "\n".join("  " + " ".join(x.rjust(width) for x in row) for row in cells)


def _summary(label: str, m: MDP) -> str:
    n_term = int(m.terminal.sum())
    return (
        f"{label}: {m.n_states} states ({n_term} terminal), {m.n_actions} actions "
        f"({', '.join(m.names.actions[:9])}{', ...' if m.n_actions > 9 else ''}), "
        f"gamma {m.gamma:g}, {m.P.nnz} transitions"
    )


def _cmd_solve(args: argparse.Namespace, check_only: bool = False) -> int:
    world, m, label = _load_target(args)
    # a bad --out is an error before the work, not after it
    out = None if check_only or not args.out else _out_path(args.out, label, ".png")
    print(_summary(label, m))
    # progress on stderr when a person watches (a terminal), or when asked
    verbose = args.verbose or (sys.stderr.isatty() and not args.quiet)
    res = _solve(m, args.method, args.tol, verbose)
    if out:
        _write_figure(world, m, res, out, label)
    print(
        f"{res.method}: {'converged' if res.converged else 'NOT converged'} after "
        f"{res.iterations} iteration(s) in {res.elapsed:.3f} s"
        + (
            f"; ||V - V*|| <= {res.error_bound:.2e}"
            if np.isfinite(res.error_bound)
            else ""
        )
    )
    if not np.isfinite(res.error_bound) and m.gamma == 1.0:
        print(f"  ({res.bound})")
    if is_grid_world(world) and not check_only:
        print("V*:")
        print(_grid_text(world, res.V, None))
        print("greedy policy:")
        print(_grid_text(world, None, res.policy))
    elif not check_only and m.n_states <= 30:
        names = m.names
        for s in range(m.n_states):
            action = (
                "(terminal)"
                if m.terminal[s]
                else f"action {names.actions[res.policy[s]]}"
            )
            print(f"  {names.states[s]:>10}  V* = {res.V[s]: .6f}  {action}")
    elif not check_only:
        hint = f"see {out}" if out else "add --out FILE.png to draw them"
        print(f"({m.n_states} states: V* and the policy are not listed here; {hint})")
    report = bellman.verify(
        m, V_star=res.V, Q_star=res.Q, pi_star=res.policy, tol=args.check_tol
    )
    print(report)
    if out:
        print(f"wrote {out}")
    return 0 if report.ok else 1


def _write_figure(world: Any, m: MDP, res: Any, out: str, label: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from . import plot

    if world is not None:
        fig = plot.world_figure(
            world, res.V, res.policy, title=f"{label}: V* and greedy policy"
        )
    else:
        fig = Figure(figsize=(min(max(6.0, 0.4 * m.n_states), 14.0), 4.0))
        ax = fig.add_subplot()
        plot.value_bars(m, res.V, ax=ax)
        ax.set_title(f"{label}: V*")
    fig.savefig(out, dpi=120, bbox_inches="tight")


def _cmd_list(args: argparse.Namespace) -> int:
    from . import catalogue

    names = catalogue.names()
    width = max(len(n) for n in names)
    for n in names:
        print(f"{n:<{width}}  {catalogue.describe(n)}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    world, m, label = _load_target(args)
    print(_summary(label, m))
    if is_grid_world(world):
        print(str(world))
    term = np.flatnonzero(m.terminal)
    if term.size:
        shown = ", ".join(m.names.states[s] for s in term[:20])
        print(f"terminal states: {shown}{' ...' if term.size > 20 else ''}")
    start = np.flatnonzero(m.p0 > 0)
    print(f"start distribution over {start.size} state(s)")
    if not m.action_mask.all():
        print(
            f"action mask: {int((~m.action_mask).sum())} unavailable (state, action) pairs"
        )
    if args.target and not args.target.endswith(".npz") and not args.map:
        from . import catalogue

        params = catalogue.parameters(args.target)
        if params:
            shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
            print(f"parameters (--param key=value): {shown}")
    return 0


def _cmd_graph(args: argparse.Namespace) -> int:
    world, m, label = _load_target(args)
    import matplotlib

    matplotlib.use("Agg")

    from .plot import graph as graph_plot

    policy = None
    if args.policy:
        policy = _solve(m, "pi", 1e-9, False).policy
    layout: dict[int, tuple[float, float]] | str = "auto"
    if world is not None:
        layout = graph_plot.world_layout(world) or "auto"
    kwargs: dict[str, Any] = {"layout": layout}
    if args.max_states is not None:
        kwargs["max_states"] = args.max_states
    if policy is not None:
        from mdp.graph import reachable_states

        # the chain of the optimal policy, from the start states
        kwargs["states"] = reachable_states(m, pi=policy)
    out = _out_path(args.out, label, ".png")
    try:
        ax = graph_plot.mdp_graph(m, policy, **kwargs)  # a figure sized to the layout
    except graph_plot.TooManyStatesError as exc:
        what = (
            f"the optimal policy's chain from the start has {exc.n_states} states"
            if policy is not None
            else f"the graph has {exc.n_states} states"
        )
        hint = (
            ""
            if policy is not None
            else ", or --policy to draw only the optimal policy's chain"
        )
        msg = (
            f"{what} and the drawing shows at most {exc.max_states} (a bigger one "
            f"is unreadable); add --max-states {exc.n_states}{hint}."
        )
        raise CLIError(msg) from exc
    from matplotlib.figure import Figure

    sub = ax.get_figure()
    assert sub is not None  # the graph plot always draws on a figure
    fig = sub if isinstance(sub, Figure) else sub.figure  # the top-level Figure
    ax.set_title(label + (" (optimal policy's chain)" if policy is not None else ""))
    fig.savefig(out, dpi=120, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    print(f"wrote {out}")
    return 0


def _cmd_save(args: argparse.Namespace) -> int:
    _, m, label = _load_target(args)
    out = _out_path(args.out, label, ".npz")
    if not out.endswith(".npz"):
        out += ".npz"
    m.save(out)
    print(f"wrote {out} ({_summary(label, m)})")
    if out == args.out + ".npz":
        print("(numpy's .npz format: the suffix was added)")
    return 0


# ------------------------------------------------------------------ parser
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mdpkit",
        description="Tabular MDPs and gridworlds: solve exactly, verify the Bellman identities, draw.",
    )
    p.add_argument("--version", action="version", version=f"mdpkit {_version}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def target(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "target",
            nargs="?",
            help="catalogue world name, or an .npz file from MDP.save",
        )
        sp.add_argument("--map", metavar="FILE", help="a gridworld text map file")
        sp.add_argument(
            "--param",
            "-p",
            action="append",
            metavar="KEY=VALUE",
            help="world or map parameter (repeatable); `mdpkit show NAME` lists them",
        )

    sub.add_parser("list", help="list the catalogue worlds")
    sp = sub.add_parser("show", help="describe a world")
    target(sp)
    for name, hlp in (
        ("solve", "solve, print the Bellman check, write a figure"),
        ("check", "solve and verify; exit 1 if an identity fails"),
    ):
        sp = sub.add_parser(name, help=hlp)
        target(sp)
        sp.add_argument(
            "--method",
            choices=sorted(_METHODS),
            default="vi",
            help="vi: value iteration (default), pi: policy iteration, "
            "mpi: modified policy iteration, lp: linear programming",
        )
        sp.add_argument(
            "--gamma", type=float, default=None, help="override the discount"
        )
        sp.add_argument(
            "--tol",
            type=float,
            default=1e-10,
            help="solver tolerance on ||V - V*|| (guaranteed when gamma < 1)",
        )
        sp.add_argument(
            "--check-tol",
            type=float,
            default=1e-6,
            help="tolerance of the Bellman checks",
        )
        sp.add_argument(
            "--verbose",
            "-v",
            action="store_true",
            help="show solver progress (default when stderr is a terminal)",
        )
        sp.add_argument("--quiet", "-q", action="store_true", help="no progress output")
        if name == "solve":
            sp.add_argument(
                "--out",
                "-o",
                metavar="FILE.png",
                help="write the value/policy figure (.png added to a name without "
                "a suffix; in a directory: WORLD.png)",
            )
    sp = sub.add_parser("graph", help="draw the transition graph")
    target(sp)
    sp.add_argument(
        "--out",
        "-o",
        required=True,
        metavar="FILE.png",
        help="the figure (.png added to a name without a suffix; in a directory: "
        "WORLD.png)",
    )
    sp.add_argument(
        "--policy", action="store_true", help="draw the optimal policy's chain only"
    )
    sp.add_argument(
        "--max-states",
        type=int,
        default=None,
        metavar="N",
        help="draw graphs with up to N states (default: the drawing's own limit)",
    )
    # learning family: `mdpkit learn` (worlds/cli_learn.py)
    from .cli_learn import add_parser as _add_learn

    _add_learn(sub, target)
    # policy gradients (issue 9): the logic lives in worlds/cli_gradient.py
    from .cli_gradient import add_parser as add_gradient_parser

    add_gradient_parser(sub, target)
    sp = sub.add_parser("save", help="write the MDP tables to an .npz file")
    target(sp)
    sp.add_argument("--out", "-o", required=True, metavar="FILE.npz")
    from .cli_plan import add_plan_parser  # planning (issue 8)

    add_plan_parser(sub, target)
    return p


def _plan(args: argparse.Namespace, load: Any) -> int:
    from .cli_plan import run_plan

    return run_plan(args, load)


def _cli_learn_run(args: argparse.Namespace, *helpers: Any) -> int:
    from .cli_learn import run

    return run(args, *helpers)


def _cmd_gradient(args: argparse.Namespace) -> int:
    from .cli_gradient import run

    return run(args, _load_target)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mdpkit`` command line; returns the exit code.

    Examples
    --------
    >>> main(["show", "gridworld-4x4"])
    gridworld-4x4: 16 states (2 terminal), 4 actions (UP, RIGHT, DOWN, LEFT), gamma 1, 64 transitions
    G...
    ....
    ....
    ...G
    terminal states: (0, 0), (3, 3)
    start distribution over 14 state(s)
    parameters (--param key=value): gamma=1.0
    0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handlers = {
        "list": _cmd_list,
        "show": _cmd_show,
        "solve": _cmd_solve,
        "check": lambda a: _cmd_solve(a, check_only=True),
        "graph": _cmd_graph,
        "save": _cmd_save,
        "plan": lambda a: _plan(a, _load_target),
        "learn": lambda a: _cli_learn_run(a, _load_target, _grid_text, is_grid_world),
        "gradient": _cmd_gradient,
    }

    def one_line_warning(message, category, filename, lineno, file=None, line=None):
        print(f"mdpkit {args.command}: warning: {message}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = one_line_warning
            return handlers[args.command](args)
    except BrokenPipeError:  # e.g. `mdpkit solve ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except MemoryError:
        print(
            f"mdpkit {args.command}: error: out of memory; try smaller parameters.",
            file=sys.stderr,
        )
        return 2
    except (CLIError, ValueError, KeyError, OSError) as exc:
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"mdpkit {args.command}: error: {text}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
