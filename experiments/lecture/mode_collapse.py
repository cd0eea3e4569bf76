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

from experiments.lecture.common import coverage_study, train_seed  # noqa: E402

DATASETS = ("ring8", "grid25")
OBJECTIVES = ("minimax", "non_saturating")


def train(out, dataset: str, objective: str, seed: int) -> dict:
    return train_seed(out, f"gan/{dataset}", seed, objective=objective)


def main() -> None:
    coverage_study("mode_collapse", __doc__, DATASETS, OBJECTIVES, train)


if __name__ == "__main__":
    main()
