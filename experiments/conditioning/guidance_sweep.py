"""Classifier-free guidance's trade-off on the digits (Ho & Salimans 2022, §4.1, Fig. 4):
label accuracy against Fréchet distance as the guidance weight w grows.

1. Trains, or resumes, the class-conditional DDPM ``configs/diffusion/digits_guided.py`` in
   ``<out>/diffusion_digits_guided`` and the unconditional ``configs/diffusion/digits.py``
   (the same network and run) in ``<out>/diffusion_digits``.
2. For each w, draws ``--num_samples`` digits, sample i for class i mod 10 (DDIM, 50 steps,
   η = 0, the same key for every w), and reports by the project's classifier the fraction
   read as the requested class (overall and per class), the Fréchet distance to the held-out
   digits and each class's distance to that class's digits. The unconditional model's
   samples, drawn by the same sampler, give the distance the guided ones are read against.

Writes ``guidance_sweep.png`` (the trade-off curve; a 10x10 grid per w, a class per column)
and ``guidance_sweep.json``.
"""

from __future__ import annotations

from pathlib import Path

import jax
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.configs.diffusion import digits, digits_guided  # noqa: E402
from experiments.lecture.common import output_folder, save_results, study_arguments  # noqa: E402
from experiments.train import build_experiment, restore_trained, train_and_evaluate  # noqa: E402
from jaxgen.viz import image_grid  # noqa: E402

WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)
SAMPLER = {"sampler": "ddim", "sample_steps": 50, "eta": 0.0}


def evaluate_at(config, workdir: Path, num_samples: int) -> tuple[dict, np.ndarray]:
    """The config's evaluation of the workdir's final state, and its first 100 samples."""
    config.eval.num_samples = num_samples
    config.eval.bound_examples = 0
    experiment = build_experiment(config)
    state, _ = restore_trained(config, workdir, experiment)
    results = experiment.task.evaluate(state, experiment.dataset)
    grid = experiment.sample(state, jax.random.key(config.seed + 1), 100)
    return results, np.asarray(grid)


def trained(config, workdir: Path, num_steps: int | None) -> None:
    config.train.progress = False
    config.train.eval_every = 0
    if num_steps is not None:
        config.train.num_steps = num_steps
    config.eval.bound_examples = 0
    train_and_evaluate(config, workdir)


def sweep(out: Path, weights=WEIGHTS, num_samples: int = 1000, num_steps: int | None = None):
    """Train both models (or resume), evaluate each w; returns the numbers and the grids."""
    unconditional = digits.get_config()
    unconditional.model.update(SAMPLER)
    trained(unconditional, out / "diffusion_digits", num_steps)
    baseline, _ = evaluate_at(unconditional, out / "diffusion_digits", num_samples)

    conditional = digits_guided.get_config()
    conditional.model.update(SAMPLER)
    trained(conditional, out / "diffusion_digits_guided", num_steps)
    rows, grids = [], {}
    for w in weights:
        conditional.model.guidance = float(w)
        results, grids[w] = evaluate_at(conditional, out / "diffusion_digits_guided", num_samples)
        rows.append({"guidance": float(w), **results})
    summary = {
        "num_samples": num_samples,
        "sampler": SAMPLER,
        "unconditional_frechet_distance": baseline["frechet_distance_to_test"],
        "train_to_test_frechet_distance": baseline["frechet_distance_train_to_test"],
        "sweep": rows,
    }
    return summary, grids


def draw(summary: dict, grids: dict):
    rows = summary["sweep"]
    fig = plt.figure(figsize=(4 + 2.2 * len(rows), 4.5))
    ax = fig.add_subplot(1, len(rows) + 2, (1, 2))
    accuracy = [r["label_accuracy"] for r in rows]
    distance = [r["frechet_distance_to_test"] for r in rows]
    ax.plot(accuracy, distance, "o-")
    for r, a, d in zip(rows, accuracy, distance, strict=True):
        ax.annotate(f"w={r['guidance']:g}", (a, d), textcoords="offset points", xytext=(4, 4))
    ax.axhline(summary["unconditional_frechet_distance"], color="0.5", ls="--")
    ax.text(ax.get_xlim()[0], summary["unconditional_frechet_distance"], " unconditional")
    ax.set_xlabel("label accuracy (classifier)")
    ax.set_ylabel("Fréchet distance to test digits")
    for i, r in enumerate(rows):
        panel = fig.add_subplot(1, len(rows) + 2, i + 3)
        panel.imshow(image_grid(np.clip((grids[r["guidance"]] + 1) / 2, 0, 1))[..., 0], "gray")
        panel.set_title(f"w = {r['guidance']:g}")
        panel.axis("off")
    return fig


def main() -> None:
    parser = study_arguments(__doc__, "runs/conditioning")
    parser.add_argument("--weights", default=",".join(map(str, WEIGHTS)), help="the w swept")
    parser.add_argument("--num_samples", type=int, default=1000)
    args = parser.parse_args()
    out = output_folder(args)
    weights = tuple(float(w) for w in args.weights.split(","))
    summary, grids = sweep(out, weights, args.num_samples, args.num_steps)
    save_results(draw(summary, grids), out, "guidance_sweep", summary)
    for r in summary["sweep"]:
        print(
            f"w={r['guidance']:g}: accuracy {r['label_accuracy']:.3f}, "
            f"FD {r['frechet_distance_to_test']:.2f}, "
            f"mean per-class FD {r['mean_per_class_frechet_distance']:.2f}"
        )
    print(f"unconditional FD {summary['unconditional_frechet_distance']:.2f}")


if __name__ == "__main__":
    main()
