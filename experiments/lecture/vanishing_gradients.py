"""Why GANs are hard to train, problem 3: vanishing gradients (Arjovsky & Bottou 2017, Fig. 2-3).

As the paper does: train jaxgen's DCGAN (``experiments/configs/gan/digits.py``: its networks,
Adam and batch, built by the GAN family) for 1, 10 and 25 epochs on the 8x8 digits (an epoch
is ⌊1442 / 64⌋ = 22 iterations), freeze the generator, and train a fresh discriminator from
scratch against it for 4000 iterations. At log-spaced discriminator iterations, record the
generator's gradient norm under the minimax loss E log(1 − D(G(z))) (Fig. 2: it vanishes as
D's error goes to zero) and under the non-saturating −E log D(G(z)) (Fig. 3: it does not),
with D's loss and error. An untrained generator (epoch 0) is the reference: the easiest one
to reject. Writes ``vanishing_gradients.png`` and ``.json``.

D is measured as it is trained, BatchNorm on batch statistics (a batch of fakes normalised by
its own); the JSON also holds the norms with D's running averages (inference mode), which
mix real and fake batches' statistics and give a D that never trained in that mode: there
the minimax norm does not vanish.

Measured (seeds 0 and 1): D's error reaches 0 against every generator, and the minimax norm
falls 3.9/4.1, 4.0/4.2, 3.0/3.2 and 1.9/2.6 orders of magnitude from its peak for G after
0, 1, 10 and 25 epochs; the non-saturating norm ends within 0.5 orders of its peak. The
25-epoch generator stays short of the paper's five orders (16000 iterations give 2.8): its
norm is carried by the few fakes D rejects least (over batches of z its standard deviation
is as large as its mean). The paper's perfect D rests on G's support being a manifold of
dimension at most dim z below the data's (Lemma 1, Theorem 2.2); here z has 100 dimensions
and an image 64, so nothing forces a perfect D, and a trained G overlaps the data more.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import optax

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.configs.gan import digits  # noqa: E402
from experiments.families import gan  # noqa: E402
from experiments.lecture.common import output_folder, save_results, study_arguments  # noqa: E402
from jaxgen.core import compiler  # noqa: E402
from jaxgen.data import dispatch_batch  # noqa: E402
from jaxgen.gan import GANState, latent, losses, make_d_step  # noqa: E402

EPOCHS = (0, 1, 10, 25)  # Arjovsky & Bottou 2017, Fig. 2: 1, 10, 25; 0 (untrained) is ours
D_ITERATIONS = 4000  # Fig. 2: 4000 discriminator iterations
CHECKPOINTS = 20  # log-spaced recordings (jaxgen's choice)
NORM_BATCHES = 8  # each norm is the mean over 8 batches of z (jaxgen's choice)
LOSSES = ("minimax", "non_saturating")


def steps_per_epoch(dataset, batch_size: int) -> int:
    """Iterations per epoch: the batch schedule's ⌊N / B⌋ (:mod:`jaxgen.data.batching` draws
    a new permutation every ⌊N / B⌋ batches; for the digits ⌊1442 / 64⌋ = 22, the last 34
    images of each permutation left out)."""
    return dataset.num_examples // batch_size


def log_spaced(n: int, count: int) -> list[int]:
    """About ``count`` distinct integers from 1 to ``n``, evenly spaced in log n (fewer where
    small ones coincide)."""
    return sorted({int(round(i)) for i in np.logspace(0, np.log10(n), count)})


def generator_gradient_norms(state: GANState, zs: jax.Array, train: bool) -> dict:
    """‖∇_θ L_G‖ for L_G = mean log(1 − D(G(z))) (minimax, Fig. 2) and −mean log D(G(z))
    (non-saturating, Fig. 3), θ all of G's parameters, one norm per batch of ``zs``
    (batches, B, latent). G runs on batch statistics, as in its training step; D on batch
    statistics (``train``) or on its running averages."""

    def norm(name: str, z: jax.Array) -> jax.Array:
        def loss(g_params):
            fake, _ = state.g.forward(g_params, z, train=True)
            logits, _ = state.d.forward(state.d.params, fake, train=train)
            return losses.OBJECTIVES[name].generator(logits)

        return optax.tree.norm(jax.grad(loss)(state.g.params))

    return {name: jax.vmap(lambda z, name=name: norm(name, z))(zs) for name in LOSSES}


def discriminator_error(state: GANState, real: jax.Array, zs: jax.Array) -> jax.Array:
    """D's classification error at threshold ½: the fraction of a real batch with D(x) < ½
    and of the fake batches of ``zs`` with D(G(z)) > ½, each batch on its own statistics."""
    real_logits, _ = state.d.forward(state.d.params, real, train=True)

    def fake_logits(z):
        fake, _ = state.g.forward(state.g.params, z, train=True)
        return state.d.forward(state.d.params, fake, train=True)[0]

    wrong_fakes = jax.vmap(fake_logits)(zs) > 0
    return 0.5 * (jnp.mean(real_logits < 0) + jnp.mean(wrong_fakes))


def measurements(state: GANState, zs: jax.Array, real: jax.Array) -> dict:
    """Both generator gradient norms with D on batch statistics (``train``) and on its running
    averages (``inference``), and D's error on ``real`` and the fakes of ``zs``."""
    return {
        "train": generator_gradient_norms(state, zs, True),
        "inference": generator_gradient_norms(state, zs, False),
        "error": discriminator_error(state, real, zs),
    }


@dataclass(frozen=True)
class Study:
    """The GAN family's experiment for a config and the programs the study runs, each
    compiled once: ``init_state(seed)``, the GAN's training step, a discriminator update
    (:func:`jaxgen.gan.make_d_step`) and :func:`measurements`."""

    experiment: Any
    batch_size: int
    latent_dim: int
    init_state: Callable
    gan_step: Callable
    d_step: Callable
    measure: Callable


def study(config) -> Study:
    """The :class:`Study` of a GAN config (the family's ``build``: its networks and Adam)."""
    experiment = gan.build(config)
    d_step = make_d_step(latent_dim=config.model.latent_dim, objective=config.model.objective)
    return Study(
        experiment=experiment,
        batch_size=config.data.batch_size,
        latent_dim=config.model.latent_dim,
        init_state=compiler.jit(experiment.task.init_state),
        gan_step=compiler.jit(experiment.task.step),
        d_step=compiler.jit(d_step),
        measure=compiler.jit(measurements),
    )


def train_generators(setup: Study, epochs, seed: int) -> dict[int, GANState]:
    """The GAN state after each number of ``epochs``, trained by the config's step (DCGAN:
    one D then one G update per iteration, Goodfellow et al. 2014, Algorithm 1), dispatched
    one iteration at a time (conv steps run slowly inside ``lax.scan`` on XLA:CPU)."""
    dataset = setup.experiment.dataset
    per_epoch = steps_per_epoch(dataset, setup.batch_size)
    ages = {age * per_epoch: age for age in epochs}
    state, states = setup.init_state(seed), {}
    for iteration in range(max(ages) + 1):
        if iteration in ages:
            states[ages[iteration]] = state
        if iteration < max(ages):
            batches = dispatch_batch(
                dataset,
                first_iteration=iteration,
                batch_size=setup.batch_size,
                sub_batches=setup.experiment.task.sub_batches,
            )
            state, _ = setup.gan_step(state, batches)
    return states


def fresh_discriminator(setup: Study, generator: GANState, d_iterations: int, seed: int) -> dict:
    """Train a discriminator from scratch (the config's D and Adam, its own init from
    ``seed``) against the frozen ``generator`` for ``d_iterations`` updates, D update i on
    the dataset's batch i; at log-spaced iterations record both gradient norms (mean and
    standard deviation over :data:`NORM_BATCHES` batches of z, fixed for the run), D's loss
    on its training batch and its error there and on those fakes."""
    state = generator.replace(d=setup.init_state(seed).d)
    keys = jax.random.split(jax.random.key(seed), NORM_BATCHES)
    zs = jax.vmap(lambda k: latent(k, setup.batch_size, setup.latent_dim))(keys)
    checkpoints = set(log_spaced(d_iterations, CHECKPOINTS))
    record = {"d_iterations": [], "d_loss": [], "d_error": []}
    record.update({f"{name}{suffix}": [] for name in LOSSES for suffix in ("", "_std")})
    record.update({f"{name}_inference_mode": [] for name in LOSSES})
    for iteration in range(1, d_iterations + 1):
        real = setup.experiment.dataset.get_batch(iteration, setup.batch_size)
        state, metrics = setup.d_step(state, real)
        if iteration in checkpoints:
            numbers = setup.measure(state, zs, real["x"])
            record["d_iterations"].append(iteration)
            record["d_loss"].append(float(metrics["d_loss"]))
            record["d_error"].append(float(numbers["error"]))
            for name in LOSSES:
                record[name].append(float(numbers["train"][name].mean()))
                record[f"{name}_std"].append(float(numbers["train"][name].std()))
                record[f"{name}_inference_mode"].append(float(numbers["inference"][name].mean()))
    return record


def orders_of_magnitude(norms: list[float]) -> dict[str, float]:
    """log10(peak / final) and log10(first / final) of a recorded norm. The peak is the
    headline: a fresh D starts near D ≡ ½ (N(0, 0.02) weights) and must first learn before
    its gradient can vanish, so the first recording measures its initialisation, not G."""
    final = norms[-1]
    return {
        "peak_over_final": float(np.log10(max(norms) / final)),
        "first_over_final": float(np.log10(norms[0] / final)),
    }


def run(
    config=None, epochs=EPOCHS, d_iterations: int = D_ITERATIONS, seed: int = 0
) -> dict[str, dict]:
    """For each generator age in ``epochs`` (the digits config unless ``config`` is given),
    the :func:`fresh_discriminator` record with the decay of both norms in orders of
    magnitude (:func:`orders_of_magnitude`)."""
    config = config or digits.get_config()
    config.seed = seed
    setup = study(config)
    results = {}
    for age, generator in train_generators(setup, epochs, seed).items():
        record = fresh_discriminator(setup, generator, d_iterations, seed + 1)
        for name in LOSSES:
            record[f"{name}_orders_of_magnitude"] = orders_of_magnitude(record[name])
        results[f"epochs_{age}"] = {"generator_epochs": age, **record}
    return results


def draw(results: dict) -> plt.Figure:
    """Fig. 2 and 3 side by side (log-log: iterations are recorded log-spaced), one curve per
    generator age, the band ± one standard deviation over batches of z (floored at a tenth of
    the mean for the log axis); D's loss beside."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for record in results.values():
        its, label = record["d_iterations"], f"G after {record['generator_epochs']} epoch(s)"
        for ax, name in zip(axes[:2], LOSSES, strict=True):
            mean, std = np.array(record[name]), np.array(record[f"{name}_std"])
            ax.loglog(its, mean, "o-", ms=3, label=label)
            ax.fill_between(its, np.maximum(mean - std, mean / 10), mean + std, alpha=0.2)
        axes[2].loglog(its, record["d_loss"], "o-", ms=3, label=label)
    axes[0].set_title("minimax: ‖∇θ E log(1 − D(G(z)))‖ (Fig. 2)")
    axes[1].set_title("non-saturating: ‖∇θ −E log D(G(z))‖ (Fig. 3)")
    axes[2].set_title("the fresh discriminator's loss")
    for ax in axes:
        ax.set_xlabel("discriminator iterations (G frozen)")
        ax.legend()
    axes[0].set_ylabel("generator gradient norm")
    return fig


def main() -> None:
    parser = study_arguments(__doc__, "runs/lecture/vanishing_gradients")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = output_folder(args)
    start, cpu_start = time.perf_counter(), time.process_time()
    results = run(d_iterations=args.num_steps or D_ITERATIONS, seed=args.seed)
    figure = draw(results)
    results["minutes"] = (time.perf_counter() - start) / 60
    results["cpu_minutes"] = (time.process_time() - cpu_start) / 60  # the machine is shared
    save_results(figure, out, "vanishing_gradients", results)


if __name__ == "__main__":
    main()
