"""Steps per second of mdpkit's Q-learning and SARSA against the peers.

Run by hand (not part of the tests)::

    python benchmarks/learning.py                 # all worlds, all peers that import
    python benchmarks/learning.py --quick         # smaller budgets
    python benchmarks/learning.py --peers none    # mdpkit only

Worlds: cliff-walking (48 states), frozenlake-8x8 (64 states, slippery) and a
Garnet(1000, 4, 5) MDP (no terminal states: episodes are cut at 100 steps).
mdpkit runs on the model's generative view (``mdp.BatchSampler``: no scoring
against Q*, which the learners add when given the MDP itself) with one run
and with 256 and 1024 runs at once, all in the compiled loop
(``solvers.learning._kernel``, numba; the first call in a fresh checkout
compiles it, about 3 s, and caches the machine code, so a warm-up call runs
first).  The "mdpkit numpy" rows time the numpy lockstep path at 256 runs
(Gymnasium envs and n-step SARSA take it), for comparison.
Peers, timed in the same process on the same worlds where they import:

* bettermdptools ``RL(env).q_learning`` / ``sarsa`` on the Gymnasium export
  of the world (``mdp.to_gymnasium``), steps counted by a wrapper;
* hiive mdptoolbox ``QLearning`` (``n_iter`` steps on its own (A, S, S)
  tables; it has no SARSA);
* rlberry-scool ``QLAgent`` / ``SARSAAgent`` (``fit(budget=steps)``) on the
  Gymnasium export.  Its rlberry dependency pins gymnasium < 0.30, so it
  cannot sit beside the dev extra's gymnasium 1.x: it is reported as skipped
  there; to compare, run this script in a venv of its own
  (``pip install rlberry-scool . bettermdptools mdptoolbox-hiive``).

Steps/s is environment steps over wall time; "vs best peer" divides by the
fastest peer on the same world and method.  Memory: mdpkit holds
``runs x S x A`` floats for Q plus as many ints for the visit counts, a block
of ``4096 x K`` uniforms (K = 4..8 per step; the numpy path holds
``runs x 512 x K``) and O(runs) per-walker
state, nothing per episode except the per-episode return/length/error
arrays of the result (tracemalloc peak, in a separate shorter run).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
import warnings
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from mdp import BatchSampler, to_gymnasium  # noqa: E402
from solvers import q_learning, sarsa  # noqa: E402
from solvers.learning import control  # noqa: E402
from worlds import garnet, make  # noqa: E402


def worlds(quick: bool) -> list[tuple[str, Any, int]]:
    out = [
        ("cliff-walking", make("cliff-walking").mdp, 10_000),
        ("frozenlake-8x8", make("frozenlake-8x8").mdp, 10_000),
        ("garnet(1000,4,5)", garnet(1000, 4, 5, gamma=0.95, seed=0), 100),
    ]
    return out


def mdpkit_rate(fn, m, runs, steps_target, max_steps):
    bs = BatchSampler(m)
    # episodes so that the total is about steps_target steps
    probe = fn(
        bs, episodes=20, alpha=0.1, epsilon=0.1, runs=runs, seed=1, max_steps=max_steps
    )
    per_ep = max(1.0, float(np.mean(probe.episode_lengths)))
    R = 1 if runs is None else runs
    episodes = max(5, int(steps_target / (per_ep * R)))
    t = time.perf_counter()
    res = fn(
        bs,
        episodes=episodes,
        alpha=0.1,
        epsilon=0.1,
        runs=runs,
        seed=2,
        max_steps=max_steps,
    )
    dt = time.perf_counter() - t
    steps = int(np.sum(res.steps))
    # memory in a separate, shorter run (tracemalloc slows the timed one)
    tracemalloc.start()
    fn(bs, episodes=max(5, episodes // 10), alpha=0.1, epsilon=0.1, runs=runs, seed=3,
       max_steps=max_steps)  # fmt: skip
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return steps, dt, peak


class _Counting:
    """Counts env steps for a peer that does not report them."""

    def __init__(self, env):
        self.env, self.steps = env, 0
        self.observation_space, self.action_space = (
            env.observation_space,
            env.action_space,
        )
        self.unwrapped = env

    def reset(self, **kw):
        return self.env.reset(**kw)

    def step(self, a):
        self.steps += 1
        return self.env.step(a)


def bettermdptools_rate(method, m, episodes, max_steps):
    from bettermdptools.algorithms.rl import RL

    env = _Counting(to_gymnasium(m, max_episode_steps=max_steps))
    agent = RL(env)
    fn = agent.q_learning if method == "q-learning" else agent.sarsa
    t = time.perf_counter()
    with open(os.devnull, "w") as devnull:  # its tqdm bar
        err, sys.stderr = sys.stderr, devnull
        try:
            fn(n_episodes=episodes, gamma=m.gamma if m.gamma < 1 else 0.99, seed=0)
        finally:
            sys.stderr = err
    return env.steps, time.perf_counter() - t


def rlberry_rate(method, m, n_steps, max_steps):
    from rlberry_scool.agents.tabular_rl import QLAgent, SARSAAgent

    env = to_gymnasium(m, max_episode_steps=max_steps)
    cls = QLAgent if method == "q-learning" else SARSAAgent
    gamma = m.gamma if m.gamma < 1 else 0.99
    agent = cls(env, gamma=gamma, alpha=0.1, exploration_type="epsilon",
                exploration_rate=0.1, seeder=0)  # fmt: skip
    t = time.perf_counter()
    agent.fit(budget=n_steps)  # budget = environment steps (one update each)
    return n_steps, time.perf_counter() - t


def hiive_rate(m, n_iter):
    import hiive.mdptoolbox.mdp as hm

    P, R = m.to_pymdptoolbox()
    P = [np.asarray(p.todense()) for p in P]
    gamma = m.gamma if m.gamma < 1 else 0.99
    ql = hm.QLearning(P, R, gamma, n_iter=n_iter, skip_check=True)
    t = time.perf_counter()
    ql.run()
    return n_iter, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--peers", default="bettermdptools,hiive,rlberry")
    args = ap.parse_args()
    peers = [] if args.peers == "none" else args.peers.split(",")
    single = 1_000_000 if args.quick else 4_000_000
    batched = 2_000_000 if args.quick else 10_000_000
    rows = []
    notes = []
    warnings.simplefilter("ignore")
    for wname, m, max_steps in worlds(args.quick):
        for method, fn in (("q-learning", q_learning), ("sarsa", sarsa)):
            best_peer = None
            peer_rows = []
            if "bettermdptools" in peers:
                try:
                    steps, dt = bettermdptools_rate(
                        method, m, 300 if args.quick else 1000, max_steps
                    )
                    peer_rows.append(("bettermdptools", 1, steps, dt, None))
                except Exception as exc:  # noqa: BLE001
                    notes.append(
                        f"bettermdptools on {wname}: {type(exc).__name__}: {exc}"
                    )
            if "hiive" in peers and method == "q-learning":
                try:
                    steps, dt = hiive_rate(m, 20_000 if args.quick else 100_000)
                    peer_rows.append(("hiive QLearning", 1, steps, dt, None))
                except Exception as exc:  # noqa: BLE001
                    notes.append(f"hiive on {wname}: {type(exc).__name__}: {exc}")
            if "rlberry" in peers:
                try:
                    steps, dt = rlberry_rate(
                        method, m, 20_000 if args.quick else 100_000, max_steps
                    )
                    peer_rows.append(("rlberry-scool", 1, steps, dt, None))
                except ImportError as exc:
                    note = (
                        f"rlberry-scool skipped: {type(exc).__name__}: {exc} (its rlberry "
                        "dependency pins gymnasium<0.30; run this script in a venv with "
                        "`pip install rlberry-scool` and mdpkit to compare with it)"
                    )
                    if note not in notes:
                        notes.append(note)
            for _, _, steps, dt, _ in peer_rows:
                best_peer = max(best_peer or 0.0, steps / dt)
            for runs, target in ((None, single), (256, batched), (1024, batched)):
                steps, dt, peak = mdpkit_rate(fn, m, runs, target, max_steps)
                rows.append(
                    (wname, method, "mdpkit", runs or 1, steps, dt, peak, best_peer)
                )
            control._COMPILED = False  # the numpy lockstep path, for comparison
            try:
                steps, dt, peak = mdpkit_rate(fn, m, 256, batched // 3, max_steps)
            finally:
                control._COMPILED = True
            rows.append(
                (wname, method, "mdpkit numpy", 256, steps, dt, peak, best_peer)
            )
            for name, runs, steps, dt, peak in peer_rows:
                rows.append((wname, method, name, runs, steps, dt, peak, best_peer))
    load = os.getloadavg()[0]
    print(
        f"\nload average {load:.1f} on {os.cpu_count()} cores, numpy {np.__version__}\n"
    )
    print(
        "| world | method | implementation | runs | steps | seconds | steps/s | vs best peer | peak MiB |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for wname, method, impl, runs, steps, dt, peak, best in rows:
        rate = steps / dt
        ratio = (
            (f"{rate / best:.0f}x" if rate >= 10 * best else f"{rate / best:.2g}x")
            if best
            else "-"
        )
        mem = f"{peak / 2**20:.1f}" if peak is not None else "-"
        print(
            f"| {wname} | {method} | {impl} | {runs} | {steps:,} | {dt:.2f} | {rate:,.0f} | {ratio} | {mem} |"
        )
    for n in notes:
        print(f"\nnote: {n}")


if __name__ == "__main__":
    main()
