"""The conditional flow-matching loss (Lipman et al. 2023, eq. 9; Liu et al. 2023, eq. 1):

    L(θ) = E_{t ~ U[0, 1], x0 ~ N(0, I), x1 ~ data} ‖v_θ(x_t, t) − u_t(x1 | x0)‖²,

whose minimiser over all fields is the marginal velocity E[u_t | x_t] (their Theorem 2), the
field whose ODE carries N(0, I) to the data. Averaged here over the dimensions, as DDPM's
L_simple is, so the loss scale does not grow with the image size.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from jaxgen.core.rng import split_by_purpose
from jaxgen.flow_matching.paths import OTPath


def flow_matching_loss(
    path: OTPath, velocity: Callable, x1: jax.Array, key: jax.Array
) -> jax.Array:
    """The per-example loss mean_d (v(x_t, t) − u_t)² with t ~ U[0, 1) and x0 ~ N(0, I) drawn
    from ``key``, for ``velocity(x_t, t)`` with t of shape (B,)."""
    keys = split_by_purpose(key, "t", "x0")
    t = jax.random.uniform(keys["t"], (x1.shape[0],))
    x0 = jax.random.normal(keys["x0"], x1.shape, x1.dtype)
    error = velocity(path.interpolate(x0, x1, t), t) - path.target(x0, x1)
    return jnp.mean(jnp.square(error.astype(jnp.float32)).reshape(x1.shape[0], -1), axis=1)
