"""Why GANs are hard to train, problem 2: mode collapse, minimax against non-saturating loss.

On ring8 and grid25 (configs ``experiments/configs/gan/{ring8,grid25}.py``), for the minimax
(saturating) and the non-saturating generator loss and 5 seeds each: modes captured and the
fraction of high-quality samples (VEEGAN/PacGAN definitions, 2500 samples) as mean ± standard
error over seeds, and scatter plots of seed 0. Each run lives in its own workdir under
``--out`` and resumes if interrupted. Writes ``mode_collapse.png`` and ``mode_collapse.json``.
"""

from __future__ import annotations

import importlib

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.lecture.common import output_dir, write_json  # noqa: E402
from experiments.train import sample, train_and_evaluate  # noqa: E402
from jaxgen.data import get_dataset  # noqa: E402

DATASETS = ("ring8", "grid25")
OBJECTIVES = ("minimax", "non_saturating")
SEEDS = range(5)


def run_one(out, dataset: str, objective: str, seed: int, num_steps: int | None = None) -> dict:
    config = importlib.import_module(f"experiments.configs.gan.{dataset}").get_config()
    config.seed = seed
    config.model.objective = objective
    config.train.progress = False
    config.train.eval_every = 0
    if num_steps is not None:
        config.train.num_steps = num_steps
    workdir = out / f"{dataset}_{objective}_seed{seed}"
    results = train_and_evaluate(config, workdir)
    sample(config, workdir, config.eval.num_samples)
    return {**results, "samples": np.load(workdir / "samples.npz")["x"]}


def mean_and_standard_error(values) -> tuple[float, float]:
    values = np.asarray(values, float)
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))


def main() -> None:
    out = output_dir("mode_collapse", __doc__)
    summary = {}
    fig, axes = plt.subplots(len(DATASETS), len(OBJECTIVES), figsize=(10, 10))
    for row, dataset in enumerate(DATASETS):
        reference = get_dataset(dataset).test_set(2500)
        for col, objective in enumerate(OBJECTIVES):
            runs = [run_one(out, dataset, objective, seed) for seed in SEEDS]
            modes = [r["modes_captured"] for r in runs]
            quality = [r["high_quality_fraction"] for r in runs]
            (m_mean, m_se), (q_mean, q_se) = (
                mean_and_standard_error(modes),
                mean_and_standard_error(quality),
            )
            summary[f"{dataset}/{objective}"] = {
                "modes_captured": modes,
                "high_quality_fraction": quality,
                "modes_mean": m_mean,
                "modes_standard_error": m_se,
                "high_quality_mean": q_mean,
                "high_quality_standard_error": q_se,
                "num_modes": runs[0]["num_modes"],
            }
            ax = axes[row, col]
            ax.scatter(*reference.T, s=1, c="0.8")
            ax.scatter(*runs[0]["samples"].T, s=1)
            ax.set_aspect("equal")
            ax.set_title(
                f"{dataset}, {objective}\nmodes {m_mean:.1f} ± {m_se:.1f} / "
                f"{runs[0]['num_modes']}, HQ {100 * q_mean:.0f} ± {100 * q_se:.0f}%"
            )
    fig.tight_layout()
    fig.savefig(out / "mode_collapse.png", dpi=100)
    write_json(out / "mode_collapse.json", summary)


if __name__ == "__main__":
    main()
