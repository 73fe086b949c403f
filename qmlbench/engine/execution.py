"""How circuits are evaluated: the one seam every model, kernel and study goes through.

The contract (names and shapes are relied on by models, kernels, plateau
studies and benchmarks):

* ``values`` is a 2-D array ``(batch, circuit.num_parameters)`` whose columns
  follow ``circuit.parameters`` (sorted by name, not construction order).
* ``statevectors(circuit, values) -> complex (batch, 2**n)`` (qiskit's qubit order)
* ``probabilities(circuit, values) -> (batch, 2**n)``
* ``expectation_values(circuit, observable, values) -> (batch,)``; a list of
  observables gives ``(batch, k)``
* ``gradients(circuit, observable, values, wrt=None) -> (batch, P)`` (or
  ``(batch, k, P)`` for a list), the derivative of the expectation value with
  respect to each parameter listed in ``wrt`` (indices into
  ``circuit.parameters``; all by default).
* ``evaluator_for(execution_spec=None, estimator=None, sampler=None)`` returns
  an :class:`Evaluator` with the same four methods, and ``.path`` says which
  path ran (and ``.fallback_reason`` why, when it fell back).

The default path is exact and batched (:mod:`.statevector_sim`): all rows
of ``values`` go through each gate together, gradients come from one adjoint
sweep, and batches are split so the state arrays stay within
``MEMORY_BUDGET_BYTES``.  A circuit the fast path cannot simulate goes to
Aer's statevector simulator with a one-time warning; shots go to Aer's V2
primitives; a user's V2 estimator/sampler is used as given.  Gradients off the
fast path use the parameter-shift rule on every gate occurrence, evaluated in
one pub.

``FastEstimator`` / ``FastEstimatorGradient`` (from :mod:`.fast_primitives`, also
reachable here) put the fast path behind Qiskit's ``BaseEstimatorV2`` and
qiskit-ml's gradient interface, so ``EstimatorQNN``/``VQC``/``VQR`` train on it.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterExpression
from qiskit.quantum_info import SparsePauliOp

from . import statevector_sim as sim
from .aer_rewrite import expanded, for_aer, is_mixed, measurements_as_dephasing
from .errors import CapacityError, DataError, QmlbenchError, SpecError

#: Largest width the exact path accepts.  One complex128 statevector of n qubits
#: is 16 * 2**n bytes (24 qubits = 256 MiB) and an adjoint gradient keeps about
#: four of them alive, so 24 qubits needs ~1.3 GiB for a single parameter set.
MAX_EXACT_QUBITS = 24

#: Bytes the batched state arrays of one call may take; batches are split to fit.
MEMORY_BUDGET_BYTES = 256 * 2 ** 20

PATH_EXACT = "exact (qmlbench batched statevector)"
PATH_AER_FALLBACK = "exact (Aer statevector fallback)"
PATH_AER_MIXED = "exact (Aer density matrix: the circuit has resets or mid-circuit measurements)"
PATH_SHOTS = "shots (each Pauli term or outcome sampled from the exact state)"
PATH_AER_SHOTS = "shots (Aer V2 primitives)"  # circuits conditioned on measured bits
PATH_USER = "user primitive"

#: Widest circuit with resets or mid-circuit measurements the exact path takes: its state
#: is a density matrix of 4**n entries (12 qubits = 256 MiB).
MAX_MIXED_QUBITS = 12

_warned: set[str] = set()


def has_control_flow(circuit: QuantumCircuit) -> bool:
    """Whether an operation depends on a measured bit (if_test, loops, switch)."""
    return any(inst.operation.name in ("if_else", "while_loop", "for_loop", "switch_case")
               for inst in circuit.data)


def _without_final_measurements(circuit: QuantumCircuit) -> QuantumCircuit:
    """Final measurements off, unless an operation reads a bit: then every measurement
    stays (qiskit would call the one an ``if_test`` reads "final" and drop it)."""
    if has_control_flow(circuit):
        return circuit.copy()
    return circuit.remove_final_measurements(inplace=False)


def _check_mixed_width(num_qubits):
    if num_qubits > MAX_MIXED_QUBITS:
        raise CapacityError(
            f"num_qubits: {num_qubits} is too many for an exact circuit with resets or "
            f"mid-circuit measurements; its density matrix is limited to {MAX_MIXED_QUBITS} "
            f"qubits here (4**n entries); use shots instead")


def check_width(num_qubits: int) -> None:
    if num_qubits > MAX_EXACT_QUBITS:
        raise CapacityError(
            f"num_qubits: {num_qubits} is too many for exact simulation here; the limit is "
            f"{MAX_EXACT_QUBITS} qubits (a statevector of 2**{num_qubits} amplitudes needs "
            f"{16 * 2 ** num_qubits / 2**30:.1f} GiB per state)")


def _check_circuit(circuit):
    if not isinstance(circuit, QuantumCircuit):
        raise DataError(f"circuit: expected a qiskit QuantumCircuit, got "
                        f"{type(circuit).__name__} ({str(circuit)[:40]!r})")


def _values2d(circuit: QuantumCircuit, values) -> np.ndarray:
    _check_circuit(circuit)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"values: must be numbers, got {type(values).__name__} ({exc})") from None
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    if arr.ndim == 1:
        if circuit.num_parameters == 0:
            if arr.size:
                raise DataError(f"values: the circuit has no parameters, so there is nothing to "
                                f"give {arr.size} values to; pass an array of shape (batch, 0)")
            arr = arr.reshape(1, 0)
        else:
            arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != circuit.num_parameters:
        raise DataError(f"values: expected shape (batch, {circuit.num_parameters}) with columns "
                        f"in circuit.parameters order, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError("values: contains NaN or infinite entries; all must be finite numbers")
    return arr


def _as_ops(observable, num_qubits):
    many = isinstance(observable, (list, tuple))
    items = list(observable) if many else [observable]
    ops = []
    for o in items:
        try:
            op = o if isinstance(o, SparsePauliOp) else SparsePauliOp(o)
        except Exception as exc:  # noqa: BLE001 - report what was given
            raise DataError(f"observable: {o!r} is not a Pauli operator ({exc}); pass a "
                            f"SparsePauliOp, a Pauli or a label such as 'ZZ'") from None
        # SparsePauliOp("Z", 1j) is not an observable: qiskit's estimators refuse it too
        coeffs = np.asarray(SparsePauliOp.from_list(op.to_list()).simplify().coeffs)
        if np.any(np.abs(coeffs.imag) > 1e-10 * max(1.0, float(np.abs(coeffs).max(initial=0)))):
            raise DataError(f"observable: {op.to_list()} is not Hermitian (complex "
                            f"coefficients); an expectation value needs a Hermitian operator")
        if op.num_qubits != num_qubits:
            raise DataError(f"observable: acts on {op.num_qubits} qubits but the circuit has "
                            f"{num_qubits}")
        ops.append(op)
    return ops, many


def _wrt_list(circuit, wrt):
    if wrt is None:
        return list(range(circuit.num_parameters))
    if isinstance(wrt, slice):
        return list(range(circuit.num_parameters))[wrt]
    from qiskit.circuit import Parameter

    items = list(wrt) if isinstance(wrt, (list, tuple, np.ndarray)) else [wrt]
    by_name = {p.name: k for k, p in enumerate(circuit.parameters)}
    idx = []
    for i in items:
        if isinstance(i, Parameter) or isinstance(i, str):
            name = i.name if isinstance(i, Parameter) else i
            if name not in by_name:
                raise DataError(f"wrt: {name!r} is not a parameter of the circuit; give indices "
                                f"into circuit.parameters, parameter names or Parameters")
            idx.append(by_name[name])
        elif isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
            idx.append(int(i))
        else:
            raise DataError(f"wrt: {i!r} is not an index into circuit.parameters, a parameter "
                            f"name or a Parameter")
    for i in idx:
        if not 0 <= i < circuit.num_parameters:
            raise DataError(f"wrt: index {i} is outside 0..{circuit.num_parameters - 1} "
                            f"(indices into circuit.parameters)")
    return idx


def available_memory_bytes() -> int | None:
    """Physical memory free right now (None where the OS does not say)."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _check_memory(num_qubits, copies):
    """Refuse before allocating when even one parameter set cannot fit in memory."""
    need = sim.bytes_per_state(num_qubits) * copies
    free = available_memory_bytes()
    if free is not None and need > free:
        raise CapacityError(
            f"num_qubits: {num_qubits} needs about {need / 2**30:.1f} GiB for one parameter set "
            f"on the exact path ({copies} states of 2**{num_qubits} amplitudes) but only "
            f"{free / 2**30:.1f} GiB of memory is free; use fewer qubits or shots (Aer)")


def _chunks(num_rows, num_qubits, copies):
    _check_memory(num_qubits, copies)
    step = sim.chunk_rows(num_qubits, copies, MEMORY_BUDGET_BYTES)
    for start in range(0, num_rows, step):
        yield slice(start, min(start + step, num_rows))


# --- the exact fast path ----------------------------------------------------
def _fast_statevectors(comp, arr):
    out = np.empty((arr.shape[0], 2 ** comp.num_qubits), dtype=complex)
    for sl in _chunks(arr.shape[0], comp.num_qubits, 3):
        out[sl] = sim.simulate(comp, arr[sl])
    return out


def _fast_expectations(comp, ops, arr):
    obs = [sim.compile_observable(o) for o in ops]
    res = np.empty((arr.shape[0], len(ops)))
    for sl in _chunks(arr.shape[0], comp.num_qubits, 3 + len(ops)):
        psi = sim.simulate_nb(comp, arr[sl])
        for k, o in enumerate(obs):
            res[sl, k] = o.expectation_nb(psi)
    return res


def _fast_gradients(comp, ops, arr, wrt):
    obs = [sim.compile_observable(o) for o in ops]
    grads = np.empty((arr.shape[0], len(ops), len(wrt)))
    for sl in _chunks(arr.shape[0], comp.num_qubits, 4 + 2 * len(ops)):
        if len(wrt) == 1:
            _, g = sim.forward_gradient(comp, obs, arr[sl], wrt[0])
        else:
            _, g = sim.adjoint_gradients(comp, obs, arr[sl], wrt)
        grads[sl] = g
    return grads


# --- parameter shift (Aer and user primitives) --------------------------------
_SHIFT_BASIS = ["rx", "ry", "rz", "rxx", "ryy", "rzz", "cx", "cz", "h", "x", "y", "z",
                "s", "sdg", "t", "tdg", "sx", "sxdg", "swap", "id", "ecr", "ccx",
                "reset", "measure", "delay"]


class _ShiftPlan:
    """A circuit whose every parameterised gate angle is its own parameter phi_j,
    with phi_j(theta) and d phi_j / d theta computed in batches by our compiler."""

    def __init__(self, circuit: QuantumCircuit):
        from qiskit import transpile
        from qiskit.circuit import Parameter, ParameterExpression

        from .param_eval import AngleCompiler

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


def _estimator_pub(circuit, ops, rows):
    """One pub: observables broadcast against every parameter row -> (..., K)."""
    obs = np.empty((1,) * (rows.ndim - 1) + (len(ops),), dtype=object)
    for k, o in enumerate(ops):
        obs[(0,) * (rows.ndim - 1) + (k,)] = o
    return (circuit, obs, rows[..., None, :])


class Evaluator:
    """The four evaluation functions bound to one execution path.

    ``path`` names the path that ran last ("exact (qmlbench batched
    statevector)", the Aer fallback, Aer shots or a user primitive) and
    ``fallback_reason`` says why it left the fast path, else None.
    """

    def __init__(self, shots: int | None = None, seed: int | None = None,
                 estimator=None, sampler=None):
        self.shots = shots
        self.seed = seed
        self.estimator = estimator
        self.sampler = sampler
        self.fallback_reason: str | None = None
        if estimator is not None or sampler is not None:
            self.path = PATH_USER
        elif shots is not None:
            self.path = f"{PATH_SHOTS}, {shots} shots" + (f", seed {seed}" if seed is not None else "")
        else:
            self.path = PATH_EXACT

    def __repr__(self):
        return f"Evaluator(path={self.path!r})"

    # -- helpers --------------------------------------------------------------
    def _compiled_or_none(self, circuit):
        check_width(circuit.num_qubits)
        try:
            return sim.compiled(circuit)
        except sim.UnsupportedCircuit as exc:
            reason = f"the fast exact path cannot simulate this circuit: {exc}"
            self.fallback_reason = reason
            if self.shots is None and self.estimator is None and self.sampler is None:
                self.path = PATH_AER_FALLBACK
            if reason not in _warned:
                _warned.add(reason)
                warnings.warn(f"{reason}; using Aer instead", RuntimeWarning, stacklevel=4)
            return None

    def _mark_fast(self):
        if self.shots is None and self.estimator is None and self.sampler is None:
            self.path = PATH_EXACT
            self.fallback_reason = None

    def _aer_statevectors(self, circuit, arr):
        from qiskit_aer import AerSimulator

        if is_mixed(circuit):
            raise QmlbenchError(
                "statevectors: the circuit resets or measures a qubit before the end, so its "
                "output is a mixed state and has no statevector; expectation values and "
                "probabilities are exact for it (density matrix)")
        backend = AerSimulator(method="statevector")
        circ = for_aer(circuit.remove_final_measurements(inplace=False))
        params = list(circ.parameters)
        phase = circ.global_phase
        if isinstance(phase, ParameterExpression) and phase.parameters:
            # Aer 0.18 binds a parameterised global phase from the previous row: apply it here
            circ.global_phase = 0.0
            names = {p.name: i for i, p in enumerate(params)}
            phase = np.array([float(phase.bind({p: row[names[p.name]] for p in phase.parameters})
                                    .numeric()) for row in arr])
        else:
            phase = None
        circ.save_statevector()
        if params:
            binds = [{p: arr[:, i].tolist() for i, p in enumerate(params)}]
            res = backend.run(circ, parameter_binds=binds).result()
            out = np.stack([np.asarray(res.get_statevector(i)) for i in range(arr.shape[0])])
            return out if phase is None else out * np.exp(1j * phase)[:, None]
        res = backend.run(circ).result()
        return np.repeat(np.asarray(res.get_statevector(0))[None, :], arr.shape[0], axis=0)

    def _aer_density(self, circuit, arr, ops=None):
        """Exact expectation values ``(B, K)`` of ``ops`` (or probabilities ``(B, 2**n)``)
        of a circuit with resets or mid-circuit measurements, from Aer's density matrix."""
        from qiskit_aer import AerSimulator

        _check_mixed_width(circuit.num_qubits)
        self.path = PATH_AER_MIXED
        self.fallback_reason = ("the circuit resets or measures a qubit before the end: its "
                                "output is a mixed state")
        circ = measurements_as_dephasing(for_aer(circuit.remove_final_measurements(inplace=False)))
        if ops is None:
            circ.save_probabilities(label="probs")
        else:
            for k, op in enumerate(ops):
                circ.save_expectation_value(op, range(circ.num_qubits), label=f"ev{k}")
        backend = AerSimulator(method="density_matrix")
        params = list(circ.parameters)
        binds = [{p: arr[:, i].tolist() for i, p in enumerate(params)}] if params else None
        res = backend.run(circ, parameter_binds=binds).result()
        rows = arr.shape[0] if params else 1
        if ops is None:
            out = np.stack([np.asarray(res.data(i)["probs"], dtype=float) for i in range(rows)])
        else:
            out = np.array([[np.real(res.data(i)[f"ev{k}"]) for k in range(len(ops))]
                            for i in range(rows)], dtype=float)
        return out if params else np.repeat(out, arr.shape[0], axis=0)

    def _exact_fallback_expectations(self, circuit, ops, arr):
        if is_mixed(circuit):
            return self._aer_density(circuit, arr, ops)
        sv = self._aer_statevectors(circuit, arr)
        return np.stack([sim.compile_observable(o).expectation(sv) for o in ops], axis=1)

    def _estimator(self, mixed=False):
        if self.estimator is not None:
            return self.estimator
        from qiskit_aer.primitives import EstimatorV2

        opts = {"default_precision": 0.0 if self.shots is None else 1.0 / np.sqrt(self.shots)}
        if self.seed is not None:
            opts["run_options"] = {"seed_simulator": self.seed}
        if mixed:
            # one statevector trajectory would be one random outcome of each reset
            opts["backend_options"] = {"method": "density_matrix"}
        return EstimatorV2(options=opts)

    def _sampler_expectations(self, circuit, ops, rows):
        """Expectation values of diagonal (I/Z) observables from a user sampler's counts."""
        for op in ops:
            if np.any(op.paulis.x):
                raise QmlbenchError(
                    f"observable: {op.paulis.to_labels()} has X or Y terms, which a sampler alone "
                    f"cannot measure; pass estimator=... (a V2 estimator) as well")
        flat = rows.reshape(int(np.prod(rows.shape[:-1], dtype=int)), rows.shape[-1])
        probs = self._sampled_probabilities(circuit, flat)
        diags = np.stack([np.real(sim.compile_observable(op).groups[0][1]) if op.size else
                          np.zeros(probs.shape[1]) for op in ops], axis=1)
        return (probs @ diags).reshape(rows.shape[:-1] + (len(ops),))

    def _primitive_expectations(self, circuit, ops, rows):
        """Expectation values for rows of shape (..., P) -> (..., K) through one estimator pub."""
        if self.estimator is None and self.sampler is not None:
            return self._sampler_expectations(circuit, ops, rows)
        if self.estimator is None and not has_control_flow(circuit):
            return self._shot_expectations(circuit, ops, rows)
        circ = _without_final_measurements(circuit)
        mixed = False
        if self.estimator is None:
            circ = for_aer(circ)
            mixed = is_mixed(circ)
            if mixed:
                _check_mixed_width(circ.num_qubits)
        estimator = self._estimator(mixed)
        if self.estimator is None:
            self.path = self.path.replace(PATH_SHOTS, PATH_AER_SHOTS)
        if circ.num_parameters == 0:
            obs = np.empty(len(ops), dtype=object)
            for k, o in enumerate(ops):  # np.array(ops) would unpack each SparsePauliOp
                obs[k] = o
            pub = (circ, obs)
            ev = np.asarray(estimator.run([pub]).result()[0].data.evs, dtype=float)
            return np.broadcast_to(ev, rows.shape[:-1] + (len(ops),)).copy()
        res = estimator.run([_estimator_pub(circ, ops, rows)]).result()
        return np.asarray(res[0].data.evs, dtype=float)

    def _exact(self):
        """The exact evaluator this one samples shots from (its path is reported)."""
        return Evaluator()

    def _shot_expectations(self, circuit, ops, rows):
        """Each Pauli term measured ``shots`` times: its count of +1 outcomes is
        Binomial(shots, (1 + <P>)/2) with <P> exact (pure or mixed state), so an eigenstate
        gives its eigenvalue exactly and the noise scales with the coefficients, as on a
        device that measures term by term."""
        flat = rows.reshape(int(np.prod(rows.shape[:-1], dtype=int)), rows.shape[-1])
        labels = sorted({lab for op in ops for lab in op.paulis.to_labels()})
        exact = self._exact()
        n = circuit.num_qubits
        ident = "I" * n
        measured = [lab for lab in labels if lab != ident]
        rng = np.random.default_rng(self.seed)
        est = {ident: np.ones(flat.shape[0])}
        if measured:
            ev = exact.expectation_values(circuit, [SparsePauliOp(lab) for lab in measured], flat)
            plus = rng.binomial(self.shots, np.clip((1.0 + ev) / 2.0, 0.0, 1.0))
            for k, lab in enumerate(measured):
                est[lab] = 2.0 * plus[:, k] / self.shots - 1.0
        self.fallback_reason = exact.fallback_reason
        out = np.zeros((flat.shape[0], len(ops)))
        for j, op in enumerate(ops):
            phases = (-1j) ** op.paulis.phase
            for lab, c, ph in zip(op.paulis.to_labels(), op.coeffs, phases):
                out[:, j] += np.real(c * ph) * est[lab]
        return out.reshape(rows.shape[:-1] + (len(ops),))

    def _use_fast(self):
        return self.shots is None and self.estimator is None and self.sampler is None

    # -- the contract ---------------------------------------------------------
    def statevectors(self, circuit: QuantumCircuit, values) -> np.ndarray:
        arr = _values2d(circuit, values)
        comp = self._compiled_or_none(circuit)
        if comp is None:
            return self._aer_statevectors(circuit, arr)
        self._mark_fast()
        return _fast_statevectors(comp, arr)

    def probabilities(self, circuit: QuantumCircuit, values) -> np.ndarray:
        arr = _values2d(circuit, values)
        if self.sampler is not None or self.shots is not None:
            return self._sampled_probabilities(circuit, arr)
        comp = self._compiled_or_none(circuit)
        if comp is not None:
            self._mark_fast()
            return np.abs(_fast_statevectors(comp, arr)) ** 2
        check_width(circuit.num_qubits)
        if is_mixed(circuit):
            return self._aer_density(circuit, arr)
        return np.abs(self._aer_statevectors(circuit, arr)) ** 2

    def _sampled_probabilities(self, circuit, arr):
        check_width(circuit.num_qubits)
        if self.sampler is None and not has_control_flow(circuit):
            # shots drawn from the exact distribution: the same experiment as noiseless Aer
            exact = self._exact()
            probs = exact.probabilities(circuit, arr)
            self.fallback_reason = exact.fallback_reason
            rng = np.random.default_rng(self.seed)
            counts = np.stack([rng.multinomial(self.shots, p / p.sum()) for p in probs])
            return counts / self.shots
        if self.sampler is not None:
            sampler = self.sampler
        else:
            from qiskit_aer.primitives import SamplerV2
            sampler = SamplerV2(default_shots=self.shots, seed=self.seed)
            self.path = self.path.replace(PATH_SHOTS, PATH_AER_SHOTS)
        circ = _without_final_measurements(circuit)
        # a register of our own: the circuit may already hold one called "meas"
        taken = {reg.name for reg in circ.cregs}
        name = next(f"qbmeas{k}" for k in range(len(taken) + 1) if f"qbmeas{k}" not in taken)
        from qiskit import ClassicalRegister

        reg = ClassicalRegister(circ.num_qubits, name)
        circ.add_register(reg)
        circ.measure(range(circ.num_qubits), reg)
        if self.sampler is None:
            circ = for_aer(circ)
        pub = (circ, arr) if circuit.num_parameters else (circ,)
        data = sampler.run([pub]).result()[0].data
        bits = getattr(data, name)
        out = np.zeros((arr.shape[0], 2 ** circuit.num_qubits))
        for i in range(arr.shape[0]):
            counts = bits.get_int_counts(loc=i) if circuit.num_parameters else bits.get_int_counts()
            total = sum(counts.values())
            for key, c in counts.items():
                out[i, key] = c / total
        return out

    def expectation_values(self, circuit: QuantumCircuit, observable, values) -> np.ndarray:
        arr = _values2d(circuit, values)
        ops, many = _as_ops(observable, circuit.num_qubits)
        comp = self._compiled_or_none(circuit) if self._use_fast() else None
        if comp is not None:
            self._mark_fast()
            res = _fast_expectations(comp, ops, arr)
        elif self._use_fast():
            res = self._exact_fallback_expectations(circuit, ops, arr)
        else:
            check_width(circuit.num_qubits)
            res = self._primitive_expectations(circuit, ops, arr)
        return res if many else res[:, 0]

    def gradients(self, circuit: QuantumCircuit, observable, values, wrt=None) -> np.ndarray:
        arr = _values2d(circuit, values)
        ops, many = _as_ops(observable, circuit.num_qubits)
        asked = _wrt_list(circuit, wrt)
        idx = list(dict.fromkeys(asked))  # each parameter once; repeats are copied below
        comp = self._compiled_or_none(circuit) if self._use_fast() else None
        if comp is not None:
            self._mark_fast()
            grads = _fast_gradients(comp, ops, arr, idx)
        else:
            check_width(circuit.num_qubits)
            if has_control_flow(circuit) and circuit.num_parameters:
                raise QmlbenchError(
                    "gradients: the circuit has operations conditioned on measured bits "
                    "(if_test, loops); the parameter-shift rule here does not reach inside "
                    "them, so no gradient is given rather than a wrong one")
            plan = _ShiftPlan(circuit)
            rows = plan.shifted_values(arr)
            if plan.num_angles == 0:
                grads = np.zeros((arr.shape[0], len(ops), len(idx)))
            elif self._use_fast():
                flat = rows.reshape(-1, plan.num_angles)
                ev = self._exact_fallback_expectations(plan.circuit, ops, flat)
                grads = plan.chain(arr, ev.reshape(arr.shape[0], -1, len(ops)), idx)
            else:
                ev = self._primitive_expectations(plan.circuit, ops, rows)
                grads = plan.chain(arr, ev, idx)
        if idx != asked:
            grads = grads[:, :, [idx.index(i) for i in asked]]
        return grads if many else grads[:, 0, :]


def evaluator_for(execution_spec=None, estimator=None, sampler=None) -> Evaluator:
    """The evaluator for an :class:`~qmlbench.engine.spec.ExecutionSpec` (or a whole
    ExperimentSpec, or a dict with ``shots``/``seed``); user primitives win."""
    spec = execution_spec
    if spec is not None and hasattr(spec, "execution"):
        spec = spec.execution
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - {"shots", "seed"})
        if unknown:
            raise SpecError(f"execution.{unknown[0]}", spec[unknown[0]], ["shots", "seed"],
                            reason="is not an execution setting")
        shots, seed = spec.get("shots"), spec.get("seed")
    elif spec is None:
        shots = seed = None
    else:
        shots, seed = getattr(spec, "shots", None), getattr(spec, "seed", None)
    if shots is not None:
        if isinstance(shots, (bool, np.bool_)) or not isinstance(shots, (int, np.integer)) or shots < 1:
            raise SpecError("execution.shots", shots,
                            reason="must be a positive integer or None (exact)")
        shots = int(shots)
    if seed is not None:
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise SpecError("execution.seed", seed,
                            reason="must be a non-negative integer or None (unseeded)")
        seed = int(seed)
    return Evaluator(shots=shots, seed=seed, estimator=estimator, sampler=sampler)


_default = Evaluator()


def statevectors(circuit: QuantumCircuit, values) -> np.ndarray:
    return _default.statevectors(circuit, values)


def probabilities(circuit: QuantumCircuit, values) -> np.ndarray:
    return _default.probabilities(circuit, values)


def expectation_values(circuit: QuantumCircuit, observable, values) -> np.ndarray:
    return _default.expectation_values(circuit, observable, values)


def gradients(circuit: QuantumCircuit, observable, values, wrt=None) -> np.ndarray:
    return _default.gradients(circuit, observable, values, wrt)


def __getattr__(name):
    # qiskit-ml is only imported by whoever asks for the primitive adapters
    if name in ("FastEstimator", "FastEstimatorGradient", "FastSampler"):
        from . import fast_primitives
        return getattr(fast_primitives, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FastEstimator", "FastEstimatorGradient", "FastSampler", "MAX_EXACT_QUBITS",
           "MAX_MIXED_QUBITS", "MEMORY_BUDGET_BYTES", "PATH_EXACT", "PATH_AER_FALLBACK",
           "PATH_AER_MIXED", "for_aer", "is_mixed",
           "PATH_AER_SHOTS", "PATH_SHOTS", "PATH_USER", "check_width", "statevectors", "probabilities",
           "expectation_values", "gradients", "Evaluator", "evaluator_for"]
