"""The kernel a person looks at: the Gram matrix of the experiment's feature map (or of a
fitted trainable-kernel model) on a seeded subsample of the training data.

    view = qb.kernels.kernel_view(spec, dataset)          # feature-map kernel
    view = qb.kernels.kernel_view(spec, dataset, model)   # the trained one, after qkt_qsvc
    view.matrix, view.labels, view.alignment
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import circuits
from ..datasets import STATES, as_states
from ..errors import SpecError
from ..execution import check_noise, evaluator_for
from . import matrix as kernels
from .projected import BANDWIDTH_DEFAULTS, bandwidth, bloch_vectors, projected_matrix

#: Models whose kernel is the projected kernel of the feature map, not its fidelity.
PROJECTED_MODELS = ("projected_qsvc",)
#: Training points used at most (the matrix and its heatmap grow with the square).
MAX_POINTS = 120


def subsample(X, y, max_points: int = MAX_POINTS, seed: int = 0):
    """``(X, y)`` with at most ``max_points`` rows, drawn without replacement by ``seed``
    and kept in their original order; all rows when there are no more than that."""
    X, y = np.asarray(X, float), np.asarray(y)
    keep = subsample_index(len(X), max_points, seed)
    return X[keep], y[keep]


def subsample_index(n: int, max_points: int = MAX_POINTS, seed: int = 0) -> np.ndarray:
    """The rows :func:`subsample` keeps of ``n``, in order."""
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, int(max_points), replace=False))


def trained_kernel(model):
    """``(weights, X) -> K`` of a fitted trainable-kernel model (``qkt_qsvc``), else None."""
    fn = getattr(model, "_kernel_at", None)
    if fn is None or getattr(model, "weights_", None) is None \
            or getattr(model, "initial_point_", None) is None:
        return None
    return fn


def is_state_data(dataset) -> bool:
    """Whether ``dataset``'s rows are statevectors (quantum data), not features."""
    return getattr(dataset, "inputs", None) == STATES


def feature_map_for(spec, num_features: int):
    """The spec's feature map at the width the data gives."""
    fm, _ = circuits.from_spec(spec.circuit, num_features)
    return fm


@dataclass
class KernelView:
    """What the kernel view draws: ``matrix`` on ``X`` (the subsample), ``labels`` (None
    for regression), whether it is the ``trained`` kernel and, for a trained classifier,
    the kernel-target ``alignment`` before and after training."""

    matrix: np.ndarray
    X: np.ndarray
    y: np.ndarray
    labels: np.ndarray | None
    class_names: list | None
    trained: bool
    alignment: tuple[float, float] | None = None
    feature_map: str = ""
    reps: int = 1
    #: the data are states and the matrix is their own fidelity (no feature map)
    states: bool = False
    #: the projected kernel of the feature map (``projected_qsvc``), with bandwidth ``gamma``
    projected: bool = False
    gamma: float | None = None

    @property
    def n_points(self) -> int:
        return len(self.X)


def kernel_view(spec, dataset, model=None, max_points: int = MAX_POINTS,
                evaluator=None) -> KernelView:
    """The Gram matrix on (up to ``max_points`` of) ``dataset``'s training data, drawn with
    ``spec.seed``; ``model``, when it is a fitted trainable-kernel model, gives its trained
    kernel and the alignment it gained over the kernel it started from.  ``evaluator``
    computes the feature-map kernel (default: the exact noiseless one; a noisy evaluator
    gives Tr(rho sigma)).  On quantum data (``dataset.inputs == "states"``) the matrix is
    the fidelity ``|<psi_i|psi_j>|^2`` of the states themselves, as ``state_qsvc`` uses."""
    X, y = subsample(dataset.X_train, dataset.y_train, max_points, spec.seed)
    classification = dataset.task == "classification"
    states = is_state_data(dataset)
    trained = trained_kernel(model)
    alignment = None
    projected, gamma = False, None
    if trained is not None:
        K = np.asarray(trained(model.weights_, X))
        if classification:
            K0 = np.asarray(trained(model.initial_point_, X))
            alignment = (float(kernels.kernel_target_alignment(K0, y)),
                         float(kernels.kernel_target_alignment(K, y)))
    elif getattr(model, "gamma_", None) is not None and hasattr(model, "gram"):
        K = np.asarray(model.gram(X))   # a kernel that is not the fidelity (projected_qsvc)
        projected, gamma = True, float(model.gamma_)
    elif spec.model.name in PROJECTED_MODELS and not states:
        # before its model is fitted: the kernel it will use, with the bandwidth it learns
        # from the whole training set (the fidelity kernel would be another kernel)
        fmc = feature_map_for(spec, X.shape[1])
        params = {**BANDWIDTH_DEFAULTS, **{k: v for k, v in (spec.model.params or {}).items()
                                           if k in BANDWIDTH_DEFAULTS}}
        bloch = bloch_vectors(fmc, dataset.X_train, evaluator)
        gamma = bandwidth(bloch, params["gamma"], params["gamma_factor"])
        keep = subsample_index(len(bloch), max_points, spec.seed)   # the rows of X
        K = projected_matrix(bloch[keep], None, gamma)
        projected = True
    elif states:
        # the rows are statevectors as [Re | Im] columns: a feature map over those 2^(q+1)
        # numbers is neither what state_qsvc uses nor simulable; the kernel is the states' own
        K = kernels.fidelity_matrix(as_states(X, "dataset.X_train"))
    else:
        K = np.asarray(kernels.kernel_matrix(feature_map_for(spec, X.shape[1]), X,
                                             evaluator=evaluator))
    fm = spec.circuit.feature_map
    return KernelView(matrix=K, X=X, y=y, labels=y if classification else None,
                      class_names=getattr(dataset, "class_names", None),
                      trained=trained is not None, alignment=alignment,
                      feature_map="" if states else fm.name, reps=fm.reps, states=states,
                      projected=projected, gamma=gamma)


@dataclass
class NoisyKernelViews:
    """The kernel view without noise (``ideal``) and under ``noise`` (``noisy``), on the same
    points (and, after a trainable-kernel model, the same trained weights), with the spread
    (standard deviation) of each one's off-diagonal values: noise flattens a kernel towards
    a constant (noise-induced concentration, Thanasilp et al. 2022), so ``concentration``,
    the noisy spread over the ideal one, falls below 1 as the noise grows."""

    ideal: KernelView
    noisy: KernelView
    noise: dict
    ideal_std: float
    noisy_std: float
    path: str = ""

    @property
    def concentration(self) -> float:
        return self.noisy_std / self.ideal_std if self.ideal_std > 0 else float("nan")


def noisy_kernel_views(spec, dataset, noise, model=None, max_points: int = MAX_POINTS,
                       ideal: KernelView | None = None) -> NoisyKernelViews:
    """:func:`kernel_view` without noise and under ``noise`` (an ``execution.noise``
    setting); ``ideal`` reuses a noiseless view computed before."""
    noise = check_noise(noise, "execution.noise")
    if noise is None:
        raise SpecError("execution.noise", None, reason="must be a noise setting to compare "
                                                        "with the noiseless kernel")
    if is_state_data(dataset):
        raise SpecError("execution.noise", noise, reason=(
            f"does not apply to the kernel of {getattr(dataset, 'name', 'this dataset')}: its "
            f"inputs are exact states and the kernel is their fidelity, with no circuit for "
            f"the noise to act on; set execution.noise to None (noiseless)"))
    quantum = hasattr(model, "with_noise")
    if ideal is None:
        ideal = kernel_view(spec, dataset, model.with_noise(None) if quantum else None,
                            max_points)
    ev = evaluator_for({"noise": noise})
    noisy = kernel_view(spec, dataset, model.with_noise(noise) if quantum else None,
                        max_points, evaluator=ev)
    return NoisyKernelViews(ideal=ideal, noisy=noisy, noise=noise,
                            ideal_std=kernels.kernel_stats(ideal.matrix)["offdiag_std"],
                            noisy_std=kernels.kernel_stats(noisy.matrix)["offdiag_std"],
                            path=ev.path)


__all__ = ["MAX_POINTS", "KernelView", "kernel_view", "subsample", "trained_kernel",
           "feature_map_for", "NoisyKernelViews", "noisy_kernel_views", "is_state_data"]
