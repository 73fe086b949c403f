"""The insight measures timed against the way the anchors compute them, in one run.

    I1  expressibility, real_amplitudes 4 qubits x 3 reps, 5000 pairs
    I2  expressibility, real_amplitudes 8 qubits x 3 reps, 5000 pairs
        against one qiskit ``Statevector`` per parameter set, as triple_e and Mind-the-QApp do
    I3  effective dimension, qiskit-ml tutorial 10's circuit (Z feature map + real amplitudes,
        3 qubits) as an EstimatorQNN, 20 weight x 20 input samples, against qiskit-ml's
        ``EffectiveDimension`` on the same QNN (exact StatevectorEstimator, so the answers
        can be compared)
    I4  layer views of a 100x100 grid (angle map + real amplitudes x 2, 2 qubits, 3 layers)
        against one qiskit ``Statevector`` per grid point and layer

Every contender's answer is checked against qmlbench's on the same parameters (1e-8)
before it is timed; slow contenders run on a subset and are scaled to the full size ("~").
Ratio = contender seconds / qmlbench seconds.

    python benchmarks/bench_insight.py            # full sizes
    python benchmarks/bench_insight.py --quick    # small sizes (what run.py --quick uses)
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, Statevector

import qmlbench as qb
from qmlbench.engine import execution
from qmlbench.engine.insight import effective_dimension, layer_views
from qmlbench.engine.insight.expressibility import pair_fidelities


def _timed(fn, repeats):
    fn()  # warm-up (compile caches, imports)
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def _row(label, seconds, times, size, full, err, checked=True):
    scale = full / size
    return {"column": label, "seconds": seconds * scale, "measured_seconds": seconds,
            "measured_size": size, "full_size": full, "extrapolated": size < full,
            "repeats": len(times), "all_times": times, "answer_checked": checked,
            "max_abs_diff_vs_qmlbench": err}


def _check(label, got, ref, tol=1e-8):
    err = float(np.max(np.abs(np.asarray(got) - np.asarray(ref))))
    if err > tol:
        raise AssertionError(f"{label}: differs from qmlbench by {err:.3g} (tolerance {tol})")
    return err


# --- I1/I2: expressibility ---------------------------------------------------------

def expressibility_workload(num_qubits, pairs, subset, repeats):
    circuit = qb.circuits.ansatz("real_amplitudes", num_qubits, reps=3)
    rng = np.random.default_rng(0)
    values = rng.uniform(0, 2 * np.pi, (2 * pairs, circuit.num_parameters))
    ev = execution.evaluator_for()

    def ours():
        return qb.insight.expressibility(circuit, samples=pairs, seed=0).value

    def ours_fidelities(n):
        return pair_fidelities(ev, circuit, values[:n], values[pairs:pairs + n])

    def anchors(n):
        params = list(circuit.parameters)
        out = np.empty(n)
        for i in range(n):
            a = Statevector(circuit.assign_parameters(dict(zip(params, values[i]))))
            b = Statevector(circuit.assign_parameters(dict(zip(params, values[pairs + i]))))
            out[i] = abs(a.inner(b)) ** 2
        return out

    rows = []
    t, times, _ = _timed(ours, repeats)
    rows.append(_row("qmlbench (qb.insight.expressibility)", t, times, pairs, pairs, 0.0))
    n = min(subset, pairs)
    err = _check("anchors", anchors(n), ours_fidelities(n))
    t, times, _ = _timed(lambda: anchors(n), 1)
    rows.append(_row("anchors' way (one qiskit Statevector per parameter set)", t, times, n,
                     pairs, err))
    return rows


# --- I3: effective dimension -------------------------------------------------------

def effective_dimension_workload(samples, repeats):
    from qiskit.circuit.library import real_amplitudes, z_feature_map
    from qiskit.primitives import StatevectorEstimator
    from qiskit_machine_learning.neural_networks import EffectiveDimension, EstimatorQNN
    from qiskit_machine_learning.utils import algorithm_globals

    fm, an = z_feature_map(3, reps=1), real_amplitudes(3, reps=1)
    qc = QuantumCircuit(3)
    qc.compose(fm, inplace=True)
    qc.compose(an, inplace=True)
    qnn = EstimatorQNN(circuit=qc, observables=SparsePauliOp("ZZZ"), input_params=fm.parameters,
                       weight_params=an.parameters, estimator=StatevectorEstimator(),
                       default_precision=0.0)
    sizes = [5000, 10000, 100000, 1000000]

    def ours():
        return effective_dimension(qnn, sizes, samples, samples, seed=42).values

    def theirs():
        algorithm_globals.random_seed = 42
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return EffectiveDimension(qnn, samples, samples).get_effective_dimension(sizes)

    rows = []
    t, times, ref = _timed(ours, repeats)
    rows.append(_row("qmlbench (qb.insight.effective_dimension)", t, times, 1, 1, 0.0))
    got = theirs()
    err = _check("qiskit-ml", got, ref)
    t, times, _ = _timed(theirs, 1)
    rows.append(_row("qiskit-ml default (EffectiveDimension, exact StatevectorEstimator)", t,
                     times, 1, 1, err))
    return rows


# --- I4: layer views ---------------------------------------------------------------

def layer_views_workload(resolution, subset, repeats):
    ds = qb.datasets.load("xor", n_samples=40, noise=0.05, test_size=0.25, seed=0)
    cls = qb.models.MODELS["estimator_qnn"].estimator_class("classification")
    model = cls(feature_map="angle", feature_map_options={"rotation": "y"}, ansatz_reps=2,
                maxiter=10, seed=0).fit(ds.X_train, ds.y_train)

    def ours():
        return layer_views(model, ds, resolution=resolution)

    res = ours()
    n_layers = len(res.layers)
    gx, gy = np.meshgrid(res.xs, res.ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    obs = [SparsePauliOp.from_sparse_list([(p, [q], 1.0)], 2) for q in range(2) for p in "XYZ"]
    fm, w = model.feature_map_, model.weights_
    prefixes = [fm] + [qb.circuits.compose(fm, qb.circuits.ansatz("real_amplitudes", 2, k))
                       for k in (1, 2)]

    def naive(n):
        out = np.empty((n_layers, n, 6))
        for layer, circ in enumerate(prefixes):
            names = {p.name: p for p in circ.parameters}
            for i in range(n):
                bind = {names["x[0]"]: points[i, 0], names["x[1]"]: points[i, 1]}
                for k, val in enumerate(w[:circ.num_parameters - 2]):
                    bind[names[f"θ[{k}]"]] = val
                sv = Statevector(circ.assign_parameters(bind))
                out[layer, i] = [sv.expectation_value(o).real for o in obs]
        return out

    full = resolution * resolution
    rows = []
    t, times, _ = _timed(ours, repeats)
    rows.append(_row("qmlbench (qb.insight.layer_views)", t, times, full, full, 0.0))
    n = min(subset, full)
    ref = res.bloch.reshape(n_layers, 6, full)[:, :, :n].transpose(0, 2, 1)
    err = _check("naive", naive(n), ref)
    t, times, _ = _timed(lambda: naive(n), 1)
    rows.append(_row("one qiskit Statevector per grid point and layer", t, times, n, full, err))
    return rows


def run(quick: bool = False, repeats: int | None = None) -> dict:
    """name -> (title, rows) in benchmarks/run.py's row format, ratios filled in."""
    reps = repeats or (1 if quick else 3)
    pairs = 500 if quick else 5000
    plan = {
        "I1": (f"expressibility, real_amplitudes 4q x 3 reps, {pairs} pairs",
               lambda: expressibility_workload(4, pairs, 100 if quick else 500, reps)),
        "I2": (f"expressibility, real_amplitudes 8q x 3 reps, {pairs} pairs",
               lambda: expressibility_workload(8, pairs, 50 if quick else 300, reps)),
        "I3": (f"effective dimension, 3-qubit EstimatorQNN, {6 if quick else 20}^2 samples",
               lambda: effective_dimension_workload(6 if quick else 20, reps)),
        "I4": (f"layer views, {20 if quick else 100}^2 grid, 3 layers",
               lambda: layer_views_workload(20 if quick else 100, 40 if quick else 200, reps)),
    }
    out = {}
    for name, (title, make) in plan.items():
        print(f"running {name}: {title} ...", flush=True)
        rows = make()
        ours = rows[0]["seconds"]
        for r in rows:
            r["ratio_vs_qmlbench"] = r["seconds"] / ours
        out[name] = (title, rows)
    return out


def print_table(results: dict) -> None:
    print(f"\n{'bench':<6} {'column':<66} {'seconds':>10} {'x qmlbench':>11}")
    print("-" * 96)
    for name, (title, rows) in results.items():
        for r in rows:
            mark = "~" if r["extrapolated"] else " "
            note = (f"  (measured {r['measured_size']}/{r['full_size']}, extrapolated)"
                    if r["extrapolated"] else "")
            print(f"{name:<6} {r['column']:<66} {mark}{r['seconds']:>9.4g} "
                  f"{r['ratio_vs_qmlbench']:>10.1f}x{note}")
        print(f"{'':<6} ({title})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    print_table(run(args.quick, args.repeats))


if __name__ == "__main__":
    main()
