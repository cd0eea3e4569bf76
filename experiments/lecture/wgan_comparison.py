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
import matplotlib.pyplot as plt  # noqa: E402

from experiments.lecture.common import (  # noqa: E402
    coverage_over_seeds,
    draw_coverage,
    output_dir,
    train_seed,
    write_json,
)
from jaxgen.data import get_dataset  # noqa: E402

DATASETS = ("ring8", "grid25")
FAMILIES = ("gan", "wgan", "wgan_gp")
SEEDS = range(5)


def main() -> None:
    out = output_dir("wgan_comparison", __doc__)
    summary = {}
    fig, axes = plt.subplots(len(DATASETS), len(FAMILIES), figsize=(15, 10))
    for row, dataset in enumerate(DATASETS):
        reference = get_dataset(dataset).test_set(2500)
        for col, family in enumerate(FAMILIES):
            runs = [train_seed(out, f"{family}/{dataset}", seed) for seed in SEEDS]
            name = f"{family}/{dataset}"
            summary[name] = coverage_over_seeds(runs)
            draw_coverage(axes[row, col], reference, runs[0]["samples"], name, summary[name])
    fig.tight_layout()
    fig.savefig(out / "wgan_comparison.png", dpi=100)
    write_json(out / "wgan_comparison.json", summary)


if __name__ == "__main__":
    main()
