"""Feature statistics accumulated over chunks, and their files.

:class:`FeatureMoments` holds the count n, the mean μ and the scatter matrix
S = Σᵢ (xᵢ − μ)(xᵢ − μ)ᵀ in float64, and merges a chunk B (n_B, μ_B, S_B) by the pairwise
update of Chan, Golub & LeVeque (1979):

    δ = μ_B − μ,   μ ← μ + δ n_B / (n + n_B),   S ← S + S_B + δδᵀ n n_B / (n + n_B)

so 50,000 samples' covariance (Σ = S / (n − 1)) needs memory for one chunk and one d×d
matrix, and equals the covariance of all the features at once to float64 round-off.

Statistics files are pytorch-fid's ``.npz``: ``mu`` (d,) and ``sigma`` (d, d), which
``pytorch_fid.fid_score`` reads as they are; jaxgen adds ``num_samples`` and optionally
``features`` (a subset of the feature vectors, for the kernel distance and precision/recall),
keys pytorch-fid ignores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jaxgen.data.atomic import written_atomically
from jaxgen.errors import JaxgenError
from jaxgen.metrics.frechet import GaussianStats


@dataclass(frozen=True)
class FeatureMoments:
    """Running float64 moments of feature vectors: ``count`` n, ``mean`` μ (d,) and
    ``scatter`` S (d, d) of the module docstring; :meth:`add` returns the merged value."""

    count: int
    mean: np.ndarray
    scatter: np.ndarray

    @classmethod
    def empty(cls, dim: int) -> FeatureMoments:
        return cls(0, np.zeros(dim), np.zeros((dim, dim)))

    def add(self, features: np.ndarray) -> FeatureMoments:
        """The moments of the features so far and ``features`` (n_B, d)."""
        chunk = np.asarray(features, np.float64)
        if chunk.ndim != 2 or chunk.shape[1] != self.mean.shape[0]:
            raise JaxgenError(
                f"features of shape {chunk.shape} do not continue moments of "
                f"{self.mean.shape[0]} features; give (n, {self.mean.shape[0]})"
            )
        n_b = len(chunk)
        if n_b == 0:
            return self
        mean_b = chunk.mean(0)
        centred = chunk - mean_b
        total = self.count + n_b
        delta = mean_b - self.mean
        return FeatureMoments(
            count=total,
            mean=self.mean + delta * (n_b / total),
            scatter=self.scatter
            + centred.T @ centred
            + np.outer(delta, delta) * (self.count * n_b / total),
        )

    def gaussian(self) -> GaussianStats:
        """N(μ, S / (n − 1)), the unbiased covariance as ``np.cov``'s."""
        if self.count < 2:
            raise JaxgenError(f"a covariance needs at least 2 samples; got {self.count}")
        return GaussianStats(self.mean, self.scatter / (self.count - 1), self.count)


@dataclass(frozen=True)
class ReferenceStats:
    """A statistics file's contents: ``gaussian``, the fitted Gaussian, and ``features``, a
    subset of the feature vectors (n, d) where the file holds them (else None)."""

    gaussian: GaussianStats
    features: np.ndarray | None = None


def save_stats(path: str | os.PathLike, stats: ReferenceStats) -> Path:
    """Write ``stats`` to ``path`` as pytorch-fid's ``.npz`` (``mu``, ``sigma``; plus
    ``num_samples`` and ``features`` where known), atomically: an interrupted write leaves no
    file."""
    path = Path(path)
    arrays = {"mu": stats.gaussian.mean, "sigma": stats.gaussian.cov}
    if stats.gaussian.num_samples is not None:
        arrays["num_samples"] = np.asarray(stats.gaussian.num_samples)
    if stats.features is not None:
        arrays["features"] = np.asarray(stats.features, np.float32)
    with written_atomically(path) as partial, open(partial, "wb") as handle:
        np.savez(handle, **arrays)
    return path


def load_stats(path: str | os.PathLike, *, dim: int | None = None) -> ReferenceStats:
    """The statistics ``.npz`` at ``path`` (pytorch-fid's ``mu``/``sigma``, or jaxgen's),
    checked: both arrays present, shapes (d,) and (d, d), and d = ``dim`` when given."""
    path = Path(path)
    if not path.is_file():
        raise JaxgenError(
            f"statistics file {path} does not exist; write it with python -m "
            "jaxgen.metrics.reference_stats, or give a pytorch-fid .npz (mu, sigma)"
        )
    try:
        with np.load(path) as stored:
            arrays = {key: stored[key] for key in stored.files}
    except Exception as err:
        raise JaxgenError(f"{path} is not an .npz of statistics ({err})") from None
    if not {"mu", "sigma"} <= set(arrays):
        raise JaxgenError(f"{path} lacks `mu` or `sigma`; give pytorch-fid's .npz format")
    mu, sigma = np.asarray(arrays["mu"], np.float64), np.asarray(arrays["sigma"], np.float64)
    d = mu.shape[0] if mu.ndim == 1 else -1
    if mu.ndim != 1 or sigma.shape != (d, d):
        raise JaxgenError(f"{path}: mu {mu.shape} and sigma {sigma.shape} are not (d,), (d, d)")
    if dim is not None and d != dim:
        raise JaxgenError(
            f"{path} holds statistics of {d} features, the feature function gives {dim}; "
            "use statistics of the same network and layer"
        )
    count = arrays.get("num_samples")
    if count is not None and (count.shape != () or count < 2):
        raise JaxgenError(f"{path}: num_samples {count} is not a count of at least 2")
    features = arrays.get("features")
    if features is not None and (features.ndim != 2 or features.shape[1] != d):
        raise JaxgenError(f"{path}: features {features.shape} are not (n, {d}) like mu")
    count = None if count is None else int(count)
    return ReferenceStats(GaussianStats(mu, sigma, count), features)
