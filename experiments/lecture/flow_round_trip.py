"""A flow's round trip on images, and Glow's temperature (the lecture's "Normalization Flow":
x ↔ z through f and f⁻¹; Kingma & Dhariwal 2018, §5 and Fig. 8).

The digits Glow (``experiments/configs/flow/digits.py``: L = 3 levels of K = 4 steps, 3000
steps) is trained, or resumed, in ``<out>/flow_digits``, evaluated only at its end. On the
held-out digits, dequantized as the flow sees them (x̃ = (k + u)/17 − ½, fixed noise):

* encode z = f(x̃): 64 numbers, the multi-scale latents (RealNVP §3.6) of the three levels:
  4x4x2 factored out after level 1, 2x2x4 after level 2, and level 3's 1x1x16 output;
* decode x̂ = f⁻¹(z): the largest and mean |x̂ − x̃|, and the fraction of pixels whose grey
  level k = ⌊17·(x̂ + ½)⌋ is the stored one;
* sample x = f⁻¹(T·ε), z = T·ε ~ N(0, T²I), with the same ε ~ N(0, I) at every T in
  ``TEMPERATURES``; per T over ``n`` samples: the median log p(x) under the model (nats per
  image, beside the test digits'), the samples f⁻¹ makes non-finite, the fraction of pixels
  outside the data's [−½, ½) (saturated when drawn), the pixels' spread across samples, and
  the digits classifier's classes present and Fréchet distance to the test digits.

Writes ``flow_round_trip.png`` and ``flow_round_trip.json``.
"""

from __future__ import annotations

import math
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.families.evaluation import digits_metrics  # noqa: E402
from experiments.families.flow import EVAL_KEY, build_flow, weights  # noqa: E402
from experiments.lecture.common import (  # noqa: E402
    output_folder,
    save_results,
    study_arguments,
)
from experiments.train import build_experiment, restore_trained, train_and_evaluate  # noqa: E402
from jaxgen.core import compiler  # noqa: E402
from jaxgen.core.precision import compute_dtype  # noqa: E402
from jaxgen.data.digits import load_digits_arrays  # noqa: E402
from jaxgen.flows import Squeeze, dequantize  # noqa: E402
from jaxgen.flows.likelihood import standard_normal_log_prob, to_pixel_range  # noqa: E402

NAME = "flow_round_trip"
TEMPERATURES = (0.0, 0.25, 0.5, 0.7, 0.85, 1.0)
COLUMNS = 10  # digits drawn in each row of the figure
LATENT_RANGE = 3.0  # the latents' colour scale: −3 (blue) to 3 (red)


def load_config(num_steps: int | None = None):
    """The digits Glow's config, evaluated only at its end, ``num_steps`` long if given."""
    from experiments.configs.flow.digits import get_config

    config = get_config()
    config.train.eval_every = 0
    config.train.progress = False
    if num_steps is not None:
        config.train.num_steps = num_steps
    return config


def latent_shapes(flow, params) -> list[tuple[int, ...]]:
    """The shape of each level's part of z for one image (RealNVP §3.6, factoring out): half
    the channels of every level's output but the last, all of the last level's."""
    shapes = [s[1:] for s in flow.body.level_shapes(params, (1, *flow.image_shape))]
    return [(*s[:-1], s[-1] // 2) for s in shapes[:-1]] + [shapes[-1]]


def split_latents(z: np.ndarray, shapes) -> list[np.ndarray]:
    """z = [flat(z_1), …, flat(z_L)] (``MultiScale``'s order) cut into the levels' parts."""
    ends = np.cumsum([math.prod(s) for s in shapes])[:-1]
    parts = np.split(z, ends, axis=1)
    return [p.reshape(len(z), *s) for p, s in zip(parts, shapes, strict=True)]


def unsqueeze(x: np.ndarray) -> np.ndarray:
    """The inverse of RealNVP's squeeze (§3.6): each 1x1x4C position back to a 2x2xC block."""
    return np.asarray(Squeeze().inverse_and_log_det({}, jnp.asarray(x))[0])


def latent_image(parts: list[np.ndarray]) -> np.ndarray:
    """The levels' latents laid out as images of the data's shape: ``MultiScale``'s inverse
    with every level's steps of flow left out, so that only the squeezes are undone and each
    latent lands on a pixel of the 2^l x 2^l block that level l computed it from."""
    x = parts[-1]
    for part in reversed(parts[:-1]):
        x = np.concatenate([part, unsqueeze(x)], axis=-1)
    return unsqueeze(x)


def level_map(shapes) -> np.ndarray:
    """The level (1 … L) each pixel of :func:`latent_image` holds a latent of, (H, W)."""
    parts = [np.full((1, *s), level + 1.0) for level, s in enumerate(shapes)]
    return latent_image(parts)[0, ..., 0]


def encode_decode(flow, params, x: jax.Array):
    """z = f(x), log p(x) = log N(z; 0, I) + log|det Df(x)| and x̂ = f⁻¹(z), compiled."""

    def round_trip(params, x):
        z, log_det = flow.forward_and_log_det(params, x)
        back, _ = flow.inverse_and_log_det(params, z)
        return z, standard_normal_log_prob(z) + log_det, back

    return [np.asarray(a) for a in compiler.jit(round_trip)(params, x)]


def temperature_samples(flow, params, key: jax.Array, n: int, temperatures=TEMPERATURES):
    """x = f⁻¹(T·ε) for ``n`` draws ε ~ N(0, I) shared by every T (Glow §5: z ~ N(0, T²I)),
    (len(T), n, H, W, C), and log p(x) = log N(T·ε; 0, I) − log|det ∂x/∂z| (the change of
    variables read from the inverse pass), (len(T), n); all T in one batch."""
    dim = math.prod(flow.image_shape)

    def draw(params, key):
        eps = jax.random.normal(key, (n, dim))
        z = (jnp.asarray(temperatures)[:, None, None] * eps[None]).reshape(-1, dim)
        x, log_det = flow.inverse_and_log_det(params, z)
        log_p = standard_normal_log_prob(z) - log_det
        return x.reshape(len(temperatures), n, *flow.image_shape), log_p.reshape(-1, n)

    x, log_p = compiler.jit(draw)(params, key)
    return np.asarray(x), np.asarray(log_p)


def recovered_fraction(x_hat: np.ndarray, pixels: np.ndarray, levels: int) -> float:
    """The fraction of pixels whose grey level comes back: x̂ quantised by ``to_pixel_range``
    (k = ⌊levels·(x̂ + ½)⌋, as k/(levels − 1) in [−1, 1]) against the stored pixels (the same
    scale: both exact in float32)."""
    return float(np.mean(np.asarray(to_pixel_range(x_hat, levels)) == pixels))


def temperature_numbers(samples: np.ndarray, log_p: np.ndarray, levels: int) -> dict:
    """Per temperature: the median log p(x) (nats per image; the mean is hostage to the rare
    sample that f⁻¹ throws far out), the samples with a non-finite pixel, the fraction of pixels
    not in [−½, ½) (clipped when drawn or quantised; non-finite ones included), the mean over
    pixels of their standard deviation across the finite samples (0 when every ε gives the
    same image), and the classifier's verdict on the quantised samples."""
    numbers = {}
    for t, x, lp in zip(TEMPERATURES, samples, log_p, strict=True):
        finite = np.isfinite(x.reshape(len(x), -1)).all(axis=1)
        verdict = digits_metrics(np.asarray(to_pixel_range(x, levels)))
        numbers[str(t)] = {
            "median_log_likelihood_nats": float(np.median(lp)),
            "non_finite_samples": int((~finite).sum()),
            "saturated_fraction": float(np.mean(~((x >= -0.5) & (x < 0.5)))),
            "pixel_std_across_samples": float(x[finite].astype(np.float64).std(axis=0).mean()),
            "classes_present": verdict["classes_present"],
            "frechet_distance_to_test": verdict["frechet_distance_to_test"],
        }
    return numbers


def trained(out: Path, config):
    """Train (or resume) ``config`` in ``out/flow_digits``: its final evaluation, the flow and
    the weights it is evaluated with."""
    workdir = out / "flow_digits"
    training = train_and_evaluate(config, workdir)
    experiment = build_experiment(config)
    state, _ = restore_trained(config, workdir, experiment)
    shape = tuple(experiment.dataset.element_shape)
    flow = build_flow(config.model, shape, compute_dtype(config.train.compute_dtype))
    return training, flow, weights(state)


def study(flow, params, levels: int, key: jax.Array, n: int = 1000) -> dict:
    """The round trip on the test digits (dequantized with the evaluation's fixed noise) and
    ``n`` samples from ``key`` at each temperature: the numbers, with the figure's images
    under ``"pictures"``."""
    pixels = load_digits_arrays("test")["x"]
    x = np.asarray(dequantize(jax.random.key(EVAL_KEY), jnp.asarray(pixels), levels))
    z, log_p, back = encode_decode(flow, params, jnp.asarray(x))
    shapes = latent_shapes(flow, params)
    parts = split_latents(z, shapes)
    samples, sample_log_p = temperature_samples(flow, params, key, n)
    error = np.abs(back - x)
    return {
        "test_digits": len(x),
        "round_trip": {
            "max_abs_error": float(error.max()),
            "mean_abs_error": float(error.mean()),
            "pixels_recovered_fraction": recovered_fraction(back, pixels, levels),
        },
        "latent": {
            "dimension": int(z.shape[1]),
            "level_shapes": [list(s) for s in shapes],
            "mean_per_level": [float(p.mean()) for p in parts],
            "std_per_level": [float(p.std()) for p in parts],
        },
        "test_digits_log_likelihood_nats": {
            "mean": float(log_p.mean()),
            "median": float(np.median(log_p)),
        },
        "samples_per_temperature": n,
        "temperatures": temperature_numbers(samples, sample_log_p, levels),
        "pictures": {
            "x": x[:COLUMNS],
            "z": latent_image([p[:COLUMNS] for p in parts]),
            "levels": level_map(shapes),
            "x_hat": back[:COLUMNS],
            "samples": samples[:, :COLUMNS],
        },
    }


def run(out: Path, config, n: int = 1000) -> dict:
    """:func:`trained`, then :func:`study` with ``n`` samples per temperature from the key
    ``seed + 1`` (the evaluation's); the numbers under the training's results."""
    training, flow, params = trained(out, config)
    key = jax.random.key(config.seed + 1)
    return {"training": training, **study(flow, params, config.data.levels, key, n)}


def strip(images: np.ndarray) -> np.ndarray:
    """(N, H, W, 1) images side by side, one blank (NaN) column between neighbours."""
    n, h, w, _ = images.shape
    gap = np.full((h, 1), np.nan)
    pieces = [piece for image in images for piece in (image[..., 0], gap)]
    return np.concatenate(pieces[:-1], axis=1)


def draw_figure(result: dict):
    """Top: test digits x, their latents z = f(x) (:func:`latent_image`, beside the level
    map) and x̂ = f⁻¹(z); bottom: f⁻¹(T·ε), one row per temperature, one ε per column."""
    pictures, trip = result["pictures"], result["round_trip"]
    temperatures = result["temperatures"]
    fig = plt.figure(figsize=(11, 10))
    grid = fig.add_gridspec(4, 2, width_ratios=(1, 10), height_ratios=(1, 1, 1, 6.5))
    rows = [
        ("x (test digits, dequantized)", pictures["x"], "gray", 0.5),
        (
            f"z = f(x), the squeezes undone (blue −{LATENT_RANGE:g} … red +{LATENT_RANGE:g})",
            pictures["z"],
            "RdBu_r",
            LATENT_RANGE,
        ),
        (
            f"x̂ = f⁻¹(z): max |x̂ − x| = {trip['max_abs_error']:.1e}, "
            f"{100 * trip['pixels_recovered_fraction']:.3f}% of grey levels recovered",
            pictures["x_hat"],
            "gray",
            0.5,
        ),
    ]
    for row, (title, images, cmap, limit) in enumerate(rows):
        ax = fig.add_subplot(grid[row, 1])
        ax.imshow(strip(images), cmap=cmap, vmin=-limit, vmax=limit)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    key = fig.add_subplot(grid[1, 0])
    key.imshow(pictures["levels"], cmap="Pastel1", vmin=1, vmax=9)
    for (i, j), level in np.ndenumerate(pictures["levels"]):
        key.text(j, i, int(level), ha="center", va="center", fontsize=6)
    key.set_title("level", fontsize=9)
    key.axis("off")

    ax = fig.add_subplot(grid[3, :])
    h = pictures["samples"].shape[2]
    blank = np.full((1, strip(pictures["samples"][0]).shape[1]), np.nan)
    tiles = [piece for x in pictures["samples"] for piece in (strip(x), blank)]
    ax.imshow(np.concatenate(tiles[:-1]), cmap="gray", vmin=-0.5, vmax=0.5)
    ax.set_yticks(
        [(h + 1) * i + h / 2 - 0.5 for i in range(len(TEMPERATURES))],
        [
            f"T = {t}\nlog p {v['median_log_likelihood_nats']:.0f}\n"
            f"{100 * v['saturated_fraction']:.0f}% sat."
            for t, v in zip(TEMPERATURES, temperatures.values(), strict=True)
        ],
        fontsize=8,
    )
    ax.set_xticks([])
    test = result["test_digits_log_likelihood_nats"]["median"]
    ax.set_title(
        f"x = f⁻¹(T·ε), z ~ N(0, T²I): the same ε in each column; "
        f"log p: the median over {result['samples_per_temperature']} samples "
        f"(the test digits': {test:.0f})",
        fontsize=9,
    )
    return fig


def write_outputs(out: Path, result: dict) -> None:
    """``flow_round_trip.png`` (:func:`draw_figure`) and ``flow_round_trip.json`` (the
    numbers, the pictures left out) in ``out``."""
    numbers = {key: value for key, value in result.items() if key != "pictures"}
    save_results(draw_figure(result), out, NAME, numbers)


def main() -> None:
    args = study_arguments(__doc__, f"runs/lecture/{NAME}").parse_args()
    out = output_folder(args)
    write_outputs(out, run(out, load_config(args.num_steps)))


if __name__ == "__main__":
    main()
