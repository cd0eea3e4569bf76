"""Samples drawn in chunks: :func:`draw_in_chunks` calls ``draw(state, key_i, c)`` with
``key_i = fold_in(key, i)`` for chunk i = 0, 1, …, c = min(``chunk``, count), and trims the
last chunk, so one compiled sampler serves any count, and the samples are a pure function of
(key, chunk size, count): of two draws of at least ``chunk`` samples, the first n of the
larger are the n of the smaller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jax
import numpy as np
from tqdm import tqdm

from jaxgen.errors import JaxgenError


def draw_in_chunks(
    draw: Callable[[Any, jax.Array, int], np.ndarray],
    state,
    key: jax.Array,
    num_samples: int,
    chunk: int,
    *,
    progress: bool = False,
) -> Iterator[np.ndarray]:
    """The ``num_samples`` samples of the module docstring, one chunk at a time."""
    if num_samples < 1:
        raise JaxgenError(f"`num_samples`={num_samples} draws nothing; ask for at least 1")
    if chunk < 1:
        raise JaxgenError(f"`chunk`={chunk} samples per call: give at least 1")
    chunk = min(chunk, num_samples)  # a small draw is one call of its own size
    starts = range(0, num_samples, chunk)
    for i, start in enumerate(tqdm(starts, desc="sampling", unit="chunk", disable=not progress)):
        samples = np.asarray(draw(state, jax.random.fold_in(key, i), chunk))
        yield samples[: num_samples - start]
