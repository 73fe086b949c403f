"""The model as a Fourier series in each input (Schuld, Sweke & Meyer 2021, PRA 103, 032430).

A quantum model whose input ``x`` enters through gates ``exp(-i a_k x G_k / 2)`` (Pauli
rotations, phase gates: eigenvalue spread 1 in units of the angle) is a trigonometric
polynomial ``f(x) = sum_ω c_ω e^{iωx}`` whose frequencies are the sums
``sum_k s_k a_k`` with ``s_k ∈ {-1, 0, 1}``: ``r`` encodings of ``x`` with ``a = 1`` give
the integers ``{-r, ..., r}``, so repeating the feature map (re-uploading) widens the
spectrum.

:func:`fourier_spectrum` reads the ``a_k`` of each input from the feature map (the
derivative of every gate angle in that input, at the point the line passes through),
then samples the model's output along a line through the data, one input varied and the
others held at the training mean, and takes the FFT.  When the ``a_k`` are commensurate
(multiples of a base frequency ``ω_0``; within 1e-9 of fractions with denominators up to
64) the line spans one period ``2π/ω_0`` and the coefficients are exact up to FFT round-off;
otherwise (ZZ-type maps, whose pair terms scale ``x_i`` by ``2(π - x_j)``) the line spans
the data and the spectrum is a windowed estimate (``periodic`` False).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from functools import reduce

import numpy as np
from qiskit.circuit import ParameterExpression

from .. import execution
from ..errors import SpecError
from .common import InsightResult, check_count, states_per_chunk
from .network import Network, network_of

__all__ = ["FourierResult", "fourier_spectrum", "encoding_coefficients", "model_weights",
           "line_point"]

#: Gates whose every parameter enters as exp(-i θ G / 2) with G of eigenvalues ±1 (or a
#: phase diag(1, e^{iθ})): the spread of eigen-phases is θ itself.
_ROTATIONS = {"rx", "ry", "rz", "p", "u1", "rxx", "ryy", "rzz", "rzx", "crx", "cry", "crz",
              "cp", "cu1", "u", "u3", "r", "mcp", "cu"}


def encoding_coefficients(feature_map, input_index: int, point) -> tuple[list, str | None]:
    """``(|d angle / d x_i| for each gate angle that depends on x_i, reason or None)``;
    the reason says why the frequency set cannot be read (a gate of unknown spectrum)."""
    params = list(feature_map.parameters)
    target = params[input_index]
    bind = {p: float(v) for p, v in zip(params, point)}
    coeffs, reason = [], None
    for inst in feature_map.data:
        for angle in inst.operation.params:
            if not isinstance(angle, ParameterExpression) or target not in angle.parameters:
                continue
            if inst.operation.name not in _ROTATIONS:
                reason = f"gate {inst.operation.name!r} has no known spectrum"
                continue
            deriv = angle.gradient(target)
            if isinstance(deriv, ParameterExpression):
                deriv = deriv.bind({p: bind[p] for p in deriv.parameters}).numeric()
            coeffs.append(abs(float(deriv)))
    return coeffs, reason


def _base_frequency(coeffs) -> float | None:
    fracs = []
    for a in coeffs:
        if a == 0:
            continue
        f = Fraction(a).limit_denominator(64)
        if abs(float(f) - a) > 1e-9:
            return None
        fracs.append(f)
    if not fracs:
        return None
    den = reduce(lambda x, y: x * y // math.gcd(x, y), [f.denominator for f in fracs])
    num = reduce(math.gcd, [int(f * den) for f in fracs])
    return num / den


@dataclass
class FourierResult(InsightResult):
    """Per input ``i`` (rows): ``frequencies[i]`` (angular, non-negative; the series is
    real so c_{-ω} = conj(c_ω)), ``amplitudes[i]`` = |c_ω|, ``allowed_max[i]`` = sum of the
    encoding coefficients (the largest frequency the encoding allows), ``beyond[i]`` the
    largest amplitude above it (FFT round-off for a periodic line)."""

    inputs: list
    frequencies: np.ndarray
    amplitudes: np.ndarray
    allowed_max: np.ndarray
    encodings: list
    periodic: list
    period: np.ndarray
    beyond: np.ndarray
    point: np.ndarray
    output: int = 0
    points: int = 0
    network: str = ""
    seconds: float = float("nan")
    path: str = ""
    notes: list = field(default_factory=list)


def model_weights(net: Network, weights) -> np.ndarray:
    w = net.weights if weights is None else np.asarray(weights, dtype=float).ravel()
    if w is None:
        raise SpecError("weights", None, reason="must be given for a model that is not fitted "
                                                "(it has no trained weights)")
    if w.shape[0] != net.num_weights or not np.all(np.isfinite(w)):
        raise SpecError("weights", f"{w.shape[0]} values",
                        reason=f"must be {net.num_weights} finite numbers, one per weight")
    return w


def line_point(net: Network, dataset, point) -> np.ndarray:
    if point is not None:
        p = np.asarray(point, dtype=float).ravel()
    elif dataset is not None:
        p = np.asarray(dataset.X_train, dtype=float).mean(axis=0)
    else:
        p = np.zeros(net.num_inputs)
    if p.shape[0] != net.num_inputs:
        raise SpecError("point", p.tolist(), reason=f"must hold {net.num_inputs} input values")
    return p


def fourier_spectrum(model, dataset=None, inputs=None, points: int | None = None,
                     weights=None, point=None, output: int | None = None,
                     evaluator=None) -> FourierResult:
    """Fourier coefficients of the model's output along each input (module docstring).

    ``model``: a qmlbench variational model (fitted, or with ``weights``) or a qiskit-ml
    QNN (with ``weights``).  ``inputs``: indices to analyse (default all).  ``points``:
    samples per line (default enough for the allowed band, at least 64).  ``point``: where
    the other inputs sit (default the training mean of ``dataset``, else 0).  ``output``:
    which output (an estimator's observable, a sampler's class; default the first
    observable, or class 1).
    """
    started = time.perf_counter()
    num_features = None if dataset is None else np.asarray(dataset.X_train).shape[1]
    net = network_of(model, num_features)
    w = model_weights(net, weights)
    p0 = line_point(net, dataset, point)
    idx = list(range(net.num_inputs)) if inputs is None else [int(i) for i in np.atleast_1d(inputs)]
    for i in idx:
        if not 0 <= i < net.num_inputs:
            raise SpecError("inputs", i, reason=f"must be input indices below {net.num_inputs}")
    k = (0 if net.kind == "estimator" else min(1, len(net.observables) - 1)) if output is None \
        else int(output)
    if not 0 <= k < len(net.observables):
        raise SpecError("output", output, reason=f"must be below {len(net.observables)}")
    fm = net.feature_map if net.feature_map is not None else _inputs_only(net)
    if (net.circuit.metadata or {}).get("reuploading"):
        fm = _weights_bound(net, w)     # every encoding layer counts, scaled as trained
    X = None if dataset is None else np.vstack([dataset.X_train, dataset.X_test])
    ev = evaluator if evaluator is not None else execution.evaluator_for()
    enc, periodic, period, allowed, notes = [], [], [], [], []
    for i in idx:
        coeffs, reason = encoding_coefficients(fm, i, p0)
        enc.append(coeffs)
        allowed.append(float(sum(coeffs)) if reason is None else float("nan"))
        base = _base_frequency(coeffs) if reason is None else None
        if reason:
            notes.append(f"input {i}: {reason}")
        periodic.append(base is not None)
        if base is not None:
            period.append(2 * np.pi / base)
        else:
            span = (X[:, i].max() - X[:, i].min()) if X is not None else 2 * np.pi
            period.append(float(span) if span > 0 else 2 * np.pi)
    band = max([a for a in allowed if math.isfinite(a)] + [1.0])
    m = points if points is not None else max(64, int(2 ** math.ceil(math.log2(
        4 * band * max(period) / (2 * np.pi) + 8))))
    m = check_count("points", m, 4)
    freqs, amps, beyond = [], [], []
    for i, T in zip(idx, period):
        start = float(X[:, i].min()) if X is not None else 0.0
        grid = np.tile(p0, (m, 1))
        grid[:, i] = start + T * np.arange(m) / m
        f = _output(ev, net, grid, w, k)
        c = np.fft.rfft(f) / m
        omega = 2 * np.pi * np.arange(c.size) / T
        c = c * np.exp(-1j * omega * start)
        a = np.abs(c)
        freqs.append(omega)
        amps.append(a)
        lim = allowed[len(freqs) - 1]
        over = omega > lim + 1e-9 if math.isfinite(lim) else np.zeros(omega.size, bool)
        beyond.append(float(a[over].max()) if over.any() else 0.0)
    return FourierResult(
        inputs=idx, frequencies=np.array(freqs), amplitudes=np.array(amps),
        allowed_max=np.array(allowed), encodings=enc, periodic=periodic,
        period=np.array(period), beyond=np.array(beyond), point=p0, output=k, points=m,
        network=net.label, seconds=time.perf_counter() - started, path=getattr(ev, "path", ""),
        notes=notes)


def _inputs_only(net: Network):
    """For a QNN: the circuit with its weights left symbolic (their angles do not depend
    on the inputs, so only the input gates count)."""
    params = list(net.circuit.parameters)
    # encoding_coefficients indexes the parameters: list the inputs only, in input order
    return _Reindexed(net.circuit, [params[c] for c in net.input_cols])


def _weights_bound(net: Network, w: np.ndarray):
    """A re-uploading circuit with its weights bound: the inputs enter once per layer (and
    with input scaling, times a trained weight), so the whole circuit is the encoding."""
    params = list(net.circuit.parameters)
    bound = net.circuit.assign_parameters(
        {params[c]: float(v) for c, v in zip(net.weight_cols, w)}, inplace=False)
    return _Reindexed(bound, [params[c] for c in net.input_cols])


class _Reindexed:
    """A circuit whose ``parameters`` are listed as the network's inputs."""

    def __init__(self, circuit, params):
        self.data = circuit.data
        self.parameters = params


def _output(ev, net: Network, X: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    vals = net.values(X, w)
    size = states_per_chunk(net.circuit.num_qubits)
    parts = [ev.expectation_values(net.circuit, net.observables[k], vals[s:s + size])
             for s in range(0, vals.shape[0], size)]
    return np.concatenate(parts)
