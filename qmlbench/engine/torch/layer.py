"""A quantum circuit as a PyTorch function and module, on the batched exact path.

``QuantumLayer(feature_map, ansatz, observables)`` is a ``torch.nn.Module``: its
``forward(x)`` sends the whole batch ``x`` (``(batch, inputs)``) through
``evaluator.expectation_values`` in one call, and its backward uses one batched adjoint
sweep (``evaluator.gradients``) for the derivatives with respect to the weights *and* the
inputs, so classical layers before it train too.  qiskit-ml's ``TorchConnector`` runs an
``EstimatorQNN`` per batch through a primitive and, by default, the parameter-shift rule.

The arithmetic is NumPy float64 on the CPU; float32 tensors are computed in float64 and
returned in float32.  Tensors on another device (CUDA, MPS) are refused with a message,
where qiskit-ml 0.9 crashed inside the primitive (qiskit-machine-learning issue #310).

Without PyTorch this module still imports (so the engine does), and every entry point
says how to install it.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.exceptions import QiskitError
from qiskit.quantum_info import SparsePauliOp

from .. import circuits, execution, extras
from ..errors import DataError, SpecError

try:  # the optional extra: names below fall back to plain objects that explain themselves
    import torch
except ImportError:  # pragma: no cover - exercised in the environments without the extra
    torch = None

_Module = torch.nn.Module if torch is not None else object
_Function = torch.autograd.Function if torch is not None else object


def _require(what: str):
    return extras.require("torch", what)


#: "local" and "global" are the words the hybrid model's ``observables`` option offers.
_ALLOWED = ("local (Z on each qubit)", "global (one Z...Z)", "a Pauli label such as 'ZZI'",
            "a SparsePauliOp", "a list of those")


def _as_op(o, num_qubits: int, value):
    # qiskit raises its own QiskitError for a typo such as "globl": say what is allowed
    try:
        op = o if isinstance(o, SparsePauliOp) else SparsePauliOp(o)
    except (QiskitError, TypeError, ValueError):
        raise SpecError("observables", value, _ALLOWED,
                        reason=f"is not an observable ({o!r} is neither local, global nor a "
                               f"Pauli operator)") from None
    if op.num_qubits != num_qubits:
        raise DataError(f"observables: {o} acts on {op.num_qubits} qubits; the circuit has "
                        f"{num_qubits}")
    return op


def _as_ops(observables, num_qubits: int):
    """``[SparsePauliOp]`` from None or ``"global"`` (one Z...Z on every qubit, qiskit-ml's
    EstimatorQNN default), ``"local"`` (Z on each qubit: one output per qubit), a label, an
    operator or a list."""
    if observables is None or (isinstance(observables, str) and observables == "global"):
        return [SparsePauliOp("Z" * num_qubits)]
    if isinstance(observables, str) and observables == "local":
        return [SparsePauliOp.from_sparse_list([("Z", [q], 1.0)], num_qubits)
                for q in range(num_qubits)]
    items = observables if isinstance(observables, (list, tuple)) else [observables]
    if not items:
        raise SpecError("observables", observables, _ALLOWED, reason="lists no observable")
    return [_as_op(o, num_qubits, observables) for o in items]


class CircuitMap:
    """A parameterised circuit as the map (inputs, weights) -> expectation values, in NumPy.

    ``circuit`` holds the inputs ``input_params`` and the weights ``weight_params`` (all
    its parameters); columns of the evaluator's rows follow ``circuit.parameters``, so each
    input and weight is placed at its own column.  ``execution`` is the evaluator's
    setting (``{"shots": ..., "seed": ..., "noise": ...}``; None: exact), or pass
    ``evaluator`` (e.g. on a user's primitive: not kept when pickled)."""

    def __init__(self, circuit: QuantumCircuit, observables=None, input_params=None,
                 weight_params=None, execution_setting=None, evaluator=None):
        if not isinstance(circuit, QuantumCircuit):
            raise DataError(f"circuit: expected a qiskit QuantumCircuit, got "
                            f"{type(circuit).__name__}")
        params = list(circuit.parameters)
        if input_params is None:
            input_params = [p for p in params if p.name.startswith(circuits.INPUT_PREFIX + "[")]
        input_params = list(input_params)
        taken = {p.name for p in input_params}
        if weight_params is None:
            weight_params = [p for p in params if p.name not in taken]
        weight_params = list(weight_params)
        names = [p.name for p in params]
        listed = [p.name for p in input_params + weight_params]
        if sorted(listed) != sorted(names):
            raise DataError(f"input_params and weight_params: together they must list each of the "
                            f"circuit's {len(names)} parameters once; got {listed}, the circuit has "
                            f"{names}")
        self.circuit = circuit
        self.ops = _as_ops(observables, circuit.num_qubits)
        self.input_index = np.array([names.index(p.name) for p in input_params], dtype=int)
        self.weight_index = np.array([names.index(p.name) for p in weight_params], dtype=int)
        self.num_inputs = len(input_params)
        self.num_weights = len(weight_params)
        self.num_outputs = len(self.ops)
        self.execution_setting = execution_setting
        self._evaluator = evaluator

    @property
    def evaluator(self):
        if self._evaluator is None:
            self._evaluator = execution.evaluator_for(self.execution_setting)
        return self._evaluator

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_evaluator"] = None    # a service, not state: rebuilt from the setting
        return state

    def rows(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != self.num_inputs:
            raise DataError(f"input: expected shape (batch, {self.num_inputs}) for the circuit's "
                            f"{self.num_inputs} inputs, got {tuple(x.shape)}")
        if w.shape != (self.num_weights,):
            raise DataError(f"weights: expected {self.num_weights} values, got shape "
                            f"{tuple(w.shape)}")
        values = np.empty((x.shape[0], self.circuit.num_parameters))
        values[:, self.input_index] = x
        values[:, self.weight_index] = w
        return values

    def forward(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Expectation values ``(batch, outputs)``."""
        return self.evaluator.expectation_values(self.circuit, self.ops, self.rows(x, w))

    def jacobians(self, x: np.ndarray, w: np.ndarray, inputs: bool = True, weights: bool = True):
        """``(d out/d x (batch, outputs, inputs) or None, d out/d w (batch, outputs, weights)
        or None)`` from one batched gradient call over the columns asked for."""
        cols = ([*self.input_index] if inputs else []) + ([*self.weight_index] if weights else [])
        if not cols:
            return None, None
        g = self.evaluator.gradients(self.circuit, self.ops, self.rows(x, w), wrt=cols)
        k = self.num_inputs if inputs else 0
        return (g[:, :, :k] if inputs else None), (g[:, :, k:] if weights else None)


def _check_tensor(t, what: str):
    if t.device.type != "cpu":
        raise DataError(
            f"{what}: is on device {str(t.device)!r}; the quantum layer simulates on the CPU "
            f"(NumPy), so move it there first (tensor.cpu(), or keep the quantum part of the "
            f"model on the CPU and .to(device) its output). qiskit-machine-learning's "
            f"TorchConnector crashed on such tensors (its issue #310)")


class QuantumFunction(_Function):
    """``QuantumFunction.apply(x, w, circuit_map) -> (batch, outputs)``: the autograd
    function behind :class:`QuantumLayer` (and the hybrid model).  Backward is a
    vector-Jacobian product with the batched adjoint gradients; it computes only the
    derivatives autograd asks for."""

    @staticmethod
    def forward(ctx, x, w, cmap):
        _check_tensor(x, "input")
        _check_tensor(w, "weights")
        xn = x.detach().to(torch.float64).numpy()
        wn = w.detach().to(torch.float64).numpy()
        ctx.cmap = cmap
        ctx.save_for_backward(x, w)
        out = cmap.forward(xn, wn)
        return torch.from_numpy(np.ascontiguousarray(out)).to(torch.promote_types(x.dtype, w.dtype))

    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        jx, jw = ctx.cmap.jacobians(x.detach().to(torch.float64).numpy(),
                                    w.detach().to(torch.float64).numpy(), need_x, need_w)
        g = grad_out.detach().to(torch.float64).numpy()
        gx = gw = None
        if jx is not None:
            gx = torch.from_numpy(np.einsum("bk,bki->bi", g, jx)).to(x.dtype)
        if jw is not None:
            gw = torch.from_numpy(np.einsum("bk,bkp->p", g, jw)).to(w.dtype)
        return gx, gw, None


def quantum_apply(x, w, cmap: CircuitMap):
    """``cmap``'s expectation values for a batch ``x`` ``(batch, inputs)`` (or one sample
    ``(inputs,)``) at weights ``w``, differentiable in both."""
    _require("qmlbench's quantum autograd function")
    if not torch.is_floating_point(x):
        x = x.to(torch.get_default_dtype())
    single = x.dim() == 1
    out = QuantumFunction.apply(x[None, :] if single else x, w, cmap)
    return out[0] if single else out


class QuantumLayer(_Module):
    """A PyTorch module: the feature map encodes the input, the ansatz holds the trainable
    weights, the output is the expectation value of each observable.

    ``QuantumLayer(feature_map, ansatz, observables=None)``: ``feature_map`` and ``ansatz``
    are circuits (``qb.circuits.feature_map(...)``, ``qb.circuits.ansatz(...)`` or any
    qiskit circuits on the same qubits) or registry names; ``observables`` is None (Z on
    every qubit, qiskit-ml's default: one output; ``"global"`` says the same), ``"local"``
    (Z on each qubit: one output per qubit), a Pauli label, a ``SparsePauliOp`` or a list of
    them; anything else is refused with a SpecError.  ``ansatz=None`` takes ``feature_map``
    as the whole circuit, its inputs the parameters named ``x[...]``
    unless ``input_params`` lists them.  ``num_qubits`` sizes registry-named blocks;
    ``layers``/``input_scaling`` re-upload the encoding (``qb.circuits.compose``).

    ``initial_weights`` (else uniform in [-1, 1) from ``seed``, as qiskit-ml's
    TorchConnector), ``execution`` (``{"shots": ..., "noise": ...}``; None: exact) or
    ``evaluator`` choose where it runs.  ``forward(x)``: ``x`` of shape ``(batch, inputs)``
    gives ``(batch, outputs)``; float64 and float32 work, on the CPU.
    """

    def __init__(self, feature_map, ansatz=None, observables=None, *, num_qubits=None,
                 input_params=None, weight_params=None, initial_weights=None, seed=None,
                 layers: int = 1, input_scaling: bool = False, execution=None, evaluator=None):
        torch_ = _require("QuantumLayer")
        super().__init__()
        if isinstance(feature_map, str):
            feature_map = circuits.feature_map(feature_map, num_qubits or 2)
        if isinstance(ansatz, str):
            ansatz = circuits.ansatz(ansatz, feature_map.num_qubits)
        circuit = feature_map if ansatz is None else circuits.compose(
            feature_map, ansatz, layers=layers, input_scaling=input_scaling)
        if ansatz is not None and input_params is None and layers == 1 and not input_scaling:
            input_params = list(feature_map.parameters)
        self.circuit_map = CircuitMap(circuit, observables, input_params, weight_params,
                                      execution, evaluator)
        n = self.circuit_map.num_weights
        if initial_weights is None:
            w0 = np.random.default_rng(seed).uniform(-1.0, 1.0, n)
        else:
            w0 = np.asarray(initial_weights, dtype=float).ravel()
            if w0.shape != (n,):
                raise DataError(f"initial_weights: the circuit has {n} weights, got {w0.size} "
                                f"values")
        self.weight = torch_.nn.Parameter(torch_.tensor(w0, dtype=torch_.get_default_dtype()))

    @property
    def circuit(self) -> QuantumCircuit:
        return self.circuit_map.circuit

    @property
    def num_inputs(self) -> int:
        return self.circuit_map.num_inputs

    @property
    def num_outputs(self) -> int:
        return self.circuit_map.num_outputs

    def forward(self, x):
        return quantum_apply(x, self.weight, self.circuit_map)

    def extra_repr(self) -> str:
        c = self.circuit_map
        return (f"qubits={c.circuit.num_qubits}, inputs={c.num_inputs}, weights={c.num_weights}, "
                f"outputs={c.num_outputs}")
