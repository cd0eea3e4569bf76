"""Why GANs are hard to train, problem 2: mode collapse shown over time (Metz et al. 2017,
Unrolled GANs, Fig. 1: the standard GAN's generator rotates through the modes of the ring,
putting its mass on one mode at a time).

Two GANs on ring8 (8 Gaussians of std 0.02 on a circle of radius 2), seed 0, 6000 generator
iterations each (one discriminator update, then one generator update: Goodfellow et al. 2014,
Algorithm 1 with k = 1). Every 25 iterations 2500 samples from one fixed batch of z are
judged by :func:`jaxgen.metrics.modes.mode_coverage` (a mode is captured when a sample within
3 std lies nearest to it) and by where their bulk lies (the centre nearest to most of them):

* ``collapsed``: Metz et al.'s standard GAN in their App. A setting (:data:`SETTINGS`);
* ``covering``: jaxgen's ring8 config (``experiments/configs/gan/ring8.py``), the
  non-saturating loss with a 2-D latent.

Writes ``mode_hopping.png`` (for each run a row of scatter plots over the ring's centres,
50 iterations apart at the end of the run; the modes captured against iterations for both;
the centre nearest to most of the collapsed run's samples against iterations) and
``mode_hopping.json``: per run the counts, the modes the samples sit on at each snapshot,
and over the second half of the run the fewest and most modes captured and the centres the
bulk of the samples passed through.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import flax.linen as nn
import jax
import matplotlib
import numpy as np
import optax

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.configs.gan.ring8 import get_config as ring8_config  # noqa: E402
from experiments.lecture.common import output_folder, save_results, study_arguments  # noqa: E402
from jaxgen.core import compiler, scan_steps  # noqa: E402
from jaxgen.data import get_dataset  # noqa: E402
from jaxgen.gan import generate, init_gan_state, latent, make_gan_step  # noqa: E402
from jaxgen.metrics.modes import mode_coverage, nearest_mode  # noqa: E402
from jaxgen.nn.mlp import MLP  # noqa: E402

NUM_SAMPLES = 2500  # VEEGAN §5.1 and PacGAN judge 2500 samples
ITERATIONS = 6000  # jaxgen's choice for a CPU budget (Fig. 1 shows 25k steps)
# counts every 25 iterations (jaxgen's choice): measured on seed 0, the collapsed generator
# moves on to the next mode every ~44 iterations, a turn every ~355; counts 250 apart alias
# that into a slow drift two modes the other way, counts 1000 apart into standing still
EVERY = 25
# scatter plots per run, two counts (50 iterations) apart and ending at the last iteration:
# about one turn around the ring (Fig. 1 instead shows 6 snapshots 5k steps apart)
SNAPSHOTS, SNAPSHOT_STRIDE = 8, 2
# the counts after the first half of the run are judged (jaxgen's choice: measured on
# seed 0, the covering run first captures 8 modes at 200 iterations but dips as low as 4
# until 700 and to 5 or 6 until 2250)
WARM_UP = 0.5
ORTHOGONAL = nn.initializers.orthogonal(0.8)  # Metz et al. 2017, App. A


class MetzGenerator(nn.Module):
    """Metz et al. 2017, App. A: two hidden ReLU layers of 128 units and a linear layer to
    2-D, every weight matrix orthogonal with scale 0.8 at initialisation."""

    @nn.compact
    def __call__(self, z: jax.Array) -> jax.Array:
        h = nn.relu(nn.Dense(128, kernel_init=ORTHOGONAL)(z))
        h = nn.relu(nn.Dense(128, kernel_init=ORTHOGONAL)(h))
        return nn.Dense(2, kernel_init=ORTHOGONAL)(h)


class MetzDiscriminator(nn.Module):
    """Metz et al. 2017, App. A: the input scaled down by 4 (to about [−1, 1]), one hidden
    ReLU layer of 128 units and a linear layer to the logit; orthogonal weights (scale 0.8)."""

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        h = nn.relu(nn.Dense(128, kernel_init=ORTHOGONAL)(x / 4))
        return nn.Dense(1, kernel_init=ORTHOGONAL)(h)


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One GAN: its generator loss, latent size, networks, the learning rate of both players'
    Adam (β1 = 0.5 for both, Metz et al. App. A and DCGAN §4) and the batch."""

    objective: str
    latent_dim: int
    generator: nn.Module
    discriminator: nn.Module
    lr: float
    batch: int


def ring8_setting() -> Setting:
    """jaxgen's ring8 config (``experiments/configs/gan/ring8.py``, which cites each value):
    the non-saturating loss, a 2-D latent, MLPs of 128·2 in both networks, Adam 1e-3."""
    config = ring8_config()
    model, optim = config.model, config.optim
    if optim.g_lr != optim.d_lr:
        raise ValueError("the ring8 config's players now have two learning rates; give both")
    return Setting(
        objective=model.objective,
        latent_dim=model.latent_dim,
        generator=MLP(hidden=tuple(model.g_hidden), out_dim=2),
        discriminator=MLP(hidden=tuple(model.d_hidden), out_dim=1),
        lr=optim.g_lr,
        batch=config.data.batch_size,
    )


SETTINGS = {
    # Metz et al. 2017, App. A: G descends the minimax loss log(1 − D(G(z))) (the value
    # function f of their eq. 1, which D ascends), z ~ N(0, I_256), Adam with learning rate
    # 1e-4 for both, batch 512
    "collapsed": Setting(
        objective="minimax",
        latent_dim=256,
        generator=MetzGenerator(),
        discriminator=MetzDiscriminator(),
        lr=1e-4,
        batch=512,
    ),
    "covering": ring8_setting(),
}


def initial_state(setting: Setting, seed: int):
    """A GAN state of ``setting``'s networks with Adam(lr, β1 = 0.5) for both players."""
    return init_gan_state(
        seed=seed,
        generator=setting.generator,
        discriminator=setting.discriminator,
        latent_dim=setting.latent_dim,
        data_shape=(2,),
        g_tx=optax.adam(setting.lr, 0.5),
        d_tx=optax.adam(setting.lr, 0.5),
    )


def snapshot_iterations(iterations: int, every: int, count: int) -> list[int]:
    """The last ``count`` counts ``SNAPSHOT_STRIDE`` counts apart, ending at ``iterations``
    (no earlier than iteration 0)."""
    stride = SNAPSHOT_STRIDE * every
    return sorted({max(0, iterations - i * stride) for i in range(count)})


def modes_sat_on(shares: np.ndarray) -> list[int]:
    """The modes nearest to at least half their fair share 1/(2K) of the samples: where the
    generator's samples lie, whether or not they are within 3 std of the centre."""
    return [int(k) for k in np.flatnonzero(shares >= 0.5 / len(shares))]


def run(
    setting: Setting,
    iterations: int = ITERATIONS,
    every: int = EVERY,
    snapshots: int = SNAPSHOTS,
    seed: int = 0,
) -> dict:
    """Train ``setting`` on ring8 for ``iterations`` generator iterations, ``every`` at a time
    in one compiled scan, judging 2500 samples of one fixed batch of z from iteration 0 on
    and after each scan.

    Returns:
      per count: ``iterations``, ``modes_captured``, ``high_quality_fraction``,
      ``bulk_mode`` (the centre nearest to most samples) and its ``bulk_share``; at the
      ``snapshot_iterations``: ``snapshot_shares`` (the fraction of samples nearest each
      centre), ``snapshot_modes`` (:func:`modes_sat_on`) and ``samples`` (an array);
      ``num_modes`` and ``wall_seconds``.
    """
    start = time.perf_counter()
    data = get_dataset("ring8", seed=seed)
    means, std = data.density.means, float(data.density.stds[0])
    state = initial_state(setting, seed)
    gan_step = make_gan_step(latent_dim=setting.latent_dim, objective=setting.objective)
    train = compiler.jit(scan_steps(gan_step, every))
    z = latent(jax.random.key(seed + 9), NUM_SAMPLES, setting.latent_dim)
    samples_of = compiler.jit(lambda s: generate(s, z))
    shown = snapshot_iterations(iterations, every, snapshots)
    keys = ("iterations", "modes_captured", "high_quality_fraction", "bulk_mode", "bulk_share")
    record = {key: [] for key in (*keys, "snapshot_shares", "snapshot_modes")}
    pictures = []
    for chunk in range(iterations // every + 1):
        if chunk:
            first = (chunk - 1) * every
            xs = np.stack([data.get_batch(first + i, setting.batch)["x"] for i in range(every)])
            state, _ = train(state, {"x": xs[:, None]})  # k = 1 minibatch per iteration
        samples = np.asarray(samples_of(state))
        coverage = mode_coverage(samples, means, std)
        shares = np.bincount(nearest_mode(samples, means)[0], minlength=len(means)) / NUM_SAMPLES
        values = (
            chunk * every,
            coverage.modes_captured,
            coverage.high_quality_fraction,
            int(shares.argmax()),
            float(shares.max()),
        )
        for key, value in zip(keys, values, strict=True):
            record[key].append(value)
        if chunk * every in shown:
            record["snapshot_shares"].append(shares.round(4).tolist())
            record["snapshot_modes"].append(modes_sat_on(shares))
            pictures.append(samples)
    record |= {"num_modes": len(means), "snapshot_iterations": shown}
    record["samples"] = np.stack(pictures)
    record["wall_seconds"] = time.perf_counter() - start
    return record


def after_warm_up(record: dict) -> dict:
    """Over the counts after the first ``WARM_UP`` of the iterations: the fewest and the most
    modes captured, the fraction of counts with every mode captured, the centres the bulk of
    the samples sat at in turn (``bulk_mode``, consecutive repeats merged: the rotation of
    Metz et al.'s Fig. 1), and the iterations per move of the bulk from one centre to
    another (None if it never moves)."""
    start = WARM_UP * record["iterations"][-1]
    late = [i for i, it in enumerate(record["iterations"]) if it > start]
    modes = [record["modes_captured"][i] for i in late]
    bulk = [record["bulk_mode"][i] for i in late]
    path = [mode for i, mode in enumerate(bulk) if i == 0 or mode != bulk[i - 1]]
    span = record["iterations"][late[-1]] - record["iterations"][late[0]]
    return {
        "warm_up_iterations": start,
        "min_modes_after_warm_up": min(modes),
        "max_modes_after_warm_up": max(modes),
        "all_modes_fraction_after_warm_up": modes.count(record["num_modes"]) / len(modes),
        "bulk_mode_path_after_warm_up": path,
        "distinct_bulk_modes_after_warm_up": len(set(path)),
        "iterations_per_bulk_move": span / (len(path) - 1) if len(path) > 1 else None,
    }


def study(iterations: int = ITERATIONS, every: int = EVERY, seed: int = 0) -> dict:
    """Both :data:`SETTINGS` through :func:`run`, each record with :func:`after_warm_up`."""
    results = {}
    for name, setting in SETTINGS.items():
        record = run(setting, iterations, every, SNAPSHOTS, seed)
        results[name] = record | after_warm_up(record)
    return results


def draw(results: dict, means: np.ndarray):
    """The figure: per run a row of scatter plots over the centres (numbered as in the JSON),
    then the modes captured against iterations for both runs, and the centre nearest to
    most of the collapsed run's samples against iterations (its hopping)."""
    columns = len(results["collapsed"]["snapshot_iterations"])
    fig = plt.figure(figsize=(2.4 * columns, 8.4))
    grid = fig.add_gridspec(3, columns)
    for row, (name, record) in enumerate(results.items()):
        shown = zip(record["snapshot_iterations"], record["samples"], strict=True)
        for col, (iteration, samples) in enumerate(shown):
            ax = fig.add_subplot(grid[row, col])
            ax.scatter(*means.T, s=30, c="0.75")
            ax.scatter(*samples.T, s=1, c=f"C{row}")
            ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xticks=[], yticks=[])
            captured = record["modes_captured"][record["iterations"].index(iteration)]
            ax.set_title(f"{iteration}: {captured} of {len(means)} captured", fontsize=9)
            if col == 0:
                ax.set_ylabel(name)
                for k, centre in enumerate(means):
                    ax.annotate(str(k), 1.25 * centre, ha="center", va="center", fontsize=7)
    half = columns // 2
    counts, bulk = fig.add_subplot(grid[2, :half]), fig.add_subplot(grid[2, half:])
    for row, (name, record) in enumerate(results.items()):
        counts.plot(record["iterations"], record["modes_captured"], f"C{row}", label=name)
    collapsed = results["collapsed"]
    bulk.plot(collapsed["iterations"], collapsed["bulk_mode"], "C0.-", ms=3, drawstyle="steps-post")
    for ax in (counts, bulk):
        ax.axvspan(0, collapsed["warm_up_iterations"], color="0.92", label="warm-up")
        ax.set_xlabel("generator iterations")
    counts.legend(fontsize=8)
    counts.set(ylabel="modes captured (of 8)", ylim=(-0.3, 8.3))
    bulk.set(
        title="collapsed: the centre nearest to most samples",
        yticks=range(len(means)),
        ylim=(-0.5, len(means) - 0.5),
    )
    return fig


def main() -> None:
    parser = study_arguments(__doc__, "runs/lecture/mode_hopping")
    parser.add_argument("--every", type=int, default=EVERY, help="iterations between counts")
    args = parser.parse_args()
    if (args.num_steps or ITERATIONS) % args.every:
        parser.error("--num_steps must be a multiple of --every")
    out = output_folder(args)
    results = study(args.num_steps or ITERATIONS, args.every)
    means = get_dataset("ring8").density.means
    numbers = {
        name: {k: v for k, v in record.items() if k != "samples"}
        for name, record in results.items()
    }
    save_results(draw(results, means), out, "mode_hopping", numbers)


if __name__ == "__main__":
    main()
