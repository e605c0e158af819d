"""``mdpkit learn``: run a model-free learner on a world and score it exactly.

::

    mdpkit learn NAME --method q-learning|sarsa|expected-sarsa|double-q|mc|td
        [--episodes N] [--runs K] [--alpha A] [--epsilon E] [--n N] [--lam L]
        [--seed S] [--gamma G] [--max-steps T] [--out curves.png]

Control methods print the final greedy policy (on the map for grid worlds)
and its exact value ``J = p0 . V^pi`` against ``J* = p0 . V*``; prediction
methods (``mc``, ``td``) evaluate the uniform random policy (``--policy
optimal`` for an optimal one) and print the RMS error to the exact ``V^pi``.
Progress goes to stderr when it is a terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["add_parser", "run"]

CONTROL = {
    "q-learning": "q_learning",
    "sarsa": "sarsa",
    "expected-sarsa": "expected_sarsa",
    "double-q": "double_q_learning",
}
PREDICTION = ("mc", "td")


def add_parser(sub: Any, target: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``learn`` on the ``mdpkit`` subparsers."""
    sp = sub.add_parser(
        "learn", help="learn from samples (Q-learning, SARSA, MC, TD) and score exactly"
    )
    target(sp)
    sp.add_argument(
        "--method", choices=[*CONTROL, *PREDICTION], default="q-learning",
        help="the learner (default q-learning)",
    )  # fmt: skip
    sp.add_argument("--episodes", type=int, default=500, help="episodes per run")
    sp.add_argument("--runs", type=int, default=10, help="independent runs at once")
    sp.add_argument("--alpha", type=float, default=0.1, help="constant step size")
    sp.add_argument("--epsilon", type=float, default=0.1, help="exploration rate")
    sp.add_argument("--n", type=int, default=1, help="n-step SARSA / n-step TD")
    sp.add_argument("--lam", type=float, default=None, help="TD(lambda)")
    sp.add_argument("--offline", action="store_true", help="offline TD updates")
    sp.add_argument("--every-visit", action="store_true", help="every-visit MC")
    sp.add_argument(
        "--policy", choices=("uniform", "optimal"), default="uniform",
        help="policy evaluated by mc / td",
    )  # fmt: skip
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--gamma", type=float, default=None, help="override the discount")
    sp.add_argument("--max-steps", type=int, default=10_000, help="truncate episodes")
    sp.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    sp.add_argument("--out", "-o", metavar="FILE.png", help="write the learning figure")


def run(
    args: argparse.Namespace,
    load_target: Callable[[argparse.Namespace], tuple[Any, Any, str]],
    grid_text: Callable[[Any, Any, Any], str],
    is_grid: Callable[[Any], bool],
) -> int:
    """Run ``mdpkit learn`` (the helpers come from :mod:`worlds.cli`)."""
    import solvers
    from mdp import policy as mpolicy

    world, m, label = load_target(args)
    progress = not args.quiet and sys.stderr.isatty()
    common = {
        "episodes": args.episodes,
        "runs": args.runs,
        "seed": args.seed,
        "max_steps": args.max_steps,
        "progress": progress,
    }
    exact = None
    if args.method in CONTROL:
        fn = getattr(solvers, CONTROL[args.method])
        extra = {"n": args.n} if args.method == "sarsa" else {}
        # evaluate the greedy policy ~25 times, the last time after the last episode
        every = next(d for d in range(max(1, args.episodes // 25), 0, -1)
                     if args.episodes % d == 0)  # fmt: skip
        res = fn(
            m, alpha=args.alpha, epsilon=args.epsilon, eval_every=every,
            **common, **extra,
        )  # fmt: skip
    else:
        pi: Any
        if args.policy == "optimal":
            pi = solvers.policy_iteration(m).policy
        else:
            pi = mpolicy.uniform(m)
        if args.method == "mc":
            res = solvers.monte_carlo_evaluation(
                m, pi, alpha=args.alpha, first_visit=not args.every_visit, **common
            )
            exact_ok = args.every_visit
        else:
            res = solvers.td_evaluation(
                m, pi, alpha=args.alpha, n=args.n, lam=args.lam,
                offline=args.offline, **common,
            )  # fmt: skip
            exact_ok = args.offline and args.n == 1 and args.lam is None
        if exact_ok and int((~m.terminal).sum()) <= 60:
            curve = solvers.expected_learning_curve(
                m, pi, method=args.method, alpha=args.alpha, episodes=args.episodes
            )
            exact = {"exact E[MSE] (Singh & Dayan)": curve}
    steps = int(np.sum(res.steps))
    rate = steps / max(res.elapsed, 1e-9)
    print(
        f"{res.method} on {label}: {args.episodes} episodes x {args.runs} runs, "
        f"{steps} steps in {res.elapsed:.2f} s ({rate:,.0f} steps/s)"
    )
    rets = np.atleast_2d(res.episode_returns)
    tail = rets[:, -max(1, args.episodes // 10) :].mean(axis=1)
    se = tail.std(ddof=1) / np.sqrt(tail.size) if tail.size > 1 else float("nan")
    print(
        f"online return, last 10 % of episodes: {tail.mean():.3f} +- {se:.3f} (SE over runs)"
    )
    if args.method in CONTROL:
        _report_control(world, m, res, grid_text, is_grid)
    else:
        rms = np.atleast_2d(res.rms_error)[:, -1]
        print(
            f"RMS error to the exact V^pi after {args.episodes} episodes: "
            f"{rms.mean():.4f} (mean over runs)"
        )
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .plot.learning import learning_figure

        fig = learning_figure(
            world if world is not None else m, {res.method: res}, exact=exact,
            title=f"{res.method} on {label} ({args.runs} runs, alpha {args.alpha:g})",
        )  # fmt: skip
        fig.savefig(args.out, dpi=110)
        plt.close(fig)
        print(f"wrote {args.out}")
    return 0


def _report_control(world: Any, m: Any, res: Any, grid_text, is_grid) -> None:
    pol = np.atleast_2d(res.policy)
    J_star = float(m.p0 @ res.V_star)
    J = np.atleast_2d(res.greedy_value)[:, -1]  # after the last episode
    print("greedy policy of run 0:")
    if is_grid(world):
        print(grid_text(world, None, pol[0]))
    else:
        names = m.names
        for s in range(min(m.n_states, 20)):
            if not m.terminal[s]:
                print(f"  {names.states[s]:>12}  {names.actions[pol[0, s]]}")
        if m.n_states > 20:
            print(f"  ... ({m.n_states} states)")
    finite = np.isfinite(J)
    print(
        f"exact value of run 0's greedy policy (ties uniform): J = p0 . V^pi = "
        f"{J[0]:.4f}  vs  J* = p0 . V* = {J_star:.4f}"
    )
    if J.size > 1:
        reg = J_star - J[finite]
        n_opt = int(np.sum(np.abs(reg) < 1e-6 * max(1.0, abs(J_star))))
        print(
            f"over {J.size} runs: mean regret {reg.mean() if reg.size else float('nan'):.4f}, "
            f"optimal in {n_opt}/{J.size}"
            + (
                f", {int((~finite).sum())} improper (no finite value)"
                if (~finite).any()
                else ""
            )
        )
