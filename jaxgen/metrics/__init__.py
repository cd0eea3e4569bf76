"""Sample metrics: FID, IS, KID and precision/recall with any feature function (the FID
Inception-v3 of pytorch-fid, the project's digits classifier, a user's), mode coverage of
Gaussian mixtures (VEEGAN, PacGAN), and ground-truth Wasserstein-1 distances.

* :func:`sample_quality`: FID, IS, KID and precision/recall of samples streamed in chunks
  against :class:`ReferenceStats` (:func:`reference_statistics`; files by
  :func:`save_stats` / :func:`load_stats` in pytorch-fid's ``.npz`` format;
  ``python -m jaxgen.metrics.reference_stats`` writes a dataset's, and
  ``python -m jaxgen.metrics.score`` scores a samples file);
* the metrics themselves: :func:`frechet_distance` (of :class:`GaussianStats`, from
  :func:`gaussian_stats` or streamed :class:`FeatureMoments`), :func:`inception_score`,
  :func:`kernel_distance`, :func:`precision_recall`;
* the FID Inception: :func:`load_inception_variables` (pytorch-fid's weights file, converted
  once; ``python -m jaxgen.metrics.inception`` converts it), :class:`InceptionFeatures`, and
  :func:`inception_features` as a feature function;
* :func:`frechet_distance_of`: the Fréchet distance of two sample sets by a feature function;
* :func:`mode_coverage`: modes captured and the fraction of high-quality samples;
* :func:`wasserstein_1d`, :func:`sliced_wasserstein` and :func:`earth_movers_distance`: W1 in
  1-D, sliced W1, and exact W1 in any dimension by optimal assignment;
* :mod:`jaxgen.metrics.digits_classifier`: the committed 8x8 digits classifier, its feature
  function and the metrics built on it (its own module, which
  ``python -m jaxgen.metrics.digits_classifier`` runs to retrain it).
"""

from jaxgen.metrics.frechet import (
    GaussianStats,
    frechet_distance,
    frechet_distance_of,
    gaussian_stats,
)
from jaxgen.metrics.inception import (
    InceptionFeatures,
    convert_state_dict,
    load_inception_variables,
)
from jaxgen.metrics.inception_score import InceptionScore, inception_score
from jaxgen.metrics.kernel_distance import KernelDistance, kernel_distance
from jaxgen.metrics.modes import ModeCoverage, mode_coverage
from jaxgen.metrics.precision_recall import PrecisionRecall, precision_recall
from jaxgen.metrics.sample_quality import (
    SampleFeatures,
    inception_features,
    reference_statistics,
    sample_quality,
)
from jaxgen.metrics.statistics import FeatureMoments, ReferenceStats, load_stats, save_stats
from jaxgen.metrics.wasserstein import earth_movers_distance, sliced_wasserstein, wasserstein_1d

__all__ = [
    "FeatureMoments",
    "GaussianStats",
    "InceptionFeatures",
    "InceptionScore",
    "KernelDistance",
    "ModeCoverage",
    "PrecisionRecall",
    "ReferenceStats",
    "SampleFeatures",
    "convert_state_dict",
    "earth_movers_distance",
    "frechet_distance",
    "frechet_distance_of",
    "gaussian_stats",
    "inception_features",
    "inception_score",
    "kernel_distance",
    "load_inception_variables",
    "load_stats",
    "mode_coverage",
    "precision_recall",
    "reference_statistics",
    "sample_quality",
    "save_stats",
    "sliced_wasserstein",
    "wasserstein_1d",
]
