"""Samples drawn in chunks: :func:`draw_in_chunks` calls ``draw(state, key_i, chunk)`` with
``key_i = fold_in(key, i)`` for chunk i = 0, 1, … and trims the last chunk, so one compiled
sampler serves any count, and the samples are a pure function of (key, chunk size, count):
the first n of a larger draw are the n of a smaller one.
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
    if num_samples < 1 or chunk < 1:
        raise JaxgenError(
            f"`num_samples`={num_samples} in chunks of {chunk}: both must be at least 1"
        )
    starts = range(0, num_samples, chunk)
    for i, start in enumerate(tqdm(starts, desc="sampling", unit="chunk", disable=not progress)):
        samples = np.asarray(draw(state, jax.random.fold_in(key, i), chunk))
        yield samples[: num_samples - start]
