"""The pix2pix state: a :class:`~jaxgen.gan.GANState` whose generator maps input images to
output images and whose discriminator judges (input, output) pairs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxgen.core.rng import init_key
from jaxgen.core.state import NetState, init_variables
from jaxgen.gan.state import GANState


def init_pix2pix_state(
    *,
    seed: int,
    generator: nn.Module,
    discriminator: nn.Module,
    input_shape: Sequence[int],
    target_shape: Sequence[int],
    g_tx: optax.GradientTransformation,
    d_tx: optax.GradientTransformation,
    compute_dtype: Any = jnp.float32,
) -> GANState:
    """A fresh pix2pix state, both networks initialised from ``init_key`` (a stream no update
    draws from).

    Args:
      seed: the seed of the run's base key, ``jax.random.key(seed)``.
      generator: G, a Flax module mapping inputs (N, *input_shape) to outputs of
        ``target_shape`` (e.g. :class:`~jaxgen.nn.pix2pix.UNetGenerator`).
      discriminator: D, a Flax module mapping an input and an output concatenated on the
        channel axis to logits (e.g. :class:`~jaxgen.nn.cyclegan.PatchDiscriminator`).
      input_shape: one input image's shape, e.g. ``(256, 256, 3)``.
      target_shape: one target image's shape.
      g_tx: the generator's optimiser.
      d_tx: the discriminator's optimiser.
      compute_dtype: the dtype both networks compute in (:mod:`jaxgen.core.precision`).

    Returns:
      a :class:`~jaxgen.gan.GANState` at step 0.
    """
    key = jax.random.key(seed)
    g_key, d_key = jax.random.split(init_key(key))
    pair = (*input_shape[:-1], input_shape[-1] + target_shape[-1])
    g_vars = init_variables(generator, g_key, jnp.zeros((1, *input_shape)))
    d_vars = init_variables(discriminator, d_key, jnp.zeros((1, *pair)))
    networks = dict(compute_dtype=compute_dtype)
    return GANState(
        step=jnp.zeros((), jnp.int32),
        g_steps=jnp.zeros((), jnp.int32),
        key=key,
        g=NetState.create(module=generator, variables=g_vars, tx=g_tx, **networks),
        d=NetState.create(module=discriminator, variables=d_vars, tx=d_tx, **networks),
    )
