"""Noise models: the settings a spec's ``execution.noise`` takes, checked once through one
option schema per model, and what they mean for a circuit.

``{"model": "depolarizing", "p1": 0.01, "p2": 0.02}`` and its siblings (see
:data:`NOISE_MODELS`) name a channel applied after every gate of the circuit written in
:data:`NOISE_BASIS` (one- and two-qubit gates, after :func:`~.aer.for_aer`), plus an
optional readout error.  A :class:`NoisePlan` turns the setting into

* the circuit the noise is attached to (:meth:`NoisePlan.transpiled`),
* the error after each of its gates (:meth:`NoisePlan.gate_error`, a
  ``qiskit_aer.noise.QuantumError``; :meth:`NoisePlan.superop` its superoperator), and the
  readout error of each qubit, and
* the same thing as a ``qiskit_aer.noise.NoiseModel`` (:meth:`NoisePlan.noise_model`), so
  Aer's density-matrix simulator, the fallback and the reference in the tests, computes the
  very same channel.

Conventions (Aer's): ``depolarizing_error(p, k)`` is ``rho -> (1-p) rho + p I/2**k``, so a
single-qubit Bloch vector shrinks by ``1 - p`` per gate; ``thermal_relaxation_error(t1, t2,
time)`` needs ``t2 <= 2 t1`` (all three in one unit); a readout error flips a measured 0 to 1
with probability ``p01`` and 1 to 0 with ``p10``.  Expectation values count the readout error
as a measurement of each Pauli term in its own basis would: a term ``P`` on qubits ``S``
becomes ``prod_{q in S} (a_q I + b_q P_q)`` with ``a = p10 - p01`` and ``b = 1 - p01 - p10``
(Aer's estimator ignores readout errors; its sampler applies them).
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError
from ..limits import check_noisy_width
from ..options import Option, Schema
from .aer import for_aer

_P = dict(low=0.0, high=1.0, scale="linear", ui_range=(0.0, 0.1), step=0.001)
_READOUT = (
    Option("p01", "float", 0.0, help="readout error: probability a 0 is read as 1", **_P),
    Option("p10", "float", 0.0, help="readout error: probability a 1 is read as 0", **_P),
)

#: Gates the noise is attached to: the circuit is written in these first (Aer's basis less
#: its three-qubit gates, so that every gate gets a one- or two-qubit channel).
NOISE_BASIS = ["rx", "ry", "rz", "p", "u", "rxx", "ryy", "rzz", "rzx", "cx", "cy", "cz", "ch",
               "swap", "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "sxdg", "id",
               "reset", "measure", "delay", "if_else", "while_loop", "for_loop", "switch_case"]


def _check_backend(value, fld):
    if value is None:
        return None
    if not hasattr(value, "target") or not hasattr(value, "num_qubits"):
        raise SpecError(fld, value, reason="must be a qiskit BackendV2 (with a target) or null "
                                           "(a GenericBackendV2 with noise of num_qubits)")
    return value


NOISE_MODELS: dict[str, Schema] = {
    "depolarizing": Schema.of(
        Option("p1", "float", 0.001, help="depolarizing probability after each 1-qubit gate",
               label="p (1-qubit)", **_P),
        Option("p2", "float", 0.01, help="depolarizing probability after each 2-qubit gate",
               label="p (2-qubit)", **_P),
        *_READOUT),
    "amplitude_damping": Schema.of(
        Option("gamma1", "float", 0.001, help="damping probability after each 1-qubit gate",
               **_P),
        Option("gamma2", "float", 0.01, help="damping probability of each qubit after each "
                                              "2-qubit gate", **_P),
        *_READOUT),
    "thermal_relaxation": Schema.of(
        # ui_range: the spans a slider offers (T in µs as on today's devices, gate times
        # up to about T/10); a spec may hold any value the bounds allow
        Option("t1", "float", 100.0, low=0.0, low_open=True, help="T1 (same unit as the gate "
                                                                  "times, e.g. µs)",
               ui_range=(1.0, 500.0), step=1.0),
        Option("t2", "float", 80.0, low=0.0, low_open=True, help="T2, at most 2 T1",
               ui_range=(1.0, 500.0), step=1.0),
        Option("time1", "float", 0.05, low=0.0, help="duration of a 1-qubit gate",
               ui_range=(0.0, 2.0), step=0.01),
        Option("time2", "float", 0.3, low=0.0, help="duration of a 2-qubit gate",
               ui_range=(0.0, 10.0), step=0.05),
        *_READOUT),
    "readout": Schema.of(*_READOUT),
    "backend": Schema.of(
        Option("num_qubits", "int", 5, low=1, high=64,
               help="qubits of qiskit's GenericBackendV2(noise_info=True) when no backend is given"),
        Option("seed", "int", 0, low=0, help="seed of GenericBackendV2's random noise figures"),
        Option("backend", "any", None, allow_none=True, validator=_check_backend,
               help="a BackendV2 whose noise to use (Aer's NoiseModel.from_backend)")),
}

NOISE_MODEL = Option("model", "choice", "depolarizing", choices=tuple(NOISE_MODELS),
                     invalid="is not a noise model", help="the noise model")


def check_noise(value, fld: str = "execution.noise"):
    """``value`` (None, or a mapping with ``model`` and that model's settings) checked and
    completed with the model's defaults; raises :class:`SpecError` naming the field."""
    if value is None:
        return None
    if isinstance(value, NoisePlan):
        return dict(value.setting)
    if not isinstance(value, dict):
        raise SpecError(fld, value, reason="must be null (no noise) or a mapping such as "
                                           "{'model': 'depolarizing', 'p1': 0.01, 'p2': 0.02}")
    if "model" not in value:
        raise SpecError(f"{fld}.model", None, sorted(NOISE_MODELS),
                        reason="is missing: say which noise model")
    model = NOISE_MODEL.check(value["model"], f"{fld}.model")
    schema = NOISE_MODELS[model]
    rest = {k: v for k, v in value.items() if k != "model"}
    checked = schema.merged(schema.validate(rest, fld, owner=f"the {model} noise model"))
    if model == "thermal_relaxation" and checked["t2"] > 2 * checked["t1"]:
        raise SpecError(f"{fld}.t2", checked["t2"],
                        reason=f"must be at most 2 T1 = {2 * checked['t1']:g} (a physical "
                               f"qubit cannot dephase slower than it relaxes)")
    return {"model": model, **checked}


#: The strengths of each model that one number can set together (a sweep axis, "noise
#: strength p"): the gate-error probabilities, or the readout flips for readout alone.
STRENGTHS = {"depolarizing": ("p1", "p2"), "amplitude_damping": ("gamma1", "gamma2"),
             "readout": ("p01", "p10")}


def at_strength(model: str, strength: float, fld: str = "noise") -> dict | None:
    """The setting of ``model`` with each of its :data:`STRENGTHS` at ``strength`` (checked);
    None for strength 0 of a model whose strengths are all it has (noiseless)."""
    if model not in STRENGTHS:
        raise SpecError(f"{fld}.model", model, sorted(STRENGTHS),
                        reason="has no single strength to sweep")
    setting = check_noise({"model": model, **{k: strength for k in STRENGTHS[model]}}, fld)
    return None if strength == 0 else setting


def check_width_for(setting, num_qubits: int, shots=None, fld: str = "execution.noise"):
    """A noisy experiment of ``num_qubits`` qubits, known before anything runs: a backend at
    least that wide, and (without ``shots``) within the density-matrix limit.  Raises the
    same messages the evaluator would (naming the field, the limit, and offering shots)."""
    if setting is None or not num_qubits:
        return
    if setting["model"] == "backend":
        b = setting.get("backend")
        have = int(b.num_qubits) if b is not None else int(setting["num_qubits"])
        if num_qubits > have:
            raise SpecError(f"{fld}.num_qubits" if b is None else f"{fld}.backend", have,
                            reason=f"qubits in the noise's backend, but the circuit has "
                                   f"{num_qubits}; choose a backend with at least "
                                   f"{num_qubits} qubits")
    if not shots:
        check_noisy_width(num_qubits)


def is_zero(setting) -> bool:
    """Whether the setting is no noise at all (every strength 0)."""
    if setting is None:
        return True
    m = setting["model"]
    keys = {"depolarizing": ("p1", "p2"), "amplitude_damping": ("gamma1", "gamma2"),
            "readout": ()}.get(m)
    if keys is None:
        return False
    return all(setting[k] == 0 for k in keys + ("p01", "p10"))


def describe(setting) -> str:
    if setting is None:
        return "no noise"
    m = setting["model"]
    if m == "backend":
        b = setting.get("backend")
        name = getattr(b, "name", None) if b is not None else (
            f"GenericBackendV2({setting['num_qubits']} qubits, seed {setting['seed']})")
        return f"backend noise of {name}"
    return m + " " + ", ".join(f"{k}={v:g}" for k, v in setting.items()
                               if k != "model" and isinstance(v, (int, float)))


class NoisePlan:
    """One checked noise setting made concrete: the basis the circuit is written in, the
    error after each gate, the readout errors, and Aer's NoiseModel built from the same
    errors."""

    def __init__(self, setting):
        self.setting = check_noise(setting)
        s = self.setting
        self.model = s["model"]
        self._local: dict[tuple, object] = {}     # (name, qubits) -> QuantumError
        self._by_arity: dict[int, object] = {}    # 1 or 2 -> QuantumError for every such gate
        self._readout_local: dict[int, np.ndarray] = {}
        self._readout_all: np.ndarray | None = None
        self.basis = list(NOISE_BASIS)
        self.num_qubits_limit: int | None = None
        from qiskit_aer import noise as aer_noise

        if self.model == "backend":
            backend = s.get("backend")
            if backend is None:
                from qiskit.providers.fake_provider import GenericBackendV2

                backend = GenericBackendV2(s["num_qubits"], noise_info=True, seed=s["seed"])
            self.backend = backend
            self.num_qubits_limit = int(backend.num_qubits)
            target = backend.target
            from qiskit_aer.noise.device import (
                basic_device_gate_errors,
                basic_device_readout_errors,
            )

            for name, qubits, err in basic_device_gate_errors(target=target):
                self._local[(name, tuple(qubits))] = err
            for qubits, ro in basic_device_readout_errors(target=target):
                self._readout_local[int(qubits[0])] = np.asarray(ro.probabilities, dtype=float)
            skip = {"measure", "reset", "delay", "barrier"}
            self.basis = sorted({n for n in target.operation_names if n not in skip}
                                | {"measure", "reset", "delay"})
            return
        self.backend = None
        if self.model == "depolarizing":
            e1, e2 = aer_noise.depolarizing_error(s["p1"], 1), aer_noise.depolarizing_error(s["p2"], 2)
        elif self.model == "amplitude_damping":
            e1 = aer_noise.amplitude_damping_error(s["gamma1"])
            d = aer_noise.amplitude_damping_error(s["gamma2"])
            e2 = d.expand(d)
        elif self.model == "thermal_relaxation":
            e1 = aer_noise.thermal_relaxation_error(s["t1"], s["t2"], s["time1"])
            d = aer_noise.thermal_relaxation_error(s["t1"], s["t2"], s["time2"])
            e2 = d.expand(d)
        else:  # readout only
            e1 = e2 = None
        self._by_arity = {k: e for k, e in ((1, e1), (2, e2)) if e is not None}
        if s["p01"] or s["p10"]:
            self._readout_all = np.array([[1 - s["p01"], s["p01"]], [s["p10"], 1 - s["p10"]]])

    def __repr__(self):
        return f"NoisePlan({describe(self.setting)})"

    @property
    def label(self) -> str:
        return describe(self.setting)

    @property
    def key(self) -> str:
        """A string naming the setting (for caches)."""
        s = self.setting
        if self.model == "backend":
            b = s.get("backend")
            return f"backend:{id(b) if b is not None else (s['num_qubits'], s['seed'])}"
        return repr(sorted(s.items()))

    def check_circuit(self, num_qubits: int, width: bool = True) -> None:
        """A backend at least as wide as the circuit, and (``width``) a circuit narrow enough
        for density matrices."""
        if self.num_qubits_limit is not None and num_qubits > self.num_qubits_limit:
            raise SpecError("execution.noise.backend", self.label,
                            reason=f"has {self.num_qubits_limit} qubits but the circuit has "
                                   f"{num_qubits}; choose a backend with at least {num_qubits} "
                                   f"qubits (num_qubits)")
        if width:
            check_noisy_width(num_qubits)

    # -- the circuit and its channels --------------------------------------------------
    def transpiled(self, circuit):
        """The circuit the noise attaches to: final measurements off, written in the noise
        basis by qiskit's transpiler (optimisation level 0, qubit i stays qubit i)."""
        from qiskit import transpile

        circ = for_aer(circuit.remove_final_measurements(inplace=False))
        return transpile(circ, basis_gates=self.basis, optimization_level=0)

    def gate_error(self, name: str, qubits):
        """The QuantumError after gate ``name`` on ``qubits`` (its qargs in order), or None."""
        if name in ("measure", "reset", "delay", "barrier"):
            return None
        local = self._local.get((name, tuple(qubits)))
        if local is not None or self.model == "backend":
            return local
        return self._by_arity.get(len(qubits))

    def superop(self, name: str, qubits):
        """The superoperator (column-stacking, qiskit's ``SuperOp`` convention) of the error
        after gate ``name`` on ``qubits``, or None."""
        err = self.gate_error(name, qubits)
        if err is None:
            return None
        key = id(err)
        cache = self.__dict__.setdefault("_superops", {})
        hit = cache.get(key)
        if hit is None:
            from qiskit.quantum_info import SuperOp

            hit = np.asarray(SuperOp(err).data, dtype=complex)
            cache[key] = hit
        return hit

    def readout(self, qubit: int):
        """The 2x2 readout probabilities ``P[true][read]`` of ``qubit``, or None."""
        hit = self._readout_local.get(int(qubit))
        return hit if hit is not None else self._readout_all

    @property
    def has_readout(self) -> bool:
        return bool(self._readout_local) or self._readout_all is not None

    def noise_model(self):
        """Aer's NoiseModel holding exactly the errors of this plan."""
        from qiskit_aer.noise import NoiseModel, ReadoutError

        nm = NoiseModel(basis_gates=[b for b in self.basis if b not in ("measure", "reset",
                                                                         "delay")])
        for (name, qubits), err in self._local.items():
            nm.add_quantum_error(err, name, list(qubits))
        one = [b for b in self.basis if b in _ONE_QUBIT]
        two = [b for b in self.basis if b in _TWO_QUBIT]
        if 1 in self._by_arity and one:
            nm.add_all_qubit_quantum_error(self._by_arity[1], one)
        if 2 in self._by_arity and two:
            nm.add_all_qubit_quantum_error(self._by_arity[2], two)
        for q, probs in self._readout_local.items():
            nm.add_readout_error(ReadoutError(probs), [q])
        if self._readout_all is not None:
            nm.add_all_qubit_readout_error(ReadoutError(self._readout_all))
        return nm

    # -- readout on observables ------------------------------------------------------
    def readout_observable(self, op, num_qubits):
        """A SparsePauliOp with each term measured through the readout errors (see the module
        docstring): ``P`` on ``S`` -> ``prod_{q in S} (a_q I + b_q P_q)``."""
        from qiskit.quantum_info import SparsePauliOp

        if not self.has_readout:
            return op
        ab = []
        for q in range(num_qubits):
            m = self.readout(q)
            if m is None:
                ab.append((0.0, 1.0))
            else:
                p01, p10 = m[0][1], m[1][0]
                ab.append((p10 - p01, 1.0 - p01 - p10))
        out = []
        for label, coeff in op.to_list():
            terms = [("", coeff)]
            for q, ch in enumerate(reversed(label)):
                if ch == "I":
                    terms = [(lab + "I", c) for lab, c in terms]
                    continue
                a, b = ab[q]
                new = []
                for lab, c in terms:
                    if a != 0:
                        new.append((lab + "I", c * a))
                    new.append((lab + ch, c * b))
                terms = new
            out.extend((lab[::-1], c) for lab, c in terms)
        return SparsePauliOp.from_list(out, num_qubits=num_qubits).simplify(atol=0)

    def readout_diagonal(self, diag, num_qubits):
        """A diagonal observable (or distribution weights) measured through the readout
        errors: ``f'(true) = sum_read P(read | true) f(read)``, qubit by qubit."""
        if not self.has_readout:
            return diag
        f = np.asarray(diag).reshape((2,) * num_qubits)
        for q in range(num_qubits):
            m = self.readout(q)
            if m is None:
                continue
            ax = num_qubits - 1 - q
            f = np.moveaxis(np.tensordot(m, np.moveaxis(f, ax, 0), axes=([1], [0])), 0, ax)
        return f.reshape(-1)

    def readout_probabilities(self, probs, num_qubits):
        """Distributions ``(B, 2**n)`` of true outcomes -> of read outcomes."""
        if not self.has_readout:
            return probs
        p = np.asarray(probs).reshape((probs.shape[0],) + (2,) * num_qubits)
        for q in range(num_qubits):
            m = self.readout(q)
            if m is None:
                continue
            ax = 1 + num_qubits - 1 - q
            p = np.moveaxis(np.tensordot(np.moveaxis(p, ax, -1), m, axes=([-1], [0])), -1, ax)
        return p.reshape(probs.shape[0], -1)


_ONE_QUBIT = {"rx", "ry", "rz", "p", "u", "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx",
              "sxdg", "id"}
_TWO_QUBIT = {"rxx", "ryy", "rzz", "rzx", "cx", "cy", "cz", "ch", "swap", "ecr"}


def plan_for(noise):
    """A NoisePlan for a setting (None stays None)."""
    if noise is None:
        return None
    return noise if isinstance(noise, NoisePlan) else NoisePlan(noise)


__all__ = ["NOISE_BASIS", "NOISE_MODEL", "NOISE_MODELS", "NoisePlan", "STRENGTHS",
           "at_strength", "check_noise", "check_width_for", "describe", "is_zero", "plan_for"]
