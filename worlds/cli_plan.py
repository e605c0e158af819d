"""``mdpkit plan``: run a planner as the agent from the start state.

::

    mdpkit plan NAME --method mcts|mpc [--simulations N] [--horizon H]
                [--depth D] [--c C] [--seed K] [--max-steps T] [--out FILE.png]

Prints the episode (cells of a grid world, else states and actions), its
return against ``V*(s0)``, and the planner's exact value where it is
defined: ``V^mu(s0)`` of the MPC controller, or of the MCTS controller
``mu(s) = mcts(s).action`` (one search per state, for worlds of up to 400
states).  ``--out`` draws the path on the map over ``V*``.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .grid import is_grid_world

__all__ = ["add_plan_parser", "run_plan"]


def add_plan_parser(sub: Any, target: Any) -> None:
    """Register the ``plan`` subcommand (``target`` adds NAME/--map/--param)."""
    sp = sub.add_parser(
        "plan", help="run MCTS or MPC as the agent from the start state"
    )
    target(sp)
    sp.add_argument("--method", choices=["mcts", "mpc"], default="mcts")
    sp.add_argument(
        "--simulations", type=int, default=2000, help="MCTS simulations per step"
    )
    sp.add_argument("--horizon", type=int, default=10, help="MPC horizon H")
    sp.add_argument(
        "--depth", type=int, default=None, help="MCTS depth (default from gamma)"
    )
    sp.add_argument("--c", type=float, default=0.5, help="MCTS exploration constant")
    sp.add_argument(
        "--leaf",
        choices=["rollout", "random-policy", "optimal"],
        default="rollout",
        help="MCTS leaf value: a random rollout to --depth (default), the exact "
        "value of the uniform random policy (rollouts run to termination, in "
        "expectation), or V*",
    )
    sp.add_argument("--gamma", type=float, default=None, help="override the discount")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--max-steps", type=int, default=200)
    sp.add_argument("--out", "-o", metavar="FILE.png", help="draw the path on the map")


def _cells(world: Any, states: Any, limit: int = 40) -> str:
    def one(s: Any) -> str:
        if is_grid_world(world):
            r, c = world.cell(int(s))
            return f"({r},{c})"
        return str(int(s))

    states = list(states)
    if len(states) > limit:
        skipped = len(states) - 30
        return " ".join(
            [one(s) for s in states[:20]]
            + [f"... {skipped} more ..."]
            + [one(s) for s in states[-10:]]
        )
    return " ".join(one(s) for s in states)


def run_plan(args: argparse.Namespace, load_target: Any) -> int:
    """Run ``mdpkit plan`` (``load_target`` is the CLI's world loader)."""
    from solvers import evaluate_policy, mcts_episode, mpc, policy_iteration
    from solvers.planning import search_controller

    world, m, label = load_target(args)
    if hasattr(world, "phases"):  # a changing maze: plan on its first map
        print(f"{label} changes during a run; planning on its first map.")
        world = world.phases[0]
        m = world.mdp
    s0 = int(np.argmax(m.p0))
    Vs = policy_iteration(m).V
    rng = np.random.default_rng(args.seed)
    if args.method == "mpc":
        ctl = mpc(m, horizon=args.horizon, V_star=Vs)
        s, states, G, disc = s0, [s0], 0.0, 1.0
        for _ in range(args.max_steps):
            if m.terminal[s]:
                break
            s, r, _ = m.step(s, int(ctl.policy[s]), rng)
            G += disc * r
            disc *= m.gamma
            states.append(s)
        steps, terminated = len(states) - 1, bool(m.terminal[s])
        head = f"MPC, horizon {args.horizon}"
        exact = (
            f"{ctl.V[s0]:.4f} (exact V^mu(s0) of the controller; loss max_s V* - V^mu = {ctl.loss:.4g})"
            if ctl.proper
            else "undefined: the controller never reaches a terminal state from some state"
        )
    else:
        leaf = None
        if args.leaf == "optimal":
            leaf = Vs
        elif args.leaf == "random-policy":
            U = np.where(m.action_mask, 1.0, 0.0)
            leaf = evaluate_policy(m, U / U.sum(axis=1, keepdims=True))
        ep = mcts_episode(
            m,
            simulations=args.simulations,
            depth=args.depth,
            value=leaf,
            c=args.c,
            start=s0,
            max_steps=args.max_steps,
            seed=args.seed,
        )
        states, G, steps, terminated = list(ep.states), ep.ret, ep.steps, ep.terminated
        head = f"MCTS (UCT), {args.simulations} simulations per step, leaf {args.leaf}"
        if m.n_states <= 400:
            V = search_controller(
                m,
                simulations=args.simulations,
                depth=args.depth,
                value=leaf,
                c=args.c,
                seed=args.seed,
            )
            exact = (
                f"{V[s0]:.4f} (exact V^mu(s0) of mu(s) = mcts(s).action)"
                if np.isfinite(V[s0])
                else "undefined: the search controller never terminates from s0"
            )
        else:
            exact = "not computed (more than 400 states)"
    print(f"{label}: {head}, from state {s0}")
    print(
        f"episode ({steps} steps{'' if terminated else ', not terminated'}): {_cells(world, states)}"
    )
    print(f"return {G:.4f}   V*(s0) {Vs[s0]:.4f}   planner's value {exact}")
    if args.out:
        if not is_grid_world(world):
            print("--out: the path is drawn on grid worlds only; nothing written.")
        else:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from .plot import path_map

            nrow, ncol = world.shape
            fig, ax = plt.subplots(
                figsize=(min(14, 1 + 0.6 * ncol), min(10, 1 + 0.6 * nrow))
            )
            path_map(
                world, states, V=Vs, ax=ax, title=f"{label}, return {G:.3g}\n{head}"
            )
            fig.tight_layout()
            fig.savefig(args.out, dpi=110)
            plt.close(fig)
            print(f"wrote {args.out}")
    return 0
