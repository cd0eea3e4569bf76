"""What every family builder returns, and the config → dataset translation they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from jaxgen.core.loop import Task
from jaxgen.data import get_dataset


@dataclass(frozen=True)
class Experiment:
    """A task for the loop, its training data, and ``sample(state, key, n)`` in data space
    (toy data as (n, d); images as (n, H, W, C) in [-1, 1])."""

    task: Task
    dataset: Any
    sample: Callable[[Any, jax.Array, int], np.ndarray]


def load_dataset(config, split: str = "train"):
    """The dataset ``config.data`` describes (name, seed, and image options where given)."""
    data = config.data
    options = {
        key: data[key]
        for key in (
            "data_dir",
            "image_size",
            "channels",
            "center_crop",
            "random_crop",
            "random_flip",
        )
        if key in data
    }
    return get_dataset(data.name, split=split, seed=config.seed, **options)
