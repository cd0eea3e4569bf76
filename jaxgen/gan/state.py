"""The GAN state: generator and discriminator with their optimisers, step counter, base key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax import struct

from jaxgen.core.rng import init_key
from jaxgen.core.state import NetState, init_variables


class GANState(struct.PyTreeNode):
    """``step`` counts updates of either network, ``g_steps`` those of the generator (WGAN's
    critic schedule depends on it); ``key`` is the run's base key; ``g`` and ``d`` are the
    generator's and the discriminator's :class:`~jaxgen.core.state.NetState`."""

    step: jax.Array
    g_steps: jax.Array
    key: jax.Array
    g: NetState
    d: NetState


def init_gan_state(
    *,
    seed: int,
    generator: nn.Module,
    discriminator: nn.Module,
    latent_dim: int,
    data_shape: Sequence[int],
    g_tx: optax.GradientTransformation,
    d_tx: optax.GradientTransformation,
    ema: bool = False,
    compute_dtype: Any = jnp.float32,
    num_classes: int = 0,
) -> GANState:
    """A fresh GAN state, both networks initialised from ``init_key`` (a stream no update
    draws from) and computing in ``compute_dtype``.

    Args:
      seed: the seed of the run's base key, ``jax.random.key(seed)``.
      generator: G, a Flax module mapping z of shape (B, ``latent_dim``) to samples.
      discriminator: D, a Flax module mapping samples to one logit (or score) each.
      latent_dim: the size of z.
      data_shape: the shape of one example, e.g. ``(8, 8, 1)``.
      g_tx: the generator's optimiser.
      d_tx: the discriminator's optimiser.
      ema: also keep an exponential moving average of the generator's parameters.
      compute_dtype: the dtype both networks compute in (:mod:`jaxgen.core.precision`).
      num_classes: > 0 for a class-conditional pair ``G(z, y)``, ``D(x, y)``.

    Returns:
      a :class:`GANState` at step 0.
    """
    key = jax.random.key(seed)
    g_key, d_key = jax.random.split(init_key(key))
    labels = (jnp.zeros((1,), jnp.int32),) if num_classes else ()
    g_vars = init_variables(generator, g_key, jnp.zeros((1, latent_dim)), *labels)
    d_vars = init_variables(discriminator, d_key, jnp.zeros((1, *data_shape)), *labels)
    return GANState(
        step=jnp.zeros((), jnp.int32),
        g_steps=jnp.zeros((), jnp.int32),
        key=key,
        g=NetState.create(
            module=generator, variables=g_vars, tx=g_tx, ema=ema, compute_dtype=compute_dtype
        ),
        d=NetState.create(
            module=discriminator, variables=d_vars, tx=d_tx, compute_dtype=compute_dtype
        ),
    )
