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
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from qiskit.primitives import BaseEstimatorV2, DataBin, PrimitiveJob, PrimitiveResult, PubResult
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.providers import Options
from qiskit.quantum_info import SparsePauliOp
from qiskit_machine_learning.gradients import BaseEstimatorGradient
from qiskit_machine_learning.gradients.base.estimator_gradient_result import EstimatorGradientResult

from . import execution


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
        return PubResult(data, metadata={"target_precision": pub.precision,
                                         "circuit_metadata": circuit.metadata,
                                         "path": self._evaluator.path})


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


__all__ = ["FastEstimator", "FastEstimatorGradient"]
