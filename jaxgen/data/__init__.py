"""Deterministic data: batch n is a pure function of (seed, n)."""

from jaxgen.data.batching import (
    ArrayDataset,
    batch_indices,
    dispatch_batch,
    leading_axes,
    rng_for,
)
from jaxgen.data.images import Preprocessing
from jaxgen.data.registry import Dataset, get_dataset

__all__ = [
    "ArrayDataset",
    "Dataset",
    "Preprocessing",
    "batch_indices",
    "dispatch_batch",
    "get_dataset",
    "leading_axes",
    "rng_for",
]
