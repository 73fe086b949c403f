"""The Evaluator: one execution path (exact, Aer, shots, a user primitive) behind four batched
functions; the package docstring states the contract."""

from __future__ import annotations

import warnings

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterExpression
from qiskit.quantum_info import SparsePauliOp

from .. import sim
from ..errors import DataError, QmlbenchError, SpecError
from ..limits import (  # noqa: F401
    MAX_EXACT_QUBITS,
    MAX_MIXED_QUBITS,
    MAX_NOISY_QUBITS,
    MEMORY_BUDGET_BYTES,
    available_memory_bytes,
    check_memory,
    check_mixed_width,
    check_noisy_width,
    check_width,
)
from . import fast, noisy
from .aer import for_aer, is_mixed, measurements_as_dephasing
from .inputs import (
    as_axes,
    as_initial_states,
    as_observables,
    as_pauli_ops,
    as_values,
    as_wrt,
    has_control_flow,
    without_final_measurements,
)
from .noise import check_noise, describe, plan_for
from .shift import ShiftPlan, estimator_pub

PATH_EXACT = "exact (qmlbench batched statevector)"
PATH_AER_FALLBACK = "exact (Aer statevector fallback)"
PATH_AER_MIXED = "exact (Aer density matrix: the circuit has resets or mid-circuit measurements)"
PATH_SHOTS = "shots (each Pauli term or outcome sampled from the exact state)"
PATH_AER_SHOTS = "shots (Aer V2 primitives)"  # circuits conditioned on measured bits
PATH_USER = "user primitive"
PATH_DENSITY = "exact noisy (qmlbench batched density matrix)"
PATH_AER_NOISY = "exact noisy (Aer density matrix, same noise model)"  # circuits sim cannot run
PATH_AER_TRAJECTORIES = "shots noisy (Aer statevector trajectories, same noise model)"

_warned: set[str] = set()


class Evaluator:
    """The four evaluation functions bound to one execution path.

    ``path`` names the path that ran last ("exact (qmlbench batched
    statevector)", the Aer fallback, Aer shots or a user primitive) and
    ``fallback_reason`` says why it left the fast path, else None.
    """

    def __init__(self, shots: int | None = None, seed: int | None = None,
                 estimator=None, sampler=None, noise=None):
        self.shots = shots
        self.seed = seed
        self.estimator = estimator
        self.sampler = sampler
        self.fallback_reason: str | None = None
        #: the checked noise setting (a dict, see :mod:`.noise`) or None; ``noise_plan`` is
        #: what it means for circuits, ``noise_label`` says it in words
        self.noise_plan = plan_for(noise)
        self.noise = None if self.noise_plan is None else self.noise_plan.setting
        self.noise_label = describe(self.noise)
        if self.noise is not None and (estimator is not None or sampler is not None):
            raise SpecError("execution.noise", self.noise_label,
                            reason="cannot be combined with a user primitive: put the noise in "
                                   "the primitive (Aer's EstimatorV2 with backend_options "
                                   "noise_model) or drop it here")
        if estimator is not None or sampler is not None:
            self.path = PATH_USER
        elif shots is not None:
            self.path = f"{PATH_SHOTS}, {shots} shots" + (f", seed {seed}" if seed is not None else "")
        elif self.noise is not None:
            self.path = PATH_DENSITY
        else:
            self.path = PATH_EXACT

    def __repr__(self):
        if self.noise is not None:
            return f"Evaluator(path={self.path!r}, noise={self.noise_label!r})"
        return f"Evaluator(path={self.path!r})"

    # -- noise ----------------------------------------------------------------------------
    def _noisy_program(self, circuit, redraw_axes=False):
        """The density program, or None after switching to the Aer noisy fallback."""
        plan = self.noise_plan
        plan.check_circuit(circuit.num_qubits)
        try:
            prog = noisy.program(plan, circuit, redraw_axes)
        except sim.UnsupportedCircuit as exc:
            if redraw_axes:
                raise DataError(f"axes: the noisy fast path cannot run this circuit ({exc}), "
                                f"and only it redraws rotation axes") from None
            reason = f"the fast density-matrix path cannot simulate this circuit: {exc}"
            self.fallback_reason = reason
            if self.shots is None:
                self.path = PATH_AER_NOISY
            if reason not in _warned:
                _warned.add(reason)
                warnings.warn(f"{reason}; using Aer's density matrix instead", RuntimeWarning,
                              stacklevel=4)
            return None
        if self.shots is None:
            self.path = PATH_DENSITY
            self.fallback_reason = None
        return prog

    def _noisy_axes(self, circuit, axes, rows):
        prog = self._noisy_program(circuit, redraw_axes=True)
        return prog, as_axes(axes, rows, prog.num_slots)

    def _noisy_expectations(self, circuit, ops, arr, axes=None):
        if self.shots is not None:
            if axes is not None:
                raise DataError(f"axes: per-row rotation axes run only on the exact path; this "
                                f"evaluator uses {self.path}")
            return self._primitive_expectations(circuit, ops, arr)
        if axes is not None:
            prog, ax = self._noisy_axes(circuit, axes, arr.shape[0])
            return noisy.expectations(self.noise_plan, prog, ops, arr, ax)
        prog = self._noisy_program(circuit)
        if prog is None:
            return noisy.aer_expectations(self.noise_plan, circuit, ops, arr)
        return noisy.expectations(self.noise_plan, prog, ops, arr)

    def _noisy_gradients(self, circuit, ops, arr, idx, axes=None):
        if self.shots is None:
            if axes is not None:
                prog, ax = self._noisy_axes(circuit, axes, arr.shape[0])
                return noisy.gradients(self.noise_plan, prog, ops, arr, idx, ax)
            prog = self._noisy_program(circuit)
            if prog is not None:
                return noisy.gradients(self.noise_plan, prog, ops, arr, idx)
        elif axes is not None:
            raise DataError(f"axes: per-row rotation axes run only on the exact path; this "
                            f"evaluator uses {self.path}")
        # parameter shift (every rotation is followed by a parameter-free channel, so the
        # two-term rule holds), each shifted row a noisy evaluation
        plan = ShiftPlan.for_gradients(circuit)
        if plan.num_angles == 0:
            return np.zeros((arr.shape[0], len(ops), len(idx)))
        rows = plan.shifted_values(arr).reshape(-1, plan.num_angles)
        ev = self._noisy_expectations(plan.circuit, ops, rows)
        return plan.chain(arr, ev.reshape(arr.shape[0], -1, len(ops)), idx)

    def density_matrices(self, circuit: QuantumCircuit, values, axes=None) -> np.ndarray:
        """Density matrices ``(batch, 2**n, 2**n)`` of the circuit's output state: the noisy
        state with noise, else ``|psi><psi|`` (qiskit's qubit order: ``rho[r, c]``)."""
        arr = as_values(circuit, values)
        if self.noise is None:
            sv = self.statevectors(circuit, arr, axes)
            return sv[:, :, None] * sv.conj()[:, None, :]
        if axes is not None:
            prog, ax = self._noisy_axes(circuit, axes, arr.shape[0])
            return noisy.densities(prog, arr, ax)
        prog = self._noisy_program(circuit)
        if prog is None:
            return noisy.aer_densities(self.noise_plan, circuit, arr)
        return noisy.densities(prog, arr)

    def aer_noisy_expectation_values(self, circuit: QuantumCircuit, observable, values):
        """The noisy expectation values computed by Aer's density-matrix method with this
        evaluator's noise model (:meth:`~.noise.NoisePlan.noise_model`), instead of the fast
        path: the cross-check, and the fallback's own computation."""
        if self.noise is None:
            return self.aer_expectation_values(circuit, observable, values)
        arr = as_values(circuit, values)
        ops, many = as_observables(observable, circuit.num_qubits)
        self.noise_plan.check_circuit(circuit.num_qubits)
        res = noisy.aer_expectations(self.noise_plan, circuit, ops, arr)
        return res if many else res[:, 0]

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

        check_mixed_width(circuit.num_qubits)
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

    def aer_expectation_values(self, circuit: QuantumCircuit, observable, values) -> np.ndarray:
        """The exact expectation values computed by Aer (statevector, or density matrix for
        resets and mid-circuit measurements) instead of the fast path: a cross-check, and
        the path a circuit the fast path cannot run takes anyway."""
        arr = as_values(circuit, values)
        ops, many = as_observables(observable, circuit.num_qubits)
        check_width(circuit.num_qubits)
        res = self._exact_fallback_expectations(circuit, ops, arr)
        return res if many else res[:, 0]

    def _exact_fallback_expectations(self, circuit, ops, arr):
        if is_mixed(circuit):
            return self._aer_density(circuit, arr, as_pauli_ops(ops))
        sv = self._aer_statevectors(circuit, arr)
        return np.stack([fast.compiled_observable(o).expectation(sv) for o in ops], axis=1)

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
        if self.noise is not None:
            self.noise_plan.check_circuit(circuit.num_qubits, width=False)
            if circuit.num_qubits > MAX_NOISY_QUBITS or has_control_flow(circuit):
                return self._trajectory_expectations(circuit, ops, rows)
        ops = as_pauli_ops(ops)
        if self.estimator is None and self.sampler is not None:
            return self._sampler_expectations(circuit, ops, rows)
        if self.estimator is None and not has_control_flow(circuit):
            return self._shot_expectations(circuit, ops, rows)
        circ = without_final_measurements(circuit)
        mixed = False
        if self.estimator is None:
            circ = for_aer(circ)
            mixed = is_mixed(circ)
            if mixed:
                check_mixed_width(circ.num_qubits)
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
        res = estimator.run([estimator_pub(circ, ops, rows)]).result()
        return np.asarray(res[0].data.evs, dtype=float)

    def _trajectory_expectations(self, circuit, ops, rows):
        """Noisy and too wide for density matrices (or branching on measured bits): Aer
        averages ``shots`` noisy statevector trajectories per row."""
        plan = self.noise_plan
        n = circuit.num_qubits
        ops = [plan.readout_observable(o, n) for o in as_pauli_ops(ops)]
        circ = noisy.flat_circuit(plan, circuit)
        estimator = noisy.aer_trajectory_estimator(plan, self.shots, self.seed)
        self.path = PATH_AER_TRAJECTORIES + f", {self.shots} shots"
        self.fallback_reason = (f"{n} qubits is past the density-matrix limit of "
                                f"{MAX_NOISY_QUBITS}" if n > MAX_NOISY_QUBITS else
                                "the circuit branches on measured bits")
        if circ.num_parameters == 0:
            obs = np.empty(len(ops), dtype=object)
            for k, o in enumerate(ops):
                obs[k] = o
            ev = np.asarray(estimator.run([(circ, obs)]).result()[0].data.evs, dtype=float)
            return np.broadcast_to(ev, rows.shape[:-1] + (len(ops),)).copy()
        res = estimator.run([estimator_pub(circ, ops, rows)]).result()
        return np.asarray(res[0].data.evs, dtype=float)

    def _exact(self):
        """The exact evaluator this one samples shots from (its path is reported)."""
        return Evaluator(noise=self.noise_plan)

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

    def _redrawn(self, circuit, axes, rows):
        """The circuit compiled with per-row rotation axes, and the checked axes."""
        if not self._use_fast():
            raise DataError(f"axes: per-row rotation axes run only on the exact path; this "
                            f"evaluator uses {self.path}")
        check_width(circuit.num_qubits)
        comp = sim.compiled(circuit, redraw_axes=True)
        self._mark_fast()
        return comp, as_axes(axes, rows, comp.num_slots)

    def _from_states(self, circuit, initial_states, rows, axes=None):
        """The compiled circuit and the checked input states, for a batch that starts from
        given states.  Only the exact path has them: a primitive or Aer would need one
        state-preparation circuit per row, and sampled or noisy values are not wired to
        them, so those paths refuse rather than silently start from |0...0>."""
        if not self._use_fast() or self.noise is not None:
            raise DataError(f"initial_states: starting from given states runs on the exact "
                            f"path only; this evaluator uses {self.path}. Drop shots, noise "
                            f"and user primitives for quantum-data models")
        check_width(circuit.num_qubits)
        init = as_initial_states(initial_states, rows, circuit.num_qubits)
        try:
            comp = sim.compiled(circuit, redraw_axes=axes is not None)
        except sim.UnsupportedCircuit as exc:
            raise DataError(f"initial_states: the exact path cannot simulate this circuit "
                            f"({exc}), and only it starts from given states") from None
        if comp.leading_resets:
            # compiling drops a reset before any gate because |0> stays |0>; a given state
            # is not |0>, and resetting part of it can leave a mixed state
            raise DataError(f"initial_states: the circuit resets qubit(s) "
                            f"{list(comp.leading_resets)}, and a reset of a given state needs "
                            f"the mixed-state path, which does not start from given states; "
                            f"drop the reset or prepare the state inside the circuit")
        self._mark_fast()
        return comp, init

    @staticmethod
    def _axes_or_none(comp, axes, arr):
        return None if axes is None else as_axes(axes, arr.shape[0], comp.num_slots)

    # -- the contract ---------------------------------------------------------
    def statevectors(self, circuit: QuantumCircuit, values, axes=None,
                     initial_states=None) -> np.ndarray:
        """Statevectors ``(batch, 2**n)``.  ``axes`` ``(batch, redraw_slots(circuit))``:
        each row's axes (0/1/2 = X/Y/Z) for the circuit's parameterised RX/RY/RZ gates,
        so every row runs its own circuit (McClean's random-Pauli ensemble).
        ``initial_states`` ``(batch, 2**n)``: each row's input state instead of |0...0>
        (quantum data; exact path only)."""
        arr = as_values(circuit, values)
        if initial_states is not None:
            comp, init = self._from_states(circuit, initial_states, arr.shape[0], axes)
            return fast.statevectors(comp, arr, self._axes_or_none(comp, axes, arr), init)
        if self.noise is not None:
            raise QmlbenchError(
                f"statevectors: with noise ({self.noise_label}) the output is a mixed state and "
                f"has no statevector; use density_matrices, expectation_values or probabilities")
        if axes is not None:
            comp, ax = self._redrawn(circuit, axes, arr.shape[0])
            return fast.statevectors(comp, arr, ax)
        comp = self._compiled_or_none(circuit)
        if comp is None:
            return self._aer_statevectors(circuit, arr)
        self._mark_fast()
        return fast.statevectors(comp, arr)

    def probabilities(self, circuit: QuantumCircuit, values) -> np.ndarray:
        arr = as_values(circuit, values)
        if self.sampler is not None or self.shots is not None:
            return self._sampled_probabilities(circuit, arr)
        if self.noise is not None:
            prog = self._noisy_program(circuit)
            if prog is None:
                return noisy.aer_probabilities(self.noise_plan, circuit, arr)
            return noisy.probabilities(self.noise_plan, prog, arr)
        comp = self._compiled_or_none(circuit)
        if comp is not None:
            self._mark_fast()
            return np.abs(fast.statevectors(comp, arr)) ** 2
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
        circ = without_final_measurements(circuit)
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

    def expectation_values(self, circuit: QuantumCircuit, observable, values,
                           axes=None, initial_states=None) -> np.ndarray:
        arr = as_values(circuit, values)
        ops, many = as_observables(observable, circuit.num_qubits)
        if initial_states is not None:
            comp, init = self._from_states(circuit, initial_states, arr.shape[0], axes)
            res = fast.expectations(comp, ops, arr, self._axes_or_none(comp, axes, arr), init)
            return res if many else res[:, 0]
        if self.noise is not None:
            res = self._noisy_expectations(circuit, ops, arr, axes)
            return res if many else res[:, 0]
        if axes is not None:
            comp, ax = self._redrawn(circuit, axes, arr.shape[0])
            res = fast.expectations(comp, ops, arr, ax)
            return res if many else res[:, 0]
        comp = self._compiled_or_none(circuit) if self._use_fast() else None
        if comp is not None:
            self._mark_fast()
            res = fast.expectations(comp, ops, arr)
        elif self._use_fast():
            res = self._exact_fallback_expectations(circuit, ops, arr)
        else:
            check_width(circuit.num_qubits)
            res = self._primitive_expectations(circuit, ops, arr)
        return res if many else res[:, 0]

    def gradients(self, circuit: QuantumCircuit, observable, values, wrt=None,
                  axes=None, initial_states=None) -> np.ndarray:
        arr = as_values(circuit, values)
        ops, many = as_observables(observable, circuit.num_qubits)
        asked = as_wrt(circuit, wrt)
        idx = list(dict.fromkeys(asked))  # each parameter once; repeats are copied below
        if initial_states is not None:
            comp, init = self._from_states(circuit, initial_states, arr.shape[0], axes)
            grads = fast.gradients(comp, ops, arr, idx, self._axes_or_none(comp, axes, arr), init)
        elif self.noise is not None:
            grads = self._noisy_gradients(circuit, ops, arr, idx, axes)
        elif axes is not None:
            comp, ax = self._redrawn(circuit, axes, arr.shape[0])
            grads = fast.gradients(comp, ops, arr, idx, ax)
        else:
            grads = self._gradients(circuit, ops, arr, idx)
        if idx != asked:
            grads = grads[:, :, [idx.index(i) for i in asked]]
        return grads if many else grads[:, 0, :]

    def _gradients(self, circuit, ops, arr, idx):
        comp = self._compiled_or_none(circuit) if self._use_fast() else None
        if comp is not None:
            self._mark_fast()
            return fast.gradients(comp, ops, arr, idx)
        check_width(circuit.num_qubits)
        plan = ShiftPlan.for_gradients(circuit)
        rows = plan.shifted_values(arr)
        if plan.num_angles == 0:
            return np.zeros((arr.shape[0], len(ops), len(idx)))
        if self._use_fast():
            flat = rows.reshape(-1, plan.num_angles)
            ev = self._exact_fallback_expectations(plan.circuit, ops, flat)
            return plan.chain(arr, ev.reshape(arr.shape[0], -1, len(ops)), idx)
        ev = self._primitive_expectations(plan.circuit, ops, rows)
        return plan.chain(arr, ev, idx)


def redraw_slots(circuit: QuantumCircuit, noise=None) -> int:
    """How many rotation axes a row of ``axes`` holds for ``circuit`` (its parameterised
    RX/RY/RZ gates, in circuit order); raises :class:`UnsupportedCircuit` when the exact
    path cannot run the circuit.  With ``noise``, the noisy path's count (the same for
    circuits of RX/RY/RZ; backend noise rewrites rotations and redraws none)."""
    check_width(circuit.num_qubits)
    if noise is None:
        return sim.compiled(circuit, redraw_axes=True).num_slots
    plan = plan_for(check_noise(noise))
    if plan.model == "backend":
        raise sim.UnsupportedCircuit("backend noise writes rotations in the backend's gates, "
                                     "so their axes cannot be redrawn")
    plan.check_circuit(circuit.num_qubits)
    return noisy.program(plan, circuit, redraw_axes=True).num_slots


def evaluator_for(execution_spec=None, estimator=None, sampler=None) -> Evaluator:
    """The evaluator for an :class:`~qmlbench.engine.spec.ExecutionSpec` (or a whole
    ExperimentSpec, or a dict with ``shots``/``seed``/``noise``); user primitives win.

    ``noise``: ``{"model": "depolarizing", "p1": 0.01, "p2": 0.02}`` or another model of
    :data:`~.noise.NOISE_MODELS`; exact noisy values come from batched density matrices
    (``PATH_DENSITY``), with shots they are sampled from them."""
    spec = execution_spec
    if spec is not None and hasattr(spec, "execution"):
        spec = spec.execution
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - {"shots", "seed", "noise"})
        if unknown:
            raise SpecError(f"execution.{unknown[0]}", spec[unknown[0]], ["shots", "seed", "noise"],
                            reason="is not an execution setting")
        shots, seed, noise = spec.get("shots"), spec.get("seed"), spec.get("noise")
    elif spec is None:
        shots = seed = noise = None
    else:
        shots, seed = getattr(spec, "shots", None), getattr(spec, "seed", None)
        noise = getattr(spec, "noise", None)
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
    noise = check_noise(noise)
    return Evaluator(shots=shots, seed=seed, estimator=estimator, sampler=sampler, noise=noise)


_default = Evaluator()


def statevectors(circuit: QuantumCircuit, values) -> np.ndarray:
    return _default.statevectors(circuit, values)


def probabilities(circuit: QuantumCircuit, values) -> np.ndarray:
    return _default.probabilities(circuit, values)


def expectation_values(circuit: QuantumCircuit, observable, values) -> np.ndarray:
    return _default.expectation_values(circuit, observable, values)


def gradients(circuit: QuantumCircuit, observable, values, wrt=None) -> np.ndarray:
    return _default.gradients(circuit, observable, values, wrt)
