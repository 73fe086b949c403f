"""McClean's sweep timed three ways in one run: the plateau lab, a batched Aer
EstimatorV2, and qiskit-machine-learning's ``EstimatorQNN.backward`` with default settings.

The sweep: random-Pauli circuits (McClean et al. 2018) on 2..10 qubits, 20 layers,
200 samples, gradient of the first parameter of a Z0 Z1 cost.  The lab runs the real
ensemble (axes redrawn per sample) and, for a like-for-like comparison, the same
fixed-axis circuits the other two see.

    python benchmarks/bench_plateau.py            # full sweep
    python benchmarks/bench_plateau.py --quick    # 2..6 qubits, fewer repeats
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from qmlbench.engine import circuits
from qmlbench.engine.plateau import gradient_variance


def fixed_axes(num_qubits, layers):
    return circuits.ansatz("random_pauli", num_qubits, layers, seed=0)


def zz(n):
    return SparsePauliOp.from_sparse_list([("ZZ", [0, 1], 1.0)], n)


def angles(n, layers, samples, seed=0):
    return np.random.default_rng([seed, n]).uniform(0, 2 * np.pi, (samples, n * layers))


def run_lab(qubits, layers, samples, ensemble=True):
    res = gradient_variance("random_pauli" if ensemble else fixed_axes, qubits, layers,
                            samples=samples, observable="zz", param_index=0, seed=0)
    return res.variances


def run_aer(qubits, layers, samples):
    """Parameter shift on θ[0], every sample and both shifts in one PUB per width."""
    from qiskit import transpile
    from qiskit_aer import AerSimulator
    from qiskit_aer.primitives import EstimatorV2

    est = EstimatorV2(options={"backend_options": {"method": "statevector"}})
    pubs = []
    for n in qubits:
        qc = transpile(fixed_axes(n, layers), AerSimulator(method="statevector"), optimization_level=0)
        vals = angles(n, layers, samples)
        shifted = np.concatenate([vals, vals])
        shifted[:samples, 0] += np.pi / 2
        shifted[samples:, 0] -= np.pi / 2
        pubs.append((qc, zz(n), shifted))
    result = est.run(pubs).result()
    out = []
    for pub in result:
        ev = pub.data.evs
        out.append(np.var((ev[:samples] - ev[samples:]) / 2, ddof=1))
    return np.array(out)


def run_qiskit_ml(qubits, layers, samples):
    """EstimatorQNN with default settings, the way a user gets only ∂/∂θ[0] batched:
    θ[0] becomes x0 + w with x0 an input (random per sample, like every other angle)
    and w the single weight at 0, so ``backward`` shifts one parameter for all samples in
    one call.  (With every angle a weight, ``backward`` takes one weight vector per call
    and shifts all n·layers parameters: over 10 minutes here, without finishing.)"""
    from qiskit.circuit import Parameter
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    out = []
    for n in qubits:
        qc = fixed_axes(n, layers)
        params = list(qc.parameters)
        x0, w = Parameter("x0"), Parameter("w")
        qc = qc.assign_parameters({params[0]: x0 + w})
        qnn = EstimatorQNN(circuit=qc, observables=zz(n), input_params=[x0] + params[1:],
                           weight_params=[w])
        _, weight_grad = qnn.backward(angles(n, layers, samples), np.zeros(1))
        out.append(np.var(weight_grad[:, 0, 0], ddof=1))
    return np.array(out)


def same_angles_check(qubits, layers, samples):
    """The lab's simulator on exactly the angles Aer saw (the sweep draws its own)."""
    from qmlbench.engine import execution

    out = []
    for n in qubits:
        grads = execution.gradients(fixed_axes(n, layers), zz(n), angles(n, layers, samples), wrt=[0])
        out.append(np.var(grads[:, 0], ddof=1))
    return np.array(out)


def timed(fn, repeats):
    times, value = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--max-qubits", type=int, default=10)
    parser.add_argument("--skip-qiskit-ml", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    top = 6 if args.quick else args.max_qubits
    qubits, layers, samples = list(range(2, top + 1)), 20, 200
    reps = args.repeats or (2 if args.quick else 5)
    print(f"McClean sweep: qubits {qubits[0]}..{qubits[-1]}, {layers} layers, {samples} samples, "
          "∂/∂θ[0] of Z0Z1")
    rows = []
    lab_t, lab_all, lab_v = timed(lambda: run_lab(qubits, layers, samples), reps)
    rows.append(("lab, McClean ensemble (axes redrawn)", lab_t, lab_all))
    fix_t, fix_all, fix_v = timed(lambda: run_lab(qubits, layers, samples, ensemble=False), reps)
    rows.append(("lab, fixed axes", fix_t, fix_all))
    aer_t, aer_all, aer_v = timed(lambda: run_aer(qubits, layers, samples), max(2, reps - 2))
    rows.append(("Aer EstimatorV2, batched parameter shift", aer_t, aer_all))
    same = same_angles_check(qubits, layers, samples)
    if not np.allclose(aer_v, same, rtol=1e-6, atol=1e-12):
        print("WARNING: Aer and the lab disagree on the same angles:", aer_v, same)
    if not args.skip_qiskit_ml:
        ml_t, ml_all, ml_v = timed(lambda: run_qiskit_ml(qubits, layers, samples), max(1, reps - 3))
        rows.append(("qiskit-ml EstimatorQNN.backward (defaults)", ml_t, ml_all))
        # default_precision=0.015625 adds noise of that size to every expectation value
        print("qiskit-ml variances (noisy by default):", np.array2string(ml_v, precision=4))
    print(f"{'path':46s} {'median s':>9s}  {'x lab(fixed)':>12s}  runs")
    for name, med, all_t in rows:
        print(f"{name:46s} {med:9.3f}  {med / fix_t:12.1f}  {', '.join(f'{t:.2f}' for t in all_t)}")
    print("variance per width (lab ensemble):", np.array2string(lab_v, precision=4))
    print("variance per width (fixed axes):  ", np.array2string(fix_v, precision=4))


if __name__ == "__main__":
    main()
