"""W1-W4 from issue 5, each implemented by every contender on identical circuits and data.

Every contender returns its numbers, and the runner checks them against
qmlbench's before timing anything: a fast wrong answer is not a result.

A contender is ``(label, prepare, kind)``: ``prepare(size)`` returns a callable
that does the timed work on ``size`` of the workload (``size`` is the full
size or a subset, whose timing is then scaled by ``full/size``; the table says
so); ``kind`` is "full" when only the full size makes sense.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit.library import real_amplitudes, zz_feature_map
from qiskit.quantum_info import SparsePauliOp

from qmlbench.engine import circuits, execution, kernels

SEED = 1234


# --- workload definitions -------------------------------------------------------------------
class W1:
    """Fidelity kernel, zz_feature_map(8, reps=2, linear), 200 points in [0, 2pi), 200x200 Gram."""

    name = "W1"

    def __init__(self, points=200):
        self.title = f"fidelity kernel {points}x{points}, zz_feature_map(8, reps=2, linear)"
        self.fm = zz_feature_map(8, reps=2, entanglement="linear")
        self.X = np.random.default_rng(SEED).uniform(0, 2 * np.pi, (points, 8))
        self.full = points


class W2:
    """McClean sweep: widths 2..10, 20 layers of random-axis rotations + CZ ladder (McClean et
    al. 2018), 200 random angle sets per width, cost Z0 Z1; gradient of the first parameter
    (W2a) or of all parameters (W2b)."""

    def __init__(self, full_gradient: bool, widths=range(2, 11), layers=20, samples=200):
        self.name = "W2b" if full_gradient else "W2a"
        widths = list(widths)
        self.title = (f"McClean sweep {widths[0]}..{widths[-1]} qubits x {layers} layers x "
                      f"{samples} samples, " + ("full gradient" if full_gradient else "d/d theta_0"))
        self.full_gradient = full_gradient
        rng = np.random.default_rng(SEED)
        self.cases = []
        for n in widths:
            qc = circuits.ansatz("random_pauli", n, reps=layers, seed=SEED + n)
            obs = SparsePauliOp.from_sparse_list([("ZZ", [0, 1], 1.0)], n)
            values = rng.uniform(0, 2 * np.pi, (samples, qc.num_parameters))
            self.cases.append((qc, obs, values))
        self.full = samples


class W3:
    """EstimatorQNN: 4 qubits, zz_feature_map reps 1 + real_amplitudes reps 3, batch 100,
    forward + weight gradient (observable Z^4, qiskit-ml's default)."""

    name = "W3"

    def __init__(self, batch=100):
        self.title = f"QNN forward + weight gradient, 4 qubits, batch {batch}"
        fm = zz_feature_map(4, reps=1)
        an = real_amplitudes(4, reps=3)
        self.fm, self.an = fm, an
        self.circuit = fm.compose(an)
        self.obs = SparsePauliOp("ZZZZ")
        rng = np.random.default_rng(SEED)
        self.X = rng.uniform(0, np.pi, (batch, 4))
        self.w = rng.uniform(0, 2 * np.pi, an.num_parameters)
        self.full = batch
        # circuit.parameters: x[0..3] then θ[0..11]
        self.input_cols = list(range(4))
        self.weight_cols = list(range(4, 4 + an.num_parameters))

    def values(self, X):
        return np.hstack([X, np.broadcast_to(self.w, (X.shape[0], self.w.size))])


class W4:
    """Decision surface of a 2-qubit model (zz_feature_map reps 2 + real_amplitudes reps 3,
    observable ZZ) on a 100x100 grid, forward only."""

    name = "W4"

    def __init__(self, resolution=100):
        self.title = f"decision surface {resolution}x{resolution} grid, 2-qubit model, forward"
        fm = zz_feature_map(2, reps=2)
        an = real_amplitudes(2, reps=3)
        self.fm, self.an = fm, an
        self.circuit = fm.compose(an)
        self.obs = SparsePauliOp("ZZ")
        g = np.linspace(0, np.pi, resolution)
        xx, yy = np.meshgrid(g, g)
        self.X = np.column_stack([xx.ravel(), yy.ravel()])
        self.w = np.random.default_rng(SEED).uniform(0, 2 * np.pi, an.num_parameters)
        self.full = self.X.shape[0]

    def values(self, X):
        return np.hstack([X, np.broadcast_to(self.w, (X.shape[0], self.w.size))])


# --- qmlbench ---------------------------------------------------------------------------------
def qmlbench_w1(w: W1):
    def run(size):
        X = w.X[:size]

        def go():
            kernels.clear_cache()  # time the work, not the cache
            return kernels.kernel_matrix(w.fm, X)
        return go
    return run


def qmlbench_w2(w: W2):
    def run(size):
        def go():
            out = []
            for qc, obs, values in w.cases:
                wrt = None if w.full_gradient else [0]
                out.append(execution.gradients(qc, obs, values[:size], wrt=wrt))
            return out
        return go
    return run


def qmlbench_w3(w: W3):
    def run(size):
        vals = w.values(w.X[:size])

        def go():
            fwd = execution.expectation_values(w.circuit, w.obs, vals)
            grad = execution.gradients(w.circuit, w.obs, vals, wrt=w.weight_cols)
            return fwd, grad
        return go
    return run


def qmlbench_w4(w: W4):
    def run(size):
        vals = w.values(w.X[:size])
        return lambda: execution.expectation_values(w.circuit, w.obs, vals)
    return run


def qmlbench_plateau_w2(w: W2):
    """The plateau lab's own sweep, McClean's literal ensemble: rotation axes redrawn for every
    sample (200 different circuits per width), so its numbers differ from the fixed-axis rows."""
    from qmlbench.engine import plateau

    widths = [qc.num_qubits for qc, _, _ in w.cases]
    layers = (w.cases[0][0].num_parameters // widths[0]) if w.cases else 1

    def run(size):
        return lambda: plateau.gradient_variance(
            "random_pauli", qubits=widths, layers=layers, samples=size, observable="zz",
            param_index="all" if w.full_gradient else 0, seed=SEED)
    return run


# --- qiskit-machine-learning defaults ---------------------------------------------------------
def qiskit_ml_w1_default(w: W1):
    from qiskit_machine_learning.kernels import FidelityQuantumKernel

    def run(size):
        kern = FidelityQuantumKernel(feature_map=w.fm)
        return lambda: kern.evaluate(w.X[:size])
    return run


def qiskit_ml_w1_statevector(w: W1):
    from qiskit_machine_learning.kernels import FidelityStatevectorKernel

    def run(size):
        kern = FidelityStatevectorKernel(feature_map=w.fm)
        return lambda: kern.evaluate(w.X[:size])
    return run


def _qnn(circuit, obs, inputs, weights, **kw):
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    return EstimatorQNN(circuit=circuit, observables=obs, input_params=inputs,
                        weight_params=weights, **kw)


def qiskit_ml_w2_default(w: W2):
    """EstimatorQNN.backward per sample: the weights are what qiskit-ml differentiates, so
    W2a makes theta_0 the only weight (the rest enter as inputs)."""
    def run(size):
        nets = []
        for qc, obs, values in w.cases:
            params = list(qc.parameters)
            if w.full_gradient:
                nets.append((_qnn(qc, obs, [], params), values[:size], None))
            else:
                nets.append((_qnn(qc, obs, params[1:], params[:1]), values[:size], True))

        def go():
            out = []
            for qnn, values, split in nets:
                g = []
                for row in values:
                    if split:
                        _, wg = qnn.backward(row[1:], row[:1])
                    else:
                        _, wg = qnn.backward(None, row)
                    g.append(np.asarray(wg).reshape(-1))
                out.append(np.array(g))
            return out
        return go
    return run


def qiskit_ml_w3_default(w: W3):
    def run(size):
        qnn = _qnn(w.circuit, w.obs, list(w.fm.parameters), list(w.an.parameters))
        X = w.X[:size]

        def go():
            fwd = qnn.forward(X, w.w)
            _, grad = qnn.backward(X, w.w)
            return np.asarray(fwd).reshape(-1), np.asarray(grad).reshape(size, -1)
        return go
    return run


def qiskit_ml_w4_default(w: W4):
    def run(size):
        qnn = _qnn(w.circuit, w.obs, list(w.fm.parameters), list(w.an.parameters))
        X = w.X[:size]
        return lambda: np.asarray(qnn.forward(X, w.w)).reshape(-1)
    return run


# --- Aer, best found: one job / one pub, runtime parameter binding -----------------------------
def _aer_statevectors(circuit: QuantumCircuit, values):
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    backend = AerSimulator(method="statevector")
    circ = circuit.copy()
    circ.save_statevector()
    circ = transpile(circ, backend, optimization_level=0)
    params = list(circuit.parameters)

    def go(vals):
        binds = [{p: vals[:, i].tolist() for i, p in enumerate(params)}]
        res = backend.run(circ, parameter_binds=binds).result()
        return np.stack([np.asarray(res.get_statevector(i)) for i in range(vals.shape[0])])
    return go


def aer_w1(w: W1):
    def run(size):
        sv = _aer_statevectors(w.fm, w.X[:size])
        X = w.X[:size]

        def go():
            s = sv(X)
            return np.abs(s.conj() @ s.T) ** 2
        return go
    return run


def _aer_estimator():
    from qiskit_aer.primitives import EstimatorV2

    return EstimatorV2(options={"default_precision": 0.0})


def _transpiled(circuit):
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    return transpile(circuit, AerSimulator(), optimization_level=0)


def aer_w2(w: W2):
    """Parameter shift in one pub per width: rows (samples, 2 * shifted params, P).
    Every parameter of the McClean circuit appears in exactly one rotation."""
    def run(size):
        est = _aer_estimator()
        jobs = []
        for qc, obs, values in w.cases:
            P = qc.num_parameters
            cols = range(P) if w.full_gradient else [0]
            vals = values[:size]
            rows = np.repeat(vals[:, None, :], 2 * len(cols), axis=1)
            for k, c in enumerate(cols):
                rows[:, 2 * k, c] += np.pi / 2
                rows[:, 2 * k + 1, c] -= np.pi / 2
            jobs.append((_transpiled(qc), obs, rows))

        def go():
            res = est.run([(c, o, r) for c, o, r in jobs]).result()
            out = []
            for r in res:
                ev = np.asarray(r.data.evs)
                out.append(0.5 * (ev[:, 0::2] - ev[:, 1::2]))
            return out
        return go
    return run


def aer_w3(w: W3):
    def run(size):
        est = _aer_estimator()
        circ = _transpiled(w.circuit)
        vals = w.values(w.X[:size])
        cols = w.weight_cols
        rows = np.repeat(vals[:, None, :], 2 * len(cols), axis=1)
        for k, c in enumerate(cols):
            rows[:, 2 * k, c] += np.pi / 2
            rows[:, 2 * k + 1, c] -= np.pi / 2

        def go():
            res = est.run([(circ, w.obs, vals), (circ, w.obs, rows)]).result()
            ev = np.asarray(res[1].data.evs)
            return np.asarray(res[0].data.evs), 0.5 * (ev[:, 0::2] - ev[:, 1::2])
        return go
    return run


def aer_w4(w: W4):
    def run(size):
        est = _aer_estimator()
        circ = _transpiled(w.circuit)
        vals = w.values(w.X[:size])
        return lambda: np.asarray(est.run([(circ, w.obs, vals)]).result()[0].data.evs)
    return run


# --- PennyLane (optional `bench` extra) -------------------------------------------------------
def pennylane_available() -> bool:
    try:
        import pennylane  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means "not installed here"
        return False
    return True


def _pl_zz(qml, x, n, reps, pairs):
    """qiskit's zz_feature_map: H, P(2x_i), then CX-P(2(pi-x_i)(pi-x_j))-CX per pair."""
    for _ in range(reps):
        for q in range(n):
            qml.Hadamard(wires=q)
            qml.PhaseShift(2.0 * x[..., q], wires=q)
        for i, j in pairs:
            qml.CNOT(wires=[i, j])
            qml.PhaseShift(2.0 * (np.pi - x[..., i]) * (np.pi - x[..., j]), wires=j)
            qml.CNOT(wires=[i, j])


def _pl_real_amplitudes(qml, w, n, reps):
    """qiskit's real_amplitudes (reverse_linear entanglement): RY layer, CX ladder, ..., RY."""
    k = 0
    for r in range(reps + 1):
        for q in range(n):
            qml.RY(w[..., k], wires=q)
            k += 1
        if r < reps:
            for i in range(n - 2, -1, -1):
                qml.CNOT(wires=[i, i + 1])


def _full_pairs(n):
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def pennylane_w1(w: W1):
    import pennylane as qml

    dev = qml.device("default.qubit", wires=8)
    pairs = [(i, i + 1) for i in range(7)]

    @qml.qnode(dev)
    def state(x):
        _pl_zz(qml, x, 8, 2, pairs)
        return qml.state()

    def run(size):
        X = w.X[:size]

        def go():
            s = np.asarray(state(X))
            return np.abs(s.conj() @ s.T) ** 2
        return go
    return run


def _pl_mcclean(qml, qc: QuantumCircuit, theta):
    """The random_pauli circuit gate by gate (ry(pi/4), rx/ry/rz(theta_k), cz)."""
    index = {p: i for i, p in enumerate(qc.parameters)}
    gates = {"rx": qml.RX, "ry": qml.RY, "rz": qml.RZ}
    for inst in qc.data:
        op = inst.operation
        wires = [qc.find_bit(q).index for q in inst.qubits]
        if op.name == "cz":
            qml.CZ(wires=wires)
        elif op.params and op.params[0] in index:
            gates[op.name](theta[index[op.params[0]]], wires=wires[0])
        else:
            gates[op.name](float(op.params[0]), wires=wires[0])


def pennylane_w2(w: W2):
    """lightning.qubit with adjoint differentiation, one circuit per sample (it does not
    broadcast gradients); W2a marks only theta_0 trainable."""
    import pennylane as qml
    from pennylane import numpy as pnp

    def run(size):
        fns = []
        for qc, obs, values in w.cases:
            n = qc.num_qubits
            dev = qml.device("lightning.qubit", wires=n)

            def make(qc=qc):
                @qml.qnode(dev, diff_method="adjoint")
                def cost(theta0, rest):
                    theta = [theta0] + [rest[i] for i in range(len(rest))]
                    _pl_mcclean(qml, qc, theta)
                    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

                @qml.qnode(dev, diff_method="adjoint")
                def cost_all(theta):
                    _pl_mcclean(qml, qc, theta)
                    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
                return cost, cost_all
            cost, cost_all = make()
            fns.append((cost, cost_all, values[:size]))

        def go():
            out = []
            for cost, cost_all, values in fns:
                g = []
                for row in values:
                    if w.full_gradient:
                        g.append(np.asarray(qml.grad(cost_all)(pnp.array(row, requires_grad=True))))
                    else:
                        gr = qml.grad(cost, argnums=0)(pnp.array(row[0], requires_grad=True),
                                                      pnp.array(row[1:], requires_grad=False))
                        g.append(np.atleast_1d(np.asarray(gr)))
                out.append(np.array(g))
            return out
        return go
    return run


def pennylane_w3(w: W3):
    """default.qubit, broadcast, backprop: forward plus the vector-Jacobian product of the
    weights (what a training step needs; qmlbench computes the full Jacobian)."""
    import pennylane as qml
    from pennylane import numpy as pnp

    dev = qml.device("default.qubit", wires=4)
    pairs = _full_pairs(4)

    @qml.qnode(dev, diff_method="backprop")
    def model(x, weights):
        _pl_zz(qml, x, 4, 1, pairs)
        _pl_real_amplitudes(qml, weights, 4, 3)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1) @ qml.PauliZ(2) @ qml.PauliZ(3))

    def run(size):
        X = pnp.array(w.X[:size], requires_grad=False)
        cot = np.random.default_rng(0).normal(size=size)

        def go():
            weights = pnp.array(w.w, requires_grad=True)
            fwd = model(X, weights)
            vjp = qml.grad(lambda wt: pnp.sum(model(X, wt) * cot))(weights)
            return np.asarray(fwd), np.asarray(vjp), cot
        return go
    return run


def pennylane_w4(w: W4):
    import pennylane as qml

    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def model(x, weights):
        _pl_zz(qml, x, 2, 2, [(0, 1)])
        _pl_real_amplitudes(qml, weights, 2, 3)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    def run(size):
        X = w.X[:size]
        return lambda: np.asarray(model(X, w.w))
    return run
