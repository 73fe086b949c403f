"""Benchmarks W1-W4 of issue 5: qmlbench against qiskit-ml defaults, Aer and PennyLane.

    python benchmarks/run.py            # the full run (a few minutes on 2 cores)
    python benchmarks/run.py --quick    # a smoke run on small subsets
    python benchmarks/run.py --only W1 W3
    python benchmarks/run.py --only insight   # I1-I4 (benchmarks/bench_insight.py)

Every contender's answer is checked against qmlbench's (to 1e-8, or the shot
noise of qiskit-ml's default estimator precision) before it is timed; the one
exception is the plateau lab's row on W2, which redraws rotation axes per
sample (different circuits, so nothing to compare).  Slow
contenders are timed on a subset of the points/samples and scaled to the full
size (marked "~" and "extrapolated" in the table and the JSON).  Medians of
wall-clock seconds; ratio = contender / qmlbench.  JSON goes to
results/benchmarks.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workloads as wl  # noqa: E402
import bench_insight  # noqa: E402  (I1-I4: the insight measures)

ROOT = Path(__file__).resolve().parent.parent


def _flat(result):
    if isinstance(result, (list, tuple)):
        return np.concatenate([_flat(r) for r in result]) if result else np.zeros(0)
    return np.asarray(result, dtype=complex).ravel()


def _time(fn, repeats):
    """Median of ``repeats`` timed calls; the caller has already made one warm-up call
    (compile caches, transpilation, imports), which is also the call whose answer is checked."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def _contenders(workload, include_pl):
    """label, factory, subset size (None = full), tolerance for the answer check."""
    name = workload.name
    precision = 0.015625 * 6  # qiskit-ml's default estimator precision, 6 sigma
    rows = []
    if name == "W1":
        rows += [("qmlbench", wl.qmlbench_w1, None, 0),
                 ("qiskit-ml default (FidelityQuantumKernel)", wl.qiskit_ml_w1_default, 12, 1e-8),
                 ("qiskit-ml FidelityStatevectorKernel", wl.qiskit_ml_w1_statevector, None, 1e-8),
                 ("Aer statevectors, one job, runtime binding", wl.aer_w1, None, 1e-8)]
        if include_pl:
            rows.append(("PennyLane default.qubit, broadcast", wl.pennylane_w1, None, 1e-8))
    elif name in ("W2a", "W2b"):
        full = name == "W2b"
        rows += [("qmlbench", wl.qmlbench_w2, None, 0),
                 ("qmlbench plateau lab (axes redrawn per sample)", wl.qmlbench_plateau_w2, None,
                  None),
                 ("qiskit-ml default (EstimatorQNN.backward)", wl.qiskit_ml_w2_default,
                  1 if full else 5, precision * 2),
                 ("Aer EstimatorV2, one pub, runtime binding", wl.aer_w2, 4 if full else None, 1e-8)]
        if include_pl:
            rows.append(("PennyLane lightning.qubit adjoint", wl.pennylane_w2, 10, 1e-8))
    elif name == "W3":
        rows += [("qmlbench", wl.qmlbench_w3, None, 0),
                 ("qiskit-ml default (EstimatorQNN)", wl.qiskit_ml_w3_default, None, precision * 4),
                 ("Aer EstimatorV2, hand-batched, runtime binding", wl.aer_w3, None, 1e-8)]
        if include_pl:
            rows.append(("PennyLane default.qubit backprop (VJP)", wl.pennylane_w3, None, 1e-8))
    elif name == "W4":
        rows += [("qmlbench", wl.qmlbench_w4, None, 0),
                 ("qiskit-ml default (EstimatorQNN.forward)", wl.qiskit_ml_w4_default, 2000,
                  precision),
                 ("Aer EstimatorV2, one pub, runtime binding", wl.aer_w4, None, 1e-8)]
        if include_pl:
            rows.append(("PennyLane default.qubit, broadcast", wl.pennylane_w4, None, 1e-8))
    return rows


def _reference(workload, name, ours_fn, size):
    """qmlbench's answer on a subset, shaped like the contender's."""
    return ours_fn(size)()


def _check(workload, label, got, ref, tol):
    """Raise when a contender's answer differs from qmlbench's."""
    if workload.name == "W3" and "VJP" in label:
        fwd, vjp, cot = got
        ref_fwd, ref_grad = ref
        got, ref = (fwd, vjp), (ref_fwd, cot @ ref_grad)
    a, b = _flat(got), _flat(ref)
    if a.shape != b.shape:
        raise AssertionError(f"{workload.name} / {label}: answer shape {a.shape} != {b.shape}")
    err = float(np.max(np.abs(a - b))) if a.size else 0.0
    if err > tol:
        raise AssertionError(f"{workload.name} / {label}: differs from qmlbench by {err:.3g} "
                             f"(tolerance {tol:.3g})")
    return err


def run_workload(workload, repeats, include_pl, quick):
    ours_factory = {"W1": wl.qmlbench_w1, "W2a": wl.qmlbench_w2, "W2b": wl.qmlbench_w2,
                    "W3": wl.qmlbench_w3, "W4": wl.qmlbench_w4}[workload.name]
    ours_run = ours_factory(workload)
    results = []
    for label, factory, subset, tol in _contenders(workload, include_pl):
        full = workload.full
        size = full if subset is None else min(subset, full)
        try:
            fn = factory(workload)(size)
        except Exception as exc:  # noqa: BLE001 - a contender that cannot run is reported
            results.append({"column": label, "error": f"{type(exc).__name__}: {exc}"})
            continue
        slow = size < full
        reps = 1 if (slow or label.startswith("qiskit-ml default")) else repeats
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = fn()
                err = 0.0
                if label != "qmlbench" and tol is not None:
                    err = _check(workload, label, got, _reference(workload, label, ours_run, size),
                                 tol)
                median, times = _time(fn, reps)
        except Exception as exc:  # noqa: BLE001 - reported in the table, never hidden
            if label == "qmlbench":
                raise
            results.append({"column": label, "error": f"{type(exc).__name__}: {exc}"})
            continue
        scale = full / size
        # the symmetric Gram matrix costs pairs, not points
        if workload.name == "W1" and slow:
            scale = (full * (full - 1) / 2) / (size * (size - 1) / 2)
        results.append({"column": label, "seconds": median * scale, "measured_seconds": median,
                        "measured_size": size, "full_size": full, "extrapolated": slow,
                        "repeats": reps, "all_times": times,
                        "answer_checked": tol is not None, "max_abs_diff_vs_qmlbench": err})
    ours = next(r for r in results if r["column"] == "qmlbench")["seconds"]
    for r in results:
        if "seconds" in r:
            r["ratio_vs_qmlbench"] = r["seconds"] / ours
    return results


def _print_table(all_results):
    print()
    print(f"{'workload':<6} {'column':<50} {'seconds':>12} {'x qmlbench':>11}")
    print("-" * 83)
    for wname, (title, rows) in all_results.items():
        for r in rows:
            if "error" in r:
                print(f"{wname:<6} {r['column']:<50} {'error':>12}  {r['error'][:60]}")
                continue
            mark = "~" if r["extrapolated"] else " "
            secs = f"{mark}{r['seconds']:.4g}"
            note = (f"  (measured {r['measured_size']}/{r['full_size']}, extrapolated)"
                    if r["extrapolated"] else "")
            if not r["answer_checked"]:
                note += "  (different circuits: not compared)"
            print(f"{wname:<6} {r['column']:<50} {secs:>12} {r['ratio_vs_qmlbench']:>10.1f}x{note}")
        print(f"{'':<6} ({title})")
    print("\n~ = timed on a subset and scaled to the full size; ratio = column time / qmlbench time")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small subsets, one repeat: a smoke run")
    parser.add_argument("--only", nargs="*", default=None, help="workloads to run (W1 W2a W2b W3 W4)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-pennylane", action="store_true")
    parser.add_argument("--no-insight", action="store_true", help="skip the insight benchmarks I1-I4")
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmarks.json"))
    args = parser.parse_args(argv)

    include_pl = not args.no_pennylane and wl.pennylane_available()
    if args.quick:
        makers = {"W1": lambda: wl.W1(points=40), "W2a": lambda: wl.W2(False, range(2, 7), 5, 20),
                  "W2b": lambda: wl.W2(True, range(2, 7), 5, 20), "W3": lambda: wl.W3(batch=20),
                  "W4": lambda: wl.W4(resolution=20)}
        repeats = 1
    else:
        makers = {"W1": wl.W1, "W2a": lambda: wl.W2(False), "W2b": lambda: wl.W2(True),
                  "W3": wl.W3, "W4": wl.W4}
        repeats = args.repeats
    names = [n for n in (args.only or list(makers)) if n != "insight"]
    all_results = {}
    for name in names:
        if name not in makers:
            parser.error(f"--only: {name!r} is not a workload; choose from {', '.join(makers)}")
        workload = makers[name]()
        print(f"running {name}: {workload.title} ...", flush=True)
        all_results[name] = (workload.title, run_workload(workload, repeats, include_pl, args.quick))
    run_insight = not args.no_insight and (args.only is None or "insight" in args.only)
    insight = bench_insight.run(args.quick) if run_insight else {}
    _print_table({**all_results, **insight})

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "quick": args.quick,
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "pennylane": include_pl,
        "workloads": {k: {"title": t, "columns": rows} for k, (t, rows) in all_results.items()},
        "insight": {k: {"title": t, "columns": rows} for k, (t, rows) in insight.items()},
    }
    out.write_text(json.dumps(payload, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
