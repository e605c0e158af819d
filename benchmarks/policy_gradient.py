"""Policy-gradient benchmarks: exact grad J cost and estimator throughput.

Run by hand from the repository root (not part of the test suite)::

    python benchmarks/policy_gradient.py                 # S = 1e5, ~1-2 min
    python benchmarks/policy_gradient.py --sizes 1e4,1e5 --repeat 5

1. **Exact grad J** on ``worlds.garnet(S, 4, 5, gamma, seed=0)`` with random
   logits: :func:`solvers.policy_gradient` (V^pi by ``evaluate_policy`` plus
   the transposed solve for d^pi) against two ``evaluate_policy`` calls on
   the same policy (the target: within 2x).
2. **Estimator throughput** (episodes per second) of
   :func:`solvers.estimate_policy_gradient` (vectorised over episodes)
   against a plain Python loop over ``MDP.step`` (the generative view, one
   transition at a time) on the short corridor and a Garnet(1000) with
   episodes cut at 100 steps.

Times are the best of ``--repeat`` runs (``time.perf_counter``); the exact
gradient and the evaluations are timed alternately, so a change of load hits
both.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from solvers import (  # noqa: E402
    estimate_policy_gradient,
    evaluate_policy,
    policy_gradient,
    softmax_policy,
)
from worlds import garnet, make  # noqa: E402


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def exact_table(sizes, gammas, repeat):
    rows = []
    for S in sizes:
        for g in gammas:
            m = garnet(S, 4, 5, gamma=g, seed=0)
            theta = np.random.default_rng(1).normal(size=(S, 4))
            pi = softmax_policy(m, theta)
            # interleaved, best of `repeat` each: the machine's load drifts
            t_eval = t_pg = np.inf
            for _ in range(repeat):
                dt, V = best(lambda m=m, pi=pi: evaluate_policy(m, pi), 1)
                t_eval = min(t_eval, dt)
                dt, (J, grad) = best(lambda m=m, th=theta: policy_gradient(m, th), 1)
                t_pg = min(t_pg, dt)
            err = abs(J - float(m.p0 @ V))
            rows.append((S, g, t_pg, 2 * t_eval, t_pg / (2 * t_eval), err))
    print("\n## Exact grad J vs two evaluate_policy calls (Garnet(S, 4, 5))\n")
    print(
        "| S | gamma | policy_gradient s | 2 x evaluate_policy s | ratio | abs(J - p0.V) |"
    )
    print("|---|---|---|---|---|---|")
    for S, g, a, b, r, e in rows:
        print(f"| {S:.0e} | {g} | {a:.3f} | {b:.3f} | {r:.2f} | {e:.1e} |")
    return rows


def loop_episodes(m, pi, episodes, max_steps, rng):
    """The peer: one transition at a time through MDP.step."""
    A = m.n_actions
    n_steps = 0
    for _ in range(episodes):
        s = m.sample_start(rng)
        for _t in range(max_steps):
            if m.terminal[s]:
                break
            a = int(rng.choice(A, p=pi[s]))
            s, _r, done = m.step(s, a, rng)
            n_steps += 1
            if done:
                break
    return n_steps


def throughput_table(repeat):
    worlds = [
        (
            "short-corridor, p = 0.5",
            make("short-corridor").mdp,
            np.zeros((4, 2)),
            10_000,
        ),
        (
            "Garnet(1000), gamma 0.95, 100 steps",
            garnet(1000, 4, 5, gamma=0.95, seed=0),
            np.random.default_rng(0).normal(size=(1000, 4)),
            100,
        ),
    ]
    print("\n## Estimator throughput (episodes / s)\n")
    print("| world | estimator | episodes | mdpkit ep/s | MDP.step loop ep/s | ratio |")
    print("|---|---|---|---|---|---|")
    for label, m, theta, T in worlds:
        pi = softmax_policy(m, theta)
        n_loop = 200
        t_loop, _ = best(
            lambda m=m, pi=pi, T=T, n_loop=n_loop: loop_episodes(
                m, pi, n_loop, T, np.random.default_rng(0)
            ),
            1,
        )
        loop_rate = n_loop / t_loop
        for est in ("reward-to-go", "gae"):
            n = 10_000
            t, _ = best(
                lambda m=m, theta=theta, est=est, T=T, n=n: estimate_policy_gradient(
                    m,
                    theta,
                    episodes=n,
                    estimator=est,
                    max_steps=T,
                    return_terms=False,
                    compare=False,
                    seed=0,
                ),
                repeat,
            )
            print(
                f"| {label} | {est} | {n} | {n / t:,.0f} | {loop_rate:,.0f} | "
                f"{(n / t) / loop_rate:.0f}x |"
            )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1e5")
    p.add_argument("--gammas", default="0.95,0.99")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    sizes = [int(float(x)) for x in args.sizes.split(",")]
    gammas = [float(x) for x in args.gammas.split(",")]
    print(f"# mdpkit policy-gradient benchmark  (load {os.getloadavg()[0]:.2f})")
    exact_table(sizes, gammas, args.repeat)
    throughput_table(args.repeat)


if __name__ == "__main__":
    main()
