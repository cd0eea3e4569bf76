"""pix2pix against its baselines (Isola et al. 2017, §4.2, Table 1, Fig. 4): the same U-Net
trained on L1 alone and on cGAN + L1, and left untrained, on the bundled paired tasks
(``configs/pix2pix/edges2digits.py``, ``configs/pix2pix/bw2colour.py``).

Each model trains, or resumes, in ``<out>/pix2pix_<task>_<loss>``; the held-out pairs are
scored as the pix2pix experiments score them (L1 to the targets, the Fréchet distance of the
outputs to the targets and the classifier's label accuracy for digits, the colour-moment gap
for colour). Writes ``pix2pix_comparison.png`` (rows input | L1 | cGAN + L1 | target per
task) and ``pix2pix_comparison.json``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import jax
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.families.pix2pix import (  # noqa: E402
    EVAL_KEY,
    FIGURE_ROWS,
    held_out_pairs,
)
from experiments.lecture.common import output_folder, save_results, study_arguments  # noqa: E402
from experiments.train import build_experiment, restore_trained, train_and_evaluate  # noqa: E402
from jaxgen.pix2pix import translate  # noqa: E402
from jaxgen.viz import image_rows  # noqa: E402

TASKS = ("edges2digits", "bw2colour")
LOSSES = {"l1": 0.0, "cgan_l1": 1.0}  # the generator's adversarial weight


def config_of(task: str, adversarial_weight: float, num_steps: int | None):
    config = importlib.import_module(f"experiments.configs.pix2pix.{task}").get_config()
    config.model.adversarial_weight = adversarial_weight
    config.train.progress = False
    config.train.eval_every = 0
    if num_steps is not None:
        config.train.num_steps = num_steps
        config.optim.constant_steps = num_steps * 2 // 3
        config.optim.decay_steps = num_steps - num_steps * 2 // 3
    return config


def compare(out: Path, tasks=TASKS, num_steps: int | None = None):
    """Train each task's two models (or resume); returns results and figure rows per task."""
    summary, rows = {}, {}
    for task in tasks:
        summary[task], outputs = {}, {}
        for name, weight in LOSSES.items():
            config = config_of(task, weight, num_steps)
            workdir = out / f"pix2pix_{task}_{name}"
            summary[task][name] = train_and_evaluate(config, workdir)
            experiment = build_experiment(config)
            state, _ = restore_trained(config, workdir, experiment)
            pairs = {k: v[:FIGURE_ROWS] for k, v in held_out_pairs(config).items()}
            key = jax.random.key(EVAL_KEY)  # the evaluation's masks for its first chunk
            outputs[name] = np.asarray(translate(state, pairs["input"], jax.random.fold_in(key, 0)))
        untrained = {
            k.removeprefix("untrained_"): v
            for k, v in summary[task]["cgan_l1"].items()
            if k.startswith("untrained_")
        }
        summary[task] = {
            "untrained": untrained,
            **{name: strip(r) for name, r in summary[task].items()},
        }
        rows[task] = [pairs["input"], outputs["l1"], outputs["cgan_l1"], pairs["x"]]
    return summary, rows


def strip(results: dict) -> dict:
    return {k: v for k, v in results.items() if not k.startswith("untrained_")}


def draw(rows: dict):
    fig, axes = plt.subplots(1, len(rows), figsize=(3.2 * len(rows), 8), squeeze=False)
    for ax, (task, columns) in zip(axes[0], rows.items(), strict=True):
        grid = image_rows(columns)
        ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{task}\ninput | L1 | cGAN + L1 | target", fontsize=9)
        ax.axis("off")
    return fig


def main() -> None:
    parser = study_arguments(__doc__, "runs/conditioning")
    parser.add_argument("--tasks", default=",".join(TASKS))
    args = parser.parse_args()
    out = output_folder(args)
    summary, rows = compare(out, tuple(args.tasks.split(",")), args.num_steps)
    save_results(draw(rows), out, "pix2pix_comparison", summary)
    for task, models in summary.items():
        for name, results in models.items():
            numbers = ", ".join(f"{k} {v:.4g}" for k, v in results.items())
            print(f"{task} {name}: {numbers}")


if __name__ == "__main__":
    main()
