"""The state of a diffusion model's training: the denoiser, its optimiser and its EMA."""

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


class DiffusionState(struct.PyTreeNode):
    """``step`` (updates so far), ``key`` (the base key) and the ``denoiser`` network, whose
    ``ema_params`` (Ho et al. §4: decay 0.9999) are the weights samplers use. The noise
    schedule is not state: it is fixed data the step and the samplers close over."""

    step: jax.Array
    key: jax.Array
    denoiser: NetState


def init_diffusion_state(
    *,
    seed: int,
    denoiser: nn.Module,
    data_shape: Sequence[int],
    tx: optax.GradientTransformation,
    ema: bool = True,
    compute_dtype: Any = jnp.float32,
    num_classes: int = 0,
) -> DiffusionState:
    """A fresh diffusion state, the denoiser initialised from ``init_key`` (a stream no update
    draws from).

    Args:
      seed: the seed of the run's base key, ``jax.random.key(seed)``.
      denoiser: a Flax module ``denoiser(x_t, t)`` (e.g. :class:`~jaxgen.nn.UNet`).
      data_shape: the shape of one example, e.g. ``(32, 32, 3)``.
      tx: the denoiser's optimiser.
      ema: keep an exponential moving average of the parameters, the weights samplers use
        (update it with ``with_ema``).
      compute_dtype: the dtype the denoiser computes in (:mod:`jaxgen.core.precision`).
      num_classes: > 0 for a class-conditional ``denoiser(x_t, t, labels)``.

    Returns:
      a :class:`DiffusionState` at step 0.
    """
    key = jax.random.key(seed)
    x = jnp.zeros((1, *data_shape))
    t = jnp.zeros((1,), jnp.int32)
    labels = (jnp.zeros((1,), jnp.int32),) if num_classes else ()
    variables = init_variables(denoiser, init_key(key), x, t, *labels)
    return DiffusionState(
        step=jnp.zeros((), jnp.int32),
        key=key,
        denoiser=NetState.create(
            module=denoiser, variables=variables, tx=tx, ema=ema, compute_dtype=compute_dtype
        ),
    )


def denoiser_fn(net: NetState, params=None):
    """``net(x_t, t)`` (``net(x_t, t, labels)`` for a class-conditional denoiser) in inference
    mode, with ``params`` (default: the EMA weights if kept)."""
    if params is None:
        params = net.params if net.ema_params is None else net.ema_params
    return lambda xt, t, *labels: net.forward(params, xt, t, *labels, train=False)[0]
