"""What this machine can simulate exactly: the widest circuit, the memory a batch may take.

Kept apart from the simulator so that building a circuit (``circuits``) or planning a
study can check a width without importing the simulator.
"""

from __future__ import annotations

import os

from .errors import CapacityError

#: Largest width the exact path accepts.  One complex128 statevector of n qubits
#: is 16 * 2**n bytes (24 qubits = 256 MiB) and an adjoint gradient keeps about
#: four of them alive, so 24 qubits needs ~1.3 GiB for a single parameter set.
MAX_EXACT_QUBITS = 24

#: Bytes the batched state arrays of one chunk may take; batches are split to fit.  Small
#: enough to stay near the cache: measured on 10 and 14 qubits, 64 MiB chunks ran 1.5-1.8x
#: faster than 256 MiB ones (and 8 MiB ones slower again, Python's per-gate cost showing).
MEMORY_BUDGET_BYTES = 64 * 2 ** 20

#: Widest circuit with resets or mid-circuit measurements the exact path takes: its state
#: is a density matrix of 4**n entries (12 qubits = 256 MiB).
MAX_MIXED_QUBITS = 12


def bytes_per_state(num_qubits: int) -> int:
    return 16 * 2 ** num_qubits


def check_mixed_width(num_qubits):
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


def available_memory_bytes() -> int | None:
    """Physical memory free right now (None where the OS does not say)."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(num_qubits, copies):
    """Refuse before allocating when even one parameter set cannot fit in memory."""
    need = bytes_per_state(num_qubits) * copies
    free = available_memory_bytes()
    if free is not None and need > free:
        raise CapacityError(
            f"num_qubits: {num_qubits} needs about {need / 2**30:.1f} GiB for one parameter set "
            f"on the exact path ({copies} states of 2**{num_qubits} amplitudes) but only "
            f"{free / 2**30:.1f} GiB of memory is free; use fewer qubits or shots (Aer)")


#: Widest circuit the noisy (density-matrix) path takes, fast or Aer: a batch row is one
#: density matrix of 4**n complex entries (10 qubits = 16 MiB, 12 qubits = 256 MiB, so past
#: 10 qubits a chunk of MEMORY_BUDGET_BYTES holds less than one row and rows run one by one).
MAX_NOISY_QUBITS = 12


def bytes_per_density(num_qubits: int) -> int:
    return 16 * 4 ** num_qubits


def check_noisy_width(num_qubits: int) -> None:
    if num_qubits > MAX_NOISY_QUBITS:
        raise CapacityError(
            f"execution.noise: a noisy circuit of {num_qubits} qubits is too wide for the exact "
            f"density-matrix path, which is limited to {MAX_NOISY_QUBITS} qubits here (4**n "
            f"entries per state, {bytes_per_density(num_qubits) / 2**30:.0f} GiB at "
            f"{num_qubits}); use fewer qubits, or shots (execution.shots) to sample noisy "
            f"trajectories with Aer")
