"""FID, IS, KID and precision/recall of samples drawn in chunks, with any feature function.

A feature function maps a chunk of samples to :class:`SampleFeatures`: feature vectors
(n, d) for the Fréchet and kernel distances and precision/recall, and class logits (n, C)
for the Inception Score where the network has a classifier head. :func:`inception_features`
is the FID Inception's (pool3, and the unbiased logits); the digits classifier's is
``jaxgen.metrics.digits_classifier.digits_features``; a user's is any such callable.

:func:`sample_quality` streams the chunks once: the features' mean and covariance accumulate
in float64 (:class:`~jaxgen.metrics.statistics.FeatureMoments`), and the feature vectors
and logits are kept in float32 only where KID, precision/recall or IS read them (50,000
Inception features and logits are about 600 MB; FID alone keeps one chunk and a d×d matrix).
:func:`reference_statistics` makes the statistics that :func:`sample_quality` compares
against from a dataset's images.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from jaxgen.errors import JaxgenError
from jaxgen.metrics.frechet import frechet_distance
from jaxgen.metrics.inception import InceptionFeatures
from jaxgen.metrics.inception_score import inception_score
from jaxgen.metrics.kernel_distance import kernel_distance
from jaxgen.metrics.precision_recall import precision_recall
from jaxgen.metrics.statistics import FeatureMoments, ReferenceStats

METRICS = ("fid", "is", "kid", "pr")


@dataclass(frozen=True)
class SampleFeatures:
    """``features`` (n, d); ``logits`` (n, C), or None for a network without classes."""

    features: np.ndarray
    logits: np.ndarray | None = None


FeatureFn = Callable[[np.ndarray], SampleFeatures]


def inception_features(variables, *, batch_size: int = 50, dtype=None) -> FeatureFn:
    """The FID Inception with ``variables`` as a feature function: pool3 features and the
    Inception Score's logits (``logits_unbiased``) of images (N, H, W, 1 or 3) in [−1, 1],
    ``batch_size`` images per device per call, computed in ``dtype`` (None: float32)."""
    network = InceptionFeatures(variables, batch_size=batch_size, dtype=dtype)

    def features(images: np.ndarray) -> SampleFeatures:
        out = network(images)
        return SampleFeatures(out.features, out.logits_unbiased)

    return features


def check_metrics(metrics: Iterable[str]) -> tuple[str, ...]:
    """``metrics`` as a tuple, each one of :data:`METRICS`."""
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise JaxgenError(
            f"unknown sample metric {unknown[0]!r} in `metrics`; choose from {', '.join(METRICS)}"
        )
    return metrics


def check_reference(reference: ReferenceStats, metrics: Iterable[str]) -> None:
    """A one-line error if ``metrics`` read feature vectors (KID, precision/recall) that
    ``reference`` lacks, as pytorch-fid's statistics files (only ``mu`` and ``sigma``) do."""
    vectors = sorted({"kid", "pr"} & set(metrics))
    if vectors and reference.features is None:
        raise JaxgenError(
            f"{' and '.join(vectors)} read the reference's feature vectors, which these "
            "statistics lack (pytorch-fid's hold only mu and sigma); write them with "
            "python -m jaxgen.metrics.reference_stats, or drop them from `metrics`"
        )


def sample_quality(
    chunks: Iterable[np.ndarray],
    feature_fn: FeatureFn,
    reference: ReferenceStats,
    *,
    metrics: Iterable[str] = METRICS,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
) -> dict[str, float]:
    """The metrics of the samples in ``chunks`` against ``reference``, by ``feature_fn``;
    KID on ``kid_subsets`` subsets of ``kid_subset_size``.

    Returns ``fid``; ``inception_score`` and ``inception_score_std`` (10 splits; only when the
    feature function gives logits); ``kid`` and ``kid_std``; ``precision`` and ``recall``
    (k = 3, on equal numbers of generated and reference vectors). KID and precision/recall
    need the reference's feature vectors (``reference.features``).
    """
    metrics = check_metrics(metrics)
    check_reference(reference, metrics)
    keep_features, keep_logits = bool({"kid", "pr"} & set(metrics)), "is" in metrics
    moments, features, logits = None, [], []
    for chunk in chunks:
        out = feature_fn(chunk)
        moments = (moments or FeatureMoments.empty(out.features.shape[1])).add(out.features)
        if keep_features:
            features.append(np.asarray(out.features, np.float32))
        if keep_logits and out.logits is not None:
            logits.append(np.asarray(out.logits, np.float32))
    if moments is None:
        raise JaxgenError("sample metrics need samples; got none")
    results = {}
    if "fid" in metrics:
        results["fid"] = frechet_distance(moments.gaussian(), reference.gaussian)
    if "is" in metrics and logits:
        score = inception_score(np.concatenate(logits))
        results["inception_score"], results["inception_score_std"] = score.mean, score.std
    features = np.concatenate(features) if keep_features else None
    if "kid" in metrics:
        kid = kernel_distance(
            features, reference.features, subsets=kid_subsets, subset_size=kid_subset_size
        )
        results["kid"], results["kid_std"] = kid.mean, kid.std
    if "pr" in metrics:
        # equal set sizes, as Kynkäänniemi et al. compare them: the k-th neighbour's distance
        # shrinks as a set grows, so the larger set is subsampled (seeded) to the smaller
        size = min(len(features), len(reference.features))
        real, generated = (_subsample(x, size) for x in (reference.features, features))
        pr = precision_recall(real, generated)
        results["precision"], results["recall"] = pr.precision, pr.recall
    return results


def _subsample(x: np.ndarray, size: int) -> np.ndarray:
    return x if len(x) == size else x[np.random.RandomState(0).choice(len(x), size, False)]


def reference_statistics(
    chunks: Iterable[np.ndarray], feature_fn: FeatureFn, *, num_examples: int, keep: int = 10_000
) -> ReferenceStats:
    """The Gaussian of the ``feature_fn`` features of all the images in ``chunks``
    (``num_examples`` in all), and at most ``keep`` of their feature vectors spread evenly
    over them (every ⌈num_examples / keep⌉-th) for KID and precision/recall."""
    if keep < 1:
        raise JaxgenError(f"`keep`={keep} feature vectors: keep at least 1")
    stride = max(1, -(-num_examples // keep))
    moments, kept, seen = None, [], 0
    for chunk in chunks:
        out = feature_fn(chunk)
        moments = (moments or FeatureMoments.empty(out.features.shape[1])).add(out.features)
        index = np.arange(seen, seen + len(chunk))
        kept.append(np.asarray(out.features, np.float32)[index % stride == 0])
        seen += len(chunk)
    if moments is None:
        raise JaxgenError("reference statistics need images; the dataset gave none")
    return ReferenceStats(moments.gaussian(), np.concatenate(kept))
