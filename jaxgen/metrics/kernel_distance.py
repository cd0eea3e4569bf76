"""The Kernel Inception Distance (Bińkowski et al. 2018, §3): the squared maximum mean
discrepancy between two feature sets under the polynomial kernel

    k(x, y) = (xᵀy / d + 1)³,

estimated on ``subsets`` pairs of random subsets of ``subset_size`` features each (100 of
1000, the authors' and torch-fidelity's defaults), as the mean and standard deviation over
them. Each subset's estimate is the authors' unbiased one:

    MMD² = Σ_{i≠j} k(xᵢ, xⱼ) / (m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ) / (m(m−1)) − 2 Σ_{i,j} k(xᵢ, yⱼ) / m²

Subsets are drawn without replacement by ``np.random.RandomState(seed).choice``, the first
set's then the second's for each subset, as torch-fidelity draws them, so equal seeds give
equal values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jaxgen.errors import JaxgenError


@dataclass(frozen=True)
class KernelDistance:
    """The ``mean`` and standard deviation ``std`` of the subsets' MMD² estimates."""

    mean: float
    std: float


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """k(x, y) = (xᵀy / d + 1)³ for every row pair, float64."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def unbiased_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """The module docstring's unbiased MMD² of two equal-size sets."""
    m = len(x)
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2 * k_xy.sum() / m**2)


def kernel_distance(
    features_a: np.ndarray,
    features_b: np.ndarray,
    *,
    subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 2020,
) -> KernelDistance:
    """KID between ``features_a`` (N, d) and ``features_b`` (M, d): ``subsets`` pairs of
    ``subset_size`` features (lowered to min(N, M) when either set is smaller), drawn by
    ``RandomState(seed)``."""
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    if a.shape[1:] != b.shape[1:]:
        raise JaxgenError(f"KID compares features of one size; got {a.shape} and {b.shape}")
    size = min(subset_size, len(a), len(b))
    if size < 2:
        raise JaxgenError(f"KID needs at least 2 features per set; got {len(a)} and {len(b)}")
    rng = np.random.RandomState(seed)
    estimates = []
    for _ in range(subsets):
        pick_a = a[rng.choice(len(a), size, replace=False)]
        pick_b = b[rng.choice(len(b), size, replace=False)]
        estimates.append(unbiased_mmd2(pick_a, pick_b))
    return KernelDistance(float(np.mean(estimates)), float(np.std(estimates)))
