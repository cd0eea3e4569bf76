"""Diffusion as progressive lossy decompression (Ho et al. 2020, §4.3, Algorithms 3-4, Figs. 5-7),
on held-out digits with the digits DDPM (``configs/diffusion/digits.py``).

Algorithm 3 sends a digit x_0 as x_T ~ q(x_T | x_0) coded against p(x_T) = N(0, I), then
x_{T−1}, …, x_1, each x_{s−1} ~ q(x_{s−1} | x_s, x_0) coded against p_θ(x_{s−1} | x_s), and
x_0 last against the decoder p_θ(x_0 | x_1); each costs its relative entropy. The receiver
holding x_t (Algorithm 4) has received

    R(t) = L_T + Σ_{s=t+1}^{T} L_{s−1},
    L_{s−1} = D_KL(q(x_{s−1} | x_s, x_0) ‖ p_θ(x_{s−1} | x_s)),

and estimates x̂_0 = (x_t − √(1 − ᾱ_t) ε_θ(x_t, t))/√ᾱ_t (eq. 15), clipped to [−1, 1] as the
model's p_θ clips it. So R(T) = L_T, R(1) is the bound less the decoder's L_0, and R(0), once
x_0 itself has arrived, is the whole variational bound with no distortion. Rates are in
bits/dim; the distortion D(t) = √(E‖x_0 − x̂_0‖²/D), the root of the mean squared error over
the digits' pixels, is on the paper's [0, 255] scale (data value x ∈ [−1, 1] ↦ 127.5(x + 1)).

Expectations are over q: step t's x_t ~ q(x_t | x_0) is drawn as the family's bound draws it
(``BOUND_KEY``), on the same first held-out digits, so R(0) on ``eval.bound_examples`` digits
is the bound its evaluation reports. Pictures: for a few digits, the x_t one Algorithm 3
chain delivers (a forward chain x_0 → x_T, which has the same joint law) with x̂_0 beneath
(Fig. 6's coarse-to-fine), and x_0 ~ p_θ(x_0 | x_t) by Algorithm 2 from a shared x_t (Fig. 7).

Writes ``progressive_decompression.{png,json}`` to ``--out``. The model: ``--workdir`` (a
trained digits DDPM, e.g. ``runs/conditioning/diffusion_digits``), else trained or resumed
in ``<out>/diffusion_digits`` (``--num_steps`` shortens it).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.configs.diffusion.digits import get_config  # noqa: E402
from experiments.families.common import load_dataset  # noqa: E402
from experiments.families.diffusion import BOUND_KEY, reverse_process  # noqa: E402
from experiments.lecture.common import output_folder, save_results, study_arguments  # noqa: E402
from experiments.train import build_experiment, restore_trained, train_and_evaluate  # noqa: E402
from jaxgen.core import compiler  # noqa: E402
from jaxgen.core.rng import iteration_key  # noqa: E402
from jaxgen.diffusion import (  # noqa: E402
    ancestral_step,
    denoiser_fn,
    make_schedule,
    q_sample,
    q_step,
    run_reverse,
    variational_bound,
)
from jaxgen.diffusion.bound import bits_per_dim  # noqa: E402
from jaxgen.errors import JaxgenError  # noqa: E402
from jaxgen.viz import image_grid  # noqa: E402

SCALE = 127.5  # [−1, 1] to the paper's [0, 255]
SHOWN_DIGITS = 4  # Fig. 6's rows
SHOWN_TIMES = 11  # x̂_0 at t = T, 0.9T, …, 0.1T, 1
STOCHASTIC_FRACTIONS = (1.0, 0.75, 0.5, 0.25)  # Fig. 7's shared x_t at t = T, 3T/4, T/2, T/4
STOCHASTIC_DIGITS = 2
STOCHASTIC_SAMPLES = 5
REPORTED_FRACTIONS = (1.0, 0.75, 0.5, 0.25, 0.1, 0.05, 0.01)  # the JSON's t (with 1 and 0)


def coding_terms(schedule, net, x0, key, *, levels: int, reverse):
    """Per-example terms of Algorithm 3 in nats and the squared error of x̂_0, for every step.

    Returns (prior (B,), steps (T, B), squared_error (T, B)): ``steps[i]`` is L_i, the cost
    of x_i given x_{i+1} (the bound's terms, ``steps[0]`` the decoder's L_0), and
    ``squared_error[i]`` is ‖x_0 − x̂_0(x_{i+1})‖²/D at the same draw x_{i+1} ~ q(x_{i+1} | x_0),
    ``fold_in(key, i)``'s noise as in :func:`~jaxgen.diffusion.variational_bound`.
    """
    terms = variational_bound(schedule, net, x0, key, levels=levels, reverse=reverse)

    def body(_, i):
        noise = jax.random.normal(iteration_key(key, i), x0.shape, x0.dtype)
        xt = q_sample(schedule, x0, jnp.full(x0.shape[:1], i), noise)
        x0_hat = reverse.predict(schedule, net, xt, i)[0]
        return None, jnp.square(x0_hat - x0).mean(axis=tuple(range(1, x0.ndim)))

    _, squared_error = jax.lax.scan(body, None, jnp.arange(schedule.num_steps))
    return terms.prior, terms.steps, squared_error


def rate_and_distortion(prior, steps, squared_error, dim: int) -> dict:
    """R(t) in bits/dim and D(t) on [0, 255], t = 0 … T, from :func:`coding_terms`: R(t) =
    E[L_T + Σ_{i≥t} L_i] (the receiver of x_t has every term down to x_t's own, L_t),
    D(t) = 127.5 √(E‖x_0 − x̂_0(x_t)‖²/D), D(0) = 0 (x_0 received losslessly)."""
    mean_steps = np.asarray(steps, np.float64).mean(1)
    received = np.append(np.cumsum(mean_steps[::-1])[::-1], 0.0)  # Σ_{i≥t} L_i
    rate = bits_per_dim(float(np.mean(prior)) + received, dim)
    mse = np.asarray(squared_error, np.float64).mean(1)
    return {
        "rate": np.asarray(rate),
        "distortion": SCALE * np.sqrt(np.append(0.0, mse)),
        "prior": float(bits_per_dim(np.mean(prior), dim)),
        "decoder": float(bits_per_dim(mean_steps[0], dim)),
    }


def decompression_chain(schedule, x0, key, times) -> jax.Array:
    """x_t at each of ``times`` (1 … T) on one chain per digit, (len(times), B, ...): the
    forward chain x_0 → x_1 → … → x_T, x_i ~ q(x_i | x_{i−1}) (eq. 2) with step i's noise
    ``fold_in(key, i)``. Its joint law is q(x_{0:T}), that of the x_T, …, x_1 Algorithm 3
    sends, so column t is what the receiver holds at t."""

    def body(x, i):
        noise = jax.random.normal(iteration_key(key, i), x.shape, x.dtype)
        x = q_step(schedule, x, jnp.full(x.shape[:1], i), noise)
        return x, x

    _, chain = jax.lax.scan(body, x0, jnp.arange(schedule.num_steps))
    return chain[jnp.asarray(times) - 1]


def sample_given(schedule, net, reverse, xt, t, key) -> jax.Array:
    """x_0 ~ p_θ(x_0 | x_t) by Algorithm 2 from each row's x_t, row r entering the reverse
    chain at its own t[r] ≥ 1 (the steps above it leave the row as it is), in one pass of
    the T steps, step i drawing from ``fold_in(key, i)``."""
    step = ancestral_step(schedule=schedule, net=net, reverse=reverse)
    entered = jnp.reshape(t - 1, (-1,) + (1,) * (xt.ndim - 1))

    def masked(x, i, step_key):
        return jnp.where(i <= entered, step(x, i, step_key), x)

    return run_reverse(masked, schedule.num_steps, xt, key)


def pictures(schedule, net, reverse, digits, key) -> dict:
    """Fig. 6 and 7's pictures for ``digits`` (N, ...): ``x_t`` and ``x0_hat`` at each of
    ``times`` along one Algorithm 3 chain per digit, (len(times), N, ...); ``samples`` of
    p_θ(x_0 | x_t) for the first digits, (digits, fractions, samples, ...), from the same
    chains' x_t at ``stochastic_times`` (``shared``: those x_t)."""
    T = schedule.num_steps
    times = np.maximum(np.linspace(T, 0, SHOWN_TIMES).round().astype(int), 1)
    stochastic_times = np.maximum(np.round(np.asarray(STOCHASTIC_FRACTIONS) * T), 1).astype(int)
    chain = compiler.jit(lambda t: decompression_chain(schedule, digits, key, t))
    frames, shared = np.asarray(chain(times)), np.asarray(chain(stochastic_times))
    predict = compiler.jit(lambda xt, i: reverse.predict(schedule, net, xt, i)[0])
    x0_hat = np.stack([predict(x, t - 1) for x, t in zip(frames, times, strict=True)])

    shared = np.swapaxes(shared[:, :STOCHASTIC_DIGITS], 0, 1)  # (digits, fractions, ...)
    rows = np.repeat(shared.reshape(-1, *digits.shape[1:]), STOCHASTIC_SAMPLES, axis=0)
    entry = np.repeat(np.tile(stochastic_times, STOCHASTIC_DIGITS), STOCHASTIC_SAMPLES)
    draw = compiler.jit(lambda x, t, k: sample_given(schedule, net, reverse, x, t, k))
    samples = np.asarray(draw(rows, entry, jax.random.fold_in(key, 1)))
    return {
        "times": times,
        "x_t": frames,
        "x0_hat": x0_hat,
        "stochastic_times": stochastic_times,
        "shared": shared,
        "samples": samples.reshape(*shared.shape[:2], STOCHASTIC_SAMPLES, *digits.shape[1:]),
    }


def measure(schedule, net, reverse, x0, *, levels: int, key) -> dict:
    """The curves (:func:`rate_and_distortion`) on the digits ``x0`` and the pictures
    (:func:`pictures`) of its first ``SHOWN_DIGITS``, x_t drawn from ``key``."""
    terms = compiler.jit(
        lambda x: coding_terms(schedule, net, x, key, levels=levels, reverse=reverse)
    )(x0)
    curves = rate_and_distortion(*terms, dim=int(np.prod(x0.shape[1:])))
    return {**curves, **pictures(schedule, net, reverse, x0[:SHOWN_DIGITS], key)}


def summary(result: dict, levels: int) -> dict:
    """The JSON's numbers: the bound and its ends, R and D at a few t, where half the rate is
    spent, and the share of the rate spent once D is below half a grey level."""
    rate, distortion = result["rate"], result["distortion"]
    T = len(rate) - 1
    bound = float(rate[0])
    half = int(np.nonzero(rate >= bound / 2)[0].max())  # the last t holding half the bits
    threshold = SCALE / (levels - 1)  # half a grey level, (255 / (levels − 1)) / 2
    first_fine = int(np.logical_and.accumulate(distortion < threshold).sum()) - 1
    times = sorted({T, 1, 0, *(max(round(f * T), 1) for f in REPORTED_FRACTIONS)}, reverse=True)
    return {
        "bound_bits_per_dim": bound,
        "prior_bits_per_dim": result["prior"],
        "decoder_bits_per_dim": result["decoder"],
        "at_t": {
            str(t): {
                "rate_bits_per_dim": float(rate[t]),
                "rate_fraction": float(rate[t] / bound),
                "rmse_0_255": float(distortion[t]),
            }
            for t in times
        },
        "half_rate": {
            "t": half,
            "rate_bits_per_dim": float(rate[half]),
            "rmse_0_255": float(distortion[half]),
        },
        "below_half_grey_level": {
            "rmse_0_255": threshold,
            "from_t": first_fine,
            "rate_fraction_spent_there": float(1 - rate[first_fine] / bound),
        },
        "rate_bits_per_dim": [round(float(r), 6) for r in rate],
        "rmse_0_255": [round(float(d), 4) for d in distortion],
    }


def draw(result: dict, numbers: dict):
    """Ho et al.'s Fig. 5 (rate and distortion against reverse steps T − t, distortion against
    rate), Fig. 6's x_t over x̂_0 as t falls, and Fig. 7's samples from a shared x_t."""
    rate, distortion = result["rate"], result["distortion"]
    T = len(rate) - 1
    steps = T - np.arange(T + 1)
    half = numbers["half_rate"]
    fig = plt.figure(figsize=(16, 10))
    grid = fig.add_gridspec(2, 3, height_ratios=(1, 1.3))
    for col, (x, y, xlabel, ylabel) in enumerate(
        [
            (steps, rate, "reverse process steps (T − t)", "rate (bits/dim)"),
            (steps, distortion, "reverse process steps (T − t)", "distortion (RMSE, [0, 255])"),
            (rate, distortion, "rate (bits/dim)", "distortion (RMSE, [0, 255])"),
        ]
    ):
        ax = fig.add_subplot(grid[0, col])
        ax.plot(x, y)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    ax.plot(
        half["rate_bits_per_dim"], half["rmse_0_255"], "o", label=f"half the rate: t = {half['t']}"
    )
    ax.legend()
    fig.axes[0].set_title(f"bound {numbers['bound_bits_per_dim']:.3f} bits/dim at t = 0")

    tiles = np.stack([result["x_t"], result["x0_hat"]], axis=1)  # (times, 2, N, ...)
    tiles = tiles.transpose(2, 1, 0, 3, 4, 5).reshape(-1, *tiles.shape[3:])
    ax = fig.add_subplot(grid[1, :2])
    ax.imshow(image_grid(np.clip((tiles + 1) / 2, 0, 1), len(result["times"]))[..., 0], "gray")
    ax.set_title(
        "x_t (upper) and x̂_0 (lower) per digit, t = " + ", ".join(map(str, result["times"]))
    )
    ax.axis("off")

    rows = np.concatenate([result["shared"][:, :, None], result["samples"]], axis=2)
    ax = fig.add_subplot(grid[1, 2])
    tiles = rows.reshape(-1, *rows.shape[3:])
    ax.imshow(image_grid(np.clip((tiles + 1) / 2, 0, 1), rows.shape[2])[..., 0], "gray")
    ax.set_title(
        "x_t, then x_0 ~ p_θ(x_0 | x_t)\nrows: t = "
        + ", ".join(map(str, result["stochastic_times"]))
    )
    ax.axis("off")
    return fig


def trained_model(config, args, out: Path):
    """(state, iteration, workdir, reported): the digits DDPM ``config`` of ``--workdir``, or
    trained or resumed in ``<out>/diffusion_digits``; ``reported`` is its run's bound in
    bits/dim (None if its results hold none). A workdir of another model, or none, is one
    line."""
    if args.workdir is None:
        workdir = out / "diffusion_digits"
        if args.num_steps is not None:
            config.train.num_steps = args.num_steps
        train_and_evaluate(config, workdir)
    elif args.num_steps is not None:
        raise SystemExit("error: --num_steps trains a model under --out; drop it or --workdir")
    else:
        workdir = Path(args.workdir)
    try:
        state, iteration = restore_trained(config, workdir, build_experiment(config))
    except JaxgenError as err:
        raise SystemExit(
            f"error: {err}; --workdir must hold a DDPM trained with "
            "configs/diffusion/digits.py (or leave it out to train one under --out)"
        ) from None
    results = workdir / "results.json"
    reported = json.loads(results.read_text()) if results.is_file() else {}
    return state, iteration, workdir, reported.get("test_bound_bits_per_dim")


def main() -> None:
    parser = study_arguments(__doc__, "runs/lecture/progressive_decompression")
    parser.add_argument("--workdir", default=None, help="a trained digits DDPM (default: train)")
    parser.add_argument(
        "--examples", type=int, default=None, help="held-out digits (default: the bound's)"
    )
    args = parser.parse_args()
    config = get_config()
    config.train.progress = False
    test = load_dataset(config, split="test").arrays["x"]
    # by default the digits the family's bound is evaluated on (all 355 if it asks for more)
    examples = (
        min(config.eval.bound_examples, len(test)) if args.examples is None else args.examples
    )
    if not SHOWN_DIGITS <= examples <= len(test):
        raise SystemExit(f"error: --examples={examples}; use {SHOWN_DIGITS} to {len(test)}")
    out = output_folder(args)
    state, iteration, workdir, reported = trained_model(config, args, out)
    start = time.perf_counter()
    result = measure(
        make_schedule(config.model.schedule, config.model.num_timesteps),
        denoiser_fn(state.denoiser),
        reverse_process(config.model),
        test[:examples],
        levels=config.data.levels,
        key=jax.random.key(BOUND_KEY),
    )
    numbers = {
        "workdir": str(workdir),
        "iteration": iteration,
        "examples": examples,
        "reported_bound_bits_per_dim": reported,
        **summary(result, config.data.levels),
        "seconds": round(time.perf_counter() - start, 1),
    }
    save_results(draw(result, numbers), out, "progressive_decompression", numbers)


if __name__ == "__main__":
    main()
