"""Ground-truth Wasserstein-1 distances between sample sets.

* 1-D: for equal-size samples, W1 = mean_i |a_(i) − b_(i)| of the sorted values (the
  quantile coupling is optimal in 1-D).
* Sliced W1 (Rabin et al. 2011; Bonneel et al. 2015): the mean of the 1-D W1 of the
  projections onto ``num_projections`` random unit directions θ (from ``seed``); a lower
  bound on W1 that, unlike it, is cheap in 2-D.
"""

from __future__ import annotations

import numpy as np

from jaxgen.errors import JaxgenError


def wasserstein_1d(a: np.ndarray, b: np.ndarray) -> float:
    """W1 between the equal-size 1-D samples ``a`` and ``b`` (flattened): the mean absolute
    difference of their sorted values."""
    a, b = np.ravel(a), np.ravel(b)
    if a.shape != b.shape:
        raise JaxgenError(f"W1 needs equal sample sizes, got {a.size} and {b.size}; subsample one")
    return float(np.mean(np.abs(np.sort(a) - np.sort(b))))


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, num_projections: int = 200, seed: int = 0):
    """Sliced W1 between the equal-size samples ``a`` and ``b``, both (n, d): the mean of
    :func:`wasserstein_1d` over ``num_projections`` random unit directions drawn from
    ``seed``."""
    directions = np.random.default_rng(seed).standard_normal((num_projections, a.shape[1]))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return float(np.mean([wasserstein_1d(a @ d, b @ d) for d in directions]))
