"""``mdpkit gradient NAME --method pg|npg|ppo|reinforce --steps N [--out curve.png]``.

Runs a policy optimiser on a world from the uniform policy and prints the
exact ``J``, ``J* - J`` and ``||grad J||`` at a few steps; ``--out`` writes
the sub-optimality curve on log-log axes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from solvers.gradients import policy_gradient_ascent, ppo_clip

METHODS = ("pg", "npg", "ppo", "reinforce")


def add_parser(sub: Any, target: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the ``gradient`` subcommand on the ``mdpkit`` parser."""
    sp = sub.add_parser(
        "gradient", help="policy-gradient ascent from the uniform policy"
    )
    target(sp)
    sp.add_argument(
        "--method",
        choices=METHODS,
        default="pg",
        help="pg: exact gradient (default), npg: natural PG, "
        "ppo: tabular PPO-clip, reinforce: sampled reward-to-go PG",
    )
    sp.add_argument("--steps", type=int, default=100, metavar="N")
    sp.add_argument(
        "--lr",
        type=float,
        default=None,
        help="step size (default 1.0 for pg/npg, 0.1 for ppo/reinforce)",
    )
    sp.add_argument(
        "--episodes", type=int, default=50, help="episodes per step (ppo, reinforce)"
    )
    sp.add_argument("--gamma", type=float, default=None, help="override the discount")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument(
        "--out", "-o", metavar="FILE.png", help="write the sub-optimality curve"
    )
    sp.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="progress on stderr (default when stderr is a terminal)",
    )
    sp.add_argument("--quiet", "-q", action="store_true", help="no progress output")


def run(
    args: argparse.Namespace, load_target: Callable[[argparse.Namespace], Any]
) -> int:
    """Run ``mdpkit gradient``; ``load_target`` is the CLI's world loader."""
    _, m, label = load_target(args)
    method = args.method
    verbose = not args.quiet and (args.verbose or sys.stderr.isatty())
    lr = args.lr if args.lr is not None else (1.0 if method in ("pg", "npg") else 0.1)
    if method in ("pg", "npg"):
        res = policy_gradient_ascent(
            m, lr=lr, steps=args.steps, natural=method == "npg", verbose=verbose
        )
    elif method == "reinforce":
        res = policy_gradient_ascent(
            m,
            lr=lr,
            steps=args.steps,
            gradient="reward-to-go",
            episodes=args.episodes,
            seed=args.seed,
            verbose=verbose,
        )
    else:
        res = ppo_clip(
            m,
            lr=lr,
            steps=args.steps,
            episodes=args.episodes,
            seed=args.seed,
            verbose=verbose,
        )
    print(f"{label}: {res.method}, lr {lr:g}, {res.steps} steps; J* = {res.J_star:.6g}")
    print(f"{'step':>8}  {'J':>14}  {'J* - J':>12}  {'||grad J||':>12}")
    marks = np.unique(
        np.r_[0, np.geomspace(1, max(res.steps, 1), 8).astype(int), res.steps]
    )
    for t in marks[marks <= res.steps]:
        print(
            f"{t:>8}  {res.J[t]:>14.6g}  {res.gap[t]:>12.3e}  {res.grad_norm[t]:>12.3e}"
        )
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .plot import suboptimality_plot

        fig, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
        suboptimality_plot({f"{method} (lr {lr:g})": res}, ax=ax, title=label)
        fig.savefig(args.out, dpi=120)
        plt.close(fig)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0
