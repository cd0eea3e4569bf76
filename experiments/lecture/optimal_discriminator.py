"""The optimal discriminator and the value of the game (Goodfellow et al. 2014, Prop. 1, Thm. 1).

For fixed 1-D densities p_data (½N(−2, 0.5²) + ½N(2, 0.5²)) and p_G (N(0.5, 1.5²)), a
discriminator D trained by descending the cross-entropy −V(D, G) on samples of each
approaches D* = p_data / (p_data + p_G); and V(D*, G) = 2·JSD(p_data ‖ p_G) − log 4, both
sides integrated on a grid. Writes ``optimal_discriminator.png`` and ``.json``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import optax
from scipy.stats import norm

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.lecture.common import fit, output_dir, save_results  # noqa: E402
from jaxgen.gan import losses, theory  # noqa: E402
from jaxgen.nn.mlp import MLP  # noqa: E402

GRID = np.linspace(-10, 10, 20001)


def p_data(x):
    return 0.5 * norm.pdf(x, -2, 0.5) + 0.5 * norm.pdf(x, 2, 0.5)


def p_g(x):
    return norm.pdf(x, 0.5, 1.5)


def sample_data(key, n):
    k1, k2 = jax.random.split(key)
    centres = jnp.where(jax.random.bernoulli(k1, 0.5, (n, 1)), 2.0, -2.0)
    return centres + 0.5 * jax.random.normal(k2, (n, 1))


def sample_g(key, n):
    return 0.5 + 1.5 * jax.random.normal(key, (n, 1))


def train_discriminator(seed: int = 0, steps: int = 3000, batch: int = 512):
    """Adam on the discriminator's cross-entropy; returns D(x) = σ(logit) as a function."""
    net = MLP(hidden=(64, 64), out_dim=1, activation="tanh")
    params = net.init(jax.random.key(seed), jnp.zeros((1, 1)))
    tx = optax.adam(3e-3)

    def loss_fn(p, key):
        kr, kf = jax.random.split(key)
        return losses.discriminator_loss(
            net.apply(p, sample_data(kr, batch)), net.apply(p, sample_g(kf, batch))
        )

    params = fit(loss_fn, params, tx, steps, seed + 1)
    return lambda x: np.asarray(jax.nn.sigmoid(net.apply(params, jnp.asarray(x)[:, None])))[:, 0]


def compare(seed: int = 0, steps: int = 3000) -> dict:
    p, q = p_data(GRID), p_g(GRID)
    dx = GRID[1] - GRID[0]
    d_star = theory.optimal_discriminator(p, q)
    d_trained = train_discriminator(seed, steps)(GRID)
    mass = (p + q) / 2 > 1e-2  # where the samples that train D lie
    return {
        "grid": GRID,
        "d_star": d_star,
        "d_trained": d_trained,
        "max_abs_error_where_mass": float(np.abs(d_trained - d_star)[mass].max()),
        "mean_abs_error_where_mass": float(np.abs(d_trained - d_star)[mass].mean()),
        "value_at_optimum_quadrature": theory.value_at(d_star, p, q, dx),
        "two_jsd_minus_log4_quadrature": 2 * theory.jensen_shannon(p, q, dx) - np.log(4),
        "value_of_trained_d_quadrature": theory.value_at(d_trained, p, q, dx),
    }


def main() -> None:
    out = output_dir("optimal_discriminator", __doc__)
    result = compare()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(GRID, p_data(GRID), c="0.6", label="p_data")
    ax.plot(GRID, p_g(GRID), c="0.3", ls=":", label="p_G")
    ax.plot(GRID, result["d_star"], lw=3, alpha=0.6, label="D* = p_data / (p_data + p_G)")
    ax.plot(GRID, result["d_trained"], ls="--", label="trained D")
    ax.set_xlabel("x")
    ax.legend()
    ax.set_title("The optimal discriminator")
    save_results(fig, out, "optimal_discriminator", result)


if __name__ == "__main__":
    main()
