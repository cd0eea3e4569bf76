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
from jaxgen.data.images import AS_STORED, Preprocessing
from jaxgen.data.tfds_source import NAMES as TFDS_NAMES
from jaxgen.data.tfds_source import is_tfds_name, tfds_dataset
from jaxgen.errors import JaxgenError


class Dataset(Protocol):
    """What the training loop and the steps read: the structural type of every dataset.

    ``name`` identifies it in messages; ``element_shape`` is the shape of one example's
    ``"x"``; ``get_batch(index, batch_size, rows=None)`` returns batch ``index`` of the
    deterministic schedule (:mod:`jaxgen.data.batching`) as ``{"x": ..., "label": ...}``
    (``"label"`` where the source has one), ``rows`` selecting this process's share of the
    global batch.
    """

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
    preprocessing: Preprocessing = AS_STORED,
    channels: int = 3,
) -> Dataset:
    """The dataset called ``name``; see ``known_names()`` for the choices.

    Args:
      name: a toy density (``ring8``, ``moons``, ...), ``digits``, a TFDS name (``mnist``,
        ``cifar10``, ``celeb_a``, ``cycle_gan/<pair>``, ...) or ``folder``.
      split: the split to read (``digits``: ``train``, ``test`` or ``all``; TFDS: the
        dataset's own, e.g. ``trainA``); toy densities have one endless stream and ignore it.
      seed: the seed of the batch schedule (and of a toy density's samples).
      data_dir: where prepared TFDS data or a folder's images are.
      preprocessing: TFDS images' crops, resize and flips; ``folder`` reads only its
        ``image_size``, which it requires.
      channels: ``folder`` only: 3 (RGB) or 1 (greyscale).

    Returns:
      a :class:`Dataset`.
    """
    if name in toy.DENSITIES:
        return toy.toy_dataset(name, seed)
    if name == "digits":
        return digits.digits_dataset(split, seed)
    if name == FOLDER:
        size = preprocessing.image_size
        if data_dir is None or size is None:
            raise JaxgenError("the folder dataset needs `data_dir` and `image_size`; set both")
        return image_folder_dataset(data_dir, image_size=size, channels=channels, seed=seed)
    if is_tfds_name(name):
        return tfds_dataset(
            name, split=split, seed=seed, data_dir=data_dir, preprocessing=preprocessing
        )
    raise JaxgenError(f"unknown dataset {name!r}; choose one of: {known_names()}")
