"""Why GANs are hard to train, problem 3: vanishing gradients (Arjovsky & Bottou 2017, Fig. 2).

Train a GAN for a few iterations (0, 100, 500: like the paper's DCGAN after 1, 10 and 25
epochs, a generator that a discriminator can still tell apart), freeze the generator, then
train a fresh discriminator from scratch against it. As D approaches a perfect discriminator
the generator's gradient under the minimax loss E log(1 − D(G(z))) vanishes, while under the
non-saturating loss −E log D(G(z)) it grows. On ring8 with MLPs; writes
``vanishing_gradients.png`` and ``.json``. A generator trained longer covers the modes well
enough that no discriminator separates it, and then neither gradient vanishes.
"""

from __future__ import annotations

import jax
import matplotlib
import numpy as np
import optax

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.lecture.common import mlp_gan, output_dir, write_json  # noqa: E402
from jaxgen.core import (
    compiler,  # noqa: E402
    scan_steps,  # noqa: E402
)
from jaxgen.data import get_dataset  # noqa: E402
from jaxgen.gan import losses, make_d_step, make_gan_step  # noqa: E402
from jaxgen.gan.steps import latent  # noqa: E402

LATENT, BATCH = 2, 512


def batches(dataset, first: int, n: int, k: int | None = 1):
    xs = np.stack([dataset.get_batch(first + i, BATCH)["x"] for i in range(n)])
    return {"x": xs[:, None] if k else xs}


def generator_gradient_norms(state, key) -> dict[str, jax.Array]:
    """‖∇_θ L_G‖ for both generator losses at the current D, on one batch of z."""
    z = latent(key, BATCH, LATENT)
    norms = {}
    for name in ("minimax", "non_saturating"):

        def loss_fn(g_params, name=name):
            fake, _ = state.g.forward(g_params, z, train=True)
            return losses.OBJECTIVES[name].generator(
                state.d.forward(state.d.params, fake, train=True)[0]
            )

        norms[name] = optax.tree.norm(jax.grad(loss_fn)(state.g.params))
    return norms


def run(gan_steps: int = 100, d_steps: int = 5000, seed: int = 0) -> dict:
    data = get_dataset("ring8", seed=seed)
    state = mlp_gan(seed, 2, LATENT)
    chunk = 100
    train = compiler.jit(scan_steps(make_gan_step(latent_dim=LATENT), chunk))
    for i in range(gan_steps // chunk):
        state, _ = train(state, batches(data, i * chunk, chunk))
    fresh = mlp_gan(seed + 1, 2, LATENT)
    state = state.replace(d=fresh.d)  # a discriminator trained from scratch, G frozen
    d_step = compiler.jit(make_d_step(latent_dim=LATENT))
    checkpoints = sorted({int(c) for c in np.unique(np.logspace(0, np.log10(d_steps), 25))})
    record = {"d_iterations": [], "minimax": [], "non_saturating": [], "d_loss": []}
    norms_key = jax.random.key(seed + 2)
    gradient_norms = compiler.jit(generator_gradient_norms)
    for it in range(1, d_steps + 1):
        state, metrics = d_step(state, data.get_batch(10**6 + it, BATCH))
        if it in checkpoints:
            norms = gradient_norms(state, norms_key)
            record["d_iterations"].append(it)
            record["minimax"].append(float(norms["minimax"]))
            record["non_saturating"].append(float(norms["non_saturating"]))
            record["d_loss"].append(float(metrics["d_loss"]))
    return record


GENERATOR_ITERATIONS = (0, 100, 500)


def main() -> None:
    out = output_dir("vanishing_gradients", __doc__)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    results = {}
    for gan_steps in GENERATOR_ITERATIONS:
        record = run(gan_steps=gan_steps)
        for name in ("minimax", "non_saturating"):
            record[f"{name}_peak_over_final"] = max(record[name]) / record[name][-1]
        results[f"g_trained_{gan_steps}"] = record
        for ax, name in zip(axes, ("minimax", "non_saturating"), strict=True):
            ax.loglog(
                record["d_iterations"], record[name], "o-", ms=3, label=f"G after {gan_steps} it."
            )
    axes[0].set_title("minimax loss log(1 − D(G(z)))")
    axes[1].set_title("non-saturating loss −log D(G(z))")
    axes[0].set_ylabel("‖∇θ L_G‖")
    for ax in axes:
        ax.set_xlabel("discriminator iterations (G frozen)")
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "vanishing_gradients.png", dpi=100)
    write_json(out / "vanishing_gradients.json", results)


if __name__ == "__main__":
    main()
