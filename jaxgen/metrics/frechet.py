"""Fréchet distance between Gaussians fitted to features (Heusel et al. 2017, eq. 6; FID).

    d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½)

computed in float64 through symmetric eigendecompositions: ``Σ₁^½`` from the eigenvalues of
Σ₁ (negative round-off clipped to 0), then the trace of the square root of the symmetric PSD
matrix ``Σ₁^½ Σ₂ Σ₁^½`` as the sum of the square roots of its eigenvalues. This equals the
usual ``Tr sqrtm(Σ₁ Σ₂)`` (pytorch-fid's ``calculate_frechet_distance``) without its complex
round-off, and stays finite for singular covariances. The feature function is pluggable.

With no more samples than feature dimensions the covariance is singular and d² is biased
upwards; :func:`frechet_distance` warns, naming the count.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from jaxgen.errors import JaxgenError


@dataclass(frozen=True)
class GaussianStats:
    """A Gaussian N(``mean``, ``cov``) fitted to features: ``mean`` (d,), ``cov`` (d, d),
    float64; ``num_samples``: how many features it was fitted to (``None``: not recorded, as
    in a statistics file from elsewhere)."""

    mean: np.ndarray
    cov: np.ndarray
    num_samples: int | None = None

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])


def gaussian_stats(features: np.ndarray) -> GaussianStats:
    """The sample mean and covariance (unbiased, ``np.cov``) of ``features`` (N, d)."""
    features = np.asarray(features, np.float64)
    return GaussianStats(
        features.mean(0), np.atleast_2d(np.cov(features, rowvar=False)), len(features)
    )


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(a: GaussianStats, b: GaussianStats) -> float:
    """d² between the Gaussians ``a`` and ``b`` (the module docstring's formula), clipped at
    0 against round-off."""
    if a.dim != b.dim:
        raise JaxgenError(
            f"the Fréchet distance compares statistics of {a.dim} and {b.dim} features; "
            "compute both with the same feature function (reference statistics of another "
            "network or layer cannot be used)"
        )
    for stats in (a, b):
        if stats.num_samples is not None and stats.num_samples <= stats.dim:
            warnings.warn(
                f"the Fréchet distance of {stats.num_samples} samples with {stats.dim} "
                "features is biased upwards (their covariance is singular); use more than "
                f"{stats.dim} samples (papers use 10,000 or 50,000)",
                stacklevel=2,
            )
    root_a = _psd_sqrt(a.cov)
    middle = root_a @ b.cov @ root_a
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    mean_term = float(((a.mean - b.mean) ** 2).sum())
    trace_term = float(np.trace(a.cov) + np.trace(b.cov) - 2 * trace_sqrt)
    return max(mean_term + trace_term, 0.0)  # d² ≥ 0; round-off can dip below by ~1e-6


def frechet_distance_of(
    samples_a: np.ndarray,
    samples_b: np.ndarray,
    feature_fn: Callable[[np.ndarray], np.ndarray],
    batch_size: int = 500,
) -> float:
    """The Fréchet distance between the features of two sample sets.

    Args:
      samples_a: the first set, (N, ...).
      samples_b: the second set, (M, ...).
      feature_fn: maps a batch of samples to features (n, d).
      batch_size: the samples ``feature_fn`` sees per call.

    Returns:
      d², as :func:`frechet_distance` of the two sets' :func:`gaussian_stats`.
    """

    def features(samples):
        parts = [
            feature_fn(samples[i : i + batch_size]) for i in range(0, len(samples), batch_size)
        ]
        return np.concatenate([np.asarray(p) for p in parts])

    return frechet_distance(
        gaussian_stats(features(samples_a)), gaussian_stats(features(samples_b))
    )
