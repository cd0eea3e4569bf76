"""One entry point for every dataset: ``get_dataset(name, ...)``.

A dataset is any object with ``name``, ``element_shape`` and
``get_batch(index, batch_size, rows=None) -> dict[str, np.ndarray]`` (batch ``index`` of a
deterministic schedule; ``rows`` selects this process's share of the global batch). Images are
float32 (N, H, W, C) in [-1, 1] under key ``"x"``, with ``"label"`` where the source has one.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from jaxgen.data import digits, toy
from jaxgen.errors import JaxgenError


class Dataset(Protocol):
    name: str

    @property
    def element_shape(self) -> tuple[int, ...]: ...

    def get_batch(
        self, index: int, batch_size: int, rows: slice | None = None
    ) -> dict[str, np.ndarray]: ...


BUNDLED = (*toy.DENSITIES, "digits")


def known_names() -> str:
    return ", ".join(BUNDLED)


def get_dataset(name: str, *, split: str = "train", seed: int = 0) -> Dataset:
    """The dataset called ``name``; see ``known_names()`` for the choices."""
    if name in toy.DENSITIES:
        return toy.toy_dataset(name, seed)
    if name == "digits":
        return digits.digits_dataset(split, seed)
    raise JaxgenError(f"unknown dataset {name!r}; choose one of: {known_names()}")
