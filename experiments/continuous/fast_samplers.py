"""Fast samplers of the digits DDPM: Fréchet distance against network calls (NFE) for
ancestral sampling (Ho et al. 2020, 1000 steps), DDIM (Song et al. 2021; 50, 20, 10 steps),
DPM-Solver++(2M) (Lu et al. 2022; 30, 20, 10 steps) and EDM's Heun sampler (Karras et al.
2022; 15 and 10 noise levels: 29 and 19 NFE).

Trains, or resumes, ``configs/diffusion/digits.py`` in ``<out>/diffusion_digits`` (the same
run as ``experiments.conditioning.guidance_sweep``'s unconditional model), then draws
``--num_samples`` digits by each sampler, ``--seeds`` times (keys ``seed + 1``, ``seed + 2``,
…; every sampler starts from the same x_T per key), and judges them by the project's
classifier against the held-out digits: the mean Fréchet distance over the draws with its
standard error (one draw of 1000 digits varies by about ±1). Writes ``fast_samplers.png``
(FD against NFE) and ``fast_samplers.json``.
"""

from __future__ import annotations

import time
from pathlib import Path

import jax
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.configs.diffusion.digits import get_config  # noqa: E402
from experiments.families.evaluation import digits_metrics  # noqa: E402
from experiments.lecture.common import output_folder, save_results, study_arguments  # noqa: E402
from experiments.train import build_experiment, restore_trained, train_and_evaluate  # noqa: E402
from jaxgen.diffusion.ode_samplers import function_evaluations  # noqa: E402

SAMPLERS = (
    ("ancestral", 0),
    ("ddim", 50),
    ("ddim", 20),
    ("ddim", 10),
    ("dpm_solver_pp", 30),
    ("dpm_solver_pp", 20),
    ("dpm_solver_pp", 10),
    ("heun", 15),
    ("heun", 10),
)


def compare(out: Path, num_samples: int, seeds: int, num_steps: int | None = None) -> list[dict]:
    config = get_config()
    config.train.progress, config.train.eval_every, config.eval.bound_examples = False, 0, 0
    if num_steps is not None:
        config.train.num_steps = num_steps
    workdir = out / "diffusion_digits"
    train_and_evaluate(config, workdir)
    state, _ = restore_trained(config, workdir, build_experiment(config))
    rows = []
    for sampler, steps in SAMPLERS:  # the sampler settings change the sampler, not the state
        config.model.sampler, config.model.sample_steps = sampler, steps
        experiment = build_experiment(config)
        keys = [jax.random.key(config.seed + 1 + i) for i in range(seeds)]
        experiment.sample(state, keys[0], num_samples)  # compile first: the timing is sampling
        start = time.perf_counter()
        draws = [experiment.sample(state, key, num_samples) for key in keys]
        seconds = (time.perf_counter() - start) / seeds
        distances = [digits_metrics(x)["frechet_distance_to_test"] for x in draws]
        rows.append(
            {
                "sampler": sampler,
                "steps": steps or config.model.num_timesteps,
                "nfe": function_evaluations(sampler, steps or config.model.num_timesteps),
                "frechet_distance": float(np.mean(distances)),
                "standard_error": float(np.std(distances, ddof=1) / np.sqrt(seeds)),
                "frechet_distances": distances,
                "seconds_per_draw": round(seconds, 2),
            }
        )
        print({k: v for k, v in rows[-1].items() if k != "frechet_distances"}, flush=True)
    return rows


def draw(rows: list[dict]):
    fig, ax = plt.subplots(figsize=(6, 4))
    for sampler in dict.fromkeys(r["sampler"] for r in rows):
        mine = [r for r in rows if r["sampler"] == sampler]
        ax.plot(
            [r["nfe"] for r in mine], [r["frechet_distance"] for r in mine], "o-", label=sampler
        )
    ax.set_xscale("log")
    ax.set_xlabel("network calls (NFE)")
    ax.set_ylabel("Fréchet distance to test digits")
    ax.legend()
    return fig


def main() -> None:
    parser = study_arguments(__doc__, "runs/conditioning")
    parser.add_argument("--num_samples", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=5, help="draws per sampler")
    args = parser.parse_args()
    out = output_folder(args)
    rows = compare(out, args.num_samples, args.seeds, args.num_steps)
    save_results(draw(rows), out, "fast_samplers", {"num_samples": args.num_samples, "rows": rows})


if __name__ == "__main__":
    main()
