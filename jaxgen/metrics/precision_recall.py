"""Improved precision and recall (Kynkäänniemi et al. 2019, §2): each set's manifold is the
union of balls around its features, each ball's radius the distance to that feature's k-th
nearest neighbour in its own set (k = 3, the paper's choice), and

    precision = fraction of generated features inside the real manifold,
    recall    = fraction of real features inside the generated manifold.

Distances are Euclidean in float64, computed in row blocks so that memory stays at
``block`` × N rather than N × M.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jaxgen.errors import JaxgenError


@dataclass(frozen=True)
class PrecisionRecall:
    """``precision`` and ``recall``, each a fraction in [0, 1]."""

    precision: float
    recall: float


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T, 0.0)


def knn_radii(features: np.ndarray, k: int, block: int = 1024) -> np.ndarray:
    """Each feature's squared distance to its k-th nearest other feature of the same set."""
    radii = np.empty(len(features))
    for start in range(0, len(features), block):
        rows = _squared_distances(features[start : start + block], features)
        # the k-th smallest after the feature itself (distance 0, sorted first)
        radii[start : start + block] = np.partition(rows, k, axis=1)[:, k]
    return radii


def fraction_inside(
    queries: np.ndarray, centres: np.ndarray, radii: np.ndarray, block: int = 1024
) -> float:
    """The fraction of ``queries`` within the squared radius of at least one centre."""
    inside = 0
    for start in range(0, len(queries), block):
        rows = _squared_distances(queries[start : start + block], centres)
        inside += int((rows <= radii[None]).any(1).sum())
    return inside / len(queries)


def precision_recall(
    real: np.ndarray, generated: np.ndarray, *, k: int = 3, block: int = 1024
) -> PrecisionRecall:
    """Precision and recall of ``generated`` features (M, d) against ``real`` ones (N, d),
    each ball's radius the distance to the ``k``-th neighbour, distances taken ``block``
    rows at a time."""
    real, generated = np.asarray(real, np.float64), np.asarray(generated, np.float64)
    if min(len(real), len(generated)) <= k:
        raise JaxgenError(
            f"precision and recall with k = {k} need more than {k} features per set; "
            f"got {len(real)} real and {len(generated)} generated"
        )
    return PrecisionRecall(
        precision=fraction_inside(generated, real, knn_radii(real, k, block), block),
        recall=fraction_inside(real, generated, knn_radii(generated, k, block), block),
    )
