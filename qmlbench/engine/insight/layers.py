"""Inside the circuit, layer by layer (TensorFlow Playground's per-neuron heatmaps, for
qubits): for a model on 2-feature data, the Bloch vector ``(<X_i>, <Y_i>, <Z_i>)`` of
every qubit over an input grid after the feature map and after each ansatz repetition
(a re-uploading model: after each encoding-and-ansatz layer), and the single-qubit purity ``Tr rho_i^2 = (1 + |r_i|^2) / 2`` (below 1: qubit ``i`` is
entangled with the rest).

Each layer is one truncated circuit (the feature map, then the first ``k`` repetitions
of the ansatz) evaluated once over the whole grid with the ``3n`` single-qubit Paulis as
one list of observables, through the execution seam in chunks of the memory budget.
The grid is the one ``boundary.decision_surface`` draws (the data's span plus
``margin``), so the views line up with the decision boundary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

from .. import circuits, execution
from ..errors import DataError, SpecError
from .common import InsightResult, check_count, states_per_chunk
from .fourier import model_weights
from .network import Network, network_of

__all__ = ["LayerViewsResult", "layer_views", "layer_circuits", "bloch_observables"]


def bloch_observables(num_qubits: int) -> list[SparsePauliOp]:
    """``[X_0, Y_0, Z_0, X_1, ...]`` (qubit i is the i-th letter from the right)."""
    out = []
    for q in range(num_qubits):
        for p in "XYZ":
            out.append(SparsePauliOp.from_sparse_list([(p, [q], 1.0)], num_qubits))
    return out


def _signature(circuit: QuantumCircuit) -> list:
    return [(i.operation.name, tuple(circuit.find_bit(q).index for q in i.qubits),
             tuple(str(p) for p in i.operation.params)) for i in circuit.data]


def layer_circuits(model, net: Network) -> tuple[list[QuantumCircuit], list[str], str]:
    """The truncated circuits (after the feature map, after each ansatz repetition), their
    labels, and a note when the ansatz could not be cut by repetition."""
    fm, an = net.feature_map, net.ansatz
    if fm is None or an is None or not hasattr(model, "ansatz_reps"):
        return [net.circuit], ["whole circuit"], "the network's layers are not known: one view"
    reupload = (net.circuit.metadata or {}).get("reuploading")
    if reupload:
        return _reupload_layers(net, int(reupload["layers"]),
                                bool(reupload.get("trainable_first", False)))
    reps = int(model.ansatz_reps)
    full = _signature(an)
    out, labels = [fm.copy()], ["feature map"]
    note = ""
    for k in range(1, reps + 1):
        part = circuits.ansatz(model.ansatz, an.num_qubits, k, model.ansatz_entanglement,
                               **(model.ansatz_options or {}))
        sig = _signature(part)
        if k < reps and sig != full[:len(sig)]:
            note = (f"ansatz {model.ansatz!r} with {k} repetition(s) is not a prefix of the "
                    f"whole ansatz; showing the feature map and the whole circuit")
            return [fm.copy(), net.circuit], ["feature map", f"ansatz × {reps}"], note
        trunc = QuantumCircuit(an.num_qubits)
        trunc.compose(fm, inplace=True)
        trunc.compose(an if k == reps else part, inplace=True)
        out.append(trunc)
        labels.append(f"ansatz rep {k}")
    return out, labels, note


def _reupload_layers(net: Network, layers: int, trainable_first: bool = False
                     ) -> tuple[list[QuantumCircuit], list[str], str]:
    # A re-uploaded circuit is (ansatz,) encoding, ansatz, encoding, ansatz, ...
    # (circuits.compose): a view after the first encoding, then after each whole layer.
    # Cutting the ansatz alone by repetition would show the first layer only, as if it
    # were the whole model.
    nf, na = len(net.feature_map.data), len(net.ansatz.data)
    first = na if trainable_first else 0
    if len(net.circuit.data) != first + layers * (nf + na):
        return [net.circuit], ["whole circuit"], ("the re-uploaded circuit's layers are not "
                                                  "known: one view")
    cuts = [first + nf] + [first + k * (nf + na) for k in range(1, layers + 1)]
    out = []
    for cut in cuts:
        part = net.circuit.copy_empty_like()
        for inst in net.circuit.data[:cut]:
            part.append(inst)
        out.append(part)
    return out, ["feature map"] + [f"layer {k}/{layers}" for k in range(1, layers + 1)], ""


@dataclass
class LayerViewsResult(InsightResult):
    """``bloch[l, q, c, j, i]``: component c (0/1/2 = X/Y/Z) of qubit q after layer l at
    ``(xs[i], ys[j])``; ``purity[l, q, j, i]`` the qubit's purity; ``mean_purity[l]``
    its mean over qubits and grid."""

    layers: list
    xs: np.ndarray
    ys: np.ndarray
    bloch: np.ndarray
    purity: np.ndarray
    mean_purity: np.ndarray
    num_qubits: int
    features: list = field(default_factory=lambda: [0, 1])
    fixed: np.ndarray | None = None
    network: str = ""
    note: str = ""
    seconds: float = float("nan")
    path: str = ""


def _axis(lo, hi, margin, resolution):
    span = hi - lo if hi > lo else 1.0
    return np.linspace(lo - margin * span, hi + margin * span, resolution)


def layer_views(model, dataset, resolution: int = 40, weights=None, margin: float = 0.1,
                features=(0, 1), evaluator=None) -> LayerViewsResult:
    """Per layer and qubit, the Bloch components over a ``resolution²`` grid of the data's
    two ``features`` (others at the training mean); see the module docstring.  ``model``:
    a qmlbench variational model, fitted (its weights) or with ``weights``."""
    started = time.perf_counter()
    resolution = check_count("resolution", resolution, 2)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not np.isfinite(margin) \
            or margin < 0:
        raise SpecError("margin", margin, reason="must be a finite number >= 0")
    X = np.vstack([np.asarray(dataset.X_train, float), np.asarray(dataset.X_test, float)])
    if X.ndim != 2 or X.shape[1] < 2:
        raise DataError(f"dataset: layer views need at least 2 features; got shape {X.shape}")
    i, j = (int(f) for f in features)
    if i == j or not (0 <= i < X.shape[1] and 0 <= j < X.shape[1]):
        raise SpecError("features", tuple(features),
                        reason=f"must be two different feature indices below {X.shape[1]}")
    net = network_of(model, X.shape[1])
    if net.num_inputs != X.shape[1]:
        raise DataError(f"dataset: has {X.shape[1]} features; the model takes {net.num_inputs}")
    w = model_weights(net, weights)
    xs = _axis(X[:, i].min(), X[:, i].max(), margin, resolution)
    ys = _axis(X[:, j].min(), X[:, j].max(), margin, resolution)
    gx, gy = np.meshgrid(xs, ys)
    mean = np.asarray(dataset.X_train, float).mean(axis=0)
    grid = np.tile(mean, (gx.size, 1))
    grid[:, i], grid[:, j] = gx.ravel(), gy.ravel()
    rows = net.values(grid, w)
    names = [p.name for p in net.circuit.parameters]
    circs, labels, note = layer_circuits(model, net)
    n = net.circuit.num_qubits
    obs = bloch_observables(n)
    ev = evaluator if evaluator is not None else execution.evaluator_for()
    size = states_per_chunk(n)
    bloch = np.empty((len(circs), n, 3, resolution, resolution))
    for layer, circ in enumerate(circs):
        cols = [names.index(p.name) for p in circ.parameters]
        vals = rows[:, cols]
        ev_l = np.concatenate([ev.expectation_values(circ, obs, vals[s:s + size])
                               for s in range(0, vals.shape[0], size)])      # (G, 3n)
        bloch[layer] = ev_l.T.reshape(n, 3, resolution, resolution)
    purity = 0.5 * (1.0 + np.sum(bloch ** 2, axis=2))
    return LayerViewsResult(
        layers=labels, xs=xs, ys=ys, bloch=bloch, purity=purity,
        mean_purity=purity.mean(axis=(1, 2, 3)), num_qubits=n, features=[i, j],
        fixed=mean, network=net.label, note=note, seconds=time.perf_counter() - started,
        path=getattr(ev, "path", ""))
