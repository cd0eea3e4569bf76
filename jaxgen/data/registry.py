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
from jaxgen.data.image_folder import image_folder_dataset
from jaxgen.data.tfds_source import NAMES as TFDS_NAMES
from jaxgen.data.tfds_source import is_tfds_name, tfds_dataset
from jaxgen.errors import JaxgenError


class Dataset(Protocol):
    name: str

    @property
    def element_shape(self) -> tuple[int, ...]: ...

    def get_batch(
        self, index: int, batch_size: int, rows: slice | None = None
    ) -> dict[str, np.ndarray]: ...


BUNDLED = (*toy.DENSITIES, "digits")
FOLDER = "folder"


def known_names() -> str:
    return ", ".join((*BUNDLED, *TFDS_NAMES, "cycle_gan/<pair>", FOLDER))


def get_dataset(
    name: str,
    *,
    split: str = "train",
    seed: int = 0,
    data_dir: str | None = None,
    image_size: int | None = None,
    channels: int = 3,
    center_crop: int | None = None,
    random_crop: int | None = None,
    random_flip: bool = False,
) -> Dataset:
    """The dataset called ``name``; see ``known_names()`` for the choices.

    ``folder`` reads the images under ``data_dir`` (``image_size`` required); TFDS names read
    prepared data from ``data_dir`` with the given preprocessing.
    """
    if name in toy.DENSITIES:
        return toy.toy_dataset(name, seed)
    if name == "digits":
        return digits.digits_dataset(split, seed)
    if name == FOLDER:
        if data_dir is None or image_size is None:
            raise JaxgenError("the folder dataset needs data_dir and image_size; set both")
        return image_folder_dataset(data_dir, image_size=image_size, channels=channels, seed=seed)
    if is_tfds_name(name):
        return tfds_dataset(
            name,
            split=split,
            seed=seed,
            data_dir=data_dir,
            image_size=image_size,
            center_crop=center_crop,
            random_crop=random_crop,
            random_flip=random_flip,
        )
    raise JaxgenError(f"unknown dataset {name!r}; choose one of: {known_names()}")
