"""One training epoch of a qiskit-ml tutorial-05-style hybrid model, three ways, in one run.

The model (qiskit-machine-learning tutorial 05, "Torch connector and hybrid QNNs", its
MNIST network with the convolutions replaced by a linear layer on 4 features):
``Linear(4, 2) -> 2-qubit QNN (ZZ feature map + RealAmplitudes(reps=1), <ZZ>) -> Linear(1, 1)
-> cat(x, 1 - x) -> NLLLoss``, Adam(lr=0.001), minibatches in a fixed order.

* qiskit-ml default: ``TorchConnector(EstimatorQNN(..., input_gradients=True))`` on its
  defaults, ``StatevectorEstimator`` and ``ParamShiftEstimatorGradient`` (precision 0, so
  the answers compare: the default 1/64 only adds noise to the same computation);
* the same connector on qmlbench's primitives: ``estimator=FastEstimator()``,
  ``gradient=FastEstimatorGradient()``;
* ``qb.torch.QuantumLayer`` (one batched evaluation forward, one batched adjoint sweep back).

All three start from the same weights.  Before anything is timed, one minibatch's loss and
every parameter's gradient are checked equal across the three (to float32's precision:
the connector computes in float32).  PyTorch runs on one thread in all three.  Epoch wall
seconds, median of ``--repeats``; ratio = contender / QuantumLayer.

    python benchmarks/bench_hybrid.py            # 100 samples, batch 1 (tutorial 05) and 20
    python benchmarks/bench_hybrid.py --quick    # 20 samples, one repeat
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
import warnings

import numpy as np
import torch
from qiskit.circuit.library import real_amplitudes, zz_feature_map
from qiskit_machine_learning.connectors import TorchConnector
from qiskit_machine_learning.neural_networks import EstimatorQNN

import qmlbench as qb

TOL = 1e-5          # float32 (the connector's torch.float) on values of order one


class Net(torch.nn.Module):
    """Tutorial 05's hybrid network around any quantum module of 2 inputs and 1 output."""

    def __init__(self, quantum):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 2)
        self.qnn = quantum
        self.fc3 = torch.nn.Linear(1, 1)

    def forward(self, x):
        x = self.qnn(self.fc1(x))
        x = self.fc3(x)
        return torch.cat((x, 1 - x), -1)


def circuit():
    fm, an = zz_feature_map(2), real_amplitudes(2, reps=1)
    return fm.compose(an), fm, an


def contenders():
    qc, fm, an = circuit()
    w0 = np.random.default_rng(0).uniform(-1, 1, an.num_parameters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = EstimatorQNN(circuit=qc, input_params=fm.parameters,
                               weight_params=an.parameters, input_gradients=True,
                               default_precision=0.0)
        fast = EstimatorQNN(circuit=qc, input_params=fm.parameters, weight_params=an.parameters,
                            input_gradients=True, default_precision=0.0,
                            estimator=qb.execution.FastEstimator(),
                            gradient=qb.execution.FastEstimatorGradient())
    torch.manual_seed(0)
    base = Net(TorchConnector(default, initial_weights=w0.copy()))
    nets = {"qiskit-ml default (TorchConnector, StatevectorEstimator + ParamShift)": base}
    second = Net(TorchConnector(fast, initial_weights=w0.copy()))
    second.load_state_dict(base.state_dict())
    nets["TorchConnector on qmlbench's FastEstimator + FastEstimatorGradient"] = second
    layer = qb.torch.QuantumLayer(fm, an, "ZZ", initial_weights=w0.copy()).float()
    third = Net(layer)
    third.fc1.load_state_dict(base.fc1.state_dict())
    third.fc3.load_state_dict(base.fc3.state_dict())
    nets["qb.torch.QuantumLayer"] = third
    return nets


def data(n):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(np.int64)
    return torch.from_numpy(X), torch.from_numpy(y)


def epoch(net, X, y, batch):
    net = copy.deepcopy(net)
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = torch.nn.NLLLoss()
    for start in range(0, len(X), batch):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(X[start:start + batch]), y[start:start + batch])
        loss.backward()
        opt.step()
    return net


def one_step(net, X, y):
    """Loss and every parameter's gradient for one minibatch (the answer checked)."""
    net = copy.deepcopy(net)
    loss = torch.nn.NLLLoss()(net(X), y)
    loss.backward()
    grads = {name: p.grad.detach().double().numpy().ravel()
             for name, p in net.named_parameters()}
    # the quantum weights are `weight` in both TorchConnector and QuantumLayer
    return float(loss.detach()), grads


def check(nets, X, y):
    results = {label: one_step(net, X[:8], y[:8]) for label, net in nets.items()}
    ref_loss, ref = results["qb.torch.QuantumLayer"]
    ok = {}
    for label, (loss, grads) in results.items():
        ok[label] = abs(loss - ref_loss) < TOL and set(grads) == set(ref) and all(
            np.abs(grads[k] - ref[k]).max() < TOL for k in ref)
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--out", default=None, help="write the table as JSON")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    n = 20 if args.quick else 100
    repeats = args.repeats or (1 if args.quick else 3)
    X, y = data(n)
    nets = contenders()
    ok = check(nets, X, y)
    report, failed = {}, not all(ok.values())
    for batch in (1, 20):
        name = f"one epoch, {n} samples, batch {batch}"
        rows = []
        for label, net in nets.items():
            slow = label.startswith("qiskit-ml default")
            times = []
            for _ in range(1 if slow else repeats):
                t0 = time.perf_counter()
                epoch(net, X, y, batch)
                times.append(time.perf_counter() - t0)
            rows.append((label, statistics.median(times), ok[label]))
        base = rows[-1][1]
        print(f"\n{name}")
        report[name] = []
        for label, secs, good in rows:
            check_word = "checked" if good else "MISMATCH"
            print(f"  {label:<72} {secs:9.3f} s  x{secs / base:8.1f}  {check_word}")
            report[name].append({"column": label, "seconds": secs, "ratio": secs / base,
                                 "answer_checked": bool(good)})
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"workloads": report}, fh, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
