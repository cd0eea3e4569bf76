"""Toy densities in 1-D and 2-D, each with a sampler and its log-density.

Definitions (the ones the GAN and flow literature use):

* ``ring8``: 8 equally weighted Gaussians with means ``2 (cos 2πk/8, sin 2πk/8)`` and std 0.02
  (Metz et al. 2017, Unrolled GANs, §3.1; VEEGAN and PacGAN use the same).
* ``grid25``: 25 equally weighted Gaussians at ``{-4, -2, 0, 2, 4}²`` with std 0.05
  (VEEGAN, Srivastava et al. 2017, §5.1; PacGAN).
* ``moons``, ``swissroll``, ``checkerboard``: as in FFJORD's ``toy_data.py`` (Grathwohl et al.
  2019), the usual flow benchmarks. ``moons`` = 2·make_moons(noise 0.1) + (-1, -0.2), so the
  noise std is 0.2; ``swissroll`` = (t cos t, t sin t)/5 + N(0, 0.2² I) with
  t = 1.5π(1 + 2u), u ~ U(0, 1); ``checkerboard`` is uniform on the 8 dark squares of side 2
  of a 4x4 board covering [-4, 4]².
* ``bimodal1d``: ½ N(-2, 0.5²) + ½ N(2, 0.5²), the lecture's 1-D example of an implicit model.

Log-densities are exact for the Gaussian mixtures and the checkerboard; for ``moons`` and
``swissroll`` (a Gaussian smeared along a curve) they are the curve integral
``p(x) = ∫ N(x; c(u), σ² I) du`` evaluated by the midpoint rule on 4096 nodes, accurate to far
below 1e-3 nats because the node spacing is < 1/40 of σ.

Batch ``n`` of a toy dataset is drawn from numpy's generator seeded with ``(seed, split, n)``,
a pure function, so toy data are an endless, reproducible stream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from jaxgen.data.batching import Batch, rng_for

TRAIN, TEST = 0, 1


@dataclass(frozen=True)
class GaussianMixture:
    """Σ_k w_k N(x; μ_k, σ_k² I) with isotropic components."""

    means: np.ndarray  # (K, d)
    stds: np.ndarray  # (K,)
    weights: np.ndarray  # (K,)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        k = rng.choice(len(self.weights), size=n, p=self.weights)
        eps = rng.standard_normal((n, self.dim))
        return (self.means[k] + self.stds[k, None] * eps).astype(np.float32)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64)
        sq = ((x[:, None, :] - self.means[None]) ** 2).sum(-1)  # (n, K)
        var = self.stds**2
        log_norm = -0.5 * self.dim * np.log(2 * np.pi * var)
        return logsumexp(np.log(self.weights) + log_norm - 0.5 * sq / var, axis=1)


@dataclass(frozen=True)
class CurveDensity:
    """A Gaussian of std ``sigma`` smeared uniformly along curves ``u -> c(u)``, u ~ U(0, 1)."""

    curves: tuple[Callable[[np.ndarray], np.ndarray], ...]
    sigma: float
    offset: tuple[float, float] = (0.0, 0.0)
    nodes: int = 4096

    @property
    def dim(self) -> int:
        return 2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        which = rng.integers(len(self.curves), size=n)
        u = rng.uniform(size=n)
        points = np.stack([c(u) for c in self.curves])[which, np.arange(n)]
        return (points + self.sigma * rng.standard_normal((n, 2)) + self.offset).astype(np.float32)

    def log_prob(self, x: np.ndarray, chunk: int = 2048) -> np.ndarray:
        """log p(x) = log mean_j N(x; c_j, σ² I) over the curves' nodes c_j, with
        |x - c|² = |x|² + |c|² - 2 x·c (one matrix product per chunk of points) and the
        log-sum-exp shifted by each point's largest term."""
        x = np.asarray(x, np.float64) - self.offset
        u = (np.arange(self.nodes) + 0.5) / self.nodes
        centres = np.concatenate([c(u) for c in self.curves])  # (C * nodes, 2)
        centre_sq = (centres**2).sum(1)
        out = np.empty(len(x))
        for start in range(0, len(x), chunk):
            part = x[start : start + chunk]
            sq = (part**2).sum(1)[:, None] + centre_sq[None] - 2.0 * part @ centres.T
            exponent = -0.5 * np.maximum(sq, 0.0) / self.sigma**2
            top = exponent.max(1, keepdims=True)
            np.exp(exponent - top, out=exponent)
            out[start : start + chunk] = np.log(exponent.sum(1)) + top[:, 0]
        return out - np.log(2 * np.pi * self.sigma**2) - np.log(len(centres))


@dataclass(frozen=True)
class Checkerboard:
    """Uniform on the 8 dark squares [2i-4, 2i-2] x [2j-4, 2j-2], i + j even, of a 4x4 board.

    FFJORD's construction: x1 ~ U(-2, 2), x2 ~ U(-1, 0) or U(-2, -1), shifted up by floor(x1)
    mod 2, then both scaled by 2. The support has area 8 · 4 = 32, so log p = -log 32 on it.
    """

    @property
    def dim(self) -> int:
        return 2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        x1 = rng.uniform(size=n) * 4 - 2
        x2 = rng.uniform(size=n) - rng.integers(0, 2, size=n) * 2
        x2 = x2 + np.floor(x1) % 2
        return (np.stack([x1, x2], 1) * 2).astype(np.float32)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64) / 2
        inside = (np.abs(x[:, 0]) <= 2) & (np.abs(x[:, 1]) <= 2)
        on_dark = (np.floor(x[:, 0]) + np.floor(x[:, 1])) % 2 == 0
        return np.where(inside & on_dark, -np.log(32.0), -np.inf)


def _ring8() -> GaussianMixture:
    angles = 2 * np.pi * np.arange(8) / 8
    means = 2.0 * np.stack([np.cos(angles), np.sin(angles)], 1)
    return GaussianMixture(means, np.full(8, 0.02), np.full(8, 1 / 8))


def _grid25() -> GaussianMixture:
    ticks = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    means = np.stack(np.meshgrid(ticks, ticks, indexing="ij"), -1).reshape(-1, 2)
    return GaussianMixture(means, np.full(25, 0.05), np.full(25, 1 / 25))


def _bimodal1d() -> GaussianMixture:
    return GaussianMixture(np.array([[-2.0], [2.0]]), np.array([0.5, 0.5]), np.array([0.5, 0.5]))


def _moons() -> CurveDensity:
    def upper(u):
        t = np.pi * u
        return 2 * np.stack([np.cos(t), np.sin(t)], -1)

    def lower(u):
        t = np.pi * u
        return 2 * np.stack([1 - np.cos(t), 0.5 - np.sin(t)], -1)

    return CurveDensity((upper, lower), sigma=0.2, offset=(-1.0, -0.2))


def _swissroll() -> CurveDensity:
    def roll(u):
        t = 1.5 * np.pi * (1 + 2 * u)
        return np.stack([t * np.cos(t), t * np.sin(t)], -1) / 5

    return CurveDensity((roll,), sigma=0.2, nodes=8192)


DENSITIES: dict[str, Callable[[], GaussianMixture | CurveDensity | Checkerboard]] = {
    "ring8": _ring8,
    "grid25": _grid25,
    "moons": _moons,
    "swissroll": _swissroll,
    "checkerboard": Checkerboard,
    "bimodal1d": _bimodal1d,
}


@dataclass(frozen=True)
class ToyDataset:
    """An endless reproducible stream from a toy density: batch n = sample(rng(seed, TRAIN, n))."""

    name: str
    density: GaussianMixture | CurveDensity | Checkerboard
    seed: int = 0

    @property
    def element_shape(self) -> tuple[int, ...]:
        return (self.density.dim,)

    def get_batch(self, index: int, batch_size: int, rows: slice | None = None) -> Batch:
        x = self.density.sample(rng_for(self.seed, TRAIN, index), batch_size)
        return {"x": x if rows is None else x[rows]}

    def test_set(self, n: int) -> np.ndarray:
        """``n`` held-out samples from a stream disjoint from every training batch."""
        return self.density.sample(rng_for(self.seed, TEST, 0), n)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return self.density.log_prob(x)


def toy_dataset(name: str, seed: int = 0) -> ToyDataset:
    return ToyDataset(name, DENSITIES[name](), seed)
