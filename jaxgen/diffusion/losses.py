"""The simplified training objective (Ho et al. 2020, Algorithm 1 and eq. 14):

    t ~ Uniform{1, …, T},  ε ~ N(0, I),  L_simple = ‖target − net(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖²

with target ε (the paper), x_0, or v (Salimans & Ho 2022), the squared error averaged over
the example's dimensions.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from jaxgen.core.rng import split_by_purpose
from jaxgen.diffusion.forward import q_sample, target
from jaxgen.diffusion.schedules import Schedule

# net(x_t, timesteps) -> output of x_t's shape (with a learned variance, the prediction and v
# on the last axis); ``timesteps`` are the network's time inputs
Denoiser = Callable[[jax.Array, jax.Array], jax.Array]


def noised_batch(schedule: Schedule, x0: jax.Array, key: jax.Array):
    """Algorithm 1's draws for a batch: step indices t (B,), noise ε and x_t."""
    keys = split_by_purpose(key, "t", "noise")
    t = jax.random.randint(keys["t"], x0.shape[:1], 0, schedule.num_steps)
    noise = jax.random.normal(keys["noise"], x0.shape, x0.dtype)
    return t, noise, q_sample(schedule, x0, t, noise)


def simple_loss(
    schedule: Schedule, net: Denoiser, x0: jax.Array, key: jax.Array, prediction: str = "eps"
) -> jax.Array:
    """Per-example L_simple (Ho et al. 2020, eq. 14), shape (B,).

    Args:
      schedule: the noise schedule.
      net: the denoiser ``net(x_t, t)``, ``t`` the network's time inputs.
      x0: the clean batch x_0, (B, ...).
      key: draws the step indices t and the noise ε.
      prediction: the target ``net`` is trained for: ``"eps"`` (ε), ``"x0"`` or ``"v"``.

    Returns:
      the squared error averaged over each example's dimensions, (B,).
    """
    t, noise, xt = noised_batch(schedule, x0, key)
    error = net(xt, schedule.timesteps[t]) - target(prediction, x0, noise, schedule, t)
    return jnp.mean(jnp.square(error), axis=tuple(range(1, x0.ndim)))
