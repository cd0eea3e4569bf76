"""Paired data for image-to-image translation (pix2pix, Isola et al. 2017): each example is
an ``"input"`` image and the ``"target"`` image it should become, batched by the
deterministic schedule of :mod:`jaxgen.data.batching` (batch ``n`` a pure function of
``(seed, n)``). A batch is ``{"input": (B, H, W, C_in), "x": (B, H, W, C_out)}``, the target
under ``"x"`` as every dataset's data is, plus ``"label"`` where the source has one; random
crops and flips (§6.2's jitter) are drawn once per row and applied to both images alike.

Sources:

* ``edges2digits``: the bundled 8x8 digits (targets) from their edges (inputs), the
  lecture's "Edges to Photo" on data that needs no download. The edge map is the
  morphological gradient of the digit's intensity v ∈ [0, 1] over a 3x3 cross, max − min,
  scaled to [−1, 1]: one pixel wide on each side of every stroke, as HED edges are for the
  paper's shoes and handbags. The digits' splits (train, test) and labels are kept.
* ``bw2colour``: 32x32 patches of scikit-learn's two bundled photographs, greyscale (ITU-R
  BT.601 luma, one channel) to colour, the lecture's "BW to Color". Each photograph is
  downscaled by ``photo_scale`` and cut in two: patches of its left three quarters train,
  patches of its right quarter are held out (``test``), so no test pixel is trained on.
  Training batch ``n`` draws random crops with horizontal flips from ``rng_for(seed, n)``;
  the test split is a fixed set of ``TEST_PATCHES`` crops.
* ``paired_folder``: the user's pairs (the paper's facades, maps, ... as their
  ``datasets/download_pix2pix_dataset.sh`` unpacks them) under ``data_dir/<split>/``, either
  one image per pair with A on the left half and B on the right (the paper's files), or
  the subfolders ``A/`` and ``B/`` holding files of the same names. ``direction`` says which
  is the input (``"AtoB"`` or ``"BtoA"``; the paper's labels → facades is BtoA). Training
  images are resized to ``image_size`` (the paper: 286), randomly cropped to
  ``random_crop`` (256) and flipped; held-out images are resized to ``random_crop``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from jaxgen.data import images
from jaxgen.data.batching import ArrayDataset, Batch, rng_for, select_rows
from jaxgen.data.digits import load_digits_arrays
from jaxgen.errors import JaxgenError

PAIRED = ("edges2digits", "bw2colour", "paired_folder")
DIRECTIONS = ("AtoB", "BtoA")
PHOTOS = ("china.jpg", "flower.jpg")
TRAIN_FRACTION = 0.75  # of each photograph's width; the rest is the held-out test region
TEST_PATCHES = 64  # per photograph
TEST_STREAM = 5


def digit_edges(x: np.ndarray) -> np.ndarray:
    """The morphological gradient of digits (N, H, W, 1) in [−1, 1] over a 3x3 cross:
    max − min of v = (x + 1)/2 over each pixel and its four neighbours (background outside),
    mapped back to [−1, 1]."""
    v = np.pad((x + 1) / 2, ((0, 0), (1, 1), (1, 1), (0, 0)))
    centre = v[:, 1:-1, 1:-1]
    shifts = (v[:, :-2, 1:-1], v[:, 2:, 1:-1], v[:, 1:-1, :-2], v[:, 1:-1, 2:])
    dilated = np.maximum.reduce([centre, *shifts])
    eroded = np.minimum.reduce([centre, *shifts])
    return (2 * (dilated - eroded) - 1).astype(np.float32)


def luma(x: np.ndarray) -> np.ndarray:
    """Greyscale of RGB images in [−1, 1] (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B), one
    channel."""
    return (x @ np.asarray([0.299, 0.587, 0.114], np.float32))[..., None]


@dataclass(frozen=True)
class PairedArrays(ArrayDataset):
    """Pairs held in memory, batched by :class:`~jaxgen.data.batching.ArrayDataset`'s
    schedule: ``arrays`` has ``"input"``, ``"x"`` (the target) and optionally ``"label"``;
    ``preprocessing`` jitters input and target alike, with the draws of the global batch."""

    preprocessing: images.Preprocessing = images.AS_STORED

    def __post_init__(self):
        super().__post_init__()
        if self.arrays["input"].shape[1:3] != self.arrays["x"].shape[1:3]:
            raise JaxgenError(
                f"{self.name}: inputs are {self.arrays['input'].shape[1:3]} but targets "
                f"{self.arrays['x'].shape[1:3]}; resize both to one `image_size`"
            )

    @property
    def element_shape(self) -> tuple[int, ...]:
        return self._side(self.arrays["x"].shape[1:])

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one example's ``"input"``."""
        return self._side(self.arrays["input"].shape[1:])

    def _side(self, shape) -> tuple[int, ...]:
        crop = self.preprocessing.random_crop
        return tuple(shape) if crop is None else (crop, crop, shape[-1])

    def examples(self, start: int, stop: int) -> Batch:
        """Pairs ``start`` to ``stop`` in stored order, center-cropped where training crops."""
        batch = super().examples(start, stop)
        crop = self.preprocessing.random_crop
        if crop is not None:
            for key in ("input", "x"):
                batch[key] = np.stack([images.center_crop(im, crop) for im in batch[key]])
        return batch

    def get_batch(self, index: int, batch_size: int, rows: slice | None = None) -> Batch:
        batch = super().get_batch(index, batch_size)
        for key in ("input", "x"):  # the same draws for both: one crop and flip per row
            batch[key] = self.preprocessing.jitter(batch[key], self.seed, index)
        return select_rows(batch, rows)


def edges_to_digits(split: str, seed: int) -> PairedArrays:
    digits = load_digits_arrays(split)
    arrays = {"input": digit_edges(digits["x"]), "x": digits["x"], "label": digits["label"]}
    return PairedArrays(f"edges2digits/{split}", arrays, seed, num_classes=10)


@dataclass(frozen=True)
class PhotoPairs:
    """Random crops of photographs' training regions, greyscale → colour, drawn per batch."""

    name: str
    photos: tuple[np.ndarray, ...]  # float32 (H, W_train, 3) in [−1, 1]
    size: int
    seed: int

    @property
    def element_shape(self) -> tuple[int, ...]:
        return (self.size, self.size, 3)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.size, self.size, 1)

    def get_batch(self, index: int, batch_size: int, rows: slice | None = None) -> Batch:
        rng = rng_for(self.seed, index)
        which = rng.integers(len(self.photos), size=batch_size)
        x = np.stack([random_crop(self.photos[p], self.size, rng) for p in which])
        x = np.where((rng.uniform(size=batch_size) < 0.5)[:, None, None, None], x[:, :, ::-1], x)
        return select_rows({"input": luma(x), "x": x}, rows)


def random_crop(photo: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    top = rng.integers(photo.shape[0] - size + 1)
    left = rng.integers(photo.shape[1] - size + 1)
    return photo[top : top + size, left : left + size]


def bw_to_colour(split: str, seed: int, size: int, scale: float):
    from sklearn.datasets import load_sample_image  # here, not at import: sklearn takes 2 s

    regions = []
    for file in PHOTOS:
        photo = load_sample_image(file)
        h, w = round(photo.shape[0] * scale), round(photo.shape[1] * scale)
        photo = np.asarray(Image.fromarray(photo).resize((w, h), Image.BILINEAR))
        cut = round(w * TRAIN_FRACTION)
        region = photo[:, :cut] if split == "train" else photo[:, cut:]
        if min(region.shape[:2]) < size:
            raise JaxgenError(
                f"{file}'s {split} region scaled by {scale} is {region.shape[0]}x"
                f"{region.shape[1]}, smaller than the {size}x{size} patches; raise "
                "`photo_scale` or lower `image_size`"
            )
        regions.append(images.to_unit_range(region))
    if split == "train":
        return PhotoPairs("bw2colour/train", tuple(regions), size, seed)
    rng = rng_for(0, TEST_STREAM)
    x = np.stack([random_crop(r, size, rng) for r in regions for _ in range(TEST_PATCHES)])
    return PairedArrays("bw2colour/test", {"input": luma(x), "x": x}, seed)


def _load(path: Path) -> np.ndarray:
    try:
        with Image.open(path) as pil:
            return np.asarray(pil.convert("RGB"))
    except (UnidentifiedImageError, OSError):
        raise JaxgenError(f"cannot decode image {path}; remove or replace the file") from None


def folder_pairs(folder: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(A, B) uint8 images from ``folder``: ``A/`` and ``B/`` matched by file name, or each
    file split into its left (A) and right (B) halves."""
    suffixes = (".png", ".jpg", ".jpeg")
    if (folder / "A").is_dir() or (folder / "B").is_dir():
        names = {}
        for side in ("A", "B"):
            files = (folder / side).glob("*") if (folder / side).is_dir() else ()
            names[side] = {p.name for p in files if p.suffix.lower() in suffixes}
        unmatched = sorted(names["A"] ^ names["B"])
        if unmatched:
            side = "A" if unmatched[0] in names["A"] else "B"
            raise JaxgenError(
                f"{len(unmatched)} unpaired image(s) in {folder}: {side}/{unmatched[0]} has no "
                f"partner in {'B' if side == 'A' else 'A'}/; give every pair one file name in "
                "both folders"
            )
        return [(_load(folder / "A" / n), _load(folder / "B" / n)) for n in sorted(names["A"])]
    pairs = []
    for path in sorted(p for p in folder.glob("*") if p.suffix.lower() in suffixes):
        image = _load(path)
        if image.shape[1] % 2:
            raise JaxgenError(
                f"{path} is {image.shape[1]} pixels wide, not two halves A|B; give side-by-side "
                "pairs of even width, or A/ and B/ subfolders"
            )
        half = image.shape[1] // 2
        pairs.append((image[:, :half], image[:, half:]))
    return pairs


def paired_folder(
    data_dir: str | None,
    split: str,
    seed: int,
    direction: str,
    preprocessing: images.Preprocessing,
) -> PairedArrays:
    if data_dir is None or preprocessing.image_size is None:
        raise JaxgenError("paired_folder needs `data_dir` and `image_size`; set both")
    if direction not in DIRECTIONS:
        raise JaxgenError(f"unknown `direction` {direction!r}; use one of {DIRECTIONS}")
    folder = Path(data_dir) / split
    if not folder.is_dir():
        raise JaxgenError(f"paired folder {folder} does not exist; check `data_dir` and the split")
    pairs = folder_pairs(folder)
    if not pairs:
        raise JaxgenError(f"no .png/.jpg/.jpeg pairs in {folder}; add images or fix the path")
    # training pairs are jittered (resize, random crop, flip); held-out pairs are resized to
    # the training crop, as the CycleGAN datasets' test images are
    train = split == "train"
    size = (
        preprocessing.image_size if train else preprocessing.random_crop or preprocessing.image_size
    )
    a = np.stack([images.to_unit_range(images.resize(p[0], size)) for p in pairs])
    b = np.stack([images.to_unit_range(images.resize(p[1], size)) for p in pairs])
    source, target = (a, b) if direction == "AtoB" else (b, a)
    jitter = preprocessing if train else images.AS_STORED
    return PairedArrays(
        f"paired_folder:{folder}", {"input": source, "x": target}, seed, preprocessing=jitter
    )


def get_paired_dataset(
    name: str,
    *,
    split: str = "train",
    seed: int = 0,
    data_dir: str | None = None,
    preprocessing: images.Preprocessing = images.AS_STORED,
    photo_scale: float = 0.25,
    direction: str = "AtoB",
):
    """The paired dataset ``name`` (one of :data:`PAIRED`) for ``split``; see the module
    docstring."""
    if name == "edges2digits":
        return edges_to_digits(split, seed)
    if name == "bw2colour":
        if split not in ("train", "test"):
            raise JaxgenError(f"unknown split {split!r} for bw2colour; use train or test")
        if preprocessing.image_size is None:
            raise JaxgenError("bw2colour needs `image_size` (the patch size); set it")
        return bw_to_colour(split, seed, preprocessing.image_size, photo_scale)
    if name == "paired_folder":
        return paired_folder(data_dir, split, seed, direction, preprocessing)
    raise JaxgenError(f"unknown paired dataset {name!r}; choose one of: {', '.join(PAIRED)}")
