"""The result of a gradient-variance sweep, its statistics, and its serialisations."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

import numpy as np

from ..execution.noise import describe
from ..jsonable import plain as _plain
from ..stats import fit_decay, variance_with_stderr  # noqa: F401  (re-exported)


def _array(a):
    return np.array([np.nan if x is None else x for x in np.ravel(np.array(a, dtype=object))],
                    dtype=float).reshape(np.shape(np.array(a, dtype=object)))


@dataclass
class PlateauResult:
    """Gradient statistics per (qubits, layers).

    ``variances``, ``means``, ``stderr`` are 1-D over ``qubits`` when ``layers`` is an
    int, and ``(len(qubits), len(layers))`` when it is a list.  ``decay_rate`` is the
    fitted slope of ln variance per added qubit (negative when it decays); per layer
    count when depth is swept.  ``reference`` is the 2-design variance per width.
    Points not reached before a Stop hold NaN and ``stopped`` is True.
    """

    qubits: list
    layers: int | list
    variances: np.ndarray
    means: np.ndarray
    stderr: np.ndarray
    samples: int
    decay_rate: float | np.ndarray
    decay_rate_stderr: float | np.ndarray
    reference: np.ndarray
    ansatz: str = ""
    observable: str = ""
    param_index: int | str = 0
    init: dict = field(default_factory=lambda: {"name": "uniform"})
    seed: int | None = 0
    stopped: bool = False
    seconds: float = float("nan")
    #: "batched statevector" (the lab's simulator) or "generic evaluator" (circuits it
    #: cannot compile, with the reason in ``fallback_reason``).
    path: str = "batched statevector"
    fallback_reason: str | None = None

    @property
    def depth_swept(self) -> bool:
        """True when ``variances`` is qubits × layers (``layers`` a list swept at every width)."""
        return np.ndim(self.variances) == 2

    def layers_at(self) -> list[int]:
        """The depth of each row of the table: per width when the depth grew with width."""
        if isinstance(self.layers, (list, tuple)) and not self.depth_swept:
            return [int(v) for v in self.layers]
        return [int(self.layers)] * len(self.qubits) if not self.depth_swept else []

    def depth_decay(self) -> tuple[np.ndarray, np.ndarray]:
        """For a depth sweep: the fitted slope of ln variance per added layer at each width,
        and its standard error (Wang et al. 2021: local noise makes it negative whatever
        the ansatz, about ``2 ln(1 - p)`` times the gates a qubit meets per layer for
        depolarizing noise)."""
        if not self.depth_swept:
            raise ValueError("depth_decay: the result has a single layer count; sweep layers")
        var, se = np.asarray(self.variances, float), np.asarray(self.stderr, float)
        fits = [fit_decay(self.layers, var[i], se[i]) for i in range(len(self.qubits))]
        return np.array([f[0] for f in fits]), np.array([f[1] for f in fits])

    @property
    def label(self) -> str:
        """Short description of the configuration, for legends."""
        init = self.init.get("name", "uniform")
        if init == "small":
            init = f"small σ={self.init.get('width')}"
        if self.depth_swept:
            layers = "swept"
        elif isinstance(self.layers, (list, tuple)):
            ratios = {L / q for L, q in zip(self.layers, self.qubits)}
            if len(ratios) == 1 and float(next(iter(ratios))).is_integer():
                layers = f"{int(next(iter(ratios)))}·n"
            else:
                layers = f"{self.layers[0]}..{self.layers[-1]}"
        else:
            layers = self.layers
        param = "θ[all]" if self.param_index == "all" else f"θ[{self.param_index}]"
        return f"{self.ansatz}, {self.observable}, {init}, L={layers}, ∂{param}"

    def to_dict(self) -> dict:
        return {
            "qubits": [int(q) for q in self.qubits],
            "layers": ([int(v) for v in self.layers] if isinstance(self.layers, (list, tuple))
                       else int(self.layers)),
            "variances": _plain(np.asarray(self.variances)),
            "means": _plain(np.asarray(self.means)),
            "stderr": _plain(np.asarray(self.stderr)),
            "samples": int(self.samples),
            "decay_rate": _plain(np.asarray(self.decay_rate) if self.depth_swept
                                 else float(self.decay_rate)),
            "decay_rate_stderr": _plain(np.asarray(self.decay_rate_stderr) if self.depth_swept
                                        else float(self.decay_rate_stderr)),
            "reference": _plain(np.asarray(self.reference)),
            "ansatz": self.ansatz, "observable": self.observable,
            "param_index": self.param_index, "init": dict(self.init),
            "seed": self.seed, "stopped": bool(self.stopped),
            "seconds": _plain(float(self.seconds)),
            "path": self.path, "fallback_reason": self.fallback_reason,
            **({"noise": noise_data(self)} if getattr(self, "noise", None) else {}),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "PlateauResult":
        swept = np.ndim(_array(data["variances"])) == 2
        rate = data["decay_rate"]
        rate_se = data["decay_rate_stderr"]
        out = cls(
            qubits=list(data["qubits"]), layers=data["layers"],
            variances=_array(data["variances"]), means=_array(data["means"]),
            stderr=_array(data["stderr"]), samples=int(data["samples"]),
            decay_rate=_array(rate) if swept else (np.nan if rate is None else float(rate)),
            decay_rate_stderr=(_array(rate_se) if swept
                               else (np.nan if rate_se is None else float(rate_se))),
            reference=_array(data["reference"]), ansatz=data.get("ansatz", ""),
            observable=data.get("observable", ""), param_index=data.get("param_index", 0),
            init=dict(data.get("init", {"name": "uniform"})), seed=data.get("seed"),
            stopped=bool(data.get("stopped", False)),
            seconds=np.nan if data.get("seconds") is None else float(data["seconds"]),
            path=data.get("path", "batched statevector"),
            fallback_reason=data.get("fallback_reason"),
        )
        out.noise = data.get("noise")
        return out

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_json(cls, text: str) -> "PlateauResult":
        return cls.from_dict(json.loads(text))

    def to_rows(self) -> list[dict]:
        """One row per (qubits, layers) point: the table form."""
        per_width = None if self.depth_swept else self.layers_at()
        layers = list(self.layers) if self.depth_swept else [0]
        var = np.asarray(self.variances).reshape(len(self.qubits), len(layers))
        mean = np.asarray(self.means).reshape(var.shape)
        se = np.asarray(self.stderr).reshape(var.shape)
        rows = []
        for i, q in enumerate(self.qubits):
            for j, L in enumerate(layers):
                if per_width is not None:
                    L = per_width[i]
                rows.append({
                    "ansatz": self.ansatz, "observable": self.observable,
                    "init": self.init.get("name", "uniform"), "param_index": self.param_index,
                    "qubits": int(q), "layers": int(L), "samples": int(self.samples),
                    "mean": float(mean[i, j]), "variance": float(var[i, j]),
                    "stderr": float(se[i, j]), "reference": float(self.reference[i]),
                    # last, so readers of the columns before it are not disturbed
                    "noise": describe(getattr(self, "noise", None)),
                })
        return rows

    def to_csv(self) -> str:
        buf = io.StringIO()
        rows = self.to_rows()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()


def noise_data(result) -> dict | None:
    """The noise a result was measured under, as plain data without any backend object
    (a dict of numbers and the model name), or None."""
    noise = getattr(result, "noise", None)
    if noise is None:
        return None
    return {k: v for k, v in noise.items() if k != "backend"}


def combine_widths(results: list) -> "PlateauResult":
    """One result from runs of the same configuration at different widths (the panel
    runs one width at a time to draw as it goes); the decay is refitted over all."""
    if not results:
        raise ValueError("results: nothing to combine")
    first = results[0]
    if any(r.depth_swept for r in results):
        raise ValueError("results: combine single-depth runs only")
    qubits = [q for r in results for q in r.qubits]
    layers = [L for r in results for L in r.layers_at()]
    var = np.concatenate([np.asarray(r.variances, float) for r in results])
    se = np.concatenate([np.asarray(r.stderr, float) for r in results])
    rate, err = fit_decay(qubits, var, se)
    out = PlateauResult(
        qubits=qubits, layers=layers if len(set(layers)) > 1 else layers[0], variances=var,
        means=np.concatenate([np.asarray(r.means, float) for r in results]), stderr=se,
        samples=first.samples, decay_rate=rate, decay_rate_stderr=err,
        reference=np.concatenate([np.asarray(r.reference, float) for r in results]),
        ansatz=first.ansatz, observable=first.observable, param_index=first.param_index,
        init=dict(first.init), seed=first.seed, stopped=any(r.stopped for r in results),
        seconds=float(sum(r.seconds for r in results)),
        path=("generic evaluator" if any(r.path != first.path for r in results) else first.path),
        fallback_reason=next((r.fallback_reason for r in results if r.fallback_reason), None))
    out.noise = getattr(first, "noise", None)
    return out
