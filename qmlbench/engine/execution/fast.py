"""The exact fast path: the batched simulator run in chunks that fit the memory budget."""

from __future__ import annotations

import numpy as np

from .. import sim
from .. import limits


def compiled_observable(o):
    return o if isinstance(o, sim.DenseObservable) else sim.compile_observable(o)


def _rows(axes, sl):
    return None if axes is None else axes[sl]


def chunks(num_rows, num_qubits, copies):
    limits.check_memory(num_qubits, copies)
    step = sim.chunk_rows(num_qubits, copies, limits.MEMORY_BUDGET_BYTES)
    for start in range(0, num_rows, step):
        yield slice(start, min(start + step, num_rows))


def statevectors(comp, arr, axes=None, initial=None):
    out = np.empty((arr.shape[0], 2 ** comp.num_qubits), dtype=complex)
    for sl in chunks(arr.shape[0], comp.num_qubits, 3):
        out[sl] = sim.simulate(comp, arr[sl], _rows(axes, sl), _rows(initial, sl))
    return out


def expectations(comp, ops, arr, axes=None, initial=None):
    obs = [compiled_observable(o) for o in ops]
    res = np.empty((arr.shape[0], len(ops)))
    for sl in chunks(arr.shape[0], comp.num_qubits, 3 + len(ops)):
        psi = sim.simulate_nb(comp, arr[sl], _rows(axes, sl), _rows(initial, sl))
        for k, o in enumerate(obs):
            res[sl, k] = o.expectation_nb(psi)
    return res


def gradients(comp, ops, arr, wrt, axes=None, initial=None):
    obs = [compiled_observable(o) for o in ops]
    grads = np.empty((arr.shape[0], len(ops), len(wrt)))
    for sl in chunks(arr.shape[0], comp.num_qubits, 4 + 2 * len(ops)):
        if len(wrt) == 1:
            _, g = sim.forward_gradient(comp, obs, arr[sl], wrt[0], _rows(axes, sl),
                                        _rows(initial, sl))
        else:
            _, g = sim.adjoint_gradients(comp, obs, arr[sl], wrt, _rows(axes, sl),
                                         _rows(initial, sl))
        grads[sl] = g
    return grads
