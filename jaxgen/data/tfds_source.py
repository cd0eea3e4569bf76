"""TFDS datasets read through ``tfds.data_source`` (ArrayRecord; no TensorFlow needed).

Supported: mnist, fashion_mnist, cifar10, celeb_a and cycle_gan/<pair> (splits trainA,
trainB, testA, testB). Records are chosen by the deterministic schedule of
:mod:`jaxgen.data.batching`, decoded on the host and preprocessed with
:mod:`jaxgen.data.images`: optional center crop (celeb_a is usually cropped to 108 before
resizing), resize to ``image_size``, then the random crop and flip. Nothing is downloaded:
prepare the data once with ``tfds build <name> --data_dir=DIR`` (this step needs TensorFlow:
``pip install 'jaxgen[tfds-prepare]'``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jaxgen.data import images
from jaxgen.data.batching import Batch, batch_indices
from jaxgen.errors import JaxgenError

NAMES = ("mnist", "fashion_mnist", "cifar10", "celeb_a")
CYCLE_GAN_PREFIX = "cycle_gan/"
LABELLED = {"mnist": 10, "fashion_mnist": 10, "cifar10": 10}  # name: classes


def is_tfds_name(name: str) -> bool:
    return name in NAMES or name.startswith(CYCLE_GAN_PREFIX)


def _open(name: str, split: str, data_dir: str | None):
    hint = f"prepare it with `tfds build {name} --data_dir=DIR` (needs jaxgen[tfds-prepare])"
    try:  # here, not at import: only TFDS datasets need the package (and it takes seconds)
        import tensorflow_datasets as tfds
    except ImportError:
        raise JaxgenError(
            f"reading TFDS dataset {name!r} needs tensorflow-datasets; "
            "pip install tensorflow-datasets"
        ) from None
    try:
        return tfds.data_source(name, split=split, data_dir=data_dir, download=False)
    except tfds.core.registered.DatasetNotFoundError:
        raise JaxgenError(f"unknown TFDS dataset {name!r}; check the name") from None
    except (ValueError, KeyError) as err:
        if "`splits` is empty" in str(err):  # a dataset folder without prepared records
            raise JaxgenError(
                f"{name!r} is not prepared in data_dir {data_dir!r}; {hint}"
            ) from None
        if "split" in str(err).lower():
            raise JaxgenError(f"TFDS dataset {name!r} has no split {split!r}; {err}") from None
        raise JaxgenError(f"cannot read {name!r} from {data_dir}: {err}; {hint}") from None
    except (FileNotFoundError, NotImplementedError, AssertionError):
        raise JaxgenError(
            f"{name!r} is not prepared as ArrayRecord in data_dir {data_dir!r}; {hint}"
        ) from None


@dataclass(frozen=True, kw_only=True)
class TfdsDataset:
    """A TFDS split as a deterministic dataset; see the module docstring."""

    name: str
    split: str
    seed: int = 0
    data_dir: str | None = None
    preprocessing: images.Preprocessing = images.AS_STORED
    source: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.source is None:
            object.__setattr__(self, "source", _open(self.name, self.split, self.data_dir))

    @property
    def num_examples(self) -> int:
        return len(self.source)

    @property
    def num_classes(self) -> int | None:
        """The classes its ``"label"`` ranges over, or None where batches carry no label."""
        return LABELLED.get(self.name)

    @property
    def element_shape(self) -> tuple[int, ...]:
        first = self.preprocessing.prepare(np.asarray(self.source[0]["image"]))
        size = self.preprocessing.output_side(first.shape[0])
        return (size, size, first.shape[2])

    def examples(self, start: int, stop: int) -> Batch:
        """Examples ``start`` to ``stop`` in stored order, without the random crop and flip
        (a random crop's side is cut from the centre): what reference statistics read."""
        records = [self.source[i] for i in range(start, min(stop, self.num_examples))]
        x = np.stack([self.preprocessing.prepare(np.asarray(r["image"])) for r in records])
        if self.preprocessing.random_crop is not None:
            x = np.stack([images.center_crop(image, self.preprocessing.random_crop) for image in x])
        return {"x": images.to_unit_range(x)}

    def get_batch(self, index: int, batch_size: int, rows: slice | None = None) -> Batch:
        idx = batch_indices(self.seed, index, batch_size, self.num_examples)
        records = [self.source[int(i)] for i in idx]
        x = np.stack([self.preprocessing.prepare(np.asarray(r["image"])) for r in records])
        batch = {"x": images.to_unit_range(self.preprocessing.jitter(x, self.seed, index))}
        if self.name in LABELLED:
            batch["label"] = np.asarray([r["label"] for r in records], np.int32)
        if rows is not None:
            batch = {k: v[rows] for k, v in batch.items()}
        return batch


def tfds_dataset(
    name: str,
    *,
    split: str = "train",
    seed: int = 0,
    data_dir: str | None = None,
    preprocessing: images.Preprocessing = images.AS_STORED,
) -> TfdsDataset:
    """The TFDS dataset ``name``'s ``split``, read from ``data_dir`` (prepared there as
    ArrayRecord), batched by ``seed``'s schedule, its images through ``preprocessing``."""
    return TfdsDataset(
        name=name, split=split, seed=seed, data_dir=data_dir, preprocessing=preprocessing
    )
