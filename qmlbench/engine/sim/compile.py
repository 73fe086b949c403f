"""Exact batched statevector simulation with adjoint gradients, in numpy.

A batch of ``B`` parameter sets (times ``K`` adjoint copies, one per
observable) is one array ``(N, K, B)`` viewed as ``(2,)*n + (K, B)``: every
gate is applied to the whole batch at once by slicing its qubits' axes
(:mod:`.gate_apply`), so Python pays per gate, not per parameter set.  Qubit
``q`` is axis ``n - 1 - q``, which makes the flattened state match qiskit's
little-endian ``Statevector.data``.

A circuit is compiled once (and cached) into a list of ops (:mod:`.gate_ops`):

* fixed gates (any unparameterised gate, by its matrix; diagonal ones by
  multiplying slices, permutations by moving them);
* parameterised "native" gates ``G(phi) = exp(phi * A)`` with a constant
  ``A``: Pauli rotations (rx, ry, rz, rxx, ryy, rzz, rzx), controlled
  rotations (crx, cry, crz), phases (p, u1, cp, cu1); ``u``/``u3`` become
  ``p(lam) ry(theta) p(phi)``, which equals them exactly;
* everything else through its qiskit definition, recursively.

Gate angles are compiled expressions of the parameter columns
(:mod:`.param_eval`).  Because ``dG/dphi = A G``, the adjoint method reads
each gate's derivative off ``<lambda| A |psi>`` while walking the circuit
backwards once; a single parameter uses forward mode instead.

Compiled with ``redraw_axes=True``, every parameterised single-qubit RX/RY/RZ
gets its own axis slot (``num_slots`` in all, in circuit order), and
``simulate``/``forward_gradient``/``adjoint_gradients`` take ``axes``
``(B, num_slots)`` with 0/1/2 for X/Y/Z: each row then runs its own circuit
(McClean's random-Pauli ensemble, used by the plateau lab).
"""

from __future__ import annotations

import threading

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import (
    AnnotatedOperation,
    Barrier,
    BoxOp,
    Delay,
    Gate,
    Measure,
    ParameterExpression,
    Reset,
)
from qiskit.circuit.library import HamiltonianGate

from .angles import AngleCompiler, AngleFn
from .apply import apply_op
from .circuit_key import circuit_key, is_standard
from .gates import _AXIS_OF, _NATIVE, Op, _axis_rot_op, _fixed_op, _fuse, _native_op


class UnsupportedCircuit(Exception):
    """The circuit holds something the exact fast path does not simulate (reason in the message)."""


def _hamiltonian_ops(op, qubits, angle: AngleFn) -> list[Op]:
    """``HamiltonianGate(H, t) = exp(-i t H) = V exp(-i t diag(lam)) V^dagger`` with a
    parameterised time: two fixed basis changes around one diagonal phase op."""
    H = np.asarray(op.params[0], dtype=complex)
    lam, V = np.linalg.eigh(0.5 * (H + H.conj().T))
    phase = Op("hamiltonian_phase", qubits, "phase")
    phase.angle = angle
    phase.diag = -lam
    phase.A = np.diag(-1j * lam)
    phase.A_entries = [(i, i, complex(-1j * w)) for i, w in enumerate(lam) if w != 0]
    return [_fixed_op("hamiltonian_basis_dg", qubits, V.conj().T), phase,
            _fixed_op("hamiltonian_basis", qubits, V)]


def _controls_on_one(op) -> bool:
    """A controlled gate fires on |1...1> (what the native tables assume)."""
    ctrl = getattr(op, "ctrl_state", None)
    nctrl = getattr(op, "num_ctrl_qubits", 0)
    return ctrl is None or ctrl == 2 ** nctrl - 1

class CompiledCircuit:
    """A circuit as a flat list of batched ops, plus its global phase."""

    def __init__(self, num_qubits, num_parameters, ops, global_phases, num_slots=0,
                 leading_resets=()):
        self.num_qubits = num_qubits
        # qubits reset before any gate, dropped as no-ops: right only from |0...0>
        self.leading_resets = tuple(leading_resets)
        self.num_parameters = num_parameters
        self.num_slots = num_slots  # axis slots of "axisrot" ops (redraw_axes=True)
        self.ops = _fuse(ops, num_qubits)
        self.global_phases = global_phases  # AngleFn list, summed
        # The gates before the first parameterised one are the same for every row:
        # run them once on a single state and start each batch from it.
        self.start = next((i for i, op in enumerate(self.ops) if op.angle is not None),
                          len(self.ops))
        state = np.zeros((2 ** num_qubits, 1, 1), dtype=complex)
        state[0] = 1.0
        for op in self.ops[:self.start]:
            state = apply_op(state, num_qubits, op, np.zeros((1, num_parameters)))
        self.initial = state[:, 0, 0].copy()

    def initial_state(self, batch: int) -> np.ndarray:
        psi = np.empty((2 ** self.num_qubits, 1, batch), dtype=complex)
        psi[...] = self.initial[:, None, None]
        return psi


def _compile(circuit: QuantumCircuit, redraw_axes: bool = False) -> CompiledCircuit:
    params = list(circuit.parameters)
    comp = AngleCompiler(params)
    ops: list[Op] = []
    slots = [0]
    phases: list[AngleFn] = []
    measured: set[int] = set()
    touched: set[int] = set()
    leading_resets: set[int] = set()

    def add_phase(ph):
        if isinstance(ph, ParameterExpression) or ph != 0:
            phases.append(comp.compile(ph))

    def visit(circ: QuantumCircuit, qmap, depth):
        if depth > 40:
            raise UnsupportedCircuit("gate definitions nest too deeply")
        add_phase(circ.global_phase)
        for inst in circ.data:
            op = inst.operation
            name = op.name
            qubits = [qmap[circ.find_bit(q).index] for q in inst.qubits]
            # by type, not name: a user's gate may be called "barrier", "delay" or "cx"
            if isinstance(op, (Barrier, Delay)):
                continue
            if isinstance(op, Measure):
                measured.update(qubits)
                continue
            if measured.intersection(qubits):
                raise UnsupportedCircuit(f"'{name}' acts on a qubit after it was measured "
                                         f"(mid-circuit measurement)")
            if isinstance(op, BoxOp) and not inst.clbits:
                visit(op.blocks[0], qubits, depth + 1)  # a box is only a scope
                continue
            if inst.clbits:
                raise UnsupportedCircuit(f"'{name}' uses classical bits")
            if isinstance(op, Reset):
                if touched.intersection(qubits):
                    raise UnsupportedCircuit("'reset' is not a unitary gate")
                leading_resets.update(qubits)
                continue  # a qubit reset before anything acts on it is still |0>: no-op
            touched.update(qubits)
            parametric = any(isinstance(p, ParameterExpression) and p.parameters
                             for p in getattr(op, "params", ()))
            if isinstance(op, AnnotatedOperation):
                if parametric:  # no matrix while unbound: let qiskit write it in library gates
                    visit(_synthesized_op(op), qubits, depth + 1)
                else:
                    ops.append(_fixed_op(f"user:{name}", qubits, op.to_matrix()))
                continue
            if name == "hamiltonian" and parametric and isinstance(op, HamiltonianGate):
                ops.extend(_hamiltonian_ops(op, qubits, comp.compile(op.params[1])))
                continue
            if name in _NATIVE and parametric and is_standard(op) and _controls_on_one(op):
                if redraw_axes and name in _AXIS_OF:
                    ops.append(_axis_rot_op(name, qubits, comp.compile(op.params[0]), slots[0]))
                    slots[0] += 1
                    continue
                ops.append(_native_op(name, qubits, comp.compile(op.params[0])))
                continue
            if name in ("u", "u3") and parametric and is_standard(op):
                theta, phi, lam = op.params
                q = qubits
                ops.append(_native_op("p", q, comp.compile(lam)))
                ops.append(_native_op("ry", q, comp.compile(theta)))
                ops.append(_native_op("p", q, comp.compile(phi)))
                continue
            if name == "global_phase" and is_standard(op):
                add_phase(op.params[0])
                continue
            if isinstance(op, Gate) and not parametric:
                try:
                    mat = op.to_matrix()
                except Exception:  # noqa: BLE001 - no matrix: fall through to the definition
                    mat = None
                if mat is not None:
                    if len(qubits) == 0:
                        continue
                    # a user's gate keeps its own name out of the peephole passes' way
                    ops.append(_fixed_op(name if is_standard(op) else f"user:{name}",
                                         qubits, mat))
                    continue
            try:
                definition = getattr(op, "definition", None)
            except Exception:  # noqa: BLE001 - e.g. a matrix gate with an unbound angle
                definition = _synthesized_op(op)
            if definition is None:
                raise UnsupportedCircuit(f"gate '{name}' has neither a matrix nor a definition "
                                         f"the fast path can simulate")
            visit(definition, qubits, depth + 1)

    visit(circuit, list(range(circuit.num_qubits)), 0)
    return CompiledCircuit(circuit.num_qubits, len(params), ops, phases, slots[0],
                           sorted(leading_resets))


# --- compile cache ---------------------------------------------------------
# Keyed by what the circuit computes (see circuit_key), never by identity: a circuit
# changed in place after its first use must not get its old compiled form back.
_lock = threading.Lock()
_by_structure: dict[tuple, CompiledCircuit] = {}
_MAX_STRUCTURES = 256

#: Gates the transpiler writes an operation into when the simulator cannot read it
#: directly (all of them are simulated exactly below).
_SYNTH_BASIS = ["rx", "ry", "rz", "p", "u", "rxx", "ryy", "rzz", "cx", "cz", "cy", "swap",
                "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "sxdg", "id", "ccx",
                "crx", "cry", "crz", "cp", "measure", "reset", "delay"]


def _synthesized_op(op) -> QuantumCircuit:
    """One operation written by qiskit's transpiler in library gates, parameters kept."""
    from qiskit import transpile

    circuit = QuantumCircuit(op.num_qubits, op.num_clbits)
    circuit.append(op, range(op.num_qubits), range(op.num_clbits))
    try:
        flat = transpile(circuit, basis_gates=_SYNTH_BASIS, optimization_level=0)
    except Exception as exc:  # noqa: BLE001 - say what the transpiler said
        raise UnsupportedCircuit(f"'{op.name}' has no matrix or definition the fast path can "
                                 f"use, and qiskit could not write it in library gates "
                                 f"({exc})") from None
    if {p.name for p in flat.parameters} != {p.name for p in circuit.parameters}:
        raise UnsupportedCircuit(f"writing '{op.name}' in library gates changed its parameters")
    return flat


def compiled(circuit: QuantumCircuit, redraw_axes: bool = False) -> CompiledCircuit:
    """The compiled form of ``circuit``, cached by :func:`~.circuit_key.circuit_key`.

    ``redraw_axes`` gives every parameterised single-qubit RX/RY/RZ an axis slot
    (see the module docstring).
    """
    key = circuit_key(circuit)
    if key is not None:
        key = (redraw_axes, key)
        with _lock:
            comp = _by_structure.get(key)
        if comp is not None:
            return comp
    comp = _compile(circuit, redraw_axes)
    if key is not None:
        with _lock:
            if len(_by_structure) >= _MAX_STRUCTURES:
                _by_structure.pop(next(iter(_by_structure)))
            _by_structure[key] = comp
    return comp
