"""The GAN theory of the lecture, as functions that can be checked numerically.

* Optimal discriminator (Goodfellow et al. 2014, Prop. 1): for fixed densities p_data and p_G,
  D*(x) = p_data(x) / (p_data(x) + p_G(x)).
* Value at the optimum (Thm. 1): V(D*, G) = 2·JSD(p_data ‖ p_G) − log 4, with
  JSD(P ‖ Q) = ½ KL(P ‖ M) + ½ KL(Q ‖ M), M = ½(P + Q). Integrals are on a uniform grid.
* The bilinear game min_x max_y xy (the lecture's Nash-equilibrium example): player one
  descends f1 = xy in x, player two descends f2 = −xy in y. Simultaneous steps
  (x, y) ← (x − ηy, y + ηx) multiply the radius by exactly sqrt(1 + η²) every step;
  alternating steps (y uses the new x) conserve x² + y² − ηxy up to O(η) and stay bounded.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    return p_data / (p_data + p_g)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def value_at(d: np.ndarray, p_data: np.ndarray, p_g: np.ndarray, dx: float) -> float:
    """V(D, G) = ∫ p_data log D + p_G log(1 − D) dx on a grid of spacing dx."""
    return float(np.sum(_xlogy(p_data, d) + _xlogy(p_g, 1.0 - d)) * dx)


def jensen_shannon(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """JSD(P ‖ Q) in nats on a grid of spacing dx."""
    m = 0.5 * (p + q)
    kl = lambda a: np.sum(_xlogy(a, a) - _xlogy(a, m)) * dx  # noqa: E731
    return float(0.5 * kl(p) + 0.5 * kl(q))


def bilinear_game(x0: float, y0: float, eta: float, steps: int, *, simultaneous: bool):
    """Trajectory (steps + 1, 2) of gradient play on f1 = xy (player x), f2 = −xy (player y)."""

    def play(point, _):
        x, y = point
        new_x = x - eta * y  # ∂f1/∂x = y
        new_y = y + eta * (x if simultaneous else new_x)  # ∂f2/∂y = −x
        point = jnp.stack([new_x, new_y])
        return point, point

    start = jnp.array([x0, y0], jnp.float64 if jax.config.jax_enable_x64 else jnp.float32)
    _, path = jax.lax.scan(play, start, None, length=steps)
    return np.concatenate([np.asarray(start)[None], np.asarray(path)])
