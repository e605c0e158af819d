"""Solver adapters and the per-run worker for ``benchmarks/garnet.py``.

Every adapter takes an :class:`mdp.MDP` and a tolerance and returns a
:class:`Run`: the value vector it produced, its iteration count, and two
times measured with ``time.perf_counter``:

* ``setup_s`` -- converting the model to the solver's own input format and
  constructing its solver object (zero for mdpkit, which reads ``MDP``
  directly);
* ``solve_s`` -- the solve call itself.

:func:`worker` runs one adapter ``repeat`` times in a fresh process (started
by ``multiprocessing`` with the ``spawn`` method) and measures its memory:
the peak resident set size while the adapter runs (Linux ``VmHWM``, reset
through ``/proc/self/clear_refs`` after the model is loaded), and the same
peak minus the resident size just before the adapter started (the memory the
solver needed on top of the already-loaded model).  Where ``clear_refs`` is
not writable the peak falls back to ``ru_maxrss`` of the whole process.
"""

from __future__ import annotations

import gc
import os
import re
import resource
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

# --------------------------------------------------------------------- model io


def save_model(m: Any, directory: str) -> None:
    """Write the raw tables of ``m`` as uncompressed ``.npy`` files."""
    np.save(os.path.join(directory, "P_data.npy"), m.P.data)
    np.save(os.path.join(directory, "P_indices.npy"), m.P.indices)
    np.save(os.path.join(directory, "P_indptr.npy"), m.P.indptr)
    np.save(os.path.join(directory, "r.npy"), m.r)
    np.save(os.path.join(directory, "gamma.npy"), np.array(m.gamma))


def load_model(directory: str) -> Any:
    """Rebuild the MDP written by :func:`save_model`."""
    from mdp import MDP

    def ld(name: str) -> np.ndarray:
        return np.load(os.path.join(directory, name + ".npy"))

    r = ld("r")
    S, A = r.shape
    P = sp.csr_array((ld("P_data"), ld("P_indices"), ld("P_indptr")), shape=(S * A, S))
    return MDP(P, r, float(ld("gamma")))


# ------------------------------------------------------------------- adapters


@dataclass
class Run:
    V: np.ndarray
    iterations: int | None
    setup_s: float
    solve_s: float
    info: dict[str, Any] = field(default_factory=dict)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _import_mdpkit() -> Any:
    try:
        import solvers

        solvers.value_iteration  # noqa: B018 -- fail here if not written yet
        solvers.policy_iteration  # noqa: B018
        solvers.modified_policy_iteration  # noqa: B018
    except (ImportError, AttributeError) as exc:
        msg = (
            "mdpkit solvers are not importable yet (need solvers.value_iteration, "
            f"policy_iteration, modified_policy_iteration): {exc}"
        )
        raise ImportError(msg) from exc
    return solvers


def mdpkit_available() -> tuple[bool, str]:
    try:
        _import_mdpkit()
    except ImportError as exc:
        return False, str(exc)
    return True, ""


def _mdpkit(name: str) -> Callable[..., Run]:
    def run(m: Any, tol: float, opts: dict[str, Any]) -> Run:
        solvers = _import_mdpkit()
        fn = getattr(solvers, name)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res, t = _timed(lambda: fn(m, tol=tol))
        info = {
            "converged": bool(getattr(res, "converged", True)),
            "claimed": getattr(res, "error_bound", None),
            "bound": getattr(res, "bound", None),
            "warnings": [str(w.message)[:120] for w in caught],
        }
        return Run(np.asarray(res.V, dtype=float), int(res.iterations), 0.0, t, info)

    return run


def _hiive(kind: str) -> Callable[..., Run]:
    def run(m: Any, tol: float, opts: dict[str, Any]) -> Run:
        import hiive.mdptoolbox.mdp as hm

        t0 = time.perf_counter()
        Ps, R = m.to_pymdptoolbox()  # [csr_matrix (S, S)] * A, R (S, A)
        # skip_check: the model is already validated by mdpkit (not timed there
        # either); the check would only add a SparseEfficiencyWarning.
        if kind == "vi":
            # stop rule: span(V_n - V_{n-1}) < epsilon (1 - gamma) / gamma
            obj = hm.ValueIteration(Ps, R, m.gamma, epsilon=tol, skip_check=True)
        elif kind == "pi":
            # eval_type=0: exact evaluation by a dense numpy solve of (I - g P_pi)
            obj = hm.PolicyIteration(Ps, R, m.gamma, eval_type=0, skip_check=True)
        elif kind == "mpi":
            obj = hm.PolicyIterationModified(
                Ps, R, m.gamma, epsilon=tol, skip_check=True
            )
        else:
            raise ValueError(kind)
        setup = time.perf_counter() - t0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, t = _timed(obj.run)
        info = {"max_iter": getattr(obj, "max_iter", None)}
        return Run(
            np.asarray(obj.V, dtype=float).ravel(), int(obj.iter), setup, t, info
        )

    return run


class _CaptureFd1:
    """Redirect the C/C++ ``stdout`` (file descriptor 1) to a temporary file."""

    def __enter__(self) -> _CaptureFd1:
        import sys

        sys.stdout.flush()
        self._tmp = tempfile.TemporaryFile(mode="w+b")
        self._saved = os.dup(1)
        os.dup2(self._tmp.fileno(), 1)
        return self

    def __exit__(self, *exc: Any) -> None:
        import sys

        sys.stdout.flush()
        os.dup2(self._saved, 1)
        os.close(self._saved)
        self._tmp.seek(0)
        self.text = self._tmp.read().decode(errors="replace")
        self._tmp.close()


_MDPSOLVER_ITERS = re.compile(r"Solution found in (\d+) iterations")


def _mdpsolver(alg: str) -> Callable[..., Run]:
    def run(m: Any, tol: float, opts: dict[str, Any]) -> Run:
        import mdpsolver

        S, A = m.n_states, m.n_actions
        P = m.P
        t0 = time.perf_counter()
        counts = np.diff(P.indptr)
        if counts.size and (counts == counts[0]).all():
            # constant branching (Garnet): nested lists straight from numpy
            b = int(counts[0])
            probs = P.data.reshape(S, A, b).tolist()
            cols = P.indices.reshape(S, A, b).tolist()
        else:
            probs = [
                [
                    P.data[P.indptr[s * A + a] : P.indptr[s * A + a + 1]].tolist()
                    for a in range(A)
                ]
                for s in range(S)
            ]
            cols = [
                [
                    P.indices[P.indptr[s * A + a] : P.indptr[s * A + a + 1]].tolist()
                    for a in range(A)
                ]
                for s in range(S)
            ]
        rewards = m.r.tolist()
        model = mdpsolver.model()  # a fresh model: solve() warm-starts from the last V
        model.mdp(
            discount=m.gamma, rewards=rewards, tranMatProbs=probs, tranMatColumns=cols
        )
        del probs, cols, rewards
        setup = time.perf_counter() - t0
        # verbose=True only to read the iteration count; it prints a few lines
        # (every 50 sweeps for VI, one per outer iteration for PI/MPI).
        # parallel=True (OpenMP, OMP_NUM_THREADS threads) is the library default
        parallel = bool(opts.get("mdpsolver_parallel", True))
        with _CaptureFd1() as cap:
            _, t = _timed(
                lambda: model.solve(
                    algorithm=alg, tolerance=tol, verbose=True, parallel=parallel
                )
            )
        found = _MDPSOLVER_ITERS.search(cap.text)
        V = np.asarray(model.getValueVector(), dtype=float)
        info = {
            "runtime_ms": model.getRuntime(),
            "converged": found is not None,
            "parallel": parallel,
        }
        return Run(V, int(found.group(1)) if found else None, setup, t, info)

    return run


ADAPTERS: dict[str, Callable[..., Run]] = {
    "mdpkit VI": _mdpkit("value_iteration"),
    "mdpkit PI": _mdpkit("policy_iteration"),
    "mdpkit MPI": _mdpkit("modified_policy_iteration"),
    "hiive VI": _hiive("vi"),
    "hiive PI": _hiive("pi"),
    "hiive MPI": _hiive("mpi"),
    "mdpsolver VI": _mdpsolver("vi"),
    "mdpsolver MPI": _mdpsolver("mpi"),
    "mdpsolver PI": _mdpsolver("pi"),
}


# --------------------------------------------------------------------- memory


def _status_kib(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


# --------------------------------------------------------------------- worker


def worker(
    conn: Any,
    model_dir: str,
    name: str,
    tol: float,
    repeat: int,
    repeat_budget_s: float,
    opts: dict[str, Any],
) -> None:
    """Run one adapter in this (fresh) process and send back a result dict."""
    try:
        m = load_model(model_dir)
        adapter = ADAPTERS[name]
        gc.collect()
        base_kib = _status_kib("VmRSS")
        window = _reset_peak() and base_kib is not None
        best: Run | None = None
        runs, spent = 0, 0.0
        for _ in range(max(1, repeat)):
            run = adapter(m, tol, opts)
            runs += 1
            spent += run.setup_s + run.solve_s
            if best is None or run.setup_s + run.solve_s < best.setup_s + best.solve_s:
                best = run
            if spent > repeat_budget_s:
                break
            del run
            gc.collect()
        assert best is not None
        if window:
            peak_kib = _status_kib("VmHWM")
            how = "VmHWM during the solver runs"
        else:
            peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            how = "ru_maxrss of the worker process"
        conn.send(
            {
                "ok": True,
                "V": best.V,
                "iterations": best.iterations,
                "setup_s": best.setup_s,
                "solve_s": best.solve_s,
                "runs": runs,
                "info": best.info,
                "peak_mib": peak_kib / 1024 if peak_kib else None,
                "extra_mib": (peak_kib - base_kib) / 1024 if window else None,
                "memory": how,
            }
        )
    except BaseException as exc:  # report, never hang the parent
        conn.send(
            {
                "ok": False,
                "error": f"{type(exc).__name__}: {exc}",
                "trace": traceback.format_exc(),
            }
        )
    finally:
        conn.close()
