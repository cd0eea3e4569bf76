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
    """Row indices of batch ``index``: see the module docstring for the formula.

    Args:
      seed: the schedule's seed; with the epoch, it seeds the epoch's permutation.
      index: the batch's position in the schedule (0, 1, ...).
      batch_size: the rows per batch, at most ``num_examples``.
      num_examples: the dataset's size ``N``.

    Returns:
      ``batch_size`` distinct row indices in ``[0, num_examples)``.
    """
    if batch_size > num_examples:
        raise JaxgenError(
            f"batch size {batch_size} exceeds the dataset's {num_examples} examples; "
            "lower the batch size"
        )
    per_epoch = num_examples // batch_size
    epoch, position = divmod(int(index), per_epoch)
    perm = rng_for(seed, epoch).permutation(num_examples)
    return perm[position * batch_size : (position + 1) * batch_size]


def leading_axes(*, steps_per_dispatch: int = 1, sub_batches: int | None = None) -> int:
    """How many axes :func:`dispatch_batch` puts before the batch axis, given the same
    ``steps_per_dispatch`` and ``sub_batches``: 0, 1 or 2."""
    return int(steps_per_dispatch > 1) + int(sub_batches is not None)


def dispatch_batch(
    dataset,
    *,
    first_iteration: int,
    batch_size: int,
    steps_per_dispatch: int = 1,
    sub_batches: int | None = None,
    rows: slice | None = None,
) -> Batch:
    """The batches of the iterations ``first_iteration … first_iteration + n − 1`` (``n`` =
    ``steps_per_dispatch``), stacked in the layout ``scan_steps(step, n)`` of a step built by
    ``alternate(d_step, g_step, k)`` expects: leaves of shape ``(n, k, batch_size, ...)``.

    The ``n`` axis is there only when ``steps_per_dispatch > 1``, the ``k`` axis only when
    ``sub_batches`` (``k``) is given: a plain step takes ``(batch_size, ...)``. Iteration ``i``
    reads the dataset's batches ``i·k … i·k + k − 1`` (``k`` = 1 without sub-batches), so a run
    resumed at iteration ``i`` reads what an uninterrupted one reads. ``rows`` selects this
    process's share of each batch (:func:`jaxgen.core.parallel.process_rows`).
    """
    k = sub_batches or 1
    n = steps_per_dispatch
    flat = [dataset.get_batch(first_iteration * k + j, batch_size, rows) for j in range(n * k)]
    lead = ((n,) if n > 1 else ()) + ((k,) if sub_batches is not None else ())
    return {
        key: np.stack([b[key] for b in flat]).reshape(*lead, *flat[0][key].shape) for key in flat[0]
    }


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

    Args:
      name: the dataset's name, used in messages (e.g. ``"digits/train"``).
      arrays: the examples, e.g. ``{"x": (N, H, W, C), "label": (N,)}``; every array has
        the same length ``N``.
      seed: the seed of the batch schedule (:func:`batch_indices`).
      num_classes: the classes ``"label"`` ranges over (None: unlabelled).
    """

    name: str
    arrays: Batch
    seed: int = 0
    num_classes: int | None = None

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

    def examples(self, start: int, stop: int) -> Batch:
        """Examples ``start`` to ``stop`` in stored order."""
        return {k: v[start:stop] for k, v in self.arrays.items()}

    def get_batch(self, index: int, batch_size: int, rows: slice | None = None) -> Batch:
        idx = batch_indices(self.seed, index, batch_size, self.num_examples)
        if rows is not None:
            idx = idx[rows]
        return {k: v[idx] for k, v in self.arrays.items()}
