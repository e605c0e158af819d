"""Garnet benchmark: mdpkit's VI / PI / MPI against hiive mdptoolbox and mdpsolver.

Run by hand (not part of the test suite)::

    python benchmarks/garnet.py                       # default sizes and gammas
    python benchmarks/garnet.py --sizes 1e3,1e4 --gammas 0.99 --repeat 3
    python benchmarks/garnet.py --peers none --out results.md
    python benchmarks/garnet.py --check               # quick wrapper self-test

For every size S and discount gamma one Garnet(S, A=4, b=5) MDP is built with
``worlds.random_mdps.garnet(S, 4, 5, gamma=gamma, seed=0)``.  A reference V* is
computed by this script's own policy iteration (exact evaluation of each
policy by GMRES on (I - gamma P_pi) V = r_pi, with iterative refinement) and
certified by its Bellman residual: ||V_ref - V*|| <= ||T V_ref - V_ref|| / (1 - gamma).
Every solver then runs in a fresh process (multiprocessing 'spawn'); see
``benchmarks/README.md`` for what each column means.

pymdptoolbox itself is not installable here; ``mdptoolbox-hiive`` (import
``hiive.mdptoolbox``) is its maintained fork with the same API, and is what
the "hiive" rows run.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import gmres

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for p in (HERE, ROOT):
    if p not in sys.path:
        sys.path.insert(0, p)

import _runners  # noqa: E402

N_ACTIONS, N_BRANCH, SEED = 4, 5, 0
FAMILY = {"VI": "VI", "PI": "PI", "MPI": "MPI"}
MDPKIT = ["mdpkit VI", "mdpkit PI", "mdpkit MPI"]
PEERS = {
    "hiive": ["hiive VI", "hiive PI", "hiive MPI"],
    "mdpsolver": ["mdpsolver VI", "mdpsolver MPI", "mdpsolver PI"],
}
DENSE = {"hiive PI", "hiive MPI"}  # build a dense S x S P_pi every evaluation
DENSE_LIMIT = 10_000


# ------------------------------------------------------------------ reference


def bellman_residual(m: Any, V: np.ndarray) -> float:
    """||T V - V||_inf with one sparse mat-vec: Q = r + gamma (P V) reshaped."""
    S, A = m.n_states, m.n_actions
    Q = m.r + m.gamma * (m.P @ V).reshape(S, A)
    return float(np.abs(Q.max(axis=1) - V).max())


def span_corrected(m: Any, V: np.ndarray) -> np.ndarray:
    """Puterman (6.6.12): T V + gamma / (1 - gamma) * min(T V - V).

    For any V, ``T V + g/(1-g) min(TV - V) <= V* <= T V + g/(1-g) max(TV - V)``,
    so this lower bound is within ``g/(1-g) span(TV - V)`` of V*.
    """
    S, A = m.n_states, m.n_actions
    TV = (m.r + m.gamma * (m.P @ V).reshape(S, A)).max(axis=1)
    return TV + m.gamma / (1 - m.gamma) * float((TV - V).min())


def _evaluate(
    P_pi: sp.csr_array,
    r_pi: np.ndarray,
    gamma: float,
    V0: np.ndarray,
    rtol: float,
    passes: int,
) -> np.ndarray:
    """Solve (I - gamma P_pi) V = r_pi by GMRES, then iterative refinement."""
    S = r_pi.size
    M = sp.csr_array(sp.eye_array(S, format="csr") - gamma * P_pi)
    V = V0.copy()
    floor = 1e-15 * max(1.0, float(np.abs(r_pi).max())) / (1 - gamma)
    prev = math.inf
    for _ in range(passes):
        res = r_pi - M @ V
        size = float(np.abs(res).max())
        if size <= floor or size > 0.5 * prev:  # done, or rounding-limited
            break
        prev = size
        dV, _info = gmres(M, res, rtol=rtol, atol=0.0, restart=40, maxiter=50)
        V += dV
    return V


def reference_values(m: Any) -> tuple[np.ndarray, float, int]:
    """Howard policy iteration with Krylov (GMRES) policy evaluation.

    Policies are evaluated to rtol 1e-7 until none improves, then the last
    one is evaluated to rounding level (GMRES rtol 1e-11 plus refinement) and
    checked once more.  Returns ``V_ref``, the certified bound
    ``||T V - V|| / (1 - gamma)`` on ``||V_ref - V*||``, and the number of
    policy evaluations.
    """
    S, A, g = m.n_states, m.n_actions, m.gamma
    P, r = m.P, m.r
    idx = np.arange(S)
    pi = r.argmax(axis=1)
    V = np.zeros(S)
    tight = False
    for k in range(1, 200):
        tight = tight or k > 100
        V = _evaluate(
            sp.csr_array(P[idx * A + pi]),
            r[idx, pi],
            g,
            V,
            rtol=1e-11 if tight else 1e-7,
            passes=5 if tight else 1,
        )
        Q = r + g * (P @ V).reshape(S, A)
        # switch only where strictly better, so ties cannot make it cycle
        better = Q.max(axis=1) > Q[idx, pi] + 1e-12 * max(1.0, float(np.abs(V).max()))
        if not better.any():
            if tight:
                break
            tight = True  # same policy again, now evaluated to rounding level
            continue
        pi = np.where(better, Q.argmax(axis=1), pi)
    return V, bellman_residual(m, V) / (1 - g), k


def matvec_seconds(m: Any) -> float:
    """Best wall time of one ``m.P @ V``."""
    V = np.random.default_rng(1).random(m.n_states)
    best, total, n = math.inf, 0.0, 0
    while n < 5 or (total < 0.3 and n < 2000):
        t0 = time.perf_counter()
        m.P @ V
        dt = time.perf_counter() - t0
        best, total, n = min(best, dt), total + dt, n + 1
    return best


# ---------------------------------------------------------------- bookkeeping


@dataclass
class Row:
    S: int
    gamma: float
    solver: str
    skipped: str | None = None
    iterations: int | None = None
    setup_s: float | None = None
    solve_s: float | None = None
    ratio: float | None = None
    sweep_ratio: float | None = None
    residual: float | None = None
    error: float | None = None
    claimed: float | None = None
    peak_mib: float | None = None
    extra_mib: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Problem:
    S: int
    gamma: float
    nnz: int
    build_s: float
    matvec_s: float
    ref_s: float
    ref_bound: float
    ref_steps: int
    load: float


def predict(history: list[tuple[int, float, float]], S: int) -> tuple[float, float]:
    """Predicted (seconds, MiB) at size S from earlier (S, seconds, MiB) points.

    Time follows a power law fitted to the last two points (exponent at least
    1; a single point is scaled linearly); memory is scaled linearly.
    """
    S0, t0, m0 = history[-1]
    alpha = 1.0
    if len(history) >= 2:
        S1, t1, _ = history[-2]
        if t0 > 0.05 and t1 > 0 and S0 != S1:
            alpha = max(1.0, math.log(t0 / t1) / math.log(S0 / S1))
    return t0 * (S / S0) ** alpha, m0 * (S / S0)


def run_in_subprocess(
    model_dir: str,
    name: str,
    tol: float,
    repeat: int,
    timeout: float,
    repeat_budget: float,
    opts: dict[str, Any],
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_runners.worker,
        args=(send, model_dir, name, tol, repeat, repeat_budget, opts),
    )
    proc.start()
    send.close()
    try:
        if not recv.poll(timeout):
            proc.terminate()
            proc.join(10)
            return {"ok": False, "error": f"timeout after {timeout:.0f} s"}
        out = recv.recv()
    except EOFError:
        out = {"ok": False, "error": f"worker died (exit code {proc.exitcode})"}
    proc.join(30)
    if proc.is_alive():
        proc.terminate()
        proc.join(10)
    if out.get("ok") is False and proc.exitcode not in (0, None):
        out["error"] += f" (exit code {proc.exitcode})"
    return out


def family(name: str) -> str:
    return name.split()[-1]


# --------------------------------------------------------------------- output


def _f(x: float | None, fmt: str) -> str:
    return "–" if x is None else format(x, fmt)


def _e(x: float | None) -> str:
    return "–" if x is None else f"{x:.1e}"


def problems_table(problems: list[Problem]) -> str:
    lines = [
        "| S | γ | nnz(P) | build s | P@V ms | reference s | PI steps | ref bound | load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in problems:
        lines.append(
            f"| {p.S:,} | {p.gamma:g} | {p.nnz:,} | {p.build_s:.2f} | "
            f"{p.matvec_s * 1e3:.3f} | {p.ref_s:.2f} | {p.ref_steps} | "
            f"{p.ref_bound:.1e} | {p.load:.1f} |"
        )
    return "\n".join(lines)


def results_table(rows: list[Row], tol: float) -> str:
    lines = [
        "| S | γ | solver | iters | setup s | solve s | × mdpkit | "
        "iter ÷ P@V | ‖TV−V‖∞ | ‖V−V*‖∞ | claimed | peak MiB | +MiB |",
        "|---:|---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        head = f"| {r.S:,} | {r.gamma:g} | {r.solver} |"
        if r.skipped:
            lines.append(head + f" {r.skipped} |" + " |" * 10)
            continue
        err = _e(r.error) + (" (!)" if r.error is not None and r.error > tol else "")
        lines.append(
            head + f" {_f(r.iterations, 'd')} | {_f(r.setup_s, '.3f')} | "
            f"{_f(r.solve_s, '.3f')} | {_f(r.ratio, '.2f')} | "
            f"{_f(r.sweep_ratio, '.1f')} | {_e(r.residual)} | {err} | "
            f"{_e(r.claimed)} | {_f(r.peak_mib, '.0f')} | {_f(r.extra_mib, '.0f')} |"
        )
    return "\n".join(lines)


def environment() -> str:
    import importlib.metadata as md

    def ver(pkg: str) -> str:
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return "not installed"

    return (
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {ver('scipy')}, mdptoolbox-hiive {ver('mdptoolbox-hiive')}, "
        f"mdpsolver {ver('mdpsolver')}; {os.cpu_count()} cores, {platform.machine()}"
    )


# ----------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--sizes",
        default="1e3,1e4,1e5,1e6",
        help="comma-separated state counts (default 1e3,1e4,1e5,1e6)",
    )
    ap.add_argument("--gammas", default="0.95,0.99", help="comma-separated discounts")
    ap.add_argument(
        "--tol",
        type=float,
        default=1e-6,
        help="tolerance handed to every solver (default 1e-6)",
    )
    ap.add_argument(
        "--peers",
        default="hiive,mdpsolver",
        help="comma-separated peers among hiive,mdpsolver, or 'none'",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="report the best of up to N runs (default 3); repeating "
        "stops once the runs so far took --repeat-budget seconds",
    )
    ap.add_argument(
        "--repeat-budget",
        type=float,
        default=10.0,
        help="seconds of runs after which a solver is not repeated (default 10)",
    )
    ap.add_argument(
        "--max-peer-seconds",
        type=float,
        default=120.0,
        help="skip a peer whose predicted run time exceeds this",
    )
    ap.add_argument(
        "--max-peer-gib",
        type=float,
        default=8.0,
        help="skip a peer whose predicted peak memory exceeds this",
    )
    ap.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        help="hard limit in seconds for any one solver process",
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=0,
        help="set OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS / MDPKIT_NUM_THREADS "
        "to N in the solver processes (default: leave the "
        "libraries' own defaults, i.e. all cores)",
    )
    ap.add_argument("--out", help="also write the markdown report to this file")
    ap.add_argument(
        "--check",
        action="store_true",
        help="self-test every wrapper on a small Garnet and exit",
    )
    return ap.parse_args(argv)


def solver_list(peers: str, have_mdpkit: bool) -> list[str]:
    names = list(MDPKIT) if have_mdpkit else []
    if peers.strip().lower() != "none":
        for p in (x.strip() for x in peers.split(",") if x.strip()):
            if p not in PEERS:
                raise SystemExit(
                    f"unknown peer {p!r}; choose from {sorted(PEERS)} or 'none'"
                )
            names += PEERS[p]
    return names


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def check(args: argparse.Namespace) -> int:
    """Run every available wrapper on Garnet(200) in-process; compare to V*."""
    from worlds.random_mdps import garnet

    have, why = _runners.mdpkit_available()
    if not have:
        log(f"note: {why}; checking the peers only")
    names = solver_list(args.peers, have)
    opts: dict[str, Any] = {}
    bad = 0
    for gamma in (0.9, 0.99):
        m = garnet(200, N_ACTIONS, N_BRANCH, gamma=gamma, seed=SEED)
        V_ref, bound, _ = reference_values(m)
        print(f"Garnet(200, 4, 5), γ={gamma}: reference bound {bound:.1e}")
        for name in names:
            run = _runners.ADAPTERS[name](m, args.tol, opts)
            err = float(np.abs(run.V - V_ref).max())
            # hiive's span rules return V_n uncorrected, so V_n may be far from
            # V* by a near-constant shift; the wrapper is right if the
            # Puterman (6.6.12) correction of its V lands within tolerance.
            V_c = span_corrected(m, run.V)
            err_c = float(np.abs(V_c - V_ref).max())
            judged = err_c if name.startswith("hiive") and name != "hiive PI" else err
            ok = run.V.shape == (200,) and judged <= 10 * args.tol
            bad += not ok
            print(
                f"  {name:14s} iters={run.iterations!s:>5} err={err:.1e} "
                f"res={bellman_residual(m, run.V):.1e} "
                f"err(corrected)={err_c:.1e} {'ok' if ok else 'FAIL'}"
            )
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.check:
        return check(args)
    from worlds.random_mdps import garnet

    sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    gammas = [float(g) for g in args.gammas.split(",") if g.strip()]
    have, why = _runners.mdpkit_available()
    if not have:
        log(
            f"WARNING: {why}\n         running the peers only; the × mdpkit column stays empty."
        )
    names = solver_list(args.peers, have)
    command = "python benchmarks/garnet.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    started = time.strftime("%Y-%m-%d %H:%M")
    load_start = os.getloadavg()[0]
    opts: dict[str, Any] = {}
    if args.threads > 0:  # inherited by the spawned solver processes
        for var in (
            "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS",
            "MDPKIT_NUM_THREADS",
        ):
            os.environ[var] = str(args.threads)
    threads = f"{args.threads} thread(s)" if args.threads > 0 else "library defaults"
    t_start = time.perf_counter()

    rows: list[Row] = []
    problems: list[Problem] = []
    history: dict[tuple[str, float], list[tuple[int, float, float]]] = {}
    memory_how = set()
    for S in sizes:
        for gamma in gammas:
            load = os.getloadavg()[0]
            log(
                f"== S={S:,} γ={gamma}: building Garnet({S}, {N_ACTIONS}, {N_BRANCH})"
                f" (load average {load:.1f})"
            )
            t0 = time.perf_counter()
            m = garnet(S, N_ACTIONS, N_BRANCH, gamma=gamma, seed=SEED)
            build_s = time.perf_counter() - t0
            mv = matvec_seconds(m)
            t0 = time.perf_counter()
            V_ref, ref_bound, ref_steps = reference_values(m)
            ref_s = time.perf_counter() - t0
            problems.append(
                Problem(
                    S, gamma, m.P.nnz, build_s, mv, ref_s, ref_bound, ref_steps, load
                )
            )
            log(
                f"   build {build_s:.2f} s, P@V {mv * 1e3:.3f} ms, reference {ref_s:.2f} s "
                f"({ref_steps} PI steps, bound {ref_bound:.1e})"
            )
            model_dir = tempfile.mkdtemp(prefix="garnet_bench_")
            try:
                _runners.save_model(m, model_dir)
                base_time: dict[str, float] = {}
                for name in names:
                    row = Row(S, gamma, name)
                    rows.append(row)
                    peer = not name.startswith("mdpkit")
                    hist = history.setdefault((name, gamma), [])
                    if name in DENSE and S >= DENSE_LIMIT:
                        row.skipped = "skipped: dense S x S"
                        continue
                    timeout = args.timeout
                    if peer and hist:
                        t_pred, mem_pred = predict(hist, S)
                        if t_pred > args.max_peer_seconds:
                            row.skipped = (
                                f"skipped (predicted {t_pred:,.0f} s > "
                                f"{args.max_peer_seconds:.0f} s)"
                            )
                            continue
                        if mem_pred > args.max_peer_gib * 1024:
                            row.skipped = (
                                f"skipped (predicted {mem_pred / 1024:.1f} GiB > "
                                f"{args.max_peer_gib:g} GiB)"
                            )
                            continue
                    if peer:
                        timeout = min(timeout, 2 * args.max_peer_seconds + 60)
                    log(f"   {name} ...")
                    out = run_in_subprocess(
                        model_dir,
                        name,
                        args.tol,
                        args.repeat,
                        timeout,
                        args.repeat_budget,
                        opts,
                    )
                    if not out.get("ok"):
                        row.skipped = f"failed: {out.get('error', '?')}"[:90]
                        log("   " + row.skipped + "\n" + out.get("trace", ""))
                        continue
                    V = np.asarray(out["V"], dtype=float)
                    row.iterations = out["iterations"]
                    row.setup_s, row.solve_s = out["setup_s"], out["solve_s"]
                    row.residual = bellman_residual(m, V)
                    row.error = float(np.abs(V - V_ref).max())
                    row.peak_mib, row.extra_mib = out["peak_mib"], out["extra_mib"]
                    memory_how.add(out["memory"])
                    info = out["info"]
                    row.claimed = info.get("claimed")
                    if info.get("converged") is False:
                        row.notes.append("not converged")
                    if row.iterations:
                        row.sweep_ratio = row.solve_s / row.iterations / mv
                    fam = family(name)
                    if not peer:
                        base_time[fam] = row.solve_s
                    elif fam in base_time and base_time[fam] > 0:
                        row.ratio = row.solve_s / base_time[fam]
                    hist.append((S, row.setup_s + row.solve_s, row.peak_mib or 0.0))
                    log(
                        f"      iters={row.iterations} setup={row.setup_s:.3f}s "
                        f"solve={row.solve_s:.3f}s err={row.error:.1e} "
                        f"res={row.residual:.1e} peak={row.peak_mib or 0:.0f} MiB"
                    )
            finally:
                shutil.rmtree(model_dir, ignore_errors=True)
            del m, V_ref

    elapsed = time.perf_counter() - t_start
    report = "\n".join(
        [
            f"Garnet(S, A={N_ACTIONS}, b={N_BRANCH}, seed={SEED}), tol={args.tol:g}; "
            f"{started}; total {elapsed / 60:.1f} min",
            f"Command: `{command.strip()}`",
            f"Environment: {environment()}; 1-min load average {load_start:.1f} at "
            f"start, {os.getloadavg()[0]:.1f} at end (the 'load' column: at each "
            f"problem's start); threads: {threads}",
            "Reference V*: this script's policy iteration with GMRES evaluation (the "
            "last policy evaluated to rounding level); "
            "'ref bound' = ||T V_ref - V_ref||_inf / (1 - γ) >= ||V_ref - V*||_inf.",
            f"Memory: {'; '.join(sorted(memory_how)) or '–'} (each solver in a fresh spawned process).",
            "" if have else f"NOTE: mdpkit rows missing: {why}",
            "",
            problems_table(problems),
            "",
            results_table(rows, args.tol),
            "",
            "(!) = error above the requested tolerance.",
        ]
    )
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
