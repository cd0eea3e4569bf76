"""Sample files as papers' evaluation code reads them: images as an ``.npz`` of uint8
(N, H, W, C) under the key ``arr_0``, the convention of ADM's evaluator (Dhariwal & Nichol
2021) and clean-fid, optionally with one PNG per sample; vectors (toy data) as float32
(N, d). The ``.npz`` and the PNG folder are written under temporary names and renamed, so an
interrupted export leaves the previous ones as they were.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numpy.lib.format import open_memmap
from PIL import Image

from jaxgen.data.atomic import written_atomically
from jaxgen.data.images import to_uint8
from jaxgen.errors import JaxgenError


def write_samples(
    chunks: Iterable[np.ndarray], path: Path, count: int, *, png_dir: Path | None = None
) -> np.ndarray:
    """Write the ``count`` samples of ``chunks`` to ``path`` (``arr_0``; module docstring),
    and each image as ``png_dir/000000.png``, … if given. The array streams to disk chunk by
    chunk (a memory-mapped ``.npy``, then stored uncompressed in the ``.npz``), so 50,000
    large images never sit in memory at once; the PNGs go to a folder beside ``png_dir``
    that replaces it once all are written. Returns the first 100 images written, or all the
    vectors."""
    staging = png_dir.with_name(png_dir.name + ".partial") if png_dir is not None else None
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".npy")
    os.close(handle)
    npy = Path(name)  # the array's scratch copy, stored into the .npz and then removed
    try:
        array, written = None, 0
        for chunk in chunks:
            part = to_uint8(chunk) if chunk.ndim == 4 else np.asarray(chunk, np.float32)
            if array is None:
                shape = (count, *part.shape[1:])
                array = open_memmap(npy, mode="w+", dtype=part.dtype, shape=shape)
            array[written : written + len(part)] = part
            if staging is not None and part.ndim == 4:
                staging.mkdir(parents=True, exist_ok=True)
                for i, image in enumerate(part, start=written):
                    grey = image.shape[-1] == 1
                    Image.fromarray(image[..., 0] if grey else image).save(staging / f"{i:06d}.png")
            written += len(part)
        if array is None or written != count:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            raise JaxgenError(f"{written} samples came for {count}; nothing was written")
        preview = np.array(array[:100] if array.ndim == 4 else array)
        array.flush()
        del array
        with (
            written_atomically(path) as partial,
            zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED, allowZip64=True) as archive,
        ):
            archive.write(npy, "arr_0.npy")
    finally:
        npy.unlink(missing_ok=True)
    if staging is not None and staging.exists():
        shutil.rmtree(png_dir, ignore_errors=True)
        os.replace(staging, png_dir)
    return preview


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
