"""Noise timed three ways in one run: qmlbench's batched density matrices, Aer's
density-matrix EstimatorV2 with the same NoiseModel (one pub, every parameter row in it),
and qiskit-machine-learning's default path on a noisy Aer primitive.

Workloads (issue 12):

* N1 noisy decision surface: 2 qubits (zz feature map + real_amplitudes, 3 reps), <ZZ> on a
  100x100 grid (and 50x50, the dashboard's other resolution), fixed weights;
* N2 noisy kernel: zz feature map on 6 qubits, 200 points, K = Tr(rho_i rho_j);
* N3 noisy depth sweep in the plateau lab: fixed-axis random-Pauli circuits on 4 qubits,
  layers 1..8, 200 samples, d<Z0 Z1>/d theta_0.

Noise: depolarizing p1 = 0.01, p2 = 0.02 after every gate.  Every contender's answer is
checked against qmlbench's (1e-8 for Aer's exact density matrix, 6 sigma of qiskit-ml's
default estimator precision) before it is timed, except qiskit-ml's kernel, whose
compute-uncompute fidelity under noise is a different quantity (timed, "not compared").
Slow contenders run on a subset and are scaled to the full size ("~").  Medians of
wall-clock seconds; ratio = contender / qmlbench.

    python benchmarks/bench_noise.py            # full sizes
    python benchmarks/bench_noise.py --quick    # small sizes, one repeat
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from qmlbench.engine import circuits, execution
from qmlbench.engine.kernels import kernel_matrix
from qmlbench.engine.plateau import gradient_variance

NOISE = {"model": "depolarizing", "p1": 0.01, "p2": 0.02}
PRECISION = 0.015625  # qiskit-ml's EstimatorQNN default


def _time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _aer_estimator(plan, precision=0.0):
    from qiskit_aer.primitives import EstimatorV2

    return EstimatorV2(options={"default_precision": precision, "backend_options": {
        "method": "density_matrix", "noise_model": plan.noise_model()}})


def _ev():
    return execution.evaluator_for({"noise": NOISE})


# --- N1: decision surface ---------------------------------------------------------------

def surface_circuit():
    fm = circuits.feature_map("zz", num_qubits=2, reps=1)
    an = circuits.ansatz("real_amplitudes", num_qubits=2, reps=3)
    return fm.compose(an), list(fm.parameters), list(an.parameters)


def surface_rows(res, circ, fm_params):
    g = np.linspace(-np.pi, np.pi, res)
    xx, yy = np.meshgrid(g, g)
    X = np.column_stack([xx.ravel(), yy.ravel()])
    w = np.random.default_rng(0).uniform(0, 2 * np.pi, circ.num_parameters - 2)
    names = [p.name for p in circ.parameters]
    rows = np.empty((X.shape[0], circ.num_parameters))
    fm_names = {p.name for p in fm_params}
    xi = [i for i, n in enumerate(names) if n in fm_names]
    wi = [i for i, n in enumerate(names) if n not in fm_names]
    rows[:, xi] = X
    rows[:, wi] = w
    return X, w, rows


def n1(res, repeats, skip_ml):
    circ, fm_params, an_params = surface_circuit()
    X, w, rows = surface_rows(res, circ, fm_params)
    obs = SparsePauliOp("ZZ")
    ev = _ev()
    ours = ev.expectation_values(circ, obs, rows)
    out = [("qmlbench (batched density matrices)", _time(
        lambda: _ev().expectation_values(circ, obs, rows), repeats), None, True)]
    flat = ev.noise_plan.transpiled(circ)
    est = _aer_estimator(ev.noise_plan)
    aer = lambda r: np.asarray(est.run([(flat, obs, r)]).result()[0].data.evs)  # noqa: E731
    sub = rows if res <= 50 else rows[:2500]
    ok = np.abs(aer(sub) - ours[:sub.shape[0]]).max() < 1e-8
    t = _time(lambda: aer(sub), 1) * rows.shape[0] / sub.shape[0]
    out.append(("Aer EstimatorV2 density_matrix, one pub", t, sub.shape[0] < rows.shape[0], ok))
    if not skip_ml:
        from qiskit_machine_learning.neural_networks import EstimatorQNN

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            qnn = EstimatorQNN(circuit=flat, observables=obs, estimator=_aer_estimator(
                ev.noise_plan, PRECISION), input_params=[p for p in flat.parameters
                                                         if p.name in {q.name for q in fm_params}],
                weight_params=[p for p in flat.parameters if p.name in {q.name for q in an_params}])
        # qnn columns follow its own input/weight order; both are sorted by name
        subset = X[:400]
        got = qnn.forward(subset, w).ravel()
        ok = np.abs(got - ours[:400]).max() < 6 * PRECISION
        t = _time(lambda: qnn.forward(subset, w), 1) * X.shape[0] / subset.shape[0]
        out.append(("qiskit-ml default (EstimatorQNN on noisy Aer EstimatorV2)", t, True, ok))
    return out


# --- N2: kernel ---------------------------------------------------------------------------

def n2(points, repeats, skip_ml):
    fm = circuits.feature_map("zz", num_qubits=6, reps=2)
    X = np.random.default_rng(1).uniform(0, np.pi, (points, 6))
    ev = _ev()
    K = kernel_matrix(fm, X, evaluator=ev)
    out = [("qmlbench (Tr(rho sigma), batched)", _time(
        lambda: kernel_matrix(fm, X, evaluator=_ev()), repeats), None, True)]
    from qiskit_aer import AerSimulator

    flat = ev.noise_plan.transpiled(fm)
    sim = AerSimulator(method="density_matrix", noise_model=ev.noise_plan.noise_model())

    def aer():
        c = flat.copy()
        c.save_density_matrix(label="rho")
        params = list(c.parameters)
        res = sim.run(c, parameter_binds=[{p: X[:, i].tolist() for i, p in enumerate(params)}]).result()
        rho = np.stack([np.asarray(res.data(i)["rho"]) for i in range(points)]).reshape(points, -1)
        return np.real(rho @ rho.conj().T)

    ok = np.abs(aer() - K).max() < 1e-8
    out.append(("Aer density matrices, one job, runtime binding", _time(aer, 1), False, ok))
    if not skip_ml:
        from qiskit_aer.primitives import SamplerV2
        from qiskit_machine_learning.kernels import FidelityQuantumKernel
        from qiskit_machine_learning.state_fidelities import ComputeUncompute

        sampler = SamplerV2(options={"backend_options": {"method": "density_matrix",
                                                         "noise_model": ev.noise_plan.noise_model()}})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            qk = FidelityQuantumKernel(feature_map=flat, fidelity=ComputeUncompute(sampler=sampler))
            n = 12
            t = _time(lambda: qk.evaluate(X[:n]), 1) * (points * (points - 1)) / (n * (n - 1))
        out.append(("qiskit-ml default (FidelityQuantumKernel, noisy Aer SamplerV2), not "
                    "compared", t, True, None))
    return out


# --- N3: depth sweep ----------------------------------------------------------------------

def n3(layers, samples, repeats, skip_ml, n=4):
    zz = SparsePauliOp.from_sparse_list([("ZZ", [0, 1], 1.0)], n)

    def fixed(num_qubits, L):
        return circuits.ansatz("random_pauli", num_qubits, L, seed=0)

    def lab():
        return gradient_variance(fixed, qubits=[n], layers=layers, samples=samples,
                                 observable=zz, param_index=0, seed=0, noise=NOISE)

    res = lab()
    out = [("qmlbench plateau lab (noise=...)", _time(lab, repeats), None, True)]
    from qmlbench.engine.plateau import point_seed

    ev = _ev()
    pubs, grads_ours = [], []
    for L in layers:
        circ = fixed(n, L)
        vals = np.random.default_rng(point_seed(0, n, L)).uniform(0, 2 * np.pi,
                                                                   (samples, circ.num_parameters))
        grads_ours.append(ev.gradients(circ, zz, vals, wrt=[0])[:, 0])
        shifted = np.concatenate([vals, vals])
        shifted[:samples, 0] += np.pi / 2
        shifted[samples:, 0] -= np.pi / 2
        pubs.append((ev.noise_plan.transpiled(circ), zz, shifted))
    est = _aer_estimator(ev.noise_plan)

    def aer():
        r = est.run(pubs).result()
        return [0.5 * (np.asarray(p.data.evs)[:samples] - np.asarray(p.data.evs)[samples:])
                for p in r]

    ok = all(np.abs(a - g).max() < 1e-8 for a, g in zip(aer(), grads_ours))
    out.append(("Aer EstimatorV2 density_matrix, parameter shift, one pub per depth",
                _time(aer, 1), False, ok))
    if not skip_ml:
        from qiskit_machine_learning.neural_networks import EstimatorQNN

        L = layers[-1]
        flat = pubs[-1][0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            qnn = EstimatorQNN(circuit=flat, observables=zz,
                               estimator=_aer_estimator(ev.noise_plan, PRECISION),
                               weight_params=list(flat.parameters))
            vals = pubs[-1][2][:samples].copy()
            vals[:, 0] -= np.pi / 2  # the unshifted rows
            k = 4
            t0 = time.perf_counter()
            _, g = qnn.backward(None, vals[0])
            for v in vals[1:k]:
                qnn.backward(None, v)
            per = (time.perf_counter() - t0) / k
        # qiskit-ml differentiates every parameter; scale by samples and by the depths' sizes
        scale = samples * sum(layers) / L
        ok = abs(np.asarray(g).ravel()[0] - grads_ours[-1][0]) < 6 * PRECISION * 2
        out.append(("qiskit-ml default (EstimatorQNN.backward, noisy Aer EstimatorV2)",
                    per * scale, True, ok))
    return out, res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--skip-qiskit-ml", action="store_true")
    ap.add_argument("--out", default=None, help="write the table as JSON")
    args = ap.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)
    table = {}
    grids = [20] if args.quick else [100, 50]
    for res in grids:
        table[f"N1 decision surface {res}x{res}"] = n1(res, repeats, args.skip_qiskit_ml)
    table[f"N2 kernel 6 qubits {40 if args.quick else 200} points"] = n2(
        40 if args.quick else 200, repeats, args.skip_qiskit_ml)
    sweep, _ = n3([1, 2, 3] if args.quick else list(range(1, 9)), 50 if args.quick else 200,
                  repeats, args.skip_qiskit_ml)
    table["N3 plateau depth sweep 4 qubits"] = sweep
    print(f"noise: {NOISE}")
    report = {}
    failed = False
    for name, rows in table.items():
        base = rows[0][1]
        print(f"\n{name}")
        report[name] = []
        for label, secs, extrap, ok in rows:
            mark = "~" if extrap else " "
            check = {True: "checked", False: "MISMATCH", None: "not compared"}[ok]
            failed |= ok is False
            print(f"  {label:<78} {mark}{secs:9.3f} s  x{secs / base:8.1f}  {check}")
            report[name].append({"column": label, "seconds": secs, "ratio": secs / base,
                                 "extrapolated": bool(extrap),
                                 "answer_checked": None if ok is None else bool(ok)})
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"noise": NOISE, "workloads": report}, fh, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
