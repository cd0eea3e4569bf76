"""Ground-truth Wasserstein-1 distances between sample sets.

* 1-D: for equal-size samples, W1 = mean_i |a_(i) − b_(i)| of the sorted values (the
  quantile coupling is optimal in 1-D).
* Sliced W1 (Rabin et al. 2011; Bonneel et al. 2015): the mean of the 1-D W1 of the
  projections onto ``num_projections`` random unit directions θ (from ``seed``); a lower
  bound on W1 that, unlike it, is cheap in 2-D.
* The earth mover's distance (the lecture's W(p_r, p_g) = inf over couplings γ of
  E_γ ‖x − y‖): exact W1 between two equal-size samples in any dimension by optimal
  assignment, O(n³).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

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


def earth_movers_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Exact W1 between the equal-size samples ``a`` and ``b`` (n points each, every row
    flattened; 1-D samples of shape (n,) are n points on a line)::

        W1 = min over permutations σ of (1/n) Σ_i ‖a_i − b_σ(i)‖₂

    This is the lecture's W(p_r, p_g) = inf_{γ ∈ Π(p_r, p_g)} E_γ ‖x − y‖ for the two empirical
    measures: their couplings are the doubly stochastic n×n matrices divided by n, the cost is
    linear in γ, so a vertex of that (Birkhoff) polytope attains the minimum, and by the
    Birkhoff–von Neumann theorem the vertices are the permutation matrices. The permutation is
    found by ``scipy.optimize.linear_sum_assignment`` on the Euclidean cost matrix: O(n³) time
    and O(n²) memory.
    """
    a, b = _points(a), _points(b)
    if len(a) != len(b):
        raise JaxgenError(
            f"the earth mover's distance needs equal sample sizes, got {len(a)} and {len(b)}; "
            "subsample the larger set"
        )
    if a.shape[1] != b.shape[1]:
        raise JaxgenError(
            f"the earth mover's distance needs points of one dimension, got {a.shape[1]} and "
            f"{b.shape[1]}; compare samples of the same space"
        )
    cost = cdist(a, b)
    rows, cols = linear_sum_assignment(cost)
    return float(np.mean(cost[rows, cols]))


def _points(x: np.ndarray) -> np.ndarray:
    """``x`` as a float64 matrix of points, one per row: (n,) → (n, 1), (n, ...) → (n, d)."""
    x = np.asarray(x, np.float64)
    return x.reshape(len(x), -1)
