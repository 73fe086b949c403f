"""Gradients off the fast path: the parameter-shift rule on every gate occurrence, all
shifted rows in one estimator pub, chained back to the circuit's parameters."""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import Parameter, ParameterExpression

from ..errors import QmlbenchError
from ..sim import AngleCompiler
from .aer import expanded
from .inputs import has_control_flow

_SHIFT_BASIS = ["rx", "ry", "rz", "rxx", "ryy", "rzz", "cx", "cz", "h", "x", "y", "z",
                "s", "sdg", "t", "tdg", "sx", "sxdg", "swap", "id", "ecr", "ccx",
                "reset", "measure", "delay"]


class ShiftPlan:
    """A circuit whose every parameterised gate angle is its own parameter phi_j,
    with phi_j(theta) and d phi_j / d theta computed in batches by our compiler."""

    def __init__(self, circuit: QuantumCircuit):
        try:
            flat = transpile(circuit, basis_gates=_SHIFT_BASIS, optimization_level=0)
        except Exception:  # noqa: BLE001 - e.g. an unbound HamiltonianGate: open it up first
            flat = transpile(expanded(circuit), basis_gates=_SHIFT_BASIS, optimization_level=0)
        comp = AngleCompiler(list(circuit.parameters))
        self.circuit = flat.copy_empty_like()
        self.circuit.global_phase = 0.0
        self.angles = []
        for inst in flat.data:
            op = inst.operation
            if any(isinstance(p, ParameterExpression) and p.parameters for p in op.params):
                if op.name not in ("rx", "ry", "rz", "rxx", "ryy", "rzz"):
                    raise QmlbenchError(
                        f"gradients: gate '{op.name}' has no two-term parameter-shift rule; "
                        f"use the exact path or rewrite it with rotation gates")
                phi = Parameter(f"_phi{len(self.angles):06d}")
                self.angles.append(comp.compile(op.params[0]))
                new = op.copy()
                new.params = [phi]
                self.circuit.append(new, inst.qubits, inst.clbits)
            else:
                self.circuit.append(op, inst.qubits, inst.clbits)
        self.num_angles = len(self.angles)

    @classmethod
    def for_gradients(cls, circuit: QuantumCircuit) -> "ShiftPlan":
        """The plan for a gradient, refused for control flow (the rule does not reach inside)."""
        if has_control_flow(circuit) and circuit.num_parameters:
            raise QmlbenchError(
                "gradients: the circuit has operations conditioned on measured bits "
                "(if_test, loops); the parameter-shift rule here does not reach inside "
                "them, so no gradient is given rather than a wrong one")
        return cls(circuit)

    def shifted_values(self, arr):
        """(B, 2G, G) angle rows: +pi/2 then -pi/2 on each angle in turn."""
        b = arr.shape[0]
        g = self.num_angles
        base = np.empty((b, g))
        for j, fn in enumerate(self.angles):
            base[:, j] = fn.value(arr)
        rows = np.repeat(base[:, None, :], 2 * g, axis=1)
        for j in range(g):
            rows[:, 2 * j, j] += np.pi / 2
            rows[:, 2 * j + 1, j] -= np.pi / 2
        return rows

    def chain(self, arr, shifted_expvals, wrt):
        """Combine (B, 2G, K) shifted expectation values into (B, K, len(wrt)) gradients."""
        plus = shifted_expvals[:, 0::2, :]
        minus = shifted_expvals[:, 1::2, :]
        dphi = 0.5 * (plus - minus)  # (B, G, K)
        b, k = arr.shape[0], shifted_expvals.shape[2]
        grads = np.zeros((b, k, len(wrt)))
        pos = {c: i for i, c in enumerate(wrt)}
        for j, fn in enumerate(self.angles):
            for c in fn.derivatives:
                if c in pos:
                    d = fn.derivative(c, arr)
                    grads[:, :, pos[c]] += dphi[:, j, :] * (d[:, None] if np.ndim(d) else d)
        return grads


def estimator_pub(circuit, ops, rows):
    """One pub: observables broadcast against every parameter row -> (..., K)."""
    obs = np.empty((1,) * (rows.ndim - 1) + (len(ops),), dtype=object)
    for k, o in enumerate(ops):
        obs[(0,) * (rows.ndim - 1) + (k,)] = o
    return (circuit, obs, rows[..., None, :])
