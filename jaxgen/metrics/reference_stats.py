"""``python -m jaxgen.metrics.reference_stats --dataset=cifar10 --split=train``: write a
dataset's reference statistics for FID, KID and precision/recall.

Every image of the split, in stored order and without random augmentation, goes through the
FID Inception (weights from ``--inception_weights`` or ``$JAXGEN_INCEPTION_WEIGHTS``;
:mod:`jaxgen.metrics.inception`); the digits go through the project's classifier instead.
The file is pytorch-fid's ``.npz`` (``mu``, ``sigma``) with jaxgen's ``num_samples`` and
``features`` beside them (:mod:`jaxgen.metrics.statistics`), written by default to
:func:`reference_path`, where training's evaluation looks for it.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import jax
from tqdm import tqdm

from jaxgen.data import get_dataset
from jaxgen.data.images import AS_STORED, Preprocessing
from jaxgen.data.registry import FOLDER
from jaxgen.errors import JaxgenError
from jaxgen.metrics.digits_classifier import ASSET, digits_features
from jaxgen.metrics.inception import (
    cache_dir,
    file_sha256,
    load_inception_variables,
    weights_path,
)
from jaxgen.metrics.sample_quality import (
    FeatureFn,
    inception_features,
    reference_statistics,
)
from jaxgen.metrics.statistics import ReferenceStats, load_stats, save_stats

DIGITS = "digits"


def reference_path(
    dataset: str,
    split: str,
    preprocessing: Preprocessing,
    *,
    features: str,
    data_dir: str | None = None,
    channels: int = 3,
) -> Path:
    """Where the statistics of ``dataset``'s ``split`` under ``preprocessing`` by the feature
    network ``features`` (:func:`feature_tag`) are cached: ``<cache>/reference_stats/<name>
    [-<folder>]-<split>[-crop<c>][-size<s>][-rcrop<r>][-grey]-<features>.npz``, a folder
    dataset's named by a digest of its absolute ``data_dir`` and its ``channels`` as well."""
    parts = [dataset.replace("/", "_"), split]
    if dataset == FOLDER and data_dir:
        parts.insert(1, _digest(str(Path(data_dir).resolve()).encode()))
    for tag, value in (
        ("crop", preprocessing.center_crop),
        ("size", preprocessing.image_size),
        ("rcrop", preprocessing.random_crop),
    ):
        if value is not None:
            parts.append(f"{tag}{value}")
    if dataset == FOLDER and channels == 1:
        parts.append("grey")
    return cache_dir() / "reference_stats" / ("-".join([*parts, features]) + ".npz")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def feature_tag(dataset: str, inception_weights: str | None) -> str:
    """Names the feature network's weights: ``digits-<digest of the committed classifier>``
    for the digits, ``inception-<digest of the weights file>`` otherwise."""
    if dataset == DIGITS:
        return f"digits-{_digest(ASSET.read_bytes())}"
    return f"inception-{file_sha256(weights_path(inception_weights))[:12]}"


def feature_function(dataset: str, inception_weights: str | None, batch_size: int) -> FeatureFn:
    """The digits classifier for the digits, the FID Inception for every other dataset."""
    if dataset == DIGITS:
        return digits_features
    return inception_features(load_inception_variables(inception_weights), batch_size=batch_size)


def dataset_chunks(data, chunk: int, progress: bool) -> Iterator:
    """The dataset's images in stored order, ``chunk`` at a time."""
    starts = range(0, data.num_examples, chunk)
    for start in tqdm(starts, desc="reference features", disable=not progress, unit="chunk"):
        yield data.examples(start, start + chunk)["x"]


def dataset_reference(
    dataset: str,
    *,
    split: str,
    features: FeatureFn,
    data_dir: str | None = None,
    preprocessing: Preprocessing = AS_STORED,
    channels: int = 3,
    keep: int = 10_000,
    progress: bool = False,
) -> ReferenceStats:
    """The reference statistics of ``dataset``'s ``split`` by the feature function
    ``features`` (module docstring); ``channels`` is a folder dataset's (1: greyscale)."""
    data = get_dataset(
        dataset, split=split, data_dir=data_dir, preprocessing=preprocessing, channels=channels
    )
    if not hasattr(data, "examples"):
        raise JaxgenError(f"dataset {dataset!r} has no fixed images to take statistics of")
    return reference_statistics(
        dataset_chunks(data, 500, progress), features, num_examples=data.num_examples, keep=keep
    )


def cached_reference(
    dataset: str,
    *,
    split: str,
    features: FeatureFn,
    tag: str,
    data_dir: str | None = None,
    preprocessing: Preprocessing = AS_STORED,
    channels: int = 3,
    dim: int | None = None,
    progress: bool = False,
) -> ReferenceStats:
    """The reference statistics of ``dataset``'s ``split`` by ``features`` (named ``tag``,
    :func:`feature_tag`): read from :func:`reference_path`, else computed by
    :func:`dataset_reference` and written there (by process 0) for the next run."""
    path = reference_path(
        dataset, split, preprocessing, features=tag, data_dir=data_dir, channels=channels
    )
    if path.is_file():
        return load_stats(path, dim=dim)
    stats = dataset_reference(
        dataset,
        split=split,
        features=features,
        data_dir=data_dir,
        preprocessing=preprocessing,
        channels=channels,
        progress=progress,
    )
    if jax.process_index() == 0:
        save_stats(path, stats)
    return stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--split", default="train")
    parser.add_argument("--data_dir", default=None)
    parser.add_argument("--center_crop", type=int, default=None)
    parser.add_argument("--image_size", type=int, default=None)
    parser.add_argument("--channels", type=int, default=3, help="a folder's: 3 or 1 (grey)")
    parser.add_argument("--inception_weights", default=None)
    parser.add_argument("--batch_size", type=int, default=50, help="images per device per call")
    parser.add_argument("--keep", type=int, default=10_000, help="feature vectors kept")
    parser.add_argument("--out", default=None, help="default: the cache training reads")
    args = parser.parse_args(argv)
    preprocessing = Preprocessing(center_crop=args.center_crop, image_size=args.image_size)
    try:
        tag = feature_tag(args.dataset, args.inception_weights)
    except JaxgenError as err:
        message = str(err).replace("`inception_weights`", "--inception_weights")
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)
    default = reference_path(
        args.dataset,
        args.split,
        preprocessing,
        features=tag,
        data_dir=args.data_dir,
        channels=args.channels,
    )
    out = Path(args.out) if args.out else default
    try:
        stats = dataset_reference(
            args.dataset,
            split=args.split,
            features=feature_function(args.dataset, args.inception_weights, args.batch_size),
            data_dir=args.data_dir,
            preprocessing=preprocessing,
            channels=args.channels,
            keep=args.keep,
            progress=True,
        )
    except JaxgenError as err:
        message = str(err).replace("`inception_weights`", "--inception_weights")
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)
    save_stats(out, stats)
    print(f"wrote {out}: {stats.gaussian.num_samples} images, {stats.gaussian.dim} features")


if __name__ == "__main__":
    main()
