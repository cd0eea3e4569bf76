"""The state of a flow's maximum-likelihood training."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import struct

from jaxgen.core.rng import init_key
from jaxgen.flows.bijector import Bijector
from jaxgen.flows.conditional import ClassConditionalPrior


class FlowState(struct.PyTreeNode):
    """``step`` (updates so far), ``key`` (the base key), the flow's ``params``, the
    optimiser's ``opt_state`` and optionally ``ema_params``; ``tx`` is static. The flow itself
    is not in the state: the step function closes over it."""

    step: jax.Array
    key: jax.Array
    params: Any
    opt_state: Any  # optax.OptState
    ema_params: Any
    tx: optax.GradientTransformation = struct.field(pytree_node=False)


def init_flow_state(
    *,
    flow: Bijector,
    seed: int,
    example: jax.Array,
    tx: optax.GradientTransformation,
    ema: bool = False,
    prior: ClassConditionalPrior | None = None,
) -> FlowState:
    """A fresh state for maximum-likelihood training of ``flow``.

    Args:
      flow: the bijector; its parameters come from ``init_key(key(seed))``.
      seed: the seed of the run's base key.
      example: a batch of (dequantized) training data, on which data-dependent layers
        (ActNorm) initialise.
      tx: the optimiser.
      ema: keep an EMA of the parameters (update it with ``with_ema(step, decay)``).
      prior: a class-conditional prior: the parameters become ``{"flow", "prior"}``
        (:mod:`jaxgen.flows.conditional`).

    Returns:
      a :class:`FlowState` at step 0.
    """
    key = jax.random.key(seed)
    params = flow.init(init_key(key), example)
    if prior is not None:
        params = {"flow": params, "prior": prior.init()}
    return FlowState(
        step=jnp.zeros((), jnp.int32),
        key=key,
        params=params,
        opt_state=tx.init(params),
        ema_params=jax.tree.map(jnp.copy, params) if ema else None,
        tx=tx,
    )
