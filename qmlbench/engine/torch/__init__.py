"""PyTorch on qmlbench's exact batched path (the optional ``torch`` extra).

``QuantumLayer`` is a ``torch.nn.Module`` (forward: one batched evaluation; backward: one
batched adjoint sweep, for weights and inputs); ``QuantumFunction`` the autograd function
under it; ``CircuitMap`` the circuit as a NumPy map (inputs, weights) -> expectations.
``import qmlbench`` never imports torch; ``qb.torch`` imports it, and without it each entry
point names the install command (``extras.INSTALL["torch"]``).
"""

from .layer import CircuitMap, QuantumFunction, QuantumLayer, quantum_apply

__all__ = ["CircuitMap", "QuantumFunction", "QuantumLayer", "quantum_apply"]
