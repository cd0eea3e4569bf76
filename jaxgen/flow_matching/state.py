"""The state of a flow-matching model's training: the velocity network, its optimiser and its
EMA.

The networks are jaxgen's time-conditioned MLP (2-D data) and DDPM U-Net (images), whose
sinusoidal time embedding was made for DDPM's integer timesteps 0…999. A flow-matching time
t ∈ [0, 1] enters them as ``TIME_SCALE``·t, so the embedding's frequencies span the interval
as they span DDPM's (Song et al. 2021 feed their continuous-time networks 999·t for the
same reason).
"""

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

TIME_SCALE = 1000.0


class FlowMatchingState(struct.PyTreeNode):
    """``step`` (updates so far), ``key`` (the base key) and the ``velocity`` network v_θ(x, t),
    whose ``ema_params`` are the weights sampling and likelihoods use. The probability path
    is not state: it is fixed data the step closes over."""

    step: jax.Array
    key: jax.Array
    velocity: NetState


def init_flow_matching_state(
    *,
    seed: int,
    velocity: nn.Module,
    data_shape: Sequence[int],
    tx: optax.GradientTransformation,
    ema: bool = True,
    compute_dtype: Any = jnp.float32,
) -> FlowMatchingState:
    """A fresh flow-matching state, the network initialised from ``init_key`` (a stream no
    update draws from).

    Args:
      seed: the seed of the run's base key, ``jax.random.key(seed)``.
      velocity: a Flax module ``net(x, s)`` with s = ``TIME_SCALE``·t (e.g.
        :class:`~jaxgen.nn.UNet`, :class:`~jaxgen.nn.mlp.TimeConditionedMLP`).
      data_shape: the shape of one example, e.g. ``(2,)`` or ``(28, 28, 1)``.
      tx: the network's optimiser.
      ema: keep an exponential moving average of the parameters (update it with
        ``with_ema(step, decay, net="velocity")``).
      compute_dtype: the dtype the network computes in (:mod:`jaxgen.core.precision`).
    """
    key = jax.random.key(seed)
    variables = init_variables(
        velocity, init_key(key), jnp.zeros((1, *data_shape)), jnp.zeros((1,))
    )
    return FlowMatchingState(
        step=jnp.zeros((), jnp.int32),
        key=key,
        velocity=NetState.create(
            module=velocity, variables=variables, tx=tx, ema=ema, compute_dtype=compute_dtype
        ),
    )


def velocity_fn(net: NetState, params=None, *, train: bool = False, rngs: dict | None = None):
    """v(x, t) for times t ∈ [0, 1] of shape (B,) or a scalar, from ``params`` (default: the
    EMA weights if kept); ``train`` turns dropout on (it needs ``rngs={"dropout": key}``)."""
    if params is None:
        params = net.params if net.ema_params is None else net.ema_params

    def velocity(x: jax.Array, t: jax.Array) -> jax.Array:
        s = TIME_SCALE * jnp.broadcast_to(jnp.asarray(t, jnp.float32), x.shape[:1])
        return net.forward(params, x, s, train=train, rngs=rngs)[0]

    return velocity
