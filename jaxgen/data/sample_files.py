"""Sample files as papers' evaluation code reads them: images as an ``.npz`` of uint8
(N, H, W, C) under the key ``arr_0``, the convention of ADM's evaluator (Dhariwal & Nichol
2021) and clean-fid, optionally with one PNG per sample; vectors (toy data) as float32
(N, d). Files are written under a temporary name and renamed, so an interrupted export leaves
no partial file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image

from jaxgen.data.images import to_uint8
from jaxgen.errors import JaxgenError


def write_samples(
    chunks: Iterable[np.ndarray], path: Path, *, png_dir: Path | None = None
) -> np.ndarray:
    """Write the samples of ``chunks`` to ``path`` (``arr_0``; module docstring), and each
    image as ``png_dir/000000.png``, … if given; returns what was written."""
    parts, written = [], 0
    for chunk in chunks:
        part = to_uint8(chunk) if chunk.ndim == 4 else np.asarray(chunk, np.float32)
        if png_dir is not None and part.ndim == 4:
            png_dir.mkdir(parents=True, exist_ok=True)
            for image in part:
                Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(
                    png_dir / f"{written:06d}.png"
                )
                written += 1
        parts.append(part)
    samples = np.concatenate(parts)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as handle:
        np.savez(handle, arr_0=samples)
    os.replace(partial, path)
    return samples


def read_samples(path: Path) -> np.ndarray:
    """A samples ``.npz`` (``arr_0``) checked: uint8 images (N, H, W, 1 or 3) in the export's
    convention, or float vectors (N, d)."""
    try:
        with np.load(path) as stored:
            samples = stored["arr_0"]
    except Exception as err:
        raise JaxgenError(f"{path} is not a samples .npz with key arr_0 ({err})") from None
    images = samples.ndim == 4 and samples.shape[-1] in (1, 3) and samples.dtype == np.uint8
    vectors = samples.ndim == 2 and np.issubdtype(samples.dtype, np.floating)
    if not (images or vectors):
        raise JaxgenError(
            f"{path}: arr_0 is {samples.dtype} {samples.shape}; give uint8 images "
            "(N, H, W, 1 or 3) or float vectors (N, d)"
        )
    return samples
