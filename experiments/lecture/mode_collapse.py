"""Why GANs are hard to train, problem 2: mode collapse, minimax against non-saturating loss.

On ring8 and grid25 (configs ``experiments/configs/gan/{ring8,grid25}.py``), for the minimax
(saturating) and the non-saturating generator loss and 5 seeds each: modes captured and the
fraction of high-quality samples (VEEGAN/PacGAN definitions, 2500 samples) as mean ± standard
error over seeds, and scatter plots of seed 0. Each run lives in its own workdir under
``--out`` and resumes if interrupted. Writes ``mode_collapse.png`` and ``mode_collapse.json``.
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
OBJECTIVES = ("minimax", "non_saturating")
SEEDS = range(5)


def main() -> None:
    out = output_dir("mode_collapse", __doc__)
    summary = {}
    fig, axes = plt.subplots(len(DATASETS), len(OBJECTIVES), figsize=(10, 10))
    for row, dataset in enumerate(DATASETS):
        reference = get_dataset(dataset).test_set(2500)
        for col, objective in enumerate(OBJECTIVES):
            runs = [train_seed(out, f"gan/{dataset}", seed, objective=objective) for seed in SEEDS]
            summary[f"{dataset}/{objective}"] = coverage_over_seeds(runs)
            draw_coverage(
                axes[row, col],
                reference,
                runs[0]["samples"],
                f"{dataset}, {objective}",
                summary[f"{dataset}/{objective}"],
            )
    fig.tight_layout()
    fig.savefig(out / "mode_collapse.png", dpi=100)
    write_json(out / "mode_collapse.json", summary)


if __name__ == "__main__":
    main()
