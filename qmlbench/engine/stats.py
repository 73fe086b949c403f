"""Statistics shared by the studies (plateau, kernels, insight): a variance with its
standard error, and the decay rate of a variance against qubits."""

from __future__ import annotations

import math

import numpy as np


def variance_with_stderr(grads: np.ndarray) -> tuple[float, float, float]:
    """``(mean, variance, stderr of the variance)`` of gradients ``(samples, params)``.

    The variance is the unbiased sample variance per parameter, averaged over the
    parameters.  Its standard error comes from the per-sample spread of
    ``z_b = mean_p (g_bp - ḡ_p)²`` (whose mean is the variance up to (N-1)/N), which
    keeps the correlations between parameters of one sample.
    """
    g = np.asarray(grads, dtype=float)
    if g.ndim == 1:
        g = g[:, None]
    n = g.shape[0]
    mean = float(g.mean())
    dev2 = (g - g.mean(axis=0)) ** 2
    z = dev2.mean(axis=1)
    var = float(z.sum() / (n - 1)) if n > 1 else float("nan")
    se = float(z.std(ddof=1) / math.sqrt(n) * n / (n - 1)) if n > 2 else float("nan")
    return mean, var, se


def fit_decay(qubits, variances, stderr) -> tuple[float, float]:
    """Slope of ln(variance) against qubits by weighted least squares.

    Weights are 1/σ² with σ = stderr/variance (the standard error of ln variance).
    The slope's uncertainty is scaled by sqrt(χ²/dof) when that exceeds 1 (Birge
    ratio), so a curve that is not a clean exponential reports a wider interval.
    Points with a non-positive or missing variance are left out; fewer than two
    points give NaN.
    """
    x = np.asarray(qubits, dtype=float)
    v = np.asarray(variances, dtype=float)
    s = np.asarray(stderr, dtype=float)
    ok = np.isfinite(v) & (v > 0) & np.isfinite(s)
    if ok.sum() < 2 or len(np.unique(x[ok])) < 2:
        return float("nan"), float("nan")
    x, y = x[ok], np.log(v[ok])
    sig = np.where(s[ok] > 0, s[ok] / v[ok], np.nan)
    if np.all(np.isnan(sig)):
        sig = np.ones_like(y)
    sig = np.where(np.isnan(sig), np.nanmax(sig), sig)
    w = 1.0 / sig ** 2
    xm = np.sum(w * x) / np.sum(w)
    ym = np.sum(w * y) / np.sum(w)
    sxx = np.sum(w * (x - xm) ** 2)
    slope = float(np.sum(w * (x - xm) * (y - ym)) / sxx)
    err = math.sqrt(1.0 / sxx)
    dof = len(x) - 2
    if dof > 0:
        chi2 = float(np.sum(w * (y - ym - slope * (x - xm)) ** 2))
        err *= math.sqrt(max(1.0, chi2 / dof))
    return slope, float(err)


def variance_stderr(values: np.ndarray) -> float:
    """Standard error of the sample variance of i.i.d. draws:
    sqrt((mu4 - (m-3)/(m-1) sigma^4) / m)."""
    m = values.size
    centred = values - values.mean()
    sigma2 = float(np.mean(centred ** 2))
    mu4 = float(np.mean(centred ** 4))
    return math.sqrt(max(mu4 - (m - 3) / (m - 1) * sigma2 ** 2, 0.0) / m)
