"""qb.torch.QuantumLayer: exact values, gradients that agree with finite differences
(torch's gradcheck) for weights and inputs, float32, devices, and agreement with
qiskit-ml's own TorchConnector on qmlbench's primitives."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import qmlbench as qb  # noqa: E402
from qiskit.quantum_info import SparsePauliOp, Statevector  # noqa: E402
from torch.autograd import gradcheck  # noqa: E402


def _layer(obs="local", dtype=torch.float64, **kw):
    fm = qb.circuits.feature_map("zz", 3, reps=2)
    an = qb.circuits.ansatz("real_amplitudes", 3, reps=2)
    return qb.torch.QuantumLayer(fm, an, obs, seed=1, **kw).to(dtype), fm, an


def _x(n=5, d=3, dtype=torch.float64):
    return torch.tensor(np.random.default_rng(0).uniform(-1, 1, (n, d)), dtype=dtype,
                        requires_grad=True)


def test_import_qmlbench_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, qmlbench as qb; qb.models.MODELS; qb.ExperimentSpec(); " \
           "print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("obs", [None, "local", ["XZI", SparsePauliOp(["ZZZ", "IYI"], [0.5, -1.0])]])
def test_gradcheck_weights_and_inputs_against_finite_differences(obs):
    layer, _, _ = _layer(obs)
    x = _x()
    # gradcheck compares the analytic vector-Jacobian products (batched adjoint) with
    # central finite differences of the forward pass, for x and the weights together
    assert gradcheck(lambda x, w: qb.torch.quantum_apply(x, w, layer.circuit_map),
                     (x, layer.weight), eps=1e-6, atol=1e-7, rtol=1e-5)


def test_gradcheck_with_reuploading_and_input_scaling():
    fm = qb.circuits.feature_map("rotations", 1, axes=["y", "z"])
    an = qb.circuits.ansatz("efficient_su2", 1, reps=1)
    layer = qb.torch.QuantumLayer(fm, an, "Z", layers=3, input_scaling=True, seed=2).double()
    assert layer.circuit_map.num_weights == 3 * 4 + 3 * 2 and layer.num_inputs == 2
    assert gradcheck(lambda x, w: qb.torch.quantum_apply(x, w, layer.circuit_map),
                     (_x(4, 2), layer.weight), eps=1e-6, atol=1e-7, rtol=1e-5)


def test_values_equal_qiskit_statevector():
    layer, fm, an = _layer("local")
    x = _x()
    out = layer(x).detach().numpy()
    w = layer.weight.detach().numpy()
    for i in range(x.shape[0]):
        bind = {**dict(zip(fm.parameters, x[i].detach().numpy())), **dict(zip(an.parameters, w))}
        sv = Statevector(layer.circuit.assign_parameters(bind))
        expected = [sv.expectation_value(op).real for op in layer.circuit_map.ops]
        np.testing.assert_allclose(out[i], expected, atol=1e-12)


def test_float32_in_float32_out_and_one_sample():
    layer, _, _ = _layer(dtype=torch.float32)
    x = _x(dtype=torch.float32)
    out = layer(x)
    assert out.dtype == torch.float32 and out.shape == (5, 3)
    out.sum().backward()
    assert layer.weight.grad.dtype == torch.float32 and x.grad.dtype == torch.float32
    ref, _, _ = _layer()
    ref.weight.data = layer.weight.data.double()
    np.testing.assert_allclose(out.detach().numpy(), ref(x.double()).detach().numpy(), atol=1e-6)
    assert layer(x[0]).shape == (3,)


def test_a_tensor_on_another_device_gets_a_message_not_a_crash():
    layer, _, _ = _layer()
    x = torch.empty(4, 3, device="meta", dtype=torch.float64)
    with pytest.raises(qb.DataError, match="device 'meta'.*CPU.*#310"):
        layer(x)


def test_layers_before_it_train():
    """The gradient reaches a classical layer in front: its weights move and the loss falls."""
    torch.manual_seed(0)
    layer, _, _ = _layer(None)
    net = torch.nn.Sequential(torch.nn.Linear(4, 3).double(), layer)
    X = torch.tensor(np.random.default_rng(1).normal(size=(16, 4)))
    y = torch.tensor(np.sign(np.random.default_rng(2).normal(size=(16, 1))))
    opt = torch.optim.Adam(net.parameters(), lr=0.1)
    first = net[0].weight.detach().clone()
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = torch.mean((net(X) - y) ** 2)
        loss.backward()
        assert net[0].weight.grad is not None and torch.any(net[0].weight.grad != 0)
        opt.step()
        losses.append(float(loss.detach()))
    assert not torch.allclose(first, net[0].weight)
    assert losses[-1] < losses[0]


def test_qiskit_ml_torch_connector_on_fast_primitives_gives_the_same_gradients():
    from qiskit_machine_learning.connectors import TorchConnector
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    layer, fm, an = _layer("local")
    qnn = EstimatorQNN(circuit=layer.circuit, observables=layer.circuit_map.ops,
                       input_params=list(fm.parameters), weight_params=list(an.parameters),
                       estimator=qb.execution.FastEstimator(),
                       gradient=qb.execution.FastEstimatorGradient(), input_gradients=True,
                       default_precision=0.0)
    connector = TorchConnector(qnn, initial_weights=layer.weight.detach().numpy().copy())
    x1, x2 = _x(), _x()
    out1, out2 = layer(x1), connector(x2)
    # the connector hands values and gradients over as float32 (torch.float): agreement to
    # float32's 2**-24 relative precision is all it can give
    f32 = 2.0 ** -24
    np.testing.assert_allclose(out1.detach().numpy(), out2.detach().numpy(), rtol=4 * f32,
                               atol=4 * f32)
    g = torch.tensor(np.random.default_rng(3).normal(size=out1.shape))
    (out1 * g).sum().backward()
    (out2.double() * g).sum().backward()
    for mine, theirs in ((x1.grad, x2.grad), (layer.weight.grad, connector.weight.grad)):
        scale = float(torch.max(torch.abs(mine)))
        np.testing.assert_allclose(mine.numpy(), theirs.double().numpy(), rtol=0,
                                   atol=16 * f32 * scale)


def test_registry_names_and_a_pickled_layer_evaluate_alike():
    import pickle

    layer = qb.torch.QuantumLayer("zz", "real_amplitudes", num_qubits=2, seed=0).double()
    x = _x(3, 2)
    again = pickle.loads(pickle.dumps(layer))
    np.testing.assert_array_equal(layer(x).detach().numpy(), again(x).detach().numpy())
    with pytest.raises(qb.DataError, match="expected shape \\(batch, 2\\)"):
        layer(_x(3, 3))


def test_observables_words_match_the_hybrid_schema_and_typos_are_refused_by_name():
    from qmlbench.engine.errors import SpecError
    from qmlbench.engine.models import MODELS

    fm = qb.circuits.feature_map("zz", 3)
    an = qb.circuits.ansatz("real_amplitudes", 3)
    words = MODELS["hybrid"].schema["observables"].choices
    assert set(words) == {"local", "global"}
    expected = {"local": [SparsePauliOp.from_sparse_list([("Z", [q], 1.0)], 3) for q in range(3)],
                "global": [SparsePauliOp("ZZZ")]}
    for word in words:       # every choice the hybrid model offers is a QuantumLayer word
        ops = qb.torch.QuantumLayer(fm, an, word).circuit_map.ops
        assert [o.to_list() for o in ops] == [o.to_list() for o in expected[word]]
    for bad in ("globl", ["ZZI", "xx"], [], 3.5):
        with pytest.raises(SpecError) as err:
            qb.torch.QuantumLayer(fm, an, bad)
        msg = str(err.value)
        assert msg.startswith(f"observables: {bad!r}")
        assert "local" in msg and "global" in msg and "Pauli label" in msg
