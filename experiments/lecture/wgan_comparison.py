"""GAN against WGAN against WGAN-GP on the same data, networks and seeds (the lecture's
"Extensions to GAN"; Arjovsky et al. 2017; Gulrajani et al. 2017).

On ring8 and grid25, for the non-saturating GAN (``configs/gan``), WGAN with weight clipping
(``configs/wgan``, Algorithm 1) and WGAN-GP (``configs/wgan_gp``, the authors' toy settings)
and 5 seeds each: modes captured and the high-quality fraction (VEEGAN/PacGAN definitions,
2500 samples) as mean ± standard error, and scatter plots of seed 0. The three share each
task's data, MLPs and number of generator iterations. Each run resumes if interrupted.
Writes ``wgan_comparison.png`` and ``wgan_comparison.json``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from experiments.lecture.common import coverage_study, train_seed  # noqa: E402

DATASETS = ("ring8", "grid25")
FAMILIES = ("gan", "wgan", "wgan_gp")


def train(out, dataset: str, family: str, seed: int) -> dict:
    return train_seed(out, f"{family}/{dataset}", seed)


def main() -> None:
    coverage_study("wgan_comparison", __doc__, DATASETS, FAMILIES, train)


if __name__ == "__main__":
    main()
