"""The FID Inception-v3's weights, and the feature function that runs it on samples.

Weights come from pytorch-fid's file ``pt_inception-2015-12-05-6726825d.pth`` (the 2015-12-05
TensorFlow graph's, ported); nothing downloads at run time. The file is converted once, name
for name, into a Flax variable tree (:func:`convert_state_dict`: a convolution's
(out, in, h, w) weight becomes the (h, w, in, out) ``kernel``, BatchNorm's weight, bias,
running mean and variance become ``scale``, ``bias`` and the ``batch_stats`` ``mean`` and
``var``, the head's (1008, 2048) weight is transposed), and the result is kept as an
``.npz`` in jaxgen's cache (:func:`jaxgen.kernels.onednn.cache_dir`: ``$JAXGEN_CACHE_DIR``,
else ``$XDG_CACHE_HOME/jaxgen``, else ``~/.cache/jaxgen``) under ``inception/``, keyed by the
file's SHA-256. Reading the ``.pth`` needs PyTorch, once; the converted ``.npz``
(``python -m jaxgen.metrics.inception --weights=F.pth --out=F.npz``) is read without it.

:class:`InceptionFeatures` maps samples as jaxgen draws them (images in [−1, 1], 1 or 3
channels) to :class:`jaxgen.nn.inception.InceptionOutput`: each image is first quantised to 8
bits, as a PNG written by the sampler would be, then given to the network as x/255, grey
images repeated to RGB, as pytorch-fid reads image files.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from flax import traverse_util
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxgen.core import compiler
from jaxgen.data.atomic import written_atomically
from jaxgen.data.images import to_uint8
from jaxgen.errors import JaxgenError
from jaxgen.kernels.onednn import cache_dir
from jaxgen.nn.inception import FIDInceptionV3, InceptionOutput

WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + WEIGHTS_FILE
)
WEIGHTS_ENV = "JAXGEN_INCEPTION_WEIGHTS"
OBTAIN = (
    f"download {WEIGHTS_URL} on a machine with internet access and give its path in "
    f"`inception_weights` or ${WEIGHTS_ENV}"
)
# torch's state_dict suffix → (Flax collection, leaf name, how the array is laid out anew)
_RENAMES = {
    ("conv", "weight"): ("params", "kernel", lambda w: w.transpose(2, 3, 1, 0)),
    ("bn", "weight"): ("params", "scale", None),
    ("bn", "bias"): ("params", "bias", None),
    ("bn", "running_mean"): ("batch_stats", "mean", None),
    ("bn", "running_var"): ("batch_stats", "var", None),
    ("fc", "weight"): ("params", "kernel", lambda w: w.T),
    ("fc", "bias"): ("params", "bias", None),
}


@functools.cache
def expected_shapes() -> dict[str, tuple[int, ...]]:
    """The FID Inception's variables as ``{"params/Mixed_5b/branch1x1/conv/kernel": shape}``."""
    variables = jax.eval_shape(FIDInceptionV3().init, jax.random.key(0), jnp.zeros((1, 75, 75, 3)))
    flat = traverse_util.flatten_dict(variables, sep="/")
    return {name: tuple(leaf.shape) for name, leaf in flat.items()}


def random_variables(seed: int = 0) -> dict:
    """Variables of the FID Inception's shapes drawn at random (He-normal kernels, BatchNorm at
    identity), without compiling its initialisation: the network's cost, not its features,
    for benchmarks and for tests of the plumbing around it."""
    rng = np.random.default_rng(seed)
    flat = {}
    for name, shape in expected_shapes().items():
        if name.endswith("kernel"):
            flat[name] = rng.normal(size=shape) * (2 / np.prod(shape[:-1])) ** 0.5
        elif name.endswith(("var", "scale")):
            flat[name] = np.ones(shape)
        else:
            flat[name] = np.zeros(shape)
    flat = {name: value.astype(np.float32) for name, value in flat.items()}
    return traverse_util.unflatten_dict(flat, sep="/")


def check_variables(flat: Mapping[str, np.ndarray], source: str) -> None:
    """A one-line error naming the first array of ``flat`` (names as :func:`expected_shapes`)
    that is missing, unexpected, or of the wrong shape."""
    expected = expected_shapes()
    for name, shape in expected.items():
        if name not in flat:
            raise JaxgenError(f"{source} lacks the FID Inception's array {name}; {OBTAIN}")
        if tuple(flat[name].shape) != shape:
            raise JaxgenError(
                f"{source}: array {name} has shape {tuple(flat[name].shape)}, the FID "
                f"Inception's has {shape}; {OBTAIN}"
            )
    extra = sorted(set(flat) - set(expected))
    if extra:
        raise JaxgenError(f"{source} has array {extra[0]}, not the FID Inception's; {OBTAIN}")


def convert_state_dict(state_dict: Mapping[str, np.ndarray], source: str = "state_dict"):
    """pytorch-fid's ``fid_inception_v3().state_dict()`` (arrays by torch name) → the
    variables of :class:`jaxgen.nn.inception.FIDInceptionV3` (``params``, ``batch_stats``);
    checked against the network, naming the first mismatched array and ``source`` (the
    file it came from) in the error."""
    flat = {}
    for name, value in state_dict.items():
        if name.endswith("num_batches_tracked"):
            continue  # a training counter; the network is used in inference only
        parts = name.split(".")
        path, (layer, leaf) = parts[:-2], parts[-2:] if len(parts) > 1 else ("", name)
        if (layer, leaf) not in _RENAMES or not hasattr(value, "shape"):
            raise JaxgenError(f"{source} has array {name}, not the FID Inception's; {OBTAIN}")
        collection, new_leaf, relayout = _RENAMES[layer, leaf]
        array = np.asarray(value, np.float32)
        flat["/".join([collection, *path, layer, new_leaf])] = (
            relayout(array) if relayout else array
        )
    check_variables(flat, source)
    return traverse_util.unflatten_dict(flat, sep="/")


def read_torch_weights(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a PyTorch ``state_dict`` file (needs PyTorch)."""
    try:
        import torch
    except ImportError:
        raise JaxgenError(
            f"reading {path} needs PyTorch once (pip install torch==2.13.0), or convert it "
            "where PyTorch is: python -m jaxgen.metrics.inception --weights=F.pth --out=F.npz, "
            "and give the .npz"
        ) from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise JaxgenError(f"{path} is not a PyTorch weights file ({err}); {OBTAIN}") from None
    if not isinstance(state, dict) or not all(hasattr(t, "numpy") for t in state.values()):
        raise JaxgenError(f"{path} is not a state_dict of arrays; {OBTAIN}")
    return {name: tensor.numpy() for name, tensor in state.items()}


def read_npz_weights(path: Path) -> dict:
    """Converted variables from an ``.npz`` of flat names (:func:`save_variables`)."""
    try:
        with np.load(path) as stored:
            flat = {name: stored[name] for name in stored.files}
    except Exception as err:
        raise JaxgenError(f"{path} is not an .npz of Inception weights ({err}); {OBTAIN}") from None
    check_variables(flat, str(path))
    return traverse_util.unflatten_dict(flat, sep="/")


def save_variables(variables, path: Path) -> None:
    """Write converted variables as an ``.npz`` of flat names, atomically."""
    flat = traverse_util.flatten_dict(jax.tree.map(np.asarray, variables), sep="/")
    with written_atomically(path) as partial, open(partial, "wb") as handle:
        np.savez(handle, **flat)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex; computed once per file version (path, size,
    modification time) in a process."""
    stat = Path(path).stat()
    return _sha256(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.cache
def _sha256(path: str, size: int, mtime_ns: int) -> str:  # size, mtime: the cache key
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_path(path: str | os.PathLike | None) -> Path:
    """``path``, else ``$JAXGEN_INCEPTION_WEIGHTS``; an error naming the file if neither
    gives one that exists."""
    chosen = path or os.environ.get(WEIGHTS_ENV)
    if not chosen:
        raise JaxgenError(f"no Inception weights are given: {OBTAIN}")
    chosen = Path(chosen).expanduser()
    if not chosen.is_file():
        raise JaxgenError(f"Inception weights {chosen} do not exist; {OBTAIN}")
    return chosen


def load_inception_variables(path: str | os.PathLike | None = None):
    """The FID Inception's variables from ``path`` (or ``$JAXGEN_INCEPTION_WEIGHTS``): an
    ``.npz`` already converted, or pytorch-fid's ``.pth``, converted once into the cache."""
    path = weights_path(path)
    if path.suffix == ".npz":
        return read_npz_weights(path)
    cached = cache_dir() / "inception" / f"{path.stem}-{file_sha256(path)[:16]}.npz"
    if cached.is_file():
        return read_npz_weights(cached)
    variables = convert_state_dict(read_torch_weights(path), str(path))
    save_variables(variables, cached)
    return variables


class InceptionFeatures:
    """``features(images) -> InceptionOutput`` (NumPy, float32) for images (N, H, W, C) in
    [−1, 1], C = 1 or 3, any N: run in chunks of ``batch_size`` per local device (the last
    padded, so one program serves every call; a call of fewer images runs them padded only to
    the device count), data-parallel over this process's devices.

    Args:
      variables: the network's, from :func:`load_inception_variables`.
      batch_size: images per device per call.
      dtype: the computation's (``None``: float32; ``jnp.bfloat16`` optional).
    """

    def __init__(self, variables, *, batch_size: int = 50, dtype=None):
        if batch_size < 1:
            raise JaxgenError(f"`batch_size`={batch_size} images per device: give at least 1")
        devices = jax.local_devices()
        self.chunk = batch_size * len(devices)
        mesh = Mesh(np.array(devices), ("data",))
        self._rows = NamedSharding(mesh, PartitionSpec("data"))
        self._variables = jax.device_put(variables, NamedSharding(mesh, PartitionSpec()))
        network = FIDInceptionV3(dtype=dtype)
        self._apply = compiler.jit(functools.partial(_apply_to_uint8, network))

    def __call__(self, images: np.ndarray) -> InceptionOutput:
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise JaxgenError(
                f"Inception features need images (N, H, W, 1 or 3); got shape {images.shape}"
            )
        if not np.isfinite(images).all():
            raise JaxgenError(
                "samples hold NaN or infinite values (a diverged model?); no features of them"
            )
        if len(images) == 0:
            raise JaxgenError("Inception features of no images: give at least one")
        pixels = to_uint8(images)
        devices = self._rows.mesh.size
        # fewer images than a chunk: one call padded to the next multiple of the device count
        size = min(self.chunk, -(-len(pixels) // devices) * devices)
        parts = []
        for start in range(0, len(pixels), size):
            chunk = pixels[start : start + size]
            padded = np.concatenate(
                [chunk, np.zeros((size - len(chunk), *chunk.shape[1:]), np.uint8)]
            )
            out = self._apply(self._variables, jax.device_put(padded, self._rows))
            rows = len(chunk)
            parts.append(jax.tree.map(lambda a: np.asarray(a)[:rows], out))  # noqa: B023
        return jax.tree.map(lambda *a: np.concatenate(a), *parts)


def _apply_to_uint8(network: nn.Module, variables, pixels: jax.Array) -> InceptionOutput:
    images = pixels.astype(jnp.float32) / 255.0
    if images.shape[-1] == 1:
        images = jnp.repeat(images, 3, axis=-1)
    return network.apply(variables, images)


def main(argv: list[str] | None = None) -> None:
    """``python -m jaxgen.metrics.inception --weights=F.pth --out=F.npz``: convert pytorch-fid's
    weights file once (needs PyTorch) into an ``.npz`` read without it."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--weights", required=True, help=f"pytorch-fid's {WEIGHTS_FILE}")
    parser.add_argument("--out", required=True, help="the .npz to write")
    args = parser.parse_args(argv)
    try:
        path = weights_path(args.weights)
        save_variables(convert_state_dict(read_torch_weights(path), str(path)), Path(args.out))
    except JaxgenError as err:
        parser.exit(2, f"error: {err}\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
