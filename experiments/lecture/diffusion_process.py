"""The lecture's diffusion pictures, and fast samplers against Algorithm 2 (Ho et al. 2020;
DDIM, Song et al. 2021, Table 1's experiment on our digits).

1. The forward process on a digit: x_t ~ q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) at several t
   (closed form, no training), beside ᾱ_t of the linear and cosine schedules.
2. The digits DDPM (``configs/diffusion/digits.py``) trained, or resumed, in
   ``<out>/diffusion_digits``; the reverse trajectory x_T → x_0 of a few samples.
3. DDIM (η = 0) on 10, 20, 50 and 100 evenly spaced steps against 1000-step ancestral
   sampling: the Fréchet distance of ``N`` samples to the held-out digits (the project's
   classifier features; the train-to-test distance is the floor) and the sampling time.

Writes ``diffusion_process.png``, ``diffusion_samplers.png`` and ``diffusion.json``.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.configs.diffusion.digits import get_config  # noqa: E402
from experiments.families.diffusion import make_sampler, reverse_steps  # noqa: E402
from experiments.families.evaluation import (  # noqa: E402
    digits_metrics,
    train_to_test_digits_distance,
)
from experiments.lecture.common import output_dir, write_json  # noqa: E402
from experiments.train import build_experiment, restore_trained, train_and_evaluate  # noqa: E402
from jaxgen.core import compiler  # noqa: E402
from jaxgen.data.digits import load_digits_arrays  # noqa: E402
from jaxgen.diffusion import denoiser_fn, make_schedule, q_sample, run_reverse  # noqa: E402
from jaxgen.viz import image_grid  # noqa: E402

FORWARD_STEPS = (0, 50, 100, 250, 500, 750, 999)
DDIM_STEPS = (10, 20, 50, 100)


def forward_process(schedule, digit: np.ndarray, key: jax.Array) -> np.ndarray:
    """x_t of one digit at each of ``FORWARD_STEPS`` (shared noise), (len, 8, 8, 1)."""
    t = jnp.asarray(FORWARD_STEPS)
    x0 = jnp.broadcast_to(digit, (len(FORWARD_STEPS), *digit.shape))
    noise = jnp.broadcast_to(jax.random.normal(key, digit.shape), x0.shape)
    return np.asarray(q_sample(schedule, x0, t, noise))


def trajectory(config, state, key: jax.Array, n: int, keep: int = 8) -> np.ndarray:
    """``keep`` evenly spaced frames (x_T first, x_0 last) of n ancestral samples."""
    model = config.model
    schedule = make_schedule(model.schedule, model.num_timesteps)
    step, num_steps = reverse_steps(model, schedule, denoiser_fn(state.denoiser), "ancestral", 0)
    x_T = jax.random.normal(key, (n, 8, 8, 1))
    _, frames = compiler.jit(lambda x, k: run_reverse(step, num_steps, x, k, record=True))(x_T, key)
    picks = np.linspace(0, num_steps - 1, keep - 1).astype(int)
    return np.concatenate([np.asarray(x_T)[None], np.asarray(frames)[picks]])


def compare_samplers(config, state, n: int, ddim_steps=DDIM_STEPS) -> dict:
    """FD to the test digits and sampling seconds (compiled ahead, so excluding compilation)
    per sampler."""
    model, shape = config.model, (8, 8, 1)
    schedule = make_schedule(model.schedule, model.num_timesteps)
    results = {}
    runs = [("ancestral", model.num_timesteps)] + [("ddim", k) for k in ddim_steps]
    for sampler, steps in runs:
        run = make_sampler(model, schedule, shape, sampler, steps)
        compiled = run.lower(state, jax.random.key(0), n).compile()
        start = time.perf_counter()
        x = np.asarray(compiled(state, jax.random.key(config.seed + 1)))
        seconds = time.perf_counter() - start
        metrics = digits_metrics(x)
        results[f"{sampler}_{steps}"] = {
            "steps": steps,
            "seconds": round(seconds, 2),
            "frechet_distance_to_test": metrics["frechet_distance_to_test"],
            "classes_present": metrics["classes_present"],
            "samples": x[:20],
        }
    results["frechet_distance_train_to_test"] = train_to_test_digits_distance()
    return results


def run(out, config=None, n: int = 1000, ddim_steps=DDIM_STEPS) -> dict:
    config = config or get_config()
    config.train.progress = False
    workdir = out / "diffusion_digits"
    training = train_and_evaluate(config, workdir)
    experiment = build_experiment(config)
    state, _ = restore_trained(config, workdir, experiment)
    schedule = make_schedule(config.model.schedule, config.model.num_timesteps)
    digit = load_digits_arrays("test")["x"][0]
    return {
        "training": training,
        "forward": forward_process(schedule, digit, jax.random.key(0)),
        "alphas_cumprod": {
            name: np.asarray(make_schedule(name, 1000).alphas_cumprod)
            for name in ("linear", "cosine")
        },
        "trajectory": trajectory(config, state, jax.random.key(1), 6),
        "samplers": compare_samplers(config, state, n, ddim_steps),
    }


def draw_figures(out, result: dict) -> None:
    fig, axes = plt.subplots(
        1, len(FORWARD_STEPS) + 1, figsize=(2.2 * (len(FORWARD_STEPS) + 1), 2.6)
    )
    for ax, t, x in zip(axes, FORWARD_STEPS, result["forward"], strict=False):
        ax.imshow(x[..., 0], cmap="gray", vmin=-1, vmax=1)
        ax.set_title(f"t = {t}")
        ax.axis("off")
    for name, abar in result["alphas_cumprod"].items():
        axes[-1].plot(abar, label=name)
    axes[-1].set_title("ᾱ_t")
    axes[-1].legend()
    fig.tight_layout()
    fig.savefig(out / "diffusion_process.png", dpi=100)
    plt.close(fig)

    samplers = {k: v for k, v in result["samplers"].items() if isinstance(v, dict)}
    frames = result["trajectory"]  # (frames, n, 8, 8, 1)
    fig, axes = plt.subplots(1, 2 + len(samplers), figsize=(3.2 * (2 + len(samplers)), 3.6))
    tiles = np.clip((frames.transpose(1, 0, 2, 3, 4).reshape(-1, 8, 8, 1) + 1) / 2, 0, 1)
    axes[0].imshow(image_grid(tiles, columns=len(frames))[..., 0], cmap="gray")
    axes[0].set_title("reverse trajectory x_T → x_0")
    steps = [v["steps"] for v in samplers.values()]
    axes[1].plot(steps, [v["frechet_distance_to_test"] for v in samplers.values()], "o")
    axes[1].axhline(result["samplers"]["frechet_distance_train_to_test"], color="0.6", ls="--")
    axes[1].set_xscale("log")
    axes[1].set_xlabel("sampling steps")
    axes[1].set_title("Fréchet distance to test digits")
    for ax, (name, v) in zip(axes[2:], samplers.items(), strict=True):
        grid = image_grid(np.clip((v["samples"] + 1) / 2, 0, 1), columns=5)
        ax.imshow(grid[..., 0], cmap="gray")
        ax.set_title(f"{name}: FD {v['frechet_distance_to_test']:.1f}, {v['seconds']} s")
    for ax in (axes[0], *axes[2:]):
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out / "diffusion_samplers.png", dpi=100)
    plt.close(fig)


def main() -> None:
    out = output_dir("diffusion", __doc__)
    result = run(out)
    draw_figures(out, result)
    numbers = {
        "training": result["training"],
        "samplers": {
            k: ({kk: vv for kk, vv in v.items() if kk != "samples"} if isinstance(v, dict) else v)
            for k, v in result["samplers"].items()
        },
    }
    write_json(out / "diffusion.json", numbers)


if __name__ == "__main__":
    main()
