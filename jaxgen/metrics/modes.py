"""Mode coverage for Gaussian-mixture data (VEEGAN §5.1, PacGAN §5 definitions).

A sample is *high-quality* when it lies within 3 standard deviations of its nearest mixture
centre; a mode is *captured* when at least one high-quality sample has it as nearest centre.
The papers evaluate 2500 samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ModeCoverage:
    """The result of :func:`mode_coverage`.

    Attributes:
      modes_captured: the modes with at least one high-quality sample nearest to them.
      num_modes: the mixture's modes.
      high_quality_fraction: the fraction of samples within 3 std of their nearest centre.
    """

    modes_captured: int
    num_modes: int
    high_quality_fraction: float


def nearest_mode(samples: np.ndarray, means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's nearest centre: its index k = argmin_k ‖x − μ_k‖ (n,) and the Euclidean
    distance ‖x − μ_k‖ (n,), for ``samples`` (n, d) and centres ``means`` (K, d)."""
    distances = np.linalg.norm(samples[:, None, :] - means[None], axis=-1)  # (n, K)
    nearest = distances.argmin(1)
    return nearest, distances[np.arange(len(samples)), nearest]


def mode_coverage(samples: np.ndarray, means: np.ndarray, std: float) -> ModeCoverage:
    """Modes captured and the high-quality fraction (definitions above) of ``samples`` (n, d)
    from a mixture with centres ``means`` (K, d) and per-component standard deviation
    ``std``."""
    nearest, distance = nearest_mode(samples, means)
    high_quality = distance <= 3 * std
    captured = np.unique(nearest[high_quality])
    return ModeCoverage(len(captured), len(means), float(high_quality.mean()))
