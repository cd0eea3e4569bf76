"""scikit-learn's bundled 8x8 handwritten digits (1797 images, no download needed).

Pixels (integers 0..16) are scaled to [-1, 1] as ``x / 8 - 1`` and shaped (N, 8, 8, 1).
The train/test split is stratified by class and fixed: within each class, a permutation drawn
from ``numpy.random.default_rng(0)`` puts the first 20% (rounded down) in ``test``.
"""

from __future__ import annotations

import numpy as np

from jaxgen.data.batching import ArrayDataset
from jaxgen.errors import JaxgenError

TEST_FRACTION = 0.2
SPLITS = ("train", "test", "all")


def _stratified_test_mask(labels: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(0)
    mask = np.zeros(len(labels), bool)
    for c in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == c))
        mask[rows[: int(len(rows) * TEST_FRACTION)]] = True
    return mask


def load_digits_arrays(split: str = "train") -> dict[str, np.ndarray]:
    """``{"x": (N, 8, 8, 1) float32 in [-1, 1], "label": (N,) int32}`` for ``split``."""
    if split not in SPLITS:
        raise JaxgenError(f"unknown digits split {split!r}; use one of {', '.join(SPLITS)}")
    from sklearn.datasets import load_digits  # here, not at import: sklearn takes 2 s to import

    raw = load_digits()
    x = (raw.images.astype(np.float32) / 8.0 - 1.0)[..., None]
    labels = raw.target.astype(np.int32)
    if split == "all":
        return {"x": x, "label": labels}
    test = _stratified_test_mask(labels)
    keep = test if split == "test" else ~test
    return {"x": x[keep], "label": labels[keep]}


def digits_dataset(split: str = "train", seed: int = 0) -> ArrayDataset:
    return ArrayDataset(f"digits/{split}", load_digits_arrays(split), seed, num_classes=10)
