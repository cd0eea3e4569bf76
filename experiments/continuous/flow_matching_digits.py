"""Flow matching on the digits: Fréchet distance against network calls (NFE) for each ODE
solver, and the test likelihood in bits/dim, beside the digits DDPM.

Trains, or resumes, ``configs/flow_matching/digits.py`` in ``<out>/flow_matching_digits``
(the DDPM's network, optimiser and steps), then draws ``--num_samples`` digits by Euler
(10, 20, 50 steps), Heun (5, 10, 25 steps: 10, 20, 50 NFE) and Dopri5 (tolerances 1e-3 and
1e-5), ``--seeds`` times (keys ``seed + 1``, …; every solver starts from the same noise per
key), and judges them by the project's classifier against the held-out digits: the mean
Fréchet distance over the draws with its standard error. The likelihood is Hutchinson's
estimate on the 360 held-out digits the DDPM's bound is computed on (Dopri5 at 1e-5).
Writes ``flow_matching_digits.png`` (FD against NFE) and ``flow_matching_digits.json``;
``experiments.continuous.fast_samplers`` measures the DDPM's samplers on the same keys.
"""

from __future__ import annotations

import time
from pathlib import Path

import jax
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.configs.flow_matching.digits import get_config  # noqa: E402
from experiments.families.evaluation import digits_metrics  # noqa: E402
from experiments.lecture.common import output_folder, save_results, study_arguments  # noqa: E402
from experiments.train import build_experiment, restore_trained, train_and_evaluate  # noqa: E402

SOLVERS = (
    ("euler", 10, 0.0),
    ("euler", 20, 0.0),
    ("euler", 50, 0.0),
    ("heun", 5, 0.0),
    ("heun", 10, 0.0),
    ("heun", 25, 0.0),
    ("dopri5", 0, 1e-3),
    ("dopri5", 0, 1e-5),
)


def compare(out: Path, num_samples: int, seeds: int, num_steps: int | None = None) -> dict:
    config = get_config()
    config.train.progress, config.train.eval_every = False, 0
    if num_steps is not None:
        config.train.num_steps = num_steps
    workdir = out / "flow_matching_digits"
    train_and_evaluate(config, workdir)
    experiment = build_experiment(config)
    state, _ = restore_trained(config, workdir, experiment)
    likelihood = experiment.likelihood(state)
    print(likelihood, flush=True)
    rows = []
    for solver, steps, tolerance in SOLVERS:  # sampler settings: the same state
        config.model.update(solver=solver, sample_steps=steps)
        if tolerance:
            config.model.update(rtol=tolerance, atol=tolerance)
        experiment = build_experiment(config)
        keys = [jax.random.key(config.seed + 1 + i) for i in range(seeds)]
        experiment.sample(state, keys[0], num_samples)  # compile first: the timing is sampling
        sampler = experiment.sample
        sampler.nfe = 0
        start = time.perf_counter()
        draws = [sampler(state, key, num_samples) for key in keys]
        seconds = (time.perf_counter() - start) / seeds
        distances = [digits_metrics(x)["frechet_distance_to_test"] for x in draws]
        rows.append(
            {
                "solver": solver,
                "steps": steps,
                "tolerance": tolerance,
                "nfe": sampler.nfe,
                "frechet_distance": float(np.mean(distances)),
                "standard_error": float(np.std(distances, ddof=1) / np.sqrt(seeds)),
                "frechet_distances": distances,
                "seconds_per_draw": round(seconds, 2),
            }
        )
        print({k: v for k, v in rows[-1].items() if k != "frechet_distances"}, flush=True)
    return {"likelihood": likelihood, "rows": rows}


def draw(rows: list[dict]):
    fig, ax = plt.subplots(figsize=(6, 4))
    for solver in dict.fromkeys(r["solver"] for r in rows):
        mine = [r for r in rows if r["solver"] == solver]
        ax.errorbar(
            [r["nfe"] for r in mine],
            [r["frechet_distance"] for r in mine],
            yerr=[r["standard_error"] for r in mine],
            marker="o",
            label=solver,
        )
    ax.set_xscale("log")
    ax.set_xlabel("network calls (NFE; Dopri5: the most of a draw)")
    ax.set_ylabel("Fréchet distance to test digits")
    ax.set_title("flow matching on the digits")
    ax.legend()
    return fig


def main() -> None:
    parser = study_arguments(__doc__, "runs/continuous")
    parser.add_argument("--num_samples", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=5, help="draws per solver")
    args = parser.parse_args()
    out = output_folder(args)
    results = compare(out, args.num_samples, args.seeds, args.num_steps)
    save_results(
        draw(results["rows"]),
        out,
        "flow_matching_digits",
        {"num_samples": args.num_samples, **results},
    )


if __name__ == "__main__":
    main()
