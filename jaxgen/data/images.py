"""Host-side image preprocessing shared by the TFDS and image-folder sources (numpy + Pillow).

Images become float32 (H, W, C) in [-1, 1] as ``x / 127.5 − 1``. Augmentation randomness
(CycleGAN's jitter: resize, random crop, horizontal flip; Zhu et al. 2017, §7 / App. 7.1) is
drawn for every row of the *global* batch from ``rng_for(seed, AUGMENT_STREAM, index)``, so a
row is augmented identically whatever the number of processes reading the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from jaxgen.data.batching import rng_for

AUGMENT_STREAM = 2


@dataclass(frozen=True, kw_only=True)
class Preprocessing:
    """What happens to a source's images on the way to a batch, in this order.

    Args:
      center_crop: the side of a center crop (celeb_a is usually cropped to 108), or None.
      image_size: the side images are resized to (bilinear), or None to keep their size.
      random_crop: the side of a random crop of each example after resizing, or None.
      random_flip: flip each example horizontally with probability ½.
    """

    center_crop: int | None = None
    image_size: int | None = None
    random_crop: int | None = None
    random_flip: bool = False

    def prepare(self, image: np.ndarray) -> np.ndarray:
        """One uint8 (H, W, C) image center-cropped and resized as set."""
        if self.center_crop is not None:
            image = center_crop(image, self.center_crop)
        if self.image_size is not None:
            image = resize(image, self.image_size)
        return image

    def jitter(self, batch: np.ndarray, seed: int, index: int) -> np.ndarray:
        """The random crop and flip of the batch numbered ``index`` (:func:`augment`)."""
        if self.random_crop is None and not self.random_flip:
            return batch
        return augment(batch, seed, index, self.random_crop, self.random_flip)

    def output_side(self, prepared_side: int) -> int:
        """The side of a batch's images, given that of a prepared image."""
        return self.random_crop or prepared_side


AS_STORED = Preprocessing()
"""No crop, resize or jitter: the images as their source stores them."""


def to_unit_range(image: np.ndarray) -> np.ndarray:
    """uint8 (H, W, C) → float32 in [-1, 1]."""
    return image.astype(np.float32) / 127.5 - 1.0


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Images in [−1, 1] → uint8 pixels round(255 (x + 1) / 2), clipped to [0, 255]: the
    inverse of :func:`to_unit_range` up to rounding, as a PNG of the image would hold."""
    pixels = np.rint((np.asarray(images, np.float32) + 1) * 127.5)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def center_crop(image: np.ndarray, size: int) -> np.ndarray:
    h, w = image.shape[:2]
    top, left = (h - size) // 2, (w - size) // 2
    return image[top : top + size, left : left + size]


def resize(image: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of a uint8 (H, W, C) image to (size, size, C)."""
    if image.shape[:2] == (size, size):
        return image
    channels = image.shape[2]
    pil = Image.fromarray(image[..., 0] if channels == 1 else image)
    out = np.asarray(pil.resize((size, size), Image.BILINEAR))
    return out[..., None] if channels == 1 else out


def augment(
    images: np.ndarray, seed: int, index: int, random_crop: int | None, random_flip: bool
) -> np.ndarray:
    """Random crop to ``random_crop`` and horizontal flip with probability ½, per row."""
    rng = rng_for(seed, AUGMENT_STREAM, index)
    n, h, w, _ = images.shape
    if random_crop is not None:
        tops = rng.integers(0, h - random_crop + 1, size=n)
        lefts = rng.integers(0, w - random_crop + 1, size=n)
        images = np.stack(
            [
                im[t : t + random_crop, s : s + random_crop]
                for im, t, s in zip(images, tops, lefts, strict=True)
            ]
        )
    if random_flip:
        flips = rng.uniform(size=n) < 0.5
        images = np.where(flips[:, None, None, None], images[:, :, ::-1], images)
    return images
