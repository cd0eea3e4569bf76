"""Unpaired two-domain data for translation (CycleGAN): batch ``n`` is
``{"a": n-th batch of domain A, "b": n-th batch of domain B}`` (plus ``"label_a"`` /
``"label_b"`` where a domain has labels), each domain on its own deterministic schedule
(:mod:`jaxgen.data.batching`; domain B's seed is ``seed + 1`` so that the two orders differ).

Sources:

* ``digit_styles``: the bundled 8x8 digits (A) against the same kind of digits restyled (B):
  strokes thickened one pixel to the right (a pixel becomes the maximum of itself and its
  left neighbour) and then inverted (x → −x); a thicker dilation would fill most of an 8x8
  image and blur the classes a translation must keep. For training the two domains come from
  disjoint halves of the ``train`` split (a fixed permutation: even positions A, odd B), so
  no digit appears in both; the ``test`` split gives every test digit in both styles, which
  the evaluation uses to judge translations.
* ``photos``: patches of scikit-learn's two bundled photographs, china.jpg (A) and
  flower.jpg (B), each downscaled by ``photo_scale``; batch ``n`` draws random
  ``image_size`` crops with horizontal flips from ``rng_for(seed, n)`` (the ``test`` split
  uses other draws).
* ``cycle_gan/<pair>``: TFDS's CycleGAN data, splits ``trainA``/``trainB`` with the TFDS
  source's resize / random crop / flip; for ``test``, ``testA``/``testB`` resized to the
  crop size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from jaxgen.data import images
from jaxgen.data.batching import ArrayDataset, Batch, rng_for, select_rows
from jaxgen.data.digits import load_digits_arrays
from jaxgen.data.tfds_source import CYCLE_GAN_PREFIX, tfds_dataset
from jaxgen.errors import JaxgenError

UNPAIRED = ("digit_styles", "photos", "cycle_gan/<pair>")
PHOTOS = ("china.jpg", "flower.jpg")
TEST_STREAM = 3  # the photos' test patches: draws disjoint from every training batch's


def thicken_and_invert(x: np.ndarray) -> np.ndarray:
    """Domain B's style for digits (N, H, W, 1) in [−1, 1]: −max(x, x shifted one pixel right),
    the shift filling the first column with background (−1)."""
    left_neighbour = np.pad(x, ((0, 0), (0, 0), (1, 0), (0, 0)), constant_values=-1.0)
    return -np.maximum(x, left_neighbour[:, :, :-1])


@dataclass(frozen=True)
class UnpairedDataset:
    """Two datasets read side by side; see the module docstring."""

    name: str
    domain_a: object
    domain_b: object

    def __post_init__(self):
        a, b = tuple(self.domain_a.element_shape), tuple(self.domain_b.element_shape)
        if a != b:
            raise JaxgenError(
                f"{self.name}: domain A's images are {a} but domain B's {b}; "
                "resize both domains to one shape (`image_size`)"
            )

    @property
    def element_shape(self) -> tuple[int, ...]:
        return tuple(self.domain_a.element_shape)

    def get_batch(self, index: int, batch_size: int, rows: slice | None = None) -> Batch:
        batch = {}
        for domain, source in (("a", self.domain_a), ("b", self.domain_b)):
            part = source.get_batch(index, batch_size, rows)
            batch[domain] = part["x"]
            if "label" in part:
                batch[f"label_{domain}"] = part["label"]
        return batch


def digit_styles(split: str, seed: int) -> UnpairedDataset:
    if split == "test":
        test = load_digits_arrays("test")
        styled = {"x": thicken_and_invert(test["x"]), "label": test["label"]}
        return UnpairedDataset(
            "digit_styles/test",
            ArrayDataset("digits/test", test, seed),
            ArrayDataset("digits/test/styled", styled, seed + 1),
        )
    train = load_digits_arrays(split)
    order = np.random.default_rng(0).permutation(len(train["x"]))
    half_a = {k: v[order[0::2]] for k, v in train.items()}
    half_b = {k: v[order[1::2]] for k, v in train.items()}
    half_b["x"] = thicken_and_invert(half_b["x"])
    return UnpairedDataset(
        f"digit_styles/{split}",
        ArrayDataset("digits/half_a", half_a, seed),
        ArrayDataset("digits/half_b/styled", half_b, seed + 1),
    )


@dataclass(frozen=True)
class PhotoPatches:
    """Random ``size`` x ``size`` crops (flipped with probability ½) of one photograph."""

    name: str
    photo: np.ndarray  # uint8 (H, W, 3)
    size: int
    seed: int
    stream: int = 0

    @property
    def element_shape(self) -> tuple[int, ...]:
        return (self.size, self.size, 3)

    def get_batch(self, index: int, batch_size: int, rows: slice | None = None) -> Batch:
        seed = int(rng_for(self.seed, self.stream, index).integers(2**31))
        stack = np.broadcast_to(self.photo, (batch_size, *self.photo.shape))
        crops = images.augment(stack, seed, index, self.size, random_flip=True)
        return select_rows({"x": images.to_unit_range(crops)}, rows)


def photo_patches(split: str, seed: int, size: int, scale: float) -> UnpairedDataset:
    from sklearn.datasets import load_sample_image  # here, not at import: sklearn takes 2 s

    stream = TEST_STREAM if split == "test" else 0
    domains = []
    for offset, file in enumerate(PHOTOS):
        photo = load_sample_image(file)
        h, w = round(photo.shape[0] * scale), round(photo.shape[1] * scale)
        if min(h, w) < size:
            raise JaxgenError(
                f"{file} scaled by {scale} is {h}x{w}, smaller than the {size}x{size} patches; "
                "raise `photo_scale` or lower `image_size`"
            )
        photo = np.asarray(Image.fromarray(photo).resize((w, h), Image.BILINEAR))
        domains.append(PhotoPatches(file, photo, size, seed + offset, stream))
    return UnpairedDataset(f"photos/{split}", *domains)


def get_unpaired_dataset(
    name: str,
    *,
    split: str = "train",
    seed: int = 0,
    image_size: int | None = None,
    photo_scale: float = 0.25,
    data_dir: str | None = None,
    random_crop: int | None = None,
    random_flip: bool = False,
) -> UnpairedDataset:
    """The two-domain dataset ``name`` (one of ``UNPAIRED``) for ``split`` (train or test)."""
    if split not in ("train", "test"):
        raise JaxgenError(f"unknown split {split!r} for unpaired data; use train or test")
    if name == "digit_styles":
        return digit_styles(split, seed)
    if name == "photos":
        if image_size is None:
            raise JaxgenError("the photos dataset needs `image_size` (the patch size); set it")
        return photo_patches(split, seed, image_size, photo_scale)
    if name.startswith(CYCLE_GAN_PREFIX):
        prefix = "train" if split == "train" else "test"
        if split == "train":
            preprocessing = images.Preprocessing(
                image_size=image_size, random_crop=random_crop, random_flip=random_flip
            )
        else:  # test images are resized to the training crop, not jittered
            preprocessing = images.Preprocessing(image_size=random_crop or image_size)
        options = {"data_dir": data_dir, "preprocessing": preprocessing}
        return UnpairedDataset(
            f"{name}/{split}",
            tfds_dataset(name, split=f"{prefix}A", seed=seed, **options),
            tfds_dataset(name, split=f"{prefix}B", seed=seed + 1, **options),
        )
    raise JaxgenError(f"unknown unpaired dataset {name!r}; choose one of: {', '.join(UNPAIRED)}")
