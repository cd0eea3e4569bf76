"""A folder of the user's own images (png, jpg, jpeg; searched recursively, sorted by path).

Each image is converted to RGB (``channels=3``) or greyscale (``channels=1``), center-cropped
to a square, resized to ``image_size`` and scaled to [-1, 1]; the set is held in memory as an
:class:`~jaxgen.data.batching.ArrayDataset`, batched by the deterministic schedule.

A folder of class subfolders (``root/<class>/…``, every image below one of them, as
torchvision's ``ImageFolder`` reads it) also yields ``label``: the index of the image's
first-level subfolder among their names sorted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from jaxgen.data import images
from jaxgen.data.batching import ArrayDataset
from jaxgen.errors import JaxgenError

SUFFIXES = (".png", ".jpg", ".jpeg")


def _load(path: Path, image_size: int, channels: int) -> np.ndarray:
    try:
        with Image.open(path) as pil:
            array = np.asarray(pil.convert("RGB" if channels == 3 else "L"))
    except (UnidentifiedImageError, OSError):
        raise JaxgenError(f"cannot decode image {path}; remove or replace the file") from None
    if channels == 1:
        array = array[..., None]
    array = images.center_crop(array, min(array.shape[:2]))
    return images.to_unit_range(images.resize(array, image_size))


def image_folder_dataset(
    path: str | Path, *, image_size: int, channels: int = 3, seed: int = 0
) -> ArrayDataset:
    folder = Path(path)
    if not folder.is_dir():
        raise JaxgenError(f"image folder {folder} does not exist; check `data_dir`")
    if channels not in (1, 3):
        raise JaxgenError(f"channels must be 1 or 3, got {channels}; fix `channels`")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES)
    if not files:
        raise JaxgenError(f"no .png/.jpg/.jpeg images in {folder}; add images or fix the path")
    x = np.stack([_load(p, image_size, channels) for p in files])
    arrays, names = {"x": x}, None
    classes = [p.relative_to(folder).parts[0] for p in files]
    if all(len(p.relative_to(folder).parts) > 1 for p in files):
        names = sorted(set(classes))
        arrays["label"] = np.asarray([names.index(c) for c in classes], np.int32)
    return ArrayDataset(
        f"folder:{folder}", arrays, seed, num_classes=None if names is None else len(names)
    )
