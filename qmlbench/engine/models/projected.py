"""The projected quantum kernel SVC (Huang et al. 2021), the model Bowles et al. 2024 call
``ProjectedQuantumKernel``: an SVC on exp(-gamma sum_k ||rho_k(x) - rho_k(x')||_F^2), from
each qubit's reduced state after the feature map (``kernels.projected``).

Unlike the fidelity kernel it has a bandwidth, and it compares one-qubit states only, so
it does not concentrate the way the fidelity of two wide states does.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ._checks import check_fitted_X
from .kernel import QSVCModel

_POOR_SCORE = ("check_estimator's unscaled blobs fall outside the feature map's angle range, "
               "where the projected kernel fits under its 0.83 training accuracy")


class ProjectedQSVCModel(QSVCModel):
    """SVC on the projected quantum kernel of the feature map.

    ``gamma``: the bandwidth, a positive number or ``"scale"``: 2 / (n_qubits * Var) of the
    training Pauli expectations (Bowles et al.'s default, written for this normalisation);
    ``gamma_factor`` multiplies it (the paper's grid: 0.1, 1, 10).
    Learned: ``gamma_`` (the bandwidth used), ``bloch_train_`` ((n, n_qubits, 3) Bloch
    vectors of the training points), ``kernel_matrix_``, ``svm_``, ``feature_map_``.
    """

    _model_name = "projected_qsvc"
    _declared_tags = {"poor_score": _POOR_SCORE}
    _params = dict(kernels.BANDWIDTH_DEFAULTS)

    def _bloch(self, X):
        ev = self._get_evaluator()
        if not self.shots or self.seed is None:
            return kernels.bloch_vectors(self.feature_map_, X, evaluator=ev)
        # The evaluator samples from its seed afresh on every call: each measurement here
        # gets a seed of its own (seed, call), as the fidelity kernel's shots do, or test
        # row i would replay training row i's shot noise.
        self._bloch_calls = getattr(self, "_bloch_calls", 0) + 1
        seed = ev.seed
        ev.seed = int(np.random.SeedSequence([int(self.seed), self._bloch_calls])
                      .generate_state(1)[0])
        try:
            return kernels.bloch_vectors(self.feature_map_, X, evaluator=ev)
        finally:
            ev.seed = seed

    def _train_kernel(self, X, t, monitor):
        self._phase(monitor, 1, "kernel matrix")
        self._bloch_calls = 0      # a refit draws the same shot noise as the first fit
        self.bloch_train_ = self._bloch(X)
        self.gamma_ = kernels.bandwidth(self.bloch_train_, self.gamma, self.gamma_factor)
        K = kernels.projected_matrix(self.bloch_train_, None, self.gamma_)
        self._phase(monitor, 2, "fit")
        return K

    def _noise_changed(self) -> None:
        # the training side of the kernel is cached as Bloch vectors: under other noise they
        # are other vectors (the bandwidth gamma_ is learned, and stays)
        if hasattr(self, "bloch_train_"):
            self.bloch_train_ = self._bloch(self.X_train_)

    def _test_kernel(self, X):
        X = check_fitted_X(self, X, "X_train_")
        return kernels.projected_matrix(self._bloch(X), self.bloch_train_, self.gamma_)

    def gram(self, X):
        """The fitted kernel of ``X`` against itself (the kernel view draws it)."""
        X = check_fitted_X(self, X, "X_train_")
        return kernels.projected_matrix(self._bloch(X), None, self.gamma_)
