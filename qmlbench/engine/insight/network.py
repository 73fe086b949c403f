"""A model seen as a network for the insight measures: its circuit, which columns of
``circuit.parameters`` are inputs and which weights, and its outputs as observables.

Takes a qmlbench variational model (fitted or not) or a qiskit-machine-learning
``EstimatorQNN``/``SamplerQNN`` (their ``circuit``, ``input_params``, ``weight_params``,
``observables`` or ``interpret``/``output_shape``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qiskit import QuantumCircuit

from .. import circuits, execution
from ..errors import SpecError
from ..models.variational import class_projectors, resolve_observable

__all__ = ["Network", "network_of"]


@dataclass
class Network:
    circuit: QuantumCircuit
    input_cols: list
    weight_cols: list
    #: "estimator" (outputs <O_k>) or "sampler" (outputs probabilities of bitstring classes)
    kind: str
    observables: list
    label: str = ""
    weights: np.ndarray | None = None        # trained weights, when the model has them
    feature_map: QuantumCircuit | None = None
    ansatz: QuantumCircuit | None = None

    @property
    def num_inputs(self) -> int:
        return len(self.input_cols)

    @property
    def num_weights(self) -> int:
        return len(self.weight_cols)

    def values(self, X: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Rows ``[x_n, w]`` laid out in ``circuit.parameters`` order."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        out = np.empty((X.shape[0], self.circuit.num_parameters))
        out[:, self.input_cols] = X
        out[:, self.weight_cols] = np.asarray(w, dtype=float)
        return out


def _qnn_network(qnn) -> Network:
    from qiskit_machine_learning.neural_networks import EstimatorQNN, SamplerQNN

    circuit = qnn.circuit.remove_final_measurements(inplace=False)
    position = {p: i for i, p in enumerate(circuit.parameters)}
    inputs = [position[p] for p in qnn.input_params]
    weights = [position[p] for p in qnn.weight_params]
    if isinstance(qnn, EstimatorQNN):
        return Network(circuit, inputs, weights, "estimator", list(qnn.observables),
                       label=f"EstimatorQNN ({circuit.num_qubits} qubits)")
    if isinstance(qnn, SamplerQNN):
        n = circuit.num_qubits
        k = int(np.prod(qnn.output_shape))
        interpret = qnn.interpret if qnn.interpret is not None else (lambda b: b)
        classes = np.array([interpret(b) for b in range(2 ** n)])
        obs = [execution.DenseObservable(n, diag=(classes == c).astype(float)) for c in range(k)]
        return Network(circuit, inputs, weights, "sampler", obs,
                       label=f"SamplerQNN ({n} qubits)")
    raise SpecError("model", type(qnn).__name__,
                    reason="is not a network qmlbench can read; pass a qmlbench variational "
                           "model, an EstimatorQNN or a SamplerQNN")


def _model_network(model, num_features: int | None) -> Network:
    fitted = hasattr(model, "circuit_")
    if fitted:
        fm, an, circuit = model.feature_map_, model.ansatz_, model.circuit_
    else:
        width = model.num_qubits or num_features
        if width is None:
            raise SpecError("model", type(model).__name__,
                            reason="is not fitted and sets no num_qubits; fit it, set "
                                   "num_qubits, or pass the inputs as an array")
        fm = circuits.feature_map(model.feature_map, width, model.feature_map_reps,
                                  model.feature_map_entanglement,
                                  **(model.feature_map_options or {}))
        an = circuits.ansatz(model.ansatz, fm.num_qubits, model.ansatz_reps,
                             model.ansatz_entanglement, **(model.ansatz_options or {}))
        circuit = circuits.compose(fm, an, **circuits.REUPLOADING.merged(
            getattr(model, "reuploading", None) or {}))
    n = circuit.num_qubits
    position = {p.name: i for i, p in enumerate(circuit.parameters)}
    inputs = [position[p.name] for p in fm.parameters]
    # every other parameter is a weight (re-uploaded ansatz copies, input scalings)
    weights = [i for i in range(circuit.num_parameters) if i not in set(inputs)]
    label = f"{type(model).__name__} ({model.feature_map} + {model.ansatz}, {n} qubits)"
    trained = np.asarray(model.weights_, dtype=float) if hasattr(model, "weights_") else None
    if hasattr(model, "interpretation"):
        k = len(model.classes_) if hasattr(model, "classes_") else 2
        obs, _ = class_projectors(n, k, model.interpretation)
        return Network(circuit, inputs, weights, "sampler", obs, label, trained, fm, an)
    obs = getattr(model, "observable_", None)
    if obs is None:
        obs = resolve_observable(getattr(model, "observable", None), n)
    return Network(circuit, inputs, weights, "estimator", [obs], label, trained, fm, an)


def network_of(model, num_features: int | None = None) -> Network:
    """The :class:`Network` of a qmlbench variational model or a qiskit-ml QNN."""
    if isinstance(model, Network):
        return model
    if hasattr(model, "input_params") and hasattr(model, "weight_params"):
        net = _qnn_network(model)
    elif hasattr(model, "ansatz") and hasattr(model, "feature_map"):
        net = _model_network(model, num_features)
    else:
        raise SpecError("model", type(model).__name__,
                        reason="is not a variational model or a qiskit-ml QNN (kernel and "
                               "classical models have no circuit weights to study)")
    execution.check_width(net.circuit.num_qubits)
    return net
