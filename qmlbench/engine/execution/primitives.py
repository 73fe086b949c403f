"""qmlbench's exact batched path behind Qiskit's primitive and gradient interfaces.

``FastEstimator`` is a ``BaseEstimatorV2``: a pub's whole parameter array is
evaluated in one batched call.  ``FastEstimatorGradient`` is a
qiskit-machine-learning ``BaseEstimatorGradient`` whose jobs are answered by
one adjoint sweep per (circuit, parameter subset, observable) group.  With
them, ``EstimatorQNN`` — and so ``VQC``, ``VQR`` and ``NeuralNetworkClassifier``
— train on the fast path:

    qnn = EstimatorQNN(circuit=qc, observables=obs, input_params=..., weight_params=...,
                       estimator=FastEstimator(), gradient=FastEstimatorGradient(),
                       default_precision=0.0)

A nonzero ``precision`` adds Gaussian noise of that standard deviation, seeded,
as qiskit's ``StatevectorEstimator`` does.

``FastSampler`` is a ``BaseSamplerV2`` laid out exactly as qiskit's
``StatevectorSampler`` (one ``BitArray`` per classical register, same bit order,
same broadcast shape): for a circuit whose measurements are all final, the exact
probabilities of the measured qubits come from one batched call over the pub's
whole parameter array and ``shots`` outcomes are drawn from them with
``numpy.random.default_rng(seed)``.  A circuit with a mid-circuit measurement, a
reset or classical control is a different experiment (a mixed state, a branch):
it goes to Aer's ``SamplerV2`` with the same seed, never to a guess.
``FastSampler(default_shots=None)`` is the exact mode of qiskit-ml's
``QMLSampler``: no sampling, exact probabilities in qiskit-ml's containers.
"""

from __future__ import annotations

import warnings
from collections import defaultdict

import numpy as np
from qiskit.primitives import (
    BaseEstimatorV2,
    BaseSamplerV2,
    BitArray,
    DataBin,
    PrimitiveJob,
    PrimitiveResult,
    PubResult,
    SamplerPubResult,
)
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.providers import Options
from qiskit.quantum_info import SparsePauliOp
from qiskit_machine_learning.gradients import BaseEstimatorGradient
from qiskit_machine_learning.gradients.base.estimator_gradient_result import (
    EstimatorGradientResult,
)

from ..errors import QmlbenchError
from . import evaluator as execution


def _pauli_op(observable) -> SparsePauliOp:
    if isinstance(observable, SparsePauliOp):
        return observable
    if isinstance(observable, dict):  # an ObservablesArray element: {label: coeff}
        labels, coeffs = zip(*observable.items()) if observable else (("",), (0.0,))
        return SparsePauliOp(list(labels), coeffs=np.asarray(coeffs, dtype=complex))
    return SparsePauliOp(observable)


class FastEstimator(BaseEstimatorV2):
    """Exact expectation values through :mod:`qmlbench.engine.execution` (V2 interface)."""

    def __init__(self, *, default_precision: float = 0.0, seed=None, evaluator=None):
        self._default_precision = default_precision
        self._seed = seed
        self._evaluator = evaluator if evaluator is not None else execution.evaluator_for()

    @property
    def evaluator(self):
        return self._evaluator

    def run(self, pubs, *, precision: float | None = None):
        if precision is None:
            precision = self._default_precision
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        job = PrimitiveJob(self._run, coerced)
        job._submit()
        return job

    def _run(self, pubs):
        return PrimitiveResult([self._run_pub(p) for p in pubs], metadata={"version": 2})

    def _run_pub(self, pub: EstimatorPub) -> PubResult:
        circuit = pub.circuit
        values = pub.parameter_values.as_array(circuit.parameters)  # shape (*pshape, P)
        pshape = pub.parameter_values.shape
        obs = pub.observables
        shape = np.broadcast_shapes(pshape, obs.shape)
        n_rows = int(np.prod(pshape, dtype=int))
        rows = np.asarray(values, dtype=float).reshape(n_rows, circuit.num_parameters)
        ops = [_pauli_op(o) for o in obs.ravel().tolist()]
        evs_table = self._evaluator.expectation_values(circuit, ops, rows)  # (rows, K)
        row_idx = np.broadcast_to(np.arange(n_rows).reshape(pshape), shape)
        obs_idx = np.broadcast_to(np.arange(len(ops)).reshape(obs.shape), shape)
        evs = np.asarray(evs_table[row_idx, obs_idx], dtype=float)
        if pub.precision:
            rng = np.random.default_rng(self._seed)
            evs = rng.normal(evs, pub.precision)
        stds = np.full(shape, float(pub.precision))
        data = DataBin(evs=evs, stds=stds, shape=shape)
        # exactly qiskit's metadata keys (its test_metadata compares the dict); the path
        # that ran is on ``self.evaluator.path``
        return PubResult(data, metadata={"target_precision": pub.precision,
                                         "circuit_metadata": circuit.metadata})


class FastEstimatorGradient(BaseEstimatorGradient):
    """Exact gradients of expectation values by batched adjoint differentiation."""

    def __init__(self, estimator: FastEstimator | None = None, options=None):
        super().__init__(estimator if estimator is not None else FastEstimator(), options=options)

    def _run(self, circuits, observables, parameter_values, parameters, **options):
        evaluator = getattr(self._estimator, "evaluator", None) or execution.evaluator_for()
        values = [np.asarray(v, dtype=float) for v in parameter_values]
        gradients: list = [None] * len(circuits)
        groups: dict = defaultdict(list)
        for i, (circ, params) in enumerate(zip(circuits, parameters)):
            index = {p: k for k, p in enumerate(circ.parameters)}
            wrt = tuple(index[p] for p in params)
            groups[(id(circ), wrt)].append(i)
        for (_, wrt), members in groups.items():
            circ = circuits[members[0]]
            by_obs: dict = defaultdict(list)
            for i in members:
                by_obs[id(observables[i])].append(i)
            for rows in by_obs.values():
                op = _pauli_op(observables[rows[0]])
                batch = np.array([values[i] for i in rows]).reshape(len(rows), circ.num_parameters)
                grads = evaluator.gradients(circ, op, batch, wrt=list(wrt))  # (rows, P)
                for r, i in enumerate(rows):
                    gradients[i] = grads[r]
        metadata = [{"parameters": list(p), "path": evaluator.path} for p in parameters]
        return EstimatorGradientResult(gradients=gradients, metadata=metadata,
                                       options=Options(**options))


# --- sampler ------------------------------------------------------------------
_PASSIVE = ("barrier", "delay")


class _Layout:
    """Where each classical bit of each register reads its value from.

    ``qargs``: the measured qubits, ascending; ``registers``: ``(name, num_bits, index)``
    with ``index[j]`` the position in ``qargs`` that bit ``j`` copies, or ``len(qargs)``
    for a bit no final measurement writes (it reads 0)."""

    def __init__(self, qargs, registers):
        self.qargs = qargs
        self.registers = registers


def _final_layout(circuit):
    """``(_Layout, None)`` when every measurement is final and nothing is classical or
    non-unitary, else ``(None, reason)``.  Same rules as qiskit's StatevectorSampler: the
    last measurement into a clbit wins, barriers and delays are transparent."""
    active_q = set(range(circuit.num_qubits))
    written: dict[int, int] = {}  # clbit index -> qubit index
    for inst in reversed(circuit.data):
        op = inst.operation
        name = op.name
        if inst.is_control_flow() or getattr(op, "condition", None) is not None:
            return None, f"'{name}' is classical control flow"
        if name in _PASSIVE:
            continue
        qubits = [circuit.find_bit(q).index for q in inst.qubits]
        if name == "measure":
            q = qubits[0]
            if q not in active_q:
                return None, ("a measurement is followed by an operation on its qubit "
                              "(mid-circuit measurement)")
            c = circuit.find_bit(inst.clbits[0]).index
            written.setdefault(c, q)
            continue
        if name == "reset":
            return None, "'reset' makes a mixed state"
        if inst.clbits:
            return None, f"'{name}' uses classical bits"
        active_q.difference_update(qubits)
    qargs = sorted(set(written.values()))
    pos = {q: k for k, q in enumerate(qargs)}
    registers = []
    for creg in circuit.cregs:
        index = [pos[written[circuit.find_bit(b).index]] if circuit.find_bit(b).index in written
                 else len(qargs) for b in creg]
        registers.append((creg.name, creg.size, index))
    return _Layout(qargs, registers), None


def _marginal(probs: np.ndarray, num_qubits: int, qargs) -> np.ndarray:
    """(R, 2**n) probabilities -> (R, 2**m) over ``qargs``, outcome bit k = qubit qargs[k]."""
    rows = probs.shape[0]
    if list(qargs) == list(range(num_qubits)):
        return probs
    t = probs.reshape((rows,) + (2,) * num_qubits)  # axis 1 + (n-1-q) is qubit q
    keep = [1 + num_qubits - 1 - q for q in reversed(qargs)]  # most significant first
    drop = tuple(a for a in range(1, num_qubits + 1) if a not in keep)
    t = t.sum(axis=drop) if drop else t
    # remaining axes are in ascending axis order; put them in ``keep`` order
    order = sorted(keep)
    t = np.moveaxis(t, [1 + order.index(a) for a in keep], list(range(1, len(keep) + 1)))
    return t.reshape(rows, 2 ** len(qargs))


class FastSampler(BaseSamplerV2):
    """qiskit's ``StatevectorSampler`` semantics on qmlbench's exact batched path (V2 interface).

    ``FastSampler(default_shots=1024, seed=None)``: ``seed`` is an int (every parameter row
    draws from a fresh ``default_rng(seed)``, so equal circuits give equal samples, as in
    qiskit's) or a ``numpy.random.Generator`` (drawn from in turn).  ``default_shots=None``
    is the exact mode: pubs without their own shots return exact probabilities (qiskit-ml's
    ``QMLSampler`` containers, ``metadata["shots"] is None``).  ``path`` says how the last
    pubs ran (the exact path, its Aer fallback, or Aer's sampler and why).
    """

    def __init__(self, *, default_shots: int | None = 1024, seed=None, evaluator=None):
        self._default_shots = default_shots
        self._seed = seed
        self._evaluator = evaluator if evaluator is not None else execution.evaluator_for()
        self.path: str | None = None

    @property
    def default_shots(self) -> int | None:
        return self._default_shots

    @property
    def seed(self):
        return self._seed

    @property
    def evaluator(self):
        return self._evaluator

    def run(self, pubs, *, shots: int | None = None):
        if shots is None:
            shots = self._default_shots
        coerced = [SamplerPub.coerce(pub, shots) for pub in pubs]
        if any(len(pub.circuit.cregs) == 0 for pub in coerced):
            warnings.warn("One of your circuits has no output classical registers and so the "
                          "result will be empty. Did you mean to add measurement instructions?",
                          UserWarning, stacklevel=2)
        job = PrimitiveJob(self._run, coerced)
        job._submit()
        return job

    def _run(self, pubs):
        paths = []
        results = [self._run_pub(p, paths) for p in pubs]
        self.path = "; ".join(dict.fromkeys(paths)) if paths else None
        return PrimitiveResult(results, metadata={"version": 2})

    def _rows(self, pub):
        circuit = pub.circuit
        pshape = pub.parameter_values.shape
        n_rows = int(np.prod(pshape, dtype=int))
        values = pub.parameter_values.as_array(circuit.parameters)
        return pshape, n_rows, np.asarray(values, dtype=float).reshape(n_rows, circuit.num_parameters)

    def _run_pub(self, pub: SamplerPub, paths) -> SamplerPubResult:
        layout, reason = _final_layout(pub.circuit)
        if layout is None:
            if pub.shots is None:
                raise QmlbenchError(
                    f"circuit: {reason}; its outcomes are random per run, so an exact "
                    f"FastSampler (default_shots=None) cannot give them: pass shots")
            paths.append(f"{execution.PATH_AER_SHOTS} ({reason})")
            return self._aer_pub(pub)
        circuit = pub.circuit
        pshape, n_rows, rows = self._rows(pub)
        m = len(layout.qargs)
        if m:
            probs = np.asarray(self._evaluator.probabilities(circuit, rows), dtype=float)
            probs = _marginal(probs, circuit.num_qubits, layout.qargs)
            probs = np.clip(probs, 0.0, None)
            probs /= probs.sum(axis=1, keepdims=True)
        else:
            probs = np.ones((n_rows, 1))
        paths.append(self._evaluator.path if m else execution.PATH_EXACT)
        if pub.shots is None:
            return self._exact_result(pub, layout, probs, pshape)
        outcomes = self._draw(probs, pub.shots)
        meas = {}
        for name, num_bits, index in layout.registers:
            bools = np.zeros((n_rows, pub.shots, num_bits), dtype=bool)
            for j, k in enumerate(index):
                if k < m:
                    bools[..., j] = (outcomes >> k) & 1
            meas[name] = BitArray.from_bool_array(bools, order="little").reshape(pshape)
        return SamplerPubResult(DataBin(**meas, shape=pub.shape),
                                metadata={"shots": pub.shots,
                                          "circuit_metadata": pub.circuit.metadata})

    def _draw(self, probs: np.ndarray, shots: int) -> np.ndarray:
        """(R, shots) outcomes: multinomial counts from the exact probabilities, in random order.

        With an int seed every row draws from its own ``default_rng(seed)``, as qiskit's
        StatevectorSampler seeds each bound circuit: a row's samples depend on its
        probabilities and the seed only, not on the other rows of the pub."""
        n_rows, width = probs.shape
        out = np.empty((n_rows, shots), dtype=np.int64)
        shared = None if isinstance(self._seed, (int, np.integer)) else np.random.default_rng(self._seed)
        values = np.arange(width)
        for r in range(n_rows):
            rng = shared if shared is not None else np.random.default_rng(self._seed)
            counts = rng.multinomial(shots, probs[r])
            out[r] = rng.permutation(np.repeat(values, counts))
        return out

    def _exact_result(self, pub, layout, probs, pshape):
        # qiskit-ml's own exact containers: its SamplerQNN, gradients and fidelities read them
        from qiskit_machine_learning.primitives.sampler import (
            ExactProbArray,
            ExactProbNDArray,
            _ExactSamplerPubResult,
        )

        m = len(layout.qargs)
        # joint bitstrings carry one extra, always-0 top bit: unmeasured register bits read it
        joints = np.empty(len(probs), dtype=object)
        for r, p in enumerate(probs):
            joints[r] = {format(int(k), f"0{m + 1}b"): float(p[k]) for k in np.flatnonzero(p)}
        joints = joints.reshape(pshape)
        fields = {}
        for name, num_bits, index in layout.registers:
            arr = np.empty(pshape, dtype=object)
            for idx in np.ndindex(pshape):
                arr[idx] = ExactProbArray(joint_probs=joints[idx], mask=list(index),
                                          num_bits=num_bits, shape=())
            fields[name] = arr.item() if arr.shape == () else ExactProbNDArray(arr)
        return _ExactSamplerPubResult(DataBin(**fields, shape=pub.shape),
                                      metadata={"shots": None, "exact": True,
                                                "names": [r[0] for r in layout.registers],
                                                "circuit_metadata": pub.circuit.metadata})

    def _aer_seed(self):
        if isinstance(self._seed, np.random.Generator):
            return int(self._seed.integers(2 ** 31))
        return self._seed

    def _aer_pub(self, pub: SamplerPub) -> SamplerPubResult:
        """Aer's seeded SamplerV2 on each bound circuit (values bound here: Aer 0.18 drops the
        angles of parameterised crx/cry/crz/cp when it binds them itself)."""
        from qiskit import transpile
        from qiskit_aer import AerSimulator
        from qiskit_aer.primitives import SamplerV2

        pshape = pub.parameter_values.shape
        bound = pub.parameter_values.bind_all(pub.circuit)
        flat = [bound[idx] for idx in np.ndindex(pshape)]
        circuits = transpile(flat, AerSimulator(), optimization_level=0)
        sampler = SamplerV2(default_shots=pub.shots, seed=self._aer_seed())
        res = sampler.run([(c,) for c in circuits], shots=pub.shots).result()
        meas = {}
        for creg in pub.circuit.cregs:
            arrays = [res[i].data[creg.name].array for i in range(len(circuits))]
            stacked = np.stack(arrays).reshape(pshape + arrays[0].shape)
            meas[creg.name] = BitArray(stacked, creg.size)
        return SamplerPubResult(DataBin(**meas, shape=pub.shape),
                                metadata={"shots": pub.shots,
                                          "circuit_metadata": pub.circuit.metadata})


__all__ = ["FastEstimator", "FastEstimatorGradient", "FastSampler"]
