"""Probability paths from noise to data and their velocity targets (conditional flow
matching; Lipman et al. 2023, §4.1; Liu et al. 2023).

The time convention, once for all of jaxgen's continuous-time models: **t = 0 is the noise
x0 ~ N(0, I), t = 1 is the data x1**, and the ODE dx/dt = v(x, t) carries t from 0 to 1.
(DDPM's t runs the other way; its probability-flow solvers live in
:mod:`jaxgen.diffusion.ode_samplers`.)

The conditional optimal-transport path of Lipman et al. (eqs. 20-23) with minimum width
σ_min:

    x_t = (1 − (1 − σ_min)·t)·x0 + t·x1,      u_t = x1 − (1 − σ_min)·x0,

so x_t is the straight line between noise and data and u_t its (constant) velocity. At
σ_min = 0 this is rectified flow's linear interpolation, x_t = (1 − t)·x0 + t·x1 with
target x1 − x0 (Liu et al. 2023, eq. 1), whose marginal velocity E[x1 − x0 | x_t] is the
field the flow-matching loss E‖v(x_t, t) − u_t‖² is minimised by.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from jaxgen.errors import JaxgenError


class OTPath(struct.PyTreeNode, kw_only=True):
    """The conditional optimal-transport path (σ_min = 0: rectified flow)."""

    sigma_min: float = struct.field(pytree_node=False, default=0.0)

    def __post_init__(self):
        if not 0.0 <= self.sigma_min < 1.0:
            raise JaxgenError(
                f"`sigma_min`={self.sigma_min} must be in [0, 1); 0 is rectified flow"
            )

    def interpolate(self, x0: jax.Array, x1: jax.Array, t: jax.Array) -> jax.Array:
        """x_t = (1 − (1 − σ_min)·t)·x0 + t·x1 for times t of shape (B,)."""
        t = broadcast_time(t, x0)
        return (1.0 - (1.0 - self.sigma_min) * t) * x0 + t * x1

    def target(self, x0: jax.Array, x1: jax.Array) -> jax.Array:
        """u_t = x1 − (1 − σ_min)·x0, the velocity of the straight line (the same for all t)."""
        return x1 - (1.0 - self.sigma_min) * x0


def broadcast_time(t: jax.Array, x: jax.Array) -> jax.Array:
    """Times of shape (B,) (or a scalar) shaped to broadcast against x of shape (B, ...)."""
    t = jnp.asarray(t, x.dtype)
    return t.reshape(t.shape + (1,) * (x.ndim - t.ndim))
