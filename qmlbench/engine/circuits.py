"""Feature maps and ansätze by name, and the facts about a circuit.

Every builder has the signature ``(num_qubits, reps=1, entanglement="linear",
**options) -> QuantumCircuit`` and uses Qiskit 2's circuit-library functions
(the class forms are deprecated).  Inputs are ``ParameterVector("x")`` and
trainable weights ``ParameterVector("θ")``, so a composed circuit lists all
x's before all θ's in ``circuit.parameters`` ('x' sorts before 'θ').

Entanglement applies to every block with a two-qubit layer whose pattern is a
choice: zz, pauli, iqp, real_amplitudes, efficient_su2, two_local,
excitation_preserving and random_pauli.  It does not apply to ``z`` and
``angle`` (no two-qubit gates) nor to ``pauli_two_design`` (its CZ pattern is
part of the definition); those accept any valid strategy and ignore it, and
say so in ``builder.uses_entanglement`` and the circuit's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from typing import Callable

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.circuit.library import (
    efficient_su2,
    excitation_preserving,
    get_standard_gate_name_mapping,
    n_local,
    pauli_feature_map,
    pauli_two_design,
    real_amplitudes,
    z_feature_map,
    zz_feature_map,
)

from .errors import SpecError
from .jsonable import plain
from .limits import check_width
from .options import Option, Schema, SchemaEntry

ENTANGLEMENTS = ("full", "linear", "reverse_linear", "pairwise", "circular", "sca")

__all__ = [
    "FEATURE_MAPS", "ANSATZE", "ENTANGLEMENTS", "Block", "feature_map", "ansatz", "compose",
    "from_spec", "circuit_facts", "check_options", "random_pauli_axes", "ROTATION_GATES",
    "ENTANGLING_GATES", "NUM_QUBITS", "REPS", "ENTANGLEMENT", "circuit_warnings",
    "REUPLOADING", "width_for", "spec_circuit",
]

INPUT_PREFIX = "x"
WEIGHT_PREFIX = "θ"

#: Gate names accepted for ``two_local``'s rotation and entangling blocks (and efficient_su2's).
ROTATION_GATES = ("rx", "ry", "rz", "p", "u", "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx")
ENTANGLING_GATES = ("cx", "cy", "cz", "ch", "swap", "iswap", "ecr", "crx", "cry", "crz", "cp",
                    "rxx", "ryy", "rzz", "rzx")
_AXES = {"x": "rx", "y": "ry", "z": "rz"}

# --- the settings every block has ------------------------------------------------------
#: Width of the circuit; None in a spec means one qubit per feature.  The exact-simulation
#: limit (``limits.check_width``) is checked besides.
NUM_QUBITS = Option("num_qubits", "int", None, low=1, allow_none=True,
                    help="width of the circuit; null: one qubit per feature")
REPS = Option("reps", "int", 1, low=1, ui_range=(1, 10), help="how many times the block repeats")
ENTANGLEMENT = Option("entanglement", "choice", "linear", choices=ENTANGLEMENTS,
                      invalid="is not a known entanglement",
                      help="which qubit pairs the two-qubit layers couple")


# --- option vocabulary of the builders -------------------------------------------------

def _pauli_string(value, fld):
    if not isinstance(value, str) or not value or set(value.upper()) - set("IXYZ"):
        raise SpecError(fld, value, reason="must be a string of Pauli letters I, X, Y, Z such as 'ZZ'")
    return value


def _axes_value(value, fld):
    if value is None:
        return None
    if (not isinstance(value, (list, tuple)) or not value
            or any(not isinstance(layer, (list, tuple)) for layer in value)):
        raise SpecError(fld, value, reason="must be lists of axes from x, y, z (one list per "
                                           "layer, one axis per qubit) or null")
    return [list(layer) for layer in value]


_ALPHA = Option("alpha", "float", 2.0, help="scale of the encoding angles", ui_range=(0.1, 4.0),
                step=0.1)
_SKIP = Option("skip_final_rotation_layer", "bool", False, label="skip the final rotation layer",
               help="leave out the rotation layer after the last entangler")
_SEED = Option("seed", "int", 0, low=0, allow_none=True, help="seed of the random rotations")
_PAULIS = Option("paulis", "list", ["Z", "ZZ"], label="Pauli terms",
                 item=Option("pauli", "any", validator=_pauli_string),
                 noun="a non-empty list of Pauli strings such as ['Z', 'ZZ']",
                 help="Pauli strings over I, X, Y, Z, separated by commas (Z, ZZ)")


def _gates(name, default, allowed, label):
    return Option(name, "list", default, label=label, single=True,
                  noun="a gate name or a non-empty list of them",
                  item=Option("gate", "choice", choices=allowed, invalid="is not a supported gate"),
                  help="gates from " + ", ".join(allowed))


_MISSING = object()


@dataclass(frozen=True)
class Block(SchemaEntry):
    """A registry entry: callable like the builder it wraps, plus what it accepts.

    ``schema`` declares the options (an :class:`~qmlbench.engine.options.Schema`; a plain
    ``{name: default}`` dict is read as one); ``options`` is their defaults.
    ``uses_entanglement`` says whether the entanglement strategy changes the circuit;
    ``check_width(num_qubits, reps, entanglement, options, section)`` refuses option values
    that do not fit a width, without building anything.
    """

    name: str
    kind: str  # "feature_map" | "ansatz"
    build: Callable[..., QuantumCircuit]
    schema: Schema = field(default_factory=Schema)
    uses_entanglement: bool = True
    description: str = ""
    min_qubits: int = 1
    check_width: Callable | None = field(default=None, compare=False, repr=False)
    #: ``options -> inputs each qubit takes`` (a feature map that loads several features
    #: per qubit); None: one per qubit
    inputs_per_qubit: Callable | None = field(default=None, compare=False, repr=False)

    def per_qubit(self, options: dict | None = None) -> int:
        """How many inputs each qubit of this block takes with ``options``."""
        if self.inputs_per_qubit is None:
            return 1
        return int(self.inputs_per_qubit(self.schema.merged(options or {})))


    @property
    def section(self) -> str:
        return f"circuit.{self.kind}"

    def validate(self, reps, entanglement, options, section: str | None = None) -> dict:
        """Check reps, entanglement and option values (not the width); the options normalised."""
        section = section or self.section
        REPS.check(reps, f"{section}.reps")
        ENTANGLEMENT.check(entanglement, f"{section}.entanglement")
        return self.schema.validate(options, f"{section}.options", owner=self.name)

    def check_at(self, num_qubits: int, reps, entanglement, options: dict,
                 section: str | None = None) -> None:
        """Refuse what does not fit ``num_qubits`` qubits (validated settings assumed)."""
        section = section or self.section
        if num_qubits < self.min_qubits:
            raise SpecError(f"{section}.name", self.name,
                            reason=f"needs at least {self.min_qubits} qubits, got {num_qubits}")
        if self.check_width is not None:
            self.check_width(num_qubits, reps, entanglement, self.schema.merged(options), section)

    def __call__(self, num_qubits: int, reps: int = 1, entanglement: str = "linear",
                 **options) -> QuantumCircuit:
        NUM_QUBITS.with_(allow_none=False).check(num_qubits, "circuit.num_qubits")
        check_width(int(num_qubits))
        options = self.validate(reps, entanglement, options)
        return self.build_validated(int(num_qubits), int(reps), entanglement, options)

    def build_validated(self, num_qubits: int, reps: int, entanglement: str,
                        options: dict) -> QuantumCircuit:
        """Build from settings already validated (a spec's): only the width is checked."""
        self.check_at(num_qubits, reps, entanglement, options)
        merged = self.schema.merged(options)
        circuit = self.build(num_qubits, reps, entanglement, section=self.section, **merged)
        circuit.name = self.name
        circuit.metadata = {
            **(circuit.metadata or {}),
            "block": self.kind, "name": self.name, "reps": reps,
            "entanglement": entanglement if self.uses_entanglement else None,
            "entanglement_applies": self.uses_entanglement,
            "options": plain(merged),
        }
        return circuit


def _rename_weights(circuit: QuantumCircuit) -> QuantumCircuit:
    """Guarantee weights are named θ[i] whatever prefix the library used."""
    params = list(circuit.parameters)
    if all(p.name.startswith(WEIGHT_PREFIX + "[") for p in params):
        return circuit
    vec = ParameterVector(WEIGHT_PREFIX, len(params))
    return circuit.assign_parameters(dict(zip(params, vec)), inplace=False)


# --- feature maps ---------------------------------------------------------------
# Builders receive validated options (the schema's kinds and ranges); what depends on the
# width is checked by each block's ``check_width`` before it builds.

def _fit_paulis(num_qubits, paulis):
    """The Pauli terms used on ``num_qubits`` qubits, and the first that does not fit."""
    paulis = list(paulis)
    too_long = [p for p in paulis if len(p) > num_qubits]
    if too_long and num_qubits == 1:
        # The one-qubit limit of a ZZ-type map has no pairs to entangle; keep the single-qubit terms.
        return [p for p in paulis if len(p) == 1] or ["Z"], None
    return paulis, (too_long[0] if too_long else None)


def _check_paulis(num_qubits, reps, entanglement, options, section):
    paulis, bad = _fit_paulis(num_qubits, options.get("paulis", ["Z", "ZZ"]))
    if bad is not None:
        raise SpecError(f"{section}.options.paulis", bad,
                        reason=f"acts on more qubits than the circuit has ({num_qubits})")
    if entanglement == "pairwise" and any(len(p) > 2 for p in paulis):
        raise SpecError(f"{section}.entanglement", entanglement, [e for e in ENTANGLEMENTS if e != "pairwise"],
                        reason="applies only to 1- and 2-qubit Pauli terms")


def _pauli_like(num_qubits, reps, entanglement, section, paulis, alpha, data_map_func=None):
    paulis, _ = _fit_paulis(num_qubits, paulis)
    kwargs = dict(reps=reps, entanglement=entanglement, paulis=paulis, parameter_prefix=INPUT_PREFIX,
                  alpha=float(alpha))
    if data_map_func is not None:
        kwargs["data_map_func"] = data_map_func
    return pauli_feature_map(num_qubits, **kwargs)


def _zz(num_qubits, reps, entanglement, section, alpha):
    if num_qubits == 1:
        return _pauli_like(num_qubits, reps, entanglement, section, ["Z", "ZZ"], alpha)
    return zz_feature_map(num_qubits, reps=reps, entanglement=entanglement,
                          alpha=float(alpha), parameter_prefix=INPUT_PREFIX)


def _z(num_qubits, reps, entanglement, section, alpha):
    return z_feature_map(num_qubits, reps=reps, alpha=float(alpha), parameter_prefix=INPUT_PREFIX)


def _pauli(num_qubits, reps, entanglement, section, paulis, alpha):
    return _pauli_like(num_qubits, reps, entanglement, section, paulis, alpha)


def _iqp_product(x):
    # IQP embedding (Havlíček et al. 2019, Eq. 17 with phi_S = prod x_i): Z terms get x_i,
    # ZZ terms x_i * x_j.  qiskit's ``iqp()`` takes a fixed integer matrix, not inputs, so the
    # parametrised form is a Pauli feature map with this data map.
    return x[0] if len(x) == 1 else reduce(lambda a, b: a * b, x)


def _iqp(num_qubits, reps, entanglement, section, alpha):
    return _pauli_like(num_qubits, reps, entanglement, section, ["Z", "ZZ"], alpha,
                       data_map_func=_iqp_product)


def _angle(num_qubits, reps, entanglement, section, rotation):
    x = ParameterVector(INPUT_PREFIX, num_qubits)
    qc = QuantumCircuit(num_qubits)
    for _ in range(reps):
        for q in range(num_qubits):
            if rotation == "z":
                # RZ on |0> only adds a phase; H first makes the angle observable.
                qc.h(q)
            getattr(qc, _AXES[rotation])(x[q], q)
    return qc


def _rotations(num_qubits, reps, entanglement, section, axes):
    # Pérez-Salinas et al. 2020 load a point of the plane into one qubit as the angles of a
    # general rotation: here qubit q takes inputs q*k .. q*k+k-1, one rotation per axis.
    axes = _as_list(axes)
    k = len(axes)
    x = ParameterVector(INPUT_PREFIX, num_qubits * k)
    qc = QuantumCircuit(num_qubits)
    for _ in range(reps):
        for q in range(num_qubits):
            for i, axis in enumerate(axes):
                getattr(qc, _AXES[axis])(x[q * k + i], q)
    return qc


def _separable(num_qubits, reps, entanglement, section):
    # Bowles et al. 2024's separable kernel embedding: on each qubit, reps times RY(x_i) then
    # a fixed RX(π/4) (the RX keeps the next RY from merging with this one).  No two-qubit
    # gates, so the state is a product and its kernel a product of one-qubit fidelities.
    x = ParameterVector(INPUT_PREFIX, num_qubits)
    qc = QuantumCircuit(num_qubits)
    for _ in range(reps):
        for q in range(num_qubits):
            qc.ry(x[q], q)
            qc.rx(np.pi / 4, q)
    return qc


def _heisenberg(num_qubits, reps, entanglement, section, t, seed):
    # Huang et al. 2021's Hamiltonian-evolution embedding, as Bowles et al. 2024 use it for the
    # projected kernel: a fixed random one-qubit rotation per qubit, then ``reps`` Trotter steps
    # of exp(-i tau x_j (XX + YY + ZZ) / 2) on each bond j of a ring, tau = t n / reps.  (They use
    # an open chain on n + 1 qubits for n features; a ring keeps one qubit per feature.)
    x = ParameterVector(INPUT_PREFIX, num_qubits)
    angles = np.random.default_rng(seed).uniform(0, 2 * np.pi, size=(num_qubits, 3))
    qc = QuantumCircuit(num_qubits)
    for q in range(num_qubits):
        qc.rz(angles[q, 0], q)
        qc.ry(angles[q, 1], q)
        qc.rz(angles[q, 2], q)
    if num_qubits == 1:
        qc.rz(x[0], 0)   # no bond: the feature rotates the lone qubit
        return qc
    bonds = [(j, (j + 1) % num_qubits) for j in range(num_qubits)]
    tau = float(t) * num_qubits / reps
    for _ in range(reps):
        for j, (a, b) in enumerate(bonds):
            for gate in (qc.rxx, qc.ryy, qc.rzz):
                gate(tau * x[j], a, b)   # RXX(θ) = exp(-iθ XX / 2), PennyLane's IsingXX
    return qc


# --- ansätze --------------------------------------------------------------------

def _as_list(value) -> list:
    return [value] if isinstance(value, str) else list(value)


def _real_amplitudes(num_qubits, reps, entanglement, section, skip_final_rotation_layer):
    return real_amplitudes(num_qubits, entanglement=entanglement, reps=reps,
                           skip_final_rotation_layer=skip_final_rotation_layer,
                           parameter_prefix=WEIGHT_PREFIX)


def _efficient_su2(num_qubits, reps, entanglement, section, su2_gates, skip_final_rotation_layer):
    return efficient_su2(num_qubits, su2_gates=_as_list(su2_gates), entanglement=entanglement,
                         reps=reps, skip_final_rotation_layer=skip_final_rotation_layer,
                         parameter_prefix=WEIGHT_PREFIX)


def _two_local(num_qubits, reps, entanglement, section, rotation_blocks, entanglement_blocks,
               skip_final_rotation_layer):
    rot, ent = _as_list(rotation_blocks), _as_list(entanglement_blocks)
    if num_qubits == 1:
        ent = []  # one qubit has no pairs; keep the rotation layers, as real_amplitudes does
    qc = n_local(num_qubits, rot, ent, entanglement=entanglement, reps=reps,
                 skip_final_rotation_layer=skip_final_rotation_layer,
                 parameter_prefix=WEIGHT_PREFIX, name="two_local")
    return _rename_weights(qc) if qc.num_parameters else qc


def _excitation_preserving(num_qubits, reps, entanglement, section, mode, skip_final_rotation_layer):
    return excitation_preserving(num_qubits, mode=mode, entanglement=entanglement, reps=reps,
                                 skip_final_rotation_layer=skip_final_rotation_layer,
                                 parameter_prefix=WEIGHT_PREFIX)


def _pauli_two_design(num_qubits, reps, entanglement, section, seed):
    return pauli_two_design(num_qubits, reps=reps, seed=seed, parameter_prefix=WEIGHT_PREFIX)


def _separable_ansatz(num_qubits, reps, entanglement, section):
    # Bowles et al.'s separable variational model trains a general one-qubit rotation per qubit
    # and layer and never entangles: RZ RY RZ (any SU(2) up to phase), reps + 1 layers.
    theta = ParameterVector(WEIGHT_PREFIX, 3 * num_qubits * (reps + 1))
    qc = QuantumCircuit(num_qubits)
    k = 0
    for _ in range(reps + 1):
        for q in range(num_qubits):
            qc.rz(theta[k], q)
            qc.ry(theta[k + 1], q)
            qc.rz(theta[k + 2], q)
            k += 3
    return qc


def random_pauli_axes(num_qubits: int, layers: int, seed=None) -> list[list[str]]:
    """The rotation axes of :func:`random_pauli`: ``axes[layer][qubit]`` in {"x", "y", "z"}."""
    rng = np.random.default_rng(seed)
    return [[str(a) for a in rng.choice(["x", "y", "z"], size=num_qubits)] for _ in range(layers)]


def _check_axes(num_qubits, reps, entanglement, options, section):
    axes = options.get("axes")
    if axes is not None and (len(axes) != reps or any(len(layer) != num_qubits or set(layer) - set(_AXES)
                                                      for layer in axes)):
        raise SpecError(f"{section}.options.axes", axes,
                        reason=f"must be {reps} lists of {num_qubits} axes from x, y, z")


def _random_pauli(num_qubits, reps, entanglement, section, seed, axes=None):
    """McClean et al. 2018, Fig. 2: RY(π/4) on every qubit, then per layer one rotation per
    qubit about a random axis followed by a CZ ladder (the entanglement pattern)."""
    if axes is None:
        axes = random_pauli_axes(num_qubits, reps, seed)
    from qiskit.circuit.library.n_local.n_local import get_entangler_map

    theta = ParameterVector(WEIGHT_PREFIX, num_qubits * reps)
    qc = QuantumCircuit(num_qubits)
    for q in range(num_qubits):
        qc.ry(np.pi / 4, q)
    for layer in range(reps):
        for q in range(num_qubits):
            getattr(qc, _AXES[axes[layer][q]])(theta[layer * num_qubits + q], q)
        if num_qubits > 1:
            for a, b in get_entangler_map(2, num_qubits, entanglement, offset=layer):
                qc.cz(a, b)
    qc.metadata = {"axes": [list(layer) for layer in axes]}
    return qc


FEATURE_MAPS: dict[str, Block] = {
    b.name: b for b in [
        Block("zz", "feature_map", _zz, Schema.of(_ALPHA),
              description="Havlíček ZZ feature map: H, P(2x_i), CX-P(2(π-x_i)(π-x_j))-CX"),
        Block("z", "feature_map", _z, Schema.of(_ALPHA), uses_entanglement=False,
              description="first-order Pauli-Z evolution: H, P(2x_i); no entanglement"),
        Block("pauli", "feature_map", _pauli, Schema.of(_PAULIS, _ALPHA),
              description="Pauli feature map over a list of Pauli strings",
              check_width=_check_paulis),
        Block("angle", "feature_map", _angle,
              Schema.of(Option("rotation", "choice", "y", choices=tuple(_AXES),
                               label="rotation axis", invalid="is not a rotation axis",
                               help="each feature x_i rotates its qubit by x_i about this axis")),
              uses_entanglement=False,
              description="one rotation per feature about x, y or z; no entanglement"),
        Block("rotations", "feature_map", _rotations,
              Schema.of(Option("axes", "list", ["y", "z"], label="axes", single=True,
                               noun="an axis or a list of axes from x, y, z",
                               item=Option("axis", "choice", choices=tuple(_AXES),
                                           invalid="is not a rotation axis"),
                               help="each qubit takes one input per axis, rotated about "
                                    "them in this order (y, z: two features per qubit)")),
              uses_entanglement=False,
              inputs_per_qubit=lambda options: len(_as_list(options["axes"])),
              description="several features per qubit, one rotation each (the single-qubit "
                          "re-uploading classifier's encoding); no entanglement"),
        Block("iqp", "feature_map", _iqp, Schema.of(_ALPHA),
              description="IQP embedding: H, Z(x_i), ZZ(x_i x_j)", check_width=_check_paulis),
        Block("heisenberg", "feature_map", _heisenberg,
              Schema.of(Option("t", "float", 1 / 3, low=0.0, low_open=True, ui_range=(0.01, 2.0),
                               step=0.01, help="evolution time (times the number of qubits)"),
                        _SEED),
              uses_entanglement=False,
              description="Hamiltonian evolution (Huang et al. 2021): random rotations, then "
                          "Trotter steps of a Heisenberg ring with x_j on bond j; reps = steps"),
        Block("separable", "feature_map", _separable, Schema(), uses_entanglement=False,
              description="Bowles et al. 2024: per qubit RY(x_i), RX(π/4), repeated; no "
                          "entanglement"),
    ]
}

ANSATZE: dict[str, Block] = {
    b.name: b for b in [
        Block("real_amplitudes", "ansatz", _real_amplitudes, Schema.of(_SKIP),
              description="RY layers with CX entanglers"),
        Block("efficient_su2", "ansatz", _efficient_su2,
              Schema.of(_gates("su2_gates", ["ry", "rz"], ROTATION_GATES, "SU(2) gates"), _SKIP),
              description="RY, RZ layers with CX entanglers"),
        Block("two_local", "ansatz", _two_local,
              Schema.of(_gates("rotation_blocks", ["ry"], ROTATION_GATES, "rotations"),
                        _gates("entanglement_blocks", "cz", ENTANGLING_GATES, "entanglers"),
                        _SKIP),
              description="rotation and entangling blocks chosen by gate name"),
        Block("excitation_preserving", "ansatz", _excitation_preserving,
              Schema.of(Option("mode", "choice", "iswap", choices=("iswap", "fsim"),
                               invalid="is not a mode", help="iswap or fsim interactions"), _SKIP),
              description="RZ layers with excitation-preserving XX+YY interactions"),
        Block("pauli_two_design", "ansatz", _pauli_two_design, Schema.of(_SEED),
              uses_entanglement=False,
              description="Pauli two-design (random RX/RY/RZ, fixed pairwise CZ)"),
        Block("random_pauli", "ansatz", _random_pauli,
              Schema.of(_SEED, Option("axes", "any", None, allow_none=True, validator=_axes_value,
                                      help="per layer, one axis (x, y, z) per qubit, as a list "
                                           "of lists; empty: drawn from the seed")),
              description="McClean et al. 2018: RY(π/4), then random-axis rotations and CZs",
              check_width=_check_axes),
        Block("separable", "ansatz", _separable_ansatz, Schema(), uses_entanglement=False,
              description="one trainable RZ RY RZ rotation per qubit and layer; no entanglement"),
    ]
}


def _lookup(kind: str, registry: dict, name) -> Block:
    if not isinstance(name, str) or name not in registry:
        raise SpecError(f"circuit.{kind}.name", name, sorted(registry),
                        reason=f"is not a known {kind.replace('_', ' ')}")
    return registry[name]


def check_options(kind: str, name: str, options: dict) -> dict:
    """Check a block's option names and values against its schema without building it
    (``kind``: "feature_map" or "ansatz"); returns the options normalised."""
    block = _lookup(kind, FEATURE_MAPS if kind == "feature_map" else ANSATZE, name)
    return block.schema.validate(options or {}, f"circuit.{kind}.options", owner=name)


def feature_map(name: str, num_qubits: int, reps: int = 1, entanglement: str = "linear",
                **options) -> QuantumCircuit:
    """Build a registered feature map on ``num_qubits`` qubits with inputs ``x[0..n-1]``."""
    return _lookup("feature_map", FEATURE_MAPS, name)(num_qubits, reps, entanglement, **options)


def ansatz(name: str, num_qubits: int, reps: int = 1, entanglement: str = "linear",
           **options) -> QuantumCircuit:
    """Build a registered ansatz on ``num_qubits`` qubits with weights ``θ[...]``."""
    return _lookup("ansatz", ANSATZE, name)(num_qubits, reps, entanglement, **options)


#: Data re-uploading (Pérez-Salinas et al. 2020): the options of ``circuit.reuploading``.
REUPLOADING = Schema.of(
    Option("layers", "int", 1, low=1, ui_range=(1, 10), label="re-uploads",
           help="L: the encoding and the ansatz alternate L times, each ansatz with its own "
                "weights (data re-uploading); 1: encode once, then the ansatz"),
    Option("input_scaling", "bool", False, label="input scaling",
           help="a trainable weight multiplies each input in every encoding layer"),
    Option("trainable_first", "bool", False, label="ansatz first",
           help="one more ansatz copy before the first encoding, so every encoding sits "
                "between trainable blocks (W S W ... S W: Schuld, Sweke & Meyer 2021; Bowles "
                "et al. 2024's separable model)"),
)


def compose(feature_map: QuantumCircuit, ansatz: QuantumCircuit, layers: int = 1,
            input_scaling: bool = False, trainable_first: bool = False) -> QuantumCircuit:
    """The feature map followed by the ansatz; both must have the same width.

    ``layers`` > 1 re-uploads the data (Pérez-Salinas et al. 2020): encoding, ansatz,
    encoding, ansatz, ... ``layers`` times; ``trainable_first`` puts one more ansatz copy
    before the first encoding.  Ansatz copy ``c`` (in circuit order, C copies) has its own
    weights ``θ[c * A + j]``; ``input_scaling`` multiplies input ``i`` of encoding layer ``l``
    by a trainable weight ``θ[C * A + l * D + i]`` (A weights per ansatz, D inputs).
    Weights stay after inputs in ``circuit.parameters``; the metadata records the layout.
    """
    if feature_map.num_qubits != ansatz.num_qubits:
        raise ValueError(f"feature map has {feature_map.num_qubits} qubits but ansatz has "
                         f"{ansatz.num_qubits}; build both on the same number of qubits")
    layers = REUPLOADING["layers"].check(layers, "circuit.reuploading.layers")
    input_scaling = REUPLOADING["input_scaling"].check(input_scaling,
                                                       "circuit.reuploading.input_scaling")
    trainable_first = REUPLOADING["trainable_first"].check(
        trainable_first, "circuit.reuploading.trainable_first")
    circuit = QuantumCircuit(feature_map.num_qubits, name=f"{feature_map.name}+{ansatz.name}")
    meta = {"feature_map": feature_map.metadata, "ansatz": ansatz.metadata}
    if layers == 1 and not input_scaling and not trainable_first:
        circuit.compose(feature_map, inplace=True)
        circuit.compose(ansatz, inplace=True)
        circuit.metadata = meta
        return circuit
    inputs, weights = list(feature_map.parameters), list(ansatz.parameters)
    a, d = len(weights), len(inputs)
    copies = layers + int(trainable_first)
    theta = ParameterVector(WEIGHT_PREFIX, copies * a + (layers * d if input_scaling else 0))

    def ansatz_copy(c):
        return ansatz.assign_parameters(dict(zip(weights, theta[c * a:(c + 1) * a])),
                                        inplace=False)

    if trainable_first:
        circuit.compose(ansatz_copy(0), inplace=True)
    for layer in range(layers):
        encoding = feature_map
        if input_scaling:
            scale = theta[copies * a + layer * d: copies * a + (layer + 1) * d]
            encoding = feature_map.assign_parameters(
                {p: s * p for p, s in zip(inputs, scale)}, inplace=False)
        circuit.compose(encoding, inplace=True)
        circuit.compose(ansatz_copy(layer + int(trainable_first)), inplace=True)
    circuit.name = f"{feature_map.name}+{ansatz.name} x{layers}"
    circuit.metadata = {**meta, "reuploading": {
        "layers": layers, "input_scaling": input_scaling, "trainable_first": trainable_first,
        "ansatz_weights": copies * a, "scaling_weights": layers * d if input_scaling else 0}}
    return circuit


def width_for(feature_map_name: str, num_features: int, options: dict | None = None) -> int:
    """The circuit width that takes ``num_features`` inputs with this feature map (one
    qubit per feature, or fewer for a map that loads several per qubit)."""
    k = _lookup("feature_map", FEATURE_MAPS, feature_map_name).per_qubit(options)
    return max(1, -(-int(num_features) // k))


def from_spec(circuit_spec, num_features: int) -> tuple[QuantumCircuit, QuantumCircuit]:
    """``(feature_map, ansatz)`` for a :class:`~qmlbench.engine.spec.CircuitSpec`.

    The width is ``circuit_spec.num_qubits`` or, when that is None, one qubit per feature.
    The spec was validated when it was built, so only the width is checked here.
    """
    fm_spec, an_spec = circuit_spec.feature_map, circuit_spec.ansatz
    width = int(circuit_spec.num_qubits or width_for(fm_spec.name, num_features, fm_spec.options))
    check_width(width)
    fm = _lookup("feature_map", FEATURE_MAPS, fm_spec.name).build_validated(
        width, fm_spec.reps, fm_spec.entanglement, fm_spec.options)
    an = _lookup("ansatz", ANSATZE, an_spec.name).build_validated(
        width, an_spec.reps, an_spec.entanglement, an_spec.options)
    return fm, an


def spec_circuit(circuit_spec, num_features: int) -> QuantumCircuit:
    """The whole circuit of a variational model for a ``CircuitSpec``: feature map and
    ansatz composed, re-uploaded as ``circuit_spec.reuploading`` says."""
    fm, an = from_spec(circuit_spec, num_features)
    return compose(fm, an, **circuit_spec.reupload)


_STANDARD = set(get_standard_gate_name_mapping())
_NON_GATES = {"barrier", "measure", "reset", "delay", "global_phase"}


def _flatten(circuit: QuantumCircuit) -> QuantumCircuit:
    """Decompose until only standard gates remain (library blocks like 'Interaction' expand)."""
    flat = circuit
    for _ in range(10):
        custom = {inst.operation.name for inst in flat.data
                  if inst.operation.name not in _STANDARD and inst.operation.name not in _NON_GATES}
        if not custom:
            break
        flat = flat.decompose(gates_to_decompose=list(custom))
    return flat


def circuit_facts(circuit: QuantumCircuit) -> dict:
    """Width, depth, two-qubit gate count, parameter counts and gate counts (standard gates)."""
    flat = _flatten(circuit)
    gate_counts: dict[str, int] = {}
    two_qubit = 0
    for inst in flat.data:
        name = inst.operation.name
        if name in _NON_GATES:
            continue
        gate_counts[name] = gate_counts.get(name, 0) + 1
        if len(inst.qubits) == 2:
            two_qubit += 1
    params = list(circuit.parameters)
    num_inputs = sum(1 for p in params if p.name.startswith(INPUT_PREFIX + "["))
    num_weights = sum(1 for p in params if p.name.startswith(WEIGHT_PREFIX + "["))
    return {
        "num_qubits": circuit.num_qubits,
        "depth": flat.depth(lambda inst: inst.operation.name not in _NON_GATES),
        "two_qubit_gates": two_qubit,
        "num_parameters": len(params),
        "num_inputs": num_inputs,
        "num_weights": num_weights,
        "gate_counts": dict(sorted(gate_counts.items())),
    }


# --- circuit warnings -------------------------------------------------------------------

#: Above this width a circuit gets the "simulation will be slow" warning.
MANY_QUBITS = 10
#: From this width on, a deep circuit with a global cost gets the barren-plateau warning.
PLATEAU_QUBITS = 4
#: Fidelity kernels from this width on get the concentration warning.
KERNEL_CONCENTRATION_QUBITS = 8
#: Deeper than this, a circuit gets the "slow evaluations" warning.
DEEP_CIRCUIT = 200


def circuit_warnings(spec, facts: dict, model_kind: str = "", global_cost: bool = False) -> list[str]:
    """Plain-words warnings for choices known to be hard; empty when none apply.

    ``facts`` is :func:`circuit_facts` of the circuit the run uses; ``model_kind``
    ("kernel", "variational", "classical") and ``global_cost`` (the cost reads every
    qubit at once) describe the model (``qb.models.compat.circuit_warnings(spec, facts)``
    fills them in from the spec)."""
    out = []
    width = facts.get("num_qubits", 0)
    if width > MANY_QUBITS:
        out.append(f"{width} qubits: every evaluation simulates 2^{width} amplitudes, so "
                   f"training and surfaces will be slow.")
    if model_kind == "variational" and width >= PLATEAU_QUBITS \
            and spec.circuit.ansatz.reps >= width and global_cost:
        out.append(f"Deep ansatz ({spec.circuit.ansatz.reps} reps on {width} qubits) with a global "
                   f"cost: gradients vanish exponentially with width (barren plateau, Cerezo et "
                   f"al. 2021). Try fewer reps or a local observable such as 'Z0'.")
    if model_kind == "kernel" and width >= KERNEL_CONCENTRATION_QUBITS:
        out.append(f"Fidelity kernels on {width} qubits tend to concentrate (all off-diagonal "
                   f"values alike); watch the kernel view's spread.")
    if facts.get("depth", 0) > DEEP_CIRCUIT:
        out.append(f"Depth {facts['depth']}: a long circuit; expect slow evaluations.")
    return out
