"""Quantum data: datasets whose inputs are quantum states, and how a Dataset carries them.

A state dataset's ``X`` is real, so that splitting, saving, the spec and every
scikit-learn tool work unchanged: row ``i`` is ``[Re a_0 .. Re a_{d-1}, Im a_0 .. Im
a_{d-1}]`` for the state ``sum_b a_b |b>`` (``d = 2**n``, qiskit's qubit order).
:func:`as_states` and :func:`as_features` convert; ``Dataset.inputs == "states"``
says the columns are amplitudes, not features, so no scaler or PCA touches them
and only state models (``compat.check_inputs``) take them.

* ``phase_of_matter``: ground states of the four spin chains of qiskit-machine-learning's
  ``phase_of_matter_data`` (Bermejo et al. 2024, arXiv:2408.12739, eqs. 6-9), labelled by
  phase.  The Hamiltonians, the phase regions the couplings are drawn from and the order
  of the draws are qiskit-ml 0.9.1's (same seed, same couplings); the ground state comes
  from a dense ``numpy.linalg.eigh``, not ARPACK: at 8 qubits qiskit-ml's ``eigsh`` took
  about 0.3 s a state here, and its random start vector made near-degenerate ground
  states (ANNNI, cluster) differ from call to call.
* ``entanglement_concentration``: Schatzki et al. 2021's NTangled states as
  qiskit-ml's ``entanglement_concentration_data`` makes them: product states through
  one of two pre-trained hardware-efficient circuits whose outputs have a low or a high
  concentration of entanglement (CE, Beckey et al. 2021).  qiskit-ml 0.9.1's wheel lacks
  the circuits' weights (``datasets/models/*.json``, FileNotFoundError), so they are
  shipped here (``ntangled/``, from qiskit-ml's repository, Apache-2.0).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from ..errors import DataError, SpecError
from ..options import Option
from .dataset import Dataset
from .prepare import split

STATES = "states"

#: the spin chains, their phases (qiskit-ml's class order) and the couplings' regions
PHASE_MODELS = {
    "heisenberg": ["trivial", "topological"],
    "haldane": ["antiferromagnetic", "paramagnetic", "spt"],
    "annni": ["ferromagnetic", "paramagnetic", "floating", "antiphase"],
    "cluster": ["haldane", "ferromagnetic", "antiferromagnetic", "trivial"],
}
#: per model, per phase: ((low, high) of the first coupling, (low, high) of the second),
#: qiskit-ml 0.9.1's regions, drawn first-coupling-then-second per phase
_REGIONS = {
    "heisenberg": [(None, (0.0, 0.8)), (None, (1.2, 3.0))],           # j1 = 1, j2 drawn
    "haldane": [((0.0, 0.15), (-0.3, -0.05)), ((0.9, 1.5), (0.0, 0.35)),
                ((0.0, 0.3), (0.55, 1.0))],                             # h1, h2
    "annni": [((0.0, 0.3), (0.0, 0.25)), ((0.0, 0.45), (0.9, 1.5)),
              ((0.55, 0.9), (0.25, 0.65)), ((0.55, 0.9), (0.0, 0.1))],  # kappa, h
    "cluster": [((0.8, 2.0), (-2.0, -0.8)), ((0.8, 2.5), (0.8, 2.5)),
                ((-2.5, -0.8), (-2.5, -0.8)), ((-0.15, 0.15), (-0.15, 0.15))],  # j1, j2
}
MIN_CHAIN, MAX_CHAIN = 4, 10
EC_QUBITS = (3, 4)
#: the CE the two classes were trained to (Schatzki et al. 2021; qiskit-ml's docstring)
EC_TARGETS = {(3, "easy"): (0.18, 0.40), (4, "easy"): (0.12, 0.43),
              (3, "hard"): (0.28, 0.40), (4, "hard"): (0.22, 0.34)}
_EC_DEPTHS = {"easy": (2, 6), "hard": (2, 5)}

PHASE_MODEL = Option("model", "choice", "heisenberg", choices=tuple(PHASE_MODELS),
                     help="spin chain: heisenberg (2 phases), haldane (3), annni (4), cluster (4)")
CHAIN = Option("qubits", "int", 4, low=MIN_CHAIN, high=MAX_CHAIN,
               help="sites of the chain, one qubit each (2·2^n real columns)")
EC_MODE = Option("mode", "choice", "easy", choices=("easy", "hard"),
                 help="easy: the two classes' CE far apart; hard: close")
EC_QUBITS_OPT = Option("qubits", "choice", 4, choices=EC_QUBITS, help="qubits of each state")
EC_SAMPLING = Option("sampling", "choice", "cardinal", choices=("cardinal", "isotropic"),
                     help="input product states: Bloch-sphere axes (cardinal) or uniform")


# --- states <-> real columns ------------------------------------------------------------

def as_features(states) -> np.ndarray:
    """Statevectors ``(n, 2**q)`` as real rows ``[Re | Im]`` ``(n, 2**(q+1))``."""
    s = np.asarray(states, dtype=complex)
    if s.ndim == 1:
        s = s[None, :]
    return np.ascontiguousarray(np.hstack([s.real, s.imag]))


def as_states(X, what: str = "X") -> np.ndarray:
    """Real rows ``[Re | Im]`` back as complex statevectors ``(n, 2**q)``: the inverse of
    :func:`as_features`.  The width must be ``2**(q+1)`` for some q >= 1."""
    X = np.asarray(X, dtype=float)
    width = X.shape[1]
    d = width // 2
    if width % 2 or d < 2 or d & (d - 1):
        raise DataError(f"{what}: {width} columns are not the amplitudes of a state; quantum "
                        f"data comes as 2·2^n real columns (real parts, then imaginary parts, "
                        f"qmlbench.datasets.as_features(states))")
    return X[:, :d] + 1j * X[:, d:]


def num_qubits_of(width: int) -> int:
    return int(np.log2(width // 2))


def state_feature_names(num_qubits: int) -> list[str]:
    bits = [format(b, f"0{num_qubits}b") for b in range(2 ** num_qubits)]
    return [f"Re<{b}|ψ>" for b in bits] + [f"Im<{b}|ψ>" for b in bits]


# --- phase of matter ------------------------------------------------------------------

def _pauli(ops: list[tuple[str, int]], n: int) -> str:
    chars = ["I"] * n
    for p, site in ops:
        chars[site] = p
    return "".join(reversed(chars))       # qiskit order: site 0 is the rightmost letter


def hamiltonian(model: str, n: int, a: float, b: float) -> SparsePauliOp:
    """The chain's Hamiltonian (Bermejo et al. eqs. 6-9, as qiskit-ml 0.9.1 writes them) at
    couplings ``(a, b)``: heisenberg (J1, J2), haldane (h1, h2), annni (kappa, h),
    cluster (J1, J2)."""
    terms: list[tuple[str, float]] = []
    if model == "heisenberg":      # sum_i J_i (XX + YY + ZZ), J alternating J1, J2 (open)
        for i in range(n - 1):
            j = a if i % 2 == 0 else b
            terms += [(_pauli([(p, i), (p, i + 1)], n), j) for p in "XYZ"]
    elif model == "haldane":       # -sum ZXZ - h1 sum X - h2 sum XX (open)
        terms += [(_pauli([("Z", i), ("X", i + 1), ("Z", i + 2)], n), -1.0) for i in range(n - 2)]
        terms += [(_pauli([("X", i)], n), -a) for i in range(n)]
        terms += [(_pauli([("X", i), ("X", i + 1)], n), -b) for i in range(n - 1)]
    elif model == "annni":         # -sum XX + kappa sum X_i X_{i+2} - h sum Z (open)
        terms += [(_pauli([("X", i), ("X", i + 1)], n), -1.0) for i in range(n - 1)]
        terms += [(_pauli([("X", i), ("X", i + 2)], n), a) for i in range(n - 2)]
        terms += [(_pauli([("Z", i)], n), -b) for i in range(n)]
    elif model == "cluster":       # sum Z - J1 X_i X_{i+1} - J2 Z_{i-1} X_i Z_{i+1} (periodic)
        for i in range(n):
            terms.append((_pauli([("Z", i)], n), 1.0))
            terms.append((_pauli([("X", i), ("X", (i + 1) % n)], n), -a))
            terms.append((_pauli([("Z", (i - 1) % n), ("X", i), ("Z", (i + 1) % n)], n), -b))
    else:
        raise SpecError("dataset.options.model", model, list(PHASE_MODELS))
    return SparsePauliOp.from_list(terms).simplify()


def ground_state(H: SparsePauliOp) -> tuple[float, np.ndarray]:
    """The lowest eigenvalue and its eigenvector (dense ``eigh``, lowest pair only), the
    global phase fixed as qiskit-ml fixes it (first amplitude above 1e-10 of the largest
    made real positive)."""
    from scipy.linalg import eigh
    from threadpoolctl import threadpool_limits

    # one BLAS thread: on these small matrices more threads only contend (80 times slower
    # on a busy 2-core machine, measured)
    with threadpool_limits(1):
        energies, vectors = eigh(H.to_matrix(), subset_by_index=[0, 0])
    v = vectors[:, 0]
    lead = v[np.flatnonzero(np.abs(v) > 1e-10 * np.abs(v).max())[0]]
    return float(energies[0]), v * (np.conj(lead) / abs(lead))


def phase_couplings(model: str, per_class: int, rng) -> list[tuple[float, float, int]]:
    """``per_class`` couplings per phase, phase by phase, drawn as qiskit-ml 0.9.1 draws them."""
    out = []
    for label, (ra, rb) in enumerate(_REGIONS[model]):
        if ra is None:
            bs = rng.uniform(*rb, size=per_class)
            out += [(1.0, float(b), label) for b in bs]
        else:
            a_s = rng.uniform(*ra, size=per_class)
            bs = rng.uniform(*rb, size=per_class)
            out += [(float(a), float(b), label) for a, b in zip(a_s, bs)]
    return out


def phase_of_matter(n_samples: int, seed: int, model: str = "heisenberg", qubits: int = 4):
    """``n_samples`` ground states, balanced over the phases: ``(states, y, class_names,
    couplings)``, in qiskit-ml's order for ``phase_of_matter_data(n_samples, 0, qubits,
    model=model, seed=seed)``."""
    names = PHASE_MODELS[model]
    k = len(names)
    base, rem = divmod(n_samples, k)
    counts = [base + (1 if c < rem else 0) for c in range(k)]
    rng = np.random.default_rng(seed)
    drawn = phase_couplings(model, max(counts), rng)
    per = max(counts)
    picked = [drawn[c * per + i] for c in range(k) for i in range(counts[c])]
    order = np.arange(len(picked))
    rng.shuffle(order)
    picked = [picked[i] for i in order]
    states = np.array([ground_state(hamiltonian(model, qubits, a, b))[1] for a, b, _ in picked])
    y = np.array([c for _, _, c in picked], dtype=int)
    couplings = np.array([(a, b) for a, b, _ in picked])
    return states, y, list(names), couplings


# --- entanglement concentration ----------------------------------------------------------

_NTANGLED = Path(__file__).with_name("ntangled")


@lru_cache(maxsize=None)
def _ntangled_unitary(qubits: int, mode: str, label: str) -> np.ndarray:
    """The pre-trained circuit (qiskit-ml's ``_hardware_efficient_ansatz`` with its weights)
    as a unitary."""
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator

    depth = _EC_DEPTHS[mode][0 if label == "low" else 1]
    w = np.array(json.loads((_NTANGLED / f"entanglement_{mode}_{label}_{qubits}qubits.json")
                            .read_text())).reshape(depth, qubits, 3)
    qc = QuantumCircuit(qubits)
    for layer in range(depth):
        for half in (0, 1):       # the same angles twice, around the two CZ brickwork layers
            for q in range(qubits):
                qc.u(*w[layer, q], q)
            for q in range(half, qubits - 1, 2):
                qc.cz(q, q + 1)
    return Operator(qc).data


def _product_states(qubits: int, count: int, sampling: str, rng) -> np.ndarray:
    """Random product states ``(count, 2**qubits)``, qiskit-ml's samplers (same draws)."""
    if sampling == "cardinal":
        s = 1 / np.sqrt(2)
        axis = np.array([[1, 0], [0, 1], [s, s], [s, -s], [s, 1j * s], [s, -1j * s]], complex)
        idx = rng.choice(6 ** qubits, size=count, replace=False)
        choice = np.empty((count, qubits), dtype=int)
        for q in range(qubits - 1, -1, -1):
            choice[:, q] = idx % 6
            idx //= 6
        singles = axis[choice]                                   # (count, qubits, 2)
    else:
        z = rng.uniform(-1, 1, size=(count, qubits))
        phi = rng.uniform(0, 2 * np.pi, size=(count, qubits))
        theta = np.arccos(z)
        singles = np.stack([np.cos(theta / 2), np.sin(theta / 2) * np.exp(1j * phi)], axis=-1)
    # qiskit-ml's convention: column q of the draw is the (qubits-1-q)-th tensor factor
    out = singles[:, 0, :]
    for q in range(1, qubits):
        out = np.einsum("na,nb->nab", out, singles[:, q, :]).reshape(count, -1)
    return out


def entanglement_concentration(n_samples: int, seed: int, mode: str = "easy", qubits: int = 4,
                               sampling: str = "cardinal"):
    """``n_samples // 2`` product states through each of the two pre-trained circuits:
    ``(states, y, class_names)``, class 0 the low-CE circuit's outputs.  The same product
    state enters both circuits (as in qiskit-ml)."""
    per_class = n_samples // 2
    if sampling == "cardinal" and per_class >= 6 ** qubits:
        raise SpecError("dataset.n_samples", n_samples, reason=(
            f"asks for {per_class} distinct cardinal product states of {qubits} qubits; there "
            f"are {6 ** qubits}: use sampling 'isotropic' or fewer samples"))
    rng = np.random.default_rng(seed)
    psi = _product_states(qubits, per_class, sampling, rng)
    low = psi @ _ntangled_unitary(qubits, mode, "low").T
    high = psi @ _ntangled_unitary(qubits, mode, "high").T
    states = np.vstack([low, high])
    y = np.repeat([0, 1], per_class)
    lo, hi = EC_TARGETS[(qubits, mode)]
    return states, y, [f"low CE (~{lo})", f"high CE (~{hi})"]


def concentration_of_entanglement(state) -> float:
    """Beckey et al. 2021's CE of a pure state: ``1 - 2^-n sum_{subsets s} Tr(rho_s^2)``."""
    psi = np.asarray(state, dtype=complex)
    n = int(np.log2(psi.size))
    t = psi.reshape((2,) * n)
    total = 0.0
    for mask in range(2 ** n):
        keep = [ax for ax in range(n) if (mask >> ax) & 1]
        if not keep:
            total += 1.0      # the empty subsystem's "state" is the number 1
            continue
        rest = [ax for ax in range(n) if ax not in keep]
        m = np.transpose(t, keep + rest).reshape(2 ** len(keep), -1)
        rho = m @ m.conj().T
        total += float(np.real(np.vdot(rho, rho)))
    return 1.0 - total / 2 ** n


# --- loading --------------------------------------------------------------------------------

def _draw(name: str, n_samples: int, seed: int, opts: dict):
    if name == "phase_of_matter":
        states, y, names, _ = phase_of_matter(n_samples, seed, opts["model"], opts["qubits"])
        note = (f"ground states of the {opts['model']} chain on {opts['qubits']} qubits "
                f"(Bermejo et al. 2024, qiskit-ml's phase_of_matter_data), couplings drawn "
                f"inside each phase")
        return states, y, names, note
    states, y, names = entanglement_concentration(n_samples, seed, opts["mode"], opts["qubits"],
                                                  opts["sampling"])
    note = (f"NTangled states (Schatzki et al. 2021, qiskit-ml's "
            f"entanglement_concentration_data), {opts['mode']} mode, {opts['qubits']} qubits, "
            f"{opts['sampling']} inputs")
    return states, y, names, note


def load(name: str, n_samples, noise, test_size, seed, scaling, num_features, opts: dict):
    """A state dataset: drawn, split (stratified, seeded), never scaled or reduced."""
    qubits = opts["qubits"]
    if num_features is not None and num_features != qubits:
        raise SpecError("dataset.num_features", num_features, [qubits], reason=(
            f"differs from the {qubits} qubits of {name}'s states (the dataset's "
            f"options.qubits chooses them)"))
    if scaling not in ("auto", "none"):
        raise SpecError("dataset.scaling", scaling, ["auto", "none"], reason=(
            f"would change the amplitudes of {name}'s states; they are used as they are"))
    states, y, names, note = _draw(name, n_samples, seed, opts)
    notes = [note, f"inputs are {qubits}-qubit statevectors: {2 ** (qubits + 1)} real columns, "
                   f"the real then the imaginary parts of the amplitudes"]
    if noise:
        notes.append(f"noise does not apply to {name} (its inputs are exact states)")
    X_tr, X_te, y_tr, y_te = split(as_features(states), y, "classification", test_size, seed)
    return Dataset(X_tr, X_te, y_tr, y_te, "classification", state_feature_names(qubits),
                   names, name, notes, None, "none", inputs=STATES)
