"""``python -m jaxgen.metrics.score --samples=samples.npz --dataset=cifar10``: the metrics of a
samples file, jaxgen's or anyone's, as one JSON line.

The samples are an ``.npz`` with ``arr_0``: uint8 images (N, H, W, 1 or 3), as
``--mode=sample`` writes them and ADM's evaluator and clean-fid read them
(:mod:`jaxgen.data.sample_files`). They are compared with ``--reference`` (a statistics
``.npz``: pytorch-fid's ``mu``/``sigma``, with ``features`` for KID and precision/recall), or
with the reference statistics of ``--dataset``'s ``--split``, computed once into the cache
(:mod:`jaxgen.metrics.reference_stats`). The digits are judged by the project's classifier,
other images by the FID Inception.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from jaxgen.data.images import Preprocessing
from jaxgen.data.sample_files import read_samples
from jaxgen.errors import JaxgenError
from jaxgen.metrics.reference_stats import (
    DIGITS,
    cached_reference,
    feature_function,
    feature_tag,
)
from jaxgen.metrics.sample_quality import check_metrics, check_reference, sample_quality
from jaxgen.metrics.statistics import load_stats


def score(args: argparse.Namespace) -> dict[str, float]:
    metrics = check_metrics(m.strip() for m in args.metrics.split(",") if m.strip())
    samples = read_samples(Path(args.samples))
    if samples.ndim != 4:
        raise JaxgenError(f"{args.samples} holds vectors {samples.shape}; give images")
    dataset = args.dataset or ""
    features = feature_function(dataset, args.inception_weights, args.batch_size)
    if args.reference:
        reference = load_stats(args.reference)
    elif dataset:
        reference = cached_reference(
            dataset,
            split=args.split,
            features=features,
            tag=feature_tag(dataset, args.inception_weights),
            data_dir=args.data_dir,
            preprocessing=Preprocessing(image_size=args.image_size, center_crop=args.center_crop),
            progress=True,
        )
    else:
        raise JaxgenError("give the reference: --reference=stats.npz or --dataset=NAME")
    check_reference(reference, metrics)
    chunks = (
        samples[i : i + 500].astype("float32") / 127.5 - 1 for i in range(0, len(samples), 500)
    )
    return sample_quality(chunks, features, reference, metrics=metrics)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", required=True, help=".npz with arr_0 (N, H, W, C) uint8")
    parser.add_argument("--reference", default=None, help="statistics .npz (mu, sigma)")
    parser.add_argument("--dataset", default=None, help=f"e.g. cifar10, or {DIGITS}")
    parser.add_argument("--split", default="train")
    parser.add_argument("--data_dir", default=None)
    parser.add_argument("--center_crop", type=int, default=None)
    parser.add_argument("--image_size", type=int, default=None)
    parser.add_argument("--metrics", default="fid,is,kid")
    parser.add_argument("--inception_weights", default=None)
    parser.add_argument("--batch_size", type=int, default=50, help="images per device per call")
    args = parser.parse_args(argv)
    try:
        results = score(args)
    except JaxgenError as err:
        message = str(err).replace("`inception_weights`", "--inception_weights")
        message = message.replace("`metrics`", "--metrics")
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
