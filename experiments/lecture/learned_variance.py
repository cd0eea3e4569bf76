"""The reverse process with a learned variance: p_θ(x_{t−1} | x_t) = N(μ_θ, Σ_θ) as the
lecture writes it, against Ho et al.'s fixed Σ = σ_t² I (Nichol & Dhariwal 2021, §3.1, §4).

Two digits DDPMs with the same network, process, optimiser and run length, trained (or
resumed) under ``--out``: ``configs/diffusion/digits.py`` (L_simple, fixed Σ) and
``configs/diffusion/digits_learned_variance.py`` (L_hybrid, learned Σ). Reported:

1. the variational bound in bits/dim on the held-out digits: the fixed model with σ_t² = β_t
   (its config) and with β̃_t, and the learned model (Nichol & Dhariwal's Table 1/2: L_hybrid
   improves the bound);
2. the Fréchet distance of ancestral samples on 1000 (all), 100, 50, 25 and 10 evenly
   respaced steps (their §4, Fig. 8: a learned Σ keeps its quality with few steps, where the
   fixed choices lose theirs), mean ± standard error over ``--draws`` draws of ``--samples``
   digits (one draw on all 1000 steps, the slowest), the draws' keys shared by the three
   samplers;
3. the learned interpolation u = (v + 1)/2 between log β̃_t (u = 0) and log β_t (u = 1),
   averaged over 64 held-out digits and their pixels, against t.

Writes ``learned_variance.png`` and ``learned_variance.json``.
"""

from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.configs.diffusion.digits import get_config as fixed_config  # noqa: E402
from experiments.configs.diffusion.digits_learned_variance import (  # noqa: E402
    get_config as learned_config,
)
from experiments.families.diffusion import bound_evaluation, make_sampler  # noqa: E402
from experiments.families.evaluation import (  # noqa: E402
    digits_metrics,
    train_to_test_digits_distance,
)
from experiments.lecture.common import (  # noqa: E402
    mean_and_standard_error,
    output_folder,
    save_results,
    study_arguments,
)
from experiments.train import build_experiment, restore_trained, train_and_evaluate  # noqa: E402
from jaxgen.core import compiler  # noqa: E402
from jaxgen.data.digits import load_digits_arrays  # noqa: E402
from jaxgen.diffusion import ReverseProcess, denoiser_fn, make_schedule, q_sample  # noqa: E402
from jaxgen.viz import image_grid  # noqa: E402

SAMPLE_STEPS = (1000, 100, 50, 25, 10)
SAMPLERS = {  # name: (model, the variance its reverse process uses)
    "fixed, σ² = β (Ho et al.)": ("fixed", "large"),
    "fixed, σ² = β̃ (posterior)": ("fixed", "small"),
    "learned Σ_θ (L_hybrid)": ("learned", "learned"),
}
CONFIGS = {"fixed": fixed_config, "learned": learned_config}


def trained_states(out, num_steps: int | None) -> dict:
    """Each model's config and trained state, trained or resumed in
    ``out/diffusion_<config>_seed<seed>`` (a run that already ended with this many steps is
    restored, not evaluated again: the study draws its own samples)."""
    models = {}
    for name, get_config in CONFIGS.items():
        config = get_config()
        config.train.progress = False
        config.train.eval_every = 0
        if num_steps is not None:
            config.train.num_steps = num_steps
        workdir = out / f"diffusion_{get_config.__module__.rsplit('.', 1)[-1]}_seed{config.seed}"
        if not finished(workdir, config.train.num_steps):
            train_and_evaluate(config, workdir)
        state, _ = restore_trained(config, workdir, build_experiment(config))
        models[name] = {"config": config, "state": state}
    return models


def finished(workdir, num_steps: int) -> bool:
    """Whether ``workdir`` holds a run that ended (its ``results.json`` written) after
    ``num_steps`` steps."""
    record = workdir / "config.json"
    return (workdir / "results.json").exists() and (
        record.exists() and json.loads(record.read_text())["train"]["num_steps"] == num_steps
    )


def with_variance(config, variance: str):
    """A copy of ``config`` whose reverse process uses ``variance`` (the fixed model's
    network serves σ² = β and β̃ alike)."""
    copy = config.copy_and_resolve_references()
    copy.model.variance = variance
    return copy


def bound_bits_per_dim(config, state) -> float:
    """The family's evaluation of the variational bound (bits/dim, the first
    ``eval.bound_examples`` held-out digits)."""
    schedule = make_schedule(config.model.schedule, config.model.num_timesteps)
    return bound_evaluation(config, schedule)(state, None)["test_bound_bits_per_dim"]


def frechet_against_steps(models, steps_grid, n: int, draws: int, seed: int = 1) -> dict:
    """FD to the test digits (mean ± s.e. over ``draws``, one draw on the full schedule) of
    ancestral samples on each count of evenly respaced steps, per sampler, and 20 samples of
    each at each count."""
    table = {}
    for label, (model, variance) in SAMPLERS.items():
        state, config = models[model]["state"], with_variance(models[model]["config"], variance)
        schedule = make_schedule(config.model.schedule, config.model.num_timesteps)
        rows = {}
        for steps in steps_grid:
            draw = make_sampler(config.model, schedule, (8, 8, 1), "ancestral", steps)
            count = 1 if steps == config.model.num_timesteps else draws
            runs = [np.asarray(draw(state, jax.random.key(seed + d), n)) for d in range(count)]
            fds = [digits_metrics(x)["frechet_distance_to_test"] for x in runs]
            mean, se = mean_and_standard_error(fds) if count > 1 else (fds[0], 0.0)
            rows[steps] = {"fd": fds, "mean": mean, "standard_error": se, "samples": runs[0][:20]}
        table[label] = rows
    return table


def variance_interpolation(config, state, x: np.ndarray, timesteps) -> np.ndarray:
    """The mean u = (v + 1)/2 of the learned model over the digits ``x`` and their pixels at
    each of ``timesteps`` (x_t drawn from q(x_t | x_0) with a fixed key)."""
    schedule = make_schedule(config.model.schedule, config.model.num_timesteps)
    net = denoiser_fn(state.denoiser)
    reverse = ReverseProcess(variance="learned")

    @compiler.jit
    def mean_u(t):
        t = jnp.full(x.shape[:1], t)
        noise = jax.random.normal(jax.random.key(0), x.shape)
        _, v = reverse.split(net(q_sample(schedule, x, t, noise), schedule.timesteps[t]))
        return jnp.mean((v + 1) / 2)

    return np.asarray([float(mean_u(t)) for t in timesteps])


def draw_figure(result: dict):
    fig, axes = plt.subplots(1, 3 + len(SAMPLERS), figsize=(4.2 * (3 + len(SAMPLERS)), 4))
    for label, rows in result["frechet"].items():
        steps = sorted(rows)
        axes[0].errorbar(
            steps,
            [rows[k]["mean"] for k in steps],
            [rows[k]["standard_error"] for k in steps],
            marker="o",
            capsize=3,
            label=label,
        )
    axes[0].axhline(result["frechet_train_to_test"], color="0.6", ls="--", label="train vs test")
    axes[0].set(xscale="log", yscale="log", xlabel="sampling steps", title="FD to test digits")
    axes[0].legend(fontsize=8)
    bounds = result["bound_bits_per_dim"]
    axes[1].barh(list(bounds), list(bounds.values()))
    axes[1].set(xlabel="bits/dim", title="variational bound, held-out digits")
    axes[1].set_xlim(min(bounds.values()) * 0.9, max(bounds.values()) * 1.02)
    axes[2].plot(result["u_timesteps"], result["u"], "o-")
    axes[2].set(xlabel="t", ylim=(-0.05, 1.05), title="learned u: log Σ = u log β + (1 − u) log β̃")
    few = min(next(iter(result["frechet"].values())))
    for ax, (label, rows) in zip(axes[3:], result["frechet"].items(), strict=True):
        grid = image_grid(np.clip((rows[few]["samples"] + 1) / 2, 0, 1), columns=5)
        ax.imshow(grid[..., 0], cmap="gray")
        ax.set_title(f"{label}\n{few} steps: FD {rows[few]['mean']:.1f}", fontsize=9)
        ax.axis("off")
    return fig


def run(out, num_steps=None, steps_grid=SAMPLE_STEPS, n=1000, draws=3) -> dict:
    models = trained_states(out, num_steps)
    learned = models["learned"]
    bounds = {
        label: bound_bits_per_dim(
            with_variance(models[model]["config"], variance), models[model]["state"]
        )
        for label, (model, variance) in SAMPLERS.items()
    }
    x = load_digits_arrays("test")["x"][:64]
    u_timesteps = np.linspace(0, learned["config"].model.num_timesteps - 1, 11).astype(int)
    return {
        "bound_bits_per_dim": bounds,
        "frechet": frechet_against_steps(models, steps_grid, n, draws),
        "frechet_train_to_test": train_to_test_digits_distance(),
        "u_timesteps": u_timesteps.tolist(),
        "u": variance_interpolation(learned["config"], learned["state"], x, u_timesteps).tolist(),
        "training_steps": int(learned["config"].train.num_steps),
    }


def numbers(result: dict) -> dict:
    """The result without its sample images, FD tables keyed by step count."""
    frechet = {
        label: {str(k): without_samples(row) for k, row in rows.items()}
        for label, rows in result["frechet"].items()
    }
    return {**result, "frechet": frechet}


def without_samples(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "samples"}


def main() -> None:
    parser = study_arguments(__doc__, "runs/lecture/learned_variance")
    parser.add_argument("--samples", type=int, default=1000, help="digits per FD draw")
    parser.add_argument("--draws", type=int, default=3, help="FD draws per sampler")
    args = parser.parse_args()
    out = output_folder(args)
    result = run(out, args.num_steps, n=args.samples, draws=args.draws)
    save_results(draw_figure(result), out, "learned_variance", numbers(result))


if __name__ == "__main__":
    main()
