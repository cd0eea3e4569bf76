"""What every family builder returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from jaxgen.core.loop import Task


@dataclass(frozen=True)
class Experiment:
    """A task for the loop, its training data, and ``sample(state, key, n)`` in data space
    (toy data as (n, d); images as (n, H, W, C) in [-1, 1])."""

    task: Task
    dataset: Any
    sample: Callable[[Any, jax.Array, int], np.ndarray]
