"""Deterministic batching: batch ``n`` is a pure function of ``(seed, n)``.

For a finite dataset of ``N`` examples and batch size ``B`` (the last partial batch of an epoch
is dropped, so an epoch has ``N // B`` batches)::

    epoch    = n // (N // B)
    position = n %  (N // B)
    perm     = permutation of range(N) drawn from numpy's PCG64 seeded with (seed, epoch)
    batch n  = perm[position * B : (position + 1) * B]

Nothing is carried between batches, so a run resumed at batch ``n`` reads exactly the examples
an uninterrupted run would, without saving any iterator state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jaxgen.errors import JaxgenError

Batch = dict[str, np.ndarray]


def rng_for(seed: int, *path: int) -> np.random.Generator:
    """A numpy generator determined by ``(seed, *path)`` alone (numpy's SeedSequence)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), *map(int, path)]))


def batch_indices(seed: int, index: int, batch_size: int, num_examples: int) -> np.ndarray:
    """Row indices of batch ``index``: see the module docstring for the formula."""
    if batch_size > num_examples:
        raise JaxgenError(
            f"batch size {batch_size} exceeds the dataset's {num_examples} examples; "
            "lower the batch size"
        )
    per_epoch = num_examples // batch_size
    epoch, position = divmod(int(index), per_epoch)
    perm = rng_for(seed, epoch).permutation(num_examples)
    return perm[position * batch_size : (position + 1) * batch_size]


def select_rows(batch: Batch, rows: slice | None) -> Batch:
    """This process's share of a global batch (all of it when ``rows`` is None)."""
    if rows is None:
        return batch
    return {k: v[rows] for k, v in batch.items()}


@dataclass(frozen=True)
class ArrayDataset:
    """A finite dataset held in memory as named arrays with a common leading axis.

    ``get_batch(n, B)`` returns batch ``n`` of the deterministic schedule above; ``arrays``
    gives the whole split (for evaluation).
    """

    name: str
    arrays: Batch
    seed: int = 0

    def __post_init__(self):
        sizes = {k: len(v) for k, v in self.arrays.items()}
        if len(set(sizes.values())) != 1:
            raise JaxgenError(f"dataset {self.name!r} has arrays of unequal length {sizes}")

    @property
    def num_examples(self) -> int:
        return len(next(iter(self.arrays.values())))

    @property
    def element_shape(self) -> tuple[int, ...]:
        return tuple(self.arrays["x"].shape[1:])

    def get_batch(self, index: int, batch_size: int, rows: slice | None = None) -> Batch:
        idx = batch_indices(self.seed, index, batch_size, self.num_examples)
        if rows is not None:
            idx = idx[rows]
        return {k: v[idx] for k, v in self.arrays.items()}
