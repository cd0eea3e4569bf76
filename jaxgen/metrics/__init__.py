"""Sample metrics: the Fréchet distance between Gaussians fitted to features (Heusel et al.
2017), mode coverage of Gaussian mixtures (VEEGAN, PacGAN), ground-truth Wasserstein-1
distances, and the 8x8 digits classifier with the metrics built on it.

* :func:`frechet_distance_of` (and :func:`gaussian_stats`, :func:`frechet_distance`): FID's
  distance with any feature function;
* :func:`mode_coverage`: modes captured and the fraction of high-quality samples;
* :func:`wasserstein_1d` and :func:`sliced_wasserstein`: W1 in 1-D and sliced W1;
* :mod:`jaxgen.metrics.digits_classifier`: the Fréchet distance and class histogram of
  digits samples by the committed classifier (its own module, which
  ``python -m jaxgen.metrics.digits_classifier`` runs to retrain it).
"""

from jaxgen.metrics.frechet import (
    GaussianStats,
    frechet_distance,
    frechet_distance_of,
    gaussian_stats,
)
from jaxgen.metrics.modes import ModeCoverage, mode_coverage
from jaxgen.metrics.wasserstein import sliced_wasserstein, wasserstein_1d

__all__ = [
    "GaussianStats",
    "ModeCoverage",
    "frechet_distance",
    "frechet_distance_of",
    "gaussian_stats",
    "mode_coverage",
    "sliced_wasserstein",
    "wasserstein_1d",
]
